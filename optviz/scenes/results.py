"""What each kind of render is drawn from: the race, a basin map, trained networks, ...

:func:`result` computes a render's result once per scene and keeps it, so drawing it and
checking the scene's claims on it (:mod:`optviz.scenes.lessons`) share one computation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ..util.errors import ParameterError

RACE_KINDS = ("contour", "3d", "panels", "side", "quantities")  # drawn from the scene's race

Options = Mapping[str, Any]


def result(scene: Any, r: Any) -> Any:
    """The result render ``r`` of ``scene`` is drawn from (computed on first use)."""
    if r.kind in RACE_KINDS:
        return scene.race()
    key = (r.kind, r.output)
    if key not in scene.computed:
        scene.computed[key] = COMPUTE[r.kind](scene, r.options)
    return scene.computed[key]


def _surface(scene: Any, o: Options) -> Any:
    return scene.surface


def _basins(scene: Any, o: Options) -> Any:
    from ..analysis import basins

    kwargs = scene.run_options(n=o["n"], schedule=scene.schedule, noise=scene.noise)
    return basins(scene.surface, list(scene.optimizers), **kwargs)


def _learning_rates(which: str) -> Callable[[Any, Options], Any]:
    """The sweep and the tuning: the same runs, read two ways."""

    def compute(scene: Any, o: Options) -> Any:
        from .. import analysis

        kwargs = scene.run_options(
            lrs=o["lrs"],
            objective=o["objective"],
            start=scene.starts,
            schedule=scene.schedule,
            noise=scene.noise,
        )
        return getattr(analysis, which)(scene.surface, list(scene.optimizers), **kwargs)

    return compute


def _curvature(scene: Any, o: Options) -> Any:
    from ..analysis import curvature

    return curvature(scene.surface, **({"n": o["n"]} if o["n"] else {}))


def _bands(scene: Any, o: Options) -> Any:
    from ..analysis import bands

    kwargs = scene.run_options(
        seeds=o["seeds"], start=scene.starts, schedule=scene.schedule, noise=scene.noise
    )
    return bands(scene.surface, scene.optimizers[0], **kwargs)


def surface_params(text: str) -> dict[str, float]:
    """``"b=10,a=2"`` -> ``{"b": 10.0, "a": 2.0}`` (a surface's or a scheme's options)."""
    from ..engine.optim import parse_options

    options = parse_options(text, "surface parameters")
    try:
        return {k: float(v) for k, v in options.items()}
    except ValueError:
        raise ParameterError(f"surface parameters must be numbers, not {text!r}") from None


def scheme(text: str) -> tuple[str, dict[str, float]]:
    """``"xavier_normal:gain=1.67"`` -> ``("xavier_normal", {"gain": 1.67})``."""
    from .. import nets

    name, _, options = text.partition(":")
    own = surface_params(options) if options else {}
    if set(own) - {"gain"}:
        raise ParameterError(f"init scheme '{text}': the only option is gain, e.g. ':gain=1.67'")
    return nets.check_scheme(name.strip()), own


def init_schemes(o: Options) -> list[str]:
    """The init render's schemes as written (the default list when none are given)."""
    from ..render.initplots import DEFAULT_SCHEMES

    return list(o["schemes"] or DEFAULT_SCHEMES)


def _init(scene: Any, o: Options) -> tuple:
    """One forward and backward pass per scheme (:class:`optviz.nets.LayerStats`)."""
    kwargs = {k: o[k] for k in ("activation", "depth", "width", "gain") if o.get(k) is not None}
    kwargs.update(_seed(scene))
    stats = []
    for text in init_schemes(o):
        name, own = scheme(text)
        stats.append(_propagate(name, tuple(sorted({**kwargs, **own}.items()))))
    return tuple(stats)


@functools.lru_cache(maxsize=32)
def _propagate(name: str, options: tuple) -> Any:
    """:func:`optviz.nets.propagate`, kept: scenes of one net share its passes (a pass
    depends only on its arguments, the seed among them)."""
    from .. import nets

    return nets.propagate(name, **dict(options))


