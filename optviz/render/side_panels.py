"""Panels beside the map that read the same race step by step: the loss panel is one.

A :class:`SidePanel` says how to draw itself whole (a still), how to draw what does not
move (an animation's background) and how to move to a step. :func:`race_layout
<optviz.render.race_figure.race_layout>` gives each side panel of a race its axes beside
the map (a column right of it, or a row under a wide map) with the legend, and the
animation moves every panel in step with the map, at the same fractional step as the
balls. A new kind of panel (a sharpness trace, a 1-D side view) is a :class:`SidePanel`
passed as ``side=[...]`` to :func:`~optviz.render.race_figure.plot_race` and
:func:`~optviz.render.animate.animate`, or registered by name with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..util.errors import ParameterError, unknown
from . import loss_notes, loss_tags, losses, paths, profile, style

Frames = Callable[[float], list]
"""``update(s)``: move a panel's moving artists to (fractional) step ``s``; return them."""


@dataclass(frozen=True)
class SidePanel:
    """A panel beside the map.

    ``still(ax, race, theme)`` draws it whole on an axes ``setup`` prepared;
    ``setup(ax, race, theme)`` draws what does not move (axes, limits, fixed marks);
    ``frames(ax, race, styles, theme)`` makes its moving artists (``animated``, one
    :class:`~optviz.render.paths.PathStyle` per run) and returns ``update(s)``.
    ``weight``: its share of the room beside the map, against the other panels'.
    """

    name: str
    still: Callable[[Any, Any, str], None]
    setup: Callable[[Any, Any, str], None]
    frames: Callable[[Any, Any, list, str], Frames]
    weight: float = 1.0


# ----------------------------------------------------------------------------- the loss
def _loss_still(ax, race, theme: str, x: str = "steps") -> None:
    from .loss_plot import plot_loss

    plot_loss(race, ax, theme=theme, x=x)


def _loss_setup(ax, race, theme: str, x: str = "steps") -> None:
    losses.setup_loss_axes(ax, race.trajectories, theme=theme, x=x)


class LossFrames:
    """The loss panel's moving parts: each run's curve so far, a dot at its head and,
    from its step on, "diverged at step k". The curve reaches the same fractional step
    as the ball on the map (interpolated geometrically on a log axis)."""

    def __init__(self, ax, race, styles: list, theme: str, x: str = "steps"):
        self.ax = ax
        axis = losses.loss_axis(race.trajectories)
        self.log = axis.log
        self.lines = []
        self.tags = []  # per run: each start's number at its curve's head (several starts)
        self.marks: list = []  # per run: where its markers sit on its curve (one start)
        self.raws: list = []  # noisy runs: (line, raw loss, x) drawn faint under the mean
        for i, (traj, ps) in enumerate(zip(race.trajectories, styles, strict=True)):
            y = losses.loss_curve(traj, axis.shift, axis.log, axis.floor, axis.ceiling)
            note = loss_notes.diverged_note(ax, traj, y, ps.color, theme, x)  # shown from there on
            note = note or loss_notes.stopped_note(ax, traj, y, theme, x)
            y = y if y.ndim == 2 else y[:, None]
            at = losses.x_values(traj, x).reshape(y.shape)  # steps, or evaluations
            window = losses.mean_window(traj, y)
            if window:  # a noisy run: its raw loss faint, under its running mean
                raw = ax.plot([], [], color=ps.color, **losses.RAW_STYLE)[0]
                raw.set_in_layout(False)
                raw.set_animated(True)
                self.raws.append((raw, y, at))
                y = losses.running_mean(y, window)
            lw = paths.line_width(2.4, paths.cloud(y.shape[1]))
            line = ax.plot([], [], color=ps.color, lw=lw, **loss_line_style(ps, i, y.shape[1]))[0]
            dot = ax.plot([], [], ls="none", marker=ps.marker, ms=8, mfc=ps.color,
                          mec=style.ink(theme), mew=0.8)[0]  # fmt: skip
            # a head on the first or last step sits on the panel's edge: drawn whole over
            # it (a margin beyond the steps moves the tick labels after the layout)
            dot.set_clip_on(False)
            for a in (line, dot, note):
                if a is not None:
                    a.set_in_layout(False)
                    a.set_animated(True)
            line.set_zorder(8)
            dot.set_zorder(8.5)  # every head over every curve (and its marks)
            self.lines.append((line, dot, (at, y), note))
            marks = None  # one curve: its markers' indices (see mark_indices)
            if y.shape[1] == 1:
                marks = mark_indices(at[:, 0], y[:, 0], i, ax.get_xlim())
            self.marks.append(marks)
            tags = [
                loss_tags.tag_text(ax, t, (0, 0), ps.color, theme, before=True)
                for t in loss_tags.start_tags(y.shape[1])
            ]
            for tag in tags:
                tag.set_animated(True)
            self.tags.append(tags)

        self.key = _key_runs_named_only_in_titles(ax, race, styles)

    def __call__(self, s: float) -> list:
        drawn = []
        shown: list = []  # the start numbers at the curves' heads, of every run
        for (line, dot, (at, y), note), tags, marks in zip(
            self.lines, self.tags, self.marks, strict=True
        ):
            for tag, head in zip(tags, loss_tags.curve_heads(y, at, s), strict=False):
                if head is not None:
                    tag.xy = head
                    drawn.append(tag)
                    shown.append(tag)
            xs, ys = curve_until(y, s, self.log, at)
            line.set_data(xs, ys)
            if marks is not None:  # the markers on the points drawn so far, never the head
                line.set_markevery(marks[marks < np.floor(s)].tolist())
            ends = np.isfinite(ys) & ~np.isfinite(np.r_[ys[1:], np.nan])  # each curve's head
            dot.set_data(xs[ends], ys[ends])
            drawn.insert(0, line)  # every curve first, then the heads over them all
            drawn.append(dot)
            if note is not None and np.nanmax(xs, initial=0.0) >= note.xy[0]:
                drawn.append(note)
        loss_tags.spread_tags(self.ax, shown)
        if self.key is not None:
            drawn.append(self.key)  # over the curves
        for raw, y, at in self.raws:
            raw.set_data(*curve_until(y, s, self.log, at))
            drawn.insert(0, raw)  # under every curve
        return drawn


