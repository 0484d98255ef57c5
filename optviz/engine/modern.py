"""Today's optimizers, each equal to its reference implementation.

Adan, AdEMAMix, Sophia and the two Schedule-Free optimizers are elementwise rules of
:mod:`optviz.engine.rules`, so the compiled engine runs them too. Each class names the
package and version it is checked against (``checked_against``; the test is
``tests/test_reference_optimizers.py``), keeps that code's defaults (except ``lr``,
chosen to show something on a 2-D surface) and records its state under that code's names.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import rules
from .optim import Optimizer, check_range, register


class AdanState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    exp_avg_diff: np.ndarray
    previous_grad: np.ndarray  # minus the last gradient, as the reference keeps it


def _names(state: type) -> dict[str, str]:
    return {field: field for field in state._fields}


@register
class Adan(Optimizer):
    r"""Adan, adaptive Nesterov momentum, as ``pytorch_optimizer.Adan``.

    .. math::  m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
               n_t = \beta_2 n_{t-1} + (1-\beta_2)(g_t - g_{t-1}), \\
               v_t = \beta_3 v_{t-1} + (1-\beta_3)\,[g_t + \beta_2 (g_t - g_{t-1})]^2,
               \quad d_t = \sqrt{v_t}/\sqrt{1-\beta_3^t} + \epsilon, \\
               p_t = p_{t-1} - \frac{\eta}{1-\beta_1^t}\frac{m_t}{d_t}
               - \frac{\eta\beta_2}{1-\beta_2^t}\frac{n_t}{d_t}

    (:math:`g_0 = g_1`: no difference at the first step.) The gradient's change
    :math:`g_t - g_{t-1}` stands in for the look-ahead gradient of Nesterov's method
    without a second evaluation. Weight decay is the paper's proximal
    :math:`p \leftarrow p / (1 + \eta\lambda)` after the step, or AdamW's before it
    (``weight_decouple``). Xie et al. (2022), arXiv:2208.06677; their betas are one
    minus these. The reference's global gradient clipping (``max_grad_norm``, off by
    default) is not offered: clipping is not part of the rule.
    """

    name = "adan"
    summary = "Nesterov momentum from the gradient's change, with Adam's scaling"
    reference = "Xie et al. (2022)"
    checked_against = "pytorch_optimizer.Adan 4.1.0"
    defaults = {
        "lr": 0.01,
        "beta1": 0.98,
        "beta2": 0.92,
        "beta3": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "weight_decouple": False,
    }
    state_names = _names(AdanState)

    def validate(self) -> None:
        super().validate()
        check_range(self, "beta3", 0 <= self.beta3 < 1, "in [0, 1)")

    rule = staticmethod(rules.adan)
    rule_keys = ("beta1", "beta2", "beta3", "eps", "weight_decay", "weight_decouple")
    State, initial = AdanState, (0.0, 0.0, 0.0, 0.0)


class AdEMAMixState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    exp_avg_slow: np.ndarray


@register
class AdEMAMix(Optimizer):
    r"""AdEMAMix, Adam with a second, slow average, as ``pytorch_optimizer.AdEMAMix``.

    .. math::  m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
               s_t = \beta_3 s_{t-1} + (1-\beta_3) g_t, \quad
               v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
               p_t = p_{t-1} - \eta\,
               \frac{m_t/(1-\beta_1^t) + \alpha\, s_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    The slow average (:math:`\beta_3 = 0.9999`: a memory of about ten thousand steps)
    keeps old gradients in play, weighted :math:`\alpha = 5` times; it is not
    bias-corrected, so it grows in slowly. ``t_alpha_beta3 > 0`` warms :math:`\alpha`
    and :math:`\beta_3` up over that many steps (0: the reference's ``None``, no
    warm-up). Weight decay is coupled (added to the gradient) by default, as in the
    reference; ``weight_decouple`` gives AdamW's. Pagliardini, Ablin & Grangier (2024),
    arXiv:2409.03137.
    """

    name = "ademamix"
    summary = "Adam plus a slow average that remembers old gradients"
    reference = "Pagliardini, Ablin & Grangier (2024)"
    checked_against = "pytorch_optimizer.AdEMAMix 4.1.0"
    defaults = {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "beta3": 0.9999,
        "alpha": 5.0,
        "t_alpha_beta3": 0.0,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "weight_decouple": False,
        "fixed_decay": False,
    }
    state_names = _names(AdEMAMixState)

    def validate(self) -> None:
        # not the base class's checks: alpha here weighs the slow average, it is no rate
        for key in ("lr", "alpha", "t_alpha_beta3", "eps", "weight_decay"):
            check_range(self, key, self.hyper[key] >= 0, ">= 0")
        for key in ("beta1", "beta2", "beta3"):
            check_range(self, key, 0 < self.hyper[key] < 1, "in (0, 1)")

    rule = staticmethod(rules.ademamix)
    rule_keys = ("beta1", "beta2", "beta3", "alpha", "t_alpha_beta3", "eps", "weight_decay")
    rule_keys += ("weight_decouple", "fixed_decay")
    State, initial = AdEMAMixState, (0.0, 0.0, 0.0)


class SophiaState(NamedTuple):
    momentum: np.ndarray
    hessian_moment: np.ndarray
    hessian: np.ndarray  # the diagonal of the latest refresh


@register
class Sophia(Optimizer):
    r"""Sophia, a clipped diagonal Newton step, as ``pytorch_optimizer.SophiaH``.

    .. math::  m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
               h_t = \beta_2 h_{t-k} + (1-\beta_2)\,\mathrm{diag}(H_t)
               \ \ \text{every } k \text{ steps}, \\
               p_t = p_{t-1} - \eta\,\mathrm{clip}\big(m_t / \max(h_t, \epsilon),
               \ [-\rho, \rho]\big)

    (:math:`k` = ``update_period``, refreshing at steps 1, k + 1, ...; :math:`\rho` =
    ``p``, the reference's name.) Where the curvature is large the step is the Newton
    step :math:`m/h`; where it is small, negative or unknown, the clip caps every
    coordinate's move at :math:`\eta\rho`. The reference estimates the diagonal with
    Hutchinson's random probes :math:`z \odot Hz`; here it is the surface's exact
    diagonal, the estimate's expectation (on a network, central differences of the
    gradient). Weight decay is decoupled by default. Liu et al. (2023),
    arXiv:2305.14342.
    """

    name = "sophia"
    summary = "clipped Newton steps from the Hessian's diagonal, refreshed every k steps"
    reference = "Liu et al. (2023)"
    checked_against = "pytorch_optimizer.SophiaH 4.1.0 (given the exact Hessian diagonal)"
    defaults = {
        "lr": 1.0,
        "beta1": 0.96,
        "beta2": 0.99,
        "weight_decay": 0.0,
        "weight_decouple": True,
        "fixed_decay": False,
        "update_period": 10,
        "p": 0.01,
        "eps": 1e-12,
    }
    uses_hessian = True
    state_names = _names(SophiaState)

    def validate(self) -> None:
        super().validate()
        check_range(self, "update_period", self.update_period >= 1, ">= 1")
        check_range(self, "p", self.hyper["p"] >= 0, ">= 0")

    def needs_hessian(self, t: int) -> bool:
        return (t - 1) % self.update_period == 0

    rule = staticmethod(rules.sophia)
    rule_keys = ("beta1", "beta2", "weight_decay", "weight_decouple", "fixed_decay")
    rule_keys += ("update_period", "p", "eps")
    State, initial = SophiaState, (0.0, 0.0, 0.0)


# -- Schedule-Free ---------------------------------------------------------------------------
class _ScheduleFree(Optimizer):
    """What both Schedule-Free optimizers share: the point they report.

    The iterate ``p`` is :math:`y`, where the gradient is taken; the reference's
    ``eval()`` moves the model to :math:`x = y + (1 - 1/\\beta)(z - y)`, the average a
    user evaluates. A run reports :math:`x` and shows :math:`y` beside it.
    """

    shows = {"y": "where the gradient is taken"}

    def validate(self) -> None:
        super().validate()
        check_range(self, "warmup_steps", self.warmup_steps >= 0, ">= 0")
        check_range(self, "r", self.r >= 0, ">= 0")
        check_range(self, "weight_lr_power", self.weight_lr_power >= 0, ">= 0")

    @property
    def beta(self) -> float:
        raise NotImplementedError

    def init(self, params: np.ndarray) -> tuple:
        # z starts at the first point (the rule sets it there at step 1 too), so that x,
        # reported before any step, is that point
        return super().init(params)._replace(z=np.array(params, dtype=float))

    def reported(self, p: np.ndarray, state: tuple) -> np.ndarray:
        """:math:`x`, computed on a copy as ``eval()`` computes it (``eval()`` then
        ``train()`` is no exact round trip in floating point)."""
        return rules.lerp(p, state.z, 1 - 1 / self.beta)

    def shown(self, p: np.ndarray, state: tuple) -> dict[str, np.ndarray]:
        return {"y": p}


class SGDScheduleFreeState(NamedTuple):
    z: np.ndarray
    lr_max: np.ndarray  # the reference's group entries, the same in every coordinate
    weight_sum: np.ndarray


@register
class SGDScheduleFree(_ScheduleFree):
    r"""Schedule-Free SGD, as ``schedulefree.SGDScheduleFree`` (in train mode).

    .. math::  y_t = (1-\beta) z_t + \beta x_t, \quad z_{t+1} = z_t - \eta\, g(y_t), \\
               x_{t+1} = (1 - c_{t+1})\, x_t + c_{t+1} z_{t+1}, \quad
               c_{t+1} = \frac{w_{t+1}}{\sum_{i \le t+1} w_i}, \quad
               w_t = t^r \max_{i \le t} \eta_i^2

    Three sequences: :math:`z` takes plain SGD steps, :math:`x` is their running
    average (uniform for a constant rate), and the gradient is taken at :math:`y`,
    between them (:math:`\beta` = ``momentum``). Averaging replaces the learning-rate
    schedule: :math:`x` settles without the rate being lowered. optviz reports
    :math:`x` (the point to evaluate, what the reference's ``eval()`` switches to) and
    draws :math:`y`. ``warmup_steps`` ramps the rate up linearly. Defazio et al.
    (2024), "The Road Less Scheduled", arXiv:2405.15682.
    """

    name = "schedulefree_sgd"
    display_name = "Schedule-Free SGD"
    summary = "SGD whose averaged iterate needs no schedule (gradient taken at y, x shown)"
    reference = "Defazio et al. (2024)"
    checked_against = "schedulefree.SGDScheduleFree 1.4.1"
    defaults = {
        "lr": 0.01,
        "momentum": 0.9,
        "weight_decay": 0.0,
        "warmup_steps": 0,
        "r": 0.0,
        "weight_lr_power": 2.0,
    }
    state_names = _names(SGDScheduleFreeState)

    def validate(self) -> None:
        super().validate()
        check_range(self, "momentum", 0 < self.momentum < 1, "in (0, 1)")

    @property
    def beta(self) -> float:
        return self.momentum

    rule = staticmethod(rules.sgd_schedulefree)
    rule_keys = ("momentum", "weight_decay", "warmup_steps", "r", "weight_lr_power")
    State, initial = SGDScheduleFreeState, (0.0, -1.0, 0.0)


class AdamWScheduleFreeState(NamedTuple):
    z: np.ndarray
    lr_max: np.ndarray
    weight_sum: np.ndarray
    exp_avg_sq: np.ndarray


@register
class AdamWScheduleFree(_ScheduleFree):
    r"""Schedule-Free AdamW, as ``schedulefree.AdamWScheduleFree`` (in train mode).

    The sequences of :class:`SGDScheduleFree` driven by Adam's normalized gradient:

    .. math::  v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
               \hat g_t = \frac{g_t}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}
               + \lambda y_t, \quad z_{t+1} = z_t - \eta\, \hat g_t

    (no first moment: the interpolation :math:`y` between :math:`z` and the average
    :math:`x`, with :math:`\beta_1`, plays momentum's part; weight decay is taken at
    :math:`y`). optviz reports :math:`x` and draws :math:`y`. Defazio et al. (2024),
    arXiv:2405.15682.
    """

    name = "schedulefree_adamw"
    display_name = "Schedule-Free AdamW"
    summary = "AdamW whose averaged iterate needs no schedule (gradient taken at y, x shown)"
    reference = "Defazio et al. (2024)"
    checked_against = "schedulefree.AdamWScheduleFree 1.4.1"
    defaults = {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "warmup_steps": 0,
        "r": 0.0,
        "weight_lr_power": 2.0,
    }
    state_names = _names(AdamWScheduleFreeState)

    def validate(self) -> None:
        super().validate()
        check_range(self, "beta1", 0 < self.beta1 < 1, "in (0, 1)")

    @property
    def beta(self) -> float:
        return self.beta1

    rule = staticmethod(rules.adamw_schedulefree)
    rule_keys = ("beta1", "beta2", "eps", "weight_decay", "warmup_steps", "r")
    rule_keys += ("weight_lr_power",)
    State, initial = AdamWScheduleFreeState, (0.0, -1.0, 0.0, 0.0)
