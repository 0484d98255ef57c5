"""Fair comparisons and what a single trajectory cannot show.

- :func:`race_table` / :func:`format_table` / :func:`write_metrics` (from
  :mod:`optviz.table`): the results of a race, one row per optimizer;
- :func:`sweep` and :func:`tune`: final loss (or steps to converge) against the learning
  rate, every candidate rate of an optimizer run as one batched computation, and the
  best rate under a stated objective and horizon;
- :func:`basins`: which minimum each optimizer reaches from every start of a grid;
- :func:`curvature`: the domain shaded by the signs of the Hessian's eigenvalues;
- :func:`bands`: a noisy optimizer run with many seeds, as a fan and a loss band.

Every batched computation here is :func:`optviz.runner.run` itself, over blocks of starts
(so that only one block's ``(steps+1, n, 2)`` history is in memory at a time), keeping
only what the analysis needs; a sweep gives every start its own learning rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import budget
from ._display import Preview, drawing
from .catalog import Surface
from .errors import ParameterError, unknown
from .optim import Optimizer, as_optimizers, optimizer
from .runner import NEVER, FinalState, _starts, _steps, _surface, run, run_final
from .table import (  # noqa: F401 - the table functions stay importable from here
    Table,
    _nearest,
    format_table,
    race_table,
    read_metrics,
    write_metrics,
)

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


# -- batched runs that keep only the end --------------------------------------------------------
BLOCK_BYTES = 128e6  # sets the block size, and with it how noise seeds are split (see below)
EXACT_BLOCK = 1 << 16  # starts per block of a run without noise


class _RatePerStart(Optimizer):
    """``inner`` with its learning rate multiplied by one factor per start.

    ``run`` hands every step the rate ``schedule factor x lr`` with ``lr = 1``; this
    multiplies it by ``rates`` ``(n, 1)``, so each start runs at its own base rate, which
    is the same arithmetic as ``run`` with that rate as the optimizer's own.
    """

    name = "rate-per-start"
    defaults = {"lr": 1.0}

    def __init__(self, inner: Optimizer, rates: np.ndarray):
        super().__init__(lr=1.0)
        self.inner, self.rates = inner, rates
        self.uses_hessian = inner.uses_hessian

    @property
    def noise(self) -> Any:
        return self.inner.noise

    def init(self, params: np.ndarray) -> tuple:
        return self.inner.init(params)

    def step(self, p, g, state, lr, t, hess=None):
        return self.inner.step(p, g, state, lr * self.rates, t, hess)


def _final_states(
    surface: Surface,
    opt: Optimizer,
    starts: np.ndarray,
    steps: int,
    *,
    rates: np.ndarray | None = None,
    seed: int = 0,
    chunk: int | None = None,
    **run_options: Any,
) -> FinalState:
    """:func:`optviz.runner.run_final` over starts ``(..., 2)``: each start's end only.

    No history is kept, so memory grows with the number of starts, not with ``steps``.
    The starts go through in blocks of ``chunk``. Without noise the default is 65,536
    starts: few enough that the numpy engine's temporaries stay small, enough that each
    block is worth the compiled engine. With noise it is a few thousand (fewer for longer
    runs), the size that once bounded a block's history, which keeps seeded results
    stable.
    ``rates`` (shaped like the batch) gives each start its own base learning rate. With
    noise, block ``k > 0`` draws from its own seed derived from ``(seed, k)``, so blocks
    do not repeat each other's noise; block 0 uses ``seed``.
    """
    starts = np.asarray(starts, float)
    shape = starts.shape[:-1]
    flat = starts.reshape(-1, 2)
    budget.check(budget.final_states(len(flat), _steps(steps), 1, BLOCK_BYTES))
    flat_rates = None if rates is None else np.broadcast_to(rates, shape).reshape(-1, 1)
    if chunk is None and run_options.get("noise") is None and opt.noise is None:
        chunk = EXACT_BLOCK  # no draws: the blocks cannot change the result
    elif chunk is None:
        chunk = int(np.clip(BLOCK_BYTES / (32 * (steps + 1)), 256, 16384))
    parts = []
    for k, i in enumerate(range(0, len(flat), chunk)):
        block = slice(i, i + chunk)
        o = opt if flat_rates is None else _RatePerStart(opt, flat_rates[block])
        s = seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        r = run_final(surface, o, flat[block], steps, seed=s, **run_options)
        parts.append((r.final_xy, r.final_loss, r.mean_loss, r.converged_at, r.diverged_at))
    xy, final, mean, conv, div = (np.concatenate(c) for c in zip(*parts, strict=True))
    return FinalState(
        xy.reshape(*shape, 2),
        final.reshape(shape),
        mean.reshape(shape),
        conv.reshape(shape),
        div.reshape(shape),
    )


# -- learning-rate sweeps and tuning -------------------------------------------------------------
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
        return drawing("analysis_plots.plot_sweep")(self, ax=ax, **kwargs)


def sweep(
    surface: Surface | str,
    optimizers: Any,
    *,
    lrs: Any = None,
    steps: int = 200,
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
    (x0, x1), (y0, y1) = surf.domain
    for opt, key in zip(opts, keys, strict=True):
        rates = _rates(lrs, opt, key)
        p = np.broadcast_to(p0, (len(rates), *p0.shape))
        res = _final_states(
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
        x, y = res.final_xy[..., 0], res.final_xy[..., 1]
        outside = ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
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
        from .table import TUNED

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
        return drawing("analysis_plots.plot_sweep")(self.sweep, ax=ax, best=self.best, **kwargs)


def tune(
    surface: Surface | str,
    optimizers: Any,
    *,
    start: Any = None,
    steps: int = 200,
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
    steps: int = 200,
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


# -- basins of attraction -----------------------------------------------------------------------
DIVERGED = -2
NOT_CONVERGED = -1


def _symmetric_axis(lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` points from lo to hi, exactly mirror-symmetric about the middle."""
    u = np.linspace(-1.0, 1.0, n)
    u = (u - u[::-1]) / 2
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return mid + half * u


