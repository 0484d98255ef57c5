"""A surface at a glance as one map: contours, its colour bar, the critical points named.

The map fills the frame (no 3-D view beside it: at a third of the frame that view piled
its markers and hid which way was x), with the key under it. :func:`show_map` is what a
``kind = "show"`` scene draws with ``three_d = false``; with the 3-D view it is
:func:`optviz.render.surface3d.show_surface`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .plots import new_figure, plot_surface, shown_surface


def show_map(
    surface,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    field: str | None = None,
    title: str | None = None,
):
    """The surface's contour map alone, critical points marked by kind; ``field``
    ("quiver" or "stream") draws the gradient field.

    >>> import optviz as ov
    >>> fig = show_map(ov.surface("himmelblau"), size="small", dpi=50)
    >>> [ax.name for ax in fig.axes][:1], len(fig.legends)
    (['rectilinear'], 1)
    """
    surface = shown_surface(surface, theme)
    with style.themed(theme):
        fig = new_figure(size, dpi)
        ax = fig.add_subplot()
        plot_surface(surface, ax, theme=theme, colorbar=True, critical=True, field=field)
        ax.set_aspect("auto")  # the map takes the frame; its axes keep their numbers
        clear_corner(ax)
        if field:
            bold_levels(ax, theme)
            _bold_streamlines(ax)
            _saddle_flow(ax, surface, theme)
        _show_landmarks_large(ax)
        _bar_as_axes(fig, ax)
        handles, labels = ax.get_legend_handles_labels()
        handles = [_as_drawn(ax, h, label) for h, label in zip(handles, labels, strict=True)]
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        heading = fig.suptitle(title or surface.title or surface.name)
        if handles:
            _key(fig, heading, handles, labels)
    return fig


KEY_SCALE = 0.7  # the key's markers against the map's (a saddle's diamond: 22 pt in the key)
EDGE_PX = 10  # the lone key's distance from the frame's right edge


def _key(fig, heading, handles: list, labels: list) -> None:
    """The key off the map: a lone entry beside the title when the title leaves it room
    (a row of its own under the map cost the map 65 px; in the corner under the colour
    bar it touched the last x tick's number), else one row under the map."""
    look = {"frameon": False, "fontsize": style.at_least(14), "markerscale": KEY_SCALE}
    if len(handles) == 1:
        key = fig.legend(handles, labels, loc="upper right", borderaxespad=0.2, **look)
        key.set_in_layout(False)
        renderer = fig.canvas.get_renderer()
        room = fig.bbox.width - heading.get_window_extent(renderer).x1
        if key.get_window_extent(renderer).width + 2 * EDGE_PX <= room:
            return
        key.remove()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles), **look)


def _bar_as_axes(fig, ax) -> None:
    """The colour bar's numbers as large as the axes' (they were a size smaller), and no
    arrow at one end: the bar's top colour holds the few values above its last level."""
    for c in ax.collections:
        bar = getattr(c, "colorbar", None)
        if bar is None:
            continue
        if bar.extend != "neither":  # drawn again on its axes, without the triangle
            ticks, label = bar.get_ticks(), bar.ax.get_ylabel()
            formatter = bar.ax.yaxis.get_major_formatter()
            c.extend = "neither"
            bar.ax.clear()
            # the inset's own place back: the old bar's locator shortened it for the arrow
            place = bar.ax.get_axes_locator()
            bar.ax.set_axes_locator(getattr(place, "_orig_locator", place))
            bar = fig.colorbar(c, cax=bar.ax)
            bar.set_ticks(ticks)
            bar.ax.yaxis.set_major_formatter(formatter)
            bar.set_label(label)
        # the size the axes' numbers get on saving (style.readable_ticks), which passes
        # over the bar: an inset of the map, not one of the figure's axes
        slide = fig.get_figheight() >= style.SLIDE_HEIGHT_IN - 1e-6
        bar.ax.tick_params(labelsize=style.TICK_PT if slide else style.SMALL_TICK_PT)


STREAM_WIDER = 0.4  # points: opaque and a little wider, dark lines stand out on grey


def _bold_streamlines(ax) -> None:
    """The streamlines drawn opaque and a little wider: half-transparent grey on the grey
    fill had little contrast on a projector (a white rim read as more level lines)."""
    from matplotlib.collections import LineCollection
    from matplotlib.contour import ContourSet

    for c in ax.collections:
        if isinstance(c, LineCollection) and not isinstance(c, ContourSet):
            width = float(np.max(np.atleast_1d(c.get_linewidth())))
            c.set_alpha(1.0)
            c.set_linewidth(width + STREAM_WIDER)


