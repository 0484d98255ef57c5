"""Fair comparisons and what a single trajectory cannot show.

- :func:`race_table` / :func:`format_table` / :func:`write_metrics` (from
  :mod:`optviz.engine.table`): the results of a race, one row per optimizer;
- :func:`sweep` and :func:`tune` (from :mod:`optviz.analysis.tuning`): final loss (or steps to
  converge) against the learning rate, every candidate rate of an optimizer run as one
  batched computation, and the best rate under a stated objective and horizon;
- :func:`basins`: which minimum each optimizer reaches from every start of a grid;
- :func:`curvature`: the domain shaded by the signs of the Hessian's eigenvalues;
- :func:`bands`: a noisy optimizer run with many seeds, as a fan and a loss band.

Every batched computation here is :func:`optviz.engine.runner.run_final` over blocks of starts
(:mod:`optviz.engine.final_runs`: no history, so memory grows with the starts, not the steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..catalog import Surface
from ..engine.final_runs import BLOCK_BYTES, final_states
from ..engine.optim import Optimizer, as_optimizers, optimizer
from ..engine.runner import NEVER, _starts, _steps, _surface, run
from ..engine.table import _nearest
from ..util import budget, defaults
from ..util.display import Preview, drawing
from ..util.errors import ParameterError

# -- basins of attraction -----------------------------------------------------------------------
DIVERGED = -2
NOT_CONVERGED = -1


def _symmetric_axis(lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` points from lo to hi, exactly mirror-symmetric about the middle."""
    u = np.linspace(-1.0, 1.0, n)
    u = (u - u[::-1]) / 2
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return mid + half * u


def start_grid(surface: Surface, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)`` of an ``n`` x ``n`` grid over the domain (``X[i, j]`` varies in j),
    exactly mirror-symmetric about the domain's centre lines."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= 2000:
        raise ParameterError(f"n={n!r} must be a whole number in 2..2000")
    (x0, x1), (y0, y1) = surface.domain
    return np.meshgrid(_symmetric_axis(x0, x1, n), _symmetric_axis(y0, y1, n))


def known_minima(surface: Surface) -> np.ndarray:
    """The surface's stated minima, or the minima :mod:`optviz.catalog.critical` finds."""
    if len(surface.minima):
        return np.asarray(surface.minima, float)
    from ..catalog.critical import critical_points

    pts = [c.xy for c in critical_points(surface) if c.kind == "minimum"]
    return np.asarray(pts, float).reshape(-1, 2)


@dataclass(frozen=True, eq=False)
class Basins(Preview):
    """Where each optimizer ends from every start of an ``n`` x ``n`` grid.

    ``labels[k, i, j]``: the index into ``minima`` of the minimum that optimizer ``k``
    reached from start ``(X[i, j], Y[i, j])`` (its final position within ``radius`` of
    it), ``-1`` (:data:`NOT_CONVERGED`) or ``-2`` (:data:`DIVERGED`).
    """

    _preview_options = {"size": "small"}

    surface: Surface
    optimizers: list[Optimizer]
    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray
    minima: np.ndarray
    radius: float
    steps: int

    def fractions(self) -> list[dict[str, float]]:
        """Per optimizer: the fraction of starts reaching each minimum, not converging
        and diverging (keys ``minimum 0``, ..., ``not converged``, ``diverged``)."""
        out = []
        for lab in self.labels:
            row = {f"minimum {m}": float(np.mean(lab == m)) for m in range(len(self.minima))}
            row["not converged"] = float(np.mean(lab == NOT_CONVERGED))
            row["diverged"] = float(np.mean(lab == DIVERGED))
            out.append(row)
        return out

    def plot(self, size: Any = "16:9", theme: str = "light", **kwargs: Any) -> Any:
        """One panel per optimizer; a Figure."""
        return drawing("analysis_plots.plot_basins")(self, size=size, theme=theme, **kwargs)


