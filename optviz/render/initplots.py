"""Figures for initialization: activations and gradients layer by layer, and saturation.

The numbers come from :mod:`optviz.nets`; this module only draws them. Axes-level
functions take ``ax=None`` and return the Axes; figure-level ones build a themed
:class:`matplotlib.figure.Figure` (see :func:`optviz.render.plots.new_figure`) and return it.
:func:`optviz.render.init_explorer.init_explorer` is the entry point: it runs the deep
nets once and offers every view of them. The figure-level views (histograms, grid,
summary) are in :mod:`optviz.render.init_figures`; symmetry and batch normalization
figures in :mod:`optviz.render.netfigures`.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import nets
from ..util.errors import ParameterError, unknown

DEFAULT_SCHEMES = ("small", "large", "xavier_normal", "he_normal")
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
ANIMATION_SUFFIXES = (".gif", ".mp4", ".webp")
KINDS = ("activations", "gradients")
SUMMARY_KINDS = ("act_std", "grad_std", "saturation")
_SUMMARY_LABELS = {
    "act_std": "std of activations",
    "grad_std": "std of back-propagated gradients",
    "saturation": "fraction saturated",
}
SATURATED_WORDS = {  # what counts as saturated (optviz.nets.layers.saturated), in words
    "tanh": "|tanh| > 0.99",
    "sigmoid": "under 0.01 or over 0.99",
    "relu": "at 0",
    "leaky_relu": "on the flat side",
}


# ---------------------------------------------------------------- helpers


def _new_figure(size, dpi=100):
    from .plots import new_figure  # one factory: pyplot when in use, else Agg

    return new_figure(size, dpi, layout=None)


def _new_axes(ax):
    if ax is not None:
        return ax
    return _new_figure("small").add_subplot()


def _is_dark(ax) -> bool:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(ax.get_facecolor())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5


def _layer_colors(n: int, dark: bool) -> list:
    """Sequential colors, shallow to deep, that stay visible on the theme's background:
    on a light one viridis stops at 0.6, where it still has 3:1 contrast on white (past
    it the greens turn lime and the deepest layer, the one the lesson ends on, fades)."""
    from matplotlib import colormaps

    lo, hi = (0.3, 1.0) if dark else (0.0, 0.6)
    return [colormaps["viridis"](v) for v in np.linspace(lo, hi, max(n, 2))][:n]


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise unknown("kind", kind, KINDS)
    return kind


def _samples(stats: nets.LayerStats, kind: str) -> np.ndarray:
    return stats.activations if _check_kind(kind) == "activations" else stats.gradients


def _std(stats: nets.LayerStats, kind: str) -> np.ndarray:
    return stats.act_std if kind == "activations" else stats.grad_std


EDGE_ROOM = 0.06  # share of the range left beyond each edge: saturation spikes read as spikes


@dataclass(frozen=True)
class _Bins:
    """How one scheme's values are binned: ``bins`` edges on a linear or log10|value| axis."""

    edges: np.ndarray
    log: bool

    @property
    def lims(self) -> tuple[float, float]:
        pad = EDGE_ROOM * (self.edges[-1] - self.edges[0])  # edge spikes clear of the spines
        return float(self.edges[0] - pad), float(self.edges[-1] + pad)

    def ticks(self) -> tuple[list[float], list[str]]:
        lo, hi = float(self.edges[0]), float(self.edges[-1])
        if self.log:
            decades = np.arange(np.ceil(lo), np.floor(hi) + 1)
            if len(decades) > 3:
                decades = decades[np.linspace(0, len(decades) - 1, 3).round().astype(int)]
            return list(decades), [f"$10^{{{int(d)}}}$" for d in decades]
        ticks = [lo, 0.0, hi] if lo < 0 < hi else [lo, hi]
        return ticks, [_fmt(t) for t in ticks]


def _log_abs(values: np.ndarray) -> np.ndarray:
    values = np.abs(values[np.isfinite(values)])
    return np.log10(values[values > 0])


