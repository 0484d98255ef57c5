"""Phase maps drawn: converged cells coloured by the metric, diverged ones flat, the boundary
between them a line, and on quadratics the closed form's contours over the map (as in
Goh, "Why Momentum Really Works", Distill 2017).

:func:`plot_phase` is axes-level (``ax=None`` makes a figure); the momentum lesson's figures
built on it (a map beside a zoom into it, one map with the lesson's line) are in
:mod:`optviz.render.lesson_maps`.
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
            field, level = edge_field(phase)
            ax.contour(phase.x, phase.y, field, levels=[level],
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


BLEW_UP_RATE = 2.0  # a run that blew up unmeasured counts as growing this fast


def edge_field(phase: Any) -> tuple[np.ndarray, float]:
    """A field whose contour at the returned level is the edge of divergence.

    On a surface the measured rate goes on across the edge (a run just past it grows
    slowly, > 1 per step), so the edge is drawn where the rate passes 1, between cells:
    a smooth line, not the cells' staircase. A network's map knows only which cells
    blew up, so its edge runs between those cells."""
    rate = phase.metrics.get("rate") if phase.surface is not None else None
    if rate is None:
        return phase.diverged.astype(float), 0.5
    # a run that blew up keeps the growth it measured on its way out (the line lands
    # between cells by it); one without a growth above 1 counts as growing fast, and a
    # trained cell without a rate as shrinking (the line stays on the map's diverged side)
    diverged = phase.diverged
    with np.errstate(invalid="ignore"):
        unknown = diverged & (~np.isfinite(rate) | (rate <= 1))
        field = np.where(unknown, BLEW_UP_RATE, rate)
        return np.where(~diverged & ~(field < 1), 0.0, field), 1.0


SPECK_PX = 14  # a contour piece smaller than this across is noise on a flat field


def drop_specks(ax: Any, cs: Any, smallest: float = SPECK_PX) -> None:
    """Pieces of the contour set ``cs`` under ``smallest`` pixels across taken out: where
    a measured field runs level with the contour's level (the momentum map's flat top)
    its noise drew a row of dots beside the line."""
    keep_pieces(ax, cs, lambda px: np.ptp(px, axis=0).max() >= smallest)


def keep_pieces(ax: Any, cs: Any, keep: Any) -> None:
    """Of each path of the contour set ``cs``, only the pieces (the runs between moves)
    whose points in pixels ``keep`` accepts."""
    from matplotlib.path import Path

    kept = []
    for path in cs.get_paths():
        if path.codes is None or not len(path.vertices):
            kept.append(path)
            continue
        starts = np.flatnonzero(path.codes == Path.MOVETO).tolist() + [len(path.vertices)]
        pieces = [
            Path(path.vertices[a:b], path.codes[a:b])
            for a, b in zip(starts[:-1], starts[1:], strict=True)
            if keep(ax.transData.transform(path.vertices[a:b]))
        ]
        kept.append(Path.make_compound_path(*pieces) if pieces else Path(np.zeros((0, 2))))
    cs.set_paths(kept)


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


def _outlined(width: float) -> list[Any]:
    """A white line with a dark rim: it reads on the bright and the dark end of the map,
    and in a legend on white."""
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=width + 2.4, foreground="#222222"), patheffects.Normal()]


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
