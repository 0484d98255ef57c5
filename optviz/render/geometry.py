"""Where things are drawn: the view box, clipped positions and the squashed heights of 3-D
views. Shared by the static plots, the animations and the glyphs, below all of them."""

from __future__ import annotations

import functools

import numpy as np


def _is3d(ax) -> bool:
    return getattr(ax, "name", "") == "3d"


def projected(ax, xyz: np.ndarray) -> np.ndarray:
    """``(n, 3)`` data points through a 3-D axes' camera at its last draw (``ax.M``):
    ``(n, 3)`` of x and y in the axes' data coordinates and the depth (larger is
    farther)."""
    from mpl_toolkits.mplot3d import proj3d

    xyz = np.asarray(xyz, float)
    x, y, depth = proj3d.proj_transform(xyz[:, 0], xyz[:, 1], xyz[:, 2], ax.M)
    return np.column_stack([x, y, depth])


def view_box(surface) -> np.ndarray:
    """Where positions are drawn: the domain widened by one span on every side.

    Diverged starts can be astronomically far away; clipping keeps their lines pointing
    the right way without handing Agg coordinates it cannot draw.
    """
    dom = np.asarray(surface.domain, float)
    pad = np.ptp(dom, axis=1)[:, None] * np.array([-1.0, 1.0])
    return dom + pad


def drawable(xy: np.ndarray, surface) -> np.ndarray:
    """Positions ``(..., 2)`` made finite and clipped to :func:`view_box`."""
    box = view_box(surface)
    xy = np.nan_to_num(np.asarray(xy, float), nan=0.0, posinf=1e300, neginf=-1e300)
    return np.clip(xy, box[:, 0], box[:, 1])


def inside(xy: np.ndarray, surface) -> np.ndarray:
    """Positions clipped onto the domain itself (where a diverged start left it)."""
    dom = np.asarray(surface.domain, float)
    xy = np.nan_to_num(np.asarray(xy, float), nan=0.0, posinf=1e300, neginf=-1e300)
    return np.clip(xy, dom[:, 0], dom[:, 1])


def height(surface, xy: np.ndarray, lift: float = 0.0) -> np.ndarray:
    """The drawn height of positions on a 3-D plot (squashed like the surface)."""
    lo, hi = _zrange(surface)
    with np.errstate(all="ignore"):
        z = np.asarray(surface.f(xy), float)
    return squash(surface, z) + lift * (hi - lo)


def squash(surface, z: np.ndarray) -> np.ndarray:
    """Heights as drawn in 3-D: clipped to the surface's range, or, when its view sets
    ``zclip`` or its walls are capped (:func:`_zrange`), bent smoothly under the cap
    (``lo + H tanh((z - lo) / H)``, nearly exact in the lower half) so the clipped walls
    stay smooth instead of ending in a jagged shelf.
    """
    lo, hi = _zrange(surface)
    z = np.nan_to_num(np.asarray(z, float), nan=hi, posinf=hi, neginf=lo)
    if surface.view.zclip is None and not _capped(surface):
        return np.clip(z, lo, hi)
    span = hi - lo
    return lo + span * np.tanh(np.maximum(z - lo, 0.0) / span)


def _value_range(finite: np.ndarray) -> tuple[float, float]:
    """The range of values worth drawing: all of them, unless a few are astronomically
    larger than the rest (``exp(exp(x))``), which would flatten every level into one."""
    lo, hi = float(finite.min()), float(finite.max())
    typical = float(np.percentile(finite, 95))
    if not np.isfinite(hi - lo) or hi - lo > 1e12 * max(typical - lo, 1.0):
        hi = typical
    return lo, hi


WALL_QUANTILE, WALL_REACH = 0.75, 1.5  # walls are capped at lo + 1.5 (q75 - lo)


@functools.lru_cache(maxsize=32)
def _zrange(surface) -> tuple[float, float]:
    """The drawn height range of a surface (cached: animations ask every frame): up to
    its view's ``zclip``, and at most :data:`WALL_REACH` times as high above the lowest
    point as three quarters of the surface are when that halves the range at least, so a
    few tall walls do not squash the low
    ground where the paths run into a flat floor."""
    _, _, Z = surface.grid(60)
    finite = Z[np.isfinite(Z)]
    lo, hi = _value_range(finite)
    if surface.view.zclip is not None:
        hi = min(hi, surface.view.zclip)
    cap = _wall_cap(finite, lo)
    if cap - lo < (hi - lo) / 2:  # only walls that would take most of the height
        hi = cap
    return lo, max(hi, lo + 1e-12)


def _wall_cap(finite: np.ndarray, lo: float) -> float:
    return lo + WALL_REACH * (float(np.quantile(finite, WALL_QUANTILE)) - lo)


@functools.lru_cache(maxsize=32)
def _capped(surface) -> bool:
    """Whether the surface's walls reach above its drawn range (:func:`_zrange`)."""
    _, _, Z = surface.grid(60)
    finite = Z[np.isfinite(Z)]
    return bool(finite.max() > _zrange(surface)[1] * (1 + 1e-9) + 1e-12)


def outside(xy: np.ndarray, domain) -> np.ndarray:
    dom = np.asarray(domain, float)
    xy = np.asarray(xy, float)
    inside = (xy >= dom[:, 0]) & (xy <= dom[:, 1])
    return ~inside.all(axis=-1)


def exit_point(a: np.ndarray, b: np.ndarray, domain) -> tuple[np.ndarray, np.ndarray]:
    """Where the segment from ``a`` (inside) to ``b`` (outside) crosses the domain's edge,
    and the outward normal of that edge.

    >>> p, n = exit_point(np.array([0.0, 0.0]), np.array([4.0, 1.0]), [[-1, 1], [-1, 1]])
    >>> p.tolist(), n.tolist()
    ([1.0, 0.25], [1.0, 0.0])
    """
    dom = np.asarray(domain, float)
    d = b - a
    best, normal = 1.0, np.zeros(2)
    for axis in (0, 1):
        for side, sign in ((0, -1.0), (1, 1.0)):
            if d[axis] * sign > 0:
                t = (dom[axis, side] - a[axis]) / d[axis]
                if 0 <= t < best:
                    best, normal = t, np.eye(2)[axis] * sign
    return a + best * d, normal
