"""The part of the surface a race's map shows: where the runs go, not empty ground.

A catalog surface's domain is made for every race on it; one race often uses a corner of
it (a ravine's runs stay in its left half). When nobody chose the domain (a scene's or
the CLI's ``--domain``, or a surface built with a domain of its own), the map is cropped to
the runs' points inside the domain, where they leave it, their starts, the global minimum
nearest each run's end (the ground the race is about), every minimum where the surface
marks them all, and the landmarks the surface's lesson names (its saddle, its local
minimum), with a margin, kept inside the domain and at
least :data:`SMALLEST` of its span per axis, so the surface keeps its shape.

Every drawn point of a run lies in the crop and the crop lies in the domain, so a point
is outside the view exactly when it is outside the domain: where a path "leaves the
view", its exit mark and every claim about the domain mean the same on the cropped map.
Where the layout gives the map a wider cell, the map grows into the ground around its
view (:func:`reach`, :func:`grow_to_cell`), drawn with the domain's levels
(:func:`draw_ground`), by at most :data:`GROW` of the view's span: the rest of a wide
cell goes to the legend, not to ground no run goes near.
"""

from __future__ import annotations

import re
import weakref

import numpy as np

SMALLEST = 0.4  # of the domain's span, per axis: less loses the surface's shape
MARGIN = 0.1  # of the crop's span, on each side: the balls and rings are not at the frame
STRETCH = 1.6  # the crop's width / height at most this far from the domain's, either way
CELL_STRETCH = 1.2  # how far a map may leave equal aspect, either way, to fill its cell
WORTH = 0.85  # crop only when it shows at most this share of the domain's area


def race_view(race) -> np.ndarray:
    """``((x0, x1), (y0, y1))``: what the map of ``race`` shows (see the module docs).

    >>> import optviz as ov
    >>> r = ov.race("elliptic", ["gd:lr=0.05"], start=(-2.5, 1.0), steps=80)
    >>> view = race_view(r)
    >>> bool(view[0, 1] < r.surface.domain[0][1])  # the empty right side is cut away
    True
    >>> from dataclasses import replace; import numpy as np
    >>> chosen = replace(ov.surface("elliptic"), domain=np.array([[-3.0, 2], [-2, 2]]))
    >>> race_view(ov.race(chosen, ["gd:lr=0.05"], start=(-2.5, 1.0), steps=80)).tolist()
    [[-3.0, 2.0], [-2.0, 2.0]]
    """
    dom = np.asarray(race.surface.domain, float)
    whole = getattr(race.surface.view, "whole", False)  # its shape is the lesson
    if race.surface.is_curve or whole or chosen_domain(race.surface):
        return dom
    points = _shown_points(race)
    if not len(points):
        return dom
    box = _fit(np.array([points.min(axis=0), points.max(axis=0)]).T, dom)
    area = np.prod(np.ptp(box, axis=1)) / np.prod(np.ptp(dom, axis=1))
    return dom if area > WORTH else box


def view_share(race) -> float:
    """The share of the domain's area the map of ``race`` shows (1: the whole domain)."""
    dom = np.asarray(race.surface.domain, float)
    return float(np.prod(np.ptp(race_view(race), axis=1)) / np.prod(np.ptp(dom, axis=1)))


def chosen_domain(surface) -> bool:
    """Whether the surface's domain was chosen for this picture: a catalog surface whose
    domain is not the catalog's, or an expression surface on anything but the default
    square (a domain typed by the user is kept as typed)."""
    from ..catalog import surface as catalog_surface
    from ..util.errors import OptvizError

    dom = np.asarray(surface.domain, float)
    try:
        default = np.asarray(catalog_surface(surface.name).domain, float)
    except OptvizError:  # an expression: its default domain is the square of side 4
        default = np.array([[-2.0, 2.0], [-2.0, 2.0]])
    return dom.shape != default.shape or not np.allclose(dom, default)


