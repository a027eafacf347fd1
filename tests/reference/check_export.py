"""Runs an attnzoo TorchScript export with Python's torch.jit.load and compares its output with
the one the C++ test computed.

usage: check_export.py MODEL.pt CASES.pt [MODEL.pt CASES.pt ...]
CASES holds `count` cases: case i calls the model on in<i>_0 .. in<i>_<arity-1> and expects
expected<i>. Exits 0 when every case agrees within 1e-5, 1 otherwise (printing the worst
difference)."""
import sys

import torch


def check(model_path, cases_path):
    model = torch.jit.load(model_path)
    cases = torch.jit.load(cases_path)
    worst = 0.0
    for i in range(int(cases.count)):
        inputs = [getattr(cases, f"in{i}_{j}") for j in range(int(cases.arity))]
        expected = getattr(cases, f"expected{i}")
        with torch.no_grad():
            out = model(*inputs)
        if out.shape != expected.shape:
            print(f"{model_path}: case {i}: shape {tuple(out.shape)}, "
                  f"expected {tuple(expected.shape)}")
            return False
        worst = max(worst, (out - expected).abs().max().item())
    print(f"{model_path}: labels {list(model.label_names)}; {int(cases.count)} cases; "
          f"worst difference {worst:.3g}")
    return worst <= 1e-5


def main():
    pairs = sys.argv[1:]
    if not pairs or len(pairs) % 2:
        print(__doc__)
        return 2
    results = [check(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
