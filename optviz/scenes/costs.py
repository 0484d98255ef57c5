"""What a scene will cost, render by render, before anything runs.

:func:`scene_cost` adds up the cost of every render of a checked scene with the one cost
model (:mod:`optviz.util.budget`): the race a race kind draws (optimizers x starts x
steps) and its frames, the runs of a basin map or a sweep, a network experiment's
training, each figure drawn. The scene builder checks it, so a scene file, a command line
and an explorer request are refused in one line before the first run, naming the knob.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ..util import budget

Options = Mapping[str, Any]


def scene_cost(scene: Any) -> budget.Cost:
    """The whole scene: every render, one after another (the race once, shared)."""
    races = any(r.kind in RACE_DRAWN for r in scene.renders) or scene.metrics is not None
    parts = [_race(scene)] if races and scene.surface is not None and scene.optimizers else []
    parts += [_render(scene, r) for r in scene.renders]
    if not parts:
        return budget.Cost("an empty scene", budget.BASE_BYTES, 0.0, "")
    n = len(scene.renders)
    what = f"a scene of {n} render{'s' if n != 1 else ''}" + _kinds(scene)
    return budget.total(what, parts)


def _kinds(scene: Any) -> str:
    kinds = list(dict.fromkeys(r.kind for r in scene.renders))
    return f" ({', '.join(kinds[:4])}{', ...' if len(kinds) > 4 else ''})" if kinds else ""


RACE_DRAWN = ("contour", "3d", "panels", "quantities")


def _render(scene: Any, r: Any) -> budget.Cost:
    return COSTS.get(r.kind, _figure)(scene, r.options, r)


def _default(fn: Callable, name: str) -> Any:
    return inspect.signature(fn).parameters[name].default


def _steps(scene: Any, fn: Callable | None = None) -> int:
    if scene.steps is not None:
        return scene.steps
    if fn is None:  # a race's, from the one declaration of what a request gets
        from ..util.defaults import STEPS

        return STEPS
    return _default(fn, "steps")


def _starts(scene: Any) -> int:
    if scene.starts is None:
        return 1
    return len(scene.starts) if isinstance(scene.starts[0], list) else 1


def _k(scene: Any) -> int:
    return max(len(scene.optimizers), 1)


def _pixels(o: Options) -> tuple[int, int]:
    from ..render.style import figsize

    width, height = figsize(o["size"])
    return round(width * o["dpi"]), round(height * o["dpi"])


def _race(scene: Any) -> budget.Cost:
    race = budget.runs(_starts(scene), _steps(scene), _k(scene))
    if scene.lr is None or isinstance(scene.lr, float | int):
        return race
    from ..analysis.tuning import DEFAULT_LRS

    tuning = budget.final_states(len(DEFAULT_LRS) * _starts(scene), _steps(scene), _k(scene), 0)
    return budget.total(race.what, [race, tuning])


def _figure(scene: Any, o: Options, r: Any = None) -> budget.Cost:
    return budget.figures(1, what=f"drawing {r.output.name}" if r else "")


def _animation(scene: Any, o: Options, r: Any) -> budget.Cost:
    movers = _k(scene) * _starts(scene)
    if not r.animated:
        return budget.figures(1, movers)
    width, height = _pixels(o)
    frames = max(1, round(o["fps"] * o["duration"]))
    kept = frames if r.output.suffix.lower() in (".webp", ".apng") else 2
    return budget.frames(width, height, frames, kept, movers)


def _basins(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..analysis import basins

    n = o["n"] or _default(basins, "n")
    runs = budget.final_states(n * n, _steps(scene, basins), _k(scene), 0)
    return budget.total(runs.what, [runs, budget.figures(1)])


def _sweep(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..analysis import sweep
    from ..analysis.tuning import DEFAULT_LRS

    rates = len(o["lrs"]) if o["lrs"] else len(DEFAULT_LRS)
    runs = budget.final_states(rates * _starts(scene), _steps(scene, sweep), _k(scene), 0)
    return budget.total(runs.what, [runs, budget.figures(1)])


def _bands(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..analysis import bands

    runs = budget.runs(o["seeds"], _steps(scene, bands), 1, drawn=True)
    return budget.total(runs.what, [runs, budget.figures(1)])


def _init(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..nets import propagate
    from ..nets.initialization import cost
    from ..render.initplots import DEFAULT_SCHEMES

    schemes = len(o["schemes"] or DEFAULT_SCHEMES)
    depth = o["depth"] or _default(propagate, "depth")
    width = o["width"] or _default(propagate, "width")
    passes = cost(depth, width, _default(propagate, "batch"), schemes)
    if r.animated:
        w, h = _pixels(o)
        drawn = budget.frames(w, h, depth, 2, schemes)
    else:
        drawn = budget.figures(1, schemes)
    return budget.total(passes.what, [passes, drawn])


def _batchnorm(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..nets.batchnorm import cost, train_batchnorm

    sizes = {k: o[k] or _default(train_batchnorm, k) for k in ("depth", "width")}
    runs = cost(2, epochs=o["epochs"], batch_size=o["batch_size"], **sizes)
    return budget.total(runs.what, [runs, budget.figures(1)])


def _symmetry(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..nets import symmetry_run

    hidden = o["hidden"] or _default(symmetry_run, "hidden")
    steps = _steps(scene, symmetry_run)
    schemes = len(o["schemes"] or ("zeros", "constant", "xavier_normal"))
    one = budget.network((2, *hidden, 1), steps, 64, kept=steps + 1)
    runs = budget.Cost(one.what, one.memory, schemes * one.seconds, one.knob)
    return budget.total(runs.what, [runs, budget.figures(1)])


def _dropout(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..nets.dropout import cost, train_dropout

    hidden = o["hidden"] or _default(train_dropout, "hidden")
    runs = cost(2 * o["seeds"], hidden)
    # the figure's decision maps: 2 nets, 3 thinned and an ensemble of 100, on 150x150
    maps = budget.evaluations((2, *hidden, 2), 105, 150 * 150, 0)
    return budget.total(runs.what, [runs, maps, budget.figures(1)])


def _landscape(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..nets.jobs import frames_of, prepare
    from ..render.decision_panels import BOUNDARY_RESOLUTION
    from .results import landscape_arguments

    data, kwargs = landscape_arguments(scene, o)
    job = prepare(data, list(scene.optimizers), **kwargs)
    d = job.data
    rows = BOUNDARY_RESOLUTION**2 if d.classes and d.x.shape[1] == 2 else len(d)
    frames = frames_of(o["fps"], o["duration"], not r.animated)
    network = job.cost(frames, rows)
    if not r.animated:
        return network
    width, height = _pixels(o)
    drawn = budget.frames(width, height, frames, 2, len(job.runs))
    return budget.total(network.what, [network, drawn], network.knob)


def _sharpness(scene: Any, o: Options, r: Any) -> budget.Cost:
    from ..analysis.sharpness import ITERATIONS
    from .stability import HIDDEN

    widths = (2, *(o["hidden"] or HIDDEN), 1 if o["target"] == "values" else 3)
    steps, rows = scene.steps or 200, o["points"]
    measured = min(o["measured"], steps + 1)
    train = budget.network(widths, steps, rows, kept=steps + 1)
    # Lanczos: ITERATIONS Hessian-vector products, each two gradients, at every measured step
    lanczos = budget.network(widths, 2 * ITERATIONS * measured, rows, kept=0)
    one = budget.total(train.what, [train, lanczos])
    k = _k(scene)
    runs = budget.Cost(
        f"{k} run(s) of {one.what}",
        one.memory,
        k * one.seconds,
        "use fewer steps, points, measured steps or narrower hidden layers",
    )
    return budget.total(runs.what, [runs, budget.figures(1)])


COSTS: dict[str, Callable[[Any, Options, Any], budget.Cost]] = {
    "contour": _animation,
    "3d": _animation,
    "panels": _animation,
    "quantities": lambda scene, o, r: budget.figures(1, _k(scene)),
    "basins": _basins,
    "sweep": _sweep,
    "tune": _sweep,
    "bands": _bands,
    "init": _init,
    "batchnorm": _batchnorm,
    "symmetry": _symmetry,
    "dropout": _dropout,
    "landscape": _landscape,
    "sharpness": _sharpness,
}
"""The cost of each kind of render; any other kind is one figure."""
