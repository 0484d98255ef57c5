"""The symmetry experiment: equal neurons stay equal.

:func:`symmetry_run` trains a small net from a zero / constant / random init with the
engine's gradient descent and keeps every weight at every step. The network is a
:class:`~optviz.nets.model.Network` (one flat parameter vector), so its forward and
backward pass are those of :mod:`optviz.nets.layers`, like every other net here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.optim import optimizer
from ..util import budget, check
from .initialization import check_scheme
from .layers import check_activation
from .model import Network, check_hidden

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
    n = check.whole(n, "n", 1, 100_000)
    rng = np.random.default_rng([check.seed(seed), 2])
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
    hidden = check_hidden(hidden, least=1)
    steps = check.whole(steps, "steps", 0, 100_000)
    lr = check.number_in(lr, "lr", 0, 100.0, open_low=True)
    seed = check.seed(seed)
    x, y = toy_regression(seed=seed)
    widths = (2, *hidden, 1)
    # every weight matrix is kept at every step: check that before allocating any of it
    budget.check(budget.network(widths, steps, len(x), kept=steps + 1))
    net = Network(widths, activation, classify=False)
    theta = net.init(scheme, seed=seed)
    gd = optimizer("gd", lr=lr)
    state = gd.init(theta)
    kernels = [slot for slot in net.slots if slot.name == "W"]
    # written in place, step by step: no list of copies stacked into a second array
    history = [np.empty((steps + 1, *slot.shape)) for slot in kernels]
    losses = np.empty(steps + 1)
    for t in range(steps + 1):
        for slot, h in zip(kernels, history, strict=True):
            h[t] = slot.of(theta)
        losses[t], grad = net.loss_and_grad(theta, x, y[:, 0])
        if t < steps:
            theta, state = gd.step(theta, grad, state, lr, t + 1)
    return SymmetryRun(scheme=scheme, activation=activation, weights=tuple(history), loss=losses)
