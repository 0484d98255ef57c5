"""Balls the audience can always find.

Shared by the still plots and the animations, on contour and 3-D axes:

* balls of different optimizers that would overlap are **fanned out** round their spot,
  each joined to its true place by a thin **spoke** (:mod:`.fans` says where);
* a ball **resting on a landmark** (a minimum's star, a saddle's diamond) is drawn on its
  true place, ringed by a **plate**: the landmark drawn there instead as a thick hollow
  outline, larger, round the ball, so the ball is plainly on top and reads as a ball
  that arrived there;
* many starts of one optimizer piled on one spot are drawn as one ball with a **count
  badge** ("×5");
* every ball carries a round ball's **ink** (a triangle is enlarged to a circle's area)
  and a **rim** opposite its edge, so it shows on light and dark ground alike;
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
from .fans import (  # noqa: F401
    TOUCH,
    fan_radius,
    landmark_lines,
    landmark_points,
    landmark_seats,
    seat_under,
    spread,
)
from .geometry import _is3d, projected
from .landmarks import plate_for, size_plate

SPOKE_PT = 1.0  # a spoke's width: a hairline, not a path (paths are 2 points and more)
BADGE_PT = 12.5  # the count badge's type (17 px at 100 dpi)
RESTING = 0.05  # a ball whose path stays on a landmark this share of the steps rests on it
PLATE_REACH = 2.0  # a plate's arms reach this many ball diameters from its centre: its
# outline's inner corners pass outside a ball resting on it, rim and all, with a gap
PLATE_ARMS = 1.05  # ... and this far beyond a fan of balls resting on it


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
    """The balls of every optimizer on one axes, placed by :func:`.fans.spread` whenever
    they are drawn. ``set_positions`` gives each ball artist its true positions (in the
    axes' 2-D data coordinates; on a 3-D axes, projected); ``place`` moves the artists to
    where they are drawn, sets the badges and the plates under balls resting on a
    landmark. In a still the layout is an artist of the axes, drawn just under the
    plates and balls, and places them at draw time; an animation calls ``place`` itself
    each frame, draws the plates with the landmarks (gid ``landmark-rest``) and
    :attr:`badges` after the balls."""

    def __init__(self, ax, balls: list, theme: str):
        super().__init__()
        self.ax, self.balls, self.theme = ax, list(balls), theme
        self.size = max((b.get_markersize() for b in self.balls), default=0.0)  # a circle's
        for ball in self.balls:
            even_ink(ball)
        self.positions = [np.zeros((0, 2)) for _ in self.balls]
        self.badges: list = []
        self.set_zorder(min((b.get_zorder() for b in self.balls), default=7.0) - 0.01)
        self.set_in_layout(False)
        self.spokes = self._new_spokes()
        self.plates = {} if _is3d(ax) else {id(line): plate_for(ax, line, self.get_zorder() + 0.005)
                                            for line in landmark_lines(ax)}  # fmt: skip
        self.trails: list | None = None  # the paths (data): which balls only pass a landmark
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
        """Move every ball to where it is drawn; return the badges and spokes in use."""
        ax = self.ax
        diameter = self.size * ax.figure.dpi / 72  # a round ball's: the plates' measure
        apart = self.extent() * ax.figure.dpi / 72  # the largest drawn: the fans' measure
        flat = self._flat()
        px = np.concatenate([ax.transData.transform(p) for p in flat]) if flat else np.zeros((0, 2))
        owner = np.concatenate([np.full(len(p), i) for i, p in enumerate(flat)] or [[]])
        seats = landmark_seats(ax)
        passing = self._passing(px, owner, seats)
        drawn, counts, away = spread(px, owner, apart, seats, passing)
        seated = self._seat_plates(px, owner, diameter, apart, seats, passing)
        drawn = self._collapse(px, owner, apart, seats, drawn)
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
        moved = (counts > 0) & ~seated & (np.hypot(*(drawn - px).T) > 0.5) if len(px) else seated
        ends = zip(px[moved], drawn[moved], strict=True)
        self.spokes.set_segments([np.array([a, b]) for a, b in ends])
        self.spokes.set_visible(bool(moved.any()))
        self._clip_around(drawn, counts, owner)
        used += [self.spokes] if moved.any() else []
        return used

    def extent(self) -> float:
        """The largest ball's size as drawn (points): its marker (a triangle's enlarged,
        :func:`even_ink`) and its rim."""
        return max((b.get_markersize() for b in self.balls), default=0.0) + 2 * RIM_PT

    def _seat_plates(self, px, owner, diameter, apart, seats, passing) -> np.ndarray:
        """Draw a plate round each landmark a ball rests on (its true place within the
        landmark's reach, not only passing), its arms clear of every ball on it, and take
        the landmark's own marks off there (the plate is the landmark there); return
        ``(m,)``: the balls resting on a plate (no spoke: the plate shows where they are)."""
        resting = np.zeros(len(px), bool)
        taken: dict[int, set] = {}
        for k, p in enumerate(px):
            seat = seat_under(p, seats)
            if seat is not None and (passing is None or not passing[k]):
                resting[k] = True
                taken.setdefault(seat, set()).add(int(owner[k]))
        reach = {k: max(PLATE_REACH * diameter, fan_radius(len(o), apart, True)
                        + apart / 2 + PLATE_ARMS * diameter) for k, o in taken.items()}  # fmt: skip
        first = 0
        for line in landmark_lines(self.ax):  # in the order of the seats
            n = len(landmark_points(self.ax, line))
            mine = [k for k in range(first, first + n) if k in reach]
            if id(line) in self.plates:
                size_plate(self.plates[id(line)], line, seats[mine], [reach[k] for k in mine])
            first += n
        self._clear_hairlines(seats[sorted(reach)] if reach else seats[:0])
        return resting

    def _clear_hairlines(self, taken: np.ndarray) -> None:
        """Take the landmarks a plate is drawn on (``taken``, px) off their outline, fill and
        hairline over the balls (gids ``landmark``, ``landmark-fill``, ``landmark-over``):
        the plate, a hollow outline round the ball, is the landmark there, and nothing
        of it lies over or right round the ball. Only their markers go (``markevery``):
        the points stay the landmarks the balls are seated by."""
        gids = ("landmark", "landmark-fill", "landmark-over")
        for line in self.ax.get_lines() if self.plates else []:
            if line.get_gid() not in gids or not len(line.get_xdata()):
                continue
            at = self.ax.transData.transform(np.c_[line.get_data()].astype(float))
            keep = np.ones(len(at), bool)
            for x, y, _ in taken:
                keep &= np.hypot(at[:, 0] - x, at[:, 1] - y) > 1.0
            line.set_markevery(None if keep.all() else np.flatnonzero(keep))

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
            seat = seat_under(p, seats)
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


RIM_PT = 1.2  # a ball's rim outside its edge, in the edge's opposite: seen on any ground


def even_ink(ball) -> None:
    """Give ``ball`` (a marker Line2D) as much ink as a round ball of its size and a rim
    that contrasts with its edge: a triangle (RMSprop's) carries about 0.64 of a circle's
    ink, and a near-black ball with a dark edge vanished on a dark well. Shapes with less
    area than a circle are enlarged to a circle's area (none is shrunk: every ball stays
    as large as a round one), and a light rim rings a dark edge (a dark rim a light
    one), so whichever the ground under it, one of the two stands out."""
    from matplotlib.colors import to_rgb
    from matplotlib.patheffects import withStroke

    if getattr(ball, "_even_ink", False):  # a ball laid out again: already evened
        return
    ball._even_ink = True
    ball.set_markersize(ball.get_markersize() * ink_factor(ball._marker))
    dark = float(np.mean(to_rgb(ball.get_markeredgecolor()))) < 0.5
    rim = withStroke(linewidth=ball.get_markeredgewidth() + 2 * RIM_PT,
                     foreground="white" if dark else "black")  # fmt: skip
    ball.set_path_effects([rim])


def ink_factor(marker) -> float:
    """How much larger ``marker`` (a MarkerStyle) is drawn to cover a circle's area: 1
    for a circle or any shape as large, 1.25 for a triangle."""
    path = marker.get_path().transformed(marker.get_transform())
    ring = max(path.to_polygons(closed_only=True), key=len, default=np.zeros((0, 2)))
    if len(ring) < 3:
        return 1.0
    x, y = ring.T
    area = abs(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2
    return float(max(1.0, np.sqrt(np.pi / 4 / area))) if area > 0 else 1.0


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