def start_grid(surface: Surface, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)`` of an ``n`` x ``n`` grid over the domain (``X[i, j]`` varies in j),
    exactly mirror-symmetric about the domain's centre lines."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= 2000:
        raise ParameterError(f"n={n!r} must be a whole number in 2..2000")
    (x0, x1), (y0, y1) = surface.domain
    return np.meshgrid(_symmetric_axis(x0, x1, n), _symmetric_axis(y0, y1, n))


def known_minima(surface: Surface) -> np.ndarray:
    """The surface's stated minima, or the minima :mod:`optviz.critical` finds."""
    if len(surface.minima):
        return np.asarray(surface.minima, float)
    from .critical import critical_points

    pts = [c.xy for c in critical_points(surface) if c.kind == "minimum"]
    return np.asarray(pts, float).reshape(-1, 2)


@dataclass(frozen=True, eq=False)
class Basins(Preview):
    """Where each optimizer ends from every start of an ``n`` x ``n`` grid.

    ``labels[k, i, j]``: the index into ``minima`` of the minimum that optimizer ``k``
    reached from start ``(X[i, j], Y[i, j])`` (its final position within ``radius`` of
    it), ``-1`` (:data:`NOT_CONVERGED`) or ``-2`` (:data:`DIVERGED`).
    """

    _preview_options = {"size": "small"}

    surface: Surface
    optimizers: list[Optimizer]
    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray
    minima: np.ndarray
    radius: float
    steps: int

    def fractions(self) -> list[dict[str, float]]:
        """Per optimizer: the fraction of starts reaching each minimum, not converging
        and diverging (keys ``minimum 0``, ..., ``not converged``, ``diverged``)."""
        out = []
        for lab in self.labels:
            row = {f"minimum {m}": float(np.mean(lab == m)) for m in range(len(self.minima))}
            row["not converged"] = float(np.mean(lab == NOT_CONVERGED))
            row["diverged"] = float(np.mean(lab == DIVERGED))
            out.append(row)
        return out

    def plot(self, size: Any = "16:9", theme: str = "light", **kwargs: Any) -> Any:
        """One panel per optimizer; a Figure."""
        return drawing("analysis_plots.plot_basins")(self, size=size, theme=theme, **kwargs)


