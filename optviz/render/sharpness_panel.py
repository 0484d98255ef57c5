"""The sharpness panel beside a race or a landscape: each optimizer's sharpness as a
:class:`Series`, the panel's scale, its stability lines named at their right ends, the
curves drawn whole (a still) or grown frame by frame (:class:`SharpnessOverlay`).

Separate from :mod:`.sharpnessplots`, whose figures of their own (networks' loss and
sharpness side by side, a race's sharpness) stand alone: this panel is one slot of
another figure's layout, and animations and landscapes place it there.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import line_ends, style


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


PANEL_LABEL = "sharpness"
KEY_POINTS = 13  # the stability lines' names: 18 px at 100 dpi
BAND = 0.4  # values all above this share of the highest: the axis zooms to them
HEAD_ROOM_POINTS = 14.0  # a line's name starts this far right of the panel: past nested heads


def sharpness_layout(base: Any) -> Any:
    """``base`` (a layout like :func:`optviz.render.race_figure.race_layout`) with a
    sharpness panel in the side slot: below the loss panel when there is one, in its
    place otherwise. The panel's stability lines and scale are drawn once, with the
    background; :class:`SharpnessOverlay` grows the curves frame by frame."""

    def layout(race, kind: str, loss: bool, size, dpi: float, theme: str, title, **kw):
        from .losses import setup_loss_axes

        if not loss and is_number_line(race_series(race)):  # a strip under the maps
            kw.setdefault("under_share", NUMBER_LINE_SHARE)
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
        setup_sharpness_axes(ax, race_series(race), len(race.trajectories[0].loss) - 1)
        return fig, panels, loss_ax

    return layout


class Series(NamedTuple):
    """One optimizer's sharpness in a panel: measured at ``steps``, held against ``line``
    (a :class:`~optviz.engine.sharpness.Threshold` or ``None``); ``index`` is its run;
    ``look`` (else ``index``) picks its colour, line style and marker; ``name`` is short
    (``Adam``)."""

    index: int
    steps: np.ndarray
    values: np.ndarray
    preconditioned: bool
    line: Any
    name: str
    tag: str = ""  # a longer name where short ones repeat: ``GD (lr 0.3)``
    look: dict | None = None  # its run's colour, line style, marker (.paths.run_looks)

    @property
    def color(self) -> str:
        # without a run's look, the lines' colours in turn (a race's, not the palette's)
        return self.look["color"] if self.look else line_ends.look(self.index)["color"]

    @property
    def linestyle(self) -> Any:
        return self.look["linestyle"] if self.look else style.linestyle(self.index)

    @property
    def marker(self) -> str:
        return self.look["marker"] if self.look else style.marker(self.index)


def race_series(race: Any) -> list[Series]:
    """The series of every trajectory of a race run with ``sharpness=True``."""
    from ..engine.sharpness import threshold
    from .paths import readable, run_looks

    out = []
    looks = run_looks(race.trajectories)
    for i, traj in enumerate(race.trajectories):
        values, pre = _shown(traj)
        if values is not None:
            name = readable(traj).split(" (")[0]
            line = threshold(traj.optimizer, traj.lr)
            out.append(Series(i, np.arange(len(values)), values, pre, line, name, readable(traj),
                              looks[i]))  # fmt: skip
    return out


def network_series(runs: list[Any], names: list[str] | None = None) -> list[Series]:
    """The series of networks' :class:`~optviz.analysis.sharpness.SharpnessRun` s."""
    names = names or [r.label.split(" (")[0] for r in runs]
    return [Series(i, r.at, r.sharpness, r.preconditioned, r.line, name)
            for i, (r, name) in enumerate(zip(runs, names, strict=True))]  # fmt: skip


def setup_sharpness_axes(ax: Any, series: list[Series], steps: int) -> None:
    """Scale, labels and limits of the panel fitted to every curve and line over the
    whole run, and the stability lines themselves (they do not move), each named at its
    right end in its own colour."""
    if not series:
        from ..util.errors import ParameterError

        raise ParameterError("a sharpness panel needs runs with sharpness=True")
    if _number_line(ax, series):
        return
    seen = [c.values for c in series] + [c.line.values for c in series if c.line is not None]
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in seen])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.1, 10.0)
    if hi > 10 * lo:  # decades apart: a log scale shows each curve against its line
        ax.set_yscale("log")
        ax.set_ylim(lo / 1.6, hi * 2.2)  # room above the highest line for its name
    elif lo > BAND * hi:  # every value in a band far from zero: zoom to the band, or
        pad = 0.2 * (hi - lo) or 0.1 * hi  # lines a few per cent apart merge into one
        ax.set_ylim(lo - pad, hi + pad)
    else:
        ax.set_ylim(0, hi * 1.15)
    _zoom_to_the_curves(ax, series)
    ax.set_xlim(0, max(steps, 1))
    ax.set_xlabel("step")
    adaptive = [c.name for c in series if c.preconditioned]
    note = f"\n({', '.join(adaptive)}: preconditioned)" if adaptive else ""
    ax.set_ylabel(f"sharpness{note}")
    ax.grid(True, which="major", lw=0.6)
    _stability_lines(ax, [c for c in series if c.line is not None])
    from .losses import room_for_heads

    room_for_heads(ax)  # the curves' end marks whole at the figure's right edge


