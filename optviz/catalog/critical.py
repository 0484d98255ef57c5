"""Critical points of a surface: where the gradient vanishes, classified by the Hessian.

The lecture notes' test, made exact: at a point with zero gradient, the eigenvalues of
the Hessian say what it is. Both positive: a ``minimum``; both negative: a ``maximum``;
one of each sign: a ``saddle``; one (numerically) zero: ``degenerate`` — the second
derivative cannot decide, as on a plateau, along a long furrow or at a monkey saddle.

Points are found by Newton's method on the gradient, started from a grid over the
domain and run on all starts at once with numpy, then polished one by one with
:func:`scipy.optimize.root` (the exact Hessian as Jacobian), deduplicated and kept
only inside the domain.

On a curve the Hessian is the one number ``f''(x)``, and where it vanishes the first
derivative's signs on either side decide: ``f'`` from negative to positive is a
(flat) ``minimum``, positive to negative a ``maximum``, and the same sign on both sides
a flat ``inflection`` point (``x³`` at 0), where the gradient vanishes and the curve
goes on downhill.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..util.errors import ParameterError
from .entries import surface as _load
from .library import Surface

KINDS = ("minimum", "saddle", "maximum", "degenerate", "inflection")
# What a view marks: minima split into the lowest ones and the others.
LANDMARK_KINDS = (
    "global minimum", "local minimum", "saddle", "maximum", "degenerate", "inflection"
)  # fmt: skip
# Above this many critical points a map would drown in markers: only the global
# minima are marked and the rest counted.
LANDMARK_LIMIT = 25

# A map whose values crowd into one band of this share of it or more has a plain (as
# Easom's flat ground around its hole); the map's levels are cut into this many bands.
PLAIN_SHARE = 0.4
PLAIN_BANDS = 30

# A Hessian eigenvalue counts as zero below this fraction of the surface's typical
# curvature (the 90th percentile of |H| over the start grid).
ZERO_EIGENVALUE = 1e-7
# Two points closer than this fraction of the domain's diagonal are the same point.
SAME_POINT = 1e-6

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class CriticalPoint:
    """One point with zero gradient: location, value, Hessian eigenvalues and kind.

    On a curve ``xy`` and ``eigenvalues`` have one entry each (``x`` and ``f''(x)``).
    """

    xy: tuple[float, ...]
    value: float
    eigenvalues: tuple[float, ...]  # ascending
    kind: str  # "minimum", "saddle", "maximum", "degenerate"; a curve's "inflection"

    def __repr__(self) -> str:
        where = ", ".join(f"{v:.6g}" for v in self.xy)
        eig = ", ".join(f"{v:.3g}" for v in self.eigenvalues)
        if len(self.xy) == 1:
            where, eig = f"{where},", f"{eig},"
        return (
            f"CriticalPoint({self.kind}, xy=({where}), value={self.value:.6g}, eigenvalues=({eig}))"
        )


def critical_points(surface: Surface | str, n: int = 41) -> list[CriticalPoint]:
    """Every critical point found in the surface's domain, classified.

    Newton's method is started from an ``n`` x ``n`` grid over the domain. The result
    is sorted by kind (minima, saddles, maxima, degenerate points) and, within a kind,
    by value, so ``critical_points(s)[0]`` is the lowest minimum found. Results are
    cached per surface.

    >>> pts = critical_points("himmelblau")
    >>> [sum(p.kind == k for p in pts) for k in ("minimum", "saddle", "maximum")]
    [4, 4, 1]
    >>> pts[-1]
    CriticalPoint(maximum, xy=(-0.270845, -0.923039), value=181.617, eigenvalues=(-45.6, -16.1))
    >>> [(p.kind, round(p.xy[0], 6)) for p in critical_points("flat_inflection")]
    [('minimum', -1.5), ('inflection', 0.0)]
    """
    s = surface if isinstance(surface, Surface) else _load(surface)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= 400:
        raise ParameterError(f"n={n!r} must be a whole number of grid starts per axis, 2..400")
    per_surface = _cache.setdefault(s, {})
    if n not in per_surface:
        with np.errstate(all="ignore"):
            per_surface[n] = tuple(_find(s, int(n)))
    return list(per_surface[n])


def classify(eigenvalues: Any, zero: float) -> str:
    """Name a critical point from its Hessian eigenvalues; ``|λ| <= zero`` counts as 0.

    >>> classify([1.0, 2.0], 1e-9), classify([-1.0, 2.0], 1e-9), classify([0.0, 2.0], 1e-9)
    ('minimum', 'saddle', 'degenerate')
    >>> classify([-3.0], 1e-9)  # a curve's one eigenvalue, f''(x)
    'maximum'
    """
    values = sorted(float(v) for v in eigenvalues)
    lo, hi = values[0], values[-1]
    if abs(lo) <= zero or abs(hi) <= zero:
        return "degenerate"
    if lo > 0:
        return "minimum"
    if hi < 0:
        return "maximum"
    return "saddle"


@dataclass(frozen=True)
class Landmark:
    """A point a view marks: where it is, its value and a kind of ``LANDMARK_KINDS``."""

    xy: tuple[float, ...]
    value: float
    kind: str


@dataclass(frozen=True)
class Landmarks:
    """The landmarks of a surface: the points to mark and how many were left out."""

    points: tuple[Landmark, ...]
    left_out: int

    def of_kind(self, kind: str) -> list[Landmark]:
        return [p for p in self.points if p.kind == kind]


def landmarks(
    surface: Surface | str, limit: int = LANDMARK_LIMIT, *, faint: bool = False
) -> Landmarks:
    """The points a view of ``surface`` marks: minima (global or local), saddles,
    maxima and degenerate points; above ``limit`` points, only the global minima.

    Points on a plain (:func:`plain_value`) whose value is within one band of the
    plain's are not marked unless ``faint``: the map draws that ground as flat, so a
    marker there would say the plain is bumpy (Easom's twelve ripples around its hole,
    a ten-thousandth of its depth, left out). Global minima are always marked.

    Minima are the critical points' and the catalog's own (a minimum where the surface
    is not smooth, as Ackley's at the origin, has no Hessian for the search to find).
    A minimum is global when its value is the lowest up to a millionth of the spread
    of the landmarks' values (so Himmelblau's four equal minima are all global).

    >>> marks = landmarks("himmelblau")
    >>> [len(marks.of_kind(k)) for k in ("global minimum", "local minimum", "saddle")]
    [4, 0, 4]
    >>> marks = landmarks("rastrigin")
    >>> [p.xy for p in marks.points], marks.left_out
    ([(0.0, 0.0)], 440)
    """
    s = surface if isinstance(surface, Surface) else _load(surface)
    found = critical_points(s)
    minima = _minima(s, found)
    others = [c for c in found if c.kind != "minimum"]
    values = [v for _, v in minima] + [c.value for c in others]
    low = min((v for _, v in minima), default=np.inf)
    spread = (max(values) - min(values)) if values else 0.0
    tol = 1e-6 * spread + 1e-12 * max(1.0, abs(low))
    marks = [
        Landmark(xy, v, "global minimum" if v <= low + tol else "local minimum") for xy, v in minima
    ]
    marks += [Landmark(c.xy, c.value, c.kind) for c in others]
    if not faint:
        marks = [m for m in marks if m.kind == "global minimum" or not _on_plain(s, m.value)]
    if len(marks) <= limit:
        return Landmarks(tuple(marks), 0)
    kept = tuple(m for m in marks if m.kind == "global minimum")
    return Landmarks(kept, len(marks) - len(kept))


def plain_value(surface: Surface | str) -> float | None:
    """The value of the surface's plain, or None if it has none: the median of the
    values in the most crowded of :data:`PLAIN_BANDS` even bands over its value range,
    when that band holds :data:`PLAIN_SHARE` of a grid over the domain or more. A map
    drawn with logarithmic levels (a valley whose walls rise by orders of magnitude) shows
    its low ground in many bands: it has no plain.

    >>> abs(plain_value("easom")) < 1e-6, plain_value("himmelblau")
    (True, None)
    """
    s = surface if isinstance(surface, Surface) else _load(surface)
    if s.is_curve or s.view.log_levels:
        return None
    z = s.grid(81)[2]
    z = z[np.isfinite(z)]
    if not len(z) or np.ptp(z) <= 0:
        return None
    band = np.clip(((z - z.min()) / np.ptp(z) * PLAIN_BANDS).astype(int), 0, PLAIN_BANDS - 1)
    counts = np.bincount(band, minlength=PLAIN_BANDS)
    crowded = int(np.argmax(counts))
    if counts[crowded] < PLAIN_SHARE * len(z):
        return None
    return float(np.median(z[band == crowded]))


def _on_plain(s: Surface, value: float) -> bool:
    """Whether ``value`` lies within one band (of :data:`PLAIN_BANDS`) of the plain's."""
    level = plain_value(s)
    if level is None:
        return False
    z = s.grid(81)[2]
    width = float(np.ptp(z[np.isfinite(z)])) / PLAIN_BANDS
    return abs(value - level) <= width


