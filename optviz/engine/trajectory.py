"""What runs give: a :class:`Trajectory` per optimizer, a :class:`Race` of them, and the
:class:`FinalState` of a run that keeps only where its starts ended.

Both hold data; their ``plot``/``animate`` methods and notebook previews reach the
drawing layer through :mod:`optviz.util.display`.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..catalog import Surface
from ..util.display import Preview, drawing
from ..util.errors import ParameterError
from .noise import Noise
from .optim import Optimizer
from .problem import EvaluationLog, Evaluations
from .scheduling import Schedule
from .table import Table, race_table

NEVER = -1  # marker in diverged_at / converged_at


@dataclass(frozen=True, eq=False)
class Trajectory(Preview):
    """What one optimizer did from one or many starts.

    ``xy``: ``(steps+1, 2)`` for one start or ``(steps+1, n, 2)`` for n starts (on a
    curve the last axis has length 1: ``(steps+1, 1)`` or ``(steps+1, n, 1)``);
    ``loss`` and ``grad_norm``: ``(steps+1,)`` / ``(steps+1, n)``; ``lr``: ``(steps,)``,
    the rate used by each step; ``diverged_at`` / ``converged_at``: the step index per
    start (``-1``: never), shaped ``()`` or ``(n,)``.

    ``state`` (``run(..., keep_state=True)``; otherwise ``None``): the optimizer's state
    under torch's names (``exp_avg``, ``momentum_buffer``, ``sum``, ...), each shaped
    like ``xy``; index 0 is the state before the first step, index t the state after
    step t. Two more entries for every optimizer: ``grad``, the gradient step t was
    given (torch's ``p.grad``: noise included, weight decay not), and ``update``, the
    step actually taken, ``xy[t] - xy[t-1]``; both are zero at index 0.

    ``sharpness`` (``run(..., sharpness=True)``; otherwise ``None``): the Hessian's largest
    eigenvalue at every position, shaped like ``loss``; for an adaptive optimizer also
    ``preconditioned_sharpness``, the largest eigenvalue of ``P⁻¹H`` with
    ``P = diag(√v̂ + eps)`` from its state (see :mod:`optviz.engine.sharpness`).

    ``points``: the points the optimizer shows beside its iterate (ASGD's averaged
    iterate ``ax``), each shaped like ``xy`` (index 0: the start); ``None`` if it shows
    none. ``evaluations``: the evaluations its steps made beyond the gradient each was
    given (L-BFGS's line search; :class:`optviz.engine.problem.Evaluations`), ``None`` if
    none; ``evals`` counts all evaluations up to each position.
    """

    surface: Surface
    optimizer: Optimizer
    xy: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    lr: np.ndarray
    diverged_at: np.ndarray
    converged_at: np.ndarray
    schedule: Schedule | None = None
    noise: Noise | None = None
    seed: int = 0
    label: str = ""
    state: dict[str, np.ndarray] | None = None
    sharpness: np.ndarray | None = None
    preconditioned_sharpness: np.ndarray | None = None
    points: dict[str, np.ndarray] | None = None
    evaluations: Evaluations | None = None

    @property
    def name(self) -> str:
        return self.optimizer.name

    @property
    def evals(self) -> np.ndarray:
        """Loss-and-gradient evaluations used to reach each position, shaped like ``loss``:
        one per step (its gradient) plus those the step asked for (a line search's)."""
        n = self.xy.shape[1] if self.batched else 1
        made = self.evaluations if self.evaluations is not None else EvaluationLog(2).result()
        total = made.totals(self.steps, n)
        return total if self.batched else total[:, 0]

    @property
    def steps(self) -> int:
        return len(self.lr)

    @property
    def batched(self) -> bool:
        return self.xy.ndim == 3

    @property
    def final_xy(self) -> np.ndarray:
        return self.xy[-1]

    @property
    def final_loss(self) -> np.ndarray:
        return self.loss[-1]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at != NEVER

    @property
    def converged(self) -> np.ndarray:
        return self.converged_at != NEVER

    def start(self, i: int) -> Trajectory:
        """The trajectory of start ``i`` alone (shapes of a single start)."""
        if not self.batched:
            raise ParameterError("this trajectory has a single start")
        pick = {
            "xy": self.xy[:, i],
            "loss": self.loss[:, i],
            "grad_norm": self.grad_norm[:, i],
            "diverged_at": self.diverged_at[i],
            "converged_at": self.converged_at[i],
        }
        if self.state is not None:
            pick["state"] = {k: v[:, i] for k, v in self.state.items()}
        for key in ("sharpness", "preconditioned_sharpness"):
            if getattr(self, key) is not None:
                pick[key] = getattr(self, key)[:, i]
        if self.points is not None:
            pick["points"] = {k: v[:, i] for k, v in self.points.items()}
        if self.evaluations is not None:
            pick["evaluations"] = self.evaluations.of_start(i)
        return Trajectory(**{**self.__dict__, **pick})

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The path(s) on the surface's contours, on ``ax`` or a new Axes; returns the Axes
        (see :func:`optviz.render.views.race_on`; ``loss=True`` draws the loss curve)."""
        return drawing("views.race_on")(self, ax, **kwargs)

    def animate(self, **kwargs: Any) -> Any:
        """An animation of this trajectory (see :func:`optviz.render.animate.animate`)."""
        return drawing("animate.animate")(self, **kwargs)

    def _preview(self) -> Any:
        return drawing("views.preview")(self)

    def __repr__(self) -> str:
        n = self.xy.shape[1] if self.batched else 1
        return f"Trajectory({self.label!r}, steps={self.steps}, starts={n})"


@dataclass(frozen=True, eq=False)
class FinalState:
    """Where each start of a run ended (see :func:`run_final`); shapes of the starts."""

    final_xy: np.ndarray
    final_loss: np.ndarray
    mean_loss: np.ndarray
    converged_at: np.ndarray
    diverged_at: np.ndarray
    tail_xy: np.ndarray | None = None  # steps tail_from..steps, when asked


@dataclass(frozen=True, eq=False)
class Race(Preview):
    """Several optimizers run on one surface from the same starts, schedule and seed.

    ``trajectories`` holds one :class:`Trajectory` per optimizer, in the order given.
    """

    surface: Surface
    trajectories: list[Trajectory]

    @property
    def names(self) -> list[str]:
        return [t.label for t in self.trajectories]

    def __iter__(self):
        return iter(self.trajectories)

    def __len__(self) -> int:
        return len(self.trajectories)

    def __getitem__(self, i: int) -> Trajectory:
        return self.trajectories[i]

    def table(self) -> Table:
        """One row per optimizer: final loss, nearest minimum, steps to converge, ...

        A :class:`optviz.engine.table.Table`: a list of dicts that prints aligned and shows as
        HTML in a notebook (see :func:`optviz.engine.table.race_table` for the keys).
        """
        return race_table(self)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The race as a picture.

        Without ``ax``: a whole Figure, paths on contours (or 3-D, or panels) with a
        legend and an optional loss panel (see :func:`optviz.render.race_figure.plot_race`).
        With ``ax``: the surface and paths drawn on that Axes, which is returned (see
        :func:`optviz.render.views.race_on`; ``loss=True`` draws the loss curves).
        """
        if ax is None:
            return drawing("race_figure.plot_race")(self, **kwargs)
        return drawing("views.race_on")(self, ax, **kwargs)

    def animate(self, **kwargs: Any) -> Any:
        """An animation of the race (see :func:`optviz.render.animate.animate`)."""
        return drawing("animate.animate")(self, **kwargs)

    def _preview(self) -> Any:
        return drawing("views.preview")(self)

    def _repr_html_(self) -> str:
        """The preview above the results table (one PNG, drawn once)."""
        png = base64.b64encode(self._repr_png_()).decode("ascii")
        return (
            f'<div><img src="data:image/png;base64,{png}" alt="{html.escape(repr(self))}">'
            f"{self.table()._repr_html_()}</div>"
        )

    def __repr__(self) -> str:
        return f"Race({self.surface.name!r}, {self.names})"
