"""Phase maps over a network's hyperparameters: where training converges, and how well.

After Sohl-Dickstein, "The boundary of neural network trainability is fractal" (2024):
train the same small network from the same start at every point of a grid of two
hyperparameters (typically the learning rates of two layers, ``lr1`` and ``lr2``) and
colour each cell by how training went. The boundary between the cells that trained and
the ones that diverged is intricate at every zoom.

This module knows the network only through a *trainer* (:class:`optviz.nets.many.Trainer`,
or anything with ``run(values) -> runs`` giving ``loss`` ``(steps + 1, m)`` and
``diverged_at`` ``(m,)``, ``hyperparameters``, ``optimizer``, ``steps``, ``label``,
``key()``, ``cell_bytes`` and ``cell_work``), so analysis and nets stay apart. Per cell:

- ``loss``: the final training loss (the default);
- ``rate``: the per-step factor by which the *loss* shrinks over the run's tail (a
  network's minimum is not known, so not the distance to it), measured as on surfaces
  (:func:`optviz.analysis.convergence.tail_rate`);
- ``steps``: the step from which the loss stays at or below ``tol`` (NaN: never);
- ``diverged``: the step at which training diverged (NaN: never).

Tiles, stores and Dask work as for surfaces (:mod:`optviz.analysis.tiles`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..util import check
from ..util.errors import ParameterError, unknown
from .convergence import tail_rate
from .phase_maps import Axis, Phase, _grid_size, _metric, parse_axis

NEVER = -1


@dataclass(frozen=True, eq=False)
class NetProblem:
    """Everything a tile of a network's map needs (picklable)."""

    trainer: Any
    x: Axis
    y: Axis
    xs: np.ndarray
    ys: np.ndarray
    tol: float

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.ys), len(self.xs)

    @property
    def steps(self) -> int:
        return self.trainer.steps

    @property
    def what(self) -> str:
        return f"of {self.trainer.label} x {self.steps} steps"

    @property
    def cell_bytes(self) -> float:
        return self.trainer.cell_bytes

    @property
    def cell_work(self) -> float:
        return self.trainer.cell_work

    @property
    def cell_seconds(self) -> float:
        return self.trainer.cell_seconds

    @property
    def tile_seconds(self) -> float:
        return self.trainer.tile_seconds

    def key(self) -> str:
        parts = ["net-phase-1", self.trainer.key(), self.x.spec, self.y.spec,
                 str(self.shape), repr(self.tol)]  # fmt: skip
        return "\n".join(parts)


def network_phase(
    trainer: Any,
    x: Any = ("lr1", 1e-2, 10.0, "log"),
    y: Any = ("lr2", 1e-2, 10.0, "log"),
    *,
    n: Any = 64,
    metric: str = "loss",
    tol: float = 1e-2,
    workers: int | None = None,
    dask: Any = None,
    store: Any = None,
    tile: Any = None,
    progress: Any = None,
) -> Phase:
    """Map ``metric`` over two hyperparameters of ``trainer``'s training (see the module).

    >>> from optviz.nets.many import trainer
    >>> t = trainer("xor", "gd", hidden=(4,), points=40, steps=40)
    >>> m = network_phase(t, ("lr1", 0.1, 30.0, "log"), ("lr2", 0.1, 30.0, "log"), n=3,
    ...                   workers=1)
    >>> m.values.shape, m.metric, bool(m.diverged[-1, -1]), bool(m.diverged[0, 0])
    ((3, 3), 'loss', True, False)
    """
    from .tiles import compute

    metric = _metric(metric)
    job = problem(trainer, x, y, n, tol)
    metrics = compute(
        job, run_tile, workers=workers, dask=dask, store=store, tile=tile, progress=progress
    )
    return Phase(
        surface=None,
        optimizer=trainer.optimizer,
        x_axis=job.x,
        y_axis=job.y,
        x=job.xs,
        y=job.ys,
        metric=metric,
        metrics=metrics,
        steps=job.steps,
        starts=np.asarray(trainer.theta0)[None],
        options={"tol": job.tol, "subject": trainer.label},
    )


def problem(trainer: Any, x: Any, y: Any, n: Any = 64, tol: float = 1e-2) -> NetProblem:
    """The checked request of :func:`network_phase`."""
    ax, ay = parse_axis(x, "x"), parse_axis(y, "y")
    if ax.name == ay.name:
        raise ParameterError(f"x and y are both '{ax.name}'; give two hyperparameters")
    known = trainer.hyperparameters
    for a in (ax, ay):
        if a.name not in known:
            raise unknown("hyperparameter of the network's training", a.name, known)
        if isinstance(known[a.name], bool):
            raise ParameterError(f"{a.name} is not a real number; it cannot be an axis")
    n_x, n_y = _grid_size(n)
    check.number_in(tol, "tol", 0.0, math.inf)
    return NetProblem(trainer, ax, ay, ax.values(n_x), ay.values(n_y), float(tol))


def run_tile(job: NetProblem, rows: slice, cols: slice) -> dict[str, np.ndarray]:
    """Every metric over the cells ``rows x cols``: one copy of the network per cell,
    trained together; each copy's arithmetic is its own, whatever its tile."""
    ys, xs = job.ys[rows], job.xs[cols]
    grid_x, grid_y = np.meshgrid(xs, ys)
    runs = job.trainer.run({job.x.name: grid_x.ravel(), job.y.name: grid_y.ravel()})
    loss, diverged_at = runs.loss, runs.diverged_at
    steps = len(loss) - 1
    ends = np.where(diverged_at == NEVER, steps, np.maximum(diverged_at - 1, 0))
    above = ~(loss <= job.tol)
    last_above = np.where(above.any(0), steps - np.argmax(above[::-1], axis=0), -1)
    settled = (diverged_at == NEVER) & (last_above < steps)
    cell = {
        "loss": loss[-1],
        "rate": tail_rate(loss, ends),
        "steps": np.where(settled, last_above + 1.0, np.nan),
        "diverged": np.where(diverged_at == NEVER, np.nan, diverged_at.astype(float)),
    }
    return {name: v.reshape(len(ys), len(xs)) for name, v in cell.items()}
