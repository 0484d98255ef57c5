"""The live explorer: click a start, drag a learning rate, watch the optimizers race.

Two front doors to one engine (:mod:`optviz.explore.api`) and one front-end module
(``static/explorer.js``):

- ``optviz explore rosenbrock`` serves a page on 127.0.0.1 (:mod:`.server`);
- ``ov.explore("rosenbrock")`` in a notebook returns an anywidget widget (:mod:`.widget`)
  whose state (surface, optimizers, start, steps, ...) Python reads and sets.

The web stack (starlette, uvicorn, anywidget) is the ``explore`` extra, imported only here.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..util import defaults
from ..util.errors import OptvizError, ParameterError

INSTALL = 'pip install "optviz[explore]"'

FIRST_VIEW_OPTIMIZERS = ("gd:lr=0.001", "momentum:lr=0.001", "adam:lr=0.1")
"""The explorer's first race when none is named: the default optimizers
(:data:`optviz.util.defaults.OPTIMIZERS`) with learning rates that keep all three on the
page on its first surface (Rosenbrock, where gd's default 0.01 diverges at step 2)."""


class MissingExtra(OptvizError):
    """The explorer's web stack is not installed."""


def require(*modules: str) -> None:
    """Import the explorer's dependencies, or fail with one line saying how to get them."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingExtra(
                f"the explorer needs {name}, which is not installed: {INSTALL}"
            ) from None


def initial_state(
    surface: str | None = None,
    optimizers: Sequence[str] | None = None,
    *,
    expr: str | None = None,
    domain: Any = None,
    start: Any = None,
    steps: int | None = None,
    schedule: str | None = None,
    noise: str | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The explorer's first view, checked like any request. A scene file's path, or a
    shipped example's name that is not a surface's, works as ``surface``: it opens that
    scene.

    >>> initial_state("saddle", ["adam:lr=0.1"], steps=50)["optimizers"]
    ['adam:lr=0.1']
    >>> initial_state("rosenbrock_race")["steps"]  # the shipped scene, by name
    500
    """
    from . import api

    if surface is not None and is_scene(surface):
        state = state_of_scene(surface)
    else:
        state = {
            "surface": surface if expr is None else None,
            "expr": expr,
            "domain": _numbers(domain, "domain"),
            "optimizers": list(optimizers or FIRST_VIEW_OPTIMIZERS),
            "start": _numbers(start, "start"),
            "steps": defaults.STEPS if steps is None else steps,
            "schedule": schedule,
            "noise": noise,
            "seed": 0 if seed is None else seed,
        }
        if state["surface"] is None and expr is None:
            state["surface"] = "rosenbrock"
    api.check_scene(api_request(state))
    return state


def is_scene(name: str | Path) -> bool:
    """Whether ``name`` opens a scene: a ``.toml`` file, or a shipped example's name that
    is not a catalog surface's (``long_furrow`` is both: ``long_furrow.toml`` the scene)."""
    from ..catalog.entries import surfaces
    from ..scenes.build import examples

    text = str(name)
    return text.endswith(".toml") or (
        text.partition(":")[0] not in surfaces() and text in examples()
    )


def _numbers(value: Any, key: str) -> Any:
    """``"1,2"`` (as typed on a command line) as ``[1.0, 2.0]``; anything else as it is."""
    if not isinstance(value, str):
        return value
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"{key}: must be numbers separated by commas, not {value!r}") from None


def api_request(state: Mapping[str, Any]) -> dict[str, Any]:
    """The API request of an explorer state (the keys that are set)."""
    return {k: v for k, v in state.items() if v is not None and k != "theme"}


def state_of_scene(path: str | Path) -> dict[str, Any]:
    """The explorer state that shows a scene file's race (its first start).

    An optimizer's own label, schedule or noise and the scene's renders are not part of
    the explorer's view and are left out.
    """
    import tomllib

    from ..scenes import load_scene
    from ..scenes.build import scene_file

    load_scene(path)  # every field checked, with the scene file's own messages
    data = tomllib.loads(scene_file(path).read_text(encoding="utf-8-sig"))
    surface = data.get("surface")
    run = data.get("run", {})
    state: dict[str, Any] = {"surface": None, "expr": None, "domain": None}
    if isinstance(surface, str):
        state["surface"] = surface
    elif isinstance(surface, Mapping):
        if "expr" in surface:
            state["expr"] = surface["expr"]
        else:
            state["surface"] = _spec(surface["name"], surface.get("params", {}))
        if "domain" in surface:
            domain = surface["domain"]
            if isinstance(domain, list) and domain and isinstance(domain[0], list):
                domain = [v for pair in domain for v in pair]
            state["domain"] = [float(v) for v in domain]
    optimizers = data.get("optimizers", list(defaults.OPTIMIZERS))
    optimizers = [optimizers] if isinstance(optimizers, str | Mapping) else optimizers
    state["optimizers"] = [_optimizer_spec(o) for o in optimizers]
    starts = run.get("starts")
    if isinstance(starts, list) and starts and isinstance(starts[0], list | str):
        starts = starts[0]
    state["start"] = (
        starts if not isinstance(starts, str) else [float(v) for v in starts.split(",")]
    )
    state["steps"] = run.get("steps", defaults.STEPS)
    state["schedule"] = _named(run.get("schedule"))
    noise = run.get("noise")
    state["noise"] = _spec("", noise).lstrip(":") if isinstance(noise, Mapping) else noise
    state["seed"] = run.get("seed", 0)
    return state


def _spec(name: str, options: Mapping[str, Any]) -> str:
    items = ",".join(f"{k}={_text(v)}" for k, v in options.items())
    return f"{name}:{items}" if items else name


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _optimizer_spec(item: Any) -> str:
    if isinstance(item, str):
        return item
    options = {k: v for k, v in item.items() if k not in ("name", "label", "schedule", "noise")}
    return _spec(item["name"], options)


def _named(value: Any) -> str | None:
    if isinstance(value, Mapping):
        options = {k: v for k, v in value.items() if k != "name"}
        return _spec(value["name"], options)
    return value


def explore(surface: str | None = None, optimizers: Sequence[str] | None = None, **state: Any):
    """A notebook widget of the explorer; its state is readable and settable from Python.

    ``w = ov.explore("rosenbrock", ["adam:lr=0.1", "momentum:lr=0.001"], steps=300)``;
    ``w.start = [-1, 2]`` re-runs; ``w.result["runs"]`` holds every path and loss.
    """
    require("anywidget")
    from .widget import ExplorerWidget

    return ExplorerWidget(**initial_state(surface, optimizers, **state))


class _Callable(types.ModuleType):
    """``ov.explore`` is this package, and calling it builds the notebook widget: the
    package and the function share the name the lecture uses, so either import works."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return explore(*args, **kwargs)


sys.modules[__name__].__class__ = _Callable
