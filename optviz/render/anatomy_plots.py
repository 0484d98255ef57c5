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
from .line_ends import run_color

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


FARTHEST = 1e300  # beyond this the axes' tick arithmetic overflows


def _window(points: np.ndarray, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """x and y limits around the finite ``points`` with a margin, shaped to the axes'
    aspect (a step whose numbers overflowed draws what it can, never NaN limits)."""
    points = np.asarray(points, float).reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1) & (np.abs(points) <= FARTHEST).all(axis=1)]
    if not len(points):
        raise ParameterError(f"the step cannot be drawn: its point is not a finite number "
                             f"within ±{FARTHEST:g}; start nearer the origin")  # fmt: skip
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = lo / 2 + hi / 2  # (lo + hi) / 2 overflows near the largest floats
    half = np.maximum((hi / 2 - lo / 2) * 1.35, np.maximum(np.abs(centre) * 1e-9, 1e-9))
    half = np.maximum(half, [half[1] * aspect, half[0] / aspect])
    return centre - half, centre + half


def _tips(a) -> np.ndarray:
    """Every point the step's arrows reach, with the point itself and the plain step's."""
    chain = np.cumsum([a.point, *[p.vector for p in a.terms]], axis=0)
    return np.vstack([chain, a.point + a.update, a.point + _reference(a)[0]])


def _reference(a) -> tuple[np.ndarray, str]:
    """The plain gradient step, cut to 2.5 times the others' reach when longer (a long
    plain step would shrink the others to dots)."""
    chain = np.cumsum([a.point, *[p.vector for p in a.terms]], axis=0)
    tips = np.vstack([chain, a.point + a.update]) - a.point
    with np.errstate(all="ignore"):
        reach = np.nanmax(np.where(np.isfinite(tips), np.hypot(*tips.T)[:, None], np.nan))
    reach = max(float(reach) if np.isfinite(reach) else 0.0, 1e-12)
    ref, text = a.reference.vector, a.reference.symbol
    length = float(np.hypot(*ref)) if np.isfinite(ref).all() else np.inf
    if np.isfinite(length) and length > 2.5 * reach:
        ref, text = ref * 2.5 * reach / length, text + " (cut)"
    return ref, text


def plot_anatomy(a, ax=None, *, theme: str = "light", size: Any = "16:9", dpi: float = 100):
    """One step (:class:`optviz.analysis.anatomy.StepAnatomy`) drawn as arrows with its numbers.

    A step whose numbers are not finite (a start where the function or its gradient is
    undefined, or overflows) is drawn as far as it goes, and says so.

    >>> import optviz as ov
    >>> from optviz.analysis.anatomy import anatomy
    >>> fig = plot_anatomy(anatomy("quadratic", "adam:lr=0.1", (1.0, 0.5), at=3), size="small")
    >>> len(fig.axes)
    2
    """
    style.check_theme(theme)
    with style.themed(theme):
        if ax is None:
            fig, ax, text_ax = _anatomy_figure(size, dpi)
        else:
            fig, text_ax = ax.figure, None
        lo, hi = _window(_tips(a), aspect=1.3)
        _set_window(ax, lo, hi)
        _contours(ax, lo, hi, theme, a)
        _draw_arrows(a, ax, theme)
        if text_ax is not None:
            _draw_numbers(a, text_ax)
        fig.suptitle(_heading(a), fontsize=22)
    return fig


def _anatomy_figure(size: Any, dpi: float):
    fig = plots.new_figure(size, dpi)
    grid = fig.add_gridspec(1, 2, width_ratios=[1.25, 1])
    return fig, fig.add_subplot(grid[0]), fig.add_subplot(grid[1])


def _heading(a) -> str:
    return f"{a.optimizer.label}: step {a.t} taken apart"


def _set_window(ax, lo, hi) -> None:
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x")  # the surface's names, when it has them: see _contours
    ax.set_ylabel("y")


