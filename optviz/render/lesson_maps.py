"""The momentum lesson on a phase map: the rate's contour at gradient descent's best rate
(inside it momentum is faster), the fastest cell starred and named, drawn on
:func:`~optviz.render.phaseplots.plot_phase`'s map.

:func:`plot_zoom` draws a map beside a zoom into it, the window marked on the wide map;
:func:`plot_lesson` draws one map the whole width.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .phaseplots import (
    BOUNDARY_COLOR,
    DIVERGED_COLOR,
    _colorbar,
    _keys,
    _norm,
    _outlined,
    _title,
    drop_specks,
    edge_field,
    keep_pieces,
    plot_phase,
    steps_to_tenth,
)
from .plots import new_figure

ZOOM = "#E69F00"
GD_NAME = "GD at its best learning rate: momentum is faster inside"
ISLANDS_NAME = "ringed: islands, a cell or two of one kind inside the other"


def _rimmed(width: float) -> list[Any]:
    """A line with a white rim under it."""
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=width + 2.5, foreground="#ffffff"), patheffects.Normal()]


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
        # bold and rimmed in white: a small frame reads on any cell colour
        frame = Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=ZOOM, lw=2.8,
                          gid="zoom-frame", zorder=5, path_effects=_rimmed(2.8))  # fmt: skip
        left.add_patch(frame)
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
        for ax, m in ((left, wide), (right, zoomed)):
            _ring_islands(ax, m)
        if any(islands(m) + islands(m, trained=True) for m in (wide, zoomed)):
            _thin_edges((left, right))
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
    # midway between the flat top and the map's top: on the line, the words were struck
    middle = 0.5 * (gd**2 + ax.get_ylim()[1])
    ax.annotate(
        f"β above {gd**2:.2f}: too much momentum, slower again",
        (x, middle), ha="left", va="center_baseline",
        fontsize=style.at_least(15), color="#ffffff", zorder=6, gid="flat-top",
        path_effects=[patheffects.withStroke(linewidth=3, foreground="#111111")],
    )  # fmt: skip


ISLAND_CELLS = 6  # a diverged patch this small, away from the map's edge, is an island


def islands(phase: Any, trained: bool = False) -> list[tuple[float, float]]:
    """The centres (data) of the small patches of diverged cells that trained cells
    enclose, largest first; ``trained``: of trained cells that diverged ones enclose."""
    from scipy import ndimage

    labels, count = ndimage.label(~phase.diverged if trained else phase.diverged)
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


ISLAND_RING = {"marker": "o", "ms": 20, "mfc": "none", "mec": "#111111", "mew": 2.2}


def _ring_islands(ax: Any, phase: Any) -> None:
    """A ring around each island (diverged cells among trained ones, or trained among
    diverged): one cell or two, drawn alone, were specks too small to see from the back
    of a room."""
    from matplotlib import patheffects

    found = islands(phase) + islands(phase, trained=True)
    _unedge(ax, found)
    for x, y in found:
        ax.plot(
            x,
            y,
            ls="none",
            zorder=5,
            gid="island-ring",
            **ISLAND_RING,
            path_effects=[patheffects.withStroke(linewidth=4.4, foreground="#ffffff")],
        )


ISLAND_EDGE = 1.6  # points: the edge of maps with islands, a quarter of a cell (2 px)


def _unedge(ax: Any, centres: list[tuple[float, float]]) -> None:
    """The edge's pieces that ring an island alone taken out: around a cell or two the
    edge line (2.5 pt, where a cell is ~9 px) covered the island it outlined; the ring
    says where it is, and the island's own colour shows inside it. An island that
    touches its kind at a corner lies on the edge's line: :func:`_thin_edges`."""

    if not centres:
        return
    # the ring's outer radius in pixels
    reach = (ISLAND_RING["ms"] / 2 + ISLAND_RING["mew"]) * ax.figure.dpi / 72
    at = ax.transData.transform(np.asarray(centres, float))

    def outside_rings(px):  # not wholly inside the rings (two touch diagonally)
        near = np.hypot(*(px[:, None, :] - at[None, :, :]).transpose(2, 0, 1)).min(axis=1)
        return near.max() > reach

    for cs in (c for c in ax.collections if c.get_gid() == "edge"):
        keep_pieces(ax, cs, outside_rings)


