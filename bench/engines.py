"""Adam, 10,000 starts x 1,000 steps on Rosenbrock with full history: every engine side by side.

Printed first by ``python -m bench engine`` (``--quick``: 200
steps). Rows, all measured in the same run:

- ``optviz compiled``: ``run()`` on the compiled engine (numba; kernel already loaded);
- ``optviz numpy``: ``run()`` on the numpy engine (the reference);
- ``numpy floor``: a hand-fused numpy loop, in-place Adam, gradient written out by hand,
  no history and no checks: what numpy cannot go below;
- ``torch foreach`` / ``torch fused``: ``torch.optim.Adam`` on one (10000, 2) parameter
  (every start at once), the gradient set by hand, positions copied out every step.

Every row keeps the same history as ``run`` (positions per step), except the floor.
Targets (issue 13): compiled at or under the numpy floor, and 4x faster than torch
foreach (torch's default batched Adam).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optviz as ov  # noqa: E402

N, STEPS, LR = 10_000, 1_000, 0.01


def _starts() -> np.ndarray:
    return np.random.default_rng(0).uniform([-2, -1], [2, 3], size=(N, 2))


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _engine(name: str, starts: np.ndarray, steps: int) -> float:
    os.environ["OPTVIZ_ENGINE"] = name
    try:
        ov.run("rosenbrock", f"adam:lr={LR}", starts[:300], 5)  # load the kernel, untimed
        return _best(lambda: ov.run("rosenbrock", f"adam:lr={LR}", starts, steps))
    finally:
        os.environ.pop("OPTVIZ_ENGINE")


def _numpy_floor(starts: np.ndarray, steps: int) -> float:
    def loop():
        p = starts.copy()
        m, v = np.zeros_like(p), np.zeros_like(p)
        g, tmp = np.empty_like(p), np.empty(len(p))
        x, y = p[:, 0], p[:, 1]
        for t in range(1, steps + 1):
            np.multiply(x, x, out=tmp)  # rosenbrock a=1, b=100
            np.subtract(y, tmp, out=tmp)  # y - x²
            g[:, 1] = 200 * tmp
            g[:, 0] = -400 * tmp * x - 2 * (1 - x)
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            denom = np.sqrt(v) / np.sqrt(1 - 0.999**t) + 1e-8
            p -= (LR / (1 - 0.9**t)) * (m / denom)

    return _best(loop)


def _torch(starts: np.ndarray, steps: int, **flavour) -> float:
    import torch

    torch.set_num_threads(os.cpu_count() or 1)

    def loop():
        p = torch.nn.Parameter(torch.tensor(starts))
        opt = torch.optim.Adam([p], lr=LR, **flavour)
        history = torch.empty((steps + 1, *p.shape), dtype=p.dtype)
        history[0] = p.detach()
        for t in range(steps):
            with torch.no_grad():
                x, y = p[:, 0], p[:, 1]
                d = y - x * x
                p.grad = torch.stack([-400 * d * x - 2 * (1 - x), 200 * d], 1)
            opt.step()
            history[t + 1] = p.detach()

    return _best(loop)


def main(quick: bool = False) -> list[tuple]:
    steps = 200 if quick else STEPS
    starts = _starts()
    rows = [
        ("optviz compiled", _engine("compiled", starts, steps), "history + checks"),
        ("optviz numpy", _engine("numpy", starts, steps), "history + checks"),
        ("numpy floor", _numpy_floor(starts, steps), "hand-fused, no history"),
    ]
    try:
        import torch  # noqa: F401

        rows.append(("torch foreach", _torch(starts, steps, foreach=True), "history"))
        rows.append(("torch fused", _torch(starts, steps, fused=True), "history"))
    except ImportError:
        rows.append(("torch", float("nan"), "not installed"))
    compiled = rows[0][1]
    print(f"Adam, Rosenbrock, {N:,} starts x {steps:,} steps ({os.cpu_count()} cores)")
    print(f"{'engine':<16} {'seconds':>8} {'vs compiled':>12}  what it keeps")
    for name, sec, what in rows:
        print(f"{name:<16} {sec:8.3f} {sec / compiled:11.1f}x  {what}")
    floor = rows[2][1]
    torch_foreach = next((r[1] for r in rows if r[0] == "torch foreach"), float("nan"))
    print(
        f"compiled vs numpy floor: {floor / compiled:.2f}x "
        f"(target >= 1: {'met' if compiled <= floor else 'MISSED'}); "
        f"vs torch foreach: {torch_foreach / compiled:.1f}x "
        f"(target >= 4: {'met' if torch_foreach >= 4 * compiled else 'MISSED'})"
    )
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
