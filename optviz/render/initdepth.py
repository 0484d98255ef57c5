"""The depth animation: each init scheme's histograms, one layer deeper each frame.

The static figures of the same numbers (histograms by layer, the summary) are in
:mod:`optviz.render.initplots`; this module only animates them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .. import nets  # noqa: F401  (doctests)
from .initplots import (
    _as_stats_list,
    _binnings,
    _centers,
    _histograms,
    _is_dark,
    _layer_colors,
    _new_figure,
    _saturates,
    _shape,
    _short_scheme,
    _std,
    _xlabel,
    scheme_label,
    sigma_words,
)
from .style import themed


def depth_frames(
    stats,
    kind: str = "activations",
    theme: str = "light",
    size="16:9",
    dpi: int = 100,
    bins: int = 80,
    title: str | None = None,
) -> Iterator[np.ndarray]:
    """Yield one RGB frame per layer: each scheme's histograms, one layer deeper each frame.

    Frame ``k`` shows layers ``1..k`` of every scheme (one panel each), the newest layer
    bold and the earlier ones faded. The figure is drawn once; each frame restores that
    background and draws only the lines and labels that changed, then copies the Agg
    buffer as an ``(H, W, 3)`` uint8 array, ready for ``render.writers.save_frames``
    (with :func:`depth_animation`'s palette: the first frame shows one layer's color).

    >>> s = [nets.propagate(k, depth=3, width=20, batch=50) for k in ("small", "large")]
    >>> frames = list(depth_frames(s, size="small", dpi=50))
    >>> len(frames), frames[0].shape, frames[0].dtype.name
    (3, (240, 320, 3), 'uint8')
    """
    return depth_animation(stats, kind, theme, size, dpi, bins, title)[0]


FADED, BOLD = (0.45, 2.0), (1.0, 3.5)  # (alpha, line width) of earlier layers and the newest
NOTE_PT = 16  # the depth animation's statistics: 22 px at the 16:9 preset
GAUGE = (0.015, 0.085)  # the saturation gauge's bottom and height above a panel (axes share)
TITLE_PAD = 68  # points: the title above the σ note and the gauge
SATURATED_INK = "#CC3311"


def _gauge(ax):
    """A bar above ``ax``, as wide as it: its filled share is the share of saturated units,
    so a panel where nine units in ten saturate differs at a glance from one of 2 %, though
    both histograms are U-shaped."""
    from matplotlib.patches import Rectangle

    bottom, height = GAUGE
    ax.add_patch(Rectangle((0, bottom + 1), 1, height, transform=ax.transAxes, fill=False,
                           ec="#888888", lw=1.0, clip_on=False))  # fmt: skip
    fill = Rectangle((0, bottom + 1), 0, height, transform=ax.transAxes, color=SATURATED_INK,
                     alpha=FADED[0], lw=0, clip_on=False, animated=True,
                     gid="saturation-gauge")  # fmt: skip
    ax.add_patch(fill)
    words = ax.text(0.03, 1 + bottom + height / 2, "", transform=ax.transAxes, ha="left",
                    va="center", fontsize=14, animated=True)  # fmt: skip
    return fill, words


def _fill_gauge(ax, gauge, share: float) -> None:
    fill, words = gauge
    fill.set_width(share)
    words.set_text(f"saturated {share:.0%}")
    ax.draw_artist(fill)
    ax.draw_artist(words)


def _cut_bar_labels(ax, fractions: np.ndarray, centers: np.ndarray, top: float) -> list:
    """Write the share of each bar taller than the panel inside it, beside the bar's cut
    end: the collapse to one spike is the lesson, and it runs off the panel's top."""
    left, right = ax.get_xlim()
    labels = []
    for k in np.flatnonzero(fractions > top):
        inward = (centers[k] - left) / (right - left) > 0.7  # near the right edge: write left
        label = ax.annotate(f"↑ {fractions[k]:.0%}", (centers[k], top * 0.97),
                            xytext=(-8 if inward else 8, 0), textcoords="offset points",
                            ha="right" if inward else "left", va="top", fontsize=NOTE_PT,
                            fontweight="bold", animated=True, gid="cut-bar")  # fmt: skip
        labels.append(label)
    return labels


