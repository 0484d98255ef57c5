"""The frame's safe margin: every text of a saved figure kept a projector's overscan
inside the frame (:func:`keep_inside`), the layout drawn smaller where one is not.

Separate from :mod:`.layout`, which arranges the panels in the frame: this runs after
any layout, on the texts it left, and only shrinks what was laid out. For an animation,
whose frames are laid out again and again, :func:`keep_inside_layout` makes the same
margin part of the layout itself; :func:`fit_to_frame` fits a title to the frame's width.
"""

from __future__ import annotations

import numpy as np

from .layout import fill_cell

SAFE_PX = 20.0  # every text this far inside the frame (at 100 dpi): a projector crops
# the edges (overscan) and a title 6 px from the edge reads as cut
COUNTER_GID = "step-counter"  # (:mod:`.counter`)
SAFE_MOST = 0.1  # of the frame, per side: what sticks out further is no text to pull in


def text_boxes(fig) -> list:
    """The window extents (display px) of every text ``fig`` draws: titles, labels, the
    tick labels drawn, legends, notes and callouts with their boxes. Call after a
    layout (``fig.draw_without_rendering()``)."""
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    renderer = fig._get_renderer()
    boxes, ticks = [], set()
    for ax in fig.axes:
        for axis in _axes_axes(ax):
            every = [*axis.get_major_ticks(), *axis.get_minor_ticks()]
            ticks.update(id(label) for t in every for label in (t.label1, t.label2))
            if ax.get_visible() and ax.axison and axis.get_visible():
                drawn = axis._update_ticks()
                boxes += [b for side in axis._get_ticklabel_bboxes(drawn, renderer) for b in side]
    legends = [a for a in fig.findobj(Legend) if a.get_visible()]
    inside = {id(t) for leg in legends for t in leg.findobj(Text)}
    boxes += [leg.get_window_extent(renderer) for leg in legends]
    for text in fig.findobj(Text):
        if id(text) in ticks or id(text) in inside or not _inked(text):
            continue
        boxes.append(Text.get_window_extent(text, renderer))  # the text, not its arrow
        patch = text.get_bbox_patch()
        if patch is not None:
            boxes.append(patch.get_window_extent(renderer))
    return [b for b in boxes if b.width > 0 and b.height > 0 and np.isfinite(b.extents).all()]


def _axes_axes(ax) -> list:
    names = ("xaxis", "yaxis", "zaxis")
    return [getattr(ax, n) for n in names if getattr(ax, n, None) is not None]


def _inked(text) -> bool:
    """Whether ``text`` draws something, its parents shown too (an animated text is
    placed frame by frame by its own layer, not here; the step counter keeps its corner,
    beside the tick labels, where it takes no room from the panels)."""
    if not text.get_text().strip() or not text.get_visible() or text.get_alpha() == 0:
        return False
    if text.get_animated() or text.get_gid() == COUNTER_GID:
        return False
    ax = text.axes
    return ax is None or ax.get_visible()


def edge_shortfall(fig, margin: float = SAFE_PX) -> np.ndarray:
    """``(left, right, bottom, top)``: how many px the texts of ``fig`` reach nearer
    each edge of the frame than ``margin`` (0 where none does). Draws the figure (its
    canvas then holds the figure as it is: an animation's background is copied from it)."""
    fig.canvas.draw()
    boxes = text_boxes(fig)
    if not boxes:
        return np.zeros(4)
    w, h = fig.bbox.width, fig.bbox.height
    near = [min(b.x0 for b in boxes), w - max(b.x1 for b in boxes),
            min(b.y0 for b in boxes), h - max(b.y1 for b in boxes)]  # fmt: skip
    return np.maximum(margin - np.array(near), 0.0)


def keep_inside(fig, margin: float | None = None, rounds: int = 4) -> None:
    """Keep every text of ``fig`` ``margin`` px (:data:`SAFE_PX` at 100 dpi) inside the
    frame: where one comes
    nearer an edge, the layout is fixed as it is and drawn smaller toward the middle
    by that much (the axes, the figure's texts and legends), the type unchanged. A
    figure whose texts keep the margin is left alone (and its layout engine with it)."""
    from .framing import grow_to_cell

    w, h = fig.bbox.width, fig.bbox.height
    margin = SAFE_PX * fig.dpi / 100 if margin is None else margin
    maps = getattr(fig.get_layout_engine(), "maps", ())  # a race layout's maps
    for _ in range(rounds):
        short = edge_shortfall(fig, margin)
        if short.max() <= 0.5:
            return
        fig.set_layout_engine("none")  # the laid-out positions are what is drawn smaller
        pad = np.where(short > 0.5, short + 1.0, 0.0) / np.array([w, w, h, h])
        _shrink(fig, *np.minimum(pad, SAFE_MOST))
        for ax, aspect in maps:  # each map fills its new cell, as the layout had it
            fill_cell(ax, grow_to_cell(ax) or aspect)


