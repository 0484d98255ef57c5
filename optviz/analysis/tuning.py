"""Learning rates compared fairly: every candidate rate of an optimizer as one batch.

- :func:`sweep`: the final loss (or steps to converge, or mean loss) against the
  learning rate, each rate run from the same starts for the same steps;
- :func:`tune`: the best rate under a stated objective and horizon;
- :func:`race_optimizers`: the optimizers of a race at given or tuned rates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..catalog import Surface
from ..engine.final_runs import final_states
from ..engine.optim import Optimizer, as_optimizers
from ..engine.runner import NEVER, _starts, _surface
from ..engine.table import Table
from ..util import defaults
from ..util.display import Preview, drawing
from ..util.errors import ParameterError, unknown

OBJECTIVES = {
    "final": "final loss",
    "auc": "mean loss over the run",
    "steps": "steps to converge",
}
DEFAULT_LRS = np.logspace(-5, 1, 30)
STEEP_LRS = np.logspace(-11, -5, 30)
"""Where tuning looks when every default rate diverges."""


def _step_or_none(step: Any) -> int | None:
    step = int(step)
    return None if step == NEVER else step


def _objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        raise unknown("objective", objective, OBJECTIVES)
    return objective


def _rates(lrs: Any, opt: Optimizer, key: str) -> np.ndarray:
    if isinstance(lrs, Mapping):
        lrs = lrs.get(key, lrs.get(opt.name, DEFAULT_LRS))
    rates = DEFAULT_LRS if lrs is None else lrs
    try:
        rates = np.asarray(rates, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError(f"lrs must be positive numbers, not {lrs!r}") from None
    if not len(rates) or not np.all(np.isfinite(rates) & (rates > 0)):
        raise ParameterError(f"lrs must be one or more finite numbers > 0, not {lrs!r}")
    return np.unique(rates)


def _keys_of(opts: Sequence[Optimizer]) -> list[str]:
    """Names that tell the optimizers apart without their learning rate."""
    keys = []
    for opt in opts:
        extra = {k: v for k, v in opt.changed.items() if k != "lr"}
        key = opt.name + (f"({', '.join(f'{k}={v}' for k, v in extra.items())})" if extra else "")
        n = sum(k == key or k.startswith(key + "#") for k in keys)
        keys.append(f"{key}#{n + 1}" if n else key)
    return keys


@dataclass(frozen=True, eq=False)
class Sweep(Preview):
    """Outcome of every candidate learning rate of every optimizer.

    ``keys``: one name per optimizer; ``lrs[i]``: its rates; ``score[i]``: the objective
    per rate (mean over starts; +inf when a start diverged); ``final_loss[i]``,
    ``converged_at[i]`` (median over starts, -1 when a start did not converge) and
    ``diverged[i]`` (some start diverged) per rate; ``left_view[i]``: some start ended
    outside the surface's domain (off the picture).
    """

    surface: Surface
    optimizers: list[Optimizer]
    keys: list[str]
    objective: str
    steps: int
    lrs: list[np.ndarray]
    score: list[np.ndarray]
    final_loss: list[np.ndarray]
    converged_at: list[np.ndarray]
    diverged: list[np.ndarray]
    starts: int = 1
    left_view: list[np.ndarray] = field(default_factory=list)
    options: dict = field(default_factory=dict)
    start_loss: float = float("nan")  # the loss at the start(s), mean: the gap a rate closes
    start_xy: np.ndarray | None = None  # where every rate's run starts (one row per start)

    @property
    def horizon(self) -> str:
        """The objective and horizon in words, e.g. ``final loss after 200 steps``."""
        return f"{OBJECTIVES[self.objective]} after {self.steps} steps"

    @property
    def rows(self) -> Table:
        """One row per (optimizer, rate)."""
        rows = []
        for i, key in enumerate(self.keys):
            for j, lr in enumerate(self.lrs[i]):
                rows.append(
                    {
                        "optimizer": key,
                        "lr": float(lr),
                        "objective": self.objective,
                        "steps": self.steps,
                        "score": float(self.score[i][j]),
                        "final_loss": float(self.final_loss[i][j]),
                        "converged_at": _step_or_none(self.converged_at[i][j]),
                        "diverged": bool(self.diverged[i][j]),
                    }
                )
        return Table(rows)

    def stable_range(self, i: int) -> tuple[float, float] | None:
        """Smallest and largest rate of optimizer ``i`` below its first diverging rate."""
        ok = ~self.diverged[i]
        first_bad = np.argmax(~ok) if (~ok).any() else len(ok)
        keep = self.lrs[i][:first_bad]
        return (float(keep[0]), float(keep[-1])) if len(keep) else None

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Score against learning rate per optimizer, divergence marked (log axes)."""
        return drawing("sweepplots.plot_sweep")(self, ax=ax, **kwargs)


