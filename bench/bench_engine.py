"""Engine benchmark: every optimizer on Rosenbrock, batched runner vs a plain Python loop.

Run ``python bench/bench_engine.py`` (or ``--quick``). Prints first the engines side by
side (see ``bench/engines.py``), then one table of the numpy engine, one row per
optimizer (default hyperparameters):

- ``1 start``: steps per second of ``run()`` from a single start (1,000 steps);
- ``10k starts``: start-steps per second of ``run()`` from 10,000 starts at once;
- ``loop``: start-steps per second of the baseline, measured in the same run: a plain
  Python loop over starts and steps that calls the same ``value_and_grad`` and the same
  ``Optimizer.step`` on ``(2,)`` arrays, one start at a time. It is timed on a few
  starts x steps and extrapolated per start-step (its cost per start-step is constant);
- ``ratio``: batched (10k) over loop;
- ``10k x 1000``: seconds for 10,000 starts x 1,000 steps (``--quick``: measured on 200
  steps and scaled by 5).

Targets (issue 3): the whole 10k x 1000 column together under 60 s on 2 cores, and the
batched runner at least 100x faster than the loop.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optviz as ov  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engines  # noqa: E402

N_STARTS = 10_000
FULL_STEPS = 1_000


def _starts(surf: ov.Surface, n: int) -> np.ndarray:
    (x0, x1), (y0, y1) = surf.domain
    return np.random.default_rng(0).uniform([x0, y0], [x1, y1], size=(n, 2))


def _loop(surf: ov.Surface, opt: ov.Optimizer, starts: np.ndarray, steps: int) -> None:
    """The baseline: one start at a time, one step at a time, same rule and surface."""
    with np.errstate(all="ignore"):
        for p in starts:
            state = opt.init(p)
            for t in range(1, steps + 1):
                _, g = surf.value_and_grad(p)
                hess = surf.hess(p) if opt.uses_hessian else None
                p, state = opt.step(p, g, state, opt.lr, t, hess)


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(quick: bool = False) -> list[dict]:
    engines.main(quick)
    print()
    os.environ["OPTVIZ_ENGINE"] = "numpy"  # the table below is the numpy engine's
    try:
        return _numpy_engine(quick)
    finally:
        os.environ.pop("OPTVIZ_ENGINE")


def _numpy_engine(quick: bool) -> list[dict]:
    surf = ov.surface("rosenbrock")
    batch_steps = 200 if quick else FULL_STEPS
    loop_starts, loop_steps = (4, 50) if quick else (10, 200)
    starts = _starts(surf, N_STARTS)
    one = starts[0]
    ov.run(surf, "adam", start=starts[:10], steps=5)  # compile the surface once, untimed

    rows = []
    for name in ov.optimizers():
        opt = ov.optimizer(name)
        single = _time(lambda o=opt: ov.run(surf, o, start=one, steps=FULL_STEPS))
        batched = _time(lambda o=opt: ov.run(surf, o, start=starts, steps=batch_steps))
        looped = _time(lambda o=opt: _loop(surf, o, starts[:loop_starts], loop_steps))
        batched_rate = N_STARTS * batch_steps / batched
        loop_rate = loop_starts * loop_steps / looped
        rows.append(
            {
                "optimizer": name,
                "one_start_steps_per_s": FULL_STEPS / single,
                "batched_start_steps_per_s": batched_rate,
                "loop_start_steps_per_s": loop_rate,
                "ratio": batched_rate / loop_rate,
                "full_seconds": batched * FULL_STEPS / batch_steps,
            }
        )
    _print(rows, quick)
    return rows


def _print(rows: list[dict], quick: bool) -> None:
    head = (
        f"{'optimizer':<10} {'1 start':>12} {'10k starts':>14} {'loop':>12} "
        f"{'ratio':>8} {'10k x 1000':>11}"
    )
    unit = f"{'':<10} {'steps/s':>12} {'start-steps/s':>14} {'st-steps/s':>12} {'':>8} {'s':>11}"
    print("engine: Rosenbrock, default hyperparameters" + (" (quick)" if quick else ""))
    print(head)
    print(unit)
    for r in rows:
        print(
            f"{r['optimizer']:<10} {r['one_start_steps_per_s']:>12,.0f} "
            f"{r['batched_start_steps_per_s']:>14,.0f} {r['loop_start_steps_per_s']:>12,.0f} "
            f"{r['ratio']:>7,.0f}x {r['full_seconds']:>11.2f}"
        )
    total = sum(r["full_seconds"] for r in rows)
    worst = min(rows, key=lambda r: r["ratio"])
    scaled = " (200 steps measured, x5)" if quick else ""
    print(
        f"total 10k starts x 1000 steps, all {len(rows)} optimizers: {total:.1f} s{scaled} "
        f"(target < 60 s: {'met' if total < 60 else 'MISSED'})"
    )
    print(
        f"smallest batched/loop ratio: {worst['ratio']:,.0f}x ({worst['optimizer']}) "
        f"(target >= 100x: {'met' if worst['ratio'] >= 100 else 'MISSED'})"
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
