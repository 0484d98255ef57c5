"""How fast a run converges, read from its path: the per-step rate, and its closed form.

:func:`tail_rate` measures, for many runs at once, the per-step factor by which the
distance to the minimum shrinks over the run's tail. :func:`heavy_ball_rate` is what that
factor is on a quadratic, in closed form: the spectral radius of the iteration (Polyak,
1964; Goh, "Why Momentum Really Works", Distill 2017).
"""

from __future__ import annotations

import numpy as np

FLOOR = 1e-250  # distances below this are lost to underflow, not to the optimizer
ROUNDING = 1e3 * np.finfo(float).eps  # a distance this small relative to |x*| is rounding
NEWTON_STEPS = 200  # bounds the tangent's search; rows take a handful (bisection: ~60)


def distance_floor(minimum: np.ndarray) -> float:
    """Below this distance to ``minimum`` a path has reached what float64 can resolve."""
    return max(FLOOR, ROUNDING * float(np.abs(minimum).max(initial=0.0)))


def tail_rate(distance: np.ndarray, ends: np.ndarray, first: int = 0) -> np.ndarray:
    """Per-step factor by which ``distance`` shrinks over each run's tail.

    ``distance`` ``(k, n)``: steps ``first..first + k - 1`` of ``n`` runs. ``ends[i]``: the
    last step of run ``i`` that counts (before it diverged or reached the floor). The tail
    is the second half of ``0..ends[i]``, which must lie in the given steps. An
    oscillating path (momentum's spiral, a zig-zag) is measured along its upper envelope:
    the slope of the common upper tangent, in ``log distance`` against the step, of a
    window at the tail's start and one at its end. That tangent touches peaks of the
    oscillation in both windows, so the phase at which the run stops does not matter. A
    run with fewer than four steps to measure gets the mean factor over the steps it has
    (which needs ``first == 0``); a run that started at the minimum gets 0.

    >>> t = np.arange(301)[:, None]
    >>> d = 0.9**t * np.abs(np.cos(0.7 * t + 0.3)) + 0 * t  # a spiral shrinking by 0.9
    >>> float(np.round(tail_rate(d, np.array([300]))[0], 6))
    0.9
    >>> float(np.round(tail_rate(d[150:], np.array([300]), first=150)[0], 6))  # its tail only
    0.9
    """
    distance = np.asarray(distance, float)
    ends = np.asarray(ends, int)
    n = distance.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(distance)
    cols = np.arange(n)
    short = ends < 4
    start = np.where(short, first, ends // 2)
    width = np.maximum(1, (ends - start) // 3)
    most = int(width.max(initial=1))
    offset = np.arange(most)
    inside = offset[None, :] < width[:, None]
    early_t = np.minimum(start[:, None] + offset[None, :], ends[:, None])
    late_t = np.maximum(ends[:, None] - offset[None, :], start[:, None])
    kept = len(logs) - 1
    early = np.where(inside, logs[np.clip(early_t - first, 0, kept), cols[:, None]], -np.inf)
    late = np.where(inside, logs[np.clip(late_t - first, 0, kept), cols[:, None]], -np.inf)
    slope = _bridge_slope(early, early_t, late, late_t)  # short rows: replaced below
    # too short a run for windows: the mean factor over the steps it has
    first_log, last_log = logs[0], logs[np.clip(ends - first, 0, kept), cols]
    mean = (last_log - first_log) / np.maximum(ends, 1)
    slope = np.where(short, mean, slope)
    rate = np.exp(slope)
    return np.where((ends <= 0) & ~(distance[0] > 0), 0.0, rate)


def _bridge_slope(early, early_t, late, late_t) -> np.ndarray:
    """The slope of the common upper tangent of the early and the late points, per row.

    ``g(k) = max_j(L_j - k·τ_j) - max_i(E_i - k·s_i)`` falls strictly as ``k`` grows (every
    late step comes after every early one) and is piecewise linear; its root is the
    tangent's slope. Newton's step from ``k`` is the slope of the line through the two
    points that attain the maxima, so it lands on the root once both are the tangent's
    own points; a bracket (bisection where Newton leaves it) makes every row converge.
    The answer is the slope through two of the points, exactly, and each row's own
    arithmetic, so it does not depend on which rows share a batch. Points at ``-inf``
    (outside a window) never attain a maximum.
    """
    with np.errstate(invalid="ignore", divide="ignore"):  # a bracket's infinite side
        return _newton_bridge(early, early_t, late, late_t)


def _newton_bridge(early, early_t, late, late_t) -> np.ndarray:
    n = len(early)
    lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
    rows = np.arange(n)
    i, j = early.argmax(axis=1), late.argmax(axis=1)  # start: through the highest points
    k = (late[rows, j] - early[rows, i]) / (late_t[rows, j] - early_t[rows, i])
    todo = rows
    for _ in range(NEWTON_STEPS):  # rows leave ``todo`` as they converge
        kk, r = k[todo], np.arange(len(todo))
        a = late[todo] - kk[:, None] * late_t[todo]
        b = early[todo] - kk[:, None] * early_t[todo]
        j, i = a.argmax(axis=1), b.argmax(axis=1)
        g = a[r, j] - b[r, i]
        lo[todo] = np.where(g > 0, kk, lo[todo])
        hi[todo] = np.where(g < 0, kk, hi[todo])
        newton = (late[todo, j] - early[todo, i]) / (late_t[todo, j] - early_t[todo, i])
        inside = (newton > lo[todo]) & (newton < hi[todo])
        bounded = np.isfinite(lo[todo]) & np.isfinite(hi[todo])
        # Newton leaves the bracket only by rounding next to the root: bisect, or stop
        # where there is no bracket yet
        stop = (g == 0) | (newton == kk) | ~(inside | bounded)
        new = np.where(stop, kk, np.where(inside, newton, 0.5 * (lo[todo] + hi[todo])))
        k[todo] = new
        todo = todo[~stop & (new != kk)]
        if not len(todo):
            break
    return k


def spectral_radius_2x2(a, b, c, d) -> np.ndarray:
    """Largest eigenvalue modulus of ``[[a, b], [c, d]]`` (arrays broadcast)."""
    half_trace = 0.5 * (a + d)
    det = a * d - b * c
    disc = half_trace * half_trace - det
    real = np.abs(half_trace) + np.sqrt(np.maximum(disc, 0.0))
    return np.where(disc >= 0, real, np.sqrt(np.maximum(det, 0.0)))


def heavy_ball_rate(
    lr, momentum, curvatures, *, dampening=0.0, weight_decay=0.0, nesterov=False
) -> np.ndarray:
    """Closed-form rate of torch's SGD (momentum, Nesterov) on a quadratic.

    On ``f = ½ xᵀHx`` each eigen-direction of ``H`` (curvature ``λ``, with weight decay
    ``λ + wd``) evolves linearly in ``(p, buf)``: heavy ball
    ``M = [[1 − α(1−τ)λ, −αβ], [(1−τ)λ, β]]``; Nesterov ``[[1 − αλ(1+β), −αβ²], [λ, β]]``.
    The rate is the largest spectral radius over the curvatures: ``|1 − αλ|`` without
    momentum, ``√β`` wherever the roots are complex.

    >>> float(heavy_ball_rate(0.1, 0.0, [1.0, 10.0]))  # max(|1 - 0.1|, |1 - 1|)
    0.9
    >>> float(heavy_ball_rate(0.1, 0.25, [10.0]))  # (1 - √β)² = αλ: critically damped
    0.5
    """
    lr, momentum = np.broadcast_arrays(np.asarray(lr, float), np.asarray(momentum, float))
    worst = np.zeros(lr.shape)
    for curvature in np.atleast_1d(np.asarray(curvatures, float)):
        lam = curvature + weight_decay
        if nesterov:
            a, b = 1 - lr * lam * (1 + momentum), -lr * momentum * momentum
            c, d = np.full(lr.shape, lam), momentum
        else:
            kept = 1 - dampening
            a, b = 1 - lr * kept * lam, -lr * momentum
            c, d = np.full(lr.shape, kept * lam), momentum
        worst = np.maximum(worst, spectral_radius_2x2(a, b, c, d))
    return worst
