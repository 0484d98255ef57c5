"""Static plots: surfaces in contours and trajectories (loss curves: :mod:`.loss_plot`).

Axes-level functions take ``ax=None``, draw on it and return it; figure-level ones
(:func:`optviz.render.surface3d.show_surface`,
:func:`optviz.render.race_figure.plot_race`) build a themed
Figure with :func:`new_figure` (through pyplot when it is in use, else on the Agg
canvas) and return it. Optimizer ``i`` of a race gets :func:`optviz.render.style.color`
``(i)`` in every plot.

The animation engine (:mod:`optviz.render.animate`) builds its figures with the same
helpers, so a still and an animation of the same race look the same.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..util.errors import ParameterError, unknown
from . import extras, style
from .geometry import _is3d, _zrange, drawable, height, inside, squash
from .landmarks import _mark_critical, mark_minima
from .levels import levels_of, mark_plain
from .start_marks import mark_starts

KINDS = ("contour", "3d", "panels")
FIELDS = (None, "quiver", "stream")
COUNTER_CHARACTERS = 16  # "step 1000 / 1000": the width kept free for the step counter


# ----------------------------------------------------------------------------- helpers
def new_figure(size: Any = "16:9", dpi: float = 100, layout: str | None = "constrained"):
    """A new Figure (call inside :func:`style.themed`).

    When the caller has imported pyplot, the figure is made by ``plt.figure`` (as
    seaborn's figure-level functions do), so ``plt.show()`` shows it in a script and
    ``fig.show()`` works. Otherwise, and inside :func:`offscreen`, it is a bare Figure on
    the Agg canvas: nothing opens a window and pyplot keeps no reference to it (the CLI,
    animations, notebook previews).
    """
    import sys

    if not (isinstance(dpi, int | float) and 10 <= dpi <= 600):
        raise ParameterError(f"dpi={dpi!r} must be a number in [10, 600]")
    options = {"figsize": style.figsize(size), "dpi": dpi, "layout": layout}
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and not _OFFSCREEN.get():
        return _margins(pyplot.figure(**options))
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**options)
    FigureCanvasAgg(fig)
    return _margins(fig)


EDGE_MARGIN_IN = 0.12  # 12 px at 100 dpi: a title clear of the top edge, as on a slide


def _margins(fig):
    """A constrained layout keeps :data:`EDGE_MARGIN_IN` free at the figure's edges (its
    default, 3 points, put titles 4 px from the top)."""
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set") and "h_pad" in engine.get():
        engine.set(h_pad=EDGE_MARGIN_IN, w_pad=EDGE_MARGIN_IN)
    return fig


_OFFSCREEN = contextvars.ContextVar("optviz_offscreen", default=False)


@contextlib.contextmanager
def offscreen():
    """Figures made inside are bare Agg figures even when pyplot is in use.

    For figures that only become files or previews: pyplot would otherwise show them
    on the next ``plt.show()`` and keep them alive until ``plt.close``.
    """
    token = _OFFSCREEN.set(True)
    try:
        yield
    finally:
        _OFFSCREEN.reset(token)


_SURFACE_PICTURES = contextvars.ContextVar("optviz_surface_pictures", default=False)


@contextlib.contextmanager
def surfaces_as_pictures():
    """3-D surfaces made inside are drawn as one picture per draw
    (:class:`.mesh.MeshPicture`), not as a collection of quads.

    For figures redrawn at every turn of a camera: the quads are built (a colour per
    quad, a path per quad per draw) for nothing when every frame draws the picture.
    """
    token = _SURFACE_PICTURES.set(True)
    try:
        yield
    finally:
        _SURFACE_PICTURES.reset(token)


def _axes(ax, theme: str, projection: str | None = None):
    if ax is not None:
        return ax
    with style.themed(theme):
        fig = new_figure("small")
        return fig.add_subplot(projection=projection)


def _trajectories(obj) -> list:
    """A Race, a Trajectory or a sequence of Trajectories as a list of Trajectories."""
    from ..engine.runner import Race, Trajectory

    if isinstance(obj, Race):
        return list(obj.trajectories)
    if isinstance(obj, Trajectory):
        return [obj]
    if isinstance(obj, Sequence) and all(isinstance(t, Trajectory) for t in obj):
        return list(obj)
    raise ParameterError(f"expected a Race or Trajectory, not {type(obj).__name__}")


def _colors(n: int, colors) -> list:
    if colors is None:
        return [style.color(i) for i in range(n)]
    colors = [colors] if isinstance(colors, str) else list(colors)
    if not colors:
        raise ParameterError("colors must name at least one color")
    return [colors[i % len(colors)] for i in range(n)]


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise unknown("plot kind", kind, KINDS)
    return kind


def _squash_ticks(ax, surface) -> None:
    """z ticks at the true values of the squashed heights."""
    from matplotlib.ticker import MaxNLocator

    lo, hi = _zrange(surface)
    span = hi - lo
    values = [v for v in MaxNLocator(5).tick_values(lo, lo + 2 * span) if v >= lo - 0.02 * span]
    where = squash(surface, np.array(values))
    gaps = np.diff(where, prepend=-np.inf)
    keep = (where <= lo + 0.9 * span) & (gaps > 0.08 * span)
    ax.set_zticks(where[keep], [f"{v:g}" for v, k in zip(values, keep, strict=True) if k])


def _grid_shape(
    n: int, fig, loss: bool, aspect: float = 4 / 3, full: float = 1.0
) -> tuple[int, int]:
    """Rows and columns that give ``n`` panels of width/height ``aspect`` the most room;
    ``full`` < 1: a layout with fewer empty cells wins if its panels are at least that
    share of the largest (two empty cells read as a missing picture)."""
    w, h = fig.get_size_inches()
    w *= 2.2 / 3.2 if loss else 1.0  # the loss panel takes a share of the width

    def panel_height(cols: int) -> float:
        rows = -(-n // cols)
        return min(w / cols / aspect, h / rows)

    def empty(cols: int) -> int:
        return -(-n // cols) * cols - n

    # the largest panels win; among equals, the layout with fewer empty cells
    cols = max(range(1, n + 1), key=lambda c: (round(panel_height(c), 6), -empty(c)))
    near = [c for c in range(1, n + 1) if panel_height(c) >= full * panel_height(cols)]
    cols = min(near, key=lambda c: (empty(c), -panel_height(c)))
    return -(-n // cols), cols


# ----------------------------------------------------------------------------- surfaces
def level_ylabel(ax, name: str) -> None:
    """``name`` on ``ax``'s y axis, written level: a longer name than "y", centred at the
    pad as "y" is, ran into the tick labels ("w23.5"), so it ends at the pad instead."""
    ax.set_ylabel(name, rotation=0, ha="right" if len(name) > 1 else "center", labelpad=10)


def shown_surface(surface, theme: str):
    """``surface`` (or a catalog name) for a map of it, with ``theme`` checked: a curve
    is refused in one line (:func:`check_map`)."""
    from ..catalog import surface as _surface

    surface = _surface(surface) if isinstance(surface, str) else surface
    check_map(surface)
    style.check_theme(theme)
    return surface


def check_map(surface) -> None:
    """Refuse, in one line, a map of a curve f(x): it has no grid over x and y to draw."""
    if surface.is_curve:
        raise ParameterError(
            f"'{surface.name}' is a curve f(x): it has no contour map or 3-D view; it is "
            "drawn from the side (show_curve, or its race's side view)"
        )


def plot_surface(
    surface,
    ax=None,
    *,
    levels: int | Sequence[float] | None = None,
    colorbar: bool = False,
    theme: str = "light",
    critical: bool = False,
    minima: bool = True,
    field: str | None = None,
    n: int = 300,
    lines: bool = True,
):
    """Filled contours of ``surface`` over its domain; known minima marked with a star.

    Levels are log-spaced above the minimum when ``surface.view.log_levels`` (a thin
    valley stays visible). ``critical=True`` marks critical points by kind (minimum
    star, maximum triangle, saddle diamond); ``field`` adds the negative gradient as
    ``"quiver"`` arrows or ``"stream"`` lines.

    >>> import optviz as ov
    >>> ax = plot_surface(ov.surface("himmelblau"), field="quiver")
    >>> [float(v) for v in ax.get_xlim()]
    [-5.0, 5.0]
    """
    from matplotlib.colors import BoundaryNorm

    from ..catalog import surface as _surface

    surface = _surface(surface) if isinstance(surface, str) else surface
    check_map(surface)
    if field not in FIELDS:
        raise unknown("field", str(field), [f for f in FIELDS if f])
    ax = _axes(ax, theme)
    X, Y, Z = surface.grid(n)
    if levels is None or isinstance(levels, int):
        levs = levels_of(surface, Z, levels)
    else:
        levs = np.asarray(levels, float)
    cmap = style.cmap(theme)
    # above the last level: one more band, not an "over" colour (its colour bar's arrow
    # at one end only read as a defect)
    top = levs[-1] + (levs[-1] - levs[-2])
    bands = np.append(levs, top)
    norm = BoundaryNorm(bands, cmap.N)
    # under the first level (ground beyond the domain whose levels were given): its band
    Zc = np.where(np.isfinite(Z), np.clip(Z, levs[0], top), top)
    filled = ax.contourf(X, Y, Zc, levels=bands, cmap=cmap, norm=norm)
    if lines:
        # solid at every level: matplotlib dashes the negative ones, a code nobody keyed
        ax.contour(X, Y, Zc, levels=levs, colors=style.contour_line(theme), linewidths=0.5,
                   alpha=0.5, linestyles="solid")  # fmt: skip
    if colorbar:
        # an inset keeps the bar exactly as tall as the (equal-aspect) contour axes
        cb = ax.figure.colorbar(filled, cax=ax.inset_axes((1.03, 0.0, 0.035, 1.0)))
        cb.set_label("f(x, y)")
        if surface.view.log_levels:
            cb.set_ticks(levs[:: max(len(levs) // 6, 1)])
        else:  # round numbers, not the level boundaries
            from matplotlib.ticker import MaxNLocator

            ticks = MaxNLocator(6).tick_values(levs[0], levs[-1])
            cb.set_ticks(ticks[(ticks >= levs[0]) & (ticks <= levs[-1])])
        cb.ax.yaxis.set_major_formatter(_short_formatter())
    mark_plain(ax, surface, X, Y, Z, theme)
    if field:
        _draw_field(ax, surface, field, theme)
    if minima and len(surface.minima) and not critical:
        mark_minima(ax, surface.minima)
    if critical:
        _mark_critical(ax, surface)
    (x0, x1), (y0, y1) = surface.domain
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    xname, yname = surface.view.axes
    ax.set_xlabel(xname)
    level_ylabel(ax, yname)
    ax.set_aspect("equal" if _squareish(surface) else "auto")
    return ax


def beside_3d(surface) -> tuple[float, float]:
    """Width ratios of a contour map (with its colour bar) beside a 3-D view: a map
    wider than tall takes more of the width, so it is not a strip between empty bands.

    >>> import optviz as ov
    >>> beside_3d(ov.surface("quadratic")), beside_3d(ov.surface("six_hump_camel"))
    ((1.2, 1.0), (2.03, 1.0))
    """
    w, h = np.ptp(surface.domain, axis=1)
    return (float(np.clip(round(0.2 + w / h, 2), 1.0, 2.2)), 1.0)


def _squareish(surface) -> bool:
    w, h = np.ptp(surface.domain, axis=1)
    return 0.25 <= w / h <= 4


def _short_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:.3g}".replace("-", "\u2212"))  # −1.5, as the axes


def _draw_field(ax, surface, field: str, theme: str) -> None:
    (x0, x1), (y0, y1) = surface.domain
    k = 18 if field == "quiver" else 60
    X, Y = np.meshgrid(np.linspace(x0, x1, k), np.linspace(y0, y1, k))
    with np.errstate(all="ignore"):
        G = -surface.grad(np.stack([X, Y], -1))
    U, V = np.nan_to_num(G[..., 0]), np.nan_to_num(G[..., 1])
    ink = style.ink(theme)
    if field == "quiver":
        norm = np.hypot(U, V)
        norm[norm == 0] = 1.0
        ax.quiver(X, Y, U / norm, V / norm, color=ink, alpha=0.7, pivot="mid", zorder=3,
                  width=0.005, headwidth=4, headlength=5)  # fmt: skip
    else:  # lines and arrowheads a room sees: the direction of flow is the lesson
        stream = ax.streamplot(
            X, Y, U, V, color=ink, linewidth=1.6, density=0.8, arrowsize=2.2, zorder=3
        )
        stream.lines.set_alpha(0.75)


# ----------------------------------------------------------------------------- paths
def plot_trajectories(
    race_or_trajectory,
    ax=None,
    *,
    colors=None,
    labels: bool = True,
    theme: str = "light",
    linewidth: float = 2.4,
    markers: bool = True,
    styles=None,
):
    """Paths on a contour (2-D) or surface (3-D) axes: each over a light outline, in its
    color, line style and marker (:mod:`optviz.render.paths`), one ring per start, a
    ball at the end and a cross where a start diverged. Multi-start trajectories draw
    every start thinner.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.1", "gd:lr=1.1"], start=(1.0, 1.0), steps=40)
    >>> ax = plot_trajectories(r, plot_surface(r.surface))
    >>> ax.get_legend_handles_labels()[1]
    ['minimum', 'GD (lr 0.1)', 'GD (lr 1.1)']
    """
    from . import lanes, path_marks, paths

    trajs = _trajectories(race_or_trajectory)
    surface = trajs[0].surface
    if ax is None:
        ax = plot_surface(surface, theme=theme)
    three = _is3d(ax)
    ink = style.ink(theme)
    styles = styles or paths.path_styles(trajs, colors)
    balls: list = []
    heads: list = []
    for i, (traj, ps) in enumerate(zip(trajs, styles, strict=True)):
        xy = drawable(traj.xy, surface)
        many = traj.batched
        lw = paths.line_width(linewidth, paths.cloud(xy.shape[1] if many else 1)) * ps.width
        path = _nan_joined(xy) if many else xy
        if ps.lane is not None and not many:  # its shift where it shares a line (.lanes)
            path = np.column_stack([path, ps.lane])
        if ps.faint is not None and len(path) == len(ps.faint) + 2:  # one start, NaN-ended
            path = path[:-1]
        if ps.faint is not None and len(path) == len(ps.faint) + 1:  # revisits: thin, faint
            path, thin = paths.split_faint(path, np.asarray(ps.faint, bool))
            _faint_line(ax, thin[:, :2], ps.color, surface, three, f"optimizer-{i}", theme)
        if not three:  # a map: each path ends where it leaves the view
            path = paths.in_view(path, surface.domain)
        lane, path = (path[:, 2] if path.shape[1] > 2 else None), path[:, :2]
        coords = [path[:, 0], path[:, 1]]
        if three:
            coords.append(height(surface, path, lift=0.01))
        gid = f"optimizer-{i}"
        if ps.halo:
            halo = ax.plot(
                *coords,
                color=style.halo(theme),
                lw=paths.halo_width(lw),
                alpha=0.85,
                zorder=ps.halo_zorder,
                solid_capstyle="round",
                gid=gid,
                label="_nolegend_",
            )[0]
            lanes.keep_lane(halo, lane)
        line = ax.plot(
            *coords,
            color=ps.color,
            lw=lw,
            ls=ps.map_linestyle,
            zorder=ps.zorder,
            alpha=0.7 if paths.cloud(xy.shape[1] if many else 1) else 1.0,
            gid=gid,
        )[0]
        line.set_label(paths.readable(traj) if labels else "_nolegend_")
        lanes.keep_lane(line, lane)
        if len(trajs) > 1:  # each run's shape along its path (:mod:`.path_marks`)
            z = height(surface, xy, lift=0.01) if three else None
            path_marks.add_marks(ax, xy, ps.color, ps.marker, theme, heights=z,
                                 lane=None if many else ps.lane)  # fmt: skip
        if not three and extras.has_extras(traj):
            extras.draw(ax, traj, ps, theme, lw)
        if not markers:
            continue
        ends = xy[-1].reshape(-1, 2)
        div = np.atleast_1d(traj.diverged_at)
        gone = np.flatnonzero(div >= 0)
        ends = ends[div < 0]
        at = traj.xy[div[gone], gone] if many else traj.xy[div[gone]]
        crosses = inside(at, surface).reshape(-1, 2)
        kw = dict(ls="none", zorder=7 + ps.zorder / 10, label="_nolegend_", gid=gid)
        ball = _flat_plot(ax)([], [], marker=ps.marker, ms=ps.ball_size, mfc=ps.color, mec=ink,
                              mew=1.0, **kw)[0]  # fmt: skip
        balls.append(ball)
        heads.append(np.column_stack([ends, height(surface, ends, lift=0.02)]) if three else ends)
        if len(crosses):
            c = [crosses[:, 0], crosses[:, 1]]
            if three:
                c.append(height(surface, crosses, lift=0.02))
            ax.plot(*c, marker="X", ms=ps.ball_size * 1.4, mfc=ps.color, mec=ink, mew=1.2,
                    clip_on=False, **kw)  # fmt: skip
    if markers:
        _place_balls(ax, trajs, balls, heads, [ps.color for ps in styles], theme)
    if markers:
        mark_starts(ax, trajs, theme)
    return ax


def _faint_line(ax, path: np.ndarray, color, surface, three: bool, gid: str, theme: str) -> None:
    """A path's revisits (:func:`.paths.revisits`): thin, faint, under every full path."""
    from . import paths

    if not three:
        path = paths.in_view(path, surface.domain)
    coords = [path[:, 0], path[:, 1]] + ([height(surface, path, lift=0.01)] if three else [])
    ax.plot(*coords, color=color, zorder=paths.FAINT_ZORDER, gid=gid, label="_nolegend_",
            **paths.faint_look(theme))  # fmt: skip