def _draw_arrows(a, ax, theme: str) -> list:
    """The step's arrows on ``ax`` (its limits already set); returns what was drawn."""
    chain = np.cumsum([a.point, *[p.vector for p in a.terms]], axis=0)
    ref, ref_text = _reference(a)
    ink = style.ink(theme)
    drawn = []
    # the step taken goes underneath, wider, so terms lying on it stay visible
    drawn += _arrow(ax, a.point, a.update, ink, 7.0, "-", r"$\Delta\theta_t$", ink, side=0, z=5)
    drawn += _arrow(ax, a.point, ref, REFERENCE, 2.0, "--", ref_text, ink, side=0)
    for i, (start, part) in enumerate(zip(chain[:-1], a.terms, strict=True)):
        color = TERM_COLORS.get(part.name, style.PALETTE[3])
        drawn += _arrow(ax, start, part.vector, color, 3.0, "-", part.symbol, ink, side=(-1) ** i)
    ball = run_color(a.optimizer.name)  # the optimizer's colour, as in its races
    drawn += ax.plot(*a.point, "o", ms=11, mfc=ball, mec=ink, mew=1.2, zorder=9)
    if not (np.isfinite(a.update).all() and np.isfinite(a.grad).all()):
        note = ax.text(0.02, 0.98, f"not finite here: ∇f = {_fmt(a.grad)}, step {_fmt(a.update)}",
                       transform=ax.transAxes, va="top", fontsize=14, color=ink, zorder=10,
                       bbox={"boxstyle": "round,pad=0.3", "fc": "white", "alpha": 0.9})  # fmt: skip
        drawn.append(note)
    return drawn


def _contours(ax, lo, hi, theme: str, a) -> None:
    surface = a.surface
    if surface is None:
        return
    ax.set_xlabel(surface.view.axes[0])
    ax.set_ylabel(surface.view.axes[1])
    x = np.linspace(lo[0], hi[0], 160)
    y = np.linspace(lo[1], hi[1], 160)
    X, Y = np.meshgrid(x, y)
    with np.errstate(all="ignore"):
        Z = surface.f(np.stack([X, Y], axis=-1))
    finite = Z[np.isfinite(Z)]
    if finite.size and np.ptp(finite) > 0 and np.isfinite(np.ptp(finite)):
        Z = np.where(np.isfinite(Z), Z, finite.max())
        ax.contourf(X, Y, Z, levels=18, cmap=style.cmap(theme), zorder=0)
        ax.contour(X, Y, Z, levels=18, colors=style.contour_line(theme), linewidths=0.5, zorder=1)


