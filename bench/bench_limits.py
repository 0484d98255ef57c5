"""How fast oversized requests are refused, and how much memory a big basin map takes.

Run:  python bench/bench_limits.py [--quick]      (or: python -m bench limits)

Table 1: the time from call to refusal of each oversized request (after one warm-up
call), against the time of a tiny accepted race measured in the same run. Target: every
refusal under a second, i.e. before any work starts.

Table 2: the peak resident memory of ``basins(himmelblau, gd, n)`` at n = 400 and 1000,
each in a fresh process, against a process that only loads optviz and the surface.
Target: under about 1 GB. ``--quick`` measures n = 400 only.

Table 3: the cost model's estimate of what a race holds, against what it does hold.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

import optviz  # noqa: E402
from optviz import analysis, nets  # noqa: E402
from optviz.catalog import Surface  # noqa: E402
from optviz.render.writers import check_fps  # noqa: E402
from optviz.util import budget  # noqa: E402
from optviz.util.check import text  # noqa: E402
from optviz.util.errors import OptvizError  # noqa: E402


def _webp(tmp: Path) -> None:
    anim = optviz.race("quadratic", ["gd"], steps=5).animate(fps=60, duration=100, dpi=200)
    anim.save(tmp / "a.webp")


def requests(tmp: Path) -> list[tuple[str, callable]]:
    starts = np.zeros((100, 2))
    return [
        ("race: 3 optimizers x 100 starts x 1e6 steps",
         lambda: optviz.race("himmelblau", ["gd", "momentum", "adam"], starts, 1_000_000)),
        ("run: 4e6 starts x 1e6 steps", lambda: optviz.run("quadratic", "gd",
                                                           np.zeros((4_000_000, 2)), 1_000_000)),
        ("basins: n=2000 x 1e6 steps",
         lambda: analysis.basins("himmelblau", ["gd"], n=2000, steps=1_000_000)),
        ("symmetry: hidden 4096-4096, 100 steps",
         lambda: nets.symmetry_run("constant", hidden=(4096, 4096))),
        ("webp: 6000 frames at 2560x1440", lambda: _webp(tmp)),
        ("expr: sin(exp(exp(20)))*x", lambda: Surface.from_expr("sin(exp(exp(20)))*x")),
        ("expr: ((1e-300*x)**64)**64", lambda: Surface.from_expr("((1e-300*x)**64)**64")),
        ("expr: 25 chained powers", lambda: Surface.from_expr("x" + "**1.01" * 25)),
        ("expr: 400-digit literal", lambda: Surface.from_expr("1" + "0" * 400 + "*x")),
        ("title: 100,000 characters", lambda: text("a" * 100_000)),
        ("title: broken math $x^{$", lambda: text("$x^{$")),
        ("fps 0.001", lambda: check_fps(0.001, 120)),
        ("rosenbrock b=1e308", lambda: optviz.surface("rosenbrock", b=1e308)),
    ]  # fmt: skip


def refusal_table(tmp: Path) -> None:
    optviz.race("quadratic", ["gd"], steps=10)  # warm up: compile the surface
    baseline = _seconds(lambda: optviz.race("quadratic", ["gd"], steps=10))
    print(f"{'oversized request':44} {'refused in':>12} {'vs tiny race':>13}  message")
    print(f"{'tiny accepted race (baseline)':44} {baseline * 1e3:9.2f} ms")
    for name, call in requests(tmp):
        _refuse(call)  # warm up: compile the surface, import what the check needs
        seconds = _seconds(lambda c=call: _refuse(c))
        message = _refuse(call)
        print(f"{name:44} {seconds * 1e3:9.2f} ms {seconds / baseline:12.2f}x  {message[:70]}")


def _seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _refuse(call) -> str:
    try:
        call()
    except OptvizError as exc:
        return str(exc)
    raise AssertionError("accepted, not refused")


PEAK = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    import optviz
    from memory import peak_mb
    from optviz import analysis
    optviz.surface("himmelblau").f([0.0, 0.0])
    n = int(sys.argv[1])
    if n:
        analysis.basins("himmelblau", ["gd:lr=0.01"], n=n)
    print(peak_mb())
    """
)


def peak_mb(n: int) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(n), str(ROOT / "bench")],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-500:])
    return float(out.stdout), time.perf_counter() - start


def basins_table(quick: bool) -> None:
    base, _ = peak_mb(0)
    print(f"\n{'basins (himmelblau, gd, 500 steps)':36} {'peak MB':>9} {'vs loaded':>10} {'s':>7}")
    print(f"{'optviz and the surface loaded':36} {base:9.0f}")
    for n in (400,) if quick else (400, 1000):
        mb, seconds = peak_mb(n)
        verdict = "met" if mb < 1024 else "MISSED"
        print(f"{f'n = {n} ({n * n:,} starts)':36} {mb:9.0f} {mb / base:9.2f}x {seconds:7.1f}"
              f"  target < 1 GB: {verdict}")  # fmt: skip


def estimate_table() -> None:
    code = textwrap.dedent(
        """
        import os, numpy as np, optviz
        def resident():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        s = optviz.surface("himmelblau"); s.f([0.0, 0.0])
        optviz.race(s, ["gd"], start=np.zeros((4, 2)), steps=10)
        before = resident()
        starts = np.random.default_rng(0).uniform(-4, 4, (2000, 2))
        race = optviz.race(s, ["gd:lr=0.001", "adam:lr=0.01"], start=starts, steps=2000)
        print(resident() - before)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    held = float(out.stdout)
    estimate = budget.runs(2000, 2000, 2, drawn=False).memory - budget.BASE_BYTES
    print(f"\n{'race: 2 optimizers x 2000 starts x 2000 steps':46} {'MB':>8}")
    print(f"{'estimated history (budget.runs)':46} {estimate / 2**20:8.0f}")
    print(f"{'held, measured (resident memory)':46} {held / 2**20:8.0f}   "
          f"ratio {held / estimate:.2f}")  # fmt: skip
    print(f"memory budget here: {budget.memory_budget() / 2**30:.1f} GiB "
          f"(OPTVIZ_MEMORY; default {budget.DEFAULT_FRACTION:g} of "
          f"{budget.machine_memory() / 2**30:.0f} GiB)")  # fmt: skip


def main(quick: bool = False) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        refusal_table(Path(tmp))
    basins_table(quick)
    estimate_table()


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
