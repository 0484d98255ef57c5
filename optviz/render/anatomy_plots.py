"""Figures of an optimizer's mechanism: one step taken apart, and its rates over time.

- :func:`plot_anatomy`: one step as arrows from the current point (the terms of the
  rule chained head to tail, the step actually taken, the plain gradient step for
  comparison) over the local contours, with the rule's numbers beside them;
- :func:`anatomy_frames` / :func:`save_anatomy_walk`: the same figure for each step of a
  short run, as an animation;
- :func:`plot_quantities`: each optimizer's per-coordinate effective learning rate and
  step length over the steps of a race ("Adagrad's rate only shrinks, RMSprop's
  recovers").
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..util.errors import ParameterError
from . import plots, style

# Colours of the terms, from the shared colour-blind-safe palette; the step taken is ink.
TERM_COLORS = {
    "momentum term": style.PALETTE[5],
    "gradient term": style.PALETTE[6],
    "scaled gradient": style.PALETTE[6],
    "sign step": style.PALETTE[6],
    "Newton step": style.PALETTE[6],
    "update": style.PALETTE[6],
    "weight decay": style.PALETTE[2],
    "noise / frozen": style.PALETTE[7],
}
REFERENCE = "#8c8c8c"


def _fmt(v: Any) -> str:
    arr = np.atleast_1d(np.asarray(v, dtype=float))
    items = ", ".join(f"{x + 0.0:.3g}".replace("-", "−") for x in arr)  # + 0.0: no "−0"
    return items if arr.size == 1 else f"({items})"


def _window(points: np.ndarray, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """x and y limits around ``points`` with a margin, shaped to the axes' aspect."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2 * 1.35, 1e-9)
    half = np.maximum(half, [half[1] * aspect, half[0] / aspect])
    return centre - half, centre + half


def plot_anatomy(a, ax=None, *, theme: str = "light", size: Any = "16:9", dpi: float = 100):
    """One step (:class:`optviz.analysis.anatomy.StepAnatomy`) drawn as arrows with its numbers.

    >>> import optviz as ov
    >>> from optviz.analysis.anatomy import anatomy
    >>> fig = plot_anatomy(anatomy("quadratic", "adam:lr=0.1", (1.0, 0.5), at=3), size="small")
    >>> len(fig.axes)
    2
    """
    style.check_theme(theme)
    with style.themed(theme):
        if ax is None:
            fig = plots.new_figure(size, dpi)
            grid = fig.add_gridspec(1, 2, width_ratios=[1.25, 1])
            ax, text_ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
        else:
            fig, text_ax = ax.figure, None
        _draw_arrows(a, ax, theme)
        if text_ax is not None:
            _draw_numbers(a, text_ax)
        label = a.optimizer.label
        fig.suptitle(f"{label}: step {a.t} taken apart", fontsize=22)
    return fig


def _draw_arrows(a, ax, theme: str) -> None:
    chain = np.cumsum([a.point, *[p.vector for p in a.terms]], axis=0)
    tips = np.vstack([chain, a.point + a.update])
    reach = max(float(np.max(np.hypot(*(tips - a.point).T))), 1e-12)
    ref, ref_text = a.reference.vector, a.reference.symbol
    if np.hypot(*ref) > 2.5 * reach:  # a long plain step would shrink the others to dots
        ref, ref_text = ref * 2.5 * reach / np.hypot(*ref), ref_text + " (cut)"
    lo, hi = _window(np.vstack([tips, a.point + ref]), aspect=1.3)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    _contours(ax, lo, hi, theme, a)
    ink = style.ink(theme)
    # the step taken goes underneath, wider, so terms lying on it stay visible
    _arrow(ax, a.point, a.update, ink, 7.0, "-", r"$\Delta\theta_t$", ink, side=0, z=5)
    _arrow(ax, a.point, ref, REFERENCE, 2.0, "--", ref_text, ink, side=0)
    for i, (start, part) in enumerate(zip(chain[:-1], a.terms, strict=True)):
        color = TERM_COLORS.get(part.name, style.PALETTE[3])
        _arrow(ax, start, part.vector, color, 3.0, "-", part.symbol, ink, side=(-1) ** i)
    ax.plot(*a.point, "o", ms=11, mfc=style.color(0), mec=ink, mew=1.2, zorder=9)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def _contours(ax, lo, hi, theme: str, a) -> None:
    surface = a.surface
    if surface is None:
        return
    x = np.linspace(lo[0], hi[0], 160)
    y = np.linspace(lo[1], hi[1], 160)
    X, Y = np.meshgrid(x, y)
    with np.errstate(all="ignore"):
        Z = surface.f(np.stack([X, Y], axis=-1))
    finite = Z[np.isfinite(Z)]
    if finite.size and np.ptp(finite) > 0:
        ax.contourf(X, Y, Z, levels=18, cmap=style.cmap(theme), zorder=0)
        ax.contour(X, Y, Z, levels=18, colors=style.contour_line(theme), linewidths=0.5, zorder=1)


