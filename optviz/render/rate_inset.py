"""A small rate-versus-step panel inside a map, beside an adaptive rule's rate box.

A rate box (:mod:`.glyphs`) shows the rates of one step; whether a rate keeps falling
(Adagrad) or settles (RMSprop) is a story over the steps. With one map per optimizer
(``kind="panels"``), each map whose run draws a rate box gets an inset, in the part of
the map its run leaves emptiest: the rate along x from the first step to the current
one, on log-log scales shared by every inset of the race: a rate that keeps falling
(Adagrad's, as 1/√t) is a straight falling line, one that settles bends flat, and the
insets compare. It is big by construction (:data:`LEAST_PX` tall at
least), whatever the box's size. Animation only: a still has its strobe of boxes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import geometry, style
from .paths import run_colors

SPOTS = {  # where an inset may go, in axes fractions (x, y, width, height): a third of the
    # map's height, so the half under it keeps room for a callout beside a ball there (one
    # of 0.42 left none: glyphs_adagrad_rmsprop's callouts lay over the insets)
    "upper middle": (0.36, 0.60, 0.30, 0.34),
    "upper right": (0.66, 0.60, 0.30, 0.34),
    "lower right": (0.66, 0.06, 0.30, 0.34),
    "upper left": (0.04, 0.60, 0.30, 0.34),
}
LEAST_PX = 48.0  # an inset at least this tall at 100 dpi
LABEL = "rate along x"
LINE_WIDTH = 2.6


def rate_insets(layer, key: Any = None) -> list:
    """One inset per panel of ``layer`` (a :class:`.glyphs.GlyphLayer` of an animation)
    whose run draws a rate box; none when the race shares one map. ``key``: the glyph
    key, an inset keeps off its corner."""
    axes = [next(iter(lines.values())).axes if lines else None for lines in layer.lines]
    runs = [i for i, raw in enumerate(layer.raws) if "box" in raw and axes[i] is not None]
    if not runs or len({id(ax) for ax in axes if ax is not None}) < len(layer.raws):
        return []
    if any(geometry._is3d(axes[i]) for i in runs):
        return []
    rates = {i: np.abs(layer.raws[i]["box"][:, 0, 0]) for i in runs}
    every = np.concatenate(list(rates.values()))
    every = every[np.isfinite(every) & (every > 0)]
    if not len(every):
        return []
    limits = (every.min() / 1.6, every.max() * 1.6)
    colors = run_colors(layer.race.trajectories)
    return [RateInset(axes[i], rates[i], colors[i], limits, layer, i, key) for i in runs]


class RateInset:
    """The inset of run ``run`` on ``ax``: its rate along x up to the current step."""

    def __init__(self, ax, rate: np.ndarray, color: str, limits, layer, run: int, key):
        self.rate = rate
        spot = _emptiest(ax, layer.xy[run], key)
        self.ax = ax.inset_axes(spot, zorder=8.6)
        inset = self.ax
        inset.set_xscale("log")  # log-log: Adagrad's 1/√t falls straight on, a settled
        inset.set_xlim(1, len(rate) * 1.05)  # rate bends flat (steps counted from 1)
        inset.set_yscale("log")
        inset.set_ylim(*limits)
        inset.set_yticks([])
        _step_axis(inset, len(rate))
        inset.minorticks_off()
        inset.set_facecolor(style.halo("light"))
        inset.patch.set_alpha(0.92)
        for spine in inset.spines.values():
            spine.set_color(color)
            spine.set_linewidth(1.6)
        (self.line,) = inset.plot([], [], color=color, lw=LINE_WIDTH, solid_capstyle="round")
        (self.dot,) = inset.plot([], [], "o", color=color, ms=7, mec="black", mew=1.0)
        self.dot.set_clip_on(False)
        _decades(inset, limits, rate)  # the one shared scale, read: Adagrad's 17× is two decades
        # lower left: a rate falls from the upper left, so its line leaves that corner free
        inset.text(0.04, 0.08, LABEL, transform=inset.transAxes, ha="left", va="bottom",
                   fontsize=12, color="black")  # fmt: skip
        inset.set_gid("rate-inset")
        inset.set_in_layout(False)
        inset.set_animated(True)

    def update(self, s: float) -> Any:
        k = int(min(max(np.floor(s), 0), len(self.rate) - 1))
        steps = np.arange(1, k + 2)
        self.line.set_data(steps, self.rate[: k + 1])
        self.dot.set_data([k + 1], [self.rate[k]])
        return self.ax


def _decades(inset, limits, rate: np.ndarray) -> None:
    """Faint lines at the powers of ten within ``limits``, each labelled inside the inset
    (labels outside would sit on the map) at the end its run's ``rate`` keeps farther from
    it: a label is never under the line it reads."""
    low, high = np.floor(np.log10(limits[0])), np.floor(np.log10(limits[1]))
    ends = np.log10(np.abs(rate[[0, -1]]))
    marks = [m * 10.0**e for e in np.arange(low, high + 1) for m in (1.0, 3.0)]
    room = 10.0 ** (0.25 * np.log10(limits[1] / limits[0]))  # a label's height, about
    marks = [m for m in marks if limits[0] * (1 if np.log10(m) % 1 == 0 else room) <= m]
    shown = [m for m in marks if limits[0] <= m <= limits[1]]  # 1, 0.3, 0.1: read a fall
    # of 17× against more than one line; all on one side, where the run's rate keeps
    # farther from them overall (labels switching sides read as two scales)
    e = np.log10(shown) if shown else np.zeros(0)
    right = bool(np.sum(np.abs(ends[1] - e) - np.abs(ends[0] - e)) > 0)
    for y in shown:
        inset.axhline(y, color="0.55", lw=1.0, zorder=0.5)
        inset.text(0.97 if right else 0.03, y, f"{y:.3g}", ha="right" if right else "left",
                   transform=inset.get_yaxis_transform(), va="bottom", fontsize=12,
                   color="0.2")  # fmt: skip


def _step_axis(inset, steps: int) -> None:
    """The steps under the inset, at its powers of ten ("step 1", 10, 100): the line is read
    against time, and its log scale shows in the ticks' spacing. Ticks sit on the map just
    under the inset, on a light halo."""
    from matplotlib import patheffects

    ticks = [10**e for e in range(int(np.log10(max(steps, 1))) + 1)]
    inset.set_xticks(ticks, ["step 1", *(f"{t:g}" for t in ticks[1:])])
    inset.tick_params(axis="x", labelsize=12, length=4, pad=1, colors="0.15")
    halo = [patheffects.withStroke(linewidth=3, foreground=style.halo("light"))]
    for label in inset.get_xticklabels():
        label.set_path_effects(halo)


def plain_power(e: float) -> str:
    """``10**e`` as a slide writes it: 1, 10, 0.1, 0.01."""
    return f"{10.0**e:g}"


def _emptiest(ax, xy: np.ndarray, key) -> tuple[float, float, float, float]:
    """The spot of :data:`SPOTS` holding the fewest of the run's positions ``xy`` (and not
    the key's corner), grown to :data:`LEAST_PX` tall."""
    pts = np.asarray(xy, float).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    frac = ax.transAxes.inverted().transform(ax.transData.transform(pts)) if len(pts) else pts
    taken = _key_corner(key)

    def crowd(name: str) -> int:
        x, y, w, h = SPOTS[name]
        inside = (frac[:, 0] > x) & (frac[:, 0] < x + w) & (frac[:, 1] > y) & (frac[:, 1] < y + h)
        return int(np.count_nonzero(inside)) + (10**6 if name == taken else 0)

    x, y, w, h = SPOTS[min(SPOTS, key=crowd)]
    tall = LEAST_PX * ax.figure.dpi / 100 / max(ax.bbox.height, 1.0)
    if h < tall:
        y, h = (y + h - tall if y > 0.3 else y), tall
    return (x, max(y, 0.02), w, min(h, 0.96))


def _key_corner(key) -> str | None:
    if key is None or not hasattr(key, "_loc"):
        return None
    codes = {1: "upper right", 2: "upper left", 4: "lower right"}
    return codes.get(key._loc)
