"""Dropout in numpy: inverted dropout, an over-sized net on noisy moons, thinned networks.

Dropout (Srivastava et al., 2014, "Dropout: a simple way to prevent neural networks
from overfitting") zeroes each hidden unit with probability ``p`` at every training
step. This module uses *inverted* dropout, as ``torch.nn.Dropout`` does: the kept units
are scaled by ``1 / (1 - p)`` during training, so the expected activation is unchanged
and the full net is used as it is at test time. (The paper instead multiplies the
weights by ``1 - p`` at test time; the two are the same net.)

Each step trains a different *thinned network* (the units a mask keeps); the full net
at test time approximates the average of all of them (paper, section 7.5). The
figures are in :mod:`optviz.render.dropoutplots`.

What the experiment shows (checked over seeds 0-4, see ``tests/test_dropout.py``): a
``2 -> 64 -> 64 -> 2`` ReLU net trained by Adam on 40 noisy two-moons points drives
its training loss under 0.005 and its test loss to 2.5-6.0 without dropout; with
``p = 0.5`` the gap between test and train loss (0.4-1.3) is 3.6-5.8x smaller on every
seed. What it does *not* show consistently: a smoother decision boundary or better
accuracy. With dropout the net is less sure of itself near mislabeled points, but on
some seeds its 0.5-contour still bends around them, and test accuracy moves by a few
points either way (mean 0.75 without, 0.76 with).

The network is a :class:`~optviz.nets.model.Network` (one flat parameter vector): its
forward and backward pass, masks included, are those of :mod:`optviz.nets.layers`, the
data is the built-in ``moons`` (:func:`optviz.nets.data.dataset`, with label noise), and
the optimizer is the engine's Adam. Everything is float64 and seeded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..engine.optim import optimizer
from ..util import budget, check
from ..util.errors import ParameterError
from .data import MAX_ROWS, Data, dataset
from .layers import check_activation
from .model import Network, check_hidden

MAX_HIDDEN = 1024
NOISE = 0.3  # input jitter of the moons: the classes touch
FLIP = 0.1  # labels flipped: points no smooth boundary can fit


# ---------------------------------------------------------------- inverted dropout


def check_p(p) -> float:
    """Validate a drop probability: a number in ``[0, 1)``.

    >>> check_p(0.5)
    0.5
    >>> check_p(1.0)
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: dropout p must be a number in [0, 1), got 1.0
    """
    try:
        value = float(p)
    except (TypeError, ValueError):
        raise ParameterError(f"dropout p must be a number in [0, 1), got {p!r}") from None
    if isinstance(p, bool) or not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise ParameterError(f"dropout p must be a number in [0, 1), got {p!r}")
    return value


def dropout_mask(shape, p: float, rng: np.random.Generator) -> np.ndarray:
    """A mask of ``0`` (dropped, probability ``p``) and ``1 / (1 - p)`` (kept).

    The networks of :mod:`optviz.nets.layers` multiply it into a hidden layer's
    activations (and into the gradient coming back).

    >>> m = dropout_mask((2, 4), 0.5, np.random.default_rng(0))
    >>> sorted(set(m.ravel().tolist()))
    [0.0, 2.0]
    """
    p = check_p(p)
    if not isinstance(rng, np.random.Generator):
        raise ParameterError("rng must be a numpy Generator, e.g. np.random.default_rng(0)")
    try:
        draws = rng.random(shape)
    except (TypeError, ValueError):
        raise ParameterError(
            f"shape must be whole numbers >= 0, not {check._short(shape)}"
        ) from None
    return (draws >= p) / (1.0 - p)


def dropout_forward(
    a: np.ndarray, p: float, rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Inverted dropout of activations ``a``: returns ``(a * mask, mask)``.

    Each entry is kept with probability ``1 - p`` and scaled by ``1 / (1 - p)``, so
    ``E[a * mask] = a``. With ``p = 0`` or ``rng=None`` (evaluation) ``a`` passes
    unchanged and the mask is ``None``.

    >>> out, mask = dropout_forward(np.ones((1000, 50)), 0.2, np.random.default_rng(0))
    >>> round(float(out.mean()), 2), round(float((mask == 0).mean()), 2)
    (1.0, 0.2)
    """
    p = check_p(p)
    if p == 0.0 or rng is None:
        return a, None
    mask = dropout_mask(a.shape, p, rng)
    return a * mask, mask


def _softmax1(logits: np.ndarray) -> np.ndarray:
    """Probability of class 1 from two logits."""
    return 0.5 * (1.0 + np.tanh(0.5 * (logits[:, 1] - logits[:, 0])))


