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
TARGET_RING = 1.25  # a target ring's diameter, in ball sizes: just outside a round ball's
# edge (a square's corners under it), inside the star's arms (they stay in sight)
TARGET_PT = 1.0  # the ring's line, on a dark stroke (seen on every map and on the gold fill)
TARGET_STROKE = 0.8  # points the stroke is wider than the line


UP_RIGHT = np.array([0.7071, 0.7071])


def spread(px: np.ndarray, owner: np.ndarray, diameter: float):
    """Where to draw balls at ``px`` ``(m, 2)`` (display pixels) owned by optimizers
    ``owner`` ``(m,)``: ``(drawn, counts, away)``. ``drawn`` ``(m, 2)``: balls of several
    optimizers on one spot fanned around it, balls of one optimizer on one spot drawn at
    one place; ``counts`` ``(m,)``: how many balls each drawn ball stands for (0 for a
    ball drawn under another of its own); ``away`` ``(m, 2)``: the unit direction, from
    the spot, in which a ball's badge goes (outward, clear of the fan).

    >>> drawn, counts, _ = spread(np.array([[0.0, 0], [1, 0], [100, 0]]), np.array([0, 1, 0]), 10)
    >>> drawn.round(1).tolist(), counts.tolist()
    ([[-13.8, -4.6], [14.8, -4.6], [100.0, 0.0]], [1, 1, 1])
    """
    px = np.asarray(px, float)
    owner = np.asarray(owner)
    drawn, counts = px.copy(), np.ones(len(px), int)
    away = np.tile(UP_RIGHT, (len(px), 1))
    if len(px) > MOST_BALLS:
        return drawn, counts, away
    groups = [[i] for i in np.flatnonzero(np.isfinite(px).all(axis=1))]
    while True:  # fan each group; groups whose drawn balls still overlap join, and fan again
        for members in groups:
            _fan(np.array(members), px, owner, diameter, drawn, counts, away)
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


def _fan(members, px, owner, diameter, drawn, counts, away) -> None:
    """Fan the balls ``members`` (one spot) out by optimizer, in place."""
    centre = px[members].mean(axis=0)
    slots = sorted(set(owner[members].tolist()))
    n = len(slots)
    if n == 1:
        radius, angles = 0.0, [0.0]
    elif n == 2:
        radius, angles = FAN * diameter, [np.pi + VALLEY, -VALLEY]
    else:
        radius = max(FAN, GAP / (2 * np.sin(np.pi / n))) * diameter
        angles = [-np.pi / 2 + 2 * np.pi * k / n for k in range(n)]
    for slot, angle in zip(slots, angles, strict=True):
        mine = members[owner[members] == slot]
        out = np.array([np.cos(angle), np.sin(angle)]) if radius else UP_RIGHT
        drawn[mine] = centre + radius * out
        away[mine] = out
        counts[mine] = 0
        counts[mine[0]] = len(mine)


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


def _star_colour(star) -> str:
    """The colour a minimum is known by: the global one's pale gold, a local one's white
    (its outline's ink; the global one's outline is black on its gold fill)."""
    from .landmarks import GLOBAL_FILL

    ink = star.get_markeredgecolor()
    return "white" if ink in ("white", "#ffffff", (1.0, 1.0, 1.0, 1.0)) else GLOBAL_FILL


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
        self.targets = self._new_targets()

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
        drawn, counts, away = spread(px, owner, diameter)
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
        self._ring_targets(drawn[counts > 0] if len(px) else drawn)
        used += [self.spokes] if moved.any() else []
        return [*used, self.targets] if self.targets.get_visible() else used

    def _ring_targets(self, drawn: np.ndarray) -> None:
        """Ring every ball drawn on a minimum (its centre within the star's reach) in the
        star's colour, over the ball: the ball is the subject and stays over the star,
        but a ball resting on its target hid it (a square covered the star's middle and
        half its arms), and the ring says at a glance "this ball is at the minimum"."""
        if _is3d(self.ax) or not len(drawn):
            self.targets.set_visible(False)
            return
        pt = self.ax.figure.dpi / 72
        at, colours = [], []
        for star in (a for a in self.ax.get_lines() if a.get_gid() == "landmark-over"):
            if not star.get_visible():
                continue
            centres = self.ax.transData.transform(np.column_stack(star.get_data()).astype(float))
            reach = star.get_markersize() / 2 * pt
            for c in centres:
                near = np.hypot(*(drawn - c).T) <= reach
                at += list(drawn[near])
                colours += [_star_colour(star)] * int(near.sum())
        self.targets.set_offsets(np.array(at).reshape(-1, 2))
        self.targets.set_edgecolors(colours or ["none"])
        size = TARGET_RING * max((b.get_markersize() for b in self.balls), default=0.0)
        self.targets.set_sizes([size**2])
        self.targets.set_visible(bool(at))

    def _new_targets(self):
        """The rings over balls resting on a minimum (gid ``ball-target``), in pixels."""
        from matplotlib.collections import PathCollection
        from matplotlib.markers import MarkerStyle
        from matplotlib.patheffects import withStroke

        circle = MarkerStyle("o")
        path = circle.get_path().transformed(circle.get_transform())
        from .landmarks import OVER_ZORDER

        over = max(self._ball_zorder(), OVER_ZORDER) + 0.02  # over the balls and hairlines
        rings = PathCollection([path], sizes=[0.0], offsets=np.zeros((0, 2)),
                               offset_transform=IdentityTransform(), facecolors="none",
                               linewidths=TARGET_PT, zorder=over)  # fmt: skip
        stroke = withStroke(linewidth=TARGET_PT + TARGET_STROKE, foreground="#111111")
        rings.set_path_effects([stroke])
        rings.set_figure(self.ax.figure)
        rings.axes = self.ax
        rings.set_in_layout(False)
        rings.set_transform(IdentityTransform())  # sizes in points (add_artist: data else)
        rings.set_gid("ball-target")
        rings.set_visible(False)
        self.ax.add_artist(rings)  # a still draws it after the balls, by its zorder
        return rings

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
        self.targets.set_animated(b)

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


def balls_of(ax) -> Any:
    """The :class:`BallLayout` of ``ax``, or None."""
    return next((a for a in ax.get_children() if isinstance(a, BallLayout)), None)
