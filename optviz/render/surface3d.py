"""3-D surfaces, and the figure that shows a surface in contours and in 3-D side by side.

The surface is drawn as quads shaded by height and a relief light, or, for a turning
camera, as one picture filled per pixel (:mod:`optviz.render.mesh`); the colours and
the block the surface stands on are :mod:`.surface_block`'s, the tick values and axis
names along the block's near edges :mod:`.axes3d`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .axes3d import axis_names
from .geometry import _zrange, squash
from .landmarks import _mark_critical
from .plots import (
    _SURFACE_PICTURES,
    _axes,
    _squash_ticks,
    check_map,
    levels_of,
    new_figure,
    plot_surface,
    shown_surface,
)
from .surface_block import SIDE_ROWS, _lit, _on_block, _quads, _relief, _shown


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
    kept; with no runs, from the landmarks marked, else the surface's own), the surface
    on a block (:func:`.surface_block._on_block`) filling the axes without a box or ticks (the axis
    names at its foot), and only the landmarks the runs meet (with ``critical``).
    Without ``runs`` the surface sits in its box at the surface's camera.

    >>> import optviz as ov
    >>> ax = plot_surface3d(ov.surface("saddle"))
    >>> ax.name
    '3d'
    """
    from matplotlib.colors import BoundaryNorm

    from ..catalog import surface as _surface

    surface = _surface(surface) if isinstance(surface, str) else surface
    check_map(surface)
    ax = _axes(ax, theme, projection="3d")
    if zclip is not None:
        surface = _with_zclip(surface, zclip)
    window = np.asarray(surface.domain, float)
    if runs is not None:
        runs = list(runs)
        window = runs_window(surface, runs)
    X, Y, Z = _grid(surface, window, max(n, SLIDE_GRID) if runs is not None else n)
    lo, hi = _zrange(surface)
    Zc = squash(surface, Z)
    if runs is not None:  # the window's own heights: a low valley keeps its relief
        lo, hi = float(np.min(Zc)), max(float(np.max(Zc)), float(np.min(Zc)) + 1e-12)
    levs = levels_of(surface, Z)
    (x0, x1), (y0, y1) = window
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
        marks = _lesson_landmarks(surface, runs) if critical else []
        marks = [p for p in marks if _inside(p.xy, window)]
        _slide_camera(ax, surface, (X, Y, Zc), runs, marks, (elev, azim))
        colors = _lit(ax, surface, X, Y, Zc, theme, squash(surface, levs))
        X, Y, Zc, colors = _on_block(ax, surface, X, Y, Zc, colors, theme)
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
        _slide_view(ax, surface, (X, Y, Zc), marks, theme, _ends(surface, runs))
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
    shaped to the domain, the camera given or chosen with the box's height from the runs
    and landmarks (:func:`.camera3d.choose`; a surface alone: from its landmarks, which
    must not sink behind a near rim). A catalog camera (``keep_camera``) is kept when it
    is oblique (at most :data:`.camera3d.STEEPEST_KEPT`) and hides nothing."""
    from . import camera3d

    where = np.array([p.xy for p in marks]).reshape(-1, 2)
    span = np.ptp(_shown(ax), axis=1)
    ax.set_box_aspect((*(span / span.max()), HEIGHT_ASPECT))
    # parallel projection: lower on the screen means lower on the surface (in perspective
    # a ball on the near slope looks lower than the minimum behind it)
    ax.set_proj_type("ortho")
    elev, azim = camera
    if elev is not None and azim is not None or (not runs and not len(where)):
        # a camera given, or a bare surface with nothing to keep in sight: as asked, or
        # the camera its catalog file gives
        ax.view_init(elev=surface.view.elev if elev is None else elev,
                     azim=surface.view.azim if azim is None else azim)  # fmt: skip
        return
    scene = camera3d.scene_of(surface, grid, runs, where)
    view = surface.view
    kept = (
        (view.elev, view.azim) if view.keep_camera and view.elev <= camera3d.STEEPEST_KEPT else None
    )
    shot = camera3d.choose(ax, scene, hint_azim=view.azim, kept=kept)
    ax.view_init(elev=shot.elev if elev is None else elev,
                 azim=shot.azim if azim is None else azim)  # fmt: skip


def _ends(surface, runs: list) -> np.ndarray:
    """``(n, 2)``: every start's last point inside the domain."""
    ends = [p[-1] for t in runs for p in _runs_of(surface, t) if len(p)]
    return np.array(ends, float).reshape(-1, 2)


