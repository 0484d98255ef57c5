"""What an optimizer shows beside its path: the points it evaluated, the points it keeps.

- **Evaluations** (``Trajectory.evaluations``: L-BFGS's line-search trials) are short
  ticks across the step that made them, in the path's colour: the trials of one step lie
  on its line, so the ticks read as a ruler of where the search looked; a dotted line runs
  out to trials beyond the point the step accepted.
- **Shown points** (``Trajectory.points``: ASGD's averaged iterate) are a dotted trail
  with a hollow ball of the optimizer's marker, moving with the iterate's.
- **Ghosts** (an optimizer whose ``evaluation_marks`` is ``"ghost"``: SAM's ascent
  point) are a faint hollow ball where the step being taken evaluated its gradient,
  tied to the ball by a thin dotted line: where the optimizer looked before it moved.

Stills draw them with the paths (:func:`draw`); animations through an overlay
(:class:`ExtrasOverlay`, added by :func:`optviz.render.animate.animate` when a race has
any); the legend explains each kind once (:func:`legend_entries`). On a 3-D view they
are not drawn.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import edge_marks, style
from .geometry import drawable

TICK_PX = 11.0  # half a tick's length, in pixels at 100 dpi: a 22 px tick reads on a slide
TICK_WIDTH = 3.0
RAY_WIDTH = 2.2  # a dotted ray out to a trial past the accepted point
SHOWN_WIDTH = 2.0


def has_extras(traj) -> bool:
    return traj.points is not None or traj.evaluations is not None


def _per_start(traj) -> tuple[np.ndarray, int]:
    """The positions ``(T + 1, n, 2)`` and the number of starts."""
    xy = traj.xy if traj.batched else traj.xy[:, None, :]
    return xy, xy.shape[1]


class Ticks(NamedTuple):
    """Evaluations as ticks ``(k, 2, 2)`` across their steps, dotted rays ``(m, 2, 2)`` out
    to trials past the accepted point, and the step of each tick and ray."""

    ticks: np.ndarray
    steps: np.ndarray
    rays: np.ndarray
    ray_steps: np.ndarray


def ticks(traj, ax) -> Ticks:
    """The ticks and rays of ``traj``'s evaluations on ``ax`` (see :class:`Ticks`)."""
    made = traj.evaluations
    if made is None or not len(made) or made.xy.shape[1] != 2 or _ghostly(traj):
        none = np.zeros((0, 2, 2))
        return Ticks(none, np.zeros(0, int), none, np.zeros(0, int))
    xy, _ = _per_start(traj)
    origin = xy[made.step - 1, made.start]
    accepted = xy[made.step, made.start]
    # perpendicular to the search line, in pixels so that ticks look square and keep
    # their length on any view
    scale = _axes_scale(ax) / _axes_px(ax)
    along = (made.xy - origin) / scale
    fallback = (accepted - origin) / scale
    along = np.where(np.linalg.norm(along, axis=1, keepdims=True) > 0, along, fallback)
    norm = np.linalg.norm(along, axis=1, keepdims=True)
    unit = np.divide(along, norm, out=np.zeros_like(along), where=norm > 0)
    across = np.stack([-unit[:, 1], unit[:, 0]], axis=1) * _tick_px(ax) * scale
    tick = np.stack([made.xy - across, made.xy + across], axis=1)
    past = np.linalg.norm(made.xy - origin, axis=1) > np.linalg.norm(accepted - origin, axis=1)
    rays = np.stack([accepted[past], made.xy[past]], axis=1)
    keep, seen = np.isfinite(tick).all(axis=(1, 2)), np.isfinite(rays).all(axis=(1, 2))
    return Ticks(tick[keep], made.step[keep], rays[seen], made.step[past][seen])


def shown_paths(traj) -> list[np.ndarray]:
    """Each shown point's path ``(T + 1, n, 2)``, drawable, and ended (NaN) from the step
    at which its start diverged, as the start's own path ends there."""
    xy, n = _per_start(traj)
    div = np.atleast_1d(traj.diverged_at)
    gone = np.arange(len(xy))[:, None] >= np.where(div >= 0, div, len(xy))[None, :]
    out = []
    for points in (traj.points or {}).values():
        path = drawable(points if points.ndim == 3 else points[:, None, :], traj.surface)
        out.append(np.where(gone[..., None], np.nan, path))
    return out


def _ghostly(traj) -> bool:
    return getattr(traj.optimizer, "evaluation_marks", "ticks") == "ghost"


def ghosts(traj) -> np.ndarray | None:
    """Where each step evaluated its gradient, ``(T + 1, n, 2)`` (index k: step k's; NaN
    where a step made none, and at index 0), for an optimizer drawn with ghosts."""
    made = traj.evaluations
    if not _ghostly(traj) or made is None or made.xy.shape[1] != 2:
        return None
    xy, n = _per_start(traj)
    out = np.full(xy.shape, np.nan)
    out[made.step, made.start] = made.xy  # one per step and start: the latest wins
    return drawable(out, traj.surface)


