"""Sharpness against the step, beside the stability line it meets.

:func:`plot_sharpness_runs`: networks (loss and sharpness side by side, from
:mod:`optviz.analysis.sharpness`); :func:`plot_race_sharpness`: an axes-level panel of a
surface race run with ``sharpness=True``; :func:`race_with_sharpness`: the race's map with
that panel beside it. Optimizer ``i`` keeps its colour and line style; its line is drawn
dashed in the same colour, and follows the learning rate under a schedule.
"""

from __future__ import annotations

import math
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
            what = "preconditioned sharpness" if r.preconditioned else "sharpness"
            right.plot(r.at, r.sharpness, color=color, ls=dash, lw=2.5, marker=style.marker(i),
                       markevery=every, ms=6, label=f"{r.label}: {what}")  # fmt: skip
            if r.line is not None:
                line_steps = np.arange(len(r.line.values))
                right.plot(line_steps, r.line.values, color=color, lw=2.0, ls=(0, (5, 3)),
                           alpha=0.9, label=_line_label(r.line.formula))  # fmt: skip
        left.set_yscale("log")
        left.set_xlabel("step")
        left.set_ylabel("training loss (full batch)")
        left.set_title("the loss keeps falling, in spikes")
        right.set_xlabel("step")
        pre = any(r.preconditioned for r in runs)
        right.set_ylabel("top eigenvalue of P⁻¹H (preconditioned)" if pre
                         else "sharpness (top Hessian eigenvalue)")  # fmt: skip
        right.set_title("the sharpness rises to the line and stays")
        top = max(float(np.nanmax(r.sharpness)) for r in runs)
        lines = [float(np.nanmax(r.line.values)) for r in runs if r.line is not None]
        right.set_ylim(0, 1.25 * max([top, *lines]))
        right.legend(loc="lower right", framealpha=0.95)
        heading = (
            "Adam at the edge of stability" if pre else "Gradient descent at the edge of stability"
        )
        fig.suptitle(title or heading, fontsize=22)
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


def race_with_sharpness(race: Any, *, kind: str = "contour", loss: bool = False,
                        size: Any = "16:9", theme: str = "light", dpi: float = 100,
                        title: str | None = None) -> Any:  # fmt: skip
    """The race as a still (map, and loss panel if ``loss``), its sharpness panel beside
    it, laid out as an animation of it would be; the Figure."""
    from . import race_figure
    from .plots import plot_loss, plot_trajectories

    style.check_theme(theme)
    with style.themed(theme):
        layout = sharpness_layout(race_figure.race_layout)
        fig, panels, loss_ax = layout(race, kind, loss, size, dpi, theme, title)
        if kind == "panels":
            for i, (ax, traj) in enumerate(zip(panels, race.trajectories, strict=True)):
                plot_trajectories(traj, ax, colors=[style.color(i)], theme=theme)
        else:
            plot_trajectories(race, panels[0], theme=theme)
        if loss_ax is not None:
            plot_loss(race, loss_ax, theme=theme)
        race_figure.legend(fig, race, loss_ax, panels, kind)
        ax = next(a for a in fig.axes if a.get_label() == PANEL_LABEL)
        for i, values, _, _ in _curves(race):
            every = max(1, len(values) // 12)
            ax.plot(np.arange(len(values)), values, color=style.color(i), lw=2.4, ms=6,
                    ls=style.linestyle(i), marker=style.marker(i), markevery=every)  # fmt: skip
    return fig


# -- the panel beside an animated race ---------------------------------------------------
PANEL_LABEL = "sharpness"
KEY_POINTS = 13  # the stability lines' key: 18 px at 100 dpi


def sharpness_layout(base: Any) -> Any:
    """``base`` (a layout like :func:`optviz.render.race_figure.race_layout`) with a
    sharpness panel in the side slot: below the loss panel when there is one, in its
    place otherwise. The panel's stability lines and scale are drawn once, with the
    background; :class:`SharpnessOverlay` grows the curves frame by frame."""

    def layout(race, kind: str, loss: bool, size, dpi: float, theme: str, title, **kw):
        from .losses import setup_loss_axes

        fig, panels, slot = base(race, kind, True, size, dpi, theme, title, **kw)
        spec = slot.get_subplotspec()
        slot.remove()
        loss_ax = None
        if loss:
            upper, lower = spec.subgridspec(2, 1, hspace=0.08, height_ratios=[1, 1.5])
            loss_ax = fig.add_subplot(upper)
            setup_loss_axes(loss_ax, race.trajectories, theme=theme)
            loss_ax.set_xlabel("")
            loss_ax.tick_params(labelbottom=False)
            spec = lower
        ax = fig.add_subplot(spec, sharex=loss_ax)
        ax.set_label(PANEL_LABEL)
        setup_sharpness_axes(ax, race, theme)
        return fig, panels, loss_ax

    return layout


def _curves(race: Any) -> list[tuple[int, np.ndarray, bool, Any]]:
    """``(index, values, preconditioned, line)`` of every trajectory with a sharpness."""
    from ..engine.sharpness import threshold

    out = []
    for i, traj in enumerate(race.trajectories):
        values, pre = _shown(traj)
        if values is not None:
            out.append((i, values, pre, threshold(traj.optimizer, traj.lr)))
    return out


def setup_sharpness_axes(ax: Any, race: Any, theme: str = "light") -> None:
    """Scale, labels and limits of the panel fitted to every curve and line, and the
    stability lines themselves (they do not move)."""
    from .paths import readable

    curves = _curves(race)
    if not curves:
        from ..util.errors import ParameterError

        raise ParameterError("a sharpness panel needs runs with sharpness=True")
    seen = []
    for i, values, _, line in curves:
        seen.append(values)
        if line is not None:
            seen.append(line.values)
            ax.plot(np.arange(len(line.values)), line.values, color=style.color(i), lw=2.0,
                    ls=(0, (5, 3)), label=line.formula)  # fmt: skip
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in seen])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.1, 10.0)
    ax.set_yscale("log")
    ax.set_ylim(lo / 1.6, hi * 1.6)
    ax.set_xlim(0, max(len(race.trajectories[0].loss) - 1, 1))
    ax.set_xlabel("step")
    adaptive = [readable(race.trajectories[i]).split(" (")[0] for i, _, p, _ in curves if p]
    ax.set_ylabel("sharpness" + (f"\n({', '.join(adaptive)}: preconditioned)" if adaptive else ""))
    ax.grid(True, which="major", lw=0.6)
    if any(line is not None for *_, line in curves):  # in its line's colour: whose it is
        entries = sum(line is not None for *_, line in curves)
        key = ax.legend(loc=_free_corner(ax, seen, entries), fontsize=KEY_POINTS,
                        framealpha=0.9, title="stability lines", title_fontsize=KEY_POINTS,
                        handlelength=1.6)  # fmt: skip
        key.set_in_layout(False)  # the panel keeps its width; the key sits inside it


