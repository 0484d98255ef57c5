"""The figure of a race: its map (contours, 3-D or one panel per optimizer), an optional
loss panel, the legend and the title, laid out for the frame (see :mod:`.layout`).

:func:`race_layout` builds the figure without paths (the animation engine draws them
frame by frame); :func:`plot_race` draws the whole race as a still. The ground each map
shows is drawn by :mod:`.framing`; the legend is :mod:`.race_legend`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .framing import draw_ground, race_view, reach, show_view
from .landmarks import mark_landmarks
from .line_ends import text_color
from .losses import loss_x
from .plots import (
    _grid_shape,
    _squareish,
    check_kind,
    new_figure,
    plot_trajectories,
)
from .race_legend import legend
from .surface3d import landmark_kinds, plot_surface3d


def race_layout(race, kind: str, loss: bool, size, dpi: float, theme: str, title,
                *, legend_column: bool = False, side=(), under_share=None):  # fmt: skip
    """The figure of a race without its paths: ``(fig, panels, loss_ax)``.

    ``panels`` is one axes (contour or 3-D) or one per optimizer (``kind="panels"``),
    each with its surface drawn; ``loss_ax`` is the loss axes or ``None``. ``side``: more
    panels beside the map (:mod:`.side_panels`), after the loss panel when ``loss``; all
    of them are found by :func:`.side_panels.side_axes`, each prepared by its ``setup``.
    ``legend_column`` keeps a single map without side panels beside a legend column
    (where more legends go, as the glyph key) even when stacking would draw it larger.
    ``under_share``: the share of the height a row of side panels under a row of maps
    takes (:data:`UNDER_HEIGHTS`' by default; a number line wants a strip).
    Call inside ``style.themed(theme)``.
    """
    from . import layout, paths
    from .side_panels import side_panels

    check_kind(kind)
    surface = race.surface
    fig = new_figure(size, dpi)
    n = len(race.trajectories)
    heading = surface.title or surface.name if title is None else title
    # a title's second line (a lesson's caption) is a note under the heading, in smaller type
    heading, _, lesson = heading.partition("\n")
    note = "\n".join(filter(None, (lesson.strip(), paths.chosen_note(race.trajectories))))
    extra = side_panels(side, loss)
    view = race_view(race) if kind != "3d" else np.asarray(surface.domain, float)
    if kind == "panels":
        span = np.ptp(view, axis=1)
        aspect = float(np.clip(span[0] / span[1], 0.75, 2.0))
        rows, cols = _grid_shape(n, fig, False, aspect)
        in_grid = bool(extra) and rows * cols - n >= len(extra)  # side panels in empty cells
        if extra and not in_grid:
            rows, cols = _grid_shape(n, fig, True, aspect)
        beside = extra and not in_grid
        heights = UNDER_HEIGHTS if under_share is None else (1 - under_share, under_share)
        under = bool(extra) and _row_over_side(n, fig, aspect, rows, cols, bool(beside), heights)
        if under:  # the maps in a row, the side panels in a row under them: no gutters
            rows, cols, in_grid, beside = 1, n, False, False
            outer = fig.add_gridspec(2, 1, height_ratios=heights)
        else:
            outer = fig.add_gridspec(1, 2 if beside else 1,
                                     width_ratios=[2.2, 1] if beside else None)  # fmt: skip
        inner = outer[0].subgridspec(rows, cols)
        panels = []
        for i, traj in enumerate(race.trajectories):
            ax = fig.add_subplot(inner[i // cols, i % cols])
            ground = np.asarray(surface.domain, float)
            draw_ground(ax, surface, ground, view, theme, 200)
            mark_landmarks(ax, surface, runs=race.trajectories)  # those its lesson needs
            show_view(ax, view, ground)
            ink = text_color(paths.run_colors(race.trajectories)[i], fig.get_facecolor())
            title = ax.set_title(paths.readable(traj), color=ink, fontweight="bold")
            _fit_width(title, fig, share=0.95 / cols)  # within its column, not over the next
            if i % cols:  # one domain in every panel: its numbers once, at the left and bottom
                ax.set_ylabel("")
                ax.tick_params(labelleft=False)
            if i + cols < n:
                ax.set_xlabel("")
                ax.tick_params(labelbottom=False)
            panels.append(ax)
        if in_grid:  # the last cells of the grid, after the maps
            _side_axes(fig, [inner[j // cols, j % cols] for j in range(n, n + len(extra))], extra)
        elif under:
            row = outer[1].subgridspec(1, len(extra), width_ratios=[p.weight for p in extra])
            _side_axes(fig, [row[0, i] for i in range(len(extra))], extra)
        elif extra:
            column = outer[1].subgridspec(len(extra), 1, height_ratios=[p.weight for p in extra])
            _side_axes(fig, [column[i] for i in range(len(extra))], extra)
    else:
        # a 3-D view alone takes the frame's width, its legend a row under it (a legend
        # column took a third of the frame from the surface)
        beside = (kind == "3d" and bool(extra)) or (legend_column and not extra)
        panels = _map_layout(fig, race, kind, extra, theme, 2 if note else 1, beside, view)
        if legend_column:  # the glyph key's rate box compares two rates by its sides'
            fig.get_layout_engine().maps = ()  # lengths: the map keeps equal scale
    if kind == "panels" and _squareish(surface):  # each map fills its cell (at most
        # :data:`.layout.STRETCH` off equal scale): no gutters
        layout.use_race_layout(fig, maps=tuple((ax, _view_aspect(view)) for ax in panels))
    axes = _setup_side(fig, race, extra, theme)
    if note and (kind == "panels" or not _fits_over(panels[0], note, 16, alone=not extra)):
        heading = f"{heading}\n{note}"
    elif note:  # the map has no title of its own: the note goes there
        panels[0].set_title(note, fontsize=16, loc="left")
    # the title on top, as on the map (a 3-D view's title heading its legend column
    # wrapped mid-formula and left the column's foot empty)
    _fit_width(fig.suptitle(heading), fig)
    return fig, panels, axes.get("loss")


UNDER_HEIGHTS = (0.625, 0.375)  # a row of maps over a row of side panels: the maps larger, the
# panels >= 150 px tall
ROW_MAPS_MOST = 4  # more maps than this in one row are too small


def _row_over_side(n: int, fig, aspect: float, rows: int, cols: int, beside: bool,
                   heights=UNDER_HEIGHTS) -> bool:  # fmt: skip
    """Whether ``n`` maps of width/height ``aspect`` in one row over the side panels
    are drawn about as large (within 15 %) as in the grid of ``rows`` x ``cols`` (the
    side panels in its empty cells, or ``beside`` it): a grid of maps narrower than
    their cells leaves wide empty gutters, the row fills the frame's width."""
    if n > ROW_MAPS_MOST:
        return False
    w, h = fig.get_size_inches()
    h *= 0.9  # the title
    grid_w = w * (2.2 / 3.2 if beside else 1.0)
    in_grid = min(grid_w / cols / aspect, h / rows)
    in_row = min(w / n / aspect, heights[0] * h)
    return in_row >= 0.85 * in_grid


def _side_axes(fig, cells: list, extra) -> list:
    """An axes in each of ``cells`` for the side panels ``extra``, labelled by name."""
    from .side_panels import SIDE_LABEL

    pairs = zip(cells, extra, strict=True)
    return [fig.add_subplot(cell, label=SIDE_LABEL + p.name) for cell, p in pairs]


def _setup_side(fig, race, extra, theme: str) -> dict:
    """Each side panel's ``setup`` on its axes; the axes by name."""
    from .side_panels import side_axes

    axes = side_axes(fig)
    for panel in extra:
        panel.setup(axes[panel.name], race, theme)
    return axes


def _fit_width(text, fig, smallest: float = 16.0, share: float = 0.96) -> None:
    """Shrink ``text`` until it fits ``share`` of the frame's width, down to ``smallest``
    points, then wrap its lines (a two-line title on a small frame ran off both sides)."""
    import textwrap

    renderer = fig.canvas.get_renderer()
    room = share * fig.bbox.width
    size = text.get_fontsize()
    width = text.get_window_extent(renderer).width
    if width <= room:
        return
    text.set_fontsize(max(smallest, size * room / width))
    width = text.get_window_extent(renderer).width
    if width > room:
        lines = text.get_text().splitlines()
        chars = int(max(map(len, lines)) * room / width)
        text.set_text("\n".join(textwrap.fill(line, chars) for line in lines))


def _map_layout(fig, race, kind: str, extra, theme: str, heading_lines: int, beside: bool,
                view):  # fmt: skip
    """One map (contours or 3-D) with the side panels ``extra`` and the legend, or with a
    legend column alone, side by side or stacked (:func:`.layout.choose_arrangement`):
    the map's axes in a list, showing ``view`` (:mod:`.framing`). Beside the map the side
    panels are stacked in a column, the legend under them; under a wide map they sit in a
    row, the legend at its end."""
    import matplotlib as mpl

    from . import layout, paths
    from .landmarks import LEGEND_NAMES

    surface = race.surface
    em = mpl.rcParams["font.size"] * fig.dpi / 72
    aspect = None if kind == "3d" or not _squareish(surface) else _view_aspect(view)
    marked = (
        [LEGEND_NAMES.get(k, k) for k in landmark_kinds(surface, race.trajectories)]
        if kind == "3d"  # the 3-D view marks its own (see surface3d.landmark_kinds)
        else _landmark_labels(surface, view, race.trajectories)
    )
    labels = [paths.readable(t) for t in race.trajectories] + marked
    how = "side"
    frame = (fig.bbox.width, fig.bbox.height)
    widths = layout.side_widths(frame, em, aspect, labels, heading_lines) if extra else (1, 0.5)
    ground = view if kind == "3d" else reach(race, view, _widest_cell(frame, em))
    if kind == "3d" and not beside:
        how = "stack"
    elif not beside:
        shapes = None if aspect is None else _shapes(view, ground)
        how = layout.choose_arrangement(frame, em, shapes, bool(extra), labels, heading_lines)
    if how == "stack" and extra:
        grid = fig.add_gridspec(2, 1, height_ratios=layout.STACK_HEIGHTS)
    elif how == "stack":  # the legend goes in a row under the figure
        grid = fig.add_gridspec(1, 1)
    else:
        grid = fig.add_gridspec(1, 2, width_ratios=widths)
    ax = fig.add_subplot(grid[0], projection="3d" if kind == "3d" else None)
    if kind == "3d":
        plot_surface3d(surface, ax, theme=theme, critical=True, runs=race.trajectories)
    else:
        draw_ground(ax, surface, ground, view, theme, 300)
        mark_landmarks(ax, surface, runs=race.trajectories)  # those its lesson needs
        show_view(ax, view, ground)
    ax.set_anchor("E" if how == "side" else "C")
    if extra:
        room = frame[0] * (widths[1] if how == "side" else 1.0)
        _side_region(fig, grid[1], extra, how, labels, em, (room, frame[1]))
    elif how == "side":  # the legend column
        key = fig.add_subplot(grid[1])
        key.set_axis_off()
        key.set_label("legend")
    layout.use_race_layout(fig, maps=((ax, aspect),) if aspect else ())
    return [ax]


def _side_region(fig, cell, extra, how: str, labels: list[str], em: float, frame) -> None:
    """The side panels and the legend in ``cell`` (``frame``: its width beside the map,
    the frame's under it; the frame's height): a column (panels over the legend) beside
    the map, a row (panels, then the legend) under it. A legend too wide for the column
    (a small frame) goes in a row under the figure instead (:func:`legend`)."""
    from .layout import legend_size

    width, height = legend_size(labels, em)
    weights = [p.weight for p in extra]
    if how == "side":
        fits = width <= frame[0] - em
        room = frame[1] - 6 * em  # the column's height, less the title and a panel's labels
        height += 2 * em  # the gap between the panels' cells, and the estimate's error:
        # cut to its estimate, ball_rolling_3d's six entries ran off the frame's foot
        share = min(height / max(room - height, 1.0), 1.0) * sum(weights)
        rows = len(extra) + fits
        grid = cell.subgridspec(rows, 1, height_ratios=[*weights, share][:rows])
        cells = [grid[i, 0] for i in range(rows)]
    else:
        fits = True
        share = min(width / max(frame[0] - width, 1.0), 1.0) * sum(weights)
        grid = cell.subgridspec(1, len(extra) + 1, width_ratios=[*weights, share])
        cells = [grid[0, i] for i in range(len(extra) + 1)]
    if fits:
        key = fig.add_subplot(cells[-1])  # made first: the side panels are the last axes
        key.set_axis_off()
        key.set_label("legend")
    _side_axes(fig, cells[: len(extra)], extra)


def _widest_cell(frame, em: float) -> float:
    """Width / height of the widest cell a single map gets in ``frame``: the whole width,
    less tick labels, under the title and over a legend row."""
    return (frame[0] - 4.5 * em) / (frame[1] - 9 * em)


def _shapes(view, ground) -> tuple[float, float]:
    """The least and the most width / height the map of ``view`` reaches by growing into
    ``ground`` (:func:`.framing.grow_to_cell`) before it stretches."""
    from .framing import room_spans

    (vw, vh), (gw, gh) = np.ptp(view, axis=1), room_spans(view, ground)
    return float(vw / gh), float(gw / vh)


def _view_aspect(view) -> float:
    w, h = np.ptp(view, axis=1)
    return float(w / h)


def _landmark_labels(surface, view, runs=None) -> list[str]:
    """The legend labels of the landmarks :func:`mark_landmarks` will draw in ``view``."""
    from ..catalog.critical import LANDMARK_KINDS
    from .landmarks import lesson_landmarks

    marks = lesson_landmarks(surface, runs)
    lo, hi = np.asarray(view, float).T

    def seen(kind: str) -> bool:
        return any(np.all((lo <= p.xy) & (p.xy <= hi)) for p in marks if p.kind == kind)

    return [k for k in LANDMARK_KINDS if seen(k)]


def _fits_over(ax, text: str, fontsize: float, alone: bool) -> bool:
    """Whether ``text``, set at ``ax``'s left edge, ends inside ``ax``'s cell, or, for a
    map ``alone`` in its row, inside the frame's safe area (measured before layout). A
    lesson line may run past a lone map's right edge: over the map, smaller than the
    heading, it reads as the lesson under the title, where the two joined in one heading
    had the same size."""
    fig = ax.figure
    cell = ax.get_subplotspec().get_position(fig)
    room = max(cell.width, (SAFE_RIGHT - MAP_LEFT) * CENTRED) if alone else 0.95 * cell.width
    probe = fig.text(0, 0, text, fontsize=fontsize)
    width = probe.get_window_extent(fig.canvas.get_renderer()).width
    probe.remove()
    return width <= room * fig.bbox.width


SAFE_RIGHT = 0.95  # of the frame's width: text ends before a projector's overscan
MAP_LEFT = 0.06  # where a full-width map's axes begin, its tick labels left of it
CENTRED = 0.9  # of that room: a map that may grow only so far (.framing.GROW) is centred
# in a wider cell, and its left edge and the note's move right (a small frame's note ran
# 2 px past the frame's edge)


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
    callouts: Any = (),
    side: Any = (),
):
    """The whole race as one figure: paths on contours (or 3-D, or one panel per
    optimizer), optionally a loss panel, with a legend of hyperparameters.
    ``glyphs=True`` draws the glyphs of :mod:`optviz.render.glyphs` at a few steps
    along each path (the race must be run with ``keep_state=True``). ``callouts``:
    verdicts of the race's claims, each that holds written as a label beside the point
    it is about (:mod:`optviz.render.callouts`). ``side``: more panels beside the map
    (:mod:`optviz.render.side_panels`).

    >>> import optviz as ov
    >>> r = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=50)
    >>> fig = plot_race(r, loss=True, size="small", dpi=50)
    >>> [ax.get_label() for ax in fig.axes]  # the map and the loss (the legend in a row)
    ['', 'side:loss']
    """
    from . import paths
    from .callouts import add_callouts, check_callouts
    from .side_panels import side_axes, side_panels

    style.check_theme(theme)
    if race.surface.is_curve:  # a curve is drawn from the side
        from .sidestill import plot_side
        from .sideview import check_curve

        check_curve(race, kind)
        return plot_side(race, loss=loss, size=size, dpi=dpi, theme=theme, title=title,
                         glyphs=glyphs, callouts=callouts)  # fmt: skip
    callouts = check_callouts(callouts, race)
    with style.themed(theme):
        fig, panels, loss_ax = race_layout(
            race, kind, loss, size, dpi, theme, title, legend_column=glyphs, side=side
        )
        trajs = race.trajectories
        if kind == "panels":  # each panel its optimizer's look: colour, marker, line style
            styles = paths.path_styles(trajs, one_map=False)
            for ax, traj, ps in zip(panels, trajs, styles, strict=True):
                plot_trajectories(traj, ax, styles=[ps], theme=theme)
        else:
            plot_trajectories(race, panels[0], theme=theme)
        axes_of = side_axes(fig)
        for panel in side_panels(side, loss):
            panel.still(axes_of[panel.name], race, theme)
        axes = panels if kind == "panels" else [panels[0]] * len(trajs)
        add_callouts(race, callouts, axes, paths.run_colors(trajs), theme,
                     loss_panel=loss_ax is not None)  # fmt: skip
        legend(fig, race, loss_ax, panels, kind, x=loss_x(loss))
        if glyphs:
            from .glyphs import draw_static

            draw_static(race, fig, panels, loss_ax, kind, theme)
        style.raise_type(fig)
    return fig
