"""Numbered starts on loss panels: the tags that tie a run's starts on the map to the
ends of their loss curves, placed so that two never meet, and the heads drawn on the
curves' ends (:mod:`optviz.render.losses` draws the panel they sit in)."""

from __future__ import annotations

import numpy as np

from . import style

MAX_TAGGED_STARTS = 9
"""Up to this many starts are numbered on the map and at their loss curves' ends; more
make a cloud, told apart by no one."""


def start_tags(n: int) -> list[str]:
    """The numbers that tie a run's ``n`` starts on the map to their loss curves: none
    for one start or a cloud of them.

    >>> start_tags(1), start_tags(3)
    ([], ['1', '2', '3'])
    """
    return [str(j + 1) for j in range(n)] if 1 < n <= MAX_TAGGED_STARTS else []


def tag_text(ax, tag: str, xy, color, theme: str = "light", before: bool = False, **kw):
    """A start's number: bold, in ``color`` on the background, so it reads over lines;
    up and to the right of ``xy``, or ``before`` it (up and to the left: a curve's
    head, which ends at the panel's right edge). ``kw`` may move it (``xytext``, ``ha``,
    ``va``: see :func:`tag_places`)."""
    face = style.THEMES[theme]["figure.facecolor"]
    box = dict(boxstyle="round,pad=0.15", fc=face, ec="none", alpha=0.85)
    kw = {"xytext": (-5 if before else 5, TAG_RISE), "ha": "right" if before else "left"} | kw
    text = ax.annotate(tag, xy, textcoords="offset points", color=color, fontsize=15,
                       fontweight="bold", bbox=box, zorder=9, **kw)  # fmt: skip
    text.set_in_layout(False)  # a label on the data, not a part of the frame
    return text


TAG_RISE = 3.0  # points: a tag sits this far above the point it numbers


def tag_places(width: float, reaches=(5.0, 10.0, 15.0, 20.0)) -> list[tuple[dict, tuple]]:
    """Where a tag ``width`` points wide may sit around the point it numbers, nearest
    first: up-right (the usual place), then up-left, down-right, down-left, each further
    out in turn. Each as the ``tag_text`` keywords and the tag's box in points about the
    point ``(x0, y0, x1, y1)``."""
    out = []
    for r in reaches:
        for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
            dx, dy = sx * r, sy * max(TAG_RISE, r - 5)
            x0 = dx if sx > 0 else dx - width
            y0 = dy if sy > 0 else dy - TAG_HEIGHT
            kw = {"xytext": (dx, dy), "ha": "left" if sx > 0 else "right",
                  "va": "bottom" if sy > 0 else "top"}  # fmt: skip
            out.append((kw, (x0, y0, x0 + width, y0 + TAG_HEIGHT)))
    return out


TAG_HEIGHT = 18.0  # points: a tag's box (15-point digits), the least gap between two tags
TAG_WIDTH = 24.0  # points: tags further apart than this side by side do not meet


def spread_tags(ax, tags) -> None:
    """Keep the numbers at the curves' heads apart and inside the panel: those that would
    meet (two starts ending at about the same loss: "2" printed over "2") stand one over
    the other, the lowest at its head, a stack that would rise over the panel's top
    hanging down from it instead; each before its head (to the left), or after it where
    the panel's left edge is too near (at the first step every head is on it)."""
    if not len(tags):
        return
    to_points = 72.0 / ax.figure.dpi
    left, top = ax.bbox.x0 * to_points, ax.bbox.y1 * to_points
    at = np.array([ax.transData.transform(t.xy) for t in tags]) * to_points
    rise: dict[int, float] = {}
    placed: list[tuple[float, float]] = []
    for i in np.argsort(at[:, 1], kind="stable"):  # up, from the lowest
        x, y = at[i, 0], at[i, 1] + TAG_RISE
        for px, py in sorted(placed, key=lambda p: p[1]):
            if abs(x - px) < TAG_WIDTH and y < py + TAG_HEIGHT:
                y = py + TAG_HEIGHT
        placed.append((x, y))
        rise[i] = y
    placed = []
    for i in sorted(rise, key=lambda i: -rise[i]):  # down, from the highest: none over the top
        x, y = at[i, 0], min(rise[i], top - TAG_HEIGHT + TAG_RISE)
        for px, py in placed:
            if abs(x - px) < TAG_WIDTH:
                y = min(y, py - TAG_HEIGHT)
        placed.append((x, y))
        wide = 0.62 * tags[i].get_fontsize() * len(tags[i].get_text()) + 6  # with its box
        before = x - TAG_GAP - wide >= left
        tags[i].set_ha("right" if before else "left")
        tags[i].xyann = (-TAG_GAP if before else TAG_GAP, y - at[i, 1])


TAG_GAP = 5.0  # points between a head and the number beside it


def curve_heads(y: np.ndarray, at: np.ndarray, s: float) -> list[tuple[float, float] | None]:
    """Where each curve of ``y`` ``(steps + 1, n)`` drawn up to step ``s`` ends: its last
    finite value at or before ``s`` (``None`` for a curve with none yet).

    >>> y = np.array([[1.0, 2.0], [0.5, np.nan], [0.25, np.nan]])
    >>> curve_heads(y, np.arange(3.0)[:, None] + 0 * y, 1.0)
    [(1.0, 0.5), (0.0, 2.0)]
    """
    k = min(int(np.floor(s)), len(y) - 1)
    heads: list[tuple[float, float] | None] = []
    for j in range(y.shape[1]):
        ok = np.flatnonzero(np.isfinite(y[: k + 1, j]))
        heads.append(None if ok.size == 0 else (float(at[ok[-1], j]), float(y[ok[-1], j])))
    return heads
