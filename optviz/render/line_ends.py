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
from matplotlib.text import Text

from . import style

LABEL_PT = 13.0  # 18 px at 100 dpi
GAP_PX = 7.0  # from a line's last point to its name
LEADER_AFTER = 0.45  # a name moved more than this many line heights gets a leader line


# The colours of a plot's lines in turn: the palette reordered so that the first six stay
# apart in normal vision and under protanopia and deuteranopia, with a single red among
# them (rose, brick red and wine read as one family on a slide) and a violet for the 6th
# (the palette's sky blue made a second blue beside the first). The red (RMSprop's) is
# the palette's brick red deepened: as it was, deuteranopes saw it as momentum's orange.
# Near-black goes to the 5th (Lion's), the slot no shipped figure uses: RMSprop drawn in
# it read as the key's and the axes' ink.
LINE_COLORS = ("#0077BB", "#E69F00", "#009E73", "#BB3333", "#222222", "#8833EE",
               "#56B4E9", "#EE6677", "#AA3377", "#999999")  # fmt: skip

# One identity per optimizer on every line plot: the slot of its colour, marker and dashes
# (:func:`look`). GD and momentum keep the slots a race gives its first two optimizers, so
# they look the same in a sweep as in the races, where they come first.
# Adam is violet, not red: beside momentum's orange a red read as the same warm family.
IDENTITY = {"gd": 0, "momentum": 1, "adagrad": 2, "rmsprop": 3, "adam": 5, "lion": 4}


def look(i: int) -> dict[str, Any]:
    """Keyword arguments of ``ax.plot`` for line ``i``: its colour, marker and dashes.

    >>> look(0)["marker"], look(1)["ls"], look(2)["color"]
    ('o', (0, (3.2, 1.4)), '#009E73')
    """
    color = LINE_COLORS[i % len(LINE_COLORS)]
    return {"color": color, "marker": style.marker(i), "ls": style.linestyle(i)}


def identity_slots(names: list[str]) -> list[int]:
    """The look slot of each of ``names`` (optimizer registry names) on one plot: an
    optimizer's own (:data:`IDENTITY`) where it has one and no earlier line took it, else
    the first slot no line of the plot uses, so the lines still differ.

    >>> identity_slots(["adam", "gd"]), identity_slots(["adam", "adam", "nesterov"])
    ([5, 0], [5, 0, 1])
    """
    own = [IDENTITY.get(n) for n in names]
    taken: set[int] = set()
    out = []
    for i, slot in enumerate(own):
        if slot is None or slot in taken:
            reserved = {s for s in own[i + 1 :] if s is not None}
            slot = next(k for k in range(len(names) + len(IDENTITY) + 1)
                        if k not in taken and k not in reserved)  # fmt: skip
        taken.add(slot)
        out.append(slot)
    return out


def identity_looks(names: list[str]) -> list[dict[str, Any]]:
    """:func:`look` of each of ``names`` by :func:`identity_slots`: the same optimizer in
    the same colour, marker and dashes on every plot."""
    return [look(k) for k in identity_slots(names)]


def run_color(name: str) -> str:
    """The colour of a lone run of optimizer ``name`` (registry name), as in its races.

    >>> run_color("gd"), run_color("adam")
    ('#0077BB', '#8833EE')
    """
    return identity_looks([name])[0]["color"]


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
                    zorder=9, gid="end-label", clip_on=False)
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
        """Put every name where it is drawn (see the class docs): of the places around
        its line's end, the nearest one that covers no data and no other name."""
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
        data = data_pixels(ax, skip=self.leaders)
        taken: list[tuple[float, float, float, float]] = []
        for t, leader, end, (px, py), (w, h) in zip(
            self.texts, self.leaders, self.ends, anchor, size, strict=True
        ):
            ok = bool(np.isfinite([px, py]).all())
            t.set_visible(ok)
            if not ok:
                continue
            x0, y0 = free_spot(px, py, w, h, data, taken, frame)
            taken.append((x0, y0, x0 + w, y0 + h))
            t.set_position(to_data.transform((x0, y0 + h / 2)))
            near = x0 - GAP_PX - 1 <= px <= x0 + w + GAP_PX + 1 and y0 - 1 <= py <= y0 + h + 1
            # the leader ends at the name's nearest edge, not at a far corner of its box
            tip = (np.clip(px, x0 - 1.0, x0 + w + 1.0), np.clip(py, y0 - 1.0, y0 + h + 1.0))
            start = to_data.transform(tip)
            far = not near and np.hypot(tip[0] - px, tip[1] - py) > LEADER_AFTER * h
            leader.set_data([end[0], start[0]], [end[1], start[1]] if far else [np.nan] * 2)

    def draw(self, renderer) -> None:
        self.place(renderer)