def sweep(
    surface: Surface | str,
    optimizers: Any,
    *,
    lrs: Any = None,
    steps: int = defaults.STEPS,
    objective: str = "final",
    start: Any = None,
    schedule: Any = None,
    noise: Any = None,
    seed: int = 0,
    **run_options: Any,
) -> Sweep:
    """Run every optimizer at every rate of ``lrs`` (default: 30 rates from 1e-5 to 10).

    All the rates of one optimizer run as one batched computation: the rate is an array,
    one value per start. ``objective`` is ``"final"`` (final loss), ``"auc"`` (mean loss
    over the run) or ``"steps"`` (steps to converge; a run that does not converge scores
    ``steps + 1``). A rate at which any start diverges scores +inf. ``lrs`` may be a
    mapping from optimizer name to its own rates.

    >>> s = sweep("quadratic", ["gd"], lrs=[0.1, 0.5, 1.5], steps=20, start=(1.0, 0.0))
    >>> s.diverged[0].tolist(), s.stable_range(0)  # GD on a(x²+y²) diverges for lr > 1/a
    ([False, False, True], (0.1, 0.5))
    """
    objective = _objective(objective)
    surf = _surface(surface)
    opts = as_optimizers(optimizers)
    if not opts:
        raise ParameterError("a sweep needs at least one optimizer")
    p0 = _starts(surf, start)
    keys = _keys_of(opts)
    out: dict[str, list] = {"lrs": [], "score": [], "final_loss": [], "conv": [], "div": [],
                            "left": []}  # fmt: skip
    lo, hi = surf.domain[:, 0], surf.domain[:, 1]
    for opt, key in zip(opts, keys, strict=True):
        rates = _rates(lrs, opt, key)
        p = np.broadcast_to(p0, (len(rates), *p0.shape))
        res = final_states(
            surf,
            opt,
            p,
            steps,
            rates=rates.reshape(-1, *([1] * (p0.ndim - 1))),
            schedule=schedule,
            noise=noise,
            seed=seed,
            **run_options,
        )
        axes = tuple(range(1, p.ndim - 1))
        diverged = (res.diverged_at != NEVER).any(axis=axes) if axes else res.diverged_at != NEVER
        conv = np.where(res.converged_at == NEVER, steps + 1, res.converged_at)
        per_start = {"final": res.final_loss, "auc": res.mean_loss, "steps": conv}[objective]
        score = per_start.mean(axis=axes) if axes else per_start.astype(float)
        score = np.where(diverged | ~np.isfinite(score), np.inf, score)
        final = res.final_loss.mean(axis=axes) if axes else res.final_loss
        med_conv = np.median(conv, axis=axes) if axes else conv
        conv_at = np.where(med_conv > steps, NEVER, med_conv).astype(int)
        outside = ~((res.final_xy >= lo) & (res.final_xy <= hi)).all(axis=-1)
        left = outside.any(axis=axes) if axes else outside
        for k, v in zip(out, (rates, score, final, conv_at, diverged, left), strict=True):
            out[k].append(np.asarray(v))
    return Sweep(
        surface=surf,
        optimizers=opts,
        keys=keys,
        objective=objective,
        steps=int(steps),
        lrs=out["lrs"],
        score=out["score"],
        final_loss=out["final_loss"],
        converged_at=out["conv"],
        diverged=out["div"],
        left_view=out["left"],
        starts=1 if p0.ndim == 1 else len(p0),
        options={"schedule": schedule, "noise": noise, "seed": seed, **run_options},
        start_loss=float(np.mean(surf.f(p0))),
        start_xy=np.asarray(p0, dtype=float),
    )