MIN_GAP_PX = 30  # flat lines and curves closer than this on the panel: it zooms
UNSTABLE = "#f6d5d5"  # the side of the sharpness where 2/lr is under it


NUMBER_LINE_SHARE = 0.27  # of the frame's height, a number line under a row of maps: a
# strip (at 0.375 it took a third of the frame from the maps the lesson is on)


def is_number_line(series: list[Series]) -> bool:
    """Whether the panel of ``series`` is a number line (:func:`_number_line`)."""
    with_lines = [c for c in series if c.line is not None]
    if _shared_value(series) is None or len(with_lines) != len(series) or len(series) < 2:
        return False
    return all(_flat(c.line.values) for c in with_lines)


def _number_line(ax: Any, series: list[Series]) -> bool:
    """One sharpness shared by every run, constant, and constant lines (one bowl, plain
    GD): the panel is a number line of the sharpness and each run's line 2/lr, instead
    of flat lines against the step (a flat line at 5 under three stacked heads, with a
    line beyond the zoom only named). Returns whether it drew one."""
    if not is_number_line(series):
        return False
    with_lines = [c for c in series if c.line is not None]
    shared = _shared_value(series)
    ink = ax.yaxis.label.get_color()
    levels = [_level(c.line.values) for c in with_lines]
    lo, hi = min([shared, *levels]), max([shared, *levels])
    pad = 0.18 * (hi - lo) or 0.1 * abs(hi) or 1.0
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.axvspan(lo - pad, shared, color=UNSTABLE, lw=0, zorder=0, gid="unstable side")
    ax.axvline(shared, color=ink, lw=3.0, gid="sharpness line")
    ax.text(shared, 0.06, f" sharpness\n = {shared:.3g}", color=ink, ha="left", va="bottom",
            fontsize=KEY_POINTS, fontweight="bold", gid="sharpness name")  # fmt: skip
    ax.text(lo - pad, 0.06, " 2/lr under it:\n diverges", color="#8b1a1a", ha="left",
            va="bottom", fontsize=KEY_POINTS, gid="side name")  # fmt: skip
    names = [(c.tag or c.name).split(":")[0] for c in with_lines]
    for c, level, name in zip(with_lines, levels, names, strict=True):
        ax.axvline(level, color=c.color, lw=2.4, ls=(0, (5, 3)),
                   gid="stability line")  # fmt: skip
        under = level < shared  # named on its far side from the sharpness: off its line
        ax.text(level, 0.94, f"{name} \n2/lr = {level:.3g} " if under
                else f" {name}\n 2/lr = {level:.3g}", color=c.color,
                ha="right" if under else "left", va="top", fontsize=KEY_POINTS,
                fontweight="bold", gid="stability name", multialignment="right" if under
                else "left")  # fmt: skip
    ax.set_xlabel("stability line 2/lr of each rate, against the sharpness (lands where the"
                  " line is over it)")  # fmt: skip
    ax.set_ylabel("")
    ax.set_label(PANEL_LABEL)
    ax._optviz_number_line = True
    return True


def _shared_value(series: list[Series]) -> float | None:
    """The constant sharpness every run shares, else None."""
    if not series or not all(_flat(c.values) for c in series):
        return None
    levels = [_level(c.values) for c in series]
    return levels[0] if np.allclose(levels, levels[0], rtol=1e-3) else None


def _flat(values: np.ndarray) -> bool:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return bool(len(v)) and float(np.ptp(v)) <= 1e-6 * float(np.abs(v).max() or 1.0)


def _level(values: np.ndarray) -> float:
    return float(np.nanmedian(np.asarray(values, float)))


def _panel_px(ax: Any) -> float:
    return max(ax.get_position().height * ax.figure.get_figheight() * ax.figure.dpi, 1.0)


