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

:mod:`.curveballs` turns a :class:`Roll` into matplotlib artists and moves them to any step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RADIUS = 11.0  # the ball's outer radius (outline included), points
EDGE = 1.4  # the ball's outline, points
CURVE_WIDTH = 2.6  # the curve's line, points
JUMP = 5.0  # a step longer than this many radii on the page is drawn as a jump
ARC_POINTS = 24  # points along a jump's arc
TRAIL_POINTS = 8  # points along the stretch of curve a step rolls over
ARC_HEIGHT = 0.25  # an arc's bow over its chord, as a share of the chord ...
ARC_RISE = 4.0  # ... and at most this many points: a jump reads as a step, not a flight
TURN_LEAST = 2.0  # a turning point is marked this many radii (along x) from the last one
OUT = 0.5  # positions beyond the domain are drawn at most this many domain widths out


@dataclass(frozen=True)
class Page:
    """How an axes maps data to points on the page: ``(x, y) -> ((x - x0) sx, (y - y0) sy)``.

    Read once the figure's layout is final (the axes' place and limits fixed).
    """

    x0: float
    y0: float
    sx: float  # points per unit of x
    sy: float  # points per unit of f(x)
    x1: float = math.inf  # the frame's right and top edges, data (unbounded: no frame)
    y1: float = math.inf

    @classmethod
    def of(cls, ax) -> Page:
        width, height = ax.bbox.width, ax.bbox.height  # pixels
        points = 72.0 / ax.figure.dpi
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        return cls(x0, y0, width * points / (x1 - x0), height * points / (y1 - y0), x1, y1)

    def exit_x(self, surface, side: float) -> float:
        """Where the curve leaves the frame past the domain's end ``side``: the farthest x
        from the domain, out to the frame's edge, at which the curve is still under the
        frame's top (a ball that left the view crossed the frame there). The domain's end
        where the page has no frame."""
        lo, hi = (float(v) for v in surface.domain[0])
        edge = self.x0 if side <= lo else self.x1
        if not math.isfinite(edge) or not math.isfinite(self.y1):
            return side
        xs = np.linspace(edge, side, 200)  # from the frame's edge inward
        with np.errstate(all="ignore"):
            under = surface.f(xs[:, None]) <= self.y1
        return float(xs[np.argmax(under)]) if under.any() else side

    def to_points(self, x, y) -> np.ndarray:
        """Data ``x, y`` (same shapes) to points ``(..., 2)``."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        return np.stack([(x - self.x0) * self.sx, (y - self.y0) * self.sy], -1)

    def held_in(self, pts: np.ndarray, margin: float) -> np.ndarray:
        """Points ``(..., 2)`` moved inside the frame by ``margin`` points at least: a
        marker at the frame's edge (a ball's cross where it left) is drawn whole, inside."""
        pts = np.asarray(pts, float)
        top = [(self.x1 - self.x0) * self.sx, (self.y1 - self.y0) * self.sy]
        hi = np.where(np.isfinite(top), np.asarray(top) - margin, np.inf)
        return np.clip(pts, margin, hi)

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
    starts axis ``n``. A position off the curve's span in view (``lo`` to ``hi``: where
    the curve leaves the frame, its domain without a frame) is not shown; ``left_at[i]``
    is the first step start ``i`` was out (-1: never). The view, not the domain: a ball
    just past the domain's end is still drawn in the frame, and "left the view at step k"
    must name the step it left the frame by.
    """

    def __init__(self, traj, page: Page, radius: float = RADIUS):
        surface = traj.surface
        self.page, self.radius, self.surface = page, radius, surface
        ends = [float(v) for v in surface.domain[0]]
        lo, hi = (page.exit_x(surface, end) for end in ends)
        self.lo, self.hi = lo, hi
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
        taken to where the curve leaves the frame on that side (where the cross marks the
        exit); a jump wholly out of the view has no arc (``None``)."""
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
        view moved to where the curve leaves the frame on its side."""
        if self.inside[k, i]:
            return float(self.x[k, i]), self.contact[k, i]
        edge = self.hi if self.x[k, i] > self.hi else self.lo
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
        centre = contact  # on the path point itself: a reader takes the centre as the position
        lo, hi = self.lo, self.hi
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
        ball), each ``(m, 2)`` on the page, with the step each belongs to: the trail.
        Every pass stays on the curve, a swing's too: passes lifted into lanes above the
        curve read as more curves, the ball flying (the turn ticks show where it swung)."""
        k, frac = self.split(s)
        if self._trail is None:
            self._trail = np.moveaxis(self._stretches(TRAIL_POINTS), 0, 2)  # (T, n, m, 2)
        rolled = ~self.jumps & self.inside[:-1] & self.inside[1:]
        drawn, steps = [], []
        for j, i in zip(*np.nonzero(rolled[:k]), strict=True):
            drawn.append(self._trail[j, i])
            steps.append(j + 1)
        if frac > 0:
            part = np.moveaxis(self._stretches(TRAIL_POINTS, frac)[:, k], 0, 1)  # (n, m, 2)
            for i in np.flatnonzero(rolled[k]):
                drawn.append(part[i])
                steps.append(k + 1)
        return drawn, steps

    def dots_until(self, s: float) -> tuple[np.ndarray, np.ndarray]:
        """The positions visited by step ``s`` on the page ``(m, 2)``, on the curve, and
        their steps ``(m,)``."""
        k, _ = self.split(s)
        steps, starts = np.nonzero(self.inside[: k + 1])
        return self.contact[steps, starts], steps

    def turns(self, least: float = TURN_LEAST) -> list[np.ndarray]:
        """Per start, the steps where the ball rolled to a stop and turned back (rolling,
        not jumping, on both sides), each at least ``least`` radii along x on the page from
        the last turn kept (or the start) and from where the ball ends: a swing's reach,
        not the jitter of settling nor an overshoot hidden under the ball at rest."""
        dx = np.diff(self.x, axis=0)
        out = []
        for i in range(self.x.shape[1]):
            kept, last, going = [], self.contact[0, i, 0], 0.0
            for k in range(1, self.steps):
                going = np.sign(dx[k - 1, i]) or going
                ahead = np.sign(dx[k, i])
                if not (going and ahead and ahead != going):
                    continue
                if self.jumps[k - 1, i] or self.jumps[k, i] or not self.inside[k, i]:
                    continue
                if abs(self.contact[k, i, 0] - last) >= least * self.radius:
                    kept.append(k)
                    last = self.contact[k, i, 0]
            end = self.contact[-1, i, 0]
            kept = [k for k in kept if abs(self.contact[k, i, 0] - end) >= least * self.radius]
            out.append(np.array(kept, int))
        return out

    def edge_points(self, margin: float = 0.0) -> np.ndarray:
        """Where each start left the view, on the page ``(n, 2)`` (where the curve leaves
        the frame on the side it left by, moved ``margin`` points inside the frame: a mark
        there is drawn whole); meaningful where ``left_at >= 0``."""
        at = self.x[np.maximum(self.left_at, 0), np.arange(self.x.shape[1])]
        edge = np.where(at > self.hi, self.hi, self.lo)
        with np.errstate(all="ignore"):
            at_edge = self.page.to_points(edge, self.surface.f(edge[:, None]))
        return self.page.held_in(at_edge, margin)


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
