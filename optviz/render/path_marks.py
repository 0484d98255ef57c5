"""Identity marks: each run's ball marker, small, every so many pixels along its path on a map.

A dash pattern tells paths apart only where a path runs smoothly: where it scribbles
back and forth (an oscillation, a zig-zag down a valley) the dashes fall on top of one
another and the line draws solid, and where two paths share a line the upper one hides
the lower. So every path on a 2-D map also carries its run's marker (circle, square,
pentagon, ...) at a fixed spacing on screen, drawn over every path (under the landmarks
and balls): each run can be told apart without colour on any stretch of it.

The marks are placed at draw time, in pixels, so they keep their spacing whatever the
figure's final layout (on a 3-D axes: through its camera, again when the camera moves):

* walking along a path's iterates (a mark sits only where a step landed: marks spaced
  along a straight leg were counted as steps), a mark is placed where it is at least
  :data:`SPACING` pixels from every mark of its own path (a scribble gets one mark, not
  a pile) and :data:`APART` pixels from every mark of the paths placed before it (marks
  of paths that share a line alternate);
* none sits on the start ring (:data:`CLEAR_OF_START`) or outside the view;
* an animation shows the marks on the stretch of the path drawn (from
  :attr:`PathMarks.since`, where a short trail begins, up to :attr:`PathMarks.upto`):
  they are placed on the whole path once, so a mark never moves as the path grows.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from . import style

SPACING = 110.0  # pixels (at 100 dpi) between two marks of one path
APART = 17.0  # pixels: no closer to a mark of another path (the marks are ~10 px wide)
CLEAR_OF_START = 20.0  # pixels: the start ring (13 pt) stays clear
CLEAR_OF_BALL = 24.0  # pixels: no mark beside a ball (14 px), read as a second one
MARK_SIZE = 7.5  # points: smaller than a ball (10), its shape plain at slide distance
ZORDER = 6.6  # over every path (5 and up), under the landmarks (6.8), starts and balls
MAX_STARTS = 9  # more starts make a cloud: no marks (see loss_tags.MAX_TAGGED_STARTS)


class MarkGroup:
    """The marks of one axes, placed together (each avoids the ones placed before it)
    and again only when the axes' transform changes."""

    def __init__(self) -> None:
        self.members: list[PathMarks] = []
        self._key: bytes | None = None
        self._places: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def places(self, marks: PathMarks) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, xy)`` of ``marks``' places: the (fractional) step each sits at,
        and where in data coordinates."""
        ax = marks.axes
        camera = getattr(ax, "M", None)  # a 3-D axes' projection at its last draw
        key = (
            ax.transData.transform([[0.0, 0.0], [1.0, 1.0]]).tobytes()
            + np.asarray(ax.bbox.bounds).tobytes()
            + (b"" if camera is None else np.asarray(camera, float).tobytes())
        )
        if key != self._key:
            self._key = key
            self._places = {}
            placed = np.zeros((0, 2))
            for member in self.members:
                steps, xy, px = _place(member.flat(), ax, placed, member.memory)
                self._places[id(member)] = (steps, xy)
                placed = np.concatenate([placed, px])
        return self._places[id(marks)]


class PathMarks(Line2D):
    """One run's identity marks (see the module docs); ``path``: its positions
    ``(T+1, n, 2)`` as drawn (``n`` starts); ``heights`` ``(T+1, n)``: its heights on a
    3-D axes (the marks are then drawn flat, at the points through the camera)."""

    def __init__(self, path: np.ndarray, group: MarkGroup, color, marker: str, theme: str,
                 heights: np.ndarray | None = None, lane=None):  # fmt: skip
        super().__init__(
            [], [], ls="none", marker=marker, ms=MARK_SIZE, mfc=color,
            mec=style.ink(theme), mew=1.0, zorder=ZORDER,
        )  # fmt: skip
        self.path = np.asarray(path, float)
        self.heights = None if heights is None else np.asarray(heights, float)
        self.group = group
        self.lane = None if lane is None else np.asarray(lane, float)  # (:mod:`.lanes`)
        self.since, self.upto = 0.0, np.inf  # an animation shows the marks of its trail
        self.memory = np.inf  # steps: a short trail's marks keep clear of its own marks only
        group.members.append(self)
        self.set_label("_nolegend_")
        self.set_in_layout(False)

    def flat(self) -> np.ndarray:
        """The path ``(T+1, n, 2)`` in the axes' flat data coordinates: as given on a
        map, through the camera on a 3-D axes."""
        if self.heights is None:
            return self.path
        from .geometry import projected

        t, n, _ = self.path.shape
        xyz = np.concatenate([self.path, self.heights.reshape(t, n, 1)], axis=2).reshape(-1, 3)
        flat = np.full((len(xyz), 2), np.nan)
        ok = np.isfinite(xyz).all(axis=1)
        if ok.any():
            flat[ok] = projected(self.axes, xyz[ok])[:, :2]
        return flat.reshape(t, n, 2)

    def draw(self, renderer) -> None:
        steps, xy = self.group.places(self)
        shown = (steps >= self.since) & (steps <= self.upto)
        if shown.any():
            shown &= self._clear_of_balls(xy)
        xy = self._in_lane(steps, xy, renderer)
        self.set_data(xy[shown, 0], xy[shown, 1])
        super().draw(renderer)

    def _in_lane(self, steps: np.ndarray, xy: np.ndarray, renderer) -> np.ndarray:
        """The marks at ``xy`` moved with their path into its lane where it shares a
        line (:mod:`.lanes`): on the line they mark, not between two."""
        if self.lane is None or not len(xy) or self.path.shape[1] != 1:
            return xy
        from .lanes import across

        to_px = self.axes.transData
        flat = self.flat()[:, 0]
        ok = np.isfinite(flat).all(axis=1)
        px = np.full_like(flat, np.nan)
        px[ok] = to_px.transform(flat[ok])
        shift = across(px) * renderer.points_to_pixels(self.lane)[:, None]
        at = np.clip(np.round(steps).astype(int), 0, len(flat) - 1)
        return to_px.inverted().transform(to_px.transform(xy) + shift[at])

    def _clear_of_balls(self, xy: np.ndarray) -> np.ndarray:
        """Which of the marks at ``xy`` (data) keep :data:`CLEAR_OF_BALL` pixels from
        every ball on the axes: each run's where its path is drawn up to (its end in a
        still). A mark beside a ball read as a second one, or as that ball's."""
        ax = self.axes
        balls = np.concatenate([member.heads() for member in self.group.members])
        if not len(balls) or not len(xy):
            return np.ones(len(xy), bool)
        marks = ax.transData.transform(xy)
        balls = ax.transData.transform(balls)
        gap = np.hypot(*(marks[:, None, :] - balls[None]).transpose(2, 0, 1)).min(axis=1)
        return gap >= CLEAR_OF_BALL * ax.figure.dpi / 100.0

    def heads(self) -> np.ndarray:
        """Where the run's balls are (flat data coordinates, ``(n, 2)``): on its path at
        step :attr:`upto`, its end in a still."""
        flat = self.flat()
        last = len(flat) - 1
        s = min(float(self.upto), float(last))
        k = int(np.floor(s))
        heads = flat[k] + (s - k) * (flat[min(k + 1, last)] - flat[k])
        return heads[np.isfinite(heads).all(axis=1)]


