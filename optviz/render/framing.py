"""The part of the surface a race's map shows: where the runs go, not empty ground.

A catalog surface's domain is made for every race on it; one race often uses a corner of
it (a ravine's runs stay in its left half). When nobody chose the domain (a scene's or
the CLI's ``--domain``, or a surface built with a domain of its own), the map is cropped to
the runs' points inside the domain, where they leave it, their starts, the global minima
(the ground every race is about) and the landmarks the surface's lesson names (its
saddle, its local minimum), with a margin, kept inside the domain and at
least :data:`SMALLEST` of its span per axis, so the surface keeps its shape.

Every drawn point of a run lies in the crop and the crop lies in the domain, so a point
is outside the view exactly when it is outside the domain: where a path "leaves the
view", its exit mark and every claim about the domain mean the same on the cropped map.
"""

from __future__ import annotations

import re
import weakref

import numpy as np

SMALLEST = 0.4  # of the domain's span, per axis: less loses the surface's shape
MARGIN = 0.1  # of the crop's span, on each side: the balls and rings are not at the frame
STRETCH = 1.6  # the crop's width / height at most this far from the domain's, either way
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
    found = [_named_landmarks(race.surface)]
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


def _named_landmarks(surface) -> np.ndarray:
    """``(n, 2)``: the global minima, the ground every race is about, and the landmarks
    of each kind the surface's lesson names (``stuck(gd, at=saddle)``, ``minimum=local``)."""
    from ..catalog.critical import LANDMARK_KINDS, landmarks

    words = set(re.findall(r"[a-z]+", " ".join(surface.lesson.claims)))
    kinds = [k for k in LANDMARK_KINDS if k == "global minimum" or k.split()[0] in words]
    marks = landmarks(surface)
    return np.array([m.xy for k in kinds for m in marks.of_kind(k)], float).reshape(-1, 2)


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
    """Widen or heighten ``ax``'s view (from the one it was given) toward the shape of its
    layout cell at equal scale, centred on that view and inside the domain; the view's
    width / height, or None when ``ax`` may not grow."""
    if ax not in _ROOM:
        return None
    view, domain = _ROOM[ax]
    cell = ax.get_position(original=True)
    fig = ax.figure
    target = (cell.width * fig.bbox.width) / max(cell.height * fig.bbox.height, 1e-9)
    width = np.ptp(view, axis=1)
    if target > width[0] / width[1]:
        width[0] = width[1] * target
    else:
        width[1] = width[0] / target
    width = np.minimum(width, np.ptp(domain, axis=1))
    lo = np.clip(view.mean(axis=1) - width / 2, domain[:, 0], domain[:, 1] - width)
    ax.set_xlim(lo[0], lo[0] + width[0])
    ax.set_ylim(lo[1], lo[1] + width[1])
    return float(width[0] / width[1])


# --------------------------------------------------- ground beyond the domain, to fill
REACH = 2.0  # the drawn ground may span this many times the domain's span along an axis


def reach(race, view, shape: float) -> np.ndarray:
    """The ground the map of ``race`` may show around ``view`` to fill a layout cell of
    width / height ``shape`` (:func:`grow_to_cell`) at equal scale: the domain, widened
    along the axis the cell is long in, as far as the view grown to ``shape`` reaches
    (at most :data:`REACH` spans). An empty band beside a map that may not grow is a
    waste of the frame; ground beyond the domain is not, as long as it changes nothing
    the map says: so never when a domain was chosen or a run leaves the domain (its exit
    mark sits on the domain's edge), and not where the surface goes lower than anywhere
    on the domain (the star marks the lowest point), is not finite, or rises so steeply
    that the levels drawn over the wider ground would merge the domain's bands (keeping
    fewer than :data:`KEEP_BANDS` of them).

    >>> import optviz as ov
    >>> r = ov.race("saddle", ["gd:lr=0.1"], start=(-1.5, 1e-3), steps=40)
    >>> reach(r, [[-2, 2], [-2, 2]], 2.0).tolist()  # x² − y²: higher along x
    [[-4.0, 4.0], [-2.0, 2.0]]
    >>> reach(r, [[-2, 2], [-2, 2]], 0.5).tolist()  # lower along y: not there
    [[-2.0, 2.0], [-2.0, 2.0]]
    """
    dom = np.asarray(race.surface.domain, float)
    view = np.asarray(view, float)
    surface = race.surface
    if surface.is_curve or chosen_domain(surface) or _leaves(race, dom):
        return dom
    width = np.ptp(view, axis=1)
    axis = 0 if shape > width[0] / width[1] else 1
    wanted = min(width[1] * shape if axis == 0 else width[0] / shape, REACH * np.ptp(dom[axis]))
    lowest = _lowest(surface, dom)
    for share in (1.0, 0.7, 0.45):  # of the growth the cell wants: less where more merges
        size = width[axis] + share * (wanted - width[axis])
        ground = _widened(dom, axis, dom[axis].mean(), size)  # the view shifts in it
        if ground is None:
            return dom
        strips = [dom.copy(), dom.copy()]  # the ground added on either side
        strips[0][axis] = (ground[axis, 0], dom[axis, 0])
        strips[1][axis] = (dom[axis, 1], ground[axis, 1])
        strips = [b for b in strips if np.ptp(b[axis]) > 0]
        if min(_lowest(surface, b) for b in strips) < lowest:
            return dom
        if _bands_kept(surface, ground) >= KEEP_BANDS:
            return ground
    return dom


def _widened(dom: np.ndarray, axis: int, middle: float, size: float) -> np.ndarray | None:
    """``dom`` widened along ``axis`` to cover ``size`` around ``middle``; None when that
    adds nothing."""
    out = dom.copy()
    out[axis] = min(dom[axis, 0], middle - size / 2), max(dom[axis, 1], middle + size / 2)
    return None if np.allclose(out, dom) else out


KEEP_BANDS = 0.4  # of the domain's level bands, drawn with the levels of the wider ground


def _bands_kept(surface, ground: np.ndarray) -> float:
    """The share of the domain's level bands that the levels over ``ground`` keep apart."""
    from dataclasses import replace

    from .levels import levels_of

    wider = replace(surface, domain=ground)
    grid = surface.grid(120)[2]
    Z = grid[np.isfinite(grid)]
    own = np.unique(np.digitize(Z, levels_of(surface, grid)))
    kept = np.unique(np.digitize(Z, levels_of(wider, wider.grid(160)[2])))
    return len(kept) / max(len(own), 1)


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