def _shown_points(race) -> np.ndarray:
    """``(n, 2)``: the runs' finite points inside the domain, the points where they leave
    it, their starts (clipped onto it) and the landmarks its lesson names."""
    from .geometry import exit_point, inside, outside

    dom = np.asarray(race.surface.domain, float)
    ends = [np.asarray(t.xy, float)[-1].reshape(-1, 2) for t in race.trajectories]
    found = [_named_landmarks(race.surface, np.concatenate(ends))]
    for traj in race.trajectories:
        xy = np.asarray(traj.xy, float)
        runs = xy[:, None, :] if xy.ndim == 2 else xy  # (steps, starts, 2)
        found.append(inside(runs[0], race.surface))
        for k in range(runs.shape[1]):
            path = runs[:, k, :]
            good = np.all(np.isfinite(path), axis=1)
            out = outside(np.where(good[:, None], path, np.inf), dom)
            found.append(path[~out])
            leaving = np.flatnonzero(~out[:-1] & out[1:])
            found += [exit_point(path[i], _finite(path[i + 1]), dom)[0][None] for i in leaving]
    return np.concatenate([f.reshape(-1, 2) for f in found])


def _finite(p: np.ndarray) -> np.ndarray:
    return np.nan_to_num(p, nan=0.0, posinf=1e300, neginf=-1e300)


def _named_landmarks(surface, ends: np.ndarray) -> np.ndarray:
    """``(n, 2)``: the global minimum nearest each of the runs' ``ends``, the ground a
    race is about, every minimum when the surface marks them all (``all_minima``), and
    the landmarks of each kind the surface's lesson names (``stuck(gd, at=saddle)``,
    ``minimum=local``)."""
    from ..catalog.critical import LANDMARK_KINDS, landmarks

    words = set(re.findall(r"[a-z]+", " ".join(surface.lesson.claims)))
    kinds = [k for k in LANDMARK_KINDS if k != "global minimum" and k.split()[0] in words]
    if surface.view.all_minima:  # which basin a run ends in is the lesson: every basin
        kinds += [k for k in LANDMARK_KINDS if k.endswith("minimum")]
    marks = landmarks(surface)
    found = [m.xy for k in kinds for m in marks.of_kind(k)]
    return np.array(found + _goals(marks.of_kind("global minimum"), ends), float).reshape(-1, 2)


def _goals(best: list, ends: np.ndarray) -> list:
    """The global minimum nearest each of ``ends`` (``(n, 2)``): where a run ends up,
    or the ground it was meant to reach (a second, mirrored minimum no run goes near
    took tiny_net's map from the valley its runs crawl along)."""
    if not best:
        return []
    at = np.array([m.xy for m in best], float)
    ends = ends[np.all(np.isfinite(ends), axis=1)]
    return [at[np.argmin(np.hypot(*(at - end).T))] for end in ends] or list(at)


