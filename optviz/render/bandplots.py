"""Noise bands from :mod:`optviz.analysis.surveys`: the seeds' paths on the map beside the
band of their losses, with the run without noise drawn over both.

:func:`plot_bands` builds a themed Figure on the Agg canvas and returns it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import line_ends, style
from .losses import LOSS_FLOOR
from .mapplots import clear_corner
from .paths import optimizer_name
from .plots import new_figure, plot_surface


# -- noise bands -----------------------------------------------------------------------------------
def plot_bands(
    bands,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
    color: int | None = None,
):
    """Left: the seeds' paths on the contour and the noise-free path; right: the loss
    band (median and quantiles over the seeds) and the noise-free loss.

    >>> from optviz.analysis import bands
    >>> fig = plot_bands(bands("quadratic", "gd:lr=0.1", seeds=4, steps=10), dpi=40)
    >>> len(fig.axes)
    2
    """
    style.check_theme(theme)
    traj, ref = bands.trajectory, bands.reference
    surface = traj.surface
    # the optimizer's own colour, as in its races (``color``: a line slot of its own)
    c = (
        line_ends.look(color)["color"]
        if color is not None
        else line_ends.run_color(traj.optimizer.name)
    )
    ink = style.ink(theme)
    # log axis of f - f* where the minimum is known, of the loss where it stays positive,
    # else the loss on a symmetric-log axis (a surface unbounded below, like a saddle,
    # whose runs fall without end: a linear axis squashes every step before the fall)
    shift = surface.min_value or 0.0
    finite = np.concatenate([traj.loss.ravel(), ref.loss.ravel()])
    finite = finite[np.isfinite(finite)]
    log = surface.min_value is not None or bool(len(finite) and finite.min() > 0)
    floor = LOSS_FLOOR if log else -np.inf
    # a loss that falls below 0 said to have no floor: a negative loss puzzled
    ylabel = ("loss above the minimum" if surface.min_value is not None
              else "loss" if log else "loss (no floor: it falls below 0)")  # fmt: skip
    # the noise the runs drew, not the one asked for (SGD's gradient noise is off
    # where the surface has data rows and mini-batches take its place)
    noise = traj.noise.applied(surface.n_samples > 0)
    plain = "full batch" if noise.batch else "without noise"
    with style.themed(theme):
        fig = new_figure(size, dpi)
        # the map carries it: as wide as it is tall (a wider cell left a gutter beside it)
        left, right = fig.subplots(1, 2, width_ratios=[1.15, 1.0])
        plot_surface(surface, left, theme=theme, lines=True, critical=True)
        fade_map(left)
        xy = traj.xy
        k = xy.shape[1]
        alpha = float(np.clip(16.0 / k, 0.45, 0.8))  # many paths, each still seen
        for i in range(k):
            left.plot(xy[:, i, 0], xy[:, i, 1], color=c, lw=2.2, alpha=alpha, zorder=3)
        # said in the key, not in a title over the map: the map takes the height
        from matplotlib.lines import Line2D

        seeds = Line2D([], [], color=c, lw=2.2, alpha=alpha, label=f"{k} seeds' paths")
        dashed = Line2D([], [], color=ink, lw=2.4, ls=(0, (3.0, 1.5)), label=plain)
        keys = _band_ends(left, traj, c, ink)
        left.plot(ref.xy[:, 0], ref.xy[:, 1], ls=(0, (3.0, 1.5)), color=ink, lw=2.4, zorder=4)
        # where the run without noise ends: small enough that a landmark it rests on
        # (the minimum's star, the saddle's diamond) rings it and stays in sight
        end = left.plot(*ref.xy[-1], "s", ms=9, mfc=ink, mec="white", mew=1.2, zorder=8.4,
                        gid="plain-end", label=f"{plain} ends")[0]  # fmt: skip
        start = left.plot(*ref.xy[0], "o", ms=11, mfc="white", mec="black", mew=1.5, zorder=5,
                          label="start")[0]  # fmt: skip
        _frame_the_action(left, np.concatenate([xy.reshape(-1, 2), ref.xy.reshape(-1, 2)]),
                          surface.domain)  # fmt: skip
        clear_corner(left)
        marks = [h for h in left.get_lines() if h.get_gid() == "landmark" and _seen(left, h)]
        for mark in marks:  # over the paths and the ends, filled: none shows through it
            mark.set_zorder(LANDMARK_Z)
            mark.set_markerfacecolor("white")
            _clear_round(left, mark, style.halo(theme))
        under = _on_a_mark(left, ref.xy[-1], marks)
        zoom = _zoom_on_buried_ends(left, surface, xy, ref.xy, marks, c, ink)
        if under is not None and zoom is not None:  # seen in the zoom: the dashed path
            end.remove()  # runs into the landmark there, no words over the ticks
            end = None
        elif under is not None:  # said in words, not a square inside it
            end.remove()
            _say_plain_end(left, ref.xy[-1], xy, plain, under.get_label())
            end = None
        shown = (start, seeds, dashed, *keys[:1], end, *marks, *keys[1:])
        _map_key(left, [h for h in shown if h is not None])
        _name_axes(left, surface)
        steps = np.arange(traj.steps + 1)
        med, lo, hi = (np.maximum(v - shift, floor) for v in bands.loss_band())
        ql, qh = bands.quantiles
        right.fill_between(
            steps, lo, hi, color=c, alpha=0.3, lw=0, label=f"{ql:.0%}–{qh:.0%} of {k} seeds"
        )
        right.plot(steps, med, color=c, lw=2.5, label="median")
        right.plot(steps, np.maximum(ref.loss - shift, floor), ls=(0, (3.0, 1.5)), color=ink,
                   lw=2.2, label=plain)  # fmt: skip
        if log:
            right.set_yscale("log")
            _clip_the_plain_fall(right, steps, np.concatenate([med, lo, hi]),
                                 np.maximum(ref.loss - shift, floor), plain, ink)  # fmt: skip
            _decades(right)
        else:  # a loss without a floor: a linear axis down to the map's lowest value, and
            # the runs that fell further leave it at the foot (a symmetric-log axis of
            # negative losses puzzled)
            _plain_numbers(right)
            _foot_at_the_map(right, surface, left, np.concatenate([med, lo, hi, ref.loss]))
            _mark_exits_below(right, steps, {"median": med, "band": lo}, c)
        right.set_xlabel("step")
        right.set_ylabel(ylabel)
        right.grid(True, alpha=0.5)
        # the foot of a clipped log axis holds the words where the plain run goes on
        clipped = any(t.get_gid() == "exit below: words" for t in right.texts)
        right.legend(loc="upper right" if not log or clipped else "lower left", framealpha=0.95)
        right.set_title("loss: the seeds' median and spread")
        name = optimizer_name(traj.optimizer)
        fig.suptitle(title or f"{name}, {noise_words(noise)}, on {surface.title or surface.name}")
    return fig


BAND_DECADES_BELOW = 2.0  # the loss axis ends this many decades under the band's lowest


def _clip_the_plain_fall(ax, steps, band: np.ndarray, plain_loss: np.ndarray, plain: str,
                         ink: str) -> None:  # fmt: skip
    """A log loss axis spent on the seeds' band: the run without noise that falls far
    below it (to 1e-12) leaves at the foot with a ▼ and the words where it goes, instead of
    squeezing the band (the lesson, the noise floor) into the axis's top fifth."""
    band = band[np.isfinite(band) & (band > 0)]
    if not len(band):
        return
    foot = float(band.min()) / 10**BAND_DECADES_BELOW
    below = np.flatnonzero(plain_loss < foot)
    if not len(below):
        return
    top = float(np.nanmax(np.concatenate([band, plain_loss[np.isfinite(plain_loss)]])))
    ax.set_ylim(foot, top * 2.0)
    t = float(steps[below[0]])
    ax.plot(t, foot, "v", ms=11, color=ink, mec="white", mew=1.0, clip_on=False, zorder=6,
            gid="exit below: plain")  # fmt: skip
    lowest = float(np.nanmin(plain_loss))
    ax.annotate(f"{plain} falls on\nto {_power_of_ten(lowest)}", (t, foot), xytext=(10, 10),
                textcoords="offset points", ha="left", va="bottom", fontsize=16, color=ink,
                gid="exit below: words")  # fmt: skip


