"""How long the command line takes to answer, against Python's own start-up.

Run:  python bench/bench_cli.py [--repeat N]

Prints the median wall time of each command over N runs (default 15) and its ratio to
``python -c pass`` measured in the same run, so the numbers travel between machines.
``optviz --help`` must stay well under half a second: the CLI imports nothing heavy
(matplotlib, sympy, scipy, numba) until a command needs it; ``optviz list`` reads the
catalog's TOML without sympy (target: within 3x ``python -c 'import numpy'``). The
last rows time a small end-to-end render for scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "optviz.cli"]
HELP_BUDGET = 0.5  # seconds: `optviz --help` answers before a person notices a wait
CASES = [
    ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
    ("python -c 'import numpy'", [sys.executable, "-c", "import numpy"]),
    ("python -c 'import typer'", [sys.executable, "-c", "import typer"]),
    ("python -c 'import optviz'", [sys.executable, "-c", "import optviz"]),
    ("optviz --help", [*CLI, "--help"]),
    ("python -m optviz --help", [sys.executable, "-m", "optviz", "--help"]),
    ("optviz race --help", [*CLI, "race", "--help"]),
    ("optviz list", [*CLI, "list"]),
]
RENDERS = [
    (
        "race: 2 optimizers, 200 steps, 120-frame GIF",
        [*CLI, "race", "rosenbrock", "-O", "adam:lr=0.1", "-O", "momentum:lr=0.001", "-q",
         "-o", "race.gif"],
    ),
    ("show: contour + 3-D PNG", [*CLI, "show", "himmelblau", "-q", "-o", "show.png"]),
]  # fmt: skip


def median_time(cmd: list[str], repeat: int, cwd: str) -> float:
    # Byte-code caching on, as in an installed copy (pip compiles it): a machine that sets
    # PYTHONDONTWRITEBYTECODE would otherwise time the compiler on every start-up.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args, _ = parser.parse_known_args()  # python -m bench passes its own arguments
    with tempfile.TemporaryDirectory() as cwd:
        rows = [(name, median_time(cmd, args.repeat, cwd)) for name, cmd in CASES]
        rows += [(name, median_time(cmd, 3, cwd)) for name, cmd in RENDERS]
    base = rows[0][1]
    width = max(len(name) for name, _ in rows)
    print(f"{'command':<{width}}  {'median s':>9}  {'x baseline':>10}")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:9.3f}  {seconds / base:10.1f}")
    helps = dict(rows)["optviz --help"]
    verdict = "within" if helps < HELP_BUDGET else "OVER"
    print(f"optviz --help: {helps:.3f} s, {verdict} the {HELP_BUDGET} s budget")
    times = dict(rows)
    ratio = times["optviz list"] / times["python -c 'import numpy'"]
    verdict = "met" if ratio <= 3 else "MISSED"
    print(f"optviz list / import numpy: {ratio:.1f}x (target <= 3: {verdict})")


if __name__ == "__main__":
    main()
