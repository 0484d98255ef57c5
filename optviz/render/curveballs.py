"""The marks of a ball rolling on a curve, as matplotlib artists: the ball and its spoke,
the trail under it, fading dots, jump arcs, velocity arrows and a cross where it left
the view. :mod:`.rolling` says where each is on the page; :class:`Balls` draws them and
moves them to any step.
"""

from __future__ import annotations

import numpy as np

from . import paths, style
from .line_ends import text_color
from .rolling import EDGE, RADIUS, Page, Roll, between, fade, spaced

TRAIL_WIDTH = 8.0  # the trail: a band under the curve along where the ball rolled, points
TRAIL_ALPHA = 0.75  # its opacity where new ...
TRAIL_FLOOR = 0.55  # ... and, of that, where oldest: the way it came stays readable
ARC_WIDTH = 3.0  # a jump's arc (dashed: the ball did not travel along it), points, in
# the run's hue darkened as its text is: a pale colour's thin dashes fade on a projector
ARC_ALPHA = 1.0
ARC_FLOOR = 0.75  # of that, where oldest: a bounce stays in sight to the end
DOT_SPACING = 1.6  # dots at least this many diameters apart along the trail
EXIT_PT = 12.5  # "left the view at step k", points
CROSS_PT = 14.0  # the cross where a ball left the view ...
CROSS_ROOM = CROSS_PT / 2 + 4.0  # ... drawn whole inside the frame, clear of its spines
TICK = (2.0, RADIUS + 8.0)  # a turning point's tick, from and to this far under the
# curve, points: from the curve's line, and on past a ball centred there, which hides the rest
TICK_WIDTH = 2.6
NUMBER_PT = 16.0  # the start numbers over the balls: a digit about 16 px tall at 100 dpi
NUMBER_FAN = 60.0  # degrees from the normal the start numbers fan out to
NUMBERED = 4  # a panel with 2 to this many starts numbers its balls
ARROW = 2.6  # the velocity arrow's 90th-percentile length, in ball radii
ARROW_CLIP = 2.0  # longest arrow, in multiples of that
ARROW_LEAST = 1.8  # a moving ball's arrow at least this many radii (25 px): seen, not measured


