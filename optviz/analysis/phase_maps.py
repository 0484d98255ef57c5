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
from ..engine.optim import Optimizer, optimizer
from ..engine.runner import _schedule, _starts, _steps, _surface
from ..util import budget, check
from ..util.display import Preview, drawing
from ..util.errors import ParameterError, unknown
from .convergence import heavy_ball_rate
from .phase_cells import run_tile
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
