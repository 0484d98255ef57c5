"""Sharpness against the step, beside the stability line it meets.

:func:`plot_sharpness_runs`: networks (loss and sharpness side by side, from
:mod:`optviz.analysis.sharpness`); :func:`plot_race_sharpness`: an axes-level panel of a
surface race run with ``sharpness=True``; :func:`race_with_sharpness`: the race's map with
that panel (:mod:`.sharpness_panel`) beside it. Optimizer ``i`` keeps its colour and
line style; its line is drawn dashed in the same colour, and follows the learning rate
under a schedule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..analysis.claim_measures import SPIKE_APART, spike_starts
from . import style
from .plots import new_figure
from .sharpness_panel import PANEL_LABEL, _shown, draw_series, race_series, sharpness_layout


def _line_label(formula: str, values: Any = None, lr: Any = None) -> str:
    """``stability line 2/lr = 10``: the formula and, for a constant line, its value; a
    long formula of a constant line is left to the caption: its value alone (``38 =
    (2+2β₁)/(1−β₁)`` in a key was jargon on a slide).

    >>> _line_label("(2+2β₁)/((1−β₁)·lr)", [9500.0, 9500.0], lr=[0.004, 0.004])
    'stability line = 9,500'
    >>> _line_label("2/lr", [10.0, 10.0], lr=[0.2, 0.2])
    'stability line 2/lr = 10'
    """
    v = np.asarray(values if values is not None else [], float)
    v = v[np.isfinite(v)]
    constant = bool(len(v)) and np.ptp(v) <= 1e-9 * abs(v[0])
    why = ""
    if len(formula) > 12 and constant:
        formula = ""  # too long for a slide's key; the number says it (and the title the rule)
    if len(v) and np.ptp(v) <= 1e-9 * abs(v[0]):
        if not formula:
            return (
                f"stability line = {v[0]:,.0f}"
                if abs(v[0]) >= 100
                else f"stability line = {v[0]:.3g}"
            )
        value = f"{v[0]:,.0f}" if abs(v[0]) >= 100 else f"{v[0]:.3g}"
        return f"stability line {formula} = {value}{why}"
    return f"stability line {formula}"


def _without_lr(formula: str) -> str:
    """A line's formula over lr, with lr taken out: ``(2+2β₁)/((1−β₁)·lr)`` is
    ``(2+2β₁)/(1−β₁)``.

    >>> _without_lr("2/lr"), _without_lr("(2+2β₁)/((1−β₁)·lr)")
    ('2', '(2+2β₁)/(1−β₁)')
    """
    bare = formula.replace("·lr", "").replace("/lr", "")
    return bare.replace("((", "(").replace("))", ")")


def _plain_log(axis: Any) -> None:
    """A log axis of a span of a few decades ticked at 1, 2 and 5 of each, as plain
    numbers (0.02, 0.05, 0.1), none written as 2×10⁻²."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = sorted(axis.get_view_interval())
    few = lo > 0 and np.log10(hi / lo) <= 2.5
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if few else (1.0,)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def plot_sharpness_runs(runs: list[Any], *, size: Any = "16:9", theme: str = "light",
                        title: str | None = None, dpi: float = 100,
                        names: list[str] | None = None) -> Any:  # fmt: skip
    """Loss (left) and sharpness with each run's stability line (right); the Figure.

    ``names``: each run's optimizer (registry name), which gives the run its colour and
    dashes as in every race (Adam violet, not GD's blue); without them, runs in turn."""
    from . import line_ends

    style.check_theme(theme)
    slots = line_ends.identity_slots(names) if names else range(len(runs))
    with style.themed(theme):
        fig = new_figure(size, dpi)
        left, right = fig.subplots(1, 2)
        for r, slot in zip(runs, slots, strict=True):
            look = line_ends.look(slot)
            # a lone run solid: its dashed line is the stability line's
            color, dash = look["color"], "-" if len(runs) == 1 else look["ls"]
            steps = np.arange(len(r.loss))
            left.plot(steps, r.loss, color=color, ls=dash, lw=2.2, label=r.label)
            # what is drawn is said by the axis: the key stays narrow, off the curve
            name = r.label if r.preconditioned else f"{r.label}: sharpness"
            # no markers: at every 250 steps they marked nothing
            right.plot(r.at, r.sharpness, color=color, ls=dash, lw=2.5, label=name)
            if r.line is not None:
                line_steps = np.arange(len(r.line.values))
                right.plot(line_steps, r.line.values, color=color, lw=2.0, ls=(0, (5, 3)),
                           alpha=0.9, label=_line_label(r.line.formula, r.line.values,
                                                        r.lr))  # fmt: skip
        left.set_yscale("log")
        _clip_first_fall(left, runs)
        _plain_log(left.yaxis)
        left.set_xlabel("step")
        left.set_ylabel("training loss (full batch)")
        # panel titles a level below the figure's: smaller, and clear of it
        left.set_title("the loss falls overall, in spikes", fontsize=16, pad=10)
        right.set_xlabel("step")
        pre = any(r.preconditioned for r in runs)
        right.set_ylabel("sharpness as Adam's steps feel it" if pre
                         else "sharpness (top Hessian eigenvalue)")  # fmt: skip
        spikes = spike_steps(runs[0].loss) if len(runs) == 1 else []
        for ax in (left, right) if len(spikes) else ():
            for t in spikes:  # a spike on the left, the sharpness's fall on the right
                ax.axvline(t, color=GUIDE, lw=1.2, ls=(0, (2, 2)), zorder=0.5, gid="spike guide")
        if len(spikes):
            right.plot([], [], color=GUIDE, lw=1.2, ls=(0, (2, 2)), label="a spike in the loss")
            _size_the_spikes(left, runs[0].loss, spikes)
        right.set_title(f"sharpness climbs to the line, then {_after_climb(runs)}",
                        fontsize=16, pad=10)  # fmt: skip
        top = max(float(np.nanmax(r.sharpness)) for r in runs)
        lines = [float(np.nanmax(r.line.values)) for r in runs if r.line is not None]
        low = min(float(np.nanmin(r.sharpness)) for r in runs)
        # room above the highest curve for the overshoot's note, and no more (at 1.25
        # the axis's top fifth stood empty)
        ceiling = HEADROOM * max([top, *lines])
        # from 0 unless the curves start high: no empty quarter under them
        right.set_ylim(0 if low < 0.35 * ceiling else 0.85 * low, ceiling)
        _name_overshoot(right, runs)
        right.legend(loc="lower right", framealpha=0.95)
        heading = (
            "Adam at the edge of stability" if pre else "Gradient descent at the edge of stability"
        )
        fig.suptitle(title or heading, fontsize=19)  # 26 px: a long title still fits
        fig.get_layout_engine().set(h_pad=0.12)  # air between the title and the panels
    return fig


