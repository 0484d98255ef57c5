"""Many copies of one network trained at once, each with its own hyperparameters.

A phase map over a network's hyperparameters (the learning rates of two layers, after
Sohl-Dickstein, "The boundary of neural network trainability is fractal", 2024) trains
the same network from the same start once per cell. :func:`train_many` steps ``m`` copies
together: parameters ``(m, d)``, one batched forward and backward pass per step (matrix
products over the copies, no loop over them), full batch. The optimizer's rules work
elementwise, so a learning rate ``(m, d)`` gives each copy, and each layer of it, its own
rate; :class:`optviz.engine.final_runs.PerStart` gives each copy its other
hyperparameters. The copies step as an optimizer's problem (:class:`Copies`), so
optimizers that work per weight matrix (Muon, Adafactor, SOAP) see each copy's tensors.

Divergence is data, as everywhere: a copy whose loss stops being finite, or grows past
``escape`` times its starting loss, is frozen where it was and the step recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..engine.optim import Optimizer, optimizer
from ..engine.problem import Problem
from ..engine.scheduling import schedule
from ..util import budget, check
from ..util.errors import ParameterError, unknown
from .data import Data
from .initialization import check_scheme
from .jobs import _data
from .layers import backward, forward
from .model import Network, network
from .train import layout

MAX_VALUES = 100_000  # copies x rows x widest layer per block: its arrays stay in cache
TARGETS = ("values", "classes")


@dataclass(frozen=True, eq=False)
class ManyRuns:
    """``loss`` ``(steps + 1, m)``: each copy's full-batch loss before each step and after
    the last (frozen after divergence); ``diverged_at`` ``(m,)``: the step at which it
    diverged, ``-1`` if never; ``final`` ``(m, d)``: the parameters it ended with."""

    loss: np.ndarray
    diverged_at: np.ndarray
    final: np.ndarray


def layer_of(net: Network) -> np.ndarray:
    """``(d,)``: the layer (0 = first hidden) each parameter belongs to."""
    owner = np.empty(net.dim, dtype=int)
    for slot in net.slots:
        owner[slot.offset : slot.offset + slot.size] = slot.layer
    return owner


def loss_and_grad_many(net: Network, thetas: np.ndarray, data: Data):
    """Full-batch loss ``(m,)`` and gradient ``(m, d)`` at ``m`` parameter vectors.

    The same loss and gradient as :meth:`Network.loss_and_grad` at each vector (to
    rounding: the products sum in another order).
    """
    if net.batchnorm:
        raise ParameterError("many networks at once: batch normalization is not supported")
    thetas = np.atleast_2d(thetas)
    block = max(1, MAX_VALUES // (len(data.x) * max(net.sizes)))
    loss, grad = np.empty(len(thetas)), np.empty(thetas.shape)
    for i in range(0, len(thetas), block):
        rows = slice(i, i + block)
        loss[rows], grad[rows] = _block(net, thetas[rows], data)
    return loss, grad


def _block(net: Network, thetas: np.ndarray, data: Data):
    """The one forward and backward pass (:mod:`optviz.nets.layers`) over every copy."""
    layers = net.layers(thetas)
    out, caches = forward(layers, data.x, net.activation)
    loss, dout = net.loss(out, data.y)
    grads = backward(layers, caches, dout, net.activation)
    flat = np.empty(thetas.shape)
    for slot in net.slots:
        part = grads[slot.layer][slot.name].reshape(len(thetas), -1)
        flat[:, slot.offset : slot.offset + slot.size] = part
    return loss, flat


def train_many(
    net: Network,
    data: Data,
    opt: Optimizer,
    thetas: np.ndarray,
    lrs: np.ndarray,
    *,
    escape: float = 1e4,
) -> ManyRuns:
    """Train ``m`` copies of ``net`` from ``thetas`` ``(m, d)`` with ``opt``, step ``t`` at
    rate ``lrs[t]`` (a number, or ``(m, d)`` for a rate per copy and parameter)."""
    theta = np.array(thetas, dtype=float)
    m, steps = len(theta), len(lrs)
    loss_history = np.empty((steps + 1, m))
    diverged_at = np.full(m, -1)
    active = np.ones(m, dtype=bool)
    problem = Copies(net, data, m)
    state = opt.init_on(theta, problem)
    with np.errstate(all="ignore"):
        loss, grad = loss_and_grad_many(net, theta, data)
        limit = escape * np.maximum(loss, 1.0)
        for t in range(steps + 1):
            bad = active & ~(np.isfinite(loss) & (loss < limit) & np.isfinite(grad).all(1))
            diverged_at[bad] = t
            active &= ~bad
            loss_history[t] = np.where(active | bad, loss, loss_history[t - 1])
            if t == steps or not active.any():
                loss_history[t + 1 :] = loss_history[t]
                break
            problem.begin(t + 1, loss, active)
            new, state = opt.step_on(theta, grad, state, lrs[t], t + 1, problem)
            theta = np.where(active[:, None], new, theta)
            loss, grad = loss_and_grad_many(net, theta, data)
    return ManyRuns(loss_history, diverged_at, theta)


class Copies(Problem):
    """The ``m`` copies as an optimizer's problem: each row a network, split into its
    layers' tensors by the layout. It answers no evaluations: :func:`trainer` refuses
    optimizers that ask for them (their cost is not the one a tile is budgeted for)."""

    def __init__(self, net: Network, data: Data, m: int):
        super().__init__(layout(net), (m,))

    def _value_and_grad(self, points: np.ndarray):
        raise ParameterError("a network's phase map takes no optimizer that evaluates elsewhere")

    _hessian = _value_and_grad


def check_batched(opt: Optimizer) -> None:
    """Refuse, before any work, an optimizer the batched copies cannot step."""
    if opt.extra_evaluations() or opt.uses_hessian:
        raise ParameterError(
            f"{opt.name} {'reads the Hessian' if opt.uses_hessian else 'evaluates elsewhere'}: "
            "a network's phase map steps copies from their gradients alone; allowed: "
            "optimizers that need only the gradient (gd, momentum, adam, muon, ...)"
        )


@dataclass(frozen=True, eq=False)
class Trainer:
    """One network, its data, start and optimizer: what a phase map over the network's
    hyperparameters varies. :meth:`run` trains one copy per setting.

    Names a setting may give (:attr:`hyperparameters`): the optimizer's own (``lr``,
    ``momentum``, ...) and ``lr1``, ``lr2``, ...: the learning rate of the first, second,
    ... layer's weights and biases alone (the others keep the optimizer's ``lr``).
    """

    network: Network
    data: Data
    optimizer: Optimizer
    theta0: np.ndarray
    factors: np.ndarray  # (steps,): the schedule's factor of the rate at each step
    escape: float = 1e4
    label: str = ""

    @property
    def steps(self) -> int:
        return len(self.factors)

    @property
    def cell_bytes(self) -> float:
        """Memory one copy takes while it trains: its loss history, its weights, gradient
        and state, and its activations (forward and backward)."""
        rows, widths = len(self.data.x), sum(self.network.sizes)
        return 8.0 * (self.steps + 1 + 8 * self.network.dim + 4 * rows * widths)

    @property
    def cell_work(self) -> float:
        """Elementary steps of one copy: a parameter update per step."""
        return float(self.steps + 1) * self.network.dim

    @property
    def cell_seconds(self) -> float:
        """One copy's full-batch steps, the numpy calls shared with the tile's other
        copies (see :attr:`tile_seconds`)."""
        net = budget.Layers(self.network.sizes)
        calls = 3 * len(net.widths) * budget.LAYER_S
        return (self.steps + 1) * (net.step_s(len(self.data.x)) - calls)

    @property
    def tile_seconds(self) -> float:
        """The calls of a batched pass, made once per step for every copy of a tile."""
        return (self.steps + 1) * 3 * len(self.network.sizes) * budget.LAYER_S

    @property
    def hyperparameters(self) -> dict[str, float]:
        """Every name a setting may give, with its value when not given."""
        layers = len(self.network.sizes) - 1
        lr = float(self.optimizer.lr)
        return {**self.optimizer.defaults, **self.optimizer.hyper,
                **{f"lr{k}": lr for k in range(1, layers + 1)}}  # fmt: skip

    def key(self) -> str:
        """Text that changes whenever any copy's training could."""
        parts = [repr(self.network), self.data.x.tobytes().hex(), self.data.y.tobytes().hex(),
                 self.optimizer.spec, self.theta0.tobytes().hex(),
                 self.factors.tobytes().hex(), repr(self.escape)]  # fmt: skip
        return "\n".join(parts)

    def run(self, values: dict[str, np.ndarray]) -> ManyRuns:
        """One copy per entry of ``values`` (name -> ``(m,)``), each trained from ``theta0``."""
        from ..engine.final_runs import PerStart

        m = len(next(iter(values.values())))
        layered = [k for k in values if k.startswith("lr") and k[2:].isdigit()]
        whole = type(self.optimizer).step_on is not Optimizer.step_on  # reads tensors whole
        if layered and whole:
            raise ParameterError(
                f"{self.optimizer.name} steps each weight matrix whole, with one rate: it "
                f"takes no rate per layer ({layered[0]}); map lr or its other settings"
            )
        rates = np.full((m, 1 if whole else self.network.dim), float(self.optimizer.lr))
        if "lr" in values:
            rates[:] = np.asarray(values["lr"], float)[:, None]
        owner = layer_of(self.network)
        for name, v in values.items():
            if name.startswith("lr") and name[2:].isdigit():
                rates[:, owner == int(name[2:]) - 1] = np.asarray(v, float)[:, None]
        hyper = {k: v for k, v in values.items() if not k.startswith("lr")}
        opt = PerStart(self.optimizer, rates, hyper or None)
        thetas = np.tile(self.theta0, (m, 1))
        return train_many(self.network, self.data, opt, thetas, self.factors, escape=self.escape)