def _seed(scene: Any) -> dict[str, int]:
    return {} if scene.seed is None else {"seed": scene.seed}


def _batchnorm(scene: Any, o: Options) -> tuple:
    from .. import nets

    keys = ("activation", "scheme", "depth", "width", "lr", "epochs", "batch_size")
    kwargs = {k: o[k] for k in keys if o.get(k) is not None}
    return nets.batchnorm_pair(**kwargs, **_seed(scene))


def symmetry_schemes(o: Options) -> list[str]:
    return list(o["schemes"] or ["zeros", "constant", "xavier_normal"])


def _symmetry(scene: Any, o: Options) -> list:
    from .. import nets

    kwargs = {k: o[k] for k in ("activation", "hidden", "lr") if o.get(k) is not None}
    return [nets.symmetry_run(s, **scene.run_options(**kwargs)) for s in symmetry_schemes(o)]


def _dropout(scene: Any, o: Options) -> list:
    from ..nets import dropout

    kwargs = {k: o[k] for k in ("hidden", "activation", "lr") if o.get(k) is not None}
    first = scene.seed or 0
    return dropout.seed_study(range(first, first + o["seeds"]), p=o["p"], **kwargs)


def _landscape(scene: Any, o: Options) -> Any:
    """The scene's networks trained and sliced."""
    from dataclasses import replace

    from ..nets import landscape

    data, kwargs = landscape_arguments(scene, o)
    ls = landscape(data, list(scene.optimizers), **kwargs)
    if any(scene.labels):  # the scene's names for its runs ("Xavier"), as a race's
        named = zip(ls.race.trajectories, scene.labels, strict=True)
        trajs = [t if label is None else replace(t, label=label) for t, label in named]
        vars(ls)["race"] = replace(ls.race, trajectories=trajs)  # its cached_property's slot
    return ls


def landscape_arguments(scene: Any, o: Options) -> tuple[str, dict[str, Any]]:
    """The dataset (a CSV is read beside the scene) and the keyword arguments of a
    landscape render, as :func:`optviz.nets.landscape` and its cost model take them."""
    from pathlib import Path

    data = o["dataset"]
    if data.lower().endswith(".csv") and Path(scene.source).is_file():
        data = str(Path(scene.source).parent / data)
    keys = ("init", "batchnorm", "batch_size", "plane", "origin", "resolution")
    kwargs = {k: o[k] for k in keys}
    kwargs.update({k: o[k] for k in ("activation", "hidden") if o.get(k) is not None})
    return data, {"n": o["points"], "schedule": scene.schedule, **scene.run_options(), **kwargs}


def schedule_specs(scene: Any, o: Options) -> tuple[list[str], int]:
    """The schedules render's schedules and horizon."""
    from ..render.scheduleplots import SCHEDULE_SHAPES

    return list(o["schedules"] or SCHEDULE_SHAPES), scene.steps or 300


def _schedules(scene: Any, o: Options) -> tuple[list[str], int]:
    return schedule_specs(scene, o)


def _sharpness(scene: Any, o: Options) -> list:
    from .stability import study

    return study(scene, o)


def _phase(scene: Any, o: Options) -> tuple:
    from .phasemaps import phase_maps

    return phase_maps(scene, o)


COMPUTE: dict[str, Callable[[Any, Options], Any]] = {
    "sharpness": _sharpness,
    "phase": _phase,
    "show": _surface,
    "basins": _basins,
    "sweep": _learning_rates("sweep"),
    "tune": _learning_rates("tune"),
    "curvature": _curvature,
    "bands": _bands,
    "init": _init,
    "batchnorm": _batchnorm,
    "symmetry": _symmetry,
    "dropout": _dropout,
    "landscape": _landscape,
    "schedules": _schedules,
}
"""How each kind of render (other than the race's) computes what it draws."""
