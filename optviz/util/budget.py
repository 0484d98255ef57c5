"""One cost model: what a request will take, estimated from its inputs before work starts.

Every entry point that can be asked for something large (a race, a basin map, a network
run, an animation) describes its request as a :class:`Cost` — peak memory in bytes and
work in elementary steps — and calls :func:`check`, which refuses in one line naming the
knob to turn. The figures are estimates from the shapes of the arrays the code keeps, so
they are cheap and known before anything runs.

Budgets:

* memory: ``OPTVIZ_MEMORY`` (``"8G"``, ``"500M"``, a byte count or a fraction such as
  ``"0.25"`` of the machine's memory); default ``DEFAULT_FRACTION`` of the machine's
  memory, and never more than an address-space limit (``ulimit -v``) in force;
* work: ``OPTVIZ_WORK`` (a count of point-steps or pixel-frames); default ``MAX_WORK``,
  hours of computing on one core, so that only absurd requests are refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .errors import BudgetError

DEFAULT_FRACTION = 0.4
MAX_WORK = 1e11
BASE_BYTES = 300e6  # Python, numpy, matplotlib and a figure before any request's arrays
HISTORY_BYTES = 32  # x, y, loss and gradient norm (float64) per start and step
DRAWN = 3.2  # a drawn history: matplotlib keeps about 70 bytes per point in its paths
_SIZE = re.compile(r"^\s*([0-9.]+(?:e[+-]?\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


@dataclass(frozen=True)
class Cost:
    """What a request takes: ``memory`` (peak bytes), ``work`` (elementary steps).

    ``what`` describes the request in the user's terms, ``knob`` says what to turn down.
    """

    what: str
    memory: float
    work: float
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
    """Point-steps (or pixel-frames) one request may take: ``OPTVIZ_WORK`` or ``MAX_WORK``."""
    text = os.environ.get("OPTVIZ_WORK", "").strip()
    return _parse_size(text, fraction_of=None) if text else MAX_WORK


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
    memory, work = memory_budget(), work_budget()
    if cost.memory > memory:
        raise BudgetError(
            f"{cost.what} would need about {_bytes(cost.memory)} of memory; the budget is "
            f"{_bytes(memory)} (OPTVIZ_MEMORY): {cost.knob}"
        )
    if cost.work > work:
        raise BudgetError(
            f"{cost.what} is {cost.work:.2g} steps of work; the budget is {work:.2g} "
            f"(OPTVIZ_WORK): {cost.knob}"
        )
    return cost


def _bytes(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


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
        work=float(n_runs) * n_starts * max(steps, 1),
        knob="use fewer starts, steps or optimizers (--start, --steps, -O)",
    )


def _runs(n: int) -> str:
    return f"{n} optimizers x " if n > 1 else ""


def final_states(n_points: int, steps: int, n_runs: int, block_bytes: float) -> Cost:
    """Runs that keep only each start's end (basins, sweeps): memory is one block."""
    return Cost(
        what=f"{_runs(n_runs)}{n_points} starts x {steps} steps",
        memory=BASE_BYTES + block_bytes + n_runs * n_points * 64,
        work=float(n_runs) * n_points * max(steps, 1),
        knob="use a coarser grid or fewer steps (--n, --steps)",
    )


def network(widths: tuple[int, ...], steps: int, batch: int, kept: int) -> Cost:
    """Training a ``widths[0] -> ... -> widths[-1]`` net for ``steps`` full-batch steps.

    ``kept``: how many snapshots of every weight matrix the result keeps.
    """
    weights = sum(a * b + b for a, b in zip(widths, widths[1:], strict=False))
    activations = batch * sum(widths)
    return Cost(
        what=f"a {'-'.join(map(str, widths))} network over {steps} steps",
        # the weights, their gradients and the update, the cached activations, the snapshots
        memory=BASE_BYTES + 8 * (3 * weights + 4 * activations + kept * weights),
        work=float(steps + 1) * weights,  # parameter updates, like a run's point-steps
        knob="use narrower hidden layers or fewer steps (hidden, steps)",
    )


def frames(width: int, height: int, n_frames: int, kept: int) -> Cost:
    """An animation of ``n_frames`` frames of ``width x height``; ``kept`` frames in memory.

    The GIF, MP4 and PNG-folder writers stream (two frames held); WebP and APNG go
    through Pillow, which holds every frame until it saves.
    """
    pixels = float(width) * height
    return Cost(
        what=f"{n_frames} frames of {width}x{height} pixels",
        memory=BASE_BYTES + kept * pixels * 3 * 2,  # the RGB frame and Pillow's copy
        work=pixels * n_frames,
        knob="use fewer frames, a smaller size or dpi, or a streamed format (.gif, .mp4)",
    )
