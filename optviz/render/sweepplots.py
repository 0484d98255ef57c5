"""Learning-rate sweeps: the final loss against the rate, one line per optimizer.

Each line has its own colour, marker and dashes (:mod:`.line_ends`) and is named where
it ends or at its starred best rate; a line stops where its rates diverge. The maps of
a surface (basins, curvature, noise bands) are in :mod:`optviz.render.analysis_plots`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import line_ends, style
from .losses import LOSS_FLOOR
from .paths import NAMES, SYMBOLS, optimizer_name
from .plots import new_figure


def _new_axes(ax, size, theme: str, dpi: float = 100):
    if ax is not None:
        return ax
    with style.themed(theme):
        return new_figure(size, dpi).add_subplot()


def swept_name(opt) -> str:
    """An optimizer named as a sweep over its learning rate names it: ``Momentum (μ 0.9)``,
    its other settings but not the rate, which is the x axis.

    >>> import optviz as ov
    >>> swept_name(ov.optimizer("adam:lr=0.3,beta1=0.5")), swept_name(ov.optimizer("gd"))
    ('Adam (β₁ 0.5)', 'GD')
    """
    name = optimizer_name(opt)
    plain = NAMES.get(opt.name, opt.name)
    rate = f"{SYMBOLS.get('lr', 'lr')} "
    items = [i for i in name[len(plain) :].strip(" ()").split(", ") if i and not i.startswith(rate)]
    return f"{plain} ({', '.join(items)})" if items else plain


def sweep_looks(sweep) -> list[dict[str, Any]]:
    """Each swept optimizer's colour, marker and dashes: its own on every plot
    (:func:`.line_ends.identity_looks`), whatever its place in the list."""
    return line_ends.identity_looks([opt.name for opt in sweep.optimizers])


# -- sweep -----------------------------------------------------------------------------------------
def plot_sweep(
    sweep,
    ax=None,
    *,
    best: dict | None = None,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
    panels: bool | None = None,
):
    """Score against learning rate per optimizer on log axes.

    One message: how wide each optimizer's window of good rates is (a bar per optimizer
    along the bottom, its width in words). A line stops where its rates diverge; rows of
    crosses and a dotted line per optimizer at its first diverging rate drowned the
    windows. ``best`` (key -> rate) marks chosen rates with a star.

    >>> from optviz.analysis import sweep
    >>> ax = plot_sweep(sweep("quadratic", ["gd"], lrs=[0.1, 0.5, 1.5], steps=10), dpi=40)
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    from matplotlib.lines import Line2D

    many = len(sweep.keys) > PANELS_OVER
    if panels or (panels is None and many and sweep.objective == "final"):
        return plot_sweep_panels(sweep, ax, best=best, size=size, theme=theme, dpi=dpi,
                                 title=title)  # fmt: skip
    style.check_theme(theme)
    surface = sweep.surface
    steps_mode = sweep.objective == "steps"
    shift = 0.0 if steps_mode or surface.min_value is None else surface.min_value
    ink = style.ink(theme)
    n_opt = len(sweep.keys)
    band = min(0.05 + 0.03 * n_opt, 0.32)  # the bottom strip of the good windows
    with style.themed(theme):
        ax = _new_axes(ax, size, theme, dpi)
        ys, floored, log = [], False, True
        curves = []
        for i in range(n_opt):
            score = sweep.score[i].astype(float)
            ok = ~sweep.diverged[i] & np.isfinite(score)
            y = np.where(ok, score - shift, np.nan)
            if steps_mode:
                y = np.where(y > sweep.steps, np.nan, y)
            elif np.any(y[ok] < LOSS_FLOOR) and surface.min_value is not None:
                floored = floored or bool(np.any(y[ok] < LOSS_FLOOR))
                y = np.where(ok, np.maximum(y, LOSS_FLOOR), np.nan)
            curves.append((ok, y))
            ys.append(y[np.isfinite(y)])
        ys = np.concatenate(ys) if ys else np.zeros(0)
        if steps_mode:
            ys = np.append(ys, sweep.steps + 1)
        log = bool(len(ys) and ys.min() > 0)
        lines, names, stars = [], [], []
        looks = sweep_looks(sweep)
        for i, key in enumerate(sweep.keys):
            look = looks[i]
            c = look["color"]
            lrs, score = sweep.lrs[i], sweep.score[i]
            ok, y = curves[i]
            # a line over few rates (one that soon diverges) is drawn over the longer ones,
            # whose markers would bury it where they run together
            lift = 0.5 * float(1 - np.mean(ok))
            lines += ax.plot(lrs, y, lw=2.2, ms=7, mec=ink, mew=0.6, zorder=3 + lift, **look)
            if steps_mode:  # rates that did not converge: open markers on the ceiling
                miss = ok & (score > sweep.steps)
                ax.plot(lrs[miss], np.full(miss.sum(), sweep.steps + 1.0), look["marker"],
                        mfc="none", mec=c, ms=7, zorder=3)  # fmt: skip
            name = swept_name(sweep.optimizers[i])
            if best and key in best:
                j = int(np.searchsorted(lrs, best[key]))
                ax.plot([best[key]], [y[j]], "*", ms=20, mfc=c, mec=ink, mew=1.2, zorder=6)
                name = f"{name}: best rate {best[key]:.2g}"
            stars.append((best[key], y[j]) if best and key in best else None)
            names.append(name)
        ax.set_xscale("log")
        ax.set_yscale("log" if log else "linear")
        windows = [] if steps_mode or not log else good_windows(sweep)
        under = band if any(w is not None for w in windows) else 0.0
        _leave_room(ax, ys, 0.0, log, under)
        if under:
            _draw_windows(ax, sweep, windows, under, theme)
        # a best rate is named at its star; a line without one at its end, with room there
        at_end = [k for k, star in enumerate(stars) if star is None]
        line_ends.room_right(ax, [lines[k] for k in at_end], [names[k] for k in at_end])
        line_ends.label_ends(ax, lines, names, at=stars)
        ax.set_xlabel("learning rate")
        if steps_mode:
            ax.axhline(sweep.steps + 1, color=ink, lw=0.8, ls="--", alpha=0.6)
            ax.set_ylabel(f"steps to converge (open: not in {sweep.steps})")
        else:
            what = "final loss" if sweep.objective == "final" else "mean loss over the run"
            what += " above the minimum" if surface.min_value is not None else ""
            if floored:
                floor = _power_of_ten(LOSS_FLOOR)
                what += f" (below {floor}: drawn at {floor})"
            ax.set_ylabel(what)
        ax.grid(True, which="major", alpha=0.5)
        plain_log_ticks(ax, locate=False)  # one style: decimals or powers of ten
        handles, labels = [], []
        if under:
            handles.append(Line2D([], [], color=ink, lw=7, solid_capstyle="butt"))
            labels.append(f"rates that end {1 - WITHIN:.0%} of the way down")
        if best:
            handles.append(Line2D([], [], color=ink, ls="none", marker="*", ms=14))
            labels.append("best rate")
        # the key on the line of the setup, above the plot: never on a curve or a name
        if handles:
            ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                      ncol=len(labels),
                      frameon=False, borderaxespad=0.2, handletextpad=0.4,
                      columnspacing=1.2)  # fmt: skip
        words = setup_words(sweep)
        if any(sweep.diverged[i].any() for i in range(n_opt)):
            words += "\na line stops where its rates diverge"
        ax.annotate(words, (0, 1), xycoords="axes fraction", xytext=(0, 7),
                    textcoords="offset points", ha="left", va="bottom",
                    fontsize=style.at_least(13), color=ink, gid="setup")  # fmt: skip
        starts = f", {sweep.starts} starts" if sweep.starts > 1 else ""
        pad = 34 + 22 * words.count("\n")  # over every line of the setup words
        ax.set_title(title or f"{surface.title or surface.name}: {sweep.horizon}{starts}", pad=pad)
    return ax


