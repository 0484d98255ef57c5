"""Pictures of a :class:`~optviz.nets.landscapes.Landscape`: the plane, the loss, the data.

The figure has three parts, drawn with the functions every race uses:

- the loss on the plane as filled contours, each run's path as the projection of its
  true weights (one panel per run when the runs' networks differ and so have no
  common plane); the axes say which plane it is and how much variance it explains;
- the loss panel: each run's true training loss (its line) and, thin and dotted in the
  same color with a direct label "map" where a clear spot exists, the plane's loss at
  the projected point where the two part: there the path has left the plane and the
  contours under the ball no longer tell its loss; the map's shades stop at the lowest
  end (lower ground is one band);
- one small panel per run with its decision regions on the training data at the
  current step (classification), or its prediction against the target (regression)
  (:mod:`.decision_panels`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..util import defaults
from . import loss_plot, plots, race_figure, style
from .decision_panels import _Boundaries
from .levels import shade_key
from .map_tags import map_tag, parted
from .paths import run_colors
from .safe_margin import fit_to_frame, fitted, keep_inside_layout, safe_px

SHARPNESS_POINTS = 60  # steps at which a landscape's sharpness panel measures each run


# ----------------------------------------------------------------------------- layout
MAP_SHARE = 0.4
"""The least share of the frame the map (or the maps together) draws in: the picture is
the landscape, the largest thing on the slide."""
LOSS_SHARE = 0.2
"""The least share of the frame's width the loss panel draws in: it carries the lesson's
number ("fifty times lower"), which a panel a seventh of the frame wide squeezed into a
few pixels; at a quarter it was nearly as wide as each of two maps beside it."""


def _layout(ls, theme: str, size, dpi: float, title, race, series=None, boundaries=False):
    """``(fig, panels, loss_ax, boundary_axes)`` with the landscapes drawn.

    The maps take the left of the frame (at least :data:`MAP_SHARE` of it), a line above
    them says which plane they show; the loss panel (and with ``series``,
    :func:`.sharpness_panel.network_series`, a sharpness panel under it, its stability
    lines drawn) takes the right. With ``boundaries``, each run's decision regions go in a
    small panel under the loss panel (the still's extra; an animation keeps the map large).
    """
    fig = plots.new_figure(size, dpi)
    _room_for_the_last_step(fig)
    keep_inside_layout(fig)
    k = len(ls.runs)
    n_planes = 1 if ls.shared else k
    # two maps side by side lose a gap and a title row: more of the width (at 1.9 each
    # map was 390 px wide beside a loss panel of 330, which read as a third map)
    maps = 1.25 if boundaries else (1.7 if n_planes == 1 else 2.5)
    outer = fig.add_gridspec(1, 2, width_ratios=[maps, 1])
    left = outer[0].subgridspec(2, n_planes, height_ratios=[0.05 if not boundaries else 0.1, 1],
                                wspace=0.03)  # fmt: skip
    panels = []
    levels = darkest_at_the_ends(ls, shared_levels(ls.surfaces[:n_planes]), n_planes)
    for i in range(n_planes):
        ax = fig.add_subplot(left[1, i])
        plots.plot_surface(ls.surfaces[i], ax, theme=theme, minima=False, levels=levels)
        ax.set_aspect("auto")
        # the plane's coordinates mean nothing to the room: the note above says what it is
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        if not ls.shared:
            ax.set_title(short_label(race.trajectories[i].label), fontsize=18,
                         color=run_colors(race.trajectories)[i], fontweight="bold")  # fmt: skip
        panels.append(ax)
    rows = (2 if series is not None else 1) + bool(boundaries)
    ratios = [1.15, 1.15, 1][: rows - bool(boundaries)] + [1] * bool(boundaries)
    right = outer[1].subgridspec(rows, 1, height_ratios=ratios)
    loss_ax = fig.add_subplot(right[0])
    if series is not None:
        from .sharpness_panel import PANEL_LABEL, setup_sharpness_axes

        sharp_ax = fig.add_subplot(right[1], sharex=loss_ax)
        sharp_ax.set_label(PANEL_LABEL)
        setup_sharpness_axes(sharp_ax, series, ls.runs[0].steps)
    boundary_axes = []
    if boundaries:
        row = right[rows - 1].subgridspec(1, k)
        boundary_axes = [fig.add_subplot(row[0, i]) for i in range(k)]
        for ax, traj in zip(boundary_axes, race.trajectories, strict=True):
            ax.set_label(short_label(traj.label))
    _setup_loss_axis(ls, loss_ax)
    shade_key(loss_ax, panels[0])
    if series is not None:
        loss_ax.set_xlabel("")
        loss_ax.tick_params(labelbottom=False)
    note = fig.add_subplot(left[0, :], label="plane note")  # last: the maps stay axes[0..]
    note.set_axis_off()
    text = note.text(0.5, 0.5, plane_note(ls), ha="center", va="center", fontsize=NOTE_PT,
                     transform=note.transAxes)  # fmt: skip
    width = 0.95 * (fig.bbox.width - 2 * safe_px(fig)) * maps / (maps + 1)  # the maps' column
    drawn = text.get_window_extent(fig.canvas.get_renderer()).width
    text.set_text(fitted(text.get_text(), width, drawn))
    text.set_in_layout(False)  # its cell holds it; laid out, it would squeeze the maps
    fit_to_frame(fig.suptitle(title if title is not None else _title(ls)), fig)
    return fig, panels, loss_ax, boundary_axes


NOTE_PT = 16  # the line over the maps
LAST_TICK_IN = 0.2  # the loss panel's last step number, centred on its right edge, sticks
# out this far: the layout does not keep it inside the frame


def _room_for_the_last_step(fig) -> None:
    engine = fig.get_layout_engine()
    if engine is not None and "rect" in engine.get():
        engine.set(rect=(0, 0, 1 - LAST_TICK_IN / fig.get_figwidth(), 1))


def plane_note(ls) -> str:
    """One line over the maps that says what they show, in words a room reads.

    >>> from types import SimpleNamespace as NS
    >>> plane = NS(kind="pca", origin_kind="ends")
    >>> plane_note(NS(plane=plane, shared=True, runs=[0, 1]))
    "Map: training loss on the plane through both runs' end points (darker = lower)"
    >>> plane_note(NS(plane=plane, shared=False, runs=[0, 1]))
    'Two different networks, each on a map of its own; the same shade is the same loss on both'
    """
    plane, k = ls.plane, len(ls.runs)
    count = {2: "Two", 3: "Three"}.get(k, str(k))
    if not ls.shared:  # which slice each map is matters less to a room than how to compare
        on = "both" if k == 2 else "all"
        own = f"{count} different networks, each on a map of its own"
        return f"{own}; the same shade is the same loss on {on}"
    if plane.kind == "random":
        what = "a random plane through the start"
    elif plane.kind == "final":
        what = "the plane through the start and two end points"
    else:
        runs = {1: "the run's", 2: "both runs'"}.get(k, f"all {count.lower()} runs'")
        what = {
            "ends": f"the plane through {runs} end points",
            "mean": "the plane through the paths' middle, along them",
            "start": "the plane through the start, along the paths",
        }[plane.origin_kind]
    return f"Map: training loss on {what} (darker = lower)"


def sharpness_series(ls, points: int = SHARPNESS_POINTS) -> list:
    """Each run's sharpness (preconditioned where its line asks) at ``points`` steps."""
    from ..analysis.sharpness import along_run
    from .sharpness_panel import network_series

    runs = [along_run(r, ls.data.x, ls.data.y, points=points) for r in ls.runs]
    return network_series(runs, [t.label.split(" (")[0] for t in _race(ls).trajectories])


def _title(ls) -> str:
    net = ls.runs[0].network
    hidden = "-".join(map(str, net.sizes[1:-1])) or "none"
    task = "classes" if ls.data.classes else "regression"
    return (
        f"{ls.data.name} ({len(ls.data)} points, {task}): hidden layers {hidden}, "
        f"{net.activation}, {ls.runs[0].steps} steps"
    )


def _loss_values(ls) -> np.ndarray:
    ys = np.concatenate([*ls.loss, *ls.plane_loss])
    return ys[np.isfinite(ys)]


def _setup_loss_axis(ls, ax) -> None:
    ys = _loss_values(ls)
    log = bool(len(ys) and ys.min() > 0)
    ax.set_yscale("log" if log else "linear")
    # what the two kinds of line mean, under the panel (the legend names the runs), in
    # words a room reads: short, the panel is narrow
    ax.set_xlabel(LOSS_LABEL)
    ax.set_ylabel("training loss")
    ax.grid(True, which="major", lw=0.6)
    ax.set_xlim(0, max(ls.runs[0].steps, 1))
    if log:  # plain numbers at 1, 2, 5 (0.2, 0.05), not 2 x 10^-1
        from matplotlib.ticker import LogLocator

        ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        ax.yaxis.set_major_formatter(plots._short_formatter())
        ax.yaxis.set_minor_formatter(plots._short_formatter())
    if not len(ys):
        return
    # fitted to the data with a small margin: the legend sits under the figure, not here
    if log:
        ax.set_ylim(ys.min() / 1.25, ys.max() * 1.25)
    else:
        lo, hi = ys.min(), max(ys.max(), ys.min() + 1e-12)
        ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))


