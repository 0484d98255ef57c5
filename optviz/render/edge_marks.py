"""Marks of balls that left a 2-D view: an arrow on the edge where a ball went out,
pointing the way it went, and "left the view at step k" beside it; shared by stills
(placed at draw time by :class:`.balls.BallLayout`) and animation frames. A trail that
went out and came back in (noise throwing a run over the edge) gets a small arrowhead
in its colour on the edge where it went out (:func:`leaving`, :class:`OutTips`): a
line cut at the edge with no mark read as a line that stopped there.
"""

from __future__ import annotations

import numpy as np

from . import style
from .geometry import exit_point, outside

EDGE_PT = 12.5  # "left the view at step k"
EDGE_REACH = 46  # points: the edge arrow's length, from its label to the edge


def excursions(xy: np.ndarray, domain) -> np.ndarray:
    """For each step and start, the step at which the current stay outside the domain
    began, or -1 while inside: ``(T+1, n)`` from positions ``(T+1, n, 2)``.

    >>> xy = np.array([[0.0, 0], [2, 0], [3, 0], [0, 0], [2, 0]])[:, None, :]
    >>> excursions(xy, [[-1, 1], [-1, 1]])[:, 0].tolist()
    [-1, 1, 1, -1, 4]
    """
    out_ = outside(xy, domain)
    steps = np.arange(len(xy))[:, None]
    began = np.where(out_ & ~np.vstack([np.zeros_like(out_[:1]), out_[:-1]]), steps, -1)
    return np.where(out_, np.maximum.accumulate(began, axis=0), -1)


class EdgeMarks:
    """The arrows and notes of balls that left a 2-D view (see the module docs): an
    arrow per start outside, pointing out over the edge where it went, and a note per
    optimizer beside its first arrow ("Adam left the view at step 35"), the notes
    stacked a line apart where they would cover one another."""

    def __init__(self, ax, colors: list[str], theme: str, animated: bool, names=None):
        self.ax, self.colors, self.theme, self.animated = ax, colors, theme, animated
        self.names = list(names) if names and len(names) > 1 else None
        self.arrows: list = []
        self.notes: list = []

    def update(self, gone: list[list[tuple[int, np.ndarray, np.ndarray]]]) -> list:
        """``gone[i]``: ``(step, exit point, outward normal)`` of each start of optimizer
        ``i`` outside the view. Returns the artists to draw."""
        arrows, notes, taken = [], [], []
        for i, marks in enumerate(gone):
            for m, (step, point, normal) in enumerate(marks[:8]):
                arrows.append(self._arrow(len(arrows), i, point, normal))
                if m == 0:
                    notes.append(self._note(len(notes), i, step, point, normal, taken))
        for artist in self.arrows[len(arrows) :] + self.notes[len(notes) :]:
            artist.set_visible(False)
        return arrows + notes

    def _arrow(self, k: int, i: int, point, normal):
        if k == len(self.arrows):
            self.arrows.append(self._new(arrow=True))
        arrow = self.arrows[k]
        arrow.xy = tuple(point)
        arrow.xyann = tuple(-EDGE_REACH * normal)
        arrow.arrow_patch.set_color(self.colors[i])
        arrow.set_visible(True)
        return arrow

    def _note(self, k: int, i: int, step: int, point, normal, taken: list):
        """The ``k``-th note, for optimizer ``i``, beside the arrow's tail, slid along the
        edge off the notes already ``taken`` (their boxes in pixels, appended to)."""
        if k == len(self.notes):
            self.notes.append(self._new(arrow=False))
        note = self.notes[k]
        who = f"{self.names[i]} left" if self.names else "left"
        note.set_text(f"{who} the view at step {step}")
        inward = -np.asarray(normal, float)
        note.set_ha("left" if inward[0] > 0 else "right" if inward[0] < 0 else "center")
        note.set_va("bottom" if inward[1] > 0 else "top" if inward[1] < 0 else "center")
        px = self.ax.figure.dpi / 72
        size = note.get_fontsize()
        w, h = len(note.get_text()) * 0.56 * size * px, 1.6 * size * px  # the box, about
        anchor = self.ax.transData.transform(point)
        base = (EDGE_REACH + 6) * px * inward
        for slide in (0, 1, -1, 2, -2, 3, -3, 4, -4):  # notes stack one line apart
            off = base + np.array([0.0, slide * (h + 4)])
            box = _clamped(_box(anchor + off, w, h, note.get_ha(), note.get_va()), self.ax.bbox)
            if not any(_overlaps(box, t) for t in taken):
                break
        taken.append(box)
        centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
        note.xy = tuple(point)
        note.xyann = tuple((centre - anchor) / px)
        note.set_ha("center")
        note.set_va("center")
        note.get_bbox_patch().set_edgecolor(self.colors[i])
        note.set_visible(True)
        return note

    def _new(self, arrow: bool):
        face = style.THEMES[self.theme]["legend.facecolor"]
        look = dict(xy=(0, 0), xytext=(0, 0), textcoords="offset points", annotation_clip=False)
        if arrow:
            mark = self.ax.annotate("", **look, zorder=9.6, arrowprops={
                "arrowstyle": "-|>,head_length=0.8,head_width=0.45", "lw": 3.0,
                "shrinkA": 0, "shrinkB": 0, "mutation_scale": 16})  # fmt: skip
        else:
            mark = self.ax.annotate("", **look, zorder=9.62, fontsize=style.at_least(EDGE_PT),
                                    color=style.ink(self.theme),
                                    bbox={"boxstyle": "round,pad=0.25", "fc": face, "ec": "black",
                                          "lw": 1.6, "alpha": 0.92})  # fmt: skip
        mark.set_in_layout(False)
        mark.set_animated(self.animated)
        mark.set_gid("left-the-view")
        return mark


