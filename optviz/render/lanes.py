"""Paths that share a line, drawn side by side along the shared stretch.

Two runs often take the same way for a while: the same first steps down a ridge, one
valley floor, one line of symmetry. Drawn where they are, the later line hides the
earlier one there (and a wide band under a thin one hides the band's dashes). So where
a path runs along another (:func:`shared_vertices`: near it, in its direction, for a
stretch), each is shifted across the line, in display space, into a lane of its own
(:func:`lanes`: the lanes of the paths sharing a stretch centred on it, :data:`LANE
<optviz.render.paths.LANE>` points apart, each on the side it lies). Each keeps its width and
dash pattern, so both colours and both dash patterns show along the stretch; off it
every path runs where it is.

The shift is applied when a line is drawn (:class:`Lanes`, a path effect), in pixels
across the line as it is on screen, so it holds whatever the figure's final layout or
a 3-D camera. Across means the same side for every path at a place, whichever way
each runs (:func:`across`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patheffects import AbstractPathEffect

COINCIDENT = 0.01  # distance, in map spans (~6 px), under which two paths share a line:
# about two strokes' width, where one stroke would hide the other
PARALLEL = 0.8  # |cos| of the angle between two paths' directions where they share a line
SHARED_RUN = 0.04  # map spans (~25 px): the shortest stretch along another path that is shared
SHARED = 0.1  # along a scribble: the share of one's length that must run along the other
WINDING = 10.0  # a path this many times longer than its extent is a scribble
EASE = 0.03  # map spans (~20 px) over which a lane's shift eases in and out at a stretch's ends
UP = np.array([-0.28, 0.96])  # "across" points to this side (off the axes' directions)


# ----------------------------------------------------------------------------- lanes
def lanes(paths: list[np.ndarray], order: list[int], spacing: float):
    """Per path ``i`` (``(T+1, n, 2)`` in map spans) that shares a stretch with another,
    its shift across the line at each step, in points (0 off the shared stretches); and
    the paths it shares with. Any shared stretch counts, however short a share of the
    path it is (from :data:`SHARED_RUN` on). Where ``k`` paths share a stretch, their
    lanes are ``spacing`` apart, centred on it, in one order for all of them
    (:func:`_across_order`: the side each lies on, then drawing ``order``): each takes a
    lane of its own, never one another takes. The shift eases in and out over
    :data:`EASE` at the stretch's ends. A run of several starts is drawn thin already
    and takes no lane."""
    single = [i for i in order if paths[i].shape[1] == 1]
    along: dict[int, list[tuple[int, np.ndarray]]] = {}
    offsets: dict[int, list[float]] = {}
    for n, a in enumerate(single):
        for b in single[n + 1 :]:
            pa, pb = paths[a][:, 0], paths[b][:, 0]
            ab, share_ab = shared_vertices(pa, pb)
            ba, share_ba = shared_vertices(pb, pa)
            least = SHARED if _scribble(pa) or _scribble(pb) else 0.0
            if max(share_ab, share_ba) > least:  # a stretch, not a few crossings
                along.setdefault(a, []).append((b, ab))
                along.setdefault(b, []).append((a, ba))
                offset = _offset(pa, ab, pb, ba)
                offsets.setdefault(a, []).append(offset)
                offsets.setdefault(b, []).append(-offset)
    place = _across_order(offsets, order)
    shifts = {}
    for i, others in along.items():
        count = np.sum([f for _, f in others], axis=0)
        below = np.sum([f for j, f in others if place[j] < place[i]] or [0 * count], axis=0)
        sharp = np.where(count > 0, (below - count / 2) * spacing, 0.0)
        shifts[i] = _eased(sharp, paths[i][:, 0])
    return shifts, {i: [j for j, _ in others] for i, others in along.items()}


def _across_order(offsets: dict[int, list[float]], order: list[int]) -> dict[int, int]:
    """Each path's place in one order across the lines it shares (lowest first): by its
    mean signed offset from the paths it shares a stretch with (:func:`_offset`), paths
    within a tenth of :data:`COINCIDENT` of one another taken as on one line and then
    ranked by drawing ``order``. One order for all: deciding pair by pair, three paths
    on one line could put two in one lane (GD and SGD on ``saddle``), one hiding the
    other.

    >>> _across_order({0: [0.0, 0.0], 1: [0.0, -0.05], 2: [0.0, 0.05]}, [0, 1, 2])
    {1: 0, 0: 1, 2: 2}
    """
    rank = {i: r for r, i in enumerate(order)}
    tie = COINCIDENT / 10
    mean = {i: float(np.mean(v)) for i, v in offsets.items()}
    ranked = sorted(mean, key=lambda i: (round(mean[i] / tie), rank[i]))
    return {i: r for r, i in enumerate(ranked)}


def _scribble(path: np.ndarray) -> bool:
    """Whether ``path`` winds over the same small area (a run of noise, steps every which
    way): :data:`WINDING` times its extent and longer. Lanes through a scribble would
    only widen it; along one, a stretch is shared only as :data:`SHARED` of a path."""
    ok = path[np.isfinite(path).all(axis=1)]
    if len(ok) < 2:
        return False
    length = np.linalg.norm(np.diff(ok, axis=0), axis=1).sum()
    return bool(length > WINDING * np.linalg.norm(np.ptp(ok, axis=0)))


def _offset(pa, on_a, pb, on_b) -> float:
    """How far path ``pa`` runs on the "across" side (:func:`across`, towards
    :data:`UP`) of ``pb``, on average along the stretch they share (``on_a``, ``on_b``:
    their points on it), in map spans; negative on the other side, 0 with too few points.

    >>> line = np.c_[np.linspace(0, 1, 5), np.zeros(5)]
    >>> on = np.ones(5, bool)
    >>> _offset(line + [0, 0.002], on, line, on), _offset(line, on, line + [0, 0.002], on)
    (0.002, -0.002)
    """
    a, b = pa[on_a], pb[on_b]
    a, b = a[np.isfinite(a).all(axis=1)], b[np.isfinite(b).all(axis=1)]
    if len(a) < 2 or len(b) < 2:
        return 0.0
    normal = across(a)  # (same side for both, whichever way each runs)
    nearest = np.linalg.norm(a[:, None] - b[None], axis=-1).argmin(axis=1)
    return round(float(np.mean(np.sum((a - b[nearest]) * normal, axis=1))), 12)


def _eased(shift: np.ndarray, path: np.ndarray) -> np.ndarray:
    """``shift`` (per point of ``path``, map spans) averaged along the path over
    :data:`EASE`: a lane leaves and rejoins the true line in a short slope, not a jog."""
    if not np.any(shift):
        return shift
    step = np.linalg.norm(np.diff(np.nan_to_num(path), axis=0), axis=1)
    arc = np.r_[0.0, np.cumsum(np.minimum(step, 1.0))] + 1e-12 * np.arange(len(path))
    grid = np.arange(0.0, arc[-1] + EASE / 8, EASE / 8)
    box = np.ones(8) / 8
    smooth = np.convolve(np.pad(np.interp(grid, arc, shift), 4, mode="edge"), box, "same")[4:-4]
    return np.interp(arc, grid, smooth)


def shared_vertices(path: np.ndarray, other: np.ndarray, eps: float = COINCIDENT):
    """Which of ``path``'s points lie on a stretch it shares with the polyline
    ``other`` (see :func:`_covered_share`), and the share of its length those take.

    >>> line = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> shared_vertices(np.array([[0.0, 1.0], [0.0, 0.0], [0.5, 0.0], [1.0, 0.0]]), line)
    (array([False,  True,  True,  True]), 0.5)
    """
    path = np.asarray(path, float)
    on, at = _on_stretches(path, other, eps)
    if on is None:
        return np.zeros(len(path), bool), 0.0
    ok = np.isfinite(path).all(axis=1)
    seg = np.linalg.norm(np.diff(path, axis=0), axis=-1)
    run = np.r_[0.0, np.cumsum(np.nan_to_num(seg))]
    where = run / max(run[-1], 1e-300) * at[-1]  # each point's place along the samples
    near = np.abs(at[None, :] - where[:, None]).argmin(axis=1)
    return on[near] & ok, float(np.mean(on))


# ----------------------------------------------------------------------------- drawing
class Lanes(AbstractPathEffect):
    """Draws a line with each vertex shifted across it by :attr:`shift` points (one
    per vertex: the lanes of the drawn stretch); as it is when there is none."""

    def __init__(self, shift=None):
        super().__init__()
        self.shift = None if shift is None else np.asarray(shift, float)

    def draw_path(self, renderer, gc, tpath, affine, rgbFace=None):
        from matplotlib.path import Path
        from matplotlib.transforms import IdentityTransform

        shift = self.shift
        verts = tpath.vertices
        if shift is None or len(shift) != len(verts) or not np.any(shift):
            renderer.draw_path(gc, tpath, affine, rgbFace)
            return
        px = affine.transform(verts)
        moved = px + across(px) * renderer.points_to_pixels(shift)[:, None]
        renderer.draw_path(gc, Path(moved, tpath.codes), IdentityTransform(), rgbFace)


def keep_lane(line, shift) -> None:
    """Draw ``line`` in its lanes: ``shift`` (points, one per vertex of its data; ``None``:
    none) from now on, as its data changes too."""
    effects = [e for e in line.get_path_effects() if isinstance(e, Lanes)]
    if not effects:
        if shift is None:
            return
        effects = [Lanes()]
        line.set_path_effects([*line.get_path_effects(), *effects])
        line._subslice_optim_min_size = np.inf  # every vertex drawn: one shift each
    effects[0].shift = None if shift is None else np.asarray(shift, float)


def across(px: np.ndarray) -> np.ndarray:
    """Unit vectors across a polyline ``(t, 2)`` (pixels; NaN rows break it) at each
    vertex, all to the same side of the line whichever way it runs (towards
    :data:`UP`): two paths along one line in opposite senses get the same vectors.
    A vertex with no direction of its own (a repeated point) takes its neighbour's.

    >>> across(np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])).tolist()
    [[-0.0, 1.0], [-0.0, 1.0], [-0.0, 1.0]]
    >>> across(np.array([[2.0, 0.0], [1.0, 0.0], [1.0, 0.0]])).round(6).tolist()
    [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """
    px = np.asarray(px, float)
    step = np.diff(px, axis=0)
    length = np.linalg.norm(step, axis=1)
    with np.errstate(all="ignore"):
        unit = step / length[:, None]
    unit[~(length > 1e-9)] = np.nan
    gap = np.full((1, 2), np.nan)
    before, after = np.vstack([gap, unit]), np.vstack([unit, gap])
    tangent = np.nansum(np.stack([before, after]), axis=0)
    tangent[np.isnan(before).any(axis=1) & np.isnan(after).any(axis=1)] = np.nan
    tangent = _filled(tangent)
    norm = np.linalg.norm(tangent, axis=1)
    with np.errstate(all="ignore"):
        normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / norm[:, None]
    normal = np.where(np.isfinite(normal), normal, 0.0)
    return normal * np.where(normal @ UP < 0, -1.0, 1.0)[:, None]


def _filled(v: np.ndarray) -> np.ndarray:
    """Rows with NaN (or zero) replaced by the nearest row before them that has none,
    or else after them."""
    good = np.isfinite(v).all(axis=1) & (np.abs(v).sum(axis=1) > 0)
    if not good.any():
        return np.zeros_like(v)
    idx = np.arange(len(v))
    prev = np.maximum.accumulate(np.where(good, idx, -1))
    nxt = np.minimum.accumulate(np.where(good, idx, len(v))[::-1])[::-1]
    pick = np.where(prev >= 0, prev, nxt)
    return v[pick]


# ----------------------------------------------------------------------------- sharing
def _covered_share(lower: np.ndarray, upper: np.ndarray, eps: float = COINCIDENT) -> float:
    """The share of ``lower``'s length that runs along the polyline ``upper``, measured
    at points evenly spaced along ``lower``: within ``eps`` of it, in its direction,
    and on from one point to the next as far along ``upper`` as along ``lower``, for at
    least :data:`SHARED_RUN`. A path that crosses another, brushes it, or scribbles
    over the same spots (two runs of noise) shares no line with it; a long step whose
    end lies on ``upper``, as the shared start does, is not shared along its length.

    >>> down = np.array([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]])  # a long drop, then along
    >>> aside = np.array([[0.0, 1.0], [1.0, 0.0]])  # the same start, then straight across
    >>> _covered_share(down, aside), _covered_share(aside, aside)
    (0.0, 1.0)
    """
    on, _ = _on_stretches(lower, upper, eps)
    return 0.0 if on is None else float(np.mean(on))


def _on_stretches(lower: np.ndarray, upper: np.ndarray, eps: float = COINCIDENT):
    """Points evenly spaced along ``lower`` (its polyline thinned by :func:`_thin`):
    whether each lies on a stretch shared with ``upper`` (see :func:`_covered_share`),
    and how far along ``lower`` each lies; ``(None, None)`` for a path of no length."""
    lower = np.asarray(lower, float)
    lower = lower[np.isfinite(lower).all(axis=1)]
    upper = np.asarray(upper, float)
    upper = upper[np.isfinite(upper).all(axis=1)]
    points = _along(_thin(lower)) if len(lower) > 1 and len(upper) else None
    if points is None:
        return None, None
    upper = _thin(upper)
    spacing = np.linalg.norm(points[1] - points[0])
    near, where = _near_along(points, np.gradient(points, axis=0), upper, eps)
    linked = np.array([_linked(where[k][near[k]], where[k + 1][near[k + 1]], spacing, eps)
                       for k in range(len(points) - 1)])  # fmt: skip
    on = np.r_[linked, False] | np.r_[False, linked]
    shortest = max(3, int(np.ceil(SHARED_RUN / spacing)))
    on = ~_long_stretches(~_long_stretches(on, shortest), shortest)  # and no short break
    at = spacing * np.arange(len(points))
    return _far_reaching(on, points, SHARED_RUN), at


def _far_reaching(flags: np.ndarray, points: np.ndarray, reach: float) -> np.ndarray:
    """``flags`` (one per point of ``points``) with every run of True cleared whose
    points span less than ``reach`` from end to end: a stretch that winds about a spot
    goes nowhere; paths that share a line go along it.

    >>> pts = np.c_[np.linspace(0, 1, 6), np.zeros(6)]
    >>> _far_reaching(np.array([1, 1, 0, 1, 1, 1], bool), pts, 0.3).astype(int).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    edges = np.diff(np.r_[0, flags.astype(int), 0])
    out = flags.copy()
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        out[a:b] = np.linalg.norm(points[b - 1] - points[a]) >= reach
    return out