def _power_of_ten(v: float) -> str:
    """``1e-12`` as a slide writes it.

    >>> _power_of_ten(1.3e-12), _power_of_ten(0.02)
    ('1e-12', '1e-2')
    """
    return f"1e{int(np.floor(np.log10(v)))}"


LANDMARK_Z = 7.0  # over the paths (3) and the seeds' ends (6.5), under the exits (8.5)
CLEARING = 1.5  # the clear disk under a landmark, over the seeds' ends: times its marker


def _clear_round(ax, mark, ground: str) -> None:
    """A disk of the ground's colour under ``mark`` and over the seeds' ends: thirty
    ends around the minimum, each a dot with a white rim, filled the star's points
    and buried it (the key's star is the mark to find on the map)."""
    x, y = (np.asarray(v, float) for v in mark.get_data())
    ax.plot(x, y, ls="none", marker="o", ms=CLEARING * mark.get_markersize(), mfc=ground,
            mec=style.ink("light") if ground == "#ffffff" else ground, mew=0.8, alpha=0.7,
            zorder=LANDMARK_Z - 0.05, gid="landmark-clearing")  # fmt: skip


ZOOM_SIDE = 0.4  # the zoom's side, share of the map's
BURIED = 0.5  # share of the seeds' ends under a landmark's clearing that calls for a zoom