def basins(
    surface: Surface | str,
    optimizers: Any,
    *,
    n: int = 200,
    steps: int = 500,
    seed: int = 0,
    radius: float | None = None,
    **run_options: Any,
) -> Basins:
    """Label every start of an ``n`` x ``n`` grid by the minimum each optimizer reaches.

    One batched run per optimizer (only final positions are kept). A start has reached
    a minimum if its final position is within ``radius`` of it (default: 1% of the
    domain's diagonal); the minima are the surface's, or those
    :func:`optviz.critical.critical_points` finds. ``run_options`` (``schedule``,
    ``noise``, ``escape``, ...) are passed on as in :func:`optviz.runner.run`.

    >>> b = basins("quadratic", ["gd:lr=0.1", "gd:lr=1.5"], n=5, steps=50)
    >>> int((b.labels[0] == 0).sum()), int((b.labels[1] == -2).sum())  # all but the centre
    (25, 24)
    """
    surf = _surface(surface)
    opts = as_optimizers(optimizers)
    if not opts:
        raise ParameterError("basins need at least one optimizer")
    X, Y = start_grid(surf, n)
    minima = known_minima(surf)
    if radius is None:
        radius = 0.01 * surf.span
    if not (isinstance(radius, int | float) and math.isfinite(radius) and radius > 0):
        raise ParameterError(f"radius={radius!r} must be a number > 0")
    starts = np.stack([X, Y], -1)
    labels = np.empty((len(opts), n, n), dtype=int)
    for k, opt in enumerate(opts):
        res = _final_states(surf, opt, starts, steps, seed=seed, **run_options)
        lab = np.full((n, n), NOT_CONVERGED)
        if len(minima):
            idx, dist = _nearest(res.final_xy, minima)
            lab = np.where(dist <= radius, idx, NOT_CONVERGED)
        labels[k] = np.where(res.diverged_at != NEVER, DIVERGED, lab)
    return Basins(surf, opts, X, Y, labels, minima, float(radius), int(steps))


# -- curvature -----------------------------------------------------------------------------------
CURVATURE_KINDS = ("convex", "concave", "saddle", "flat")
_FOR_CRITICAL = {"minimum": "convex", "maximum": "concave", "saddle": "saddle"}


def eigenvalues(hess: np.ndarray) -> np.ndarray:
    """Eigenvalues ``(..., 2)`` (ascending) of symmetric 2x2 matrices ``(..., 2, 2)``."""
    a, b, d = hess[..., 0, 0], (hess[..., 0, 1] + hess[..., 1, 0]) / 2, hess[..., 1, 1]
    mean, radius = (a + d) / 2, np.hypot((a - d) / 2, b)
    return np.stack([mean - radius, mean + radius], -1)


@dataclass(frozen=True, eq=False)
class Curvature(Preview):
    """The domain shaded by the signs of the Hessian's eigenvalues.

    ``kind[i, j]``: index into :data:`CURVATURE_KINDS` at ``(X[i, j], Y[i, j])``; an
    eigenvalue counts as zero (``flat``) when ``|λ| <= flat * scale``, where ``scale``
    is the surface's typical curvature (90th percentile over the grid of the largest
    Hessian entry, as :mod:`optviz.critical` measures it). ``critical``: the critical
    points (from :func:`optviz.critical.critical_points`).
    """

    surface: Surface
    X: np.ndarray
    Y: np.ndarray
    eigs: np.ndarray
    kind: np.ndarray
    scale: float
    flat: float
    critical: list = field(default_factory=list)

    def classify(self, xy: Any) -> np.ndarray:
        """Kind names (``convex``, ``concave``, ``saddle``, ``flat``) at ``xy`` (..., 2).

        >>> c = curvature(Surface.from_expr("x**2 - y**2"), n=20, critical=False)
        >>> c.classify([[0.5, 0.0], [1.0, 1.0]]).tolist()
        ['saddle', 'saddle']
        """
        with np.errstate(all="ignore"):
            eigs = eigenvalues(self.surface.hess(np.asarray(xy, float)))
        return np.asarray(CURVATURE_KINDS, dtype=object)[_kinds(eigs, self.flat * self.scale)]

    def fractions(self) -> dict[str, float]:
        """Share of the domain of each kind."""
        return {k: float(np.mean(self.kind == i)) for i, k in enumerate(CURVATURE_KINDS)}

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        return drawing("analysis_plots.plot_curvature")(self, ax=ax, **kwargs)


def _kinds(eigs: np.ndarray, zero: float) -> np.ndarray:
    sign = np.where(np.abs(eigs) <= zero, 0, np.sign(eigs)).astype(int)
    lo, hi = sign[..., 0], sign[..., 1]
    kind = np.full(lo.shape, 3)  # flat unless both eigenvalues are clearly non-zero
    kind[(lo > 0) & (hi > 0)] = 0
    kind[(lo < 0) & (hi < 0)] = 1
    kind[(lo < 0) & (hi > 0)] = 2
    return kind


