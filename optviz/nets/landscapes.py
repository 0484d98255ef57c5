"""Real networks raced on a 2-D slice of their loss landscape.

:func:`landscape` trains one network per optimizer (same data, same start unless told
otherwise), chooses a plane through weight space (:mod:`optviz.nets.plane`), projects
every path onto it and evaluates the loss on a grid over the plane in batched forward
passes. The result draws with the same renderer as every race: the plane is wrapped
as a surface (:class:`PlaneSurface`) and each run as a trajectory whose positions are
the projections of the true weights and whose loss is the true training loss.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..catalog.library import View
from ..engine.optim import Optimizer, as_optimizers
from ..engine.table import Table
from ..util import check
from ..util.display import drawing
from ..util.errors import ParameterError, unknown
from .data import DATASETS, Data, load_csv
from .data import dataset as make_dataset
from .initialization import LABELS, check_scheme
from .model import Network, network
from .plane import PLANES, Plane, extent, final_plane, pca_plane, random_plane
from .train import NetRun, train

MAX_RESOLUTION = 400


class PlaneSurface:
    """The loss on a plane through weight space, shaped like a :class:`~optviz.Surface`.

    ``f(xy)`` maps plane coordinates ``(..., 2)`` to weight vectors and runs them
    through the network in one batched forward pass per block. ``grid(n)`` always
    returns the plane's own ``resolution`` x ``resolution`` grid, computed once: the
    contours need no more, and every grid point costs a full forward pass.
    """

    def __init__(self, net: Network, data: Data, plane: Plane, domain, resolution: int, title):
        self.net, self.data, self.plane = net, data, plane
        self.domain = np.asarray(domain, float)
        self.resolution = resolution
        self.name = data.name
        self.title = title
        self.view = View(log_levels=True, levels=24)
        self.minima = np.zeros((0, 2))
        self.minima_values = np.zeros(0)
        self.starts = np.zeros((0, 2))
        self.min_value = None
        self.axis_labels = _axis_labels(plane)

    def f(self, xy: Any) -> np.ndarray:
        xy = np.asarray(xy, float)
        thetas = self.plane.point(xy.reshape(-1, 2))
        return self.net.losses(thetas, self.data.x, self.data.y).reshape(xy.shape[:-1])

    def grad(self, xy: Any) -> np.ndarray:
        raise ParameterError("a landscape plane has no gradient field to draw")

    @functools.cached_property
    def _grid(self):
        (x0, x1), (y0, y1) = self.domain
        n = self.resolution
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        with np.errstate(all="ignore"):
            Z = self.f(np.stack([X, Y], -1))
        return X, Y, Z

    def grid(self, n: int = 0):
        return self._grid

    @property
    def span(self) -> float:
        return float(np.hypot(*np.ptp(self.domain, axis=1)))

    @property
    def n_samples(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"PlaneSurface({self.name!r}, {self.plane.kind})"


def _axis_labels(plane: Plane) -> tuple[str, str]:
    if plane.kind == "pca":
        return "PC1", "PC2"
    if plane.kind == "random":
        return "direction 1", "direction 2"
    return "toward end 1", "toward end 2"


@dataclass(frozen=True, eq=False)
class Landscape:
    """Runs of real networks and the plane they are drawn on.

    Per run ``k`` in the order given: ``params[k]`` ``(steps + 1, d)``, ``loss[k]`` and
    ``accuracy[k]`` ``(steps + 1,)`` (full training set), ``xy[k]`` ``(steps + 1, 2)``
    (the least-squares projection of ``params[k]`` onto the plane), ``plane_loss[k]``
    (the loss on the plane at ``xy[k]``: what the contours under the ball say).
    ``planes[k]`` is the plane of run ``k``: one plane shared by all runs when their
    networks have the same parameters, else one per run (``plane`` is the first).
    """

    data: Data
    runs: list[NetRun]
    planes: list[Plane]
    surfaces: list[PlaneSurface]
    xy: list[np.ndarray]
    plane_loss: list[np.ndarray]
    seed: int = 0
    options: dict = field(default_factory=dict)

    @property
    def plane(self) -> Plane:
        return self.planes[0]

    @property
    def shared(self) -> bool:
        """Do all runs share one plane (and so one picture)?"""
        return all(p is self.planes[0] for p in self.planes)

    @property
    def params(self) -> list[np.ndarray]:
        return [r.params for r in self.runs]

    @property
    def loss(self) -> list[np.ndarray]:
        return [r.loss for r in self.runs]

    @property
    def accuracy(self) -> list[np.ndarray]:
        return [r.accuracy for r in self.runs]

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.runs]

    @functools.cached_property
    def race(self):
        """The runs as a :class:`~optviz.Race` on the plane, for the renderer."""
        from ..engine.runner import Race, Trajectory

        trajs = []
        for run, surface, xy in zip(self.runs, self.surfaces, self.xy, strict=True):
            never = np.array(-1)
            trajs.append(
                Trajectory(
                    surface=surface,
                    optimizer=run.optimizer,
                    xy=xy,
                    loss=run.loss,
                    grad_norm=np.full(len(run.loss), np.nan),
                    lr=run.lr,
                    diverged_at=np.array(run.diverged_at),
                    converged_at=never,
                    seed=self.seed,
                    label=run.label,
                )
            )
        return Race(self.surfaces[0], trajs)

    def table(self) -> Table:
        """One row per run: final training loss and accuracy, the plane's loss there, and
        how far the final weights are from the plane (0: the run stayed on it). A
        :class:`optviz.engine.table.Table`, as a race's: aligned text, HTML, CSV."""
        rows = []
        for run, xy, plane, gap in zip(self.runs, self.xy, self.planes, self.plane_loss,
                                       strict=True):  # fmt: skip
            off = float(np.linalg.norm(run.params[-1] - plane.point(xy[-1])))
            rows.append(
                {
                    "optimizer": run.label,
                    "lr": float(run.optimizer.lr),
                    "batch_size": run.batch_size,
                    "final_loss": float(run.loss[-1]),
                    "final_accuracy": float(run.accuracy[-1]),
                    "plane_loss": float(gap[-1]),
                    "off_plane": off,
                    "diverged_at": None if run.diverged_at < 0 else int(run.diverged_at),
                }
            )
        return Table(rows)

    def plot(self, **kwargs: Any):
        """The landscape, paths, loss panel and decision boundaries as one figure
        (see :func:`optviz.render.landscapeplots.plot_landscape`)."""
        return drawing("landscapeplots.plot_landscape")(self, **kwargs)

    def save(self, path, **kwargs: Any):
        """Write the picture: .png/.svg/.pdf the end state, .gif/.mp4/... an animation."""
        return drawing("landscapeplots.save_landscape")(self, path, **kwargs)

    def animate(self, **kwargs: Any):
        """An animation (see :func:`optviz.render.landscapeplots.animate_landscape`)."""
        return drawing("landscapeplots.animate_landscape")(self, **kwargs)

    def __repr__(self) -> str:
        return f"Landscape({self.data.name!r}, {self.labels}, plane={self.plane.kind!r})"