class Balls:
    """The moving marks of one run in one panel: fading dots, jump arcs, balls with their
    spokes, velocity arrows and a cross where a ball left the view. Build it once the
    layout is final; ``update(s)`` moves everything to step ``s`` and returns the artists.
    """

    def __init__(self, ax, traj, ps: paths.PathStyle, theme: str, *, animated: bool,
                 velocity: np.ndarray | None = None, arrow_scale: float = 0.0,
                 floor: float = 0.3, trail: bool | int = True):  # fmt: skip
        from matplotlib.collections import LineCollection
        from matplotlib.colors import to_rgba

        self.ax, self.theme = ax, theme
        self.page = Page.of(ax)
        many = np.ndim(traj.xy) == 3 and traj.xy.shape[1] > 1
        self.radius = RADIUS * (0.75 if many else 1.0)  # many starts: smaller balls
        self.roll = Roll(traj, self.page, self.radius)
        self.rgba = np.array(to_rgba(ps.color))
        self.arc_rgba = np.array(to_rgba(text_color(ps.color, ax.get_facecolor())))
        # a pale hue's band, half-way to its darkened text colour: a translucent orange
        # on the beige ground would hardly show
        self.band_rgba = (self.rgba + self.arc_rgba) / 2
        self.tau, self.floor = max(3.0, traj.steps / 15), floor
        self.ghosts: list[np.ndarray] = []  # a still's strobe of balls, on the page
        self.trail = trail  # True: every past position; an int: that many steps; False: none
        self.velocity, self.arrow_scale = velocity, arrow_scale
        ink = style.ink(theme)
        ms = 2 * (self.radius - EDGE / 2)
        # over the curve's line, translucent: the line shows through it, and the trail is
        # not cut in two by the line (a third of it was hidden under the line)
        self.band = LineCollection([], lw=TRAIL_WIDTH, zorder=3.05, capstyle="round",
                                   joinstyle="round")  # fmt: skip
        ax.add_collection(self.band)
        self.dot = 5.5 if many else 7.0  # a dot's diameter, points
        self.dots = ax.scatter([], [], s=self.dot**2, lw=0.8, zorder=4.0,
                               edgecolors=style.halo(theme))  # fmt: skip
        self.arcs = LineCollection([], lw=ARC_WIDTH, zorder=4.2, capstyle="round",
                                   linestyles=[(0, (2.4, 1.6))])  # fmt: skip
        ax.add_collection(self.arcs)
        starts = self.roll.x.shape[1]
        self.balls = [disk(ax, ms / 2, fc=ps.color, ec=ink, lw=EDGE, zorder=6)
                      for _ in range(starts)]  # fmt: skip
        self.spokes = LineCollection([], colors="white", lw=2.0, zorder=6.1, capstyle="round",
                                     clip_on=False)  # fmt: skip
        ax.add_collection(self.spokes)
        self.hubs = [disk(ax, 1.8, fc=ink, ec="white", lw=0.6, zorder=6.2) for _ in range(starts)]
        self.crosses = ax.plot([], [], ls="none", marker="X", ms=CROSS_PT, mfc=ps.color, mec=ink,
                               mew=1.2, zorder=6.3, clip_on=False)[0]  # fmt: skip
        self.exits = [self._exit_note(i, ink) for i in range(starts)]
        self.numbers = self._start_numbers(ink) if 1 < starts <= NUMBERED else []
        # where a swing turned back: a tick hanging under the curve, kept to the end, so the
        # last frame still shows how far each swing reached after the ball has settled
        self.turn_steps = self.roll.turns()
        self.ticks = LineCollection([], lw=TICK_WIDTH, colors=[self.arc_rgba], zorder=3.5,
                                    capstyle="butt")  # fmt: skip
        ax.add_collection(self.ticks)
        self.arrows = []
        if velocity is not None:
            from matplotlib.patches import FancyArrowPatch
            from matplotlib.patheffects import withStroke

            for _ in range(self.roll.x.shape[1]):
                arrow = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=16,
                                        shrinkA=0, shrinkB=0, lw=2.6, color=ps.color,
                                        zorder=6.4)  # fmt: skip
                arrow.set_path_effects([withStroke(linewidth=4.6, foreground=ink)])
                ax.add_patch(arrow)
                self.arrows.append(arrow)
        for artist in self.artists:
            artist.set_in_layout(False)
            artist.set_label("_nolegend_")
            artist.set_animated(animated)

    @property
    def artists(self) -> list:
        return [self.band, self.ticks, self.dots, self.arcs, *self.arrows, *self.balls,
                self.spokes,
                *self.hubs, self.crosses, *self.exits, *self.numbers]  # fmt: skip

    def _exit_note(self, i: int, ink: str):
        """ "left the view at step k" beside the cross where start ``i`` left, on the
        view's side of it (hidden until then, and for a start that never leaves)."""
        roll = self.roll
        k = int(roll.left_at[i])
        at = self.page.to_data(roll.edge_points(CROSS_ROOM)[i]) if k >= 0 else np.zeros(2)
        inward = 1.0 if k >= 0 and roll.x[k, i] < roll.lo else -1.0
        (_, y0), (_, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        top = at[1] > y1 - 0.05 * (y1 - y0)  # a cross on the frame's top: the note under it
        note = self.ax.annotate(f"left the view at step {k}", tuple(at),
                                xytext=(inward * 12.0, -8.0 if top else 6.0),
                                textcoords="offset points",
                                ha="left" if inward > 0 else "right", va="top" if top else "bottom",
                                fontsize=style.at_least(EXIT_PT), color=ink,
                                fontweight="bold", zorder=6.3, annotation_clip=False)  # fmt: skip
        note.set_visible(False)
        return note

    def _start_numbers(self, ink: str) -> list:
        """Each start's number over its ball (a panel with several starts tells them
        apart), fanned out so that balls on one spot still show every number."""
        from matplotlib.patheffects import withStroke

        halo = [withStroke(linewidth=3.0, foreground=style.halo(self.theme))]
        n = self.roll.x.shape[1]
        return [self.ax.annotate(f"{i + 1}", (0.0, 0.0), xytext=(0.0, 0.0),
                                 textcoords="offset points", ha="center", va="center",
                                 fontsize=style.at_least(NUMBER_PT), color=ink,
                                 fontweight="bold", zorder=6.5, path_effects=halo)
                for i in range(n)]  # fmt: skip

    def _place_numbers(self, centre: np.ndarray, shown: np.ndarray, normal: np.ndarray) -> None:
        """Start numbers just beyond their balls, fanned from the curve's normal by up to
        ±:data:`NUMBER_FAN`: over one spot they sit side by side, and none sits straight
        over its ball, where a still writes the step it ended at."""
        n = len(self.numbers)
        spread = np.radians(np.linspace(-NUMBER_FAN, NUMBER_FAN, n))
        reach = self.radius + 0.75 * NUMBER_PT
        for i, note in enumerate(self.numbers):
            note.set_visible(bool(shown[i]))
            if not shown[i]:
                continue
            c, s = np.cos(spread[i]), np.sin(spread[i])
            m = normal[i]
            d = np.array([c * m[0] + s * m[1], -s * m[0] + c * m[1]])  # turned clockwise
            note.xy = tuple(self.page.to_data(centre[i]))
            note.xyann = tuple(reach * d)

    def update(self, s: float) -> list:
        roll, page = self.roll, self.page
        rolled, rolled_steps = roll.rolled_until(s)
        rolled_steps = np.array(rolled_steps, float)
        keep = self._recent(s, rolled_steps)
        self.band.set_segments([page.to_data(r) for r, k in zip(rolled, keep, strict=True) if k])
        self.band.set_color(self._faded(s - rolled_steps[keep], TRAIL_ALPHA,
                                        max(self.floor, TRAIL_FLOOR), self.band_rgba))  # fmt: skip
        pts, steps = roll.dots_until(s)
        recent = self._recent(s, steps)
        pts, steps = spaced(pts[recent], steps[recent], DOT_SPACING * self.dot)
        self.dots.set_offsets(page.to_data(pts) if len(pts) else np.zeros((0, 2)))
        self.dots.set_facecolor(self._faded(s - steps, 0.9))
        self.ticks.set_segments(self._ticks(s))
        arcs, arc_steps = roll.arcs_until(s)
        arc_steps = np.array(arc_steps, float)
        recent = self._recent(s, arc_steps)
        self.arcs.set_segments(
            [page.to_data(a) for a, keep in zip(arcs, recent, strict=True) if keep]
        )
        self.arcs.set_color(
            self._faded(
                s - arc_steps[recent], ARC_ALPHA, max(self.floor, ARC_FLOOR), self.arc_rgba
            )  # fmt: skip
        )
        centre, angle, shown, tangent = roll.place(s)
        for i, c in enumerate(page.to_data(centre)):
            place(self.balls[i], c, shown[i])
            place(self.hubs[i], c, shown[i])
        if self.numbers:
            k, frac = roll.split(s)
            self._place_numbers(centre, shown, roll.normal[min(k + (frac > 0.5), roll.steps)])
        if not self.spokes.get_visible():  # rolling marks off: they stay off
            for hub in self.hubs:
                hub.set_visible(False)
        centre, tangent = centre[shown], tangent[shown]
        reach = 0.8 * (self.radius - EDGE)
        tip = centre + reach * np.stack([np.cos(angle[shown]), np.sin(angle[shown])], -1)
        self.spokes.set_segments(list(page.to_data(np.stack([centre, tip], 1))))
        gone = (roll.left_at >= 0) & (roll.left_at <= s)
        e = page.to_data(roll.edge_points(CROSS_ROOM)[gone])
        self.crosses.set_data(e[:, 0], e[:, 1])
        for note, out in zip(self.exits, gone, strict=True):
            note.set_visible(bool(out))
        self._arrows(s, centre, tangent, shown)
        return self.artists

    def roll_marks_off(self) -> None:
        """Hide the spokes and hubs for good: they show a ball turning as it rolls, a mark
        nothing explains in a still and in an animation's held last frame (the white
        needle in flat_inflection's ball); the ball's travel shows the motion."""
        self.spokes.set_visible(False)
        for hub in self.hubs:
            hub.set_visible(False)

    def _ticks(self, s: float) -> list[np.ndarray]:
        """The ticks of the turning points the balls have passed by step ``s``."""
        roll, segs = self.roll, []
        for i, steps in enumerate(self.turn_steps):
            for k in steps[steps <= s]:
                c, n = roll.contact[k, i], roll.normal[k, i]
                segs.append(self.page.to_data(np.array([c - TICK[0] * n, c - TICK[1] * n])))
        return segs

    def _recent(self, s: float, steps: np.ndarray) -> np.ndarray:
        """Which marks of ``steps`` the trail keeps at step ``s``."""
        if self.trail is True:
            return np.ones(len(steps), bool)
        return (s - steps <= int(self.trail)) & (self.trail is not False)

    def _faded(self, age: np.ndarray, top: float, floor: float | None = None,
               rgba: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        rgba = np.tile(self.rgba if rgba is None else rgba, (len(age), 1))
        floor = self.floor if floor is None else floor
        rgba[:, 3] = top * fade(np.asarray(age, float), self.tau, floor)
        return rgba

    def _arrows(self, s: float, centre, tangent, shown) -> None:
        if not self.arrows:
            return
        k, frac = self.roll.split(s)
        v = between(self.velocity, k, frac)[shown]
        hidden = [a for a, on in zip(self.arrows, shown, strict=True) if not on]
        for arrow in hidden:
            arrow.set_visible(False)
        for arrow, c, t, vx in zip([a for a, on in zip(self.arrows, shown, strict=True) if on],
                                   centre, tangent, v, strict=True):  # fmt: skip
            length = min(abs(vx) * self.arrow_scale, ARROW_CLIP * ARROW * RADIUS)  # one scale
            arrow.set_visible(bool(length > 0.5))
            length = max(length, ARROW_LEAST * RADIUS)  # a slow ball's arrow still shows its way
            d = np.sign(vx) * t
            start, end = c + self.radius * d, c + (self.radius + length) * d
            a, b = self.page.to_data(np.array([start, end]))
            arrow.set_positions(tuple(a), tuple(b))


def disk(ax, radius: float, **style_kw):
    """A circle of ``radius`` points (round on the page whatever the axes' scales), placed
    by :func:`place`; a patch, so it lands on a fraction of a pixel (Agg rounds markers
    to whole pixels, which would lift a ball off the curve by up to one)."""
    from matplotlib.patches import Circle

    ball = Circle((0.0, 0.0), radius, clip_on=False, **style_kw)  # whole at the domain's ends
    ball.ax_for_placing = ax
    ax.add_patch(ball)
    ball.set_visible(False)
    return ball


def place(ball, xy, shown: bool = True) -> None:
    """Centre a :func:`disk` at data ``xy`` (its size stays in points, at any dpi)."""
    from matplotlib.transforms import Affine2D, ScaledTranslation

    ball.set_visible(bool(shown))
    if shown:
        ax = ball.ax_for_placing
        at = ScaledTranslation(float(xy[0]), float(xy[1]), ax.transData)
        ball.set_transform(Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans + at)


def velocities(race, glyphs: bool) -> tuple[list, float]:
    """Each run's velocity along x, ``(steps + 1, n)`` (``None`` for a rule without one),
    and one arrow scale (points per unit) for the race; nothing unless ``glyphs``."""
    if not glyphs:
        return [None] * len(race.trajectories), 0.0
    from .glyphs import raw_glyphs

    found = []
    for traj in race.trajectories:
        v = raw_glyphs(traj).get("velocity")
        found.append(None if v is None else v[..., 0])
    sizes = np.concatenate([np.abs(v).ravel() for v in found if v is not None] or [np.zeros(0)])
    sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
    scale = ARROW * RADIUS / float(np.percentile(sizes, 90)) if sizes.size else 0.0
    return found, scale