def _zoom_on_buried_ends(ax, surface, paths, plain_xy, marks, color, ink) -> Any:
    """A zoom, in the map's emptiest corner, on the seeds' ends when most of them lie under
    a landmark's clear disk (noise_bands: thirty ends under the minimum's star, the
    lesson "every seed ends near the minimum" unseen). Returns the zoom's axes or None."""
    ends = paths[-1][np.isfinite(paths[-1]).all(axis=1)]
    if not len(ends) or not marks:
        return None
    px = ax.transData.transform(ends)
    scale = ax.figure.dpi / 72
    buried = np.zeros(len(ends), bool)
    for mark in marks:
        at = ax.transData.transform(np.column_stack(mark.get_data()))
        reach = CLEARING * mark.get_markersize() * scale / 2
        for p in at:
            buried |= np.hypot(*(px - p).T) <= reach
    if buried.mean() < BURIED:
        return None
    lo, hi = ends.min(axis=0), ends.max(axis=0)
    mid, half = (lo + hi) / 2, 0.65 * float(np.max(hi - lo)) + 1e-12
    zoom = ax.inset_axes(_emptiest_corner(ax, paths), zorder=9.5)
    zoom.set_xlim(mid[0] - half, mid[0] + half)
    zoom.set_ylim(mid[1] - half, mid[1] + half)
    zoom.set_aspect("equal", adjustable="datalim")
    g = np.linspace(-half, half, 120)
    gx, gy = np.meshgrid(mid[0] + g, mid[1] + g)
    zoom.contour(gx, gy, surface.f(np.stack([gx, gy], axis=-1)), 8, colors="#bbbbbb",
                 linewidths=0.8)  # fmt: skip
    tail = paths[-max(len(paths) // 5, 2) :]
    for i in range(paths.shape[1]):
        zoom.plot(tail[:, i, 0], tail[:, i, 1], color=color, lw=1.2, alpha=0.35, zorder=3)
    zoom.plot(plain_xy[:, 0], plain_xy[:, 1], ls=(0, (3.0, 1.5)), color=ink, lw=2.4, zorder=4)
    zoom.plot(*ends.T, "o", color=color, ms=10, mec="white", mew=1.0, zorder=6, alpha=0.9,
              gid="zoomed-end")  # fmt: skip
    for mark in marks:  # an outline over the ends: the landmark seen among them
        zoom.plot(*mark.get_data(), ls="none", marker=mark.get_marker(), ms=16, mfc="none",
                  mec=ink, mew=2.2, zorder=7, gid="zoomed-landmark")  # fmt: skip
    zoom.set_xticks([])
    zoom.set_yticks([])
    for side in zoom.spines.values():
        side.set_visible(True)
        side.set_edgecolor(ink)
        side.set_linewidth(1.5)
    zoom.set_title(f"zoom: all {len(ends)} ends", fontsize=16, pad=4)
    ax.indicate_inset_zoom(zoom, edgecolor=ink, alpha=0.8, lw=1.2)
    return zoom


def _emptiest_corner(ax, paths) -> list:
    """The bounds (axes share) of the corner square of side ``ZOOM_SIDE`` that the fewest
    points of ``paths`` cross, a title's height under the top."""
    pts = paths.reshape(-1, 2)
    pts = ax.transAxes.inverted().transform(ax.transData.transform(pts[np.isfinite(pts).all(1)]))
    s, best, fewest = ZOOM_SIDE, None, None
    for x0 in (0.03, 0.97 - s):
        for y0 in (0.03, 0.9 - s):
            n = int(np.sum((pts[:, 0] > x0 - 0.03) & (pts[:, 0] < x0 + s + 0.03)
                           & (pts[:, 1] > y0 - 0.03) & (pts[:, 1] < y0 + s + 0.1)))  # fmt: skip
            if fewest is None or n < fewest:
                best, fewest = [x0, y0, s, s], n
    return best


NEAR_PX = 12  # a noise-free end this near a landmark is on it


def _on_a_mark(ax, xy, marks) -> Any:
    """The landmark of ``marks`` the point ``xy`` (data) lies on, or None."""
    at = ax.transData.transform(xy)
    for mark in marks:
        pts = ax.transData.transform(np.column_stack([mark.get_xdata(), mark.get_ydata()]))
        if len(pts) and np.hypot(*(pts - at).T).min() <= NEAR_PX:
            return mark
    return None


def _say_plain_end(ax, xy, paths: np.ndarray, plain: str, mark: str = "") -> None:
    """``without noise: ends at the saddle`` (the landmark ``mark`` it rests on; "ends
    here" pointed into the seeds' pile of ends, where no end of its own was seen) with
    an arrow to ``xy``, set in the diagonal direction that crosses the fewest of the
    seeds' paths ``paths`` (steps, seeds, 2)."""
    from matplotlib import patheffects

    pts = ax.transData.transform(paths.reshape(-1, 2)[np.isfinite(paths.reshape(-1, 2)).all(1)])
    at = ax.transData.transform(xy)
    frame = ax.get_window_extent()
    scale = ax.figure.dpi / 72
    words = f"{plain}:\nends at the {mark}" if mark and not mark.startswith("_") else (
        f"{plain}:\nends here")  # fmt: skip
    wide = 11 * max(len(line) for line in words.split("\n"))  # px at 16 pt, about
    best, fewest = (60, 60), None
    for dx in (-90, -60, -40, -25, 25, 40, 60, 90):
        for dy in (-60, -40, 40, 60):
            px = at + np.array([dx, dy]) * scale
            # the words' box: ``wide`` px wide, 56 tall, on the side the offset points to
            x0, x1 = (px[0], px[0] + wide) if dx > 0 else (px[0] - wide, px[0])
            y0, y1 = px[1] - 28, px[1] + 28
            out = not (frame.x0 < x0 and x1 < frame.x1 and frame.y0 < y0 and y1 < frame.y1)
            hits = int(np.sum((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0)
                              & (pts[:, 1] < y1)))  # fmt: skip
            key = (out, hits, abs(dx) + abs(dy))
            if fewest is None or key < fewest:
                best, fewest = (dx, dy), key
    ax.annotate(
        words, xy, xytext=best, textcoords="offset points",
        ha="left" if best[0] > 0 else "right", va="center", fontsize=style.at_least(16),
        color="#111111", zorder=9, gid="plain-end",
        path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        arrowprops={"arrowstyle": "-|>", "color": "#111111", "lw": 2, "shrinkB": 12},
    )  # fmt: skip


def _name_axes(ax, surface) -> None:
    """A regression's weights said as what they are: ``w1`` alone was a riddle."""
    if surface.n_samples <= 0:
        return
    for get, set_ in ((ax.get_xlabel, ax.set_xlabel), (ax.get_ylabel, ax.set_ylabel)):
        name = get().strip()
        if name.startswith("w") and name[1:].isdigit():
            set_(f"{name}: weight of feature {name[1:]}")
    ax.yaxis.label.set_rotation(90)  # a long name stands along its axis


def _foot_at_the_map(ax, surface, map_ax, values: np.ndarray) -> None:
    """A linear loss axis from the lowest value on the map ``map_ax`` shows to the
    highest loss: a run that fell lower left the map too, and leaves the axis at its foot."""
    (x0, x1), (y0, y1) = map_ax.get_xlim(), map_ax.get_ylim()
    gx, gy = np.meshgrid(np.linspace(x0, x1, 60), np.linspace(y0, y1, 60))
    low = float(np.nanmin(surface.f(np.stack([gx, gy], axis=-1))))
    values = values[np.isfinite(values)]
    high = float(values.max()) if len(values) else 1.0
    pad = 0.05 * (high - low)
    ax.set_ylim(low - pad, high + pad)


def _mark_exits_below(ax, steps: np.ndarray, curves: dict, color: str) -> None:
    """Where a curve leaves the axis at its foot, a ▼ on the frame, and by the first
    exit the words that it goes on: a line cut by the frame read as a loss that stopped."""
    bottom = ax.get_ylim()[0]
    exits = []
    for name, v in curves.items():
        below = np.flatnonzero(np.asarray(v, float) < bottom)
        if len(below):
            t = float(steps[below[0]])
            ax.plot(t, bottom, "v", ms=11, color=color, mec="white", mew=1.0, clip_on=False,
                    zorder=6, gid=f"exit below: {name}")  # fmt: skip
            exits.append(t)
    if exits:
        ax.annotate("↓ goes on below", (min(exits), bottom), xytext=(-8, 14),
                    textcoords="offset points", ha="right", va="bottom", fontsize=16,
                    color=color, gid="exit below: words")  # fmt: skip


MAP_FADE = 0.55  # the map's fill, faded: dark paths read on its dark floor


def fade_map(ax) -> None:
    """The filled contours of ``ax`` faded toward the page: scenery under thirty paths,
    which were dark on dark near a minimum."""
    from matplotlib.contour import ContourSet

    for c in ax.collections:
        if isinstance(c, ContourSet) and c.filled:
            c.set_alpha(MAP_FADE)


def _seen(ax, line) -> bool:
    """Whether any point of ``line`` lies in ``ax``'s view."""
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    return bool(np.any((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)))


def _map_key(ax, handles: list) -> None:
    """Every mark on the map named once, under it: start, ends, landmarks, exits."""
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.11),
              ncols=min(3, len(handles)), frameon=False, handletextpad=0.4,
              columnspacing=1.0, fontsize=style.at_least(13))  # fmt: skip


