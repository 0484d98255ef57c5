"""Initialization and saturation: weight schemes, activations, a deep forward/backward pass.

:func:`propagate` sends standard-normal inputs through a deep fully connected network
(default 10 layers of 500 units, zero biases) and back-propagates a standard-normal
upstream gradient, recording every layer's activations and back-propagated gradients,
as in Glorot & Bengio (2010), "Understanding the difficulty of training deep
feedforward neural networks". The figures are in :mod:`optviz.render.initplots`.

The pass is the one of :mod:`optviz.nets.layers` (every layer ``a = f(a_prev @ W)``,
``W`` of shape ``(fan_in, fan_out)``); the activations are defined there. Everything is
float64 and seeded: the same arguments give the same arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..util import budget, check
from ..util.errors import ParameterError, unknown
from .layers import backward, check_activation, forward, saturated

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
    if not isinstance(scheme, str) or scheme not in SCHEMES:
        raise unknown("init scheme", scheme, SCHEMES)
    return scheme


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
    gain = check.number_in(gain, "gain", 0, 100.0, open_low=True)
    if not isinstance(rng, np.random.Generator):
        raise ParameterError("rng must be a numpy Generator, e.g. np.random.default_rng(0)")
    shape = (
        check.whole(fan_in, "fan_in", 1, MAX_WIDTH),
        check.whole(fan_out, "fan_out", 1, MAX_WIDTH),
    )
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


def cost(depth: int = 10, width: int = 500, batch: int = 256, schemes: int = 1) -> budget.Cost:
    """What :func:`propagate` takes for ``schemes`` schemes: a forward and backward pass
    of ``batch`` rows through ``depth`` layers of ``width``, every layer's values kept."""
    net = budget.Layers((width,) * (depth + 1))
    values = 8.0 * depth * batch * width
    return budget.Cost(
        f"{schemes} pass(es) of {batch} rows through {depth} layers of {width}",
        budget.BASE_BYTES + 6 * values + 8.0 * depth * width * width,
        schemes * net.step_s(batch),
        "use fewer or narrower layers (--depth, --width) or fewer schemes",
    )


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
    depth = check.whole(depth, "depth", 1, MAX_DEPTH)
    width = check.whole(width, "width", 1, MAX_WIDTH)
    batch = check.whole(batch, "batch", 1, MAX_BATCH)
    gain = check.number_in(gain, "gain", 0, 100.0, open_low=True)
    seed = check.seed(seed)
    if depth * batch * width > MAX_VALUES:
        raise ParameterError(
            f"depth*batch*width = {depth * batch * width:,} is too large; "
            f"at most {MAX_VALUES:,} values are kept"
        )
    budget.check(cost(depth, width, batch))
    data = np.random.default_rng([seed, 0])
    x = data.standard_normal((batch, width))
    upstream = data.standard_normal((batch, width))
    rng = np.random.default_rng([seed, 1])
    weights = [init_weights(scheme, width, width, rng, gain) for _ in range(depth)]

    layers = [{"W": w} for w in weights]  # zero biases: no bias at all
    out, caches = forward(layers, x, activation, linear_output=False)
    weight_grads = backward(layers, caches, upstream, activation, linear_output=False)
    zs, acts = [c["pre"] for c in caches], [c["out"] for c in caches]
    grads = [c["dpre"] for c in caches]
    weight_grads = [g["W"] / batch for g in weight_grads]

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
