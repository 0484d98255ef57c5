"""A scene's phase map: computed in tiles stored beside the output, drawn with its zoom.

The tiles of an unfinished map stay in ``.<output>.tiles`` beside the output, so the same
command (or scene) asked again resumes where it stopped; once the picture is written they
are removed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..util.errors import ParameterError


def phase_figure(
    scene: Any, o: Mapping[str, Any], output: Path, look: Mapping[str, Any], progress: Any
) -> tuple[Any, list[Path]]:
    """The figure of render options ``o`` and the tile stores beside ``output`` that
    hold its tiles (to remove once the picture is written). Maps the scene has computed
    already (to check its claims) are drawn as they are."""
    from ..analysis.tiles import store_beside
    from ..render.phaseplots import plot_phase, plot_zoom

    store = store_beside(output)
    stores = [store, store.with_name(store.name + "-zoom")]
    maps = scene.computed.get(("phase", output))
    if maps is None:
        maps = phase_maps(scene, o, stores, _counter(progress, output.name))
    wide, zoomed = maps
    style = {"theme": look["theme"], "size": look["size"], "dpi": o["dpi"], "title": o["title"]}
    if zoomed is None:
        return plot_phase(wide, **style).figure, stores
    return plot_zoom(wide, zoomed, **style), stores


def phase_maps(
    scene: Any, o: Mapping[str, Any], stores: list[Path] | None = None, progress: Any = None
) -> tuple[Any, Any]:
    """The wide map of render options ``o`` and its zoom (``None`` without one); with
    ``stores``, their tiles are kept there as they finish (so a stopped map resumes)."""
    from ..analysis.phase_maps import parse_axis, phase

    if scene.surface is None:
        raise ParameterError("a phase map needs a surface")
    common = {
        "n": o["n"],
        "metric": o["metric"],
        "tol": o["tol"],
        "workers": o["workers"],
        "dask": o["dask"],
        "start": scene.starts,
        "schedule": scene.schedule,
        "progress": progress,
        **scene.run_options(),
    }
    common.pop("seed", None)
    x, y = parse_axis(o["x"], "x"), parse_axis(o["y"], "y")
    store, zoom_store = stores or (None, None)
    wide = phase(scene.surface, scene.optimizers[0], x, y, store=store, **common)
    if o["zoom"] is None:
        return wide, None
    x0, x1, y0, y1 = o["zoom"]
    zx = (x.name, x0, x1, x.scale)
    zy = (y.name, y0, y1, y.scale)
    zoomed = phase(scene.surface, scene.optimizers[0], zx, zy, store=zoom_store, **common)
    return wide, zoomed


def _counter(progress: Any, label: str) -> Callable[[str, int, int], None] | None:
    if progress is None:
        return None
    return lambda what, done, total: progress(f"{label}: {what}", done, total)
