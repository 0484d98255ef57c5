"""The 3-D surface's look: its colours (map shades lit by a light beside the camera, or
a soft relief) and the solid block whose top it is, with lit sides down to a floor.

Separate from :mod:`.surface3d`, which frames the view (camera, window, landmarks,
axis names): this only turns a height grid into coloured quads.
"""

from __future__ import annotations

import numpy as np

from . import style
from .plots import _SURFACE_PICTURES


def _shown(ax) -> np.ndarray:
    """The part of the domain the 3-D axes shows: its x and y limits."""
    return np.array([sorted(ax.get_xlim()), sorted(ax.get_ylim())], float)


# the share of the map's shades the 3-D ground spans, lowest to highest: on light, the
# highest ground stops short of white (walls stand out from the page); on dark, the lowest
# short of black (the floor stands out from the page)
SHADES = {"light": (0.0, 0.8), "dark": (0.25, 1.0)}


def _quads(ax, X, Y, Z, colors):
    quads = ax.plot_surface(
        X,
        Y,
        Z,
        facecolors=colors,
        rstride=1,
        cstride=1,
        linewidth=0,
        antialiased=False,
        shade=False,  # shaded already, by a light from the upper left
        alpha=None,  # the colours' own: a block's far sides are clear (see _on_block)
    )
    # what the quads were made of: a MeshPicture of it draws the same (a test compares)
    quads.optviz_mesh = (X, Y, Z, colors)


def _relief(Z: np.ndarray, rgba: np.ndarray, n: int) -> np.ndarray:
    """Colors lit softly from the upper left, so the mesh reads as a shape: the height
    range is drawn as steep as a third of the grid is wide."""
    from matplotlib.colors import LightSource

    span = float(np.ptp(Z)) or 1.0
    lit = LightSource(azdeg=315, altdeg=40).shade_rgb(
        rgba[..., :3], Z, fraction=0.8, blend_mode="soft", vert_exag=n / 3 / span
    )
    return np.concatenate([lit, rgba[..., 3:]], axis=-1)


# the light: from above the camera's left shoulder, so slopes facing the viewer are lit
# and the far sides of hills fall into shade
LIGHT_TURN, LIGHT_ELEV = 40.0, 40.0  # degrees: left of the camera's azimuth; above the ground
LIT = 0.8  # the lighting of a slope that shows its colour as is (one facing the light: 1)
LIGHT_HEIGHT = 0.5  # the least height, against the box's longer side, the light sees
AMBIENT = 0.45  # the share of a colour a slope turned away from the light keeps


EQUAL_AREA = 0.5  # how far the shades are spread to cover equal ground (see _area_share)


def _area_share(Z: np.ndarray) -> np.ndarray:
    """Each point's share of the ground lying lower: shades spread over the ground there
    is. Shades by level alone drew tiny_net's plateau, most of its ground, in the top few
    pale shades, hardly apart from its valley's rim."""
    flat = Z.ravel()
    ordered = np.sort(flat)
    # equal heights share their middle rank: a level plain keeps one shade
    rank = (
        np.searchsorted(ordered, flat, "left") + np.searchsorted(ordered, flat, "right") - 1
    ) / 2
    return (rank / max(flat.size - 1, 1)).reshape(Z.shape)


