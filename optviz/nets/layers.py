"""The one forward and backward pass of every network in :mod:`optviz.nets`.

A network is a stack of fully connected layers. Layer ``i`` computes, in this order,

1. ``z = a @ W`` plus the bias ``b`` if the layer has one;
2. batch normalization if the layer holds ``gamma`` and ``beta`` (Ioffe & Szegedy,
   2015, Algorithm 1, with the statistics of the batch it is given: training mode);
3. ``a = f(z)``, the activation, on every layer but a linear output layer;
4. ``a = a * mask`` if a dropout mask is given for the layer (inverted dropout:
   Srivastava et al., 2014; the mask holds 0 and ``1 / (1 - p)``).

Layers are dicts of arrays: ``{"W": (fan_in, fan_out), "b": (fan_out,)}``, or ``gamma``
and ``beta`` instead of ``b``, or ``W`` alone (no bias). Arrays may carry leading axes,
``W`` ``(..., fan_in, fan_out)`` and ``b`` ``(..., fan_out)``, to run many parameter
vectors at once; the rows of a batch are the second-to-last axis. The training
experiments (:mod:`.symmetry`, :mod:`.batchnorm`, :mod:`.dropout`), the landscape trainer
(:mod:`.model`) and the deep signal propagation (:func:`.initialization.propagate`)
all use :func:`forward` and :func:`backward`; the losses are :func:`cross_entropy` and
:func:`mse` (torch's ``CrossEntropyLoss`` and ``MSELoss``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..util.errors import unknown

ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu")
LEAKY_SLOPE = 0.01
BN_EPS = 1e-5  # torch.nn.BatchNorm1d's default

Layer = dict[str, np.ndarray]


# ---------------------------------------------------------------- activations


def check_activation(activation: str) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise unknown("activation", activation, ACTIVATIONS)
    return activation


def activate(activation: str, z: np.ndarray) -> np.ndarray:
    """Apply ``activation`` elementwise.

    >>> activate("leaky_relu", np.array([-1.0, 2.0])).tolist()
    [-0.01, 2.0]
    """
    if activation == "tanh":
        return np.tanh(z)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    raise unknown("activation", activation, ACTIVATIONS)


def activation_grad(activation: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Derivative ``f'(z)`` given the pre-activation ``z`` and ``a = f(z)``."""
    if activation == "tanh":
        return 1.0 - a * a
    if activation == "sigmoid":
        return a * (1.0 - a)
    if activation == "relu":
        return (z > 0).astype(z.dtype)
    if activation == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE)
    raise unknown("activation", activation, ACTIVATIONS)