def _minima(s: Surface, found: list[CriticalPoint]) -> list[tuple[tuple[float, ...], float]]:
    """The catalog's minima and the search's, each once: ``[(xy, value), ...]``."""
    known = [
        (tuple(float(c) for c in xy), float(v))
        for xy, v in zip(s.minima, s.minima_values, strict=True)
    ]
    near = 1e-4 * s.span
    out = list(known)
    for c in found:
        apart = (np.linalg.norm(np.subtract(c.xy, xy)) > near for xy, _ in known)
        if c.kind == "minimum" and all(apart):
            out.append((c.xy, c.value))
    return out


# -- the search ---------------------------------------------------------------------------
def _grid_starts(s: Surface, n: int) -> np.ndarray:
    """Newton's starts: an ``n`` x ``n`` grid over a surface, ``4 n`` points along a curve
    (one variable needs no more to start beside every root)."""
    if s.is_curve:
        return np.linspace(*s.domain[0], 4 * n)[:, None]
    (x0, x1), (y0, y1) = s.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([X.ravel(), Y.ravel()], -1)


def _find(s: Surface, n: int) -> list[CriticalPoint]:
    starts = _grid_starts(s, n)
    span = s.span
    # Scales of the surface, for tolerances that do not depend on its units.
    g0 = np.linalg.norm(s.grad(starts), axis=-1)
    h0 = np.abs(s.hess(starts)).max(axis=(-2, -1))
    gscale = _typical(g0)
    hscale = _typical(h0)

    candidates = _batched_newton(s, starts, span, hscale)
    candidates = _unique(candidates, SAME_POINT * span * 100)
    found = []
    for p in candidates:
        q = _polish(s, p)
        if q is None or not _inside(q, s.domain, span):
            continue
        g = np.linalg.norm(s.grad(q))
        if not g <= 1e-7 * gscale + 1e-12:
            continue
        found.append(q)
    points = _unique(np.array(found).reshape(-1, s.dim), SAME_POINT * span)
    result = []
    for q in points:
        q = np.where(np.abs(q) < 1e-13 * span, 0.0, q)  # -1e-17 is 0 in every sense here
        eig = np.linalg.eigvalsh(s.hess(q))
        if not np.all(np.isfinite(eig)):
            continue
        kind = classify(eig, ZERO_EIGENVALUE * hscale)
        if s.is_curve and kind == "degenerate":
            kind = _first_derivative_test(s, q)
        result.append(
            CriticalPoint(
                xy=tuple(float(v) for v in q),
                value=float(s.f(q)),
                eigenvalues=tuple(float(v) for v in eig),
                kind=kind,
            )
        )
    return sorted(result, key=lambda c: (KINDS.index(c.kind), c.value, c.xy))