def _shrink(fig, left: float, right: float, bottom: float, top: float) -> None:
    """Map the figure's contents from the whole frame onto the frame less these shares
    of it: axes (their original positions, from which aspect and locators start),
    texts in figure coordinates and the boxes figure legends are anchored to."""
    from matplotlib.transforms import Bbox

    sx, sy = 1 - left - right, 1 - bottom - top

    def mapped(x0, y0, x1, y1):
        return Bbox([[left + x0 * sx, bottom + y0 * sy], [left + x1 * sx, bottom + y1 * sy]])

    moves = [
        (ax, mapped(*ax.get_position(original=True).extents))
        for ax in fig.axes
        if ax.get_axes_locator() is None
    ]  # fmt: skip  (a located axes follows its parent)
    for ax, box in moves:
        ax._set_position(box, which="both")  # (not set_position: it leaves the layout)
    heads = [fig._suptitle, fig._supxlabel, fig._supylabel, *fig.texts]  # (texts may hold
    for text in {id(t): t for t in heads if t is not None}.values():  # the suptitle too)
        if text.get_transform() in (fig.transFigure, fig.transSubfigure):
            x, y = text.get_position()
            text.set_position((left + x * sx, bottom + y * sy))
    to_figure = fig.transSubfigure.inverted()
    for leg in fig.legends:
        anchor = leg.get_bbox_to_anchor().transformed(to_figure)
        leg.set_bbox_to_anchor(mapped(*anchor.extents), transform=fig.transSubfigure)


def fitted(text: str, width_px: float, drawn_px: float) -> str:
    r"""``text``, drawn ``drawn_px`` wide on one line, broken into as few lines of about
    equal length as are each no wider than ``width_px`` (a greedy fill left a word alone
    on the last line: "... the same loss on / both").

    >>> fitted("one two three four", 100, 180)
    'one two\nthree four'
    >>> fitted("one two three four", 200, 180)
    'one two three four'
    >>> fitted("Two maps, each of its own; the same shade is the same loss", 300, 400)
    'Two maps, each of its own;\nthe same shade is the same loss'
    """
    from .callout_placement import broken_lines

    if drawn_px <= width_px or " " not in text:
        return text
    words = text.split(" ")
    lines = int(np.ceil(drawn_px / width_px))
    middle = len(text) / 2

    def off(i: int) -> float:  # how far a break after word i falls from the middle
        return abs(len(" ".join(words[: i + 1])) - middle)

    clauses = [i for i, w in enumerate(words[:-1]) if w.endswith(";") and off(i) < middle / 2]
    if lines == 2 and clauses:  # between two clauses, not inside one
        i = min(clauses, key=off)
        return " ".join(words[: i + 1]) + "\n" + " ".join(words[i + 1 :])
    return broken_lines(words, lines)


SMALLEST_PX = 18.0  # a title or note is shrunk to fit the frame down to this, then broken


def safe_px(fig) -> float:
    return SAFE_PX * fig.dpi / 100


def fit_to_frame(text, fig) -> None:
    """Fit ``text`` (a one-line title centred on the frame) within the frame's width less
    the safe margin on each side: shrunk, down to :data:`SMALLEST_PX`; where that is not
    enough, broken into balanced lines at its own size (then shrunk if need be)."""
    renderer = fig.canvas.get_renderer()
    room = fig.bbox.width - 2 * safe_px(fig) - 4  # (a pixel of rounding each side)
    size = text.get_fontsize()
    floor = SMALLEST_PX * 72 / fig.dpi
    width = text.get_window_extent(renderer).width
    if width <= room:
        return
    if size * room / width >= floor or " " not in text.get_text():
        text.set_fontsize(max(floor, size * room / width))
        return
    words = text.get_text().replace("\n", " ").split(" ")
    text.set_text(fitted(" ".join(words), room, width))
    width = text.get_window_extent(renderer).width
    if width > room:
        text.set_fontsize(max(floor, size * room / width))


def keep_inside_layout(fig) -> None:
    """Lay ``fig`` out (constrained) with every text :data:`SAFE_PX` inside
    the frame, in every frame of an animation as in a still: after each layout, the
    panels, the figure's texts and legends are drawn that much nearer the middle where a
    text (the title, a label's overhang, the legend under the figure) comes nearer an
    edge (:func:`_shrink`; the type keeps its size)."""
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "get") and "rect" in engine.get():
        fig.set_layout_engine(_inside_engine()(**engine.get()))


def _inside_engine() -> type:
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from .safe_margin import SAFE_MOST, _shrink

    class InsideLayout(ConstrainedLayoutEngine):
        placed: dict = {}

        def execute(self, fig):
            # each layout starts from the positions the figure's texts and legends were
            # given (a layout's shrink would otherwise add to the last one's)
            for text, where in self.placed.items():
                text.set_position(where)
            for leg in fig.legends:
                leg.set_bbox_to_anchor(None)
            out = super().execute(fig)
            heads = [fig._suptitle, *fig.texts]
            self.placed = {t: t.get_position() for t in heads if t is not None}
            w, h = fig.bbox.width, fig.bbox.height
            for _ in range(3):
                short = _laid_out_shortfall(fig)
                if short.max() <= 0.5:
                    break
                pad = np.where(short > 0.5, short + 1.0, 0.0) / np.array([w, w, h, h])
                _shrink(fig, *np.minimum(pad, SAFE_MOST))
            return out

    return InsideLayout


def _laid_out_shortfall(fig) -> np.ndarray:
    """``(left, right, bottom, top)``: how many px the texts of ``fig`` come nearer each
    edge than the safe margin, as laid out now (the axes' labels and titles are placed
    where this layout puts them first: a draw would, after measuring)."""
    renderer = fig._get_renderer()
    for ax in fig.axes:
        ax.apply_aspect()
        ax._update_title_position(renderer)
        for axis in (ax.xaxis, ax.yaxis):
            axis._update_label_position(renderer)
    boxes = text_boxes(fig)
    if not boxes:
        return np.zeros(4)
    w, h = fig.bbox.width, fig.bbox.height
    near = np.array([min(b.x0 for b in boxes), w - max(b.x1 for b in boxes),
                     min(b.y0 for b in boxes), h - max(b.y1 for b in boxes)])  # fmt: skip
    return np.maximum(safe_px(fig) - near, 0.0)
