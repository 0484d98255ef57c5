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

from ..engine.sharpness import Threshold, preconditioner, threshold
from ..util.errors import ParameterError

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
    precondition: np.ndarray | None = None,
) -> float:
    """The largest eigenvalue of the Hessian at ``theta`` by Lanczos on ``hvp``.

    ``precondition``: ``P`` ``(d,)`` (positive): the largest eigenvalue of ``P⁻¹H``
    instead, which is that of the symmetric ``P^-½ H P^-½`` (what an adaptive optimizer
    with preconditioner ``P`` feels).

    >>> a = np.diag([1.0, 4.0, -2.0])
    >>> round(top_hessian_eigenvalue(lambda t: a @ t, np.zeros(3)), 8)
    4.0
    >>> round(top_hessian_eigenvalue(lambda t: a @ t, np.zeros(3),
    ...                              precondition=np.array([0.5, 8.0, 1.0])), 8)
    2.0
    """
    theta = np.asarray(theta, float)
    if precondition is not None:
        root = 1.0 / np.sqrt(np.asarray(precondition, float))
        inner = grad

        def grad(t: np.ndarray) -> np.ndarray:  # ∇ of L(θ + R(t − θ)), R = P^-½: R H R
            return root * inner(theta + root * (t - theta))

        step = step / float(root.max())  # the same step in θ as without it
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
    preconditioned: bool = False  # the sharpness of P⁻¹H, as the line asks

    def line_at(self) -> np.ndarray:
        """The stability line at the measured steps (the rate of the step leaving each)."""
        if self.line is None:
            return np.full(len(self.at), np.nan)
        return self.line.values[np.minimum(self.at, len(self.line.values) - 1)]

    def ratio(self) -> np.ndarray:
        """Sharpness over the line at each measured step (1: at the edge)."""
        return self.sharpness / self.line_at()


def along_run(run, x: np.ndarray, y: np.ndarray, points: int = 100, **options) -> SharpnessRun:
    """The sharpness of a network run (a ``NetRun``) at ``points`` evenly spaced steps.

    Where the optimizer's line is held against the preconditioned sharpness (Adam,
    RMSprop, Adagrad), that is what is measured: ``P`` is read from the optimizer's
    state, which a full-batch run gives again exactly by stepping the optimizer along
    the recorded weights (:func:`replayed_state`).
    """
    steps = len(run.lr)
    at = np.unique(np.linspace(0, steps, min(points, steps + 1)).round().astype(int))
    line = threshold(run.optimizer, run.lr)
    if line is None or not line.preconditioned:
        values = network_sharpness(run.network, x, y, run.params[at], **options)
        return SharpnessRun(run.label, at, values, run.loss, run.lr, line)
    if run.batch_size < len(x):
        raise ParameterError(
            f"{run.label}: its preconditioned sharpness needs a full-batch run (its state "
            "is rebuilt from the weights); use batch_size=None"
        )
    scale = preconditioner(run.optimizer, replayed_state(run, x, y), run.lr)

    def grad(theta: np.ndarray) -> np.ndarray:
        return run.network.loss_and_grad(theta, x, y)[1]

    values = np.array([
        top_hessian_eigenvalue(grad, run.params[t], precondition=scale[t], **options) for t in at
    ])  # fmt: skip
    return SharpnessRun(run.label, at, values, run.loss, run.lr, line, preconditioned=True)


def replayed_state(run, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The optimizer's state (torch's names) before the first step and after each,
    ``(steps + 1, d)`` each, from a full-batch run's weights: each step is taken again
    from the recorded weights with the gradient there, so the state is the run's own."""
    opt, params = run.optimizer, run.params
    names = opt.kept_state()
    out = {name: np.zeros(params.shape) for name in names.values()}
    state = opt.init(params[0])
    for field, name in names.items():
        out[name][0] = getattr(state, field)
    for t, lr in enumerate(run.lr):
        if run.diverged_at >= 0 and t >= run.diverged_at:
            for name in out.values():
                name[t + 1 :] = name[t]  # frozen, as the weights are
            break
        g = run.network.loss_and_grad(params[t], x, y)[1]
        _, state = opt.step(params[t], g, state, lr, t + 1)
        for field, name in names.items():
            out[name][t + 1] = getattr(state, field)
    return out
