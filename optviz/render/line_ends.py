"""Lines told apart without colour, and named where they end.

A plot of several lines (a learning-rate sweep, statistics by layer) gives line ``i``
the colour, marker and dash pattern of optimizer ``i`` everywhere else (:mod:`.style`),
so every line has its own (marker, dash) pair and a reader who cannot tell its colours
apart still can tell its lines apart. Each line is named at its end, next to it, not in
a legend the eye has to travel to and back: :class:`EndLabels` places the names at draw
time, in pixels, and pushes apart names that would overlap (a leader line then joins a
moved name to its line's end).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.artist import Artist

from . import style

LABEL_PT = 13.0  # 18 px at 100 dpi
GAP_PX = 7.0  # from a line's last point to its name
LEADER_AFTER = 0.45  # a name moved more than this many line heights gets a leader line


def look(i: int) -> dict[str, Any]:
    """Keyword arguments of ``ax.plot`` for line ``i``: its colour, marker and dashes.

    >>> look(0)["marker"], look(1)["ls"]
    ('o', (0, (3.2, 1.4)))
    """
    return {"color": style.color(i), "marker": style.marker(i), "ls": style.linestyle(i)}


def text_color(color: str, background: Any = "#ffffff") -> str:
    """``color`` darkened until it reads as text on a light ``background`` (the line's
    hue, type's contrast); on a dark one the palette's colours read as they are.

    >>> text_color("#E69F00"), text_color("#E69F00", "#15171c"), text_color("#0077BB")
    ('#976900', '#E69F00', '#0077BB')
    """
    from matplotlib.colors import to_hex, to_rgb

    weights = [0.2126, 0.7152, 0.0722]
    if float(np.array(to_rgb(background)) @ weights) < 0.5:
        return color
    rgb = np.array(to_rgb(color))
    luminance = float(rgb @ weights)
    return to_hex(rgb * min(1.0, 0.42 / max(luminance, 1e-6))) if luminance > 0.42 else color


class EndLabels(Artist):
    """The names of an axes' lines, each just right of its line's last point.

    ``ends`` are the last points in data coordinates. At draw time each name is put
    :data:`GAP_PX` right of its point, names that overlap are pushed apart vertically (and
    kept inside the axes), and a name moved off its point gets a thin leader line.
    """

    def __init__(self, ax, ends, names: list[str], colors: list[str], fontsize: float = LABEL_PT):
        super().__init__()
        self.ax = ax
        self.ends = np.asarray(ends, float).reshape(-1, 2)
        size = style.at_least(fontsize)
        bg = ax.get_facecolor()
        self.texts = [
            ax.text(0, 0, name, color=text_color(c, bg), fontsize=size, ha="left", va="center",
                    zorder=9, gid="end-label", clip_on=False,
                    bbox={"boxstyle": "round,pad=0.15", "fc": bg, "ec": "none", "alpha": 0.85})
            for name, c in zip(names, colors, strict=True)
        ]  # fmt: skip
        self.leaders = [
            ax.plot([], [], color=c, lw=1.0, zorder=8.9, label="_nolegend_")[0] for c in colors
        ]
        for artist in (*self.texts, *self.leaders):
            artist.set_in_layout(False)
        self.set_zorder(8.8)
        self.set_in_layout(False)
        ax.add_artist(self)

    def place(self, renderer) -> None:
        """Put every name where it is drawn (see the class docs)."""
        ax = self.ax
        to_px, to_data = ax.transData, ax.transData.inverted()
        anchor = to_px.transform(self.ends)
        boxes = []
        for t in self.texts:
            t.set_position((0, 0))
            ext = t.get_window_extent(renderer)
            boxes.append((ext.width, ext.height))
        size = np.array(boxes).reshape(-1, 2)
        frame = ax.get_window_extent(renderer)
        x = anchor[:, 0] + GAP_PX
        x = np.minimum(x, frame.x1 - size[:, 0])  # a name never runs out of the axes
        y = spread_apart(anchor[:, 1], x, size, frame.y0, frame.y1)
        for t, leader, end, px, py, h in zip(
            self.texts, self.leaders, self.ends, x, y, size[:, 1], strict=True
        ):
            ok = np.isfinite([px, py]).all()
            t.set_visible(bool(ok))
            if not ok:
                continue
            t.set_position(to_data.transform((px, py)))
            moved = abs(py - to_px.transform(end)[1]) > LEADER_AFTER * h
            start = to_data.transform((px - 1.0, py))
            leader.set_data([end[0], start[0]], [end[1], start[1]] if moved else [np.nan] * 2)

    def draw(self, renderer) -> None:
        self.place(renderer)


def spread_apart(want: np.ndarray, x: np.ndarray, size: np.ndarray, lo: float, hi: float):
    """Heights (pixels) of boxes ``size`` ``(n, 2)`` at left edges ``x``, as near ``want``
    as they can be without two boxes that share columns overlapping, inside ``[lo, hi]``.

    >>> y = spread_apart(np.array([10.0, 12.0]), np.zeros(2), np.array([[5, 10], [5, 10]]), 0, 100)
    >>> float(y.mean()), bool(y[1] - y[0] >= 10)  # apart by a box's height, about the same middle
    (11.0, True)
    """
    y = np.asarray(want, float).copy()
    n = len(y)
    h = size[:, 1] * 1.05
    ok = np.isfinite(y) & np.isfinite(x)
    half = h / 2
    for _ in range(200):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                if not (ok[i] and ok[j]):
                    continue
                if x[i] >= x[j] + size[j, 0] or x[j] >= x[i] + size[i, 0]:
                    continue  # side by side: they do not meet
                need = half[i] + half[j] - abs(y[i] - y[j])
                if need > 1e-6:
                    push = need / 2 + 0.01
                    up = y[i] > y[j] or (y[i] == y[j] and i > j)
                    y[i] += push if up else -push
                    y[j] -= push if up else -push
                    moved = True
        y = np.where(ok, np.clip(y, lo + half, hi - half), y)
        if not moved:
            break
    return y


def label_ends(ax, lines: list, names: list[str], fontsize: float = LABEL_PT) -> EndLabels:
    """Name each of ``lines`` (Line2D) at its last finite point."""
    ends = []
    for line in lines:
        x = np.asarray(line.get_xdata(), float)
        y = np.asarray(line.get_ydata(), float)
        good = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        ends.append((x[good[-1]], y[good[-1]]) if len(good) else (np.nan, np.nan))
    colors = [line.get_color() for line in lines]
    return EndLabels(ax, ends, names, colors, fontsize)


def room_right(ax, lines: list, names: list[str], fontsize: float = LABEL_PT) -> None:
    """Widen ``ax``'s x range to the right just enough that each of ``names`` fits after
    its line's last point (estimated from the axes' width in the figure, on a linear or
    log x axis)."""
    fig = ax.figure
    width = ax.get_position().width * fig.get_figwidth() * fig.dpi
    char = 0.6 * style.at_least(fontsize) * fig.dpi / 72
    log = ax.get_xscale() == "log"
    lo, hi = (np.log10(v) for v in ax.get_xlim()) if log else ax.get_xlim()
    need = 1.0
    for line, name in zip(lines, names, strict=True):
        x = np.asarray(line.get_xdata(), float)
        y = np.asarray(line.get_ydata(), float)
        x = x[np.isfinite(x) & np.isfinite(y)]
        if not len(x):
            continue
        end = (np.log10(x[-1]) if log else x[-1]) - lo
        free = 1 - (len(name) * char + 2 * GAP_PX) / width
        need = max(need, end / (hi - lo) / max(free, 0.3))
    top = lo + (hi - lo) * need
    left, right = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if left <= t <= right * (1 + 1e-9)]
    ax.set_xlim(left, 10**top if log else top)
    ax.set_xticks(ticks)  # no ticks under the names: the axis ends where the data does