class ThresholdLabel(Text):
    """The name of a horizontal line across an axes (a threshold), placed at draw time at
    the leftmost place along it, just above it or else just below, where it covers no
    other line or marker: the place left of every curve is not always free of them."""

    def __init__(self, ax, line, text: str, start: float = 0.035, **kwargs):
        from matplotlib.transforms import IdentityTransform

        super().__init__(0, 0, text, ha="left", va="bottom", **kwargs)
        self.set_transform(IdentityTransform())  # placed in pixels, at every draw
        self.set_clip_on(False)
        self.set_in_layout(False)  # its place is known only at draw time, inside the axes
        self._ax, self._line, self._start = ax, line, start

    def place(self, renderer) -> None:
        ax = self._ax
        frame = ax.get_window_extent(renderer)
        self.set_position((0.0, 0.0))
        box = super().get_window_extent(renderer)
        w, h = box.width, box.height
        y = float(np.asarray(self._line.get_ydata(), float)[0])
        py = ax.transData.transform((1.0, y))[1]
        data = data_pixels(ax, skip=(self._line,))
        best, best_cost = None, np.inf
        for x0 in np.arange(frame.x0 + self._start * frame.width, frame.x1 - w, 6.0):
            for y0 in (py + 4.0, py - 4.0 - h):
                inside = (data[:, 0] > x0 - 3) & (data[:, 0] < x0 + w + 3)
                inside &= (data[:, 1] > y0 - 3) & (data[:, 1] < y0 + h + 3)
                cost = int(inside.sum())
                if cost < best_cost:
                    best, best_cost = (x0, y0), cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        self.set_position(best if best is not None else (frame.x0, py + 4.0))

    def draw(self, renderer) -> None:
        self.place(renderer)
        super().draw(renderer)


def data_pixels(ax, skip=(), step: float = 3.0) -> np.ndarray:
    """Points (pixels, ``(n, 2)``) along every visible line of ``ax`` but ``skip``, at
    most ``step`` pixels apart: what a name must not cover."""
    out = [np.zeros((0, 2))]
    for line in ax.get_lines():
        if line in skip or not line.get_visible():
            continue
        xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
        px = line.get_transform().transform(xy) if len(xy) else xy
        px = px[np.isfinite(px).all(axis=1)]
        if len(px) > 1 and line.get_linestyle() not in ("None", "none", "", " "):
            seg = np.diff(px, axis=0)
            n = np.maximum(1, np.ceil(np.hypot(*seg.T) / step)).astype(int)
            n = np.minimum(n, 2000)
            px = np.concatenate(
                [p + seg_i * np.linspace(0, 1, k, endpoint=False)[:, None]
                 for p, seg_i, k in zip(px[:-1], seg, n, strict=True)] + [px[-1:]]
            )  # fmt: skip
        out.append(px)
        r = line.get_markersize() * line.figure.dpi / 72 / 2 if line.figure else 0.0
        if line.get_marker() not in (None, "None", "none", "", " ") and r > 0 and len(xy):
            marks = line.get_transform().transform(xy[_marked(line, len(xy))])  # whole discs
            marks = marks[np.isfinite(marks).all(axis=1)]
            ring = r * np.array([[1, 0], [-1, 0], [0, 1], [0, -1], [0.7, 0.7], [-0.7, 0.7],
                                 [0.7, -0.7], [-0.7, -0.7]])  # fmt: skip
            out.append((marks[:, None, :] + ring[None]).reshape(-1, 2))
    return np.concatenate(out)


def _marked(line, n: int):
    """Indices of the points of ``line`` (``n`` of them) that carry a marker: all, or those
    its ``markevery`` picks (an int or a (start, every) pair; other forms: all)."""
    every = line.get_markevery()
    if isinstance(every, int) and every > 0:
        return slice(0, n, every)
    if isinstance(every, tuple) and len(every) == 2 and all(isinstance(v, int) for v in every):
        return slice(every[0], n, max(every[1], 1))
    return slice(0, n)


def free_spot(px, py, w, h, data, taken, frame, pad: float = 3.0) -> tuple[float, float]:
    """Lower-left corner of a ``w`` by ``h`` box for the name of the point ``(px, py)``:
    of the places right, left, above and below it, at growing distances, the first
    inside ``frame`` covering none of ``data`` (padded by ``pad``) and no box of
    ``taken``; failing that, the one covering the fewest data points."""
    best, best_cost = None, np.inf
    for k in range(0, 14):
        d = k * h * 0.6
        for x0, y0 in (
            (px + GAP_PX, py - h / 2 + d), (px + GAP_PX, py - h / 2 - d),
            (px - GAP_PX - w, py - h / 2 + d), (px - GAP_PX - w, py - h / 2 - d),
            (px - w / 2, py + GAP_PX + d), (px - w / 2, py - GAP_PX - h - d),
            (px + GAP_PX + d, py - h / 2), (px - GAP_PX - w - d, py - h / 2),
            (px + GAP_PX + d, py + d), (px - GAP_PX - w - d, py - h - d),
        ):  # fmt: skip
            x0 = min(max(x0, frame.x0), frame.x1 - w)
            y0 = min(max(y0, frame.y0), frame.y1 - h)
            inside = (data[:, 0] > x0 - pad) & (data[:, 0] < x0 + w + pad)
            inside &= (data[:, 1] > y0 - pad) & (data[:, 1] < y0 + h + pad)
            clash = any(x0 < b[2] and b[0] < x0 + w and y0 < b[3] and b[1] < y0 + h
                        for b in taken)  # fmt: skip
            cost = 1000.0 * clash + int(inside.sum()) + k * 0.1
            if cost < best_cost:
                best, best_cost = (x0, y0), cost
            if cost < 1:
                return best
    return best


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


def label_ends(
    ax, lines: list, names: list[str], fontsize: float = LABEL_PT, at: list | None = None
) -> EndLabels:
    """Name each of ``lines`` (Line2D) at its last finite point, or at the point ``at[i]``
    (x, y) where one is given (a name that says something of one point sits there)."""
    ends = []
    for i, line in enumerate(lines):
        if at is not None and at[i] is not None:
            ends.append(tuple(at[i]))
            continue
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
