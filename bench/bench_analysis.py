"""Analysis benchmarks: basins of attraction and learning-rate tuning, batched vs looped.

Run ``python bench/bench_analysis.py`` (or ``--quick``). Prints one table: seconds for
each batched computation and for its baseline measured in the same run, and the ratio.

- basins: an n x n grid of starts x ``steps`` for 8 optimizers on Himmelblau (the issue's
  target: 200 x 200 x 500 in under 60 s on 2 cores). Baselines: a Python loop of
  single-start ``run()`` calls, timed on a few starts and extrapolated to the grid; and
  one unblocked ``run()`` of the whole grid per optimizer (the full history of every
  start in memory: 40000 x 501 x 4 floats = 640 MB at a time).
- tuning: 30 rates x 8 optimizers x 200 steps on Rosenbrock, each optimizer's rates as
  one batch, against a Python loop of one ``run()`` per rate (measured in full).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optviz as ov  # noqa: E402
from optviz import analysis  # noqa: E402

OPTIMIZERS = [
    "gd:lr=0.01",
    "momentum:lr=0.002",
    "nesterov:lr=0.002",
    "adagrad:lr=0.5",
    "rmsprop:lr=0.05",
    "adam:lr=0.1",
    "nadam:lr=0.1",
    "lion:lr=0.05",
]


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_basins(n: int, steps: int, loop_starts: int) -> list[tuple]:
    s = ov.surface("himmelblau")
    batched = _seconds(lambda: analysis.basins(s, OPTIMIZERS, n=n, steps=steps))
    X, Y = analysis.start_grid(s, n)
    starts = np.stack([X.ravel(), Y.ravel()], -1)
    pick = starts[np.linspace(0, len(starts) - 1, loop_starts).astype(int)]

    def loop():
        for opt in OPTIMIZERS:
            for p in pick:
                ov.run(s, opt, p, steps)

    per_start = _seconds(loop) / loop_starts
    looped = per_start * len(starts)
    whole = _seconds(lambda: [ov.run(s, opt, starts, steps) for opt in OPTIMIZERS])
    label = f"basins {n}x{n} x {steps} steps x {len(OPTIMIZERS)} opt"
    return [
        (label, batched, "loop of run() per start (extrapolated)", looped),
        (label, batched, "one unblocked run() per optimizer", whole),
    ]


def bench_tuning(rates: int, steps: int) -> list[tuple]:
    s = ov.surface("rosenbrock")
    lrs = np.logspace(-5, 1, rates)
    names = [o.split(":")[0] for o in OPTIMIZERS]
    batched = _seconds(lambda: analysis.tune(s, names, lrs=lrs, steps=steps))

    def loop():
        for name in names:
            for lr in lrs:
                ov.run(s, ov.optimizer(name, lr=lr), None, steps)

    looped = _seconds(loop)
    label = f"tune {rates} rates x {len(names)} opt x {steps} steps"
    return [(label, batched, "loop of run() per rate", looped)]


def main(quick: bool = False) -> list[tuple]:
    if quick:
        rows = bench_basins(n=50, steps=100, loop_starts=4) + bench_tuning(rates=10, steps=100)
    else:
        rows = bench_basins(n=200, steps=500, loop_starts=8) + bench_tuning(rates=30, steps=200)
    width = max(len(r[0]) for r in rows)
    base_w = max(len(r[2]) for r in rows)
    print(f"{'analysis':<{width}}  {'seconds':>8}  {'baseline':<{base_w}}  {'seconds':>8}  ratio")
    for label, ours, base, theirs in rows:
        print(
            f"{label:<{width}}  {ours:8.2f}  {base:<{base_w}}  {theirs:8.2f}  {theirs / ours:5.1f}x"
        )
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
