"""A small trainable MLP as lists of layer dicts, batch normalization, the symmetry experiment.

:func:`symmetry_run` trains a small net from a zero / constant / random init and keeps
every weight at every step, to show that equal neurons stay equal. The helpers here
(``_init_mlp``, ``_mlp_forward``, ``_mlp_backward``) are shared with
:mod:`optviz.nets.batchnorm`. Batch-normalized hidden layers (Ioffe & Szegedy, 2015;
forward and backward pass in :func:`batchnorm_forward` and :func:`batchnorm_backward`)
carry ``gamma`` and ``beta`` instead of a bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..util import budget, check
from ..util.errors import ParameterError
from .initialization import (
    MAX_WIDTH,
    activate,
    activation_grad,
    check_activation,
    check_scheme,
    init_weights,
)

# ---------------------------------------------------------------- a small trainable MLP


def _init_mlp(sizes, scheme, rng, batchnorm=False, gain=1.0):
    """Parameters of an MLP; hidden layers get BN (gamma=1, beta=0) if ``batchnorm``.

    A BN layer's bias is dropped: BN subtracts the mean, so the bias would do nothing
    (Ioffe & Szegedy, 2015, section 3.2).
    """
    params = []
    last = len(sizes) - 2
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = {"W": init_weights(scheme, fan_in, fan_out, rng, gain)}
        if batchnorm and i < last:
            layer["gamma"] = np.ones(fan_out)
            layer["beta"] = np.zeros(fan_out)
        else:
            layer["b"] = np.zeros(fan_out)
        params.append(layer)
    return params


def _mlp_forward(params, x, activation, eps=1e-5):
    """Return the output and, per layer, the cache for the backward pass.

    ``cache[i]["pre"]`` is the input of the nonlinearity (after BN, if any).
    """
    caches = []
    a = x
    last = len(params) - 1
    for i, layer in enumerate(params):
        cache = {"in": a}
        z = a @ layer["W"]
        if "gamma" in layer:
            z, cache["bn"] = batchnorm_forward(z, layer["gamma"], layer["beta"], eps)
        else:
            z = z + layer["b"]
        if i < last:
            cache["pre"] = z
            a = activate(activation, z)
            cache["out"] = a
        else:
            a = z
        caches.append(cache)
    return a, caches


def _mlp_backward(params, caches, dout, activation):
    grads = [None] * len(params)
    last = len(params) - 1
    d = dout
    for i in reversed(range(len(params))):
        layer, cache = params[i], caches[i]
        if i < last:
            d = d * activation_grad(activation, cache["pre"], cache["out"])
        grad = {}
        if "gamma" in layer:
            d, grad["gamma"], grad["beta"] = batchnorm_backward(d, cache["bn"])
        else:
            grad["b"] = d.sum(axis=0)
        grad["W"] = cache["in"].T @ d
        d = d @ layer["W"].T
        grads[i] = grad
    return grads


def _sgd(params, grads, lr):
    for layer, grad in zip(params, grads, strict=True):
        for key, g in grad.items():
            layer[key] -= lr * g


def _mse(pred, y):
    diff = pred - y
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def _cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(labels)
    loss = -float(logp[np.arange(n), labels].mean())
    dlogits = np.exp(logp)
    dlogits[np.arange(n), labels] -= 1.0
    return loss, dlogits / n


# ---------------------------------------------------------------- batch normalization


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """Batch normalization in training mode (Ioffe & Szegedy, 2015, Algorithm 1).

    Each feature (column) of the ``(batch, features)`` input is standardized with the
    batch's mean and biased variance, then scaled by ``gamma`` and shifted by ``beta``:
    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``. Returns ``y`` and the cache
    that :func:`batchnorm_backward` needs.

    >>> y, _ = batchnorm_forward(np.array([[4.0], [7.0], [5.0]]), np.ones(1), np.zeros(1))
    >>> np.round(y.ravel(), 3).tolist()
    [-1.069, 1.336, -0.267]
    """
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)


def batchnorm_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """Gradients ``(dx, dgamma, dbeta)`` of batch normalization given ``dL/dy``.

    The chain rule through the batch mean and variance (Ioffe & Szegedy, 2015,
    section 3), simplified to one line: with ``g = dy * gamma``,
    ``dx = inv_std * (g - mean(g) - xhat * mean(g * xhat))``, means over the batch.
    """
    xhat, gamma, inv_std = cache
    g = dy * gamma
    dx = inv_std * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))
    return dx, (dy * xhat).sum(axis=0), dy.sum(axis=0)


# ---------------------------------------------------------------- symmetry


@dataclass(frozen=True, eq=False)
class SymmetryRun:
    """Full-batch gradient descent on a toy regression, keeping every weight.

    ``weights[l]`` has shape ``(steps + 1, fan_in, fan_out)``: column ``j`` of step
    ``t`` is the incoming weight vector of neuron ``j`` of layer ``l + 1`` after ``t``
    steps. ``loss`` is the mean squared error before each step and after the last.
    """

    scheme: str
    activation: str
    weights: tuple[np.ndarray, ...]
    loss: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.loss) - 1

    def spread(self, layer: int = 0) -> np.ndarray:
        """Per step, the largest difference between two neurons' incoming weights.

        0 means every neuron of the layer has the same weights: they are one neuron.
        """
        w = self.weights[layer]
        return np.abs(w - w[:, :, :1]).max(axis=(1, 2))


def toy_regression(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in [-2, 2]² and the saddle ``x1 * x2 / 2`` as an ``(n, 1)`` column.

    A chain of single neurons computes a function of one direction ``w . x`` only, and
    no such function fits a saddle: a layer whose neurons stay identical cannot learn it.
    """
    rng = np.random.default_rng([seed, 2])
    x = rng.uniform(-2.0, 2.0, (n, 2))
    y = 0.5 * x[:, :1] * x[:, 1:]
    return x, y


