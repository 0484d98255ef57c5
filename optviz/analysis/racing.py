"""``race``: several optimizers compared fairly, at given or tuned learning rates.

Every optimizer runs on the same surface from the same starts, with the same schedule
and noise seed (:func:`optviz.engine.runner.run` each), and the results form a
:class:`optviz.engine.runner.Race`. Tuned rates come from :func:`optviz.analysis.tuning.tune`, which
is why this sits above both the runner and the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..catalog import Surface
from ..engine.noise import Noise
from ..engine.optim import Optimizer, as_optimizers
from ..engine.runner import Race, _starts, _steps, _surface, run
from ..engine.scheduling import Schedule
from ..util import budget, defaults
from ..util.errors import ParameterError

RECORDS = ("keep_state", "sharpness")  # what a run records beside its path; tuning keeps none


def race(
    surface: Surface | str,
    optimizers: Sequence[Optimizer | str] | Optimizer | str = defaults.OPTIMIZERS,
    start: Any = None,
    steps: int = defaults.STEPS,
    schedule: Schedule | str | None = None,
    noise: Noise | str | dict | None = None,
    seed: int = 0,
    *,
    lr: float | str | None = None,
    tune_objective: str = "final",
    tune_steps: int | None = None,
    **run_options: Any,
) -> Race:
    """Run several optimizers from the same start(s), schedule and noise seed.

    ``lr="tuned"`` first picks each optimizer's rate by :func:`optviz.analysis.tuning.tune`
    (objective ``tune_objective`` over ``tune_steps``, default ``steps``; the legend
    says so); a number gives every optimizer that rate.

    >>> r = race("quadratic", ["gd", "adam"], start=(1.0, 1.0), steps=10)
    >>> [t.xy.shape for t in r.trajectories]
    [(11, 2), (11, 2)]
    >>> r = race("parabola", ["gd:lr=0.4", "momentum:lr=0.01"], start=[-1.0], steps=10)
    >>> [t.xy.shape for t in r.trajectories]  # a curve's positions: (..., 1)
    [(11, 1), (11, 1)]
    """
    surf = _surface(surface)
    opts = as_optimizers(optimizers)
    if not opts:
        raise ParameterError("a race needs at least one optimizer")
    # every optimizer's history is kept until the race is drawn: check them all at once
    starts = _starts(surf, start)
    budget.check(budget.runs(starts.size // starts.shape[-1], _steps(steps), len(opts)))
    labels = None
    if tune_steps is not None:
        _steps(tune_steps, "tune_steps", least=1)  # refuse before any tuning run starts
    if lr is not None:
        from .tuning import race_optimizers

        opts, labels = race_optimizers(
            surf, opts, lr, start=start, steps=steps if tune_steps is None else tune_steps,
            objective=tune_objective, schedule=schedule, noise=noise, seed=seed,
            **{k: v for k, v in run_options.items() if k not in RECORDS},
        )  # fmt: skip
    trajectories = [run(surf, o, start, steps, schedule, noise, seed, **run_options) for o in opts]
    if labels:
        trajectories = [replace(t, label=s) for t, s in zip(trajectories, labels, strict=True)]
    return Race(surf, trajectories)
