"""The 3-D camera chosen from what it must show, and the view fitted to the surface.

A fixed camera per surface shows one lesson well and hides another: on the saddle the
balls that escape along y roll towards the camera and project right beside the saddle;
on Rosenbrock's valley the near wall covers the floor where the paths run. So the camera
is chosen from the paths themselves. Every camera of a small set (azimuths every 15°,
a few elevations) is measured on a coarse picture of the surface, drawn with the same
depth-buffered fill as :mod:`.mesh`:

- ``seen``: the share of the path points the surface does not hide, cast along each
  point's line of sight through the surface's heights (a path behind a wall is drawn
  over the wall, where it reads as lying on it);
- ``ends_seen``: the share of the end points (the balls) in sight;
- ``spread``: how long the paths look against how long they are on the map (a path
  running towards the camera shrinks to a stub), and how far apart the end points
  look against how far apart they are (the escaped balls must not land beside the
  stuck one); a step across the picture counts in full, one up or down at half, since
  there rising and moving away look alike;
- ``fill``: the share of the map's cell (:data:`CELL_ASPECT`), fitted around the
  projected surface, that the surface covers.

The camera with the best product wins; a mild preference for a middle elevation keeps
it a 3-D view (from straight above it would be the contour map again). Only cameras from
30° to 45° up are tried, and the box's height is chosen with the camera (:func:`choose`):
the tallest box in which an oblique camera keeps every ball and landmark in sight. Only cameras in
front of the map (:data:`MAP_AZIMUTHS`) are tried: x runs to the right and y away, as
on the 2-D map, so the two read alike.

:func:`fit_view` then zooms and pans the 3-D axes so the projected surface fills it, and
shapes the axes to the surface, so the legends beside it sit beside the surface.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ELEVATIONS = (30.0, 35.0, 40.0, 45.0)  # oblique: relief reads (from 60° it was a map)
STEEPEST_KEPT = 50.0  # a catalog camera steeper than this is not kept: it flattens the relief
AZIMUTHS = tuple(float(a) for a in range(-180, 180, 15))  # a turning camera's stops
# the cameras a race may be seen from: in front of the map's lower edge, give or take
# 30°, so x runs to the right and y away as on the 2-D map beside it (from behind or the
# side Himmelblau's paths read as mirrored against its map)
MAP_AZIMUTHS = tuple(float(a) for a in range(-120, -59, 15))
MAP_FRONT = -90.0  # the camera square in front of the map
RASTER = 120  # pixels on a side of the coarse picture a camera is measured on
PATH_SAMPLES = 60  # points per path measured for being hidden
MIDDLE_ELEV, ELEV_SPREAD = 38.0, 25.0  # the preferred elevation and how mildly it is preferred
OBLIQUE = 1.0  # how much a camera halfway between the domain's axes is preferred
VERTICAL = 0.5  # how much a projected step up or down counts against one across
CELL_ASPECT = 2.1  # width over height of the cell a race's 3-D map fills (over its legend row)
MARGIN = 0.03  # the fitted view's margin around the surface, as a share of its side


@dataclass(frozen=True)
class Shot:
    """A camera and what it shows (see the module docs)."""

    elev: float
    azim: float
    seen: float
    ends_seen: float
    spread: float
    order: float
    top: float
    fill: float
    score: float


@dataclass(frozen=True)
class Scene3D:
    """What a camera is measured on: the surface's corner grid (drawn heights) and the
    paths as ``(k, 3)`` points on it, with their end points."""

    grid: tuple[np.ndarray, np.ndarray, np.ndarray]
    paths: list[np.ndarray]
    ends: np.ndarray
    side: float  # the larger side of the domain
    balls: int = -1  # how many of ``ends`` are the runs' ends (the rest are landmarks; -1: all)


def scene_of(surface, grid, trajectories, marks: np.ndarray | None = None) -> Scene3D:
    """The surface's grid ``(X, Y, Zdrawn)`` (thinned to about 40 a side) and the paths
    of ``trajectories`` (every start its own path) lifted onto it; ``marks`` ``(k, 2)``,
    points that must be in sight as the balls must (landmarks), count as ends."""
    from .geometry import drawable, height

    X, Y, Z = grid
    step = max(1, X.shape[0] // 40)
    coarse = tuple(a[::step, ::step] for a in (X, Y, Z))
    paths, ends = [], []
    for traj in trajectories or ():
        xy = drawable(np.asarray(traj.xy, float), surface)
        runs = [xy] if xy.ndim == 2 else [xy[:, i] for i in range(xy.shape[1])]
        for run in runs:
            run = run[np.all(np.isfinite(run), axis=1)]
            if not len(run):
                continue
            picked = run[np.unique(np.linspace(0, len(run) - 1, PATH_SAMPLES).astype(int))]
            paths.append(np.column_stack([picked, height(surface, picked, lift=0.01)]))
            ends.append(paths[-1][-1])
    balls = len(ends)
    if marks is not None and len(marks):
        marks = np.asarray(marks, float).reshape(-1, 2)
        ends += list(np.column_stack([marks, height(surface, marks, lift=0.01)]))
    side = float(np.max(np.ptp(np.asarray(surface.domain, float), axis=1)))
    return Scene3D(coarse, paths, np.array(ends).reshape(-1, 3), side, balls)


def _project(M, points: np.ndarray) -> np.ndarray:
    from mpl_toolkits.mplot3d import proj3d

    flat = np.asarray(points, float).reshape(-1, 3)
    x, y, depth = proj3d.proj_transform(flat[:, 0], flat[:, 1], flat[:, 2], M)
    return np.column_stack([x, y, depth]).reshape(points.shape)


def _camera_matrix(ax, elev: float, azim: float) -> np.ndarray:
    ax.view_init(elev=elev, azim=azim)
    return ax.get_proj()


def measure(ax, scene: Scene3D, elev: float, azim: float, hint_azim: float = 0.0) -> Shot:
    """How well the camera ``(elev, azim)`` shows ``scene`` (see the module docs)."""
    from ._mesh_fill import fill_quads

    M = _camera_matrix(ax, elev, azim)
    grid = _project(M, np.stack(scene.grid, axis=-1))
    lo = grid[..., :2].reshape(-1, 2).min(axis=0)
    span = float(np.ptp(grid[..., :2].reshape(-1, 2), axis=0).max()) or 1.0
    scale = (RASTER - 1) / span
    cols, rows = (grid[..., 0] - lo[0]) * scale, (grid[..., 1] - lo[1]) * scale
    depth = np.ascontiguousarray(grid[..., 2], np.float64)
    zbuffer = np.full((RASTER, RASTER), np.inf)
    image = np.zeros((RASTER, RASTER, 4), np.uint8)
    colors = np.zeros((cols.shape[0] - 1, cols.shape[1] - 1, 4), np.uint8)
    fill_quads(np.ascontiguousarray(cols), np.ascontiguousarray(rows), depth, colors, image,
               zbuffer)  # fmt: skip
    covered = np.isfinite(zbuffer)
    w, h = (float(np.ptp(a)) + 1 for a in (cols, rows))
    frame_w = max(w, CELL_ASPECT * h)  # the map's cell, fitted around the surface
    fill = float(covered.sum()) / (frame_w * frame_w / CELL_ASPECT)
    lift = 0.02 * float(np.ptp(scene.grid[2]))

    def hidden(points: np.ndarray) -> np.ndarray:
        return _behind_surface(M, scene.grid, points, lift)

    seen = float(np.mean([1.0 - hidden(p).mean() for p in scene.paths])) if scene.paths else 1.0
    ends_seen = float(1.0 - hidden(scene.ends).mean()) if len(scene.ends) else 1.0
    spread = _spread(M, scene, scale / RASTER)
    order = _order(M, scene, scale / RASTER)
    top = _top_side(cols, rows, scene.grid)
    prior = math.exp(-(((elev - MIDDLE_ELEV) / ELEV_SPREAD) ** 2))
    prior *= 1.0 + 0.05 * math.cos(math.radians(azim - hint_azim))
    # a camera along an axis of the domain sees the surface square on: flat, as a map
    prior *= 1.0 + OBLIQUE * math.sin(math.radians(2 * azim)) ** 2
    score = seen**6 * ends_seen**4 * order**2 * top**8 * math.sqrt(spread * fill) * prior
    return Shot(elev, azim, seen, ends_seen, spread, order, top, fill, score)


SIGHT_SAMPLES = 96  # points along each line of sight checked against the surface


def _behind_surface(M, grid, points: np.ndarray, lift: float) -> np.ndarray:
    """Which ``points`` ``(n, 3)`` the surface hides: the line of sight from a point
    towards the camera passes under the surface (by more than ``lift``) somewhere over
    the domain. Cast through the surface's heights, not compared on a picture: a well's
    bottom behind its front rim projects onto the rim's underside, only a little nearer
    in depth, and a depth test with any slack called it seen."""
    X, Y, Z = grid
    xs, ys = X[0, :], Y[:, 0]
    p = np.asarray(points, float).reshape(-1, 3)
    toward = _towards_camera(M, p)
    spans = np.array([np.ptp(xs), np.ptp(ys), float(np.ptp(Z)) or 1.0])
    # steps measured in the box (each axis by its span): the line crosses it within √3
    unit = toward / np.linalg.norm(toward / spans, axis=1, keepdims=True)
    t = np.linspace(0.0, math.sqrt(3.0), SIGHT_SAMPLES)[1:]
    line = p[:, None, :] + t[None, :, None] * unit[:, None, :]
    x, y = line[..., 0], line[..., 1]
    over = (x >= xs[0]) & (x <= xs[-1]) & (y >= ys[0]) & (y <= ys[-1])
    return np.any(over & (_bilinear(xs, ys, Z, x, y) > line[..., 2] + lift), axis=1)


def _towards_camera(M, p: np.ndarray) -> np.ndarray:
    """At each point, the direction in which it stays put on the screen and comes
    nearer the camera (the line of sight, in data coordinates)."""
    h = 1e-6 * (float(np.abs(p).max()) or 1.0)
    base = _project(M, p)
    jac = np.stack([(_project(M, p + h * e) - base) / h for e in np.eye(3)], axis=-1)
    d = np.cross(jac[:, 0], jac[:, 1])  # keeps screen x and y
    return d * -np.sign(np.einsum("ij,ij->i", jac[:, 2], d))[:, None]  # depth falls


def _bilinear(xs, ys, Z, x, y) -> np.ndarray:
    """``Z`` on the regular grid ``xs`` × ``ys`` at ``(x, y)``, linearly between nodes."""
    fi = np.clip(np.interp(x, xs, np.arange(len(xs))), 0, len(xs) - 1.000001)
    fj = np.clip(np.interp(y, ys, np.arange(len(ys))), 0, len(ys) - 1.000001)
    i, j = fi.astype(int), fj.astype(int)
    u, v = fi - i, fj - j
    return ((1 - u) * (1 - v) * Z[j, i] + u * (1 - v) * Z[j, i + 1]
            + (1 - u) * v * Z[j + 1, i] + u * v * Z[j + 1, i + 1])  # fmt: skip


def _top_side(cols: np.ndarray, rows: np.ndarray, grid) -> float:
    """The share of the projected surface seen from above: a wall steeper than the line
    of sight shows its underside, and the sheet reads as twisted. Seen from below, a
    quad's corners turn the other way round on the screen than they do on the map."""
    upward = np.sign(np.sum(_areas(grid[0], grid[1])))  # how they turn on the map
    area = _areas(cols, rows) * upward
    return float(area[area > 0].sum()) / (float(np.abs(area).sum()) or 1.0)


