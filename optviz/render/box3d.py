"""A 3-D axes' box (grid, axis lines, ticks and their labels) drawn cheaply per camera.

A turning camera redraws the 3-D axes every frame. Matplotlib draws its box with its
general machinery: per frame every tick is rebuilt, every label laid out as text and
rasterized glyph by glyph, every tick mark drawn as its own line: two thirds of a
turning frame. Yet while the camera turns nothing but positions changes: the same
ticks, the same label pictures. :class:`BoxDecor` reads the ticks and styles from the
axes once, rasterizes each label once into a :class:`Sprite`, and per frame projects the
box with the axes' camera, draws the grid and the axis lines as two line collections and
pastes the label pictures.

Where things go follows matplotlib's own rules (3.9 on) for its default layout (z
vertical, ticks and labels in their default places): the grid lies on the three panes
farther from the camera, each axis runs along the edge matplotlib picks, ticks and
labels stand off the box's centre by the same distances (``tests/test_box3d.py`` holds
it to matplotlib's positions over a turn of the camera). An axes laid out otherwise is
left to matplotlib (:func:`supported`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.collections import LineCollection
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform

from .geometry import projected

# matplotlib's layout constants (mpl_toolkits.mplot3d.axis3d)
JUGGLED = ((1, 0, 2), (0, 1, 2), (0, 2, 1))  # per axis: the order it takes the other coordinates
TICK_DIRECTION = (1, 0, 0)  # per axis: the coordinate its tick marks point along
MARGIN = 0.08  # a tick's or label's unit stand-off, as a share of the box's size
TICK_OUT, TICK_IN = 0.1, 0.2  # tick marks reach this far out of and into the box
TICK_LABEL_GAP, AXIS_LABEL_GAP = 8.0, 21.0  # points added to the tick pad and label pad
ANGLE_STEP = 1.0  # degrees: a rotated axis label is rasterized once per step of its angle


@dataclass(frozen=True, eq=False)
class Sprite:
    """A rasterized label: ``image`` rows bottom-up (as the renderer takes them), placed
    with its lower-left pixel ``(dx, dy)`` from the label's anchor."""

    image: np.ndarray
    dx: int
    dy: int

    def paste(self, renderer, gc, x: float, y: float) -> None:
        renderer.draw_image(gc, round(x) + self.dx, round(y) + self.dy, self.image)


def text_sprite(source: Text, text: str, renderer, rotation: float | None = None) -> Sprite:
    """``text`` drawn as ``source`` draws (font, colour, alignment), cut out with its anchor."""
    from matplotlib.backends.backend_agg import RendererAgg

    label = Text(0, 0, text)
    label.update_from(source)
    label.set_rotation_mode(source.get_rotation_mode())
    if rotation is not None:
        label.set_rotation(rotation)
    label.set_figure(source.get_figure(root=True))
    label.set_transform(IdentityTransform())
    box = label.get_window_extent(renderer)
    x0, y0 = math.floor(box.x0) - 2, math.floor(box.y0) - 2
    width, height = math.ceil(box.x1) + 2 - x0, math.ceil(box.y1) + 2 - y0
    scratch = RendererAgg(width, height, renderer.dpi)
    label.set_position((-x0, -y0))
    label.draw(scratch)
    image = np.asarray(scratch.buffer_rgba())[::-1].copy()
    return Sprite(image, x0, y0)


def supported(ax) -> bool:
    """Whether :class:`BoxDecor` draws this axes' box as matplotlib would."""
    axes = (ax.xaxis, ax.yaxis, ax.zaxis)
    return (
        getattr(ax, "_vertical_axis", 2) == 2
        and ax.get_xscale() == ax.get_yscale() == ax.get_zscale() == "linear"
        and all(a.get_ticks_position() == "default" for a in axes)
        and all(a.get_label_position() == "default" for a in axes)
        and all(not a.get_major_formatter().get_offset() for a in axes)
    )


@dataclass
class _Axis:
    """What one axis draws, read once: tick positions, label pictures, styles."""

    index: int
    locs: np.ndarray
    labels: list[Sprite | None]
    tick_pad: float  # points
    label_pad: float  # points
    label: Text | None
    rotate_label: bool
    tick_style: tuple  # (color, width in points) of the tick marks
    line_style: tuple  # (color, width) of the axis line
    grid_style: tuple  # (color, width, linestyle)