def noise_words(noise) -> str:
    """The noise of a run as a title says it: ``gradient noise σ 0.3``, ``batches of 4``.

    >>> from optviz.engine.noise import Noise
    >>> noise_words(Noise.parse("grad=0.3")), noise_words(Noise.parse("batch=4,update=0.1"))
    ('gradient noise σ 0.3', 'update noise σ 0.1, batches of 4')
    """
    kinds = {"grad": "gradient noise", "update": "update noise", "input": "input noise"}
    parts = [
        f"{words} σ {getattr(noise, f):.3g}" for f, words in kinds.items() if getattr(noise, f)
    ]
    if noise.batch:
        parts.append(f"batches of {noise.batch}")
    if parts and noise.anneal:
        parts.append(f"shrinking as 1/t^{noise.anneal:g}")
    return ", ".join(parts) or "no noise"


def _frame_the_action(ax, pts: np.ndarray, domain, pad: float = 0.12) -> None:
    """Zoom ``ax`` (a map of ``domain``) to the square around the points ``pts`` when
    they span less than 70% of its side, so a fan of paths is not a strip in a corner; a run
    that left the domain keeps the whole map."""
    (x0, x1), (y0, y1) = domain
    pts = pts[np.isfinite(pts).all(axis=1)]
    inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
    if not len(pts) or not inside.all():
        return
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    side = max(hi - lo) * (1 + 2 * pad)
    if side >= 0.7 * min(x1 - x0, y1 - y0):
        return
    mid = (lo + hi) / 2
    cx = float(np.clip(mid[0], x0 + side / 2, x1 - side / 2))
    cy = float(np.clip(mid[1], y0 + side / 2, y1 - side / 2))
    ax.set_xlim(cx - side / 2, cx + side / 2)
    ax.set_ylim(cy - side / 2, cy + side / 2)


