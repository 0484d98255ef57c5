"""Contour levels that show a surface's ground, and the flat plain marked as flat.

Evenly spaced levels suit most surfaces; a thin valley wants them log-spaced above the
minimum (the view's ``log_levels``). A surface with a plain (Easom's, around its one
hole) would put most of the map in one band, one blank colour: the levels crowd towards
that band instead, and the plain itself, where the gradient vanishes, is tinted and
named (:func:`mark_plain`). A map whose shades carry a lesson (a network's loss on a
plane) gets a key of them beside its loss axis (:func:`shade_key`).
"""

from __future__ import annotations

import numpy as np

from ..util.errors import ParameterError
from . import style
from .geometry import _value_range

PLAIN = 0.4  # a level band over this share of the map is a plain: levels crowd towards it


def levels_of(surface, Z: np.ndarray, n: int | None = None) -> np.ndarray:
    """Contour levels: ``n`` levels, log-spaced above the minimum when the view says so.

    Evenly spaced levels that leave one band over :data:`PLAIN` of the map (Easom's
    plain around its one hole) are spaced logarithmically towards that band instead, so
    the ground falling away from the plain shows in rings instead of one blank colour.
    """
    n = int(n or surface.view.levels)
    finite = Z[np.isfinite(Z)]
    if not len(finite):
        raise ParameterError(f"surface '{surface.name}' is not finite anywhere on its domain")
    lo, hi = _value_range(finite)
    if surface.view.zclip is not None:
        hi = min(hi, lo + abs(surface.view.zclip - lo))
    if hi <= lo:
        return _around(lo)
    span = hi - lo
    if surface.view.log_levels:
        first = max(float(np.percentile(finite - lo, 0.2)), span * 1e-6)
        return _log_levels(lo, first, span, n)
    if getattr(surface.view, "area_levels", False):
        return area_levels(finite, lo, hi, n)
    even = _increasing(np.linspace(lo, hi, n + 1), lo)
    crowd = _crowding(finite, even)
    if len(even) < 3 or crowd.max() <= PLAIN * len(finite):
        return even
    if np.argmax(crowd) < n / 2:  # a low plain: as the log view of a valley
        first = max(float(np.percentile(finite - lo, 2 * 100 * PLAIN / 3)), span * 1e-6)
        return _log_levels(lo, first, span, n)
    first = max(float(np.percentile(hi - finite, 2 * 100 * PLAIN / 3)), span * 1e-6)
    if not first > 0:
        return even
    return _increasing(np.concatenate([hi - np.geomspace(span, first, n), [hi]]), lo)


