"""Where a callout's label goes (see :mod:`.callouts`): in empty space around the point it
names, wholly inside its axes, over no ball, landmark marker or other callout, its leader
crossing no other leader, then over as little of the drawn paths as it can, near rather
than across the map; a long label broken into lines to fit. Pure geometry in display
pixels, no artist."""

from __future__ import annotations

import numpy as np

DIRECTIONS = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1),
              (2, 1), (1, 2), (-1, 2), (-2, 1), (-2, -1), (-1, -2), (1, -2), (2, -1)]  # fmt: skip
REACHES = (20.0, 36.0, 60.0, 90.0, 130.0, 180.0, 240.0, 320.0)  # points from ball to label
PATH_PT = 3.0  # points around a path's line a label keeps off
LEADER_HIT = 400.0  # px² of cover a leader passing over a ball or marker counts as, per 4 px
NEAR_PT = 60.0  # points from ball to label within which a leader is short
CROSS_HIT = 2000.0  # px² of cover a leader crossing another counts as: crossed leaders
# read as a tangle, each box pointing at the other's ball (matyas, sam_sharp_flat)
FAR_COST = 0.15  # path samples a label may cover to come a point nearer beyond that
LONGEST = 0.25  # of the room's diagonal: a longer leader runs across the map
LONG_HIT = 60.0  # px² of cover each px of leader beyond LONGEST counts as (adaptive_ravine's
# RMSprop label sat in the far corner, its leader across the map)
INK_HIT = 15.0  # px² of cover each path sample under a label counts as (saddle: a box over
# SGD's escape path)
CLEAR_PT = 6.0  # points of an obstacle's box that are clearance around it (balls, stars)
BODY = 4.0  # times more a label's cover of an obstacle itself counts than of its clearance
GAP_PX = 12.0  # px between two labels shown together: edge to edge they read as one block
LEADER_INK_HIT = 2000.0  # px² of cover each path sample under a leader counts as: a leader
# across a path reads as part of it (saddle, rotated_ellipse, quadratic); about three a stroke
BALL_PT = 7.0  # points off its anchor a leader leaves its own ball and outline behind
EDGE_PX = 12.0  # px a label keeps off its room's edge: one against the axes frame or the
# step counter reads as cramped and hides the map's border (rastrigin, newton_saddle)
ALONG_PT = 16.0  # points from a path within which a leader reads as running along it
ALONG_HIT = 40.0  # px² of cover each px of leader within ALONG_PT of a path counts as:
# a leader beside a path reads as part of it (twin_wells: "Reaches a minimum" ran down
# beside ball 2's trail from above ball 1, six_hump_camel: along momentum's loop)
BALL_HIT = 30000.0  # px² of cover a leader passing over a ball not its own counts as
BALL_CLEAR_PX = 4.0  # px beyond a ball's radius a leader keeps off it
SLIDES = (0.2, 0.8)  # where along a box's width the anchor may also lie, for a box straight
# above or below it: its leader then drops straight in, away from the paths beside it
EDGE_HIT = 6000.0  # px² of cover a label within EDGE_PX of the edge counts as (and 100 a px)


def best_offset(anchor, size, obstacles, inside, reach_scale: float = 1.0, paths=None,
                leaders=None, balls=None):  # fmt: skip
    """:func:`placement`'s choice alone: ``(offset in px, ha, va, box)``.

    >>> taken = np.array([[45, 0, 200, 200]])  # everything right of the point
    >>> off, ha, va, _ = best_offset((50, 50), (40, 10), taken, (0, 0, 200, 200))
    >>> ha, bool(off[0] < 0)  # the label goes left
    ('right', True)
    """
    return placement(anchor, size, obstacles, inside, reach_scale, paths, leaders, balls)[0]


