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
    runs=None,
):
    """The surface as a shaded 3-D mesh; heights above ``zclip`` (default: the view hint)
    are bent smoothly under it (see :func:`squash`), and the z ticks show true values.

    ``runs`` (trajectories, or an empty list) asks for the slide view of them: the camera
    chosen to show the runs (:mod:`.camera3d`; a camera given as ``elev``/``azim`` is
    kept; with no runs the surface's own), the surface filling the axes without a box or
    ticks (the axis names at its edges), and only the landmarks the runs meet (with
    ``critical``). Without ``runs`` the surface sits in its box at the surface's camera.

    >>> import optviz as ov
    >>> ax = plot_surface3d(ov.surface("saddle"))
    >>> ax.name
    '3d'
    """
    from matplotlib.colors import BoundaryNorm

    from ..catalog import surface as _surface

    surface = _surface(surface) if isinstance(surface, str) else surface
    ax = _axes(ax, theme, projection="3d")
    X, Y, Z = surface.grid(max(n, SLIDE_GRID) if runs is not None else n)
    if zclip is not None:
        surface = _with_zclip(surface, zclip)
    lo, hi = _zrange(surface)
    Zc = squash(surface, Z)
    levs = levels_of(surface, Z)
    (x0, x1), (y0, y1) = surface.domain
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_zlim(lo, hi)
    ax.computed_zorder = False
    ax.view_init(
        elev=surface.view.elev if elev is None else elev,
        azim=surface.view.azim if azim is None else azim,
    )
    marks = []
    if runs is not None:  # the camera first: the surface is lit from beside it
        runs = list(runs)
        marks = _lesson_landmarks(surface, runs) if critical else []
        _slide_camera(ax, surface, (X, Y, Zc), runs, marks, (elev, azim))
        colors = _lit(ax, surface, X, Y, Zc, theme, squash(surface, levs))
    else:
        colors = _relief(Zc, style.cmap3d(theme)(BoundaryNorm(levs, 256, extend="max")(Zc)), n)
    if _SURFACE_PICTURES.get():
        from .mesh import MeshPicture

        ax.add_artist(MeshPicture(X, Y, Zc, colors))
    else:
        _quads(ax, X, Y, Zc, colors)
    ax.set_xlim(x0, x1)  # plot_surface scales the axes to the mesh: back to the domain
    ax.set_ylim(y0, y1)
    ax.set_zlim(lo, hi)
    _style3d(ax, theme)
    if runs is not None:
        _slide_view(ax, surface, (X, Y, Zc), marks, theme)
        return ax
    if surface.view.zclip is not None:
        _squash_ticks(ax, surface)
    xname, yname = surface.view.axes
    ax.set_xlabel(xname)
    ax.set_ylabel(yname)
    ax.set_zlabel("f")
    if critical:
        _mark_critical(ax, surface, z=True)
    return ax


def _slide_camera(ax, surface, grid, runs: list, marks: list, camera) -> None:
    """The slide view's camera (see :func:`plot_surface3d`): parallel projection, the box
    shaped to the domain, the camera given or chosen from the runs and landmarks."""
    from . import camera3d

    where = np.array([p.xy for p in marks]).reshape(-1, 2)
    span = np.ptp(np.asarray(surface.domain, float), axis=1)
    ax.set_box_aspect((*(span / span.max()), HEIGHT_ASPECT))
    # parallel projection: lower on the screen means lower on the surface (in perspective
    # a ball on the near slope looks lower than the minimum behind it)
    ax.set_proj_type("ortho")
    elev, azim = camera
    if not runs:  # a surface alone: the camera its catalog file gives
        elev = surface.view.elev if elev is None else elev
        azim = surface.view.azim if azim is None else azim
    if elev is None or azim is None:
        scene = camera3d.scene_of(surface, grid, runs, where)
        shot = camera3d.choose(ax, scene, hint_azim=surface.view.azim)
        ax.view_init(elev=shot.elev if elev is None else elev,
                     azim=shot.azim if azim is None else azim)  # fmt: skip
    else:
        ax.view_init(elev=elev, azim=azim)