class BoxDecor(Artist):
    """Draws ``ax``'s box in its stead (the axes is set off, this artist added to it)."""

    def __init__(self, ax, renderer):
        super().__init__()
        self.set_zorder(-1)  # under everything the axes holds, as matplotlib draws its box
        self.axes_info = [_read_axis(ax, i, renderer) for i in range(3)]
        self.grid_on = bool(getattr(ax, "_draw_grid", True))
        self._rotated: dict[tuple[int, float], Sprite] = {}
        # styles per segment, in the order layout() gives the segments: set once
        self.grid = LineCollection(
            [],
            transform=IdentityTransform(),
            colors=[i.grid_style[0] for i in self.axes_info for _ in i.locs],
            linewidths=[i.grid_style[1] for i in self.axes_info for _ in i.locs],
            linestyle=self.axes_info[0].grid_style[2],
        )
        colors, widths = [], []
        for info in self.axes_info:
            colors += [info.line_style[0]] + [info.tick_style[0]] * len(info.locs)
            widths += [info.line_style[1]] + [info.tick_style[1]] * len(info.locs)
        self.lines = LineCollection(
            [], transform=IdentityTransform(), capstyle="projecting", colors=colors,
            linewidths=widths,
        )  # fmt: skip
        for collection in (self.grid, self.lines):
            collection.set_figure(ax.get_figure(root=False))

    @allow_rasterization
    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        grid, lines, labels = self.layout()
        if self.grid_on:
            self.grid.set_segments(grid)
            self.grid.draw(renderer)
        self.lines.set_segments(lines)
        self.lines.draw(renderer)
        gc = renderer.new_gc()
        for (x, y), sprite in labels:
            sprite.paste(renderer, gc, x, y)
        gc.restore()
        self.stale = False

    def layout(self) -> tuple[np.ndarray, np.ndarray, list]:
        """Under the axes' current camera, in display pixels: the grid's polylines
        ``(n, 3, 2)``, the axis lines and tick marks ``(m, 2, 2)`` (each axis's line, then
        its ticks), and the labels as ``((x, y) anchor, Sprite)``."""
        ax = self.axes
        g = _box_geometry(ax)
        grid = [line for info in self.axes_info for line in _grid_lines(g, info.index, info.locs)]
        segments, anchors, sprites = [], [], []
        for info in self.axes_info:
            start, end = _edge(g, info.index)
            segments.append((start, end))
            ticks, places = _ticks(g, info, start)
            segments.extend(ticks)
            for place, sprite in zip(places, info.labels, strict=True):
                if sprite is not None:
                    anchors.append(place)
                    sprites.append(sprite)
            if info.label is not None:
                stand_off = (info.label_pad + AXIS_LABEL_GAP) * g.per_point * g.deltas
                anchors.append(_away(0.5 * (start + end), g, stand_off, info.index))
                sprites.append(self._axis_label(info, start, end))
        grid = _display(ax, np.array(grid, float).reshape(-1, 3)).reshape(-1, 3, 2)
        lines = _display(ax, np.array(segments, float).reshape(-1, 3)).reshape(-1, 2, 2)
        anchors = _display(ax, np.array(anchors, float).reshape(-1, 3))
        return grid, lines, list(zip(map(tuple, anchors), sprites, strict=True))

    def _axis_label(self, info: _Axis, start, end) -> Sprite:
        """The axis label's picture, turned along its axis when matplotlib would turn it."""
        ax = self.axes
        angle = 0.0
        if info.rotate_label:
            (p0, p1) = projected(ax, np.array([start, end]))[:, :2]
            dx, dy = ax.transAxes.transform(p1) - ax.transAxes.transform(p0)
            angle = _upright(math.degrees(math.atan2(dy, dx)))
            angle = round(angle / ANGLE_STEP) * ANGLE_STEP
        key = (info.index, angle)
        if key not in self._rotated:
            renderer = ax.get_figure(root=True).canvas.get_renderer()
            self._rotated[key] = text_sprite(info.label, info.label.get_text(), renderer, angle)
        return self._rotated[key]


@dataclass(frozen=True)
class _Geometry:
    mins: np.ndarray
    maxs: np.ndarray
    highs: np.ndarray  # per coordinate: is the far pane the one at the maximum
    far: np.ndarray  # the box's corner farthest from the camera
    near: np.ndarray  # its opposite corner
    centre: np.ndarray
    deltas: np.ndarray  # the unit stand-off per coordinate
    per_point: float  # how much of a stand-off one typographic point is


