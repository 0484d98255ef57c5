r"""Optimizers: one small pure definition each, ``init(params)`` and ``step(...)``.

Every rule follows ``torch.optim`` exactly (names, defaults other than ``lr``, eps
placement, bias corrections, the Nesterov form), so a trajectory drawn here is the one
a PyTorch user gets. Arrays are ``(..., 2)``: all starts of a run step together.

A step receives the parameters ``p``, the gradient ``g``, the state, the learning rate
of this step ``lr`` and the 1-based step index ``t`` (and the Hessian ``H`` for
optimizers that ask for it) and returns the new parameters and state. Nothing is
mutated, so a state can be kept, compared and replayed.

Add an optimizer of your own in a few lines::

    class SignGD(Optimizer):
        '''Sign gradient descent: p <- p - lr * sign(g).'''
        name = "signgd"
        defaults = {"lr": 0.01}

        def step(self, p, g, state, lr, t, hess=None):
            return p - lr * np.sign(g), state

    register(SignGD)          # now optviz.optimizer("signgd") and the CLI know it

An optimizer with state names its fields after torch's (``state_names = {"vel":
"momentum_buffer"}``) so that ``run(..., keep_state=True)`` records them under those
names and the glyphs and anatomy figures find them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, NamedTuple

import numpy as np

from ..util.check import finite, parse_options
from ..util.errors import ParameterError, unknown

_REGISTRY: dict[str, type[Optimizer]] = {}


class Optimizer:
    """Base class: hyperparameters in ``defaults``; subclasses define init and step.

    ``Optimizer(lr=..., **hyperparameters)`` checks every name and value; unknown names
    raise with a did-you-mean suggestion.
    """

    name: ClassVar[str] = "optimizer"
    defaults: ClassVar[dict[str, Any]] = {"lr": 0.01}
    uses_hessian: ClassVar[bool] = False
    reference: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: state fields recorded by ``run(keep_state=True)``, mapped to torch's names for
    #: them (``{"m": "exp_avg"}``); a field absent here is bookkeeping, not recorded
    state_names: ClassVar[Mapping[str, str]] = {}

    def __init__(self, lr: float | None = None, **hyper: Any):
        if lr is not None:
            hyper["lr"] = lr
        for key in hyper:
            if key not in self.defaults:
                raise unknown(f"hyperparameter of {self.name}", key, self.defaults)
        self.hyper = {
            **self.defaults,
            **{k: _coerce(self.defaults[k], v, k, self.name) for k, v in hyper.items()},
        }
        self.validate()

    def __getattr__(self, key: str) -> Any:
        hyper = self.__dict__.get("hyper", {})
        if key in hyper:
            return hyper[key]
        raise AttributeError(key)

    # -- to override -----------------------------------------------------------------
    def validate(self) -> None:
        """Check hyperparameter values; raise :class:`ParameterError` if out of range."""
        _check(self, "lr", self.lr >= 0, ">= 0")
        for key in (
            "eps",
            "weight_decay",
            "momentum",
            "dampening",
            "lr_decay",
            "initial_accumulator_value",
            "momentum_decay",
            "damping",
        ):
            if key in self.hyper:
                _check(self, key, self.hyper[key] >= 0, ">= 0")
        for key in ("beta1", "beta2", "alpha"):
            if key in self.hyper:
                _check(self, key, 0 <= self.hyper[key] < 1, "in [0, 1)")
        if "rho" in self.hyper:
            _check(self, "rho", 0 <= self.rho <= 1, "in [0, 1]")

    def init(self, params: np.ndarray) -> tuple:
        """The state before the first step (a tuple of arrays shaped like ``params``)."""
        return ()

    def step(
        self,
        p: np.ndarray,
        g: np.ndarray,
        state: tuple,
        lr: float,
        t: int,
        hess: np.ndarray | None = None,
    ) -> tuple[np.ndarray, tuple]:
        raise NotImplementedError

    def kept_state(self) -> dict[str, str]:
        """The recorded state fields, ``{field: torch name}``, for these hyperparameters.

        torch keeps a buffer only when the hyperparameters use it (no
        ``momentum_buffer`` without momentum); override to say which.
        """
        return dict(self.state_names)

    # -- noise the optimizer brings itself (SGD) ---------------------------------------
    @property
    def noise(self) -> Any:
        return None

    # -- presentation ----------------------------------------------------------------
    @property
    def changed(self) -> dict[str, Any]:
        """Hyperparameters that differ from the defaults (lr always included)."""
        return {k: v for k, v in self.hyper.items() if k == "lr" or v != self.defaults[k]}

    @property
    def label(self) -> str:
        """Short legend text, e.g. ``adam(lr=0.05)``."""
        items = ", ".join(f"{k}={_fmt(v)}" for k, v in self.changed.items())
        return f"{self.name}({items})"

    @property
    def spec(self) -> str:
        """The text that builds this optimizer again: ``optimizer(o.spec) == o``.

        >>> optimizer("momentum:lr=0.001,nesterov=true").spec
        'momentum:lr=0.001,nesterov=true'
        """
        items = ",".join(f"{k}={_spec_value(v)}" for k, v in self.changed.items())
        return f"{self.name}:{items}"

    def with_lr(self, lr: float) -> Optimizer:
        """A copy with another learning rate."""
        return type(self)(**{**self.hyper, "lr": lr})

    def __repr__(self) -> str:
        hyper = self.__dict__.get("hyper", {})  # also while __init__ is still checking
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in hyper.items())})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.hyper == other.hyper

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.hyper.items())))


def _spec_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def _fmt(v: Any) -> str:
    # three significant digits keep legends short (a tuned lr of 0.0011721 -> 0.00117)
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _coerce(default: Any, value: Any, key: str, name: str) -> Any:
    """Give a hyperparameter the type of its default, refusing nonsense."""
    if isinstance(default, bool):
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise ParameterError(f"{name}: {key} must be true or false, not {value!r}")
    number = finite(value, f"{name}: {key}", text=True)
    if isinstance(default, int):
        if number != int(number):
            raise ParameterError(f"{name}: {key} must be a whole number, not {value!r}")
        return int(number)
    return number


def _check(opt: Optimizer, key: str, ok: bool, allowed: str) -> None:
    if not ok:
        raise ParameterError(
            f"{opt.name}: {key}={opt.hyper[key]!r} is out of range; allowed: {allowed}"
        )


def register(cls: type[Optimizer]) -> type[Optimizer]:
    """Make an Optimizer subclass known by its ``name`` everywhere (usable as decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise ParameterError("register() takes a subclass of optviz.Optimizer")
    _REGISTRY[cls.name] = cls
    return cls


def optimizers() -> list[str]:
    """Names of the known optimizers.

    >>> "adam" in optimizers()
    True
    """
    return sorted(_REGISTRY)


def optimizer(spec: str | Optimizer, **hyper: Any) -> Optimizer:
    """An optimizer by name, ``"name:key=value,..."`` or an existing one.

    >>> optimizer("adam", lr=0.05)  # doctest: +NORMALIZE_WHITESPACE
    Adam(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0, amsgrad=False,
         decoupled_weight_decay=False)
    >>> optimizer("momentum:lr=0.01,momentum=0.8").label
    'momentum(lr=0.01, momentum=0.8)'
    """
    if isinstance(spec, Optimizer):
        return type(spec)(**{**spec.hyper, **hyper}) if hyper else spec
    if not isinstance(spec, str):
        raise ParameterError(f"an optimizer is a name or an Optimizer, not {spec!r}")
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name not in _REGISTRY:
        raise unknown("optimizer", name, _REGISTRY)
    return _REGISTRY[name](**{**parse_options(rest, f"optimizer '{name}'"), **hyper})


def _l2(p: np.ndarray, g: np.ndarray, weight_decay: float) -> np.ndarray:
    # torch's (coupled) weight decay: the gradient of (wd/2)·|p|² is added to g.
    return g + weight_decay * p if weight_decay else g


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start + weight·(end − start)``, rounded as torch's ``lerp`` rounds it.

    Mathematically ``(1 − w)·start + w·end``; torch's form matters where a later step
    cancels (RMSprop's centered ``v − ḡ²``), so the arithmetic follows it too.
    """
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _decay(opt: Optimizer, p: np.ndarray, g: np.ndarray, lr: float, decoupled: bool) -> tuple:
    """Weight decay as torch applies it: on the weights (AdamW form) or on the gradient."""
    wd = opt.weight_decay
    if not wd:
        return p, g
    return (p * (1 - lr * wd), g) if decoupled else (p, g + wd * p)


# -- gradient descent family ----------------------------------------------------------------
class MomentumState(NamedTuple):
    buf: np.ndarray
    started: bool


@register
class GD(Optimizer):
    r"""Gradient descent, ``torch.optim.SGD`` with full gradients.

    .. math::  p_t = p_{t-1} - \eta\, g_t

    The notes write it :math:`\theta = \theta - \eta \nabla_\theta J(\theta)`. With
    ``momentum > 0`` this is the heavy ball of :class:`Momentum` (torch's form).
    Cauchy (1847).
    """

    name = "gd"
    summary = "gradient descent: step against the gradient"
    reference = "Cauchy (1847)"
    defaults = {
        "lr": 0.01,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    }
    state_names = {"buf": "momentum_buffer"}

    def kept_state(self) -> dict[str, str]:
        return dict(self.state_names) if self.momentum > 0 else {}

    def validate(self) -> None:
        super().validate()
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ParameterError(f"{self.name}: nesterov needs momentum > 0 and dampening = 0")

    def init(self, params: np.ndarray) -> MomentumState:
        return MomentumState(np.zeros_like(params), False)

    def step(self, p, g, state, lr, t, hess=None):
        g = _l2(p, g, self.weight_decay)
        if self.momentum == 0:
            return p - lr * g, state
        # torch: the first step sets buf = g (no dampening); later buf = μ·buf + (1-τ)·g
        buf = self.momentum * state.buf + (1 - self.dampening) * g if state.started else g
        direction = g + self.momentum * buf if self.nesterov else buf
        return p - lr * direction, MomentumState(buf, True)


@register
class SGD(GD):
    r"""Stochastic gradient descent: the rule of :class:`GD` fed stochastic gradients.

    On an empirical-risk surface each step's gradient is the mean over a random
    mini-batch of ``batch_size`` rows; on an analytic surface Gaussian noise of standard
    deviation ``grad_noise`` is added to the gradient. Robbins & Monro (1951).
    """

    name = "sgd"
    summary = "gradient descent on noisy / mini-batch gradients"
    reference = "Robbins & Monro (1951)"
    defaults = {**GD.defaults, "batch_size": 4, "grad_noise": 1.0}

    def validate(self) -> None:
        super().validate()
        _check(self, "batch_size", self.batch_size >= 1, ">= 1")
        _check(self, "grad_noise", self.grad_noise >= 0, ">= 0")

    @property
    def noise(self) -> Any:
        from .noise import Noise

        return Noise(grad=self.grad_noise, batch=self.batch_size, grad_only_without_data=True)


@register
class Momentum(GD):
    r"""Heavy-ball momentum in torch's form (``SGD(momentum=0.9)``).

    .. math::  b_t = \mu b_{t-1} + (1-\tau) g_t \quad (b_1 = g_1), \qquad
               p_t = p_{t-1} - \eta\, b_t

    The notes write :math:`v_t = \gamma v_{t-1} + \eta \nabla J`,
    :math:`\theta = \theta - v_t`: the same path for a constant learning rate
    (:math:`v = \eta b`), but torch multiplies by the *current* learning rate, so the
    two differ under a schedule. Polyak (1964).
    """

    name = "momentum"
    summary = "heavy ball: a velocity that accumulates gradients"
    reference = "Polyak (1964)"
    defaults = {**GD.defaults, "momentum": 0.9}


@register
class Nesterov(GD):
    r"""Nesterov momentum in torch's form (``SGD(momentum=0.9, nesterov=True)``).

    .. math::  b_t = \mu b_{t-1} + g_t, \qquad p_t = p_{t-1} - \eta (g_t + \mu b_t)

    Nesterov (1983); this look-ahead form is Sutskever et al. (2013).
    """

    name = "nesterov"
    summary = "momentum that looks ahead before it steps"
    reference = "Nesterov (1983); Sutskever et al. (2013)"
    defaults = {**GD.defaults, "momentum": 0.9, "nesterov": True}


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
    defaults = {
        "lr": 0.1,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    }
    state_names = {"sum": "sum"}

    def init(self, params):
        return SumState(np.full_like(params, self.initial_accumulator_value))

    def step(self, p, g, state, lr, t, hess=None):
        g = _l2(p, g, self.weight_decay)
        clr = lr / (1 + (t - 1) * self.lr_decay)
        s = state.sum + g * g
        return p - clr * (g / (np.sqrt(s) + self.eps)), SumState(s)


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
    defaults = {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}
    state_names = {"square_avg": "square_avg", "acc_delta": "acc_delta"}

    def init(self, params):
        return AdadeltaState(np.zeros_like(params), np.zeros_like(params))

    def step(self, p, g, state, lr, t, hess=None):
        g = _l2(p, g, self.weight_decay)
        rho = self.rho
        v = rho * state.square_avg + (1 - rho) * g * g
        delta = np.sqrt(state.acc_delta + self.eps) / np.sqrt(v + self.eps) * g
        u = rho * state.acc_delta + (1 - rho) * delta * delta
        return p - lr * delta, AdadeltaState(v, u)


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

    def init(self, params):
        zeros = np.zeros_like(params)
        return RMSpropState(zeros, zeros, zeros)

    def step(self, p, g, state, lr, t, hess=None):
        g = _l2(p, g, self.weight_decay)
        a = self.alpha
        v = a * state.square_avg + (1 - a) * g * g
        gbar = _lerp(state.grad_avg, g, 1 - a) if self.centered else state.grad_avg
        denom = np.sqrt(v - gbar * gbar if self.centered else v) + self.eps
        if self.momentum > 0:
            buf = self.momentum * state.buf + g / denom
            return p - lr * buf, RMSpropState(v, gbar, buf)
        return p - lr * (g / denom), RMSpropState(v, gbar, state.buf)


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
    defaults = {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "decoupled_weight_decay": False,
    }
    decoupled = False  # AdamW: always decoupled
    state_names = {"m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq"}

    def kept_state(self) -> dict[str, str]:
        kept = dict(self.state_names)
        if not self.amsgrad:
            del kept["v_max"]
        return kept

    def init(self, params):
        zeros = np.zeros_like(params)
        return AdamState(zeros, zeros, zeros)

    def step(self, p, g, state, lr, t, hess=None):
        p, g = _decay(self, p, g, lr, self.decoupled or self.hyper.get("decoupled_weight_decay"))
        b1, b2 = self.beta1, self.beta2
        m = _lerp(state.m, g, 1 - b1)
        v = b2 * state.v + (1 - b2) * g * g
        v_max = np.maximum(state.v_max, v) if self.amsgrad else state.v_max
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        denom = np.sqrt(v_max if self.amsgrad else v) / math.sqrt(bc2) + self.eps
        return p - (lr / bc1) * (m / denom), AdamState(m, v, v_max)


@register
class AMSGrad(Adam):
    """AMSGrad: :class:`Adam` with ``amsgrad=True``. Reddi, Kale & Kumar (2018)."""

    name = "amsgrad"
    summary = "Adam whose denominator never shrinks"
    reference = "Reddi, Kale & Kumar (2018)"
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
    defaults = {**Adam.defaults, "weight_decay": 0.01}
    del defaults["decoupled_weight_decay"]  # always decoupled
    decoupled = True


class NAdamState(NamedTuple):
    m: np.ndarray
    v: np.ndarray
    mu_product: float


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

    def init(self, params):
        zeros = np.zeros_like(params)
        return NAdamState(zeros, zeros, 1.0)

    def step(self, p, g, state, lr, t, hess=None):
        p, g = _decay(self, p, g, lr, self.decoupled_weight_decay)
        b1, b2, psi = self.beta1, self.beta2, self.momentum_decay
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product = state.mu_product * mu
        m = _lerp(state.m, g, 1 - b1)
        v = b2 * state.v + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2**t)) + self.eps
        p = p - (lr * (1 - mu) / (1 - mu_product)) * (g / denom)
        p = p - (lr * mu_next / (1 - mu_product * mu_next)) * (m / denom)
        return p, NAdamState(m, v, mu_product)


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
    defaults = {
        "lr": 0.01,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "decoupled_weight_decay": False,
    }
    state_names = {"m": "exp_avg", "v": "exp_avg_sq"}

    def init(self, params):
        zeros = np.zeros_like(params)
        return AdamState(zeros, zeros, zeros)

    def step(self, p, g, state, lr, t, hess=None):
        p, g = _decay(self, p, g, lr, self.decoupled_weight_decay)
        b1, b2 = self.beta1, self.beta2
        m = _lerp(state.m, g, 1 - b1)
        v = b2 * state.v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            adaptive = math.sqrt(1 - b2**t) / (np.sqrt(v) + self.eps)
            p = p - m_hat * lr * adaptive * rect
        else:
            p = p - lr * m_hat
        return p, AdamState(m, v, state.v_max)


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
    defaults = {"lr": 0.02, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
    state_names = {"m": "exp_avg", "u": "exp_inf"}

    def init(self, params):
        zeros = np.zeros_like(params)
        return AdamaxState(zeros, zeros)

    def step(self, p, g, state, lr, t, hess=None):
        g = _l2(p, g, self.weight_decay)
        m = _lerp(state.m, g, 1 - self.beta1)
        u = np.maximum(self.beta2 * state.u, np.abs(g) + self.eps)
        return p - (lr / (1 - self.beta1**t)) * (m / u), AdamaxState(m, u)


class LionState(NamedTuple):
    m: np.ndarray


@register
class Lion(Optimizer):
    r"""Lion (EvoLved Sign Momentum), following its paper.

    .. math::  c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
               p_t = p_{t-1} - \eta\,(\mathrm{sign}(c_t) + \lambda p_{t-1}), \quad
               m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t

    Every coordinate moves by exactly :math:`\eta` (plus decay) each step.
    Chen et al. (2023), "Symbolic Discovery of Optimization Algorithms".
    """

    name = "lion"
    summary = "sign of an interpolated momentum: fixed-size steps"
    reference = "Chen et al. (2023)"
    defaults = {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}
    state_names = {"m": "exp_avg"}  # the name of torch-style Lion implementations

    def init(self, params):
        return LionState(np.zeros_like(params))

    def step(self, p, g, state, lr, t, hess=None):
        c = self.beta1 * state.m + (1 - self.beta1) * g
        p = p - lr * (np.sign(c) + self.weight_decay * p)
        return p, LionState(self.beta2 * state.m + (1 - self.beta2) * g)


@register
class Newton(Optimizer):
    r"""Newton's method: jump to the stationary point of the local quadratic model.

    .. math::  p_t = p_{t-1} - \eta\, (H_t + \delta I)^{+} g_t

    (:math:`^{+}`: pseudo-inverse, so a flat direction is left alone instead of
    dividing by zero.) It finds the minimum of a quadratic bowl in one step with
    :math:`\eta = 1`, but it seeks *any* stationary point: on a saddle the model's
    stationary point is the saddle, so pure Newton is attracted to it while gradient
    methods slide away (Dauphin et al., 2014). Not in ``torch.optim``.
    """

    name = "newton"
    summary = "steps to the stationary point of the local quadratic (uses the Hessian)"
    reference = "Newton–Raphson; Dauphin et al. (2014) on saddles"
    defaults = {"lr": 1.0, "damping": 0.0}
    uses_hessian = True

    def step(self, p, g, state, lr, t, hess=None):
        if hess is None:
            raise ParameterError("newton needs the Hessian")
        return p - lr * pinv_solve(hess, g, self.damping), state


def pinv_solve(hess: np.ndarray, g: np.ndarray, damping: float = 0.0) -> np.ndarray:
    """``(H + damping·I)^+ g`` for symmetric ``H`` ``(..., d, d)``; closed form for d = 2.

    Eigenvalues below ``1e-12`` times the largest in magnitude count as zero (the
    pseudo-inverse leaves that direction alone). For 2x2, a closed form rather than
    ``np.linalg.eigh``: many times faster over thousands of starts, never raises.
    Larger ``H`` (a network's weights) go through ``eigh``.

    >>> pinv_solve(np.array([[2.0, 0.0], [0.0, -4.0]]), np.array([2.0, 2.0])).tolist()
    [1.0, -0.5]
    >>> pinv_solve(np.diag([2.0, 0.0, -4.0]), np.array([2.0, 2.0, 2.0])).tolist()
    [1.0, 0.0, -0.5]
    """
    if hess.shape[-1] != 2:
        return _pinv_solve_eigh(hess, g, damping)
    a = hess[..., 0, 0] + damping
    b = hess[..., 0, 1]
    c = hess[..., 1, 1] + damping
    # Only + - * / and sqrt, which IEEE 754 rounds exactly everywhere: the compiled rule
    # (kernels.rules.newton) repeats these operations and gives the same bits on any CPU,
    # where hypot, arctan2, cos and sin differ in the last bits between numpy's SIMD code
    # and the C library.
    mean, half_gap = 0.5 * (a + c), 0.5 * (a - c)
    scale = np.maximum(np.abs(half_gap), np.abs(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        gap_s, b_s = half_gap / scale, b / scale
        radius = np.where(scale > 0, scale * np.sqrt(gap_s * gap_s + b_s * b_s), 0.0)
        # the eigenvalue of larger magnitude has no cancellation; the other is det / it
        big = mean + np.copysign(radius, mean)
        small = np.where(big != 0, (a * c - b * b) / big, 0.0)
        upper_is_big = mean >= 0
        w_up = np.where(upper_is_big, big, small)  # eigenvalue mean + radius
        w_down = np.where(upper_is_big, small, big)  # eigenvalue mean - radius
        cutoff = 1e-12 * np.abs(big)
        inv_up = np.where(np.abs(w_up) > cutoff, 1.0 / w_up, 0.0)
        inv_down = np.where(np.abs(w_down) > cutoff, 1.0 / w_down, 0.0)
        # (cos, sin), the eigenvector of mean + radius, from half-angle formulas; each
        # branch takes the root without cancellation and derives the other component
        cos_right = np.sqrt((radius + half_gap) / (2 * radius))
        sin_left = np.copysign(np.sqrt((radius - half_gap) / (2 * radius)), b)
        right = half_gap >= 0
        cos = np.where(right, cos_right, b / (2 * radius * sin_left))
        sin = np.where(right, b / (2 * radius * cos_right), sin_left)
    round_ = radius == 0  # H = a·I: every direction is an eigenvector
    cos, sin = np.where(round_, 1.0, cos), np.where(round_, 0.0, sin)
    gx, gy = g[..., 0], g[..., 1]
    up = (cos * gx + sin * gy) * inv_up
    down = (cos * gy - sin * gx) * inv_down
    return np.stack([cos * up - sin * down, sin * up + cos * down], axis=-1)


def _pinv_solve_eigh(hess: np.ndarray, g: np.ndarray, damping: float) -> np.ndarray:
    w, v = np.linalg.eigh(hess + damping * np.eye(hess.shape[-1]))
    big = np.abs(w).max(axis=-1, keepdims=True)
    inv = np.where(np.abs(w) > 1e-12 * big, 1.0 / np.where(w == 0, 1.0, w), 0.0)
    along = np.einsum("...ji,...j->...i", v, g) * inv
    return np.einsum("...ij,...j->...i", v, along)


def describe() -> list[dict[str, str]]:
    """One row per optimizer: name, summary, reference, defaults (for ``optviz list``)."""
    rows = []
    for name in optimizers():
        cls = _REGISTRY[name]
        rows.append(
            {
                "name": name,
                "summary": cls.summary,
                "reference": cls.reference,
                "defaults": ", ".join(f"{k}={_fmt(v)}" for k, v in cls.defaults.items()),
            }
        )
    return rows


def as_optimizers(specs: Any) -> list[Optimizer]:
    """Resolve a list of names / specs / Optimizers (or a single one) to Optimizers."""
    if isinstance(specs, str | Optimizer):
        specs = [specs]
    if isinstance(specs, Mapping):
        return [optimizer(k, **v) for k, v in specs.items()]
    if not isinstance(specs, Iterable) or isinstance(specs, bytes):
        raise ParameterError(
            "optimizers must be a name, an Optimizer or a list of them "
            f"(e.g. ['gd', 'adam']), not {specs!r}"[:200]
        )
    return [optimizer(s) for s in specs]
