"""A surface at a glance as one map: contours, its colour bar, the critical points named.

The map fills the frame (no 3-D view beside it: at a third of the frame that view piled
its markers and hid which way was x), with the key under it. :func:`show_map` is what a
``kind = "show"`` scene draws with ``three_d = false``; with the 3-D view it is
:func:`optviz.render.surface3d.show_surface`.
"""

from __future__ import annotations

from typing import Any

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
        _show_landmarks_large(ax)
        handles, labels = ax.get_legend_handles_labels()
        handles = [_as_drawn(ax, h, label) for h, label in zip(handles, labels, strict=True)]
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if len(handles) == 1:  # a lone key off the map (in its corner it hid streamlines),
            # in the corner under the colour bar: the map keeps its height
            fig.legend(handles, labels, loc="lower right", bbox_to_anchor=(0.995, 0.005),
                       frameon=False, fontsize=style.at_least(14))  # fmt: skip
        elif handles:  # one row under the map, where it hides no point
            fig.legend(handles, labels, loc="outside lower center", ncol=len(handles),
                       frameon=False, fontsize=style.at_least(14))  # fmt: skip
        fig.suptitle(title or surface.title or surface.name)
    return fig


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


def clear_corner(ax) -> None:
    """No x tick label at the lower left corner when a y tick label sits there too: the
    two (\u2212 2.0 and \u2212 2.0) nearly touched. The y axis keeps its number."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xt = [v for v in ax.get_xticks() if min(x0, x1) <= v <= max(x0, x1)]
    yt = [v for v in ax.get_yticks() if min(y0, y1) <= v <= max(y0, y1)]
    at_x = xt and abs(xt[0] - x0) <= 1e-3 * abs(x1 - x0)
    at_y = yt and abs(yt[0] - y0) <= 1e-3 * abs(y1 - y0)
    if at_x and at_y:
        ax.set_xticks(xt[1:])
