"""The figure-level views of an initialization: one scheme's histograms, the grid of
every scheme by layer, and the summary of spread and saturation by depth.

Separate from :mod:`.initplots`, whose axes-level plots and shared helpers these
compose (as :mod:`.initdepth` and :mod:`.netfigures` do); the explorer
(:mod:`.init_explorer`) offers them.
"""

from __future__ import annotations

import numpy as np

from .. import nets
from .initplots import (
    _SUMMARY_LABELS,
    SATURATED_WORDS,
    SUMMARY_KINDS,
    _as_stats_list,
    _binnings,
    _histograms,
    _is_dark,
    _layer_colorbar,
    _layer_colors,
    _new_figure,
    _saturates,
    _scheme_color,
    _shape,
    _std,
    layer_densities,
    scheme_label,
    sigma_words,
    std_by_layer,
)
from .style import themed


def init_histograms(
    stats: nets.LayerStats, theme: str = "light", size="16:9", bins: int = 80, layers=None
):
    """Forward activations and backward gradients of one scheme, side by side.

    >>> fig = init_histograms(nets.propagate("large", depth=3, width=20, batch=50))
    >>> len(fig.axes)  # two panels and the layer colorbar
    3
    """
    with themed(theme):
        fig = _new_figure(size)
        forward, backward = fig.subplots(1, 2)
        layer_densities(stats, "activations", forward, bins, layers, colorbar=False)
        layer_densities(stats, "gradients", backward, bins, layers, colorbar=False)
        forward.set_title("activations (forward)")
        backward.set_title("back-propagated gradients (backward)")
        _layer_colorbar(
            fig, [forward, backward], stats.depth, _layer_colors(stats.depth, _is_dark(forward))
        )
        fig.suptitle(f"{stats.label} init, {stats.activation}, {_shape(stats)}")
    return fig


GRID_COLUMNS = 5  # layers a grid shows at most: a deep net's 10 columns were 75 px each
GRID_TOP = 0.5  # the highest a row's panels go: half of a layer's values in one bin
ROW_TOPS = (0.1, 0.2, 0.3, 0.4, GRID_TOP)  # a row's height: the lowest that holds its bars
GRID_BINS = 21  # bars ~10 px wide, never a hairline at an edge; odd: 0 is a bin's middle


def shown_layers(depth: int, most: int = GRID_COLUMNS) -> list[int]:
    """The layers (0-based) a grid shows: all of a shallow net; of a deep one the first,
    the last, and between them spaced as the change is, fast near the input.

    >>> shown_layers(10), shown_layers(3)
    ([0, 1, 2, 5, 9], [0, 1, 2])
    """
    if depth <= most:
        return list(range(depth))
    picked = np.unique(np.round(np.geomspace(1, depth, most)).astype(int)) - 1
    return [int(k) for k in picked]


def init_grid(
    stats, kind: str = "activations", theme: str = "light", size="16:9", bins: int = 50, title=None
):
    """Grid of histograms: one row per scheme, one column per shown layer
    (:func:`shown_layers`).

    Each cell is the distribution of one layer's ``kind``: the share of its values per
    bin, on one height shared by its row (:func:`row_top`, the scale at the left), so a
    collapse to 0 is a bar as tall as the panel and saturation two tall bars at the ends;
    a bar taller than the panel is cut and its share written on it. Its standard deviation
    (and, for activations, the saturated share) is written above; a row shares one x and
    one y axis, so narrowing or widening reads left to right.

    >>> s = [nets.propagate(k, depth=3, width=20, batch=50) for k in ("small", "large")]
    >>> len(init_grid(s).axes)
    6
    """
    from matplotlib.ticker import PercentFormatter

    stats = _as_stats_list(stats)
    depth = max(s.depth for s in stats)
    layers = shown_layers(depth)
    with themed(theme):
        fig = _new_figure(size)
        binnings = _binnings(stats, kind, min(bins, GRID_BINS))
        shared = len({(b.edges[0], b.edges[-1]) for b in binnings}) == 1
        # 24 px and more from the frame's edges: a projector's overscan crops less
        fig.set_layout_engine("constrained", h_pad=0.06, w_pad=0.08, hspace=0.06, wspace=0.04,
                              rect=(0.02, 0.035, 0.96, 0.93))  # fmt: skip
        axes = fig.subplots(len(stats), len(layers), squeeze=False)
        for row, (s, binning) in enumerate(zip(stats, binnings, strict=True)):
            fractions = _histograms(s, kind, binning)
            top = row_top([fractions[k] for k in layers if k < s.depth])
            for col, ax in enumerate(axes[row]):
                layer = layers[col]
                if layer >= s.depth:
                    ax.set_visible(False)
                    continue
                _grid_cell(ax, fractions[layer], binning, _scheme_color(row), top)
                ticks, labels = binning.ticks()
                # every panel of the bottom row gets its scale (of every row if they differ)
                show = row == len(stats) - 1 or not shared
                ax.set_xticks(ticks, labels if show else [])
                ax.tick_params(labelsize=13, length=3, pad=1)
                ax.set_yticks([0, top / 2, top])
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
                ax.tick_params(axis="y", labelleft=col == 0, labelsize=13, length=3, pad=1)
                ax.grid(True, axis="y", alpha=0.4)
                note = _cell_note(s, kind, layer, _writes_saturation(s, kind))
                ax.annotate(note, (0.5, 1.0), xycoords="axes fraction", xytext=(0, 3),
                            textcoords="offset points", ha="center", va="bottom",
                            fontsize=13, linespacing=1.1, gid="cell-note")  # fmt: skip
                if row == 0:  # the column's layer, once, above its notes
                    lines = note.count("\n") + 1
                    ax.set_title(f"layer {layer + 1}", fontsize=16, pad=6 + 16 * lines)
            label = scheme_label(s.label).replace(" (", "\n(")
            axes[row, 0].set_ylabel(label, fontsize=14, rotation=0, ha="right", va="center",
                                    labelpad=8)  # fmt: skip
        what = "activations" if kind == "activations" else "log₁₀ |back-propagated gradient|"
        title = title or f"{what} by layer: {stats[0].activation}, {_shape(stats[0])}"
        # at the layout's own place: a constrained layout makes room for a suptitle's
        # height only, so one placed lower by hand lands on the panel titles
        fig.suptitle(title)
        fig.supylabel("share of the layer's values per bin", fontsize=15, x=0.005)
    return fig


