"""Analysis benchmarks: basin maps on both engines beside a hand-fused numpy loop, and tuning.

Run ``python bench/bench_analysis.py`` (or ``--quick``). Every case runs in its own
process, so its peak memory (the process's maximum resident set, imports included:
about 0.1 GB for numpy and optviz, 0.2 GB more once numba is loaded) is its own.

- basins on Himmelblau, 500 steps: 200 x 200 starts x 8 optimizers, and 1000 x 1000
  starts x gd (``--quick``: 100 x 100 and 400 x 400, 200 steps), each on the compiled
  engine (kernels loaded before the clock starts), on the numpy engine, and as a
  hand-fused numpy loop: the gradient written out, every update in place, only the
  final positions kept, no checks: the floor numpy code can reach;
- the first map a newcomer makes, ``basins("himmelblau", ["gd:lr=0.01"], n=1000,
  steps=500)`` with the engine left to choose, on an empty kernel cache (numba's import
  and the compile counted) and again once the cache holds the kernel, against the
  hand-fused loop (issue 21: at most 2x the floor, and the floor when warm);
- tuning: 30 rates x 8 optimizers x 200 steps on Rosenbrock (one batch per optimizer)
  against a Python loop of one ``run()`` per rate.

Targets (issue 13): 1000 x 1000 x 500 on the compiled engine at or under the hand-fused
loop's time, and under 1 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

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


# -- the cases, each run in a child process ------------------------------------------------
def case_engine(engine: str, n: int, steps: int, opts: list[str]) -> float:
    from optviz import analysis

    os.environ["OPTVIZ_ENGINE"] = engine
    if engine == "compiled":  # load (or compile) the kernels before the clock starts
        analysis.basins("himmelblau", opts, n=4, steps=2)
    t0 = time.perf_counter()
    analysis.basins("himmelblau", opts, n=n, steps=steps)
    return time.perf_counter() - t0


def case_newcomer(n: int, steps: int, opts: list[str], cache: str) -> float:
    """A newcomer's call, engine left to ``auto``, kernels cached in ``cache``: empty the
    first time (numba's import and the compile are in the time), filled the second."""
    os.environ["OPTVIZ_KERNEL_CACHE"] = cache
    from optviz import analysis

    t0 = time.perf_counter()
    analysis.basins("himmelblau", opts, n=n, steps=steps)
    return time.perf_counter() - t0


def case_fused(n: int, steps: int, opts: list[str]) -> float:
    import optviz as ov
    from optviz import analysis

    X, Y = analysis.start_grid(ov.surface("himmelblau"), n)
    t0 = time.perf_counter()
    for spec in opts:
        name, _, lr = spec.partition(":lr=")
        _fused(name, float(lr), X.ravel().copy(), Y.ravel().copy(), steps)
    return time.perf_counter() - t0


def _fused(name: str, lr: float, x: np.ndarray, y: np.ndarray, steps: int) -> None:
    """One optimizer on Himmelblau, in place, final positions only (torch's defaults)."""
    gx, gy, a, b = (np.empty_like(x) for _ in range(4))
    s1 = [np.zeros_like(x), np.zeros_like(x)]  # momentum / m / sum per coordinate
    s2 = [np.zeros_like(x), np.zeros_like(x)]  # v
    mu_product = 1.0
    for t in range(1, steps + 1):
        np.multiply(x, x, out=a)
        a += y
        a -= 11  # x² + y - 11
        np.multiply(y, y, out=b)
        b += x
        b -= 7  # x + y² - 7
        np.multiply(a, x, out=gx)
        gx *= 4
        gx += 2 * b
        np.multiply(b, y, out=gy)
        gy *= 4
        gy += 2 * a
        if name == "nadam":
            mu = 0.9 * (1 - 0.5 * 0.96 ** (t * 4e-3))
            mu_next = 0.9 * (1 - 0.5 * 0.96 ** ((t + 1) * 4e-3))
            mu_product *= mu
        for p, g, m, v in ((x, gx, s1[0], s2[0]), (y, gy, s1[1], s2[1])):
            if name == "gd":
                p -= lr * g
            elif name in ("momentum", "nesterov"):
                m *= 0.9
                m += g
                p -= lr * (g + 0.9 * m if name == "nesterov" else m)
            elif name == "adagrad":
                m += g * g
                p -= lr * g / (np.sqrt(m) + 1e-10)
            elif name == "rmsprop":
                m *= 0.99
                m += 0.01 * g * g
                p -= lr * g / (np.sqrt(m) + 1e-8)
            elif name in ("adam", "nadam"):
                m += 0.1 * (g - m)
                v *= 0.999
                v += 0.001 * g * g
                if name == "adam":
                    p -= (lr / (1 - 0.9**t)) * m / (np.sqrt(v) / np.sqrt(1 - 0.999**t) + 1e-8)
                else:
                    denom = np.sqrt(v / (1 - 0.999**t)) + 1e-8
                    p -= (lr * (1 - mu) / (1 - mu_product)) * g / denom
                    p -= (lr * mu_next / (1 - mu_product * mu_next)) * m / denom
            elif name == "lion":
                p -= lr * np.sign(0.9 * m + 0.1 * g)
                m *= 0.99
                m += 0.01 * g


def _child(case: str, *args) -> tuple[float, float]:
    """Run ``case(*args)`` in a fresh process: (seconds, peak resident GB)."""
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "import bench_analysis as b\n"
        "from memory import peak_mb\n"
        f"sec = b.{case}(*{args!r})\n"
        "peak = peak_mb() / 1024\n"
        "print(json.dumps([sec, peak]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPTVIZ_ENGINE"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    sec, peak = json.loads(out.stdout.strip().splitlines()[-1])
    return sec, peak


def bench_basins(n: int, steps: int, opts: list[str]) -> list[tuple]:
    label = f"basins {n}x{n} x {steps} steps x {len(opts)} opt"
    rows = []
    for what, case, args in (
        ("compiled engine", "case_engine", ("compiled", n, steps, opts)),
        ("numpy engine", "case_engine", ("numpy", n, steps, opts)),
        ("hand-fused numpy", "case_fused", (n, steps, opts)),
    ):
        sec, peak = _child(case, *args)
        rows.append((label, what, sec, peak))
    return rows


def bench_first_map(n: int, steps: int) -> list[tuple]:
    """The first basin map on a fresh install (an empty kernel cache), then a warm one."""
    import tempfile

    label = f"first map {n}x{n} x {steps} steps x gd"
    with tempfile.TemporaryDirectory() as cache:
        cold, cold_peak = _child("case_newcomer", n, steps, OPTIMIZERS[:1], cache)
        warm, warm_peak = _child("case_newcomer", n, steps, OPTIMIZERS[:1], cache)
    floor, floor_peak = _child("case_fused", n, steps, OPTIMIZERS[:1])
    return [
        (label, "hand-fused numpy", floor, floor_peak),
        (label, "empty kernel cache", cold, cold_peak),
        (label, "warm kernel cache", warm, warm_peak),
    ]


def bench_tuning(rates: int, steps: int) -> list[tuple]:
    import optviz as ov
    from optviz import analysis

    s = ov.surface("rosenbrock")
    lrs = np.logspace(-5, 1, rates)
    names = [o.split(":")[0] for o in OPTIMIZERS]
    t0 = time.perf_counter()
    analysis.tune(s, names, lrs=lrs, steps=steps)
    batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    for name in names:
        for lr in lrs:
            ov.run(s, ov.optimizer(name, lr=lr), None, steps)
    looped = time.perf_counter() - t0
    label = f"tune {rates} rates x {len(names)} opt x {steps} steps"
    return [
        (label, "batched sweep", batched, float("nan")),
        (label, "loop of run()", looped, float("nan")),
    ]


def main(quick: bool = False) -> list[tuple]:
    if quick:
        rows = bench_basins(100, 200, OPTIMIZERS) + bench_basins(400, 200, OPTIMIZERS[:1])
        rows += bench_first_map(400, 200) + bench_tuning(rates=10, steps=100)
    else:
        rows = bench_basins(200, 500, OPTIMIZERS) + bench_basins(1000, 500, OPTIMIZERS[:1])
        rows += bench_first_map(1000, 500) + bench_tuning(rates=30, steps=200)
    width = max(len(r[0]) for r in rows)
    print(f"analysis on {os.cpu_count()} cores; peak: the process's maximum resident set")
    print(f"{'case':<{width}}  {'how':<17} {'seconds':>8} {'vs first':>9} {'peak GB':>8}")
    first = {}
    for label, what, sec, peak in rows:
        first.setdefault(label, sec)
        peak_txt = f"{peak:8.2f}" if peak == peak else f"{'':>8}"
        print(f"{label:<{width}}  {what:<17} {sec:8.2f} {sec / first[label]:8.1f}x {peak_txt}")
    big = [r for r in rows if r[0].startswith("basins") and "x 1 opt" in r[0]]
    if big:
        compiled, fused = big[0], big[2]
        print(
            f"{big[0][0]}: compiled {fused[2] / compiled[2]:.2f}x the hand-fused loop's speed "
            f"(target >= 1: {'met' if compiled[2] <= fused[2] else 'MISSED'}), peak "
            f"{compiled[3]:.2f} GB (target < 1: {'met' if compiled[3] < 1 else 'MISSED'})"
        )
    first = [r for r in rows if r[0].startswith("first map")]
    if first:
        floor, cold, warm = (r[2] for r in first)
        print(
            f"{first[0][0]}: empty cache {cold / floor:.2f}x the numpy floor (target <= 2: "
            f"{'met' if cold <= 2 * floor else 'MISSED'}), warm {warm / floor:.2f}x "
            f"(target <= 1: {'met' if warm <= floor else 'MISSED'})"
        )
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
