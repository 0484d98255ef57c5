"""Optimizer rules for the compiled engine: one start, one coordinate, plain scalars.

Each rule repeats the arithmetic of its class in :mod:`optviz.engine.optim` operation by
operation (same products, same order, torch's ``lerp`` form), so that the compiled
engine and the numpy engine give the same trajectories; the equality is tested for
every built-in optimizer. The functions are plain Python: their source is copied into
the generated kernel modules (see :mod:`optviz.engine.kernels.codegen`) and compiled there.

A rule is ``rule(p, g, s, lr, t, h, k) -> (p, s)``: ``s`` is the state tuple of this
coordinate, ``t`` the 1-based step, ``h`` the hyperparameters as floats (booleans are
1.0 / 0.0) and ``k`` what ``<rule>_constants(t, h)`` computed once per step for all
starts (bias corrections: powers of the betas). Newton's rule mixes both coordinates and
takes the Hessian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# -- helpers the rules share (copied into every kernel module) ------------------------------


def lerp(start, end, weight):
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def nanmax(a, b):
    # np.maximum: a NaN on either side wins
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


def no_constants(t, h):
    return (0.0,)


def sign(z):
    # np.sign: 0 stays 0, NaN stays NaN
    if z > 0:
        return 1.0
    if z < 0:
        return -1.0
    return z


def decay(p, g, lr, wd, decoupled):
    # optim._decay: AdamW shrinks the weights, Adam adds wd * p to the gradient
    if wd == 0.0:
        return p, g
    if decoupled != 0.0:
        return p * (1 - lr * wd), g
    return p, g + wd * p


HELPERS = (lerp, nanmax, sign, decay, no_constants)


# -- the rules ----------------------------------------------------------------------------


def sgd(p, g, s, lr, t, h, k):
    momentum, dampening, wd, nesterov = h[0], h[1], h[2], h[3]
    if wd != 0.0:
        g = g + wd * p
    if momentum == 0.0:
        return p - lr * g, s
    buf = momentum * s[0] + (1 - dampening) * g if t > 1 else g
    direction = g + momentum * buf if nesterov != 0.0 else buf
    return p - lr * direction, (buf,)


def adagrad_constants(t, h):
    return (1 + (t - 1) * h[0],)


def adagrad(p, g, s, lr, t, h, k):
    wd, eps = h[1], h[3]
    if wd != 0.0:
        g = g + wd * p
    clr = lr / k[0]
    total = s[0] + g * g
    return p - clr * (g / (math.sqrt(total) + eps)), (total,)


def adadelta(p, g, s, lr, t, h, k):
    rho, eps, wd = h[0], h[1], h[2]
    if wd != 0.0:
        g = g + wd * p
    v = rho * s[0] + (1 - rho) * g * g
    delta = math.sqrt(s[1] + eps) / math.sqrt(v + eps) * g
    u = rho * s[1] + (1 - rho) * delta * delta
    return p - lr * delta, (v, u)


def rmsprop(p, g, s, lr, t, h, k):
    a, eps, wd, momentum, centered = h[0], h[1], h[2], h[3], h[4]
    if wd != 0.0:
        g = g + wd * p
    v = a * s[0] + (1 - a) * g * g
    gbar = lerp(s[1], g, 1 - a) if centered != 0.0 else s[1]
    denom = math.sqrt(v - gbar * gbar if centered != 0.0 else v) + eps
    if momentum > 0:
        buf = momentum * s[2] + g / denom
        return p - lr * buf, (v, gbar, buf)
    return p - lr * (g / denom), (v, gbar, s[2])


def adam_constants(t, h):
    tf = float(t)
    return (1 - h[0] ** tf, math.sqrt(1 - h[1] ** tf))


def adam(p, g, s, lr, t, h, k):
    b1, b2, eps, wd, amsgrad, decoupled = h[0], h[1], h[2], h[3], h[4], h[5]
    p, g = decay(p, g, lr, wd, decoupled)
    m = lerp(s[0], g, 1 - b1)
    v = b2 * s[1] + (1 - b2) * g * g
    v_max = nanmax(s[2], v) if amsgrad != 0.0 else s[2]
    denom = math.sqrt(v_max if amsgrad != 0.0 else v) / k[1] + eps
    return p - (lr / k[0]) * (m / denom), (m, v, v_max)


def nadam_constants(t, h):
    b1, b2, psi = h[0], h[1], h[4]
    mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    return (mu, mu_next, 1 - b2 ** float(t))


def nadam(p, g, s, lr, t, h, k):
    b1, b2, eps, wd, decoupled = h[0], h[1], h[2], h[3], h[5]
    p, g = decay(p, g, lr, wd, decoupled)
    mu, mu_next = k[0], k[1]
    mu_product = s[2] * mu
    m = lerp(s[0], g, 1 - b1)
    v = b2 * s[1] + (1 - b2) * g * g
    denom = math.sqrt(v / k[2]) + eps
    p = p - (lr * (1 - mu) / (1 - mu_product)) * (g / denom)
    p = p - (lr * mu_next / (1 - mu_product * mu_next)) * (m / denom)
    return p, (m, v, mu_product)


def radam_constants(t, h):
    b1, b2 = h[0], h[1]
    tf = float(t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**tf / (1 - b2**tf)
    rect = 0.0
    if rho_t > 5:
        rect = math.sqrt(
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )
    return (1 - b1**tf, rho_t, rect, math.sqrt(1 - b2**tf))


def radam(p, g, s, lr, t, h, k):
    b1, b2, eps, wd, decoupled = h[0], h[1], h[2], h[3], h[4]
    p, g = decay(p, g, lr, wd, decoupled)
    m = lerp(s[0], g, 1 - b1)
    v = b2 * s[1] + (1 - b2) * g * g
    m_hat = m / k[0]
    if k[1] > 5:
        adaptive = k[3] / (math.sqrt(v) + eps)
        p = p - m_hat * lr * adaptive * k[2]
    else:
        p = p - lr * m_hat
    return p, (m, v)


def adamax_constants(t, h):
    return (1 - h[0] ** float(t),)


def adamax(p, g, s, lr, t, h, k):
    b1, b2, eps, wd = h[0], h[1], h[2], h[3]
    if wd != 0.0:
        g = g + wd * p
    m = lerp(s[0], g, 1 - b1)
    u = nanmax(b2 * s[1], abs(g) + eps)
    return p - (lr / k[0]) * (m / u), (m, u)


def lion(p, g, s, lr, t, h, k):
    b1, b2, wd = h[0], h[1], h[2]
    c = b1 * s[0] + (1 - b1) * g
    p = p - lr * (sign(c) + wd * p)
    return p, (b2 * s[0] + (1 - b2) * g,)


def newton(x, y, gx, gy, hxx, hxy, hyy, lr, h):
    # optim.pinv_solve for one start, operation by operation: (H + damping I)^+ g
    a, b, c = hxx + h[0], hxy, hyy + h[0]
    mean, half_gap = 0.5 * (a + c), 0.5 * (a - c)
    scale = nanmax(abs(half_gap), abs(b))
    radius = 0.0
    if scale > 0:
        gap_s, b_s = half_gap / scale, b / scale
        radius = scale * math.sqrt(gap_s * gap_s + b_s * b_s)
    big = mean + math.copysign(radius, mean)
    small = (a * c - b * b) / big if big != 0 else 0.0
    w_up, w_down = (big, small) if mean >= 0 else (small, big)
    cutoff = 1e-12 * abs(big)
    inv_up = 1.0 / w_up if abs(w_up) > cutoff else 0.0
    inv_down = 1.0 / w_down if abs(w_down) > cutoff else 0.0
    if radius == 0:
        cos, sin = 1.0, 0.0
    elif half_gap >= 0:
        cos = math.sqrt((radius + half_gap) / (2 * radius))
        sin = b / (2 * radius * cos)
    else:
        sin = math.copysign(math.sqrt((radius - half_gap) / (2 * radius)), b)
        cos = b / (2 * radius * sin)
    up = (cos * gx + sin * gy) * inv_up
    down = (cos * gy - sin * gx) * inv_down
    return x - lr * (cos * up - sin * down), y - lr * (sin * up + cos * down)


RULES = (sgd, adagrad, adadelta, rmsprop, adam, nadam, radam, adamax, lion, newton)
CONSTANTS = (adagrad_constants, adam_constants, nadam_constants, radam_constants, adamax_constants)


# -- which rule runs which optimizer --------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A rule, its hyperparameters as floats and its initial state per coordinate."""

    rule: Any
    hyper: tuple[float, ...]
    state: tuple[float, ...]

    @property
    def name(self) -> str:
        return self.rule.__name__

    @property
    def constants(self) -> Any:
        return globals().get(f"{self.name}_constants", no_constants)


