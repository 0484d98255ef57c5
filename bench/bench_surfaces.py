"""Surface benchmark: f, gradient and Hessian on a 1000 x 1000 grid vs a plain Python loop.

Run ``python bench/bench_surfaces.py`` (or ``--quick``: a 300 x 300 grid). Prints two
tables.

Grid evaluation, one row per surface and function (f, grad, hess, value_and_grad):

- ``grid``: the grid evaluated at once (positions ``(n, n, 2)``); tiny_net is an
  empirical-risk surface (mean over its 48 data rows), so every point costs 48 samples;
- ``ms``: wall time of the vectorized call (best of 3);
- ``loop µs/pt``: the baseline, measured in the same run: a plain Python loop over a
  100 x 100 subgrid calling hand-written scalar ``math`` formulas (for tiny_net, a loop
  over points and data rows), per point;
- ``ratio``: per-point time of the loop over per-point time of the vectorized call.

Set-up costs: sympy parse + derivatives + lambdify (compile) of each surface, and
``critical_points`` on a fresh copy (41 x 41 Newton starts, then polish).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optviz as ov  # noqa: E402
from optviz.catalog import compiling as _compile  # noqa: E402
from optviz.catalog import expressions as _expr  # noqa: E402
from optviz.catalog.critical import critical_points  # noqa: E402


# -- scalar baselines: what a plain Python implementation would write ----------------------
# Each takes (x, y, which) with which = 0 (f), 1 (gradient) or 2 (Hessian) and computes
# only that; None where no scalar version is written (the Hessians of Ackley, tiny_net).
def _rosenbrock(x: float, y: float, which: int, a: float = 1.0, b: float = 100.0):
    if which == 0:
        return (a - x) ** 2 + b * (y - x * x) ** 2
    if which == 1:
        return (-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x))
    return (2 - 4 * b * (y - 3 * x * x), -4 * b * x, 2 * b)


def _himmelblau(x: float, y: float, which: int):
    u, v = x * x + y - 11, x + y * y - 7
    if which == 0:
        return u * u + v * v
    if which == 1:
        return (4 * x * u + 2 * v, 2 * u + 4 * y * v)
    return (12 * x * x + 4 * y - 42, 4 * x + 4 * y, 4 * x + 12 * y * y - 26)


def _ackley(x: float, y: float, which: int):
    tau = 2 * math.pi
    r = math.sqrt(0.5 * (x * x + y * y))
    e1 = math.exp(-0.2 * r)
    e2 = math.exp(0.5 * (math.cos(tau * x) + math.cos(tau * y)))
    if which == 0:
        return -20 * e1 - e2 + math.e + 20
    if which == 1:
        c = 2 * e1 / r if r else 0.0
        return (c * x + e2 * math.pi * math.sin(tau * x), c * y + e2 * math.pi * math.sin(tau * y))
    return None


def _tiny_net(rows: np.ndarray):
    data = [tuple(r) for r in rows.tolist()]
    n = len(data)

    def fn(x: float, y: float, which: int):
        if which == 2:
            return None
        f = gx = gy = 0.0
        for u, t in data:
            th = math.tanh(x * u)
            r = y * th - t
            if which == 0:
                f += r * r
            else:
                gx += 2 * r * y * (1 - th * th) * u
                gy += 2 * r * th
        return f / n if which == 0 else (gx / n, gy / n)

    return fn


def _best(fn, repeats: int = 3) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _loop_per_point(scalar, s: ov.Surface, which: int) -> float:
    """Seconds per point of a Python loop over a 100 x 100 subgrid (which: 0 f, 1 grad, 2 hess)."""
    X, Y, _ = s.grid(100)
    xs, ys = X.ravel().tolist(), Y.ravel().tolist()
    t0 = time.perf_counter()
    out = 0.0
    for x, y in zip(xs, ys, strict=True):
        part = scalar(x, y, which)
        out += part if which == 0 else part[0]
    return (time.perf_counter() - t0) / len(xs)


CASES = {
    "rosenbrock": _rosenbrock,
    "himmelblau": _himmelblau,
    "ackley": _ackley,
    "tiny_net": None,  # built from the data rows
}


def main(quick: bool = False) -> list[tuple]:
    n = 300 if quick else 1000
    rows = []
    print(f"\nSurfaces: evaluation on a {n} x {n} grid vs a Python loop (per point)")
    head = f"{'surface':<12}{'function':<16}{'grid':>11}{'ms':>10}{'loop µs/pt':>12}{'ratio':>9}"
    print(head)
    print("-" * len(head))
    with np.errstate(all="ignore"):
        for name, scalar in CASES.items():
            s = ov.surface(name)
            if scalar is None:
                scalar = _tiny_net(s.data.values)
            X, Y, _ = s.grid(n)
            grid = np.stack([X, Y], -1)
            s.f(grid[:2])  # compile outside the timing
            label = f"{n}x{n}" + (f"x{s.n_samples}r" if s.data is not None else "")
            fns = [
                ("f", s.f, 0),
                ("grad", s.grad, 1),
                ("hess", s.hess, 2),
                ("value_and_grad", s.value_and_grad, 1),
            ]
            for fname, fn, which in fns:
                repeats = 1 if s.data is not None and not quick else 3
                sec = _best(lambda fn=fn, grid=grid: fn(grid), repeats)
                has_loop = scalar(0.3, 0.4, which) is not None
                loop = _loop_per_point(scalar, s, which) if has_loop else math.nan
                ratio = loop / (sec / grid[..., 0].size) if has_loop else math.nan
                rows.append((name, fname, label, sec * 1e3, loop * 1e6, ratio))
                loop_txt = f"{loop * 1e6:>12.2f}" if has_loop else f"{'—':>12}"
                ratio_txt = f"{ratio:>8.0f}x" if has_loop else f"{'—':>9}"
                print(f"{name:<12}{fname:<16}{label:>11}{sec * 1e3:>10.1f}{loop_txt}{ratio_txt}")

        print("\nSurfaces: set-up costs")
        head = f"{'surface':<18}{'compile ms':>12}{'critical ms':>13}{'points':>8}"
        print(head)
        print("-" * len(head))
        for name in ("rosenbrock", "himmelblau", "ackley", "goldstein_price", "tiny_net"):
            s = ov.surface(name)
            names = (*s.params, *(s.data.columns if s.data else ()))
            text = s.data.sample if s.data else s.expression
            t0 = time.perf_counter()
            _compile.compile_expr(_expr.parse(text, dict.fromkeys(names)), names)
            compile_ms = (time.perf_counter() - t0) * 1e3
            fresh = replace(s)  # critical_points caches per surface object
            t0 = time.perf_counter()
            pts = critical_points(fresh)
            crit_ms = (time.perf_counter() - t0) * 1e3
            rows.append((name, "setup", "", compile_ms, crit_ms, len(pts)))
            print(f"{name:<18}{compile_ms:>12.1f}{crit_ms:>13.1f}{len(pts):>8}")
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
