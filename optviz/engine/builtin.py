"""The built-in optimizers: torch.optim's rules (and Newton's), one class each.

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
    defaults = {**GD.defaults, "momentum": 0.9, "nesterov": True}


# -- adaptive methods ---------------------------------------------------------------------------
class SumState(NamedTuple):
    sum: np.ndarray


@register
class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    .. math::  \tilde\eta_t = \frac{\eta}{1 + (t-1)\,\mathrm{lr\_decay}}, \quad
               s_t = s_{t-1} + g_t^2, \quad
               p_t = p_{t-1} - \tilde\eta_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    Each coordinate's step shrinks with the sum of its squared gradients. Duchi,
    Hazan & Singer (2011).
    """

    name = "adagrad"
    summary = "per-coordinate steps shrinking with the sum of squared gradients"
    reference = "Duchi, Hazan & Singer (2011)"
    defaults = {
        "lr": 0.1,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    }
    state_names = {"sum": "sum"}

    rule = staticmethod(rules.adagrad)
    rule_keys = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")
    State, initial = SumState, ("initial_accumulator_value",)


class AdadeltaState(NamedTuple):
    square_avg: np.ndarray
    acc_delta: np.ndarray


@register
class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta`` (``lr`` multiplies the update).

    .. math::  v_t = \rho v_{t-1} + (1-\rho) g_t^2, \quad
               \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,
               \quad u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2, \quad
               p_t = p_{t-1} - \eta \Delta_t

    Zeiler (2012). The notes present it as Adagrad with a decaying denominator; the
    ratio of running RMS values makes the step size unit-consistent.
    """

    name = "adadelta"
    summary = "unit-consistent steps from two running averages"
    reference = "Zeiler (2012)"
    defaults = {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}
    state_names = {"square_avg": "square_avg", "acc_delta": "acc_delta"}

    rule = staticmethod(rules.adadelta)
    rule_keys = ("rho", "eps", "weight_decay")
    State, initial = AdadeltaState, (0.0, 0.0)


class RMSpropState(NamedTuple):
    square_avg: np.ndarray
    grad_avg: np.ndarray
    buf: np.ndarray


@register
class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop`` (plain, ``centered``, with ``momentum``).

    .. math::  v_t = \alpha v_{t-1} + (1-\alpha) g_t^2, \quad
               \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t \ (\text{centered}), \\
               d_t = \sqrt{v_t - \bar g_t^2} + \epsilon \ (\text{centered}) \ \text{or}\
               \sqrt{v_t} + \epsilon, \\
               b_t = \mu b_{t-1} + g_t / d_t, \quad p_t = p_{t-1} - \eta\, b_t
               \quad (\mu = 0:\ p_t = p_{t-1} - \eta\, g_t / d_t)

    Tieleman & Hinton (2012), lecture 6.5; centered: Graves (2013). The notes call
    :math:`v` the running :math:`E[g^2]`. Running averages are computed in torch's
    ``lerp`` form so that rounding matches too.
    """

    name = "rmsprop"
    summary = "steps divided by a running RMS of the gradient"
    reference = "Tieleman & Hinton (2012); Graves (2013)"
    defaults = {
        "lr": 0.01,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
    }
    state_names = {"square_avg": "square_avg", "grad_avg": "grad_avg", "buf": "momentum_buffer"}

    def kept_state(self) -> dict[str, str]:
        kept = {"square_avg": "square_avg"}
        if self.centered:
            kept["grad_avg"] = "grad_avg"
        if self.momentum > 0:
            kept["buf"] = "momentum_buffer"
        return kept

    rule = staticmethod(rules.rmsprop)
    rule_keys = ("alpha", "eps", "weight_decay", "momentum", "centered")
    State, initial = RMSpropState, (0.0, 0.0, 0.0)


class AdamState(NamedTuple):
    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray


@register
class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``.

    .. math::  m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
               v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
               p_t = p_{t-1} - \frac{\eta}{1-\beta_1^t}\,
               \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    (``amsgrad``: :math:`v_t` in the denominator is replaced by its running maximum;
    ``decoupled_weight_decay``: the decay of :class:`AdamW`.) The first step moves
    every coordinate by about :math:`\eta\,\mathrm{sign}(g_1)`.
    Kingma & Ba (2015); AMSGrad: Reddi, Kale & Kumar (2018).
    """

    name = "adam"
    summary = "momentum plus per-coordinate RMS scaling, bias-corrected"
    reference = "Kingma & Ba (2015)"
    defaults = {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "decoupled_weight_decay": False,
    }
    state_names = {"m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq"}

    def kept_state(self) -> dict[str, str]:
        kept = dict(self.state_names)
        if not self.amsgrad:
            del kept["v_max"]
        return kept

    rule = staticmethod(rules.adam)
    rule_keys = ("beta1", "beta2", "eps", "weight_decay", "amsgrad", "decoupled_weight_decay")
    State, initial = AdamState, (0.0, 0.0, 0.0)


@register
class AMSGrad(Adam):
    """AMSGrad: :class:`Adam` with ``amsgrad=True``. Reddi, Kale & Kumar (2018)."""

    name = "amsgrad"
    summary = "Adam whose denominator never shrinks"
    reference = "Reddi, Kale & Kumar (2018)"
    defaults = {**Adam.defaults, "amsgrad": True}


@register
class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    .. math::  p \leftarrow p\,(1 - \eta\lambda) \ \text{before the Adam step}

    Loshchilov & Hutter (2019).
    """

    name = "adamw"
    summary = "Adam with weight decay applied to the weights directly"
    reference = "Loshchilov & Hutter (2019)"
    defaults = {**Adam.defaults, "weight_decay": 0.01}
    del defaults["decoupled_weight_decay"]  # always decoupled
    fixed = {"decoupled_weight_decay": True}