LOSS_LABEL = "step\ndotted: the loss read off the map,\nwhere it differs from the true loss"
PLANE_LINE = {"lw": 1.8, "alpha": 0.85, "ls": (0, (1.0, 1.6)), "dash_capstyle": "round"}
"""The plane's loss: thin and dotted, under the run's line; a wide band beside the line
read as a second run where the two parted."""


def loss_curves(ls) -> list:
    """Every line the loss panel draws, ``(steps, values)``: each run's loss and, NaN
    where it is not drawn, its map's loss."""
    out = [(np.arange(len(loss)), np.asarray(loss, float)) for loss in ls.loss]
    for loss, plane in zip(ls.loss, ls.plane_loss, strict=True):
        out.append((np.arange(len(plane)), parted(loss, plane)))
    return out


def darkest_at_the_ends(ls, levels, n_planes: int) -> np.ndarray:
    """``levels`` (``None``: the single map's own) with every level under the lowest
    loss a run ends at on its map dropped: the ground lower than any run reached is one
    darkest band, the best run's end on it. A plane through the end points also holds
    points no run went to, far lower (weights grown past the ends); shaded finer, they
    drew dark basins beside the winners, which seemed to end on the pale rims."""
    from .levels import levels_of

    if levels is None:
        s = ls.surfaces[0]
        levels = levels_of(s, s.grid(120)[2])
    levels = np.asarray(levels, float)
    ends = [float(p[-1]) for p in ls.plane_loss if np.isfinite(p[-1])]  # every run's, on
    if not ends:  # its map (the maps share their levels)
        return levels
    low = min(ends)
    kept = levels[levels > low]
    if len(kept) < 3 or kept[0] == levels[0]:
        return levels  # nothing under the best end, or too little left to shade
    return np.concatenate([[levels[0]], kept])


