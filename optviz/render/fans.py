"""Where balls that share a spot are drawn: fanned out around it, or seated on its landmark.

Balls of different optimizers that would overlap (every ball at the start, three ends a
few pixels apart) are **fanned out** around their centre at a clear radius (:data:`FAN`),
so each shows whole; where a fan would overlap another ball, the two join one fan. Many
starts of one optimizer piled on one spot are drawn as one ball (counted by a badge).

A ball resting on a landmark (a minimum's star, a saddle's diamond) is drawn **on its
true place**: it arrived there, and a ball drawn beside the star read as one that stopped
short of it. The landmark is drawn under it as a plate, larger than the ball, so its arms
or corners stand out all round it (:class:`.balls.BallLayout`). Several optimizers resting
on one landmark are fanned close round its centre, all on the plate.

Everything here is in display pixels: whether two balls share a spot depends on how large
the map is drawn.
"""

from __future__ import annotations

import numpy as np

from .geometry import _is3d, projected

TOUCH = 0.98  # balls closer than this many diameters overlap: they are fanned out together
GAP = 1.08  # least centre distance of fanned balls, in diameters: none hides another
FAN = 1.5  # a fan's radius, in diameters, at least: balls a ball apart, not a ring of
# balls touching over their spot (three balls round a start read as one blob)
ON_PLATE = 0.56  # a fan's radius on a landmark's plate, in diameters, at least: the
# balls touch its middle, the arms stand out between and round them
VALLEY = np.pi / 10  # two balls sit this far below level: between a star's arms, not on them
MOST_BALLS = 400  # beyond this many balls on one axes (a cloud of starts) none is moved
UP_RIGHT = np.array([0.7071, 0.7071])


def spread(px: np.ndarray, owner: np.ndarray, diameter: float, seats=None, passing=None):
    """Where to draw balls at ``px`` ``(m, 2)`` (display pixels) owned by optimizers
    ``owner`` ``(m,)``: ``(drawn, counts, away)``. ``drawn`` ``(m, 2)``: balls of several
    optimizers on one spot fanned around it, balls of one optimizer on one spot drawn at
    one place; ``counts`` ``(m,)``: how many balls each drawn ball stands for (0 for a
    ball drawn under another of its own); ``away`` ``(m, 2)``: the unit direction, from
    the spot, in which a ball's badge goes (outward, clear of the fan).

    ``seats`` ``(k, 3)``: landmarks as ``x, y, reach`` in pixels (:func:`landmark_seats`).
    A lone ball on one stays on its true place; balls of several optimizers on one are
    fanned close round the landmark's centre (:func:`fan_radius`). Balls ``passing``
    ``(m,)`` (True: only crossing a landmark, not resting on it) fan as anywhere else.

    >>> drawn, counts, _ = spread(np.array([[0.0, 0], [1, 0], [100, 0]]), np.array([0, 1, 0]), 10)
    >>> drawn.round(1).tolist(), counts.tolist()
    ([[-13.8, -4.6], [14.8, -4.6], [100.0, 0.0]], [1, 1, 1])
    >>> spread(np.array([[6.0, 8]]), np.array([0]), 10, seats=np.array([[0.0, 0, 20]]))[0].tolist()
    [[6.0, 8.0]]
    """
    px = np.asarray(px, float)
    owner = np.asarray(owner)
    drawn, counts = px.copy(), np.ones(len(px), int)
    away = np.tile(UP_RIGHT, (len(px), 1))
    if len(px) > MOST_BALLS:
        return drawn, counts, away
    seats = np.zeros((0, 3)) if seats is None else np.asarray(seats, float).reshape(-1, 3)
    passing = np.zeros(len(px), bool) if passing is None else np.asarray(passing, bool)
    groups = [[i] for i in np.flatnonzero(np.isfinite(px).all(axis=1))]
    groups = _joined(groups, px, TOUCH * diameter)
    while True:  # fan each group; groups whose drawn balls still overlap join, and fan again
        for members in groups:
            members = np.array(members)
            near = seats if not passing[members].all() else seats[:0]
            _fan(members, px, owner, diameter, drawn, counts, away, near)
        joined = _joined(groups, drawn, TOUCH * diameter)
        if len(joined) == len(groups):
            return drawn, counts, away
        groups = joined


def fan_radius(n: int, diameter: float, seated: bool = False) -> float:
    """How far (px) from their spot ``n`` optimizers' balls are drawn: 0 for one; on a
    landmark's plate (``seated``) close round its middle, elsewhere :data:`FAN` out."""
    if n < 2:
        return 0.0
    least = GAP / (2 * np.sin(np.pi / n))
    return max(ON_PLATE if seated else FAN, least) * diameter