def setup_words(sweep) -> str:
    """The run behind every point and how it is scored, said under the title: two sweeps
    of one surface that disagree differ by these (:func:`run_words`).

    >>> from types import SimpleNamespace as S
    >>> setup_words(S(steps=300, start_xy=np.array([-1.2, 1.0]), objective="final"))
    'each rate: 300 steps from (−1.2, 1), scored by the final loss'
    """
    score = {"final": "the final loss", "auc": "the mean loss over the run",
             "steps": "the steps to converge"}.get(sweep.objective, sweep.objective)  # fmt: skip
    return f"{run_words(sweep).replace('each rate', 'each rate:', 1)}, scored by {score}"


def _leave_room(ax, ys: np.ndarray, band: float, log: bool, under: float = 0.0) -> None:
    """Y limits that keep every curve between the top strip of diverged rates and the
    bottom strip (``under``, a fraction of the axes) of the good windows."""
    if not len(ys):
        return
    lo, hi = float(ys.min()), float(ys.max())
    room = 1 - band - 0.04 - under
    if log:
        a, b = np.log10(lo) - 0.3, np.log10(max(hi, lo * 1.01)) + 0.1
    else:
        pad = 0.05 * (hi - lo or 1.0)
        a, b = lo - pad, hi + pad
    span = (b - a) / room
    limits = (a - under * span, a - under * span + span)
    ax.set_ylim(*(10**v for v in limits) if log else limits)
    floor, ceiling = (10**a, 10**b) if log else (a, b)
    ticks = [t for t in ax.get_yticks() if floor <= t <= ceiling]
    # nor minor ticks: on a log axis they ran down the window strip's edge like a ruler
    minor = [t for t in ax.yaxis.get_minorticklocs() if floor <= t <= ceiling]
    if ticks:  # no tick labels inside the strips of diverged rates and good windows
        ax.set_yticks(ticks)
        ax.set_yticks(minor, minor=True)
        ax.set_ylim(*(10**v for v in limits) if log else limits)