class NAdamState(NamedTuple):
    m: np.ndarray
    v: np.ndarray
    mu_product: np.ndarray  # the product of the momentum schedule so far


@register
class NAdam(Optimizer):
    r"""NAdam, as ``torch.optim.NAdam`` (momentum schedule with ``momentum_decay``).

    .. math::  \mu_t = \beta_1 (1 - \tfrac12 0.96^{t\psi}), \quad
               \Pi_t = \prod_{i \le t} \mu_i, \quad
               \hat v_t = v_t / (1-\beta_2^t), \\
               p_t = p_{t-1} - \eta \frac{1-\mu_t}{1-\Pi_t}
               \frac{g_t}{\sqrt{\hat v_t} + \epsilon}
               - \eta \frac{\mu_{t+1}}{1-\Pi_t \mu_{t+1}}
               \frac{m_t}{\sqrt{\hat v_t} + \epsilon}

    ``decoupled_weight_decay`` decays the weights as :class:`AdamW` does. Dozat (2016).
    """

    name = "nadam"
    summary = "Adam with Nesterov momentum"
    reference = "Dozat (2016)"
    defaults = {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum_decay": 4e-3,
        "decoupled_weight_decay": False,
    }
    state_names = {"m": "exp_avg", "v": "exp_avg_sq"}  # mu_product: one number per run

    rule = staticmethod(rules.nadam)
    rule_keys = ("beta1", "beta2", "eps", "weight_decay", "momentum_decay")
    rule_keys += ("decoupled_weight_decay",)
    State, initial = NAdamState, (0.0, 0.0, 1.0)


class RAdamState(NamedTuple):
    m: np.ndarray
    v: np.ndarray


@register
class RAdam(Optimizer):
    r"""RAdam, as ``torch.optim.RAdam``: Adam with the variance rectified.

    .. math::  \rho_\infty = \tfrac{2}{1-\beta_2} - 1, \quad
               \rho_t = \rho_\infty - \tfrac{2 t \beta_2^t}{1-\beta_2^t}, \quad
               \hat m_t = m_t / (1-\beta_1^t), \\
               p_t = p_{t-1} - \eta\, \hat m_t\, r_t
               \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon} \ (\rho_t > 5), \qquad
               p_t = p_{t-1} - \eta\, \hat m_t \ (\text{otherwise}), \\
               r_t = \sqrt{\tfrac{(\rho_t-4)(\rho_t-2)\rho_\infty}
               {(\rho_\infty-4)(\rho_\infty-2)\rho_t}}

    ``decoupled_weight_decay`` decays the weights as :class:`AdamW` does.
    Liu et al. (2020). The first steps (:math:`\rho_t \le 5`, five of them with the
    default :math:`\beta_2`) are plain bias-corrected momentum SGD.
    """

    name = "radam"
    summary = "Adam with a warm-up derived from the variance of its step"
    reference = "Liu et al. (2020)"
    defaults = {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "decoupled_weight_decay": False,
    }
    state_names = {"m": "exp_avg", "v": "exp_avg_sq"}

    rule = staticmethod(rules.radam)
    rule_keys = ("beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay")
    State, initial = RAdamState, (0.0, 0.0)


class AdamaxState(NamedTuple):
    m: np.ndarray
    u: np.ndarray


@register
class Adamax(Optimizer):
    r"""Adamax, as ``torch.optim.Adamax``: Adam with the infinity norm.

    .. math::  m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
               u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
               p_t = p_{t-1} - \frac{\eta}{1-\beta_1^t} \frac{m_t}{u_t}

    Kingma & Ba (2015), section 7.
    """

    name = "adamax"
    summary = "Adam with a running max instead of a running RMS"
    reference = "Kingma & Ba (2015)"
    defaults = {"lr": 0.02, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
    state_names = {"m": "exp_avg", "u": "exp_inf"}

    rule = staticmethod(rules.adamax)
    rule_keys = ("beta1", "beta2", "eps", "weight_decay")
    State, initial = AdamaxState, (0.0, 0.0)


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

    def compiles(self) -> bool:
        return type(self).step is Newton.step

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
