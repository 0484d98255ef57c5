r"""Optimizers as objects: hyperparameters, checks, names, and the step they take.

Every optimizer follows ``torch.optim`` exactly (names, defaults other than ``lr``, eps
placement, bias corrections, the Nesterov form), so a trajectory drawn here is the one
a PyTorch user gets. Arrays are ``(..., d)``: all starts of a run step together.

A step receives the parameters ``p``, the gradient ``g``, the state, the learning rate
of this step ``lr`` and the 1-based step index ``t`` (and the Hessian ``H`` for
optimizers that ask for it) and returns the new parameters and state. Nothing is
mutated, so a state can be kept, compared and replayed. The built-in optimizers
(:mod:`optviz.engine.builtin`) take their step from a rule written once in
:mod:`optviz.engine.rules`, which the compiled engine runs too.

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

An optimizer that needs more than the gradient overrides :meth:`Optimizer.step_on` (and
:meth:`Optimizer.init_on`), which receive a :class:`optviz.engine.problem.Problem`: the
loss and gradient at other points of the starts it chooses (recorded, so that they are
drawn and counted), the parameters as the reference's tensors, the Hessian. Points
worth drawing beside the iterate (an averaged iterate) are state fields named in
``shows``; a point to record in place of the iterate comes from :meth:`Optimizer.reported`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from ..util.check import finite, parse_options
from ..util.errors import ParameterError, unknown
from . import rules

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
    #: how callouts name the optimizer (default: the class's name, ``Adam``)
    display_name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: state fields recorded by ``run(keep_state=True)``, mapped to torch's names for
    #: them (``{"m": "exp_avg"}``); a field absent here is bookkeeping, not recorded
    state_names: ClassVar[Mapping[str, str]] = {}
    #: the update rule :meth:`step` runs (:mod:`optviz.engine.rules`), the names of the
    #: hyperparameters it reads in its order, values this class fixes instead
    #: (``{"decoupled_weight_decay": True}``), the state's NamedTuple and each field's
    #: value before the first step (a number or a hyperparameter's name)
    rule: ClassVar[Any] = None
    rule_keys: ClassVar[tuple[str, ...]] = ()
    fixed: ClassVar[Mapping[str, Any]] = {}
    State: ClassVar[Any] = None
    initial: ClassVar[tuple] = ()
    #: the implementation this one equals, as a test checks (``torch.optim.Adam 2.13``)
    checked_against: ClassVar[str] = ""
    #: why the compiled engine cannot run this optimizer, said by a class without a rule
    uncompiled: ClassVar[str] = ""
    #: points drawn beside the iterate: state field -> what it is (``{"ax": "average"}``)
    shows: ClassVar[Mapping[str, str]] = {}
    #: numbers the optimizer estimates as it runs, one per problem, drawn by the quantities
    #: panel: state field -> what it is (Prodigy: ``{"d": "step-size estimate d"}``)
    estimates: ClassVar[Mapping[str, str]] = {}
    #: on a surface, each start is the matrix ``(1, d)`` rather than the vector ``(d,)``
    matrix_points: ClassVar[bool] = False
    #: what the evaluations its steps make are, for a legend (L-BFGS: its line search's)
    evaluations_are: ClassVar[str] = "evaluations"
    #: how pictures mark the evaluations: ``ticks`` across their step (a line search's
    #: trials) or a ``ghost`` ball at the one each step makes (SAM's ascent point)
    evaluation_marks: ClassVar[str] = "ticks"
    #: the step evaluates the loss at other points, so it runs only on a problem
    #: (:meth:`step_on`), never from a gradient alone (:meth:`step`)
    evaluates: ClassVar[bool] = False
    #: the allowed values of each hyperparameter that is a word (``line_search_fn``)
    choices: ClassVar[Mapping[str, tuple[str, ...]]] = {}

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
        for key, allowed in self.choices.items():
            if self.hyper[key] not in allowed:
                raise ParameterError(
                    f"{self.name}: {key}={self.hyper[key]!r} is not known; "
                    f"allowed: {', '.join(allowed)}"
                )
        self.validate()

    def __getattr__(self, key: str) -> Any:
        hyper = self.__dict__.get("hyper", {})
        if key in hyper:
            return hyper[key]
        raise AttributeError(key)

    # -- to override -----------------------------------------------------------------
    def validate(self) -> None:
        """Check hyperparameter values; raise :class:`ParameterError` if out of range."""
        check_range(self, "lr", self.lr >= 0, ">= 0")
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
                check_range(self, key, self.hyper[key] >= 0, ">= 0")
        for key in ("beta1", "beta2", "alpha"):
            if key in self.hyper:
                check_range(self, key, 0 <= self.hyper[key] < 1, "in [0, 1)")
        if "rho" in self.hyper:
            check_range(self, "rho", 0 <= self.rho <= 1, "in [0, 1]")

    def init(self, params: np.ndarray) -> tuple:
        """The state before the first step (a tuple of arrays shaped like ``params``)."""
        if self.State is None:
            return ()
        return self.State(*(np.full_like(params, v, dtype=float) for v in self.initial_state()))

    def step(
        self,
        p: np.ndarray,
        g: np.ndarray,
        state: tuple,
        lr: float,
        t: int,
        hess: np.ndarray | None = None,
    ) -> tuple[np.ndarray, tuple]:
        """One step: the new parameters and state. By default the class's ``rule``."""
        if self.rule is None:
            raise NotImplementedError(f"{type(self).__name__} has neither a rule nor a step")
        h = self.rule_hyper()
        args = (p, g, tuple(state), lr, t, h, rules.constants(self.rule, t, h, lr))
        if self.rule in rules.DIAGONAL:  # the rule reads each coordinate's curvature
            if hess is None and self.needs_hessian(t):
                raise ParameterError(f"{self.name} needs the Hessian at step {t}")
            unread = hess is None  # a step that does not read it
            args += (np.zeros_like(p) if unread else np.diagonal(hess, axis1=-2, axis2=-1),)
        p, s = self.rule(*args)
        return p, self.State(*s)

    # -- the step on a problem: what optimizers that need more than the gradient override
    def init_on(self, params: np.ndarray, problem: Any) -> tuple:
        """The state before the first step, knowing the problem (its parameter layout).
        By default :meth:`init`."""
        return self.init(params)

    def step_on(
        self, p: np.ndarray, g: np.ndarray, state: tuple, lr: Any, t: int, problem: Any
    ) -> tuple[np.ndarray, tuple]:
        """One step that may ask ``problem`` (:class:`optviz.engine.problem.Problem`) for
        evaluations at other points, the parameter layout or the Hessian. By default
        :meth:`step`, given the Hessian when the optimizer uses it."""
        hess = problem.hessian(p) if self.needs_hessian(t) else None
        return self.step(p, g, state, lr, t, hess)

    def needs_hessian(self, t: int) -> bool:
        """Whether step ``t`` reads the Hessian (Sophia's only on its refresh steps: on a
        network each costs two gradients per weight)."""
        return self.uses_hessian

    def shown(self, p: np.ndarray, state: tuple) -> dict[str, np.ndarray]:
        """The points to draw beside the iterate ``p`` after a step (see ``shows``)."""
        return {name: getattr(state, name) for name in self.shows}

    def reported(self, p: np.ndarray, state: tuple) -> np.ndarray:
        """The point a run records (and whose loss it reports) for the iterate ``p``.

        ``p`` itself, unless the optimizer evaluates its model elsewhere than where it
        takes gradients (Schedule-Free's averaged point); then a run records this point
        and draws ``p`` among the points it ``shows``.
        """
        return p

    def extra_evaluations(self) -> int:
        """The most evaluations one step may make beyond its gradient (for the cost model)."""
        return 0

    @property
    def reports_elsewhere(self) -> bool:
        """Whether :meth:`reported` is another point than the iterate."""
        return type(self).reported is not Optimizer.reported

    # -- what the rule reads -----------------------------------------------------------
    def rule_hyper(self) -> tuple[float, ...]:
        """The rule's hyperparameters as floats, in the rule's order (booleans 1.0/0.0)."""
        cached = self.__dict__.get("_rule_hyper")
        if cached is None:
            values = (self.hyper[k] if k in self.hyper else self.fixed[k] for k in self.rule_keys)
            cached = self.__dict__["_rule_hyper"] = tuple(float(v) for v in values)
        return cached

    def initial_state(self) -> tuple[float, ...]:
        """Each state field's value before the first step, per coordinate."""
        return tuple(float(self.hyper[v] if isinstance(v, str) else v) for v in self.initial)

    def compiles(self) -> bool:
        """Whether the compiled engine can run this: its step is its rule's (a subclass that
        overrides ``step`` runs on the numpy engine only)."""
        return not self.uncompiled_reason()

    def uncompiled_reason(self) -> str:
        """Why the compiled engine declines this optimizer (``""``: it does not)."""
        if self.rule is None:
            return self.uncompiled or "its step is not an elementwise rule"
        if type(self).step is not Optimizer.step or type(self).step_on is not Optimizer.step_on:
            return f"{type(self).__name__} overrides the step of its rule"
        if self.reports_elsewhere:
            return f"{type(self).__name__} reports another point than its iterate"
        return ""

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
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ParameterError(f"{name}: {key} must be a word, not {value!r}")
        return value.strip().lower()
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


def check_range(opt: Optimizer, key: str, ok: bool, allowed: str) -> None:
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


def describe() -> list[dict[str, str]]:
    """One row per optimizer: name, summary, reference (its paper), the implementation it
    is checked against, defaults (for ``optviz list``)."""
    rows = []
    for name in optimizers():
        cls = _REGISTRY[name]
        rows.append(
            {
                "name": name,
                "summary": cls.summary,
                "reference": cls.reference,
                "checked_against": cls.checked_against,
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
