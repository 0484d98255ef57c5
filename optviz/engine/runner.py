"""The batched runner: every start of a run steps together as one array.

``run`` gives a :class:`Trajectory`; :func:`optviz.analysis.racing.race` runs several
optimizers from the same starts with the same schedule and the same noise seed and
gives a :class:`Race` (both in :mod:`optviz.engine.trajectory`). A run is checked here,
then stepped by the compiled engine where that pays (:mod:`optviz.engine.kernels`), else
by the numpy loop (:mod:`optviz.engine.stepping`), the reference.

Divergence is data: a start whose position, loss or gradient stops being finite, or
that leaves the domain by more than ``escape`` times its size, is frozen where it was
and the step is recorded in ``diverged_at``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..catalog import Surface, surface
from ..util import budget, check, defaults
from ..util.errors import ParameterError
from .noise import Noise, batch_rows
from .optim import Optimizer, optimizer
from .scheduling import Schedule, schedule
from .stepping import (  # noqa: F401 - lowest_eigenvalue is the runner's public helper
    CURVED,
    NEVER,
    _Final,
    _History,
    _loop,
    _StateHistory,
    lowest_eigenvalue,
)
from .trajectory import FinalState, Race, Trajectory  # noqa: F401 - re-exported

MAX_STEPS = 1_000_000
MAX_STARTS = 4_000_000


def _starts(surface: Surface, start: Any) -> np.ndarray:
    """The starts ``(d,)`` or ``(n, d)``: ``d`` is 2, or 1 on a curve (where a plain
    number is one start)."""
    if start is None:
        return surface.start
    d = surface.dim
    words = "x, y or an (n, 2) array" if d == 2 else "x or an (n, 1) array"
    try:
        arr = np.array(start, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"start must be {words}, not {start!r}") from None
    if arr.ndim == 0 and d == 1:
        arr = arr[None]
    if arr.ndim not in (1, 2) or arr.shape[-1] != d or arr.size == 0:
        curve = " (the surface is a curve)" if d == 1 else ""
        raise ParameterError(f"start must have shape ({d},) or (n, {d}){curve}, not {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError("start must be finite numbers")
    if arr.ndim == 2 and len(arr) > MAX_STARTS:
        raise ParameterError(f"{len(arr)} starts is too many; at most {MAX_STARTS}")
    return arr


def _check_history(p: np.ndarray, steps: int, kept: float = 0) -> None:
    """Refuse, with a clear message, a run whose history would not fit the memory budget.

    ``kept``: how many 2-vectors of optimizer state, shown points and evaluations are
    recorded per start and step.
    """
    budget.check(budget.runs(p.size // p.shape[-1], steps, drawn=False, kept_state=kept))


def _steps(steps: Any, name: str = "steps", least: int = 0) -> int:
    return check.whole(steps, name, least, MAX_STEPS)


class _Evaluator:
    """The gradient as the optimizer sees it: exact, noisy or from a mini-batch.

    Draws come from one generator in a fixed order (input, batch rows, gradient
    noise), so a seed fixes the whole run.
    """

    def __init__(self, surface: Surface, noise: Noise, rng: np.random.Generator):
        has_data = surface.n_samples > 0
        self.surface, self.noise, self.rng = surface, noise, rng
        applied = noise.applied(has_data)  # what titles report is what runs
        self.use_batches = bool(applied.batch)
        self.grad_sigma = applied.grad
        self.exact = not (noise.input or self.use_batches or self.grad_sigma)

    def gradient(self, p: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
        """The stochastic gradient at step ``t`` (1-based); ``g`` is the exact one at ``p``."""
        scale = self.noise.scale(t)
        at = p
        if self.noise.input:
            at = p + scale * self.noise.input * self.rng.standard_normal(p.shape)
        if self.use_batches:
            flat = at.reshape(-1, p.shape[-1])
            rows = batch_rows(self.rng, len(flat), self.surface.n_samples, self.noise.batch)
            g = self.surface.batch_value_and_grad(flat, rows)[1].reshape(p.shape)
        elif self.noise.input:
            g = self.surface.grad(at)
        if self.grad_sigma:
            g = g + scale * self.grad_sigma * self.rng.standard_normal(p.shape)
        return g


def run(
    surface: Surface | str,
    optimizer: Optimizer | str = "gd",
    start: Any = None,
    steps: int = defaults.STEPS,
    schedule: Schedule | str | None = None,
    noise: Noise | str | dict | None = None,
    seed: int = 0,
    *,
    tol: float = 1e-3,
    gtol: float = 1e-6,
    escape: float = 10.0,
    keep_state: bool = False,
    sharpness: bool = False,
) -> Trajectory:
    """Run ``optimizer`` on ``surface`` from ``start`` (``(2,)`` or ``(n, 2)``; on a curve
    ``(1,)`` or ``(n, 1)``, and the positions of the trajectory are ``(..., 1)``).

    ``noise`` merges over the noise the optimizer brings itself (``sgd``: mini-batches
    on a surface with data, gradient noise elsewhere); ``batch`` noise needs a surface
    with data. ``converged_at`` is the first step from which a start *stays* within
    ``tol`` domain diagonals of a known minimum, or has a gradient norm below ``gtol`` where
    the Hessian is positive definite (not a saddle, not a plateau),
    until the end (a ball rolling through the minimum has not converged). ``escape``: a
    start farther than ``escape`` domain diagonals from the domain's centre diverges.
    ``keep_state=True`` records the optimizer's state of every step under torch's names
    in ``Trajectory.state`` (always on the numpy reference path); off, it costs nothing.
    ``sharpness=True`` records ``Trajectory.sharpness`` (and, for an adaptive optimizer,
    ``preconditioned_sharpness``) from the surface's exact Hessian.

    >>> t = run("quadratic", "gd:lr=0.1", start=(1.0, 0.0), steps=3)
    >>> t.xy[:, 0].tolist()  # (1 - 2·lr)^t along x
    [1.0, 0.8, 0.64, 0.512]
    >>> run("parabola", "gd:lr=0.1", start=[1.0], steps=2).xy.tolist()  # a curve: (..., 1)
    [[1.0], [0.8], [0.64]]
    """
    job = _job(surface, optimizer, start, steps, schedule, noise, seed, tol, gtol, escape)
    for key, value in (("keep_state", keep_state), ("sharpness", sharpness)):
        if not isinstance(value, bool):
            raise ParameterError(f"{key}={value!r} must be true or false")
    if sharpness:
        return _with_sharpness(job, keep_state)
    kind = _StateHistory if keep_state else _History
    _check_history(job.p, job.steps, kind.width(job.optimizer))
    return _execute(job, kind(job.steps, job.p, job.optimizer))


def _with_sharpness(job: _Job, keep_state: bool) -> Trajectory:
    """The run with its sharpness; the state is recorded when the preconditioner needs it."""
    from .sharpness import ADAPTIVE, preconditioned_top, preconditioner, top_eigenvalue

    adaptive = any(name in ADAPTIVE for name in job.optimizer.kept_state().values())
    kind = _StateHistory if keep_state or adaptive else _History
    _check_history(job.p, job.steps, kind.width(job.optimizer) + 2)
    traj = _execute(job, kind(job.steps, job.p, job.optimizer))
    with np.errstate(all="ignore"):
        hess = job.surface.hess(traj.xy)
        found = {"sharpness": top_eigenvalue(hess)}
        scale = preconditioner(job.optimizer, traj.state, job.lrs) if adaptive else None
        if scale is not None:
            found["preconditioned_sharpness"] = preconditioned_top(hess, scale)
    return replace(traj, **found, state=traj.state if keep_state else None)


def run_final(
    surface: Surface | str,
    optimizer: Optimizer | str = "gd",
    start: Any = None,
    steps: int = defaults.STEPS,
    schedule: Schedule | str | None = None,
    noise: Noise | str | dict | None = None,
    seed: int = 0,
    *,
    tol: float = 1e-3,
    gtol: float = 1e-6,
    escape: float = 10.0,
    work: int = 0,
    tail_from: int | None = None,
) -> FinalState:
    """:func:`run` keeping only where each start ended: no history, memory O(starts).

    The same arithmetic step by step as :func:`run`, so ``final_xy``, ``final_loss``,
    ``converged_at`` and ``diverged_at`` equal those of the full trajectory; ``mean_loss``
    is the loss averaged over steps ``0..steps``, accumulated as the run goes. ``work``:
    the start-steps of a whole job this run is one block of, so that the engine is chosen
    for the job (a kernel's compile pays off over all the blocks, not one).
    ``tail_from``: also keep the positions of steps ``tail_from..steps`` in ``tail_xy``
    (``(steps + 1 - tail_from, n, 2)``), what a measure of a run's tail needs, without the
    memory of the steps before it.

    >>> r = run_final("quadratic", "gd:lr=0.1", start=(1.0, 0.0), steps=3)
    >>> r.final_xy.tolist(), r.converged_at.tolist()
    ([0.512, 0.0], -1)
    """
    job = _job(surface, optimizer, start, steps, schedule, noise, seed, tol, gtol, escape)
    job.meta["work"] = work
    if tail_from is None:
        return _execute(job, _Final(job.p, job.steps))
    first = check.whole(tail_from, "tail_from", 0, job.steps)
    _check_history(job.p, job.steps - first)
    return _execute(job, _Final(job.p, job.steps, first))


@dataclass(frozen=True, eq=False)
class _Job:
    """A checked run request: everything a loop needs, nothing computed yet."""

    surface: Surface
    optimizer: Optimizer
    p: np.ndarray
    lrs: np.ndarray
    evaluator: _Evaluator
    tol: float
    gtol: float
    escape: float
    meta: dict

    @property
    def steps(self) -> int:
        return len(self.lrs)


def _job(surface, optimizer, start, steps, schedule, noise, seed, tol, gtol, escape) -> _Job:
    surf = _surface(surface)
    opt = _optimizer(optimizer)
    steps = _steps(steps)
    sched = _schedule(schedule)
    asked = Noise.parse(noise)
    if asked is not None and asked.batch and surf.n_samples == 0:
        raise ParameterError(
            f"noise batch={asked.batch} needs a surface with data; '{surf.name}' has none "
            "(use grad=... noise there)"
        )
    noise_spec = (opt.noise or Noise()).merged(asked)
    check.seed(seed)
    _check_tolerances(tol, gtol, escape)
    p = _starts(surf, start)
    evaluator = _Evaluator(surf, noise_spec, np.random.default_rng(seed))
    lrs = sched.lrs(opt.lr, steps) if sched else np.full(steps, float(opt.lr))
    meta = {"schedule": sched, "noise": noise_spec, "seed": seed}
    return _Job(surf, opt, p, lrs, evaluator, tol, gtol, escape, meta)


def _execute(job: _Job, record: _History | _Final) -> Any:
    """Run ``job``, writing each step into ``record``: compiled where it pays, else numpy.

    Recording the optimizer's state, or the points it shows, is the numpy engine's alone
    (the reference).
    """
    from .kernels import compiled_loop

    with np.errstate(all="ignore"):
        ends = None if record.numpy_only else compiled_loop(job, record, NEVER, CURVED)
        ends = ends or _loop(job, record)
    return record.result(job, *ends)


def _surface(s: Surface | str) -> Surface:
    return s if isinstance(s, Surface) else surface(s)


def _optimizer(o: Optimizer | str) -> Optimizer:
    return optimizer(o)


def _schedule(s: Schedule | str | None) -> Schedule | None:
    return schedule(s)


def _check_tolerances(tol: Any, gtol: Any, escape: Any) -> None:
    for key, value, low in (("tol", tol, 0.0), ("gtol", gtol, 0.0), ("escape", escape, 1.0)):
        check.number_in(value, key, low, math.inf)
