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
        self.uses_hessian = inner.uses_hessian
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
        if self.groups is None:
            return self.inner.init(params)
        parts = [(o.init(params[where]), where) for o, where in self.groups]
        return _joined(parts, len(params))

    def step(self, p, g, state, lr, t, hess=None):
        if self.rates is not None:
            lr = lr * self.rates
        if self.groups is None:
            return self.inner.step(p, g, state, lr, t, hess)
        new_p, parts = np.empty_like(p), []
        for o, where in self.groups:
            sub = type(state)(*(field[where] for field in state))
            lr_k = lr[where] if np.ndim(lr) else lr
            h = None if hess is None else hess[where]
            new_p[where], s = o.step(p[where], g[where], sub, lr_k, t, h)
            parts.append((s, where))
        return new_p, _joined(parts, len(p))


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
    """One state from the states of groups of starts (each with its starts' indices)."""
    first = parts[0][0]
    fields = [np.empty((n, *np.shape(f)[1:])) for f in first]
    for state, where in parts:
        for field, value in zip(fields, state, strict=True):
            field[where] = value
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
