"""The batched runner: every start of a run steps together as one array.

``run`` gives a :class:`Trajectory`; :func:`optviz.analysis.racing.race` runs several
optimizers from the same starts with the same schedule and the same noise seed and
gives a :class:`Race`. Both hold data; their ``plot``/``animate`` methods and notebook
previews reach the drawing layer through :mod:`optviz.util.display`.

Divergence is data: a start whose position, loss or gradient stops being finite, or
that leaves the domain by more than ``escape`` times its size, is frozen where it was
and the step is recorded in ``diverged_at``.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..catalog import Surface, surface
from ..util import budget, check, defaults
from ..util.display import Preview, drawing
from ..util.errors import ParameterError
from .noise import Noise, batch_rows
from .optim import Optimizer, optimizer
from .scheduling import Schedule, schedule
from .table import Table, race_table

NEVER = -1  # marker in diverged_at / converged_at
CURVED = 1e-3  # smallest Hessian eigenvalue that counts as curving up at a minimum

MAX_STEPS = 1_000_000
MAX_STARTS = 4_000_000


@dataclass(frozen=True, eq=False)
class Trajectory(Preview):
    """What one optimizer did from one or many starts.

    ``xy``: ``(steps+1, 2)`` for one start or ``(steps+1, n, 2)`` for n starts;
    ``loss`` and ``grad_norm``: ``(steps+1,)`` / ``(steps+1, n)``; ``lr``: ``(steps,)``,
    the rate used by each step; ``diverged_at`` / ``converged_at``: the step index per
    start (``-1``: never), shaped ``()`` or ``(n,)``.

    ``state`` (``run(..., keep_state=True)``; otherwise ``None``): the optimizer's state
    under torch's names (``exp_avg``, ``momentum_buffer``, ``sum``, ...), each shaped
    like ``xy``; index 0 is the state before the first step, index t the state after
    step t. Two more entries for every optimizer: ``grad``, the gradient step t was
    given (torch's ``p.grad``: noise included, weight decay not), and ``update``, the
    step actually taken, ``xy[t] - xy[t-1]``; both are zero at index 0.

    ``sharpness`` (``run(..., sharpness=True)``; otherwise ``None``): the Hessian's largest
    eigenvalue at every position, shaped like ``loss``; for an adaptive optimizer also
    ``preconditioned_sharpness``, the largest eigenvalue of ``P⁻¹H`` with
    ``P = diag(√v̂ + eps)`` from its state (see :mod:`optviz.engine.sharpness`).
    """

    surface: Surface
    optimizer: Optimizer
    xy: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    lr: np.ndarray
    diverged_at: np.ndarray
    converged_at: np.ndarray
    schedule: Schedule | None = None
    noise: Noise | None = None
    seed: int = 0
    label: str = ""
    state: dict[str, np.ndarray] | None = None
    sharpness: np.ndarray | None = None
    preconditioned_sharpness: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.optimizer.name

    @property
    def steps(self) -> int:
        return len(self.lr)

    @property
    def batched(self) -> bool:
        return self.xy.ndim == 3

    @property
    def final_xy(self) -> np.ndarray:
        return self.xy[-1]

    @property
    def final_loss(self) -> np.ndarray:
        return self.loss[-1]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at != NEVER

    @property
    def converged(self) -> np.ndarray:
        return self.converged_at != NEVER

    def start(self, i: int) -> Trajectory:
        """The trajectory of start ``i`` alone (shapes of a single start)."""
        if not self.batched:
            raise ParameterError("this trajectory has a single start")
        pick = {
            "xy": self.xy[:, i],
            "loss": self.loss[:, i],
            "grad_norm": self.grad_norm[:, i],
            "diverged_at": self.diverged_at[i],
            "converged_at": self.converged_at[i],
        }
        if self.state is not None:
            pick["state"] = {k: v[:, i] for k, v in self.state.items()}
        for key in ("sharpness", "preconditioned_sharpness"):
            if getattr(self, key) is not None:
                pick[key] = getattr(self, key)[:, i]
        return Trajectory(**{**self.__dict__, **pick})

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The path(s) on the surface's contours, on ``ax`` or a new Axes; returns the Axes
        (see :func:`optviz.render.views.race_on`; ``loss=True`` draws the loss curve)."""
        return drawing("views.race_on")(self, ax, **kwargs)

    def animate(self, **kwargs: Any) -> Any:
        """An animation of this trajectory (see :func:`optviz.render.animate.animate`)."""
        return drawing("animate.animate")(self, **kwargs)

    def _preview(self) -> Any:
        return drawing("views.preview")(self)

    def __repr__(self) -> str:
        n = self.xy.shape[1] if self.batched else 1
        return f"Trajectory({self.label!r}, steps={self.steps}, starts={n})"


def _starts(surface: Surface, start: Any) -> np.ndarray:
    if start is None:
        return surface.start
    try:
        arr = np.array(start, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"start must be x, y or an (n, 2) array, not {start!r}") from None
    if arr.ndim not in (1, 2) or arr.shape[-1] != 2 or arr.size == 0:
        raise ParameterError(f"start must have shape (2,) or (n, 2), not {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError("start must be finite numbers")
    if arr.ndim == 2 and len(arr) > MAX_STARTS:
        raise ParameterError(f"{len(arr)} starts is too many; at most {MAX_STARTS}")
    return arr


def _check_history(p: np.ndarray, steps: int, kept: int = 0) -> None:
    """Refuse, with a clear message, a run whose history would not fit the memory budget.

    ``kept``: how many 2-vectors of optimizer state are recorded per start and step.
    """
    budget.check(budget.runs(p.size // 2, steps, drawn=False, kept_state=kept))


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
            flat = at.reshape(-1, 2)
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
    """Run ``optimizer`` on ``surface`` from ``start`` (``(2,)`` or ``(n, 2)``).

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
    """
    job = _job(surface, optimizer, start, steps, schedule, noise, seed, tol, gtol, escape)
    for key, value in (("keep_state", keep_state), ("sharpness", sharpness)):
        if not isinstance(value, bool):
            raise ParameterError(f"{key}={value!r} must be true or false")
    if sharpness:
        return _with_sharpness(job, keep_state)
    if keep_state:
        record = _StateHistory(job.steps, job.p, job.optimizer)
        _check_history(job.p, job.steps, record.width)
        return _execute(job, record)
    _check_history(job.p, job.steps)
    return _execute(job, _History(job.steps, job.p))


def _with_sharpness(job: _Job, keep_state: bool) -> Trajectory:
    """The run with its sharpness; the state is recorded when the preconditioner needs it."""
    from .sharpness import ADAPTIVE, preconditioned_top, preconditioner, top_eigenvalue

    adaptive = any(name in ADAPTIVE for name in job.optimizer.kept_state().values())
    record = (
        _StateHistory(job.steps, job.p, job.optimizer)
        if keep_state or adaptive
        else _History(job.steps, job.p)
    )
    _check_history(job.p, job.steps, getattr(record, "width", 0) + 2)
    traj = _execute(job, record)
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
class FinalState:
    """Where each start of a run ended (see :func:`run_final`); shapes of the starts."""

    final_xy: np.ndarray
    final_loss: np.ndarray
    mean_loss: np.ndarray
    converged_at: np.ndarray
    diverged_at: np.ndarray
    tail_xy: np.ndarray | None = None  # steps tail_from..steps, when asked


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

    Recording the optimizer's state is the numpy engine's alone (the reference).
    """
    from .kernels import compiled_loop

    with np.errstate(all="ignore"):
        ends = None if record.keeps_state else compiled_loop(job, record, NEVER, CURVED)
        ends = ends or _loop(job, record)
    return record.result(job, *ends)


class _History:
    """Keeps every step from ``first`` on: positions, losses and gradient norms (a
    :class:`Trajectory` when ``first`` is 0)."""

    keeps_state = False
    keeps_final = False

    def __init__(self, steps: int, p: np.ndarray, first: int = 0):
        shape = p.shape[:-1]
        self.first = first
        self.xy = np.empty((steps + 1 - first, *p.shape))
        self.loss = np.empty((steps + 1 - first, *shape))
        self.grad_norm = np.empty((steps + 1 - first, *shape))

    def write(self, t: int, p: np.ndarray, f: np.ndarray, gnorm: np.ndarray) -> None:
        if t >= self.first:
            k = t - self.first
            self.xy[k], self.loss[k], self.grad_norm[k] = p, f, gnorm

    def result(self, job: _Job, diverged_at, converged_at) -> Trajectory:
        return Trajectory(
            surface=job.surface,
            optimizer=job.optimizer,
            xy=self.xy,
            loss=self.loss,
            grad_norm=self.grad_norm,
            lr=job.lrs,
            diverged_at=diverged_at,
            converged_at=converged_at,
            label=job.optimizer.label,
            **job.meta,
        )


class _StateHistory(_History):
    """Keeps every step and the optimizer's state after it, under torch's names."""

    keeps_state = True

    def __init__(self, steps: int, p: np.ndarray, opt: Optimizer):
        super().__init__(steps, p)
        self.fields = opt.kept_state()
        self.width = len(self.fields) + 2  # + grad and update
        shape = (steps + 1, *p.shape)
        self.arrays = {name: np.zeros(shape) for name in [*self.fields.values(), "grad"]}

    def write_state(self, t: int, g: np.ndarray | None, state: tuple) -> None:
        """The state after step ``t`` (0: the initial state) and the gradient it was given."""
        if g is not None:
            self.arrays["grad"][t] = g
        for field, name in self.fields.items():
            self.arrays[name][t] = getattr(state, field)

    def result(self, job: _Job, diverged_at, converged_at) -> Trajectory:
        update = np.zeros_like(self.xy)
        update[1:] = np.diff(self.xy, axis=0)
        traj = super().result(job, diverged_at, converged_at)
        return replace(traj, state={**self.arrays, "update": update})


class _Final(_History):
    """Keeps the last step, a running sum of the loss and the steps from ``first`` on (none
    by default): a :class:`FinalState`."""

    keeps_final = True

    def __init__(self, p: np.ndarray, steps: int = 0, first: int | None = None):
        super().__init__(steps, p, steps + 1 if first is None else first)
        self.total = np.zeros(p.shape[:-1])
        self.p = self.f = None

    def write(self, t: int, p: np.ndarray, f: np.ndarray, gnorm: np.ndarray) -> None:
        super().write(t, p, f, gnorm)
        self.p, self.f = p, f
        self.total += f

    def result(self, job: _Job, diverged_at, converged_at) -> FinalState:
        mean = self.total / (job.steps + 1)
        tail = self.xy if self.first <= job.steps else None
        return FinalState(self.p.copy(), np.array(self.f), mean, diverged_at=diverged_at,
                          converged_at=converged_at, tail_xy=tail)  # fmt: skip


def _loop(job: _Job, record: _History | _Final) -> tuple[np.ndarray, np.ndarray]:
    """Step every start together; return ``(diverged_at, converged_at)``.

    Each step's position, loss and gradient norm go to ``record``; the previous step's
    are kept here so that a start whose new position is not finite can stay where it was.
    """
    surf, opt, p, lrs, evaluator = job.surface, job.optimizer, job.p, job.lrs, job.evaluator
    steps = len(lrs)
    shape = p.shape[:-1]
    diverged_at = np.full(shape, NEVER)
    last_far = np.full(shape, NEVER)  # last step at which a start was not converged
    cx, cy = surf.domain.mean(axis=1)
    limit2 = np.float64(job.escape * surf.span) ** 2  # inf, not OverflowError, for a huge escape
    near2 = (job.tol * surf.span) ** 2
    state = opt.init(p)
    if record.keeps_state:
        record.write_state(0, None, state)
    active = np.ones(shape, dtype=bool)
    frozen = False  # any start frozen yet? (skips the masking while none is)
    update_sigma = evaluator.noise.update
    before = None  # the previous step's (position, loss, gradient norm)

    for t in range(steps + 1):
        f, g = surf.value_and_grad(p)
        gx, gy = g[..., 0], g[..., 1]
        gnorm = np.sqrt(gx * gx + gy * gy)  # a few times cheaper than np.hypot
        # one test catches a non-finite loss, gradient or position (NaN compares False)
        dx, dy = p[..., 0] - cx, p[..., 1] - cy
        bad = ~(np.isfinite(f + gx + gy) & (dx * dx + dy * dy < limit2))
        if frozen:
            bad &= active
        if bad.any():
            if t:  # a start whose new position is not finite stays where it was
                lost = bad & ~np.isfinite(p).all(-1)
                p = np.where(lost[..., None], before[0], p)
                f = np.where(lost, before[1], f)
                gnorm = np.where(lost, before[2], gnorm)
            diverged_at[bad] = t
            active &= ~bad
            frozen = True
        record.write(t, p, f, gnorm)
        before = (p, f, gnorm)
        near = _at_strict_minimum(surf, p, gnorm < job.gtol)
        for mx, my in surf.minima:
            ex, ey = p[..., 0] - mx, p[..., 1] - my
            near |= ex * ex + ey * ey < near2
        last_far[~near] = t
        if t == steps:
            break
        if not evaluator.exact:
            g = evaluator.gradient(p, g, t + 1)
        hess = surf.hess(p) if opt.uses_hessian else None
        new_p, state = opt.step(p, g, state, lrs[t], t + 1, hess)
        if record.keeps_state:
            record.write_state(t + 1, g, state)
        if update_sigma:
            sigma = evaluator.noise.scale(t + 1) * update_sigma
            new_p = new_p + sigma * evaluator.rng.standard_normal(p.shape)
        # frozen starts keep their last position: divergence is data, not a crash
        p = np.where(active[..., None], new_p, p) if frozen else new_p
    converged_at = np.where(active & (last_far < steps), last_far + 1, NEVER)
    return diverged_at, converged_at


def _surface(s: Surface | str) -> Surface:
    return s if isinstance(s, Surface) else surface(s)


def _optimizer(o: Optimizer | str) -> Optimizer:
    return optimizer(o)


def _schedule(s: Schedule | str | None) -> Schedule | None:
    return schedule(s)


def _at_strict_minimum(surf: Surface, p: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """Of the starts with a vanishing gradient, those where the surface curves up.

    A vanishing gradient alone is not convergence: a saddle or a plateau (where tanh or
    a sigmoid has saturated) has one too. Only the few candidates pay for a Hessian.
    """
    if not flat.any():
        return flat
    lowest = lowest_eigenvalue(surf.hess(p[flat]))
    out = np.zeros_like(flat)
    out[flat] = lowest > CURVED
    return out


def lowest_eigenvalue(hess: np.ndarray) -> np.ndarray:
    """The smaller eigenvalue of symmetric 2x2 matrices ``(..., 2, 2)``, in closed form.

    ``mean - radius`` of the eigenvalue circle: many times cheaper than
    ``np.linalg.eigvalsh`` on thousands of 2x2 matrices.

    >>> float(lowest_eigenvalue(np.array([[2.0, 1.0], [1.0, 2.0]])))
    1.0
    """
    a, b, d = hess[..., 0, 0], hess[..., 0, 1], hess[..., 1, 1]
    half = 0.5 * (a - d)
    return 0.5 * (a + d) - np.sqrt(half * half + b * b)


def _check_tolerances(tol: Any, gtol: Any, escape: Any) -> None:
    for key, value, low in (("tol", tol, 0.0), ("gtol", gtol, 0.0), ("escape", escape, 1.0)):
        check.number_in(value, key, low, math.inf)


@dataclass(frozen=True, eq=False)
class Race(Preview):
    """Several optimizers run on one surface from the same starts, schedule and seed.

    ``trajectories`` holds one :class:`Trajectory` per optimizer, in the order given.
    """

    surface: Surface
    trajectories: list[Trajectory]

    @property
    def names(self) -> list[str]:
        return [t.label for t in self.trajectories]

    def __iter__(self):
        return iter(self.trajectories)

    def __len__(self) -> int:
        return len(self.trajectories)

    def __getitem__(self, i: int) -> Trajectory:
        return self.trajectories[i]

    def table(self) -> Table:
        """One row per optimizer: final loss, nearest minimum, steps to converge, ...

        A :class:`optviz.engine.table.Table`: a list of dicts that prints aligned and shows as
        HTML in a notebook (see :func:`optviz.engine.table.race_table` for the keys).
        """
        return race_table(self)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The race as a picture.

        Without ``ax``: a whole Figure, paths on contours (or 3-D, or panels) with a
        legend and an optional loss panel (see :func:`optviz.render.race_figure.plot_race`).
        With ``ax``: the surface and paths drawn on that Axes, which is returned (see
        :func:`optviz.render.views.race_on`; ``loss=True`` draws the loss curves).
        """
        if ax is None:
            return drawing("race_figure.plot_race")(self, **kwargs)
        return drawing("views.race_on")(self, ax, **kwargs)

    def animate(self, **kwargs: Any) -> Any:
        """An animation of the race (see :func:`optviz.render.animate.animate`)."""
        return drawing("animate.animate")(self, **kwargs)

    def _preview(self) -> Any:
        return drawing("views.preview")(self)

    def _repr_html_(self) -> str:
        """The preview above the results table (one PNG, drawn once)."""
        png = base64.b64encode(self._repr_png_()).decode("ascii")
        return (
            f'<div><img src="data:image/png;base64,{png}" alt="{html.escape(repr(self))}">'
            f"{self.table()._repr_html_()}</div>"
        )

    def __repr__(self) -> str:
        return f"Race({self.surface.name!r}, {self.names})"
