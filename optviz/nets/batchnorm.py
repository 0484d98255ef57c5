"""Batch normalization on a toy spiral: the same small net trained with and without it.

:func:`batchnorm_pair` trains the same small net with and without batch normalization
(Ioffe & Szegedy, 2015) on the built-in ``spiral`` dataset (:func:`optviz.nets.data.dataset`),
by the engine's gradient descent on mini-batches; the forward and backward pass, batch
normalization's included, are those of :mod:`optviz.nets.layers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.optim import optimizer
from ..util import budget, check
from ..util.errors import ParameterError
from .data import dataset
from .initialization import check_scheme
from .layers import check_activation
from .model import Network

SPIRAL_POINTS = 600  # 200 per arm


QUANTILES = (0.02, 0.15, 0.5, 0.85, 0.98)
"""Percentiles of the activation distributions kept over training (Ioffe & Szegedy, fig. 1)."""


@dataclass(frozen=True, eq=False)
class BatchNormRun:
    """One training run of the spiral classifier, with or without batch normalization.

    ``loss[e]`` is the mean cross-entropy over the mini-batches of epoch ``e``.
    ``quantiles[r, l]`` are the :data:`QUANTILES` of the inputs to layer ``l + 1``'s
    nonlinearity (after BN, if any) on a fixed probe batch, taken at step
    ``record_steps[r]``; ``final_accuracy`` is the training accuracy at the end.
    """

    batchnorm: bool
    activation: str
    loss: np.ndarray
    record_steps: np.ndarray
    quantiles: np.ndarray
    final_accuracy: float


NORMALIZED = 2.5  # a step with batch norm and its recorded quantiles, over a plain one's
# (measured: 2.5x with normalization, 1.7x without; bench/largest.py shows the estimate)


def cost(
    runs: int = 1, depth: int = 4, width: int = 64, epochs: int = 30, batch_size: int = 32
) -> budget.Cost:
    """What ``runs`` calls of :func:`train_batchnorm` take: every mini-batch step and the
    activation quantiles recorded about four times an epoch."""
    widths = (2, *([width] * depth), 3)
    steps = epochs * max(SPIRAL_POINTS // max(batch_size, 1), 1)
    one = budget.total(
        "",
        [
            budget.network(widths, steps, batch_size, kept=0),
            budget.evaluations(widths, 5 * epochs + 1, 256, 0),
        ],
    )
    return budget.Cost(
        f"{runs} batch-norm runs of a {'-'.join(map(str, widths))} network x {steps} steps",
        one.memory,
        runs * one.seconds * NORMALIZED,
        "use fewer or narrower layers (depth, width), fewer epochs or larger batches",
    )


def train_batchnorm(
    batchnorm: bool = True,
    activation: str = "sigmoid",
    scheme: str = "xavier_normal",
    depth: int = 4,
    width: int = 64,
    lr: float = 0.5,
    epochs: int = 30,
    batch_size: int = 32,
    seed: int = 0,
) -> BatchNormRun:
    """Train a ``2 -> depth x width -> 3`` MLP on the 3-arm spiral with plain SGD.

    With ``batchnorm`` every hidden layer is ``Linear -> BN -> activation``; without,
    ``Linear -> activation``. The data, the initial weights and the order of the
    mini-batches depend only on ``seed``, so the two runs differ only by BN.

    >>> run = train_batchnorm(depth=2, width=8, epochs=2)
    >>> run.loss.shape, run.quantiles.shape[1:]
    ((2,), (2, 5))
    """
    check_activation(activation)
    check_scheme(scheme)
    depth = check.whole(depth, "depth", 1, 50)
    width = check.whole(width, "width", 1, 1024)
    lr = check.number_in(lr, "lr", 0, 100.0, open_low=True)
    epochs = check.whole(epochs, "epochs", 1, 10_000)
    batch_size = check.whole(batch_size, "batch_size", 2, SPIRAL_POINTS)
    seed = check.seed(seed)
    budget.check(cost(1, depth, width, epochs, batch_size))
    data = dataset("spiral", n=SPIRAL_POINTS, seed=seed)
    x, labels = data.x, data.y
    net = Network((2, *([width] * depth), data.classes), activation, batchnorm)
    theta = net.init(scheme, seed=seed)
    gd = optimizer("gd", lr=lr)
    state = gd.init(theta)
    order = np.random.default_rng([seed, 4])
    probe = order.permutation(len(x))[:256]
    record_every = max(1, len(x) // batch_size // 4)

    def record():
        _, caches = net.forward(theta, x[probe])
        pre = [c["pre"].ravel() for c in caches[:-1]]
        return np.quantile(np.stack(pre), QUANTILES, axis=1).T

    losses, steps, quantiles = [], [], []
    step = 0
    for _ in range(epochs):
        perm = order.permutation(len(x))
        epoch_loss = []
        for start in range(0, len(x) - batch_size + 1, batch_size):
            if step % record_every == 0:
                steps.append(step)
                quantiles.append(record())
            idx = perm[start : start + batch_size]
            loss, grad = net.loss_and_grad(theta, x[idx], labels[idx])
            epoch_loss.append(loss)
            step += 1
            theta, state = gd.step(theta, grad, state, lr, step)
        losses.append(np.mean(epoch_loss))
    steps.append(step)
    quantiles.append(record())
    logits, _ = net.forward(theta, x, keep=False)
    return BatchNormRun(
        batchnorm=batchnorm,
        activation=activation,
        loss=np.array(losses),
        record_steps=np.array(steps),
        quantiles=np.stack(quantiles),
        final_accuracy=float(np.mean(logits.argmax(axis=1) == labels)),
    )


def batchnorm_pair(**kwargs) -> tuple[BatchNormRun, BatchNormRun]:
    """:func:`train_batchnorm` without and with batch normalization, same settings.

    >>> plain, bn = batchnorm_pair(depth=2, width=8, epochs=2)
    >>> plain.batchnorm, bn.batchnorm
    (False, True)
    """
    if "batchnorm" in kwargs:
        raise ParameterError("batchnorm_pair runs both; do not pass batchnorm")
    sizes = {k: kwargs[k] for k in ("depth", "width", "epochs", "batch_size") if k in kwargs}
    budget.check(cost(2, **sizes))  # both runs, before the first
    return train_batchnorm(batchnorm=False, **kwargs), train_batchnorm(batchnorm=True, **kwargs)