def _box(at, w: float, h: float, ha: str, va: str) -> np.ndarray:
    x0 = at[0] - {"left": 0.0, "center": w / 2, "right": w}[ha]
    y0 = at[1] - {"bottom": 0.0, "center": h / 2, "top": h}[va]
    return np.array([x0, y0, x0 + w, y0 + h])


def _clamped(box: np.ndarray, bbox) -> np.ndarray:
    """``box`` moved inside ``bbox`` (as far as it fits)."""
    shift = np.zeros(2)
    for axis, (lo, hi) in enumerate(((bbox.x0, bbox.x1), (bbox.y0, bbox.y1))):
        if box[axis] < lo:
            shift[axis] = lo - box[axis]
        elif box[axis + 2] > hi:
            shift[axis] = hi - box[axis + 2]
    return box + np.tile(shift, 2)


def _overlaps(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def gone_from_view(xy: np.ndarray, k: int, head: np.ndarray, domain, alive) -> list:
    """``(step, exit point, outward normal)`` of each start whose ball ``head`` ``(n, 2)``
    is outside the domain at step ``k`` (positions ``xy`` ``(T+1, n, 2)``)."""
    out = []
    heads_out = outside(head, domain)
    for j in np.flatnonzero(heads_out & alive):
        path = np.vstack([xy[: k + 1, j], head[j][None]])
        began = int(excursions(path[:, None, :], domain)[-1, 0])
        if began < 1:  # it started outside: no edge it went out over
            continue
        point, normal = exit_point(path[began - 1], path[began], domain)
        out.append((began, point, normal))
    return out


EXIT_INSET = 0.035  # share of the view's span: an exit mark sits this far inside the edge


def exit_marks(xy: np.ndarray, div: np.ndarray, domain) -> np.ndarray:
    """Where each start of a run that diverged is marked ``(n, 2)``: the point where its
    path (``xy`` ``(T+1, n, 2)``, as drawn) last crossed the view's edge before step
    ``div``, moved :data:`EXIT_INSET` inside, so the mark is whole and off the panel's
    title; its last finite position in the view for a start that never left it (one that
    did not diverge gets its last position, unused).

    >>> xy = np.array([[[0.0, 0.0]], [[0.5, 0.25]], [[4.0, 2.0]], [[np.nan, np.nan]]])
    >>> exit_marks(xy, np.array([3]), [[-1, 1], [-1, 1]]).round(3).tolist()
    [[0.93, 0.5]]
    """
    dom = np.asarray(domain, float)
    room = EXIT_INSET * np.ptp(dom, axis=1)
    out = []
    for j, k in enumerate(np.atleast_1d(div)):
        path = np.asarray(xy[: (k + 1 if k >= 0 else len(xy)), j], float)
        path = path[np.isfinite(path).all(axis=1)]
        point = path[-1] if len(path) else dom.mean(axis=1)
        ins = ~outside(path, dom)
        left = np.flatnonzero(ins[:-1] & ~ins[1:])
        if len(left):
            a, b = path[left[-1]], path[left[-1] + 1]
            point, _ = exit_point(a, a + _toward(a, b, np.ptp(dom)), dom)
        out.append(np.clip(point, dom[:, 0] + room, dom[:, 1] - room))
    return np.array(out).reshape(-1, 2)


def _toward(a: np.ndarray, b: np.ndarray, reach: float) -> np.ndarray:
    """The step from ``a`` toward ``b`` shortened to ``2 reach`` where longer: the same
    direction without the overflow of a point thrown out to 1e300."""
    scale = max(np.abs(a).max(), np.abs(b).max(), 1.0)
    d = b / scale - a / scale
    length = np.linalg.norm(d) * scale
    return d * scale if length <= 2 * reach else d / np.linalg.norm(d) * 2 * reach


def still_marks(ax, trajs, colors: list[str], theme: str):
    """A still's edge marks, for every start whose last position is outside the view:
    ``(marks, gone)`` for :class:`BallLayout` to place again at draw time (where the
    notes slide apart in pixels), or None."""
    from .geometry import drawable
    from .paths import short_names

    surface = trajs[0].surface
    gone = []
    for t in trajs:
        xy = drawable(t.xy if t.batched else t.xy[:, None, :], surface)
        alive = np.atleast_1d(t.diverged_at) < 0
        gone.append(gone_from_view(xy, t.steps, xy[-1], surface.domain, alive))
    if not any(gone):
        return None
    marks = EdgeMarks(ax, colors, theme, animated=False, names=short_names(trajs))
    marks.update(gone)  # made now: the axes draws only the artists it had when its draw began
    return marks, gone


# ----------------------------------------------------------------------------- trails
TIP_PX = 13.0  # an out-tip's length at 100 dpi (its width two thirds of it)
MOST_TIPS = 8  # per run and start: more crossings are one scribble along the edge


def leaving(path: np.ndarray, domain) -> tuple[np.ndarray, np.ndarray]:
    """Where the polyline ``path`` ``(t, 2)`` (NaN rows break it) goes out over the
    view's edge, one per step from inside to outside: the crossing points ``(k, 2)`` and
    the unit directions it went ``(k, 2)``.

    >>> p, d = leaving(np.array([[0.0, 0.0], [0.0, 3.0], [0.0, 0.5], [np.nan, np.nan]]),
    ...                [[-1, 1], [-1, 1]])
    >>> p.tolist(), d.tolist()
    ([[0.0, 1.0]], [[0.0, 1.0]])
    """
    path = np.asarray(path, float)[:, :2]
    ok = np.isfinite(path).all(axis=1)
    out_ = outside(np.nan_to_num(path), domain)
    k = np.flatnonzero(ok[:-1] & ok[1:] & ~out_[:-1] & out_[1:])
    reach = float(np.ptp(np.asarray(domain, float)))
    points, ways = np.zeros((len(k), 2)), np.zeros((len(k), 2))
    for n, i in enumerate(k):
        step = _toward(path[i], path[i + 1], reach)
        points[n] = exit_point(path[i], path[i] + step, domain)[0]
        ways[n] = step / np.linalg.norm(step)
    return points, ways


class OutTips:
    """The arrowheads of one run's trail where it went out over the view's edge: each
    a small triangle in the run's colour on a light rim, its tip on the edge, pointing
    the way the trail went (in pixels, so the figure's shape does not bend it)."""

    def __init__(self, ax, color, theme: str):
        from matplotlib.collections import PolyCollection
        from matplotlib.transforms import IdentityTransform

        self.ax = ax
        self.artist = PolyCollection([], facecolors=[color], edgecolors=[style.halo(theme)],
                                     linewidths=1.0, transform=IdentityTransform(),
                                     offset_transform=ax.transData)  # fmt: skip
        self.artist.set_clip_on(False)  # a tip on the edge: all of it shows
        ax.add_collection(self.artist, autolim=False)

    def place(self, points: np.ndarray, ways: np.ndarray) -> None:
        """Tips at ``points`` (data) pointing along ``ways`` (data directions)."""
        ax = self.ax
        if not len(points):
            self.artist.set_verts([])
            self.artist.set_offsets(np.zeros((0, 2)))
            return
        at = ax.transData.transform(points)
        ahead = ax.transData.transform(points + 1e-6 * ways * np.ptp(ax.get_xlim())) - at
        unit = ahead / np.maximum(np.linalg.norm(ahead, axis=1, keepdims=True), 1e-12)
        side = np.column_stack([-unit[:, 1], unit[:, 0]])
        length = TIP_PX * ax.figure.dpi / 100
        tri = np.stack([np.zeros_like(unit), -length * unit + length / 3 * side,
                        -length * unit - length / 3 * side], axis=1)  # fmt: skip
        self.artist.set_verts(list(tri))
        self.artist.set_offsets(points)


def trail_exits(xy: np.ndarray, k: int, head: np.ndarray, domain, gone) -> tuple:
    """Where the trails of a run (positions ``xy`` ``(T+1, n, 2)``, drawn up to its
    balls ``head`` ``(n, 2)`` at step ``k``) went out over the edge and came back, or
    are out still with no other mark: every crossing but the last of a start whose ball
    is outside the view or ``gone`` (``(n,)``: diverged), which the ball's own edge
    mark (:class:`EdgeMarks`) or cross shows; ``(points, ways)``."""
    points, ways = [], []
    for j in range(xy.shape[1]):
        path = np.vstack([xy[: k + 1, j], head[j][None]])
        p, w = leaving(path, domain)
        if len(p) and (gone[j] or outside(head[j], domain)):
            p, w = p[:-1], w[:-1]
        points.append(p[:MOST_TIPS])
        ways.append(w[:MOST_TIPS])
    return np.concatenate(points), np.concatenate(ways)


def segment_exits(segments: np.ndarray, domain) -> tuple:
    """Where segments ``(k, 2, 2)`` (each from a point inside the view) go out over its
    edge: ``(points, ways)`` as :func:`leaving` gives them, for the segments that do."""
    found = [leaving(seg, domain) for seg in np.asarray(segments, float).reshape(-1, 2, 2)]
    if not found:
        return np.zeros((0, 2)), np.zeros((0, 2))
    return tuple(np.concatenate([f[n] for f in found]) for n in (0, 1))


def view_of(ax) -> np.ndarray:
    """A 2-D axes' view ``[[x0, x1], [y0, y1]]`` (lowest first): what a mark of a line
    leaving the view measures against, which may show less than the domain."""
    return np.array([sorted(ax.get_xlim()), sorted(ax.get_ylim())], float)
