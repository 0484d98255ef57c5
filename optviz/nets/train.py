"""Training a network with the optimizers of :mod:`optviz.engine.optim`, in ``d`` dimensions.

The update rules are the ones every 2-D race uses: they work elementwise on arrays, so
they step a ``(d,)`` parameter vector as they step ``(..., 2)`` positions. An optimizer
that needs more steps on a :class:`NetProblem`: the network's parameters as torch's
tensors (:func:`layout`: each layer's ``weight`` ``(out, in)`` and ``bias``), the loss
and gradient at other points on the step's batch (L-BFGS's line search), and the
``(d, d)`` Hessian (``newton``), taken by central differences of the exact gradient,
which is affordable for small networks only.

Mini-batches: an optimizer with a batch size smaller than the data draws, each epoch,
a fresh permutation of the rows from a generator seeded by ``seed`` and takes them in
order (without replacement; the last batch of an epoch may be smaller, as torch's
``DataLoader`` gives it). Every run of a comparison uses the same seed, so runs with
the same batch size see the same batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.builtin import SGD
from ..engine.optim import Optimizer, optimizer
from ..engine.problem import EvaluationLog, Layout, Problem, Tensor
from ..engine.scheduling import Schedule, schedule
from ..util import budget, check
from ..util.errors import ParameterError
from .data import Data
from .model import MAX_GRID_VALUES, Network

MAX_STEPS = 100_000
MAX_NEWTON_PARAMS = 300
MAX_HISTORY_VALUES = 50_000_000  # (steps + 1) x d floats kept per run
HESSIAN_STEP = 1e-5
ESCAPE = 1e6  # a run whose loss or largest weight grows this many times over has diverged


@dataclass(frozen=True, eq=False)
class NetRun:
    """What one optimizer did to one network.

    ``params`` ``(steps + 1, d)``: the weights before each step and after the last;
    ``loss`` and ``accuracy`` ``(steps + 1,)``: the full training set's loss and share
    classified right at those weights (NaN accuracy for a real target); ``lr``
    ``(steps,)``; ``diverged_at``: the step at which the weights or the loss stopped
    being finite, or grew :data:`ESCAPE` times over the start's (they stay frozen from
    there), ``-1`` if never; ``evals``
    ``(steps + 1,)``: the loss-and-gradient evaluations used to reach each step's weights
    (one per step, more for an optimizer with a line search).
    """

    optimizer: Optimizer
    network: Network
    params: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    lr: np.ndarray
    batch_size: int
    diverged_at: int
    label: str
    evals: np.ndarray | None = None

    @property
    def steps(self) -> int:
        return len(self.lr)


def batch_size_of(opt: Optimizer, batch_size: int | None, rows: int) -> int:
    """``sgd`` uses its own ``batch_size``; every other optimizer ``batch_size`` (None: all)."""
    size = opt.batch_size if isinstance(opt, SGD) else batch_size
    if size is None:
        return rows
    return min(check.whole(size, "batch_size", 1, 10**9), rows)


def batches(rows: int, size: int, steps: int, seed: int) -> list[np.ndarray] | None:
    """The rows of each of ``steps`` mini-batches (None: every step uses all rows)."""
    if size >= rows:
        return None
    rng = np.random.default_rng([seed, 5])
    out: list[np.ndarray] = []
    while len(out) < steps:
        order = rng.permutation(rows)
        out.extend(order[i : i + size] for i in range(0, rows, size))
    return out[:steps]


def cost(net: Network, rows: int, opt: Optimizer, steps: int, batch: int) -> budget.Cost:
    """What :func:`train` takes: the steps (a line search's extra evaluations, Newton's
    Hessians), every step's weights kept, and the loss and accuracy on all ``rows`` rows
    at each of them."""
    parts = [
        budget.network(net.sizes, steps * (1 + opt.extra_evaluations()), batch, kept=steps + 1),
        budget.evaluations(net.sizes, steps + 1, rows, MAX_GRID_VALUES),
    ]
    if opt.uses_hessian:
        parts.append(budget.newton(net.sizes, steps, batch))
    what = f"training a {'-'.join(map(str, net.sizes))} network for {steps} steps on {rows} rows"
    total = budget.total(what, parts)
    kept = 8.0 * (steps + 1) * net.dim
    return budget.Cost(total.what, total.memory + kept, total.seconds, total.knob)


def train(
    net: Network,
    data: Data,
    opt: Optimizer | str,
    theta0: np.ndarray,
    steps: int = 200,
    *,
    batch_size: int | None = None,
    lr_schedule: Schedule | str | None = None,
    seed: int = 0,
    label: str | None = None,
    progress=None,
) -> NetRun:
    """Train ``net`` on ``data`` from ``theta0`` with ``opt`` for ``steps`` steps.

    The cost is checked first (:func:`cost`); ``progress(done, total)`` is called as
    the steps go.

    >>> from optviz.nets.data import dataset
    >>> from optviz.nets.model import network
    >>> d = dataset("xor", n=40)
    >>> net = network(2, 2, hidden=(4,))
    >>> run = train(net, d, "adam:lr=0.05", net.init(seed=1), steps=50)
    >>> run.params.shape, bool(run.loss[-1] < run.loss[0])
    ((51, 22), True)
    """
    opt = optimizer(opt)
    steps = check.whole(steps, "steps", 0, MAX_STEPS)
    seed = check.seed(seed)
    theta = np.array(theta0, dtype=float)
    if theta.shape != (net.dim,):
        raise ParameterError(f"theta0 must have shape ({net.dim},), not {theta.shape}")
    if (steps + 1) * net.dim > MAX_HISTORY_VALUES:
        raise ParameterError(
            f"{steps} steps x {net.dim:,} parameters is too much history; "
            f"at most {MAX_HISTORY_VALUES:,} values: use fewer steps or a smaller network"
        )
    if opt.uses_hessian and net.dim > MAX_NEWTON_PARAMS:
        raise ParameterError(
            f"{opt.name} needs the ({net.dim}, {net.dim}) Hessian; it is computed for "
            f"networks of at most {MAX_NEWTON_PARAMS} parameters: use fewer hidden units"
        )
    sched = schedule(lr_schedule)
    lrs = sched.lrs(opt.lr, steps) if sched else np.full(steps, float(opt.lr))
    size = batch_size_of(opt, batch_size, len(data))
    budget.check(cost(net, len(data), opt, steps, size))
    problem = NetProblem(net, EvaluationLog(net.dim, keep_points=False))
    rows = batches(len(data), size, steps, seed)
    params, diverged_at = _loop(net, data, opt, theta, lrs, rows, problem, progress)
    with np.errstate(all="ignore"):
        loss, accuracy = net.evaluate(params, data.x, data.y)
    evals = problem.log.result().totals(steps, 1)[:, 0]
    return NetRun(opt, net, params, loss, accuracy, lrs, size, diverged_at,
                  label or opt.label, evals)  # fmt: skip


def layout(net: Network) -> Layout:
    """The network's parameters as torch's module holds them: per layer ``weight``
    ``(out, in)`` (the flat vector stores it ``(in, out)``), then ``bias``, or batch
    normalization's ``norm.weight`` and ``norm.bias``."""
    names = {"b": "bias", "gamma": "norm.weight", "beta": "norm.bias"}
    tensors = []
    for slot in net.slots:
        if slot.name == "W":
            tensors.append(Tensor(f"{slot.layer}.weight", slot.shape[::-1], slot.offset, True))
        else:
            tensors.append(Tensor(f"{slot.layer}.{names[slot.name]}", slot.shape, slot.offset))
    return Layout(tuple(tensors))


