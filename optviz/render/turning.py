"""A 3-D axes made cheap to draw at every turn of a camera, and given room to turn in.

A turning camera redraws its 3-D axes every frame (:mod:`.animate`). Drawn as
matplotlib draws it, that axes is most of a frame: the surface's quads, the box's tick
labels laid out as text, every 3-D line projected with masked arrays. Here it becomes
an axes of pictures and flat lines: the surface one picture filled per pixel
(:mod:`.mesh`, built so by :func:`.plots.surfaces_as_pictures`), the box from label
pictures made once (:mod:`.box3d`), the markers on the surface and the paths projected
once per draw and drawn as plain lines. The figure's layout, made for the first
camera, leaves a wider gap beside the box (:func:`room_to_turn`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from .geometry import projected

TURNING_TICKS = 4  # at most this many intervals per axis while the camera turns
TURNING_WSPACE = 0.27  # the gap beside a turning 3-D box, as a share of the mean panel width


def room_to_turn(fig) -> None:
    """Leave room beside a turning 3-D box: as the camera turns, the z axis and its
    labels swing from one side of the box to the other, towards the panel beside it."""
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set") and "wspace" in engine.get():
        engine.set(wspace=max(engine.get()["wspace"], TURNING_WSPACE))


def cheap_axes(ax) -> dict:
    """Make a 3-D axes cheap to redraw at every turn of the camera; return the flat
    lines that replace its 3-D lines (by the line replaced).

    Its surface is already one picture filled per pixel (:func:`.plots.surfaces_as_pictures`);
    each axis keeps a few ticks (a moving camera needs a sense of scale, not a ruler),
    the box with its ticks and labels is drawn from pictures of the labels made once
    (:mod:`.box3d`), not laid out as text every frame, and the markers on the surface
    (starts, minima) are projected by :class:`ProjectedLine`.
    """
    from matplotlib.ticker import MaxNLocator
    from mpl_toolkits.mplot3d.art3d import Line3D

    from . import box3d

    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        if isinstance(axis.get_major_locator(), MaxNLocator):  # fixed ticks stay as set
            axis.set_major_locator(MaxNLocator(nbins=TURNING_TICKS))
    if getattr(ax, "_axis3don", True) and box3d.supported(ax):
        ax.add_artist(box3d.BoxDecor(ax, ax.get_figure(root=True).canvas.get_renderer()))
        ax.set_axis_off()  # the box is drawn by the artist above
    flat = {line: ProjectedLine(line) for line in ax.get_lines() if isinstance(line, Line3D)}
    for line, replacement in flat.items():
        line.remove()
        ax.add_line(replacement)
    return flat


class ProjectedLine(Line2D):
    """A 3-D line drawn by projecting its points with the axes' camera at each draw.

    Matplotlib's 3-D line projects with masked arrays (a millisecond for a marker);
    the same projection of plain arrays is a tenth of that.
    """

    def __init__(self, source):
        super().__init__([], [])
        self.update_from(source)
        self.set_zorder(source.get_zorder())
        self.set_gid(source.get_gid())
        self.set_path_effects(source.get_path_effects())
        self.xyz = np.column_stack([np.asarray(v, float) for v in source.get_data_3d()])

    def draw(self, renderer) -> None:
        xy = projected(self.axes, self.xyz)
        self.set_data(xy[:, 0], xy[:, 1])
        super().draw(renderer)


def flat_plot(ax):
    """``ax.plot`` for lines of projected points (x, y in the axes' data coordinates
    after its camera), on a 3-D axes too."""

    def plot(x, y, **style):
        line = Line2D(x, y, **style)
        ax.add_line(line)
        return [line]

    return plot
