"""SAM: the gradient taken at the worst nearby point, as ``pytorch_optimizer.SAM``.

Each step evaluates the loss a second time, at the ascent point ``w + e(w)`` (a
:class:`~optviz.engine.problem.Problem` evaluation, recorded and drawn as a ghost ball),
and its norm is one number for the whole problem: the compiled engine declines it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..util.errors import ParameterError
from . import rules
from .optim import Optimizer, check_range, register
from .per_tensor import _layout


class SAMState(NamedTuple):
    momentum_buffer: np.ndarray  # the base optimizer's (torch.optim.SGD)
    ascent: np.ndarray  # where the last step took its gradient: w + e(w)


@register
class SAM(Optimizer):
    r"""Sharpness-aware minimization, as ``pytorch_optimizer.SAM`` over ``torch.optim.SGD``.

    .. math::  e_t = \rho\, \frac{g(w_{t-1})}{\lVert g(w_{t-1}) \rVert}, \qquad
               w_t = w_{t-1} - \eta\, g(w_{t-1} + e_t)
               \quad \text{(SGD's step, with its momentum and decay)}

    SAM looks a distance :math:`\rho` uphill, to the *ascent point* :math:`w + e`, and
    steps with the gradient found there: it minimizes the worst loss within
    :math:`\rho`, so it shuns minima narrower than :math:`\rho` (there the ascent point
    climbs the wall and the gradient pushes back hard) and settles in wide ones. Each
    step costs two evaluations. ``adaptive`` (ASAM, Kwon et al. 2021) scales the
    perturbation by :math:`w^2` per coordinate and the norm by :math:`|w|`. The norm
    is the reference's: over every parameter of the problem, rounded through float32
    as ``pytorch_optimizer`` computes it. Foret et al. (2021), arXiv:2010.01412. The
    base optimizer is ``torch.optim.SGD`` with its hyperparameters (``momentum``,
    ``dampening``, ``weight_decay``, ``nesterov``).
    """

    name = "sam"
    summary = "steps with the gradient from a point rho uphill: prefers wide minima"
    reference = "Foret et al. (2021)"
    checked_against = "pytorch_optimizer.SAM 4.1.0 over torch.optim.SGD 2.13"
    uncompiled = "its step evaluates the loss a second time, at the ascent point"
    evaluates = True
    evaluations_are = "where SAM takes the slope (uphill)"
    evaluation_marks = "ghost"
    defaults = {
        "lr": 1e-3,  # torch.optim.SGD's default
        "rho": 0.05,
        "adaptive": False,
        "perturb_eps": 1e-12,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    }
    state_names = {"momentum_buffer": "momentum_buffer", "ascent": "ascent"}

    def validate(self) -> None:
        super().validate()
        check_range(self, "perturb_eps", self.perturb_eps >= 0, ">= 0")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ParameterError(f"{self.name}: nesterov needs momentum > 0 and dampening = 0")

    def kept_state(self) -> dict[str, str]:
        kept = dict(self.state_names)
        if self.momentum == 0:
            del kept["momentum_buffer"]
        return kept

    def extra_evaluations(self) -> int:
        return 1

    def init(self, params: np.ndarray) -> SAMState:
        return SAMState(np.zeros(np.shape(params)), np.array(params, dtype=float))

    def step(self, p, g, state, lr, t, hess=None):
        raise ParameterError(
            "sam evaluates the gradient at its ascent point: it steps on a problem (run, "
            "race, the network trainer or step_on), not from a gradient alone"
        )

    def step_on(self, p, g, state, lr, t, problem):
        ascent = p + self.perturbation(p, g, _layout(self, p, problem))
        _, g_ascent = problem.evaluate(ascent)
        h = (self.momentum, self.dampening, self.weight_decay, float(self.nesterov))
        new_p, (buf,) = rules.sgd(p, g_ascent, (state.momentum_buffer,), lr, t, h, None)
        return new_p, SAMState(np.broadcast_to(buf, p.shape).copy(), ascent)

    def perturbation(self, p: np.ndarray, g: np.ndarray, layout) -> np.ndarray:
        """:math:`e(w)`, as the reference rounds it: each tensor's norm (of ``g``, or of
        ``g·|w|`` when adaptive) in float64, squared and summed in float32, its root and
        ``1/(root + perturb_eps)·rho`` in float32, then ``g`` (times ``w²``) times that."""
        weighted = g * np.abs(p) if self.adaptive else g
        squares = [
            np.float32(np.sqrt(np.sum(part * part, axis=tuple(range(-len(t.shape), 0)))))
            for t, part in zip(layout.tensors, layout.split(weighted), strict=True)
        ]
        squares = [s * s for s in squares]  # float32
        total = squares[0]
        for s in squares[1:]:
            total = total + s
        norm = np.sqrt(total) + np.float32(self.perturb_eps)
        scale = (np.float32(1) / norm) * np.float32(self.rho)
        scale = np.asarray(scale, dtype=np.float64)[..., None]
        return (p * p * g if self.adaptive else 1.0 * g) * scale