def basins(
    surface: Surface | str,
    optimizers: Any,
    *,
    n: int = 200,
    steps: int = 500,
    seed: int = 0,
    radius: float | None = None,
    **run_options: Any,
) -> Basins:
    """Label every start of an ``n`` x ``n`` grid by the minimum each optimizer reaches.

    One batched run per optimizer (only final positions are kept). A start has reached
    a minimum if its final position is within ``radius`` of it (default: 1% of the
    domain's diagonal); the minima are the surface's, or those
    :func:`optviz.catalog.critical.critical_points` finds. ``run_options`` (``schedule``,
    ``noise``, ``escape``, ...) are passed on as in :func:`optviz.engine.runner.run`.

    >>> b = basins("quadratic", ["gd:lr=0.1", "gd:lr=1.5"], n=5, steps=50)
    >>> int((b.labels[0] == 0).sum()), int((b.labels[1] == -2).sum())  # all but the centre
    (25, 24)
    """
    surf = _surface(surface)
    opts = as_optimizers(optimizers)
    if not opts:
        raise ParameterError("basins need at least one optimizer")
    X, Y = start_grid(surf, 2)  # checks n
    budget.check(budget.final_states(n * n, _steps(steps), len(opts), BLOCK_BYTES))  # all of it
    X, Y = start_grid(surf, n)
    minima = known_minima(surf)
    if radius is None:
        radius = 0.01 * surf.span
    if not (isinstance(radius, int | float) and math.isfinite(radius) and radius > 0):
        raise ParameterError(f"radius={radius!r} must be a number > 0")
    starts = np.stack([X, Y], -1)
    labels = np.empty((len(opts), n, n), dtype=int)
    for k, opt in enumerate(opts):
        res = final_states(surf, opt, starts, steps, seed=seed, **run_options)
        lab = np.full((n, n), NOT_CONVERGED)
        if len(minima):
            idx, dist = _nearest(res.final_xy, minima)
            lab = np.where(dist <= radius, idx, NOT_CONVERGED)
        labels[k] = np.where(res.diverged_at != NEVER, DIVERGED, lab)
    return Basins(surf, opts, X, Y, labels, minima, float(radius), int(steps))


# -- curvature -----------------------------------------------------------------------------------
CURVATURE_KINDS = ("convex", "concave", "saddle", "flat")
_FOR_CRITICAL = {"minimum": "convex", "maximum": "concave", "saddle": "saddle"}


def eigenvalues(hess: np.ndarray) -> np.ndarray:
    """Eigenvalues ``(..., 2)`` (ascending) of symmetric 2x2 matrices ``(..., 2, 2)``."""
    a, b, d = hess[..., 0, 0], (hess[..., 0, 1] + hess[..., 1, 0]) / 2, hess[..., 1, 1]
    mean, radius = (a + d) / 2, np.hypot((a - d) / 2, b)
    return np.stack([mean - radius, mean + radius], -1)


@dataclass(frozen=True, eq=False)
class Curvature(Preview):
    """The domain shaded by the signs of the Hessian's eigenvalues.

    ``kind[i, j]``: index into :data:`CURVATURE_KINDS` at ``(X[i, j], Y[i, j])``; an
    eigenvalue counts as zero (``flat``) when ``|λ| <= flat * scale``, where ``scale``
    is the surface's typical curvature (90th percentile over the grid of the largest
    Hessian entry, as :mod:`optviz.catalog.critical` measures it). ``critical``: the critical
    points (from :func:`optviz.catalog.critical.critical_points`).
    """

    surface: Surface
    X: np.ndarray
    Y: np.ndarray
    eigs: np.ndarray
    kind: np.ndarray
    scale: float
    flat: float
    critical: list = field(default_factory=list)

    def classify(self, xy: Any) -> np.ndarray:
        """Kind names (``convex``, ``concave``, ``saddle``, ``flat``) at ``xy`` (..., 2).

        >>> c = curvature(Surface.from_expr("x**2 - y**2"), n=20, critical=False)
        >>> c.classify([[0.5, 0.0], [1.0, 1.0]]).tolist()
        ['saddle', 'saddle']
        """
        with np.errstate(all="ignore"):
            eigs = eigenvalues(self.surface.hess(np.asarray(xy, float)))
        return np.asarray(CURVATURE_KINDS, dtype=object)[_kinds(eigs, self.flat * self.scale)]

    def fractions(self) -> dict[str, float]:
        """Share of the domain of each kind."""
        return {k: float(np.mean(self.kind == i)) for i, k in enumerate(CURVATURE_KINDS)}

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        return drawing("analysis_plots.plot_curvature")(self, ax=ax, **kwargs)


def _kinds(eigs: np.ndarray, zero: float) -> np.ndarray:
    sign = np.where(np.abs(eigs) <= zero, 0, np.sign(eigs)).astype(int)
    lo, hi = sign[..., 0], sign[..., 1]
    kind = np.full(lo.shape, 3)  # flat unless both eigenvalues are clearly non-zero
    kind[(lo > 0) & (hi > 0)] = 0
    kind[(lo < 0) & (hi < 0)] = 1
    kind[(lo < 0) & (hi > 0)] = 2
    return kind


