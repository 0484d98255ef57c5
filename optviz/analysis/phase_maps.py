"""Phase maps: what two hyperparameters of one optimizer do to its convergence.

:func:`phase` runs the optimizer at every point of an ``n x n`` grid of two
hyperparameters (``lr`` and ``momentum``, ``beta1`` and ``beta2``, ...; each axis log or
linear) from the same start(s) for the same steps, and measures per cell:

- ``rate``: the per-step factor by which the distance to the minimum shrinks over the
  run's tail (:func:`optviz.analysis.convergence.tail_rate`); on a quadratic, the spectral
  radius of the iteration, which :attr:`Phase.closed_form` gives exactly for the SGD
  family (Goh, "Why Momentum Really Works", Distill 2017);
- ``loss``: the final loss;
- ``steps``: the step from which the run stays within ``tol`` of a minimum (NaN: never);
- ``diverged``: the step at which the run diverged (NaN: never).

The map is computed in tiles (:mod:`optviz.analysis.tiles`): on local cores, or on a Dask
cluster, identical bit for bit wherever they ran; with a store folder, an interrupted map
resumes where it stopped.

>>> m = phase("elliptic", "momentum", x=("lr", 0.01, 0.1, "log"), y=("momentum", 0.0, 0.5),
...           n=3, steps=300, workers=1)
>>> m.values.shape, m.metric, [round(float(v), 3) for v in m.x]
((3, 3), 'rate', [0.01, 0.032, 0.1])
>>> converging = m.closed_form < 1  # the closed form where runs converge
>>> bool(np.all(np.abs(m.values - m.closed_form)[converging] < 1e-3 * m.closed_form[converging]))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..catalog import Surface
from ..engine.builtin import GD
from ..engine.final_runs import PerStart
from ..engine.optim import Optimizer, optimizer
from ..engine.runner import NEVER, _schedule, _starts, _steps, _surface, run_final
from ..util import budget, check
from ..util.display import Preview, drawing
from ..util.errors import ParameterError, unknown
from .convergence import distance_floor, heavy_ball_rate, tail_rate
from .tiles import HISTORY_BYTES

METRICS = {
    "rate": "convergence rate (per-step factor)",
    "loss": "final loss",
    "steps": "steps to converge",
    "diverged": "step at which the run diverged",
}
SCALES = ("linear", "log")
MAX_N = 8192
GROUP_COST = 1000  # start-steps the numpy engine spends on each group of a batch per step
NAMES = {  # how an axis is labelled
    "lr": "learning rate",
    "momentum": "momentum β",
    "beta1": "β₁",
    "beta2": "β₂",
    "alpha": "α (RMSprop's decay)",
    "eps": "ε",
    "rho": "ρ",
    "weight_decay": "weight decay",
    "dampening": "dampening",
    **{f"lr{k}": f"learning rate of layer {k}" for k in range(1, 17)},  # a network's layers
}


@dataclass(frozen=True)
class Axis:
    """One hyperparameter axis of a map: ``name`` from ``lo`` to ``hi``, ``log`` or linear."""

    name: str
    lo: float
    hi: float
    scale: str = "linear"

    def values(self, n: int) -> np.ndarray:
        if self.scale == "log":
            return np.geomspace(self.lo, self.hi, n)
        return np.linspace(self.lo, self.hi, n)

    @property
    def label(self) -> str:
        return NAMES.get(self.name, self.name)

    @property
    def spec(self) -> str:
        return f"{self.name}:{self.lo:g}:{self.hi:g}" + (":log" if self.scale == "log" else "")


def parse_axis(spec: Any, where: str) -> Axis:
    """``("lr", 1e-3, 2.0, "log")``, ``"lr:1e-3:2:log"`` or an :class:`Axis`.

    >>> parse_axis("lr:1e-3:2:log", "x")
    Axis(name='lr', lo=0.001, hi=2.0, scale='log')
    """
    if isinstance(spec, Axis):
        parts: list[Any] = [spec.name, spec.lo, spec.hi, spec.scale]
    elif isinstance(spec, str):
        parts = [p.strip() for p in spec.split(":")]
    elif isinstance(spec, list | tuple):
        parts = list(spec)
    else:
        parts = []
    if len(parts) not in (3, 4) or not isinstance(parts[0], str) or not parts[0]:
        raise ParameterError(
            f"{where}={spec!r} must be NAME:LOW:HIGH[:log], e.g. lr:1e-3:2:log or "
            "('momentum', 0, 0.999)"
        )
    scale = parts[3] if len(parts) == 4 else "linear"
    if scale not in SCALES:
        raise unknown(f"scale of {where}", scale, SCALES)
    lo = check.finite(parts[1], f"{where} low", text=True)
    hi = check.finite(parts[2], f"{where} high", text=True)
    if not lo < hi:
        raise ParameterError(f"{where}: low {lo:g} must be below high {hi:g}")
    if scale == "log" and lo <= 0:
        raise ParameterError(f"{where}: a log axis needs low > 0, not {lo:g}")
    return Axis(parts[0], float(lo), float(hi), scale)


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything a tile needs, and nothing that cannot be pickled to another process."""

    surface: Surface
    optimizer: Optimizer
    x: Axis
    y: Axis
    xs: np.ndarray
    ys: np.ndarray
    starts: np.ndarray  # (s, 2)
    steps: int
    schedule: Any = None
    tol: float = 1e-3
    escape: float = 10.0

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.ys), len(self.xs)

    @property
    def what(self) -> str:
        return f"x {len(self.starts)} start(s) x {self.steps} steps"

    @property
    def cell_bytes(self) -> float:
        """Memory a cell takes while its tile runs: at most its whole history."""
        return len(self.starts) * (self.steps + 1) * HISTORY_BYTES

    @property
    def cell_work(self) -> int:
        return len(self.starts) * max(1, self.steps)

    @property
    def cell_seconds(self) -> float:
        """A cell's starts, every step of each with its history (the cost model's rate)."""
        return self.cell_work * budget.POINT_S

    @property
    def tile_seconds(self) -> float:
        """What a tile adds whatever its size: the runner's calls at every step."""
        return max(1, self.steps) * budget.STEP_S

    @property
    def work(self) -> int:
        """What the whole map costs the numpy engine, in start-steps: what picks the engine
        for each of its tiles. That engine steps each setting of the hyperparameters other
        than ``lr`` as its own group, each group-step costing about :data:`GROUP_COST`."""
        n_y, n_x = self.shape
        groups = {self.x.name: n_x, self.y.name: n_y, "lr": 1}
        settings = groups[self.x.name] * groups[self.y.name]
        return (n_y * n_x * len(self.starts) + GROUP_COST * settings) * max(1, self.steps)

    def key(self) -> str:
        """Text that changes whenever any cell's result could: a store's identity."""
        s = self.surface
        parts = [
            "phase-2",
            s.expression,
            repr(sorted(s.params.items())),
            s.domain.tobytes().hex(),
            s.minima.tobytes().hex(),
            self.optimizer.spec,
            self.x.spec,
            self.y.spec,
            str(self.shape),
            self.starts.tobytes().hex(),
            str(self.steps),
            repr(self.schedule),
            repr((self.tol, self.escape)),
        ]
        return "\n".join(parts)


