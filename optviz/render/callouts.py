"""Callouts: a claim's key moment written on the picture, beside the ball it names.

A verdict (:mod:`optviz.analysis.claims`: ``claim``, ``holds``, ``step``, ``runs``,
``callout``) that holds is drawn as a short label ("GD stops: gradient = 0", "Adam
escapes at step 23") with a leader to where the first run it names was at its key step,
and a ring of that run's colour there. The label goes on the side of that point where it
covers no ball (at the key step or at the end), no path's end and no other callout
(:func:`best_offset`). In an animation it appears at the key step, which the clock
approaches slowly and holds (:mod:`.clock`). A run shows one callout at a time, its
latest whose moment has come: a still shows each run's last (:meth:`CalloutLayer.current`).

Anything with those attributes is a verdict here: the render layer reads no claim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.text import Text

from . import style
from .geometry import _is3d, drawable, height, projected
from .turning import flat_plot

CALLOUT_PT = 14.0  # 19 px at 100 dpi
RING_PT = 17.0  # the ring at the key moment, around a ball of 10 points
RING_ZORDER = 7.2  # over the paths, under the balls (a ring must not hide a fanned ball)
DIRECTIONS = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)]
REACHES = (20.0, 36.0, 60.0, 90.0)  # points from the moment's point to the label


VERDICT_FIELDS = ("claim", "holds", "step", "runs", "callout")


def check_callouts(verdicts, race) -> tuple:
    """``verdicts`` as a tuple, each checked to be a verdict of ``race`` (see the module
    docs); a clear error otherwise."""
    from ..util.errors import ParameterError

    if verdicts is None:
        return ()
    if isinstance(verdicts, str) or not hasattr(verdicts, "__iter__"):
        raise ParameterError("callouts must be a list of verdicts (optviz.analysis.check_claims)")
    out = tuple(verdicts)
    n = len(race.trajectories)
    for v in out:
        missing = [f for f in VERDICT_FIELDS if not hasattr(v, f)]
        if missing:
            has_not = ", ".join(missing)
            raise ParameterError(f"callouts: {v!r} is not a verdict (it has no {has_not})")
        if any(not isinstance(r, int | np.integer) or not 0 <= r < n for r in v.runs):
            raise ParameterError(f"callouts: verdict {v.claim!r} names runs {tuple(v.runs)}; "
                                 f"the race has runs 0..{n - 1}")  # fmt: skip
    return out


def shown(verdicts) -> list:
    """The verdicts drawn: those that hold, with a callout and a run to point at."""
    return [v for v in verdicts or () if v.holds and getattr(v, "callout", "") and v.runs]


def moments(verdicts, steps: int) -> list[int]:
    """The key steps of the callouts drawn (a verdict without one: the last step)."""
    return sorted({min(int(steps if v.step is None else v.step), steps) for v in shown(verdicts)})


def key_step(verdict, steps: int) -> int:
    return min(int(steps if verdict.step is None else verdict.step), steps)


def best_offset(anchor, size, obstacles, inside, reach_scale: float = 1.0):
    """The label's placement around ``anchor`` (px): ``(offset in px, ha, va, box)``, among
    :data:`DIRECTIONS` × :data:`REACHES`, the one whose box of ``size`` (w, h px)
    overlaps least with ``obstacles`` (``(k, 4)`` boxes x0, y0, x1, y1) and sticks out of
    ``inside`` (x0, y0, x1, y1) least; the nearest wins ties.

    >>> taken = np.array([[45, 0, 200, 200]])  # everything right of the point
    >>> off, ha, va, _ = best_offset((50, 50), (40, 10), taken, (0, 0, 200, 200))
    >>> ha, bool(off[0] < 0)  # the label goes left
    ('right', True)
    """
    anchor = np.asarray(anchor, float)
    w, h = size
    obstacles = np.asarray(obstacles, float).reshape(-1, 4)
    best, choice = np.inf, ((0.0, 0.0), "left", "bottom", np.zeros(4))
    for rank, reach in enumerate(REACHES):
        for dx, dy in DIRECTIONS:
            unit = np.array([dx, dy], float) / np.hypot(dx, dy)
            off = unit * reach * reach_scale
            x0 = anchor[0] + off[0] - (w if dx < 0 else w / 2 if dx == 0 else 0)
            y0 = anchor[1] + off[1] - (h if dy < 0 else h / 2 if dy == 0 else 0)
            box = np.array([x0, y0, x0 + w, y0 + h])
            cost = _overlap(box, obstacles).sum() + 4 * _outside(box, inside) + rank * 1e-3
            if cost < best - 1e-9:
                ha = "left" if dx > 0 else "right" if dx < 0 else "center"
                va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
                best, choice = cost, (tuple(off), ha, va, box)
    return choice


def _overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    if not len(boxes):
        return np.zeros(0)
    w = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    return w * h


def _outside(box: np.ndarray, inside) -> float:
    x0, y0, x1, y1 = inside
    area = (box[2] - box[0]) * (box[3] - box[1])
    kept = max(min(box[2], x1) - max(box[0], x0), 0) * max(min(box[3], y1) - max(box[1], y0), 0)
    return float(area - kept)


class CalloutLayer(Artist):
    """The callouts of a race on its axes (``axes[i]``: where run ``i`` is drawn).

    In a still the layer is an artist of the first axes that places the labels when it
    is drawn (before them); an animation calls :meth:`update` each frame and draws what
    it returns.
    """

    def __init__(self, race, verdicts, axes: list, colors: list[str], theme: str,
                 animated: bool):  # fmt: skip
        super().__init__()
        self.race, self.run_axes, self.colors, self.theme = race, axes, colors, theme
        self.steps = race.trajectories[0].steps
        self.items = []
        for v in shown(verdicts):
            run = v.runs[0]
            if not 0 <= run < len(race.trajectories):
                continue
            label, ring = self._artists(axes[run], v.callout, colors[run], animated)
            start = int(v.evidence.get("start_index", 0))  # the start the claim is about
            self.items.append((key_step(v, self.steps), (run, start), label, ring))
        self.placed_for: Any = None
        self.set_gid("callout")
        self.set_zorder(9.55)
        self.set_in_layout(False)
        self.set_animated(animated)

    def _artists(self, ax, text: str, color: str, animated: bool):
        from matplotlib.patheffects import withStroke

        face = style.THEMES[self.theme]["legend.facecolor"]
        label = ax.annotate(
            text,
            xy=(0, 0),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=style.at_least(CALLOUT_PT),
            color=style.ink(self.theme),
            bbox={"boxstyle": "round,pad=0.3", "fc": face, "ec": color, "lw": 2.0, "alpha": 0.94},
            arrowprops={
                "arrowstyle": "-",
                "color": color,
                "lw": 2.0,
                "shrinkA": 0,
                "shrinkB": RING_PT / 2,
            },  # fmt: skip
            annotation_clip=False,
            zorder=9.7,
        )
        # on a 3-D axes a flat marker at the projected point, as the balls
        plot = flat_plot(ax) if _is3d(ax) else ax.plot
        ring = plot([], [], ls="none", marker="o", ms=RING_PT, mfc="none", mec=color, mew=2.4,
                    zorder=RING_ZORDER)[0]  # fmt: skip
        ring.set_path_effects([withStroke(linewidth=4.4, foreground=style.halo(self.theme))])
        for a in (label, ring):
            a.set_in_layout(False)
            a.set_animated(animated)
            a.set_gid("callout")
            a.set_label("_nolegend_")
        return label, ring

    # -- where -------------------------------------------------------------------------
    def _position(self, ax, run: int, step: int, start: int = 0) -> np.ndarray:
        """Run ``run``'s position at ``step`` in ``ax``'s 2-D data coordinates."""
        traj = self.race.trajectories[run]
        xy = traj.xy[step] if not traj.batched else traj.xy[step, start]
        xy = drawable(np.asarray(xy, float).reshape(1, 2), traj.surface)
        if not _is3d(ax):
            return xy[0]
        z = height(traj.surface, xy, lift=0.02)
        return projected(ax, np.column_stack([xy, z]))[0, :2]

    def _balls_px(self, ax, step: int) -> np.ndarray:
        """Every ball drawn on ``ax`` at ``step``, in pixels: the runs' and the hollow ones
        of the points they show (Schedule-Free's y), which a label must not hide either."""
        out = []
        for i, traj in enumerate(self.race.trajectories):
            if self.run_axes[i] is not ax:
                continue
            n = traj.xy.shape[1] if traj.batched else 1
            for j in range(min(n, 64)):
                out.append(self._position(ax, i, step, j))
            shown_points = (traj.points or {}) if np.shape(traj.xy)[-1] == 2 else {}
            for shown in shown_points.values():
                xy = np.asarray(shown[step], float).reshape(-1, 2)[:64]
                out.extend(self._plane(ax, drawable(xy, traj.surface), traj.surface))
        return ax.transData.transform(np.array(out).reshape(-1, 2))

    @staticmethod
    def _plane(ax, xy: np.ndarray, surface) -> np.ndarray:
        """Points ``(n, 2)`` of the surface in ``ax``'s 2-D data coordinates."""
        if not _is3d(ax):
            return xy
        return projected(ax, np.column_stack([xy, height(surface, xy, lift=0.02)]))[:, :2]

    def _edge_notes(self, ax) -> list[np.ndarray]:
        """Where the notes of balls out of the view at the end go (:class:`.balls.EdgeMarks`),
        about: a box from each exit point inward, as wide as a note."""
        from .balls import EDGE_REACH, gone_from_view

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

    def place(self, renderer) -> None:
        """Choose each label's side (once per layout: the axes do not move per frame)."""
        token = tuple(tuple(ax.bbox.bounds) for ax in dict.fromkeys(self.run_axes))
        if token == self.placed_for or not self.items:
            return
        fig = self.run_axes[0].figure
        ball = 12.0 * fig.dpi / 72  # a ball and its outline, in pixels
        taken: dict[int, list] = {}
        for step, (run, start), label, ring in self.items:
            ax = self.run_axes[run]
            anchor = ax.transData.transform(self._position(ax, run, step, start))
            others = np.vstack([self._balls_px(ax, step), self._balls_px(ax, self.steps)])
            boxes = [np.c_[others - ball, others + ball], *self._edge_notes(ax)]
            boxes += taken.get(id(ax), [])
            label.xy = tuple(self._position(ax, run, step, start))
            ring.set_data([label.xy[0]], [label.xy[1]])
            extent = Text.get_window_extent(label, renderer)  # the text alone, not its leader
            pad = 0.45 * label.get_fontsize() * fig.dpi / 72  # the box around the text
            size = (extent.width + 2 * pad, extent.height + 2 * pad)
            offset, ha, va, box = best_offset(anchor, size, np.vstack(boxes), ax.bbox.extents,
                                              fig.dpi / 72)  # fmt: skip
            label.xyann = tuple(np.asarray(offset) / (fig.dpi / 72))  # points
            label.set_ha(ha)
            label.set_va(va)
            taken.setdefault(id(ax), []).append(box[None])
        self.placed_for = token

    def update(self, s: float, renderer) -> tuple[list, list]:
        """The rings (drawn under the balls) and the labels (over them) shown at step
        ``s``: a moment shows from its key step on."""
        self.place(renderer)
        if _is3d(self.run_axes[0]) and self.items:  # a turning camera moves the points
            for step, (run, start), label, ring in self.items:
                label.xy = tuple(self._position(self.run_axes[run], run, step, start))
                ring.set_data([label.xy[0]], [label.xy[1]])
        now = self.current(s)
        return [item[3] for item in now], [item[2] for item in now]

    def current(self, s: float) -> list:
        """The items shown at step ``s``: one per ball (a run from one start) at a time, the
        latest whose moment has come (the first listed of those at one step); a ball's
        earlier moment gives way to its next, so a picture with many claims stays readable,
        and claims about two starts of one run both show."""
        latest: dict[tuple[int, int], tuple] = {}
        for item in self.items:
            step, ball = item[0], item[1]
            if step <= s and (ball not in latest or step > latest[ball][0]):
                latest[ball] = item
        return list(latest.values())

    def draw(self, renderer) -> None:
        """A still (its last step): place the labels and show each run's latest; the
        axes draws them after this layer."""
        if self.get_visible():
            self.place(renderer)
            shown_now = {id(item[2]) for item in self.current(self.steps)}
            for _, _, label, ring in self.items:
                label.set_visible(id(label) in shown_now)
                ring.set_visible(id(label) in shown_now)
        self.stale = False


def add_callouts(race, verdicts, axes: list, colors: list[str], theme: str) -> CalloutLayer | None:
    """A still's callouts (see the module docs), or None when no verdict is shown."""
    if not shown(verdicts):
        return None
    layer = CalloutLayer(race, verdicts, axes, colors, theme, animated=False)
    axes[0].add_artist(layer)
    return layer