def _box_geometry(ax) -> _Geometry:
    """The box under the axes' current camera, as matplotlib's axis3d computes it."""
    bounds = np.array([ax.get_xbound(), ax.get_ybound(), ax.get_zbound()])
    mins, maxs = bounds.min(axis=1), bounds.max(axis=1)
    # the panes' depths computed as matplotlib computes them (its cube, its planes, its
    # order of sums): an edge-on view's tie is then broken the same way to the last bit
    from mpl_toolkits.mplot3d.axis3d import Axis

    cube = np.asarray(ax._transformed_cube(tuple(bounds.ravel())), float)
    planes = Axis._PLANES
    depth_lo = np.array([np.mean(cube[list(planes[2 * i]), 2]) for i in range(3)])
    depth_hi = np.array([np.mean(cube[list(planes[2 * i + 1]), 2]) for i in range(3)])
    highs = depth_lo < depth_hi
    # edge-on views: matplotlib's fixed choice when two pairs of panes are level
    level = np.abs(depth_lo - depth_hi) <= np.finfo(float).eps
    if level.sum() == 2:
        upright = int(np.flatnonzero(~level)[0])
        highs = {
            2: np.array([True, True, highs[2]]),
            1: np.array([True, highs[1], False]),
            0: np.array([highs[0], False, False]),
        }[upright]
    inches = ax.bbox.size / ax.get_figure(root=True).dpi
    return _Geometry(
        mins=mins,
        maxs=maxs,
        highs=highs,
        far=np.where(highs, maxs, mins),
        near=np.where(highs, mins, maxs),
        centre=0.5 * (mins + maxs),
        deltas=(maxs - mins) * MARGIN,
        per_point=48 / float(np.sum(72 * inches)),
    )


def _edge(g: _Geometry, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Where axis ``i`` runs: from the far corner, moved to the near side along its first
    juggled coordinate, to the near end of its own coordinate."""
    first, own, _ = JUGGLED[i]
    start = g.far.copy()
    start[first] = g.near[first]
    end = start.copy()
    end[own] = g.near[own]
    return start, end


def _ticks(g: _Geometry, info: _Axis, start: np.ndarray) -> tuple[list, list]:
    """Axis ``info``'s tick marks (3-D segments) and its tick labels' anchors, the axis
    running from ``start``."""
    i, t = info.index, TICK_DIRECTION[info.index]
    reach = g.deltas[t] if g.highs[t] else -g.deltas[t]
    stand_off = (info.tick_pad + TICK_LABEL_GAP) * g.per_point * g.deltas
    marks, places = [], []
    for loc in info.locs:
        pos = start.copy()
        pos[i] = loc
        outer, inner = pos.copy(), pos.copy()
        outer[t] += TICK_OUT * reach
        inner[t] -= TICK_IN * reach
        marks.append((outer, inner))
        places.append(_away(pos, g, stand_off, i))
    return marks, places


def _grid_lines(g: _Geometry, i: int, locs: np.ndarray) -> list:
    """Grid lines at axis ``i``'s ticks: across one far pane, through the far edge, across
    the other."""
    lines = []
    for loc in locs:
        through = g.far.copy()
        through[i] = loc
        a, b = through.copy(), through.copy()
        a[i - 2] = g.near[i - 2]
        b[i - 1] = g.near[i - 1]
        lines.append((a, through, b))
    return lines


def _away(pos: np.ndarray, g: _Geometry, by: np.ndarray, i: int) -> np.ndarray:
    """``pos`` moved away from the box's centre by ``by``, except along axis ``i``."""
    mask = np.ones(3)
    mask[i] = 0
    return pos + mask * np.copysign(1.0, pos - g.centre) * by


def _display(ax, points: np.ndarray) -> np.ndarray:
    """``(n, 3)`` data points as ``(n, 2)`` display pixels under the axes' camera."""
    return ax.transData.transform(projected(ax, points)[:, :2])


def _upright(angle: float) -> float:
    """A text angle in (-90, 90]: labels never read upside down."""
    angle = (angle + 180) % 180
    return angle - 180 if angle > 90 else angle


def _read_axis(ax, i: int, renderer) -> _Axis:
    axis = (ax.xaxis, ax.yaxis, ax.zaxis)[i]
    lo, hi = sorted((ax.get_xbound(), ax.get_ybound(), ax.get_zbound())[i])
    locs = np.asarray(axis.get_majorticklocs(), float)
    texts = axis.get_major_formatter().format_ticks(locs)
    slack = 1e-10 * (hi - lo)
    shown = (locs >= lo - slack) & (locs <= hi + slack)
    tick = axis.get_major_ticks()[0]
    sprites = [
        text_sprite(tick.label1, s, renderer) if tick.label1.get_visible() and s else None
        for s, keep in zip(texts, shown, strict=True)
        if keep
    ]
    info = axis._axinfo
    label = axis.label if axis.label.get_visible() and axis.label.get_text() else None
    if label is not None:
        label.set_horizontalalignment("center")
        label.set_verticalalignment("center")
        label.set_rotation_mode("anchor")
    return _Axis(
        index=i,
        locs=locs[shown],
        labels=sprites,
        tick_pad=tick.get_pad(),
        label_pad=axis.labelpad,
        label=label,
        rotate_label=bool(label is not None and axis.get_rotate_label(label.get_text())),
        tick_style=(tick.tick1line.get_color(), info["tick"]["linewidth"][True]),
        line_style=(info["axisline"]["color"], info["axisline"]["linewidth"]),
        grid_style=(info["grid"]["color"], info["grid"]["linewidth"], info["grid"]["linestyle"]),
    )
