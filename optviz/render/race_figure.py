"""The figure of a race: its map (contours, 3-D or one panel per optimizer), an optional
loss panel, the legend and the title, laid out for the frame (see :mod:`.layout`).

:func:`race_layout` builds the figure without paths (the animation engine draws them
frame by frame); :func:`plot_race` draws the whole race as a still.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .losses import free_corner, setup_loss_axes
from .plots import (
    COUNTER_CHARACTERS,
    _grid_shape,
    _squareish,
    check_kind,
    new_figure,
    plot_loss,
    plot_surface,
    plot_trajectories,
)
from .surface3d import plot_surface3d


def race_layout(race, kind: str, loss: bool, size, dpi: float, theme: str, title,
                *, legend_column: bool = False):  # fmt: skip
    """The figure of a race without its paths: ``(fig, panels, loss_ax)``.

    ``panels`` is one axes (contour or 3-D) or one per optimizer (``kind="panels"``),
    each with its surface drawn; ``loss_ax`` is the loss axes or ``None``.
    ``legend_column`` keeps a single map without a loss panel beside a legend column
    (where more legends go, as the glyph key) even when stacking would draw it larger.
    Call inside ``style.themed(theme)``.
    """
    from . import paths

    check_kind(kind)
    surface = race.surface
    fig = new_figure(size, dpi)
    n = len(race.trajectories)
    heading = surface.title or surface.name if title is None else title
    note = paths.chosen_note(race.trajectories)
    if kind == "panels":
        span = np.ptp(surface.domain, axis=1)
        rows, cols = _grid_shape(n, fig, loss, float(np.clip(span[0] / span[1], 0.75, 2.0)))
        outer = fig.add_gridspec(1, 2 if loss else 1, width_ratios=[2.2, 1] if loss else None)
        inner = outer[0].subgridspec(rows, cols)
        panels = []
        for i, traj in enumerate(race.trajectories):
            ax = fig.add_subplot(inner[i // cols, i % cols])
            plot_surface(surface, ax, theme=theme, lines=True, n=200, critical=True)
            ax.set_title(paths.readable(traj), color=style.color(i), fontweight="bold")
            if i % cols:
                ax.set_ylabel("")
            if i // cols < rows - 1:
                ax.set_xlabel("")
            panels.append(ax)
        loss_ax = fig.add_subplot(outer[1]) if loss else None
    else:
        side = kind == "3d" or (legend_column and not loss)
        panels, loss_ax = _map_layout(fig, race, kind, loss, theme, 2 if note else 1, side)
        if legend_column:  # the glyph key's rate box compares two rates by its sides'
            fig.get_layout_engine().maps = ()  # lengths: the map keeps equal scale
    if loss_ax is not None:
        setup_loss_axes(loss_ax, race.trajectories, theme=theme)
    if note and (kind == "panels" or not _fits_over(panels[0], note, fontsize=16)):
        heading = f"{heading}\n{note}"
    elif note:  # the map has no title of its own: the note goes there
        panels[0].set_title(note, fontsize=16, loc="left")
    _fit_width(fig.suptitle(heading), fig)
    return fig, panels, loss_ax


def _fit_width(text, fig, smallest: float = 16.0) -> None:
    """Shrink ``text`` until it fits the frame's width, down to ``smallest`` points (a
    two-line title on a small frame would run off both sides)."""
    renderer = fig.canvas.get_renderer()
    room = 0.96 * fig.bbox.width
    size = text.get_fontsize()
    width = text.get_window_extent(renderer).width
    if width > room:
        text.set_fontsize(max(smallest, size * room / width))


def _map_layout(fig, race, kind: str, loss: bool, theme: str, heading_lines: int, side: bool):
    """One map (contours or 3-D) and a loss panel or a legend column, side by side or
    stacked (:func:`.layout.choose_arrangement`): ``(panels, loss_ax)``."""
    import matplotlib as mpl

    from . import layout, paths

    surface = race.surface
    em = mpl.rcParams["font.size"] * fig.dpi / 72
    aspect = None if kind == "3d" or not _squareish(surface) else _domain_aspect(surface)
    labels = [paths.readable(t) for t in race.trajectories] + _landmark_labels(surface)
    how = "side"
    if not side:  # (a 3-D view is about as wide as tall: always beside the rest)
        frame = (fig.bbox.width, fig.bbox.height)
        how = layout.choose_arrangement(frame, em, aspect, loss, labels, heading_lines)
    if how == "stack":
        heights = layout.STACK_HEIGHTS if loss else None
        grid = fig.add_gridspec(2 if loss else 1, 1, height_ratios=heights)
        second = grid[1] if loss else None
    else:
        grid = fig.add_gridspec(1, 2, width_ratios=layout.SIDE_WIDTHS if loss else [1, 0.5])
        second = grid[1]
    ax = fig.add_subplot(grid[0], projection="3d" if kind == "3d" else None)
    if kind == "3d":
        plot_surface3d(surface, ax, theme=theme, critical=True)
        fig.get_layout_engine().set(wspace=0.12)  # 3-D tick labels stick out of their box
    else:
        plot_surface(surface, ax, theme=theme, critical=True)
    ax.set_anchor("E" if how == "side" else "C")
    loss_ax = fig.add_subplot(second) if loss else None
    if not loss and how == "side":  # the legend column
        key = fig.add_subplot(second)
        key.set_axis_off()
        key.set_label("legend")
    layout.use_race_layout(fig, maps=((ax, aspect),) if aspect else ())
    return [ax], loss_ax


def _domain_aspect(surface) -> float:
    w, h = np.ptp(surface.domain, axis=1)
    return float(w / h)


def _landmark_labels(surface) -> list[str]:
    """The legend labels of the landmarks :func:`mark_landmarks` will draw."""
    from ..catalog.critical import LANDMARK_KINDS, landmarks

    marks = landmarks(surface)
    labels = [k for k in LANDMARK_KINDS if marks.of_kind(k)]
    return labels + ([f"+ {marks.left_out} other critical points"] if marks.left_out else [])


def _fits_over(ax, text: str, fontsize: float) -> bool:
    """Whether ``text`` is narrower than ``ax``'s cell (an estimate before layout)."""
    fig = ax.figure
    cell = ax.get_subplotspec().get_position(fig)
    return len(text) * 0.56 * fontsize * fig.dpi / 72 <= cell.width * fig.bbox.width * 0.95