def _zoom_to_the_curves(ax: Any, series: list[Series]) -> None:
    """Where every curve and line is flat (one bowl: one sharpness) and two of them lie
    under :data:`MIN_GAP_PX` apart, the axis zooms to the curves and the nearest line on
    each side (5 between 4.76 and 5.26 were 12 px apart under a line at 6.67); a line
    further off is named at the edge it lies beyond (:func:`_stability_lines`)."""
    curves = [_level(c.values) for c in series if _flat(c.values)]
    lines = [_level(c.line.values) for c in series if c.line is not None and _flat(c.line.values)]
    flat = len(curves) == len(series) and len(lines) == sum(c.line is not None for c in series)
    levels = sorted(set(curves + lines))
    if not flat or not lines or len(levels) < 2 or ax.get_yscale() != "linear":
        return
    lo, hi = ax.get_ylim()
    if float(np.diff(levels).min()) * _panel_px(ax) / (hi - lo) >= MIN_GAP_PX:
        return
    below = [v for v in lines if v < min(curves)]
    above = [v for v in lines if v > max(curves)]
    a = max(below) if below else min(curves)
    b = min(above) if above else max(curves)
    pad = 0.3 * (b - a) or 0.1 * abs(b) or 1.0  # room for the lines' tags above and below
    ax.set_ylim(a - pad, b + pad)


def _stability_lines(ax: Any, series: list[Series]) -> None:
    """Each line dashed in its optimizer's colour, its formula written right of the
    panel beside its right end: off the lines and the curves' heads, the names spread
    apart where lines lie closer than a name's height (constrained layout makes room).
    A line beyond the panel's zoom is named at that edge with an arrow; a sharpness
    shared by every run (one flat curve) is named among them, in ink; on a zoomed panel
    each line carries its run's name inside, at its left end, told apart without colour."""
    ordered = sorted(series, key=lambda c: float(c.line.values[-1]))
    lo, hi = sorted(ax.get_ylim())
    entries = []  # (value, text, colour, gid)
    for c in ordered:
        end = float(c.line.values[-1])
        arrow = "\u2191 " if end > hi else "\u2193 " if end < lo else ""
        entries.append((end, f"{arrow}{c.line.formula} = {end:.3g}", c.color,
                        "stability name"))  # fmt: skip
    shared = _shared_level(ax, series)
    if shared is not None:
        entries.append(
            (shared, f"sharpness = {shared:.3g}", ax.yaxis.label.get_color(), "sharpness name")
        )
        entries.sort(key=lambda e: e[0])
    to_axes = ax.transScale + ax.transLimits
    wanted = [float(np.clip(to_axes.transform((0.0, e[0]))[1], 0.0, 1.0)) for e in entries]
    height = max(ax.get_position().height * ax.figure.get_figheight() * 72, 1.0)  # points
    for c in ordered:
        ax.plot(np.arange(len(c.line.values)), c.line.values, color=c.color,
                lw=2.0, ls=(0, (5, 3)), gid="stability line")  # fmt: skip
    for (_, text, color, gid), at in zip(entries, spread(wanted, 1.15 * KEY_POINTS / height),
                                         strict=True):  # fmt: skip
        ax.annotate(text, (1.0, at), xycoords="axes fraction", xytext=(HEAD_ROOM_POINTS, 0),
                    textcoords="offset points", ha="left", va="center", color=color,
                    fontsize=KEY_POINTS, annotation_clip=False, gid=gid)  # fmt: skip
    if shared is not None:
        _line_tags(ax, ordered, shared)


def _shared_level(ax: Any, series: list[Series]) -> float | None:
    """The one flat sharpness every run of a zoomed panel shares, else None."""
    if len(series) < 2 or not all(_flat(c.values) for c in series):
        return None
    levels = [_level(c.values) for c in series]
    return levels[0] if np.allclose(levels, levels[0], rtol=1e-3) else None


def _line_tags(ax: Any, ordered: list[Series], shared: float) -> None:
    """Each line's run named inside the panel at its left end (``lr 0.38``): above a
    line over the sharpness, below one under it; a line beyond the zoom, at that edge."""
    from matplotlib.transforms import blended_transform_factory

    names = [c.name.split(":")[0] for c in ordered]
    if len(set(names)) < len(names):  # three GDs: by their rates
        names = [(c.tag or c.name).split(":")[0] for c in ordered]
    if len(set(names)) < len(names):
        return
    lo, hi = sorted(ax.get_ylim())
    where = blended_transform_factory(ax.transAxes, ax.transData)
    for c, name in zip(ordered, names, strict=True):
        end = float(c.line.values[-1])
        up = end >= shared
        x, y, dy, ha = 0.01, end, (4 if up else -4), "left"
        if end > hi or end < lo:  # beyond the zoom: said at that edge, mid-panel, clear
            x, y, dy, ha = 0.5, (hi if end > hi else lo), (-3 if end > hi else 3), "center"
            name = f"{name}: line off the {'top ↑' if end > hi else 'bottom ↓'}"
        ax.annotate(name, (x, y), xycoords=where, xytext=(0, dy), textcoords="offset points",
                    ha=ha, va="bottom" if dy > 0 else "top", color=c.color,
                    fontsize=KEY_POINTS, fontweight="bold", gid="line tag")  # fmt: skip


