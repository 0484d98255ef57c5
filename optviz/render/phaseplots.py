"""Phase maps drawn: converged cells coloured by the metric, diverged ones flat, the boundary
between them a line, and on quadratics the closed form's contours over the map (as in
Goh, "Why Momentum Really Works", Distill 2017).

:func:`plot_phase` is axes-level (``ax=None`` makes a figure); :func:`plot_zoom` draws a map
beside a zoom into it, the window marked on the wide map.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .plots import new_figure

DIVERGED_COLOR = {"light": "#d9d9d9", "dark": "#3a3d45"}
BOUNDARY_COLOR = {"light": "#111111", "dark": "#f2f2f2"}
RATE_TICKS = (0.5, 0.9, 0.99, 0.999, 0.9999)  # no 0: it sat on 0.5 at the bar's foot
CLOSED_LEVELS = (0.5, 0.9, 0.99)
CMAP = "viridis"
LOSS_DECADES = 8  # a loss bar's span
LOSS_LABEL = "loss after training (lower: trained further)"
EDGE_Z = 4.0  # the edge of divergence: over every line but the closed form's dotted edge
STEPS_TICKS = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
STEPS_LABEL = "steps to shrink the error 10×: fewer = faster"
ZOOM = "#E69F00"
TITLE_CHARS = 80  # a longer title goes on two lines (a 1280-pixel figure holds about 90)


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around grid points (geometric midpoints on a log axis)."""
    v = np.log(values) if log else values
    mid = 0.5 * (v[1:] + v[:-1])
    edges = np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])
    return np.exp(edges) if log else edges


def _rate_norm(top: float):
    """Rate on a scale that spreads the slow end: ``-log10(1 - rate)``."""
    from matplotlib.colors import FuncNorm

    def forward(r):
        return -np.log10(np.clip(1 - np.asarray(r, float), 1e-12, None))

    def inverse(v):
        return 1 - 10.0 ** (-np.asarray(v, float))

    return FuncNorm((forward, inverse), vmin=0.0, vmax=top)


def _norm(phase: Any, shown: np.ndarray):
    from matplotlib.colors import LogNorm, Normalize

    finite = shown[np.isfinite(shown)]
    if phase.metric == "rate":
        top = max(0.99, float(finite.max(initial=0.99)))
        return _rate_norm(min(top, 0.99999))
    if phase.metric == "loss":
        positive = finite[finite > 0]
        lo = float(positive.min()) if positive.size else 1e-12  # (min's initial= is a value)
        hi = float(positive.max()) if positive.size else 1.0
        # at most LOSS_DECADES decades: a bar from 1e-16 to 0.01 spent most of its length
        # on losses that all mean "trained"; lower ones take the bottom colour
        return LogNorm(vmin=max(lo, 1e-16, hi / 10.0**LOSS_DECADES), vmax=max(hi, lo * 10))
    return Normalize(vmin=0, vmax=max(1.0, float(finite.max(initial=1.0))))


