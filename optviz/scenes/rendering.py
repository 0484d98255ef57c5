"""Drawing a scene's renders: one function per kind of render, each returning a figure.

:meth:`optviz.scenes.build.Scene.render` calls :func:`render_one` for every render; a new kind
of render adds its function to :data:`FIGURES` (and its fields to ``optviz/scenes/schema.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..util.errors import ParameterError

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: called as a render advances (``total`` 0: unknown)."""

RACE_KINDS = ("contour", "3d", "panels", "side")
SAVES_ITSELF = ("landscape", "phase")  # kinds that write their own output (and stores)


# -- rendering -------------------------------------------------------------------------------------
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
        if o.get("sharpness"):
            from ..render.sharpnessplots import race_with_sharpness

            if r.animated or r.kind != "contour":
                raise ParameterError("the sharpness panel is drawn beside a still contour map "
                                     "(.png, .svg, .pdf)")  # fmt: skip
            fig = race_with_sharpness(race, dpi=o["dpi"], title=o["title"], **look)
            _save_figure(fig, r.output, o["dpi"], None)
            step(1, 1)
            return r.output
        if o.get("profile"):
            return _with_profile(race, r, o, look, step)
        if r.animated:
            extra = {"rotate": o["rotate"]} if o.get("rotate") else {}
            anim = race.animate(
                trail=o["trail"],
                glyphs=o["glyphs"],
                kind=r.kind,
                loss=o["loss"],
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
            kind=r.kind, loss=o["loss"], dpi=o["dpi"], title=o["title"], glyphs=o["glyphs"], **look
        )
        title = None
    elif r.kind == "landscape":
        ls = _landscape(scene, o)
        keys = ("fps", "duration", "hold", "trail", "dpi", "title")
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
        explorer = _explorer(scene, o)
        explorer.save(r.output, kind=o["quantity"], fps=o["fps"], title=o["title"], **look)
        step(1, 1)
        return r.output
    else:
        fig, rows = FIGURES[r.kind](scene, o, {**look, "title": o["title"]})
        if rows:
            scene.reports[r.output] = rows
        title = o["title"]
    _save_figure(fig, r.output, o["dpi"], title)
    step(1, 1)
    return r.output


def _with_profile(race: Any, r: Any, o: Options, look: Look, step: Callable) -> Path:
    """A race with the profile panel beside its map (:mod:`optviz.render.profile`)."""
    from dataclasses import replace

    from ..render import profile, race_figure

    if not r.animated:
        fig = profile.race_with_profile(race, loss=o["loss"], dpi=o["dpi"], title=o["title"],
                                        **look)  # fmt: skip
        _save_figure(fig, r.output, o["dpi"], None)
        step(1, 1)
        return r.output
    keys = ("trail", "glyphs", "loss", "fps", "duration", "hold", "hold_first", "dpi", "title")
    anim = race.animate(kind=r.kind, overlays=(profile.ProfileOverlay(),),
                        **{k: o[k] for k in keys}, **look)  # fmt: skip
    anim = replace(anim, layout=profile.with_profile(anim.layout or race_figure.race_layout))
    anim.save(r.output, progress=step)
    return r.output


def _save_figure(fig: Any, path: Path, dpi: int, title: str | None) -> None:
    from ..render.writers import save_figure

    fig = getattr(fig, "figure", fig)  # an Axes gives its Figure
    if title and not shows_title(fig, title):
        fig.suptitle(title)  # a figure that does not take a title (its layout makes room)
    save_figure(fig, path, dpi=dpi)


def shows_title(fig: Any, title: str) -> bool:
    """Whether ``title`` heads ``fig``: its suptitle's or an axes title's first line."""
    heads = [fig._suptitle] if fig._suptitle is not None else []
    heads += [ax.title for ax in fig.axes]
    return any(h.get_text().split("\n")[0] == title for h in heads)


Look = Mapping[str, Any]
Options = Mapping[str, Any]


def _show(scene: Any, o: Options, look: Look) -> tuple[Any, None]:
    from ..render.surface3d import show_surface

    if scene.surface.is_curve:  # a curve alone: its profile, landmarks named
        from ..render.sideview import show_curve

        return show_curve(scene.surface, size=look["size"], theme=look["theme"]), None

    fig = show_surface(scene.surface, size=look["size"], theme=look["theme"], field=o["field"])
    return fig, None


def _basins(scene: Any, o: Options, look: Look) -> tuple[Any, Any]:
    from ..analysis import basins

    kwargs = scene.run_options(n=o["n"], schedule=scene.schedule, noise=scene.noise)
    result = basins(scene.surface, list(scene.optimizers), **kwargs)
    return _plot(result, look), getattr(result, "rows", None)


def _learning_rates(which: str) -> Callable[[Any, Options, Look], tuple[Any, Any]]:
    """The sweep and the tuning figures: the same runs, read two ways."""

    def figure(scene: Any, o: Options, look: Look) -> tuple[Any, Any]:
        from .. import analysis

        kwargs = scene.run_options(
            lrs=o["lrs"],
            objective=o["objective"],
            start=scene.starts,
            schedule=scene.schedule,
            noise=scene.noise,
        )
        result = getattr(analysis, which)(scene.surface, list(scene.optimizers), **kwargs)
        return _plot(result, look), getattr(result, "rows", None)

    return figure


def _curvature(scene: Any, o: Options, look: Look) -> tuple[Any, None]:
    from ..analysis import curvature

    result = curvature(scene.surface, **({"n": o["n"]} if o["n"] else {}))
    return _plot(result, look), None