def curvature(
    surface: Surface | str, *, n: int = 300, flat: float | None = None, critical: bool = True
) -> Curvature:
    """Classify every point of an ``n`` x ``n`` grid as convex (both eigenvalues of the
    Hessian > 0), concave (both < 0), saddle-like (opposite signs) or flat (some
    eigenvalue within ``flat`` times the surface's typical curvature of zero).

    ``flat`` defaults to the threshold :func:`optviz.catalog.critical.critical_points` uses, so
    the map and the critical points' kinds agree; raise it (say to 1e-3) to shade
    near-flat plateaus. ``critical``: also find the critical points, to mark them.

    >>> c = curvature("quadratic", n=10, critical=False)
    >>> c.fractions()["convex"]
    1.0
    """
    from ..catalog.critical import ZERO_EIGENVALUE

    surf = _surface(surface)
    X, Y = start_grid(surf, n)
    flat = ZERO_EIGENVALUE if flat is None else flat
    if isinstance(flat, bool) or not (isinstance(flat, int | float) and 0 <= flat < 1):
        raise ParameterError(f"flat={flat!r} must be a number in [0, 1)")
    with np.errstate(all="ignore"):
        hess = surf.hess(np.stack([X, Y], -1))
    eigs = eigenvalues(hess)
    big = np.abs(hess).max(axis=(-2, -1))
    big = big[np.isfinite(big)]
    scale = float(np.percentile(big, 90)) if len(big) else 1.0
    scale = scale if scale > 0 else 1.0
    points = []
    if critical:
        from ..catalog.critical import critical_points

        points = list(critical_points(surf))
    return Curvature(surf, X, Y, eigs, _kinds(eigs, flat * scale), scale, float(flat), points)


# -- noise bands ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Bands(Preview):
    """``seeds`` noisy runs of one optimizer from one start, and a noise-free reference.

    ``trajectory`` is one batched run from ``seeds`` copies of the start: each copy
    draws its own noise, which is the same in distribution as ``seeds`` separate runs
    with different seeds (not the same numbers).
    """

    _preview_options = {"size": "small"}

    trajectory: Any
    reference: Any
    quantiles: tuple[float, float]

    def loss_band(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(median, low, high)`` loss per step over the seeds."""
        lo, hi = self.quantiles
        loss = self.trajectory.loss
        return (
            np.median(loss, axis=1),
            np.quantile(loss, lo, axis=1),
            np.quantile(loss, hi, axis=1),
        )

    def plot(self, size: Any = "16:9", theme: str = "light", **kwargs: Any) -> Any:
        """The fan of trajectories on the contour and the loss band; a Figure."""
        return drawing("bandplots.plot_bands")(self, size=size, theme=theme, **kwargs)


def bands(
    surface: Surface | str,
    optimizer: Any,
    *,
    seeds: int = 20,
    steps: int = defaults.STEPS,
    noise: Any = "auto",
    start: Any = None,
    quantiles: tuple[float, float] = (0.1, 0.9),
    seed: int = 0,
    **run_options: Any,
) -> Bands:
    """Run ``optimizer`` with noise ``seeds`` times (one batched run) from one start.

    ``noise`` adds to the optimizer's own (``sgd``'s mini-batches or gradient noise);
    ``"auto"``: none beyond the optimizer's own, or ``grad=1`` if it brings none.

    >>> b = bands("quadratic", "gd:lr=0.1", seeds=8, steps=30, noise="grad=0.5")
    >>> b.trajectory.xy.shape, bool(b.loss_band()[0][-1] < b.loss_band()[0][0])
    ((31, 8, 2), True)
    """
    surf = _surface(surface)
    if (
        isinstance(seeds, bool)
        or not isinstance(seeds, int | np.integer)
        or not 2 <= seeds <= 10000
    ):
        raise ParameterError(f"seeds={seeds!r} must be a whole number >= 2")
    lo, hi = _quantiles(quantiles)
    p0 = _starts(surf, start)
    if p0.ndim != 1:
        raise ParameterError("bands run from one start (x, y); give a single start")
    opt = as_optimizers(optimizer)
    if len(opt) != 1:
        raise ParameterError("bands take one optimizer")
    if isinstance(noise, str) and noise == "auto":
        noise = None if opt[0].noise is not None else "grad=1.0"
    starts = np.tile(p0, (int(seeds), 1))
    traj = run(surf, opt[0], starts, steps, noise=noise, seed=seed, **run_options)
    reference = run(surf, _without_noise(opt[0]), p0, steps, **run_options)
    return Bands(traj, reference, (lo, hi))


def _without_noise(opt: Optimizer) -> Optimizer:
    # SGD brings its own gradient noise; the reference is the same rule without it
    return opt.with_lr(opt.lr) if opt.noise is None else optimizer("gd", **_gd_hyper(opt))


def _gd_hyper(opt: Optimizer) -> dict[str, Any]:
    from ..engine.builtin import GD

    return {k: v for k, v in opt.hyper.items() if k in GD.defaults}


def _quantiles(q: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in q)
    except (TypeError, ValueError):
        raise ParameterError(f"quantiles={q!r} must be two numbers, low < high") from None
    if not 0 <= lo < hi <= 1:
        raise ParameterError(f"quantiles={q!r} must satisfy 0 <= low < high <= 1")
    return lo, hi