HEADROOM = 1.12  # the sharpness axis's top over its highest curve or line
SAWS = 0.15  # over its last half the sharpness spans this share of its line: it saws


def _after_climb(runs: list[Any]) -> str:
    """What the sharpness does once at its line, as the panel's title says it: Adam's
    saws up to the line and falls back a fifth at each spike, where "hovers" said it
    stood still; GD's stays within a few percent of its line.

    >>> from types import SimpleNamespace as S
    >>> run = lambda v: S(at=np.arange(4), sharpness=np.asarray(v), line=S(values=np.ones(4)))
    >>> _after_climb([run([0.1, 1.0, 0.8, 1.0])]), _after_climb([run([0.1, 1.0, 0.98, 1.01])])
    ('saws around it', 'hovers at it')
    """
    spans = []
    for r in (r for r in runs if r.line is not None):
        at = np.asarray(r.at)
        line = np.asarray(r.line.values, float)[np.minimum(at, len(r.line.values) - 1)]
        ratio = (np.asarray(r.sharpness, float) / line)[at >= at[-1] / 2]
        ratio = ratio[np.isfinite(ratio)]
        spans.append(float(np.ptp(ratio)) if len(ratio) else 0.0)
    return "saws around it" if max(spans, default=0.0) > SAWS else "hovers at it"


FIRST_FALL = 0.05  # the share of the run its first fall may take before the loss axis clips it
LOSS_HEADROOM = 1.6  # the loss axis's top over the loss after its first fall


def _clip_first_fall(ax: Any, runs: list[Any]) -> None:
    """The loss axis's top just over the loss after its first fall, which leaves the
    panel at the top: a fall from 0.6 to 0.08 in twenty steps took the axis's top
    decade, and the spikes, the lesson, shrank to blips beneath it."""
    after = [np.asarray(r.loss, float)[int(FIRST_FALL * len(r.loss)) :] for r in runs]
    after = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in after])
    lows = [np.nanmin(np.where(np.asarray(r.loss) > 0, r.loss, np.nan)) for r in runs]
    if not len(after):
        return
    top = LOSS_HEADROOM * float(after.max())
    if top < ax.get_ylim()[1]:
        ax.set_ylim(min(ax.get_ylim()[0], 0.8 * float(np.nanmin(lows))), top)


GUIDE = "#8c8c8c"  # faint vertical guides through both panels at the loss's spikes
SPIKE_JUMP = 1.1  # a spike starts where the loss rises this much above its recent low


def spike_steps(loss: np.ndarray) -> list[int]:
    """The steps where the loss's spikes start, as the ``spikes`` claim counts them with
    ``by`` = :data:`SPIKE_JUMP` (:func:`~optviz.analysis.claim_measures.spike_starts`).

    >>> v = np.geomspace(1, 1e-4, 200)
    >>> v[[50, 52, 150]] *= 3
    >>> spike_steps(v)
    [50, 150]
    """
    return spike_starts(loss, SPIKE_JUMP)


