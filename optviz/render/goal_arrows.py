"""Arrows to goals off the map: a minimum the lesson needs that lies outside a 2-D view
gets an arrow on the frame's edge, pointing towards it, labelled with where it is
("minimum at (−0.95, 0)"); a surface that falls on past the view's edge (``[view]
falls_on``: long_furrow's floor has no minimum at all) gets one at the lowest point of
the edge ("lower still"). Without them the goal of the race was simply not on screen:
sam_sharp_flat's wide minimum, long_furrow's sink cut by the right edge.

The view is known only once the figure is laid out (a map grows to fill its cell), so
the arrows are placed at draw time by :class:`GoalArrows`, an artist that draws nothing
itself and moves its arrows before they are drawn."""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist

GOAL_PT = 12.5  # the label: 17 px at 1280×720, as the edge notes of balls that left
GOAL_REACH = 40  # points: the arrow's length, from its label to the edge
GOAL_ZORDER = 9.6  # over paths and balls, under callouts (9.7)
INSET = 0.004  # share of the view's side: the arrow's tip just inside the frame


def _number(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text).replace("-", "−")


def goal_words(xy) -> str:
    """The label of an arrow to a minimum at ``xy``.

    >>> goal_words((-0.952278, 0.0))
    'minimum at (−0.95, 0)'
    """
    return f"minimum at ({_number(xy[0])}, {_number(xy[1])})"


def edge_point(goal, lims) -> tuple[np.ndarray, np.ndarray] | None:
    """Where the arrow to ``goal`` sits on the view ``lims`` (``((x0, x1), (y0, y1))``)
    and the unit direction (in shares of the view) it points: from the view's centre
    towards the goal, cut at the frame; None when the goal is in view.

    >>> p, d = edge_point((-3.0, 0.0), ((0.0, 2.0), (-1.0, 1.0)))
    >>> p.round(3).tolist(), d.round(3).tolist()
    ([0.008, 0.0], [-1.0, 0.0])
    """
    lo, hi = np.asarray(lims, float).T
    g = np.asarray(goal, float)
    if np.all((lo <= g) & (g <= hi)):
        return None
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    way = (g - centre) / half  # in half-views: the frame is the unit square
    reach = 1.0 / np.max(np.abs(way))  # how far along ``way`` the frame is
    tip = centre + way * reach * (1 - 2 * INSET) * half
    return tip, way / np.linalg.norm(way)


