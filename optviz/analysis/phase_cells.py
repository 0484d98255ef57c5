"""One tile of a phase map: run its cells and measure each (rate, loss, steps, diverged).

:func:`run_tile` is the kernel :mod:`optviz.analysis.tiles` hands to local cores or to a
Dask cluster; everything it needs travels in ``job``, a :class:`~.phase_maps.Problem`
(typed loosely here: the problem's module imports this one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..catalog import Surface
from ..engine.final_runs import PerStart
from ..engine.runner import NEVER, run_final
from .convergence import distance_floor, tail_rate


def run_tile(job: Any, rows: slice, cols: slice) -> dict[str, np.ndarray]:
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


def _batch(job: Any, values: dict[str, np.ndarray], which: np.ndarray | None = None):
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


def _run_cells(job: Any, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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


def _rates(job: Any, values: dict, end: Any, first: int, p0: np.ndarray) -> np.ndarray:
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
