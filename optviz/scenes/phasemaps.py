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
    hold its tiles (to remove once the picture is written)."""
    from ..analysis.phase_maps import parse_axis
    from ..analysis.tiles import store_beside
    from ..render.phaseplots import plot_phase, plot_zoom

    maker = _network if o["net"] else _surface
    compute = maker(scene, o, progress, output)
    x, y = parse_axis(o["x"], "x"), parse_axis(o["y"], "y")
    store = store_beside(output)
    stores = [store, store.with_name(store.name + "-zoom")]
    wide = compute(x, y, stores[0])
    style = {"theme": look["theme"], "size": look["size"], "dpi": o["dpi"], "title": o["title"]}
    if o["zoom"] is None:
        return plot_phase(wide, **style).figure, stores
    x0, x1, y0, y1 = o["zoom"]
    zoomed = compute((x.name, x0, x1, x.scale), (y.name, y0, y1, y.scale), stores[1])
    return plot_zoom(wide, zoomed, **style), stores


def _surface(scene: Any, o: Mapping[str, Any], progress: Any, output: Path) -> Callable:
    from ..analysis.phase_maps import phase

    if scene.surface is None:
        raise ParameterError("a phase map needs a surface (or net = true: a network's map)")
    common = {
        **_tiling(o, progress, output),
        "tol": o["tol"],
        "start": scene.starts,
        "schedule": scene.schedule,
        **scene.run_options(),
    }
    common.pop("seed", None)
    return lambda x, y, store: phase(scene.surface, scene.optimizers[0], x, y, store=store,
                                     **common)  # fmt: skip


def _network(scene: Any, o: Mapping[str, Any], progress: Any, output: Path) -> Callable:
    from ..analysis.network_maps import network_phase
    from ..nets.many import trainer

    data = o["dataset"]
    if data.lower().endswith(".csv") and Path(scene.source).is_file():
        data = str(Path(scene.source).parent / data)
    job = trainer(
        data,
        scene.optimizers[0],
        hidden=tuple(o["hidden"] or NET_HIDDEN),
        activation=o["activation"] or "tanh",
        init=o["init"],
        points=o["points"],
        steps=scene.steps or 300,
        schedule_=scene.schedule,
        seed=scene.seed or 0,
    )
    common = {**_tiling(o, progress, output), "tol": o["tol"]}
    return lambda x, y, store: network_phase(job, x, y, store=store, **common)


def _tiling(o: Mapping[str, Any], progress: Any, output: Path) -> dict[str, Any]:
    return {
        "n": o["n"],
        "metric": o["metric"],
        "workers": o["workers"],
        "dask": o["dask"],
        "progress": _counter(progress, output.name),
    }


def _counter(progress: Any, label: str) -> Callable[[str, int, int], None] | None:
    if progress is None:
        return None
    return lambda what, done, total: progress(f"{label}: {what}", done, total)
