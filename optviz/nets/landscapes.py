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
from ..engine.optim import Optimizer
from ..engine.table import Table
from ..util import budget, check
from ..util.display import drawing
from ..util.errors import ParameterError
from .data import Data
from .jobs import MAX_RESOLUTION, LandscapeJob, prepare  # noqa: F401  (MAX_RESOLUTION: public)
from .model import Network
from .plane import Plane, extent, final_plane, pca_plane, random_plane
from .train import NetRun, train


class PlaneSurface:
    """The loss on a plane through weight space, shaped like a :class:`~optviz.Surface`.

    ``f(xy)`` maps plane coordinates ``(..., 2)`` to weight vectors and runs them
    through the network in one batched forward pass per block. ``grid(n)`` always
    returns the plane's own ``resolution`` x ``resolution`` grid, computed once: the
    contours need no more, and every grid point costs a full forward pass.
    """

    dim, is_curve = 2, False  # a plane: two coordinates, never a curve

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
        self._grid = None

    def f(self, xy: Any) -> np.ndarray:
        xy = np.asarray(xy, float)
        thetas = self.plane.point(xy.reshape(-1, 2))
        return self.net.losses(thetas, self.data.x, self.data.y).reshape(xy.shape[:-1])

    def grad(self, xy: Any) -> np.ndarray:
        raise ParameterError("a landscape plane has no gradient field to draw")

    def compute(self, progress=None) -> None:
        """Evaluate the grid now (``progress(done, total)`` per block of points)."""
        if self._grid is None:
            (x0, x1), (y0, y1) = self.domain
            n = self.resolution
            X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
            thetas = self.plane.point(np.stack([X, Y], -1).reshape(-1, 2))
            with np.errstate(all="ignore"):
                Z = self.net.evaluate(thetas, self.data.x, self.data.y, progress)[0]
            self._grid = X, Y, Z.reshape(X.shape)

    def grid(self, n: int = 0):
        self.compute()
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
        return drawing("landscapeplots.plot_landscape")(self, **_titled(kwargs))

    def save(self, path, **kwargs: Any):
        """Write the picture: .png/.svg/.pdf the end state, .gif/.mp4/... an animation."""
        return drawing("landscapeplots.save_landscape")(self, path, **_titled(kwargs))

    def animate(self, **kwargs: Any):
        """An animation (see :func:`optviz.render.landscapeplots.animate_landscape`)."""
        return drawing("landscapeplots.animate_landscape")(self, **_titled(kwargs))

    def __repr__(self) -> str:
        return f"Landscape({self.data.name!r}, {self.labels}, plane={self.plane.kind!r})"


def _titled(look: dict[str, Any]) -> dict[str, Any]:
    """``look`` with its user title checked as every title is (length, math text)."""
    if look.get("title") is not None:
        look["title"] = check.text(look["title"], "title")
    return look


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
    progress=None,
) -> Landscape:
    """Train a network on ``dataset`` with each of ``optimizers`` and slice its landscape.

    ``dataset``: a built-in name (:data:`~optviz.nets.data.DATASETS`, ``n`` points,
    ``noise``), a CSV path or a :class:`~optviz.nets.data.Data`. The network is
    ``inputs -> hidden -> outputs``; ``init`` and ``batchnorm`` may be lists with one
    value per run (the runs then differ by them, not by optimizer). ``batch_size``: None
    for full batch (``sgd`` always uses its own). ``plane``: ``pca`` (through ``origin``:
    ``start`` or ``mean``), ``random`` (seeded by ``plane_seed``, default ``seed``;
    ``bias`` to include biases) or ``final`` (through the start and the end points of
    runs ``ends``). The loss grid has ``resolution`` x ``resolution`` points. The cost is
    checked before any work (:meth:`~optviz.nets.jobs.LandscapeJob.cost`);
    ``progress(what, done, total)`` is called as the work goes.

    >>> ls = landscape("xor", ["gd", "adam"], steps=20, hidden=(4,), n=40, resolution=8)
    >>> ls.params[0].shape, ls.xy[1].shape, ls.plane.directions.shape
    ((21, 22), (21, 2), (2, 22))
    """
    if progress is not None and not callable(progress):
        raise ParameterError("progress must be a function progress(what, done, total)")
    job = prepare(dataset, optimizers, steps=steps, seed=seed, hidden=hidden,
                  activation=activation, init=init, gain=gain, batchnorm=batchnorm,
                  batch_size=batch_size, schedule=schedule, plane=plane, origin=origin,
                  plane_seed=plane_seed, bias=bias, ends=ends, n=n, noise=noise,
                  resolution=resolution)  # fmt: skip
    budget.check(job.cost())
    return run_job(job, progress)


def run_job(job: LandscapeJob, progress=None) -> Landscape:
    """Compute a checked :class:`~optviz.nets.jobs.LandscapeJob`."""
    runs = []
    for i, spec in enumerate(job.runs):
        net = spec.network
        theta0 = net.init(spec.scheme, seed=job.seed, gain=job.gain)
        tick = _ticker(progress, f"training {spec.label} ({i + 1}/{len(job.runs)})")
        runs.append(train(net, job.data, spec.optimizer, theta0, job.steps,
                          batch_size=spec.batch_size, lr_schedule=job.schedule, seed=job.seed,
                          label=spec.label, progress=tick))  # fmt: skip
    planes = _planes(runs, job.plane, job.origin, job.plane_seed, job.bias, job.ends)
    xy = [p.project(r.params) for p, r in zip(planes, runs, strict=True)]
    surfaces = _surfaces(runs, planes, xy, job.data, job.resolution)
    for surface in dict.fromkeys(surfaces):  # the grids now, with progress, not when drawn
        surface.compute(_ticker(progress, "loss on the plane"))
    plane_loss = [s.f(c) for s, c in zip(surfaces, xy, strict=True)]
    options = {"hidden": job.hidden, "activation": job.activation, "steps": job.steps}
    return Landscape(job.data, runs, planes, surfaces, xy, plane_loss, job.seed, options)


def _ticker(progress, what: str):
    """``progress(what, done, total)`` as the ``progress(done, total)`` of one stage."""
    if progress is None:
        return None
    return lambda done, total: progress(what, done, total)


def _planes(runs, kind, origin, seed, bias, ends) -> list[Plane]:
    """One plane for runs of the same network; one per run when their sizes differ."""
    if len({r.network.dim for r in runs}) > 1:
        return [_plane([r], kind, origin, seed, bias, (0, 0)) for r in runs]
    shared = _plane(runs, kind, origin, seed, bias, ends)
    return [shared] * len(runs)


def _plane(runs, kind, origin, seed, bias, ends) -> Plane:
    start = runs[0].params[0]
    if kind == "pca" and all(r.diverged_at == 0 for r in runs):
        kind = "random"  # no path to take directions from: divergence is drawn, not refused
    if kind == "pca":
        return pca_plane([r.params for r in runs], origin)
    if kind == "random":
        return random_plane(runs[0].network, start, seed, bias)
    a, b = ends  # checked by prepare(): two different runs of one network
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