def _joined(groups: list, drawn: np.ndarray, reach: float) -> list:
    """``groups`` (lists of ball indices) with those whose balls are drawn closer than
    ``reach`` pixels joined (transitively: a chain of overlapping balls is one group)."""
    root = list(range(len(groups)))

    def find(g):
        while root[g] != g:
            g = root[g]
        return g

    which = np.concatenate([np.full(len(m), g) for g, m in enumerate(groups)] or [[]]).astype(int)
    balls = np.concatenate([np.asarray(m, int) for m in groups] or [[]]).astype(int)
    at = drawn[balls]
    apart = np.hypot(*(at[:, None, :] - at[None, :, :]).transpose(2, 0, 1))
    for a, b in zip(*np.nonzero((apart < reach) & (which[:, None] != which[None, :])), strict=True):
        root[find(which[a])] = find(which[b])
    out: dict[int, list] = {}
    for g, members in enumerate(groups):
        out.setdefault(find(g), []).extend(members)
    return list(out.values())


def _fan(members, px, owner, diameter, drawn, counts, away, seats) -> None:
    """Fan the balls ``members`` (one spot) out by optimizer, in place: round the
    landmark the spot is on (``seats``), else round their mean."""
    centre = px[members].mean(axis=0)
    slots = sorted(set(owner[members].tolist()))
    n = len(slots)
    seat = seat_under(centre, seats)
    if n > 1 and seat is not None:  # the landmark holds the middle: the balls sit on it
        centre = seats[seat, :2]
    radius = fan_radius(n, diameter, seated=seat is not None)
    angles = [-np.pi / 2 + 2 * np.pi * k / n for k in range(n)]
    angles = [np.pi + VALLEY, -VALLEY] if n == 2 else angles
    for slot, angle in zip(slots, angles, strict=True):
        mine = members[owner[members] == slot]
        out = np.array([np.cos(angle), np.sin(angle)]) if radius else UP_RIGHT
        drawn[mine] = centre + radius * out if n > 1 else centre
        away[mine] = out
        counts[mine] = 0
        counts[mine[0]] = len(mine)


def seat_under(at: np.ndarray, seats: np.ndarray):
    """The index of the landmark whose reach ``at`` (px) lies within, nearest first; None."""
    if not len(seats) or not np.isfinite(at).all():
        return None
    apart = np.hypot(*(seats[:, :2] - at).T)
    k = int(np.argmin(apart))
    return k if apart[k] < seats[k, 2] else None


def landmark_lines(ax) -> list:
    """The landmark markers drawn on ``ax`` (gid ``landmark``: minima, saddles ...)."""
    return [a for a in ax.get_lines() if a.get_gid() == "landmark" and a.get_visible()]


def landmark_points(ax, line) -> np.ndarray:
    """``(n, 2)``: the pixels of the landmark ``line``'s finite points."""
    if _is3d(ax) and hasattr(line, "get_data_3d"):
        xy = projected(ax, np.column_stack(line.get_data_3d()).astype(float))[:, :2]
    else:
        xy = np.column_stack(line.get_data()).astype(float).reshape(-1, 2)
    return ax.transData.transform(xy[np.isfinite(xy).all(axis=1)]) if len(xy) else xy


def landmark_seats(ax, diameter: float = 0.0) -> np.ndarray:
    """``(k, 3)``: the landmarks drawn on ``ax`` as ``x, y, reach`` in pixels, ``reach``
    how far from the centre the landmark's outline reaches: a ball whose true place lies
    within it rests on the landmark (``diameter``: kept for callers, unused)."""
    pt = ax.figure.dpi / 72
    out = []
    for line in landmark_lines(ax):
        reach = marker_radius(line) * pt
        out += [(x, y, reach) for x, y in landmark_points(ax, line)]
    return np.array(out, float).reshape(-1, 3)


def marker_radius(line) -> float:
    """How far (points) ``line``'s marker reaches from its centre, its outline's stroke
    (the white halo of :func:`.landmarks.landmark_style`) included."""
    return unit_reach(line) * line.get_markersize() + (line.get_markeredgewidth() + 1.8) / 2


def unit_reach(line) -> float:
    """How far ``line``'s marker outline reaches from its centre at a size of 1 point."""
    marker = line._marker
    outline = marker.get_transform().transform(marker.get_path().vertices)
    return float(np.hypot(*outline.T).max())
