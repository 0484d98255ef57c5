"""The update rules, written once for both engines.

A rule is ``rule(p, g, s, lr, t, h, k) -> (p, s)``: the parameters ``p``, the gradient
``g``, the state tuple ``s``, this step's rate ``lr``, the 1-based step ``t``, the
hyperparameters ``h`` as floats (booleans are 1.0 / 0.0, in the order of the class's
``rule_keys``) and ``k``, what ``<rule>_constants(t, h)`` computes once per step
(bias corrections: powers of the betas). Every operation is elementwise, so the same
source runs two ways:

- the numpy engine calls it on whole arrays ``(..., d)``: :meth:`optviz.Optimizer.step`;
- the compiled engine copies its source into a generated numba module and calls it on
  one coordinate of one start at a time (:mod:`optviz.engine.kernels.codegen`).

So a rule may branch only on scalars (hyperparameters, ``t``, ``k``), and calls on
arrays only the functions below, which the kernel module defines again for scalars with
numpy's semantics (``maximum`` lets a NaN win, ``sign`` keeps 0 and NaN). It uses only
operations IEEE 754 rounds exactly (``+ - * /``, ``sqrt``), so both engines give the same
bits on any CPU; powers appear only in the per-step constants, which both engines compute
with the C library's ``pow`` on Python floats.

The arithmetic follows ``torch.optim`` operation by operation (torch's ``lerp`` form,
eps placement, the order of products), so trajectories match PyTorch's.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
from numpy import absolute, copysign, maximum, sign, sqrt, where

# -- helpers the rules share (copied into every kernel module) ------------------------------


def lerp(start, end, weight):
    # torch's lerp: start + w·(end − start), rounded as torch rounds it (the form matters
    # where a later step cancels, as in centered RMSprop's v − ḡ²)
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def decay(p, g, lr, wd, decoupled):
    # torch's weight decay: AdamW shrinks the weights, the others add wd·p to the gradient
    if wd == 0.0:
        return p, g
    if decoupled != 0.0:
        return p * (1 - lr * wd), g
    return p, g + wd * p


def no_constants(t, h):
    return (0.0,)


def filled(like, value):
    # ``value`` (a per-step number) in every coordinate, shaped like ``like``: a state
    # field the rule sets from its constants stays an array like the others
    return where(True, value, like)


def lerp_each(start, end, weight):
    # torch's lerp where the weight is an array (one per start): each element takes the
    # form torch takes for its own weight
    near = start + weight * (end - start)
    far = end - (end - start) * (1 - weight)
    return where(absolute(weight) < 0.5, near, far)


HELPERS = (lerp, decay, no_constants, filled, lerp_each)
# the array functions a rule may call; kernels define scalar versions of each
ARRAY_FUNCTIONS = ("absolute", "copysign", "maximum", "sign", "sqrt", "where")


# -- the rules ----------------------------------------------------------------------------


def sgd(p, g, s, lr, t, h, k):
    momentum, dampening, wd, nesterov = h[0], h[1], h[2], h[3]
    if wd != 0.0:
        g = g + wd * p
    if momentum == 0.0:
        return p - lr * g, s
    # torch: the first step sets buf = g (no dampening); later buf = μ·buf + (1-τ)·g
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
    return p - clr * (g / (sqrt(total) + eps)), (total,)


def adadelta(p, g, s, lr, t, h, k):
    rho, eps, wd = h[0], h[1], h[2]
    if wd != 0.0:
        g = g + wd * p
    v = rho * s[0] + (1 - rho) * g * g
    delta = sqrt(s[1] + eps) / sqrt(v + eps) * g
    u = rho * s[1] + (1 - rho) * delta * delta
    return p - lr * delta, (v, u)


def rmsprop(p, g, s, lr, t, h, k):
    a, eps, wd, momentum, centered = h[0], h[1], h[2], h[3], h[4]
    if wd != 0.0:
        g = g + wd * p
    v = a * s[0] + (1 - a) * g * g
    gbar = lerp(s[1], g, 1 - a) if centered != 0.0 else s[1]
    denom = sqrt(v - gbar * gbar if centered != 0.0 else v) + eps
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
    v_max = maximum(s[2], v) if amsgrad != 0.0 else s[2]
    denom = sqrt(v_max if amsgrad != 0.0 else v) / k[1] + eps
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
    denom = sqrt(v / k[2]) + eps
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
        adaptive = k[3] / (sqrt(v) + eps)
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
    u = maximum(b2 * s[1], absolute(g) + eps)
    return p - (lr / k[0]) * (m / u), (m, u)


def lion(p, g, s, lr, t, h, k):
    b1, b2, wd = h[0], h[1], h[2]
    c = b1 * s[0] + (1 - b1) * g
    p = p - lr * (sign(c) + wd * p)
    return p, (b2 * s[0] + (1 - b2) * g,)


def newton(x, y, gx, gy, hxx, hxy, hyy, lr, h):
    # (H + damping·I)^+ g for the symmetric 2x2 H = [[hxx, hxy], [hxy, hyy]], in closed
    # form: eigenvalues below 1e-12 times the largest in magnitude count as zero (the
    # pseudo-inverse leaves that direction alone). Mixes the two coordinates of a start.
    a, b, c = hxx + h[0], hxy, hyy + h[0]
    mean, half_gap = 0.5 * (a + c), 0.5 * (a - c)
    scale = maximum(absolute(half_gap), absolute(b))
    gap_s, b_s = half_gap / scale, b / scale
    radius = where(scale > 0, scale * sqrt(gap_s * gap_s + b_s * b_s), 0.0)
    # the eigenvalue of larger magnitude has no cancellation; the other is det / it
    big = mean + copysign(radius, mean)
    small = where(big != 0, (a * c - b * b) / big, 0.0)
    w_up = where(mean >= 0, big, small)  # eigenvalue mean + radius
    w_down = where(mean >= 0, small, big)  # eigenvalue mean − radius
    cutoff = 1e-12 * absolute(big)
    inv_up = where(absolute(w_up) > cutoff, 1.0 / w_up, 0.0)
    inv_down = where(absolute(w_down) > cutoff, 1.0 / w_down, 0.0)
    # (cos, sin), the eigenvector of mean + radius, from half-angle formulas: each branch
    # takes the root without cancellation and derives the other component
    cos_right = sqrt((radius + half_gap) / (2 * radius))
    sin_left = copysign(sqrt((radius - half_gap) / (2 * radius)), b)
    cos = where(half_gap >= 0, cos_right, b / (2 * radius * sin_left))
    sin = where(half_gap >= 0, b / (2 * radius * cos_right), sin_left)
    cos = where(radius == 0, 1.0, cos)  # H = a·I: every direction is an eigenvector
    sin = where(radius == 0, 0.0, sin)
    up = (cos * gx + sin * gy) * inv_up
    down = (cos * gy - sin * gx) * inv_down
    return x - lr * (cos * up - sin * down), y - lr * (sin * up + cos * down)


def rprop(p, g, s, lr, t, h, k):
    # torch.optim.Rprop: a coordinate's step size grows by etaplus while its gradient
    # keeps its sign and shrinks by etaminus when the sign flips; a flip also skips the
    # move (that gradient counts as zero). torch sets the sizes to lr on the first step
    # and never reads lr again, so a schedule does not reach Rprop.
    etaminus, etaplus, size_min, size_max = h[0], h[1], h[2], h[3]
    size = s[1] if t > 1 else lr
    turn = g * s[0]  # torch forms the product first, then takes its sign
    size = size * where(turn > 0, etaplus, where(turn < 0, etaminus, 1.0))
    size = maximum(size, size_min)
    size = where(size > size_max, size_max, size)
    g = where(turn < 0, 0.0, g)
    return p - sign(g) * size, (g, size)


def asgd_constants(t, h, lr):
    # the rate and averaging weight torch computes after step t (Python floats), used by
    # step t + 1: eta = lr / (1 + lambd·lr·t)^alpha, mu = 1 / max(1, t - t0)
    lambd, alpha, t0 = h[0], h[1], h[2]
    tf = float(t)
    return (lr / power(1 + lambd * lr * tf, alpha), 1 / max(1.0, tf - t0))


def asgd(p, g, s, lr, t, h, k):
    # torch.optim.ASGD: SGD with a decaying rate that shrinks the weights by lambd·eta,
    # and ax, the running average of the iterates from step t0 + 2 on (before: a copy)
    lambd, wd = h[0], h[3]
    eta = s[0] if t > 1 else lr
    mu = s[1]
    if wd != 0.0:
        g = g + wd * p
    p = p * (1 - lambd * eta)
    p = p - eta * g
    ax = where(mu != 1, s[2] + (p - s[2]) * mu, p)
    return p, (filled(p, k[0]), filled(p, k[1]), ax)


# -- today's optimizers, after their reference implementations --------------------------------
def adan_constants(t, h):
    # pytorch_optimizer's debias: 1 - beta ** step with math.pow
    tf = float(t)
    return (1 - h[0] ** tf, 1 - h[1] ** tf, math.sqrt(1 - h[2] ** tf))


def adan(p, g, s, lr, t, h, k):
    # pytorch_optimizer.Adan (foreach path): previous_grad holds minus the last gradient,
    # so previous_grad + g is the gradient's change (0 at the first step)
    b1, b2, b3, eps, wd, decoupled = h[0], h[1], h[2], h[3], h[4], h[5]
    diff = (s[3] if t > 1 else -g) + g
    m = lerp(s[0], g, 1 - b1)
    n = lerp(s[2], diff, 1 - b2)
    nesterov = diff * b2 + g
    v = b3 * s[1] + (1 - b3) * nesterov * nesterov
    denom = sqrt(v) / k[2] + eps
    if wd != 0.0 and decoupled != 0.0:
        p = p * (1 - lr * wd)
    p = p + (-(lr / k[0]) * m) / denom
    p = p + (-(lr * b2 / k[1]) * n) / denom
    if wd != 0.0 and decoupled == 0.0:
        p = p / (1 + lr * wd)  # the paper's proximal decay
    return p, (m, v, n, -g)


def ademamix_constants(t, h):
    # bias corrections, and alpha and beta3 on their warm-up over t_alpha_beta3 steps
    b1, b2, b3, alpha, horizon = h[0], h[1], h[2], h[3], h[4]
    tf = float(t)
    alpha_t, beta3_t = alpha, b3
    if horizon > 0.0:
        alpha_t = min(tf * alpha / horizon, alpha)
        log1, log3 = math.log(b1), math.log(b3)
        mix = (1.0 - tf / horizon) * log3 + (tf / horizon) * log1
        beta3_t = min(math.exp(log1 * log3 / mix), b3)
    return (1 - b1**tf, math.sqrt(1 - b2**tf), alpha_t, beta3_t)


def ademamix(p, g, s, lr, t, h, k):
    # pytorch_optimizer.AdEMAMix: Adam's fast average plus alpha times a slow one
    b1, b2, eps, wd, decoupled, fixed = h[0], h[1], h[5], h[6], h[7], h[8]
    if wd != 0.0:
        if decoupled == 0.0:
            g = g + wd * p
        else:
            p = p * (1 - wd * (1.0 if fixed != 0.0 else lr))
    m = lerp(s[0], g, 1 - b1)
    v = b2 * s[1] + (1 - b2) * g * g
    slow = lerp(s[2], g, 1 - k[3])
    denom = sqrt(v) / k[1] + eps
    u = m / k[0] + k[2] * slow
    return p + (-lr * u) / denom, (m, v, slow)


def sophia_constants(t, h):
    # 1.0 on the steps that refresh the Hessian's average: 1, 1 + period, ...
    return (1.0 if (t - 1) % h[5] == 0 else 0.0,)


def sophia(p, g, s, lr, t, h, k, hd):
    # pytorch_optimizer.SophiaH given the Hessian's diagonal hd (its own estimate is
    # Hutchinson's, whose expectation this is): a clipped Newton-like step
    b1, b2, wd, decoupled, fixed, clip, eps = h[0], h[1], h[2], h[3], h[4], h[6], h[7]
    if wd != 0.0:
        if decoupled == 0.0:
            g = g + wd * p
        else:
            p = p * (1 - wd * (1.0 if fixed != 0.0 else lr))
    m = lerp(s[0], g, 1 - b1)
    hessian = hd if k[0] != 0.0 else s[2]
    moment = lerp(s[1], hessian, 1 - b2) if k[0] != 0.0 else s[1]
    ratio = m / maximum(moment, eps)
    ratio = where(ratio > clip, clip, maximum(ratio, -clip))
    return p - lr * ratio, (m, moment, hessian)


def sgd_schedulefree_constants(t, h):
    # the warm-up factor of the rate and (k + 1) ** r of the averaging weight
    warmup, r = h[2], h[3]
    tf = float(t)
    return ((tf / warmup) if t - 1 < warmup else 1.0, tf**r)


def average_weight(lr, s, k, power_of_lr):
    # schedulefree's weight of the newest z in the average x: c = w / sum(w) with
    # w = (k+1)^r lr_max^power, lr_max the largest rate so far (s[1]), sum so far s[2];
    # the usual square exactly, other powers with the C library's pow (as the reference)
    lr_max = maximum(lr, s[1])
    raised = lr_max * lr_max if power_of_lr == 2.0 else power(lr_max, power_of_lr)
    weight = k[1] * raised
    weight_sum = s[2] + weight
    return where(weight_sum != 0.0, weight / weight_sum, 0.0), lr_max, weight_sum


def sgd_schedulefree(p, g, s, lr, t, h, k):
    # schedulefree.SGDScheduleFree in train mode: p is y, where the gradient is taken;
    # z is the plain SGD sequence, x (reported) lies between them
    momentum, wd = h[0], h[1]
    lr = lr * k[0]
    z = s[0] if t > 1 else p
    c, lr_max, weight_sum = average_weight(lr, s, k, h[4])
    if wd != 0.0:
        g = g + wd * p
    y = lerp_each(p, z, c)
    y = y + (lr * (momentum * (1 - c) - 1)) * g
    return y, (z - lr * g, lr_max, weight_sum)


def adamw_schedulefree_constants(t, h):
    warmup, r = h[4], h[5]
    tf = float(t)
    return ((tf / warmup) if t - 1 < warmup else 1.0, tf**r, 1 - h[1] ** tf)


def adamw_schedulefree(p, g, s, lr, t, h, k):
    # schedulefree.AdamWScheduleFree in train mode: the gradient divided by Adam's
    # (bias-corrected) RMS drives the same three sequences as SGDScheduleFree
    b1, b2, eps, wd = h[0], h[1], h[2], h[3]
    lr = lr * k[0]
    z = s[0] if t > 1 else p
    c, lr_max, weight_sum = average_weight(lr, s, k, h[6])
    v = b2 * s[3] + (1 - b2) * g * g
    g = g / (sqrt(v / k[2]) + eps)
    if wd != 0.0:
        g = g + wd * p
    y = lerp_each(p, z, c)
    y = y + (lr * (b1 * (1 - c) - 1)) * g
    return y, (z - lr * g, lr_max, weight_sum, v)


RULES = (sgd, adagrad, adadelta, rmsprop, adam, nadam, radam, adamax, lion, newton, rprop, asgd)
RULES += (adan, ademamix, sophia, sgd_schedulefree, adamw_schedulefree)
HELPERS += (average_weight,)
CONSTANTS = (
    adagrad_constants,
    adam_constants,
    nadam_constants,
    radam_constants,
    adamax_constants,
    asgd_constants,
)
CONSTANTS += (adan_constants, ademamix_constants, sophia_constants, sgd_schedulefree_constants)
CONSTANTS += (adamw_schedulefree_constants,)
JOINT = (newton,)  # rules that take both coordinates of a start (and the Hessian)
DIAGONAL = (sophia,)  # rules that take their coordinate's Hessian diagonal entry too


def constants_of(rule) -> object:
    """The per-step constants function of ``rule`` (``no_constants`` if it has none)."""
    return globals().get(f"{rule.__name__}_constants", no_constants)


def takes_lr(constants_fn) -> bool:
    """Whether a constants function reads the step's rate (``(t, h, lr)``): then it is
    computed per start in a kernel, where each start may have its own rate."""
    return len(inspect.signature(constants_fn).parameters) == 3


def constants(rule, t, h, lr):
    """``rule``'s per-step constants for step ``t`` (and rate ``lr`` where they read it)."""
    fn = constants_of(rule)
    return fn(t, h, lr) if takes_lr(fn) else fn(t, h)


def power(base, exponent):
    # the C library's pow on every number, as a kernel computes it: numpy's power on an
    # array (one rate per start) takes SIMD code that rounds differently on some CPUs
    if np.ndim(base) == 0:
        return math.pow(base, exponent)
    return np.vectorize(math.pow, otypes=[float])(base, exponent)