def area_levels(finite: np.ndarray, lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` levels at equal shares of the map's values (each band covers as much ground):
    a flat point, where a cubic's values crowd around one level, shows its valleys and
    ridges in as many shades as the steep rim instead of one grey field.

    >>> area_levels(np.array([0.0, 0.01, 0.02, 0.03, 1.0]), 0.0, 1.0, 4)
    array([0.  , 0.01, 0.02, 0.03, 1.  ])
    """
    levels = np.quantile(finite[(finite >= lo) & (finite <= hi)], np.linspace(0, 1, n + 1))
    levels[0], levels[-1] = lo, hi
    return _increasing(levels, lo)


def _log_levels(lo: float, first: float, span: float, n: int) -> np.ndarray:
    if not first > 0:  # a span of a few subnormals: 1e-6 of it rounds to zero
        return _around(lo)
    return _increasing(np.concatenate([[lo], lo + np.geomspace(first, span, n)]), lo)


def _increasing(levels: np.ndarray, lo: float) -> np.ndarray:
    """Levels too close for float64 to tell apart (a span far below the values' size,
    1e-6 over 1e13) merge: matplotlib wants them strictly increasing."""
    levels = np.unique(levels)
    return levels if len(levels) > 1 else _around(lo)


def _around(value: float) -> np.ndarray:
    """Three levels around a constant surface's value, apart at its float precision."""
    pad = max(1.0, abs(value) * 1e-9)
    return np.array([value - pad, value, value + pad])


def _crowding(finite: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """How many values fall in each band between ``levels``."""
    n = len(levels) - 1
    return np.bincount(np.clip(np.digitize(finite, levels) - 1, 0, n - 1), minlength=n)


FLAT = 1e-2  # a gradient under this share of the map's typical steep one is flat ground
# A surface whose lesson is a plateau (kind "plateau") is marked on its gradient alone,
# with a looser share: a saturated sigmoid's plateau slopes gently in many shades (no one
# band crowds the map), yet it is the ground the lesson is about and must read as flat.
FLAT_PLATEAU = 5e-2
FLOOR = 0.25  # flat ground in this lowest share of the values is a minimum's floor
FLAT_LABEL = "flat: gradient ≈ 0"


def plain_mask(surface, X, Y, Z):
    """Where :func:`mark_plain` tints: the plain as one region (see :func:`_one_plain`),
    or None when the surface has no plain."""
    finite = Z[np.isfinite(Z)]
    if surface.view.log_levels or not len(finite):
        return None
    lo, hi = _value_range(finite)
    edges = np.linspace(lo, hi, surface.view.levels + 1)
    crowd = _crowding(finite, edges) if hi > lo else np.zeros(1)
    plateau = getattr(surface, "kind", None) == "plateau"
    if hi <= lo or not (plateau or crowd.max() > PLAIN * len(finite)):
        return None
    with np.errstate(all="ignore"):
        g = np.linalg.norm(surface.grad(np.stack([X, Y], axis=-1)), axis=-1)
    steep = np.nanpercentile(g, 95)
    flat = np.isfinite(g) & (g < (FLAT_PLATEAU if plateau else FLAT) * steep)
    if plateau:  # a minimum's floor is flat too, but it is no plateau: only high ground
        with np.errstate(invalid="ignore"):
            flat &= lo + FLOOR * (hi - lo) < Z
    if not steep > 0 or flat.mean() < (0.05 if plateau else 0.1):
        return None
    if crowd.max() <= PLAIN * len(finite):  # no plain shade: the flat ground alone
        return _one_plain(flat, Z, edges, None)
    return _one_plain(flat, Z, edges, int(np.argmax(crowd)))


PLAIN_TINT = {"light": ("#E3D3A4", 0.4), "dark": ("#8A7A4A", 0.45)}  # pale sand, see-through:
# over the shades, under every path, and like no ball's colour


def mark_plain(ax, surface, X, Y, Z, theme: str = "light"):
    """Tint the flat plain of a surface that has one (see :func:`levels_of`): where the
    gradient is under :data:`FLAT` of its 95th percentile, when that is a tenth of the
    map or more. A plain drawn in one pale colour reads as nothing there; tinted and
    named, it reads as ground where the gradient vanishes. One calm wash with a legend
    entry: the stipple it was drawn with covered most of Easom's map, busy and prone to
    moiré on a projector. Returns the tint or None."""
    flat = plain_mask(surface, X, Y, Z)
    if flat is None:
        return None
    from matplotlib.patches import Rectangle

    color, alpha = PLAIN_TINT["dark" if style.is_dark(theme) else "light"]
    tint = ax.contourf(X, Y, flat.astype(float), levels=[0.5, 1.5], colors=[color],
                       alpha=alpha, zorder=1.5)  # fmt: skip
    # the legend's entry: a rectangle of no size draws nothing on the map
    key = Rectangle((0, 0), 0, 0, facecolor=color, alpha=alpha, edgecolor="none",
                    label=FLAT_LABEL, transform=ax.transAxes)  # fmt: skip
    key.set_gid("landmark")
    key.set_in_layout(False)
    ax.add_patch(key)
    return tint


SPECK = 0.01  # a patch of the plain's mask under this share of the map is a speck


def _one_plain(flat: np.ndarray, Z: np.ndarray, edges: np.ndarray, band: int | None) -> np.ndarray:
    """The plain as one clean region: the flat ground together with the ground drawn in
    the plain's own shade (``band`` of ``edges``, and above when it is the top one), that
    touches it; specks of either (Easom's faint bumps left stipple islands, and the ring
    around its hole drawn plain but steeper than "flat" a white crown with no key) go."""
    from scipy import ndimage

    mask = flat
    if band is not None:
        with np.errstate(invalid="ignore"):
            shade = edges[band] <= Z
            if band < len(edges) - 2:
                shade &= edges[band + 1] >= Z
        mask = flat | (shade & np.isfinite(Z))
    speck = SPECK * mask.size
    parts, n = ndimage.label(mask)
    sizes = ndimage.sum(mask, parts, index=np.arange(1, n + 1))
    mask = np.isin(parts, 1 + np.flatnonzero(sizes >= speck))
    holes, n = ndimage.label(~mask)
    sizes = ndimage.sum(~mask, holes, index=np.arange(1, n + 1))
    return mask | np.isin(holes, 1 + np.flatnonzero(sizes < speck))


SHADE_KEY_PT = 9.0  # the shade key's width, between the loss axis and its numbers


def shade_key(loss_ax, map_ax):
    """The map's shades as a strip along the loss panel's axis, each shade beside the
    losses it stands for: "darker = lower" and "same shade = same loss" become a scale the
    room reads off against the numbers, and the shade under a ball against its loss line.
    Returns the strip (``None`` when the map has no filled contours)."""
    from matplotlib.contour import ContourSet
    from matplotlib.transforms import Bbox

    filled = next((c for c in map_ax.collections if isinstance(c, ContourSet) and c.filled), None)
    if filled is None:
        return None
    strip = loss_ax.inset_axes((0.0, 0.0, 0.01, 1.0), sharey=loss_ax, label="shade key")

    def beside(ax, renderer):  # a fixed width just left of the axis, wherever layout puts it
        fig = loss_ax.figure
        box = loss_ax.get_position(original=False)
        wide = SHADE_KEY_PT * fig.dpi / 72 / fig.bbox.width
        return Bbox.from_bounds(box.x0 - wide, box.y0, wide, box.height)

    strip.set_axes_locator(beside)
    levels = np.asarray(filled.levels, float)
    shades = filled.to_rgba(0.5 * (levels[:-1] + levels[1:]))
    for low, high, shade in zip(levels[:-1], levels[1:], shades, strict=True):
        strip.axhspan(low, high, color=shade, lw=0)
    over = levels[-1] + (levels[-1] - levels[0])  # above the top level: the map's "over"
    strip.axhspan(levels[-1], 1e300, color=filled.to_rgba(over), lw=0)
    strip.set_xticks([])
    strip.tick_params(axis="y", which="both", left=False, labelleft=False)
    strip.set_navigate(False)
    loss_ax.tick_params(axis="y", which="both", pad=SHADE_KEY_PT + 3.5)
    return strip