def _thin_edges(axes: Any) -> None:
    """The edges of ``axes`` drawn :data:`ISLAND_EDGE` thin (the key says the same)."""
    for ax in axes:
        for cs in (c for c in ax.collections if c.get_gid() == "edge"):
            cs.set_linewidth(ISLAND_EDGE)


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
        # (the rate goes on past the edge: the line runs smooth between cells there)
        closed = np.where(phase.diverged, np.maximum(edge_field(phase)[0], 1.0), rate)
        line = ax.contour(phase.x, phase.y, closed, levels=[gd],
                          colors="#ffffff", linewidths=GD_WIDTH, zorder=3.5,
                          path_effects=_outlined(GD_WIDTH))  # fmt: skip
        line.set_gid("gd-best")
        drop_specks(ax, line)
    if not mark:
        return
    j, i = np.unravel_index(np.nanargmin(rate), rate.shape)
    star = (phase.x[i], phase.y[j])
    ax.plot(*star, "*", ms=22, mfc="#E69F00", mec="#111111", mew=1.4, zorder=6,
            gid="fastest-cell")  # fmt: skip
    gd_steps, star_steps = steps_to_tenth(gd), steps_to_tenth(rate[j, i])
    note = ax.annotate(
        "", star, xytext=(0.5, 0.5), textcoords="axes fraction", ha="center", va="center",
        fontsize=style.at_least(15), color="#ffffff", zorder=6, gid="gd-note",
        path_effects=[patheffects.withStroke(linewidth=3, foreground="#111111")],
        arrowprops={"arrowstyle": "-|>", "color": "#ffffff", "lw": 1.8, "shrinkB": 12,
                    "path_effects": _outlined(1.8)},
    )  # fmt: skip
    # the same words wide (three lines) or narrow (four): the first that finds a spot
    # crossing no line with its words or its arrow, else the one that crosses least
    wordings = (
        f"inside the white line: faster than\nGD at its best ({gd_steps:.0f} steps per 10×);\n"
        f"fastest \u2605: {star_steps:.0f} steps per 10×",
        f"inside the white line:\nfaster than GD at its best\n({gd_steps:.0f} steps per 10×)\n"
        f"fastest \u2605: {star_steps:.0f} steps per 10×",
    )
    tried = []
    for words in wordings:
        note.set_text(words)
        spot, key = clear_spot(ax, note, phase, star, with_key=True)
        tried.append((key, words, spot))
        if key[:2] == (0, 0):
            break
    _, words, spot = min(tried, key=lambda t: t[0][:2])
    note.set_text(words)
    note.xyann = spot


def clear_spot(ax: Any, text: Any, phase: Any, near: tuple, with_key: bool = False) -> Any:
    """Where (axes fraction) the centre of ``text`` goes so that its box crosses no
    contour line and no diverged cell, inside the axes, as near ``near`` (data) as can
    be; the least crowded place when no spot is clear. ``with_key``: also how crowded
    it is, ``(points under the words, points on the arrow, distance)``."""
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
            # words over a line worst, then an arrow across one (it points past it)
            crossed = _on_arrow(pts, (cx, cy), target)
            far = float(np.hypot(*(target - (cx, cy))))
            key = (int(inside.sum()) + 1000 * star, crossed, far)
            if best_key is None or key < best_key:
                best, best_key = (float(cx), float(cy)), key
    return (best, best_key) if with_key else best


ARROW_CLEAR = 0.012  # axes fraction: a line this near an arrow's shaft is crossed by it
HEAD_ROOM = 0.035  # the lines around the arrow's point: it ends short of what it names


def _on_arrow(pts: np.ndarray, start: tuple, end: np.ndarray) -> int:
    """How many of ``pts`` (axes fraction) lie on the shaft from ``start`` to ``end``,
    leaving out the last :data:`HEAD_ROOM` before ``end``."""
    a, b = np.asarray(start, float), np.asarray(end, float)
    d = b - a
    length2 = float(d @ d)
    if not len(pts) or length2 == 0:
        return 0
    t = np.clip((pts - a) @ d / length2, 0.0, 1.0)
    near = np.hypot(*(a + t[:, None] * d - pts).T) < ARROW_CLEAR
    return int((near & (np.hypot(*(pts - b).T) > HEAD_ROOM)).sum())


KEY_LENGTH, KEY_HEIGHT = 3.2, 1.0  # the key's swatches, in font sizes: seen from the back


def _legend_handles(theme: str, *phases: Any) -> list[Any]:
    """The zoom figure's key: the diverged cells, the measured edge and the lesson's line
    (the closed form's lines are not drawn there)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=DIVERGED_COLOR[theme], edgecolor="#111111", label="diverged")]
    ringed = any(islands(p) + islands(p, trained=True) for p in phases)
    if ringed:  # the rings said
        handles.append(Line2D([], [], ls="none", label=ISLANDS_NAME, **ISLAND_RING))
    width = ISLAND_EDGE if ringed else 2.5  # as the maps draw it (:func:`_unedge`)
    handles.append(Line2D([], [], color=BOUNDARY_COLOR[theme], lw=width,
                          label="edge of divergence"))  # fmt: skip
    if any(gd_best_rate(p) is not None for p in phases):
        handles.append(Line2D([], [], color="#ffffff", lw=GD_WIDTH, label=GD_NAME,
                              path_effects=_outlined(GD_WIDTH)))  # fmt: skip
    return handles
