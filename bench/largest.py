"""The largest job of each kind that the cost model accepts, and what it takes.

Used by ``python bench/bench_limits.py --largest``. For each kind, one knob is turned up
(a binary search on the cost model's own estimate, the one the command checks) to the
largest value the default budget accepts; that job then runs in a fresh process through
the command line, and the table prints the estimate beside the measured CPU time, wall
time and peak resident memory (VmHWM). The wall time includes whatever else the machine
is running; the CPU time is what the estimate predicts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optviz.util import budget  # noqa: E402
from optviz.util.errors import OptvizError  # noqa: E402

DEFAULT_OPTIMIZERS = ["sgd:lr=0.1", "momentum:lr=0.1", "adam:lr=0.01"]


@dataclass
class Kind:
    """A kind of job: ``cost(v)`` as the command estimates it, ``argv(v, folder)`` to run it."""

    name: str
    knob: str
    cost: Callable[[int], budget.Cost]
    argv: Callable[[int, Path], list[str]]
    lo: int
    hi: int


def _landscape(**kwargs) -> Callable[[int], budget.Cost]:
    """The cost ``optviz landscape`` checks (its default .gif), one argument from ``v``."""
    from optviz.cli.networks import landscape_cost
    from optviz.nets.jobs import prepare

    look = {"fps": 20.0, "duration": 8.0, "size": "16:9", "dpi": 100}

    def cost(v: int) -> budget.Cost:
        args = {k: (f(v) if callable(f) else f) for k, f in kwargs.items()}
        job = prepare("moons", args.pop("optimizers", DEFAULT_OPTIMIZERS), **args)
        return landscape_cost(job, Path("x.gif"), look)

    return cost


def _scene_cost(make: Callable[[int], dict]) -> Callable[[int], budget.Cost]:
    from optviz.scenes import scene_from_dict
    from optviz.scenes.costs import scene_cost

    return lambda v: scene_cost(scene_from_dict(make(v)))


def _scene_argv(make: Callable[[int], dict]) -> Callable[[int, Path], list[str]]:
    from optviz.util.toml_write import dumps

    def argv(v: int, folder: Path) -> list[str]:
        path = folder / "job.toml"
        path.write_text(dumps(make(v)))
        return ["scene", str(path)]

    return argv


def _dropout(seeds: int) -> dict:
    return {"render": {"kind": "dropout", "seeds": seeds, "output": "d.png"}}


def _batchnorm(epochs: int) -> dict:
    return {"render": {"kind": "batchnorm", "epochs": epochs, "output": "b.png"}}


def _init(width: int) -> dict:
    return {"render": {"kind": "init", "width": width, "output": "i.png"}}


def _shows(n: int) -> dict:
    renders = [{"kind": "show", "output": f"s{i}.png"} for i in range(n)]
    return {"surface": "quadratic", "render": renders}


def _race(steps: int) -> dict:
    return {"surface": "rosenbrock", "optimizers": ["gd:lr=0.001", "momentum:lr=0.001", "adam"],
            "run": {"steps": steps}, "render": {"kind": "contour", "output": "r.png"}}  # fmt: skip


def _race_gif(duration: int) -> dict:
    return {"surface": "quadratic", "optimizers": ["adam"] * 32, "run": {"steps": 100},
            "render": {"kind": "contour", "loss": True, "duration": duration,
                       "output": "r.gif"}}  # fmt: skip


def _basins(n: int) -> dict:
    return {"surface": "himmelblau", "optimizers": ["gd:lr=0.01"],
            "render": {"kind": "basins", "n": n, "output": "b.png"}}  # fmt: skip


def _anatomy(walk: bool) -> Callable[[int], budget.Cost]:
    from optviz.analysis.anatomy import cost

    return lambda at: cost(1, at, at, walk)


def kinds() -> list[Kind]:
    gif = ["-o", "x.gif", "-q"]
    return [
        Kind("landscape (.gif)", "--hidden W", _landscape(hidden=lambda v: (v,)),
             lambda v, f: ["landscape", "moons", "--hidden", str(v), *gif], 1, 4096),
        Kind("landscape (.gif)", "--points N", _landscape(n=lambda v: v),
             lambda v, f: ["landscape", "moons", "--points", str(v), *gif], 4, 100_000),
        Kind("landscape (.gif)", "--steps S", _landscape(steps=lambda v: v),
             lambda v, f: ["landscape", "moons", "--steps", str(v), *gif], 1, 100_000),
        Kind("landscape -O newton (.gif)", "--hidden W",
             _landscape(optimizers=["newton"], hidden=lambda v: (v,)),
             lambda v, f: ["landscape", "moons", "-O", "newton", "--hidden", str(v), *gif],
             1, 59),
        Kind("race, 3 optimizers (.png)", "--steps S", _scene_cost(_race),
             _scene_argv(_race), 1, 1_000_000),
        Kind("race, 32 optimizers (.gif)", "duration D s", _scene_cost(_race_gif),
             _scene_argv(_race_gif), 1, 600),
        Kind("basins, 1 optimizer", "--n N", _scene_cost(_basins), _scene_argv(_basins),
             2, 2000),
        Kind("dropout scene", "seeds", _scene_cost(_dropout), _scene_argv(_dropout),
             2, 10_000),
        Kind("batchnorm scene", "epochs", _scene_cost(_batchnorm), _scene_argv(_batchnorm),
             1, 10_000),
        Kind("init scene (3 schemes)", "width", _scene_cost(_init), _scene_argv(_init),
             1, 4096),
        Kind("scene of show renders", "renders", _scene_cost(_shows), _scene_argv(_shows),
             1, 1000),
        Kind("anatomy", "--at", _anatomy(False),
             lambda v, f: ["anatomy", "quadratic", "-O", "adam", "--at", str(v), "-o",
                           "a.png", "-q"], 1, 1_000_000),
        Kind("anatomy --walk", "--at", _anatomy(True),
             lambda v, f: ["anatomy", "quadratic", "-O", "adam", "--at", str(v), "--walk",
                           "-o", "a.gif", "-q"], 1, 100_000),
    ]  # fmt: skip


def largest(kind: Kind) -> int:
    """The largest knob value in ``lo..hi`` whose estimate the default budget accepts."""
    lo, hi = kind.lo, kind.hi
    if not _fits(kind, lo):
        return 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _fits(kind, mid) else (lo, mid - 1)
    return lo


def _fits(kind: Kind, v: int) -> bool:
    try:
        budget.check(kind.cost(v))
    except OptvizError:
        return False
    return True


CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    from memory import peak_mb
    from optviz.cli import _main
    argv = json.loads(sys.argv[2])
    cpu, wall = time.process_time(), time.perf_counter()
    code = _main(argv)
    print(json.dumps([code, time.process_time() - cpu, time.perf_counter() - wall, peak_mb()]))
    """
)