def _band_ends(ax, traj, color: str, ink: str) -> list:
    """Where each seed ends: a dot inside the map; a run that left it, an arrowhead on
    the edge where it went out, and how many did so. Returns the key's handles (the
    dots, and an arrowhead standing for the exits when some run left)."""
    xy = traj.xy[-1].reshape(-1, 2)
    div = np.atleast_1d(traj.diverged_at)
    if np.any(div >= 0):  # a diverged run: its last finite place
        xy = xy.copy()
        for i in np.flatnonzero(div >= 0):
            xy[i] = traj.xy[max(div[i] - 1, 0), i]
    (x0, x1), (y0, y1) = traj.surface.domain
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    # under the landmarks' outlines: thirty ends around a minimum hid its star
    dots = ax.plot(*xy[inside].T, "o", color=color, ms=10, mec="white", mew=1.0, zorder=6.5,
                   alpha=0.85, label="a seed ends")[0]  # fmt: skip
    out = xy[~inside & np.isfinite(xy).all(axis=1)]
    if not len(out):
        return [dots]
    arrow = None
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.array([(x1 - x0) / 2, (y1 - y0) / 2])
    rel = (out - centre) / half
    # a marker's width inside the edge: whole, not cut by the axes' frame
    edge = centre + rel / np.abs(rel).max(axis=1, keepdims=True) * half * 0.95
    for (ex, ey), (rx, ry), n in exit_marks(edge, rel, 0.12 * float(half.min())):
        marker = (3, 0, np.degrees(np.arctan2(ry, rx)) - 90)  # a triangle pointing out
        arrow = ax.plot(ex, ey, marker=marker, ms=16, color=color, mec="white", mew=1.2,
                        zorder=8.5)[0]  # fmt: skip
        # the count beside its arrow, white on dark, over the balls: "33 of 40" is seen
        inward = -np.sign([rx, ry]) * (np.abs([rx, ry]) == np.abs([rx, ry]).max())
        ax.annotate(f"{n} left", (ex, ey), xytext=(18 * inward[0] + 38 * (inward[0] == 0),
                    18 * inward[1]), textcoords="offset points", ha="center", va="center",
                    fontsize=14, fontweight="bold", color="white", zorder=9, gid="exit-count",
                    bbox={"boxstyle": "round,pad=0.25", "fc": "#1b1b1b", "ec": "white",
                          "lw": 1.0})  # fmt: skip
    # said in the map's key, not in a second line of its title
    from matplotlib.lines import Line2D

    gone = Line2D([], [], ls="none", marker="^", ms=12, color=color, mec="white",
                  label=f"{len(out)} of {len(xy)} left the view")  # fmt: skip
    return [dots, gone] if arrow is not None else [dots]