def _areas(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Twice the signed area of each quad of the corner grids ``x``, ``y``."""
    p = np.stack([x, y], axis=-1)
    a, b, c, d = p[:-1, :-1], p[1:, :-1], p[1:, 1:], p[:-1, 1:]
    return _cross(b - a, c - a) + _cross(c - a, d - a)


def _cross(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return p[..., 0] * q[..., 1] - p[..., 1] * q[..., 0]


LOWER_SLACK = 0.015  # as a share of the picture: how much lower a higher point may look


def _order(M, scene: Scene3D, per_unit: float) -> float:
    """The share of pairs of a ball and another ball or a landmark whose screen order
    agrees with their heights: a point that lies higher must not look lower than a lower
    one (a ball on the near slope of a trough, drawn below the minimum behind it, says it
    got lower). Two landmarks may look as any 3-D view shows them: the far one higher."""
    ends = scene.ends
    if len(ends) < 2:
        return 1.0
    looks_up = _project(M, ends)[:, 1] * per_unit
    i, j = np.triu_indices(len(ends), 1)
    balls = len(ends) if scene.balls < 0 else scene.balls
    span = float(np.ptp(scene.grid[2])) or 1.0
    apart = (np.abs(ends[i, 2] - ends[j, 2]) > 1e-3 * span) & (i < balls)
    if not apart.any():
        return 1.0
    i, j = i[apart], j[apart]
    low, high = np.where(ends[i, 2] < ends[j, 2], i, j), np.where(ends[i, 2] < ends[j, 2], j, i)
    wrong = looks_up[high] < looks_up[low] - LOWER_SLACK
    return float(1.0 - wrong.mean())


def _spread(M, scene: Scene3D, per_unit: float) -> float:
    """How long the paths look and how far apart their ends look (the nearest two that
    are apart), against the map (1: as on a map the size of the picture; each capped at
    1.5 so a steep drop does not win alone), the two weighed equally."""
    lengths = []
    for p in scene.paths:
        on_map = float(np.linalg.norm(np.diff(p[:, :2], axis=0), axis=1).sum()) / scene.side
        if on_map > 0.05:
            q = _project(M, p)[:, :2] * per_unit
            looks = float(_looks(np.diff(q, axis=0)).sum())
            lengths.append(min(looks / on_map, 1.5))
    parts = [float(np.mean(lengths))] if lengths else []
    ends = scene.ends
    if len(ends) > 1:
        q = _project(M, ends)[:, :2] * per_unit
        i, j = np.triu_indices(len(ends), 1)
        apart = np.linalg.norm(ends[i, :2] - ends[j, :2], axis=1) / scene.side
        far = apart > 0.08  # ends that are apart on the map must look apart
        if far.any():
            looks = _looks(q[i] - q[j])[far]
            parts.append(min(float(np.min(looks / apart[far])), 1.5))
    return float(np.mean(parts)) if parts else 1.0


def _looks(d: np.ndarray) -> np.ndarray:
    """How far a projected step ``(n, 2)`` looks: across the picture in full, up and down
    at half (rising and moving away look the same there)."""
    return np.hypot(d[:, 0], VERTICAL * d[:, 1])


# the drawn height against the domain's larger side, tallest first (see choose)
HEIGHTS = (0.5, 0.42, 0.35, 0.3, 0.25, 0.2, 0.16)
RELIEF = 1.0  # how much a taller box (more relief) is preferred, as a power of its height


def choose(ax, scene: Scene3D, hint_azim: float = -60.0, kept=None) -> Shot:
    """The best camera for ``scene`` among those in front of the map, and the box's
    height: the tallest of :data:`HEIGHTS` from which some camera hides no ball and no
    landmark. Himmelblau's minima lie near every edge, walled in by rims five hundred
    times deeper than its basins: at half the domain's width no oblique camera saw all
    four, and the one that did looked straight down (no relief read). A lower box keeps
    an oblique camera and every basin in sight. Of the cameras that hide nothing, at any
    height, the best score times the height to the power :data:`RELIEF` wins. ``kept``
    ``(elev, azim)``, the surface's own camera, wins at the tallest height at which it
    hides nothing. The axes is left at the camera and height chosen."""
    across = np.asarray(ax.get_box_aspect(), float)[:2]
    across = across / across.max()  # (matplotlib keeps the box's aspect scaled)
    clear: list[tuple[float, float, Shot]] = []  # (score with relief, height, shot)
    last: list[Shot] = []
    for tall in HEIGHTS:
        ax.set_box_aspect((*across, tall))
        if kept is not None:
            shot = measure(ax, scene, *kept, hint_azim)
            if shot.ends_seen >= 1.0:
                clear = [(math.inf, tall, shot)]
                break
        last = [measure(ax, scene, e, a, hint_azim) for e in ELEVATIONS for a in MAP_AZIMUTHS]
        clear += [(s.score * (tall / HEIGHTS[0]) ** RELIEF, tall, s)
                  for s in last if s.ends_seen >= 1.0]  # fmt: skip
    if clear:
        _, tall, best = max(clear, key=lambda c: c[0])
    else:  # nothing keeps every point in sight: the lowest box's best
        tall, best = HEIGHTS[-1], max(last, key=lambda s: s.score)
    ax.set_box_aspect((*across, tall))
    ax.view_init(elev=best.elev, azim=best.azim)
    return best


def fit_view(ax, points: np.ndarray, stretch_box: bool = True) -> None:
    """Zoom and pan the 3-D axes so ``points`` ``(n, 3)`` (the surface's grid) fill it,
    at every draw: at the camera it was fitted for, tightly; while the camera turns,
    around the points' extent seen from every azimuth at that elevation (so the view does
    not zoom in and out as it turns). The axes takes the shape of the projected points,
    as large as its cell allows, placed in the cell by its anchor (as a 2-D axes of
    equal aspect is): a layout that fits legends beside a map's drawn width
    (:func:`.layout.column_ratios`) sets them beside the surface, not beside an empty
    strip of the cell. With ``stretch_box`` (a race's view), first the box is drawn long
    enough across the screen that the surface's shape matches its cell's
    (:func:`stretch_to`); a surface shown alone keeps the map's proportions."""
    points = np.asarray(points, float).reshape(-1, 3)
    fitted = (ax.elev, ax.azim)
    turning: dict[float, tuple] = {}
    base = np.asarray(ax.get_box_aspect(), float)
    stretched = [0.0]  # the cell aspect the box was last stretched to

    def stretch(cell, fig) -> None:
        # at the fitted camera, once the layout has set the cell (a turning camera keeps
        # the box it was fitted with: the view must not breathe as it turns)
        aspect = cell.width * fig.bbox.width / max(cell.height * fig.bbox.height, 1e-9)
        if stretch_box and (ax.elev, ax.azim) == fitted and abs(aspect - stretched[0]) > 1e-6:
            stretch_to(ax, points[:: max(1, len(points) // 400)], aspect, base)
            stretched[0] = aspect
            turning.clear()

    def limits() -> tuple:
        if (ax.elev, ax.azim) == fitted:
            return _bounds(_project(ax.get_proj(), points))
        if ax.elev not in turning:
            here = (ax.elev, ax.azim)
            boxes = np.array([_bounds(_project(_camera_matrix(ax, here[0], a), points))
                              for a in AZIMUTHS])  # fmt: skip
            ax.view_init(elev=here[0], azim=here[1])
            turning[here[0]] = (*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0))
        return turning[ax.elev]

    def apply_aspect(position=None):
        # the surface's own shape, not the square matplotlib keeps, as large as the cell
        # allows and placed in it by the axes' anchor: the axes is as wide as what it
        # shows, so the layout can set the legends beside the surface (as beside a map
        # of equal scale), not beside an empty strip of the cell
        cell = (position or ax.get_position(original=True)).frozen()
        fig = ax.get_figure(root=False)
        stretch(cell, fig)
        bounds = shown = limits()
        figure_aspect = fig.bbox.height / fig.bbox.width
        for _ in range(3):  # shaped to the surface with its axes' scale beside it (shaped
            # to the surface alone, the tick values widened the view and left bands
            # above and below it); their room in data units depends on the shape
            x0, y0, x1, y1 = shown
            box = cell.shrunk_to_aspect((y1 - y0) / max(x1 - x0, 1e-12), cell, figure_aspect)
            ax._set_position(box.anchored(ax.get_anchor(), cell), "active")
            w, h = ax.bbox.width or 1.0, ax.bbox.height or 1.0
            shown = _with_names(ax, bounds, w, h)
        x0, y0, x1, y1 = shown
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half = max((x1 - x0) / w, (y1 - y0) / h) * (1 + 2 * MARGIN) / 2
        ax.viewLim.intervalx = (cx - half * w, cx + half * w)
        ax.viewLim.intervaly = (cy - half * h, cy + half * h)

    ax.apply_aspect = apply_aspect
    ax._optviz_fitted = points


STRETCH = 2.0  # how much longer than the map's proportion a side of the box may be drawn


def stretch_to(ax, points: np.ndarray, aspect: float, base) -> None:
    """Lengthen the 3-D box along the screen's width (or its height) until ``points``
    ``(n, 3)`` project as wide against tall as ``aspect``, its cell: a square surface
    seen from the front projects about as tall as wide, and in a wide cell it left
    empty gutters a third of the frame wide. Within :data:`STRETCH` of the map's own
    proportions: a tilted view foreshortens the depth anyway, so no one reads the
    domain's proportions off it, but the ground's bends must not turn into ridges."""
    points = np.asarray(points, float).reshape(-1, 3)
    base = np.asarray(base, float)  # the map's own proportions
    a = math.radians(ax.azim)
    across = np.array([math.sin(a) ** 2, math.cos(a) ** 2])  # x's and y's share of the width
    factor = 1.0
    for _ in range(4):  # the projection's aspect is not linear in the stretch: iterate
        w, h = np.ptp(_project(ax.get_proj(), points)[:, :2], axis=0)
        factor = float(np.clip(factor * aspect / max(w / max(h, 1e-12), 1e-12),
                               1 / STRETCH, STRETCH))  # fmt: skip
        scale = 1.0 + (factor - 1.0) * across
        ax.set_box_aspect((*(base[:2] * scale), base[2]))


NAME_ROOM = 1.2  # room kept around an axis name's anchor, in its font's heights


def _with_names(ax, bounds: tuple, w: float, h: float) -> tuple:
    """``bounds`` grown to hold the axis names and tick values pinned beside the
    surface's foot (texts with a 3-D ``xyz``, gid "axis-name" or "axis-tick") and room
    for their letters: fitted to the surface alone, Rosenbrock's "x" sat under the frame's edge."""
    names = [t for t in ax.texts if t.get_gid() in ("axis-name", "axis-tick")]  # (seen or
    # not: the view must not move when they are hidden)
    if not names:
        return bounds
    x0, y0, x1, y1 = bounds
    per_px = max((x1 - x0) / w, (y1 - y0) / h) * (1 + 2 * MARGIN)
    dpi = ax.get_figure(root=True).dpi
    at = _project(ax.get_proj(), np.array([t.xyz for t in names]))[:, :2]
    room = np.array([max(NAME_ROOM * t.get_fontsize() * dpi / 72, t.reach())
                     for t in names]) * per_px  # fmt: skip
    lo, hi = (at - room[:, None]).min(axis=0), (at + room[:, None]).max(axis=0)
    return min(x0, lo[0]), min(y0, lo[1]), max(x1, hi[0]), max(y1, hi[1])


REACH = 12.0  # px beyond the surface's grid points that it, or a ball on it, may cover


def covers(ax, box, renderer) -> bool:
    """Whether the 3-D axes ``ax`` draws anything inside the display box ``box``. A
    fitted axes (:func:`fit_view`) has no frame: only its surface (the paths, balls and
    landmarks lie on it; a ball reaches a little beyond it) and its texts; the corners
    of its box the surface leaves empty are free. Any other axes covers its whole box."""
    points = getattr(ax, "_optviz_fitted", None)
    if points is None:
        tight = ax.get_tightbbox(renderer)
        return tight is not None and tight.overlaps(box)
    xy = ax.transData.transform(_project(ax.get_proj(), points)[:, :2])
    step = float(np.median(np.linalg.norm(np.diff(xy, axis=0), axis=1)))  # between grid points
    reach = REACH + step
    near = ((xy[:, 0] > box.x0 - reach) & (xy[:, 0] < box.x1 + reach)
            & (xy[:, 1] > box.y0 - reach) & (xy[:, 1] < box.y1 + reach))  # fmt: skip
    texts = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible()]
    return bool(near.any()) or any(t.overlaps(box) for t in texts)


def _bounds(p: np.ndarray) -> tuple[float, float, float, float]:
    return float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max())
