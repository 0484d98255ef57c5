"""SOAP and MARS: steps that reduce over a whole parameter tensor.

SOAP rotates each tensor's gradient into the eigenbasis of its running outer products
(one basis per dimension of the tensor, Shampoo's Kronecker factors); MARS clips each
tensor's corrected gradient to unit norm. Both follow pytorch_optimizer 4.1.0 operation
by operation. On a surface a start is the matrix ``(1, 2)`` (as for Muon), so that SOAP
has a 2x2 basis to turn and MARS a matrix to correct; the compiled engine declines both.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import rules
from .optim import Optimizer, check_range, register
from .per_tensor import _layout


def _batch(value, like: np.ndarray, dims: int) -> np.ndarray:
    """A rate (a number, or one per start ``(n, 1)``) shaped to scale a tensor of ``dims``
    axes of each start."""
    v = np.asarray(value, dtype=float)
    if v.ndim:
        v = v.reshape(*like.shape[: like.ndim - dims], *([1] * dims))
    return v


# -- SOAP ------------------------------------------------------------------------------------
def _contract_first(x: np.ndarray, q: np.ndarray, dims: int, back: bool) -> np.ndarray:
    """``tensordot(x, q, dims=[[0], [0 or 1]])`` for each start: the tensor's first axis
    against the basis, the result's new axis last (the products summed in order, as MKL's
    small matrix products do, not with a fused multiply-add)."""
    q = np.swapaxes(q, -1, -2) if back else q
    moved = np.moveaxis(x, x.ndim - dims, -1)
    q = q.reshape(*q.shape[:-2], *([1] * (dims - 1)), *q.shape[-2:])
    return np.sum(moved[..., :, None] * q, axis=-2)


def _project(x: np.ndarray, bases: tuple, back: bool = False) -> np.ndarray:
    """SOAP's ``project``: each axis of the tensor in turn into (or out of) its basis; an
    axis without one only moves last."""
    dims = len(bases)
    for q in bases:
        x = np.moveaxis(x, x.ndim - dims, -1) if q is None else _contract_first(x, q, dims, back)
    return x


def _outer(g: np.ndarray, axis: int, dims: int) -> np.ndarray:
    """``tensordot(g, g)`` over every axis of the tensor but ``axis``: ``(..., n, n)``."""
    moved = np.moveaxis(g, g.ndim - dims + axis, -1)
    flat = moved.reshape(*g.shape[: g.ndim - dims], -1, moved.shape[-1])
    return np.sum(flat[..., :, :, None] * flat[..., :, None, :], axis=-3)


def _eigenbasis(gg: np.ndarray) -> np.ndarray:
    """Eigenvectors of each symmetric ``gg``, largest eigenvalue first."""
    eye = np.eye(gg.shape[-1])
    return np.linalg.eigh(gg + 1e-30 * eye).eigenvectors[..., ::-1]


def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a[..., :, :, None] * b[..., None, :, :], axis=-2)


class SOAPState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray  # in the rotated basis
    GG: tuple  # per tensor, per axis: the running outer products, or None
    Q: tuple  # per tensor, per axis: their eigenbasis, or None


@register
class SOAP(Optimizer):
    r"""SOAP, Adam in Shampoo's eigenbasis, as ``pytorch_optimizer.SOAP``.

    For each weight matrix :math:`G` (a start of a surface: the 1x2 matrix it is):

    .. math::  L_t = \beta L_{t-1} + (1-\beta)\, G_t G_t^\top, \quad
               R_t = \beta R_{t-1} + (1-\beta)\, G_t^\top G_t, \\
               \tilde G_t = Q_L^\top G_t Q_R, \quad
               v_t = \beta_2 v_{t-1} + (1-\beta_2) \tilde G_t^2, \quad
               m_t = \beta_1 m_{t-1} + (1-\beta_1) G_t, \\
               P_t = P_{t-1} - \eta\,\frac{\sqrt{1-\beta_2^{t-1}}}{1-\beta_1^{t-1}}\,
               Q_L \frac{Q_L^\top m_t Q_R}{\sqrt{v_t} + \epsilon} Q_R^\top,
               \quad P_t \leftarrow P_t (1 - \eta\lambda)

    :math:`Q_L, Q_R` are the eigenbases of :math:`L, R`: computed exactly (``eigh``) at
    the first step, then refreshed every ``precondition_frequency`` steps by one power
    iteration and a QR decomposition in float32, as the reference does (the Adam
    second moment :math:`v` is permuted with the basis). Adam runs in the rotated
    coordinates, where the curvature's axes are; on a surface that turns Adam's
    axis-aligned steps along a tilted ravine. The first step only gathers statistics
    and does not move; weight decay comes after the step. Vectors (biases) get no basis
    unless ``precondition_1d``. ``shampoo_beta = 0`` stands for the reference's
    ``None`` (:math:`\beta = \beta_2`). Vyas et al. (2024), arXiv:2409.11321.
    """

    name = "soap"
    summary = "Adam in the rotating eigenbasis of Shampoo's preconditioner"
    reference = "Vyas et al. (2024)"
    checked_against = "pytorch_optimizer.SOAP 4.1.0"
    uncompiled = "it rotates whole tensors into an eigenbasis (eigh, float32 QR)"
    matrix_points = True
    defaults = {
        "lr": 0.01,
        "beta1": 0.95,
        "beta2": 0.95,
        "shampoo_beta": 0.0,
        "eps": 1e-8,
        "weight_decay": 0.01,
        "precondition_frequency": 10,
        "max_precondition_dim": 10000,
        "precondition_1d": False,
        "correct_bias": True,
        "normalize_gradient": False,
    }
    state_names = {"exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}

    def validate(self) -> None:
        super().validate()
        check_range(self, "shampoo_beta", 0 <= self.shampoo_beta < 1, "in [0, 1) (0: beta2)")
        check_range(self, "precondition_frequency", self.precondition_frequency >= 1, ">= 1")
        check_range(self, "max_precondition_dim", self.max_precondition_dim >= 1, ">= 1")

    def init(self, params: np.ndarray) -> SOAPState:
        zero = np.zeros(np.shape(params))
        return SOAPState(zero, zero, (), ())

    def step(self, p, g, state, lr, t, hess=None):
        return self.step_on(p, g, state, lr, t, None)

    def step_on(self, p, g, state, lr, t, problem):
        layout = _layout(self, p, problem)
        shapes, grads = [x.shape for x in layout.tensors], layout.split(g)
        if t == 1:  # the reference only gathers its first statistics
            bases = [self._first(shape, grad) for shape, grad in zip(shapes, grads, strict=True)]
            gg, q = zip(*bases, strict=True)
            return p, SOAPState(state.exp_avg, state.exp_avg_sq, gg, q)
        k = t - 1
        step_size = lr
        if self.correct_bias:
            step_size = lr * (math.sqrt(1 - self.beta2**k) / (1 - self.beta1**k))
        parts = zip(shapes, layout.split(p), grads, layout.split(state.exp_avg),
                    layout.split(state.exp_avg_sq), state.GG, state.Q, strict=True)  # fmt: skip
        out = [self._tensor(*part, lr, step_size, k) for part in parts]
        new_p, m, v, gg, q = zip(*out, strict=True)
        join = layout.join
        return join(list(new_p)), SOAPState(join(list(m)), join(list(v)), gg, q)

    def _shampoo_beta(self) -> float:
        return self.shampoo_beta or self.beta2

    def _preconditioned(self, shape: tuple) -> list[bool]:
        if len(shape) == 1 and not self.precondition_1d:
            return [False]
        return [n <= self.max_precondition_dim for n in shape]

    def _first(self, shape, grad):
        dims = len(shape)
        gg = tuple(
            rules.lerp(0.0, _outer(grad, i, dims), 1 - self._shampoo_beta()) if on else None
            for i, on in enumerate(self._preconditioned(shape))
        )
        return gg, tuple(None if m is None else _eigenbasis(m) for m in gg)

    def _tensor(self, shape, param, grad, m, v, gg, q, lr, step_size, k):
        dims = len(shape)
        projected = _project(grad, q)
        m = rules.lerp(m, grad, 1 - self.beta1)
        v = rules.lerp(v, projected * projected, 1 - self.beta2)
        denom = np.sqrt(v) + self.eps
        update = _project(_project(m, q) / denom, q, back=True)
        if self.normalize_gradient:
            axes = tuple(range(-dims, 0))
            rms = np.sqrt(np.mean(update * update, axis=axes, keepdims=True))
            update = update / (rms + self.eps)
        param = param - _batch(step_size, param, dims) * update
        if self.weight_decay != 0:
            param = param * (1 - self.weight_decay * _batch(lr, param, dims))
        gg = tuple(
            None if a is None else rules.lerp(a, _outer(grad, i, dims), 1 - self._shampoo_beta())
            for i, a in enumerate(gg)
        )
        if k % self.precondition_frequency == 0:
            q, v = self._refresh(gg, q, v, dims)
        return param, m, v, gg, q

    @staticmethod
    def _refresh(gg, q, v, dims):
        """One power iteration and a float32 QR per basis; ``v`` follows the new order."""
        bases = []
        for i, (a, basis) in enumerate(zip(gg, q, strict=True)):
            if a is None:
                bases.append(None)
                continue
            product = _mm(a, basis)
            estimate = np.sum(basis * product, axis=-2)
            order = np.argsort(-estimate, axis=-1, kind="stable")
            axis = v.ndim - dims + i
            index = order.reshape(*order.shape[:-1], *([1] * i), -1, *([1] * (dims - 1 - i)))
            v = np.take_along_axis(v, np.broadcast_to(index, v.shape), axis=axis)
            power = np.take_along_axis(product, order[..., None, :], axis=-1)
            bases.append(np.linalg.qr(power.astype(np.float32)).Q.astype(np.float64))
        return tuple(bases), v


# -- MARS ------------------------------------------------------------------------------------
class MARSState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    last_grad: np.ndarray
    max_exp_avg_sq: np.ndarray


@register
class MARS(Optimizer):
    r"""MARS, variance-reduced AdamW, as ``pytorch_optimizer.MARS`` (``mars_type='adamw'``).

    For each weight matrix (a start of a surface: the 1x2 matrix it is):

    .. math::  c_t = g_t + \gamma \frac{\beta_1}{1-\beta_1} (g_t - g_{t-1}), \quad
               c_t \leftarrow c_t / \max(1, \lVert c_t \rVert), \\
               m_t = \beta_1 m_{t-1} + (1-\beta_1) c_t, \quad
               v_t = \beta_2 v_{t-1} + (1-\beta_2) c_t^2, \\
               p_t = p_{t-1}(1 - \eta\lambda) - \eta\,
               \frac{m_t}{(\sqrt{v_t + 10^{-15}} + \epsilon)\,(1-\beta_1^t)/\sqrt{1-\beta_2^t}}

    The correction :math:`\gamma\beta_1/(1-\beta_1)(g_t - g_{t-1})` (the paper's
    approximate variant: the last gradient, no second evaluation) reduces the variance
    of stochastic gradients; clipping the corrected gradient to unit norm keeps a step
    from ever being driven by more than a unit gradient. ``lion=true`` takes
    :math:`\mathrm{sign}(m_t)` instead (``mars_type='lion'``); the reference's
    ``'shampoo'`` type is left out. Vectors (a network's biases) get plain AdamW with
    ``lr_1d``, ``beta1_1d``, ``beta2_1d``, ``weight_decay_1d`` unless ``optimize_1d``.
    Coupled weight decay (``weight_decouple=false``) is the reference's: it changes only
    the gradient remembered for the next correction. Yuan et al. (2024), arXiv:2411.10438.
    """

    name = "mars"
    summary = "AdamW on a variance-reduced gradient, clipped to unit norm per tensor"
    reference = "Yuan et al. (2024)"
    checked_against = "pytorch_optimizer.MARS 4.1.0"
    uncompiled = "it clips each tensor's corrected gradient by the tensor's norm"
    matrix_points = True
    defaults = {
        "lr": 0.01,
        "beta1": 0.95,
        "beta2": 0.99,
        "gamma": 0.025,
        "lion": False,
        "optimize_1d": False,
        "lr_1d": 3e-3,
        "beta1_1d": 0.9,
        "beta2_1d": 0.95,
        "weight_decay": 0.0,
        "weight_decay_1d": 0.1,
        "weight_decouple": True,
        "fixed_decay": False,
        "ams_bound": False,
        "eps": 1e-8,
    }
    state_names = {field: field for field in MARSState._fields}

    def validate(self) -> None:
        super().validate()
        check_range(self, "gamma", self.gamma >= 0, ">= 0")
        check_range(self, "lr_1d", self.lr_1d >= 0, ">= 0")
        check_range(self, "weight_decay_1d", self.weight_decay_1d >= 0, ">= 0")
        for key in ("beta1_1d", "beta2_1d"):
            check_range(self, key, 0 <= self.hyper[key] < 1, "in [0, 1)")

    def kept_state(self) -> dict[str, str]:
        kept = dict(self.state_names)
        if not self.ams_bound:
            del kept["max_exp_avg_sq"]
        return kept

    def init(self, params: np.ndarray) -> MARSState:
        return MARSState(*(np.zeros(np.shape(params)) for _ in MARSState._fields))

    def step(self, p, g, state, lr, t, hess=None):
        return self.step_on(p, g, state, lr, t, None)

    def step_on(self, p, g, state, lr, t, problem):
        layout = _layout(self, p, problem)
        fields = [layout.split(field) for field in state]
        parts = [
            self._tensor(tensor.shape, param, grad, [f[i] for f in fields], lr, t)
            for i, (tensor, param, grad) in enumerate(
                zip(layout.tensors, layout.split(p), layout.split(g), strict=True)
            )
        ]
        new_p, *kept = zip(*parts, strict=True)
        return layout.join(list(new_p)), MARSState(*(layout.join(list(f)) for f in kept))

    def _tensor(self, shape, param, grad, state, lr, t):
        m, v, last, v_max = state
        dims = len(shape)
        mixed = self.optimize_1d or dims >= 2  # MARS proper; else plain AdamW
        b1, b2 = (self.beta1, self.beta2) if mixed else (self.beta1_1d, self.beta2_1d)
        rate = lr if mixed else lr * (self.lr_1d / self.lr)  # the reference's lr_1d_factor
        rate = _batch(rate, param, dims)
        wd = self.weight_decay if mixed else self.weight_decay_1d
        c = grad
        if mixed:
            c = (grad - last) * (self.gamma * b1 / (1.0 - b1)) + grad
            axes = tuple(range(-dims, 0))
            norm = np.sqrt(np.sum(c * c, axis=axes, keepdims=True))
            c = c / np.where(norm < 1.0, 1.0, norm)  # clamp_min(1): NaN stays
        m = rules.lerp(m, c, 1 - b1)
        if mixed and self.lion:
            update = np.sign(m)
        else:
            v = v * b2 + ((1 - b2) * c) * c
            if self.ams_bound:
                v_max = np.maximum(v_max, v)
            denom = np.sqrt((v_max if self.ams_bound else v) + 1e-15) + self.eps
            denom = denom / math.sqrt(1 - b2**t) * (1 - b1**t)
            update = m / denom
        remembered = grad
        if wd != 0.0:
            if self.weight_decouple:
                param = param * (1 - wd * (1.0 if self.fixed_decay else rate))
            else:  # the reference adds the decay to the gradient after using it
                remembered = grad + wd * param
        return param - rate * update, m, v, remembered, v_max