def _arrow(ax, start, vec, color, lw, ls, text, ink, side: int = 1, z: float = 6) -> list:
    """An outlined arrow with its label beside its middle (``side``: which side); the
    artists drawn (none for a zero or non-finite arrow)."""
    from matplotlib import patheffects

    start, vec = np.asarray(start, float), np.asarray(vec, float)
    if not np.any(vec) or not (np.isfinite(vec).all() and np.isfinite(start + vec).all()):
        return []
    end = start + vec
    arrow = ax.annotate(
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
    return [arrow, label]


def _draw_numbers(a, ax) -> list:
    ax.set_axis_off()
    rows = [(r"$\theta_{t-1}$", _fmt(a.point)), (r"$g_t$", _fmt(a.grad))]
    rows += [(f"{k}", _fmt(v)) for k, v in a.factors.items()]
    rows.append(("", ""))
    rows += [(f"{p.symbol}  {p.name}", _fmt(p.vector)) for p in a.terms]
    rows.append((r"$\Delta\theta_t$  step taken", _fmt(a.update)))
    rows.append((f"{a.reference.symbol}  plain gradient step", _fmt(a.reference.vector)))
    y = 0.98
    drawn = []
    for name, value in rows:
        if name:
            drawn.append(ax.text(0.0, y, name, fontsize=14, va="top", transform=ax.transAxes))
            drawn.append(ax.text(1.0, y - 0.045, value, fontsize=14, va="top", ha="right",
                                 family="monospace", transform=ax.transAxes))  # fmt: skip
        y -= 0.095 if name else 0.03
    return drawn


class AnatomyWalk:
    """The walk through a run's first steps, one frame per step, drawn fast: the view is
    fixed (it holds every step of the walk), the contours drawn once, and each frame
    draws the path so far, the step's arrows and its numbers."""

    def __init__(self, steps: list, *, theme: str = "light", size: Any = "16:9", dpi: float = 100):
        self.steps, self.theme = steps, theme
        with style.themed(theme), plots.offscreen():
            self.fig, self.ax, self.text_ax = _anatomy_figure(size, dpi)
            points = np.vstack([_tips(a) for a in steps])
            lo, hi = _window(points, aspect=1.3)
            _set_window(self.ax, lo, hi)
            _contours(self.ax, lo, hi, theme, steps[0])
            self.text_ax.set_axis_off()
            self.title = self.fig.suptitle(_heading(steps[0]), fontsize=22)
            # the path so far: the points the walk has left behind
            self.trail = self.ax.plot([], [], color=run_color(steps[0].optimizer.name), lw=2.6,
                                      zorder=4.8,
                                      solid_capstyle="round")[0]  # fmt: skip
            self.fig.canvas.draw()  # the layout, once
            self.fig.set_layout_engine("none")
        self.drawn: list = []

    def frame(self, i: int) -> np.ndarray:
        """The RGB frame of the ``i``-th step of the walk."""
        a = self.steps[i]
        for artist in self.drawn:
            artist.remove()
        with style.themed(self.theme):
            self.drawn = _draw_arrows(a, self.ax, self.theme) + _draw_numbers(a, self.text_ax)
            path = np.array([s.point for s in self.steps[: i + 1]])
            self.trail.set_data(path[:, 0], path[:, 1])
            self.title.set_text(_heading(a))
            self.fig.canvas.draw()
        return np.array(np.asarray(self.fig.canvas.buffer_rgba())[..., :3])

    def close(self) -> None:
        self.fig.clear()


def anatomy_frames(traj, last: int | None = None, **options: Any) -> Iterator[np.ndarray]:
    """One RGB frame per step 1..``last`` of a single-start run kept with ``keep_state``
    (:class:`AnatomyWalk`: a fixed view, the path so far)."""
    from ..analysis.anatomy import walk

    walker = AnatomyWalk(walk(traj, last), **options)
    try:
        for i in range(len(walker.steps)):
            yield walker.frame(i)
    finally:
        walker.close()


WALK_FPS = 4.0  # 0.25 s a step: a walk of 8 steps is over in two seconds, then held


def save_anatomy_walk(traj, path: str | os.PathLike, last: int | None = None,
                      fps: float = WALK_FPS, hold: float = 2.0, **options: Any):  # fmt: skip
    """Write the walk through steps 1..``last`` as an animation (format by extension)."""
    from .writers import save_frames

    n = traj.steps if last is None else last
    frames = anatomy_frames(traj, last, **options)
    return save_frames(path, frames, fps, n_frames=n, hold_frames=round(hold * fps))


RAVINE = 10.0  # curvatures this many times apart: a furrow, its coordinates along and across


def axis_words(race) -> tuple[str, str]:
    """The words for a race's two coordinates: on a furrow whose axes are the Hessian's
    at the start (one curvature :data:`RAVINE` times the other or more) the steep one is
    ``across`` and the flat one ``along`` (a title speaking of the rate across the furrow
    had lines saying y); otherwise the surface's axis names.

    >>> import optviz as ov
    >>> axis_words(ov.race("long_furrow", ["gd"], steps=2))
    ('along', 'across')
    >>> axis_words(ov.race("quadratic", ["gd"], steps=2))
    ('x', 'y')
    """
    surface = race.surface
    if surface.is_curve:
        return "x", ""
    names = tuple(surface.view.axes)
    start = np.asarray(race.trajectories[0].xy[0], float).reshape(-1, 2)[0]
    with np.errstate(all="ignore"):
        h = np.asarray(surface.hess(start), float)
    if h.shape != (2, 2) or not np.all(np.isfinite(h)):
        return names
    steep, flat = sorted(np.abs(np.diag(h)), reverse=True)
    if abs(h[0, 1]) > 0.1 * steep or steep < RAVINE * flat:
        return names
    return ("along", "across") if abs(h[1, 1]) > abs(h[0, 0]) else ("across", "along")


def plot_quantities(
    race, *, theme: str = "light", size: Any = "16:9", dpi: float = 100, title: str | None = None
):
    """Each optimizer's effective rate per coordinate and step length, against the step.

    Solid: the x coordinate's rate, dashed: y's (:func:`optviz.analysis.anatomy.effective_lr`);
    the next panel is the length of each step, :math:`|\\Delta\\theta_t|` (the notes'
    :math:`\\|v_t\\|` for momentum); a third shows the numbers an optimizer estimates
    as it runs (:attr:`~optviz.engine.optim.Optimizer.estimates`: Prodigy's step size
    :math:`d`), when one of the race's does. Each optimizer keeps its path's colour and marker,
    so the panel reads beside its race. Needs a race run with ``keep_state=True``; a
    race from many starts shows the first.
    """
    from ..analysis.anatomy import effective_lr, speed
    from . import line_ends
    from .paths import path_styles, readable, short_names

    style.check_theme(theme)
    trajs = race.trajectories
    if any(t.state is None for t in trajs):
        raise ParameterError("the quantities panel needs a race with keep_state=True")
    with style.themed(theme):
        fig = plots.new_figure(size, dpi)
        estimated = [t for t in trajs if t.optimizer.estimates]
        xname, yname = axis_words(race)
        # on a furrow each coordinate's rate gets its panel, titled in words: one panel of
        # four lines needed "RMSprop, across" at its ends (a third of its width) and a key
        split = "along" in (xname, yname) and not estimated
        # each panel its own range: a shared one left the across panel's top half empty
        # (its rates are ten times smaller; the numbers on its axis say so)
        axes = fig.subplots(1, (3 if estimated else 2) + split, sharey=False)
        rate_ax, *rest = axes
        across_ax = rest.pop(0) if split else rate_ax
        speed_ax, *more = rest
        ink = style.ink(theme)
        named: dict[Any, list] = {rate_ax: [], across_ax: [], speed_ax: []}
        for i, (traj, ps) in enumerate(zip(trajs, path_styles(trajs), strict=True)):
            steps, label = np.arange(traj.steps + 1), readable(traj)
            short = short_names(trajs)[i]
            every = max(traj.steps // 8, 1)
            line = {"color": ps.color, "lw": 2.4, "marker": ps.marker, "ms": 9, "mec": ink,
                    "mew": 0.8, "markevery": (i * every // len(trajs), every)}  # fmt: skip
            rate = effective_lr(traj)
            if rate is not None:
                first = rate if rate.ndim == 2 else rate[:, 0]
                drawn = rate_ax.plot(steps, first[:, 0], label=label, **line)[0]
                two = first.shape[1] > 1
                named[rate_ax].append((drawn, f"{short}, {xname}" if two and not split else short))
                if first.shape[1] > 1:  # a curve has x alone
                    ls = "-" if split else "--"
                    drawn = across_ax.plot(steps, first[:, 1], ls=ls, **line)[0]
                    named[across_ax].append((drawn, short if split else f"{short}, {yname}"))
            v = speed(traj)
            v = v if v.ndim == 1 else v[:, 0]
            drawn = speed_ax.plot(steps[1:], v[1:], label=label, **line)[0]
            named[speed_ax].append((drawn, short))
            for k, field in enumerate(traj.optimizer.estimates):
                value = np.asarray(traj.state[field], float)
                value = value if value.ndim == 1 else value[:, 0]
                more[0].plot(steps, value, ls=("-", "--", ":")[k % 3], **line)
        rate_ax.set_yscale("log")
        speed_ax.set_yscale("log")
        curve = race.surface.is_curve
        rate = "effective rate" if more or split else "effective learning rate"
        if split:
            names = dict(zip((xname, yname), race.surface.view.axes, strict=True))
            rate_ax.set_title(f"{rate} along the furrow\n({names['along']}: its flat floor)")
            across_ax.set_title(f"{rate} across it\n({names['across']}: up its steep walls)")
        else:
            rate_ax.set_title(rate + ("" if curve else f"\n(solid: {xname}, dashed: {yname})"))
        speed_ax.set_title("how far each step moves")  # words, not |Δθ_t|
        if more:
            names = {what for t in estimated for what in t.optimizer.estimates.values()}
            more[0].set_yscale("log")
            more[0].set_title(" · ".join(sorted(names)))
        for ax in dict.fromkeys((rate_ax, across_ax, speed_ax, *more)):
            ax.set_xlabel("step")
            ax.grid(True, lw=0.6)
        if split:  # two runs, one key: names at the lines' ends took a quarter of each panel
            fig.legend(*rate_ax.get_legend_handles_labels(), loc="outside lower center",
                       ncols=len(trajs), frameon=False, markerscale=1.2)  # fmt: skip
            named = {}
        for ax, pairs in named.items():
            if pairs:
                lines, names = [p[0] for p in pairs], [p[1] for p in pairs]
                line_ends.room_right(ax, lines, names)
                line_ends.label_ends(ax, lines, names)
        rate_ax.set_ylabel("learning rate, per coordinate")
        speed_ax.set_ylabel("step length")
        heading = f"{race.surface.title or race.surface.name}: rates and speeds"
        fig.suptitle(heading if title is None else title, fontsize=22)
    return fig
