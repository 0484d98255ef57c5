"""Sharpness of a network's loss: the top Hessian eigenvalue from gradients alone.

A network's Hessian is ``d x d``; forming it costs ``d`` gradients. Lanczos needs only
Hessian-vector products, each taken here as a central difference of the exact
(backpropagated) gradient::

    H v ≈ (∇L(θ + h v) − ∇L(θ − h v)) / (2h),   |v| = 1

whose error is ``h²/6 · ∇³L[v, v, v]``-sized, below 1e-8 relative for ``h = 1e-5`` on the
smooth losses here (tanh, softmax cross-entropy, squared error), far under the changes
the sharpness makes along a run. :func:`top_hessian_eigenvalue` runs ``iterations``
Lanczos steps (full reorthogonalization) and returns the largest Ritz value, which
converges to the top eigenvalue from below, fastest when it stands apart.

This module knows networks only through a gradient function, so it needs nothing from
:mod:`optviz.nets`: :func:`network_sharpness` takes a net (anything with
``loss_and_grad(theta, x, y)``) and its data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..engine.sharpness import Threshold, threshold

STEP = 1e-5  # finite-difference step, relative to max(1, |θ|∞)
ITERATIONS = 20


def hvp(grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, v: np.ndarray,
        step: float = STEP) -> np.ndarray:  # fmt: skip
    """``H(θ) v`` by central differences of ``grad``."""
    h = step * max(1.0, float(np.abs(theta).max()))
    return (grad(theta + h * v) - grad(theta - h * v)) / (2 * h)


def top_hessian_eigenvalue(
    grad: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    *,
    iterations: int = ITERATIONS,
    seed: int = 0,
    step: float = STEP,
) -> float:
    """The largest eigenvalue of the Hessian at ``theta`` by Lanczos on ``hvp``.

    >>> a = np.diag([1.0, 4.0, -2.0])
    >>> round(top_hessian_eigenvalue(lambda t: a @ t, np.zeros(3)), 8)
    4.0
    """
    theta = np.asarray(theta, float)
    d = len(theta)
    k = min(iterations, d)
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(d)
    q /= np.linalg.norm(q)
    basis = np.empty((k, d))
    alpha, beta = np.zeros(k), np.zeros(k)
    prev, b = np.zeros(d), 0.0
    m = k
    for j in range(k):
        basis[j] = q
        w = hvp(grad, theta, q, step) - b * prev
        alpha[j] = q @ w
        w -= alpha[j] * q
        w -= basis[: j + 1].T @ (basis[: j + 1] @ w)  # full reorthogonalization
        b = float(np.linalg.norm(w))
        if j + 1 < k:
            beta[j] = b
        if b < 1e-12 * max(1.0, abs(alpha[j])):  # an invariant subspace: exact
            m = j + 1
            break
        prev, q = q, w / b
    tri = np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1) + np.diag(beta[: m - 1], -1)
    return float(np.linalg.eigvalsh(tri)[-1])


def network_sharpness(
    net, x: np.ndarray, y: np.ndarray, params: np.ndarray, **options
) -> np.ndarray:
    """The sharpness at every row of ``params`` ``(steps + 1, d)`` on data ``(x, y)``."""

    def grad(theta: np.ndarray) -> np.ndarray:
        return net.loss_and_grad(theta, x, y)[1]

    return np.array([top_hessian_eigenvalue(grad, theta, **options) for theta in params])


def dense_hessian(grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray,
                  step: float = STEP) -> np.ndarray:  # fmt: skip
    """The ``d x d`` Hessian by the same central differences, column by column (symmetrized)."""
    d = len(theta)
    cols = np.array([hvp(grad, theta, e, step) for e in np.eye(d)])
    return 0.5 * (cols + cols.T)


@dataclass(frozen=True, eq=False)
class SharpnessRun:
    """A network run's sharpness beside its stability line.

    ``at`` ``(k,)``: the steps measured; ``sharpness`` ``(k,)`` there; ``loss``
    ``(steps + 1,)`` and ``lr`` ``(steps,)`` of the run; ``line``: the optimizer's
    :class:`~optviz.engine.sharpness.Threshold` (``None``: no known line).
    """

    label: str
    at: np.ndarray
    sharpness: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    line: Threshold | None

    def line_at(self) -> np.ndarray:
        """The stability line at the measured steps (the rate of the step leaving each)."""
        if self.line is None:
            return np.full(len(self.at), np.nan)
        return self.line.values[np.minimum(self.at, len(self.line.values) - 1)]

    def ratio(self) -> np.ndarray:
        """Sharpness over the line at each measured step (1: at the edge)."""
        return self.sharpness / self.line_at()


def along_run(run, x: np.ndarray, y: np.ndarray, points: int = 100, **options) -> SharpnessRun:
    """The sharpness of a network run (a ``NetRun``) at ``points`` evenly spaced steps."""
    steps = len(run.lr)
    at = np.unique(np.linspace(0, steps, min(points, steps + 1)).round().astype(int))
    values = network_sharpness(run.network, x, y, run.params[at], **options)
    return SharpnessRun(run.label, at, values, run.loss, run.lr, threshold(run.optimizer, run.lr))
