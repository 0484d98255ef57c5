"""Drawing a scene's renders: one function per kind of render, each returning a figure.

:meth:`optviz.scenes.scene.Scene.render` calls :func:`render_one` for every render; a new kind
of render adds its function to :data:`FIGURES` (and its fields to ``optviz/scenes/schema.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .kinds import RACE_KINDS, Progress
from .results import result

SAVES_ITSELF = ("landscape", "phase")  # kinds that write their own output (and stores)


# -- rendering -------------------------------------------------------------------------------------
def _loss(o: Options) -> bool | str:
    """The render layer's ``loss``: ``"evals"`` for a panel counting evaluations."""
    return "evals" if o.get("x") == "evals" else o["loss"]


def render_one(scene: Any, r: Any, progress: Progress | None) -> Path:
    """Draw render ``r`` of ``scene`` into its output file; return the path."""
    label = r.output.name

    def step(done: int, total: int | None) -> None:
        if progress:
            progress(label, done, total or 0)

    step(0, 0)
    o = r.options
    look = {"size": o["size"], "theme": o["theme"]}
    if r.kind in RACE_KINDS:
        race = scene.race()
        if o.get("sharpness") and not r.animated:
            from ..render.sharpnessplots import race_with_sharpness

            fig = race_with_sharpness(race, kind=r.kind, loss=o["loss"], dpi=o["dpi"],
                                      title=o["title"], **look)  # fmt: skip
            _save_figure(fig, r.output, o["dpi"], None)
            step(1, 1)
            return r.output
        look["callouts"] = callouts(scene)
        if o.get("profile"):  # the hill under each path, beside the map
            look["side"] = ("profile",)
        if r.animated:
            extra = {"rotate": o["rotate"]} if o.get("rotate") else {}
            if o.get("sharpness"):
                extra["sharpness"] = True
            anim = race.animate(
                trail=o["trail"],
                glyphs=o["glyphs"],
                kind=r.kind,
                loss=_loss(o),
                fps=o["fps"],
                duration=o["duration"],
                hold=o["hold"],
                hold_first=o["hold_first"],
                dpi=o["dpi"],
                title=o["title"],
                **extra,
                **look,
            )
            anim.save(r.output, progress=step)
            return r.output
        fig = race.plot(
            kind=r.kind, loss=_loss(o), dpi=o["dpi"], title=o["title"], glyphs=o["glyphs"], **look
        )
        title = None
    elif r.kind == "landscape":
        ls = result(scene, r)
        keys = ("fps", "duration", "hold", "trail", "dpi", "title", "sharpness")
        ls.save(r.output, progress=step, **{k: o[k] for k in keys}, **look)
        scene.reports[r.output] = ls.table()
        step(1, 1)
        return r.output
    elif r.kind == "phase":
        import shutil

        from .phasemaps import phase_figure

        fig, stores = phase_figure(scene, o, r.output, look, progress)
        _save_figure(fig, r.output, o["dpi"], None)
        for folder in stores:  # written: an interrupted map no longer needs its tiles
            shutil.rmtree(folder, ignore_errors=True)
        step(1, 1)
        return r.output
    elif r.kind == "init" and r.animated:
        explorer = _explorer(scene, r)
        explorer.save(r.output, kind=o["quantity"], fps=o["fps"], title=o["title"], **look)
        step(1, 1)
        return r.output
    else:
        fig, rows = FIGURES[r.kind](scene, r, {**look, "title": o["title"]})
        if rows:
            scene.reports[r.output] = rows
        title = o["title"]
    _save_figure(fig, r.output, o["dpi"], title)
    step(1, 1)
    return r.output


def callouts(scene: Any) -> tuple:
    """The verdicts a race render writes on its picture (:mod:`optviz.render.callouts`):
    its scene's claims checked on its runs, when it has claims and ``[lesson] callouts``
    is on."""
    return tuple(scene.verdicts()) if scene.claims and scene.callouts else ()


def _save_figure(fig: Any, path: Path, dpi: int, title: str | None) -> None:
    from ..render.writers import save_figure

    fig = getattr(fig, "figure", fig)  # an Axes gives its Figure
    if title and not shows_title(fig, title):
        from ..render.style import COMMON_RC

        # a figure that does not take a title (its layout makes room), at a title's size
        fig.suptitle(title, fontsize=COMMON_RC["figure.titlesize"])
    save_figure(fig, path, dpi=dpi)


