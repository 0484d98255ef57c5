"""The scale of a 3-D slide view: tick values and axis names along the two edges of the
block nearest the camera (:func:`axis_names`), as flat texts pinned to 3-D points
(``PinnedText``, its class built on first use) so they are placed and measured where they are
drawn, whatever the camera.
"""

from __future__ import annotations

import functools

import numpy as np

from . import style
from .surface_block import _shown


def axis_names(ax, surface, grid, theme: str, race: bool = True) -> None:
    """The scale of x and y along the surface's two edges nearest the camera, just
    outside the foot of the block it tops (the slide view has no box to carry it; on
    the block's side it would be read as marks on the ground): a few ticks with their
    values, and each axis's name beyond its values at the edge's middle, as on a map's
    axis (a name alone, floating beside the block, gave no sense of scale). Each text is
    aligned by the side that faces its edge on the screen, so it touches the foot
    whatever the camera."""
    (x0, x1), (y0, y1) = _shown(ax)
    a = np.radians(ax.azim)
    near_x = (x1, x0) if np.cos(a) > 0 else (x0, x1)
    near_y = (y1, y0) if np.sin(a) > 0 else (y0, y1)
    xname, yname = surface.view.axes
    if (xname, yname) == ("x", "y") and not race:  # beside a race's map they match the
        return  # view to it; a surface alone has nothing to match
    ink = style.ink(theme)
    for name, along, edge, outward in (
        (xname, 0, near_y[0], (0.0, near_y[0] - near_y[1])),
        (yname, 1, near_x[0], (near_x[0] - near_x[1], 0.0)),
    ):
        lo, hi = (x0, x1) if along == 0 else (y0, y1)
        step = np.array([*outward, 0.0])

        def on_edge(v, along=along, edge=edge):
            xy = (v, edge) if along == 0 else (edge, v)
            return np.array([*xy, _foot(grid, xy)])

        values = []
        for value in _readable_ticks(ax, lo, hi, on_edge):
            at = on_edge(value)
            mark = ax.plot(*np.array([at, at + step * TICK_OUT]).T, color=ink, lw=1.2,
                           solid_capstyle="butt", label="_nolegend_")[0]  # fmt: skip
            mark.set_gid("axis-tick")
            values.append(_PinnedText(ax, at + step * NAME_OUT, tick_text(value),
                                      fontsize=TICK_PT, color=ink, gid="axis-tick", foot=at,
                                      clear=TICK_CLEAR))  # fmt: skip
            ax._add_text(values[-1])
        at = on_edge((lo + hi) / 2)
        label = _PinnedText(ax, at + step * NAME_OUT, name, fontsize=18, color=ink,
                            gid="axis-name", foot=at, past=values)  # fmt: skip
        ax._add_text(label)


TICK_PT = 13.0  # the tick values' size: 18 px at 100 dpi, over the 16 px a slide needs
TICK_OUT = 0.02  # a tick mark's length out of the block's foot, as a share of the domain
TICK_CLEAR = 3.0  # points around a tick value that others placed beside it keep clear
# points between an axis's tick values and its name beyond them: more than the room
# each keeps clear around it (:data:`NAME_CLEAR`, :data:`TICK_CLEAR`), so they do not meet
PAST_GAP = 8.0


def _readable_ticks(ax, lo: float, hi: float, on_edge) -> np.ndarray:
    """:func:`tick_values` of an edge, none where the camera sees the edge so nearly end
    on that its values would pile up (Rosenbrock's y edge, seen from straight in front):
    neighbours nearer on the screen than :data:`TICK_SPACING` of the surface's width."""
    from .camera3d import _project

    values = tick_values(lo, hi)
    if len(values) < 2:
        return values
    corners = np.array([on_edge(v) for v in (lo, hi)])
    (x0, x1), (y0, y1) = _shown(ax)
    ground = np.array([[x, y, corners[0, 2]] for x in (x0, x1) for y in (y0, y1)])
    width = np.ptp(_project(ax.get_proj(), ground)[:, 0])
    at = _project(ax.get_proj(), np.array([on_edge(v) for v in values]))[:, :2]
    gaps = np.linalg.norm(np.diff(at, axis=0), axis=1)
    return values if gaps.min() >= TICK_SPACING * width else values[:0]


TICK_SPACING = 0.08  # of the surface's projected width: the least gap between tick values


def tick_values(lo: float, hi: float) -> np.ndarray:
    """Three to five round values inside ``[lo, hi]``, for the edges' scale."""
    from matplotlib.ticker import MaxNLocator

    values = MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    slack = 1e-9 * (hi - lo)
    return values[(values >= lo - slack) & (values <= hi + slack)]