def _binnings(stats: Sequence[nets.LayerStats], kind: str, bins: int) -> list[_Bins]:
    """One binning per scheme.

    Bounded activations (tanh, sigmoid) use their whole range, so saturation sits at the
    edges; ReLU activations use each scheme's own linear range. Gradients span many
    orders of magnitude across schemes, so they share one log10|gradient| axis: a
    vanishing gradient moves left, an exploding one right.
    """
    _check_kind(kind)
    if kind == "gradients":
        logs = [_log_abs(s.gradients.reshape(-1)) for s in stats]
        logs = [v for v in logs if v.size]
        if logs:
            lo = min(float(np.quantile(v, 0.001)) for v in logs)
            hi = max(float(np.quantile(v, 0.999)) for v in logs)
        else:
            lo, hi = -1.0, 1.0
        if hi - lo < 1:
            lo, hi = lo - 0.5, hi + 0.5
        return [_Bins(np.linspace(lo, hi, bins + 1), True) for _ in stats]
    out = []
    for s in stats:
        if s.activation == "tanh":
            lo, hi = -1.0, 1.0
        elif s.activation == "sigmoid":
            lo, hi = 0.0, 1.0
        else:
            values = s.activations.reshape(-1)
            values = values[np.isfinite(values)]
            hi = float(np.quantile(values, 0.999)) if values.size else 0.0
            lo = min(float(np.quantile(values, 0.001)) if values.size else 0.0, 0.0)
            if not hi > lo:
                lo, hi = lo - 1.0, hi + 1.0
        out.append(_Bins(np.linspace(lo, hi, bins + 1), False))
    return out


def _histograms(stats: nets.LayerStats, kind: str, binning: _Bins) -> np.ndarray:
    """Per layer, the fraction of all that layer's values that falls in each bin."""
    samples = _samples(stats, kind)
    rows = []
    for layer in samples:
        values = _log_abs(layer.reshape(-1)) if binning.log else layer.reshape(-1)
        rows.append(np.histogram(values, binning.edges)[0] / max(layer.size, 1))
    return np.stack(rows)


def _centers(binning: _Bins) -> np.ndarray:
    return 0.5 * (binning.edges[:-1] + binning.edges[1:])


def _xlabel(kind: str, binning: _Bins) -> str:
    if kind == "activations":
        return "activation"
    return "log₁₀ |back-propagated gradient|" if binning.log else "back-propagated gradient"


# The schemes' colours: the lines' (:data:`.line_ends.LINE_COLORS`), with the violet before
# the red, so the 2nd (orange) and the 5th are not an orange-red pair that merges for
# a red-green deficient reader. The near-black comes after the violet: a row of four
# schemes drawn in black read as an axis or a missing colour.
SCHEME_SLOTS = (0, 1, 2, 5, 4, 3, 6, 7, 8, 9)


def _scheme_color(i: int) -> str:
    """Scheme colors: the lines' colours in :data:`SCHEME_SLOTS` order, which stay apart
    for a red-green deficient reader and hold no pale colour among the first five."""
    from .line_ends import LINE_COLORS

    return LINE_COLORS[SCHEME_SLOTS[i % len(SCHEME_SLOTS)]]


