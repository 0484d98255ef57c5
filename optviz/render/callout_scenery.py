"""What is drawn around a callout (see :mod:`.callouts`): where the runs' balls are at a
step, on a map or a 3-D view, and what a label must keep clear of: the balls while it
shows, landmark markers and start rings where they are drawn, the axes' own texts, the
notes of balls gone from the view, the drawn paths and the artists that move with the
balls (glyphs). Boxes and points in display pixels."""

from __future__ import annotations

import numpy as np

from .callout_placement import CLEAR_PT, dense
from .geometry import _is3d, drawable, height, projected

MARKER_GIDS = ("landmark", "landmark-rest", "starts")  # a landmark, its plate, a start ring
GAP_PT = 10.0  # points (a ball's diameter) a label's box keeps clear of every ball and
# landmark outline: a box a few pixels off them read as one crowded block with the ball
# and star (elliptic, beale, matyas, rprop_ravine)
STAR_GAP_PT = GAP_PT + CLEAR_PT  # a landmark's box: the gap is its body, not clearance
BALL_BOX_PT = 6.7 + GAP_PT + CLEAR_PT  # half a ball's box: its radius and rim (6.7), the gap


class CalloutScenery:
    """The part of :class:`.callouts.CalloutLayer` that reads the picture around its
    labels (``race``, ``run_axes``, ``steps``, ``finals``, ``moving`` and ``_until`` are
    the layer's)."""

    def _position(self, ax, run: int, step: int, start: int = 0) -> np.ndarray:
        """Run ``run``'s position at ``step`` in ``ax``'s 2-D data coordinates."""
        traj = self.race.trajectories[run]
        xy = traj.xy[step] if not traj.batched else traj.xy[step, start]
        xy = drawable(np.asarray(xy, float).reshape(1, 2), traj.surface)
        if not _is3d(ax):  # a ball out of the view is pointed at where it left, in its panel
            (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
            if not (x0 <= xy[0, 0] <= x1 and y0 <= xy[0, 1] <= y1):
                xy = self._exit(run, step, start)[None]
            return np.clip(xy[0], (x0, y0), (x1, y1))
        z = height(traj.surface, xy, lift=0.02)
        return projected(ax, np.column_stack([xy, z]))[0, :2]

    def _exit(self, run: int, step: int, start: int) -> np.ndarray:
        """Where run ``run``'s path, out of the view at ``step``, is marked as it left:
        the exit mark of a run that diverged, the edge arrow's tip of one that went out
        (:func:`.edge_marks.exit_marks`); a callout pointed at the corner the clipped position
        fell in pointed at empty space ("diverges at step 1" in normalization_scaled)."""
        from .edge_marks import exit_marks

        key = (run, step, start)
        if key not in self._exits:
            traj = self.race.trajectories[run]
            xy = traj.xy if traj.batched else traj.xy[:, None, :]
            xy = drawable(np.asarray(xy[:, start : start + 1], float), traj.surface)
            div = int(np.atleast_1d(traj.diverged_at)[start if traj.batched else 0])
            until = min(step, div) if div >= 0 else step
            self._exits[key] = exit_marks(xy, np.array([until]), traj.surface.domain)[0]
        return self._exits[key]

    def _balls_px(self, ax, step: int) -> np.ndarray:
        """Every ball drawn on ``ax`` at ``step``, in pixels: the runs', where they are
        drawn (fanned out where they meet, :func:`.fans.spread`), and the hollow ones of
        the points they show (Schedule-Free's y), which a label must not hide either."""
        out = []
        for i, traj in enumerate(self.race.trajectories):
            shown_points = (traj.points or {}) if np.shape(traj.xy)[-1] == 2 else {}
            for points in shown_points.values() if self.run_axes[i] is ax else ():
                xy = np.asarray(points[step], float).reshape(-1, 2)[:64]
                out.extend(self._plane(ax, drawable(xy, traj.surface), traj.surface))
        fanned, _ = self._fanned_px(ax, step)
        return np.vstack([fanned, ax.transData.transform(np.array(out).reshape(-1, 2))])

    def _fanned_px(self, ax, step: int) -> tuple[np.ndarray, list]:
        """The runs' balls on ``ax`` at ``step`` where they are drawn (px, fanned out where
        they meet: :func:`.fans.spread`), and whose each is: ``(run, start)``."""
        from .balls import RIM_PT, balls_of
        from .fans import landmark_seats, spread
        from .paths import BALL

        heads, whose = [], []
        for i, traj in enumerate(self.race.trajectories):
            if self.run_axes[i] is not ax:
                continue
            for j in range(min(traj.xy.shape[1] if traj.batched else 1, 64)):
                heads.append(self._position(ax, i, step, j))
                whose.append((i, j))
        at = ax.transData.transform(np.array(heads).reshape(-1, 2))
        owner = np.array([i for i, _ in whose], int)
        layout = balls_of(ax)  # the balls' spacing as drawn (a triangle's enlarged, rims)
        diameter = (layout.extent() if layout else BALL + 2 * RIM_PT) * ax.figure.dpi / 72
        seats = landmark_seats(ax)  # balls of several optimizers on one fan round its middle
        fanned, _, _ = spread(at, owner, diameter, seats)
        return fanned, whose

    def _other_balls(self, ax, item) -> np.ndarray:
        """The balls on ``ax`` but ``item``'s own while it shows, ``(b, 3)``: centre and
        radius (px), at its key step, the last it shows and the end for a kept one: its
        leader must pass none (read as pointing at them)."""
        first, last = item[0], max(item[0], int(np.floor(self._until(item))))
        out = [np.zeros((0, 3))]
        radius = self._ball_radius_px(ax)
        for k in {first, last, self.steps if item in self.finals else last}:
            fanned, whose = self._fanned_px(ax, k)
            others = [p for p, w in zip(fanned, whose, strict=True) if w != item[1]]
            out.append(np.c_[np.reshape(others, (-1, 2)), np.full(len(others), radius)])
        return np.vstack(out)

    @staticmethod
    def _ball_radius_px(ax) -> float:
        """A ball's radius on ``ax`` as drawn (px), its rim included."""
        from .balls import RIM_PT, balls_of
        from .paths import BALL

        layout = balls_of(ax)
        return (layout.extent() if layout else BALL + 2 * RIM_PT) * ax.figure.dpi / 72 / 2

    @staticmethod
    def _plane(ax, xy: np.ndarray, surface) -> np.ndarray:
        """Points ``(n, 2)`` of the surface in ``ax``'s 2-D data coordinates."""
        if not _is3d(ax):
            return xy
        return projected(ax, np.column_stack([xy, height(surface, xy, lift=0.02)]))[:, :2]

    @staticmethod
    def _markers(ax) -> list[np.ndarray]:
        """The boxes (px) of the markers drawn on ``ax`` that a label must leave in sight:
        landmarks (minima, saddles, ...) and start rings, where they are drawn: through
        their own transform, which may offset them from their points (a side view hangs
        its landmarks under the curve)."""
        out = []
        for line in ax.lines:
            if line.get_gid() not in MARKER_GIDS or not line.get_visible():
                continue
            if _is3d(ax) and hasattr(line, "get_data_3d"):
                pts = projected(ax, np.column_stack(line.get_data_3d()))[:, :2]
                to_px = ax.transData.transform
            else:
                pts = np.asarray(line.get_xydata(), float).reshape(-1, 2)
                to_px = line.get_transform().transform
            pts = to_px(pts[np.all(np.isfinite(pts), axis=1)])
            r = (_marker_reach(line) + STAR_GAP_PT) * ax.figure.dpi / 72
            if len(pts):
                out.append(np.c_[pts - r, pts + r])
        return out

    @staticmethod
    def _texts(ax, renderer) -> list[np.ndarray]:
        """The boxes (px) of ``ax``'s own texts a label must not cover, and a 3-D view's
        tick labels and axis names (a label on the x axis's "0" in double_well_3d); the
        labels themselves are placed against each other."""
        texts = list(ax.texts)
        if _is3d(ax):  # its tick labels and axis names lie inside the labels' room
            for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
                texts += [*axis.get_ticklabels(), axis.label]
        return [np.array([t.get_window_extent(renderer).extents]) for t in texts
                if t.get_visible() and t.get_gid() != "callout" and t.get_text()]  # fmt: skip

    def _edge_notes(self, ax) -> list[np.ndarray]:
        """Where the notes of balls out of the view at the end go (:class:`.edge_marks.EdgeMarks`),
        about: a box from each exit point inward, as wide as a note."""
        from .edge_marks import EDGE_REACH, gone_from_view

        px = ax.figure.dpi / 72
        out = []
        for i, traj in enumerate(self.race.trajectories):
            if self.run_axes[i] is not ax:
                continue
            xy = drawable(traj.xy if traj.batched else traj.xy[:, None, :], traj.surface)
            alive = np.atleast_1d(traj.diverged_at) < 0
            for _, point, normal in gone_from_view(xy, self.steps, xy[-1], traj.surface.domain,
                                                   alive)[:1]:  # fmt: skip
                at = ax.transData.transform(point)
                inner = at - normal * (EDGE_REACH + 6 + 30) * px
                half = np.array([160.0, 18.0]) * px  # half a note's width and height, about
                lo, hi = np.minimum(at, inner) - half, np.maximum(at, inner) + half
                out.append(np.r_[lo, hi][None])
        return out

    def reserve(self, drawn_at) -> None:
        """Keep the labels off artists that move with the balls and are drawn each frame
        after the labels are placed (glyphs): ``drawn_at(run, step, ax)`` gives their
        polylines (2-D data, NaN-separated) at ``step``; the labels are placed anew."""
        self.moving.append(drawn_at)
        self.placed_for = None

    def _moving_px(self, ax, item) -> list[np.ndarray]:
        """The boxes (px) of the moving artists (:meth:`reserve`) on ``ax`` while ``item``
        shows: each piece of each polyline at its key step, its last and the end."""
        if not self.moving:
            return []
        first, last = item[0], max(item[0], int(np.floor(self._until(item))))
        steps = {first, last, self.steps if item in self.finals else last}
        out = []
        for run in (i for i, a in enumerate(self.run_axes) if a is ax):
            for drawn_at in self.moving:
                for k in steps:
                    for line in drawn_at(run, float(k), ax).values():
                        out.extend(_pieces_px(ax, np.asarray(line, float).reshape(-1, 2)))
        return out

    def _seen_balls(self, ax, item) -> np.ndarray:
        """The balls on ``ax`` while ``item`` shows, as boxes (px): at its key step, at the
        last step it shows and a few between."""
        ball = BALL_BOX_PT * ax.figure.dpi / 72  # a ball, its outline and the gap, in pixels
        first, last = item[0], max(item[0], int(np.floor(self._until(item))))
        steps = sorted({first, last, self.steps if item in self.finals else last,
                        *np.linspace(first, last, 5).round().astype(int)})  # fmt: skip
        pts = np.vstack([self._balls_px(ax, k) for k in steps])
        return np.c_[pts - ball, pts + ball]

    def _paths_px(self, ax, until: float) -> np.ndarray:
        """The paths drawn on ``ax`` up to step ``until``, sampled every few pixels along
        their lines (px): where a label would hide what the picture shows."""
        k = max(int(np.floor(until)), 0)
        every = 2.0 * ax.figure.dpi / 72
        out = []
        for i, traj in enumerate(self.race.trajectories):
            if self.run_axes[i] is not ax or np.shape(traj.xy)[-1] != 2:
                continue  # (a curve's runs are drawn on their own side view)
            xy = traj.xy if traj.batched else traj.xy[:, None, :]
            for j in range(min(xy.shape[1], 16)):
                pts = drawable(np.asarray(xy[: k + 1, j], float), traj.surface)
                pts = self._plane(ax, pts[np.all(np.isfinite(pts), axis=1)], traj.surface)
                if len(pts):
                    out.append(dense(ax.transData.transform(pts), every))
        return np.vstack(out) if out else np.zeros((0, 2))

    def _in_view(self, ax, run: int, step: int, start: int) -> bool:
        """Whether run ``run``'s ball at ``step`` is inside ``ax``'s view (not clipped)."""
        traj = self.race.trajectories[run]
        xy = np.ravel(traj.xy[step] if not traj.batched else traj.xy[step, start]).astype(float)
        if not np.all(np.isfinite(xy)):
            return False
        if len(xy) != 2:  # a curve's ball: its view is the curve's domain
            lo, hi = np.asarray(traj.surface.domain, float).reshape(-1, 2).T
            return bool(np.all((lo <= xy) & (xy <= hi)))
        xy = drawable(xy.reshape(1, 2), traj.surface)[0]
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        return bool(x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1)

    @staticmethod
    def _drawn_balls(ax, run: int) -> np.ndarray:
        """Where run ``run``'s balls are drawn on ``ax`` now (2-D data), or none."""
        for line in ax.lines:
            ball = line.get_linestyle() in ("None", "none", "") and line.get_marker() != "X"
            if ball and line.get_gid() == f"optimizer-{run}":
                xy = np.column_stack([np.ravel(v) for v in line.get_data()]).astype(float)
                if xy.shape[1] == 2:
                    return xy[np.all(np.isfinite(xy), axis=1)]
        return np.zeros((0, 2))


def _marker_reach(line) -> float:
    """How far (points) ``line``'s marker reaches from its centre, its outline's stroke
    included: a diamond's corners lie √½ of its size out, past the half a square has, so
    a label kept off a box of half the size touched the saddle's corners."""
    from matplotlib.markers import MarkerStyle

    marker = MarkerStyle(line.get_marker())
    outline = marker.get_transform().transform(marker.get_path().vertices)
    stroke = line.get_markeredgewidth() + 1.8  # the white stroke around the outline
    return float(np.abs(outline).max()) * line.get_markersize() + stroke / 2


def _pieces_px(ax, line: np.ndarray) -> list[np.ndarray]:
    """The boxes (px, ``(1, 4)``) of the NaN-separated pieces of ``line`` on ``ax``."""
    cuts = np.flatnonzero(~np.all(np.isfinite(line), axis=1))
    out = []
    for piece in np.split(line, cuts):
        piece = piece[np.all(np.isfinite(piece), axis=1)]
        if len(piece):
            px = ax.transData.transform(piece)
            out.append(np.r_[px.min(axis=0) - 2, px.max(axis=0) + 2][None])
    return out
