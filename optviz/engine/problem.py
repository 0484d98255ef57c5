"""What a step may ask of the problem beyond the gradient it was given.

Most optimizers need only the gradient at the current point: ``Optimizer.step(p, g,
state, lr, t, hess)``. Others need more, and get it from a :class:`Problem` through
``Optimizer.step_on(p, g, state, lr, t, problem)``:

- **evaluations at other points** (:meth:`Problem.evaluate`): L-BFGS's line search, the
  gradient at SAM's ascent point. Each evaluation is recorded (where, which start, at
  which step, its loss), so that a picture can draw it and a loss panel can count
  evaluations instead of steps. A mask picks the starts that evaluate: a line search
  ends after a different number of trials on each start;
- **the parameters as the reference sees them** (:attr:`Problem.layout`): on the network
  trainer, torch's list of weight and bias tensors with their shapes (a ``Linear``'s
  weight is ``(out, in)``), so that an optimizer with per-tensor reductions (Adafactor's
  RMS, Muon's orthogonalization) reduces over what torch reduces over; on a 2-D surface,
  every start is its own parameter of shape ``(2,)`` (or ``(1, 2)`` for an optimizer that
  takes only matrices, as torch's Muon does);
- **the Hessian** (:meth:`Problem.hessian`), for Newton and for Sophia's diagonal.

Positions are ``(..., d)``: ``(d,)`` for one start (or one network), ``(n, d)`` for n
starts; every start is its own problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


# -- layout ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tensor:
    """One parameter tensor of the reference, as a slice of the flat vector.

    ``shape`` is the reference's (torch's) shape; ``transposed``: the flat vector stores
    the tensor's transpose (a network keeps a layer's weight as ``(in, out)``, torch's
    ``Linear`` as ``(out, in)``).
    """

    name: str
    shape: tuple[int, ...]
    offset: int
    transposed: bool = False

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def stored(self) -> tuple[int, ...]:
        """The shape as the flat vector stores it."""
        return self.shape[::-1] if self.transposed else self.shape

    def of(self, flat: np.ndarray) -> np.ndarray:
        """This tensor of ``flat`` ``(..., d)``, shaped ``(..., *shape)`` (a view)."""
        part = flat[..., self.offset : self.offset + self.size]
        part = part.reshape(*flat.shape[:-1], *self.stored)
        return np.swapaxes(part, -1, -2) if self.transposed else part

    def flat(self, value: np.ndarray) -> np.ndarray:
        """``value`` ``(..., *shape)`` in the flat vector's order, ``(..., size)``."""
        if self.transposed:
            value = np.swapaxes(value, -1, -2)
        lead = value.shape[: value.ndim - len(self.shape)]
        return np.reshape(value, (*lead, self.size))


@dataclass(frozen=True)
class Layout:
    """The reference's parameter tensors, in order, covering the flat vector ``(..., d)``.

    >>> lay = Layout.point(2, matrix=True)
    >>> [t.shape for t in lay.tensors], lay.dim
    ([(1, 2)], 2)
    """

    tensors: tuple[Tensor, ...]

    @classmethod
    def point(cls, d: int, matrix: bool = False) -> Layout:
        """A point of a surface: one parameter ``(d,)``, or the matrix ``(1, d)``."""
        return cls((Tensor("xy", (1, d) if matrix else (d,), 0),))

    @property
    def dim(self) -> int:
        return sum(t.size for t in self.tensors)

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """Every tensor of ``flat`` ``(..., d)``, each ``(..., *shape)``."""
        return [t.of(flat) for t in self.tensors]

    def join(self, parts: list[np.ndarray]) -> np.ndarray:
        """The flat vector ``(..., d)`` of one array per tensor (the inverse of :meth:`split`)."""
        return np.concatenate([t.flat(v) for t, v in zip(self.tensors, parts, strict=True)], -1)


# -- evaluations ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Evaluations:
    """The evaluations steps made beyond the gradient each was given, in order.

    ``step`` ``(k,)``: the (1-based) step that made each; ``start`` ``(k,)``: its start
    (0 for a single start or a network); ``xy`` ``(k, d)`` where it was made (``(k, 0)``
    where positions are not kept: a network's); ``loss`` ``(k,)``.
    """

    step: np.ndarray
    start: np.ndarray
    xy: np.ndarray
    loss: np.ndarray

    def __len__(self) -> int:
        return len(self.step)

    def counts(self, steps: int, n: int) -> np.ndarray:
        """Evaluations of each step beyond its gradient, ``(steps + 1, n)`` (row 0: none)."""
        out = np.zeros((steps + 1, n), dtype=np.int64)
        np.add.at(out, (self.step, self.start), 1)
        return out

    def totals(self, steps: int, n: int) -> np.ndarray:
        """All evaluations used to reach each step, ``(steps + 1, n)``: one per step (its
        gradient) and these."""
        per_step = self.counts(steps, n)
        per_step[1:] += 1
        return np.cumsum(per_step, axis=0)

    def of_start(self, i: int) -> Evaluations:
        pick = self.start == i
        return Evaluations(self.step[pick], np.zeros(pick.sum(), np.int64), self.xy[pick],
                           self.loss[pick])  # fmt: skip