def symmetry_run(
    scheme: str = "constant",
    activation: str = "tanh",
    hidden: tuple[int, ...] = (8, 8),
    steps: int = 100,
    lr: float = 0.1,
    seed: int = 0,
) -> SymmetryRun:
    """Train a ``2 -> hidden -> 1`` net on :func:`toy_regression` and keep the weights.

    With ``zeros`` or ``constant`` every neuron of a hidden layer starts equal, gets the
    same gradient and so stays equal after any number of steps: the layer acts as one
    neuron. (With ``zeros`` and tanh nothing but the output bias moves at all, since
    ``tanh(0) = 0`` blocks every weight gradient.) A random scheme breaks the symmetry.

    >>> run = symmetry_run("constant", hidden=(3,), steps=5)
    >>> float(run.spread(0)[-1]) < 1e-12, float(run.loss[-1]) < float(run.loss[0])
    (True, True)
    """
    check_scheme(scheme)
    check_activation(activation)
    hidden = tuple(check.whole(h, "hidden width", 1, MAX_WIDTH) for h in hidden)
    if not hidden:
        raise ParameterError("hidden must name at least one layer width, e.g. (8, 8)")
    steps = check.whole(steps, "steps", 0, 100_000)
    lr = check.number_in(lr, "lr", 0, 100.0, open_low=True)
    seed = check.seed(seed)
    x, y = toy_regression(seed=seed)
    widths = (2, *hidden, 1)
    # every weight matrix is kept at every step: check that before allocating any of it
    budget.check(budget.network(widths, steps, len(x), kept=steps + 1))
    params = _init_mlp(widths, scheme, np.random.default_rng([seed, 1]))
    # written in place, step by step: no list of copies stacked into a second array
    history = [np.empty((steps + 1, *layer["W"].shape)) for layer in params]
    losses = np.empty(steps + 1)
    for t in range(steps + 1):
        for layer, h in zip(params, history, strict=True):
            h[t] = layer["W"]
        pred, caches = _mlp_forward(params, x, activation)
        losses[t], dpred = _mse(pred, y)
        if t < steps:
            _sgd(params, _mlp_backward(params, caches, dpred, activation), lr)
    return SymmetryRun(scheme=scheme, activation=activation, weights=tuple(history), loss=losses)