@dataclass(frozen=True, eq=False)
class Tuning(Preview):
    """The best learning rate per optimizer under a stated objective and horizon.

    ``best``: key -> rate; ``optimizers``: the optimizers with those rates; ``sweep``:
    every candidate (``rows``, ``plot``); ``at_edge``: keys whose best rate is the
    smallest or largest candidate (widen ``lrs`` to be sure it is the best).
    """

    sweep: Sweep
    best: dict[str, float]
    optimizers: list[Optimizer]
    at_edge: list[str]

    @property
    def objective(self) -> str:
        return self.sweep.objective

    @property
    def steps(self) -> int:
        return self.sweep.steps

    @property
    def horizon(self) -> str:
        return self.sweep.horizon

    @property
    def labels(self) -> list[str]:
        """Legend text that states the tuned rate, the objective and the horizon."""
        from ..engine.table import TUNED

        return [f"{o.label}{TUNED}{self.horizon}" for o in self.optimizers]

    @property
    def rows(self) -> Table:
        """One row per optimizer: the chosen rate, its score, and whether it is at an edge."""
        rows = []
        for i, key in enumerate(self.sweep.keys):
            j = int(np.searchsorted(self.sweep.lrs[i], self.best[key]))
            rows.append(
                {
                    "optimizer": key,
                    "best_lr": self.best[key],
                    "objective": self.objective,
                    "steps": self.steps,
                    "score": float(self.sweep.score[i][j]),
                    "final_loss": float(self.sweep.final_loss[i][j]),
                    "candidates": len(self.sweep.lrs[i]),
                    "diverged_candidates": int(self.sweep.diverged[i].sum()),
                    "at_edge": key in self.at_edge,
                }
            )
        return Table(rows)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The sweep with each chosen rate marked."""
        return drawing("sweepplots.plot_sweep")(self.sweep, ax=ax, best=self.best, **kwargs)


def tune(
    surface: Surface | str,
    optimizers: Any,
    *,
    start: Any = None,
    steps: int = defaults.STEPS,
    objective: str = "final",
    lrs: Any = None,
    schedule: Any = None,
    noise: Any = None,
    seed: int = 0,
    **run_options: Any,
) -> Tuning:
    """Pick each optimizer's learning rate from a log-spaced sweep (see :func:`sweep`).

    The best rate has the lowest score among the rates at which no start diverged (a
    tie goes to the smaller rate), preferring rates whose runs end inside the surface's
    domain, so a tuned race stays on its picture. Nothing else about the optimizer
    changes. Without ``lrs``, an optimizer that diverges at every default rate (1e-5 to
    10) is tuned over 1e-11 to 1e-5 instead, as a surface with huge gradients needs.

    >>> t = tune("quadratic", ["gd"], start=(1.0, 0.0), steps=10, lrs=[0.1, 0.3, 0.5, 0.7])
    >>> t.best  # GD on x² + y² lands on the minimum in one step at lr = 0.5
    {'gd': 0.5}
    """
    sw = sweep(
        surface,
        optimizers,
        lrs=lrs,
        steps=steps,
        objective=objective,
        start=start,
        schedule=schedule,
        noise=noise,
        seed=seed,
        **run_options,
    )
    failed = [
        key for key, score in zip(sw.keys, sw.score, strict=True) if not np.isfinite(score).any()
    ]
    if failed and lrs is None:
        # steep surfaces (gradients of 1e6) need rates below the default grid: look there
        # for those optimizers only, instead of failing a race nobody gave rates for
        lower = {key: STEEP_LRS if key in failed else DEFAULT_LRS for key in sw.keys}
        again = dict(start=start, steps=steps, objective=objective, lrs=lower)
        return tune(surface, optimizers, schedule=schedule, noise=noise, seed=seed, **again,
                    **run_options)  # fmt: skip
    best, tuned, edge = {}, [], []
    for i, (opt, key) in enumerate(zip(sw.optimizers, sw.keys, strict=True)):
        score = sw.score[i]
        if not np.isfinite(score).any():
            lo, hi = sw.lrs[i][0], sw.lrs[i][-1]
            raise ParameterError(
                f"tune: {key} diverged at every rate from {lo:g} to {hi:g}; give smaller lrs"
            )
        # a rate whose run ends off the picture is kept only if every rate does
        stays = ~sw.left_view[i] & np.isfinite(score)
        away = ~stays if stays.any() else np.zeros_like(stays)
        if objective == "steps":  # ties in steps are broken by the final loss
            order = np.lexsort((sw.lrs[i], sw.final_loss[i], score, away))
        else:
            order = np.lexsort((sw.lrs[i], score, away))
        j = int(order[0])
        best[key] = float(sw.lrs[i][j])
        tuned.append(opt.with_lr(best[key]))
        if len(score) > 1 and j in (0, len(score) - 1):
            edge.append(key)
    return Tuning(sw, best, tuned, edge)


def race_optimizers(
    surface: Surface,
    optimizers: list[Optimizer],
    lr: Any,
    *,
    start: Any = None,
    steps: int = defaults.STEPS,
    objective: str = "final",
    schedule: Any = None,
    noise: Any = None,
    seed: int = 0,
    **run_options: Any,
) -> tuple[list[Optimizer], list[str] | None]:
    """The optimizers of ``race(..., lr=lr)`` and their legend labels.

    ``lr="tuned"``: each optimizer's rate is tuned first (:func:`tune`, with the race's
    start, schedule, noise and seed) and the label states the objective and horizon; a
    number gives every optimizer that rate.
    """
    if isinstance(lr, str) and lr.strip().lower() != "tuned":
        try:
            lr = float(lr)
        except ValueError:
            raise unknown("learning-rate mode", lr, ["tuned"]) from None
    if isinstance(lr, str):
        t = tune(
            surface,
            optimizers,
            start=start,
            steps=steps,
            objective=objective,
            schedule=schedule,
            noise=noise,
            seed=seed,
            **run_options,
        )
        return t.optimizers, t.labels
    if isinstance(lr, bool) or not isinstance(lr, int | float | np.number):
        raise ParameterError(f"lr={lr!r} must be a number > 0 or 'tuned'")
    if not (math.isfinite(lr) and lr > 0):
        raise ParameterError(f"lr={lr!r} must be a finite number > 0 or 'tuned'")
    return [o.with_lr(float(lr)) for o in optimizers], None