def exit_marks(edge: np.ndarray, rel: np.ndarray, near: float) -> list:
    """The exits of runs that left the view, merged: exits on one side within ``near`` of
    each other become one mark at their mean place with their count (33 arrows stacked at
    one spot read as one).

    >>> e = np.array([[0.0, 1.9], [0.05, 1.9], [0.0, -1.9]]); r = e / 1.9
    >>> [(np.round(p, 3).tolist(), int(n)) for p, _, n in exit_marks(e, r, 0.2)]
    [([0.025, 1.9], 2), ([0.0, -1.9], 1)]
    """
    side = np.argmax(np.abs(rel), axis=1) * 2 + (
        rel[np.arange(len(rel)), np.argmax(np.abs(rel), axis=1)] > 0
    )
    marks = []
    for s in dict.fromkeys(side.tolist()):
        idx = np.flatnonzero(side == s)
        along = edge[idx, 1 - s // 2]  # the coordinate along that side
        order = idx[np.argsort(along)]
        group = [order[0]]
        for j in order[1:]:
            if abs(edge[j, 1 - s // 2] - edge[group[-1], 1 - s // 2]) > near:
                marks.append((edge[group].mean(axis=0), rel[group].mean(axis=0), len(group)))
                group = []
            group.append(j)
        marks.append((edge[group].mean(axis=0), rel[group].mean(axis=0), len(group)))
    return marks


def _plain_numbers(ax) -> None:
    """A symmetric-log axis labelled 1, 0, −1, −10, −100: not 10⁰, 0, −10⁰."""
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}".replace("-", "−")))


def _decades(ax) -> None:
    """A log axis labelled at its decades only, as the other slides write them (1e-4)."""
    from .phaseplots import plain_decades

    plain_decades(ax.yaxis)
