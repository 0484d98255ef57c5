"""Optimizers whose step reduces over a whole parameter tensor: Adafactor and Muon.

Their step depends on how the parameters are cut into tensors: Adafactor scales its step
by a tensor's RMS and factors a matrix's second moment into row and column averages,
Muon orthogonalizes each weight matrix. They read the cut from the problem's layout
(:class:`optviz.engine.problem.Layout`): torch's weights and biases on the network
trainer; on a surface, every start alone, as a vector ``(2,)`` for Adafactor and as the
matrix ``(1, 2)`` for Muon (torch's Muon takes only matrices). Starts never mix.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import bfloat16, rules
from .optim import Optimizer, check_range, register
from .problem import Layout


def _layout(opt: Optimizer, p: np.ndarray, problem) -> Layout:
    """The problem's layout; without one (``step`` called directly), every start alone."""
    if problem is not None:
        return problem.layout
    return Layout.point(p.shape[-1], opt.matrix_points)


def _per_start(value, batch: tuple) -> np.ndarray:
    """A rate (a number, or one per start ``(n, 1)``) as one number per start."""
    v = np.asarray(value, float)
    return np.broadcast_to(v.reshape(-1) if v.ndim else v, batch)


def _rms(x: np.ndarray, dims: int, d: float = 1.0) -> np.ndarray:
    """The root mean square over the last ``dims`` axes, over ``d`` (torch's rounding:
    ``norm / (numel ** 0.5 * d)``)."""
    axes = tuple(range(-dims, 0))
    size = math.prod(x.shape[-dims:])
    return np.sqrt(np.sum(x * x, axis=axes)) / (size**0.5 * d)


def _expand(v: np.ndarray, dims: int) -> np.ndarray:
    return np.reshape(v, (*np.shape(v), *([1] * dims)))


# -- Adafactor ------------------------------------------------------------------------------
class AdafactorState(NamedTuple):
    variance: np.ndarray  # like p: the second moment of each vector tensor's entries
    row_var: np.ndarray  # (..., rows of every matrix): each matrix row's mean square
    col_var: np.ndarray  # (..., columns of every matrix)