def legend(fig, race, loss_ax, panels, kind: str, *, handles=None):
    """The race legend: one entry per optimizer, labelled with its hyperparameters,
    then the landmarks marked on the map (global minimum, saddle, ...): in the legend
    column beside a single map, else in the loss panel when it fits there, else in a
    row under the figure (panel titles name the optimizers of ``kind="panels"``)."""
    from . import paths

    if handles is None:
        theme = "dark" if _dark_figure(fig) else "light"
        styles = paths.path_styles(race.trajectories)
        handles = [paths.legend_handle(ps, theme) for ps in styles]
    labels = [paths.readable(t) for t in race.trajectories]
    marks = _landmark_entries(panels[0]) if panels else []
    column = next((ax for ax in fig.axes if ax.get_label() == "legend"), None)
    if column is not None:
        handles, labels = [*handles, *(h for h, _ in marks)], [*labels, *(t for _, t in marks)]
        spacing = _column_spacing(fig, len(labels))
        return column.legend(handles, labels, loc="upper left", borderaxespad=0.0, framealpha=0.95,
                             labelspacing=spacing)  # fmt: skip
    if kind == "panels" and loss_ax is None:
        return _row_legend(fig, marks) if marks else None
    if loss_ax is not None and _fits_inside(loss_ax, labels):
        if marks:
            _row_legend(fig, marks)
        loc = free_corner(loss_ax, race.trajectories, len(labels))
        return loss_ax.legend(handles, labels, loc=loc, framealpha=0.9)
    return _row_legend(fig, [*zip(handles, labels, strict=True), *marks])


