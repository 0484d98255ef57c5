"""Batch normalization on a toy spiral: the same small net trained with and without it.

:func:`batchnorm_pair` trains the same small net with and without batch normalization
(Ioffe & Szegedy, 2015) on a toy spiral, with the forward and backward pass of batch
normalization written out in :mod:`optviz.nets.mlp`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..util import check
from ..util.errors import ParameterError
from .initialization import check_activation, check_scheme
from .mlp import _cross_entropy, _init_mlp, _mlp_backward, _mlp_forward, _sgd


def spiral(n_per_class: int = 200, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """A ``classes``-armed spiral in the plane: inputs ``(n, 2)`` and integer labels ``(n,)``."""
    rng = np.random.default_rng([seed, 3])
    r = np.tile(np.linspace(0.05, 1.0, n_per_class), classes)
    labels = np.repeat(np.arange(classes), n_per_class)
    theta = labels * (2 * np.pi / classes) + 4.0 * r + rng.normal(0.0, noise, r.shape)
    x = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return x, labels


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
    """Train a ``2 -> depth x width -> 3`` MLP on :func:`spiral` with plain SGD.

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
    batch_size = check.whole(batch_size, "batch_size", 2, 10_000)
    seed = check.seed(seed)
    x, labels = spiral(seed=seed)
    sizes = (2, *([width] * depth), 3)
    params = _init_mlp(sizes, scheme, np.random.default_rng([seed, 1]), batchnorm)
    order = np.random.default_rng([seed, 4])
    probe = order.permutation(len(x))[:256]
    record_every = max(1, len(x) // batch_size // 4)

    def record():
        _, caches = _mlp_forward(params, x[probe], activation)
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
            logits, caches = _mlp_forward(params, x[idx], activation)
            loss, dlogits = _cross_entropy(logits, labels[idx])
            epoch_loss.append(loss)
            _sgd(params, _mlp_backward(params, caches, dlogits, activation), lr)
            step += 1
        losses.append(np.mean(epoch_loss))
    steps.append(step)
    quantiles.append(record())
    logits, _ = _mlp_forward(params, x, activation)
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
    return train_batchnorm(batchnorm=False, **kwargs), train_batchnorm(batchnorm=True, **kwargs)
