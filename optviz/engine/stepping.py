"""The numpy engine's loop: every start steps together as one array, and what it records.

The loop is the reference the compiled engine (:mod:`optviz.engine.kernels`) must equal.
Divergence is data: a start whose position, loss or gradient stops being finite, or
that leaves the domain by more than ``escape`` times its size, is frozen where it was
and the step is recorded in ``diverged_at``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..catalog import Surface
from .optim import Optimizer
from .problem import EvaluationLog, SurfaceProblem
from .trajectory import NEVER, FinalState, Trajectory

CURVED = 1e-3  # smallest Hessian eigenvalue that counts as curving up at a minimum


class _Steps:
    """Positions, losses and gradient norms of the steps from ``first`` on."""

    def __init__(self, steps: int, p: np.ndarray, first: int):
        shape, kept = p.shape[:-1], steps + 1 - first
        self.first = first
        self.xy = np.empty((kept, *p.shape))
        self.loss = np.empty((kept, *shape))
        self.grad_norm = np.empty((kept, *shape))

    def write(self, t: int, p: np.ndarray, f: np.ndarray, gnorm: np.ndarray) -> None:
        if t >= self.first:
            k = t - self.first
            self.xy[k], self.loss[k], self.grad_norm[k] = p, f, gnorm


class _History(_Steps):
    """Keeps every step: positions, losses and gradient norms (a :class:`Trajectory`), the
    points the optimizer shows beside its iterate and the evaluations its steps made."""

    keeps_state = False
    keeps_final = False

    def __init__(self, steps: int, p: np.ndarray, opt: Optimizer):
        super().__init__(steps, p, 0)
        self.points = {name: np.empty((steps + 1, *p.shape)) for name in opt.shows}
        self.log = EvaluationLog(p.shape[-1])

    @staticmethod
    def width(opt: Optimizer) -> float:
        """2-vectors kept per start and step beyond the path: shown points, evaluations."""
        return len(opt.shows) + 2.5 * opt.extra_evaluations()  # an evaluation: 40 bytes

    @property
    def numpy_only(self) -> bool:
        """Whether only the numpy loop records what this keeps (the kernels keep paths)."""
        return bool(self.points)

    def write_points(self, t: int, points: dict, keep: np.ndarray | None = None) -> None:
        """The shown points after step ``t``; where ``keep`` is False, the previous ones."""
        for name, value in points.items():
            self.points[name][t] = (
                value
                if keep is None
                else np.where(keep[..., None], value, self.points[name][t - 1])
            )

    def result(self, job: Any, diverged_at, converged_at) -> Trajectory:
        evaluations = self.log.result()
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
            points=self.points or None,
            evaluations=evaluations if len(evaluations) else None,
            **job.meta,
        )


class _StateHistory(_History):
    """Keeps every step and the optimizer's state after it, under torch's names."""

    keeps_state = True
    numpy_only = True

    def __init__(self, steps: int, p: np.ndarray, opt: Optimizer):
        super().__init__(steps, p, opt)
        self.steps = steps
        self.fields = opt.kept_state()
        self.arrays = {"grad": np.zeros((steps + 1, *p.shape))}

    @staticmethod
    def width(opt: Optimizer) -> float:
        return _History.width(opt) + len(opt.kept_state()) + 2  # + grad and update

    def write_state(self, t: int, g: np.ndarray | None, state: tuple) -> None:
        """The state after step ``t`` (0: the initial state) and the gradient it was given."""
        if g is not None:
            self.arrays["grad"][t] = g
        for field, name in self.fields.items():
            value = getattr(state, field)
            if name not in self.arrays:  # shaped like the field: a point, or one number
                self.arrays[name] = np.zeros((self.steps + 1, *np.shape(value)))
            self.arrays[name][t] = value

    def result(self, job: Any, diverged_at, converged_at) -> Trajectory:
        update = np.zeros_like(self.xy)
        update[1:] = np.diff(self.xy, axis=0)
        traj = super().result(job, diverged_at, converged_at)
        return replace(traj, state={**self.arrays, "update": update})


class _Final(_Steps):
    """Keeps the last step, a running sum of the loss and the steps from ``first`` on (none
    by default): a :class:`FinalState`."""

    keeps_state = False
    keeps_final = True
    numpy_only = False
    points: dict = {}
    log = None

    def __init__(self, p: np.ndarray, steps: int = 0, first: int | None = None):
        super().__init__(steps, p, steps + 1 if first is None else first)
        self.total = np.zeros(p.shape[:-1])
        self.p = self.f = None

    def write(self, t: int, p: np.ndarray, f: np.ndarray, gnorm: np.ndarray) -> None:
        super().write(t, p, f, gnorm)
        self.p, self.f = p, f
        self.total += f

    def write_points(self, t: int, points: dict, keep: np.ndarray | None = None) -> None:
        pass  # only the end is kept

    def result(self, job: Any, diverged_at, converged_at) -> FinalState:
        mean = self.total / (job.steps + 1)
        tail = self.xy if self.first <= job.steps else None
        return FinalState(self.p.copy(), np.array(self.f), mean, diverged_at=diverged_at,
                          converged_at=converged_at, tail_xy=tail)  # fmt: skip


def _loop(job: Any, record: _History | _Final) -> tuple[np.ndarray, np.ndarray]:
    """Step every start together; return ``(diverged_at, converged_at)``.

    Each step's position, loss and gradient norm go to ``record``; the previous step's
    are kept here so that a start whose new position is not finite can stay where it was.
    The optimizer steps on a :class:`optviz.engine.problem.SurfaceProblem` of the active
    starts. An optimizer that reports another point than its iterate (Schedule-Free's
    average) has that point recorded, and judged for divergence and convergence.
    """
    surf, opt, p, lrs, evaluator = job.surface, job.optimizer, job.p, job.lrs, job.evaluator
    steps = len(lrs)
    shape = p.shape[:-1]
    diverged_at = np.full(shape, NEVER)
    last_far = np.full(shape, NEVER)  # last step at which a start was not converged
    centre = surf.domain.mean(axis=1)
    limit2 = np.float64(job.escape * surf.span) ** 2  # inf, not OverflowError, for a huge escape
    near2 = (job.tol * surf.span) ** 2
    active = np.ones(shape, dtype=bool)
    problem = SurfaceProblem(surf, p, opt.matrix_points, record.log)
    problem.active = active  # the loop freezes starts in place: the problem sees it
    state = opt.init_on(p, problem)
    if record.keeps_state:
        record.write_state(0, None, state)
    record.write_points(0, {name: p for name in record.points})  # every shown point starts at p
    elsewhere = opt.reports_elsewhere
    frozen = False  # any start frozen yet? (skips the masking while none is)
    update_sigma = evaluator.noise.update
    before = None  # the previous step's (iterate, recorded point, loss, gradient norm)

    for t in range(steps + 1):
        f, g = surf.value_and_grad(p)
        here, f_here, g_here = p, f, g
        if elsewhere:  # the point the optimizer reports, and its loss
            here = opt.reported(p, state)
            f_here, g_here = surf.value_and_grad(here)
        gnorm = np.sqrt(_squared_norm(g_here))
        # one test catches a non-finite loss, gradient or position (NaN compares False)
        bad = ~(np.isfinite(f_here + g_here.sum(-1)) & (_squared_norm(here - centre) < limit2))
        if elsewhere:
            bad |= ~np.isfinite(f + g.sum(-1))
        if frozen:
            bad &= active
        if bad.any():
            if t:  # a start whose new position is not finite stays where it was
                lost = bad & ~(np.isfinite(p).all(-1) & np.isfinite(here).all(-1))
                p = np.where(lost[..., None], before[0], p)
                here = np.where(lost[..., None], before[1], here)
                f_here = np.where(lost, before[2], f_here)
                gnorm = np.where(lost, before[3], gnorm)
            diverged_at[bad] = t
            active &= ~bad
            frozen = True
        record.write(t, here, f_here, gnorm)
        before = (p, here, f_here, gnorm)
        near = _at_strict_minimum(surf, here, gnorm < job.gtol)
        for m in surf.minima:
            near |= _squared_norm(here - m) < near2
        last_far[~near] = t
        if t == steps:
            break
        if not evaluator.exact:
            g = evaluator.gradient(p, g, t + 1)
        problem.begin(t + 1, f)
        new_p, state = opt.step_on(p, g, state, lrs[t], t + 1, problem)
        if record.keeps_state:
            record.write_state(t + 1, g, state)
        if update_sigma:
            sigma = evaluator.noise.scale(t + 1) * update_sigma
            new_p = new_p + sigma * evaluator.rng.standard_normal(p.shape)
        # frozen starts keep their last position: divergence is data, not a crash
        p = np.where(active[..., None], new_p, p) if frozen else new_p
        if record.points:
            record.write_points(t + 1, opt.shown(p, state), active if frozen else None)
    converged_at = np.where(active & (last_far < steps), last_far + 1, NEVER)
    return diverged_at, converged_at


def _squared_norm(v: np.ndarray) -> np.ndarray:
    """``|v|²`` over the last axis (2, or 1 on a curve), a few times cheaper than
    ``np.hypot`` or ``(v * v).sum(-1)`` for these short axes."""
    if v.shape[-1] == 2:
        vx, vy = v[..., 0], v[..., 1]
        return vx * vx + vy * vy
    return np.einsum("...i,...i->...", v, v)


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
    """The smaller eigenvalue of symmetric 2x2 matrices ``(..., 2, 2)``, in closed form
    (of a curve's ``(..., 1, 1)``: its one entry).

    ``mean - radius`` of the eigenvalue circle: many times cheaper than
    ``np.linalg.eigvalsh`` on thousands of 2x2 matrices.

    >>> float(lowest_eigenvalue(np.array([[2.0, 1.0], [1.0, 2.0]])))
    1.0
    """
    if hess.shape[-1] == 1:
        return hess[..., 0, 0]
    a, b, d = hess[..., 0, 0], hess[..., 0, 1], hess[..., 1, 1]
    half = 0.5 * (a - d)
    return 0.5 * (a + d) - np.sqrt(half * half + b * b)
