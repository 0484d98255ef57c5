"""Batched runs that keep only each start's end: what sweeps, tuning and basin maps need.

:func:`final_states` is :func:`optviz.engine.runner.run_final` over any number of starts, in
blocks, so that memory grows with the starts and not with the steps; a start may carry
its own base learning rate and hyperparameters (:class:`PerStart`), which is how a
sweep runs every candidate rate of an optimizer as one batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..catalog import Surface
from ..util import budget
from .optim import Optimizer
from .runner import FinalState, _steps, run_final

BLOCK_BYTES = 128e6  # sets the block size, and with it how noise seeds are split (see below)
EXACT_BLOCK = 1 << 16  # starts per block of a run without noise


class PerStart(Optimizer):
    """``inner`` with its own learning-rate factor, and other hyperparameters, per start.

    ``run`` hands every step the rate ``schedule factor x lr`` with ``lr = 1``; ``rates``
    ``(n, 1)`` multiplies it, so each start runs at its own base rate, the same arithmetic
    as ``run`` with that rate as the optimizer's own. ``hyper`` maps other hyperparameters
    to one value per start (a phase map's axes). The numpy engine steps the starts in
    groups of equal hyperparameters (a rule may branch on them); the compiled engine
    reads one row per start: the same operations, so the same bits.
    """

    name = "per-start"
    defaults = {"lr": 1.0}

    def __init__(self, inner: Optimizer, rates: Any = None, hyper: dict | None = None):
        super().__init__(lr=1.0)
        self.inner, self.rates = inner, rates
        self.uses_hessian, self.matrix_points = inner.uses_hessian, inner.matrix_points
        self.groups = _groups(inner, hyper) if hyper else None

    @property
    def noise(self) -> Any:
        return self.inner.noise

    def per_start(self) -> tuple[Optimizer, Any, list | None]:
        """(the optimizer, rate factors, one (hyper, initial state, starts) per group)."""
        rows = None
        if self.groups is not None:
            rows = [(o.rule_hyper(), o.initial_state(), where) for o, where in self.groups]
        return self.inner, self.rates, rows

    def init(self, params: np.ndarray) -> tuple:
        return self.init_on(params, None)

    def init_on(self, params: np.ndarray, problem) -> tuple:
        if self.groups is None:
            return _init(self.inner, params, problem)
        parts = [(_init(o, params[w], _part(problem, w)), w) for o, w in self.groups]
        return _joined(parts, len(params))

    def step(self, p, g, state, lr, t, hess=None):
        lr = self._rate(lr)
        if self.groups is None:
            return self.inner.step(p, g, state, lr, t, hess)
        return self._by_group(p, state, lr, lambda o, w, lr_w, s: o.step(
            p[w], g[w], s, lr_w, t, None if hess is None else hess[w]))  # fmt: skip

    def step_on(self, p, g, state, lr, t, problem):
        lr = self._rate(lr)
        if self.groups is None:
            return self.inner.step_on(p, g, state, lr, t, problem)
        return self._by_group(p, state, lr, lambda o, w, lr_w, s: o.step_on(
            p[w], g[w], s, lr_w, t, problem.subset(w)))  # fmt: skip

    def _rate(self, lr):
        return lr if self.rates is None else lr * self.rates

    def _by_group(self, p, state, lr, step_group):
        """Each group of starts stepped by its own optimizer: ``step_group(optimizer,
        starts, their rates, their state)``."""
        new_p, parts = np.empty_like(p), []
        for o, where in self.groups:
            sub = type(state)(*(field[where] for field in state))
            lr_w = lr[where] if np.ndim(lr) else lr
            new_p[where], s = step_group(o, where, lr_w, sub)
            parts.append((s, where))
        return new_p, _joined(parts, len(p))

    def uncompiled_reason(self) -> str:
        return self.inner.uncompiled_reason()

    def extra_evaluations(self) -> int:
        return self.inner.extra_evaluations()

    @property
    def reports_elsewhere(self) -> bool:
        return self.inner.reports_elsewhere

    def reported(self, p, state):
        if self.groups is None:
            return self.inner.reported(p, state)
        out = np.empty_like(p)
        for o, where in self.groups:
            out[where] = o.reported(p[where], type(state)(*(f[where] for f in state)))
        return out


def _init(opt: Optimizer, params: np.ndarray, problem) -> tuple:
    return opt.init(params) if problem is None else opt.init_on(params, problem)


def _part(problem, where: np.ndarray):
    return None if problem is None else problem.subset(where)


def _groups(inner: Optimizer, hyper: dict) -> list[tuple[Optimizer, np.ndarray]]:
    """One optimizer per distinct row of ``hyper``'s values, and the starts that have it."""
    names = list(hyper)
    table = np.stack([np.asarray(hyper[k], float).reshape(-1) for k in names], axis=1)
    rows, inverse = np.unique(table, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    groups = []
    for k, row in enumerate(rows):
        values = dict(zip(names, row.tolist(), strict=True))
        groups.append((type(inner)(**{**inner.hyper, **values}), np.flatnonzero(inverse == k)))
    return groups


def _joined(parts: list, n: int) -> tuple:
    """One state from the states of groups of starts (each with its starts' indices); a
    field whose size depends on the hyperparameters (L-BFGS's history) is zero-padded to
    the largest."""
    first = parts[0][0]
    shapes = [np.max([np.shape(s[k])[1:] for s, _ in parts], axis=0).astype(int)
              for k in range(len(first))]  # fmt: skip
    fields = [np.zeros((n, *shape)) for shape in shapes]
    for state, where in parts:
        for field, value in zip(fields, state, strict=True):
            field[(where, *(slice(0, m) for m in np.shape(value)[1:]))] = value
    return type(first)(*fields)


def final_states(
    surface: Surface,
    opt: Optimizer,
    starts: np.ndarray,
    steps: int,
    *,
    rates: np.ndarray | None = None,
    hyper: dict | None = None,
    seed: int = 0,
    chunk: int | None = None,
    **run_options: Any,
) -> FinalState:
    """:func:`optviz.engine.runner.run_final` over starts ``(..., 2)`` (a curve's
    ``(..., 1)``): each start's end only.

    No history is kept, so memory grows with the number of starts, not with ``steps``.
    The starts go through in blocks of ``chunk``. Without noise the default is 65,536
    starts: few enough that the numpy engine's temporaries stay small, enough that each
    block is worth the compiled engine. With noise it is a few thousand (fewer for longer
    runs), the size that once bounded a block's history, which keeps seeded results
    stable.
    ``rates`` (shaped like the batch) gives each start its own base learning rate, and
    ``hyper`` (a name -> values shaped like the batch) its own other hyperparameters. With
    noise, block ``k > 0`` draws from its own seed derived from ``(seed, k)``, so blocks
    do not repeat each other's noise; block 0 uses ``seed``.
    """
    starts = np.asarray(starts, float)
    shape = starts.shape[:-1]
    flat = starts.reshape(-1, starts.shape[-1])
    budget.check(budget.final_states(len(flat), _steps(steps), 1, BLOCK_BYTES))
    flat_rates = None if rates is None else np.broadcast_to(rates, shape).reshape(-1, 1)
    flat_hyper = {k: np.broadcast_to(v, shape).reshape(-1) for k, v in (hyper or {}).items()}
    if chunk is None and run_options.get("noise") is None and opt.noise is None:
        chunk = EXACT_BLOCK  # no draws: the blocks cannot change the result
    elif chunk is None:
        chunk = int(np.clip(BLOCK_BYTES / (32 * (steps + 1)), 256, 16384))
    parts = []
    for k, i in enumerate(range(0, len(flat), chunk)):
        block = slice(i, i + chunk)
        o = opt
        if flat_rates is not None or flat_hyper:
            rates_k = None if flat_rates is None else flat_rates[block]
            o = PerStart(opt, rates_k, {k: v[block] for k, v in flat_hyper.items()})
        s = seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        work = len(flat) * steps  # the whole job picks the engine, not each block
        r = run_final(surface, o, flat[block], steps, seed=s, work=work, **run_options)
        parts.append((r.final_xy, r.final_loss, r.mean_loss, r.converged_at, r.diverged_at))
    xy, final, mean, conv, div = (np.concatenate(c) for c in zip(*parts, strict=True))
    return FinalState(
        xy.reshape(*shape, starts.shape[-1]),
        final.reshape(shape),
        mean.reshape(shape),
        conv.reshape(shape),
        div.reshape(shape),
    )