class NetProblem(Problem):
    """A network on the rows of the current step's batch, as an optimizer's problem."""

    def __init__(self, net: Network, log: EvaluationLog | None = None):
        super().__init__(layout(net), (), log)
        self.net = net
        self.rows: tuple[np.ndarray, np.ndarray] | None = None

    def _value_and_grad(self, points: np.ndarray):
        pairs = [self.net.loss_and_grad(theta, *self.rows) for theta in points]
        return np.array([f for f, _ in pairs]), np.array([g for _, g in pairs])

    def _hessian(self, points: np.ndarray) -> np.ndarray:
        return hessian(self.net, points, *self.rows)


def _loop(net, data, opt, theta, lrs, rows, problem, progress=None):
    params = np.empty((len(lrs) + 1, net.dim))
    params[0] = theta
    state = opt.init_on(theta, problem)
    diverged_at = -1
    every = max(1, len(lrs) // 50)
    weight_limit = ESCAPE * max(1.0, float(np.abs(theta).max(initial=0.0)))
    loss_limit = None
    with np.errstate(all="ignore"):
        for t, lr in enumerate(lrs):
            x, y = (data.x, data.y) if rows is None else (data.x[rows[t]], data.y[rows[t]])
            loss, g = net.loss_and_grad(theta, x, y)
            if loss_limit is None:
                loss_limit = ESCAPE * max(1.0, abs(loss)) if np.isfinite(loss) else 0.0
            problem.rows = (x, y)
            problem.begin(t + 1, np.asarray(loss, float))
            # no step (and no Hessian solve) from a point whose loss or gradient blew up
            ok = _finite(loss, g) and loss <= loss_limit
            if ok:
                new, state, ok = _step(opt, theta, g, state, lr, t + 1, problem)
                ok = ok and _finite(new) and np.abs(new).max(initial=0.0) <= weight_limit
            if not ok:
                diverged_at = t
                params[t + 1 :] = theta  # divergence is data: frozen where it was
                break
            theta = new
            # the weights a user evaluates: Schedule-Free's average, not where it steps
            params[t + 1] = opt.reported(theta, state) if opt.reports_elsewhere else theta
            if progress is not None and (t + 1) % every == 0:
                progress(t + 1, len(lrs))
    return params, diverged_at


def _step(opt, theta, g, state, lr, t, problem):
    """``opt``'s step, and whether it could be taken (a Hessian of inf or NaN cannot be
    solved: that run has diverged)."""
    try:
        new, state = opt.step_on(theta, g, state, lr, t, problem)
    except np.linalg.LinAlgError:
        return theta, state, False
    return new, state, True


def _finite(*arrays) -> bool:
    """Every value of every array given (None: nothing to check) is finite."""
    return all(a is None or bool(np.all(np.isfinite(a))) for a in arrays)


def hessian(net: Network, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(d, d)`` Hessian of the loss by central differences of the exact gradient."""
    d = len(theta)
    h = HESSIAN_STEP * max(1.0, float(np.abs(theta).max()))
    cols = np.empty((d, d))
    for i in range(d):
        step = np.zeros(d)
        step[i] = h
        up, down = net.loss_and_grad(theta + step, x, y), net.loss_and_grad(theta - step, x, y)
        cols[i] = up[1] - down[1]
    cols /= 2 * h
    return 0.5 * (cols + cols.T)