# ---------------------------------------------------------------- training


@dataclass(frozen=True, eq=False)
class DropoutRun:
    """One training run on noisy moons, with (``p > 0``) or without dropout.

    ``train_loss[r]`` and ``test_loss[r]`` are the cross-entropies of the full net
    (no dropout) on the training and test sets after ``steps[r]`` Adam steps;
    ``theta`` are the final weights of ``network`` (``params``: the same, layer by layer).
    """

    p: float
    activation: str
    seed: int
    network: Network
    theta: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train: Data
    test: Data

    @property
    def params(self) -> list[dict[str, np.ndarray]]:
        return self.network.layers(self.theta)

    @property
    def x_train(self) -> np.ndarray:
        return self.train.x

    @property
    def y_train(self) -> np.ndarray:
        return self.train.y

    @property
    def x_test(self) -> np.ndarray:
        return self.test.x

    @property
    def y_test(self) -> np.ndarray:
        return self.test.y

    @property
    def gap(self) -> float:
        """Final test loss minus final training loss."""
        return float(self.test_loss[-1] - self.train_loss[-1])

    def predict(self, x: np.ndarray, masks: list | None = None) -> np.ndarray:
        """Probability of class 1 at inputs ``x`` ``(n, 2)``, full net or thinned by ``masks``."""
        logits, _ = self.network.forward(self.theta, np.asarray(x, float), masks, keep=False)
        return _softmax1(logits)

    def accuracy(self, split: str = "test") -> float:
        data = self.test if split == "test" else self.train
        return float(np.mean((self.predict(data.x) > 0.5) == data.y))

    def thinned(self, k: int = 3, seed: int = 0) -> list[list[np.ndarray]]:
        """``k`` thinned networks: per network, one ``(width,)`` mask per hidden layer.

        Drawn with this run's ``p`` (0.5 if it was trained without dropout).

        >>> run = train_dropout(hidden=(4, 4), steps=2)
        >>> [m.shape for m in run.thinned(2)[0]]
        [(4,), (4,)]
        """
        k = check.whole(k, "k", 1, 10_000)
        rng = np.random.default_rng([check.seed(seed), 8])
        p = self.p or 0.5
        widths = self.network.sizes[1:-1]
        return [[dropout_mask(w, p, rng) for w in widths] for _ in range(k)]

    def ensemble(self, x: np.ndarray, k: int = 100, seed: int = 0) -> np.ndarray:
        """Mean class-1 probability of ``k`` thinned networks at ``x``.

        The full net (:meth:`predict`) approximates this average (Srivastava et al.,
        2014, section 7.5).
        """
        return np.mean([self.predict(x, m) for m in self.thinned(k, seed)], axis=0)


def cost(
    runs: int = 1,
    hidden: tuple[int, ...] = (64, 64),
    steps: int = 2000,
    n_train: int = 40,
    n_test: int = 1000,
    record_every: int = 50,
) -> budget.Cost:
    """What ``runs`` calls of :func:`train_dropout` take (the steps and the recorded losses).

    >>> budget.check(cost(10_000)).seconds
    Traceback (most recent call last):
    ...
    optviz.util.errors.BudgetError: 10000 dropout runs of a 2-64-64-2 network ...
    """
    widths = (2, *hidden, 2)
    records = steps // max(record_every, 1) + 2
    one = budget.total(
        "",
        [
            budget.network(widths, steps, n_train, kept=0),
            budget.evaluations(widths, records, n_train + n_test, 0),
        ],
    )
    return budget.Cost(
        f"{runs} dropout runs of a {'-'.join(map(str, widths))} network x {steps} steps",
        one.memory,
        runs * one.seconds,
        "use fewer seeds, steps or narrower hidden layers",
    )