def lowest_edge_point(surface, lims, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """The lowest point of the view's edge, and the outward direction there (a share of
    the view): where a surface that falls on past the edge goes."""
    (x0, x1), (y0, y1) = lims
    t = np.linspace(0.0, 1.0, n)
    sides = {
        (-1.0, 0.0): np.c_[np.full(n, x0), y0 + t * (y1 - y0)],
        (1.0, 0.0): np.c_[np.full(n, x1), y0 + t * (y1 - y0)],
        (0.0, -1.0): np.c_[x0 + t * (x1 - x0), np.full(n, y0)],
        (0.0, 1.0): np.c_[x0 + t * (x1 - x0), np.full(n, y1)],
    }
    best = min(((float(np.min(surface.f(xy))), out, xy) for out, xy in sides.items()),
               key=lambda s: s[0])  # fmt: skip
    _, out, xy = best
    point = xy[int(np.argmin(surface.f(xy)))]
    span = np.array([x1 - x0, y1 - y0])
    return point - np.asarray(out) * INSET * 2 * span, np.asarray(out)


class GoalArrows(Artist):
    """Places the arrows of :mod:`goal_arrows` on ``ax`` at draw time (see the module
    docs): ``goals`` are minima (``(2,)`` points), ``falls_on`` adds the lowest point of
    the edge. With a goal in view no minimum gets an arrow; else only the nearest."""

    def __init__(self, ax, surface, goals, falls_on: bool, avoid=()):
        super().__init__()
        self.ax, self.surface, self.falls_on = ax, surface, falls_on
        self.avoid = np.asarray(avoid, float).reshape(-1, 2)  # points the label keeps off
        self.goals = [np.asarray(g, float) for g in goals]
        self.arrows = [self._new(goal_words(g)) for g in self.goals]
        if falls_on:
            self.arrows.append(self._new("lower still"))
        self.set_zorder(-100)  # drawn before the arrows, which it places
        self.set_gid("goal-arrows")

    def _new(self, text: str):
        from matplotlib.patheffects import withStroke

        arrow = self.ax.annotate(
            text, xy=(0, 0), xycoords="data", xytext=(0, 0), textcoords="offset points",
            fontsize=GOAL_PT, zorder=GOAL_ZORDER, annotation_clip=False,
            arrowprops=dict(arrowstyle="-|>,head_width=0.45,head_length=0.8", lw=2.4,
                            color="black", shrinkA=3, shrinkB=0,
                            path_effects=[withStroke(linewidth=4.5, foreground="white")]),
            bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="black", lw=1.0, alpha=0.92),
        )  # fmt: skip
        arrow.set_gid("goal-arrow")
        arrow.set_in_layout(False)  # placed at draw time, inside the map: the layout must
        return arrow  # not make room for where it stands before (0, 0), off the view

    def places(self) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """Each arrow's tip and direction in the axes' current view (None: hidden)."""
        lims = (self.ax.get_xlim(), self.ax.get_ylim())
        found = [edge_point(g, lims) for g in self.goals]
        if any(f is None for f in found):  # a goal in view: the others are no lesson's
            found = [None] * len(found)
        elif found:  # only the nearest, one arrow: four to Himmelblau's minima crowded it
            centre = np.mean(lims, axis=1)
            near = int(np.argmin([np.hypot(*(g - centre)) for g in self.goals]))
            found = [f if i == near else None for i, f in enumerate(found)]
        if self.falls_on:
            found.append(lowest_edge_point(self.surface, lims))
        return found

    def draw(self, renderer) -> None:
        for arrow, place in zip(self.arrows, self.places(), strict=True):
            arrow.set_visible(place is not None)
            if place is None:
                continue
            tip, way = place
            arrow.xy = tuple(tip)
            arrow.set_ha("left" if way[0] < -0.3 else "right" if way[0] > 0.3 else "center")
            arrow.set_va("bottom" if way[1] < -0.3 else "top" if way[1] > 0.3 else "center")
            arrow.xyann = tuple(self._clearest(arrow, tip, way))
        self.stale = False

    def _clearest(self, arrow, tip, way) -> np.ndarray:
        """The label's offset from the tip (points): straight back from the edge, or
        slanted to either side, whichever puts the label's middle farthest from the
        paths (a label on long_furrow's floor sat where momentum's ball ended)."""
        px = self.ax.figure.dpi / 72
        side = np.array([-way[1], way[0]])
        offsets = [-GOAL_REACH * (way + side), -GOAL_REACH * (way - side), -GOAL_REACH * way]
        width = len(arrow.get_text()) * 0.56 * GOAL_PT  # points, about
        across = {"left": 0.5, "right": -0.5}.get(arrow.get_ha(), 0.0) * width
        up = {"bottom": 0.8, "top": -0.8}.get(arrow.get_va(), 0.0) * GOAL_PT
        half = np.array([across, up])
        anchor = self.ax.transData.transform(tip)
        seen = self.ax.transData.transform(self.avoid) if len(self.avoid) else np.zeros((0, 2))

        box = self.ax.bbox

        def clearance(offset) -> float:
            middle = anchor + (offset + half) * px
            reach = np.array([width / 2, 0.8 * GOAL_PT]) * px  # half the box
            inside = box.x0 <= middle[0] - reach[0] and middle[0] + reach[0] <= box.x1
            inside &= box.y0 <= middle[1] - reach[1] and middle[1] + reach[1] <= box.y1
            room = float(np.min(np.hypot(*(seen - middle).T))) if len(seen) else 0.0
            return room if inside else room - 1e6  # a label off the map hides under the next

        return max(offsets[::-1], key=clearance)


def mark_goals(ax, surface, minima, avoid=()) -> GoalArrows | None:
    """Add :class:`GoalArrows` to the 2-D map ``ax`` for the minima points ``minima`` a
    race needs and, with ``[view] falls_on``, the lowest point of the edge; None when
    there is nothing to point at. Labels keep off the points ``avoid`` (the paths)."""
    falls_on = bool(getattr(surface.view, "falls_on", False))
    if not len(minima) and not falls_on:
        return None
    return ax.add_artist(GoalArrows(ax, surface, minima, falls_on, avoid))