def shared_levels(surfaces, n: int | None = None) -> np.ndarray | None:
    """One set of contour levels for the maps of runs on planes of their own (networks
    that differ): the same shade is the same training loss on every map, the one thing
    two different planes have in common. ``None`` for a single map (its own levels).

    Each map brings its own share of the levels, spaced over its own losses, and the
    maps share them all: a map whose losses span a small part of the range (a network
    that ends fifty times higher than the other) still shows its shape in many shades,
    not in two or three pale bands that read as a blank map.
    """
    from .levels import levels_of

    if len(surfaces) < 2:
        return None
    n = int(n or surfaces[0].view.levels)
    each = max(n // len(surfaces), 4)
    own = []
    for s in surfaces:
        z = np.ravel(s.grid(120)[2])
        z = z[np.isfinite(z)]
        # its log levels detail its valleys; its quantiles give each shade a share of it
        own += [levels_of(s, z, each), np.quantile(z, np.linspace(0, 1, each // 2 + 1))]
    return _apart(np.unique(np.concatenate(own)))


def _apart(levels: np.ndarray, gap: float = 0.1) -> np.ndarray:
    """``levels`` without those closer than ``gap`` of their neighbours' mean spacing in
    log loss (two maps' levels that nearly meet make a band no one sees)."""
    if len(levels) < 3 or levels[0] <= 0:
        return levels
    logs = np.log(levels)
    least = gap * (logs[-1] - logs[0]) / (len(logs) - 1)
    kept = [0]
    for i in range(1, len(logs) - 1):
        if logs[i] - logs[kept[-1]] >= least:
            kept.append(i)
    if logs[-1] - logs[kept[-1]] < least and len(kept) > 1:
        kept.pop()
    return levels[[*kept, len(levels) - 1]]


def short_label(label: str) -> str:
    """A run's label without its hyperparameters, for a small panel's title.

    >>> short_label("Adam (lr 0.01) · batch norm")
    'Adam · batch norm'
    """
    name, _, rest = label.partition(" (")
    tail = rest.partition(")")[2]
    return (name + tail).strip()


class _Overlay:
    """Each frame's extras: the plane's loss so far and the decision regions.

    Called by the animation engine as ``overlay(engine, s)``; its artists are made on
    the first call (animated, so never part of the cached background).
    """

    def __init__(self, ls, boundary_axes: list, theme: str = "light"):
        self.ls, self.boundary_axes, self.theme = ls, boundary_axes, theme
        self.bands: list = []
        self.tags: list = []  # "map" beside each dotted line
        self.boundaries: _Boundaries | None = None

    def _color(self, i: int) -> str:
        """Run ``i``'s colour, as its path is drawn (:func:`.paths.run_colors`)."""
        return run_colors(_race(self.ls).trajectories)[i]

    def colors(self) -> list:
        """The bands' colors over the loss panel's white and a map's grey, 0..255, for the
        animation's palette: without them a light blue band was drawn grey."""
        from matplotlib.colors import to_rgb

        alpha = PLANE_LINE["alpha"]
        face = np.array(to_rgb(style.THEMES[self.theme]["axes.facecolor"])) * 255
        out = []
        for i, _ in enumerate(self.ls.runs):
            c = np.array(to_rgb(self._color(i))) * 255
            out.append(face + alpha * (c - face))
            out.append(face + (1 - (1 - alpha) ** 2) * (c - face))  # where two bands cross
        return out

    def _build(self, engine) -> None:
        for i, _ in enumerate(self.ls.runs):
            color = engine.movers[i].color  # as its path
            band = engine.loss_ax.plot([], [], color=color, zorder=4, animated=True,
                                       **PLANE_LINE)[0]  # fmt: skip
            band.set_in_layout(False)
            self.bands.append(band)
        curves, taken = loss_curves(self.ls), []
        for i, (loss, plane) in enumerate(zip(self.ls.loss, self.ls.plane_loss, strict=True)):
            tag = map_tag(engine.loss_ax, loss, plane, engine.movers[i].color, True, curves,
                          taken)  # fmt: skip
            self.tags += [tag] if tag is not None else []
        self.boundaries = _Boundaries(self.ls, self.boundary_axes, engine.theme, animated=True)

    def __call__(self, engine, s: float) -> list:
        if self.boundaries is None:
            self._build(engine)
        k = int(s)
        for band, y, loss in zip(self.bands, self.ls.plane_loss, self.ls.loss, strict=True):
            top = min(k, len(y) - 1)
            band.set_data(np.arange(top + 1), parted(loss, y)[: top + 1])
        for tag in self.tags:
            tag.set_visible(k >= tag.step)
        return self.bands + self.tags + self.boundaries.draw(k)


def _race(ls):
    """``ls.race`` with legend labels as every race writes them (``Adam (lr 0.01)``),
    followed by what else tells the runs apart (`` · batch norm``); a label the scene
    gave a run is kept."""
    from dataclasses import replace

    from ..engine.runner import Race
    from . import paths

    trajs = []
    for traj, run in zip(ls.race.trajectories, ls.runs, strict=True):
        if traj.label != run.label:  # a name the scene gave it ("Xavier"): as it says
            trajs.append(traj)
            continue
        name = paths.readable(replace(traj, label=run.optimizer.label))
        trajs.append(replace(traj, label=name + run.label[len(run.optimizer.label) :]))
    return Race(ls.race.surface, trajs)


# ----------------------------------------------------------------------------- public
def plot_landscape(ls, *, size: Any = "16:9", dpi: float = 100, theme: str = "light",
                   title: str | None = None, sharpness: bool = False,
                   boundaries: bool = True):  # fmt: skip
    """The final state of ``ls`` as one figure (see the module docs for its parts);
    ``sharpness=True`` adds each run's sharpness beside its stability line;
    ``boundaries=False`` leaves out the decision regions (the map then takes the frame).

    >>> from optviz.nets.landscapes import landscape
    >>> ls = landscape("xor", ["gd:lr=0.5", "adam:lr=0.05"], steps=10, hidden=(4,), n=30,
    ...                resolution=6)
    >>> fig = plot_landscape(ls, size="small", dpi=40)
    >>> len(fig.axes)  # plane, loss, two boundary panels, the line over the map
    5
    """
    from . import paths

    style.check_theme(theme)
    race = _race(ls)
    with style.themed(theme):
        series = sharpness_series(ls) if sharpness else None
        fig, panels, loss_ax, boundary_axes = _layout(ls, theme, size, dpi, title, race, series,
                                                      boundaries)  # fmt: skip
        if series is not None:
            from .sharpness_panel import PANEL_LABEL, draw_series

            draw_series(next(a for a in fig.axes if a.get_label() == PANEL_LABEL), series)
        styles = paths.path_styles(race.trajectories)
        if ls.shared:
            plots.plot_trajectories(race, panels[0], theme=theme, styles=styles)
        else:
            for ax, traj, ps in zip(panels, race.trajectories, styles, strict=True):
                plots.plot_trajectories(traj, ax, theme=theme, styles=[ps])
        loss_plot.plot_loss(race, loss_ax, theme=theme)
        for i, (band, loss) in enumerate(zip(ls.plane_loss, ls.loss, strict=True)):
            color = styles[i].color  # as its path
            loss_ax.plot(np.arange(len(band)), parted(loss, band), color=color, zorder=4,
                         **PLANE_LINE)  # fmt: skip
        _setup_loss_axis(ls, loss_ax)
        fig.canvas.draw()  # the tags find their spots in the laid-out panel
        curves, taken = loss_curves(ls), []
        for i, (band, loss) in enumerate(zip(ls.plane_loss, ls.loss, strict=True)):
            map_tag(loss_ax, loss, band, styles[i].color, False, curves, taken)
        race_figure.legend(fig, race, loss_ax, panels, "contour")
        _Boundaries(ls, boundary_axes, theme, animated=False).draw(ls.runs[0].steps)
    return fig


def animate_landscape(ls, *, fps: float = 20, duration: float = 8.0, hold: float = defaults.HOLD,
                      size: Any = "16:9", dpi: float = 100, theme: str = "light",
                      title: str | None = None, trail: bool | int = True,
                      sharpness: bool = False, boundaries: bool = False):  # fmt: skip
    """An :class:`~optviz.render.animate.Animation` of ``ls``: the race's engine (balls,
    trails, growing loss curves, step counter) with the plane's loss (faint band) moving
    in step, with ``boundaries=True`` the decision regions in small panels (the map then
    has less of the frame) and with ``sharpness=True`` each run's sharpness growing
    beside its stability line. ``.save("out.gif")`` it."""
    from .animate import animate
    from .sharpness_panel import SharpnessOverlay

    boundary_axes: list = []
    series = sharpness_series(ls) if sharpness else None
    overlays = [_Overlay(ls, boundary_axes, theme)]
    overlays += [SharpnessOverlay(series)] if series else []

    def layout(race, kind, loss, size, dpi, theme, title):
        fig, panels, loss_ax, axes = _layout(ls, theme, size, dpi, title, race, series,
                                             boundaries)  # fmt: skip
        # the start's regions, drawn once into the background, put every region color
        # into the animation's palette; each frame's regions are drawn over them
        _Boundaries(ls, axes, theme, animated=False).draw(0)
        boundary_axes.extend(axes)
        return fig, panels, loss_ax

    anim = animate(_race(ls), kind="contour" if ls.shared else "panels", loss=True, fps=fps,
                   duration=duration, hold=hold, size=size, dpi=dpi, theme=theme,
                   title=title, trail=trail, overlays=overlays)  # fmt: skip
    anim.layout = layout
    return anim


def save_landscape(
    ls, path, *, fps: float = 20, duration: float = 8.0, hold: float = defaults.HOLD,
    trail: bool | int = True, progress=None, sharpness: bool = False, **look: Any,
):  # fmt: skip
    """Write ``ls`` to ``path``: .png/.svg/.pdf the final figure, else an animation.

    ``look``: ``size``, ``dpi``, ``theme``, ``title``; the rest are the animation's.
    """
    from pathlib import Path

    from .writers import FIGURE_SUFFIXES, save_figure

    if Path(path).suffix.lower() in FIGURE_SUFFIXES:
        return save_figure(plot_landscape(ls, sharpness=sharpness, **look), path)
    anim = animate_landscape(ls, fps=fps, duration=duration, hold=hold, trail=trail,
                             sharpness=sharpness, **look)  # fmt: skip
    return anim.save(path, progress=progress)