class EvaluationLog:
    """Collects evaluations as a run makes them (``keep_points``: their positions too)."""

    def __init__(self, d: int, keep_points: bool = True):
        self.d, self.keep_points = d, keep_points
        self.parts: list[tuple] = []

    def add(self, t: int, starts: np.ndarray, xy: np.ndarray, loss: np.ndarray) -> None:
        xy = xy if self.keep_points else np.empty((len(starts), 0))
        self.parts.append((np.full(len(starts), t), starts, xy, loss))

    def result(self) -> Evaluations:
        if not self.parts:
            empty = np.zeros(0, np.int64)
            width = self.d if self.keep_points else 0
            return Evaluations(empty, empty, np.zeros((0, width)), np.zeros(0))
        step, start, xy, loss = (np.concatenate(c) for c in zip(*self.parts, strict=True))
        return Evaluations(step.astype(np.int64), start.astype(np.int64), xy, loss)


# -- the problem -------------------------------------------------------------------------------
class Problem:
    """What one step of a run may ask beyond its gradient (see the module docs).

    ``layout``: the parameter tensors; ``loss``: the loss at the point the step's gradient
    was taken at, shaped like the batch of starts (``()`` or ``(n,)``); ``t``: the step.
    Subclasses give :meth:`_value_and_grad` and :meth:`_hessian`.
    """

    def __init__(self, layout: Layout, batch: tuple[int, ...], log: EvaluationLog | None = None):
        self.layout, self.batch, self.log = layout, batch, log
        self.loss: np.ndarray = np.zeros(batch)
        self.t = 0
        self.active = np.ones(batch, dtype=bool)

    def begin(self, t: int, loss: np.ndarray, active: np.ndarray | None = None) -> None:
        """Step ``t`` starts: its gradient was taken where the loss is ``loss``."""
        self.t, self.loss = t, loss
        if active is not None:
            self.active = active

    def evaluate(self, points: Any, mask: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Loss ``batch`` and gradient ``(*batch, d)`` at ``points`` ``(*batch, d)``, for the
        starts where ``mask`` (shaped like the batch) holds; NaN for the others.

        Only active starts evaluate (a diverged start is frozen). Each evaluation is
        recorded with the step that made it.
        """
        points = np.asarray(points, dtype=float)
        want = self.active if mask is None else np.asarray(mask, bool) & self.active
        f, g = np.full(self.batch, np.nan), np.full(points.shape, np.nan)
        if not want.any():
            return f, g
        chosen = points[want] if self.batch else points[None]
        fm, gm = self._value_and_grad(chosen)
        if self.batch:
            f[want], g[want] = fm, gm
        else:
            f, g = np.asarray(fm[0], float), gm[0]
        if self.log is not None:
            starts = np.flatnonzero(want.reshape(-1)) if self.batch else np.zeros(1, np.int64)
            self.log.add(self.t, starts, chosen, np.asarray(fm, float).reshape(-1))
        return f, g

    def hessian(self, points: np.ndarray) -> np.ndarray:
        """The Hessian at ``points`` ``(*batch, d)``: ``(*batch, d, d)``."""
        return self._hessian(points)

    def subset(self, where: np.ndarray) -> Problem:
        """This problem for the starts ``where`` (indices) alone."""
        return _Subset(self, where)

    # -- to give ----------------------------------------------------------------------------
    def _value_and_grad(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _hessian(self, points: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SurfaceProblem(Problem):
    """A surface's starts: each its own parameter ``(d,)`` (``matrix``: ``(1, d)``).

    Evaluations are the surface's exact loss and gradient: mini-batches and gradient
    noise apply to the gradient a step is given, not to the evaluations it asks for.
    """

    def __init__(self, surface: Any, p: np.ndarray, matrix: bool = False, log=None):
        super().__init__(Layout.point(p.shape[-1], matrix), p.shape[:-1], log)
        self.surface = surface

    def _value_and_grad(self, points):
        return self.surface.value_and_grad(points)

    def _hessian(self, points):
        return self.surface.hess(points)


class _Subset(Problem):
    """The starts ``where`` of ``parent`` as a problem of their own (their indices kept)."""

    def __init__(self, parent: Problem, where: np.ndarray):
        super().__init__(parent.layout, (len(where),), None)
        self.parent, self.where = parent, np.asarray(where)
        self.t, self.loss = parent.t, np.asarray(parent.loss)[self.where]
        self.active = np.asarray(parent.active)[self.where]

    def evaluate(self, points, mask=None):
        full = np.zeros((*self.parent.batch, points.shape[-1]))
        full[self.where] = points
        chosen = np.zeros(self.parent.batch, dtype=bool)
        chosen[self.where] = True if mask is None else np.asarray(mask, bool)
        f, g = self.parent.evaluate(full, chosen)
        return f[self.where], g[self.where]

    def hessian(self, points):
        return self.parent.hessian(points)