def _per_run(name: str, value, n: int) -> list:
    """A setting for every run: one value for all, or a list with one per run."""
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ParameterError(f"{name} lists {len(value)} values for {n} runs; give one or {n}")
        return list(value)
    return [value] * n


def _data(source, n: int, noise, seed: int) -> Data:
    if isinstance(source, Data):
        return source
    if not isinstance(source, str):
        raise ParameterError(f"dataset must be a name ({', '.join(DATASETS)}) or a CSV path")
    if source in DATASETS:
        return make_dataset(source, n=n, noise=noise, seed=seed)
    if source.lower().endswith(".csv"):
        return load_csv(source)
    raise unknown("dataset", source, DATASETS)


def landscape(
    dataset: str | Data = "moons",
    optimizers: Sequence[str | Optimizer] | str = ("sgd", "momentum", "adam"),
    *,
    steps: int = 300,
    seed: int = 0,
    hidden: Sequence[int] = (16, 16),
    activation: str = "tanh",
    init: str | Sequence[str] = "xavier_normal",
    gain: float = 1.0,
    batchnorm: bool | Sequence[bool] = False,
    batch_size: int | None = None,
    schedule=None,
    plane: str = "pca",
    origin: str = "start",
    plane_seed: int | None = None,
    bias: bool = False,
    ends: tuple[int, int] = (0, 1),
    n: int = 200,
    noise: float | None = None,
    resolution: int = 60,
) -> Landscape:
    """Train a network on ``dataset`` with each of ``optimizers`` and slice its landscape.

    ``dataset``: a built-in name (:data:`~optviz.nets.data.DATASETS`, ``n`` points,
    ``noise``) or a CSV path. The network is ``inputs -> hidden -> outputs``; ``init``
    and ``batchnorm`` may be lists with one value per run (the runs then differ by
    them, not by optimizer). ``batch_size``: None for full batch (``sgd`` always uses
    its own). ``plane``: ``pca`` (through ``origin``: ``start`` or ``mean``),
    ``random`` (seeded by ``plane_seed``, default ``seed``; ``bias`` to include biases)
    or ``final`` (through the start and the end points of runs ``ends``). The loss grid
    has ``resolution`` x ``resolution`` points.

    >>> ls = landscape("xor", ["gd", "adam"], steps=20, hidden=(4,), n=40, resolution=8)
    >>> ls.params[0].shape, ls.xy[1].shape, ls.plane.directions.shape
    ((21, 22), (21, 2), (2, 22))
    """
    specs = [optimizers] if isinstance(optimizers, str | Optimizer) else list(optimizers)
    if not specs:
        raise ParameterError("landscape needs at least one optimizer")
    opts = as_optimizers(specs)
    k = len(opts)
    seed = check.seed(seed)
    if plane not in PLANES:
        raise unknown("plane", plane, PLANES)
    resolution = check.whole(resolution, "resolution", 4, MAX_RESOLUTION)
    data = _data(dataset, n, noise, seed)
    inits = [check_scheme(s) for s in _per_run("init", init, k)]
    bns = [bool(b) for b in _per_run("batchnorm", batchnorm, k)]
    hidden = tuple(check.whole(h, "hidden width", 1, 4096) for h in hidden)
    runs = []
    for opt, scheme, bn in zip(opts, inits, bns, strict=True):
        net = network(data.x.shape[1], data.outputs, hidden, activation, bn, bool(data.classes))
        label = _label(opt, scheme, bn, inits, bns)
        theta0 = net.init(scheme, seed=seed, gain=gain)
        runs.append(train(net, data, opt, theta0, steps, batch_size=batch_size,
                          lr_schedule=schedule, seed=seed, label=label))  # fmt: skip
    planes = _planes(runs, plane, origin, seed if plane_seed is None else plane_seed, bias, ends)
    xy = [p.project(r.params) for p, r in zip(planes, runs, strict=True)]
    surfaces = _surfaces(runs, planes, xy, data, resolution)
    plane_loss = [s.f(c) for s, c in zip(surfaces, xy, strict=True)]
    options = {"hidden": hidden, "activation": activation, "steps": steps}
    return Landscape(data, runs, planes, surfaces, xy, plane_loss, seed, options)