CORNERS = {
    "upper right": (0.4, 1.0),
    "lower right": (0.4, 0.0),
    "upper left": (0.0, 1.0),
    "lower left": (0.0, 0.0),
    "center right": (0.4, 0.5),
    "center left": (0.0, 0.5),
}  # fmt: skip  (x0, vertical place) of a legend's box


def _free_corner(ax: Any, curves: list[np.ndarray], entries: int) -> str:
    """The corner whose legend box covers the fewest points of the whole run's curves
    and lines (known before any frame: the legend is drawn once, under them). When every
    corner covers some, headroom is added above the curves for the upper right one."""
    fig = ax.figure
    cell = ax.get_subplotspec().get_position(fig).height * fig.bbox.height * 0.85
    tall = min(0.6, (entries + 1.8) * 1.45 * KEY_POINTS * fig.dpi / 72 / cell)
    corner, count = _least_covered(ax, curves, tall)
    if count:
        lo, hi = np.log10(ax.get_ylim())
        ax.set_ylim(10**lo, 10 ** (lo + (hi - lo) / (1 - tall)))
        corner = "upper right"
    return corner


def _least_covered(ax: Any, curves: list[np.ndarray], tall: float) -> tuple[str, int]:
    points = []
    for values in curves:
        steps = np.arange(len(values), dtype=float)
        xy = np.column_stack([steps, np.where(values > 0, values, np.nan)])
        points.append(ax.transLimits.transform(ax.transScale.transform(xy)))
    xy = np.concatenate(points)

    def covered(corner: str) -> int:
        x0, y = CORNERS[corner]
        y0 = {1.0: 1 - tall, 0.0: 0.0, 0.5: 0.5 - tall / 2}[y]
        y1 = y0 + tall
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x0 + 0.6) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        return int(inside.sum())

    best = min(CORNERS, key=covered)
    return best, covered(best)


class SharpnessOverlay:
    """The sharpness curves of the panel :func:`sharpness_layout` made, grown to the
    frame's step like the loss curves (``animate(..., sharpness=True)`` adds one)."""

    def __init__(self):
        self.engine: Any = None

    def __call__(self, engine: Any, s: float) -> list:
        if self.engine is not engine:  # a new engine (each save or frames() makes one)
            ax = next(a for a in engine.fig.axes if a.get_label() == PANEL_LABEL)
            self.curves = []
            for i, values, _, _ in _curves(engine.anim.race):
                ps = engine.styles[i]
                line = ax.plot([], [], color=ps.color, lw=2.4, ls=ps.linestyle)[0]
                dot = ax.plot([], [], ls="none", marker=ps.marker, ms=8, mfc=ps.color,
                              mec=style.ink(engine.theme), mew=0.8)[0]  # fmt: skip
                for artist in (line, dot):
                    artist.set_animated(True)
                    artist.set_zorder(8)
                self.curves.append((line, dot, values))
            self.engine = engine
        artists = []
        for line, dot, values in self.curves:
            k = min(int(math.floor(s)), len(values) - 1)
            line.set_data(np.arange(k + 1), values[: k + 1])
            dot.set_data([k], values[k : k + 1])
            artists += [line, dot]
        return artists
