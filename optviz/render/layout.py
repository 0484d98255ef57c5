"""How a figure fills its frame: the empty space (gutters) a slide would waste.

A gutter is a region that holds nothing: no axes (with its tick labels, labels, title
and legend), no figure legend, no title or text. :func:`largest_gutter` finds the
largest empty rectangle: a margin, a gap between rows of panels, or a hole beside a
panel that no band across the whole frame would cross. A slide wants none over ~10%
of the frame.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from .framing import CELL_STRETCH as STRETCH
from .framing import grow_to_cell


def occupied(fig: Any, cell: int = 4) -> np.ndarray:
    """``(rows, columns)`` bool grid over the frame in ``cell``-pixel squares, top row
    first: True where something is drawn (inside the tight bounding box of a visible
    axes, figure legend, title or figure text)."""
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: give it an Agg canvas
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()  # the layout engine places everything on draw
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    grid = np.zeros((int(np.ceil(height / cell)), int(np.ceil(width / cell))), bool)
    for box in _boxes(fig, renderer):
        x0, x1 = np.clip([box.x0, box.x1], 0, width) / cell
        y0, y1 = np.clip([height - box.y1, height - box.y0], 0, height) / cell
        grid[int(y0) : int(np.ceil(y1)), int(x0) : int(np.ceil(x1))] = True
    return grid


def _boxes(fig: Any, renderer: Any) -> list:
    artists = [ax for ax in fig.axes if ax.get_visible()]
    artists += [a for a in (*fig.legends, *fig.texts) if a.get_visible() and _has_ink(a)]
    if fig._suptitle is not None and fig._suptitle.get_text():
        artists.append(fig._suptitle)
    return [a.get_tightbbox(renderer) for a in artists if a.get_tightbbox(renderer) is not None]


def _has_ink(artist: Any) -> bool:
    return not hasattr(artist, "get_text") or bool(artist.get_text().strip())


def largest_gutter(fig: Any) -> tuple[float, tuple[int, int, int, int]]:
    """The largest empty rectangle of ``fig``: its share of the frame's area and its
    ``(left, top, width, height)`` in pixels.

    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(4, 2), dpi=100)
    >>> ax = fig.add_axes((0.0, 0.0, 0.75, 1.0)); ax.set_axis_off()
    >>> share, box = largest_gutter(fig)
    >>> round(share, 2), box
    (0.25, (300, 0, 100, 200))
    """
    cell = 4
    free = ~occupied(fig, cell)
    area, (top, left, h, w) = _largest_rectangle(free)
    return area / free.size, (left * cell, top * cell, w * cell, h * cell)


def _largest_rectangle(free: np.ndarray) -> tuple[int, tuple[int, int, int, int]]:
    """Largest all-True rectangle of a bool grid: ``(area, (top, left, height, width))``.

    Row by row, the heights of free runs ending at that row form a histogram whose
    largest rectangle a stack finds in one pass.
    """
    best, where = 0, (0, 0, 0, 0)
    heights = np.zeros(free.shape[1], int)
    for row in range(free.shape[0]):
        heights = np.where(free[row], heights + 1, 0)
        stack: list[int] = []
        for col in range(len(heights) + 1):
            h = heights[col] if col < len(heights) else 0
            while stack and heights[stack[-1]] >= h:
                top_h = heights[stack.pop()]
                left = stack[-1] + 1 if stack else 0
                if top_h * (col - left) > best:
                    best = top_h * (col - left)
                    where = (int(row - top_h + 1), left, int(top_h), col - left)
            stack.append(col)
    return int(best), where


# ----------------------------------------------------------- arranging a race's frame
# A race shows one map (contours or 3-D) with either a loss panel or a legend column.
# A map near the frame's proportions sits beside them ("side"); a map much wider than
# its share of the frame goes across the whole width, the loss panel or the legend
# under it ("stack"). Whichever arrangement draws the larger map wins, so the frame is
# spent on the picture whatever the domain's shape and the figure's size.

SIDE_WIDTHS = (1.75, 1.0)  # map : side panels and legend, side by side
SIDE_MOST = 0.69  # of the width, for a wide map beside side panels: they keep ~290 px
STACK_HEIGHTS = (0.575, 0.425)  # map over a row of side panels and legend: a panel >= 150 px tall
# the map's share the choice of arrangement counts on: a little over STACK_HEIGHTS' (the
# gaps and tick labels are counted apart), so that a map only a little wider than the
# frame's shape (six_hump_camel) goes beside its panel rather than over a short row
STACK_MAP_ESTIMATE = 0.64
COUNTER_EMS = 16 * 0.62  # the step counter's width in the lower-left corner, in em


def legend_size(labels: list[str], em: float) -> tuple[float, float]:
    """Estimated ``(width, height)`` in px of a one-column legend of ``labels``."""
    longest = max((len(t) for t in labels), default=0)
    return (longest * 0.58 + 4.2) * em, (len(labels) * 1.35 + 0.8) * em


def legend_rows(labels: list[str], em: float, room: float) -> tuple[int, float]:
    """Columns of a legend laid out across ``room`` px, and the legend's height."""
    if not labels:
        return 1, 0.0
    entry = (max(len(t) for t in labels) * 0.58 + 3.2) * em
    ncol = int(np.clip(room // entry, 1, len(labels)))
    rows = -(-len(labels) // ncol)
    return ncol, (rows * 1.35 + 0.8) * em


def choose_arrangement(frame: tuple[float, float], em: float, aspect: float | tuple | None,
                       loss: bool, labels: list[str], title_lines: int) -> str:  # fmt: skip
    """``"side"`` or ``"stack"``: whichever draws the map (data width / height
    ``aspect`` at equal scale, or a range of them: :func:`drawn_area`; None: it takes
    any shape) over the larger area."""
    width, height = frame
    top = (title_lines * 1.7 + 0.6) * em
    deco_w, deco_h = 4.5 * em, 3.4 * em  # tick labels and axis label left of, under a panel
    if loss:
        share = side_widths(frame, em, _one(aspect), labels, title_lines)[0]
        side = ((width - 2 * deco_w) * share, height - top - deco_h)
        stack = (width - deco_w, (height - top - 2 * deco_h) * STACK_MAP_ESTIMATE)
    else:
        side = (width - deco_w - legend_size(labels, em)[0] - em, height - top - deco_h)
        below = legend_rows(labels, em, width - 2 * COUNTER_EMS * em)[1]
        stack = (width - deco_w, height - top - deco_h - below)
    return "stack" if drawn_area(stack, aspect) > 1.1 * drawn_area(side, aspect) else "side"


def _one(aspect: float | tuple | None) -> float | None:
    """The shape a map of ``aspect`` (or a range of them) has before it grows."""
    return aspect if aspect is None or np.isscalar(aspect) else min(aspect)


def side_widths(frame: tuple[float, float], em: float, aspect: float | None,
                labels: list[str], title_lines: int) -> tuple[float, float]:  # fmt: skip
    """Width shares of a map's column and the side panels' column beside it: the map's
    as wide as a map of ``aspect`` (stretched at most :data:`STRETCH`) fills at the
    column's height, from :data:`SIDE_WIDTHS`'s share up to :data:`SIDE_MOST` and as
    long as the legend of ``labels`` still fits beside it: a wide map in the usual
    column fills its width and leaves bands above and below it.

    >>> [side_widths((1280, 720), 19.4, aspect, ["GD"], 1) for aspect in (1.0, 2.0)]
    [(0.636, 0.364), (0.69, 0.31)]
    """
    width, height = frame
    least = SIDE_WIDTHS[0] / sum(SIDE_WIDTHS)
    # the legend shares the column's left margin with a side panel's tick labels: 3.5 em
    # over the (generous) estimate is what the layout needs not to squeeze the panel
    most = min(SIDE_MOST, 1 - (legend_size(labels, em)[0] + 3.5 * em) / width)
    if aspect is None or most <= least:
        share = least
    else:
        map_h = height - (title_lines * 1.7 + 0.6) * em - 3.4 * em
        wants = map_h * aspect / STRETCH + 4.5 * em  # the map and its tick labels
        share = float(np.clip(wants / width, least, most))
    return round(share, 3), round(1 - share, 3)


def drawn_area(cell: tuple[float, float], aspect: float | tuple | None) -> float:
    """The area of a map of ``aspect`` stretched at most :data:`STRETCH` in ``cell``;
    ``aspect`` may be a range ``(least, most)``: a map whose view grows into the ground
    around it (:func:`.framing.grow_to_cell`) takes any shape between them.

    >>> float(drawn_area((300, 100), 1.0)), float(drawn_area((300, 100), (1.0, 2.5)))
    (12000.0, 30000.0)
    """
    w, h = max(cell[0], 1.0), max(cell[1], 1.0)
    if aspect is None:
        return w * h
    least, most = (aspect, aspect) if np.isscalar(aspect) else aspect
    ratio = float(np.clip(w / h, least / STRETCH, most * STRETCH))
    return min(w, h * ratio) * min(h, w / ratio)


def fill_cell(ax, aspect: float) -> None:
    """Set ``ax``'s aspect so that it fills its layout cell, stretched at most
    :data:`STRETCH` from equal scale (``aspect``: data width / height)."""
    cell = ax.get_position(original=True)
    fig = ax.figure
    ratio = (cell.width * fig.bbox.width) / max(cell.height * fig.bbox.height, 1e-9)
    stretch = float(np.clip(ratio / aspect, 1 / STRETCH, STRETCH))
    ax.set_aspect(1 / stretch, adjustable="box")


# ------------------------------------------------------------------ the layout engine
MIN_RECT = 0.5  # of the frame: the layout's rectangle is never narrowed below this
KEY_PAD = 0.012  # of the figure's width, right of the widest legend in the column
LEGEND_GAP = 0.8  # em between the legends stacked in the column


def use_race_layout(fig, maps: tuple = ()) -> None:
    """Lay ``fig`` (constrained layout) out as a race frame: each ``(axes, aspect)`` of
    ``maps`` fills its cell (:func:`fill_cell`); the legend column, if any, is as wide
    as its widest legend, its legends stacked and centred beside the map."""
    engine = fig.get_layout_engine()
    layout = _race_layout_engine()
    if isinstance(engine, layout):
        engine.maps = (*engine.maps, *maps)
    elif engine is not None and hasattr(engine, "get"):
        fig.set_layout_engine(layout(maps=maps, **engine.get()))


@functools.cache
def _race_layout_engine() -> type:
    """The engine of :func:`use_race_layout` (built on first use: matplotlib is imported
    only when drawing)."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    class RaceLayout(ConstrainedLayoutEngine):
        def __init__(self, *, maps: tuple = (), **kwargs):
            super().__init__(**kwargs)
            self.maps = tuple(maps)

        def execute(self, fig):
            # a frame too small for its labels (a thumbnail) keeps the grid's plain
            # positions: matplotlib says so in a warning per pass, which is no news here
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="constrained_layout not applied")
                return self._execute(fig)

        def _execute(self, fig):
            out = super().execute(fig)
            self._grow_views(fig)
            for ax, _ in self.maps:  # as wide as it may be: the column gets the rest
                ax.set_aspect(1 / STRETCH, adjustable="box")
            ratios = column_ratios(fig)
            if ratios is not None:
                column = legend_column(fig)
                column.get_subplotspec().get_gridspec().set_width_ratios(ratios)
                for ax in fig.axes:
                    if ax is not column and ax.get_subplotspec() is not None:
                        ax.set_anchor("C")  # see column_ratios
                out = super().execute(fig)
            for _ in range(3):  # then it fills its final cell; each pass moves the cells
                # a little (the tick labels change with the view): until they stay
                grown = self._grow_views(fig)
                for ax, aspect in self.maps:
                    fill_cell(ax, grown.get(ax) or aspect)
                if not self.maps:
                    break
                cells = _cells(self.maps)
                out = super().execute(fig)
                if np.allclose(cells, _cells(self.maps), atol=2e-3):
                    break
            if wrap_tall_ylabels(fig):  # the axes came out shorter than its label
                out = super().execute(fig)
            for _ in range(3):  # the labels move with the axes: settle in a few rounds
                if not self._pull_inside(fig):
                    break
                out = super().execute(fig)
            stack_column_legends(fig)
            return out

        @staticmethod
        def _grow_views(fig) -> dict:
            """Each cropped map's view grown to its cell's shape (:mod:`.framing`): the
            new width / height of its data, by axes."""
            grown = {ax: grow_to_cell(ax) for ax in fig.axes}
            return {ax: aspect for ax, aspect in grown.items() if aspect is not None}

        def _pull_inside(self, fig) -> bool:
            """Narrow the layout's rectangle by what sticks out of the frame (a 3-D
            axis label the layout does not see); True when it changed."""
            renderer = fig._get_renderer()
            boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
            boxes = [b for b in boxes if b is not None]
            if not boxes:
                return False
            w, h = fig.bbox.width, fig.bbox.height
            out = [-min(b.x0 for b in boxes), max(b.x1 for b in boxes) - w,
                   -min(b.y0 for b in boxes), max(b.y1 for b in boxes) - h]  # fmt: skip
            if max(out) <= 0.5:  # all inside: the layout stays as it is
                return False
            pad = 4.0  # px, beside what stuck out
            left, right, bottom, top = (
                (max(o + pad, 0.0) if o > 0.5 else 0.0) / size
                for o, size in zip(out, (w, w, h, h), strict=True)
            )
            x0, y0, rw, rh = self.get().get("rect", (0, 0, 1, 1))
            if rw - left - right < MIN_RECT or rh - bottom - top < MIN_RECT:
                return False  # what sticks out is as large as the frame (a legend of 32
                # runs beside a loss panel): narrowing cannot take it in, only break the layout
            self.set(rect=(x0 + left, y0 + bottom, rw - left - right, rh - bottom - top))
            return True

    return RaceLayout


def wrap_tall_ylabels(fig) -> bool:
    """Each one-line y label taller than its axes broken onto two lines (a label is set
    before the layout shrinks its panel, as a loss panel's under a title of two lines);
    True when one was."""
    from .losses import _two_lines

    renderer = fig._get_renderer()
    wrapped = False
    for ax in fig.axes:
        label = ax.yaxis.label
        text = label.get_text()
        if ax.name == "3d" or not text or "\n" in text or not label.get_visible():
            continue
        if label.get_window_extent(renderer).height > ax.bbox.height:
            label.set_text(_two_lines(text))
            wrapped = True
    return wrapped


def _cells(maps: tuple) -> np.ndarray:
    """The layout cells of the maps' axes, as figure fractions."""
    return np.array([ax.get_position(original=True).bounds for ax, _ in maps])


def legend_column(fig) -> Any:
    """The axes beside a single map that holds the legends, or None."""
    return next((ax for ax in fig.axes if ax.get_label() == "legend"), None)


def _column_legends(column) -> list:
    from matplotlib.legend import Legend

    found = [a for a in column.get_children() if isinstance(a, Legend) and a.get_visible()]
    return sorted(found, key=lambda leg: leg is not column.get_legend())  # the optimizers first


def stack_column_legends(fig) -> None:
    """The legend column's legends one under the other, the group centred on the
    column's height (a legend at the top and a key at the foot leave a hole between)."""
    import matplotlib as mpl

    column = legend_column(fig)
    if column is None:
        return
    legends = _column_legends(column)
    if not legends:
        return
    renderer = fig._get_renderer()
    box = column.get_position()
    tall = box.height * fig.bbox.height
    gap = LEGEND_GAP * mpl.rcParams["font.size"] * fig.dpi / 72 / tall
    heights = [leg.get_window_extent(renderer).height / tall for leg in legends]
    top = min(0.5 + (sum(heights) + gap * (len(legends) - 1)) / 2, 1.0)
    wide = box.width * fig.bbox.width
    for leg, h in zip(legends, heights, strict=True):
        leg.set_loc("upper left")
        # a legend the layout does not see (under a side panel) ends at the column's
        # right edge, reaching into its left margin if need be
        left = (
            0.0
            if leg.get_in_layout()
            else min(0.0, 1 - leg.get_window_extent(renderer).width / wide)
        )
        leg.set_bbox_to_anchor((left, top), transform=column.transAxes)
        top -= h + gap


def column_ratios(fig) -> list[float] | None:
    """Width ratios (map, legends) of a laid-out race figure that fit the legend column
    to its widest legend, or None when the figure has no such column."""
    column = legend_column(fig)
    if column is None:
        return None
    grid = column.get_subplotspec().get_gridspec()
    maps = [
        ax
        for ax in fig.axes
        if ax is not column
        and ax.get_subplotspec() is not None
        and ax.get_subplotspec().get_gridspec() is grid
    ]
    legends = _column_legends(column)
    if len(maps) != 1 or grid.ncols != 2 or not legends:
        return None
    renderer = fig._get_renderer()
    width = fig.bbox.width
    widest = max(leg.get_window_extent(renderer).width for leg in legends)
    cells = [ax.get_position(original=True) for ax in (maps[0], column)]
    # the span from the map's cell to the column's right edge: a legend wider than its
    # column pushes the layout's margins into the map's share, which counts here
    total = (cells[0].width + cells[1].width) * width
    # a map narrower than its cell is centred in it: the spare width is shared equally
    # left of the map, between map and legends, and right of the legends
    spare = max(total - _natural_width(maps[0], cells[0], fig, renderer) - widest, 0.0)
    key = widest + max(spare / 3, KEY_PAD * width)
    if key > 0.8 * total:  # a frame too small for its legend: keep the cells as they are
        return None
    return [total - key, key]


def _natural_width(ax, cell, fig, renderer) -> float:
    """The map's width in pixels, with its labels on its left, when its aspect, not its
    cell's width, limits it (then it keeps that width in a wider cell); inf when it fills
    its cell's width."""
    ax.apply_aspect()
    drawn = ax.get_position()
    if drawn.width >= cell.width - 1e-9:
        return np.inf
    # the labels left of the map take room in its cell too (those outside it do not)
    width = fig.bbox.width
    left = max(ax.get_tightbbox(renderer).x0, cell.x0 * width)
    return drawn.x1 * width - left


def title_overlap(fig) -> float:
    """How far (px) the worst axes title of ``fig`` runs up into another axes' frame or
    its tick labels (the row above's x ticks in a grid of panels); 0 when none does. Labels
    drawn on the data (callouts, which move) are not the layout's to clear."""
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    boxes = {ax: _frame_boxes(ax, renderer) for ax in axes}
    worst = 0.0
    for ax in axes:
        if not ax.get_title():
            continue
        title = ax.title.get_window_extent(renderer)
        middle = (title.y0 + title.y1) / 2
        for other, frame in boxes.items():
            for box in frame if other is not ax else ():
                # only what sits above the title (a neighbour beside it is no row's to clear)
                if box.y0 > middle and title.overlaps(box):
                    worst = max(worst, min(title.y1, box.y1) - max(title.y0, box.y0))
    return worst


def _frame_boxes(ax, renderer) -> list:
    """``ax``'s frame and its axes' tick labels and labels, in display pixels."""
    boxes = [ax.bbox]
    for axis in (ax.xaxis, ax.yaxis) if hasattr(ax, "xaxis") else ():
        box = axis.get_tightbbox(renderer)
        if box is not None and axis.get_visible():
            boxes.append(box)
    return boxes


def part_titled_rows(fig, rounds: int = 3) -> None:
    """Lay ``fig`` out again with more room between rows while a panel's title runs into
    the row above (constrained layout under-counts it beside a legend outside the axes)."""
    engine = fig.get_layout_engine()
    if engine is None or not hasattr(engine, "set"):
        return
    for _ in range(rounds):
        overlap = title_overlap(fig)
        if overlap <= 0.5:
            return
        h_pad = engine.get().get("h_pad", 0.04167)
        engine.set(h_pad=h_pad + (overlap + 4.0) / 2 / fig.dpi)  # inches, above and below
        fig.canvas.draw()
