"""How fast oversized requests are refused, and what the largest accepted job of each kind
takes.

Run:  python bench/bench_limits.py [--quick] [--largest]   (or: python -m bench limits)

Table 1: the time from call to refusal of each oversized request (after one warm-up
call), against the time of a tiny accepted race measured in the same run. Target: every
refusal under a second, i.e. before any work starts. The CSV files are refused with
their peak memory beside them (a 60 MB line once peaked at 1.47 GB).

Table 2: the peak resident memory of ``basins(himmelblau, gd, n)`` at n = 400 and 1000,
each in a fresh process, against a process that only loads optviz and the surface.
Target: under about 1 GB. ``--quick`` measures n = 400 only.

Table 3: the cost model's estimate of what a race holds, against what it does hold.

Table 4 (``--largest``, about 15 minutes): for each kind of job, the largest one the cost
model accepts under the default budget (one knob turned up until the next step would be
refused), run in a fresh process: the estimate beside the measured CPU time, wall time
and peak memory (VmHWM). Target: every accepted job within about a minute of one core.
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


def _cli(*argv: str):
    """The command line in this process, its one-line refusal raised as an OptvizError."""
    import contextlib
    import io

    from optviz.cli import _main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = _main(list(argv))
    if code == 2:
        raise OptvizError(err.getvalue().strip())
    raise AssertionError(f"exit {code}: {err.getvalue()[-200:]}")


def _scene(data: dict):
    from optviz.scenes import scene_from_dict

    return scene_from_dict(data)


def network_requests(tmp: Path) -> list[tuple[str, callable]]:
    """The oversized network, scene and anatomy requests of issue 26."""
    rng = np.random.default_rng(0)
    wide = tmp / "f64.csv"
    np.savetxt(wide, np.column_stack([rng.normal(size=(200, 64)), rng.integers(0, 2, 200)]),
               delimiter=",", fmt="%.4g")  # fmt: skip
    classes = tmp / "classes32.csv"
    np.savetxt(classes, np.column_stack([rng.normal(size=(4000, 2)), rng.integers(0, 32, 4000)]),
               delimiter=",", fmt="%.4g")  # fmt: skip
    out = str(tmp / "x.gif")
    race = {"surface": "quadratic", "run": {"steps": 5}}
    return [
        ("landscape --hidden 4096 --steps 300",
         lambda: _cli("landscape", "moons", "--hidden", "4096", "--steps", "300", "-o", out)),
        ("landscape --points 100000 --hidden 64,64",
         lambda: _cli("landscape", "moons", "--points", "100000", "--hidden", "64,64", "-o", out)),
        ("landscape -O newton --hidden 12,12 --points 1e5",
         lambda: _cli("landscape", "moons", "-O", "newton", "--hidden", "12,12", "--points",
                      "100000", "-o", out)),
        ("landscape -O newton, 64 features, --hidden 4",
         lambda: _cli("landscape", "--data", str(wide), "-O", "newton", "--hidden", "4",
                      "-o", out)),
        ("landscape 16 optimizers",
         lambda: _cli("landscape", "moons", *["-O", "adam"] * 16, "-o", out)),
        ("landscape --data classes32.csv --hidden 4096",
         lambda: _cli("landscape", "--data", str(classes), "--hidden", "4096", "-o", out)),
        ("scene: 1000 optimizers", lambda: _scene({**race, "optimizers": ["gd"] * 1000})),
        ("scene: 1000 renders", lambda: _scene({**race, "optimizers": ["gd"], "render": [
            {"kind": "show", "output": f"s{i}.png"} for i in range(1000)]})),
        ("scene: dropout with 10,000 seeds",
         lambda: _scene({"render": {"kind": "dropout", "seeds": 10_000, "output": "d.png"}})),
        ("race: 100 -O adam --loss",
         lambda: _cli("race", "quadratic", *["-O", "adam"] * 100, "--loss", "-o", out)),
        ("anatomy --at 1000000",
         lambda: _cli("anatomy", "quadratic", "-O", "adam", "--at", "1000000", "-o", out)),
        ("anatomy --at 100000 --walk",
         lambda: _cli("anatomy", "quadratic", "-O", "adam", "--at", "100000", "--walk",
                      "-o", out)),
        ("title: ${{{...$ (100 braces)", lambda: text("$" + "{" * 100 + "$")),
    ]  # fmt: skip


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
    for name, call in requests(tmp) + network_requests(tmp):
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


CSV_PEAK = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from memory import peak_mb
    from optviz.nets.data import load_csv
    from optviz.util.errors import OptvizError
    before = peak_mb()
    try:
        load_csv(sys.argv[1])
    except OptvizError as exc:
        print(peak_mb() - before, exc)
    """
)


def csv_table(tmp: Path) -> None:
    """The two CSV files of issue 26, refused: time and peak memory in a fresh process."""
    line, rows = tmp / "line.csv", tmp / "rows.csv"
    line.write_bytes(b"1," * 30_000_000 + b"0\n")
    rows.write_bytes(b"1,0\n" * 16_600_000)
    print(f"\n{'CSV file refused':34} {'MB':>6} {'s':>6} {'peak MB':>8}  message")
    for name, path in (("one line of 60 MB", line), ("16.6 million lines of 4 bytes", rows)):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CSV_PEAK, str(path), str(ROOT / "bench")],
                             capture_output=True, text=True, env=_env())  # fmt: skip
        seconds = time.perf_counter() - start
        peak, _, message = out.stdout.strip().partition(" ")
        size = path.stat().st_size / 1e6
        print(f"{name:34} {size:6.0f} {seconds:6.1f} {float(peak or 'nan'):8.1f}  {message[:60]}")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def main(quick: bool = False, largest: bool = False) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        refusal_table(Path(tmp))
        csv_table(Path(tmp))
    basins_table(quick)
    estimate_table()
    if largest:
        from largest import largest_table

        largest_table()


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, largest="--largest" in sys.argv)
