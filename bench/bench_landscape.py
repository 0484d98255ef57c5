"""Landscape benchmark: a 16-16 tanh network on moons, 3 optimizers, a 60x60 plane grid.

Run ``python -m bench landscape`` (or ``--quick``). Prints one table:

- ``train``: seconds to train the network with sgd, momentum and adam, 500 steps each
  (full batch except sgd's own mini-batches), recording every weight vector;
- ``plane``: seconds for the PCA plane and the projections of all paths;
- ``grid (batched)``: seconds for the loss at 60 x 60 points of the plane, in batched
  forward passes (:meth:`optviz.nets.model.Network.losses`);
- ``grid (loop)``: the baseline, measured in the same run: a plain Python loop over the
  grid points, one forward pass each (``Network.loss_and_grad``'s forward, the path a
  per-point script would take). Timed on a share of the points and scaled to 3,600;
- the ratio of the two grids, and the total.

``--quick`` trains 100 steps (reported as measured, not scaled).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optviz.nets.data import dataset  # noqa: E402
from optviz.nets.model import network  # noqa: E402
from optviz.nets.plane import pca_plane  # noqa: E402
from optviz.nets.train import train  # noqa: E402

OPTIMIZERS = ("sgd:lr=0.1,batch_size=32", "momentum:lr=0.1", "adam:lr=0.01")
GRID = 60


def _time(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _loop_losses(net, thetas, x, y) -> np.ndarray:
    """The baseline: one forward pass per point, in a Python loop."""
    out = np.empty(len(thetas))
    for i, theta in enumerate(thetas):
        logits, _ = net.forward(theta, x)
        out[i] = net.loss(logits, y)[0]
    return out


def main(quick: bool = False) -> dict:
    steps = 100 if quick else 500
    data = dataset("moons", n=200)
    net = network(2, 2, (16, 16), "tanh")
    theta0 = net.init("xavier_normal", seed=0)
    t_train, runs = _time(lambda: [train(net, data, o, theta0, steps) for o in OPTIMIZERS])
    t_plane, plane = _time(lambda: pca_plane([r.params for r in runs]))
    xy = [plane.project(r.params) for r in runs]
    lo = np.min([c.min(axis=0) for c in xy], axis=0) - 1.0
    hi = np.max([c.max(axis=0) for c in xy], axis=0) + 1.0
    X, Y = np.meshgrid(np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID))
    thetas = plane.point(np.column_stack([X.ravel(), Y.ravel()]))
    t_grid, batched = _time(lambda: net.losses(thetas, data.x, data.y))
    share = 400 if quick else 1200
    t_some, looped = _time(lambda: _loop_losses(net, thetas[:share], data.x, data.y))
    assert np.allclose(looped, batched[:share], rtol=1e-10), "the two grids disagree"
    t_loop = t_some * len(thetas) / share
    row = {
        "steps": steps,
        "params": net.dim,
        "train_s": t_train,
        "plane_s": t_plane,
        "grid_batched_s": t_grid,
        "grid_loop_s": t_loop,
        "ratio": t_loop / t_grid,
        "total_s": t_train + t_plane + t_grid,
    }
    _print(row, quick)
    return row


def _print(r: dict, quick: bool) -> None:
    print(
        f"landscape: moons (200 rows), 2-16-16-2 tanh ({r['params']} parameters), "
        f"3 optimizers x {r['steps']} steps, {GRID}x{GRID} grid" + (" (quick)" if quick else "")
    )
    print(f"{'train':>8} {'plane':>8} {'grid':>10} {'grid loop':>10} {'ratio':>8} {'total':>8}")
    print(f"{'s':>8} {'s':>8} {'batched s':>10} {'s':>10} {'':>8} {'s':>8}")
    print(
        f"{r['train_s']:>8.2f} {r['plane_s']:>8.3f} {r['grid_batched_s']:>10.3f} "
        f"{r['grid_loop_s']:>10.2f} {r['ratio']:>7.1f}x {r['total_s']:>8.2f}"
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