def measure(argv: list[str], folder: Path) -> tuple[int, float, float, float]:
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env.pop("OPTVIZ_WORK", None)
    env.pop("OPTVIZ_MEMORY", None)
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "bench"), json.dumps(argv)],
                         capture_output=True, text=True, env=env, cwd=folder)  # fmt: skip
    try:
        return tuple(json.loads(out.stdout.strip().splitlines()[-1]))
    except (IndexError, ValueError):
        raise RuntimeError(out.stderr[-500:]) from None


def largest_table(only: list[str] | None = None) -> None:
    """The table; ``only``: the kinds whose name contains one of these words."""
    print(f"\n{'largest accepted job':30} {'knob':>20} {'estimate':>9} {'cpu s':>7} "
          f"{'wall s':>7} {'peak MB':>8}  exit")  # fmt: skip
    for kind in kinds():
        if only and not any(word in kind.name for word in only):
            continue
        v = largest(kind)
        estimate = kind.cost(v)
        with tempfile.TemporaryDirectory() as tmp:
            code, cpu, wall, peak = measure(kind.argv(v, Path(tmp)), Path(tmp))
        knob = f"{kind.knob.split()[0]} {v}"
        print(f"{kind.name:30} {knob:>20} {estimate.seconds:8.0f}s {cpu:7.1f} {wall:7.1f} "
              f"{peak:8.0f}  {code}", flush=True)  # fmt: skip


if __name__ == "__main__":
    largest_table(sys.argv[1:])
