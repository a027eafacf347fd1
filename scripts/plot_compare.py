"""Plots what `attnzoo compare` and `attnzoo bench` measured, with matplotlib.

usage: python3 scripts/plot_compare.py COMPARE_DIR
           writes COMPARE_DIR/accuracy_vs_time.png and, when the comparison has several train
           fractions, COMPARE_DIR/accuracy_vs_fraction.png (from COMPARE_DIR/results.csv)
       python3 scripts/plot_compare.py --bench BENCH.json OUT_PREFIX
           writes OUT_PREFIX_time.png and OUT_PREFIX_memory.png: median time and peak memory
           against sequence length, one line per variant and pass (from bench --json)
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def by_model(rows):
    models = {}
    for row in rows:
        models.setdefault(row["model"], []).append(row)
    return models


def accuracy_lines(ax, models, x_key):
    """One line per variant through its train fractions: mean test accuracy, sd as error bars."""
    for model, points in models.items():
        points = sorted(points, key=lambda r: r["train_fraction"])
        ax.errorbar([p[x_key] for p in points],
                    [100 * p["test_accuracy_mean"] for p in points],
                    yerr=[100 * p["test_accuracy_sd"] for p in points],
                    marker="o", capsize=3, label=model)


def save_plot(fig, ax, xlabel, ylabel, title, out, legend_fontsize=None):
    """Labels, grid and legend as every plot here has them, then writes `out`."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=legend_fontsize)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


def plot_compare(directory):
    with open(os.path.join(directory, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{directory}/results.csv: no rows")
    for row in rows:
        for key in ("train_fraction", "test_accuracy_mean", "test_accuracy_sd",
                    "train_seconds_mean"):
            row[key] = float(row[key])
        row["train_examples"] = int(row["train_examples"])
    models = by_model(rows)
    fractions = sorted({row["train_fraction"] for row in rows})

    fig, ax = plt.subplots(figsize=(7, 4.5))
    accuracy_lines(ax, models, "train_seconds_mean")
    title = "test accuracy against training time"
    if len(fractions) > 1:
        title += " (one point per train fraction)"
    save_plot(fig, ax, "training time per run (s, mean over seeds)", "test accuracy (%)", title,
              os.path.join(directory, "accuracy_vs_time.png"))

    if len(fractions) > 1:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        accuracy_lines(ax, models, "train_examples")
        ax.set_xscale("log")
        ticks = sorted({p["train_examples"] for p in rows})
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
        ax.minorticks_off()
        save_plot(fig, ax, "training examples (log scale)", "test accuracy (%)",
                  "test accuracy against training data",
                  os.path.join(directory, "accuracy_vs_fraction.png"))


def plot_bench(path, prefix):
    with open(path) as f:
        records = [r for r in json.load(f) if r.get("status") == "ok"]
    if not records:
        sys.exit(f"{path}: no measured record")
    lines = {}
    for r in records:
        lines.setdefault((r["model"], r["pass"]), []).append(r)
    for what, key, scale, label in (("time", "median_ms", 1.0, "median time (ms)"),
                                    ("memory", "peak_bytes", 1 / 2**20, "peak memory (MiB)")):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for (model, pass_name), points in lines.items():
            points.sort(key=lambda r: r["n"])
            ax.plot([p["n"] for p in points], [p[key] * scale for p in points],
                    marker="o", linestyle="-" if pass_name == "forward" else "--",
                    label=f"{model} ({pass_name})")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        save_plot(fig, ax, "sequence length", label, f"attention {what} against sequence length",
                  f"{prefix}_{what}.png", legend_fontsize=8)


def main():
    args = sys.argv[1:]
    if len(args) == 1 and not args[0].startswith("-"):
        plot_compare(args[0])
    elif len(args) == 3 and args[0] == "--bench":
        plot_bench(args[1], args[2])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