def _under(ax) -> float | None:
    """The height (axes fraction) of ``ax``'s strip of good windows, if it has one."""
    strip = [p for p in ax.patches if p.get_gid() == "window-strip"]
    return strip[0].get_height() if strip else None


def run_words(sweep) -> str:
    """The run every rate had, in words: two sweeps of one surface differ by these.

    >>> from types import SimpleNamespace as S
    >>> run_words(S(steps=300, start_xy=np.array([-1.2, 1.0])))
    'each rate 300 steps from (−1.2, 1)'
    >>> run_words(S(steps=50, start_xy=np.zeros((3, 2))))
    'each rate 50 steps from 3 starts'
    """
    xy = getattr(sweep, "start_xy", None)
    if xy is None:
        return f"each rate {sweep.steps} steps"
    if xy.ndim > 1:
        return f"each rate {sweep.steps} steps from {len(xy)} starts"
    where = ", ".join(f"{v:g}".replace("-", "−") for v in xy)
    return f"each rate {sweep.steps} steps from ({where})"


WITHIN = 0.01  # a rate is good when it ends within this share of the start's gap


def good_windows(sweep) -> list:
    """Per optimizer, the rates that end within :data:`WITHIN` of the start's gap above
    the minimum (the lesson's window), or None; all None when the gap is unknown."""
    floor, first = sweep.surface.min_value, getattr(sweep, "start_loss", np.nan)
    if floor is None or not np.isfinite(first) or first <= floor:
        return [None] * len(sweep.keys)
    out = []
    for lrs, loss, bad in zip(sweep.lrs, sweep.final_loss, sweep.diverged, strict=True):
        good = ~np.asarray(bad) & (np.asarray(loss, float) - floor <= WITHIN * (first - floor))
        out.append(np.asarray(lrs)[good] if good.any() else None)
    return out


def _power_of_ten(value: float) -> str:
    """A power of ten as a slide writes it, not as code does (``1e-16``).

    >>> _power_of_ten(1e-16), _power_of_ten(100.0)
    ('10⁻¹⁶', '10²')
    """
    digits = str(round(float(np.log10(value)))).translate(
        str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    )
    return f"10{digits}"