def _lit(ax, surface, X, Y, Z, theme: str, levels: np.ndarray) -> np.ndarray:
    """The slide view's colours: the map's shades, low ground dark, by where the ground
    lies between the drawn ``levels`` and how much ground lies lower, lit by a light
    beside the camera (Lambert: the slope's normal in the drawn box, heights as tall as drawn)."""
    lo, hi = ax.get_zlim()
    low, high = SHADES[style.check_theme(theme)]
    levels = np.unique(levels)
    # continuous between the levels: bands of one shade per quad edged the surface in
    # sawtooth steps along the quad grid (saddle_3d, himmelblau_3d)
    along = np.interp(Z, levels, np.linspace(0.0, 1.0, len(levels))) if len(levels) > 1 else 0 * Z
    share = (1 - EQUAL_AREA) * along + EQUAL_AREA * _area_share(Z)
    rgba = style.cmap(theme)(low + (high - low) * share)
    aspect = np.asarray(ax.get_box_aspect(), float)
    (x0, x1), (y0, y1) = _shown(ax)
    u = (X - x0) / (x1 - x0) * aspect[0]
    v = (Y - y0) / (y1 - y0) * aspect[1]
    # lit as if drawn at least :data:`LIGHT_HEIGHT` tall: a box lowered to keep walled-in
    # basins in sight (camera3d.choose) kept its slopes but lost their shading
    w = (Z - lo) / (hi - lo) * max(aspect[2], LIGHT_HEIGHT * max(aspect[0], aspect[1]))
    dw_dv, dw_du = np.gradient(w, v[:, 0], u[0, :])  # rows run along y, columns along x
    normal = np.stack([-dw_du, -dw_dv, np.ones_like(w)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    a, e = np.radians(ax.azim + LIGHT_TURN), np.radians(LIGHT_ELEV)
    light = np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])
    lambert = np.clip(normal @ light, 0.0, 1.0)
    shade = AMBIENT + (1 - AMBIENT) * lambert / LIT  # a slope facing the light: brighter
    rgb = np.clip(rgba[..., :3] * shade[..., None], 0.0, 1.0)
    return np.concatenate([rgb, rgba[..., 3:]], axis=-1)


SKIRT = 0.04  # the sides' depth under the ground's edges, as a share of the drawn height
SIDE_ROWS = 3  # the rows a side of the block is cut into (see _on_block)
# the sides' shade along the map's shades, before lighting: near the page's (dark and
# mid-grey walls down to a floor took a fifth of the frame and the eye)
SIDE_SHADE = {"light": 0.9, "dark": 0.3}
SIDE_DIM = 0.8  # the share of its shade a side turned away from the light keeps


def _on_block(ax, surface, X, Y, Z, colors, theme: str) -> tuple:
    """The surface as the top of a thin slab: the grid gains :data:`SIDE_ROWS` rings of
    corners stepping down from its edges by :data:`SKIRT`, so its outer quads are the
    slab's four sides. A sheet seen from above has no outline that tells its shape (it
    reads as a twisted leaf or a curtain); a thin light side along each edge shows which
    way is up, and the ground's profile along the edge, while the surface keeps the
    frame and the eye (a solid block down to a floor under the lowest ground drew walls a
    fifth of the frame). Each side is lit as a slope is, so the two in sight differ in
    shade. Drawn as quads (sorted by depth, not depth-buffered) the sides turned away
    from the camera are left clear (the slab hides them)."""
    k = SIDE_ROWS
    culled = not _SURFACE_PICTURES.get()  # a depth-buffered picture hides them itself
    lo, hi = ax.get_zlim()
    X, Y, Z = (np.pad(a, k, mode="edge") for a in (X, Y, Z))
    i, j = np.indices(Z.shape)
    n, m = Z.shape
    out_by = np.maximum.reduce([k - i, i - (n - 1 - k), k - j, j - (m - 1 - k), 0 * i])
    Z = Z - SKIRT * (hi - lo) * out_by / k  # each ring a step further down
    a, e = np.radians(ax.azim + LIGHT_TURN), np.radians(LIGHT_ELEV)
    light = np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a)])
    theme = style.check_theme(theme)
    body = np.asarray(style.cmap(theme)(SIDE_SHADE[theme])[:3], float)

    eye = np.array([np.cos(np.radians(ax.azim)), np.sin(np.radians(ax.azim))])

    def side(normal) -> np.ndarray:
        lambert = max(float(np.dot(normal, light)), 0.0)
        shown = not culled or float(np.dot(normal, eye)) > 0
        return np.array([*body * (SIDE_DIM + (1 - SIDE_DIM) * min(lambert / LIT, 1.0)),
                         float(shown)])  # fmt: skip

    out = np.zeros((n, m, 4))
    out[k:-k, k:-k] = colors
    # quad (i, j) has its first corner at (i, j): the first k rows and the last k + 1,
    # the first k columns and the last k + 1 are the sides (rows run along y, columns x)
    out[:k], out[n - 1 - k :] = side((0, -1)), side((0, 1))
    out[:, :k], out[:, m - 1 - k :] = side((-1, 0)), side((1, 0))
    return X, Y, Z, np.clip(out, 0.0, 1.0)
