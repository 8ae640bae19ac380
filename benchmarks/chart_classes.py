"""Draw bench_classes.py results (``--json``) as bars: CPU per class, before and after.

Usage: python benchmarks/chart_classes.py BEFORE.json AFTER.json OUT.png
Needs matplotlib (``pip install matplotlib``), which asynctestkit itself does not use.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    before_path, after_path, out = sys.argv[1:4]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = json.loads(Path(before_path).read_text())
    after = json.loads(Path(after_path).read_text())
    names = list(after)
    floor_before, floor_after = before[names[0]][1], after[names[0]][1]
    ratios_before = [before[name][1] / floor_before for name in names]
    ratios_after = [after[name][1] / floor_after for name in names]
    positions = range(len(names))
    figure, axes = plt.subplots(figsize=(8, 3.6), dpi=110)
    width = 0.38
    axes.bar([p - width / 2 for p in positions], ratios_before, width, label="before")
    axes.bar([p + width / 2 for p in positions], ratios_after, width, label="after")
    for p, value in zip(positions, ratios_after, strict=True):
        axes.annotate(f"{value:.1f}x", (p + width / 2, value), ha="center", va="bottom", fontsize=8)
    for p, value in zip(positions, ratios_before, strict=True):
        axes.annotate(f"{value:.0f}x", (p - width / 2, value), ha="center", va="bottom", fontsize=8)
    axes.set_yscale("log")
    axes.set_xticks(list(positions), [name.replace(", ", "\n") for name in names], fontsize=8)
    axes.set_ylabel("CPU per class, x IsolatedAsyncioTestCase")
    axes.set_title("One class of one trivial test, 30 classes per base (medians)", fontsize=9)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    figure.savefig(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