def placement(anchor, size, obstacles, inside, reach_scale: float = 1.0, paths=None,
              leaders=None, balls=None):  # fmt: skip
    """The label's placement around ``anchor`` (px), ``(offset in px, ha, va, box)``, among
    :data:`DIRECTIONS` × :data:`REACHES`. Wholly inside ``inside`` (x0, y0, x1, y1) comes
    first, then the least overlap with ``obstacles`` (``(k, 4)`` boxes x0, y0, x1, y1) by
    the label (:data:`BODY` times more of an obstacle's body than of its clearance) and by
    its leader (beyond its own ring), a leader beyond :data:`LONGEST` of the room's
    diagonal (:data:`LONG_HIT` px² a px) and the points of ``paths`` (``(p, 2)`` px, the
    drawn paths sampled densely) under it (:data:`INK_HIT` px² each), then the fewest
    of those, counting a reach beyond
    :data:`NEAR_PT` as :data:`FAR_COST` points a point, then the least sticking out,
    then the nearest. A crossing of one of ``leaders`` (``(k, 2, 2)`` px: the leaders of
    labels shown with it) counts as :data:`CROSS_HIT` px² of cover, and a box over one of
    them as :data:`LEADER_HIT` a 4 px; a leader within :data:`BALL_CLEAR_PX` of one of
    ``balls`` (``(b, 3)`` px: centre and radius, the balls other than the anchor's) as
    :data:`BALL_HIT`, and each px of it within :data:`ALONG_PT` of a path as
    :data:`ALONG_HIT`. Returns the choice and its cost (a tuple: lower is better)."""
    anchor = np.asarray(anchor, float)
    w, h = size
    obstacles = np.asarray(obstacles, float).reshape(-1, 4)
    paths = np.zeros((0, 2)) if paths is None else np.asarray(paths, float).reshape(-1, 2)
    leaders = (
        np.zeros((0, 2, 2)) if leaders is None else np.asarray(leaders, float).reshape(-1, 2, 2)
    )
    # a leader may pass through the clearance kept around a ball or marker, not over it
    bodies = obstacles + CLEAR_PT * reach_scale * np.array([1.0, 1.0, -1.0, -1.0])
    near = paths[_within(paths, np.r_[anchor, anchor] + 400 * reach_scale * np.r_[-1, -1, 1, 1])]
    balls = np.zeros((0, 3)) if balls is None else np.asarray(balls, float).reshape(-1, 3)
    balls = balls[np.hypot(*(balls[:, :2] - anchor).T) > balls[:, 2]]  # not its own
    marks = _leader_marks(leaders)
    longest = LONGEST * float(np.hypot(inside[2] - inside[0], inside[3] - inside[1]))
    best, choice = None, ((0.0, 0.0), "left", "bottom", np.zeros(4))
    for rank, reach in enumerate(REACHES):
        for turn, (dx, dy, slide) in enumerate(_ways()):
            unit = np.array([dx, dy], float) / np.hypot(dx, dy)
            off = unit * reach * reach_scale
            x0 = anchor[0] + off[0] - (w if dx < 0 else w * slide if dx == 0 else 0)
            y0 = anchor[1] + off[1] - (h if dy < 0 else h / 2 if dy == 0 else 0)
            box = np.array([x0, y0, x0 + w, y0 + h])
            tucked = _pushed_in(_pushed_in(box, inside), _shrunk(inside, EDGE_PX))
            for shifted, b in enumerate((box, _pushed_in(box, inside), tucked)):
                out = _outside(b, inside)
                grown = b + PATH_PT * reach_scale * np.array([-1.0, -1.0, 1.0, 1.0])
                crossed = int(np.count_nonzero(_within(paths, grown))) if len(paths) else 0
                body = float(_overlap(b, bodies).sum())
                covered = float(_overlap(b, obstacles).sum() + BODY * body)
                covered += LEADER_HIT * _leader_hits(anchor, b, bodies, 13.0 * reach_scale)
                leader = leader_of(anchor, b)
                covered += CROSS_HIT * crossings(leader, leaders)
                covered += LEADER_HIT * int(np.count_nonzero(_within(marks, b)))
                covered += BALL_HIT * _balls_passed(leader, balls, BALL_CLEAR_PX)
                covered += ALONG_HIT * _along(leader, near, ALONG_PT * reach_scale,
                                              BALL_PT * reach_scale)  # fmt: skip
                covered += LEADER_INK_HIT * _leader_ink(leader, near, PATH_PT * reach_scale,
                                                        BALL_PT * reach_scale)  # fmt: skip
                covered += _edge_cost(b, inside)
                # a leader across the map; a label over a path hides what it describes
                beyond = max(float(np.hypot(*(leader[1] - leader[0]))) - longest, 0.0)
                covered += LONG_HIT * beyond + INK_HIT * crossed
                far = FAR_COST * max(reach - NEAR_PT, 0.0)
                # a ball or marker hidden is worse than any leader across a path or box
                # at the frame (newton_saddle's label moved off the frame onto its saddle)
                cost = (out > 0.5, body > 0.5, round(covered, 3), crossed + far, out,
                        rank + 0.01 * turn + 0.5 * shifted)  # fmt: skip
                if best is None or cost < best:
                    ha = "left" if dx > 0 else "right" if dx < 0 else _aligned(slide)
                    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
                    best, choice = cost, (tuple(off + b[:2] - box[:2]), ha, va, b)
    return choice, best