def spike_rises(loss: np.ndarray, starts: list[int]) -> list[tuple[int, float]]:
    """Each spike's peak step and how many times its recent low the loss climbs there.

    >>> v = np.geomspace(1, 1e-4, 200)
    >>> v[[50, 150]] *= 3
    >>> [(t, round(r, 1)) for t, r in spike_rises(v, [50, 150])]
    [(50, 2.9), (150, 2.9)]
    """
    v = np.asarray(loss, float)
    apart = max(1, int(SPIKE_APART * len(v)))
    out = []
    for t in starts:
        peak = t + int(np.nanargmax(v[t : t + apart + 1]))
        low = float(np.nanmin(v[max(t - apart, 0) : t + 1]))
        out.append((peak, float(v[peak]) / low))
    return out


def _size_the_spikes(ax: Any, loss: np.ndarray, starts: list[int]) -> None:
    """Each spike's rise written by its peak (``×16``, ``×1.2``): a guide at a small bump
    beside guides at tall spikes read as a mistake; its size says it is a small one."""
    lo, hi = (np.log10(v) for v in ax.get_ylim())
    for peak, rise in spike_rises(loss, starts):
        high = (np.log10(loss[peak]) - lo) / (hi - lo) > 0.9
        ax.annotate(f"×{rise:.2g}", (peak, loss[peak]), xytext=(7, -2 if high else 4),
                    textcoords="offset points", ha="left", va="top" if high else "bottom",
                    fontsize=style.at_least(15), color="#333333", gid="spike-rise")  # fmt: skip


OVERSHOOT = 1.1  # a first peak this far over the line is named on the picture


def _name_overshoot(ax: Any, runs: list[Any]) -> None:
    """A lone run whose sharpness first climbs well past its (constant) line: its first
    peak named, so the one high peak reads as part of the story, not as noise."""
    if len(runs) != 1 or runs[0].line is None:
        return
    r = runs[0]
    line = float(np.nanmax(r.line.values))
    values = np.asarray(r.sharpness, float)
    over = np.flatnonzero(values > line)
    if not len(over):
        return
    below = np.flatnonzero(values[over[0] :] <= line)  # the first climb past the line
    end = over[0] + (below[0] if len(below) else len(values) - over[0])
    peak = over[0] + int(np.nanargmax(values[over[0] : end]))
    if values[peak] < OVERSHOOT * line:
        return
    # to the right of the peak and above the line, where the curve only comes later
    note = ax.annotate("the first climb overshoots", (r.at[peak], values[peak]),
                       xytext=(22, 14), textcoords="offset points", ha="left",
                       va="bottom", gid="overshoot", fontsize=style.at_least(16),
                       color="#222222", arrowprops={"arrowstyle": "-|>", "color": "#222222",
                                                    "lw": 1.6},
                       bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none"},
                       zorder=5)  # over the spikes' guides  # fmt: skip
    note.set_in_layout(False)  # the panel keeps its size


def plot_race_sharpness(race: Any, ax: Any = None, *, theme: str = "light", size: Any = "16:9",
                        dpi: float = 100) -> Any:  # fmt: skip
    """Each optimizer's sharpness (preconditioned for an adaptive one) and its line."""
    from ..engine.sharpness import threshold
    from .paths import readable, run_looks

    with style.themed(theme):
        if ax is None:
            ax = new_figure(size, dpi).add_subplot()
        for i, traj in enumerate(race.trajectories):
            values, pre = _shown(traj)
            if values is None:
                continue
            look = run_looks(race.trajectories)[i]
            color = look["color"]
            name = readable(traj)
            ax.plot(np.arange(len(values)), values, color=color, ls=look["linestyle"], lw=2.5,
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
    from .loss_plot import plot_loss
    from .paths import run_colors
    from .plots import plot_trajectories

    style.check_theme(theme)
    with style.themed(theme):
        layout = sharpness_layout(race_figure.race_layout)
        fig, panels, loss_ax = layout(race, kind, loss, size, dpi, theme, title)
        if kind == "panels":
            for i, (ax, traj) in enumerate(zip(panels, race.trajectories, strict=True)):
                plot_trajectories(traj, ax, colors=[run_colors(race.trajectories)[i]], theme=theme)
        else:
            plot_trajectories(race, panels[0], theme=theme)
        if loss_ax is not None:
            plot_loss(race, loss_ax, theme=theme)
        race_figure.legend(fig, race, loss_ax, panels, kind)
        draw_series(next(a for a in fig.axes if a.get_label() == PANEL_LABEL), race_series(race))
    return fig
