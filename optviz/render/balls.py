"""Balls the audience can always find.

Shared by the still plots and the animations, on contour and 3-D axes:

* balls of different optimizers that would overlap (every ball at the start, two
  optimizers in one minimum, three ends a few pixels apart) are **fanned out** around
  their centre at a clear radius (:data:`FAN`), each joined to its true place by a thin
  **spoke**, so each shows whole, the spot they share (a star, a start ring) stays in
  sight in the middle, and the arrival reads as balls *at* it, not as one blob; where a
  fan would overlap another ball, the two join one fan;
* many starts of one optimizer piled on one spot are drawn as one ball with a **count
  badge** ("×5");
* a ball that has **left the view** leaves an arrow on the edge where it went out
  (:mod:`.edge_marks`).

Balls are placed in pixels, at draw time (a still) or per frame (an animation), since
whether two balls share a spot depends on how large the map is drawn. On a 3-D axes the
balls are flat markers at the projected positions (:func:`.turning.flat_plot`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform

from . import style
from .geometry import _is3d, projected

TOUCH = 0.98  # balls closer than this many diameters overlap: they are fanned out together
GAP = 1.08  # least centre distance of fanned balls, in diameters: none hides another
FAN = 1.5  # a fan's radius, in diameters, at least: balls a ball apart and clear of the
# spot's landmark (a global minimum's star reaches 1.2 diameters out), not a ring of balls
# touching over it (three balls and the star read as one blob)
VALLEY = np.pi / 10  # two balls sit this far below level: between a star's arms, not on them
SPOKE_PT = 1.0  # a spoke's width: a hairline, not a path (paths are 2 points and more)
BADGE_PT = 12.5  # the count badge's type (17 px at 100 dpi)
MOST_BALLS = 400  # beyond this many balls on one axes (a cloud of starts) none is moved
RESTING = 0.05  # a ball whose path stays on a landmark this share of the steps rests on it
SEAT_GAP_PT = 1.0  # points between a landmark's outline (its stroke included) and a ball beside it


UP_RIGHT = np.array([0.7071, 0.7071])


def spread(px: np.ndarray, owner: np.ndarray, diameter: float, seats=None, came=None, passing=None):
    """Where to draw balls at ``px`` ``(m, 2)`` (display pixels) owned by optimizers
    ``owner`` ``(m,)``: ``(drawn, counts, away)``. ``drawn`` ``(m, 2)``: balls of several
    optimizers on one spot fanned around it, balls of one optimizer on one spot drawn at
    one place; ``counts`` ``(m,)``: how many balls each drawn ball stands for (0 for a
    ball drawn under another of its own); ``away`` ``(m, 2)``: the unit direction, from
    the spot, in which a ball's badge goes (outward, clear of the fan).

    ``seats`` ``(k, 3)``: landmarks (a star, a saddle's diamond) as ``x, y, reach`` in
    pixels, ``reach`` their radius plus a ball's: a landmark is an occupant of its spot,
    so balls on it are drawn beside it, ``reach`` from its centre, and it stays whole. A
    lone ball goes on the side ``came`` ``(m, 2)`` names (unit vectors, NaN: unknown),
    else on the side of its true place, else on the freest side. Balls ``passing``
    ``(m,)`` (True: only crossing the landmark, not resting on it) are drawn where they are.

    >>> drawn, counts, _ = spread(np.array([[0.0, 0], [1, 0], [100, 0]]), np.array([0, 1, 0]), 10)
    >>> drawn.round(1).tolist(), counts.tolist()
    ([[-13.8, -4.6], [14.8, -4.6], [100.0, 0.0]], [1, 1, 1])
    >>> spread(np.array([[6.0, 8]]), np.array([0]), 10, seats=np.array([[0.0, 0, 20]]))[0].tolist()
    [[12.0, 16.0]]
    """
    px = np.asarray(px, float)
    owner = np.asarray(owner)
    drawn, counts = px.copy(), np.ones(len(px), int)
    away = np.tile(UP_RIGHT, (len(px), 1))
    if len(px) > MOST_BALLS:
        return drawn, counts, away
    seats = np.zeros((0, 3)) if seats is None else np.asarray(seats, float).reshape(-1, 3)
    came = np.full((len(px), 2), np.nan) if came is None else np.asarray(came, float)
    passing = np.zeros(len(px), bool) if passing is None else np.asarray(passing, bool)
    groups = [[i] for i in np.flatnonzero(np.isfinite(px).all(axis=1))]
    groups = _joined(groups, px, TOUCH * diameter)  # piled balls share one side of a landmark
    while True:  # fan each group; groups whose drawn balls still overlap join, and fan again
        for members in groups:
            members = np.array(members)
            near = seats if not passing[members].all() else seats[:0]
            _fan(members, px, owner, diameter, drawn, counts, away, near, came)
        _off_seats(drawn, seats, ~passing)
        joined = _joined(groups, drawn, TOUCH * diameter)
        if len(joined) == len(groups):
            return drawn, counts, away
        groups = joined


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


def _fan(members, px, owner, diameter, drawn, counts, away, seats, came) -> None:
    """Fan the balls ``members`` (one spot) out by optimizer, in place: around the
    landmark the spot is on, clear of it (``seats``, ``came``: see :func:`spread`)."""
    centre = px[members].mean(axis=0)
    slots = sorted(set(owner[members].tolist()))
    n = len(slots)
    seat = _seat_under(centre, seats)
    if n == 1:
        radius, angles = 0.0, [0.0]
    elif n == 2:
        radius, angles = FAN * diameter, [np.pi + VALLEY, -VALLEY]
    else:
        radius = max(FAN, GAP / (2 * np.sin(np.pi / n))) * diameter
        angles = [-np.pi / 2 + 2 * np.pi * k / n for k in range(n)]
    if seat is not None:  # the landmark holds the middle: the balls sit around it
        centre, reach = seats[seat, :2], seats[seat, 2]
        if n == 1:
            side = _side(members, px, centre, reach, seats, came)
            angles = [float(np.arctan2(side[1], side[0]))]
        radius = max(radius, reach)
    for slot, angle in zip(slots, angles, strict=True):
        mine = members[owner[members] == slot]
        out = np.array([np.cos(angle), np.sin(angle)]) if radius else UP_RIGHT
        drawn[mine] = centre + radius * out
        away[mine] = out
        counts[mine] = 0
        counts[mine[0]] = len(mine)


SIDES = 16  # the sides a lone ball on a landmark may take, where nothing says which


def _seat_under(at: np.ndarray, seats: np.ndarray):
    """The index of the landmark whose reach ``at`` (px) lies within, nearest first; None."""
    if not len(seats):
        return None
    apart = np.hypot(*(seats[:, :2] - at).T)
    k = int(np.argmin(apart))
    return k if apart[k] < seats[k, 2] else None


def _side(members, px, centre, reach, seats, came) -> np.ndarray:
    """The unit direction, from a landmark at ``centre``, in which the lone ball
    ``members`` is drawn: the side it came from, else its true place's side (a ball
    settling on the landmark slides out to its edge), else the side farthest from every
    other ball and landmark."""
    given = came[members[0]]
    if np.isfinite(given).all() and np.hypot(*given) > 0:
        return given / np.hypot(*given)
    off = px[members].mean(axis=0) - centre
    if np.hypot(*off) > 0.25 * reach:
        return off / np.hypot(*off)
    angles = np.pi / 4 + 2 * np.pi * np.arange(SIDES) / SIDES
    sides = np.c_[np.cos(angles), np.sin(angles)]
    spots = centre + reach * sides
    others = np.vstack([np.delete(px, members, axis=0), seats[:, :2]])
    others = others[np.isfinite(others).all(axis=1) & (np.hypot(*(others - centre).T) > 1.0)]
    if not len(others):
        return sides[0]
    room = np.hypot(*(spots[:, None] - others[None]).transpose(2, 0, 1)).min(axis=1)
    return sides[int(np.argmax(room))]


def _off_seats(drawn: np.ndarray, seats: np.ndarray, movable: np.ndarray) -> None:
    """Slide every ball drawn within a landmark's reach (one of a fan beside it) out to
    the reach's edge, in place: the landmark stays whole."""
    for x, y, reach in seats:
        off = drawn - (x, y)
        apart = np.hypot(*off.T)
        inside = (apart < reach - 1e-6) & (apart > 0) & movable
        drawn[inside] = (x, y) + off[inside] * (reach / apart[inside])[:, None]


