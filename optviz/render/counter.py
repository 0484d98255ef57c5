"""The animation's step counter ("step  42 / 300"), drawn without laying out text per frame.

Laying out and rasterizing a line of text costs a few milliseconds, a third of a
2-D frame. The counter's box and its fixed words ("step", "/ 300") never change, so
they are drawn once into the animation's background, and only the digits change: in a
monospaced font each digit sits in a cell of the same width, so the counter cuts the
picture of each digit (and of a blank) out of the renderer once, cell by cell, and per
frame pastes the cells of the step's digits into the frame. The result is the same
pixels a full draw of the text gives.

That holds while nothing under the counter moves. Where the counter overlaps an axes
whose contents change (a small figure whose map reaches its corner), it is drawn as
text every frame instead.
"""

from __future__ import annotations

import numpy as np

from . import style

GID = "step-counter"  # the safe margin (.safe_margin.keep_inside) leaves it in its corner


class StepCounter:
    """``step k / steps`` in the figure's lower-left corner; see the module docs."""

    def __init__(self, fig, theme: str, steps: int):
        box = {
            "boxstyle": "round,pad=0.3",
            "fc": style.THEMES[theme]["legend.facecolor"],
            "ec": "none",
            "alpha": 0.85,
        }
        self.fig, self.steps = fig, steps
        self.width = len(str(steps))
        self.prefix = "step "
        # in the figure's lower corner: not over the map (it would hide a path) nor the title
        self.text = fig.text(0.006, 0.012, self.label(None), va="bottom", ha="left", bbox=box)
        self.text.set_in_layout(False)
        self.text.set_gid(GID)
        self.text.set_fontfamily("monospace")
        self.cells: dict[str, list] | None = None  # digit -> pixels per cell; None: text

    def label(self, k: int | None) -> str:
        """The counter's text; ``None``: the digits left blank (what the background holds)."""
        digits = " " * self.width if k is None else f"{k:>{self.width}d}"
        return f"{self.prefix}{digits} / {self.steps}"

    def prepare(self, canvas, moving_axes) -> bool:
        """Cut the digit cells out of ``canvas`` (drawn, holding the blank counter) and
        return True; or, where the counter overlaps one of ``moving_axes``, make it an
        animated text drawn every frame and return False (the background must then be
        drawn again without it). Leaves the canvas's pixels as it found them."""
        renderer = canvas.get_renderer()
        extent = self.text.get_window_extent(renderer)
        if any(extent.overlaps(ax.bbox) for ax in moving_axes if ax is not None):
            self.text.set_animated(True)
            return False
        drawn = canvas.copy_from_bbox(self.fig.bbox)
        rows, cols = self.slot = self._slot(extent, canvas.get_width_height()[1])
        pixels = np.asarray(canvas.buffer_rgba())
        self.cells = {" ": [pixels[rows, c].copy() for c in cols]}
        box = self.text.get_bbox_patch()
        box.set_visible(False)  # the box is in the background: draw the glyphs alone
        for d in "0123456789":
            # the same line with every other character blank: the digits land in the slot
            self.text.set_text(" " * len(self.prefix) + d * self.width)
            canvas.restore_region(drawn)
            self.fig.draw_artist(self.text)
            self.cells[d] = [pixels[rows, c].copy() for c in cols]
        box.set_visible(True)
        self.text.set_text(self.label(None))
        canvas.restore_region(drawn)
        return True

    def _slot(self, extent, height: int):
        """Buffer rows and one column slice per digit of the counter's digit slot."""
        advance = extent.width / len(self.label(None))
        x0 = extent.x0 + advance * len(self.prefix)
        edges = [round(x0 + advance * i) for i in range(self.width + 1)]
        rows = slice(height - int(np.ceil(extent.y1)), height - int(np.floor(extent.y0)))
        return rows, [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]

    def draw(self, canvas, k: int) -> None:
        """Show step ``k`` on the canvas (after the background is restored)."""
        if self.cells is None:
            self.text.set_text(self.label(k))
            self.fig.draw_artist(self.text)
            return
        pixels = np.asarray(canvas.buffer_rgba())
        rows, cols = self.slot
        for i, d in enumerate(f"{k:>{self.width}d}"):
            pixels[rows, cols[i]] = self.cells[d][i]
