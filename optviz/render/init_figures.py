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
    _fmt,
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


def init_grid(
    stats, kind: str = "activations", theme: str = "light", size="16:9", bins: int = 50, title=None
):
    """Grid of histograms: one row per scheme, one column per layer.

    Each cell is the distribution of one layer's ``kind`` (fraction per bin, its own
    height) with its standard deviation (and, for activations, the saturated share)
    written in; a row shares one x axis, so narrowing or widening reads left to right.

    >>> s = [nets.propagate(k, depth=3, width=20, batch=50) for k in ("small", "large")]
    >>> len(init_grid(s).axes)
    6
    """
    stats = _as_stats_list(stats)
    depth = max(s.depth for s in stats)
    with themed(theme):
        fig = _new_figure(size)
        # bars at least ~4 px wide: a pile of values at the edges (saturation) or at 0
        # (a collapse) must show from the back of the room, not as a hairline
        cell_px = fig.get_figwidth() * fig.dpi / depth * 0.85
        binnings = _binnings(stats, kind, int(np.clip(cell_px / 4.5, 12, bins)))
        shared = len({(b.edges[0], b.edges[-1]) for b in binnings}) == 1
        # 24 px and more from the frame's edges: a projector's overscan crops less
        fig.set_layout_engine("constrained", h_pad=0.06, w_pad=0.06, hspace=0.04, wspace=0.02,
                              rect=(0.02, 0.035, 0.96, 0.93))  # fmt: skip
        axes = fig.subplots(len(stats), depth, squeeze=False)
        for row, (s, binning) in enumerate(zip(stats, binnings, strict=True)):
            fractions = _histograms(s, kind, binning)
            for col, ax in enumerate(axes[row]):
                if col >= s.depth:
                    ax.set_visible(False)
                    continue
                ax.stairs(fractions[col], binning.edges, fill=True, color=_scheme_color(row))
                ax.set_xlim(*binning.lims)
                ax.set_ylim(0, max(fractions[col].max(), 1e-12) * 1.45)
                ax.set_yticks([])
                ax.spines["left"].set_visible(False)
                ticks, labels = binning.ticks()
                # every panel of the bottom row gets its scale (of every row if they differ)
                show = row == len(stats) - 1 or not shared
                ax.set_xticks(ticks, labels if show else [])
                ax.tick_params(labelsize=12.5, length=3, pad=1)
                ax.text(
                    0.5,
                    0.98,
                    _cell_note(s, kind, col, _writes_saturation(s, kind)),
                    transform=ax.transAxes,
                    ha="center",
                    va="top",
                    fontsize=13,
                    linespacing=1.1,
                )
                if row == 0:
                    ax.set_title(f"layer {col + 1}", fontsize=16)
            label = scheme_label(s.label).replace(" (", "\n(")
            axes[row, 0].set_ylabel(label, fontsize=14, rotation=0, ha="right", va="center")
        what = "activations" if kind == "activations" else "log₁₀ |back-propagated gradient|"
        title = title or f"{what} by layer: {stats[0].activation}, {_shape(stats[0])}"
        # at the layout's own place: a constrained layout makes room for a suptitle's
        # height only, so one placed lower by hand lands on the panel titles
        fig.suptitle(title)
    return fig


SATURATED_AT = {"tanh": "at ±1", "sigmoid": "at 0 or 1"}  # where a saturated unit sits


SATURATION_NOTED = 0.02  # a row writes its saturated share when a layer reaches this


def _writes_saturation(s: nets.LayerStats, kind: str) -> bool:
    """Whether a row of the grid writes the saturated share: in every cell or in none, so
    a share written in one cell and left out of its neighbours does not read as a change."""
    return kind == "activations" and _saturates(s) and float(s.saturation.max()) >= SATURATION_NOTED


def _cell_note(s: nets.LayerStats, kind: str, layer: int, saturation: bool = False) -> str:
    note = f"σ = {_fmt(_std(s, kind)[layer])}"
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
