"""One cost model: what a request will take, estimated from its inputs before work starts.

Every entry point that can be asked for something large (a race, a basin map, a network
run, an animation, a scene) describes its request as a :class:`Cost` — peak memory in
bytes and the seconds one core would compute — and calls :func:`check`, which refuses in
one line naming the knob to turn. The figures are estimates from the shapes of the arrays
the code keeps and from rates measured on a 2-core machine (``bench/bench_limits.py``
prints the estimate beside the measured time and memory of the largest accepted job of
each kind), so they are cheap and known before anything runs.

Budgets:

* memory: ``OPTVIZ_MEMORY`` (``"8G"``, ``"500M"``, a byte count or a fraction such as
  ``"0.25"`` of the machine's memory); default ``DEFAULT_FRACTION`` of the machine's
  memory, and never more than an address-space limit (``ulimit -v``) in force;
* work: ``OPTVIZ_WORK``, in seconds of one core (``"600"``, ``"10m"``, ``"2h"``); default
  ``MAX_SECONDS``, about a minute, so that what is accepted finishes while someone waits.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import BudgetError

DEFAULT_FRACTION = 0.4
MAX_SECONDS = 60.0
BASE_BYTES = 300e6  # Python, numpy, matplotlib and a figure before any request's arrays
HISTORY_BYTES = 32  # x, y, loss and gradient norm (float64) per start and step
DRAWN = 3.2  # a drawn history: matplotlib keeps about 70 bytes per point in its paths
_SIZE = re.compile(r"^\s*([0-9.]+(?:e[+-]?\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_DURATION = re.compile(r"^\s*([0-9.]+(?:e[+-]?\d+)?)\s*([smh]?)\s*$", re.IGNORECASE)
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}

# Rates: seconds of one core, measured (CPU time) on the project's 2-core machine.
STEP_S = 100e-6  # one step of one optimizer in the numpy runner: the calls, whatever the size
POINT_S = 150e-9  # one start for one step with its history kept
FINAL_POINT_S = 15e-9  # one start for one step when only its end is kept (compiled blocks)
FRAME_S = 8e-3  # one animation frame: restore the background, move the artists, encode
PIXEL_S = 15e-9  # one pixel of one frame
MOVER_S = 0.4e-3  # one optimizer's ball, trail and loss mark in one frame
FIGURE_S = 0.8  # one still figure: build, lay out, save
LEGEND_S = 40e-3  # one optimizer more in a still figure: its path, marks and legend entry
ANATOMY_FRAME_S = 0.4  # one frame of an anatomy walk: the whole figure drawn again
REPLAY_S = 60e-6  # one step of one optimizer replayed and taken apart into its terms
MADD_S = 0.4e-9  # one multiply-add of a layer's matrix product, per row
UNIT_S = 20e-9  # one unit's value per row: bias, batch norm, activation, softmax
LAYER_S = 20e-6  # one layer of one pass: the numpy calls, whatever the size
UPDATE_S = 20e-9  # one parameter of one optimizer update
SOLVE_S = 3e-9  # Newton's (d x d) eigen-solve, per d**3
SVD_S = 2e-9  # a PCA plane's SVD of an (m, d) path matrix, per min(m, d)**2 * max(m, d)


@dataclass(frozen=True)
class Cost:
    """What a request takes: ``memory`` (peak bytes), ``seconds`` (of one core).

    ``what`` describes the request in the user's terms, ``knob`` says what to turn down.
    """

    what: str
    memory: float
    seconds: float
    knob: str


def machine_memory() -> int:
    """Physical memory of this machine in bytes (8 GiB if it cannot be read)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def memory_budget() -> float:
    """Bytes one request may use: ``OPTVIZ_MEMORY`` or a fraction of the machine."""
    text = os.environ.get("OPTVIZ_MEMORY", "").strip()
    budget = _parse_size(text) if text else DEFAULT_FRACTION * machine_memory()
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit != resource.RLIM_INFINITY:
            budget = min(budget, 0.8 * limit)
    except (ImportError, ValueError, OSError):
        pass
    return budget


def work_budget() -> float:
    """Seconds of one core a request may take: ``OPTVIZ_WORK`` or ``MAX_SECONDS``."""
    text = os.environ.get("OPTVIZ_WORK", "").strip()
    if not text:
        return MAX_SECONDS
    match = _DURATION.match(text)
    if not match or not 0 < float(match[1]) < math.inf:
        raise BudgetError(f"OPTVIZ_WORK={text!r} must be a duration like 90, 10m or 2h (> 0)")
    return float(match[1]) * _SECONDS[match[2].lower()]