def spread(wanted: list[float], gap: float) -> list[float]:
    """Ascending places as near ``wanted`` (ascending) as can be with ``gap`` between
    neighbours: pushed up from the lowest, then the whole stack down if it passes 1."""
    out: list[float] = []
    for w in wanted:
        out.append(w if not out else max(w, out[-1] + gap))
    over = out[-1] - 1.0 if out else 0.0
    return [p - over for p in out] if over > 0 else out


def draw_series(ax: Any, series: list[Series]) -> None:
    """Every curve whole (a still); curves that coincide drawn once, in ink."""
    if getattr(ax, "_optviz_number_line", False):
        return  # a number line has no step axis
    for c, (_, drawn) in zip(series, head_fans(series), strict=True):
        if not drawn:
            continue
        if _shared(series, c):
            ax.plot(c.steps, c.values, color=ax.yaxis.label.get_color(), lw=3.0)
            continue
        ax.plot(c.steps, c.values, color=c.color, lw=2.4, ms=6,
                ls=c.linestyle, marker=c.marker,
                markevery=max(1, len(c.values) // 12))  # fmt: skip


HEAD_POINTS = 9.0  # a head's size: 12 px at 100 dpi
FAN_POINTS = 12.0  # heads that coincide sit this far apart along the curve


def head_fans(series: list[Series]) -> list[tuple[tuple[float, float], bool]]:
    """Each curve's head offsets (points along the step axis: fanned leftward, fanned
    rightward) and whether its curve is drawn. Runs with the same values (one surface,
    one sharpness) share one curve, drawn once, and their heads sit side by side on it
    in the runs' order, one at the true step, each run's seen, instead of one stacked
    over the others."""
    out = []
    for k, c in enumerate(series):
        later = sum(_same(c, d) for d in series[k + 1 :])
        earlier = sum(_same(c, d) for d in series[:k])
        out.append(((-FAN_POINTS * later, FAN_POINTS * earlier), earlier == 0))
    return out


def _shared(series: list[Series], c: Series) -> bool:
    return sum(_same(c, d) for d in series) > 1


def _same(a: Series, b: Series) -> bool:
    return a.values.shape == b.values.shape and bool(np.allclose(a.values, b.values, rtol=1e-3))


class SharpnessOverlay:
    """The sharpness curves of the panel :func:`sharpness_layout` made, grown to the
    frame's step like the loss curves (``animate(..., sharpness=True)`` adds one).
    ``series``: what to grow (default: the animated race's own)."""

    def __init__(self, series: list[Series] | None = None):
        self.engine: Any = None
        self.series = series

    def __call__(self, engine: Any, s: float) -> list:
        if self.engine is not engine:  # a new engine (each save or frames() makes one)
            ax = next(a for a in engine.fig.axes if a.get_label() == PANEL_LABEL)
            self.curves = []
            if getattr(ax, "_optviz_number_line", False):  # nothing grows on it
                self.engine = engine
                return []
            series = self.series if self.series is not None else race_series(engine.anim.race)
            from matplotlib.transforms import offset_copy

            ink = style.ink(engine.theme)
            for c, (dx, drawn) in zip(series, head_fans(series), strict=True):
                ps = engine.styles[c.index]
                shared = _shared(series, c)  # one curve for all: in ink, solid
                line = ax.plot([], [], color=ink if shared else ps.color, lw=3.0 if shared
                               else 2.4, ls="-" if shared else ps.linestyle,
                               visible=drawn)[0]  # fmt: skip
                dot = ax.plot([], [], ls="none", marker=ps.marker, ms=HEAD_POINTS,
                              mfc=ps.color, mec=ink, mew=1.0)[0]  # fmt: skip
                # fanned into the panel: rightward in its first half, leftward after
                dot.fans = [offset_copy(ax.transData, engine.fig, x=x, units="points")
                            for x in dx]  # fmt: skip
                for artist in (line, dot):
                    artist.set_animated(True)
                    artist.set_zorder(8)
                dot.set_zorder(8.5)  # heads over every curve
                dot.set_clip_on(False)  # a head on the last step: whole over the panel's edge
                self.curves.append((line, dot, c))
            self.engine = engine
        artists = []
        for line, dot, c in self.curves if self.curves else ():
            shown = max(1, int(np.searchsorted(c.steps, s, side="right")))
            line.set_data(c.steps[:shown], c.values[:shown])
            dot.set_data(c.steps[shown - 1 : shown], c.values[shown - 1 : shown])
            dot.set_transform(dot.fans[int(s <= (c.steps[0] + c.steps[-1]) / 2)])
            artists += [line, dot]
        return artists
