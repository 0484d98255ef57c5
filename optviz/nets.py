"""Deep networks in numpy: initialization, saturation, symmetry and batch normalization.

Three experiments from the lecture notes, as plain arrays (the figures are in
:mod:`optviz.render.initplots`):

- :func:`propagate` sends standard-normal inputs through a deep fully connected
  network (default 10 layers of 500 units, zero biases) and back-propagates a
  standard-normal upstream gradient, recording every layer's activations and
  back-propagated gradients, as in Glorot & Bengio (2010), "Understanding the
  difficulty of training deep feedforward neural networks".
- :func:`symmetry_run` trains a small net from a zero / constant / random init and
  keeps every weight at every step, to show that equal neurons stay equal.
- :func:`batchnorm_pair` trains the same small net with and without batch
  normalization (Ioffe & Szegedy, 2015) on a toy spiral, with the forward and backward
  pass of batch normalization written out in :func:`batchnorm_forward` and
  :func:`batchnorm_backward`.

Layout: a layer computes ``z = a_prev @ W + b`` with ``W`` of shape ``(fan_in, fan_out)``
and ``a = f(z)``. Everything is float64 and seeded: the same arguments give the same
arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError, unknown

SCHEMES = {
    "zeros": "all weights 0",
    "constant": "all weights 1/fan_in",
    "small": "N(0, 0.01²)",
    "large": "N(0, 1)",
    "xavier_normal": "N(0, gain²·2/(fan_in+fan_out))",
    "xavier_uniform": "U(±gain·√(6/(fan_in+fan_out)))",
    "he_normal": "N(0, 2/fan_in)",
    "he_uniform": "U(±√(6/fan_in))",
    "lecun": "N(0, gain²/fan_in)",
}
"""Initialization schemes and the distribution each draws weights from."""

LABELS = {
    "zeros": "zeros",
    "constant": "constant",
    "small": "N(0, 0.01²)",
    "large": "N(0, 1)",
    "xavier_normal": "Xavier normal",
    "xavier_uniform": "Xavier uniform",
    "he_normal": "He normal",
    "he_uniform": "He uniform",
    "lecun": "LeCun",
}
"""Short names for plot legends."""

ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu")
LEAKY_SLOPE = 0.01
GAIN_SCHEMES = ("xavier_normal", "xavier_uniform", "lecun")
"""The schemes that take a ``gain`` (as ``torch.nn.init.xavier_normal_`` does)."""

TANH_GAIN = 5.0 / 3.0
"""``torch.nn.init.calculate_gain('tanh')``: the Xavier gain that keeps tanh variance."""

MAX_DEPTH = 200
MAX_WIDTH = 4096
MAX_BATCH = 100_000
MAX_VALUES = 25_000_000  # depth * batch * width kept in memory by one propagate()


# ---------------------------------------------------------------- checks


def check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise unknown("init scheme", scheme, SCHEMES)
    return scheme


def check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise unknown("activation", activation, ACTIVATIONS)
    return activation


def _check_int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ParameterError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    if not lo <= value <= hi:
        raise ParameterError(f"{name} must be in [{lo}, {hi}], got {value}")
    return int(value)


def _check_positive(name: str, value, hi: float = math.inf) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number in (0, {hi}], got {value!r}") from None
    if not (math.isfinite(value) and 0 < value <= hi):
        raise ParameterError(f"{name} must be a number in (0, {hi}], got {value!r}")
    return value


def _check_seed(seed) -> int:
    return _check_int("seed", seed, 0, 2**63 - 1)


# ---------------------------------------------------------------- building blocks


def init_weights(
    scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0
) -> np.ndarray:
    """Draw a ``(fan_in, fan_out)`` weight matrix from ``scheme`` (see :data:`SCHEMES`).

    ``gain`` scales the Xavier and LeCun schemes as in ``torch.nn.init``; He is fixed at
    variance ``2/fan_in`` (He et al., 2015) and the others ignore it. Normal schemes
    scale one standard-normal draw and uniform schemes one U(-1, 1) draw, so schemes
    compared with the same ``rng`` state share their random numbers.

    >>> w = init_weights("xavier_uniform", 3, 5, np.random.default_rng(0))
    >>> w.shape, bool(np.abs(w).max() <= np.sqrt(6 / 8))
    ((3, 5), True)
    """
    check_scheme(scheme)
    shape = (fan_in, fan_out)
    if scheme == "zeros":
        return np.zeros(shape)
    if scheme == "constant":
        return np.full(shape, 1.0 / fan_in)
    scale = {
        "small": 0.01,
        "large": 1.0,
        "xavier_normal": gain * math.sqrt(2.0 / (fan_in + fan_out)),
        "xavier_uniform": gain * math.sqrt(6.0 / (fan_in + fan_out)),
        "he_normal": math.sqrt(2.0 / fan_in),
        "he_uniform": math.sqrt(6.0 / fan_in),
        "lecun": gain * math.sqrt(1.0 / fan_in),
    }[scheme]
    base = (
        rng.uniform(-1.0, 1.0, shape) if scheme.endswith("uniform") else rng.standard_normal(shape)
    )
    return base * scale


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


# ---------------------------------------------------------------- deep signal propagation


@dataclass(frozen=True, eq=False)
class LayerStats:
    """One forward and backward pass through a deep net, layer by layer.

    ``activations[l]`` and ``gradients[l]`` are the ``(batch, width)`` samples of
    layer ``l + 1`` (float32, for histograms): the activation ``a = f(z)`` and the
    back-propagated gradient ``dL/dz``. The ``*_std``, ``act_mean`` and ``saturation``
    arrays have one float64 entry per layer, computed before rounding to float32.
    """

    scheme: str
    activation: str
    gain: float
    activations: np.ndarray
    gradients: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    grad_std: np.ndarray
    weight_grad_std: np.ndarray
    saturation: np.ndarray

    @property
    def depth(self) -> int:
        return len(self.act_std)

    @property
    def label(self) -> str:
        label = LABELS[self.scheme]
        if self.scheme in GAIN_SCHEMES and self.gain != 1.0:
            label += f" (gain {self.gain:.3g})"
        return label


def propagate(
    scheme: str = "xavier_normal",
    activation: str = "tanh",
    depth: int = 10,
    width: int = 500,
    batch: int = 256,
    seed: int = 0,
    gain: float = 1.0,
) -> LayerStats:
    """Forward and backward pass of a ``depth`` x ``width`` net initialized by ``scheme``.

    Inputs are ``batch`` standard-normal vectors of size ``width``; biases are zero.
    The backward pass starts from a fixed standard-normal upstream gradient ``g`` at
    the last layer's activations, i.e. it differentiates ``L = sum(g * a_depth)``, a
    random linear read-out: no loss or target shapes the gradients, so what they show
    is only what the layers do to a signal going backwards (Glorot & Bengio, 2010).
    Inputs and ``g`` depend only on ``seed``, so every scheme sees the same ones.

    >>> s = propagate("large", "tanh", depth=3, width=20, batch=50)
    >>> s.activations.shape, s.saturation.round(2).tolist()
    ((3, 50, 20), [0.54, 0.53, 0.49])
    """
    check_scheme(scheme)
    check_activation(activation)
    depth = _check_int("depth", depth, 1, MAX_DEPTH)
    width = _check_int("width", width, 1, MAX_WIDTH)
    batch = _check_int("batch", batch, 1, MAX_BATCH)
    gain = _check_positive("gain", gain, 100.0)
    seed = _check_seed(seed)
    if depth * batch * width > MAX_VALUES:
        raise ParameterError(
            f"depth*batch*width = {depth * batch * width:,} is too large; "
            f"at most {MAX_VALUES:,} values are kept"
        )
    data = np.random.default_rng([seed, 0])
    x = data.standard_normal((batch, width))
    upstream = data.standard_normal((batch, width))
    rng = np.random.default_rng([seed, 1])
    weights = [init_weights(scheme, width, width, rng, gain) for _ in range(depth)]

    zs, acts = [], []
    a = x
    for w in weights:
        z = a @ w
        a = activate(activation, z)
        zs.append(z)
        acts.append(a)

    grads, weight_grads = [None] * depth, [None] * depth
    da = upstream
    for layer in reversed(range(depth)):
        dz = da * activation_grad(activation, zs[layer], acts[layer])
        below = acts[layer - 1] if layer else x
        weight_grads[layer] = below.T @ dz / batch
        grads[layer] = dz
        da = dz @ weights[layer].T

    with np.errstate(over="ignore"):  # exploding nets overflow float32: that is the point
        activations = np.stack(acts).astype(np.float32)
        gradients = np.stack(grads).astype(np.float32)
    return LayerStats(
        scheme=scheme,
        activation=activation,
        gain=gain,
        activations=activations,
        gradients=gradients,
        act_mean=np.array([a.mean() for a in acts]),
        act_std=np.array([a.std() for a in acts]),
        grad_std=np.array([g.std() for g in grads]),
        weight_grad_std=np.array([g.std() for g in weight_grads]),
        saturation=np.array(
            [saturated(activation, z, a).mean() for z, a in zip(zs, acts, strict=True)]
        ),
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
    hidden = tuple(_check_int("hidden width", h, 1, MAX_WIDTH) for h in hidden)
    if not hidden:
        raise ParameterError("hidden must name at least one layer width, e.g. (8, 8)")
    steps = _check_int("steps", steps, 0, 100_000)
    lr = _check_positive("lr", lr, 100.0)
    seed = _check_seed(seed)
    x, y = toy_regression(seed=seed)
    params = _init_mlp((2, *hidden, 1), scheme, np.random.default_rng([seed, 1]))
    history = [[layer["W"].copy()] for layer in params]
    losses = []
    for _ in range(steps + 1):
        pred, caches = _mlp_forward(params, x, activation)
        loss, dpred = _mse(pred, y)
        losses.append(loss)
        if len(losses) > steps:
            break
        _sgd(params, _mlp_backward(params, caches, dpred, activation), lr)
        for layer, h in zip(params, history, strict=True):
            h.append(layer["W"].copy())
    return SymmetryRun(
        scheme=scheme,
        activation=activation,
        weights=tuple(np.stack(h) for h in history),
        loss=np.array(losses),
    )


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
    depth = _check_int("depth", depth, 1, 50)
    width = _check_int("width", width, 1, 1024)
    lr = _check_positive("lr", lr, 100.0)
    epochs = _check_int("epochs", epochs, 1, 10_000)
    batch_size = _check_int("batch_size", batch_size, 2, 10_000)
    seed = _check_seed(seed)
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
