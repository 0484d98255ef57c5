"""A shaded 3-D surface drawn as one picture: projected, then filled pixel by pixel.

A turning camera redraws the surface every frame. Matplotlib's ``plot_surface`` draws
it as a collection of quads: per frame it builds a path per quad, sorts the quads by
depth and fills them one after another, which with a few thousand quads is most of a
frame's time. :class:`MeshPicture` draws the same quads with the same colours in one
step: the grid's corners are projected with the axes' own camera, each quad is filled
as two triangles into an RGBA picture with a depth buffer (a small compiled loop), and
the picture is composited where the collection would have been drawn. Pixels are
filled where their centres fall inside a triangle, as the collection (not antialiased)
fills them; the depth buffer decides what hides what per pixel, where the collection
sorts whole quads.

numba is imported when the first picture is drawn; the compiled loop is cached on disk.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist, allow_rasterization

from .geometry import projected

_FILL = None


def _fill_kernel():
    """The compiled fill loop (compiled once per process, loaded from numba's disk cache)."""
    global _FILL
    if _FILL is None:
        from ._mesh_fill import fill_quads

        _FILL = fill_quads
    return _FILL


class MeshPicture(Artist):
    """The quads of a height grid ``(X, Y, Z)`` with ``colors[i, j]`` for the quad whose
    first corner is ``(i, j)``, drawn on a 3-D axes as one picture per draw."""

    zorder = 1  # where matplotlib draws a surface's quads

    def __init__(self, X: np.ndarray, Y: np.ndarray, Z: np.ndarray, colors: np.ndarray):
        super().__init__()
        self._xyz = (np.asarray(X, float), np.asarray(Y, float), np.asarray(Z, float))
        rgba = np.clip(np.round(np.asarray(colors, float) * 255), 0, 255).astype(np.uint8)
        self._colors = np.ascontiguousarray(rgba[: X.shape[0] - 1, : X.shape[1] - 1])

    def corners(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The grid's corners in display pixels (x right, y up) and their depth (larger is
        farther), under the axes' camera at this draw."""
        ax = self.axes
        shape = self._xyz[0].shape
        flat = projected(ax, np.column_stack([a.ravel() for a in self._xyz]))
        xy = ax.transData.transform(flat[:, :2])
        return xy[:, 0].reshape(shape), xy[:, 1].reshape(shape), flat[:, 2].reshape(shape)

    def picture(self, box, corners=None) -> np.ndarray:
        """The surface as an ``(H, W, 4)`` uint8 picture of the display box ``box``
        (pixel-aligned ``(x0, y0, x1, y1)``), row 0 at the bottom (as the renderer takes
        it); transparent elsewhere. ``corners``: :meth:`corners`, if already known."""
        x0, y0, x1, y1 = box
        width, height = x1 - x0, y1 - y0
        px, py, depth = self.corners() if corners is None else corners
        rows = (py - y0).astype(np.float64)  # the renderer takes row 0 as the bottom row
        cols = (px - x0).astype(np.float64)
        image = np.zeros((height, width, 4), np.uint8)
        zbuffer = np.full((height, width), np.inf)
        _fill_kernel()(cols, rows, np.asarray(depth, np.float64), self._colors, image, zbuffer)
        return image

    @allow_rasterization
    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        corners = self.corners()
        px, py = corners[0][np.isfinite(corners[0])], corners[1][np.isfinite(corners[1])]
        if not len(px) or not len(py):
            return
        bbox = self.axes.bbox
        # the picture spans what the surface covers, not the whole axes: less to clear
        # and to composite
        box = (
            int(np.floor(max(bbox.x0, px.min()))),
            int(np.floor(max(bbox.y0, py.min()))),
            int(np.ceil(min(bbox.x1, px.max()))) + 1,
            int(np.ceil(min(bbox.y1, py.max()))) + 1,
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            return
        image = self.picture(box, corners)
        gc = renderer.new_gc()
        gc.set_clip_rectangle(bbox)
        renderer.draw_image(gc, box[0], box[1], image)
        gc.restore()
        self.stale = False

    def do_3d_projection(self) -> float:
        """Depth for the 3-D axes' ordering of its children (used when it computes one)."""
        return float(np.nanmean(self.corners()[2]))