def _linked(here: np.ndarray, there: np.ndarray, spacing: float, eps: float) -> bool:
    """Whether two places along a path (each a set of candidates, where two points
    ``spacing`` apart along another path lie near it) are ``spacing`` apart along it too
    (to within ``2 eps``, either way): the two paths run together from one to the other.

    >>> _linked(np.array([1.0, 5.0]), np.array([3.0, 5.1]), 0.1, 0.01)
    True
    >>> _linked(np.array([1.0]), np.array([3.0, 5.0]), 0.1, 0.01)
    False
    """
    if not (len(here) and len(there)):
        return False
    advance = np.abs(there[None] - here[:, None])
    return bool((np.abs(advance - spacing) <= 2 * eps).any())


def _long_stretches(flags: np.ndarray, shortest: int) -> np.ndarray:
    """``flags`` with every run of True shorter than ``shortest`` cleared.

    >>> _long_stretches(np.array([1, 1, 0, 1, 1, 1, 0, 1], bool), 3).astype(int).tolist()
    [0, 0, 0, 1, 1, 1, 0, 0]
    """
    edges = np.diff(np.r_[0, flags.astype(int), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = np.zeros_like(flags, bool)
    for a, b in zip(starts, ends, strict=True):
        if b - a >= shortest:
            out[a:b] = True
    return out


def _near_along(points: np.ndarray, heading: np.ndarray, line: np.ndarray, eps: float):
    """For each of ``points`` (heading in ``heading``) and each segment of the polyline
    ``line``: whether the point lies within ``eps`` of the segment and the segment runs
    its way (either sense), and how far along ``line`` the point's foot on it lies.

    >>> line = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    >>> pts = np.array([[0.5, 0.0], [0.5, 0.0]])
    >>> near, where = _near_along(pts, np.array([[1.0, 0.0], [0.0, 1.0]]), line, 0.01)
    >>> near.tolist(), where[0].tolist()
    ([[True, False], [False, False]], [0.5, 1.0])
    """
    if len(line) == 1:
        line = np.concatenate([line, line])
    a, b = line[:-1], line[1:]
    ab = b - a
    length = np.linalg.norm(ab, axis=-1)
    ap = points[:, None, :] - a[None]
    t = np.clip((ap * ab).sum(-1) / np.maximum(length**2, 1e-300), 0.0, 1.0)
    gap = ap - t[..., None] * ab
    with np.errstate(all="ignore"):
        cos = heading @ ab.T / (np.linalg.norm(heading, axis=-1)[:, None] * length[None])
    near = ((gap * gap).sum(-1) < eps * eps) & (np.abs(np.nan_to_num(cos)) >= PARALLEL)
    where = np.r_[0.0, np.cumsum(length)[:-1]][None] + t * length[None]
    return near, where


def _along(path: np.ndarray, count: int = 400) -> np.ndarray | None:
    """``count`` points evenly spaced along the polyline ``path`` (``None``: no length)."""
    seg = np.linalg.norm(np.diff(path, axis=0), axis=-1)
    if seg.sum() == 0:
        return None
    run = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.linspace(0.0, run[-1], count)
    return np.column_stack([np.interp(at, run, path[:, k]) for k in range(path.shape[1])])


def _thin(path: np.ndarray, most: int = 400) -> np.ndarray:
    return path[np.unique(np.linspace(0, len(path) - 1, most).round().astype(int))]
