"""What a claim's rule sees: one claim applied to one start of its runs (a :class:`Case`),
what the rule saw there (a :class:`Seen`), and the surface's critical points it names.

Distances are fractions of the surface's domain diagonal (``span``); the critical points
are :func:`optviz.catalog.critical.landmarks`' (with the one a run ends beside, should the
grid search have missed it). The rules are in :mod:`optviz.analysis.claim_paths` (on
paths) and :mod:`optviz.analysis.claim_measures` (on measurements and the surface).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .claim_grammar import Claim, ClaimError, Measured

POINT_KINDS = (
    "saddle", "minimum", "local", "deepest", "maximum", "degenerate", "inflection", "critical"
)  # fmt: skip
POINT_WORDS = {
    "saddle": "the saddle",
    "minimum": "a minimum",
    "local": "a local minimum",
    "deepest": "the deepest minimum",
    "maximum": "a maximum",
    "degenerate": "a flat point",
    "inflection": "a flat inflection point",  # a curve's: flat, neither minimum nor maximum
    "critical": "a critical point",
    "start": "its start",
}
ENDINGS = {
    "deepest": "the deepest minimum",
    "nearest": "the nearest minimum",
    "local": "a local minimum",
    "other": "another minimum",
    "any": "a minimum",
}
MINIMUM_KINDS = tuple(ENDINGS)


@dataclass(frozen=True)
class Seen:
    """What a rule saw on one start: whether the claimed thing happened, and its numbers."""

    holds: bool
    evidence: dict[str, float]
    step: int | None
    callout: str
    instead: str = ""  # what a negated claim's callout says: a positive fact of the picture
    instead_step: int | None = None  # where that shows ("" and None: it is not drawn)
    also: str = ""  # what the second run of a comparison gets as its own callout
    # (callout, also) for a picture without a loss panel, where it differs: only what a
    # map shows ("reaches the minimum at step 21", not "gets its loss down 1,000×")
    on_map: tuple[str, str] = ()


@dataclass
class Case:
    """One claim applied to one start: the runs, the options and where to find things."""

    m: Measured
    runs: tuple[int, ...]
    start: int
    opts: dict[str, Any]
    claim: Claim

    # -- positions on the surface (geometric claims) ----------------------------------------------
    def traj(self, j: int = 0) -> Any:
        return self.m.race.trajectories[self.runs[j]]

    def col(self, j: int = 0) -> int:
        """Run ``j``'s column for this start (a run from one start serves every start)."""
        return self.start if _columns(self.m, self.runs[j]) > 1 else 0

    def xy(self, j: int = 0) -> np.ndarray:
        t = self.traj(j)
        return t.xy[:, self.col(j)] if t.batched else t.xy

    def series(self, metric: str, j: int = 0) -> np.ndarray:
        """Run ``j``'s ``metric`` from this start."""
        return self.m.values(metric, self.runs[j])[:, self.col(j)]

    def loss(self, j: int = 0) -> np.ndarray:
        return self.series("loss", j)

    def diverged_at(self, j: int = 0) -> int:
        return int(np.atleast_1d(self.traj(j).diverged_at)[self.col(j)])

    @property
    def surface(self) -> Any:
        return self.m.race.surface

    @property
    def span(self) -> float:
        return float(self.surface.span)

    def who(self, j: int = 0) -> str:
        return self.m.shown[self.runs[j]]

    def than_whom(self) -> str:
        """The second run's name after the first's in one callout, without the optimizer
        they share: "GD (lr 0.4): 3× faster than lr 0.01" (a callout is read in
        passing; the legend and the leaders say whose the numbers are)."""
        first, second = self.who(0), self.who(1)
        kind, _, rest = second.partition(" (")
        if rest.endswith(")") and first.startswith(f"{kind} ("):
            return rest[:-1]
        return second

    def points(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Critical points of ``kind`` (:data:`POINT_KINDS`): positions ``(p, 2)``, values;
        with the one the run ends beside, if the search over the domain missed it."""
        xy, values = landmark_points(self.surface, kind, self.claim.text)
        extra = _critical_beside(self.surface, self.xy()[-1], kind)
        if extra is not None and (
            not len(xy) or _distance(extra[0][None], xy)[0] > 1e-6 * self.span
        ):
            xy, values = np.vstack([xy, extra[0]]), np.append(values, extra[1])
        return xy, values


# -- critical points ------------------------------------------------------------------------------
def landmark_points(surface: Any, kind: str, claim: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions and values of the surface's critical points of ``kind``: ``minimum``
    (the catalog's and those found), ``local`` / ``deepest`` (minima above / at the lowest),
    ``saddle``, ``maximum``, ``degenerate`` or ``critical`` (all of them)."""
    if not hasattr(surface, "hess"):
        raise ClaimError(f"claim '{claim}': a network's plane has no critical points to name")
    from ..catalog.critical import landmarks

    marks = landmarks(surface, limit=10**9).points
    wanted = {
        "minimum": ("global minimum", "local minimum"),
        "local": ("local minimum",),
        "deepest": ("global minimum",),
        "critical": tuple({m.kind for m in marks}),
    }.get(kind, (kind,))
    chosen = [m for m in marks if m.kind in wanted]
    xy = np.array([m.xy for m in chosen], float).reshape(-1, surface.dim)  # a curve's: (p, 1)
    return xy, np.array([m.value for m in chosen], float)


def _critical_beside(surface: Any, xy: np.ndarray, kind: str) -> tuple | None:
    """The critical point of ``kind`` that Newton's method on the gradient reaches from
    ``xy`` (``(position, value)``), or None: the grid search of
    :func:`optviz.catalog.critical.critical_points` can miss a point among many ripples."""
    from ..catalog import critical

    if not np.all(np.isfinite(xy)):
        return None
    with np.errstate(all="ignore"):
        q = critical._polish(surface, np.asarray(xy, float))
        if q is None or not np.all(np.isfinite(q)):
            return None
        found = _kind_at(surface, q)
    wanted = {
        "minimum": ("global minimum", "local minimum"),
        "local": ("local minimum",),
        "deepest": ("global minimum",),
    }.get(kind, (kind,))
    if found is None or (kind != "critical" and found not in wanted):
        return None
    return q, float(surface.f(q))


def _kind_at(surface: Any, q: np.ndarray) -> str | None:
    """The landmark kind of ``q`` if the gradient vanishes there (as the search judges it)."""
    from ..catalog import critical

    grid = critical._grid_starts(surface, 21)  # 21 x 21 over a surface, 84 along a curve
    gscale = critical._typical(np.linalg.norm(surface.grad(grid), axis=-1))
    hscale = critical._typical(np.abs(surface.hess(grid)).max(axis=(-2, -1)))
    if not np.linalg.norm(surface.grad(q)) <= 1e-7 * gscale + 1e-12:
        return None
    eig = np.linalg.eigvalsh(surface.hess(q))
    kind = critical.classify(eig, critical.ZERO_EIGENVALUE * hscale)
    if surface.is_curve and kind == "degenerate":  # a flat point of a curve has a name
        kind = critical._first_derivative_test(surface, q)
    if kind != "minimum":
        return kind
    lowest = min(
        [float(v) for v in surface.minima_values]
        + [p.value for p in critical.critical_points(surface) if p.kind == "minimum"],
        default=np.inf,
    )
    value = float(surface.f(q))
    return "global minimum" if value <= lowest + 1e-9 * max(1.0, abs(lowest)) else "local minimum"


def _distance(xy: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance of each position ``(T, 2)`` to the nearest of ``points``: ``(T,)``."""
    return np.min(np.linalg.norm(xy[:, None, :] - points[None], axis=-1), axis=1)


def _settled_from(inside: np.ndarray) -> int | None:
    """The first step from which ``inside`` holds to the end (None if not at the end)."""
    if not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    return int(outside[-1] + 1) if len(outside) else 0


def _columns(m: Measured, k: int) -> int:
    if m.race is not None and k < len(m.race.trajectories):
        t = m.race.trajectories[k]
        return t.xy.shape[1] if t.batched else 1
    metric = next(iter(m.series))
    return m.values(metric, k).shape[1]