def _span_words(rates: np.ndarray) -> str:
    if len(rates) == 1:
        return "one rate"
    decades = float(np.log10(rates.max() / rates.min()))
    return f"{decades:.1f} decade" + ("" if decades == 1 else "s")


def _draw_windows(ax, sweep, windows: list, under: float, theme: str) -> None:
    """The lesson's window drawn: the threshold as a line across the plot, and each
    optimizer's good rates as a bar on a strip along the bottom, its length in words."""
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import blended_transform_factory

    ink = style.ink(theme)
    gap = sweep.start_loss - sweep.surface.min_value
    line = ax.axhline(WITHIN * gap, color=ink, lw=1.4, ls=(0, (6.0, 3.0)), alpha=0.75,
                      zorder=2.5)  # fmt: skip
    # named from the left, where sweeps start slow, but clear of any curve that crosses it
    ax.add_artist(line_ends.ThresholdLabel(ax, line, f"below: {1 - WITHIN:.0%} of the way down",
                                           fontsize=style.at_least(13), color=ink, zorder=5,
                                           gid="threshold-label"))  # fmt: skip
    ax.add_patch(Rectangle((0, 0), 1, under, transform=ax.transAxes, lw=0, alpha=0.35,
                           color=style.THEMES[theme]["grid.color"], zorder=1,
                           gid="window-strip"))  # fmt: skip
    below = blended_transform_factory(ax.transData, ax.transAxes)
    n = len(windows)
    looks = sweep_looks(sweep)
    for i, rates in enumerate(windows):
        if rates is None:
            continue
        look = looks[i]
        row = under * (n - i - 0.25) / (n + 0.25)
        # a plain bar over its rates, half a rate either side: markers a rate apart ran
        # into a blob, and a window of one rate is still a bar one rate wide
        half = _half_step(sweep.lrs[i])
        ends = np.array([rates.min() / half, rates.max() * half])
        ax.plot(ends, [row, row], transform=below, color=look["color"], lw=7,
                solid_capstyle="butt", zorder=4, gid="good-window")  # fmt: skip
        name = swept_name(sweep.optimizers[i])
        ax.annotate(f"{name}: {_span_words(rates)}", (ends[1], row),
                    xycoords=("data", below), xytext=(9, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=style.at_least(13),
                    color=line_ends.text_color(look["color"], ax.get_facecolor()),
                    zorder=5)  # fmt: skip


def _half_step(lrs) -> float:
    """Half a step of a log-spaced grid of rates, as a factor (1.0 for a single rate)."""
    lrs = np.sort(np.asarray(lrs, float))
    return float(np.sqrt(np.median(lrs[1:] / lrs[:-1]))) if len(lrs) > 1 else 1.0


# -- one panel per optimizer ----------------------------------------------------------------------
PANELS_OVER = 4  # a sweep of more optimizers than this is drawn one panel per optimizer
CONTEXT = "#c4c4c4"  # the other optimizers' curves in a panel: there, not competing


def rate_text(value: float, _pos=None) -> str:
    """A learning rate or a loss as a slide writes a tick, at full size (a superscript
    exponent is 9 px): plain from 0.01 to 1000, else ``1e-4``.

    >>> [rate_text(v) for v in (1e-5, 0.001, 0.01, 1.0, 100.0, 1e4)]
    ['1e-5', '1e-3', '0.01', '1', '100', '1e4']
    """
    if value <= 0 or not np.isfinite(value):
        return ""
    if 0.01 <= value <= 1000:
        return f"{value:g}"
    return f"1e{round(float(np.log10(value)))}"


def plain_log_ticks(ax, which: str = "both", locate: bool = True) -> None:
    """Ticks of ``ax``'s log axes at whole decades (or, with ``locate`` false, where they
    are), written as every log axis is (:func:`style.log_formatter`)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for name in ("x", "y") if which == "both" else (which,):
        axis = getattr(ax, f"{name}axis")
        if getattr(ax, f"get_{name}scale")() != "log":
            continue
        axis.set_major_formatter(style.log_formatter(FuncFormatter(rate_text)))
        axis.set_minor_formatter(NullFormatter())
        if locate:
            axis.set_major_locator(LogLocator(base=10, numticks=6))


def plot_sweep_panels(sweep, ax=None, *, best=None, size="16:9", theme="light", dpi=100,
                      title=None):  # fmt: skip
    """A sweep of many optimizers (or a tuned one), one panel each: its curve, its best
    rate starred, its diverged rates shaded as one hatched block right of the first, and
    in words its best rate and the rates that get 99% of the way down (shaded), or that
    none does. Nothing else: the other optimizers' curves, rows of crosses a rate apart
    and leaders to the star were clutter the lesson does not need.
    Returns the panels (a 2-D array of Axes); ``ax``, if given, is replaced by them."""
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    style.check_theme(theme)
    ink = style.ink(theme)
    with style.themed(theme):
        if ax is None:
            ax = new_figure(size, dpi, layout=None).add_subplot()
        fig = ax.figure
        ax.remove()
        n = len(sweep.keys)
        rows = 1 if n <= 3 else max(2, int(np.ceil(n / 4)))
        cols = int(np.ceil(n / rows))
        # its own margins, which a later tight layout keeps: it knows nothing of the key
        # the foot near the shared "learning rate": 45 px apart, the two read as unrelated
        grid = fig.add_gridspec(rows, cols, left=0.095, right=0.975, top=0.71, bottom=0.1,
                                hspace=0.55, wspace=0.16)  # fmt: skip
        first = fig.add_subplot(grid[0, 0])
        panels = np.array([[first if (r, c) == (0, 0) else
                            fig.add_subplot(grid[r, c], sharex=first, sharey=first)
                            for c in range(cols)] for r in range(rows)])  # fmt: skip
        shift = sweep.surface.min_value or 0.0
        curves = [np.where(~d & np.isfinite(s), np.maximum(s - shift, LOSS_FLOOR), np.nan)
                  for s, d in zip(sweep.final_loss, sweep.diverged, strict=True)]  # fmt: skip
        looks = sweep_looks(sweep)
        windows = good_windows(sweep)
        gap = sweep.start_loss - shift if sweep.surface.min_value is not None else np.nan
        lrs = np.concatenate(sweep.lrs)
        first.set_xlim(lrs.min() / 1.6, lrs.max() * 1.6)
        for panel in panels.flat:
            panel.set_xscale("log")
            panel.set_yscale("log")
        for i, panel in enumerate(panels.flat):
            if i >= n:
                panel.set_visible(False)
                continue
            _draw_panel(panel, sweep, i, curves, looks[i], windows[i], gap, best, ink)
        for panel in panels.flat:
            plain_log_ticks(panel)
            panel.grid(True, which="major", alpha=0.5)
        for panel in panels[:, 1:].flat:
            panel.tick_params(labelleft=False)
        for k, panel in enumerate(panels.flat):
            panel.tick_params(labelbottom=k + cols >= n)  # the lowest panel of its column
        ys = np.concatenate([c[np.isfinite(c)] for c in curves])
        lo, hi = np.log10(ys.min()), np.log10(ys.max())
        # room below the lowest star and above the highest curve for two lines of words
        first.set_ylim(10 ** (lo - 0.18 * (hi - lo) - 0.4), 10 ** (hi + 0.3 * (hi - lo) + 0.3))
        fig.supxlabel("learning rate", fontsize=style.at_least(15))
        fig.supylabel("final loss above the minimum", fontsize=style.at_least(15))
        handles = [Patch(fc="none", ec=ink, hatch="xx", lw=0.8),
                   Line2D([], [], color=ink, ls="none", marker="*", ms=15)]  # fmt: skip
        labels = ["diverged", "best rate"]
        if np.isfinite(gap):  # the bands in their own colours, the dashed line apart: a
            # grey swatch over a dashed line matched neither
            handles.append(tuple(Patch(color=look["color"], alpha=0.3) for look in looks))
            labels.append(f"rates that end {1 - WITHIN:.0%} down")
            handles.append(Line2D([], [], color=ink, lw=1.2, ls=(0, (6.0, 3.0)), alpha=0.6))
            labels.append(f"{1 - WITHIN:.0%} of the way from the start to the minimum")
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False,
                   bbox_to_anchor=(0.5, 0.875), fontsize=style.at_least(14),
                   columnspacing=1.2, handletextpad=0.5,
                   handler_map={tuple: HandlerTuple(ndivide=None, pad=0)})  # fmt: skip
        fig.suptitle(title or f"{sweep.surface.title or sweep.surface.name}: {sweep.horizon}",
                     fontsize=style.at_least(20), y=0.985)  # fmt: skip
        fig.text(0.5, 0.915, setup_words(sweep), ha="center", va="center",
                 fontsize=style.at_least(14), color=ink, gid="setup")  # fmt: skip
    return panels


def _draw_panel(ax, sweep, i, curves, look, window, gap, best, ink) -> None:
    lrs, y, bad = sweep.lrs[i], curves[i], sweep.diverged[i]
    ax.plot(lrs, y, lw=2.6, ms=7, mec=ink, mew=0.6, zorder=4, **look)
    c = look["color"]
    ink_c = line_ends.text_color(c, ax.get_facecolor())
    if bad.any():  # one hatched block from the first diverging rate on, not a row of crosses
        edge = lrs[bad].min() / _half_step(lrs)
        ax.axvspan(edge, ax.get_xlim()[1] * 10, fc="none", ec=c, hatch="xx", lw=0, alpha=0.55,
                   zorder=1, gid="diverged")  # fmt: skip
        ax.axvline(edge, color=c, lw=1.8, zorder=3)
    elif np.isfinite(y).any():  # said: the title's "far below divergence" needs it
        ax.annotate(f"no rate diverges\n(up to {lrs.max():g})", (0.97, 0.96),
                    xycoords="axes fraction", ha="right", va="top", color=ink_c,
                    fontsize=style.at_least(15), gid="no-divergence")  # fmt: skip
    name = swept_name(sweep.optimizers[i])
    # the words on a line of their own under the name: in the plot a box over them hid
    # where divergence began, and there is no free corner beside a window one rate wide
    ax.set_title(name, color=ink_c, fontsize=style.at_least(16), fontweight="bold", pad=28)
    words = []
    key = sweep.keys[i]
    if best and key in best:
        j = int(np.searchsorted(lrs, best[key]))
        # hollow: the point it stars shows inside it
        ax.plot([best[key]], [y[j]], "*", ms=26, mfc="none", mec=c, mew=2.6, zorder=6,
                gid="best")  # fmt: skip
        # the point it stars drawn again over the star's outline, which hid it
        ax.plot([best[key]], [y[j]], ls="none", marker=look.get("marker", "o"), ms=7,
                mfc=c, mec=ink, mew=0.6, zorder=6.5, gid="best-point")  # fmt: skip

        words.append(f"★ {best[key]:.2g}")
    if np.isfinite(gap):
        ax.axhline(WITHIN * gap, color=ink, lw=1.0, ls=(0, (6.0, 3.0)), alpha=0.5, zorder=2)
        if window is not None:
            half = _half_step(lrs)
            ax.axvspan(window.min() / half, window.max() * half, color=c, alpha=0.3, lw=0,
                       zorder=1, gid="good-window")  # fmt: skip
            words.append(f"99% down: {_span_words(window)}")
        else:
            words.append("no rate gets 99% down")
    ax.annotate("  ·  ".join(words), (0.5, 1.0), xycoords="axes fraction", xytext=(0, 5),
                textcoords="offset points", ha="center", va="bottom",
                fontsize=style.at_least(13), color=ink_c, gid="window-words")  # fmt: skip
