"""Prodigy: Adam whose step size ``d`` is learned from the distance travelled.

Its ``d`` is one number for the whole problem, reduced over every coordinate (a dot
product and an L1 norm): each start of a surface is its own problem with its own ``d``,
a network one problem. So the step is numpy's alone; the compiled engine declines it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .optim import Optimizer, check_range, register
from .per_tensor import _layout


class ProdigyState(NamedTuple):
    step: np.ndarray
    s: np.ndarray
    p0: np.ndarray
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    # the reference's group entries: one number per problem (per start), shaped (...)
    d: np.ndarray
    d_max: np.ndarray
    d_hat: np.ndarray
    d_numerator: np.ndarray
    d_denom: np.ndarray
    k: np.ndarray


NUMBERS = ("step", "d", "d_max", "d_hat", "d_numerator", "d_denom", "k")  # one per problem


@register
class Prodigy(Optimizer):
    r"""Prodigy, as ``prodigyopt.Prodigy``: Adam with a step size it estimates itself.

    .. math::  m_t = \beta_1 m_{t-1} + (1-\beta_1)\, d_t\, g_t, \quad
               v_t = \beta_2 v_{t-1} + (1-\beta_2)\, d_t^2 g_t^2, \\
               r_t = \beta_3 r_{t-1} + \tfrac{d_t}{d_0}\, d_t \eta\,
               \langle g_t, p_0 - p_{t-1} \rangle, \quad
               s_t = \beta_3 s_{t-1} + \tfrac{d_t}{d_0}\, d_t \eta\, g_t, \\
               d_{t+1} = \max\!\big(d_t,\ r_t / \lVert s_t \rVert_1\big), \quad
               p_t = p_{t-1} - d_t \eta \frac{m_t}{\sqrt{v_t} + d_{t+1}\epsilon}

    (:math:`\beta_3 = \sqrt{\beta_2}`.) :math:`d` estimates the distance from the start
    to the solution: the numerator :math:`r` grows while gradients keep pointing back
    along the way travelled, so :math:`d` starts at :math:`d_0 = 10^{-6}` and grows,
    never shrinks, until the steps are the right size; ``lr`` (1 by default) only
    scales it. The first step moves :math:`d_0\eta` per coordinate at most. Mishchenko
    & Defazio (2023), arXiv:2306.06101.

    ``beta3 = 0`` stands for the reference's ``None`` (:math:`\sqrt{\beta_2}`),
    ``growth_rate = 0`` for its ``inf`` (no cap on the growth of :math:`d` per step).
    Each start of a surface is its own problem with its own :math:`d` (one reference
    optimizer per start); a network is one problem, as the reference sees all its
    tensors. The reference's ``slice_p`` (a memory saving that estimates from every
    n-th coordinate) is left out.
    """

    name = "prodigy"
    summary = "Adam that learns its own step size d from the distance travelled"
    reference = "Mishchenko & Defazio (2023)"
    checked_against = "prodigyopt.Prodigy 1.1.2"
    uncompiled = "its step size d is a reduction over all coordinates (a dot product, a norm)"
    defaults = {
        "lr": 1.0,
        "beta1": 0.9,
        "beta2": 0.999,
        "beta3": 0.0,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "decouple": True,
        "use_bias_correction": False,
        "safeguard_warmup": False,
        "d0": 1e-6,
        "d_coef": 1.0,
        "growth_rate": 0.0,
    }
    state_names = {field: field for field in ProdigyState._fields}
    estimates = {"d": "step-size estimate d"}

    def validate(self) -> None:
        super().validate()
        check_range(self, "beta3", 0 <= self.beta3 < 1, "in [0, 1) (0: sqrt(beta2))")
        check_range(self, "d0", self.d0 > 0, "> 0")
        check_range(self, "d_coef", self.d_coef > 0, "> 0")
        check_range(self, "growth_rate", self.growth_rate >= 0, ">= 0 (0: unbounded)")

    def init(self, params: np.ndarray) -> tuple:
        zero, each = np.zeros_like(params, dtype=float), np.zeros(np.shape(params)[:-1])
        p0 = np.array(params, dtype=float)
        return ProdigyState(each, zero, p0, zero, zero, each + self.d0, each + self.d0, each,
                            each, each, each)  # fmt: skip

    def step(self, p, g, state, lr, t, hess=None):
        return self.step_on(p, g, state, lr, t, None)

    def step_on(self, p, g, state, lr, t, problem):
        layout = _layout(self, p, problem)

        def total(x):
            # the reference's sum over every parameter: each tensor's in torch's order
            # (row by row), then the tensors' one after another, as Python floats add
            out = np.zeros((*x.shape[:-1], 1))
            for part in layout.split(x):
                flat = np.ascontiguousarray(part).reshape(*x.shape[:-1], -1)
                out = out + np.sum(flat, axis=-1, keepdims=True)
            return out

        # the per-problem numbers as (..., 1), to scale each problem's coordinates
        wide = state._replace(**{k: getattr(state, k)[..., None] for k in NUMBERS})
        new_p, new = self._step(p, g, wide, lr, total)
        return new_p, new._replace(**{k: getattr(new, k)[..., 0] for k in NUMBERS})

    def _step(self, p, g, state, lr, total):
        b1, b2 = self.beta1, self.beta2
        b3 = self.beta3 or math.sqrt(b2)
        lr = np.asarray(lr, dtype=float)
        lr = lr.reshape(*lr.shape[:-1], 1) if lr.ndim == p.ndim else lr  # one rate per start
        d, d0 = state.d, self.d0
        bias_correction = 1.0
        if self.use_bias_correction:
            k1 = state.k + 1
            bias_correction = ((1 - b2**k1) ** 0.5) / (1 - b1**k1)
        dlr = d * lr * bias_correction
        if self.weight_decay != 0 and not self.decouple:
            g = g + self.weight_decay * p
        # the estimate: how far the gradients point back towards the start
        scale = (d / d0) * dlr
        delta = scale * total(g * (state.p0 - p))
        m = state.exp_avg * b1 + (d * (1 - b1)) * g
        v = state.exp_avg_sq * b2 + ((d * d * (1 - b2)) * g) * g
        s = state.s * b3 + (((d / d0) * d) if self.safeguard_warmup else scale) * g
        d_denom = total(np.abs(s))
        numerator = state.d_numerator * b3 + delta
        with np.errstate(divide="ignore", invalid="ignore"):
            d_hat = self.d_coef * numerator / d_denom
        new_d = np.where((d == d0) & (d_hat > d), d_hat, d)  # Python's max(d, d_hat)
        d_max = np.where(d_hat > state.d_max, d_hat, state.d_max)
        if self.growth_rate:  # Python's min(d_max, d * growth_rate)
            grown = new_d * self.growth_rate
            new_d = np.where(grown < d_max, grown, d_max)
        else:  # the reference's inf: d is the largest estimate so far
            new_d = d_max
        denom = np.sqrt(v) + new_d * self.eps
        new_p = p
        if self.weight_decay != 0 and self.decouple:
            new_p = p + (-self.weight_decay * dlr) * p
        # without a first moment the gradient, scaled by the new d as well
        coefficient, direction = ((-dlr), m) if b1 > 0 else ((-dlr * new_d), g)
        new_p = new_p + (coefficient * direction) / denom
        return self._kept(p, state, new_p, lr, d_denom, m, v, s,
                          (new_d, d_max, d_hat, numerator, d_denom))  # fmt: skip

    @staticmethod
    def _kept(p, state, new_p, lr, d_denom, m, v, s, scalars):
        """The new point and state where the reference steps; where its ``lr`` is 0 it
        changes nothing, where the L1 norm is 0 (no gradient yet) it updates the moments
        and returns before moving."""
        stepped = lr > 0
        moved = stepped & (d_denom != 0)
        new = ProdigyState(state.step + 1, s, state.p0, m, v, *scalars, state.k + 1)
        moments = ProdigyState(state.step, s, state.p0, m, v, *state[5:])
        kept = [
            np.where(moved, a, np.where(stepped, b, c))
            for a, b, c in zip(new, moments, state, strict=True)
        ]
        return np.where(moved, new_p, p), ProdigyState(*kept)
