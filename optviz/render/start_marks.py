"""Start marks on a map: one neutral ring at each distinct start, numbered as its loss
curves are, each number placed clear of the landmarks.

Separate from :mod:`.plots`, which draws the paths: a still's paths and an animation's
frames (:mod:`.frames`) both mark their starts through this.
"""

from __future__ import annotations

import numpy as np

from . import loss_tags, style
from .geometry import _is3d, height


def mark_starts(ax, trajs, theme: str):
    """One neutral ring at each distinct start (not one marker per optimizer on top of
    each other)."""
    from . import paths

    starts = paths.start_points(trajs)
    if len(trajs[0].xy.shape) == 3 and len(starts) > 12:
        return None  # a cloud of starts: the thin paths show where they begin
    c = [starts[:, 0], starts[:, 1]]
    if _is3d(ax):
        c.append(height(trajs[0].surface, starts, lift=0.02))
    else:  # numbered as their loss curves are (the first run's starts, in its order)
        first = np.asarray(trajs[0].xy[0], float).reshape(-1, 2)
        marks = _landmark_boxes(ax)
        for tag, xy in zip(loss_tags.start_tags(len(first)), first, strict=False):
            place = _clear_tag_place(ax, xy, tag, marks)
            ink = style.ink(theme)
            loss_tags.tag_text(ax, tag, tuple(xy), ink, theme, gid="start-tag", **place)
    return ax.plot(*c, label="_nolegend_", gid="starts", **paths.start_marker_style(theme))[0]


def _landmark_boxes(ax) -> np.ndarray:
    """The boxes (points, ``(n, 4)``) of the landmarks drawn on the map ``ax``: a start's
    number is drawn under them (they come over the trails), so it keeps off them."""
    from .callouts import _marker_reach

    boxes = []
    for line in ax.get_lines():
        if line.get_gid() != "landmark" or not line.get_visible():
            continue
        pts = np.asarray(line.get_xydata(), float).reshape(-1, 2)
        pts = ax.transData.transform(pts[np.all(np.isfinite(pts), axis=1)]) * 72 / ax.figure.dpi
        r = _marker_reach(line)
        boxes.extend(np.c_[pts - r, pts + r])
    return np.reshape(boxes, (-1, 4))


def _clear_tag_place(ax, xy, tag: str, marks: np.ndarray) -> dict:
    """The nearest place around the start ``xy`` where its number ``tag`` touches no
    landmark (:func:`loss_tags.tag_places`); the usual one when none is clear."""
    at = ax.transData.transform(np.asarray(xy, float)) * 72 / ax.figure.dpi
    places = loss_tags.tag_places(11.0 * len(tag) + 4)
    for kw, (x0, y0, x1, y1) in places:
        box = np.array([x0, y0, x1, y1]) + np.r_[at, at]
        if not np.any((box[0] < marks[:, 2]) & (marks[:, 0] < box[2])
                      & (box[1] < marks[:, 3]) & (marks[:, 1] < box[3])):  # fmt: skip
            return kw
    return places[0][0]