def _layer_colorbar(fig, ax, depth: int, colors) -> None:
    """A discrete colorbar "layer 1..depth" in place of a ten-entry legend."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    norm = BoundaryNorm(np.arange(0.5, depth + 1), depth)
    mappable = ScalarMappable(norm=norm, cmap=ListedColormap(colors))
    ticks = np.arange(1, depth + 1) if depth <= 12 else np.linspace(1, depth, 6).round()
    bar = fig.colorbar(mappable, ax=ax, ticks=ticks, fraction=0.04, pad=0.02)
    bar.set_label("layer")
    bar.outline.set_visible(False)


def _as_stats_list(stats) -> list[nets.LayerStats]:
    if isinstance(getattr(stats, "stats", None), tuple):  # an InitExplorer
        return list(stats.stats)
    if isinstance(stats, nets.LayerStats):
        return [stats]
    stats = list(stats)
    if not stats:
        raise ParameterError("no schemes to plot; give at least one")
    return stats


def _fmt(value: float) -> str:
    """A number as a slide writes it, at full size: plain from 0.001 up, else as ``5e-4``
    (a superscript exponent is 7 px on a slide; never ``2e-03``).

    >>> _fmt(0.048), _fmt(0.0021), _fmt(3.2e-7), _fmt(-4e5), _fmt(0)
    ('0.048', '0.002', '3e-7', '−4e5', '0')
    """
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e3:
        return f"{value:.2g}".replace("-", "−")
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa.replace('-', '−')}e{int(exponent)}"


NEAR_ZERO = 1e-3  # a spread below this is written as "about 0", with its number after


def sigma_words(value: float) -> str:
    """A layer's standard deviation as a slide says it: ``σ = 0.21``, and a collapsed one
    by what it means first (``3e-7`` alone needed explaining).

    >>> sigma_words(0.21), sigma_words(3.2e-7)
    ('σ = 0.21', 'σ ≈ 0 (3e-7)')
    """
    if 0 < abs(value) < NEAR_ZERO:
        return f"σ ≈ 0 ({_fmt(value)})"
    return f"σ = {_fmt(value)}"


def _check_layers(layers, depth):
    if layers is None:
        return list(range(depth))
    layers = list(layers)
    for layer in layers:
        if isinstance(layer, bool) or not isinstance(layer, int | np.integer):
            raise ParameterError(f"layers must be integers in [1, {depth}], got {layer!r}")
        if not 1 <= layer <= depth:
            raise ParameterError(f"layer {layer} is out of range; layers are 1 to {depth}")
    return [layer - 1 for layer in layers]


def _shape(stats: nets.LayerStats) -> str:
    return f"{stats.depth} layers × {stats.activations.shape[2]} units"


def _saturates(s: nets.LayerStats) -> bool:
    return s.activation in ("tanh", "sigmoid")


# ---------------------------------------------------------------- axes-level


def layer_densities(
    stats: nets.LayerStats,
    kind: str = "activations",
    ax=None,
    bins: int = 80,
    layers: Iterable[int] | None = None,
    colorbar: bool = True,
):
    """Overlaid per-layer histograms of one scheme, in the manner of Glorot & Bengio.

    ``kind`` is ``"activations"`` (forward) or ``"gradients"`` (back-propagated,
    ``dL/dz``, on a log10|value| axis). One line per layer (1-based ``layers``, default
    all), shallow to deep in a sequential colormap shown as a colorbar; the y axis is
    the fraction of the layer's values per bin.

    >>> s = nets.propagate("xavier_normal", depth=3, width=20, batch=50)
    >>> ax = layer_densities(s)
    >>> len(ax.lines)
    3
    """
    ax = _new_axes(ax)
    chosen = _check_layers(layers, stats.depth)
    binning = _binnings([stats], kind, bins)[0]
    fractions = _histograms(stats, kind, binning)
    colors = _layer_colors(stats.depth, _is_dark(ax))
    for layer in chosen:
        ax.plot(_centers(binning), fractions[layer], color=colors[layer], lw=1.8)
    ax.set_xlim(*binning.lims)
    ax.set_ylim(bottom=0)
    ax.set_xticks(*binning.ticks())
    ax.set_xlabel(_xlabel(kind, binning))
    ax.set_ylabel("fraction of values")
    ax.set_title(f"{stats.label}, {stats.activation}")
    if colorbar:
        _layer_colorbar(ax.figure, ax, stats.depth, colors)
    return ax


def scheme_label(label: str) -> str:
    """A scheme's name with its gain as the notes write it: ``gain 5/3``, not ``gain 1.67``.

    >>> scheme_label("Xavier normal (gain 1.67)"), scheme_label("Xavier normal (gain 1.3)")
    ('Xavier normal (gain 5/3)', 'Xavier normal (gain 1.3)')
    """
    import re
    from fractions import Fraction

    def exact(match: re.Match) -> str:
        value = float(match.group(1))
        frac = Fraction(value).limit_denominator(9)
        close = frac.denominator > 1 and abs(float(frac) - value) < 0.006
        return f"gain {frac.numerator}/{frac.denominator}" if close else match.group(0)

    return re.sub(r"gain ([0-9.]+)", exact, label)


def _short_scheme(label: str) -> str:
    """A scheme's name short enough to write at a line's end: ``Xavier (gain 1.67)``."""
    label = scheme_label(label)
    return label.replace(" normal", "").replace(" uniform", " (uniform)").replace(") (", ", ")


DODGE = 0.2  # of a layer, between neighbouring schemes' markers


def std_by_layer(stats, kind: str = "act_std", ax=None, legend: bool = True, ends: bool = False):
    """One line per scheme: ``kind`` (``act_std``, ``grad_std`` or ``saturation``) by layer.

    Standard deviations use a log scale, so "collapses to 0" and "explodes" are slopes
    and "constant" is flat. Each scheme has its own colour, marker and dashes; ``ends``
    names each line at its end instead of in a legend.

    >>> s = [nets.propagate(k, depth=3, width=20, batch=50) for k in ("small", "large")]
    >>> ax = std_by_layer(s)
    >>> len(ax.lines), ax.get_yscale()
    (2, 'log')
    """
    if kind not in SUMMARY_KINDS:
        raise unknown("summary kind", kind, SUMMARY_KINDS)
    stats = _as_stats_list(stats)
    from . import line_ends
    from .style import ink

    ax = _new_axes(ax)
    lines = []
    edge = ink("dark" if _is_dark(ax) else "light")
    for i, s in enumerate(stats):
        values = getattr(s, kind)
        if kind != "saturation":
            values = np.where(values > 0, values, np.nan)  # zeros init: nothing to draw
        # layers are whole numbers: each scheme's markers a little beside the others', so
        # two schemes with the same numbers still show both (a dodged category axis)
        layers = np.arange(1, s.depth + 1) + DODGE * (i - (len(stats) - 1) / 2)
        look = {**line_ends.look(i), "color": _scheme_color(i)}
        lines += ax.plot(layers, values, lw=3.0, ms=8, mec=edge, mew=0.6,
                         label=scheme_label(s.label), zorder=3 + 0.1 * (len(stats) - i),
                         **look)  # fmt: skip
    if kind == "saturation":
        ax.set_ylim(-0.03, 1.03)
    else:
        from .sweepplots import plain_log_ticks

        ax.set_yscale("log")
        plain_log_ticks(ax, "y")  # whole decades, one style
    ax.set_xlabel("layer")
    ax.set_ylabel(_SUMMARY_LABELS[kind])
    ax.set_xticks(np.arange(1, max(s.depth for s in stats) + 1))
    ax.grid(True, alpha=0.6)
    ax.tick_params(labelsize=15)  # a log axis's exponents are superscripts: at 12.5 they were 8 px
    if ends:
        names = [_short_scheme(s.label) for s in stats]
        line_ends.room_right(ax, lines, names)
        line_ends.label_ends(ax, lines, names)
    elif legend:
        ax.legend()
    _name_coinciding(ax, stats, kind, lines)
    return ax


def coinciding(values: list[np.ndarray], log: bool, tol: float = 0.02) -> list[list[int]]:
    """Groups (two or more) of the lines ``values`` that lie on one another: every point
    within ``tol`` apart (in decades, on a log axis, ``tol`` × 2.5: 12 % for 0.02).

    >>> coinciding([np.zeros(3), np.ones(3), np.zeros(3) + 0.001, np.zeros(3)], log=False)
    [[0, 2, 3]]
    """
    tol = 2.5 * tol if log else tol
    data = [np.log10(np.where(v > 0, v, np.nan)) if log else np.asarray(v, float) for v in values]
    groups: list[list[int]] = []
    for i, v in enumerate(data):
        for group in groups:
            w = data[group[0]]
            if v.shape == w.shape and np.nanmax(np.abs(v - w), initial=0.0) <= tol:
                group.append(i)
                break
        else:
            groups.append([i])
    return [g for g in groups if len(g) > 1]


def _name_coinciding(ax, stats, kind: str, lines) -> None:
    """Lines drawn on one another show as one: a note names them all, beside them, in the
    ink of the page (their markers still step aside, :data:`DODGE`)."""
    from .style import ink

    log = kind != "saturation"
    values = [np.asarray(getattr(s, kind), float) for s in stats]
    span = 1.06 if not log else 1.0
    for group in coinciding(values, log, tol=0.02 * span):
        names = ", ".join(_short_scheme(stats[i].label) for i in group)
        level = float(np.nanmedian(values[group[0]]))
        where = "at 0" if not log and abs(level) < 0.01 else "together"
        color = ink("dark" if _is_dark(ax) else "light")
        # above every line that runs just over them on the right, where the note stands
        # (it touched the gain-5/3 triangles a hair above the two at 0)
        level = _clear_above(values, group, level, log)
        ax.annotate(f"{len(group)} lines {where}:\n{names}", (0.97, level),
                    xycoords=("axes fraction", "data"), xytext=(0, 16), textcoords="offset points",
                    ha="right", va="bottom", fontsize=13, color=color, gid="coinciding-note",
                    zorder=8)  # fmt: skip


def _clear_above(values, group, level: float, log: bool) -> float:
    """The height a note on ``group`` stands on: ``level``, or the highest other line in
    the right half that runs within a tenth of the axis above it (a decade on a log one).

    >>> rising = np.array([0.1, 0.05, 0.03, 0.02])
    >>> _clear_above([np.zeros(4), np.zeros(4), rising], [0, 1], 0.0, False)
    0.03
    """
    near = 1.0 if log else 0.1
    top = level
    for i, v in enumerate(values):
        right = np.asarray(v, float)[len(v) // 2 :]
        right = right[np.isfinite(right)]
        if i in group or not len(right):
            continue
        high = float(right.max())
        gap = np.log10(high / level) if log and level > 0 and high > 0 else high - level
        if 0 <= gap <= near:
            top = max(top, high)
    return top
