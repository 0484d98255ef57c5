"""3-D surfaces, and the figure that shows a surface in contours and in 3-D side by side.

The surface is drawn as quads shaded by height and a relief light, or, for a turning
camera, as one picture filled per pixel (:mod:`optviz.render.mesh`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .geometry import _zrange, squash
from .landmarks import _mark_critical
from .plots import _SURFACE_PICTURES, _axes, _squash_ticks, levels_of, new_figure, plot_surface


def plot_surface3d(
    surface,
    ax=None,
    *,
    theme: str = "light",
    zclip: float | None = None,
    elev: float | None = None,
    azim: float | None = None,
    n: int = 80,
    critical: bool = False,
):
    """The surface as a shaded 3-D mesh; heights above ``zclip`` (default: the view hint)
    are bent smoothly under it (see :func:`squash`), and the z ticks show true values.

    >>> import optviz as ov
    >>> ax = plot_surface3d(ov.surface("saddle"))
    >>> ax.name
    '3d'
    """
    from matplotlib.colors import BoundaryNorm

    from ..catalog import surface as _surface

    surface = _surface(surface) if isinstance(surface, str) else surface
    ax = _axes(ax, theme, projection="3d")
    X, Y, Z = surface.grid(n)
    if zclip is not None:
        surface = _with_zclip(surface, zclip)
    lo, hi = _zrange(surface)
    Zc = squash(surface, Z)
    levs = levels_of(surface, Z)
    colors = _relief(Zc, style.cmap3d(theme)(BoundaryNorm(levs, 256, extend="max")(Zc)), n)
    if _SURFACE_PICTURES.get():
        from .mesh import MeshPicture

        ax.add_artist(MeshPicture(X, Y, Zc, colors))
    else:
        _quads(ax, X, Y, Zc, colors)
    ax.computed_zorder = False
    ax.view_init(
        elev=surface.view.elev if elev is None else elev,
        azim=surface.view.azim if azim is None else azim,
    )
    (x0, x1), (y0, y1) = surface.domain
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_zlim(lo, hi)
    if surface.view.zclip is not None:
        _squash_ticks(ax, surface)
    xname, yname = surface.view.axes
    ax.set_xlabel(xname)
    ax.set_ylabel(yname)
    ax.set_zlabel("f")
    _style3d(ax, theme)
    if critical:
        _mark_critical(ax, surface, z=True)
    return ax


def _quads(ax, X, Y, Z, colors):
    quads = ax.plot_surface(
        X,
        Y,
        Z,
        facecolors=colors,
        rstride=1,
        cstride=1,
        linewidth=0,
        antialiased=False,
        shade=False,  # shaded already, by a light from the upper left
        alpha=1.0,
    )
    # what the quads were made of: a MeshPicture of it draws the same (a test compares)
    quads.optviz_mesh = (X, Y, Z, colors)


def _relief(Z: np.ndarray, rgba: np.ndarray, n: int) -> np.ndarray:
    """Colors lit softly from the upper left, so the mesh reads as a shape: the height
    range is drawn as steep as a third of the grid is wide."""
    from matplotlib.colors import LightSource

    span = float(np.ptp(Z)) or 1.0
    lit = LightSource(azdeg=315, altdeg=40).shade_rgb(
        rgba[..., :3], Z, fraction=0.8, blend_mode="soft", vert_exag=n / 3 / span
    )
    return np.concatenate([lit, rgba[..., 3:]], axis=-1)


def _with_zclip(surface, zclip: float):
    from dataclasses import replace

    return replace(surface, view=replace(surface.view, zclip=float(zclip)))


def _style3d(ax, theme: str) -> None:
    face = style.THEMES[style.check_theme(theme)]["axes.facecolor"]
    ax.set_facecolor(face)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color((*_rgb(face), 0.0))
        axis._axinfo["grid"]["color"] = style.THEMES[theme]["grid.color"]


def _rgb(c) -> tuple:
    from matplotlib.colors import to_rgb

    return to_rgb(c)


def show_surface(
    surface,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    field: str | None = None,
    title: str | None = None,
):
    """A surface at a glance: contours with a colorbar beside the 3-D view, critical
    points marked by kind; ``field`` ("quiver" or "stream") draws the gradient field.

    >>> import optviz as ov
    >>> fig = show_surface(ov.surface("himmelblau"), size="small", dpi=50)
    >>> [ax.name for ax in fig.axes][:2]
    ['rectilinear', '3d']
    """
    from ..catalog import surface as _surface
    from .plots import beside_3d

    surface = _surface(surface) if isinstance(surface, str) else surface
    style.check_theme(theme)
    with style.themed(theme):
        fig = new_figure(size, dpi)
        grid = fig.add_gridspec(1, 2, width_ratios=beside_3d(surface))  # a wide map: wider
        left = fig.add_subplot(grid[0, 0])
        right = fig.add_subplot(grid[0, 1], projection="3d")
        plot_surface(surface, left, theme=theme, colorbar=True, critical=True, field=field)
        plot_surface3d(surface, right, theme=theme, critical=True)
        handles, labels = left.get_legend_handles_labels()
        if handles:  # below the map, where it hides no critical point
            left.legend(
                handles,
                labels,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.14),
                ncol=len(handles),
                frameon=False,
                fontsize=12,
            )
        from matplotlib.ticker import MaxNLocator

        for axis in (right.xaxis, right.yaxis):  # 3-D tick labels crowd each other
            axis.set_major_locator(MaxNLocator(5))
        fig.suptitle(title or surface.title or surface.name)
    return fig
