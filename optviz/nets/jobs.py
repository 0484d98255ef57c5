"""A landscape request, checked and costed before any network trains.

:func:`prepare` turns the arguments of :func:`optviz.nets.landscape` into a
:class:`LandscapeJob`: the data, one network and optimizer per run, the plane and the
grid, every value checked (a user mistake is one :class:`~optviz.util.errors.OptvizError`
line, whatever the argument's type). :meth:`LandscapeJob.cost` estimates the whole job
with the one cost model (:mod:`optviz.util.budget`): training (parameters x rows x steps
x optimizers, Newton's Hessian by finite differences), the loss at every step, the PCA,
the plane's loss grid and, if asked, the decision maps of an animation's frames. The
command line checks it before anything starts, so an oversized request is refused in one
line naming the knob to turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine.optim import Optimizer, as_optimizers
from ..engine.scheduling import Schedule, schedule
from ..util import budget, check
from ..util.errors import ParameterError, unknown
from .data import DATASETS, Data, load_csv
from .data import dataset as make_dataset
from .initialization import LABELS, SCHEMES
from .layers import ACTIVATIONS
from .model import MAX_GRID_VALUES, Network, check_hidden, network
from .plane import ORIGINS, PLANES
from .train import MAX_STEPS, batch_size_of

MAX_RESOLUTION = 400
MAX_RUNS = 8  # runs in one landscape: each gets a panel of decision regions, and a style


@dataclass(frozen=True)
class RunSpec:
    """One run of a landscape: its optimizer, network, init scheme, label, batch size."""

    optimizer: Optimizer
    network: Network
    scheme: str
    label: str
    batch_size: int


@dataclass(frozen=True, eq=False)
class LandscapeJob:
    """A checked landscape request (see :func:`prepare`);
    :func:`optviz.nets.landscapes.run_job` computes it."""

    data: Data
    runs: tuple[RunSpec, ...]
    steps: int
    seed: int
    gain: float
    schedule: Schedule | None
    plane: str
    origin: str
    plane_seed: int
    bias: bool
    ends: tuple[int, int]
    resolution: int
    hidden: tuple[int, ...]
    activation: str

    @property
    def shared(self) -> bool:
        """Do the runs share one plane (their networks have the same parameters)?"""
        return len({r.network.dim for r in self.runs}) == 1

    def cost(self, frames: int = 0, frame_rows: int = 0) -> budget.Cost:
        """The whole job's cost; ``frames`` animation frames that each evaluate every run's
        network on ``frame_rows`` rows (its decision regions) are added when given."""
        k, steps, rows = len(self.runs), self.steps, len(self.data)
        parts = []
        for r in self.runs:
            widths = r.network.sizes
            parts.append(budget.network(widths, steps, r.batch_size, kept=steps + 1))
            if r.optimizer.uses_hessian:
                parts.append(budget.newton(widths, steps, r.batch_size))
            # the loss and accuracy at every step, and the plane's loss under the ball
            parts.append(budget.evaluations(widths, 2 * (steps + 1), rows, MAX_GRID_VALUES))
        every = [r.network for r in self.runs]
        for on_plane in [every] if self.shared else [[n] for n in every]:
            net = on_plane[0]
            if self.plane == "pca":
                parts.append(budget.pca(len(on_plane) * (steps + 1), net.dim))
            parts.append(budget.evaluations(net.sizes, self.resolution**2, rows, MAX_GRID_VALUES))
        if frames:
            maps = budget.evaluations(self.runs[0].network.sizes, frames * k, frame_rows, 0)
            knob = "use fewer frames (--fps, --duration) or a .png, fewer -O or narrower --hidden"
            parts.append(budget.Cost(maps.what, maps.memory, maps.seconds, knob))
        history = sum(8.0 * (steps + 1) * r.network.dim for r in self.runs)
        total = budget.total(self.describe(frames), parts)
        return budget.Cost(total.what, total.memory + history, total.seconds, total.knob)

    def describe(self, frames: int = 0) -> str:
        net = self.runs[0].network
        runs = f"{len(self.runs)} runs" if len(self.runs) > 1 else "1 run"
        text = (
            f"a landscape of {runs} x {self.steps} steps of a {'-'.join(map(str, net.sizes))} "
            f"network ({net.dim:,} parameters) on {len(self.data):,} rows, "
            f"{self.resolution}x{self.resolution} grid"
        )
        return text + (f", {frames} frames" if frames else "")


def prepare(
    dataset: str | Data = "moons",
    optimizers: Any = ("sgd", "momentum", "adam"),
    *,
    steps: int = 300,
    seed: int = 0,
    hidden: Any = (16, 16),
    activation: str = "tanh",
    init: str | Sequence[str] = "xavier_normal",
    gain: float = 1.0,
    batchnorm: bool | Sequence[bool] = False,
    batch_size: int | None = None,
    schedule: Any = None,
    plane: str = "pca",
    origin: str = "start",
    plane_seed: int | None = None,
    bias: bool = False,
    ends: Any = (0, 1),
    n: int = 200,
    noise: float | None = None,
    resolution: int = 60,
) -> LandscapeJob:
    """Check every argument of :func:`optviz.nets.landscape` and build the job (no work)."""
    opts = as_optimizers(optimizers)
    if not opts:
        raise ParameterError("landscape needs at least one optimizer")
    if len(opts) > MAX_RUNS:
        raise ParameterError(
            f"{len(opts)} optimizers; a landscape shows at most {MAX_RUNS} runs (-O)"
        )
    k = len(opts)
    seed = check.seed(seed)
    steps = check.whole(steps, "steps", 0, MAX_STEPS)
    _name(plane, "plane", PLANES)
    _name(origin, "plane origin", ORIGINS)
    resolution = check.whole(resolution, "resolution", 4, MAX_RESOLUTION)
    plane_seed = seed if plane_seed is None else check.seed(plane_seed)
    gain = check.number_in(gain, "gain", 0, 100.0, open_low=True)
    if batch_size is not None:
        batch_size = check.whole(batch_size, "batch_size", 1, 10**9)
    hidden = check_hidden(hidden)
    _name(activation, "activation", ACTIVATIONS)
    ends = _ends(ends, k) if plane == "final" else (0, 1)
    data = _data(dataset, n, noise, seed)
    inits = [_name(s, "init scheme", SCHEMES) for s in _per_run("init", init, k)]
    bns = [_flag(b, "batchnorm") for b in _per_run("batchnorm", batchnorm, k)]
    if plane == "final" and len(set(bns)) > 1:
        raise ParameterError("--plane final needs runs of one network (the same batchnorm)")
    if plane == "pca" and origin == "ends" and len(set(bns)) == 1 and k > 3:
        raise ParameterError(
            f"--origin ends: a plane holds at most three runs' end points, not {k}; "
            "use --origin mean or start"
        )
    runs = []
    for opt, scheme, bn in zip(opts, inits, bns, strict=True):
        net = network(data.x.shape[1], data.outputs, hidden, activation, bn, bool(data.classes))
        label = _label(opt, scheme, bn, inits, bns)
        runs.append(RunSpec(opt, net, scheme, label, batch_size_of(opt, batch_size, len(data))))
    return LandscapeJob(
        data=data,
        runs=tuple(runs),
        steps=steps,
        seed=seed,
        gain=gain,
        schedule=_schedule(schedule),
        plane=plane,
        origin=origin,
        plane_seed=plane_seed,
        bias=_flag(bias, "bias"),
        ends=ends,
        resolution=resolution,
        hidden=hidden,
        activation=activation,
    )


def _name(value: Any, what: str, known: Sequence[str]) -> str:
    if not isinstance(value, str):
        _not_text(what)
    if value not in known:
        raise unknown(what, value, known)
    return value


def _not_text(what: str):
    raise ParameterError(f"{what} must be a name (text)")


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool | int) or value not in (0, 1):
        raise ParameterError(f"{what} must be true or false, not {check._short(value)}")
    return bool(value)


def _ends(ends: Any, runs: int) -> tuple[int, int]:
    """The two runs whose end points a ``final`` plane goes through."""
    if runs < 2:
        raise ParameterError("--plane final needs two runs to go through their end points")
    if isinstance(ends, str | bytes) or not isinstance(ends, Sequence) or len(ends) != 2:
        raise ParameterError(f"ends must be two run numbers like (0, 1), not {check._short(ends)}")
    a, b = (check.whole(e, "plane end", 0, max(runs - 1, 0)) for e in ends)
    if a == b:
        raise ParameterError("ends must name two different runs")
    return a, b


def _schedule(value: Any) -> Schedule | None:
    return schedule(value)


def _per_run(name: str, value: Any, n: int) -> list:
    """A setting for every run: one value for all, or a list with one per run."""
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ParameterError(f"{name} lists {len(value)} values for {n} runs; give one or {n}")
        return list(value)
    return [value] * n


def _data(source: Any, n: Any, noise: Any, seed: int) -> Data:
    if isinstance(source, Data):
        return source
    if not isinstance(source, str):
        raise ParameterError(f"dataset must be a name ({', '.join(DATASETS)}) or a CSV path")
    if source in DATASETS:
        return make_dataset(source, n=n, noise=noise, seed=seed)
    if source.lower().endswith(".csv"):
        return load_csv(source)
    raise unknown("dataset", source, DATASETS)


def _label(opt: Optimizer, scheme: str, bn: bool, inits: list, bns: list) -> str:
    label = opt.label
    if len(set(inits)) > 1:
        label += f" · {LABELS[scheme]}"
    if len(set(bns)) > 1:
        label += " · batch norm" if bn else " · no batch norm"
    return label


def frames_of(fps: float, duration: float, still: bool) -> int:
    """The frames an animation of ``duration`` seconds at ``fps`` computes (1 for a still)."""
    return 1 if still else max(1, math.ceil(fps * duration))
