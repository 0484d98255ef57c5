"""How small a glyph may be drawn: sizes in pixels, so a glyph reads from the back of a room.

A glyph's length follows its quantity (:mod:`.glyphs`' scales), but a glyph drawn a few
pixels long is not seen at all: :func:`at_least_px` lengthens arrows to :data:`LEAST_PX`
and grows rate boxes, keeping their shape, until their thinner side is
:data:`BOX_THIN_PX`. A box's shape (its two rates' ratio) is the lesson of an adaptive
rule, so the box grows whole, and only a box that would grow past :data:`BOX_MOST_PX`
(a rate across nearly nothing beside a rate along) is widened across alone.
Sizes are at 100 dpi and scale with the figure's dpi.
"""

from __future__ import annotations

import numpy as np

LEAST_PX = 24.0  # a glyph shorter than this (at 100 dpi) is lengthened to it: seen, not measured
BOX_LEAST_PX = 36.0  # a box's larger side at least this: it frames its ball (about 14 px)
# with a margin, so a rate that has shrunk to nearly nothing still shows as a small box
BOX_THIN_PX = 24.0  # a box's thinner side at least this: read from the back of a room
BOX_MOST_PX = 200.0  # a box grows whole (keeping its shape) only up to this larger side
BOX_CLIP = 1.2  # a box reaches at most this many times the target from its ball: it frames
# the ball, not the map (an arrow may reach CLIP)


def at_least_px(ax, at: np.ndarray, vec: np.ndarray, box: bool = False) -> np.ndarray:
    """Glyph vectors ``vec`` ``(n, 2)`` at ``at`` lengthened, each along itself, so that
    its drawn size (an arrow's length; a box's larger side, the box keeping its shape)
    is at least :data:`LEAST_PX` (a box's :data:`BOX_LEAST_PX`); zero and non-finite
    vectors unchanged. A slope near zero still shows its direction; the key says glyphs
    are drawn at least that long.
    A box then grows whole until its thinner side is :data:`BOX_THIN_PX` or its larger
    :data:`BOX_MOST_PX`; a box still thinner (its rate across nearly nothing) is widened
    across to :data:`BOX_THIN_PX`, so it reads as a box, not as a dashed bar."""
    scale = ax.figure.dpi / 100
    px = scale * (BOX_LEAST_PX if box else LEAST_PX)
    drawn = _drawn(ax, at, vec)
    size = drawn.max(axis=-1) if box else np.hypot(*drawn.T)
    vec = vec * _grow(size, px)[:, None]
    if box:
        drawn = _drawn(ax, at, vec)
        thin, wide = drawn.min(axis=-1), drawn.max(axis=-1)
        room = np.where(wide > 0, scale * BOX_MOST_PX / np.where(wide > 0, wide, 1.0), 1.0)
        vec = vec * np.clip(np.minimum(_grow(thin, scale * BOX_THIN_PX), room), 1.0, None)[:, None]
        vec = _widen_thin_side(ax, at, vec, scale * BOX_THIN_PX)
    return vec


def _drawn(ax, at: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """The pixel extents ``(n, 2)`` of ``vec`` drawn from ``at`` on ``ax``."""
    return np.abs(ax.transData.transform(at + vec) - ax.transData.transform(at))


def _grow(size: np.ndarray, least: float) -> np.ndarray:
    """The factor taking each finite, positive ``size`` below ``least`` up to it (else 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (size > 0) & (size < least) & np.isfinite(size)
        return np.where(ok, least / size, 1.0)


def _widen_thin_side(ax, at: np.ndarray, vec: np.ndarray, thin: float) -> np.ndarray:
    ends = _drawn(ax, at, vec)
    with np.errstate(divide="ignore", invalid="ignore"):
        widen = np.where((ends > 0) & (ends < thin) & np.isfinite(ends), thin / ends, 1.0)
        zero = (vec == 0) & np.isfinite(vec) & vec.any(axis=-1, keepdims=True)
    return np.where(zero, thin / np.maximum(px_per_unit(ax), 1e-12), vec * widen)


def px_per_unit(ax) -> np.ndarray:
    """Pixels per data unit along x and y of a 2-D ``ax``."""
    return np.abs(np.diag(ax.transData.get_affine().get_matrix()[:2, :2]))