def _ways() -> list[tuple[int, int, float]]:
    """:data:`DIRECTIONS` with where the anchor lies along the box's width (a half for a
    box straight above or below it, and each of :data:`SLIDES` too)."""
    out = [(dx, dy, 0.5) for dx, dy in DIRECTIONS]
    out += [(0, dy, slide) for slide in SLIDES for dx, dy in DIRECTIONS if dx == 0]
    return out


def _aligned(slide: float) -> str:
    return "center" if slide == 0.5 else "left" if slide < 0.5 else "right"


def _leader_marks(leaders) -> np.ndarray:
    """Points every 4 px along ``leaders`` ``(k, 2, 2)``, their anchors' ends left out."""
    out = [np.zeros((0, 2))]
    for a, b in np.asarray(leaders, float).reshape(-1, 2, 2):
        n = max(int(np.hypot(*(b - a)) / 4), 1)
        out.append(a + (b - a) * (np.arange(1, n + 1) / n)[:, None])
    return np.vstack(out)


def _balls_passed(leader: np.ndarray, balls: np.ndarray, clear: float) -> int:
    """How many of ``balls`` ``(b, 3)`` (centre, radius px) ``leader`` passes within
    ``clear`` px of: read as pointing at them (sam_sharp_flat, twin_wells)."""
    if not len(balls):
        return 0
    a, d = leader[0], leader[1] - leader[0]
    t = np.clip((balls[:, :2] - a) @ d / max(float(d @ d), 1e-9), 0.0, 1.0)
    gap = np.hypot(*(a + t[:, None] * d - balls[:, :2]).T)
    return int(np.count_nonzero(gap < balls[:, 2] + clear))


def _along(leader: np.ndarray, paths: np.ndarray, width: float, skip: float) -> float:
    """How many px of ``leader``, beyond ``skip`` px off its anchor, lie within ``width``
    px of a path sample in ``paths`` (to 2 px)."""
    start, end = leader
    d = end - start
    length = float(np.hypot(*d))
    if length <= skip or not len(paths):
        return 0.0
    t = (paths - start) @ d / (length * length)
    gap = np.hypot(*(paths - start - t[:, None] * d).T)
    # a sample beside the line covers the stretch of it within width of the sample
    reach = np.sqrt(np.clip(width * width - gap * gap, 0.0, None)) / length
    close = gap <= width
    lo = np.maximum(t[close] - reach[close], skip / length)
    hi = np.minimum(t[close] + reach[close], 1.0)
    n = max(int(length / 2), 1)  # 2 px bins along the leader, marked by a running count
    keep = hi > lo
    marks = np.zeros(n + 2)
    np.add.at(marks, np.floor(lo[keep] * n).astype(int), 1)
    np.add.at(marks, np.ceil(hi[keep] * n).astype(int) + 1, -1)
    bins = np.cumsum(marks)[: n + 1] > 0
    return 2.0 * float(np.count_nonzero(bins))