@register
class Adafactor(Optimizer):
    r"""Adafactor, as ``torch.optim.Adafactor``: a relative step, a factored second moment.

    Per parameter tensor :math:`P` (a start of a surface, or one of the network's
    weights and biases), with :math:`w_t = t^{\,\beta_{2,\mathrm{decay}}}` and
    :math:`\rho_t = \min(\eta, 1/\sqrt t)`:

    .. math::  V_t = (1 - w_t) V_{t-1} + w_t\, g_t^2 \quad \text{(a vector; a matrix
               keeps row and column means, } V = R C / \bar R\text{)}, \\
               U_t = g_t / \sqrt{\max(V_t, \epsilon_1^2)}, \quad
               \alpha_t = \max\big(\epsilon_2, \mathrm{RMS}(P_{t-1})\big)\, \rho_t, \\
               P_t = P_{t-1} - \frac{\alpha_t}{\max(1, \mathrm{RMS}(U_t) / d)}\, U_t

    The step is *relative*: its length is :math:`\rho_t` times the RMS of the parameter
    itself (never less than :math:`\epsilon_2 \rho_t`). On a surface that makes it depend
    on where the origin is: moving the whole surface changes every step. Rosenbrock from
    (-1.2, 1) takes a first step of 0.0156 (``lr`` = 0.01 times the start's RMS of 1.10,
    times √2 for the two coordinates); the same surface moved by (100, 100), started at
    the same place on it, (98.8, 101), takes a first step of 1.41, 90 times longer, and
    leaves the valley (loss 23.7 after 200 steps instead of 3.4).
    Shazeer & Stern (2018); torch's variant: ``lr`` caps :math:`\rho_t`,
    :math:`\epsilon_1` clamps the second moment (not added to :math:`g^2`), means instead
    of sums. torch's ``eps=(None, 1e-3)`` is ``eps1`` (None: the float64 machine epsilon,
    written here as its value) and ``eps2``. torch's docstring gives weight_decay 1e-2;
    its code, and this class, 0.
    """

    name = "adafactor"
    summary = "relative steps scaled by each tensor's RMS; factored second moment"
    reference = "Shazeer & Stern (2018)"
    checked_against = "torch.optim.Adafactor 2.13"
    uncompiled = "its step scales with the RMS of a whole parameter tensor"
    defaults = {
        "lr": 0.01,
        "beta2_decay": -0.8,
        "eps1": float(np.finfo(np.float64).eps),
        "eps2": 1e-3,
        "d": 1.0,
        "weight_decay": 0.0,
    }
    state_names = {"variance": "variance"}

    def validate(self) -> None:
        super().validate()
        check_range(self, "beta2_decay", self.beta2_decay <= 0, "<= 0")
        for key in ("eps1", "eps2"):
            check_range(self, key, self.hyper[key] >= 0, ">= 0")
        check_range(self, "d", self.d >= 1, ">= 1")

    def init(self, params: np.ndarray) -> AdafactorState:
        return self.init_on(params, None)

    def init_on(self, params, problem) -> AdafactorState:
        matrices = [t for t in _layout(self, params, problem).tensors if len(t.shape) > 1]
        batch = params.shape[:-1]
        rows = sum(t.shape[-2] for t in matrices)
        cols = sum(t.shape[-1] for t in matrices)
        return AdafactorState(
            np.zeros(params.shape), np.zeros((*batch, rows)), np.zeros((*batch, cols))
        )

    def step(self, p, g, state, lr, t, hess=None):
        return self.step_on(p, g, state, lr, t, None)

    def step_on(self, p, g, state, lr, t, problem):
        layout = _layout(self, p, problem)
        w = float(t) ** self.beta2_decay
        rho = np.minimum(_per_start(lr, p.shape[:-1]), 1 / float(t) ** 0.5)
        variance, row_var, col_var = (np.array(v) for v in state)
        parts, r0, c0 = [], 0, 0
        for tensor, param, grad in zip(layout.tensors, layout.split(p), layout.split(g),
                                       strict=True):  # fmt: skip
            dims = len(tensor.shape)
            alpha = np.maximum(self.eps2, _rms(param, dims)) * rho
            if self.weight_decay != 0:
                param = param * _expand(1 - _per_start(lr, p.shape[:-1]) * self.weight_decay,
                                        dims)  # fmt: skip
            if dims > 1:
                rows, cols = tensor.shape[-2], tensor.shape[-1]
                r, c = row_var[..., r0 : r0 + rows], col_var[..., c0 : c0 + cols]
                r[...], c[...], estimate = self._factored(grad, r, c, w)
                r0, c0 = r0 + rows, c0 + cols
            else:
                v = tensor.of(variance)
                v[...] = rules.lerp(v, grad * grad, w)
                estimate = v.copy()
            update = 1.0 / np.sqrt(np.maximum(estimate, self.eps1 * self.eps1)) * grad
            denom = np.maximum(1.0, _rms(update, dims, self.d))
            parts.append(param + _expand(-alpha / denom, dims) * update)
        return layout.join(parts), AdafactorState(variance, row_var, col_var)

    def _factored(self, grad, row_var, col_var, w):
        """A matrix's row and column means of ``g²`` (running) and ``V = R C / mean(R)``."""
        row_mean = np.sqrt(np.sum(grad * grad, axis=-1)) ** 2 / grad.shape[-1]
        col_mean = np.sqrt(np.sum(grad * grad, axis=-2)) ** 2 / grad.shape[-2]
        row_var = rules.lerp(row_var, row_mean, w)
        col_var = rules.lerp(col_var, col_mean, w)
        estimate = row_var[..., :, None] * col_var[..., None, :]
        mean = np.maximum(np.sum(row_var, axis=-1) / row_var.shape[-1], self.eps1)
        return row_var, col_var, estimate / mean[..., None, None]


# -- Muon ------------------------------------------------------------------------------------
class MuonState(NamedTuple):
    momentum_buffer: np.ndarray  # like p (the matrices' entries)
    exp_avg: np.ndarray  # AdamW's, for the vectors Muon does not take (a network's biases)
    exp_avg_sq: np.ndarray


NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)  # torch's (from Jordan et al.'s post)
ADAMW = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01}  # torch's defaults