def _slide_view(ax, surface, grid, marks: list, theme: str) -> None:
    """The slide view around the surface (see :func:`plot_surface3d`): no box, the view
    fitted to the surface, the axis names at its edges, the landmarks on it."""
    from . import camera3d

    ax.set_axis_off()
    # about 40 points a side, the edges among them: the view is fitted to the whole surface
    rows, cols = (np.unique(np.r_[0 : n : max(1, n // 40), n - 1]) for n in grid[0].shape)
    camera3d.fit_view(ax, np.stack([a[np.ix_(rows, cols)] for a in grid], axis=-1))
    _axis_names(ax, surface, theme)
    _draw_landmarks(ax, surface, marks, theme)


HEIGHT_ASPECT = 0.5  # the height drawn half as tall as the domain is wide: hills, not towers
FEW_LANDMARKS = 4  # up to this many the 3-D view marks them all: they do not clutter it
NEAR_END, NEAR_PATH = 0.05, 0.03  # as shares of the domain's larger side


def _lesson_landmarks(surface, runs: list) -> list:
    """The landmarks a race's lesson needs: a few are all needed; of many, the global
    minima, those a run ends near, and the saddles and maxima a path passes over. Every
    landmark when there are no runs (a surface shown alone)."""
    from ..catalog.critical import landmarks

    points = list(landmarks(surface).points)
    if not runs or len(points) <= FEW_LANDMARKS:
        return points
    side = float(np.max(np.ptp(np.asarray(surface.domain, float), axis=1)))
    paths = np.concatenate([np.asarray(t.xy, float).reshape(-1, 2) for t in runs])
    ends = np.concatenate([np.asarray(t.xy[-1], float).reshape(-1, 2) for t in runs])
    paths, ends = paths[np.isfinite(paths).all(1)], ends[np.isfinite(ends).all(1)]

    def near(xy, pts, reach) -> bool:
        return bool(len(pts)) and float(np.min(np.linalg.norm(pts - xy, axis=1))) < reach * side

    def needed(p) -> bool:
        xy = np.asarray(p.xy, float)
        passed = p.kind in ("saddle", "maximum") and near(xy, paths, NEAR_PATH)
        return p.kind == "global minimum" or near(xy, ends, NEAR_END) or passed

    return [p for p in points if needed(p)]


def _draw_landmarks(ax, surface, marks: list, theme: str) -> None:
    """Each landmark's marker on the surface, lifted a little so the surface does not cut
    it (no ring around it: rings on the ground read as extra markers)."""
    from .geometry import height
    from .landmarks import LEGEND_NAMES, landmark_style

    for kind in dict.fromkeys(p.kind for p in marks):
        xy = np.array([p.xy for p in marks if p.kind == kind]).reshape(-1, 2)
        line = ax.plot(xy[:, 0], xy[:, 1], height(surface, xy, lift=0.02),
                       **landmark_style(kind), label=LEGEND_NAMES.get(kind, kind))[0]  # fmt: skip
        line.set_gid("landmark")


def _axis_names(ax, surface, theme: str) -> None:
    """The names of x and y at the middle of the surface's two edges nearest the camera,
    a little outside it (the slide view has no box to carry them)."""
    from .geometry import height

    (x0, x1), (y0, y1) = np.asarray(surface.domain, float)
    a = np.radians(ax.azim)
    near_x = (x1, x0) if np.cos(a) > 0 else (x0, x1)
    near_y = (y1, y0) if np.sin(a) > 0 else (y0, y1)
    out = 0.1
    xname, yname = surface.view.axes
    if (xname, yname) == ("x", "y"):  # plain coordinates: their names teach nothing here
        return
    for name, xy in (
        (xname, ((x0 + x1) / 2, near_y[0] + out * (near_y[0] - near_y[1]))),
        (yname, (near_x[0] + out * (near_x[0] - near_x[1]), (y0 + y1) / 2)),
    ):
        edge = np.clip(np.array([xy]), [x0, y0], [x1, y1])
        z = float(height(surface, edge)[0])
        ax.text(xy[0], xy[1], z, name, fontsize=18, ha="center", va="center",
                color=style.ink(theme), gid="axis-name")  # fmt: skip


SLIDE_GRID = 120  # the slide view's mesh: fine enough that its quads do not show as bands
# the share of the map's shades the 3-D ground spans, lowest to highest: on light, the
# highest ground stops short of white (walls stand out from the page); on dark, the lowest
# short of black (the floor stands out from the page)
SHADES = {"light": (0.0, 0.8), "dark": (0.25, 1.0)}


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


# the light: from above the camera's left shoulder, so slopes facing the viewer are lit
# and the far sides of hills fall into shade
LIGHT_TURN, LIGHT_ELEV = 40.0, 40.0  # degrees: left of the camera's azimuth; above the ground
LIT = 0.8  # the lighting of a slope that shows its colour as is (one facing the light: 1)
AMBIENT = 0.45  # the share of a colour a slope turned away from the light keeps


def _lit(ax, surface, X, Y, Z, theme: str, levels: np.ndarray) -> np.ndarray:
    """The slide view's colours: the map's shade of each band between the drawn
    ``levels`` (low ground dark, as on the contour map: the bands' edges are its contour
    lines, and the surface hides them as it hides itself), lit by a light beside the
    camera (Lambert: the slope's normal in the drawn box, heights as tall as drawn)."""
    lo, hi = _zrange(surface)
    low, high = SHADES[style.check_theme(theme)]
    bands = np.clip(np.searchsorted(np.unique(levels), Z), 1, None) - 1
    share = bands / max(int(bands.max()), 1)
    rgba = style.cmap(theme)(low + (high - low) * share)
    aspect = np.asarray(ax.get_box_aspect(), float)
    (x0, x1), (y0, y1) = np.asarray(surface.domain, float)
    u = (X - x0) / (x1 - x0) * aspect[0]
    v = (Y - y0) / (y1 - y0) * aspect[1]
    w = (Z - lo) / (hi - lo) * aspect[2]
    dw_dv, dw_du = np.gradient(w, v[:, 0], u[0, :])  # rows run along y, columns along x
    normal = np.stack([-dw_du, -dw_dv, np.ones_like(w)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    a, e = np.radians(ax.azim + LIGHT_TURN), np.radians(LIGHT_ELEV)
    light = np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])
    lambert = np.clip(normal @ light, 0.0, 1.0)
    shade = AMBIENT + (1 - AMBIENT) * lambert / LIT  # a slope facing the light: brighter
    rgb = np.clip(rgba[..., :3] * shade[..., None], 0.0, 1.0)
    return np.concatenate([rgb, rgba[..., 3:]], axis=-1)


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
        plot_surface3d(surface, right, theme=theme, critical=True, runs=())
        handles, labels = left.get_legend_handles_labels()
        if handles:  # below the panels, where it hides no critical point; a figure
            # legend "outside" gets its room from the layout, so the frame never cuts it
            fig.legend(handles, labels, loc="outside lower center", ncol=len(handles),
                       frameon=False, fontsize=12)  # fmt: skip
        fig.suptitle(title or surface.title or surface.name)
    return fig
