"""How a figure fills its frame: the empty space (gutters) a slide would waste.

A gutter is a region that holds nothing: no axes (with its tick labels, labels, title
and legend), no figure legend, no title or text. :func:`largest_gutter` finds the
largest empty rectangle: a margin, a gap between rows of panels, or a hole beside a
panel that no band across the whole frame would cross. A slide wants none over ~10%
of the frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np


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