def _parse_size(text: str, fraction_of: int | None = -1) -> float:
    match = _SIZE.match(text)
    if not match:
        raise BudgetError(f"budget {text!r} must be a size like 8G, 500M or 0.25 (of memory)")
    number, unit = float(match[1]), match[2].lower()
    if number <= 0:
        raise BudgetError(f"budget {text!r} must be larger than 0")
    if number < 1 and not unit and fraction_of is not None:
        return number * machine_memory()  # a fraction of the machine
    return number * _UNITS[unit]


def check(cost: Cost) -> Cost:
    """Return ``cost`` if it fits the budgets; else raise :class:`BudgetError` in one line."""
    memory, seconds = memory_budget(), work_budget()
    if not cost.memory <= memory:  # NaN or inf from absurd inputs is refused too
        raise BudgetError(
            f"{cost.what} would need about {_bytes(cost.memory)} of memory; the budget is "
            f"{_bytes(memory)} (OPTVIZ_MEMORY): {cost.knob}"
        )
    if not cost.seconds <= seconds:
        raise BudgetError(
            f"{cost.what} would take about {duration(cost.seconds)} of computing; the "
            f"budget is {duration(seconds)} (OPTVIZ_WORK): {cost.knob}"
        )
    return cost


def _bytes(n: float) -> str:
    if not math.isfinite(n) or n >= 2**50:
        return "more than a PiB"
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def duration(seconds: float) -> str:
    """``seconds`` as people say it: ``45 s``, ``12 min``, ``3.5 h``, ``40 days``.

    >>> duration(42.2), duration(754), duration(12600), duration(1e9)
    ('42 s', '13 min', '3.5 h', 'more than a year')
    """
    if not math.isfinite(seconds) or seconds > 365 * 86400:
        return "more than a year"
    if seconds < 100:
        return f"{seconds:.0f} s"
    if seconds < 6000:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


# -- the estimates -----------------------------------------------------------------------
def runs(
    n_starts: int, steps: int, n_runs: int = 1, *, drawn: bool = True, kept_state: int = 0
) -> Cost:
    """``n_runs`` runs (a race's optimizers) of ``n_starts`` starts kept for ``steps`` steps.

    Every run keeps its whole history until the race is drawn; ``kept_state``: 2-vectors
    of optimizer state recorded per start and step as well.
    """
    per_point = HISTORY_BYTES + 16 * kept_state
    history = n_runs * n_starts * (steps + 1) * per_point
    return Cost(
        what=f"{_runs(n_runs)}{n_starts} start(s) x {steps} steps",
        memory=BASE_BYTES + history * (DRAWN if drawn else 1.0),
        seconds=float(n_runs) * max(steps, 1) * (STEP_S + n_starts * POINT_S),
        knob="use fewer starts, steps or optimizers (--start, --steps, -O)",
    )


def _runs(n: int) -> str:
    return f"{n} optimizers x " if n > 1 else ""


def final_states(n_points: int, steps: int, n_runs: int, block_bytes: float) -> Cost:
    """Runs that keep only each start's end (basins, sweeps): memory is one block."""
    return Cost(
        what=f"{_runs(n_runs)}{n_points} starts x {steps} steps",
        memory=BASE_BYTES + block_bytes + n_runs * n_points * 64,
        seconds=float(n_runs) * max(steps, 1) * (STEP_S + n_points * FINAL_POINT_S),
        knob="use a coarser grid or fewer steps (--n, --steps)",
    )


def frames(width: int, height: int, n_frames: int, kept: int, movers: int = 1) -> Cost:
    """An animation of ``n_frames`` frames of ``width x height``; ``kept`` frames in memory;
    ``movers``: the balls (optimizers x starts) moving in each frame.

    The GIF, MP4 and PNG-folder writers stream (two frames held); WebP and APNG go
    through Pillow, which holds every frame until it saves.
    """
    pixels = float(width) * height
    return Cost(
        what=f"{n_frames} frames of {width}x{height} pixels",
        memory=BASE_BYTES + kept * pixels * 3 * 2,  # the RGB frame and Pillow's copy
        seconds=n_frames * (FRAME_S + pixels * PIXEL_S + movers * MOVER_S),
        knob="use fewer frames, a smaller size or dpi, or a streamed format (.gif, .mp4)",
    )


def figures(
    n_figures: int, movers: int = 0, what: str = "", knob: str = "render fewer outputs"
) -> Cost:
    """``n_figures`` still figures drawn and saved, each on its own, with ``movers``
    optimizers' paths (and legend entries) each."""
    return Cost(
        what=what or f"{n_figures} figure(s)",
        memory=BASE_BYTES,
        seconds=n_figures * (FIGURE_S + movers * LEGEND_S),
        knob=knob,
    )