def _hole(ball, at: np.ndarray, px_per_pt: float) -> np.ndarray:
    """The outline of ``ball``'s marker (with its edge) drawn at ``at`` (pixels),
    clockwise: a hole in a counter-clockwise clip path (nonzero winding)."""
    marker = ball._marker
    size = (ball.get_markersize() + ball.get_markeredgewidth()) * px_per_pt
    path = marker.get_path().transformed(marker.get_transform().frozen().scale(size, size))
    ring = max(path.to_polygons(closed_only=True), key=len)[:-1] + at
    x, y = (ring - ring.mean(axis=0)).T
    clockwise = np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y) < 0
    return ring if clockwise else ring[::-1]


class BallLayout(Artist):
    """The balls of every optimizer on one axes, placed by :func:`spread` whenever they
    are drawn. ``set_positions`` gives each ball artist its true positions (in the axes'
    2-D data coordinates; on a 3-D axes, projected); ``place`` moves the artists to where
    they are drawn and sets the badges. In a still the layout is an artist of the axes,
    drawn just under the balls, and places them at draw time; an animation calls
    ``place`` itself each frame and draws :attr:`badges` after the balls."""

    def __init__(self, ax, balls: list, theme: str):
        super().__init__()
        self.ax, self.balls, self.theme = ax, list(balls), theme
        self.positions = [np.zeros((0, 2)) for _ in self.balls]
        self.badges: list = []
        self.set_zorder(min((b.get_zorder() for b in self.balls), default=7.0) - 0.01)
        self.set_in_layout(False)
        self.spokes = self._new_spokes()
        self.sides: dict = {}  # (run, start): (landmark px, side) a ball was drawn on
        self.trails: list | None = None  # the paths (data): the side balls came from
        self.step: float | None = None  # an animation's step now (a still: None)
        self.collapse = 1.0  # steps over which the start's fan closes, at least
        self._parted: float | None = None  # the step the balls leaving one start part

    def set_positions(self, positions: list[np.ndarray]) -> None:
        """Each ball artist's true positions: ``(n, 2)`` data, or ``(n, 3)`` on a 3-D axes."""
        width = 3 if _is3d(self.ax) else 2
        self.positions = [np.asarray(p, float).reshape(-1, width) for p in positions]

    def _flat(self) -> list[np.ndarray]:
        """The positions in the axes' 2-D data coordinates (on a 3-D axes, projected by
        its camera at its last draw)."""
        if not _is3d(self.ax):
            return self.positions
        return [projected(self.ax, p)[:, :2] if len(p) else p[:, :2] for p in self.positions]

    def place(self) -> list:
        """Move every ball to where it is drawn; return the badges in use."""
        ax = self.ax
        sizes = [b.get_markersize() for b in self.balls]
        diameter = max(sizes, default=0.0) * ax.figure.dpi / 72
        flat = self._flat()
        px = np.concatenate([ax.transData.transform(p) for p in flat]) if flat else np.zeros((0, 2))
        owner = np.concatenate([np.full(len(p), i) for i, p in enumerate(flat)] or [[]])
        seats = landmark_seats(ax, diameter)
        came = self._came_from(px, owner, seats)
        passing = self._passing(px, owner, seats)
        drawn, counts, away = spread(px, owner, diameter, seats, came, passing)
        self._remember_sides(px, owner, drawn, seats)
        drawn = self._collapse(px, owner, diameter, seats, drawn)
        data = ax.transData.inverted().transform(drawn) if len(drawn) else drawn
        used = []
        at = 0
        for ball, p in zip(self.balls, flat, strict=True):
            mine = slice(at, at + len(p))
            ball.set_data(data[mine, 0], data[mine, 1])
            for where, count, out in zip(drawn[mine], counts[mine], away[mine], strict=True):
                if count > 1:
                    used.append(self._badge(len(used), where, out, count, ball.get_markersize()))
            at += len(p)
        for badge in self.badges[len(used) :]:
            badge.set_visible(False)
        moved = (counts > 0) & (np.hypot(*(drawn - px).T) > 0.5) if len(px) else counts > 0
        ends = zip(px[moved], drawn[moved], strict=True)
        self.spokes.set_segments([np.array([a, b]) for a, b in ends])
        self.spokes.set_visible(bool(moved.any()))
        self._clip_around(drawn, counts, owner)
        used += [self.spokes] if moved.any() else []
        return used

    def _collapse(self, px, owner, diameter, seats, drawn) -> np.ndarray:
        """``drawn`` with the first frame's fan round the start collapsing into it over
        the first :attr:`collapse` steps (an animation at :attr:`step`): the balls fanned
        out at the start jumped sideways onto their paths when they parted."""
        if self.step is None or self.trails is None or _is3d(self.ax):
            return drawn
        paths = self._paths_of(owner)
        if paths is None:
            return drawn
        at = self.ax.transData.transform(paths[:, 0])
        fan, _, _ = spread(at, owner, diameter, seats)
        until = max(self.collapse, self._parting(paths, owner, diameter))
        left = 1.0 - np.clip(self.step / until, 0.0, 1.0)
        ease = left * left * (3 - 2 * left)  # smooth at both ends
        return drawn + ease * ((fan - at) - (drawn - px))

    def _passing(self, px, owner, seats) -> np.ndarray | None:
        """``(m,)``: the balls of an animation only crossing a landmark at :attr:`step`
        (their path leaves its reach within :data:`RESTING` of the steps and ends
        elsewhere; a noisy ball ending there rests): drawn where they are, not hopped
        beside it and back. None: every ball rests (a still)."""
        if self.step is None or self.trails is None or _is3d(self.ax) or not len(seats):
            return None
        paths = self._paths_of(owner)
        if paths is None:
            return None
        k = int(np.floor(self.step))
        ahead = paths[:, k : k + max(2, int(RESTING * paths.shape[1])) + 1]
        out = np.zeros(len(px), bool)
        for b, p in enumerate(px):
            seat = _seat_under(p, seats) if np.isfinite(p).all() else None
            if seat is None or not len(ahead[b]):
                continue
            later = np.hypot(*(self.ax.transData.transform(ahead[b]) - seats[seat, :2]).T)
            end = np.hypot(*(self.ax.transData.transform(paths[b, -1:]) - seats[seat, :2]).T)
            out[b] = bool((later >= seats[seat, 2]).any() and end[0] >= seats[seat, 2])
        return out

    def _paths_of(self, owner) -> np.ndarray | None:
        """``(m, T, 2)``: each ball's path (data), from :attr:`trails`; None where the
        balls are not the trails' (a start gone, diverged)."""
        out = []
        for run, i in zip(np.asarray(owner).tolist(), _index_in_owner(owner), strict=True):
            xy = np.asarray(self.trails[int(run)], float)
            if xy.ndim == 3 and i >= xy.shape[1]:
                return None
            out.append(xy[:, i, :2] if xy.ndim == 3 else xy[:, :2])
        if not out or len({len(p) for p in out}) > 1:
            return None
        return np.stack(out)

    def _parting(self, paths: np.ndarray, owner, diameter: float) -> float:
        """The first step at which the balls of different optimizers that left one start
        are a ball apart (the fan round the start is needed till then), at most a
        tenth of the steps."""
        if self._parted is None:
            most = max(1, (paths.shape[1] - 1) // 10)
            px = self.ax.transData.transform(paths[:, : most + 1].reshape(-1, 2))
            px = px.reshape(len(paths), most + 1, 2)
            together = np.hypot(*(px[:, None, 0] - px[None, :, 0]).transpose(2, 0, 1)) < 1.0
            pairs = together & (np.asarray(owner)[:, None] != np.asarray(owner)[None, :])
            apart = np.hypot(*(px[:, None] - px[None]).transpose(3, 0, 1, 2)) >= diameter
            ok = (apart | ~pairs[:, :, None]).all(axis=(0, 1))
            self._parted = float(np.argmax(ok)) if ok.any() else float(most)
        return self._parted

    def _came_from(self, px: np.ndarray, owner: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """``(m, 2)``: for each ball on a landmark, the side it was drawn on last frame
        (an animation: a ball settling on a minimum jitters about its centre and must not
        hop round it), else the side its path came in from (:attr:`trails`, a still),
        else NaN (:func:`spread` chooses)."""
        came = np.full((len(px), 2), np.nan)
        index = _index_in_owner(owner)
        for k, p in enumerate(px):
            seat = _seat_under(p, seats) if np.isfinite(p).all() else None
            if seat is None:
                continue
            kept = self.sides.get((int(owner[k]), index[k]))
            if kept is not None and np.hypot(*(kept[0] - seats[seat, :2])) < 1.0:
                came[k] = kept[1]
            elif self.trails is not None:
                came[k] = entry_side(self.ax, self.trails[int(owner[k])], index[k], seats[seat])
        return came

    def _remember_sides(self, px, owner, drawn, seats) -> None:
        """Keep the side each ball on a landmark is drawn on (see :meth:`_came_from`)."""
        index = _index_in_owner(owner)
        self.sides = {}
        for k, (p, d) in enumerate(zip(px, drawn, strict=True)):
            seat = _seat_under(p, seats) if np.isfinite(p).all() else None
            if seat is not None and np.hypot(*(d - seats[seat, :2])) > 0:
                side = (d - seats[seat, :2]) / np.hypot(*(d - seats[seat, :2]))
                self.sides[(int(owner[k]), index[k])] = (seats[seat, :2].copy(), side)

    def _ball_zorder(self) -> float:
        return max((b.get_zorder() for b in self.balls), default=7.0)

    def _clip_around(self, drawn: np.ndarray, counts: np.ndarray, owner: np.ndarray) -> None:
        """Clip the spokes and the minima's hairlines (gid ``landmark-over``, drawn over
        the balls so a star covered by balls still reads as a star) to outside every drawn
        ball: a line across a ball read as the ball hidden under it."""
        over = [a for a in self.ax.get_lines() if a.get_gid() == "landmark-over"]
        box = self.ax.figure.bbox
        rings = [np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])]
        for k in np.flatnonzero((counts > 0) & np.isfinite(drawn).all(axis=1)):
            rings.append(_hole(self.balls[int(owner[k])], drawn[k], self.ax.figure.dpi / 72))
        clip = Path.make_compound_path(*(Path(np.vstack([r, r[:1]]), closed=True) for r in rings))
        for line in [*over, self.spokes]:
            line.set_clip_path(clip, IdentityTransform())

    def _new_spokes(self):
        """The spokes from the true place of each fanned ball to where it is drawn: a
        hairline in the theme's ink on a halo (gid ``ball-spoke``), in pixels."""
        from matplotlib.collections import LineCollection
        from matplotlib.patheffects import withStroke

        halo = style.THEMES[self.theme]["legend.facecolor"]
        spokes = LineCollection([], colors=style.ink(self.theme), linewidths=SPOKE_PT,
                                zorder=self.get_zorder())  # fmt: skip
        spokes.set_path_effects([withStroke(linewidth=SPOKE_PT + 1.6, foreground=halo)])
        spokes.set_figure(self.ax.figure)
        spokes.axes = self.ax
        spokes.set_transform(IdentityTransform())
        spokes.set_in_layout(False)
        spokes.set_gid("ball-spoke")
        spokes.set_visible(False)
        return spokes

    def set_animated(self, b: bool) -> None:
        super().set_animated(b)
        self.spokes.set_animated(b)

    def _badge(self, k: int, px: np.ndarray, out: np.ndarray, count: int, size: float):
        """The ``k``-th count badge, beside the ball drawn at ``px``, on its side ``out``."""
        if k == len(self.badges):
            self.badges.append(self._new_badge())
        badge = self.badges[k]
        badge.xy = tuple(self.ax.transData.inverted().transform(px))
        badge.xyann = tuple(0.6 * size * out)
        badge.set_ha("left" if out[0] > 0.3 else "right" if out[0] < -0.3 else "center")
        badge.set_va("bottom" if out[1] > 0.3 else "top" if out[1] < -0.3 else "center")
        badge.set_text(f"×{count}")
        badge.set_visible(True)
        return badge

    def reserve(self, n: int) -> None:
        """Make ``n`` badges ahead (a still: the axes draws only the artists it had when
        its draw began)."""
        while len(self.badges) < n:
            self.badges.append(self._new_badge())
            self.badges[-1].set_visible(False)

    def _new_badge(self):
        badge = self.ax.annotate(
            "",
            xy=(0, 0),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=style.at_least(BADGE_PT),
            fontweight="bold",
            color=style.ink(self.theme),
            ha="left",
            va="bottom",
            bbox={
                "boxstyle": "round,pad=0.15",
                "fc": style.THEMES[self.theme]["legend.facecolor"],
                "ec": "none",
                "alpha": 0.85,
            },  # fmt: skip
            annotation_clip=False,
            zorder=self.get_zorder() + 2,
        )
        badge.set_in_layout(False)
        badge.set_animated(self.get_animated())
        badge.set_gid("ball-badge")
        return badge

    edges: Any = None  # a still's (EdgeMarks, what left the view), placed at draw time

    def draw(self, renderer) -> None:
        """A still: place the balls and the marks of those that left the view (drawn
        after this, by the axes: they are its artists)."""
        if self.get_visible():
            self.place()
            if self.spokes.get_visible():
                self.spokes.draw(renderer)
            if self.edges is not None:
                marks, gone = self.edges
                marks.update(gone)
        self.stale = False


