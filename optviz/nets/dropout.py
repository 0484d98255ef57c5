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
its training loss to ~0 and its test loss to 1.6-4.5 without dropout; with
``p = 0.5`` the gap between test and train loss (0.1-0.7) is 4-17x smaller on every
seed. What it does *not* show consistently: a smoother decision boundary or better
accuracy. With dropout the net is less sure of itself near mislabeled points, but on
some seeds its 0.5-contour still bends around them, and test accuracy moves by a few
points either way (mean 0.78 without, 0.81 with).

Layout and helpers are those of :mod:`optviz.nets.mlp`: ``z = a_prev @ W + b`` with ``W``
of shape ``(fan_in, fan_out)``. Everything is float64 and seeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..util import check
from ..util.errors import ParameterError
from .initialization import (
    activate,
    activation_grad,
    check_activation,
)
from .mlp import _cross_entropy, _init_mlp

MAX_HIDDEN = 1024
MAX_POINTS = 100_000
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


# ---------------------------------------------------------------- checks


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


def _check_fraction(name: str, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number in [0, 0.5], got {value!r}") from None
    if not (math.isfinite(value) and 0.0 <= value <= 0.5):
        raise ParameterError(f"{name} must be a number in [0, 0.5], got {value!r}")
    return value


# ---------------------------------------------------------------- inverted dropout


def dropout_mask(shape, p: float, rng: np.random.Generator) -> np.ndarray:
    """A mask of ``0`` (dropped, probability ``p``) and ``1 / (1 - p)`` (kept).

    >>> m = dropout_mask((2, 4), 0.5, np.random.default_rng(0))
    >>> sorted(set(m.ravel().tolist()))
    [0.0, 2.0]
    """
    p = check_p(p)
    return (rng.random(shape) >= p) / (1.0 - p)


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


def dropout_backward(dout: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Gradient through dropout with a fixed ``mask``: ``dout * mask``.

    >>> dropout_backward(np.ones(3), np.array([0.0, 2.0, 2.0])).tolist()
    [0.0, 2.0, 2.0]
    """
    return dout if mask is None else dout * mask


# ---------------------------------------------------------------- data


def moons(
    n: int = 40, noise: float = 0.2, flip: float = 0.1, seed: int = 0, split: str = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-moons with Gaussian ``noise`` and a ``flip`` fraction of labels flipped.

    Returns inputs ``(n, 2)`` (centred, roughly in [-2, 2]²) and labels ``(n,)`` in
    {0, 1}. ``split`` ("train" or "test") draws an independent sample from the same
    distribution, label noise included, for the same ``seed``.

    >>> x, y = moons(6, seed=1)
    >>> x.shape, sorted(set(y.tolist()))
    ((6, 2), [0, 1])
    """
    n = check.whole(n, "n", 1, MAX_POINTS)
    noise = _check_fraction("noise", noise)
    flip = _check_fraction("flip", flip)
    seed = check.seed(seed)
    if split not in ("train", "test"):
        raise ParameterError(f"split must be 'train' or 'test', got {split!r}")
    rng = np.random.default_rng([seed, 7, 0 if split == "train" else 1])
    y = rng.integers(0, 2, n)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    x = np.where(y[:, None] == 0, upper, lower) + rng.normal(0.0, noise, (n, 2))
    y = np.where(rng.random(n) < flip, 1 - y, y)
    return (x - [0.5, 0.25]) / 0.8, y


# ---------------------------------------------------------------- the net


def forward(
    params: list[dict],
    x: np.ndarray,
    activation: str = "relu",
    p: float = 0.0,
    rng: np.random.Generator | None = None,
    masks: list | None = None,
) -> tuple[np.ndarray, list[dict]]:
    """Logits of the MLP ``params`` and the caches for :func:`backward`.

    Every hidden layer is ``Linear -> activation -> dropout``; the output layer is
    linear. Dropout masks come from ``masks`` (one array per hidden layer, broadcast
    against ``(batch, width)``: a ``(width,)`` mask is one thinned network for all
    inputs) or, if ``masks`` is None, are drawn from ``rng`` with probability ``p``.
    ``rng=None`` and ``masks=None`` is the full net (evaluation).

    >>> params = _init_mlp((2, 3, 2), "he_normal", np.random.default_rng(0))
    >>> logits, _ = forward(params, np.zeros((5, 2)))
    >>> logits.shape
    (5, 2)
    """
    caches = []
    a = x
    last = len(params) - 1
    for i, layer in enumerate(params):
        cache = {"in": a}
        z = a @ layer["W"] + layer["b"]
        if i < last:
            cache["pre"] = z
            a = activate(activation, z)
            cache["out"] = a
            if masks is not None:
                cache["mask"] = masks[i]
                a = a * masks[i]
            else:
                a, cache["mask"] = dropout_forward(a, p, rng)
        else:
            a = z
        caches.append(cache)
    return a, caches


def backward(params: list[dict], caches: list[dict], dout: np.ndarray, activation: str = "relu"):
    """Gradients ``[{"W": ..., "b": ...}, ...]`` of the loss given ``dL/dlogits``.

    Uses the masks stored by :func:`forward`, so a dropped unit gets no gradient.

    >>> params = _init_mlp((2, 3, 2), "he_normal", np.random.default_rng(0))
    >>> logits, caches = forward(params, np.ones((4, 2)))
    >>> [g["W"].shape for g in backward(params, caches, np.ones((4, 2)))]
    [(2, 3), (3, 2)]
    """
    grads = [None] * len(params)
    last = len(params) - 1
    d = dout
    for i in reversed(range(len(params))):
        cache = caches[i]
        if i < last:
            d = dropout_backward(d, cache["mask"])
            d = d * activation_grad(activation, cache["pre"], cache["out"])
        grads[i] = {"W": cache["in"].T @ d, "b": d.sum(axis=0)}
        d = d @ params[i]["W"].T
    return grads


def _adam(params, grads, state, lr, step):
    """One ``torch.optim.Adam`` step (no weight decay), in place."""
    b1, b2 = ADAM_BETAS
    for layer, grad, (m, v) in zip(params, grads, state, strict=True):
        for key, g in grad.items():
            m[key] = b1 * m[key] + (1 - b1) * g
            v[key] = b2 * v[key] + (1 - b2) * g * g
            denom = np.sqrt(v[key] / (1 - b2**step)) + ADAM_EPS
            layer[key] -= lr / (1 - b1**step) * m[key] / denom


def _softmax1(logits: np.ndarray) -> np.ndarray:
    """Probability of class 1 from two logits."""
    return 0.5 * (1.0 + np.tanh(0.5 * (logits[:, 1] - logits[:, 0])))


# ---------------------------------------------------------------- training


@dataclass(frozen=True, eq=False)
class DropoutRun:
    """One training run on :func:`moons`, with (``p > 0``) or without dropout.

    ``train_loss[r]`` and ``test_loss[r]`` are the cross-entropies of the full net
    (no dropout) on the training and test sets after ``steps[r]`` Adam steps;
    ``params`` are the final weights.
    """

    p: float
    activation: str
    seed: int
    params: list
    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def gap(self) -> float:
        """Final test loss minus final training loss."""
        return float(self.test_loss[-1] - self.train_loss[-1])

    def predict(self, x: np.ndarray, masks: list | None = None) -> np.ndarray:
        """Probability of class 1 at inputs ``x`` ``(n, 2)``, full net or thinned by ``masks``."""
        logits, _ = forward(self.params, np.asarray(x, float), self.activation, masks=masks)
        return _softmax1(logits)

    def accuracy(self, split: str = "test") -> float:
        x, y = (self.x_test, self.y_test) if split == "test" else (self.x_train, self.y_train)
        return float(np.mean((self.predict(x) > 0.5) == y))

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
        widths = [layer["W"].shape[1] for layer in self.params[:-1]]
        return [[dropout_mask(w, p, rng) for w in widths] for _ in range(k)]

    def ensemble(self, x: np.ndarray, k: int = 100, seed: int = 0) -> np.ndarray:
        """Mean class-1 probability of ``k`` thinned networks at ``x``.

        The full net (:meth:`predict`) approximates this average (Srivastava et al.,
        2014, section 7.5).
        """
        return np.mean([self.predict(x, m) for m in self.thinned(k, seed)], axis=0)


def train_dropout(
    p: float = 0.5,
    hidden: tuple[int, ...] = (64, 64),
    activation: str = "relu",
    lr: float = 1e-3,
    steps: int = 2000,
    n_train: int = 40,
    noise: float = 0.2,
    flip: float = 0.1,
    seed: int = 0,
    n_test: int = 1000,
    record_every: int = 50,
) -> DropoutRun:
    """Train a ``2 -> hidden -> 2`` MLP on ``n_train`` noisy moons by full-batch Adam.

    He-normal init, dropout with probability ``p`` after every hidden activation,
    cross-entropy loss. The data, the initial weights and the masks depend only on
    ``seed``, so runs with different ``p`` start from the same net on the same data.
    The defaults are the settings checked over seeds 0-4 (see the module docstring).

    >>> run = train_dropout(p=0.5, hidden=(8, 8), steps=100, record_every=50)
    >>> run.steps.tolist(), bool(run.train_loss[-1] < run.train_loss[0])
    ([0, 50, 100], True)
    """
    p = check_p(p)
    check_activation(activation)
    hidden = tuple(check.whole(h, "hidden width", 1, MAX_HIDDEN) for h in hidden)
    if not hidden:
        raise ParameterError("hidden must name at least one layer width, e.g. (64, 64)")
    lr = check.number_in(lr, "lr", 0, 10.0, open_low=True)
    steps = check.whole(steps, "steps", 0, 100_000)
    record_every = check.whole(record_every, "record_every", 1, 100_000)
    seed = check.seed(seed)
    x, y = moons(n_train, noise, flip, seed, "train")
    x_test, y_test = moons(n_test, noise, flip, seed, "test")
    params = _init_mlp((2, *hidden, 2), "he_normal", np.random.default_rng([seed, 1]))
    state = [
        tuple({k: np.zeros_like(v) for k, v in layer.items()} for _ in "mv") for layer in params
    ]
    masks_rng = np.random.default_rng([seed, 9])

    def loss(xs, ys):
        return _cross_entropy(forward(params, xs, activation)[0], ys)[0]

    recorded, train_loss, test_loss = [], [], []
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            recorded.append(step)
            train_loss.append(loss(x, y))
            test_loss.append(loss(x_test, y_test))
        if step == steps:
            break
        logits, caches = forward(params, x, activation, p, masks_rng)
        _, dlogits = _cross_entropy(logits, y)
        _adam(params, backward(params, caches, dlogits, activation), state, lr, step + 1)
    return DropoutRun(
        p=p,
        activation=activation,
        seed=seed,
        params=params,
        steps=np.array(recorded),
        train_loss=np.array(train_loss),
        test_loss=np.array(test_loss),
        x_train=x,
        y_train=y,
        x_test=x_test,
        y_test=y_test,
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
    seeds = list(seeds)
    if not seeds:
        raise ParameterError("give at least one seed")
    return [dropout_pair(p, seed=s, **kwargs) for s in seeds]