def saturated(activation: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Boolean mask of units in the flat part of ``activation``.

    tanh: ``|a| > 0.99``; sigmoid: ``a < 0.01`` or ``a > 0.99`` (derivative below
    ~2% of its peak in both cases); ReLU and leaky ReLU: ``z <= 0``, the side whose slope
    is 0 (or 0.01).
    """
    if activation == "tanh":
        return np.abs(a) > 0.99
    if activation == "sigmoid":
        return (a < 0.01) | (a > 0.99)
    return z <= 0


# ---------------------------------------------------------------- batch normalization


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = BN_EPS
) -> tuple[np.ndarray, tuple]:
    """Batch normalization in training mode (Ioffe & Szegedy, 2015, Algorithm 1).

    Each feature (column) of the ``(..., batch, features)`` input is standardized with
    the batch's mean and biased variance, then scaled by ``gamma`` and shifted by
    ``beta``: ``y = gamma * (x - mean) / sqrt(var + eps) + beta``. Returns ``y`` and the
    cache that :func:`batchnorm_backward` needs.

    >>> y, _ = batchnorm_forward(np.array([[4.0], [7.0], [5.0]]), np.ones(1), np.zeros(1))
    >>> np.round(y.ravel(), 3).tolist()
    [-1.069, 1.336, -0.267]
    """
    mean = x.mean(axis=-2, keepdims=True)
    var = x.var(axis=-2, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv_std
    gamma = np.expand_dims(gamma, -2)
    return gamma * xhat + np.expand_dims(beta, -2), (xhat, gamma, inv_std)


def batchnorm_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """Gradients ``(dx, dgamma, dbeta)`` of batch normalization given ``dL/dy``.

    The chain rule through the batch mean and variance (Ioffe & Szegedy, 2015,
    section 3), simplified to one line: with ``g = dy * gamma``,
    ``dx = inv_std * (g - mean(g) - xhat * mean(g * xhat))``, means over the batch.
    """
    xhat, gamma, inv_std = cache
    g = dy * gamma
    mean_g = g.mean(axis=-2, keepdims=True)
    dx = inv_std * (g - mean_g - xhat * (g * xhat).mean(axis=-2, keepdims=True))
    return dx, (dy * xhat).sum(axis=-2), dy.sum(axis=-2)


# ---------------------------------------------------------------- the stack


def forward(
    layers: Sequence[Layer],
    x: np.ndarray,
    activation: str,
    *,
    masks: Sequence[np.ndarray | None] | None = None,
    linear_output: bool = True,
    eps: float = BN_EPS,
    keep: bool = True,
) -> tuple[np.ndarray, list[dict]]:
    """The output of the stack ``layers`` on rows ``x`` and, per layer, what
    :func:`backward` needs (nothing if ``keep`` is False).

    ``masks``: one array (or None) per activated layer, multiplied into its activations
    and broadcast against ``(..., rows, width)``. ``linear_output``: the last layer has
    no activation (logits or a regression output). A cache holds ``in`` (the layer's
    input), ``pre`` (the activation's input, after batch norm), ``out`` (``f(pre)``),
    ``bn`` and ``mask``.

    >>> layer = {"W": np.array([[1.0, -1.0]]), "b": np.zeros(2)}
    >>> forward([layer], np.array([[2.0]]), "relu", linear_output=False)[0].tolist()
    [[2.0, 0.0]]
    """
    caches: list[dict] = []
    a = x
    activated = len(layers) - 1 if linear_output else len(layers)
    for i, layer in enumerate(layers):
        cache: dict = {"in": a}
        z = a @ layer["W"]
        if "gamma" in layer:
            z, cache["bn"] = batchnorm_forward(z, layer["gamma"], layer["beta"], eps)
        elif "b" in layer:
            z = z + np.expand_dims(layer["b"], -2)
        if i < activated:
            cache["pre"] = z
            a = activate(activation, z)
            cache["out"] = a
            mask = None if masks is None else masks[i]
            if mask is not None:
                cache["mask"] = mask
                a = a * mask
        else:
            a = z
        if keep:
            caches.append(cache)
    return a, caches


def backward(
    layers: Sequence[Layer],
    caches: list[dict],
    dout: np.ndarray,
    activation: str,
    *,
    linear_output: bool = True,
) -> list[Layer]:
    """Gradients of the loss, one dict per layer with the layer's keys, given ``dL/dout``.

    A dropped unit (mask 0) passes no gradient. Each activated layer's cache also gets
    ``dpre``, the gradient at the activation's input.
    """
    grads: list[Layer] = [{} for _ in layers]
    activated = len(layers) - 1 if linear_output else len(layers)
    d = dout
    for i in reversed(range(len(layers))):
        layer, cache, grad = layers[i], caches[i], grads[i]
        if i < activated:
            if "mask" in cache:
                d = d * cache["mask"]
            d = d * activation_grad(activation, cache["pre"], cache["out"])
            cache["dpre"] = d
        if "gamma" in layer:
            d, grad["gamma"], grad["beta"] = batchnorm_backward(d, cache["bn"])
        elif "b" in layer:
            grad["b"] = d.sum(axis=-2)
        grad["W"] = np.swapaxes(cache["in"], -1, -2) @ d
        if i:  # the input's own gradient is not needed
            d = d @ np.swapaxes(layer["W"], -1, -2)
    return grads


# ---------------------------------------------------------------- losses


def cross_entropy(logits: np.ndarray, labels: np.ndarray, *, grad: bool = True):
    """Mean cross-entropy of softmax ``logits`` ``(..., rows, classes)`` against integer
    ``labels`` ``(rows,)``, as ``torch.nn.CrossEntropyLoss``; with ``grad``, also
    ``dL/dlogits``. The loss is a float for one network, an array ``(...)`` for many.

    >>> loss, d = cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 4), d[0].tolist()
    (1.3863, [-0.375, 0.125, 0.125, 0.125])
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    rows = np.arange(len(labels))
    loss = -logp[..., rows, labels].mean(axis=-1)
    loss = float(loss) if loss.ndim == 0 else loss
    if not grad:
        return loss
    dlogits = np.exp(logp)
    dlogits[..., rows, labels] -= 1.0
    return loss, dlogits / len(labels)


def mse(out: np.ndarray, y: np.ndarray, *, grad: bool = True):
    """Mean squared error of one output column ``(..., rows, 1)`` against ``y`` ``(rows,)``,
    as ``torch.nn.MSELoss``; with ``grad``, also ``dL/dout``.

    >>> loss, d = mse(np.array([[1.0], [3.0]]), np.array([0.0, 1.0]))
    >>> loss, d.ravel().tolist()
    (2.5, [1.0, 2.0])
    """
    diff = out - y[:, None]
    loss = np.mean(diff**2, axis=(-2, -1))
    loss = float(loss) if loss.ndim == 0 else loss
    if not grad:
        return loss
    return loss, 2.0 * diff / len(y)