def total(what: str, costs: Sequence[Cost], knob: str | None = None) -> Cost:
    """Costs run one after another: their seconds add up, memory is the largest peak.

    The knob is ``knob``, or that of the part that takes longest.
    """
    longest = max(costs, key=lambda c: c.seconds)
    return Cost(
        what=what,
        memory=max(c.memory for c in costs),
        seconds=sum(c.seconds for c in costs),
        knob=knob or longest.knob,
    )


# -- networks ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layers:
    """The shape of a fully connected network: ``widths`` (inputs, hidden..., outputs)."""

    widths: tuple[int, ...]

    @property
    def madds(self) -> int:
        """Multiply-adds of one row through every layer's matrix product."""
        return sum(a * b for a, b in zip(self.widths, self.widths[1:], strict=False))

    @property
    def units(self) -> int:
        return sum(self.widths[1:])

    @property
    def params(self) -> int:
        return self.madds + 2 * self.units  # weights, and at most two vectors per layer

    @property
    def label(self) -> str:
        return "-".join(map(str, self.widths))

    def forward_s(self, rows: float) -> float:
        """Seconds of one forward pass over ``rows`` rows."""
        return rows * (self.madds * MADD_S + self.units * UNIT_S) + len(self.widths) * LAYER_S

    def step_s(self, rows: float) -> float:
        """Seconds of one training step: forward, backward (twice the products), update."""
        return 3 * self.forward_s(rows) + self.params * UPDATE_S

    def pass_bytes(self, rows: float) -> float:
        """Peak bytes of a forward and backward pass over ``rows`` rows (the caches)."""
        return 8 * rows * (4 * self.units + self.widths[0]) + 8 * 8 * self.params


def network(widths: Sequence[int], steps: int, batch: int, kept: int) -> Cost:
    """Training a ``widths[0] -> ... -> widths[-1]`` net for ``steps`` full-batch steps.

    ``kept``: how many snapshots of every weight matrix the result keeps.
    """
    net = Layers(tuple(widths))
    return Cost(
        what=f"a {net.label} network over {steps} steps",
        memory=BASE_BYTES + net.pass_bytes(batch) + 8 * kept * net.params,
        seconds=max(steps, 1) * net.step_s(batch),
        knob="use narrower hidden layers or fewer steps (hidden, steps)",
    )


def newton(widths: Sequence[int], steps: int, batch: int) -> Cost:
    """Newton's extra work in ``steps`` steps: a ``(d, d)`` Hessian from ``2 d`` gradients
    (central differences) and its eigen-solve, every step."""
    net = Layers(tuple(widths))
    d = net.params
    return Cost(
        what=f"Newton's method on a {net.label} network ({d} parameters) over {steps} steps",
        memory=BASE_BYTES + 4 * 8.0 * d * d + net.pass_bytes(batch),
        seconds=max(steps, 1) * (2 * d * net.step_s(batch) + SOLVE_S * float(d) ** 3),
        knob="-O newton takes a Hessian by finite differences every step: use fewer --hidden "
        "units, --points or --steps, or another optimizer",
    )


def evaluations(widths: Sequence[int], points: float, rows: int, block_values: float) -> Cost:
    """The network at ``points`` parameter vectors over ``rows`` rows each (loss grids,
    every step's loss), in batched forward passes of about ``block_values`` values."""
    net = Layers(tuple(widths))
    per_pass = rows * max(net.widths)
    block = max(1, block_values // per_pass)  # vectors per batched pass
    passes = math.ceil(points / block)
    return Cost(
        what=f"the {net.label} network at {points:,.0f} points on {rows} rows",
        memory=BASE_BYTES + 5 * 8.0 * block * per_pass,  # one vector's pass is not split
        seconds=points * (net.forward_s(rows) - len(net.widths) * LAYER_S)
        + passes * len(net.widths) * LAYER_S,
        knob="use a smaller --resolution, fewer --points or narrower --hidden layers",
    )


def pca(n_points: int, dim: int) -> Cost:
    """The SVD of an ``(n_points, dim)`` matrix of weight vectors (a PCA plane)."""
    small, large = sorted((float(n_points), float(dim)))
    return Cost(
        what=f"a PCA of {n_points:,} weight vectors of {dim:,} parameters",
        memory=BASE_BYTES + 8 * (3 * small * large + small * small),
        seconds=SVD_S * small * small * large,
        knob="use fewer --steps or optimizers, narrower --hidden layers, or --plane random",
    )