def curvature(
    surface: Surface | str, *, n: int = 300, flat: float | None = None, critical: bool = True
) -> Curvature:
    """Classify every point of an ``n`` x ``n`` grid as convex (both eigenvalues of the
    Hessian > 0), concave (both < 0), saddle-like (opposite signs) or flat (some
    eigenvalue within ``flat`` times the surface's typical curvature of zero).

    ``flat`` defaults to the threshold :func:`optviz.critical.critical_points` uses, so
    the map and the critical points' kinds agree; raise it (say to 1e-3) to shade
    near-flat plateaus. ``critical``: also find the critical points, to mark them.

    >>> c = curvature("quadratic", n=10, critical=False)
    >>> c.fractions()["convex"]
    1.0
    """
    from .critical import ZERO_EIGENVALUE

    surf = _surface(surface)
    X, Y = start_grid(surf, n)
    flat = ZERO_EIGENVALUE if flat is None else flat
    if isinstance(flat, bool) or not (isinstance(flat, int | float) and 0 <= flat < 1):
        raise ParameterError(f"flat={flat!r} must be a number in [0, 1)")
    with np.errstate(all="ignore"):
        hess = surf.hess(np.stack([X, Y], -1))
    eigs = eigenvalues(hess)
    big = np.abs(hess).max(axis=(-2, -1))
    big = big[np.isfinite(big)]
    scale = float(np.percentile(big, 90)) if len(big) else 1.0
    scale = scale if scale > 0 else 1.0
    points = []
    if critical:
        from .critical import critical_points

        points = list(critical_points(surf))
    return Curvature(surf, X, Y, eigs, _kinds(eigs, flat * scale), scale, float(flat), points)


# -- noise bands ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Bands(Preview):
    """``seeds`` noisy runs of one optimizer from one start, and a noise-free reference.

    ``trajectory`` is one batched run from ``seeds`` copies of the start: each copy
    draws its own noise, which is the same in distribution as ``seeds`` separate runs
    with different seeds (not the same numbers).
    """

    _preview_options = {"size": "small"}

    trajectory: Any
    reference: Any
    quantiles: tuple[float, float]

    def loss_band(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(median, low, high)`` loss per step over the seeds."""
        lo, hi = self.quantiles
        loss = self.trajectory.loss
        return (
            np.median(loss, axis=1),
            np.quantile(loss, lo, axis=1),
            np.quantile(loss, hi, axis=1),
        )

    def plot(self, size: Any = "16:9", theme: str = "light", **kwargs: Any) -> Any:
        """The fan of trajectories on the contour and the loss band; a Figure."""
        return drawing("analysis_plots.plot_bands")(self, size=size, theme=theme, **kwargs)


def bands(
    surface: Surface | str,
    optimizer: Any,
    *,
    seeds: int = 20,
    steps: int = 200,
    noise: Any = "auto",
    start: Any = None,
    quantiles: tuple[float, float] = (0.1, 0.9),
    seed: int = 0,
    **run_options: Any,
) -> Bands:
    """Run ``optimizer`` with noise ``seeds`` times (one batched run) from one start.

    ``noise`` adds to the optimizer's own (``sgd``'s mini-batches or gradient noise);
    ``"auto"``: none beyond the optimizer's own, or ``grad=1`` if it brings none.

    >>> b = bands("quadratic", "gd:lr=0.1", seeds=8, steps=30, noise="grad=0.5")
    >>> b.trajectory.xy.shape, bool(b.loss_band()[0][-1] < b.loss_band()[0][0])
    ((31, 8, 2), True)
    """
    surf = _surface(surface)
    if (
        isinstance(seeds, bool)
        or not isinstance(seeds, int | np.integer)
        or not 2 <= seeds <= 10000
    ):
        raise ParameterError(f"seeds={seeds!r} must be a whole number >= 2")
    lo, hi = _quantiles(quantiles)
    p0 = _starts(surf, start)
    if p0.ndim != 1:
        raise ParameterError("bands run from one start (x, y); give a single start")
    opt = as_optimizers(optimizer)
    if len(opt) != 1:
        raise ParameterError("bands take one optimizer")
    if isinstance(noise, str) and noise == "auto":
        noise = None if opt[0].noise is not None else "grad=1.0"
    starts = np.tile(p0, (int(seeds), 1))
    traj = run(surf, opt[0], starts, steps, noise=noise, seed=seed, **run_options)
    reference = run(surf, _without_noise(opt[0]), p0, steps, **run_options)
    return Bands(traj, reference, (lo, hi))


def _without_noise(opt: Optimizer) -> Optimizer:
    # SGD brings its own gradient noise; the reference is the same rule without it
    return opt.with_lr(opt.lr) if opt.noise is None else optimizer("gd", **_gd_hyper(opt))


def _gd_hyper(opt: Optimizer) -> dict[str, Any]:
    from .optim import GD

    return {k: v for k, v in opt.hyper.items() if k in GD.defaults}


def _quantiles(q: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in q)
    except (TypeError, ValueError):
        raise ParameterError(f"quantiles={q!r} must be two numbers, low < high") from None
    if not 0 <= lo < hi <= 1:
        raise ParameterError(f"quantiles={q!r} must satisfy 0 <= low < high <= 1")
    return lo, hi