def _ghost_at(found: np.ndarray, s: float) -> np.ndarray:
    """The ghost of the step under way at ``s`` (step k moves the ball from k - 1 to k)."""
    k = min(int(np.floor(s)) + 1, len(found) - 1)
    return found[k]


def _axes_scale(ax) -> np.ndarray:
    """Data units per axes fraction, along x and y."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    scale = np.array([abs(x1 - x0), abs(y1 - y0)])
    return np.where(scale > 0, scale, 1.0)


def _axes_px(ax) -> np.ndarray:
    """The axes' width and height in pixels (1 where not yet laid out)."""
    size = np.array([ax.bbox.width, ax.bbox.height], float)
    return np.where(size > 0, size, 1.0)


def _tick_px(ax) -> float:
    return TICK_PX * ax.figure.dpi / 100


def draw(ax, traj, ps, theme: str, linewidth: float = 2.4) -> list:
    """The extras of ``traj`` on a 2-D ``ax`` (a still), in its path style ``ps``."""

    artists = []
    found = ticks(traj, ax)
    if len(found.ticks):
        artists.append(ax.add_collection(_tick_lines(found.ticks, ps)))
        artists.append(ax.add_collection(_ray_lines(found.rays, ps)))
    for path in shown_paths(traj):
        for i in range(path.shape[1]):
            last = path[:, i][np.isfinite(path[:, i]).all(axis=1)][-1:]
            artists += ax.plot(path[:, i, 0], path[:, i, 1], **_shown_line(ps))
            artists += ax.plot(last[:, 0], last[:, 1], **_shown_ball(ps, theme))
    found = ghosts(traj)
    if found is not None:  # a few steps' ghosts along the path, each tied to its ball
        xy, _ = _per_start(traj)
        marks = np.unique(np.linspace(1, len(xy) - 1, STILL_GHOSTS).round().astype(int))
        tethers = np.stack([xy[marks - 1], found[marks]], axis=2).reshape(-1, 2, 2)
        artists.append(ax.add_collection(_tether_lines(tethers, ps)))
        points = found[marks].reshape(-1, 2)
        artists += ax.plot(points[:, 0], points[:, 1], **_ghost_ball(ps, theme))
    return artists


STILL_GHOSTS = 6  # ghosts a still draws along each path


def _tether_lines(segments, ps):
    from matplotlib.collections import LineCollection

    return LineCollection(segments, colors=ps.color, linewidths=1.6, linestyles=(0, (1, 1.8)),
                          zorder=ps.zorder + 0.01, label="_nolegend_")  # fmt: skip


def _ghost_ball(ps, theme: str) -> dict:
    return dict(ls="none", marker=ps.marker, ms=ps.ball_size * 0.9, mfc="none", mec=ps.color,
                mew=2.0, alpha=0.75, zorder=7 + ps.zorder / 10 - 0.02,
                label="_nolegend_")  # fmt: skip


def _tick_lines(segments, ps):
    from matplotlib.collections import LineCollection

    return LineCollection(segments, colors=ps.color, linewidths=TICK_WIDTH, capstyle="butt",
                          zorder=ps.zorder + 0.02, label="_nolegend_",
                          path_effects=_rim(TICK_WIDTH))  # fmt: skip


def _ray_lines(segments, ps):
    from matplotlib.collections import LineCollection

    return LineCollection(segments, colors=ps.color, linewidths=RAY_WIDTH, linestyles=(0, (1, 1.6)),
                          zorder=ps.zorder - 0.02, label="_nolegend_",
                          path_effects=_rim(RAY_WIDTH))  # fmt: skip


def _rim(width: float) -> list:
    """A white rim: a trial's tick or ray stands out on a grey map as the paths do."""
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width + 2.0, foreground="white"),
            patheffects.Normal()]  # fmt: skip


def _shown_line(ps) -> dict:
    return dict(color=ps.color, lw=SHOWN_WIDTH, ls=(0, (1, 1.6)), zorder=ps.zorder + 0.01,
                label="_nolegend_", solid_capstyle="round")  # fmt: skip


def _shown_ball(ps, theme: str) -> dict:
    return dict(ls="none", marker=ps.marker, ms=ps.ball_size * 0.9, mfc=style.halo(theme),
                mec=ps.color, mew=2.2, zorder=7 + ps.zorder / 10 - 0.01,
                label="_nolegend_")  # fmt: skip


