"""The adaptive methods of ``torch.optim``: one step size per coordinate from the
gradients' history (Adagrad, Adadelta, RMSprop, the Adam family).

Each class names its rule (:mod:`optviz.engine.rules`), the hyperparameters the rule
reads, its state (a NamedTuple whose fields map to torch's state names) and the state's
value before the first step; :mod:`optviz.engine.builtin` re-exports them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import rules
from .optim import Optimizer, register


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
    checked_against = "torch.optim.Adagrad 2.13"
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
    checked_against = "torch.optim.Adadelta 2.13"
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
    checked_against = "torch.optim.RMSprop 2.13"
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
    checked_against = "torch.optim.Adam 2.13"
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
    checked_against = "torch.optim.Adam 2.13"
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
    checked_against = "torch.optim.AdamW 2.13"
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
    checked_against = "torch.optim.NAdam 2.13"
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
    checked_against = "torch.optim.RAdam 2.13"
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
    checked_against = "torch.optim.Adamax 2.13"
    defaults = {"lr": 0.02, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
    state_names = {"m": "exp_avg", "u": "exp_inf"}

    rule = staticmethod(rules.adamax)
    rule_keys = ("beta1", "beta2", "eps", "weight_decay")
    State, initial = AdamaxState, (0.0, 0.0)
