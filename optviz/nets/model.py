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

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..util import check
from ..util.errors import ParameterError
from .initialization import MAX_WIDTH, check_scheme, init_weights
from .layers import backward, check_activation, cross_entropy, forward, mse

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
        if len(self.sizes) < 2:
            raise ParameterError("a network needs at least an input and an output layer")
        for width in self.sizes:
            check.whole(width, "layer width", 1, MAX_WIDTH)

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
        """``theta`` ``(d,)`` (or ``(m, d)``) as one dict of arrays (views) per layer."""
        out: list[dict[str, np.ndarray]] = [{} for _ in self.sizes[1:]]
        for slot in self.slots:
            out[slot.layer][slot.name] = slot.of(theta)
        return out

    # -- one point ----------------------------------------------------------------------
    def forward(self, theta: np.ndarray, x: np.ndarray, masks=None, keep: bool = True):
        """Outputs on rows ``x`` at ``theta`` ``(d,)`` or ``(m, d)`` and the caches of
        :func:`~optviz.nets.layers.forward` (``masks``: dropout, one per hidden layer)."""
        return forward(self.layers(theta), x, self.activation, masks=masks, keep=keep)

    def loss_and_grad(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray, masks=None):
        """Loss on rows ``(x, y)`` at ``theta`` ``(d,)`` and its gradient ``(d,)``."""
        layers = self.layers(theta)
        out, caches = forward(layers, x, self.activation, masks=masks)
        loss, dout = self.loss(out, y)
        grads = backward(layers, caches, dout, self.activation)
        flat = np.empty(self.dim)
        for slot in self.slots:
            flat[slot.offset : slot.offset + slot.size] = grads[slot.layer][slot.name].ravel()
        return loss, flat

    def loss(self, out: np.ndarray, y: np.ndarray, grad: bool = True):
        """The loss of outputs ``out`` against targets ``y`` (and ``dL/dout`` with ``grad``)."""
        if self.classify:
            return cross_entropy(out, y, grad=grad)
        return mse(out, y, grad=grad)

    # -- many points at once ----------------------------------------------------------------
    def outputs(self, thetas: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Network outputs ``(m, n, out)`` for ``m`` parameter vectors ``(m, d)`` on rows ``x``.

        One batched forward pass (matrix products over the ``m`` axis), no loop over points.
        """
        return self.forward(thetas, x, keep=False)[0]

    def block(self, rows: int) -> int:
        """How many parameter vectors one batched forward pass over ``rows`` rows takes."""
        return max(1, MAX_GRID_VALUES // (rows * max(self.sizes)))

    def losses(self, thetas: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Loss ``(m,)`` at each of ``m`` vectors ``(m, d)``, in blocks of bounded memory."""
        return self.evaluate(thetas, x, y)[0]

    def accuracy(self, thetas: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Share of rows classified right ``(m,)`` (``R^2``-free: NaN for a real target)."""
        return self.evaluate(thetas, x, y)[1]

    def evaluate(self, thetas: np.ndarray, x: np.ndarray, y: np.ndarray, progress=None):
        """Loss and accuracy ``(m,)`` each at ``m`` vectors ``(m, d)``: one batched forward
        pass per block of vectors. ``progress(done, total)`` after each block."""
        thetas = np.atleast_2d(thetas)
        block = self.block(len(x))
        loss, accuracy = np.zeros(len(thetas)), np.full(len(thetas), np.nan)
        for i in range(0, len(thetas), block):
            out = self.outputs(thetas[i : i + block], x)
            loss[i : i + block] = self.loss(out, y, grad=False)
            if self.classify:
                accuracy[i : i + block] = (out.argmax(axis=-1) == y).mean(axis=-1)
            if progress is not None:
                progress(min(i + block, len(thetas)), len(thetas))
        return loss, accuracy


def check_hidden(hidden: Any, least: int = 0, widest: int = MAX_WIDTH) -> tuple[int, ...]:
    """Hidden layer widths: a sequence of ``least`` to :data:`MAX_HIDDEN_LAYERS` whole
    numbers in ``1..widest``, or a one-line :class:`ParameterError`.

    >>> check_hidden(16)
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: hidden must be layer widths like (16,) or (16, 16), not 16
    """
    if isinstance(hidden, str | bytes) or not isinstance(hidden, Sequence):
        raise ParameterError(
            f"hidden must be layer widths like (16,) or (16, 16), not {check._short(hidden)}"
        )
    if not least <= len(hidden) <= MAX_HIDDEN_LAYERS:
        raise ParameterError(
            f"hidden names {len(hidden)} layers; allowed: {least} to {MAX_HIDDEN_LAYERS}"
        )
    return tuple(check.whole(h, "hidden width", 1, widest) for h in hidden)


def network(
    inputs: int, outputs: int, hidden=(16, 16), activation="tanh", batchnorm=False, classify=True
) -> Network:
    """The network ``inputs -> hidden... -> outputs`` (checked), at most
    :data:`MAX_HIDDEN_LAYERS` hidden layers and :data:`MAX_PARAMS` parameters."""
    hidden = check_hidden(hidden)
    net = Network((inputs, *hidden, outputs), activation, bool(batchnorm), bool(classify))
    if net.dim > MAX_PARAMS:
        raise ParameterError(
            f"the network has {net.dim:,} parameters; at most {MAX_PARAMS:,}: "
            "use fewer or narrower hidden layers"
        )
    return net