def _arrow(ax, start, vec, color, lw, ls, text, ink, side: int = 1, z: float = 6) -> None:
    """An outlined arrow with its label beside its middle (``side``: which side)."""
    from matplotlib import patheffects

    if not np.any(vec):
        return
    end = start + vec
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        zorder=z,
        arrowprops={
            "arrowstyle": "-|>,head_length=0.7,head_width=0.35",
            "color": color,
            "lw": lw,
            "ls": ls,
            "shrinkA": 0,
            "shrinkB": 0,
            "path_effects": [patheffects.withStroke(linewidth=lw + 2, foreground=ink)],
        },
    )
    lo, hi = np.array(ax.get_xlim()), np.array(ax.get_ylim())
    u = vec / np.array([np.ptp(lo), np.ptp(hi)])
    along = u / (np.hypot(*u) or 1.0)
    # side 0: beyond the tip; otherwise beside the middle, on that side
    normal = side * np.array([-along[1], along[0]]) if side else along
    label = ax.annotate(
        text,
        xy=start + (1.0 if side == 0 else 0.5) * vec,
        xytext=tuple(18 * normal),
        textcoords="offset points",
        ha="left" if normal[0] >= 0 else "right",
        va="bottom" if normal[1] >= 0 else "top",
        color=color,
        fontsize=18,
        zorder=7,
    )
    label.set_path_effects([patheffects.withStroke(linewidth=3, foreground="white")])


def _draw_numbers(a, ax) -> None:
    ax.set_axis_off()
    rows = [(r"$\theta_{t-1}$", _fmt(a.point)), (r"$g_t$", _fmt(a.grad))]
    rows += [(f"{k}", _fmt(v)) for k, v in a.factors.items()]
    rows.append(("", ""))
    rows += [(f"{p.symbol}  {p.name}", _fmt(p.vector)) for p in a.terms]
    rows.append((r"$\Delta\theta_t$  step taken", _fmt(a.update)))
    rows.append((f"{a.reference.symbol}  plain gradient step", _fmt(a.reference.vector)))
    y = 0.98
    for name, value in rows:
        if name:
            ax.text(0.0, y, name, fontsize=14, va="top", transform=ax.transAxes)
            ax.text(1.0, y - 0.045, value, fontsize=14, va="top", ha="right",
                    family="monospace", transform=ax.transAxes)  # fmt: skip
        y -= 0.095 if name else 0.03


def anatomy_frames(traj, last: int | None = None, **options: Any) -> Iterator[np.ndarray]:
    """One RGB frame per step 1..``last`` of a single-start run kept with ``keep_state``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..analysis.anatomy import walk

    for a in walk(traj, last):
        fig = plot_anatomy(a, **options)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        yield np.array(np.asarray(canvas.buffer_rgba())[..., :3])
        fig.clear()


def save_anatomy_walk(traj, path: str | os.PathLike, last: int | None = None, fps: float = 1.5,
                      hold: float = 2.0, **options: Any):  # fmt: skip
    """Write the walk through steps 1..``last`` as an animation (format by extension)."""
    from .writers import save_frames

    n = traj.steps if last is None else last
    frames = anatomy_frames(traj, last, **options)
    return save_frames(path, frames, fps, n_frames=n, hold_frames=round(hold * fps))


def plot_quantities(
    race, *, theme: str = "light", size: Any = "16:9", dpi: float = 100, title: str | None = None
):
    """Each optimizer's effective rate per coordinate and step length, against the step.

    Solid: the x coordinate's rate, dashed: y's (:func:`optviz.analysis.anatomy.effective_lr`);
    the right panel is the length of each step, :math:`|\\Delta\\theta_t|` (the notes'
    :math:`\\|v_t\\|` for momentum). Each optimizer keeps its path's colour and marker,
    so the panel reads beside its race. Needs a race run with ``keep_state=True``; a
    race from many starts shows the first.
    """
    from ..analysis.anatomy import effective_lr, speed
    from .paths import path_styles, readable

    style.check_theme(theme)
    trajs = race.trajectories
    if any(t.state is None for t in trajs):
        raise ParameterError("the quantities panel needs a race with keep_state=True")
    with style.themed(theme):
        fig = plots.new_figure(size, dpi)
        rate_ax, speed_ax = fig.subplots(1, 2)
        ink = style.ink(theme)
        for i, (traj, ps) in enumerate(zip(trajs, path_styles(trajs), strict=True)):
            steps, label = np.arange(traj.steps + 1), readable(traj)
            every = max(traj.steps // 8, 1)
            line = {"color": ps.color, "lw": 2.4, "marker": ps.marker, "ms": 9, "mec": ink,
                    "mew": 0.8, "markevery": (i * every // len(trajs), every)}  # fmt: skip
            rate = effective_lr(traj)
            if rate is not None:
                first = rate if rate.ndim == 2 else rate[:, 0]
                rate_ax.plot(steps, first[:, 0], label=label, **line)
                if first.shape[1] > 1:  # a curve has x alone
                    rate_ax.plot(steps, first[:, 1], ls="--", **line)
            v = speed(traj)
            v = v if v.ndim == 1 else v[:, 0]
            speed_ax.plot(steps[1:], v[1:], label=label, **line)
        rate_ax.set_yscale("log")
        speed_ax.set_yscale("log")
        curve = race.surface.is_curve
        rate_ax.set_title("effective learning rate" + ("" if curve else " (solid x, dashed y)"))
        speed_ax.set_title(r"step length $|\Delta\theta_t|$")
        for ax in (rate_ax, speed_ax):
            ax.set_xlabel("step")
            ax.grid(True, lw=0.6)
        speed_ax.legend(loc="best", framealpha=0.9)
        heading = f"{race.surface.title or race.surface.name}: rates and speeds"
        fig.suptitle(heading if title is None else title, fontsize=22)
    return fig
