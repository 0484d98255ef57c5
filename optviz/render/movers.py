"""The moving artists of one run in an animation (:mod:`.frames`): its trail (with the
halo under it, its faint revisits of dense ground, a short trail's faint way before it,
its lane beside the paths it shares a line with), its ball and its crosses; built once,
given their places each frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import edge_marks, lanes, paths, plots, style, turning
from .geometry import outside, projected
from .path_marks import add_marks


@dataclass
class Mover:
    """The moving artists of one trajectory on one axes."""

    traj: Any
    color: str
    xy: np.ndarray  # (T+1, n, 2) drawable positions
    z: np.ndarray | None  # (T+1, n) heights on a 3-D axes
    div: np.ndarray  # (n,) step of divergence or -1
    cross_xy: np.ndarray  # (n, 2) where each start left the domain
    halo: Any  # the light outline under the trail (None: not drawn)
    trail: Any
    ball: Any  # placed with the other balls of its axes (:class:`.balls.BallLayout`)
    cross: Any
    heads: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # the balls' true places
    gone: list = field(default_factory=list)  # the starts outside the view (:mod:`.balls`)
    marks: Any = None  # the run's identity marks along its path on a map (:mod:`.path_marks`)
    tail: Any = None  # a short trail's earlier steps, faint (:func:`.paths.faint_look`), on a map
    lane: np.ndarray | None = None  # (T+1,) points across its line where it shares one
    faint: Any = None  # its revisits of dense ground, thin and faint (:func:`.paths.revisits`)
    faint_steps: np.ndarray | None = None  # (T,) which steps are drawn so
    tips: Any = None  # arrowheads where its trail went out over a map's edge (:mod:`.edge_marks`)

    @property
    def lines(self) -> tuple:
        """Trail, cross and (if drawn) halo: what the path, the crosses and the path
        again are drawn with."""
        return (self.trail, self.cross) + (() if self.halo is None else (self.halo,))

    @property
    def artists(self) -> tuple:
        """The moving artists in drawing order."""
        lines = (self.trail, self.ball, self.cross)
        lines = lines if self.halo is None else (self.halo, *lines)
        lines = lines if self.faint is None else (self.faint, *lines)
        lines = lines if self.tips is None else (*lines, self.tips.artist)
        return lines if self.tail is None else (self.tail, *lines)


HEAD_STEPS = 2  # the step into the newest point and the one on to the ball: never faint


def build_mover(ax, traj, ps: paths.PathStyle, i: int, anim: Any, rotating: bool) -> Mover:
    """The moving artists of run ``i`` (``traj``, drawn as ``ps``) on ``ax``, for the
    animation ``anim`` (its trail, kind and theme; a ``rotating`` camera draws them flat)."""
    surface = traj.surface
    xy = traj.xy if traj.batched else traj.xy[:, None, :]
    xy = plots.drawable(xy, surface)
    div = np.atleast_1d(traj.diverged_at)
    # where the drawn path leaves the view, inside the edge (not where it diverged)
    cross_xy = edge_marks.exit_marks(xy, div, surface.domain)
    many = paths.cloud(xy.shape[1])  # a cloud of starts: thinner, translucent
    three = plots._is3d(ax)
    z = plots.height(surface, xy, lift=0.01) if three else None
    ink = style.ink(anim.theme)
    ms = ps.ball_size
    lw = paths.line_width(2.6, many) * ps.width
    # a turning camera projects each path once per frame itself and draws it flat:
    # a 3-D line projects (with masked arrays) for each of a path's four artists
    plot = turning.flat_plot(ax) if three and rotating else ax.plot
    empty: list = [[], [], []] if three and not rotating else [[], []]
    halo = None
    if ps.halo:
        halo = plot(
            *empty,
            color=style.halo(anim.theme),
            lw=paths.halo_width(lw),
            alpha=0.85,
            solid_capstyle="round",
        )[0]
    alpha = 0.8 if many else 1
    trail = plot(*empty, color=ps.color, lw=lw, ls=ps.map_linestyle, alpha=alpha)[0]
    # balls are placed in pixels (fanned out where they meet): flat markers on a 3-D axes
    flat = turning.flat_plot(ax) if three else ax.plot
    edge = style.ball_edge(ps.color, anim.theme)
    ball = flat([], [], ls="none", marker=ps.marker, ms=ms, mfc=ps.color, mec=edge, mew=1.0)[0]
    cross = plot(*empty, ls="none", marker="X", ms=ms * 1.4, mfc=ps.color, mec=ink, mew=1.2)[0]
    cross.set_clip_on(False)  # it sits on the domain's edge: show all of it
    mover = Mover(traj, ps.color, xy, z, div, cross_xy, halo, trail, ball, cross)
    if ps.lane is not None:  # beside the paths it shares a line with (:mod:`.lanes`)
        mover.lane = np.asarray(ps.lane, float)
    if ps.faint is not None and anim.trail is True:
        flags = np.asarray(ps.faint, bool)
        mover.faint_steps = np.r_[flags, flags[-1:]]  # the head's step after the last too
        mover.faint = plot(*empty, color=ps.color, **paths.faint_look(anim.theme))[0]
    if not three and not isinstance(anim.trail, bool):  # the way before it, faint
        mover.tail = plot(*empty, color=ps.color, **paths.faint_look(anim.theme))[0]
    if not three and not many and anim.trail is not False:  # where it went out over the edge
        mover.tips = edge_marks.OutTips(ax, ps.color, anim.theme)
    one_map = anim.kind != "panels" and len(anim.race.trajectories) > 1
    if one_map and not rotating:  # (a turning camera would move them every frame)
        mover.marks = add_marks(ax, xy, ps.color, ps.marker, anim.theme, heights=z,
                                lane=ps.lane)  # fmt: skip
        if mover.marks is not None:
            if not isinstance(anim.trail, bool):  # a short trail: its own marks
                mover.marks.memory = float(anim.trail)
            mover.marks.set_animated(True)
            mover.marks.set_gid(f"optimizer-{i}")
    _layered(mover, ps, i)
    return mover


def _layered(mover: Mover, ps: paths.PathStyle, i: int) -> None:
    """Mark run ``i``'s artists as drawn each frame (not in the background, nor the
    legend, nor the layout) and stack them: balls and crosses over every trail, each
    trail over its halo, faint lines under every full path."""
    for artist in mover.artists:
        artist.set_in_layout(False)  # empty until the first frame: not for layout
        artist.set_animated(True)
        artist.set_label("_nolegend_")
        artist.set_gid(f"optimizer-{i}")
        artist.set_zorder(8 + ps.zorder / 10)  # balls and crosses over every trail
    if mover.halo is not None:
        mover.halo.set_zorder(ps.halo_zorder)
    for faint in (mover.tail, mover.faint):
        if faint is not None:
            faint.set_zorder(paths.FAINT_ZORDER)
    mover.trail.set_zorder(ps.zorder)


def move(m: Mover, s: float, k: int, trail: bool | int, rotating: bool) -> None:
    """Give ``m``'s artists their places at step ``s`` (fractional: between steps ``k``
    and ``k + 1``), its path drawn as the animation's ``trail`` asks
    (:func:`.animate.animate`)."""
    steps = len(m.xy) - 1
    k = min(k, steps)
    frac = s - k
    head = m.xy[k]
    zhead = m.z[k] if m.z is not None else None
    if frac > 0 and k < steps:
        head = head + frac * (m.xy[k + 1] - head)
        if m.z is not None:
            zhead = zhead + frac * (m.z[k + 1] - zhead)
        else:  # a ball out of the view at step k stays out until a whole step brings it
            # back: between two far points (a divergent swing) the straight line crosses
            # the map, and the ball would flash through it
            away = outside(m.xy[k], edge_marks.view_of(m.trail.axes))
            head = np.where(away[:, None], m.xy[k], head)
    first = 0 if trail is True else max(0, k - int(trail))
    gone = (m.div >= 0) & (m.div <= s)
    alive = ~gone
    if trail is False:
        first = k + 1  # the trail is only the head itself: nothing to draw
    if m.tail is not None:  # a short trail: bold, the whole way before it faint
        # (a noisy run's last steps read as the way the ball came; the rest stays in sight)
        older = _polyline(_laned(m, m.xy[: first + 1], 0), None, m.traj.surface.domain)[0]
        m.tail.set_data(older[:, 0], older[:, 1])
        _keep_lane(m, m.tail, older)
    if m.marks is not None:  # the marks on the trail drawn bold, none where it fades
        m.marks.since, m.marks.upto = first, s
    path = np.concatenate([m.xy[first : k + 1], head[None]], axis=0)  # (t, n, 2)
    zpath = None if m.z is None else np.concatenate([m.z[first : k + 1], zhead[None]])
    domain = None if m.z is not None else m.traj.surface.domain  # a map: ends at its edge
    path = _laned(m, path, first, s)
    if m.faint is not None:  # revisits of dense ground: their own thin, faint line
        steps_drawn = m.faint_steps[first : first + len(path) - 1].copy()
        steps_drawn[-HEAD_STEPS:] = False  # the newest steps reach the ball full and haloed
        path, thin = paths.split_faint(path, steps_drawn)
        zthin = None
        if zpath is not None:
            zpath, zthin = paths.split_faint(zpath, steps_drawn)
        thin, zthin = _polyline(thin, zthin, domain)
        _set_line(m.faint, thin[:, :2], zthin, rotating)
    path, zpath = _polyline(path, zpath, domain)
    for line in (m.trail, m.halo):
        _keep_lane(m, line, path)
    path = path[:, :2]
    heads, crosses = head[alive], m.cross_xy[gone]
    surface = m.traj.surface
    if m.z is None:
        m.heads = heads
        m.gone = edge_marks.gone_from_view(m.xy, k, head, surface.domain, alive)
        if m.tips is not None:
            view = edge_marks.view_of(m.tips.ax)
            m.tips.place(*edge_marks.trail_exits(m.xy, k, head, view, gone))
    else:
        m.heads = np.column_stack([heads, zhead[alive]])
        zcrosses = plots.height(surface, crosses, lift=0.02)
        if not rotating:
            for line, (xy, z) in zip(m.lines, [(path, zpath), (crosses, zcrosses),
                                               (path, zpath)], strict=False):  # fmt: skip
                line.set_data_3d(xy[:, 0], xy[:, 1], z)
            return
        # a turning camera: project the path and crosses at once, draw flat
        parts = [np.column_stack(p) for p in ((path, zpath), (crosses, zcrosses))]
        flat = projected(m.trail.axes, np.concatenate(parts))
        path, crosses = np.split(flat[:, :2], [len(path)])
    for line, xy in zip(m.lines, [path, crosses, path], strict=False):
        line.set_data(xy[:, 0], xy[:, 1])


def _set_line(line, xy: np.ndarray, z: np.ndarray | None, rotating: bool) -> None:
    """Give ``line`` its points: on a map or a turning camera's flat view (projected
    here), or on a still 3-D axes."""
    if z is None:
        line.set_data(xy[:, 0], xy[:, 1])
    elif not rotating:
        line.set_data_3d(xy[:, 0], xy[:, 1], z)
    else:
        flat = projected(line.axes, np.column_stack([xy, z])) if len(xy) else np.zeros((0, 2))
        line.set_data(flat[:, 0], flat[:, 1])


def _laned(m: Mover, path: np.ndarray, first: int, s: float | None = None) -> np.ndarray:
    """``path`` ``(t, 1, 2)``, the stretch of ``m``'s path from step ``first`` (and its
    head at step ``s``), with its lane's shift as a third column; as it is without one."""
    if m.lane is None:
        return path
    k = first + len(path) - (1 if s is None else 2)
    lane = m.lane[first : k + 1]
    if s is not None:
        lane = np.r_[lane, np.interp(s, np.arange(len(m.lane)), m.lane)]
    return np.concatenate([path, lane.reshape(-1, 1, 1)], axis=2)


