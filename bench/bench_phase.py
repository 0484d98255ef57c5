"""Phase maps: a momentum map over (lr, β) on a quadratic, against a hand-fused numpy loop.

Run ``python -m bench phase`` (``--quick``: 256² instead of 1024²). Cases:

- the map: ``optviz.phase`` on the elliptic bowl (κ = 25), ``n`` x ``n`` cells of heavy-ball
  momentum, 200 steps, every metric measured (the rate from each path's second half, and
  from the whole path of the runs that diverged or reached the floor), on 1 and 2 local
  worker processes; tiles a second for each. The compiled kernel is compiled (or loaded)
  once before the clock starts;
- the floor: a hand-fused numpy loop over the same grid and steps, every update in place,
  only the final positions kept, no checks and no rate: the least numpy can do.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STEPS = 200
X = ("lr", 1e-3, 2.0, "log")
Y = ("momentum", 0.0, 0.999)


def fused(n: int, steps: int = STEPS) -> float:
    """Heavy ball on 0.5·(x² + 25 y²) over the n x n grid, in place."""
    lr, beta = np.meshgrid(np.geomspace(*X[1:3], n), np.linspace(*Y[1:], n))
    lr, beta = lr.ravel(), beta.ravel()
    x, y = np.full(n * n, -2.7), np.full(n * n, 1.5)
    bx, by, gx, gy = (np.zeros(n * n) for _ in range(4))
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        for t in range(steps):
            np.copyto(gx, x)
            np.multiply(y, 25.0, out=gy)
            if t:
                bx *= beta
                by *= beta
            bx += gx
            by += gy
            np.multiply(bx, lr, out=gx)
            np.multiply(by, lr, out=gy)
            x -= gx
            y -= gy
    return time.perf_counter() - t0


def optviz_map(n: int, workers: int) -> tuple[float, int]:
    import optviz as ov
    from optviz.analysis import tiles

    job = ov.analysis.phase_maps.problem("elliptic", "momentum", X, Y, n, STEPS)
    count = len(tiles.cut(job.shape, tiles.tile_shape(job)))
    t0 = time.perf_counter()
    ov.phase("elliptic", "momentum", X, Y, n=n, steps=STEPS, workers=workers)
    return time.perf_counter() - t0, count


def main(quick: bool = False) -> list[tuple]:
    import optviz as ov

    n = 256 if quick else 1024
    os.environ["OPTVIZ_ENGINE"] = "compiled"  # the map's kernel, compiled once onto disk
    ov.phase("elliptic", "momentum", X, Y, n=8, steps=2, workers=1)
    os.environ["OPTVIZ_ENGINE"] = "auto"  # which then finds it there
    rows = [("hand-fused numpy loop", fused(n), None)]
    for workers in (1, 2):
        sec, count = optviz_map(n, workers)
        rows.append((f"optviz.phase, {workers} worker(s)", sec, count / sec))
    print(f"phase map {n}x{n} x {STEPS} steps, heavy ball on the elliptic bowl, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'case':<28} {'seconds':>8} {'vs fused':>9} {'tiles/s':>8}")
    for label, sec, rate in rows:
        rate_txt = f"{rate:8.2f}" if rate is not None else f"{'':>8}"
        print(f"{label:<28} {sec:8.2f} {sec / rows[0][1]:8.1f}x {rate_txt}")
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
