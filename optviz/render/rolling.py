"""A ball rolling on a curve, as the page shows it: where it sits, how far it has turned,
which steps jump.

The side view (:mod:`.sideview`) draws a curve ``f(x)`` with different scales on its two
axes, so "on the curve" is a matter of the page, not of the data: a ball of radius ``r``
touches the drawn curve when its centre lies ``r`` (plus half the curve's line width)
from the contact point along the curve's normal *as drawn*. Everything here is computed
in points (1/72 inch) on the page, where a circle is round whatever the axes' scales,
and turned back into data coordinates for matplotlib; sizes in points do not change
with the dpi, so a still, an animation and a PDF agree.

Each step of a run is either a *roll* (the ball moves along the curve, turning by the
distance it rolled) or a *jump* (consecutive positions are more than :data:`JUMP` ball
radii apart on the page, as a large learning rate's steps are): a jump is drawn as an
arc from point to point, as in the notes' bouncing steps, and the ball flies along it.

:class:`Balls` turns a :class:`Roll` into matplotlib artists (discs, spokes, fading dots,
arcs, velocity arrows, crosses) and moves them to any step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import paths, style

RADIUS = 11.0  # the ball's outer radius (outline included), points
EDGE = 1.4  # the ball's outline, points
CURVE_WIDTH = 2.6  # the curve's line, points
JUMP = 5.0  # a step longer than this many radii on the page is drawn as a jump
ARC_POINTS = 24  # points along a jump's arc
TRAIL_POINTS = 8  # points along the stretch of curve a step rolls over
TRAIL_WIDTH = 8.0  # the trail: a band under the curve along where the ball rolled, points
TRAIL_ALPHA = 0.75  # its opacity where new ...
TRAIL_FLOOR = 0.55  # ... and, of that, where oldest: the way it came stays readable
ARC_WIDTH = 2.0  # a jump's arc (dashed: the ball did not travel along it), points
ARC_ALPHA = 0.8
ARC_FLOOR = 0.5  # of that, where oldest: a bounce stays in sight to the end
DOT_SPACING = 1.6  # dots at least this many diameters apart along the trail
EXIT_PT = 12.5  # "left the view at step k" and the start numbers, points
NUMBER_FAN = 60.0  # degrees from the normal the start numbers fan out to
NUMBERED = 4  # a panel with 2 to this many starts numbers its balls
ARC_HEIGHT = 0.25  # an arc's bow over its chord, as a share of the chord ...
ARC_RISE = 4.0  # ... and at most this many points: a jump reads as a step, not a flight
OUT = 0.5  # positions beyond the domain are drawn at most this many domain widths out
ARROW = 2.6  # the velocity arrow's 90th-percentile length, in ball radii
ARROW_CLIP = 2.0  # longest arrow, in multiples of that


@dataclass(frozen=True)
class Page:
    """How an axes maps data to points on the page: ``(x, y) -> ((x - x0) sx, (y - y0) sy)``.

    Read once the figure's layout is final (the axes' place and limits fixed).
    """

    x0: float
    y0: float
    sx: float  # points per unit of x
    sy: float  # points per unit of f(x)

    @classmethod
    def of(cls, ax) -> Page:
        width, height = ax.bbox.width, ax.bbox.height  # pixels
        points = 72.0 / ax.figure.dpi
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        return cls(x0, y0, width * points / (x1 - x0), height * points / (y1 - y0))

    def to_points(self, x, y) -> np.ndarray:
        """Data ``x, y`` (same shapes) to points ``(..., 2)``."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        return np.stack([(x - self.x0) * self.sx, (y - self.y0) * self.sy], -1)

    def to_data(self, pts: np.ndarray) -> np.ndarray:
        """Points ``(..., 2)`` to data ``(..., 2)``."""
        pts = np.asarray(pts, float)
        return np.stack([pts[..., 0] / self.sx + self.x0, pts[..., 1] / self.sy + self.y0], -1)

    def normal(self, slope) -> np.ndarray:
        """The curve's upward unit normal on the page, where its slope is ``f'(x)``."""
        slope = np.asarray(slope, float)
        n = np.stack([-self.sy * slope, np.full_like(slope, self.sx)], -1)
        return n / np.linalg.norm(n, axis=-1, keepdims=True)

    def tangent(self, slope) -> np.ndarray:
        """The curve's unit tangent on the page, pointing towards larger x."""
        slope = np.asarray(slope, float)
        t = np.stack([np.full_like(slope, self.sx), self.sy * slope], -1)
        return t / np.linalg.norm(t, axis=-1, keepdims=True)