def legend_entries(race, theme: str) -> list[tuple[Any, str]]:
    """One ``(handle, label)`` per kind of extra the race draws: ticks in ink; a shown
    point or a ghost as the hollow ball of the first run that draws it (its marker and
    colour: a plain ring would read as the start rings)."""
    from matplotlib.lines import Line2D

    from .paths import path_styles

    ink = style.ink(theme)
    entries: dict[str, Any] = {}
    for traj, ps in zip(race.trajectories, path_styles(race.trajectories), strict=True):
        hollow = dict(marker=ps.marker, ms=9, mec=ps.color, mew=2.0)
        if traj.evaluations is not None and traj.evaluations.xy.shape[1] == 2:
            label = traj.optimizer.evaluations_are
            mark = (dict(color=ps.color, lw=1.6, ls=(0, (1, 1.8)), mfc="none", alpha=0.75,
                         **hollow) if _ghostly(traj)
                    else dict(color=ink, ls="none", marker="|", ms=16, mew=TICK_WIDTH))  # fmt: skip
            entries.setdefault(label, Line2D([], [], **mark))
        for name in traj.points or {}:
            label = traj.optimizer.shows.get(name, name)
            entries.setdefault(label, Line2D([], [], color=ps.color, lw=SHOWN_WIDTH,
                                             ls=(0, (1, 1.6)), mfc=style.halo(theme),
                                             **hollow))  # fmt: skip
    return [(handle, label) for label, handle in entries.items()]


class ExtrasOverlay:
    """The extras of every animated trajectory: ticks appear as their step begins, shown
    points move with the iterates (an overlay of :func:`optviz.render.animate.animate`)."""

    def __init__(self):
        self.engine: Any = None

    def __call__(self, engine, s: float) -> list:
        if self.engine is not engine:  # a new engine (each save or frames() makes one)
            self.engine = engine
            self.parts = [self._build(m, ps) for m, ps in zip(engine.movers, engine.styles,
                                                              strict=True)]  # fmt: skip
        drawn = []
        for part in self.parts:
            drawn += self._update(part, s, engine.anim.trail)
        return drawn

    def _build(self, mover, ps) -> dict:
        ax, traj = mover.trail.axes, mover.traj
        part: dict = {"traj": traj, "ticks": None, "shown": [], "ghost": None}
        if getattr(ax, "name", "") == "3d":
            return part
        found = ticks(traj, ax)
        if len(found.ticks):
            lines = ax.add_collection(_tick_lines([], ps)), ax.add_collection(_ray_lines([], ps))
            part["ticks"] = (lines, found)
            part["out"] = edge_marks.OutTips(ax, ps.color, self.engine.theme)  # rays out of view
        for path in shown_paths(traj):
            line = ax.plot([], [], **_shown_line(ps))[0]
            ball = ax.plot([], [], **_shown_ball(ps, self.engine.theme))[0]
            part["shown"].append((path, line, ball))
        found = ghosts(traj)
        if found is not None:
            tether = ax.add_collection(_tether_lines([], ps))
            ball = ax.plot([], [], **_ghost_ball(ps, self.engine.theme))[0]
            part["ghost"] = (found, mover, tether, ball)
        for artist in self._artists(part):
            artist.set_animated(True)
            artist.set_in_layout(False)
        return part

    @staticmethod
    def _artists(part: dict) -> list:
        found = [] if part["ticks"] is None else [*part["ticks"][0], part["out"].artist]
        for _, line, ball in part["shown"]:
            found += [line, ball]
        if part["ghost"] is not None:
            found += list(part["ghost"][2:])
        return found

    def _update(self, part: dict, s: float, keep: bool | int = True) -> list:
        """``keep``: the render's ``trail`` (True: all of it; k: the last k steps), which
        a shown point's trail follows as the ball's does."""
        k = int(np.floor(s))
        if part["ticks"] is not None:  # a step's trials appear as it begins
            (tick_lines, ray_lines), found = part["ticks"]
            tick_lines.set_segments(found.ticks[found.steps - 1 < s])
            ray_lines.set_segments(found.rays[found.ray_steps - 1 < s])
            view = edge_marks.view_of(part["out"].ax)
            part["out"].place(*edge_marks.segment_exits(ray_lines.get_segments(), view))
        for path, line, ball in part["shown"]:
            last = min(k, len(path) - 1)
            head = path[last]
            if last < len(path) - 1:
                head = head + (s - k) * (path[last + 1] - head)
            first = 0 if keep is True else max(0, last - int(keep))
            trail = np.concatenate([path[first : last + 1], head[None]])
            joined = np.concatenate([trail, np.full((1, *trail.shape[1:]), np.nan)])
            flat = np.swapaxes(joined, 0, 1).reshape(-1, 2)
            line.set_data(flat[:, 0], flat[:, 1])
            ball.set_data(head[:, 0], head[:, 1])
        if part["ghost"] is not None:  # the step under way: where it looked, from its ball
            found, mover, tether, ball = part["ghost"]
            ghost, xy = _ghost_at(found, s), mover.xy
            last = min(k, len(xy) - 1)
            at = xy[last] if last == len(xy) - 1 else xy[last] + (s - k) * (xy[last + 1] - xy[last])
            tether.set_segments(np.stack([at, ghost], axis=1))
            ball.set_data(ghost[:, 0], ghost[:, 1])
        return self._artists(part)
