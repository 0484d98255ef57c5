"""The compiled engine: numba kernels that run the built-in optimizers on many starts.

One kernel per surface expression, optimizer rule and set of hyperparameters is
generated (see :mod:`optviz.engine.kernels.codegen`), compiled once and cached on disk (see
:mod:`optviz.engine.kernels.store`). Starts are the inner loop (the compiler keeps a tile of
them in cache); contiguous ranges of starts run on one thread per core (the kernel
releases the GIL). The numpy engine in
:mod:`optviz.engine.runner` stays the reference: it runs user-registered optimizers, noise,
data surfaces and small jobs, and the tests check that both engines give the same
trajectories.

``OPTVIZ_ENGINE`` picks the engine: ``auto`` (default: compiled for big exact jobs),
``numpy`` or ``compiled`` (wherever it can run); ``OPTVIZ_THREADS`` caps the threads of
one kernel (default: every core). numba is imported only when a kernel runs.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

from . import codegen, store

ENGINES = ("auto", "numpy", "compiled")
# Start-steps from which ``auto`` takes the compiled engine. The numpy engine does about
# 25M start-steps a second on one core; compiling a kernel costs a few seconds of CPU,
# loading one compiled by an earlier process (numba's import included) about a second,
# and a kernel already loaded in this process nothing.
COLD_WORK = 100_000_000
DISK_WORK = 10_000_000
WARM_WORK = 200_000


def engine() -> str:
    from ...util.errors import ParameterError

    name = os.environ.get("OPTVIZ_ENGINE", "auto").strip().lower() or "auto"
    if name not in ENGINES:
        raise ParameterError(f"OPTVIZ_ENGINE={name!r} is not known; allowed: {', '.join(ENGINES)}")
    return name


def compiled_loop(
    job: Any, record: Any, never: int, curved: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """Run ``job`` on the compiled engine into ``record``, or return ``None`` to decline.

    ``never`` marks a step that never came; ``curved`` is the smallest Hessian eigenvalue
    that counts as curving up at a minimum (the runner's constants, passed in so this
    package does not import the runner). Declines (the numpy engine runs it) when
    ``OPTVIZ_ENGINE`` says numpy, when the job has noise, data rows, a single start, a
    curve (the kernels are generated for two variables; a curve's runs are short and
    few, so numpy is fast enough) or an optimizer without a compiled rule, or when it is
    too small to pay for the compiler.
    """
    choice = engine()
    if choice == "numpy":
        return None
    task = _task(job)
    if task is None:
        return None
    # judge the whole job (a basin map runs in blocks): a compile pays off over all of it
    work = max(job.p.shape[0] * max(1, job.steps), job.meta.get("work", 0))
    if choice == "auto" and (work < WARM_WORK or work < _threshold(task)):
        return None
    try:
        source = _source(task)
        module = store.load(source)
    except Exception:
        if choice == "compiled":
            raise
        return None  # an expression numba cannot compile runs on numpy
    ends = _run(module, task, job, record, never, curved)
    store.mark_ready(source)
    return ends


def _threshold(task: dict) -> int:
    try:
        source = _source(task)
    except Exception:  # noqa: BLE001 - judged again (and declined) when loading
        return COLD_WORK
    if store.is_loaded(source):
        return WARM_WORK
    return DISK_WORK if store.is_ready(source) else COLD_WORK


def _task(job: Any) -> dict | None:
    from ...catalog.compiling import Compiled

    surf, opt = job.surface, job.optimizer
    if not job.evaluator.exact or job.evaluator.noise.update or job.p.ndim != 2:
        return None
    if job.p.shape[-1] != 2:
        return None  # the kernels are generated for x and y: a curve runs on numpy
    compiled = surf._compiled
    if not isinstance(compiled, Compiled):
        return None
    n = len(job.p)
    rates, rows = None, None
    per_start = getattr(opt, "per_start", None)  # final_runs.PerStart: a map's starts
    if per_start is not None:
        opt, rates, rows = per_start()
    plan = codegen.plan(opt, per_start=rows is not None)
    if plan is None:
        return None
    if rows is None:
        rows = [(opt.rule_hyper(), opt.initial_state(), np.arange(n))]
    hyper = np.zeros((n, max(1, plan.n_hyper)))
    state0 = np.zeros((n, max(1, plan.n_state)))
    for h, s, where in rows:
        hyper[where, : len(h)] = h
        state0[where, : len(s)] = s
    rates = np.ones(n) if rates is None else np.asarray(rates, float).reshape(-1)
    return {"compiled": compiled, "plan": plan, "rates": rates, "hyper": hyper,
            "state0": state0, "params": surf._args}  # fmt: skip


def _source(task: dict) -> str:
    cache = store.folder() is not None
    return _module_source(task["compiled"], len(task["params"]), task["plan"], cache)


@functools.lru_cache(maxsize=64)
def _module_source(compiled: Any, n_params: int, plan: codegen.Plan, cache: bool) -> str:
    return codegen.module_source(compiled, n_params, plan, cache)  # parses sympy's code: 10 ms


def threads() -> int:
    """Threads a kernel may run on: ``OPTVIZ_THREADS``, else every core (a process that
    shares the cores with others, as a map's tile workers do, is given its share)."""
    text = os.environ.get("OPTVIZ_THREADS", "").strip()
    return max(1, int(text)) if text.isdigit() else max(1, os.cpu_count() or 1)


def _in_threads(kernel: Any, n: int, args: tuple) -> None:
    """Split the starts into one contiguous range per core (the kernel releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    from .codegen import TILE

    workers = max(1, min(threads(), -(-n // (4 * TILE))))
    bounds = np.linspace(0, n, workers + 1).astype(int)
    if workers == 1:
        kernel(0, n, *args)
        return
    with ThreadPoolExecutor(workers) as pool:
        done = [
            pool.submit(kernel, lo, hi, *args)
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        for future in done:
            future.result()


def _run(module, task: dict, job, record, never: int, curved: float) -> tuple:
    NEVER, CURVED = never, curved  # noqa: N806 - the runner's constants

    surf = job.surface
    p0 = np.ascontiguousarray(job.p, dtype=float)
    n, steps = len(p0), job.steps
    cx, cy = surf.domain.mean(axis=1)
    limit2 = np.float64(job.escape * surf.span) ** 2
    near2 = (job.tol * surf.span) ** 2
    consts = np.array([cx, cy, limit2, near2, job.gtol, CURVED], float)
    keep_from = record.first  # the first step whose position, loss and gradient are kept
    xs, loss, gnorm = record.xy, record.loss, record.grad_norm
    final_xy, final_loss, total = np.empty((n, 2)), np.empty(n), np.zeros(n)
    diverged_at, last_far = np.full(n, NEVER), np.full(n, NEVER)
    active = np.ones(n, dtype=bool)
    args = (
        p0,
        np.ascontiguousarray(job.lrs, float),
        np.ascontiguousarray(task["rates"], float),
        task["hyper"],
        np.array(task["params"] or (0.0,), float),
        task["state0"],
        np.ascontiguousarray(surf.minima, float).reshape(-1, 2),
        consts,
        keep_from,
        xs,
        loss,
        gnorm,
        final_xy,
        final_loss,
        total,
        diverged_at,
        last_far,
        active,
    )
    _in_threads(module.kernel, n, args)
    if record.keeps_final:
        record.p, record.f, record.total = final_xy, final_loss, total
    converged_at = np.where(active & (last_far < steps), last_far + 1, NEVER)
    return diverged_at, converged_at