@dataclass(frozen=True, eq=False)
class Phase(Preview):
    """A phase map: ``values`` ``(n_y, n_x)`` of ``metric`` over hyperparameters ``x``, ``y``.

    ``metrics`` holds every metric's map (``rate``, ``loss``, ``steps``, ``diverged``);
    ``diverged`` marks the cells whose run diverged or moved away from the minimum
    (``rate > 1``; a network's map: diverged only); ``closed_form`` is the rate's closed
    form where one is known (an SGD family optimizer on a quadratic), else ``None``.
    """

    surface: Surface | None  # None: a network's map (options["subject"] says which)
    optimizer: Optimizer
    x_axis: Axis
    y_axis: Axis
    x: np.ndarray
    y: np.ndarray
    metric: str
    metrics: dict[str, np.ndarray]
    steps: int
    starts: np.ndarray
    closed_form: np.ndarray | None = None
    options: dict = field(default_factory=dict)

    @property
    def values(self) -> np.ndarray:
        return self.metrics[self.metric]

    @property
    def diverged(self) -> np.ndarray:
        """Cells whose run diverged, or (on a surface) moved away from the minimum."""
        blew_up = np.isfinite(self.metrics["diverged"])
        if self.surface is None:  # a network's loss may rise for a while and still train
            return blew_up
        with np.errstate(invalid="ignore"):
            return blew_up | (self.metrics["rate"] > 1)

    def with_metric(self, metric: str) -> Phase:
        """The same map showing another metric (nothing is run again)."""
        return replace(self, metric=_metric(metric))

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The map on ``ax`` (or a new figure): converged cells coloured by the metric,
        diverged ones flat, the boundary drawn, the closed form's contours over it."""
        return drawing("phaseplots.plot_phase")(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        n_y, n_x = self.values.shape
        return f"Phase({self.optimizer.name}, {self.y_axis.name} x {self.x_axis.name}, {n_y}x{n_x})"


def _metric(metric: str) -> str:
    if metric not in METRICS:
        raise unknown("metric", metric, METRICS)
    return metric


def _grid_size(n: Any) -> tuple[int, int]:
    if isinstance(n, list | tuple) and len(n) == 2:
        return check.whole(n[0], "n (x)", 2, MAX_N), check.whole(n[1], "n (y)", 2, MAX_N)
    size = check.whole(n, "n", 2, MAX_N)
    return size, size


def problem(
    surface: Surface | str,
    optimizer_: Optimizer | str,
    x: Any,
    y: Any,
    n: Any = 64,
    steps: int = 300,
    start: Any = None,
    schedule: Any = None,
    tol: float = 1e-3,
    escape: float = 10.0,
) -> Problem:
    """The checked request of :func:`phase`."""
    surf = _surface(surface)
    opt = optimizer(optimizer_)
    if opt.noise is not None:
        raise ParameterError(f"a phase map runs exact gradients; {opt.name} draws noise")
    ax, ay = parse_axis(x, "x"), parse_axis(y, "y")
    if ax.name == ay.name:
        raise ParameterError(f"x and y are both '{ax.name}'; give two hyperparameters")
    for a in (ax, ay):
        if a.name not in opt.defaults:
            raise unknown(f"hyperparameter of {opt.name}", a.name, opt.defaults)
        if isinstance(opt.defaults[a.name], bool | int) and a.name != "lr":
            raise ParameterError(
                f"{a.name} of {opt.name} is not a real number; it cannot be an axis"
            )
        for v in (a.lo, a.hi):
            optimizer(opt, **{a.name: v})  # the optimizer's own range check
    n_x, n_y = _grid_size(n)
    starts = np.atleast_2d(_starts(surf, start))
    check.number_in(tol, "tol", 0.0, math.inf)
    check.number_in(escape, "escape", 1.0, math.inf)
    return Problem(
        surface=surf,
        optimizer=opt,
        x=ax,
        y=ay,
        xs=ax.values(n_x),
        ys=ay.values(n_y),
        starts=starts,
        steps=_steps(steps),
        schedule=_schedule(schedule),
        tol=float(tol),
        escape=float(escape),
    )


def phase(
    surface: Surface | str,
    optimizer: Optimizer | str,
    x: Any = ("lr", 1e-3, 2.0, "log"),
    y: Any = ("momentum", 0.0, 0.999),
    *,
    n: Any = 64,
    steps: int = 300,
    start: Any = None,
    metric: str = "rate",
    schedule: Any = None,
    tol: float = 1e-3,
    escape: float = 10.0,
    workers: int | None = None,
    dask: Any = None,
    store: Any = None,
    tile: Any = None,
    progress: Any = None,
) -> Phase:
    """Map ``metric`` over two hyperparameters ``x`` and ``y`` of ``optimizer``.

    ``x``, ``y``: ``(name, low, high[, "log"])`` or ``"name:low:high[:log]"``; ``n``: grid
    points per side (or ``(n_x, n_y)``); ``start``: one start or several (a cell's rate is
    its slowest start's, its loss their mean). Zoom by giving a smaller window.

    Where it runs: ``workers`` local processes (default: every core; 1 runs here);
    ``dask``: a scheduler address or a ``distributed.Client``; ``tile``: ``(rows, cols)``
    of a tile (default: sized to the memory). ``store``: a folder where each tile is
    written as it finishes; a map asked again with the same store resumes from the
    tiles already there. ``progress(what, done, total)`` counts tiles.
    """
    from .tiles import compute

    metric = _metric(metric)
    job = problem(surface, optimizer, x, y, n, steps, start, schedule, tol, escape)
    metrics = compute(
        job, run_tile, workers=workers, dask=dask, store=store, tile=tile, progress=progress
    )
    return Phase(
        surface=job.surface,
        optimizer=job.optimizer,
        x_axis=job.x,
        y_axis=job.y,
        x=job.xs,
        y=job.ys,
        metric=metric,
        metrics=metrics,
        steps=job.steps,
        starts=job.starts,
        closed_form=closed_form(job),
        options={"tol": job.tol, "schedule": job.schedule},
    )


# -- one tile ------------------------------------------------------------------------------
def run_tile(job: Problem, rows: slice, cols: slice) -> dict[str, np.ndarray]:
    """Every metric over the cells ``rows x cols`` of ``job``'s grid: ``(rows, cols)`` each.

    The one place that decides how cells run: the tile is one batch, every (cell, start)
    a run with its own hyperparameters (:class:`PerStart`), which the compiled engine
    runs as one kernel. Each cell's arithmetic is the same whatever its batch.
    """
    ys, xs = job.ys[rows], job.xs[cols]
    grid_x, grid_y = np.meshgrid(xs, ys)  # row-major cells
    values = {job.x.name: grid_x.ravel(), job.y.name: grid_y.ravel()}
    per_run = _run_cells(job, values)
    s = len(job.starts)
    return {
        name: _per_cell(name, v.reshape(-1, s)).reshape(len(ys), len(xs))
        for name, v in per_run.items()
    }


def _batch(job: Problem, values: dict[str, np.ndarray], which: np.ndarray | None = None):
    """The optimizer and starts of the runs ``which`` (default: all) of the cells with
    ``values``: cell-major, so cell c's starts are runs ``c*s .. c*s + s - 1``."""
    s = len(job.starts)
    per_run = {name: np.repeat(v, s) for name, v in values.items()}
    n = len(next(iter(per_run.values())))
    rates = per_run.pop("lr", np.full(n, float(job.optimizer.lr)))
    p0 = np.tile(job.starts, (n // s, 1))
    if which is not None:
        rates, p0 = rates[which], p0[which]
        per_run = {name: v[which] for name, v in per_run.items()}
    return PerStart(job.optimizer, rates[:, None], per_run or None), p0


def _run_cells(job: Problem, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per run: rate, final loss, steps to converge and step of divergence (NaN: never).

    One run to the end keeps only the second half of each path, where the rate of a run
    that neither diverged nor reached the floor is measured. The runs that reached the
    floor run again, as far as they needed, keeping their whole path.
    """
    opt, p0 = _batch(job, values)
    minima = job.surface.minima
    first = job.steps // 2 if job.steps >= 8 else 0
    end = run_final(job.surface, opt, p0, job.steps, job.schedule, tol=job.tol,
                    escape=job.escape, work=job.work,
                    tail_from=first if len(minima) else None)  # fmt: skip
    cell = {
        "loss": end.final_loss,
        "steps": np.where(end.converged_at == NEVER, np.nan, end.converged_at.astype(float)),
        "diverged": np.where(end.diverged_at == NEVER, np.nan, end.diverged_at.astype(float)),
        "rate": np.full(len(p0), np.nan),
    }
    if len(minima):
        cell["rate"] = _rates(job, values, end, first, p0)
    return cell


def _rates(job: Problem, values: dict, end: Any, first: int, p0: np.ndarray) -> np.ndarray:
    """Each run's rate towards the minimum it ends nearest to (see :func:`tail_rate`).

    ``end`` kept steps ``first..steps`` of every run: enough for a run that went on to
    the last step. A run that ended early, by diverging or by settling at the floor
    (within what float64 resolves of the minimum) for good, runs again as far as it went,
    keeping its whole path.
    """
    target, floor = _nearest_minimum(job.surface, end.final_xy)
    distance = _distance(end.tail_xy, target)  # steps first..steps
    diverged = end.diverged_at != NEVER
    early = diverged | (distance[-1] <= floor)
    rate = np.empty(len(p0))
    if not early.all():
        rate[~early] = tail_rate(distance[:, ~early], np.full((~early).sum(), job.steps), first)
    if early.any():
        which = np.flatnonzero(early)
        above = distance[:, which] > floor[which]
        last_above = first + len(above) - 1 - np.argmax(above[::-1], axis=0)
        at_floor = np.where(above.any(axis=0), last_above, first)  # it left the floor by then
        horizon = np.where(diverged[which], np.maximum(end.diverged_at[which] - 1, 0), at_floor)
        rate[which] = _rates_again(job, values, which, target[which], floor[which], horizon,
                                   diverged[which])  # fmt: skip
    return rate


def _distance(path: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``|path - target|`` for paths ``(k, n, 2)`` and targets ``(n, 2)``: ``(k, n)``."""
    dx = path[..., 0] - target[:, 0]
    dy = path[..., 1] - target[:, 1]
    return np.sqrt(dx * dx + dy * dy)


def _nearest_minimum(surf: Surface, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The minimum nearest to each of ``xy`` and the floor of each (see distance_floor)."""
    gap = ((xy[:, None, :] - surf.minima[None]) ** 2).sum(-1)
    nearest = np.argmin(gap, axis=1)
    floors = np.array([distance_floor(m) for m in surf.minima])
    return surf.minima[nearest], floors[nearest]


def _rates_again(job, values, which, target, floor, horizon, diverged) -> np.ndarray:
    """The rates of the runs ``which``, run again to ``horizon`` (each its own last step
    that counts) with the whole path kept; measured up to the last step above the floor,
    towards the minimum nearest to where a diverged run was before it diverged."""
    opt, p0 = _batch(job, values, which)
    again = run_final(job.surface, opt, p0, int(horizon.max()), job.schedule, tol=job.tol,
                      escape=job.escape, work=job.work, tail_from=0)  # fmt: skip
    before = again.tail_xy[horizon, np.arange(len(which))]
    target_before, floor_before = _nearest_minimum(job.surface, before)
    target = np.where(diverged[:, None], target_before, target)
    floor = np.where(diverged, floor_before, floor)
    path = _distance(again.tail_xy, target)
    steps = np.arange(len(path))[:, None]
    above = (path > floor) & (steps <= horizon)
    ends = np.where(above.any(0), len(above) - 1 - np.argmax(above[::-1], axis=0), -1)
    rate = tail_rate(path, np.maximum(ends, 0))
    return np.where(ends < 0, 0.0, rate)


def _per_cell(name: str, v: np.ndarray) -> np.ndarray:
    """A cell's value from its starts' ``(cells, starts)``: the slowest, or the mean loss."""
    if v.shape[1] == 1:
        return v[:, 0]
    if name == "loss":
        return v.mean(axis=1)
    if name == "diverged":
        with np.errstate(invalid="ignore"):
            return np.where(
                np.isnan(v).all(1), np.nan, np.nanmin(np.where(np.isnan(v), np.inf, v), 1)
            )
    return v.max(axis=1)  # the slowest start; NaN (never converged) wins


# -- closed forms --------------------------------------------------------------------------
def quadratic_curvatures(surf: Surface) -> np.ndarray | None:
    """The Hessian's eigenvalues if ``surf`` is a quadratic (the same Hessian everywhere)."""
    (x0, x1), (y0, y1) = surf.domain
    probe = np.array([[x0, y0], [x1, y1], [x0, y1], [0.3 * x0 + 0.7 * x1, 0.6 * y0 + 0.4 * y1]])
    with np.errstate(all="ignore"):
        h = surf.hess(probe)
    if not np.all(np.isfinite(h)) or not np.allclose(h, h[0], rtol=1e-12, atol=1e-12):
        return None
    return np.linalg.eigvalsh(h[0])


def closed_form(job: Problem) -> np.ndarray | None:
    """The rate's closed form over the grid, for the SGD family on a quadratic (else None)."""
    if not isinstance(job.optimizer, GD) or job.schedule is not None:
        return None
    curvatures = quadratic_curvatures(job.surface)
    if curvatures is None or np.any(curvatures <= 0):
        return None
    X, Y = np.meshgrid(job.xs, job.ys)
    grid = {job.x.name: X, job.y.name: Y}
    h = {k: grid.get(k, v) for k, v in job.optimizer.hyper.items()}
    return heavy_ball_rate(
        h["lr"],
        h["momentum"],
        curvatures,
        dampening=h["dampening"],
        weight_decay=h["weight_decay"],
        nesterov=bool(job.optimizer.nesterov),
    )
