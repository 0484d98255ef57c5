r"""Learning-rate schedules: step index -> learning rate.

A schedule is a multiplier on each optimizer's own ``lr`` (as torch's schedulers scale
every parameter group's base rate), so one schedule can drive a whole race of
optimizers with different rates. ``factors(steps)`` gives the multiplier of steps
``0 .. steps-1``; ``lrs(base_lr, steps)`` the learning rates. Step ``t`` (0-based) uses
``factors[t]``, like a torch scheduler stepped after every optimizer step.

>>> schedule("step", step_size=2, gamma=0.5).factors(5).tolist()
[1.0, 1.0, 0.5, 0.5, 0.25]
>>> schedule("warmup:steps=2,then=cosine").factors(4).round(3).tolist()
[0.5, 1.0, 1.0, 0.5]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..util.check import finite, parse_options
from ..util.errors import ParameterError, unknown


@dataclass(frozen=True)
class Schedule:
    """A named multiplier curve with its options (``kind``, ``options``)."""

    kind: str
    options: dict[str, Any] = field(default_factory=dict)

    def factors(self, steps: int) -> np.ndarray:
        """Multipliers ``(steps,)`` for steps ``0 .. steps-1`` over a horizon of ``steps``."""
        t = np.arange(steps, dtype=float)
        return np.asarray(_KINDS[self.kind][0](t, steps, **self.options), dtype=float) * np.ones(
            steps
        )

    def lrs(self, base_lr: float, steps: int) -> np.ndarray:
        """Learning rates ``(steps,)`` of an optimizer whose own rate is ``base_lr``."""
        return base_lr * self.factors(steps)

    @property
    def label(self) -> str:
        items = ", ".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.kind}({items})" if items else self.kind

    def plot(self, steps: int = 200, base_lr: float = 1.0, ax: Any = None, **line: Any) -> Any:
        """Draw the learning rate against the step on ``ax`` (created if None).

        >>> ax = schedule("cosine").plot(steps=50)
        >>> ax.get_title()
        'cosine'
        """
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(6.4, 3.6)).add_subplot()
        ax.plot(np.arange(steps), self.lrs(base_lr, steps), lw=2, **line)
        ax.set(xlabel="step", ylabel="learning rate", title=self.label)
        return ax


# -- the curves: each f(t, horizon, **options) -> factor --------------------------------
def _constant(t, n):
    return np.ones_like(t)


def _step(t, n, step_size=100, gamma=0.1):
    return gamma ** np.floor(t / step_size)


def _multistep(t, n, milestones=(100, 200), gamma=0.1):
    return gamma ** np.sum(t[:, None] >= np.asarray(milestones, float)[None, :], axis=1)


def _exponential(t, n, gamma=0.99):
    return gamma**t


def _linear(t, n, start_factor=1.0, end_factor=0.0, total=None):
    # torch's LinearLR (start_factor → end_factor over total steps, then end_factor)
    total = total or n
    return start_factor + (end_factor - start_factor) * np.minimum(t, total) / total


def _inverse_sqrt(t, n, warmup=1):
    # 1/sqrt(t) after a linear warm-up, normalized to 1 at the end of the warm-up
    return np.where(t < warmup, (t + 1) / warmup, np.sqrt(warmup / np.maximum(t + 1, 1)))


def _cosine(t, n, min_factor=0.0, total=None):
    # torch's CosineAnnealingLR up to total; after it the rate holds at min_factor (torch's
    # swings back up, a surprise on a slide)
    total = total or n
    return min_factor + (1 - min_factor) * 0.5 * (
        1 + np.cos(math.pi * np.minimum(t, total) / total)
    )


def _cyclic(t, n, period=100, low=0.1):
    # triangular wave between low and 1 (torch's CyclicLR "triangular" mode)
    phase = np.abs((t / (period / 2)) % 2 - 1)
    return low + (1 - low) * (1 - phase)


def _onecycle(t, n, pct_start=0.3, div_factor=25.0, final_div_factor=1e4, total=None):
    # torch's OneCycleLR with cosine annealing; factors relative to max_lr = lr
    total = total or n
    start = 1 / div_factor
    end = start / final_div_factor
    up = max(pct_start * total - 1, 1)
    rise = start + (1 - start) * 0.5 * (1 - np.cos(math.pi * np.minimum(t, up) / up))
    down_t = np.clip((t - up) / max(total - 1 - up, 1), 0, 1)
    fall = end + (1 - end) * 0.5 * (1 + np.cos(math.pi * down_t))
    return np.where(t <= up, rise, fall)


def _warmup(t, n, steps=10, then="constant", **options):
    # linear warm-up from lr/steps to lr, then the named schedule over the remaining steps
    after = _KINDS[then][0](np.maximum(t - steps, 0), max(n - steps, 1), **options)
    return np.where(t < steps, (t + 1) / steps, after)


_KINDS: dict[str, tuple[Callable, str]] = {
    "constant": (_constant, "the optimizer's own learning rate throughout"),
    "step": (_step, "multiply by gamma every step_size steps"),
    "multistep": (_multistep, "multiply by gamma at each milestone"),
    "exponential": (_exponential, "multiply by gamma every step"),
    "linear": (_linear, "straight line from start_factor·lr to end_factor·lr"),
    "inverse_sqrt": (_inverse_sqrt, "1/sqrt(step) after a warm-up"),
    "cosine": (_cosine, "half a cosine from lr to min_factor·lr"),
    "cyclic": (_cyclic, "triangle wave between low·lr and lr"),
    "onecycle": (_onecycle, "rise to lr, then anneal far below it"),
    "warmup": (_warmup, "linear warm-up, then any other schedule"),
}

_INT_OPTIONS = {"step_size", "warmup", "period", "steps", "total"}


def schedules() -> list[str]:
    """Names of the known schedules."""
    return list(_KINDS)


def describe() -> list[dict[str, str]]:
    """One row per schedule: name and summary (for ``optviz list``)."""
    return [{"name": k, "summary": v[1]} for k, v in _KINDS.items()]


def schedule(spec: str | Schedule | None, **options: Any) -> Schedule | None:
    """A schedule by name or ``"name:key=value,..."``; ``milestones`` is ``"a;b;c"``.

    >>> schedule("exponential", gamma=0.5).factors(3).tolist()
    [1.0, 0.5, 0.25]
    """
    if spec is None or isinstance(spec, Schedule):
        return spec
    if not isinstance(spec, str):
        raise ParameterError(f"a schedule is a name like 'cosine', not {spec!r}")
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name not in _KINDS:
        raise unknown("schedule", name, _KINDS)
    merged = {**parse_options(rest, f"schedule '{name}'"), **options}
    sched = Schedule(name, {k: _option(name, k, v) for k, v in merged.items()})
    _validate(sched)
    return sched


def _option(name: str, key: str, value: Any) -> Any:
    if key == "then":
        if not isinstance(value, str) or value not in _KINDS or value == "warmup":
            raise unknown(
                "schedule to follow the warm-up", value, [k for k in _KINDS if k != "warmup"]
            )
        return value
    if key == "milestones":
        items = value.split(";") if isinstance(value, str) else value
        try:
            return tuple(int(float(m)) for m in items)
        except (TypeError, ValueError):
            raise ParameterError(
                f"schedule '{name}': milestones must be whole numbers like '100;200'"
            ) from None
    number = finite(value, f"schedule '{name}': {key}", text=True)
    return int(number) if key in _INT_OPTIONS else number


def _validate(sched: Schedule) -> None:
    import inspect

    fn = _KINDS[sched.kind][0]
    allowed = [p for p in inspect.signature(fn).parameters if p not in ("t", "n", "options")]
    if sched.kind == "warmup":
        then = sched.options.get("then", "constant")
        allowed += [p for p in inspect.signature(_KINDS[then][0]).parameters if p not in ("t", "n")]
    for key, value in sched.options.items():
        if key not in allowed:
            raise unknown(f"option of schedule '{sched.kind}'", key, allowed)
        if key in _INT_OPTIONS and value < 1:
            raise ParameterError(f"schedule '{sched.kind}': {key} must be >= 1, not {value}")
        if key in (
            "gamma",
            "low",
            "min_factor",
            "start_factor",
            "end_factor",
            "pct_start",
        ) and not (0 <= value <= (1 if key != "gamma" else 10)):
            raise ParameterError(f"schedule '{sched.kind}': {key}={value} is out of range")
        if key in ("div_factor", "final_div_factor") and value <= 0:
            raise ParameterError(f"schedule '{sched.kind}': {key} must be > 0")
    try:
        with np.errstate(all="raise", under="ignore"):  # underflow to 0 is harmless
            sched.factors(4)
    except (FloatingPointError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise ParameterError(f"schedule {sched.label}: {exc}") from None