def _bands(scene: Any, o: Options, look: Look) -> tuple[Any, Any]:
    from ..analysis import bands

    kwargs = scene.run_options(
        seeds=o["seeds"], start=scene.starts, schedule=scene.schedule, noise=scene.noise
    )
    result = bands(scene.surface, scene.optimizers[0], **kwargs)
    return _plot(result, look), getattr(result, "rows", None)


def _plot(result: Any, look: Look) -> Any:
    """Plot an analysis result as a figure of our size, theme and title.

    Figure-level ``plot(size=, theme=, title=)`` methods get all three; an Axes-level
    ``plot(ax=None, title=)`` gets an Axes on a themed figure of the right size.
    """
    import inspect

    params = inspect.signature(result.plot).parameters
    if "size" in params or "theme" in params:
        return result.plot(**look)
    from ..render.initplots import _new_figure
    from ..render.style import themed

    with themed(look["theme"]):
        fig = _new_figure(look["size"])
        # one Axes: the scene's title is its title (no second title above it)
        result.plot(ax=fig.add_subplot(), title=look.get("title"))
        fig.tight_layout()
    return fig


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


def _explorer(scene: Any, o: Options) -> Any:
    from .. import nets
    from ..render.init_explorer import InitExplorer
    from ..render.initplots import DEFAULT_SCHEMES

    kwargs = {k: o[k] for k in ("activation", "depth", "width", "gain") if o.get(k) is not None}
    kwargs.update(_seed(scene))
    stats = []
    for text in o["schemes"] or DEFAULT_SCHEMES:
        name, own = scheme(text)
        stats.append(nets.propagate(name, **{**kwargs, **own}))
    return InitExplorer(tuple(stats))


def _seed(scene: Any) -> dict[str, int]:
    return {} if scene.seed is None else {"seed": scene.seed}


def _init(scene: Any, o: Options, look: Look) -> tuple[Any, Any]:
    explorer = _explorer(scene, o)
    if o["view"] == "summary":
        return explorer.summary(**look), None
    return explorer.grid(o["quantity"], **look), None


def _batchnorm(scene: Any, o: Options, look: Look) -> tuple[Any, None]:
    from .. import nets
    from ..render.netfigures import batchnorm_figure

    keys = ("activation", "scheme", "depth", "width", "lr", "epochs", "batch_size")
    kwargs = {k: o[k] for k in keys if o.get(k) is not None}
    plain, bn = nets.batchnorm_pair(**kwargs, **_seed(scene))
    return batchnorm_figure(plain, bn, **look), None


def _symmetry(scene: Any, o: Options, look: Look) -> tuple[Any, None]:
    from .. import nets
    from ..render.netfigures import symmetry_figure

    kwargs = {k: o[k] for k in ("activation", "hidden", "lr") if o.get(k) is not None}
    schemes = o["schemes"] or ["zeros", "constant", "xavier_normal"]
    runs = [nets.symmetry_run(s, **scene.run_options(**kwargs)) for s in schemes]
    return symmetry_figure(runs, layer=o["layer"], **look), None


def _dropout(scene: Any, o: Options, look: Look) -> tuple[Any, None]:
    from ..nets import dropout
    from ..render.dropoutplots import dropout_figure

    kwargs = {k: o[k] for k in ("hidden", "activation", "lr") if o.get(k) is not None}
    first = scene.seed or 0
    pairs = dropout.seed_study(range(first, first + o["seeds"]), p=o["p"], **kwargs)
    return dropout_figure(pairs, **look), None


def _landscape(scene: Any, o: Options) -> Any:
    """The scene's networks trained and sliced; a CSV dataset is read beside the scene."""
    from pathlib import Path

    from ..nets import landscape

    data = o["dataset"]
    if data.lower().endswith(".csv") and Path(scene.source).is_file():
        data = str(Path(scene.source).parent / data)
    keys = ("init", "batchnorm", "batch_size", "plane", "origin", "resolution")
    kwargs = {k: o[k] for k in keys}
    kwargs.update({k: o[k] for k in ("activation", "hidden") if o.get(k) is not None})
    ls = landscape(data, list(scene.optimizers), n=o["points"], schedule=scene.schedule,
                   **scene.run_options(), **kwargs)  # fmt: skip
    return ls


def _schedules(scene: Any, o: Options, look: Look) -> tuple[Any, None]:
    from ..render.plots import SCHEDULE_SHAPES, plot_schedules

    steps = {"steps": scene.steps} if scene.steps else {}
    specs = o["schedules"] or SCHEDULE_SHAPES
    fig = plot_schedules(specs, **look, **steps)
    return fig, None


def _quantities(scene: Any, o: Options, look: Look) -> tuple[Any, None]:
    from ..render.anatomy_plots import plot_quantities

    return plot_quantities(scene.race(), **look), None


def _sharpness(scene: Any, o: Options, look: Look) -> tuple[Any, Any]:
    from .stability import sharpness_figure

    return sharpness_figure(scene, o, look)


FIGURES = {
    "sharpness": _sharpness,
    "quantities": _quantities,
    "show": _show,
    "basins": _basins,
    "sweep": _learning_rates("sweep"),
    "tune": _learning_rates("tune"),
    "curvature": _curvature,
    "bands": _bands,
    "init": _init,
    "batchnorm": _batchnorm,
    "symmetry": _symmetry,
    "dropout": _dropout,
    "schedules": _schedules,
}
