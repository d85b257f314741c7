#!/usr/bin/python3
"""Plots a flipsim campaign report (the JSON of `flipsim report --json`) as PNG files.

usage: plot_report.py REPORT.json OUT_DIR
Writes sdc_by_class.png (rates with Wilson error bars), pe_heatmap.png (SDC rate per PE) and sdc_by_bit.png.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def bars(rows, title, xlabel, path):
    keys = [r["key"] for r in rows]
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(keys) + 2), 4))
    for metric, label, colour in (("sdc", "any SDC", "tab:orange"), ("critical", "critical SDC (top-1 changed)", "tab:red")):
        rate = [r[f"{metric}_rate"] for r in rows]
        low = [r[f"{metric}_rate"] - r[f"{metric}_ci_low"] for r in rows]
        high = [r[f"{metric}_ci_high"] - r[f"{metric}_rate"] for r in rows]
        offset = -0.2 if metric == "sdc" else 0.2
        ax.bar([i + offset for i in range(len(keys))], rate, width=0.4, yerr=[low, high], capsize=3, label=label,
               color=colour)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([f"{k}\n(n={r['n']})" for k, r in zip(keys, rows)], rotation=0, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("rate (95% Wilson interval)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def heatmap(rows, title, path):
    if not rows:
        return False
    cells = {tuple(int(v) for v in r["key"].split(",")): r for r in rows}
    n_rows = max(r for r, _ in cells) + 1
    n_cols = max(c for _, c in cells) + 1
    grid = [[float("nan")] * n_cols for _ in range(n_rows)]
    for (r, c), row in cells.items():
        grid[r][c] = row["sdc_rate"]
    fig, ax = plt.subplots(figsize=(1 + 0.6 * n_cols, 1 + 0.6 * n_rows))
    image = ax.imshow(grid, cmap="magma_r", vmin=0)
    for (r, c), row in cells.items():
        ax.text(c, r, f"{row['sdc_rate']:.2f}\nn={row['n']}", ha="center", va="center", fontsize=6, color="tab:blue")
    ax.set_xlabel("PE column")
    ax.set_ylabel("PE row")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="SDC rate")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main():
    report = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    name = report["campaign"]
    tables = report["tables"]
    bars(tables["class"], f"{name}: SDC rate by site class", "site class", os.path.join(out, "sdc_by_class.png"))
    bars(sorted(tables["bit"], key=lambda r: int(r["key"])), f"{name}: SDC rate by bit position", "bit",
         os.path.join(out, "sdc_by_bit.png"))
    heatmap(tables["pe"], f"{name}: SDC rate per PE", os.path.join(out, "pe_heatmap.png"))


if __name__ == "__main__":
    main()
