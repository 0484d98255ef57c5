"""The compiled fill loop of :mod:`optviz.render.mesh` (imports numba: import it lazily).

A module of its own, defined at module level with ``cache=True``, so numba keeps the
compiled loop on disk and a second process loads it instead of compiling.
"""

from __future__ import annotations

import math

import numba


@numba.njit(cache=True, nogil=True)
def fill_quads(cols, rows, depth, colors, image, zbuffer):  # pragma: no cover - compiled
    """Fill quad ``(i, j)`` of the corner grids ``cols``/``rows``/``depth`` with
    ``colors[i, j]`` into ``image`` where it is nearer than ``zbuffer`` (both updated)."""
    n, m = cols.shape
    for i in range(n - 1):
        for j in range(m - 1):
            a = (cols[i, j], rows[i, j], depth[i, j])
            b = (cols[i + 1, j], rows[i + 1, j], depth[i + 1, j])
            c = (cols[i + 1, j + 1], rows[i + 1, j + 1], depth[i + 1, j + 1])
            d = (cols[i, j + 1], rows[i, j + 1], depth[i, j + 1])
            _triangle(a, b, c, colors[i, j], image, zbuffer)
            _triangle(a, c, d, colors[i, j], image, zbuffer)


@numba.njit(cache=True, nogil=True, inline="always")
def _triangle(a, b, c, color, image, zbuffer):  # pragma: no cover - compiled
    """Fill the pixels whose centres lie in triangle ``abc`` (corners ``(col, row,
    depth)``) and that it covers nearer than the depth buffer."""
    height, width = zbuffer.shape
    ax, ay, az = a
    bx, by, bz = b
    cx, cy, cz = c
    area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    if not (math.isfinite(area) and math.isfinite(az + bz + cz)) or area == 0.0:
        return
    x_lo = max(int(math.floor(min(ax, bx, cx))), 0)
    x_hi = min(int(math.ceil(max(ax, bx, cx))), width - 1)
    y_lo = max(int(math.floor(min(ay, by, cy))), 0)
    y_hi = min(int(math.ceil(max(ay, by, cy))), height - 1)
    inv = 1.0 / area
    for y in range(y_lo, y_hi + 1):
        py = y + 0.5
        for x in range(x_lo, x_hi + 1):
            px = x + 0.5
            # barycentric weights of b and c; all three in [0, 1] inside the triangle
            wb = ((px - ax) * (cy - ay) - (py - ay) * (cx - ax)) * inv
            wc = ((bx - ax) * (py - ay) - (by - ay) * (px - ax)) * inv
            wa = 1.0 - wb - wc
            if wa < 0.0 or wb < 0.0 or wc < 0.0:
                continue
            z = wa * az + wb * bz + wc * cz
            if z < zbuffer[y, x]:
                zbuffer[y, x] = z
                image[y, x, 0] = color[0]
                image[y, x, 1] = color[1]
                image[y, x, 2] = color[2]
                image[y, x, 3] = color[3]