def _flat_plot(ax):
    """``ax.plot`` for a ball: on a 3-D axes a flat marker, placed in projected
    coordinates by :class:`.balls.BallLayout`."""
    from .turning import flat_plot

    return flat_plot(ax) if _is3d(ax) else ax.plot


def _place_balls(ax, trajs, balls: list, heads: list, colors: list, theme: str) -> None:
    """The balls placed at draw time (fanned out where they meet, counted where one
    optimizer's starts pile up), and on a map the marks of balls that left the view."""
    from . import balls as placing
    from .edge_marks import still_marks

    layout = placing.BallLayout(ax, balls, theme)
    layout.set_positions(heads)
    layout.trails = [t.xy for t in trajs]  # the side a ball on a landmark is drawn on
    layout.reserve(min(sum(len(h) for h in heads), 24))
    ax.add_artist(layout)
    if not _is3d(ax):
        layout.edges = still_marks(ax, trajs, colors, theme)


def _nan_joined(xy: np.ndarray) -> np.ndarray:
    """``(T, n, 2)`` paths as one ``(n * (T + 1), 2)`` polyline broken by NaN rows."""
    T, n, _ = xy.shape
    out = np.full((n, T + 1, 2), np.nan)
    out[:, :T] = np.swapaxes(xy, 0, 1)
    return out.reshape(-1, 2)