def _first_derivative_test(s: Surface, q: np.ndarray) -> str:
    """A flat critical point of a curve named by the signs of ``f'`` just beside it."""
    h = 1e-3 * s.span
    left, right = np.sign(s.grad(np.array([q - h, q + h]))[:, 0])
    if left < 0 < right:
        return "minimum"
    if left > 0 > right:
        return "maximum"
    return "inflection" if left == right != 0 else "degenerate"


def _typical(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.percentile(a, 90)) if a.size and np.percentile(a, 90) > 0 else 1.0


def _batched_newton(s: Surface, p: np.ndarray, span: float, hscale: float) -> np.ndarray:
    """Newton steps on the gradient for every start at once; returns where they settled.

    The step is the pseudo-inverse Newton step (directions of near-zero curvature are
    left alone) clipped to a tenth of the domain, so a start cannot be thrown far away
    by a nearly singular Hessian. Starts that leave the domain are dropped.
    """
    p = p.copy()
    alive = np.ones(len(p), dtype=bool)
    lo, hi = s.domain[:, 0], s.domain[:, 1]
    margin = 0.25 * (hi - lo)
    for _ in range(60):
        g, H = s.grad(p[alive]), s.hess(p[alive])
        lam, V = np.linalg.eigh(np.where(np.isfinite(H), H, 0.0))
        proj = np.einsum("nij,ni->nj", V, g)  # gradient in the eigenbasis
        small = np.abs(lam) <= 1e-12 * hscale
        coef = np.where(small, 0.0, proj / np.where(small, 1.0, lam))
        step = np.einsum("nij,nj->ni", V, coef)
        norm = np.linalg.norm(step, axis=-1, keepdims=True)
        step *= np.minimum(1.0, 0.1 * span / np.maximum(norm, 1e-300))
        p[alive] -= step
        bad = ~np.all(np.isfinite(p[alive]), axis=-1) | ~np.all(
            (p[alive] >= lo - margin) & (p[alive] <= hi + margin), axis=-1
        )
        idx = np.flatnonzero(alive)
        alive[idx[bad]] = False
        if not alive.any() or np.max(norm[~bad], initial=0.0) < 1e-13 * span:
            break
    return p[alive]


