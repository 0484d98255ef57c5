r"""A step taken apart: which term of an optimizer's rule moved the ball, and by how much.

Every update rule of :mod:`optviz.engine.optim` is a sum of a few terms once its per-coordinate
factors are fixed. Heavy-ball momentum in the notes' notation,
:math:`\Delta\theta_t = -\eta\,\mu\, b_{t-1} - \eta\, g_t`, is a *momentum term* plus a
*gradient term*; Adam's step is the same two terms (with :math:`\beta_1` and
:math:`1-\beta_1` as weights) multiplied per coordinate by the *adaptive scaling*
:math:`\eta / (\sqrt{\hat v_t} + \epsilon)` and the *bias correction*
:math:`1/(1-\beta_1^t)`; weight decay adds one more term. :func:`step_anatomy` gives
those terms as vectors (their sum is the step actually taken, to rounding), the factors
as numbers, and the raw gradient step :math:`-\eta g_t` for comparison.

:func:`effective_lr` gives the per-coordinate rate of every step of a run, from the
recorded state, so that "Adagrad's rate only shrinks, RMSprop's recovers" can be
plotted.

The terms are recomputed by replaying the optimizer over the positions and gradients a
run recorded (``run(..., keep_state=True)``), so noise and schedules are included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.builtin import (
    GD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    Lion,
    NAdam,
    Newton,
    RAdam,
    RMSprop,
    pinv_solve,
)
from ..engine.modern import AdamWScheduleFree, Adan, AdEMAMix, SGDScheduleFree, Sophia
from ..engine.optim import Optimizer
from ..engine.preconditioned import MARS
from ..engine.prodigy import Prodigy
from ..engine.runner import MAX_STEPS, Trajectory, run
from ..util import budget
from ..util.errors import ParameterError


@dataclass(frozen=True)
class Part:
    """One term of a step: a vector in parameter space, its name and its formula."""

    name: str
    symbol: str  # matplotlib mathtext in the notes' notation
    vector: np.ndarray


@dataclass(frozen=True)
class StepAnatomy:
    """Step ``t`` (1-based) of one start, taken apart.

    ``terms`` sum to ``update`` (up to rounding, and up to update noise, which is then a
    term of its own); ``reference`` is the plain gradient step :math:`-\\eta g_t`;
    ``factors`` maps a factor's formula to its value (a number or one per coordinate).
    """

    optimizer: Optimizer
    t: int
    point: np.ndarray
    grad: np.ndarray
    lr: float
    terms: list[Part]
    factors: dict[str, Any]
    update: np.ndarray
    surface: Any = None  # where the step was taken (for drawing its contours)
    reference: Part = field(init=False)

    def __post_init__(self):
        plain = Part("raw gradient step", r"$-\eta\, g_t$", -self.lr * self.grad)
        object.__setattr__(self, "reference", plain)

    @property
    def total(self) -> np.ndarray:
        return np.sum([p.vector for p in self.terms], axis=0)


# -- the rules, term by term ----------------------------------------------------------------
# Each function gets the inputs of one step (p, g, the state before it, lr, t, hess) and
# returns (terms, factors). Weight decay "coupled" enters through the gradient, g + λp.


def _coupled(opt: Optimizer, p, weight) -> list[Part]:
    wd = opt.hyper.get("weight_decay", 0.0)
    if not wd:
        return []
    return [Part("weight decay", r"$-\eta\,\lambda\,\theta$ (scaled)", -weight * wd * p)]


def _decoupled(opt: Optimizer, p, lr) -> list[Part]:
    return [Part("weight decay", r"$-\eta\,\lambda\,\theta$", -lr * opt.weight_decay * p)]


def _gd(opt: GD, p, g, state, lr, t, hess):
    mu = opt.momentum
    if mu == 0:
        return [Part("gradient term", r"$-\eta\, g_t$", -lr * g), *_coupled(opt, p, lr)], {
            r"$\eta$": lr
        }
    b_prev = state.buf if t > 1 else np.zeros_like(p)
    c = (1 - opt.dampening) if t > 1 else 1.0  # torch: b_1 = g_1
    if opt.nesterov:  # Δ = -η (g + μ b_t), b_t = μ b_{t-1} + g
        momentum = Part("momentum term", r"$-\eta\,\mu^2 b_{t-1}$", -lr * mu * mu * b_prev)
        weight = lr * (1 + mu * c)
        grad = Part("gradient term", r"$-\eta\,(1+\mu)\, g_t$", -weight * g)
    else:
        momentum = Part("momentum term", r"$-\eta\,\mu\, b_{t-1}$", -lr * mu * b_prev)
        weight = lr * c
        grad = Part("gradient term", r"$-\eta\,(1-\tau)\, g_t$", -weight * g)
    return [momentum, grad, *_coupled(opt, p, weight)], {r"$\eta$": lr, r"$\mu$": mu}


def _scaled(opt, p, g, scale, symbol):
    """Terms of a step ``-scale · (g + λp)`` with a per-coordinate ``scale``."""
    terms = [Part("scaled gradient", symbol, -scale * g), *_coupled(opt, p, scale)]
    return terms


def _adagrad(opt: Adagrad, p, g, state, lr, t, hess):
    gw = g + opt.weight_decay * p
    clr = lr / (1 + (t - 1) * opt.lr_decay)
    s = state.sum + gw * gw
    scale = clr / (np.sqrt(s) + opt.eps)
    symbol = r"$-\frac{\eta}{\sqrt{\sum g^2}+\epsilon}\, g_t$"
    return _scaled(opt, p, g, scale, symbol), {
        r"$\sqrt{\sum_\tau g_\tau^2}$": np.sqrt(s),
        r"adaptive scaling $\eta/(\sqrt{\sum g^2}+\epsilon)$": scale,
    }


def _adadelta(opt: Adadelta, p, g, state, lr, t, hess):
    gw = g + opt.weight_decay * p
    v = opt.rho * state.square_avg + (1 - opt.rho) * gw * gw
    scale = lr * np.sqrt(state.acc_delta + opt.eps) / np.sqrt(v + opt.eps)
    symbol = r"$-\eta\frac{\sqrt{E[\Delta\theta^2]+\epsilon}}{\sqrt{E[g^2]+\epsilon}}\, g_t$"
    return _scaled(opt, p, g, scale, symbol), {
        r"$E[g^2]_t$": v,
        r"adaptive scaling $\eta\,RMS[\Delta\theta]/RMS[g]$": scale,
    }


def _rmsprop(opt: RMSprop, p, g, state, lr, t, hess):
    gw = g + opt.weight_decay * p
    a = opt.alpha
    v = a * state.square_avg + (1 - a) * gw * gw
    gbar = a * state.grad_avg + (1 - a) * gw if opt.centered else 0.0
    denom = np.sqrt(v - gbar * gbar) + opt.eps
    factors = {r"$E[g^2]_t$": v, r"adaptive scaling $\eta/(\sqrt{E[g^2]}+\epsilon)$": lr / denom}
    symbol = r"$-\frac{\eta}{\sqrt{E[g^2]}+\epsilon}\, g_t$"
    terms = _scaled(opt, p, g, lr / denom, symbol)
    if opt.momentum > 0:
        mu = opt.momentum
        terms.insert(0, Part("momentum term", r"$-\eta\,\mu\, b_{t-1}$", -lr * mu * state.buf))
    return terms, factors


def _moment_terms(opt, p, g, m_prev, scale, beta1, decoupled_lr=None):
    """Adam-family terms: ``-scale · (β1 m_{t-1} + (1-β1)(g + λp))``."""
    terms = [
        Part("momentum term", r"$-\hat\eta\,\beta_1 m_{t-1}$", -scale * beta1 * m_prev),
        Part("gradient term", r"$-\hat\eta\,(1-\beta_1)\, g_t$", -scale * (1 - beta1) * g),
    ]
    if decoupled_lr is not None:
        return terms + _decoupled(opt, p, decoupled_lr) if opt.weight_decay else terms
    return terms + _coupled(opt, p, scale * (1 - beta1))


def _decay_mode(opt) -> bool:
    return bool({**opt.fixed, **opt.hyper}.get("decoupled_weight_decay"))


def _adam_inputs(opt, p, g, lr):
    """(p, g) after weight decay as the rule applies it, and the lr of decoupled decay."""
    if _decay_mode(opt) and opt.weight_decay:
        return p * (1 - lr * opt.weight_decay), g, lr
    return p, g + opt.weight_decay * p, None


def _adam(opt: Adam, p, g, state, lr, t, hess):
    _, gw, dlr = _adam_inputs(opt, p, g, lr)
    b1, b2 = opt.beta1, opt.beta2
    v = b2 * state.v + (1 - b2) * gw * gw
    v_used = np.maximum(state.v_max, v) if opt.amsgrad else v
    bc1, bc2 = 1 - b1**t, 1 - b2**t
    adaptive = lr / (np.sqrt(v_used) / math.sqrt(bc2) + opt.eps)
    scale = adaptive / bc1
    factors = {
        r"bias correction $1/(1-\beta_1^t)$": 1 / bc1,
        r"$\hat v_t = v_t/(1-\beta_2^t)$": v_used / bc2,
        r"adaptive scaling $\eta/(\sqrt{\hat v_t}+\epsilon)$": adaptive,
    }
    return _moment_terms(opt, p, g, state.m, scale, b1, dlr), factors


def _nadam(opt: NAdam, p, g, state, lr, t, hess):
    _, gw, dlr = _adam_inputs(opt, p, g, lr)
    b1, b2, psi = opt.beta1, opt.beta2, opt.momentum_decay
    mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    prod = state.mu_product * mu
    v = b2 * state.v + (1 - b2) * gw * gw
    adaptive = lr / (np.sqrt(v / (1 - b2**t)) + opt.eps)
    now, ahead = (1 - mu) / (1 - prod), mu_next / (1 - prod * mu_next)
    # Δ = -a·now·g - a·ahead·(β1 m + (1-β1) g): the gradient enters twice
    weight = adaptive * (now + ahead * (1 - b1))
    terms = [
        Part(
            "momentum term",
            r"$-\hat\eta\,\mu_{t+1}\beta_1 m_{t-1}$",
            -adaptive * ahead * b1 * state.m,
        ),
        Part("gradient term", r"$-\hat\eta\,(\ldots)\, g_t$", -weight * g),
    ]
    if dlr is not None:
        terms += _decoupled(opt, p, dlr)
    else:
        terms += _coupled(opt, p, weight)
    factors = {
        r"$\mu_t$": mu,
        r"adaptive scaling $\eta/(\sqrt{\hat v_t}+\epsilon)$": adaptive,
    }
    return terms, factors


def _radam(opt: RAdam, p, g, state, lr, t, hess):
    _, gw, dlr = _adam_inputs(opt, p, g, lr)
    b1, b2 = opt.beta1, opt.beta2
    v = b2 * state.v + (1 - b2) * gw * gw
    bc1 = 1 - b1**t
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    factors = {r"bias correction $1/(1-\beta_1^t)$": 1 / bc1, r"$\rho_t$": rho_t}
    if rho_t > 5:
        rect = math.sqrt(
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )
        adaptive = lr * rect * math.sqrt(1 - b2**t) / (np.sqrt(v) + opt.eps)
        factors[r"rectification $r_t$"] = rect
        factors[r"adaptive scaling $\eta r_t/(\sqrt{\hat v_t}+\epsilon)$"] = adaptive
    else:
        adaptive = np.full_like(p, lr)  # the warm-up steps: plain momentum SGD
    return _moment_terms(opt, p, g, state.m, adaptive / bc1, b1, dlr), factors


def _adamax(opt: Adamax, p, g, state, lr, t, hess):
    gw = g + opt.weight_decay * p
    b1 = opt.beta1
    u = np.maximum(opt.beta2 * state.u, np.abs(gw) + opt.eps)
    bc1 = 1 - b1**t
    factors = {
        r"bias correction $1/(1-\beta_1^t)$": 1 / bc1,
        r"$u_t = \max(\beta_2 u_{t-1}, |g_t|)$": u,
        r"adaptive scaling $\eta/u_t$": lr / u,
    }
    return _moment_terms(opt, p, g, state.m, lr / (bc1 * u), b1), factors


def _lion(opt: Lion, p, g, state, lr, t, hess):
    c = opt.beta1 * state.m + (1 - opt.beta1) * g
    terms = [Part("sign step", r"$-\eta\,\mathrm{sign}(c_t)$", -lr * np.sign(c))]
    if opt.weight_decay:
        terms += _decoupled(opt, p, lr)
    return terms, {r"$c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$": c}


def _newton(opt: Newton, p, g, state, lr, t, hess):
    step = -lr * pinv_solve(hess, g, opt.damping)
    eig = np.linalg.eigvalsh(hess + opt.damping * np.eye(2))
    return [Part("Newton step", r"$-\eta\,H^{+} g_t$", step)], {r"eigenvalues of $H$": eig}


def _whole(opt: Optimizer, p, g, state, lr, t, hess):
    new_p, _ = opt.step(p, g, state, lr, t, hess)
    return [Part("update", r"$\Delta\theta_t$", new_p - p)], {}


RULES: dict[type, Callable] = {
    GD: _gd,
    Adagrad: _adagrad,
    Adadelta: _adadelta,
    RMSprop: _rmsprop,
    Adam: _adam,
    NAdam: _nadam,
    RAdam: _radam,
    Adamax: _adamax,
    Lion: _lion,
    Newton: _newton,
}


def _rule(opt: Optimizer) -> Callable:
    # the nearest class in the MRO with a rule (AdamW -> Adam); a user class: one term
    for cls in type(opt).__mro__:
        if cls in RULES:
            return RULES[cls]
    return _whole


# -- replaying a run ------------------------------------------------------------------------
def _replay(traj: Trajectory, last: int):
    """The inputs of steps 1..last as the run saw them: (t, p, g, state, lr, hess)."""
    if traj.state is None:
        raise ParameterError("anatomy needs a run with keep_state=True")
    if traj.batched:
        raise ParameterError("anatomy takes one start: use trajectory.start(i)")
    opt, surf = traj.optimizer, traj.surface
    state = opt.init(traj.xy[0])
    for t in range(1, last + 1):
        p, g, lr = traj.xy[t - 1], traj.state["grad"][t], float(traj.lr[t - 1])
        hess = surf.hess(p) if opt.uses_hessian else None
        yield t, p, g, state, lr, hess
        _, state = opt.step(p, g, state, lr, t, hess)


def _anatomy(traj: Trajectory, t, p, g, state, lr, hess) -> StepAnatomy:
    opt = traj.optimizer
    with np.errstate(all="ignore"):
        terms, factors = _rule(opt)(opt, p, g, state, lr, t, hess)
    update = traj.state["update"][t]
    rest = update - np.sum([part.vector for part in terms], axis=0)
    if np.any(np.abs(rest) > 1e-9 * (np.abs(update) + np.abs(p) + 1e-300)):
        # update noise, or a start frozen by divergence: said, not hidden
        terms.append(Part("noise / frozen", r"$\xi_t$", rest))
    factors = {r"$\eta$": lr, **factors}
    return StepAnatomy(opt, t, p.copy(), g.copy(), lr, terms, factors, update.copy(), traj.surface)


def step_anatomy(traj: Trajectory, at: int) -> StepAnatomy:
    """Step ``at`` (1..steps) of a single-start run kept with ``keep_state=True``."""
    _check_at(at, traj.steps)
    for inputs in _replay(traj, at):
        if inputs[0] == at:
            return _anatomy(traj, *inputs)
    raise AssertionError("unreachable")


def walk(traj: Trajectory, last: int | None = None) -> list[StepAnatomy]:
    """Every step 1..``last`` (default: all) of a run, taken apart."""
    last = traj.steps if last is None else last
    _check_at(last, traj.steps)
    budget.check(cost(1, last))
    return [_anatomy(traj, *inputs) for inputs in _replay(traj, last)]


def anatomy(
    surface: Any,
    optimizer: Any,
    start: Any = None,
    at: int = 1,
    steps: int | None = None,
    **run_options: Any,
) -> StepAnatomy:
    """Run ``optimizer`` to step ``at`` (or ``steps``) from one start; take step ``at`` apart.

    >>> a = anatomy("quadratic", "momentum:lr=0.1", start=(1.0, 1.0), at=2)
    >>> [part.name for part in a.terms]
    ['momentum term', 'gradient term']
    """
    if np.ndim(start) > 1:
        raise ParameterError("anatomy takes one start (x, y)")
    _check_at(at, MAX_STEPS)
    budget.check(cost(1, at, steps if isinstance(steps, int) and steps >= at else at))
    traj = run(
        surface, optimizer, start, at if steps is None else steps, keep_state=True, **run_options
    )
    return step_anatomy(traj, at)


def cost(optimizers: int, at: int, steps: int | None = None, walk: bool = False) -> budget.Cost:
    """What taking ``optimizers`` runs apart at step ``at`` takes: the runs (to ``steps``,
    default ``at``), the replay of steps 1..``at``, and one figure each, or one frame per
    step with ``walk``."""
    steps = at if steps is None else steps
    replay = optimizers * at * budget.REPLAY_S
    drawn = optimizers * (at * budget.ANATOMY_FRAME_S if walk else budget.FIGURE_S)
    race = budget.runs(1, steps, optimizers)
    return budget.Cost(
        f"taking {optimizers} optimizer(s) apart at step {at}" + (" (a walk)" if walk else ""),
        race.memory + optimizers * at * 2048,  # a StepAnatomy per step walked
        race.seconds + replay + drawn,
        "use an earlier step (--at), fewer optimizers (-O)"
        + (", or no --walk (one figure)" if walk else ""),
    )


def _check_at(at: Any, steps: int) -> None:
    if isinstance(at, bool) or not isinstance(at, int | np.integer) or not 1 <= at <= steps:
        raise ParameterError(f"step {at!r} is not in this run; allowed: 1..{steps}")


# -- quantities over time -------------------------------------------------------------------
def effective_lr(traj: Trajectory) -> np.ndarray | None:
    """The per-coordinate rate of each step, shaped like ``xy`` (index 0: NaN).

    Index t is the factor that multiplies the (momentum-averaged) gradient in step t:
    ``lr`` for gradient descent and momentum, :math:`\\eta/(\\sqrt{s_t}+\\epsilon)` for
    Adagrad, :math:`\\eta/(\\sqrt{E[g^2]_t}+\\epsilon)` for RMSprop,
    :math:`\\eta/(\\sqrt{\\hat v_t}+\\epsilon)` for Adam (its :math:`1/(1-\\beta_1^t)` is
    the bias correction of the momentum, not of the rate), ``lr`` for Lion (each
    coordinate moves by it). ``None`` where the rule has no such rate (Newton, a
    user-registered optimizer).
    """
    if traj.state is None:
        raise ParameterError("effective_lr needs a run with keep_state=True")
    opt, s = traj.optimizer, traj.state
    steps = traj.steps
    t = np.arange(1, steps + 1, dtype=float).reshape(-1, *[1] * (traj.xy.ndim - 1))
    lr = np.asarray(traj.lr, dtype=float).reshape(t.shape)
    rate = _rate(opt, s, lr, t)
    if rate is None:
        return None
    out = np.full(traj.xy.shape, np.nan)
    out[1:] = np.broadcast_to(rate, out[1:].shape)
    return out


def _rate(opt: Optimizer, s: dict, lr: np.ndarray, t: np.ndarray) -> np.ndarray | None:
    with np.errstate(all="ignore"):
        if isinstance(opt, GD | Lion):
            return lr
        if isinstance(opt, Adagrad):
            return lr / (1 + (t - 1) * opt.lr_decay) / (np.sqrt(s["sum"][1:]) + opt.eps)
        if isinstance(opt, Adadelta):
            acc, v = s["acc_delta"], s["square_avg"]
            return lr * np.sqrt(acc[:-1] + opt.eps) / np.sqrt(v[1:] + opt.eps)
        if isinstance(opt, RMSprop):
            v = s["square_avg"][1:] - (s["grad_avg"][1:] ** 2 if opt.centered else 0.0)
            return lr / (np.sqrt(v) + opt.eps)
        if isinstance(opt, Adam | NAdam):
            v = s["max_exp_avg_sq" if getattr(opt, "amsgrad", False) else "exp_avg_sq"][1:]
            return lr / (np.sqrt(v) / np.sqrt(1 - opt.beta2**t) + opt.eps)
        if isinstance(opt, RAdam):
            return _radam_rate(opt, s["exp_avg_sq"][1:], lr, t)
        if isinstance(opt, Adamax):
            return lr / s["exp_inf"][1:]
        return _modern_rate(opt, s, lr, t)
    return None


def _modern_rate(opt: Optimizer, s: dict, lr: np.ndarray, t: np.ndarray) -> np.ndarray | None:
    """The per-coordinate rates of today's optimizers (what multiplies their averaged
    gradient; :class:`~optviz.engine.modern.Sophia`'s after its clip)."""
    if isinstance(opt, Adan):
        return lr / (np.sqrt(s["exp_avg_sq"][1:]) / np.sqrt(1 - opt.beta3**t) + opt.eps)
    if isinstance(opt, AdEMAMix):
        return lr / (np.sqrt(s["exp_avg_sq"][1:]) / np.sqrt(1 - opt.beta2**t) + opt.eps)
    if isinstance(opt, MARS):
        return lr / (np.sqrt(s["exp_avg_sq"][1:] + 1e-15) + opt.eps) * np.sqrt(1 - opt.beta2**t)
    if isinstance(opt, SGDScheduleFree | AdamWScheduleFree):
        warm = np.where(t <= opt.warmup_steps, t / max(opt.warmup_steps, 1), 1.0)
        if isinstance(opt, SGDScheduleFree):
            return lr * warm
        v = s["exp_avg_sq"][1:] / (1 - opt.beta2**t)
        return lr * warm / (np.sqrt(v) + opt.eps)
    if isinstance(opt, Sophia):
        m = s["momentum"][1:]
        return np.abs(s["update"][1:]) / np.abs(m)
    if isinstance(opt, Prodigy):  # d·lr over Adam's RMS, the moments counted in units of d
        d, v = s["d"][1:][..., None], s["exp_avg_sq"][1:]  # d: one number per start
        return d * lr / (np.sqrt(v) / d + opt.eps)
    return None


def _radam_rate(opt: RAdam, v: np.ndarray, lr: np.ndarray, t: np.ndarray) -> np.ndarray:
    b2 = opt.beta2
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    safe = np.maximum(rho_t, 5.0 + 1e-12)
    rect = np.sqrt((safe - 4) * (safe - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * safe))
    adaptive = lr * rect * np.sqrt(1 - b2**t) / (np.sqrt(v) + opt.eps)
    return np.where(rho_t > 5, adaptive, lr * np.ones_like(v))


def speed(traj: Trajectory) -> np.ndarray:
    """The length of each step taken, ``|θ_t − θ_{t−1}|`` (index 0: 0).

    For heavy-ball momentum this is the norm of the notes' velocity :math:`v_t = \\eta b_t`.
    """
    step = np.diff(traj.xy, axis=0, prepend=traj.xy[:1])
    return np.abs(step[..., 0]) if step.shape[-1] == 1 else np.hypot(step[..., 0], step[..., 1])