def plot_phase(
    phase: Any,
    ax: Any = None,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
    closed_form: bool = True,
    colorbar: bool = True,
    legend: bool = True,
    norm: Any = None,
) -> Any:
    """The map on ``ax`` (a new figure's Axes if None); returns the Axes.

    ``norm``: the colour scale (default: fitted to this map; a zoom passes its parent's).

    >>> from optviz.analysis import phase
    >>> m = phase("elliptic", "momentum", n=4, steps=50, workers=1)
    >>> plot_phase(m, dpi=40).get_xlabel()
    'learning rate'
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    style.check_theme(theme)
    with style.themed(theme):
        if ax is None:
            ax = new_figure(size, dpi).add_subplot()
        diverged = phase.diverged
        show_div = phase.metric != "diverged"
        values = np.where(diverged, np.nan, phase.values) if show_div else phase.values
        xe = _edges(phase.x, phase.x_axis.scale == "log")
        ye = _edges(phase.y, phase.y_axis.scale == "log")
        norm = norm or _norm(phase, values)
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(values), cmap=CMAP, norm=norm,
                             shading="flat", rasterized=True)  # fmt: skip
        flat = ListedColormap([DIVERGED_COLOR[theme]])
        if show_div and diverged.any():
            ax.pcolormesh(xe, ye, np.ma.masked_where(~diverged, np.zeros(diverged.shape)),
                          cmap=flat, shading="flat", rasterized=True)  # fmt: skip
        handles = [Patch(facecolor=DIVERGED_COLOR[theme], edgecolor="#888888", label="diverged")]
        if 0 < diverged.sum() < diverged.size:
            # over the lesson's white line (zorder 3.5), which runs along it where the
            # fast region reaches the edge: the edge stays seen under the star
            ax.contour(phase.x, phase.y, diverged.astype(float), levels=[0.5],
                       colors=BOUNDARY_COLOR[theme], linewidths=2.5,
                       zorder=EDGE_Z).set_gid("edge")  # fmt: skip
            handles.append(Line2D([], [], color=BOUNDARY_COLOR[theme], lw=2.5,
                                  label="boundary (measured)"))  # fmt: skip
        if closed_form and phase.closed_form is not None:
            handles += _closed_form(ax, phase, theme)
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ye[0], ye[-1])
        _scale(ax.xaxis, phase.x_axis.scale, ax.set_xscale)
        _scale(ax.yaxis, phase.y_axis.scale, ax.set_yscale)
        ax.set_xlabel(phase.x_axis.label)
        ax.set_ylabel(phase.y_axis.label)
        if getattr(ax, "_optviz_levels", None) is not None:
            _level_labels(ax, ax._optviz_levels, phase)
        if colorbar:
            _colorbar(ax, mesh, phase)
        if legend:
            ax.legend(*_keys(handles), loc="upper left", bbox_to_anchor=(0.0, -0.13),
                      ncols=len(handles), frameon=False, borderaxespad=0.0)  # fmt: skip
        ax.set_title(title if title is not None else _title(phase))
    return ax


def _scale(axis: Any, scale: str, set_scale: Any) -> None:
    """Log axes ticked at 1, 2 and 5 of each decade, written as plain numbers."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if scale != "log":
        return
    set_scale("log")
    lo, hi = sorted(axis.get_view_interval())
    decades = np.log10(hi / lo) if lo > 0 else 99
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


CLOSED_NAME = "rate by the formula"
EDGE_NAME = "edge by the formula"
GD_NAME = "GD at its best learning rate: momentum is faster inside"
FASTEST_NAME = "fastest cell"


def _outlined(width: float) -> list[Any]:
    """A white line with a dark rim: it reads on the bright and the dark end of the map,
    and in a legend on white."""
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=width + 2.4, foreground="#222222"), patheffects.Normal()]


def _rimmed(width: float) -> list[Any]:
    """A line with a white rim under it."""
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=width + 2.5, foreground="#ffffff"), patheffects.Normal()]


def _keys(handles: list[Any]) -> tuple[list[Any], list[str]]:
    """Legend handles and labels (white lines carry a dark rim: they read on white)."""
    return handles, [h.get_label() for h in handles]


def _closed_form(ax: Any, phase: Any, theme: str) -> list[Any]:
    from matplotlib.lines import Line2D

    found = [lv for lv in CLOSED_LEVELS if phase.closed_form.min() < lv < phase.closed_form.max()]
    if found:
        cs = ax.contour(phase.x, phase.y, phase.closed_form, levels=found, colors="#ffffff",
                        linewidths=1.6, linestyles=[(0, (4, 2))])  # fmt: skip
        ax._optviz_levels = cs  # named once the axes have their scales (see plot_phase)
    handles = [Line2D([], [], color="#ffffff", lw=1.6, ls=(0, (4, 2)), label=CLOSED_NAME,
                      path_effects=_outlined(1.6))]  # fmt: skip
    if phase.closed_form.min() < 1 < phase.closed_form.max():
        # over the measured boundary, wider than it, in dots: where the two agree the
        # boundary shows between the dots, and neither hides the other
        ax.contour(phase.x, phase.y, phase.closed_form, levels=[1.0], colors="#E69F00",
                   linewidths=3.2, linestyles=[(0, (1.0, 1.2))], zorder=4)  # fmt: skip
        handles.append(Line2D([], [], color="#E69F00", lw=3.2, ls=(0, (1.0, 1.2)),
                              label=EDGE_NAME))  # fmt: skip
    return handles


INSET = 0.07  # axes fraction: a level's label keeps this far from the axes' edges
CLEAR = 0.05  # and prefers to keep this far from the diverged cells (the boundary)


