"""Sharpness along a path, and the learning rate's stability line it is held against.

The sharpness at a point is the Hessian's largest eigenvalue. Gradient descent on a
quadratic of curvature ``λ`` is stable only while ``λ < 2/lr``; heavy-ball momentum
while ``λ < (2 + 2β)/lr``. An adaptive method steps along ``P⁻¹ g``, so what it feels is
the *preconditioned* sharpness, the largest eigenvalue of ``P⁻¹H``; for Adam with
``P = diag(√v̂ + ε)`` the line is ``(2 + 2β₁)/((1 − β₁)·lr)``, 38/lr at β₁ = 0.9 (Cohen
et al., "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability",
2021; "Adaptive Gradient Methods at the Edge of Stability", 2022).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# state name (torch's) -> how the preconditioner is read from it
ADAPTIVE = {"exp_avg_sq": "adam", "square_avg": "rmsprop", "sum": "adagrad"}


def top_eigenvalue(hess: np.ndarray) -> np.ndarray:
    """The larger eigenvalue of symmetric 2x2 matrices ``(..., 2, 2)``, in closed form (a
    curve's ``(..., 1, 1)``: its one entry, f''(x)).

    >>> float(top_eigenvalue(np.array([[2.0, 1.0], [1.0, 2.0]])))
    3.0
    """
    if hess.shape[-1] == 1:
        return hess[..., 0, 0]
    a, b, d = hess[..., 0, 0], 0.5 * (hess[..., 0, 1] + hess[..., 1, 0]), hess[..., 1, 1]
    half = 0.5 * (a - d)
    return 0.5 * (a + d) + np.sqrt(half * half + b * b)


def preconditioned_top(hess: np.ndarray, precond: np.ndarray) -> np.ndarray:
    """Largest eigenvalue of ``P⁻¹H`` for ``P = diag(precond)`` (``precond > 0``), 2x2.

    ``P⁻¹H`` has the eigenvalues of the symmetric ``P^-½ H P^-½``.

    >>> float(preconditioned_top(np.diag([4.0, 1.0]), np.array([2.0, 1.0])))
    2.0
    """
    root = 1.0 / np.sqrt(precond)
    scaled = hess * root[..., :, None] * root[..., None, :]
    return top_eigenvalue(scaled)


def preconditioner(opt, state: dict[str, np.ndarray], lrs: np.ndarray) -> np.ndarray | None:
    """``P = √v̂ + ε`` at every position ``(steps + 1, ..., 2)``, from a run's recorded state.

    Position ``t`` gets the preconditioner of the step that leaves it (state ``t + 1``,
    which has seen the gradient there), the last position the last step's. ``v̂`` is
    Adam's bias-corrected ``exp_avg_sq`` (``max_exp_avg_sq`` with AMSGrad), RMSprop's
    ``square_avg`` (less ``grad_avg²`` when centered), Adagrad's ``sum``. ``None`` for an
    optimizer without a per-coordinate scale.
    """
    kind = next((ADAPTIVE[name] for name in state if name in ADAPTIVE), None)
    if kind is None:
        return None
    steps = len(lrs)
    after = np.minimum(np.arange(steps + 1) + 1, steps)
    hyper = opt.hyper
    if kind == "adam":
        v = state.get("max_exp_avg_sq", state["exp_avg_sq"])[after]
        t = np.maximum(after, 1).astype(float)
        v_hat = v / (1 - hyper["beta2"] ** t).reshape(-1, *([1] * (v.ndim - 1)))
        return np.sqrt(v_hat) + hyper["eps"]
    if kind == "rmsprop":
        v = state["square_avg"][after]
        if "grad_avg" in state:
            v = v - state["grad_avg"][after] ** 2
        return np.sqrt(v) + hyper["eps"]
    return np.sqrt(state["sum"][after]) + hyper["eps"]


@dataclass(frozen=True)
class Threshold:
    """A stability line: ``values`` ``(steps,)`` per step (it follows the schedule);
    ``preconditioned``: held against the preconditioned sharpness; ``formula`` in words."""

    values: np.ndarray
    preconditioned: bool
    formula: str


def threshold(opt, lrs: np.ndarray) -> Threshold | None:
    """The stability line of ``opt`` at rates ``lrs``, or ``None`` where none is known.

    >>> from optviz.engine.optim import optimizer
    >>> threshold(optimizer("gd"), np.array([0.1])).values.tolist()
    [20.0]
    >>> t = threshold(optimizer("adam"), np.array([0.01]))
    >>> round(float(t.values[0]), 6), t.formula
    (3800.0, '(2+2β₁)/((1−β₁)·lr)')
    """
    lrs = np.asarray(lrs, float)
    h = opt.hyper
    with np.errstate(divide="ignore"):
        if opt.name in ("adam", "adamw", "amsgrad", "nadam", "radam"):
            b1 = h["beta1"]
            return Threshold((2 + 2 * b1) / ((1 - b1) * lrs), True, "(2+2β₁)/((1−β₁)·lr)")
        if opt.name == "rmsprop" and h["momentum"] == 0:
            return Threshold(2 / lrs, True, "2/lr")
        if opt.name == "adagrad":
            return Threshold(2 / lrs, True, "2/lr")
        if "momentum" in h and "nesterov" in h and h["dampening"] == 0:
            beta = h["momentum"]
            if beta == 0:
                return Threshold(2 / lrs, False, "2/lr")
            if h["nesterov"]:
                return Threshold((2 + 2 * beta) / ((1 + 2 * beta) * lrs), False,
                                 "(2+2β)/((1+2β)·lr)")  # fmt: skip
            return Threshold((2 + 2 * beta) / lrs, False, "(2+2β)/lr")
    return None
