"""Two classic elementwise rules of ``torch.optim``: Rprop's sign steps and averaged SGD.

Both are rules of :mod:`optviz.engine.rules`, so the compiled engine runs them too.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..util.errors import ParameterError
from . import rules
from .optim import Optimizer, check_range, register


class RpropState(NamedTuple):
    prev: np.ndarray  # the gradient of the last step (zero where its sign had flipped)
    step_size: np.ndarray


@register
class Rprop(Optimizer):
    r"""Resilient backpropagation, as ``torch.optim.Rprop``.

    Every coordinate has its own step size :math:`\Delta`; only the gradient's *sign*
    moves the point:

    .. math::  \Delta_t = \mathrm{clip}\big(\Delta_{t-1}\,\eta_t,\ \Delta_{\min},
               \Delta_{\max}\big), \quad
               \eta_t = \begin{cases} \eta_+ & g_t g_{t-1} > 0 \\
                                      \eta_- & g_t g_{t-1} < 0 \\
                                      1 & \text{otherwise} \end{cases}, \\
               p_t = p_{t-1} - \mathrm{sign}(\tilde g_t)\,\Delta_t, \quad
               \tilde g_t = 0 \ \text{where the sign flipped, else}\ g_t

    (:math:`\Delta_0 = \eta`, the learning rate; :math:`\tilde g_t` is remembered as
    :math:`g_{t-1}` for the next step). A coordinate whose gradient keeps its sign speeds
    up geometrically; one that flips (the point jumped across a ravine's floor) halves its
    step and waits a step. torch's variant without weight backtracking (iRprop⁻, Igel &
    Hüsken 2000) of Riedmiller & Braun (1993). torch splits ``etas=(etaminus, etaplus)``
    and ``step_sizes=(step_size_min, step_size_max)``; here each is its own name. torch
    reads ``lr`` only to set the first step sizes, so a learning-rate schedule changes
    nothing after the first step.
    """

    name = "rprop"
    summary = "per-coordinate step sizes from the gradient's sign: faster while it holds"
    reference = "Riedmiller & Braun (1993)"
    checked_against = "torch.optim.Rprop 2.13"
    defaults = {
        "lr": 0.01,
        "etaminus": 0.5,
        "etaplus": 1.2,
        "step_size_min": 1e-6,
        "step_size_max": 50.0,
    }
    state_names = {"prev": "prev", "step_size": "step_size"}

    def validate(self) -> None:
        super().validate()
        if not 0 < self.etaminus < 1 < self.etaplus:
            raise ParameterError(
                f"{self.name}: etaminus={self.etaminus!r}, etaplus={self.etaplus!r} must "
                "satisfy 0 < etaminus < 1 < etaplus"
            )
        check_range(self, "step_size_min", self.step_size_min >= 0, ">= 0")
        check_range(
            self, "step_size_max", self.step_size_max >= self.step_size_min, ">= step_size_min"
        )

    rule = staticmethod(rules.rprop)
    rule_keys = ("etaminus", "etaplus", "step_size_min", "step_size_max")
    State, initial = RpropState, (0.0, "lr")


class ASGDState(NamedTuple):
    eta: np.ndarray  # the rate of the next step
    mu: np.ndarray  # the averaging weight of the next step
    ax: np.ndarray  # the averaged iterate


@register
class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent, as ``torch.optim.ASGD``.

    .. math::  p_t = p_{t-1}\,(1 - \lambda\eta_{t-1}) - \eta_{t-1}\, g_t, \quad
               \eta_t = \frac{\eta}{(1 + \lambda\eta t)^{\alpha}}, \\
               \bar p_t = \bar p_{t-1} + \mu_{t-1} (p_t - \bar p_{t-1}), \quad
               \mu_t = \frac{1}{\max(1,\ t - t_0)}

    (:math:`\eta_0 = \eta`, :math:`\mu_0 = 1`; with :math:`\mu = 1` the average is a copy
    of the iterate). The iterate :math:`p` is what moves; the average :math:`\bar p`
    (torch's ``ax``), drawn beside it, is the uniform mean of the iterates from step
    :math:`t_0 + 2` on: it settles where a noisy iterate keeps bouncing. With torch's
    default :math:`t_0 = 10^6` it never starts averaging; give a small ``t0`` to see it.
    Polyak & Juditsky (1992); the rate schedule and the decay term are Bottou's (2012).
    torch keeps :math:`\eta` and :math:`\mu` in the default dtype, float32 unless set to
    float64; here they are float64 (as torch with ``torch.set_default_dtype(float64)``).
    """

    name = "asgd"
    summary = "SGD with a decaying rate and a running average of its iterates (drawn too)"
    reference = "Polyak & Juditsky (1992)"
    checked_against = "torch.optim.ASGD 2.13"
    defaults = {"lr": 0.01, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0.0}
    state_names = {"eta": "eta", "mu": "mu", "ax": "ax"}
    shows = {"ax": "averaged iterate"}

    def validate(self) -> None:
        # not the base class's checks: alpha here is an exponent, not an average's weight
        for key in ("lr", "lambd", "alpha", "t0", "weight_decay"):
            check_range(self, key, self.hyper[key] >= 0, ">= 0")

    rule = staticmethod(rules.asgd)
    rule_keys = ("lambd", "alpha", "t0", "weight_decay")
    State, initial = ASGDState, ("lr", 1.0, 0.0)
