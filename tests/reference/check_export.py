"""Runs an attnzoo TorchScript export with Python's torch.jit.load and compares its output with
the one the C++ test computed.

usage: check_export.py MODEL.pt CASES.pt   (CASES holds x<i>, edges<i>, expected<i> for i < count)
Exits 0 when every case agrees within 1e-5, 1 otherwise (printing the worst difference)."""
import sys

import torch


def main():
    model = torch.jit.load(sys.argv[1])
    cases = torch.jit.load(sys.argv[2])
    worst = 0.0
    for i in range(int(cases.count)):
        x = getattr(cases, f"x{i}")
        edges = getattr(cases, f"edges{i}")
        expected = getattr(cases, f"expected{i}")
        with torch.no_grad():
            out = model(x, edges)
        if out.shape != expected.shape:
            print(f"case {i}: shape {tuple(out.shape)}, expected {tuple(expected.shape)}")
            return 1
        worst = max(worst, (out - expected).abs().max().item())
    print(f"labels {list(model.label_names)}; worst difference {worst:.3g}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