def landmark_seats(ax, diameter: float) -> np.ndarray:
    """``(k, 3)``: the landmarks drawn on ``ax`` (gid ``landmark``: minima, saddles ...)
    as ``x, y, reach`` in pixels, ``reach`` from the centre to where a ball of
    ``diameter`` pixels beside the landmark clears its outline (see :func:`spread`)."""
    pt = ax.figure.dpi / 72
    out = []
    for line in ax.get_lines():
        if line.get_gid() != "landmark" or not line.get_visible():
            continue
        if _is3d(ax) and hasattr(line, "get_data_3d"):
            xy = projected(ax, np.column_stack(line.get_data_3d()).astype(float))[:, :2]
        else:
            xy = np.column_stack(line.get_data()).astype(float).reshape(-1, 2)
        xy = ax.transData.transform(xy[np.isfinite(xy).all(axis=1)]) if len(xy) else xy
        reach = (marker_radius(line) + SEAT_GAP_PT) * pt + diameter / 2
        out += [(x, y, reach) for x, y in xy]
    return np.array(out, float).reshape(-1, 3)


def entry_side(ax, xy, start: int, seat: np.ndarray) -> np.ndarray:
    """The unit direction (px) from the landmark ``seat`` (``x, y, reach``, px) to the
    last point outside its reach of the path ``xy`` (data, ``(T, 2)`` or, of start
    ``start``, ``(T, n, 2)``): the side a ball came in from. NaN: none is, 3-D, or a
    1-D path (a curve's positions alone)."""
    xy = np.asarray(xy, float)
    xy = xy[:, start] if xy.ndim == 3 else xy
    if xy.ndim != 2 or xy.shape[1] < 2 or not len(xy) or _is3d(ax):  # 1-D: no side
        return np.full(2, np.nan)
    off = ax.transData.transform(xy[:, :2]) - seat[:2]
    out = np.flatnonzero(np.hypot(*off.T) >= seat[2])
    return off[out[-1]] / np.hypot(*off[out[-1]]) if len(out) else np.full(2, np.nan)


