"""Batched runs that keep only each start's end: what sweeps, tuning and basin maps need.

:func:`final_states` is :func:`optviz.engine.runner.run_final` over any number of starts, in
blocks, so that memory grows with the starts and not with the steps; a start may carry
its own base learning rate (:class:`RatePerStart`), which is how a sweep runs every
candidate rate of an optimizer as one batch.
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


class RatePerStart(Optimizer):
    """``inner`` with its learning rate multiplied by one factor per start.

    ``run`` hands every step the rate ``schedule factor x lr`` with ``lr = 1``; this
    multiplies it by ``rates`` ``(n, 1)``, so each start runs at its own base rate, which
    is the same arithmetic as ``run`` with that rate as the optimizer's own.
    """

    name = "rate-per-start"
    defaults = {"lr": 1.0}

    def __init__(self, inner: Optimizer, rates: np.ndarray):
        super().__init__(lr=1.0)
        self.inner, self.rates = inner, rates
        self.uses_hessian = inner.uses_hessian

    @property
    def noise(self) -> Any:
        return self.inner.noise

    def init(self, params: np.ndarray) -> tuple:
        return self.inner.init(params)

    def step(self, p, g, state, lr, t, hess=None):
        return self.inner.step(p, g, state, lr * self.rates, t, hess)


def final_states(
    surface: Surface,
    opt: Optimizer,
    starts: np.ndarray,
    steps: int,
    *,
    rates: np.ndarray | None = None,
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
    ``rates`` (shaped like the batch) gives each start its own base learning rate. With
    noise, block ``k > 0`` draws from its own seed derived from ``(seed, k)``, so blocks
    do not repeat each other's noise; block 0 uses ``seed``.
    """
    starts = np.asarray(starts, float)
    shape = starts.shape[:-1]
    flat = starts.reshape(-1, starts.shape[-1])
    budget.check(budget.final_states(len(flat), _steps(steps), 1, BLOCK_BYTES))
    flat_rates = None if rates is None else np.broadcast_to(rates, shape).reshape(-1, 1)
    if chunk is None and run_options.get("noise") is None and opt.noise is None:
        chunk = EXACT_BLOCK  # no draws: the blocks cannot change the result
    elif chunk is None:
        chunk = int(np.clip(BLOCK_BYTES / (32 * (steps + 1)), 256, 16384))
    parts = []
    for k, i in enumerate(range(0, len(flat), chunk)):
        block = slice(i, i + chunk)
        o = opt if flat_rates is None else RatePerStart(opt, flat_rates[block])
        s = seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        r = run_final(surface, o, flat[block], steps, seed=s, **run_options)
        parts.append((r.final_xy, r.final_loss, r.mean_loss, r.converged_at, r.diverged_at))
    xy, final, mean, conv, div = (np.concatenate(c) for c in zip(*parts, strict=True))
    return FinalState(
        xy.reshape(*shape, starts.shape[-1]),
        final.reshape(shape),
        mean.reshape(shape),
        conv.reshape(shape),
        div.reshape(shape),
    )