def row_top(histograms) -> float:
    """The height of a row of the grid: the lowest of :data:`ROW_TOPS` that holds every
    bar of its shown layers (a taller bar is cut). On one height for all rows, Xavier's
    histograms (10% a bin at most) were slivers and their narrowing was read from numbers.

    >>> row_top([np.array([0.02, 0.12])]), row_top([np.array([0.9])])
    (0.2, 0.5)
    """
    peak = max((float(np.max(h)) for h in histograms if len(h)), default=GRID_TOP)
    return next((t for t in ROW_TOPS if peak <= t), GRID_TOP)


def _grid_cell(ax, fractions: np.ndarray, binning, color, top: float = GRID_TOP) -> None:
    """One layer's histogram on its row's height; bars cut at the top say their share."""
    ax.stairs(np.minimum(fractions, top), binning.edges, fill=True, color=color)
    ax.set_xlim(*binning.lims)
    ax.set_ylim(0, top * 1.02)
    ax.spines["left"].set_visible(True)
    for k in np.flatnonzero(fractions > top):  # beside the bar: it is too thin to hold it
        ax.annotate(f"{fractions[k]:.0%}", (binning.edges[k + 1], top * 0.97),
                    xytext=(3, 0), textcoords="offset points", ha="left", va="top",
                    fontsize=13, color=color, fontweight="bold", gid="cut-bar")  # fmt: skip


SATURATED_AT = {"tanh": "at ±1", "sigmoid": "at 0 or 1"}  # where a saturated unit sits


SATURATION_NOTED = 0.02  # a row writes its saturated share when a layer reaches this


def _writes_saturation(s: nets.LayerStats, kind: str) -> bool:
    """Whether a row of the grid writes the saturated share: in every cell or in none, so
    a share written in one cell and left out of its neighbours does not read as a change."""
    return kind == "activations" and _saturates(s) and float(s.saturation.max()) >= SATURATION_NOTED


def _cell_note(s: nets.LayerStats, kind: str, layer: int, saturation: bool = False) -> str:
    note = sigma_words(_std(s, kind)[layer])
    if saturation:
        note += f"\n{s.saturation[layer]:.0%} {SATURATED_AT[s.activation]}"
    return note


def init_summary(stats, theme: str = "light", size="16:9", title=None):
    """Three panels by layer, one line per scheme: activation std, gradient std, saturation.

    >>> s = [nets.propagate(k, depth=3, width=20, batch=50) for k in ("small", "large")]
    >>> len(init_summary(s).axes)
    3
    """
    stats = _as_stats_list(stats)
    with themed(theme):
        fig = _new_figure(size)
        axes = fig.subplots(1, 3)
        for ax, kind in zip(axes, SUMMARY_KINDS, strict=True):
            std_by_layer(stats, kind, ax, legend=False)
            ax.set_title(_SUMMARY_LABELS[kind])
            ax.set_ylabel("")
        flat = SATURATED_WORDS.get(stats[0].activation)
        if flat:  # what counts as saturated, said
            axes[2].set_title(f"saturated: {flat}")
        # one key for the three panels: each line's colour, marker and dashes
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncols=len(labels), frameon=False,
                   handlelength=3.2)  # fmt: skip
        # the gradients are computed from the last layer back: read that panel right to left
        axes[1].set_xlabel("layer   (← the backward pass runs this way)")
        fig.suptitle(title or f"deep {stats[0].activation} net, {_shape(stats[0])}, by init scheme")
        fig.tight_layout(rect=(0, 0.07, 1, 1), pad=1.6)  # 24 px clear of the edges
    return fig