def _leader_hits(anchor: np.ndarray, box: np.ndarray, obstacles: np.ndarray, skip: float) -> int:
    """How many points along the leader, from ``skip`` px off the anchor (its own ball and
    ring) to the label's box, lie in an obstacle other than those around the anchor (the
    landmark its ball rests on: every leader starts inside it)."""
    end = np.clip(anchor, box[:2], box[2:])  # the box's point nearest the anchor
    length = float(np.hypot(*(end - anchor)))
    around = np.all((obstacles[:, :2] <= anchor) & (anchor <= obstacles[:, 2:]), axis=1)
    obstacles = obstacles[~around]
    if length <= skip or not len(obstacles):
        return 0
    t = np.linspace(skip / length, 1.0, max(int(length / 4), 2))
    pts = anchor + (end - anchor) * t[:, None]
    lo, hi = obstacles[None, :, :2], obstacles[None, :, 2:]
    inside = np.all((pts[:, None] >= lo) & (pts[:, None] <= hi), axis=-1)
    return int(inside.any(axis=1).sum())


def _leader_ink(leader: np.ndarray, paths: np.ndarray, width: float, skip: float) -> int:
    """How many of the path samples ``paths`` lie within ``width`` px of the ``leader``,
    beyond ``skip`` px off its anchor (where the paths meet at the ball it names)."""
    start, end = leader
    d = end - start
    length = float(np.hypot(*d))
    if length <= skip or not len(paths):
        return 0
    t = (paths - start) @ d / (length * length)
    along = (t >= skip / length) & (t <= 1.0)
    gap = np.hypot(*(paths - start - t[:, None] * d).T)
    return int(np.count_nonzero(along & (gap <= width)))


def _edge_cost(box: np.ndarray, inside) -> float:
    """:data:`EDGE_HIT` for a ``box`` within :data:`EDGE_PX` of ``inside``'s edge, and
    100 px² a px it comes nearer: only where nothing else fits."""
    x0, y0, x1, y1 = inside
    nearer = max(x0 + EDGE_PX - box[0], y0 + EDGE_PX - box[1], box[2] - x1 + EDGE_PX,
                 box[3] - y1 + EDGE_PX, 0.0)  # fmt: skip
    return EDGE_HIT + 100.0 * nearer if nearer > 1e-6 else 0.0


def _shrunk(inside, by: float) -> np.ndarray:
    """``inside`` less ``by`` px on each side."""
    return np.asarray(inside, float) + by * np.array([1.0, 1.0, -1.0, -1.0])


def leader_of(anchor, box: np.ndarray) -> np.ndarray:
    """The leader from ``anchor`` to a label's ``box`` (px): to the box's nearest point."""
    anchor = np.asarray(anchor, float)
    return np.array([anchor, np.clip(anchor, box[:2], box[2:])])


def crossings(segment: np.ndarray, others: np.ndarray) -> int:
    """How many of the segments ``others`` ``(k, 2, 2)`` ``segment`` ``(2, 2)`` properly
    crosses (sharing an end, two leaders to one spot, is no crossing).

    >>> crossings(np.array([[0, 0], [2, 2]]), np.array([[[0, 2], [2, 0]], [[0, 0], [0, 2]]]))
    1
    """
    if not len(others):
        return 0
    p, r = segment[0], segment[1] - segment[0]
    q, s = others[:, 0], others[:, 1] - others[:, 0]
    denom = r[0] * s[:, 1] - r[1] * s[:, 0]
    qp = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / denom
        u = (qp[:, 0] * r[1] - qp[:, 1] * r[0]) / denom
    eps = 1e-6
    hit = (np.abs(denom) > 1e-9) & (t > eps) & (t < 1 - eps) & (u > eps) & (u < 1 - eps)
    return int(np.count_nonzero(hit))