def _polish(s: Surface, p: np.ndarray) -> np.ndarray | None:
    from scipy.optimize import root

    res = root(s.grad, p, jac=s.hess, method="hybr", options={"xtol": 1e-14})
    q = res.x if np.all(np.isfinite(res.x)) else None
    if q is None:
        return None
    # hybr may stop early next to a degenerate point; keep the better of the two.
    return q if np.linalg.norm(s.grad(q)) <= np.linalg.norm(s.grad(p)) else p


def _inside(q: np.ndarray, domain: np.ndarray, span: float) -> bool:
    tol = 1e-9 * span
    return bool(np.all((q >= domain[:, 0] - tol) & (q <= domain[:, 1] + tol)))


def _unique(points: np.ndarray, tol: float) -> np.ndarray:
    """Merge points closer than ``tol`` (keeps the first of each cluster)."""
    if len(points) == 0:
        return points.reshape(0, points.shape[-1])
    # Exact duplicates (many starts converge to the same point) go first, in numpy.
    _, first = np.unique(np.round(points / tol), axis=0, return_index=True)
    points = points[np.sort(first)]
    order = np.lexsort(points.T[::-1])  # by x, then y
    kept: list[np.ndarray] = []
    for p in points[order]:
        if not kept or np.min(np.linalg.norm(np.array(kept) - p, axis=-1)) > tol:
            kept.append(p)
    return np.array(kept)