def shows_title(fig: Any, title: str) -> bool:
    """Whether ``title`` heads ``fig``: its suptitle's or an axes title's first line."""
    heads = [fig._suptitle] if fig._suptitle is not None else []
    heads += [ax.title for ax in fig.axes]
    return any(h.get_text().split("\n")[0] == title for h in heads)


Look = Mapping[str, Any]
Options = Mapping[str, Any]


def _show(scene: Any, r: Any, look: Look) -> tuple[Any, None]:
    from ..render.surface3d import show_surface

    surface = result(scene, r)
    if surface.is_curve:  # a curve alone: its profile, landmarks named
        from ..render.sideview import show_curve

        return show_curve(surface, size=look["size"], theme=look["theme"],
                          title=look.get("title")), None  # fmt: skip
    if not r.options["three_d"]:
        from ..render.mapplots import show_map

        show_surface = show_map  # the map alone, filling the frame
    fig = show_surface(surface, size=look["size"], theme=look["theme"], field=r.options["field"],
                       title=look.get("title"))  # fmt: skip
    return fig, None


def _analysis(scene: Any, r: Any, look: Look) -> tuple[Any, Any]:
    """Basins, sweep, tuning, curvature and bands: an analysis result that plots itself."""
    found = result(scene, r)
    return _plot(found, look), getattr(found, "rows", None)


def _tune(scene: Any, r: Any, look: Look) -> tuple[Any, Any]:
    """A tuning of several optimizers by final loss: one panel each, so every best rate
    shows against its own divergence edge. The panels are the scene's choice: the
    result's own ``plot(ax=)`` stays one Axes."""
    found = result(scene, r)
    panels = len(found.sweep.keys) > 1 and found.sweep.objective == "final"
    return _plot(found, look, panels=panels), getattr(found, "rows", None)


def _plot(result: Any, look: Look, **options: Any) -> Any:
    """Plot an analysis result as a figure of our size, theme and title.

    Figure-level ``plot(size=, theme=, title=)`` methods get all three; an Axes-level
    ``plot(ax=None, title=)`` gets an Axes on a themed figure of the right size (which
    ``options`` such as ``panels=True`` may split).
    """
    import inspect

    params = inspect.signature(result.plot).parameters
    if "size" in params or "theme" in params:
        return result.plot(**look, **options)
    from ..render.initplots import _new_figure
    from ..render.style import themed

    with themed(look["theme"]):
        fig = _new_figure(look["size"])
        # one Axes: the scene's title is its title (no second title above it)
        result.plot(ax=fig.add_subplot(), title=look.get("title"), **options)
        fig.tight_layout()
    return fig


def _explorer(scene: Any, r: Any) -> Any:
    from ..render.init_explorer import InitExplorer

    return InitExplorer(result(scene, r))


def _init(scene: Any, r: Any, look: Look) -> tuple[Any, Any]:
    explorer = _explorer(scene, r)
    if r.options["view"] == "summary":
        return explorer.summary(**look), None
    return explorer.grid(r.options["quantity"], **look), None


def _batchnorm(scene: Any, r: Any, look: Look) -> tuple[Any, None]:
    from ..render.netfigures import batchnorm_figure

    plain, bn = result(scene, r)
    return batchnorm_figure(plain, bn, **look), None


def _symmetry(scene: Any, r: Any, look: Look) -> tuple[Any, None]:
    from ..render.netfigures import symmetry_figure

    return symmetry_figure(result(scene, r), layer=r.options["layer"], **look), None


def _dropout(scene: Any, r: Any, look: Look) -> tuple[Any, None]:
    from ..render.dropoutplots import dropout_figure

    return dropout_figure(result(scene, r), **look), None


def _schedules(scene: Any, r: Any, look: Look) -> tuple[Any, None]:
    from ..render.scheduleplots import plot_schedules

    specs, steps = result(scene, r)
    return plot_schedules(specs, **look, steps=steps), None


def _quantities(scene: Any, r: Any, look: Look) -> tuple[Any, None]:
    from ..render.anatomy_plots import plot_quantities

    return plot_quantities(scene.race(), **look), None


def _sharpness(scene: Any, r: Any, look: Look) -> tuple[Any, Any]:
    from .stability import sharpness_figure

    return sharpness_figure(scene, r.options, look, result(scene, r))


FIGURES = {
    "sharpness": _sharpness,
    "quantities": _quantities,
    "show": _show,
    "basins": _analysis,
    "sweep": _analysis,
    "tune": _tune,
    "curvature": _analysis,
    "bands": _analysis,
    "init": _init,
    "batchnorm": _batchnorm,
    "symmetry": _symmetry,
    "dropout": _dropout,
    "schedules": _schedules,
}