def _keep_lane(m: Mover, line, path: np.ndarray) -> None:
    """Draw ``line`` (``path``, its third column its lane's shift) beside the paths
    ``m`` shares a line with (:class:`.lanes.Lanes`)."""
    if line is not None and m.lane is not None:
        lanes.keep_lane(line, path[:, 2])


def _polyline(path: np.ndarray, z: np.ndarray | None, domain=None):
    """``(t, n, 2)`` paths (and ``(t, n)`` heights) as one NaN-broken polyline; with a
    ``domain`` (a map) only the parts inside it (:func:`.paths.in_view`)."""
    t, n, _ = path.shape
    if domain is not None:
        return _nan_joined([paths.in_view(path[:, j], domain) for j in range(n)]), None
    if n == 1:
        return path[:, 0], (z[:, 0] if z is not None else None)
    joined = np.full((n, t + 1, 2), np.nan)
    joined[:, :t] = np.swapaxes(path, 0, 1)
    zj = None
    if z is not None:
        zj = np.full((n, t + 1), np.nan)
        zj[:, :t] = z.T
        zj = zj.ravel()
    return joined.reshape(-1, 2), zj


def _nan_joined(parts: list[np.ndarray]) -> np.ndarray:
    """Polylines ``(t_i, 2)`` as one, broken by a NaN row between them."""
    if len(parts) == 1:
        return parts[0]
    gap = np.full((1, parts[0].shape[1]), np.nan)
    return np.concatenate([x for p in parts for x in (p, gap)][:-1])