def _key_runs_named_only_in_titles(ax, race, styles: list) -> Any:
    """A key of the loss curves' looks on the loss panel when the runs are named only in
    the maps' titles (one map per run): three styles of line and no word for which is
    which (schedules, schedulefree_cosine)."""
    from matplotlib.lines import Line2D

    runs = race.trajectories
    titles = {a.get_title() for a in ax.figure.axes if a is not ax}
    names = [paths.readable(t) for t in runs]
    if len(runs) < 2 or not all(n in titles for n in names):
        return None
    handles = [Line2D([], [], color=ps.color, lw=2.4, ls=ps.linestyle, marker=ps.marker,
                      ms=LOSS_MARK_SIZE + 1, mec="none", label=n)
               for n, ps in zip(names, styles, strict=True)]  # fmt: skip
    key = ax.legend(
        handles=handles,
        loc=losses.free_corner(ax, runs, 2),  # lower left hid Schedule-Free's dip
        ncols=len(handles),
        fontsize=13,
        framealpha=1.0,
        handlelength=2.6,
        columnspacing=1.2,
        borderaxespad=0.3,
    )
    key.set_gid("loss-key")
    key.set_zorder(9)
    ax.add_artist(key)  # kept when the race's key of landmarks is made on this axes later
    # drawn with the frames, not in the background the animation's palette is taken
    # from: its swatches there shifted the faint trails' colours
    key.set_animated(True)
    key.set_in_layout(False)
    return key


LOSS_MARKS = 9  # a run's markers along its loss curve: about this many, evenly spaced in x
LOSS_MARK_SIZE = 6.0  # points: smaller than the head's dot (8), large enough to tell apart


def loss_line_style(ps, i: int, curves: int = 1) -> dict:
    """How run ``i``'s loss curve looks besides its colour: its path's dash pattern (as
    in the legend) and, for a single start, its marker (placed by :func:`mark_indices`:
    a few, evenly spaced along the panel), so curves are told apart without colour. A
    cloud of starts gets the dash only: markers on many curves make a smear."""
    out = dict(ls=ps.linestyle)
    if curves == 1:
        out.update(marker=ps.marker, ms=LOSS_MARK_SIZE, mec="none", markevery=[])
    return out


def mark_indices(at: np.ndarray, y: np.ndarray, i: int, span: tuple[float, float]) -> np.ndarray:
    """Where run ``i``'s markers sit on its loss curve ``y`` (drawn at ``at``): the
    indices of the points nearest :data:`LOSS_MARKS` places evenly spaced over the
    panel's ``span`` of x, each run shifted along so the marks of curves that lie
    together alternate. Spaced in x, not along the line: a curve that saws up and down
    every step would get a marker on every tooth, a solid wedge of them.

    >>> mark_indices(np.arange(101.0), np.ones(101), 0, (0.0, 100.0)).tolist()
    [6, 17, 28, 39, 50, 61, 72, 83, 94]
    """
    ok = np.flatnonzero(np.isfinite(y) & np.isfinite(at))
    if not len(ok):
        return np.zeros(0, int)
    lo, hi = span
    gap = (hi - lo) / LOSS_MARKS
    shift = (0.5 + 0.37 * i) % 1.0
    targets = lo + gap * (np.arange(LOSS_MARKS) + shift)
    targets = targets[(targets >= at[ok[0]]) & (targets <= at[ok[-1]])]
    nearest = ok[np.abs(at[ok][None, :] - targets[:, None]).argmin(axis=1)]
    return np.unique(nearest)