def _pushed_in(box: np.ndarray, inside) -> np.ndarray:
    """``box`` moved the least to lie inside ``inside`` (as far as it fits)."""
    x0, y0, x1, y1 = inside
    dx = max(x0 - box[0], 0.0) or min(x1 - box[2], 0.0)
    dy = max(y0 - box[1], 0.0) or min(y1 - box[3], 0.0)
    return box + np.array([dx, dy, dx, dy])


def _overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    if not len(boxes):
        return np.zeros(0)
    w = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    return w * h


def _within(points: np.ndarray, box: np.ndarray) -> np.ndarray:
    return ((points[:, 0] >= box[0]) & (points[:, 0] <= box[2])
            & (points[:, 1] >= box[1]) & (points[:, 1] <= box[3]))  # fmt: skip


def _outside(box: np.ndarray, inside) -> float:
    x0, y0, x1, y1 = inside
    area = (box[2] - box[0]) * (box[3] - box[1])
    kept = max(min(box[2], x1) - max(box[0], x0), 0) * max(min(box[3], y1) - max(box[1], y0), 0)
    return float(area - kept)


def broken_lines(words: list[str], lines: int) -> str:
    """``words`` in ``lines`` lines of about equal length; two lines at a comma where one
    falls near the middle (between two clauses, not inside one).

    >>> broken_lines("GD (lr 0.09) ends 3.1 short of it, ahead of GD (lr 0.02)".split(" "), 2)
    'GD (lr 0.09) ends 3.1 short of it,\\nahead of GD (lr 0.02)'
    """
    total = len(" ".join(words))
    commas = [i for i, w in enumerate(words[:-1]) if w.endswith(",")]
    if lines == 2 and commas:
        cut = min(commas, key=lambda i: abs(len(" ".join(words[: i + 1])) - total / 2))
        if abs(len(" ".join(words[: cut + 1])) - total / 2) < total / 4:
            return " ".join(words[: cut + 1]) + "\n" + " ".join(words[cut + 1 :])
    return "\n".join(" ".join(words[i:j]) for i, j in _balanced_cuts(words, lines))


def _balanced_cuts(words: list[str], lines: int) -> list[tuple[int, int]]:
    """Where ``words`` break into ``lines`` lines (at most one per word): the breaks that
    make the longest line shortest, then the lines most even. A greedy fill left a word
    alone on a line ("GD stops at a / flat / inflection / point: gradient ≈ 0").

    >>> _balanced_cuts("GD stops at a flat inflection point: gradient ≈ 0".split(" "), 3)
    [(0, 5), (5, 7), (7, 10)]
    """
    n = len(words)
    lines = max(1, min(lines, n))
    ends = np.cumsum([0] + [len(w) + 1 for w in words])  # a line i..j is ends[j]-ends[i]-1

    def width(i: int, j: int) -> int:
        return int(ends[j] - ends[i] - 1)

    best: dict[tuple[int, int], tuple[int, int]] = {(0, 0): (0, 0)}
    came: dict[tuple[int, int], int] = {}
    for k in range(1, lines + 1):
        for j in range(k, n + 1):
            for i in range(k - 1, j):
                if (k - 1, i) not in best:
                    continue
                longest, squares = best[(k - 1, i)]
                w = width(i, j)
                cand = (max(longest, w), squares + w * w)
                if (k, j) not in best or cand < best[(k, j)]:
                    best[(k, j)], came[(k, j)] = cand, i
    cuts, j = [], n
    for k in range(lines, 0, -1):
        i = came[(k, j)]
        cuts.append((i, j))
        j = i
    return cuts[::-1]


def dense(px: np.ndarray, every: float) -> np.ndarray:
    """The polyline ``px`` ``(t, 2)`` with points at most about ``every`` apart along it
    (a long segment, a run flying off, at most 200 more)."""
    if len(px) < 2:
        return px
    seg = np.diff(px, axis=0)
    n = np.clip(np.ceil(np.hypot(*seg.T) / every).astype(int), 1, 200)
    idx = np.repeat(np.arange(len(seg)), n)
    frac = np.concatenate([np.arange(k) / k for k in n])
    return np.vstack([px[idx] + seg[idx] * frac[:, None], px[-1:]])