def tick_text(value: float) -> str:
    """A tick value as a slide shows it: short, with a true minus sign."""
    text = f"{value:.3g}"
    return ("0" if text in ("-0", "0") else text).replace("-", "\u2212")


@functools.cache
def _pinned_text_class():
    from matplotlib.text import Text

    class PinnedText(Text):
        """A flat text at a 3-D point: placed at the point's projection at every draw,
        and measured there at any time. A 3-D text is measured outside a draw at its x
        and y read as the flat axes' data: "w1" thousands of px off the frame, and the
        safe margin shrank a still's whole figure to a third to pull it in."""

        def __init__(self, ax, xyz, text: str, foot=None, past=(), clear=NAME_CLEAR,
                     **kwargs):  # fmt: skip
            super().__init__(0.0, 0.0, text, **kwargs)
            self.xyz = np.asarray(xyz, float)
            self.past = list(past)  # texts it stands beyond, off its foot (an axis's
            # tick values: its name goes past them, as on a map's axis)
            self.clear = float(clear)
            # the point on the block it stands off from: it is aligned by the side that
            # faces it, at every draw (the box is stretched to its cell at the first)
            self.foot = None if foot is None else np.asarray(foot, float)
            self.set_transform(ax.transData)
            self.set_in_layout(False)  # the view fits the block's foot: the names beside it
            self.set_clip_on(False)
            self._ax3d = ax
            self.place()

        def place(self) -> None:
            from .camera3d import _project

            M = self._ax3d.get_proj()
            x, y = _project(M, self.xyz[None])[0, :2]
            self.set_position((x, y))
            if self.foot is not None:
                fx, fy = _project(M, self.foot[None])[0, :2]
                dx, dy = (
                    self._ax3d.transData.transform([(x, y)])[0]
                    - self._ax3d.transData.transform([(fx, fy)])[0]
                )
                sideways = abs(dx) > abs(dy)
                gap = self._past_size(sideways)
                shift = np.zeros(2)
                if sideways:
                    self.set_horizontalalignment("left" if dx > 0 else "right")
                    self.set_verticalalignment("center")
                    shift[0] = np.copysign(gap, dx)
                else:
                    self.set_horizontalalignment("center")
                    self.set_verticalalignment("bottom" if dy > 0 else "top")
                    shift[1] = np.copysign(gap, dy)
                if gap:
                    trans = self._ax3d.transData
                    at = trans.transform([(x, y)])[0] + shift
                    self.set_position(tuple(trans.inverted().transform([at])[0]))

        def _past_size(self, sideways: bool) -> float:
            """Pixels to stand off beyond :attr:`past`: their widest (or tallest) and a
            gap."""
            if not self.past:
                return 0.0
            renderer = self._ax3d.get_figure(root=True).canvas.get_renderer()
            boxes = [Text.get_window_extent(t, renderer) for t in self.past]
            size = max(b.width if sideways else b.height for b in boxes)
            return size + PAST_GAP * self._ax3d.get_figure(root=True).dpi / 72

        def reach(self) -> float:
            """Pixels its letters may reach from its anchor (aligned by any side), the
            texts it stands beyond included."""
            box = Text.get_window_extent(
                self, self._ax3d.get_figure(root=True).canvas.get_renderer()
            )
            return max(box.width, box.height) + self._past_size(True)

        def draw(self, renderer) -> None:
            self.place()  # (a turning camera moves it)
            super().draw(renderer)

        def get_window_extent(self, renderer=None, dpi=None):
            # with room around it: what is placed beside it (a callout) keeps clear of
            # it, not 20 px off as tiny_net's Adam box sat over "w1"
            box = super().get_window_extent(renderer, dpi)
            return box.padded(self.clear * self.get_figure(root=True).dpi / 72)

    return PinnedText


def _PinnedText(ax, xyz, text: str, **kwargs):  # noqa: N802 - a class, built on first use
    return _pinned_text_class()(ax, xyz, text, **kwargs)


def _foot(grid, xy) -> float:
    """The height of the block's foot (its grid's outer ring) nearest ``xy``."""
    X, Y, Z = grid
    ring = np.zeros(X.shape, bool)
    ring[[0, -1], :] = ring[:, [0, -1]] = True
    gaps = np.hypot(X[ring] - xy[0], Y[ring] - xy[1])
    return float(Z[ring][np.argmin(gaps)])


NAME_CLEAR = 4.0  # points around an axis name that others placed beside it keep clear
NAME_OUT = 0.03  # an axis name's anchor outside the block's foot, as a share of the domain