def _label_spot(to_frac: Any, pts: np.ndarray, bad_frac: np.ndarray) -> Any:
    """Where on one contour line ``pts`` its level is written: inside the axes, clear of
    the boundary, near the line's middle; ``None`` for a short line or one that only
    runs along the boundary (a label there would sit on the boundary)."""
    if len(pts) < 2:
        return None
    frac = to_frac.transform(pts)
    if np.hypot(*np.diff(frac, axis=0).T).sum() < 0.2:
        return None
    inside = np.all((frac > INSET) & (frac < 1 - INSET), axis=1)
    clear = np.full(len(frac), 1.0)
    if len(bad_frac):
        step = max(len(bad_frac) // 4000, 1)  # enough cells to find the boundary
        d = np.hypot(*(frac[:, None, :] - bad_frac[None, ::step, :]).transpose(2, 0, 1))
        clear = d.min(axis=1)
    ok = inside & (clear >= CLEAR)
    if not ok.any():
        return None
    middle = -np.abs(np.arange(len(frac)) / (len(frac) - 1) - 0.5)
    score = np.where(ok, np.minimum(clear, 0.15) + 0.05 * middle, -np.inf)
    return pts[int(np.argmax(score))]


def _level_labels(ax: Any, cs: Any, phase: Any) -> None:
    """Each closed-form contour line named once, upright, where it runs inside the axes
    and away from the boundary (matplotlib's inline labels turn with the line, so they
    can stand on their heads, and can sit on the axes' edge or on the boundary)."""
    to_frac = ax.transData + ax.transAxes.inverted()
    bad = np.argwhere(phase.diverged)
    bad_xy = np.column_stack([phase.x[bad[:, 1]], phase.y[bad[:, 0]]]) if len(bad) else bad
    bad_frac = to_frac.transform(bad_xy) if len(bad_xy) else np.zeros((0, 2))
    for level, segs in zip(cs.levels, cs.allsegs, strict=False):
        for pts in segs:
            at = _label_spot(to_frac, np.asarray(pts, float), bad_frac)
            if at is None:
                continue
            ax.text(*at, f"{level:g}", ha="center", va="center", fontsize=style.at_least(13),
                    color="#ffffff", zorder=5, clip_on=True, gid="level-label",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "#222222", "ec": "none",
                          "alpha": 0.6})  # fmt: skip