def _fit(box: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """``box`` with its margin, at least :data:`SMALLEST` of the domain per axis, its
    shape near the domain's (:data:`STRETCH`), shifted and cut to lie inside ``dom``."""
    span = np.ptp(dom, axis=1)
    width = np.ptp(box, axis=1) * (1 + 2 * MARGIN)
    width = np.maximum(width, SMALLEST * span)
    aspect = (width[0] / width[1]) / (span[0] / span[1])
    if aspect > STRETCH:  # too wide for the domain's shape: taller
        width[1] = width[0] / (STRETCH * span[0] / span[1])
    elif aspect < 1 / STRETCH:
        width[0] = width[1] * span[0] / span[1] / STRETCH
    width = np.minimum(width, span)
    middle = box.mean(axis=1)
    lo = np.clip(middle - width / 2, dom[:, 0], dom[:, 1] - width)
    return np.column_stack([lo, lo + width])


# the map axes whose view may grow into the domain around it: (the view, the domain)
_ROOM: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def let_grow(ax, view, domain) -> None:
    """Let the map ``ax`` showing ``view`` show more of ``domain`` to fill its layout cell
    (:func:`grow_to_cell`): ground beside the runs is no loss, an empty band beside the
    map is."""
    view, domain = np.asarray(view, float), np.asarray(domain, float)
    if not np.allclose(view, domain):
        _ROOM[ax] = (view, domain)


def grow_to_cell(ax) -> float | None:
    """Grow ``ax``'s view (from the one it was given) toward the shape of its layout cell
    at equal scale (:func:`grown_spans`), centred on that view and inside the ground it
    may show; the view's width / height, or None when ``ax`` may not grow."""
    if ax not in _ROOM:
        return None
    view, ground = _ROOM[ax]
    cell = ax.get_position(original=True)
    fig = ax.figure
    target = (cell.width * fig.bbox.width) / max(cell.height * fig.bbox.height, 1e-9)
    width = grown_spans(view, target, room_spans(view, ground))
    lo = np.clip(view.mean(axis=1) - width / 2, ground[:, 0], ground[:, 1] - width)
    ax.set_xlim(lo[0], lo[0] + width[0])
    ax.set_ylim(lo[1], lo[1] + width[1])
    return float(width[0] / width[1])


GROW = 1.3  # a view grows along each axis to at most this many times its larger span:
# beyond, the map shows ground no run goes near (himmelblau's ran -10..10 around minima
# and runs in -5..5, flat grey on both sides); the rest of a wide cell goes to the legend


def room_spans(view, ground) -> np.ndarray:
    """``(width, height)`` at most of ``view`` grown into ``ground`` (see :data:`GROW`):
    a margin the size of the action, so a tall view may still widen to a square-ish
    map (ackley's, 4.3 wide and 5.2 tall, kept a 180 px gutter beside its map)."""
    return np.minimum(np.ptp(np.asarray(ground, float), axis=1), _most_grown(view))


def _most_grown(view) -> float:
    return GROW * float(np.ptp(np.asarray(view, float), axis=1).max())


PAD = 1.2  # a view grown along its long axis anyway grows by up to this much along its
# short one too: the runs' ends and the minimum cropped tight to that axis's edges (matyas'
# star 20 px under the top) move inward, while the long axis has ground to spare
SPARE = 1.4  # ... from the long axis's growth beyond this: a view near its cell's shape
# keeps its tight crop (a ravine's runs fill most of its map)


def grown_spans(view, shape: float, most) -> np.ndarray:
    """``(width, height)`` of ``view`` grown to width / height ``shape`` at equal scale:
    its long axis to the shape, both padded by up to :data:`PAD` when the long axis grows
    more than :data:`SPARE` times, each at most ``most``; where the long one reaches
    ``most`` the short axis keeps as much padding as the map still fills its cell with,
    stretched by up to :data:`CELL_STRETCH`.

    >>> grown_spans([[0, 2], [0, 2]], 2.0, [10, 10]).tolist()  # 2 x 2 into a 2:1 cell
    [4.8, 2.4]
    >>> grown_spans([[0, 2], [0, 2]], 3.0, [4, 10]).tolist()  # only 4 wide: less padding
    [4.0, 2.0]
    """
    span = np.ptp(np.asarray(view, float), axis=1)
    most = np.asarray(most, float)
    ratio = np.array([shape, 1.0])  # width : height of the cell
    long = 0 if shape > span[0] / span[1] else 1
    growth = (span[1 - long] * ratio[long] / ratio[1 - long]) / span[long]
    short = span[1 - long] * float(np.clip(growth / SPARE, 1.0, PAD))
    wanted = short * ratio[long] / ratio[1 - long]
    if wanted > most[long]:  # the long axis is cut: as much padding as still fills
        wanted = most[long]
        fills = wanted * ratio[1 - long] / ratio[long] * CELL_STRETCH
        short = max(span[1 - long], min(short, fills))
    out = np.empty(2)
    out[long], out[1 - long] = wanted, short
    return np.minimum(np.maximum(out, np.minimum(span, most)), most)


# --------------------------------------------------- ground beyond the domain, to fill
REACH = 2.0  # the drawn ground may span this many times the domain's span along an axis


def reach(race, view, shape: float) -> np.ndarray:
    """The ground the map of ``race`` may show around ``view`` to fill a layout cell of
    width / height ``shape`` at equal scale: the domain, and the view grown to that
    shape about its own centre (:func:`grown_spans`, at most :data:`REACH` of the
    domain's span per axis), so the runs and the minimum stay in the middle of the map.
    An empty band beside a map is a waste of the frame; ground beyond the domain is
    not, as long as it changes nothing the map says: so never when a domain was chosen
    or a run leaves the domain (its exit mark sits on the domain's edge), not where the
    surface is not finite, and not where it goes lower than anywhere on the domain when
    a star marks the lowest point. The levels stay the domain's (:func:`domain_levels`):
    higher ground is drawn in the top band, lower ground (a surface with no minimum) in
    the lowest.

    >>> import optviz as ov
    >>> r = ov.race("saddle", ["gd:lr=0.1"], start=(-1.5, 1e-3), steps=40)
    >>> reach(r, [[-2, 2], [-2, 2]], 2.0).tolist()  # x² − y²: more of it along x
    [[-2.6, 2.6], [-2.0, 2.0]]
    >>> reach(r, [[-2, 2], [-1, 1]], 4.0).tolist()  # 4 x 2 into 4:1: 5.2 wide (GROW), not 8
    [[-2.6, 2.6], [-2.0, 2.0]]
    """
    dom = np.asarray(race.surface.domain, float)
    view = np.asarray(view, float)
    surface = race.surface
    if surface.is_curve or chosen_domain(surface) or _leaves(race, dom):
        return dom
    middle = view.mean(axis=1)
    most = np.minimum(REACH * np.ptp(dom, axis=1), _most_grown(view))
    spans = grown_spans(view, shape, most)
    ground = np.column_stack([np.minimum(dom[:, 0], middle - spans / 2),
                              np.maximum(dom[:, 1], middle + spans / 2)])  # fmt: skip
    if np.allclose(ground, dom):
        return dom
    lowest = _lowest(surface, dom) if len(surface.minima) else -np.inf
    for box in _added(ground, dom):
        low = _lowest(surface, box)
        if not np.isfinite(low) or low < lowest:
            return dom
    return ground


def _added(ground: np.ndarray, dom: np.ndarray) -> list[np.ndarray]:
    """The boxes of ``ground`` outside ``dom``: strips left and right (``ground``'s
    height), below and above (``dom``'s width)."""
    (gx0, gx1), (gy0, gy1) = ground
    (dx0, dx1), (dy0, dy1) = dom
    boxes = [((gx0, dx0), (gy0, gy1)), ((dx1, gx1), (gy0, gy1)),
             ((dx0, dx1), (gy0, dy0)), ((dx0, dx1), (dy1, gy1))]  # fmt: skip
    return [np.array(b, float) for b in boxes if b[0][1] > b[0][0] and b[1][1] > b[1][0]]


def domain_levels(surface, n: int) -> np.ndarray:
    """The contour levels of ``surface`` over its domain on an ``n`` x ``n`` grid: the
    levels of its map however far the map grows beyond the domain (ground added at a
    corner of Styblinski-Tang rises 17 times higher than the domain's; levels over it
    drew the four wells in one shade)."""
    from .levels import levels_of

    return levels_of(surface, surface.grid(n)[2])


def _lowest(surface, box: np.ndarray, n: int = 120) -> float:
    """The least value of ``surface`` on an ``n`` x ``n`` grid over ``box`` (-inf where it
    is not finite: a box with such ground is not worth growing into)."""
    xs, ys = (np.linspace(lo, hi, n) for lo, hi in box)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = np.asarray(surface.f(np.stack([X, Y], -1)), float)
    return float(Z.min()) if np.all(np.isfinite(Z)) else -np.inf


def _leaves(race, dom: np.ndarray) -> bool:
    """Whether any run has a point outside ``dom`` or not finite."""
    from .geometry import outside

    for traj in race.trajectories:
        xy = np.asarray(traj.xy, float).reshape(-1, 2)
        if not np.all(np.isfinite(xy)) or outside(xy, dom).any():
            return True
    return False


# ------------------------------------------------------------ drawing the ground
def _grid_size(n: int, surface, view) -> int:
    """Grid points per axis over the domain that put about ``n`` across the ``view``
    (a cropped map keeps its contours smooth), at most twice ``n``."""
    share = float(np.min(np.ptp(view, axis=1) / np.ptp(surface.domain, axis=1)))
    return int(min(round(n / max(share, 1e-9)), 2 * n))


def draw_ground(ax, surface, ground, view, theme: str, n: int) -> None:
    """The surface's contours over ``ground`` (its domain, or more: :func:`reach`),
    about ``n`` grid points across ``view``."""
    from dataclasses import replace

    from .plots import plot_surface

    grid = _grid_size(n, surface, view)
    if np.allclose(ground, surface.domain):
        plot_surface(surface, ax, theme=theme, minima=False, n=grid)
        return
    wider = replace(surface, domain=np.asarray(ground, float))
    plot_surface(wider, ax, theme=theme, minima=False, n=_grid_size(n, wider, view),
                 levels=domain_levels(surface, grid))  # fmt: skip


def show_view(ax, view, domain) -> None:
    """Show ``view`` (``((x0, x1), (y0, y1))``) on the map ``ax``, free to grow into
    ``domain`` to fill its cell (:func:`let_grow`), and only the landmarks inside
    it: one outside the view would be named in the legend and not be seen."""
    from matplotlib.lines import Line2D

    (x0, x1), (y0, y1) = view
    let_grow(ax, view, domain)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    for mark in ax.get_children():
        if mark.get_gid() == "landmark" and isinstance(mark, Line2D):
            xy = np.column_stack([np.ravel(v) for v in mark.get_data()]).astype(float)
            seen = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
            if not seen.any():
                mark.remove()