def add_marks(ax, path: np.ndarray, color, marker: str, theme: str,
              heights: np.ndarray | None = None, lane=None) -> PathMarks | None:  # fmt: skip
    """Identity marks for a run drawn on ``ax`` (``heights``: on a 3-D axes; ``lane``:
    its shift across the line, a point a step, where it shares one), in ``ax``'s group;
    ``None`` for a cloud of starts (more than :data:`MAX_STARTS`)."""
    path = np.asarray(path, float)
    if path.ndim == 2:
        path = path[:, None, :]
    if path.shape[1] > MAX_STARTS:
        return None
    if heights is not None:
        heights = np.asarray(heights, float).reshape(path.shape[:2])
    group = getattr(ax, "_optviz_mark_group", None)
    if group is None:
        group = ax._optviz_mark_group = MarkGroup()
    marks = PathMarks(path, group, color, marker, theme, heights, lane)
    ax.add_line(marks)
    return marks


def _place(path: np.ndarray, ax, others: np.ndarray, memory: float = np.inf):
    """The marks of one run's ``path`` ``(T+1, n, 2)``: their steps, data and pixel
    positions, each start walked in turn (see the module docs); a mark keeps clear of
    its own path's marks of the last ``memory`` steps (a short trail: of the marks that
    are drawn with it, so the trail always carries some)."""
    scale = ax.figure.dpi / 100.0  # spacings are given at 100 dpi
    box = ax.bbox
    steps_out, xy_out, px_out = [], [], []
    placed = others
    for j in range(path.shape[1]):
        data = path[:, j]
        ok = np.isfinite(data).all(axis=1)
        if not ok.any():
            continue
        px = np.full_like(data, np.nan)
        px[ok] = ax.transData.transform(data[ok])
        start = px[ok][0]
        steps, pts, pix = _iterates(data, px)
        own: list[np.ndarray] = []
        own_steps: list[float] = []
        for s, p, q in zip(steps, pts, pix, strict=True):
            if not (box.x0 <= q[0] <= box.x1 and box.y0 <= q[1] <= box.y1):
                continue
            if np.hypot(*(q - start)) < CLEAR_OF_START * scale:
                continue
            recent = [o for o, t in zip(own, own_steps, strict=True) if t >= s - memory]
            if recent and np.min(np.hypot(*(np.array(recent) - q).T)) < SPACING * scale:
                continue
            if len(placed) and np.min(np.hypot(*(placed - q).T)) < APART * scale:
                continue
            own.append(q)
            own_steps.append(s)
            steps_out.append(s)
            xy_out.append(p)
        px_out += own
        if own:
            placed = np.concatenate([placed, np.array(own)])
    if not steps_out:
        return np.zeros(0), np.zeros((0, 2)), np.zeros((0, 2))
    return np.array(steps_out), np.array(xy_out), np.array(px_out)


def _iterates(data: np.ndarray, px: np.ndarray):
    """The path's drawn iterates ``(steps, data, pixels)``: a mark sits only where a step
    landed, so a reader who counts marks never counts a step that was not taken (marks
    spaced along a straight leg read as iterates)."""
    good = np.isfinite(px).all(axis=1)
    steps = np.arange(len(data), dtype=float)
    return steps[good], data[good], px[good]