def _slide_view(ax, surface, grid, marks: list, theme: str, ends=()) -> None:
    """The slide view around the surface (see :func:`plot_surface3d`): no box, the view
    fitted to the surface, the axis names at its edges, the landmarks on it."""
    from . import camera3d

    ax.set_axis_off()
    # about 40 points a side, the edges among them (the block's floor and the ground's
    # edge inside it): the view is fitted to the whole block
    k = SIDE_ROWS
    rows, cols = (np.unique(np.r_[0 : n : max(1, n // 40), k, n - 1 - k, n - 1])
                  for n in grid[0].shape)  # fmt: skip
    camera3d.fit_view(ax, np.stack([a[np.ix_(rows, cols)] for a in grid], axis=-1),
                      stretch_box=len(ends) > 0)  # fmt: skip
    axis_names(ax, surface, grid, theme, race=len(ends) > 0)
    _draw_landmarks(ax, surface, marks, theme, ends)


def runs_window(surface, runs: list) -> np.ndarray:
    """``((x0, x1), (y0, y1))``: the part of the domain the slide view shows, cut to where
    the runs go as a race's map is (:mod:`.framing`): their points inside the domain,
    their starts and the landmarks marked (:func:`_lesson_landmarks`, the map's set:
    a local minimum the map names must not be cut off here). The whole domain when the
    runs use most of it, the surface has no runs or its domain was chosen for the picture."""
    from .framing import WORTH, _fit, chosen_domain

    dom = np.asarray(surface.domain, float)
    if not runs or chosen_domain(surface):
        return dom
    points = [xy for t in runs for xy in _runs_of(surface, t)]
    # a landmark with ground around it: a star on the window's edge sat on the rim
    room = LANDMARK_ROOM * np.ptp(dom, axis=1)
    points += [np.asarray(p.xy, float) + np.array([-1, 1])[:, None] * room
               for p in _met_landmarks(surface, runs)]  # fmt: skip
    points = np.concatenate([p.reshape(-1, 2) for p in points]) if points else np.zeros((0, 2))
    if not len(points):
        return dom
    box = _fit(np.array([points.min(axis=0), points.max(axis=0)]).T, dom)
    area = np.prod(np.ptp(box, axis=1)) / np.prod(np.ptp(dom, axis=1))
    return dom if area > WORTH else box


def _runs_of(surface, traj) -> list[np.ndarray]:
    """Each start's finite points inside the domain (``(k, 2)`` each)."""
    xy = np.asarray(traj.xy, float)
    runs = xy[:, None, :] if xy.ndim == 2 else xy
    out = []
    for j in range(runs.shape[1]):
        path = runs[:, j]
        out.append(path[np.all(np.isfinite(path), axis=1) & _inside_all(path, surface.domain)])
    return out


def _met_landmarks(surface, runs: list) -> list:
    """The landmarks the window must hold: every one the view marks (the map's set, so
    the 3-D view shows the basins the 2-D map beside it names)."""
    return _lesson_landmarks(surface, runs)


def _inside_all(xy: np.ndarray, window) -> np.ndarray:
    (x0, x1), (y0, y1) = np.asarray(window, float)
    xy = np.asarray(xy, float).reshape(-1, 2)
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)


def _inside(xy, window) -> bool:
    return bool(_inside_all(xy, window)[0])


def _grid(surface, window, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, Y, Z)`` on an ``n`` x ``n`` grid over ``window`` (as ``surface.grid``)."""
    (x0, x1), (y0, y1) = np.asarray(window, float)
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(all="ignore"):
        Z = surface.f(np.stack([X, Y], -1))
    return X, Y, Z


HEIGHT_ASPECT = 0.5  # the height drawn half as tall as the domain is wide: hills, not towers
FEW_LANDMARKS = 4  # up to this many the 3-D view marks them all: they do not clutter it
NEAR_END = 0.05  # as a share of the domain's larger side
LANDMARK_ROOM = 0.08  # the window's ground beyond a landmark, as a share of the domain


def landmark_kinds(surface, runs) -> list[str]:
    """The kinds of landmark the slide view of ``runs`` marks, in the legend's order:
    the layout sizes the legend by them (sized by the map's, which leaves out the saddle
    the 3-D view marks where a path passes over it, the legend ran off the frame)."""
    from ..catalog.critical import LANDMARK_KINDS

    runs = list(runs)
    window = runs_window(surface, runs)
    kinds = {p.kind for p in _lesson_landmarks(surface, runs) if _inside(p.xy, window)}
    return [k for k in LANDMARK_KINDS if k in kinds]


def _lesson_landmarks(surface, runs: list) -> list:
    """The landmarks a race's lesson needs: the same set as its map marks
    (:func:`.landmarks.lesson_landmarks`; a 3-D view that marked a saddle and one local
    minimum where the map marked four minima contradicted it). With no runs (a surface
    shown alone) every landmark, unless there are many: then its minima (beside the map,
    which marks them all; saddles and maxima between the minima pile up on them in a
    small 3-D view)."""
    from ..catalog.critical import landmarks
    from .landmarks import lesson_landmarks

    if runs:
        return lesson_landmarks(surface, runs)
    points = list(landmarks(surface).points)
    if len(points) <= FEW_LANDMARKS:
        return points
    return [p for p in points if p.kind in ("global minimum", "local minimum")]


def _draw_landmarks(ax, surface, marks: list, theme: str, ends=()) -> None:
    """Each landmark's marker on the surface, lifted a little so the surface does not cut
    it (no ring around it: rings on the ground read as extra markers); a global minimum
    filled as on the map (under the paths), so it reads apart from the local ones, and a
    minimum's hairline drawn again over the balls, so a star under a ball reads as one.
    A global minimum a run ends on (``ends``) is filled over the paths too: the paths
    wind into it foreshortened, and their tangle buried its gold (six_hump_camel), so
    the minimum a lesson names read as a local one."""
    from .geometry import height
    from .landmarks import (
        FILL_ZORDER,
        GLOBAL_FILL,
        LEGEND_NAMES,
        OVER_KINDS,
        _over_balls,
        landmark_style,
    )

    for kind in dict.fromkeys(p.kind for p in marks):
        xy = np.array([p.xy for p in marks if p.kind == kind]).reshape(-1, 2)
        xyz = (xy[:, 0], xy[:, 1], height(surface, xy, lift=0.02))
        style_ = landmark_style(kind)
        line = ax.plot(*xyz, **style_, label=LEGEND_NAMES.get(kind, kind))[0]
        line.set_gid("landmark")
        if kind == "global minimum":
            rested = _rested_on(xy, np.asarray(ends, float).reshape(-1, 2), surface)
            if rested.any():  # its own artist: the legend's sample stays as on the map
                over = ax.plot(*(a[rested] for a in xyz), **{**style_, "mfc": GLOBAL_FILL},
                               label="_nolegend_")[0]  # fmt: skip
                over.set_gid("landmark-rest")  # drawn as a landmark, named in no legend
        if kind == "global minimum":
            fill = ax.plot(*xyz, ls="none", marker=style_["marker"], ms=style_["ms"],
                           mfc=GLOBAL_FILL, mec="none", zorder=FILL_ZORDER,
                           label="_nolegend_")[0]  # fmt: skip
            fill.set_gid("landmark-fill")
        if kind in OVER_KINDS:  # its hairline over the balls resting on it, as on the map
            _over_balls(ax, line).set_data_3d(*xyz)


def _rested_on(xy: np.ndarray, ends: np.ndarray, surface) -> np.ndarray:
    """Which landmarks ``xy`` a run's end lies on (within :data:`NEAR_END` of the side)."""
    if not len(ends):
        return np.zeros(len(xy), bool)
    side = float(np.max(np.ptp(np.asarray(surface.domain, float), axis=1)))
    gaps = np.linalg.norm(xy[:, None, :] - ends[None, :, :], axis=-1)
    return gaps.min(axis=1) < NEAR_END * side


SLIDE_GRID = 180  # the slide view's mesh: fine enough that its quads do not show as steps
# on a projector (at 120 a steep wall's shading stepped in bands a quad wide)


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
    from .plots import beside_3d

    surface = shown_surface(surface, theme)
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