def _floats(opt: Any, *keys: str) -> tuple[float, ...]:
    return tuple(float(opt.hyper[k]) for k in keys)


def plan(opt: Any) -> Plan | None:
    """The compiled rule for ``opt``, or ``None`` when only the numpy engine can run it.

    Only the built-in classes themselves qualify: a subclass may change ``step``.
    """
    from .. import optim as o

    kind = type(opt)
    if kind in (o.GD, o.SGD, o.Momentum, o.Nesterov):
        return Plan(sgd, _floats(opt, "momentum", "dampening", "weight_decay", "nesterov"), (0.0,))
    if kind is o.Adagrad:
        keys = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")
        return Plan(adagrad, _floats(opt, *keys), (float(opt.initial_accumulator_value),))
    if kind is o.Adadelta:
        return Plan(adadelta, _floats(opt, "rho", "eps", "weight_decay"), (0.0, 0.0))
    if kind is o.RMSprop:
        keys = ("alpha", "eps", "weight_decay", "momentum", "centered")
        return Plan(rmsprop, _floats(opt, *keys), (0.0, 0.0, 0.0))
    if kind in (o.Adam, o.AMSGrad, o.AdamW):
        decoupled = float(bool(kind.decoupled or opt.hyper.get("decoupled_weight_decay")))
        hyper = (*_floats(opt, "beta1", "beta2", "eps", "weight_decay", "amsgrad"), decoupled)
        return Plan(adam, hyper, (0.0, 0.0, 0.0))
    if kind is o.NAdam:
        keys = ("beta1", "beta2", "eps", "weight_decay", "momentum_decay")
        hyper = (*_floats(opt, *keys), float(opt.decoupled_weight_decay))
        return Plan(nadam, hyper, (0.0, 0.0, 1.0))
    if kind is o.RAdam:
        keys = ("beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay")
        return Plan(radam, _floats(opt, *keys), (0.0, 0.0))
    if kind is o.Adamax:
        return Plan(adamax, _floats(opt, "beta1", "beta2", "eps", "weight_decay"), (0.0, 0.0))
    if kind is o.Lion:
        return Plan(lion, _floats(opt, "beta1", "beta2", "weight_decay"), (0.0,))
    if kind is o.Newton:
        return Plan(newton, _floats(opt, "damping"), ())
    return None
