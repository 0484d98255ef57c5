"""Sharpness against the step, beside the stability line it meets.

:func:`plot_sharpness_runs`: networks (loss and sharpness side by side, from
:mod:`optviz.analysis.sharpness`); :func:`plot_race_sharpness`: an axes-level panel of a
surface race run with ``sharpness=True``; :func:`race_with_sharpness`: the race's map with
that panel beside it. Optimizer ``i`` keeps its colour and line style; its line is drawn
dashed in the same colour, and follows the learning rate under a schedule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .plots import new_figure


def _line_label(formula: str) -> str:
    return f"stability line {formula}"


def plot_sharpness_runs(runs: list[Any], *, size: Any = "16:9", theme: str = "light",
                        title: str | None = None, dpi: float = 100) -> Any:  # fmt: skip
    """Loss (left) and sharpness with each run's stability line (right); the Figure."""
    style.check_theme(theme)
    with style.themed(theme):
        fig = new_figure(size, dpi)
        left, right = fig.subplots(1, 2)
        for i, r in enumerate(runs):
            color, dash = style.color(i), style.linestyle(i)
            steps = np.arange(len(r.loss))
            left.plot(steps, r.loss, color=color, ls=dash, lw=2.2, label=r.label)
            every = max(1, len(r.at) // 12)
            right.plot(r.at, r.sharpness, color=color, ls=dash, lw=2.5, marker=style.marker(i),
                       markevery=every, ms=6, label=f"{r.label}: sharpness")  # fmt: skip
            if r.line is not None:
                line_steps = np.arange(len(r.line.values))
                right.plot(line_steps, r.line.values, color=color, lw=2.0, ls=(0, (5, 3)),
                           alpha=0.9, label=_line_label(r.line.formula))  # fmt: skip
        left.set_yscale("log")
        left.set_xlabel("step")
        left.set_ylabel("training loss (full batch)")
        left.set_title("the loss keeps falling, in spikes")
        right.set_xlabel("step")
        right.set_ylabel("sharpness (top Hessian eigenvalue)")
        right.set_title("the sharpness rises to the line and stays")
        top = max(float(np.nanmax(r.sharpness)) for r in runs)
        lines = [float(np.nanmax(r.line.values)) for r in runs if r.line is not None]
        right.set_ylim(0, 1.25 * max([top, *lines]))
        right.legend(loc="lower right", framealpha=0.95)
        fig.suptitle(title or "Gradient descent at the edge of stability", fontsize=22)
    return fig


def _shown(traj: Any) -> tuple[np.ndarray | None, bool]:
    """The curve a trajectory is held against its line with (first start), preconditioned
    where its line is."""
    from ..engine.sharpness import threshold

    line = threshold(traj.optimizer, traj.lr)
    pre = line is not None and line.preconditioned
    values = traj.preconditioned_sharpness if pre else traj.sharpness
    if values is None:
        return None, pre
    return (values[:, 0] if values.ndim == 2 else values), pre


def plot_race_sharpness(race: Any, ax: Any = None, *, theme: str = "light", size: Any = "16:9",
                        dpi: float = 100) -> Any:  # fmt: skip
    """Each optimizer's sharpness (preconditioned for an adaptive one) and its line."""
    from ..engine.sharpness import threshold
    from .paths import readable

    with style.themed(theme):
        if ax is None:
            ax = new_figure(size, dpi).add_subplot()
        for i, traj in enumerate(race.trajectories):
            values, pre = _shown(traj)
            if values is None:
                continue
            color = style.color(i)
            name = readable(traj)
            ax.plot(np.arange(len(values)), values, color=color, ls=style.linestyle(i), lw=2.5,
                    label=f"{name}{' (preconditioned)' if pre else ''}")  # fmt: skip
            line = threshold(traj.optimizer, traj.lr)
            if line is not None:
                ax.plot(np.arange(len(line.values)), line.values, color=color, lw=2.0,
                        ls=(0, (5, 3)), label=f"its line {line.formula}")  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("sharpness")
        ax.set_title("sharpness and stability lines")
        ax.legend(fontsize=12, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2,
                  frameon=False)  # fmt: skip
    return ax


def race_with_sharpness(race: Any, *, size: Any = "16:9", theme: str = "light",
                        dpi: float = 100, title: str | None = None) -> Any:  # fmt: skip
    """The race's paths on the map, its sharpness panel beside them; the Figure."""
    style.check_theme(theme)
    with style.themed(theme):
        fig = new_figure(size, dpi)
        grid = fig.add_gridspec(1, 2, width_ratios=[1.1, 1])
        race.plot(ax=fig.add_subplot(grid[0]))
        plot_race_sharpness(race, fig.add_subplot(grid[1]), theme=theme)
        fig.suptitle(title or (race.surface.title or race.surface.name), fontsize=22)
    return fig