@register
class Muon(Optimizer):
    r"""Muon, as ``torch.optim.Muon``: momentum, orthogonalized per weight matrix.

    .. math::  B_t = \mu B_{t-1} + (1-\mu) G_t, \quad
               U_t = (1-\mu) G_t + \mu B_t \ \text{(Nesterov; else } B_t\text{)}, \\
               O_t = \mathrm{NS}_5(U_t) \approx \text{the orthogonal factor } U V^\top
               \text{ of } U_t = U \Sigma V^\top, \\
               W_t = W_{t-1}(1 - \eta\lambda) - \eta \sqrt{\max(1, A/B)}\; O_t
               \quad (W: A \times B)

    :math:`\mathrm{NS}_5` is five steps of a quintic Newton-Schulz iteration run in
    bfloat16, as torch runs it (its result has about three significant digits);
    ``adjust_lr_fn="match_rms_adamw"`` scales the step by :math:`0.2\sqrt{\max(A, B)}`
    instead (Liu et al. 2025). On the network trainer each weight matrix is a parameter
    in torch's shape (out, in); torch's Muon refuses vectors, so biases (and batch
    normalization's scales) are stepped by ``torch.optim.AdamW`` with its defaults at
    rate ``adamw_lr`` (as torch's docstring pairs them; a schedule scales both rates).

    **On a surface** each start is the 1×2 matrix it is, of rank one, whose only singular
    value Newton-Schulz maps to about 0.69: Muon there is *normalized Nesterov momentum*,
    steps of length about 0.69·lr in the direction of the momentum (measured: 0.68-0.71
    lr), whatever the gradient's size. What Muon does to the singular values of a real
    weight matrix has no picture on a 2-D point. Note torch's default weight_decay of 0.1,
    which pulls every start towards the origin. Jordan et al. (2024), blog post "Muon: An
    optimizer for hidden layers in neural networks".
    """

    name = "muon"
    summary = "orthogonalized momentum per weight matrix; on a 2-D point: normalized momentum"
    reference = "Jordan et al. (2024); Liu et al. (2025)"
    checked_against = "torch.optim.Muon 2.13"
    uncompiled = "it orthogonalizes whole weight matrices, in bfloat16"
    matrix_points = True
    defaults = {
        "lr": 0.02,
        "weight_decay": 0.1,
        "momentum": 0.95,
        "nesterov": True,
        "eps": 1e-7,
        "ns_steps": 5,
        "adjust_lr_fn": "original",
        "adamw_lr": 1e-3,
    }
    choices = {"adjust_lr_fn": ("original", "match_rms_adamw")}
    state_names = {"momentum_buffer": "momentum_buffer"}

    def validate(self) -> None:
        super().validate()
        check_range(self, "ns_steps", 0 <= self.ns_steps < 100, "in [0, 100)")
        check_range(self, "adamw_lr", self.adamw_lr >= 0, ">= 0")

    def init(self, params: np.ndarray) -> MuonState:
        return MuonState(*(np.zeros(params.shape) for _ in range(3)))

    def step(self, p, g, state, lr, t, hess=None):
        return self.step_on(p, g, state, lr, t, None)

    def step_on(self, p, g, state, lr, t, problem):
        layout = _layout(self, p, problem)
        buf, m, v = (np.array(s) for s in state)
        lrs = _per_start(lr, p.shape[:-1])
        parts = []
        for tensor, param, grad in zip(layout.tensors, layout.split(p), layout.split(g),
                                       strict=True):  # fmt: skip
            if len(tensor.shape) == 2:
                parts.append(self._matrix(tensor, param, grad, tensor.of(buf), lrs))
            else:
                parts.append(self._adamw(tensor, param, grad, (m, v), lrs, lr, t))
        return layout.join(parts), MuonState(buf, m, v)

    def _matrix(self, tensor, param, grad, buf, lrs):
        mu = self.momentum
        buf[...] = rules.lerp(buf, grad, 1 - mu)
        update = rules.lerp(grad, buf, mu) if self.nesterov else buf
        ortho = bfloat16.newton_schulz(update, NS_COEFFICIENTS, self.ns_steps, self.eps)
        rows, cols = tensor.shape
        if self.adjust_lr_fn == "match_rms_adamw":
            ratio = 0.2 * math.sqrt(max(rows, cols))
        else:
            ratio = math.sqrt(max(1, rows / cols))
        param = param * _expand(1 - lrs * self.weight_decay, 2)
        return param + _expand(-(lrs * ratio), 2) * ortho

    def _adamw(self, tensor, param, grad, moments, lrs, lr, t):
        """A vector the way torch's AdamW steps it, at ``adamw_lr`` times the schedule."""
        scale = lrs / self.lr if self.lr > 0 else np.ones_like(lrs)
        rate = _expand(self.adamw_lr * scale, 1)
        h = (ADAMW["beta1"], ADAMW["beta2"], ADAMW["eps"], ADAMW["weight_decay"], 0.0, 1.0)
        m, v = (tensor.of(x) for x in moments)
        new, (m[...], v[...], _) = rules.adam(
            param, grad, (m, v, m), rate, t, h, rules.adam_constants(t, h)
        )
        return new
