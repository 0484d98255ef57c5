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
    _fmt,
    _histograms,
    _is_dark,
    _layer_colors,
    _new_figure,
    _saturates,
    _shape,
    _std,
    _xlabel,
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
    from .gif import blends, make_palette

    stats = _as_stats_list(stats)
    binnings = _binnings(stats, kind, bins)
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
                ax.plot(centers, f, color=colors[i], animated=True)[0]
                for i, f in enumerate(fractions)
            ]
            ax.set_xlim(*binning.lims)
            ax.set_ylim(0, max(fractions.max(), 1e-12) * 1.3)  # headroom for the note
            ax.set_xticks(*binning.ticks())
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            ax.set_title(s.label)
            ax.set_xlabel(_xlabel(kind, binning))
            # the panel's numbers are the lesson (σ shrinking, saturation growing): read
            # from the back of the room, as large as the panel titles
            note = ax.text(0.5, 0.98, "", transform=ax.transAxes, ha="center", va="top",
                           fontsize=NOTE_PT, linespacing=1.15, animated=True)  # fmt: skip
            panels.append((ax, s, lines, note))
        axes[0].set_ylabel("fraction of values")
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
    palette = make_palette(back, blends(colors, ground, (FADED[0], 0.7, BOLD[0])))

    def frames() -> Iterator[np.ndarray]:
        for k in range(depth):
            canvas.restore_region(background)
            for ax, s, lines, note in panels:
                for i, line in enumerate(lines[: k + 1]):
                    alpha, width = BOLD if i == k else FADED
                    line.set_linewidth(width)
                    line.set_alpha(alpha)
                    ax.draw_artist(line)
                if k < s.depth:
                    text = f"σ = {_fmt(_std(s, kind)[k])}"
                    if kind == "activations" and _saturates(s):
                        text += f"\nsaturated {s.saturation[k]:.0%}"
                    note.set_text(text)
                    ax.draw_artist(note)
            # in the text's ink: the pale deep layers' colors vanish on a light ground
            head.set_text(f"layer {k + 1} of {depth} (thick line)")
            fig.draw_artist(head)
            yield np.asarray(canvas.buffer_rgba())[..., :3].copy()

    return frames(), palette