def lift(radius: float = RADIUS, curve_width: float = CURVE_WIDTH) -> float:
    """How far a ball's centre sits from the curve's centre line: its outer edge rests on
    the top edge of the curve's stroke."""
    return radius + curve_width / 2


class Roll:
    """Where one trajectory's balls are on the page at any (fractional) step.

    ``traj.xy`` is ``(steps + 1, 1)`` or ``(steps + 1, n, 1)``; every array here has a
    starts axis ``n``. A position outside the curve's domain (a run bouncing out) is not
    shown; ``left_at[i]`` is the first step start ``i`` was out (-1: never).
    """

    def __init__(self, traj, page: Page, radius: float = RADIUS):
        surface = traj.surface
        self.page, self.radius, self.surface = page, radius, surface
        lo, hi = surface.domain[0]
        x = np.asarray(traj.xy, float)[..., 0]
        x = x if x.ndim == 2 else x[:, None]  # (T + 1, n)
        self.inside = np.isfinite(x) & (x >= lo) & (x <= hi)
        margin = OUT * (hi - lo)
        self.x = np.clip(np.nan_to_num(x, nan=lo, posinf=hi + margin, neginf=lo - margin),
                         lo - margin, hi + margin)  # fmt: skip
        with np.errstate(all="ignore"):
            self.fx = surface.f(self.x[..., None])
            slope = surface.grad(self.x[..., None])[..., 0]
        self.contact = page.to_points(self.x, self.fx)  # (T + 1, n, 2)
        self.normal = page.normal(slope)
        self.tangent = page.tangent(slope)
        chord = np.linalg.norm(np.diff(self.contact, axis=0), axis=-1)  # (T, n)
        self.jumps = (chord > JUMP * radius) | ~self.inside[:-1] | ~self.inside[1:]
        rolled = np.where(self.jumps, chord, self._along_curve())
        signed = np.sign(np.diff(self.x, axis=0)) * rolled
        self.travelled = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(signed, 0)])
        out = ~self.inside
        self.left_at = np.where(out.any(0), out.argmax(0), -1)
        arcs = {(k, i): self._arc(k, i) for k, i in zip(*np.nonzero(self.jumps), strict=True)}
        self.arcs = {key: arc for key, arc in arcs.items() if arc is not None}
        self._trail: np.ndarray | None = None  # the curve between positions, when asked

    @property
    def steps(self) -> int:
        return len(self.x) - 1

    def _along_curve(self, samples: int = 12) -> np.ndarray:
        """The length on the page of the curve between consecutive positions, ``(T, n)``."""
        return np.linalg.norm(np.diff(self._stretches(samples), axis=0), axis=-1).sum(0)

    def _stretches(self, samples: int, upto: float = 1.0) -> np.ndarray:
        """The curve on the page from each position a share ``upto`` of the way to the
        next, ``(samples, T, n, 2)``: the stretch a rolling ball covers."""
        t = np.linspace(0.0, upto, samples)[:, None, None]
        xs = self.x[:-1] + t * np.diff(self.x, axis=0)  # (samples, T, n)
        with np.errstate(all="ignore"):
            return self.page.to_points(xs, self.surface.f(xs[..., None]))

    def _arc(self, k: int, i: int) -> np.ndarray | None:
        """The arc of jump ``k`` of start ``i`` on the page, ``(ARC_POINTS, 2)``: the chord
        from point to point, bowed up by at most :data:`ARC_RISE`, and lifted onto the
        curve wherever the curve rises above it (a step over a bump hugs the bump). So it
        reads as a step, not a flight: its top is never more than :data:`ARC_RISE` above
        the higher of its ends or of the curve between them. An end out of the view is
        taken to the curve's end on that side (where the cross marks the exit); a jump
        wholly out of the view has no arc (``None``)."""
        if not (self.inside[k, i] or self.inside[k + 1, i]):
            return None
        (x0, p0), (x1, p1) = self._in_view(k, i), self._in_view(k + 1, i)
        length = float(np.hypot(*(p1 - p0)))
        t = np.linspace(0.0, 1.0, ARC_POINTS)
        chord = (1 - t)[:, None] * p0 + t[:, None] * p1
        xs = np.linspace(x0, x1, ARC_POINTS)
        with np.errstate(all="ignore"):
            under = self.page.to_points(xs, self.surface.f(xs[:, None]))[:, 1]
        bow = 4 * t * (1 - t)
        rise = min(ARC_HEIGHT * length, ARC_RISE)
        y = np.fmax(chord[:, 1] + rise * bow, under + CURVE_WIDTH / 2)  # on the stroke, not in it
        y[[0, -1]] = p0[1], p1[1]
        return np.column_stack([chord[:, 0], y])

    def _in_view(self, k: int, i: int) -> tuple[float, np.ndarray]:
        """Step ``k`` of start ``i`` as ``(x, point on the page)``, a position out of the
        view moved to the curve's end on its side."""
        if self.inside[k, i]:
            return float(self.x[k, i]), self.contact[k, i]
        lo, hi = self.surface.domain[0]
        edge = hi if self.x[k, i] > hi else lo
        with np.errstate(all="ignore"):
            return edge, self.page.to_points(edge, self.surface.f(np.array([[edge]]))[0])

    # -- at a step ------------------------------------------------------------------------
    def split(self, s: float) -> tuple[int, float]:
        """Step ``s`` as a whole step ``k`` and the fraction of step ``k + 1`` done."""
        k = min(int(math.floor(s)), self.steps)
        return k, (s - k if k < self.steps else 0.0)

    def place(self, s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """At step ``s``: each ball's centre ``(n, 2)`` (points), the angle of its spoke
        ``(n,)`` (radians; it turns clockwise as the ball rolls right), whether it is shown
        ``(n,)`` and the direction of the curve under it ``(n, 2)``."""
        k, frac = self.split(s)
        n = self.x.shape[1]
        contact, normal, tangent = self.contact[k].copy(), self.normal[k].copy(), self.tangent[k]
        if frac > 0:
            nxt = k + 1
            for i in range(n):
                if self.jumps[k, i]:
                    arc = self.arcs.get((k, i), contact[i][None].repeat(2, 0))  # out: hidden
                    contact[i] = _along(arc, frac)
                    blend = (1 - frac) * self.normal[k, i] + frac * self.normal[nxt, i]
                    normal[i] = blend / np.linalg.norm(blend)
                else:
                    x = self.x[k, i] + frac * (self.x[nxt, i] - self.x[k, i])
                    with np.errstate(all="ignore"):
                        fx, g = self.surface.value_and_grad(np.array([x]))
                    contact[i] = self.page.to_points(x, fx)
                    normal[i] = self.page.normal(g[0])
        turned = between(self.travelled, k, frac)
        angle = math.pi / 2 - turned / self.radius
        centre = contact + lift(self.radius) * normal
        lo, hi = self.surface.domain[0]
        x = self.page.to_data(contact)[:, 0]
        shown = (x >= lo - 1e-9 * (hi - lo)) & (x <= hi + 1e-9 * (hi - lo))
        return centre, angle, shown & np.isfinite(centre).all(-1), tangent

    def arcs_until(self, s: float) -> tuple[list[np.ndarray], list[int]]:
        """The arcs of the jumps made by step ``s`` (the one in flight up to the ball),
        with the step each belongs to."""
        k, frac = self.split(s)
        drawn, steps = [], []
        for (j, _), arc in self.arcs.items():
            if j < k:
                drawn.append(arc)
            elif j == k and frac > 0:
                drawn.append(arc[: max(2, int(np.ceil(frac * (ARC_POINTS - 1))) + 1)])
            else:
                continue
            steps.append(j + 1)
        return drawn, steps

    def rolled_until(self, s: float) -> tuple[list[np.ndarray], list[int]]:
        """The stretches of curve rolled over by step ``s`` (the one under way up to the
        ball), each ``(m, 2)`` on the page, with the step each belongs to: the trail."""
        k, frac = self.split(s)
        if self._trail is None:
            self._trail = np.moveaxis(self._stretches(TRAIL_POINTS), 0, 2)  # (T, n, m, 2)
        rolled = ~self.jumps & self.inside[:-1] & self.inside[1:]
        drawn, steps = [], []
        for j, i in zip(*np.nonzero(rolled[:k]), strict=True):
            drawn.append(self._trail[j, i])
            steps.append(j + 1)
        if frac > 0:
            part = self._stretches(TRAIL_POINTS, frac)[:, k]  # (m, n, 2)
            for i in np.flatnonzero(rolled[k]):
                drawn.append(part[:, i])
                steps.append(k + 1)
        return drawn, steps

    def dots_until(self, s: float) -> tuple[np.ndarray, np.ndarray]:
        """The positions visited by step ``s`` on the page ``(m, 2)`` and their steps ``(m,)``."""
        k, _ = self.split(s)
        seen = self.inside[: k + 1]
        steps = np.nonzero(seen)[0]
        return self.contact[: k + 1][seen], steps

    def edge_points(self) -> np.ndarray:
        """Where each start left the view, on the page ``(n, 2)`` (the curve's end on the
        side it left by); meaningful where ``left_at >= 0``."""
        lo, hi = self.surface.domain[0]
        at = self.x[np.maximum(self.left_at, 0), np.arange(self.x.shape[1])]
        edge = np.where(at > hi, hi, lo)
        with np.errstate(all="ignore"):
            return self.page.to_points(edge, self.surface.f(edge[:, None]))


def between(values: np.ndarray, k: int, frac: float) -> np.ndarray:
    """``values`` (indexed by step) a fraction ``frac`` of the way from step ``k`` to the next."""
    nxt = min(k + 1, len(values) - 1)
    return values[k] + frac * (values[nxt] - values[k])


def _along(polyline: np.ndarray, frac: float) -> np.ndarray:
    """The point a fraction ``frac`` of the way along ``polyline`` (by its points)."""
    where = frac * (len(polyline) - 1)
    j = min(int(where), len(polyline) - 2)
    return polyline[j] + (where - j) * (polyline[j + 1] - polyline[j])


def spaced(pts: np.ndarray, steps: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Of the dots ``pts`` (on the page, oldest first), those at least ``gap`` from every
    newer one kept, the newest always kept: where a run crawls or passes a spot again
    and again, its dots would merge into a blur."""
    keep: list[int] = []
    for j in range(len(pts) - 1, -1, -1):
        if not keep or np.hypot(*(pts[keep] - pts[j]).T).min() >= gap:
            keep.append(j)
    keep.reverse()
    return pts[keep], steps[keep]


def fade(age: np.ndarray, tau: float, floor: float = 0.3) -> np.ndarray:
    """Opacity of a mark ``age`` steps old: 1 when new, down to ``floor`` (a trace of
    every past position stays)."""
    return floor + (1 - floor) * np.exp(-np.maximum(age, 0) / max(tau, 1e-9))


# ----------------------------------------------------------------------------- the artists
class Balls:
    """The moving marks of one run in one panel: fading dots, jump arcs, balls with their
    spokes, velocity arrows and a cross where a ball left the view. Build it once the
    layout is final; ``update(s)`` moves everything to step ``s`` and returns the artists.
    """

    def __init__(self, ax, traj, ps: paths.PathStyle, theme: str, *, animated: bool,
                 velocity: np.ndarray | None = None, arrow_scale: float = 0.0,
                 floor: float = 0.3, trail: bool | int = True):  # fmt: skip
        from matplotlib.collections import LineCollection
        from matplotlib.colors import to_rgba

        self.ax, self.theme = ax, theme
        self.page = Page.of(ax)
        many = np.ndim(traj.xy) == 3 and traj.xy.shape[1] > 1
        self.radius = RADIUS * (0.75 if many else 1.0)  # many starts: smaller balls
        self.roll = Roll(traj, self.page, self.radius)
        self.rgba = np.array(to_rgba(ps.color))
        self.tau, self.floor = max(3.0, traj.steps / 15), floor
        self.ghosts: list[np.ndarray] = []  # a still's strobe of balls, on the page
        self.trail = trail  # True: every past position; an int: that many steps; False: none
        self.velocity, self.arrow_scale = velocity, arrow_scale
        ink = style.ink(theme)
        ms = 2 * (self.radius - EDGE / 2)
        self.band = LineCollection([], lw=TRAIL_WIDTH, zorder=2.9, capstyle="round",
                                   joinstyle="round")  # fmt: skip
        ax.add_collection(self.band)
        # an animation draws its moving marks over the still background: the curve is
        # drawn again over the band, so the band stays under it there too
        self.curve = [line for line in ax.get_lines() if line.get_gid() == "curve"][:1]
        self.dot = 5.5 if many else 7.0  # a dot's diameter, points
        self.dots = ax.scatter([], [], s=self.dot**2, lw=0.8, zorder=4.0,
                               edgecolors=style.halo(theme))  # fmt: skip
        self.arcs = LineCollection([], lw=ARC_WIDTH, zorder=4.2, capstyle="round",
                                   linestyles=[(0, (3.0, 2.0))])  # fmt: skip
        ax.add_collection(self.arcs)
        starts = self.roll.x.shape[1]
        self.balls = [disk(ax, ms / 2, fc=ps.color, ec=ink, lw=EDGE, zorder=6)
                      for _ in range(starts)]  # fmt: skip
        self.spokes = LineCollection([], colors="white", lw=2.0, zorder=6.1, capstyle="round",
                                     clip_on=False)  # fmt: skip
        ax.add_collection(self.spokes)
        self.hubs = [disk(ax, 1.8, fc=ink, ec="white", lw=0.6, zorder=6.2) for _ in range(starts)]
        self.crosses = ax.plot([], [], ls="none", marker="X", ms=14, mfc=ps.color, mec=ink,
                               mew=1.2, zorder=6.3, clip_on=False)[0]  # fmt: skip
        self.exits = [self._exit_note(i, ink) for i in range(starts)]
        self.numbers = self._start_numbers(ink) if 1 < starts <= NUMBERED else []
        self.arrows = []
        if velocity is not None:
            from matplotlib.patches import FancyArrowPatch
            from matplotlib.patheffects import withStroke

            for _ in range(self.roll.x.shape[1]):
                arrow = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=16,
                                        shrinkA=0, shrinkB=0, lw=2.6, color=ps.color,
                                        zorder=6.4)  # fmt: skip
                arrow.set_path_effects([withStroke(linewidth=4.6, foreground=ink)])
                ax.add_patch(arrow)
                self.arrows.append(arrow)
        for artist in self.artists:
            artist.set_in_layout(False)
            artist.set_label("_nolegend_")
            artist.set_animated(animated)

    @property
    def artists(self) -> list:
        return [self.band, self.dots, self.arcs, *self.arrows, *self.balls, self.spokes,
                *self.hubs, self.crosses, *self.exits, *self.numbers]  # fmt: skip

    def _exit_note(self, i: int, ink: str):
        """ "left the view at step k" beside the cross where start ``i`` left, on the
        view's side of it (hidden until then, and for a start that never leaves)."""
        roll = self.roll
        k = int(roll.left_at[i])
        at = self.page.to_data(roll.edge_points()[i]) if k >= 0 else np.zeros(2)
        inward = 1.0 if k >= 0 and roll.x[k, i] < roll.surface.domain[0][0] else -1.0
        note = self.ax.annotate(f"left the view at step {k}", tuple(at),
                                xytext=(inward * 12.0, 6.0), textcoords="offset points",
                                ha="left" if inward > 0 else "right", va="bottom",
                                fontsize=style.at_least(EXIT_PT), color=ink,
                                fontweight="bold", zorder=6.3, annotation_clip=False)  # fmt: skip
        note.set_visible(False)
        return note

    def _start_numbers(self, ink: str) -> list:
        """Each start's number over its ball (a panel with several starts tells them
        apart), fanned out so that balls on one spot still show every number."""
        from matplotlib.patheffects import withStroke

        halo = [withStroke(linewidth=3.0, foreground=style.halo(self.theme))]
        n = self.roll.x.shape[1]
        return [self.ax.annotate(f"{i + 1}", (0.0, 0.0), xytext=(0.0, 0.0),
                                 textcoords="offset points", ha="center", va="center",
                                 fontsize=style.at_least(EXIT_PT), color=ink,
                                 fontweight="bold", zorder=6.5, path_effects=halo)
                for i in range(n)]  # fmt: skip

    def _place_numbers(self, centre: np.ndarray, shown: np.ndarray, normal: np.ndarray) -> None:
        """Start numbers just beyond their balls, fanned from the curve's normal by up to
        ±:data:`NUMBER_FAN`: over one spot they sit side by side, and none sits straight
        over its ball, where a still writes the step it ended at."""
        n = len(self.numbers)
        spread = np.radians(np.linspace(-NUMBER_FAN, NUMBER_FAN, n))
        reach = self.radius + 0.75 * EXIT_PT
        for i, note in enumerate(self.numbers):
            note.set_visible(bool(shown[i]))
            if not shown[i]:
                continue
            c, s = np.cos(spread[i]), np.sin(spread[i])
            m = normal[i]
            d = np.array([c * m[0] + s * m[1], -s * m[0] + c * m[1]])  # turned clockwise
            note.xy = tuple(self.page.to_data(centre[i]))
            note.xyann = tuple(reach * d)

    def update(self, s: float) -> list:
        roll, page = self.roll, self.page
        rolled, rolled_steps = roll.rolled_until(s)
        rolled_steps = np.array(rolled_steps, float)
        keep = self._recent(s, rolled_steps)
        self.band.set_segments([page.to_data(r) for r, k in zip(rolled, keep, strict=True) if k])
        self.band.set_color(
            self._faded(s - rolled_steps[keep], TRAIL_ALPHA, max(self.floor, TRAIL_FLOOR))
        )
        pts, steps = roll.dots_until(s)
        recent = self._recent(s, steps)
        pts, steps = spaced(pts[recent], steps[recent], DOT_SPACING * self.dot)
        self.dots.set_offsets(page.to_data(pts) if len(pts) else np.zeros((0, 2)))
        self.dots.set_facecolor(self._faded(s - steps, 0.9))
        arcs, arc_steps = roll.arcs_until(s)
        arc_steps = np.array(arc_steps, float)
        recent = self._recent(s, arc_steps)
        self.arcs.set_segments(
            [page.to_data(a) for a, keep in zip(arcs, recent, strict=True) if keep]
        )
        self.arcs.set_color(
            self._faded(s - arc_steps[recent], ARC_ALPHA, max(self.floor, ARC_FLOOR))
        )
        centre, angle, shown, tangent = roll.place(s)
        for i, c in enumerate(page.to_data(centre)):
            place(self.balls[i], c, shown[i])
            place(self.hubs[i], c, shown[i])
        if self.numbers:
            k, frac = roll.split(s)
            self._place_numbers(centre, shown, roll.normal[min(k + (frac > 0.5), roll.steps)])
        centre, tangent = centre[shown], tangent[shown]
        reach = 0.8 * (self.radius - EDGE)
        tip = centre + reach * np.stack([np.cos(angle[shown]), np.sin(angle[shown])], -1)
        self.spokes.set_segments(list(page.to_data(np.stack([centre, tip], 1))))
        gone = (roll.left_at >= 0) & (roll.left_at <= s)
        e = page.to_data(roll.edge_points()[gone])
        self.crosses.set_data(e[:, 0], e[:, 1])
        for note, out in zip(self.exits, gone, strict=True):
            note.set_visible(bool(out))
        self._arrows(s, centre, tangent, shown)
        return [self.band, *self.curve, *self.artists[1:]]

    def _recent(self, s: float, steps: np.ndarray) -> np.ndarray:
        """Which marks of ``steps`` the trail keeps at step ``s``."""
        if self.trail is True:
            return np.ones(len(steps), bool)
        return (s - steps <= int(self.trail)) & (self.trail is not False)

    def _faded(self, age: np.ndarray, top: float, floor: float | None = None) -> np.ndarray:
        rgba = np.tile(self.rgba, (len(age), 1))
        floor = self.floor if floor is None else floor
        rgba[:, 3] = top * fade(np.asarray(age, float), self.tau, floor)
        return rgba

    def _arrows(self, s: float, centre, tangent, shown) -> None:
        if not self.arrows:
            return
        k, frac = self.roll.split(s)
        v = between(self.velocity, k, frac)[shown]
        hidden = [a for a, on in zip(self.arrows, shown, strict=True) if not on]
        for arrow in hidden:
            arrow.set_visible(False)
        for arrow, c, t, vx in zip([a for a, on in zip(self.arrows, shown, strict=True) if on],
                                   centre, tangent, v, strict=True):  # fmt: skip
            length = min(abs(vx) * self.arrow_scale, ARROW_CLIP * ARROW * RADIUS)  # one scale
            arrow.set_visible(bool(length > 0.5))
            d = np.sign(vx) * t
            start, end = c + self.radius * d, c + (self.radius + length) * d
            a, b = self.page.to_data(np.array([start, end]))
            arrow.set_positions(tuple(a), tuple(b))


def disk(ax, radius: float, **style_kw):
    """A circle of ``radius`` points (round on the page whatever the axes' scales), placed
    by :func:`place`; a patch, so it lands on a fraction of a pixel (Agg rounds markers
    to whole pixels, which would lift a ball off the curve by up to one)."""
    from matplotlib.patches import Circle

    ball = Circle((0.0, 0.0), radius, clip_on=False, **style_kw)  # whole at the domain's ends
    ball.ax_for_placing = ax
    ax.add_patch(ball)
    ball.set_visible(False)
    return ball


def place(ball, xy, shown: bool = True) -> None:
    """Centre a :func:`disk` at data ``xy`` (its size stays in points, at any dpi)."""
    from matplotlib.transforms import Affine2D, ScaledTranslation

    ball.set_visible(bool(shown))
    if shown:
        ax = ball.ax_for_placing
        at = ScaledTranslation(float(xy[0]), float(xy[1]), ax.transData)
        ball.set_transform(Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans + at)


def velocities(race, glyphs: bool) -> tuple[list, float]:
    """Each run's velocity along x, ``(steps + 1, n)`` (``None`` for a rule without one),
    and one arrow scale (points per unit) for the race; nothing unless ``glyphs``."""
    if not glyphs:
        return [None] * len(race.trajectories), 0.0
    from .glyphs import raw_glyphs

    found = []
    for traj in race.trajectories:
        v = raw_glyphs(traj).get("velocity")
        found.append(None if v is None else v[..., 0])
    sizes = np.concatenate([np.abs(v).ravel() for v in found if v is not None] or [np.zeros(0)])
    sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
    scale = ARROW * RADIUS / float(np.percentile(sizes, 90)) if sizes.size else 0.0
    return found, scale
