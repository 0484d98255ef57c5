"""A scene's phase map: computed in tiles stored beside the output, drawn with its zoom.

The map is over the scene's surface, or with ``net = true`` over the training of a
network (:func:`optviz.analysis.network_maps.network_phase`). The tiles of an unfinished
map stay in ``.<output>.tiles`` beside the output, so the same command (or scene) asked
again resumes where it stopped; once the picture is written they are removed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..util.errors import ParameterError

NET_HIDDEN = (16,)


def phase_figure(
    scene: Any, o: Mapping[str, Any], output: Path, look: Mapping[str, Any], progress: Any
) -> tuple[Any, list[Path]]:
    """The figure of render options ``o`` and the tile stores beside ``output`` that
    hold its tiles (to remove once the picture is written). Maps the scene has computed
    already (to check its claims) are drawn as they are."""
    from ..analysis.tiles import store_beside
    from ..render.lesson_maps import gd_best_rate, plot_lesson, plot_zoom
    from ..render.phaseplots import plot_phase

    store = store_beside(output)
    stores = [store, store.with_name(store.name + "-zoom")]
    maps = scene.computed.get(("phase", output))
    if maps is None:
        maps = phase_maps(scene, o, stores, _counter(progress, output.name))
    wide, zoomed = maps
    style = {"theme": look["theme"], "size": look["size"], "dpi": o["dpi"], "title": o["title"]}
    if zoomed is None and gd_best_rate(wide) is not None:  # a map with a lesson line
        return plot_lesson(wide, **style), stores
    if zoomed is None:
        return plot_phase(wide, **style).figure, stores
    return plot_zoom(wide, zoomed, **style), stores


def phase_maps(
    scene: Any, o: Mapping[str, Any], stores: list[Path] | None = None, progress: Any = None
) -> tuple[Any, Any]:
    """The wide map of render options ``o`` and its zoom (``None`` without one); with
    ``stores``, their tiles are kept there as they finish (so a stopped map resumes)."""
    from ..analysis.phase_maps import parse_axis

    maker = _network if o["net"] else _surface
    compute = maker(scene, o, progress)
    x, y = parse_axis(o["x"], "x"), parse_axis(o["y"], "y")
    store, zoom_store = stores or (None, None)
    wide = compute(x, y, store)
    if o["zoom"] is None:
        return wide, None
    x0, x1, y0, y1 = o["zoom"]
    return wide, compute((x.name, x0, x1, x.scale), (y.name, y0, y1, y.scale), zoom_store)


def _surface(scene: Any, o: Mapping[str, Any], progress: Any) -> Callable:
    from ..analysis.phase_maps import phase

    if scene.surface is None:
        raise ParameterError("a phase map needs a surface (or net = true: a network's map)")
    common = {
        **_tiling(o, progress),
        "tol": o["tol"],
        "start": scene.starts,
        "schedule": scene.schedule,
        **scene.run_options(),
    }
    common.pop("seed", None)
    return lambda x, y, store: phase(scene.surface, scene.optimizers[0], x, y, store=store,
                                     **common)  # fmt: skip


def _network(scene: Any, o: Mapping[str, Any], progress: Any) -> Callable:
    from ..analysis.network_maps import network_phase
    from ..nets.many import trainer

    job = trainer(
        _beside(scene, o["dataset"]),
        scene.optimizers[0],
        hidden=tuple(o["hidden"] or NET_HIDDEN),
        activation=o["activation"] or "tanh",
        init=o["init"],
        points=o["points"],
        steps=scene.steps or 300,
        schedule_=scene.schedule,
        seed=scene.seed or 0,
    )
    common = {**_tiling(o, progress), "tol": o["tol"]}
    return lambda x, y, store: network_phase(job, x, y, store=store, **common)


def _beside(scene: Any, data: str) -> str:
    """A CSV named by a scene: as given, else beside the scene's file, else among the
    shipped examples (a gallery scene's data ships with it)."""
    from ..util.shipped import data_folder

    if not data.lower().endswith(".csv") or Path(data).is_file():
        return data
    for folder in (Path(scene.source).parent, data_folder("examples")):
        found = folder / data
        if found.is_file():
            return str(found)
    return data


def _tiling(o: Mapping[str, Any], progress: Any) -> dict[str, Any]:
    return {
        "n": o["n"],
        "metric": o["metric"],
        "workers": o["workers"],
        "dask": o["dask"],
        "progress": progress,
    }


def _counter(progress: Any, label: str) -> Callable[[str, int, int], None] | None:
    if progress is None:
        return None
    return lambda what, done, total: progress(f"{label}: {what}", done, total)
