"""The "map" tag beside a landscape loss panel's dotted line (the loss read off the map,
drawn where it parts from the true loss), placed where it touches no other line."""

import numpy as np

PARTED = 1.25  # the map's loss is drawn where it is this factor off the true loss, or more


def map_tag(
    ax,
    loss: np.ndarray,
    plane: np.ndarray,
    color,
    animated: bool = False,
    curves: list | None = None,
    taken: list | None = None,
):
    """``map`` beside the dotted line, on the side away from the run's line (a direct
    label: the dotted line is no second run), at the first spot from the middle of its
    longest stretch off that line outward where the label touches none of ``curves``
    (``(x, y)`` pairs: every line in the panel) and none of the ``taken`` boxes, inside
    the panel (the shade strip is its left edge). ``None`` where they never part or no
    such spot exists: the note under the panel says what the dotted line is. Its step is
    the tag's ``step`` attribute; its box, in pixels, is appended to ``taken``."""
    y = parted(loss, plane)
    apart = np.flatnonzero(np.isfinite(y))
    if not len(apart):
        return None
    runs = np.split(apart, np.flatnonzero(np.diff(apart) > 1) + 1)
    longest = max(runs, key=len)
    middle = longest[len(longest) // 2]
    tag = ax.annotate("map", (0, 0), xytext=(0, 0), textcoords="offset points", color=color,
                      fontsize=15, fontweight="bold", zorder=5, animated=animated)  # fmt: skip
    tag.set_in_layout(False)
    curves = curves if curves is not None else [(np.arange(len(loss)), loss)]
    taken = taken if taken is not None else []
    for k in sorted(apart, key=lambda i: (abs(i - middle), i)):
        below = y[k] < loss[k]
        for side in (below, not below):  # away from the line first
            _place(tag, k, y[k], side)
            box = _box(ax, tag)
            if _clear(ax, box, curves, taken):
                tag.step = int(k)
                taken.append(box)
                return tag
    tag.remove()
    return None


TAG_GAP_PT = 4.0  # between the "map" tag and its dotted line


def _place(tag, k: int, y: float, below: bool) -> None:
    tag.xy = (k, y)
    tag.xyann = (-TAG_GAP_PT, -TAG_GAP_PT if below else TAG_GAP_PT)
    tag.set_ha("right")
    tag.set_va("top" if below else "bottom")


def _box(ax, tag):
    return tag.get_window_extent(ax.figure.canvas.get_renderer()).expanded(1.15, 1.3)


def _clear(ax, box, curves: list, taken: list) -> bool:
    """Whether ``box`` (pixels) lies inside the panel and off every curve and taken box."""
    frame = ax.get_window_extent()
    if not (frame.x0 < box.x0 and box.x1 < frame.x1 and frame.y0 < box.y0 and box.y1 < frame.y1):
        return False
    if any(box.overlaps(other) for other in taken):
        return False
    for x, y in curves:
        px = ax.transData.transform(np.c_[np.asarray(x, float), np.asarray(y, float)])
        drawn = np.isfinite(px[:-1]).all(1) & np.isfinite(px[1:]).all(1)  # not across gaps
        a, b = px[:-1][drawn], px[1:][drawn]
        # each segment sampled finely: a steep drop crosses the box between two steps
        t = np.linspace(0, 1, 12)[:, None, None]
        pts = (a + t * (b - a)).reshape(-1, 2)
        inside = (box.x0 <= pts[:, 0]) & (pts[:, 0] <= box.x1)
        inside &= (box.y0 <= pts[:, 1]) & (pts[:, 1] <= box.y1)
        if inside.any():
            return False
    return True


def parted(loss: np.ndarray, plane: np.ndarray) -> np.ndarray:
    """``plane`` where it is :data:`PARTED` or more off ``loss`` (the path has left the
    plane: the map under the ball does not tell its loss), NaN elsewhere (where they
    agree, the dots would only lie on the line), each part one step wider so it meets it.

    >>> parted(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.0, 2.0, 1.0, 1.0])).tolist()
    [1.0, 2.0, 1.0, nan]
    """
    loss, plane = np.asarray(loss, float), np.asarray(plane, float)
    ratio = np.maximum(plane, 1e-300) / np.maximum(loss, 1e-300)
    off = (ratio >= PARTED) | (ratio <= 1 / PARTED)
    near = off | np.r_[off[1:], False] | np.r_[False, off[:-1]]
    return np.where(near, plane, np.nan)