def curve_until(
    y: np.ndarray, s: float, log: bool, at: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Curves ``y`` ``(steps + 1, n)`` from step 0 to the fractional step ``s``, as one
    NaN-broken polyline ``(xs, ys)``; the last point interpolated (geometrically on a
    log axis), each curve ending where it has values. ``at``: where each value sits along
    the panel, shaped like ``y`` (default: its step; an optimizer that evaluates several
    points per step can be drawn against evaluations).

    >>> xs, ys = curve_until(np.array([[1.0], [0.01], [0.001]]), 0.5, log=True)
    >>> xs.tolist(), ys.round(6).tolist()
    ([0.0, 0.5, nan], [1.0, 0.1, nan])
    """
    last = len(y) - 1
    if at is None:
        at = np.broadcast_to(np.arange(last + 1, dtype=float)[:, None], y.shape)
    k = min(int(np.floor(s)), last)
    frac = s - k if k < last else 0.0
    part = y[: k + 1]
    head_x = np.full(y.shape[1], np.nan)
    head_y = np.full(y.shape[1], np.nan)
    if frac > 0:
        a, b = y[k], y[k + 1]
        with np.errstate(all="ignore"):
            mid = a * (b / a) ** frac if log else a + frac * (b - a)
        ok = np.isfinite(mid)
        head_x[ok] = (at[k] + frac * (at[k + 1] - at[k]))[ok]
        head_y[ok] = mid[ok]
    xs = np.vstack([at[: k + 1], head_x, np.full(y.shape[1], np.nan)])
    ys = np.vstack([part, head_y, np.full(y.shape[1], np.nan)])
    keep = ~(np.isnan(xs) & (np.arange(len(xs)) == k + 1)[:, None])  # no head: drop its row
    return _joined(xs, keep), _joined(ys, keep)


def _joined(v: np.ndarray, keep: np.ndarray) -> np.ndarray:
    return np.concatenate([v[keep[:, j], j] for j in range(v.shape[1])])


LOSS = SidePanel("loss", still=_loss_still, setup=_loss_setup, frames=LossFrames)
# the loss against loss-and-gradient evaluations (loss="evals": a line search's trials too)
LOSS_EVALS = SidePanel(
    "loss",
    still=partial(_loss_still, x="evals"),
    setup=partial(_loss_setup, x="evals"),
    frames=partial(LossFrames, x="evals"),
)

# the hill under each path: its loss against the distance travelled (:mod:`.profile`)
PROFILE = SidePanel(
    "profile", still=profile.plot_profile, setup=profile.setup_profile, frames=profile.ProfileFrames
)

SIDE_PANELS: dict[str, SidePanel] = {"loss": LOSS, "profile": PROFILE}


def register(panel: SidePanel) -> SidePanel:
    """Make ``panel`` known by its name (``side=["name"]``)."""
    if not isinstance(panel, SidePanel):
        raise ParameterError(f"register needs a SidePanel, not {type(panel).__name__}")
    SIDE_PANELS[panel.name] = panel
    return panel


def side_panels(side, loss: bool | str = False) -> tuple[SidePanel, ...]:
    """The side panels of a figure: the loss panel first if ``loss`` (against evaluations
    if ``loss="evals"``), then ``side`` (:class:`SidePanel` objects or registered names),
    each once."""
    chosen = [LOSS_EVALS if losses.loss_x(loss) == "evals" else LOSS] if loss else []
    for item in side or ():
        if isinstance(item, str):
            if item not in SIDE_PANELS:
                raise unknown("side panel", item, SIDE_PANELS)
            item = SIDE_PANELS[item]
        elif not isinstance(item, SidePanel):
            raise ParameterError(f"side panels are SidePanel objects or names, not {item!r}")
        if item.name not in [p.name for p in chosen]:
            chosen.append(item)
    return tuple(chosen)


SIDE_LABEL = "side:"


def side_axes(fig) -> dict[str, Any]:
    """The side panels' axes of a race figure, by name."""
    return {
        ax.get_label()[len(SIDE_LABEL) :]: ax
        for ax in fig.axes
        if ax.get_label().startswith(SIDE_LABEL)
    }