def _column_spacing(fig, entries: int) -> float:
    """Space between legend entries (in font sizes) in the column beside a map: roomy
    enough that the legend spans about 35% of the frame's height (the column is as tall
    as the map; a small legend would leave it mostly empty), from 0.5 to 1.6."""
    import matplotlib as mpl

    size = mpl.rcParams["legend.fontsize"] * fig.dpi / 72
    return float(np.clip(0.35 * fig.bbox.height / (max(entries, 1) * size) - 1.0, 0.5, 1.6))


def _fits_inside(ax, labels: list[str]) -> bool:
    """Whether a legend of ``labels`` takes at most 70% of ``ax``'s width (its cell's,
    before layout: the axes is a little narrower)."""
    import matplotlib as mpl

    from .layout import legend_size

    fig = ax.figure
    em = mpl.rcParams["legend.fontsize"] * fig.dpi / 72
    cell = ax.get_subplotspec().get_position(fig).width * fig.bbox.width
    return legend_size(labels, em)[0] <= 0.7 * (cell - 4 * em)


def _row_legend(fig, marks: list[tuple]):
    """A legend of ``(handle, label)`` pairs under the figure, in its lower-right corner,
    in as few rows as fit beside the animation's step counter (in the lower-left
    corner: :mod:`.counter`)."""
    import matplotlib as mpl

    em = mpl.rcParams["font.size"] * fig.dpi / 72
    room = fig.bbox.width - COUNTER_CHARACTERS * 0.62 * em - 0.02 * fig.bbox.width
    renderer = fig.canvas.get_renderer()
    handles, labels = zip(*marks, strict=True)
    for ncol in range(len(marks), 0, -1):
        key = fig.legend(handles, labels, loc="outside lower right", ncol=ncol)
        if ncol == 1 or key.get_window_extent(renderer).width <= room:
            return key
        key.remove()
    return None


def _landmark_entries(ax) -> list[tuple]:
    """``(handle, label)`` of each landmark kind drawn on ``ax``."""
    return [(a, a.get_label()) for a in ax.get_lines() if a.get_gid() == "landmark"]


def _dark_figure(fig) -> bool:
    from matplotlib.colors import to_rgb

    return sum(to_rgb(fig.get_facecolor())) < 1.5


def plot_race(
    race,
    *,
    kind: str = "contour",
    loss: bool = False,
    size: Any = "16:9",
    dpi: float = 100,
    theme: str = "light",
    title: str | None = None,
    glyphs: bool = False,
):
    """The whole race as one figure: paths on contours (or 3-D, or one panel per
    optimizer), optionally a loss panel, with a legend of hyperparameters.
    ``glyphs=True`` draws the glyphs of :mod:`optviz.render.glyphs` at a few steps
    along each path (the race must be run with ``keep_state=True``).

    >>> import optviz as ov
    >>> r = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=50)
    >>> fig = plot_race(r, loss=True, size="small", dpi=50)
    >>> len(fig.axes)
    2
    """
    style.check_theme(theme)
    if race.surface.is_curve:  # a curve is drawn from the side
        from .sideview import check_curve, plot_side

        check_curve(race, kind)
        return plot_side(race, loss=loss, size=size, dpi=dpi, theme=theme, title=title,
                         glyphs=glyphs)  # fmt: skip
    with style.themed(theme):
        fig, panels, loss_ax = race_layout(
            race, kind, loss, size, dpi, theme, title, legend_column=glyphs
        )
        trajs = race.trajectories
        if kind == "panels":
            for i, (ax, traj) in enumerate(zip(panels, trajs, strict=True)):
                plot_trajectories(traj, ax, colors=[style.color(i)], theme=theme)
        else:
            plot_trajectories(race, panels[0], theme=theme)
        if loss_ax is not None:
            plot_loss(race, loss_ax, theme=theme)
        legend(fig, race, loss_ax, panels, kind)
        if glyphs:
            from .glyphs import draw_static

            draw_static(race, fig, panels, loss_ax, kind, theme)
    return fig