def train_dropout(
    p: float = 0.5,
    hidden: tuple[int, ...] = (64, 64),
    activation: str = "relu",
    lr: float = 1e-3,
    steps: int = 2000,
    n_train: int = 40,
    noise: float = NOISE,
    flip: float = FLIP,
    seed: int = 0,
    n_test: int = 1000,
    record_every: int = 50,
) -> DropoutRun:
    """Train a ``2 -> hidden -> 2`` MLP on ``n_train`` noisy moons by full-batch Adam.

    He-normal init, dropout with probability ``p`` after every hidden activation,
    cross-entropy loss. The data (``noise``: input jitter; ``flip``: share of labels
    flipped), the initial weights and the masks depend only on ``seed``, so runs with
    different ``p`` start from the same net on the same data. The defaults are the
    settings checked over seeds 0-4 (see the module docstring).

    >>> run = train_dropout(p=0.5, hidden=(8, 8), steps=100, record_every=50)
    >>> run.steps.tolist(), bool(run.train_loss[-1] < run.train_loss[0])
    ([0, 50, 100], True)
    """
    p = check_p(p)
    check_activation(activation)
    hidden = check_hidden(hidden, least=1, widest=MAX_HIDDEN)
    lr = check.number_in(lr, "lr", 0, 10.0, open_low=True)
    steps = check.whole(steps, "steps", 0, 100_000)
    record_every = check.whole(record_every, "record_every", 1, 100_000)
    n_train = check.whole(n_train, "n_train", 4, MAX_ROWS)
    n_test = check.whole(n_test, "n_test", 4, MAX_ROWS)
    seed = check.seed(seed)
    key = (p, hidden, activation, lr, steps, n_train, noise, flip, seed, n_test, record_every)
    if key in _TRAINED:  # the same settings train the same net: a figure drawn again reuses it
        return _TRAINED[key]
    budget.check(cost(1, hidden, steps, n_train, n_test, record_every))
    run = _train(p, hidden, activation, lr, steps, n_train, noise, flip, seed, n_test, record_every)
    while len(_TRAINED) >= KEPT_RUNS:
        del _TRAINED[next(iter(_TRAINED))]
    _TRAINED[key] = run
    return run


KEPT_RUNS = 32  # trained runs kept by their settings (the shipped figure trains ten)
_TRAINED: dict[tuple, DropoutRun] = {}


def _train(p, hidden, activation, lr, steps, n_train, noise, flip, seed, n_test, record_every):
    train = dataset("moons", n_train, noise, seed, flip=flip)
    test = dataset("moons", n_test, noise, seed, flip=flip, split="test")
    net = Network((2, *hidden, 2), activation)
    theta = net.init("he_normal", seed=seed)
    adam = optimizer("adam", lr=lr)
    state = adam.init(theta)
    masks_rng = np.random.default_rng([seed, 9])

    def loss(data: Data) -> float:
        return net.loss(net.forward(theta, data.x, keep=False)[0], data.y, grad=False)

    recorded, train_loss, test_loss = [], [], []
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            recorded.append(step)
            train_loss.append(loss(train))
            test_loss.append(loss(test))
        if step == steps:
            break
        masks = [dropout_mask((len(train), w), p, masks_rng) for w in hidden] if p else None
        _, grad = net.loss_and_grad(theta, train.x, train.y, masks)
        theta, state = adam.step(theta, grad, state, lr, step + 1)
    arrays = [theta, np.array(recorded), np.array(train_loss), np.array(test_loss)]
    for a in arrays:  # kept and handed out again: nobody may change it
        a.setflags(write=False)
    return DropoutRun(
        p=p,
        activation=activation,
        seed=seed,
        network=net,
        theta=arrays[0],
        steps=arrays[1],
        train_loss=arrays[2],
        test_loss=arrays[3],
        train=train,
        test=test,
    )


def dropout_pair(p: float = 0.5, **kwargs) -> tuple[DropoutRun, DropoutRun]:
    """:func:`train_dropout` without (``p = 0``) and with dropout ``p``, same everything else.

    >>> plain, dropped = dropout_pair(hidden=(8,), steps=10)
    >>> plain.p, dropped.p
    (0.0, 0.5)
    """
    if check_p(p) == 0.0:
        raise ParameterError("dropout_pair compares p = 0 with your p; give p in (0, 1)")
    return train_dropout(p=0.0, **kwargs), train_dropout(p=p, **kwargs)


def seed_study(seeds=range(5), p: float = 0.5, **kwargs) -> list[tuple[DropoutRun, DropoutRun]]:
    """:func:`dropout_pair` for each seed: the check that the effect is not one lucky seed.

    >>> pairs = seed_study([0, 1], hidden=(8,), steps=10)
    >>> [(a.seed, b.seed) for a, b in pairs]
    [(0, 0), (1, 1)]
    """
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Iterable):
        raise ParameterError(f"seeds must be a list of seeds, not {check._short(seeds)}")
    seeds = [check.seed(s) for s in seeds]
    if not seeds:
        raise ParameterError("give at least one seed")
    keys = ("hidden", "steps", "n_train", "n_test", "record_every")
    sizes = {k: kwargs[k] for k in keys if k in kwargs}
    budget.check(cost(2 * len(seeds), **sizes))  # every run's cost, before the first
    return [dropout_pair(p, seed=s, **kwargs) for s in seeds]