def _colorbar(ax: Any, mesh: Any, phase: Any, cax: Any = None) -> None:
    from ..analysis.phase_maps import METRICS

    finite = np.asarray(mesh.get_array().compressed(), float)
    below = bool(len(finite)) and finite.min() < mesh.norm.vmin  # said by the bar's point
    extend = "min" if below and phase.metric == "loss" else "neither"
    if cax is not None:
        bar = ax.figure.colorbar(mesh, cax=cax, extend=extend)
    else:
        bar = ax.figure.colorbar(mesh, ax=ax, pad=0.02, fraction=0.05, extend=extend)
    label = METRICS[phase.metric]
    # a rate is said as the steps it takes to cut the error tenfold: "rate" beside a
    # learning-rate axis meant two things, and 0.9/0.99/0.999 read as a linear scale
    bar.set_label({"rate": STEPS_LABEL, "loss": LOSS_LABEL}.get(phase.metric, label))
    bar.ax.tick_params(labelsize=style.at_least(13.5))
    if phase.metric == "rate":
        top = mesh.norm.inverse(mesh.norm.vmax)
        ticks = [n for n in STEPS_TICKS if steps_to_tenth_inverse(n) <= top + 1e-12]
        ticks = ticks[:: max(1, -(-len(ticks) // 7))]  # at most seven numbers
        bar.set_ticks([steps_to_tenth_inverse(n) for n in ticks])
        bar.set_ticklabels([f"{n:,}" for n in ticks])
    elif phase.metric == "loss":
        plain_decades(bar.ax.yaxis)


def steps_to_tenth(rate: float) -> float:
    """The steps a per-step factor ``rate`` takes to shrink the error tenfold.

    >>> round(steps_to_tenth(0.1), 6), round(steps_to_tenth(0.92), 1)
    (1.0, 27.6)
    """
    return float(np.log(0.1) / np.log(rate))


def steps_to_tenth_inverse(n: float) -> float:
    """The per-step factor that shrinks the error tenfold in ``n`` steps."""
    return float(10.0 ** (-1.0 / n))


def plain_decades(axis: Any) -> None:
    """A log axis's decades written as ``1e-4``, as the other slides write them, not as
    mathtext powers."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, numticks=8))
    axis.set_major_formatter(FuncFormatter(lambda v, _: decade_words(v)))
    axis.set_minor_formatter(NullFormatter())


def decade_words(v: float) -> str:
    """``1e-4`` for 0.0001, ``1`` for 1, ``10`` and ``100`` as they are.

    >>> [decade_words(v) for v in (1e-12, 0.01, 1.0, 100.0)]
    ['1e-12', '0.01', '1', '100']
    """
    e = int(np.round(np.log10(v))) if v > 0 else 0
    return f"{v:g}" if -2 <= e <= 3 else f"1e{e}"


SHORT = {"rate": "convergence rate", "loss": "final loss", "steps": "steps to converge",
         "diverged": "step of divergence"}  # fmt: skip


def _title(phase: Any) -> str:
    subject = phase.options.get("subject") or f"{phase.optimizer.name} on {phase.surface.name}"
    what = (
        f"{SHORT[phase.metric]} over {phase.y_axis.label} and {phase.x_axis.label} "
        f"({phase.steps} steps)"
    )
    joined = f"{subject}: {what}"
    return joined if len(joined) <= TITLE_CHARS else f"{subject}\n{what}"


def plot_zoom(
    wide: Any,
    zoomed: Any,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
) -> Any:
    """``wide`` beside ``zoomed`` (a map over a smaller window), the window outlined on
    ``wide``; one colour scale for both. Returns the Figure."""
    from matplotlib.patches import ConnectionPatch, Rectangle

    style.check_theme(theme)
    with style.themed(theme):
        fig = new_figure(size, dpi, layout=None)
        left, right = fig.subplots(1, 2, gridspec_kw={"wspace": 0.22})
        norm = _norm(wide, np.where(wide.diverged, np.nan, wide.values))
        # the closed form's lines stay off: beside the lesson's line they made four line
        # encodings to sort out (its agreement with the measured map is a checked claim)
        look = {"theme": theme, "legend": False, "title": "", "norm": norm, "closed_form": False}
        plot_phase(wide, left, colorbar=False, **look)
        plot_phase(zoomed, right, **look)
        x0, x1, y0, y1 = zoomed.x[0], zoomed.x[-1], zoomed.y[0], zoomed.y[-1]
        heading = title if title is not None else _title(wide)
        lines = heading.count("\n") + 1  # the panels' titles stay clear of every line
        fig.subplots_adjust(bottom=0.2, top=0.9 - 0.055 * lines, left=0.07, right=0.91)
        # the frame is the true window (a bigger one misstated what was zoomed into); one
        # too small to find gets a named pointer beside it instead of a bigger frame
        left.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=ZOOM, lw=2,
                                 gid="zoom-frame", zorder=5))  # fmt: skip
        if not _findable(left, x0, y0, x1, y1):
            _point_at_window(left, (x0, y0, x1, y1))
        pairs = (((x1, y1), (x0, y1)), ((x1, y0), (x0, y0)))
        for (xa, ya), (xb, yb) in _connectors(left, right, wide, pairs):
            # a white rim: where a connector crosses the map it reads as a pointer, not data
            link = ConnectionPatch((xa, ya), (xb, yb), "data", "data", axesA=left,
                                   axesB=right, color=ZOOM, lw=1.5, ls="--",
                                   path_effects=_rimmed(1.5))  # fmt: skip
            link.set_gid("zoom-connector")
            fig.add_artist(link)
        left.set_title("the whole window")
        right.set_title("zoomed in (the orange box)")
        right.set_ylabel("")
        _clear_landings(right, (y0, y1))
        handles = _legend_handles(theme, wide, zoomed)
        rows = 1 if len(handles) <= 3 else 2  # a long key in two rows: the frame holds it
        fig.legend(*_keys(handles), loc="lower center", ncols=-(-len(handles) // rows),
                   frameon=False, handlelength=KEY_LENGTH, handleheight=KEY_HEIGHT)  # fmt: skip
        fig.suptitle(heading, fontsize=20)
        for ax, m in ((left, wide), (right, zoomed)):  # laid out: the note finds its spot
            _beats_gd(ax, m, mark=ax is right)
    return fig


def plot_lesson(
    phase: Any,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
) -> Any:
    """One map, the whole width, with the lesson's line, its star and note, and the
    key under it: a zoom beside it halved both and added a frame and connectors the
    lesson did not need. Returns the Figure."""
    style.check_theme(theme)
    with style.themed(theme):
        fig = new_figure(size, dpi, layout=None)
        ax = fig.add_subplot()
        heading = title if title is not None else _title(phase)
        lines = heading.count("\n") + 1  # laid out first: the colour bar takes its room
        top = 0.92 - 0.055 * lines
        fig.subplots_adjust(bottom=0.2, top=top, left=0.07, right=0.87)
        norm = _norm(phase, np.where(phase.diverged, np.nan, phase.values))
        plot_phase(phase, ax, theme=theme, legend=False, title="", norm=norm,
                   closed_form=False, colorbar=False)  # fmt: skip
        # the bar's own axes beside the map: one taken from the map's slot sat far off
        _colorbar(ax, ax.collections[0], phase, cax=fig.add_axes((0.885, 0.2, 0.018, top - 0.2)))
        handles = _legend_handles(theme, phase)
        fig.legend(*_keys(handles), loc="lower center", ncols=len(handles), frameon=False,
                   handlelength=KEY_LENGTH, handleheight=KEY_HEIGHT)  # fmt: skip
        fig.suptitle(heading, fontsize=20)
        _name_flat_top(ax, phase)
        _beats_gd(ax, phase, mark=True)
    return fig


def _name_flat_top(ax: Any, phase: Any) -> None:
    """The lesson line's flat top named: above β = (GD's best)² momentum's own swing
    decays as √β, slower than GD at its best, whatever the learning rate."""
    from matplotlib import patheffects

    gd = gd_best_rate(phase)
    if gd is None or phase.y_axis.name != "momentum" or not phase.y[0] < gd**2 < phase.y[-1]:
        return
    rate = np.where(phase.diverged, np.nan, phase.metrics["rate"])
    row = rate[int(np.searchsorted(phase.y, gd**2)) - 2]
    inside = np.flatnonzero(row < gd)
    if not len(inside):
        return
    x = phase.x[inside[0]]
    ax.annotate(
        f"β above {gd**2:.2f}: too much momentum, slower again",
        (x, gd**2), xytext=(0, 8), textcoords="offset points", ha="left", va="bottom",
        fontsize=style.at_least(15), color="#ffffff", zorder=6, gid="flat-top",
        path_effects=[patheffects.withStroke(linewidth=3, foreground="#111111")],
    )  # fmt: skip


ISLAND_CELLS = 6  # a diverged patch this small, away from the map's edge, is an island


def islands(phase: Any) -> list[tuple[float, float]]:
    """The centres (data) of the small patches of diverged cells that trained cells
    enclose, largest first."""
    from scipy import ndimage

    labels, count = ndimage.label(phase.diverged)
    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    found = []
    for k in range(1, count + 1):
        cells = np.argwhere(labels == k)
        if k in border or len(cells) > ISLAND_CELLS:
            continue
        j, i = cells.mean(axis=0)
        x = float(np.interp(i, np.arange(len(phase.x)), phase.x))
        y = float(np.interp(j, np.arange(len(phase.y)), phase.y))
        found.append((len(cells), (x, y)))
    return [xy for _, xy in sorted(found, key=lambda f: -f[0])]


def _clear_landings(ax: Any, ys: tuple[float, float], near: float = 0.04) -> None:
    """No y tick label where the connectors land on the zoom's left edge (at heights
    ``ys``): the connectors would strike the numbers through."""
    lo, hi = sorted(ax.get_ylim())
    to_frac = ax.transScale + ax.transLimits
    ticks = [v for v in ax.get_yticks() if lo <= v <= hi]
    fracs = [to_frac.transform((0.0, v))[1] for v in ticks]
    lands = [to_frac.transform((0.0, y))[1] for y in ys]
    ax.set_yticks([v for v, f in zip(ticks, fracs, strict=True)
                   if all(abs(f - g) > near for g in lands)])  # fmt: skip


OVER_DATA = 0.2  # a connector running over more of the wide map's cells than this is dropped


def _connectors(left: Any, right: Any, phase: Any, pairs: tuple) -> list:
    """The frame-to-zoom connectors worth drawing: those that cross little of the wide
    map's trained cells (a connector over the data read as part of it); at least one,
    the one that crosses least."""
    share = [_over_data(left, phase, a, right.transData.transform(b)) for a, b in pairs]
    kept = [p for p, f in zip(pairs, share, strict=True) if f <= OVER_DATA]
    return kept or [pairs[int(np.argmin(share))]]


def _over_data(ax: Any, phase: Any, start: tuple, end_px: np.ndarray) -> float:
    """The share of the segment from ``start`` (data on ``ax``) to ``end_px`` (display),
    where it runs inside ``ax``, that lies over cells that did not diverge."""
    a = ax.transData.transform(start)
    pts = a + np.linspace(0, 1, 200)[:, None] * (np.asarray(end_px) - a)
    frame = ax.get_window_extent()
    inside = (pts[:, 0] > frame.x0 + 2) & (pts[:, 0] < frame.x1) & (pts[:, 1] > frame.y0)
    inside &= pts[:, 1] < frame.y1
    if not inside.any():
        return 0.0
    xy = ax.transData.inverted().transform(pts[inside])
    i = np.abs(np.asarray(phase.x)[None, :] - xy[:, :1]).argmin(axis=1)
    j = np.abs(np.asarray(phase.y)[None, :] - xy[:, 1:]).argmin(axis=1)
    return float(np.mean(~phase.diverged[j, i]))


FINDABLE_PX = 64  # a zoom window's frame smaller than this on the wide map gets a pointer


def _findable(ax: Any, x0: float, y0: float, x1: float, y1: float) -> bool:
    """Whether the zoom window ``(x0, y0, x1, y1)`` is at least :data:`FINDABLE_PX`
    wide and tall on ``ax``."""
    (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
    return px1 - px0 >= FINDABLE_PX and py1 - py0 >= FINDABLE_PX


def _point_at_window(ax: Any, window: tuple) -> None:
    """A named arrow to a window too small to find, its words above and beside it."""
    from matplotlib import patheffects

    x0, y0, x1, y1 = window
    centre = (float(np.sqrt(x0 * x1)), float(np.sqrt(y0 * y1)))  # mid on log axes too
    note = ax.annotate(
        "zoomed in here", centre, xytext=(0, 56), textcoords="offset points",
        ha="center", va="bottom", fontsize=style.at_least(16), color=ZOOM, zorder=6,
        gid="zoom-pointer", fontweight="bold",
        path_effects=[patheffects.withStroke(linewidth=3, foreground="#ffffff")],
        arrowprops={"arrowstyle": "-|>", "color": ZOOM, "lw": 2.2, "shrinkB": 8,
                    "path_effects": _rimmed(2.2)},
    )  # fmt: skip
    # away from the zoom panel on the right, where the connectors run, if there is room
    left_room = (ax.transData + ax.transAxes.inverted()).transform(centre)[0]
    note.xyann = (-16, 56) if left_room > 0.4 else (40, 56)
    note.set_ha("right" if left_room > 0.4 else "left")


def gd_best_rate(phase: Any) -> float | None:
    """Gradient descent's best convergence rate on the map's quadratic, (κ − 1)/(κ + 1)
    from the Hessian at the minimum; None off a quadratic or for a map of another metric."""
    surface = getattr(phase, "surface", None)
    if phase.closed_form is None or "rate" not in phase.metrics or surface is None:
        return None
    if not len(surface.minima):
        return None
    low, high = np.linalg.eigvalsh(surface.hess(np.asarray(surface.minima[0], float)))
    return float((high - low) / (high + low)) if high + low > 0 else None


GD_WIDTH = 4.5  # the lesson's line: the boldest on the map


def _beats_gd(ax: Any, phase: Any, mark: bool) -> None:
    """The lesson drawn: the measured rate's contour at GD's best rate (inside it,
    momentum converges faster than gradient descent can), bold, and, when ``mark``, a
    star on the fastest cell and a note naming the line, set where no line runs."""
    from matplotlib import patheffects

    gd = gd_best_rate(phase)
    if gd is None:
        return
    rate = np.where(phase.diverged, np.nan, phase.metrics["rate"])
    if np.nanmin(rate) < gd < np.nanmax(rate):
        # diverged cells as slower than any rate: where the region reaches the edge of
        # divergence its line runs along that edge, whole, not broken by masked cells
        closed = np.where(phase.diverged, 1.0, np.nan_to_num(phase.metrics["rate"], nan=1.0))
        ax.contour(phase.x, phase.y, closed, levels=[gd],
                   colors="#ffffff", linewidths=GD_WIDTH, zorder=3.5,
                   path_effects=_outlined(GD_WIDTH)).set_gid("gd-best")  # fmt: skip
    if not mark:
        return
    j, i = np.unravel_index(np.nanargmin(rate), rate.shape)
    star = (phase.x[i], phase.y[j])
    ax.plot(*star, "*", ms=22, mfc="#E69F00", mec="#111111", mew=1.4, zorder=6,
            gid="fastest-cell")  # fmt: skip
    note = ax.annotate(
        f"inside the white line:\nfaster than GD at its best\n"
        f"({steps_to_tenth(gd):.0f} steps per 10×)\n"
        f"fastest \u2605: {steps_to_tenth(rate[j, i]):.0f} steps per 10×",
        star, xytext=(0.5, 0.5), textcoords="axes fraction", ha="center", va="center",
        fontsize=style.at_least(15), color="#ffffff", zorder=6, gid="gd-note",
        path_effects=[patheffects.withStroke(linewidth=3, foreground="#111111")],
        arrowprops={"arrowstyle": "-|>", "color": "#ffffff", "lw": 1.8, "shrinkB": 12,
                    "path_effects": _outlined(1.8)},
    )  # fmt: skip
    note.xyann = clear_spot(ax, note, phase, star)


def clear_spot(ax: Any, text: Any, phase: Any, near: tuple) -> tuple[float, float]:
    """Where (axes fraction) the centre of ``text`` goes so that its box crosses no
    contour line and no diverged cell, inside the axes, as near ``near`` (data) as can
    be; the least crowded place when no spot is clear."""
    from matplotlib.contour import ContourSet
    from matplotlib.text import Text

    renderer = ax.figure.canvas.get_renderer()
    to_frac = ax.transData + ax.transAxes.inverted()
    box = Text.get_window_extent(text, renderer)  # the words alone, not the arrow
    frame = ax.get_window_extent(renderer)
    w, h = box.width / frame.width + 0.03, box.height / frame.height + 0.03
    pts = [to_frac.transform(p.vertices) for c in ax.collections if isinstance(c, ContourSet)
           for p in c.get_paths() if len(p.vertices)]  # fmt: skip
    bad = np.argwhere(phase.diverged)
    if len(bad):
        pts.append(to_frac.transform(np.column_stack([phase.x[bad[:, 1]], phase.y[bad[:, 0]]])))
    pts = np.concatenate(pts) if pts else np.zeros((0, 2))
    target = to_frac.transform(near)
    best, best_key = (0.5, 0.5), None
    for cx in np.linspace(w / 2 + 0.01, 1 - w / 2 - 0.01, 30):
        for cy in np.linspace(h / 2 + 0.01, 1 - h / 2 - 0.01, 30):
            inside = (np.abs(pts[:, 0] - cx) < w / 2) & (np.abs(pts[:, 1] - cy) < h / 2)
            star = abs(target[0] - cx) < w / 2 + 0.04 and abs(target[1] - cy) < h / 2 + 0.04
            key = (int(inside.sum()) + 1000 * star, float(np.hypot(*(target - (cx, cy)))))
            if best_key is None or key < best_key:
                best, best_key = (float(cx), float(cy)), key
    return best


KEY_LENGTH, KEY_HEIGHT = 3.2, 1.0  # the key's swatches, in font sizes: seen from the back


def _legend_handles(theme: str, *phases: Any) -> list[Any]:
    """The zoom figure's key: the diverged cells, the measured edge and the lesson's line
    (the closed form's lines are not drawn there)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    # small outlined patches inside trained cells are diverged cells too: said in the key
    name = "diverged (grey; also the small outlined islands)" if any(
        islands(p) for p in phases) else "diverged"  # fmt: skip
    handles = [
        Patch(facecolor=DIVERGED_COLOR[theme], edgecolor="#111111", label=name),
        Line2D([], [], color=BOUNDARY_COLOR[theme], lw=2.5, label="edge of divergence"),
    ]
    if any(gd_best_rate(p) is not None for p in phases):
        handles.append(Line2D([], [], color="#ffffff", lw=GD_WIDTH, label=GD_NAME,
                              path_effects=_outlined(GD_WIDTH)))  # fmt: skip
    return handles
