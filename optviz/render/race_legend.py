"""The legend of a race's figure: one entry per optimizer, labelled with its
hyperparameters, then the landmarks its map marks; in the column beside a single map,
in the loss panel where it fits, under its tick labels, or in a row under the figure.
"""

from __future__ import annotations

import numpy as np

from .losses import free_corner
from .plots import COUNTER_CHARACTERS


def legend(fig, race, loss_ax, panels, kind: str, *, handles=None, x: str = "steps"):
    """The race legend: one entry per optimizer, labelled with its hyperparameters,
    then the landmarks marked on the map (global minimum, saddle, ...): in the legend
    column beside a single map, else in the loss panel when it fits there, else in a
    row under the figure (panel titles name the optimizers of ``kind="panels"``, whose
    landmarks go in that row)."""
    from . import paths

    if handles is None:
        theme = "dark" if _dark_figure(fig) else "light"
        styles = paths.path_styles(race.trajectories, one_map=kind != "panels")
        handles = [paths.legend_handle(ps, theme) for ps in styles]
    from . import extras

    labels = [paths.readable(t) for t in race.trajectories]
    marks = _landmark_entries(panels[0]) if panels else []
    if kind != "3d":
        marks += extras.legend_entries(race, "dark" if _dark_figure(fig) else "light")
    column = next((ax for ax in fig.axes if ax.get_label() == "legend"), None)
    if column is not None:
        handles, labels = [*handles, *(h for h, _ in marks)], [*labels, *(t for _, t in marks)]
        spacing = _column_spacing(fig, column, len(labels))
        key = column.legend(handles, labels, loc="upper left", borderaxespad=0.0, framealpha=0.95,
                            labelspacing=spacing)  # fmt: skip
        if loss_ax is not None:  # the legend under the loss panel, in its column: counted
            # by the layout, its overhang took the panel's width (105 of 400 px)
            key.set_in_layout(False)
        return key
    if kind == "panels":  # the panels' titles name the optimizers, in their colours; the
        # landmarks go in one row under the loss panel's tick labels, at its right end,
        # beside its axis label (a row under the figure took ~45 px of the maps' height
        # and left a band beside the step counter); else under the figure
        if not marks:
            return None
        if loss_ax is not None and _fits_inside(loss_ax, [t for _, t in marks]):
            return _under_ticks_legend(loss_ax, marks)
        return _row_legend(fig, marks)
    if loss_ax is not None and _fits_inside(loss_ax, labels):
        if marks:
            _row_legend(fig, marks)
        loc = free_corner(loss_ax, race.trajectories, len(labels), x)
        return loss_ax.legend(handles, labels, loc=loc, framealpha=0.9)
    return _row_legend(fig, [*zip(handles, labels, strict=True), *marks])


def _under_ticks_legend(ax, marks: list[tuple]):
    """A legend of ``(handle, label)`` pairs right-aligned under ``ax``'s x tick labels,
    beside its axis label, in as few rows as fit there; out of the layout, it takes no
    height from the panels above. Where it fits in no number of rows: a row under the
    figure."""
    import matplotlib as mpl
    from matplotlib.transforms import offset_copy

    ticks = ax.xaxis.get_ticklabels()
    size = ticks[0].get_fontsize() if ticks else 16.0
    under = offset_copy(ax.transAxes, fig=ax.figure, y=-(size * 1.2 + 7.5), units="points")
    renderer = ax.figure.canvas.get_renderer()
    fig = ax.figure
    em = mpl.rcParams["font.size"] * fig.dpi / 72
    pars = fig.subplotpars  # (the cell before layout sits inside these margins)
    cell = ax.get_subplotspec().get_position(fig).width / (pars.right - pars.left)
    width = cell * fig.bbox.width - 4 * em  # the panel's width once laid out
    beside = (width - ax.xaxis.label.get_window_extent(renderer).width) / 2 - 8
    handles, texts = zip(*marks, strict=True)
    for ncol in range(len(marks), 0, -1):
        key = ax.legend(handles, texts, loc="upper right", bbox_to_anchor=(1.0, 0.0),
                        bbox_transform=under, ncol=ncol, borderaxespad=0.0,
                        framealpha=0.9)  # fmt: skip
        box = key.get_window_extent(renderer)
        if box.width <= beside and box.height <= 0.12 * ax.figure.bbox.height:
            key.set_in_layout(False)
            return key
        key.remove()
    return _row_legend(ax.figure, marks)


def _column_spacing(fig, column, entries: int) -> float:
    """Space between legend entries (in font sizes) in the column beside a map: roomy
    enough that the legend spans about 35% of the frame's height (the column is as tall
    as the map; a small legend would leave it mostly empty), from 0.5 to 1.6; 0.5 in a
    cell beside or under side panels, made to the legend's size (a roomier legend would
    overflow it, and the layout would squeeze the panels to make room)."""
    import matplotlib as mpl

    from .side_panels import SIDE_LABEL

    if any(ax.get_label().startswith(SIDE_LABEL) for ax in fig.axes):
        return 0.5
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


LEGEND_LANDMARK_PT = 13.0  # a landmark's marker in the legend: drawn to ring a ball, too big there


def _landmark_entries(ax) -> list[tuple]:
    """``(handle, label)`` of each landmark kind drawn on ``ax``: its look, in a legend size."""
    from matplotlib.lines import Line2D

    from .landmarks import legend_face

    out = []
    for a in ax.get_children():
        if a.get_gid() != "landmark":
            continue
        if not isinstance(a, Line2D):  # the flat plain's hatch (:func:`.plots.mark_plain`)
            out.append((a, a.get_label()))
        else:
            handle = Line2D([], [])
            handle.update_from(a)
            handle.set_markersize(min(a.get_markersize(), LEGEND_LANDMARK_PT))
            handle.set_markerfacecolor(legend_face(ax, a.get_label()))  # a filled star
            out.append((handle, a.get_label()))
    return out


def _dark_figure(fig) -> bool:
    from matplotlib.colors import to_rgb

    return sum(to_rgb(fig.get_facecolor())) < 1.5