def seated_sides(ax, px, owner, seats, trails) -> np.ndarray:
    """``(m, 2)``: for each ball at ``px`` on a landmark of ``seats``, the side its
    path ``trails[owner]`` came in from (:func:`entry_side`); NaN elsewhere."""
    came = np.full((len(px), 2), np.nan)
    for k, (p, i) in enumerate(zip(px, _index_in_owner(owner), strict=True)):
        seat = _seat_under(p, seats) if np.isfinite(p).all() else None
        if seat is not None:
            came[k] = entry_side(ax, trails[int(owner[k])], i, seats[seat])
    return came


def marker_radius(line) -> float:
    """How far (points) ``line``'s marker reaches from its centre, its outline's stroke
    (the white halo of :func:`.landmarks.landmark_style`) included."""
    marker = line._marker
    outline = marker.get_transform().transform(marker.get_path().vertices)
    stroke = line.get_markeredgewidth() + 1.8
    return float(np.hypot(*outline.T).max()) * line.get_markersize() + stroke / 2


def _index_in_owner(owner: np.ndarray) -> list[int]:
    """Each ball's index among the balls of its owner."""
    seen: dict = {}
    out = []
    for o in np.asarray(owner).tolist():
        out.append(seen.get(o, 0))
        seen[o] = out[-1] + 1
    return out


def balls_of(ax) -> Any:
    """The :class:`BallLayout` of ``ax``, or None."""
    return next((a for a in ax.get_children() if isinstance(a, BallLayout)), None)