FLOW_OUT_PX, FLOW_IN_PX = 150.0, 30.0  # a saddle's arrows: from this far, to this near


def _saddle_flow(ax, surface, theme: str) -> None:
    """At each saddle four bold arrows along the Hessian's eigenvectors: in along the
    rising direction, out along the falling one. The streamlines stopped short of the
    saddle, where the flow is slowest, and left its centre empty."""
    from ..catalog.critical import landmarks

    ink = style.ink(theme)
    for p in landmarks(surface).points:
        if p.kind != "saddle":
            continue
        at = np.asarray(p.xy, float)
        values, vectors = np.linalg.eigh(surface.hess(at))
        centre = ax.transData.transform(at)
        for value, v in zip(values, vectors.T, strict=True):
            for sign in (1.0, -1.0):
                step = ax.transData.transform(at + 1e-3 * sign * v) - centre
                d = step / np.hypot(*step)
                far = ax.transData.inverted().transform(centre + FLOW_OUT_PX * d)
                near = ax.transData.inverted().transform(centre + FLOW_IN_PX * d)
                tail, head = (far, near) if value > 0 else (near, far)
                ax.annotate("", head, xytext=tail, zorder=4.5, gid="saddle-flow",
                            arrowprops={"arrowstyle": "-|>", "color": ink, "lw": 3.2,
                                        "mutation_scale": 28, "shrinkA": 0, "shrinkB": 0,
                                        "path_effects": _white_rim(3.2)})  # fmt: skip


def _white_rim(width: float) -> list:
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=width + 3, foreground="#ffffff"), patheffects.Normal()]


LEVEL_WIDTH = 1.5  # a map's level lines under a field: seen from the back of the room
LEVELS_SHOWN = 10  # and at most about this many of them


def bold_levels(ax, theme: str) -> None:
    """The level lines of a map under a gradient field drawn light, full and wider: grey
    half-transparent hairlines on the grey fill were lost, and dark ones would read as
    more streamlines."""
    from matplotlib.contour import ContourSet

    light = "#ffffff" if theme == "light" else "#c8c8c8"
    for c in ax.collections:
        if isinstance(c, ContourSet) and not c.filled:
            n = len(c.levels)
            every = max(1, -(-n // LEVELS_SHOWN))  # forty in white erased the fill
            c.set_edgecolor(light)  # (set_color would fill the closed levels too)
            c.set_linewidth([LEVEL_WIDTH if i % every == 0 else 0.0 for i in range(n)])
            c.set_alpha(0.9)
            c.set_linestyle("solid")


SHOWN_LARGER = 1.3  # the points are the lesson here, and no ball sits on them
SHOWN_AT_LEAST = 24.0  # points: a maximum's triangle as large as a global minimum's star in a race


def _show_landmarks_large(ax) -> None:
    """The critical points a third larger than in a race: a maximum's triangle (14 pt)
    was the least visible marker of the map, on the light ground around it."""
    for line in ax.get_lines():
        if (line.get_gid() or "").startswith("landmark"):
            line.set_markersize(max(line.get_markersize() * SHOWN_LARGER, SHOWN_AT_LEAST))


def _as_drawn(ax, handle, label: str):
    """A key entry as the map draws it: the global minimum's star filled pale gold (its
    outline alone was a hollow star in the key beside the map's gold ones)."""
    from matplotlib.lines import Line2D

    from .landmarks import legend_face

    if not isinstance(handle, Line2D) or handle.get_gid() != "landmark":
        return handle
    entry = Line2D([], [])
    entry.update_from(handle)
    entry.set_markerfacecolor(legend_face(ax, label))
    return entry


CORNER_PAD = 9.0  # points between the x axis and its numbers when a corner holds two


def clear_corner(ax) -> None:
    """When the lower left corner holds an x and a y tick number both (\u2212 2.0 and
    \u2212 2.0), the x numbers are set further down, so the two do not touch; both stay
    (dropping the x one left the axis without its first number)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xt = [v for v in ax.get_xticks() if min(x0, x1) <= v <= max(x0, x1)]
    yt = [v for v in ax.get_yticks() if min(y0, y1) <= v <= max(y0, y1)]
    at_x = xt and abs(xt[0] - x0) <= 1e-3 * abs(x1 - x0)
    at_y = yt and abs(yt[0] - y0) <= 1e-3 * abs(y1 - y0)
    if at_x and at_y:
        ax.tick_params(axis="x", pad=CORNER_PAD)
