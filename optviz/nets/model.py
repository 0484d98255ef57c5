"""A fully connected network whose parameters are one flat vector.

An optimizer sees a network as a point ``theta`` in ``R^d``; this module maps that
point to layers and back. Layer ``i`` computes ``z = a @ W + b`` with ``W`` of shape
``(fan_in, fan_out)``; with batch normalization a hidden layer holds ``gamma`` and
``beta`` instead of ``b`` (the bias would be subtracted away by the batch mean). The
vector stores, layer by layer, ``W`` (row-major), then ``b`` or ``gamma, beta``.

Batch normalization always uses the statistics of the batch it is given (training
mode): the loss of a point ``theta`` is the loss of one full-batch forward pass, as the
optimizer would see it. Losses: cross-entropy over softmax logits for classes (torch's
``CrossEntropyLoss``), mean squared error for a real target (torch's ``MSELoss``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..util import check
from ..util.errors import ParameterError
from .initialization import (
    activate,
    check_activation,
    check_scheme,
    init_weights,
)
from .mlp import _cross_entropy, _mlp_backward, _mlp_forward, _mse

BN_EPS = 1e-5  # torch.nn.BatchNorm1d's default
MAX_PARAMS = 1_000_000
MAX_HIDDEN_LAYERS = 16
MAX_GRID_VALUES = 4_000_000  # points x rows x widest layer per block of a batched forward


@dataclass(frozen=True)
class Slot:
    """Where one parameter array lives in the flat vector."""

    layer: int
    name: str  # "W", "b", "gamma" or "beta"
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def of(self, theta: np.ndarray) -> np.ndarray:
        """This array as a view of ``theta`` ``(..., d)`` -> ``(..., *shape)``."""
        part = theta[..., self.offset : self.offset + self.size]
        return part.reshape(*theta.shape[:-1], *self.shape)


@dataclass(frozen=True)
class Network:
    """Layer widths ``sizes`` (inputs, hidden..., outputs), activation, batch norm."""

    sizes: tuple[int, ...]
    activation: str = "tanh"
    batchnorm: bool = False
    classify: bool = True

    def __post_init__(self):
        check_activation(self.activation)
        if len(self.sizes) < 2 or len(self.sizes) > MAX_HIDDEN_LAYERS + 2:
            raise ParameterError(f"a network has 0 to {MAX_HIDDEN_LAYERS} hidden layers")
        for width in self.sizes:
            check.whole(width, "layer width", 1, 4096)
        if self.dim > MAX_PARAMS:
            raise ParameterError(
                f"the network has {self.dim:,} parameters; at most {MAX_PARAMS:,}: "
                "use fewer or narrower hidden layers"
            )

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        slots, offset = [], 0
        last = len(self.sizes) - 2
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True)):
            names = ("gamma", "beta") if self.batchnorm and i < last else ("b",)
            for name, shape in (("W", (fan_in, fan_out)), *((n, (fan_out,)) for n in names)):
                slots.append(Slot(i, name, shape, offset))
                offset += int(np.prod(shape))
        return tuple(slots)

    @property
    def dim(self) -> int:
        """``d``, the number of parameters."""
        return sum(slot.size for slot in self.slots)

    @property
    def label(self) -> str:
        hidden = "-".join(map(str, self.sizes[1:-1])) or "linear"
        return f"{hidden} {self.activation}" + (" + batch norm" if self.batchnorm else "")

    # -- parameters -------------------------------------------------------------------
    def init(self, scheme: str = "xavier_normal", seed: int = 0, gain: float = 1.0) -> np.ndarray:
        """A starting vector: weights from ``scheme``, biases and ``beta`` 0, ``gamma`` 1.

        Layers draw in order from one generator seeded by ``seed``, so the same
        arguments give the same vector.
        """
        check_scheme(scheme)
        gain = check.number_in(gain, "gain", 0, 100.0, open_low=True)
        rng = np.random.default_rng([check.seed(seed), 1])
        theta = np.zeros(self.dim)
        for slot in self.slots:
            if slot.name == "W":
                slot.of(theta)[...] = init_weights(scheme, *slot.shape, rng, gain)
            elif slot.name == "gamma":
                slot.of(theta)[...] = 1.0
        return theta

    def layers(self, theta: np.ndarray) -> list[dict[str, np.ndarray]]:
        """``theta`` ``(d,)`` as one dict of arrays (views) per layer."""
        out: list[dict[str, np.ndarray]] = [{} for _ in self.sizes[1:]]
        for slot in self.slots:
            out[slot.layer][slot.name] = slot.of(theta)
        return out

    # -- one point ----------------------------------------------------------------------
    def loss_and_grad(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray):
        """Loss on rows ``(x, y)`` at ``theta`` ``(d,)`` and its gradient ``(d,)``."""
        layers = self.layers(theta)
        out, caches = _mlp_forward(layers, x, self.activation, BN_EPS)
        loss, dout = self._loss(out, y)
        grads = _mlp_backward(layers, caches, dout, self.activation)
        flat = np.empty(self.dim)
        for slot in self.slots:
            flat[slot.offset : slot.offset + slot.size] = grads[slot.layer][slot.name].ravel()
        return loss, flat

    def _loss(self, out: np.ndarray, y: np.ndarray):
        if self.classify:
            return _cross_entropy(out, y)
        return _mse(out, y[:, None])

    # -- many points at once ----------------------------------------------------------------
    def outputs(self, thetas: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Network outputs ``(m, n, out)`` for ``m`` parameter vectors ``(m, d)`` on rows ``x``.

        One batched forward pass (matrix products over the ``m`` axis), no loop over points.
        """
        a = np.broadcast_to(x, (len(thetas), *x.shape))
        last = len(self.sizes) - 2
        for i, layer in enumerate(self.layers_many(thetas)):
            z = a @ layer["W"]
            if "gamma" in layer:
                mean = z.mean(axis=1, keepdims=True)
                var = z.var(axis=1, keepdims=True)
                z = layer["gamma"][:, None] * (z - mean) / np.sqrt(var + BN_EPS)
                z = z + layer["beta"][:, None]
            else:
                z = z + layer["b"][:, None]
            a = activate(self.activation, z) if i < last else z
        return a

    def layers_many(self, thetas: np.ndarray) -> list[dict[str, np.ndarray]]:
        out: list[dict[str, np.ndarray]] = [{} for _ in self.sizes[1:]]
        for slot in self.slots:
            out[slot.layer][slot.name] = slot.of(thetas)
        return out

    def losses(self, thetas: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Loss ``(m,)`` at each of ``m`` vectors ``(m, d)``, in blocks of bounded memory."""
        thetas = np.atleast_2d(thetas)
        block = max(1, MAX_GRID_VALUES // (len(x) * max(self.sizes)))
        parts = [self._losses(thetas[i : i + block], x, y) for i in range(0, len(thetas), block)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _losses(self, thetas, x, y):
        out = self.outputs(thetas, x)
        if not self.classify:
            return np.mean((out[..., 0] - y) ** 2, axis=1)
        shifted = out - out.max(axis=2, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
        return -np.take_along_axis(logp, y[None, :, None], axis=2)[..., 0].mean(axis=1)

    def accuracy(self, thetas: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Share of rows classified right ``(m,)`` (``R^2``-free: NaN for a real target)."""
        thetas = np.atleast_2d(thetas)
        if not self.classify:
            return np.full(len(thetas), np.nan)
        return (self.outputs(thetas, x).argmax(axis=2) == y).mean(axis=1)


def network(
    inputs: int, outputs: int, hidden=(16, 16), activation="tanh", batchnorm=False, classify=True
) -> Network:
    """The network ``inputs -> hidden... -> outputs`` (checked)."""
    hidden = tuple(hidden)
    return Network((inputs, *hidden, outputs), activation, bool(batchnorm), bool(classify))