def depth_animation(
    stats,
    kind: str = "activations",
    theme: str = "light",
    size="16:9",
    dpi: int = 100,
    bins: int = 80,
    title: str | None = None,
):
    """The depth animation's frames (see :func:`depth_frames`) and its GIF palette.

    The palette holds every layer's color, bold and faded over the background, so the
    last layers keep their colors though the first frame shows only the first.

    >>> s = [nets.propagate(k, depth=12, width=20, batch=50) for k in ("small", "large")]
    >>> frames, palette = depth_animation(s, size="small", dpi=50)
    >>> deepest = np.round(255 * np.array(_layer_colors(12, False)[-1][:3])).astype(int)
    >>> bool((palette.colors == deepest).all(axis=1).any())
    True
    """
    from matplotlib.ticker import PercentFormatter

    from .gif import blends, make_palette
    from .init_figures import GRID_BINS, GRID_TOP

    stats = _as_stats_list(stats)
    # the grid's bins and its one height for every panel: columns on their own scales
    # (50 %, 4 %, 8 %) could not be compared; a collapse runs off the top, its σ says ≈ 0
    binnings = _binnings(stats, kind, min(bins, GRID_BINS))
    depth = max(s.depth for s in stats)
    with themed(theme):
        fig = _new_figure(size, dpi)
        axes = fig.subplots(1, len(stats), squeeze=False)[0]
        colors = _layer_colors(depth, _is_dark(axes[0]))
        panels = []
        for ax, s, binning in zip(axes, stats, binnings, strict=True):
            fractions = _histograms(s, kind, binning)
            centers = _centers(binning)
            lines = [
                ax.plot(centers, f, color=colors[i], animated=True, drawstyle="steps-mid")[0]
                for i, f in enumerate(fractions)
            ]
            ax.set_xlim(*binning.lims)
            ax.set_ylim(0, GRID_TOP * 1.02)
            ax.set_xticks(*binning.ticks())
            ax.set_yticks([0, GRID_TOP / 2, GRID_TOP])
            ax.tick_params(labelleft=ax is axes[0])
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
            ax.tick_params(labelsize=14)
            ax.set_title(_short_scheme(scheme_label(s.label)), pad=TITLE_PAD)
            ax.set_xlabel(_xlabel(kind, binning))
            # the panel's numbers are the lesson (σ shrinking, saturation growing): read
            # from the back of the room, as large as the panel titles
            note = ax.text(0.5, 1.1, "", transform=ax.transAxes, ha="center", va="bottom",
                           fontsize=NOTE_PT, animated=True)  # fmt: skip
            gauge = _gauge(ax) if kind == "activations" and _saturates(s) else None
            panels.append((ax, s, lines, note, gauge, fractions, centers))
        axes[0].set_ylabel("share of values per bin")
        sub = f"{stats[0].activation}, {_shape(stats[0])}"
        if title:  # the title on top; the layer counter and the net's shape on a line below
            fig.text(0.5, 0.975, title, ha="center", va="top", fontsize=20)
            head = fig.text(0.01, 0.91, "", ha="left", va="top", fontsize=18, animated=True)
            top = 0.86
        else:
            head = fig.text(0.5, 0.975, "", ha="center", va="top", fontsize=18, animated=True)
            top = 0.93
        fig.text(0.99, 0.91 if title else 0.975, sub, ha="right", va="top", fontsize=16, alpha=0.8)
        fig.tight_layout(rect=(0, 0, 1, top))
        canvas = fig.canvas
        canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)
        back = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    ground = axes[0].get_facecolor()
    inks = [*colors, SATURATED_INK]  # the gauge's fill too, or the GIF's palette loses it
    palette = make_palette(back, blends(inks, ground, (FADED[0], 0.7, BOLD[0])))

    def frames() -> Iterator[np.ndarray]:
        for k in range(depth):
            canvas.restore_region(background)
            for ax, s, lines, note, gauge, fractions, centers in panels:
                for i, line in enumerate(lines[: k + 1]):
                    alpha, width = BOLD if i == k else FADED
                    line.set_linewidth(width)
                    line.set_alpha(alpha)
                    ax.draw_artist(line)
                for label in [t for t in ax.texts if t.get_gid() == "cut-bar"]:
                    label.remove()  # the previous layer's
                if k < s.depth:
                    for label in _cut_bar_labels(ax, fractions[k], centers, GRID_TOP):
                        ax.draw_artist(label)
                    note.set_text(sigma_words(_std(s, kind)[k]))
                    ax.draw_artist(note)
                    if gauge is not None:
                        _fill_gauge(ax, gauge, float(s.saturation[k]))
            # in the text's ink: the pale deep layers' colors vanish on a light ground
            head.set_text(f"layer {k + 1} of {depth} (thick line)")
            fig.draw_artist(head)
            yield np.asarray(canvas.buffer_rgba())[..., :3].copy()

    return frames(), palette
