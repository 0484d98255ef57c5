"""The built-in optimizers: torch.optim's rules (and Newton's), one class each.

Here: gradient descent and its momentum forms, Lion and Newton; by family in their own
modules, re-exported here: the adaptive methods (:mod:`.adaptive`), Rprop and ASGD
(:mod:`.classic`), L-BFGS (:mod:`.lbfgs`), Adafactor and Muon (:mod:`.per_tensor`).
torch's SparseAdam is left out: it takes sparse gradients only (a dense one raises "SparseAdam
does not support dense gradients"), and on the dense gradients of a surface or a network
it would be Adam that skips coordinates whose gradient is exactly zero, a memory saving
for embedding tables rather than another path.

A class names its rule (:mod:`optviz.engine.rules`, written once for the numpy and the
compiled engine), the hyperparameters the rule reads, its state (a NamedTuple whose
fields map to torch's state names) and the state's value before the first step. Its
docstring states the rule as math, with the paper and, where the notes write the rule
differently, how. Subclasses that keep the rule get the compiled engine too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..util.errors import ParameterError
from . import rules
from .optim import Optimizer, check_range, register


# -- gradient descent family ----------------------------------------------------------------
class MomentumState(NamedTuple):
    buf: np.ndarray


@register
class GD(Optimizer):
    r"""Gradient descent, ``torch.optim.SGD`` with full gradients.

    .. math::  p_t = p_{t-1} - \eta\, g_t

    The notes write it :math:`\theta = \theta - \eta \nabla_\theta J(\theta)`. With
    ``momentum > 0`` this is the heavy ball of :class:`Momentum` (torch's form).
    Cauchy (1847).
    """

    name = "gd"
    summary = "gradient descent: step against the gradient"
    reference = "Cauchy (1847)"
    checked_against = "torch.optim.SGD 2.13"
    defaults = {
        "lr": 0.01,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    }
    state_names = {"buf": "momentum_buffer"}

    def kept_state(self) -> dict[str, str]:
        return dict(self.state_names) if self.momentum > 0 else {}

    def validate(self) -> None:
        super().validate()
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ParameterError(f"{self.name}: nesterov needs momentum > 0 and dampening = 0")

    rule = staticmethod(rules.sgd)
    rule_keys = ("momentum", "dampening", "weight_decay", "nesterov")
    State, initial = MomentumState, (0.0,)


@register
class SGD(GD):
    r"""Stochastic gradient descent: the rule of :class:`GD` fed stochastic gradients.

    On an empirical-risk surface each step's gradient is the mean over a random
    mini-batch of ``batch_size`` rows; on an analytic surface Gaussian noise of standard
    deviation ``grad_noise`` is added to the gradient. Robbins & Monro (1951).
    """

    name = "sgd"
    summary = "gradient descent on noisy / mini-batch gradients"
    reference = "Robbins & Monro (1951)"
    checked_against = "torch.optim.SGD 2.13 (the rule; the noise is optviz's)"
    defaults = {**GD.defaults, "batch_size": 4, "grad_noise": 1.0}

    def validate(self) -> None:
        super().validate()
        check_range(self, "batch_size", self.batch_size >= 1, ">= 1")
        check_range(self, "grad_noise", self.grad_noise >= 0, ">= 0")

    @property
    def noise(self) -> Any:
        from .noise import Noise

        return Noise(grad=self.grad_noise, batch=self.batch_size, grad_only_without_data=True)


@register
class Momentum(GD):
    r"""Heavy-ball momentum in torch's form (``SGD(momentum=0.9)``).

    .. math::  b_t = \mu b_{t-1} + (1-\tau) g_t \quad (b_1 = g_1), \qquad
               p_t = p_{t-1} - \eta\, b_t

    The notes write :math:`v_t = \gamma v_{t-1} + \eta \nabla J`,
    :math:`\theta = \theta - v_t`: the same path for a constant learning rate
    (:math:`v = \eta b`), but torch multiplies by the *current* learning rate, so the
    two differ under a schedule. Polyak (1964).
    """

    name = "momentum"
    summary = "heavy ball: a velocity that accumulates gradients"
    reference = "Polyak (1964)"
    checked_against = "torch.optim.SGD 2.13"
    defaults = {**GD.defaults, "momentum": 0.9}


@register
class Nesterov(GD):
    r"""Nesterov momentum in torch's form (``SGD(momentum=0.9, nesterov=True)``).

    .. math::  b_t = \mu b_{t-1} + g_t, \qquad p_t = p_{t-1} - \eta (g_t + \mu b_t)

    Nesterov (1983); this look-ahead form is Sutskever et al. (2013).
    """

    name = "nesterov"
    summary = "momentum that looks ahead before it steps"
    reference = "Nesterov (1983); Sutskever et al. (2013)"
    checked_against = "torch.optim.SGD 2.13"
    defaults = {**GD.defaults, "momentum": 0.9, "nesterov": True}


class LionState(NamedTuple):
    m: np.ndarray


@register
class Lion(Optimizer):
    r"""Lion (EvoLved Sign Momentum), following its paper.

    .. math::  c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
               p_t = p_{t-1} - \eta\,(\mathrm{sign}(c_t) + \lambda p_{t-1}), \quad
               m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t

    Every coordinate moves by exactly :math:`\eta` (plus decay) each step.
    Chen et al. (2023), "Symbolic Discovery of Optimization Algorithms".
    """

    name = "lion"
    summary = "sign of an interpolated momentum: fixed-size steps"
    reference = "Chen et al. (2023)"
    defaults = {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}
    state_names = {"m": "exp_avg"}  # the name of torch-style Lion implementations

    rule = staticmethod(rules.lion)
    rule_keys = ("beta1", "beta2", "weight_decay")
    State, initial = LionState, (0.0,)


@register
class Newton(Optimizer):
    r"""Newton's method: jump to the stationary point of the local quadratic model.

    .. math::  p_t = p_{t-1} - \eta\, (H_t + \delta I)^{+} g_t

    (:math:`^{+}`: pseudo-inverse, so a flat direction is left alone instead of
    dividing by zero.) It finds the minimum of a quadratic bowl in one step with
    :math:`\eta = 1`, but it seeks *any* stationary point: on a saddle the model's
    stationary point is the saddle, so pure Newton is attracted to it while gradient
    methods slide away (Dauphin et al., 2014). Not in ``torch.optim``.
    """

    name = "newton"
    summary = "steps to the stationary point of the local quadratic (uses the Hessian)"
    reference = "Newton–Raphson; Dauphin et al. (2014) on saddles"
    defaults = {"lr": 1.0, "damping": 0.0}
    uses_hessian = True

    rule = staticmethod(rules.newton)
    rule_keys = ("damping",)

    def uncompiled_reason(self) -> str:
        # its step calls the rule on the two coordinates of each start, and the kernels do
        if type(self).step is Newton.step and type(self).step_on is Optimizer.step_on:
            return ""
        return f"{type(self).__name__} overrides the step of its rule"

    def step(self, p, g, state, lr, t, hess=None):
        if hess is None:
            raise ParameterError("newton needs the Hessian")
        if p.shape[-1] != 2:  # a network's weights
            return p - lr * pinv_solve(hess, g, self.damping), state
        lr = np.asarray(lr)[..., 0] if np.ndim(lr) == p.ndim else lr  # one rate per start
        with np.errstate(divide="ignore", invalid="ignore"):
            x, y = rules.newton(
                p[..., 0], p[..., 1], g[..., 0], g[..., 1],
                hess[..., 0, 0], hess[..., 0, 1], hess[..., 1, 1], lr, self.rule_hyper(),
            )  # fmt: skip
        return np.stack([x, y], axis=-1), state


def pinv_solve(hess: np.ndarray, g: np.ndarray, damping: float = 0.0) -> np.ndarray:
    """``(H + damping·I)^+ g`` for symmetric ``H`` ``(..., d, d)``; closed form for d = 2.

    Eigenvalues below ``1e-12`` times the largest in magnitude count as zero (the
    pseudo-inverse leaves that direction alone). For 2x2, a closed form rather than
    ``np.linalg.eigh``: many times faster over thousands of starts, never raises.
    Larger ``H`` (a network's weights) go through ``eigh``.

    >>> pinv_solve(np.array([[2.0, 0.0], [0.0, -4.0]]), np.array([2.0, 2.0])).tolist()
    [1.0, -0.5]
    >>> pinv_solve(np.diag([2.0, 0.0, -4.0]), np.array([2.0, 2.0, 2.0])).tolist()
    [1.0, 0.0, -0.5]
    """
    if hess.shape[-1] != 2:
        return _pinv_solve_eigh(hess, g, damping)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = hess[..., 0, 0], hess[..., 0, 1], hess[..., 1, 1]
        x, y = rules.newton(0.0, 0.0, g[..., 0], g[..., 1], *h, -1.0, (float(damping),))
    return np.stack([x, y], axis=-1)


def _pinv_solve_eigh(hess: np.ndarray, g: np.ndarray, damping: float) -> np.ndarray:
    w, v = np.linalg.eigh(hess + damping * np.eye(hess.shape[-1]))
    big = np.abs(w).max(axis=-1, keepdims=True)
    inv = np.where(np.abs(w) > 1e-12 * big, 1.0 / np.where(w == 0, 1.0, w), 0.0)
    along = np.einsum("...ji,...j->...i", v, g) * inv
    return np.einsum("...ij,...j->...i", v, along)


# the other families live in their own modules; importing them here registers them
from .adaptive import (  # noqa: E402, F401
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    AMSGrad,
    NAdam,
    RAdam,
    RMSprop,
)
from .classic import ASGD, Rprop  # noqa: E402, F401
from .lbfgs import LBFGS  # noqa: E402, F401
from .per_tensor import Adafactor, Muon  # noqa: E402, F401