def trainer(
    dataset: str | Data = "moons",
    opt: Optimizer | str = "gd",
    *,
    hidden: tuple[int, ...] = (16,),
    activation: str = "tanh",
    init: str = "xavier_normal",
    points: int = 200,
    steps: int = 300,
    schedule_: str | None = None,
    seed: int = 0,
    target: str = "values",
    escape: float = 1e4,
) -> Trainer:
    """The :class:`Trainer` of a network on ``dataset`` (a built-in name or a CSV), as
    ``optviz landscape`` builds it: full batch, ``init`` drawn with ``seed``. ``target``
    ``"values"``: squared error on the class labels as numbers (as Sohl-Dickstein's maps:
    a step too large blows the loss up); ``"classes"``: cross-entropy.

    >>> t = trainer("moons", "gd:lr=0.5", hidden=(8,), steps=100)
    >>> t.label, sorted(k for k in t.hyperparameters if k.startswith("lr"))
    ('gd on moons, 2-8-1 tanh, squared error', ['lr', 'lr1', 'lr2'])
    """
    opt = optimizer(opt)
    check_batched(opt)
    seed = check.seed(seed)
    if target not in TARGETS:
        raise unknown("target", target, TARGETS)
    data = _data(dataset, points, None, seed)
    regress = target == "values" or not data.classes
    if regress and data.classes:
        data = replace(data, y=data.y.astype(float), classes=0)
    hidden = tuple(check.whole(h, "hidden width", 1, 4096) for h in hidden)
    net = network(data.x.shape[1], data.outputs, hidden, activation, False, not regress)
    steps = check.whole(steps, "steps", 1, 100_000)
    budget.check(budget.network(net.sizes, steps, len(data), 0))
    sched = schedule(schedule_)
    factors = sched.lrs(1.0, steps) if sched else np.ones(steps)
    theta0 = net.init(check_scheme(init), seed=seed)
    sizes = "-".join(map(str, net.sizes))
    loss = "squared error" if regress else "cross-entropy"
    label = f"{opt.name} on {data.name}, {sizes} {activation}, {loss}"
    escape = check.number_in(escape, "escape", 1.0, 1e300)
    return Trainer(net, data, opt, theta0, factors, float(escape), label)