def _label(opt: Optimizer, scheme: str, bn: bool, inits: list, bns: list) -> str:
    label = opt.label
    if len(set(inits)) > 1:
        label += f" · {LABELS[scheme]}"
    if len(set(bns)) > 1:
        label += " · batch norm" if bn else " · no batch norm"
    return label


def _planes(runs, kind, origin, seed, bias, ends) -> list[Plane]:
    """One plane for runs of the same network; one per run when their sizes differ."""
    if len({r.network.dim for r in runs}) > 1:
        return [_plane([r], kind, origin, seed, bias, (0, 0)) for r in runs]
    shared = _plane(runs, kind, origin, seed, bias, ends)
    return [shared] * len(runs)


def _plane(runs, kind, origin, seed, bias, ends) -> Plane:
    start = runs[0].params[0]
    if kind == "pca":
        return pca_plane([r.params for r in runs], origin)
    if kind == "random":
        return random_plane(runs[0].network, start, seed, bias)
    a, b = ends
    if len(runs) < 2 or a == b:
        raise ParameterError("--plane final needs two runs to go through their end points")
    for i in (a, b):
        if not 0 <= i < len(runs):
            raise ParameterError(f"plane end {i} is not a run; runs are 0..{len(runs) - 1}")
    return final_plane(start, runs[a].params[-1], runs[b].params[-1])


def _surfaces(runs, planes, xy, data, resolution) -> list[PlaneSurface]:
    """One surface per distinct plane, its window covering every path drawn on it."""
    made: dict[int, PlaneSurface] = {}
    out = []
    for run, plane in zip(runs, planes, strict=True):
        if id(plane) not in made:
            on = [c for c, p in zip(xy, planes, strict=True) if p is plane]
            title = f"{data.name}: {run.network.label}"
            made[id(plane)] = PlaneSurface(
                run.network, data, plane, extent(on, plane), resolution, title
            )
        out.append(made[id(plane)])
    return out
