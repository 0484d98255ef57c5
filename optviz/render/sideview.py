"""The side view of a curve: each optimizer a ball rolling on ``f(x)``, as in the notes.

The curve is drawn in profile over a light ground. Each optimizer is a ball that sits
*on* the curve, tangent to it on the page whatever the axes' scales (:mod:`.rolling`
places it), with a spoke that turns by the distance it has rolled. Past positions stay
on the curve as dots that fade with age; a step long enough to jump is an arc from
point to point (the notes' bouncing steps), and the ball flies along it. With
``glyphs=True`` an arrow along the curve shows the ball's velocity (minus the momentum
buffer, or Adam's first moment; the race must keep its state).

Several optimizers get one panel each, side by side with the same axes (small
multiples): balls that start together would hide each other on one curve, offsets
would lift them off the curve (the one thing the picture must not do), and with shared
axes the eye still compares where each one is. One optimizer gets the whole frame.

A still (:func:`plot_side`) shows the motion as a strobe: translucent balls at a few
steps spread by how far the balls move, numbered by step, over the dots and arcs of the
whole run. An animation is drawn by :class:`SideEngine` with the frame engine's clock,
counter, palette and writers (:mod:`.animate`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import curveballs, loss_plot, paths, plots, rolling, style
from .counter import StepCounter
from .curveballs import Balls, disk, place, velocities
from .line_ends import text_color
from .rolling import EDGE, RADIUS
from .sidecallouts import SideCallouts

EDGE_ROOM = 0.05  # of the domain's width, the curve drawn past each end: room for a ball
MAX_NUMBERED = curveballs.NUMBERED  # starts a panel numbers (more: smaller balls, unnumbered)
PANEL_ASPECT = 1.5  # the width/height a profile reads best at, for choosing the grid
GROUND = {"light": "#ece8df", "dark": "#2a2f38"}
CURVE = {"light": "#3d3d3d", "dark": "#d8d8d8"}
STROBE = 10  # steps a still considers for its strobe (balls closer than a diameter drop out)
# their fill: the run's colour this far towards white, opaque, in a full-ink outline (a
# translucent disc washed out on a projector)
GHOST = 0.45
GHOST_GAP = 6.0  # points of ground between two ghost balls (or a ghost and an end ball)
RING_ROOM = 6.0  # points a callout's ring adds around an end ball
# a landmark's top this far under the curve's centre line, points: clear of a ball centred
# on the curve there and of a callout's ring around it (the goal shows under the ball)
HANG = RADIUS + 2.0
STEP_PT = 13.5  # the step numbers over them (19 px at 100 dpi: digits 13 px tall)
STILL_FLOOR = 0.55  # the faintest dot or arc of a still (an animation's fade further)


VIEWS = ("side", "contour", "panels")  # a curve's race: from the side, whatever it is called


def check_curve(race, kind: str) -> None:
    """Refuse a view a curve does not have, in one line."""
    from ..util.errors import ParameterError, unknown

    if kind not in (*VIEWS, "3d"):
        raise unknown("plot kind", kind, VIEWS)
    if kind == "3d":
        raise ParameterError(
            f"'{race.surface.name}' is a curve f(x): it has no 3-D view; its race is drawn "
            "from the side (leave out --3d)"
        )


# ----------------------------------------------------------------------------- the figure
def side_layout(race, loss: bool, size, dpi: float, theme: str, title):
    """The side view without its balls: ``(fig, panels, loss_ax)``, one profile panel
    per optimizer (sharing their axes) and a loss panel when ``loss``."""
    fig = plots.new_figure(size, dpi)
    n = len(race.trajectories)
    rows, cols = grid_shape(n, fig.get_size_inches(), loss)
    outer = fig.add_gridspec(1, 2 if loss else 1, width_ratios=[2.2, 1] if loss else None)
    inner = outer[0].subgridspec(rows, cols)
    panels: list = []
    for i, traj in enumerate(race.trajectories):
        share = {"sharex": panels[0], "sharey": panels[0]} if panels else {}
        ax = fig.add_subplot(inner[i // cols, i % cols], **share)
        draw_curve(ax, race.surface, theme, landmarks=True)
        if n > 1:
            ink = text_color(paths.run_colors(race.trajectories)[i], fig.get_facecolor())
            ax.set_title(paths.readable(traj), color=ink, fontweight="bold")
        if i % cols:
            ax.set_ylabel("")
            ax.tick_params(labelleft=False)
        if i // cols < rows - 1 and i + cols < n:
            ax.set_xlabel("")
        panels.append(ax)
    loss_ax = None
    if loss:
        from .losses import setup_loss_axes

        loss_ax = fig.add_subplot(outer[1])
        setup_loss_axes(loss_ax, race.trajectories, theme=theme)
    heading = race.surface.title or race.surface.name if title is None else title
    if n == 1 and title is None:
        heading = f"{heading}\n{paths.readable(race.trajectories[0])}"
    starts = starts_line(race)
    if starts:
        heading = f"{heading}\n{starts}"
    fig.suptitle(heading)
    fig.get_layout_engine().set(wspace=0.06)  # the x labels of panels side by side apart
    _landmark_legend(fig, panels[0])
    return fig, panels, loss_ax


def starts_line(race) -> str:
    """What the numbered balls of a race with several starts are ("ball 1 starts at
    x = 0, ball 2 at x = 0.02"); empty for one start (or too many to number)."""
    x0 = np.asarray(race.trajectories[0].xy, float)[0].reshape(-1)
    if not 1 < len(x0) <= MAX_NUMBERED:
        return ""
    at = [f"ball {i + 1} at x = {x:.3g}" for i, x in enumerate(x0)]
    return at[0].replace(" at ", " starts at ", 1) + ", " + ", ".join(at[1:])


def grid_shape(n: int, inches, loss: bool) -> tuple[int, int]:
    """Rows and columns for ``n`` profile panels: the largest panels of about
    ``PANEL_ASPECT``, an empty cell costing a quarter of a panel's size (a slide with a
    hole in it reads as unfinished).

    >>> [grid_shape(n, (12.8, 7.2), False) for n in (1, 2, 3, 4)]
    [(1, 1), (1, 2), (1, 3), (2, 2)]
    """
    w, h = inches
    w *= 2.2 / 3.2 if loss else 1.0  # the loss panel takes a share of the width

    def score(cols: int) -> float:
        rows = -(-n // cols)
        empty = rows * cols - n
        return min(w / cols / PANEL_ASPECT, h / rows) * (1 - 0.25 * empty)

    cols = max(range(1, n + 1), key=lambda c: (round(score(c), 6), -c))
    return -(-n // cols), cols


def curve_span(surface) -> tuple[float, float]:
    """The x a curve's panel spans: its domain and :data:`EDGE_ROOM` more on each side,
    so a ball at the domain's end stays whole in its panel.

    >>> import optviz as ov
    >>> curve_span(ov.Surface.from_expr("x**2", domain=(-1, 1)))
    (-1.1, 1.1)
    """
    lo, hi = (float(v) for v in surface.domain[0])
    pad = EDGE_ROOM * (hi - lo)
    return lo - pad, hi + pad


def draw_curve(ax, surface, theme: str = "light", *, landmarks: bool = True):
    """``surface``'s curve in profile on ``ax`` over a light ground, its landmarks marked
    on it; limits with room above for the balls. Returns ``ax``."""
    lo, hi = curve_span(surface)
    x = np.linspace(lo, hi, 800)
    with np.errstate(all="ignore"):
        fx = surface.f(x[:, None])
    bottom, top = curve_limits(surface)
    ax.fill_between(x, fx, bottom, color=GROUND[theme], lw=0, zorder=1)
    ax.plot(x, fx, color=CURVE[theme], lw=rolling.CURVE_WIDTH, zorder=3, gid="curve",
            solid_capstyle="round", label="_nolegend_")  # fmt: skip
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom, top)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    if landmarks:
        mark_curve_landmarks(ax, surface)
    return ax


def curve_limits(surface) -> tuple[float, float]:
    """The f(x) a side view spans: the curve's range over its domain, a little ground
    under it and room above it for the balls and their arcs."""
    fx = surface.profile(800)[1]
    finite = fx[np.isfinite(fx)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = hi - lo or 1.0
    # above: a ball resting on the highest point (a plateau's start) with its callout's
    # ring stays clear of the frame's corner
    return lo - 0.2 * span, hi + 0.2 * span


def mark_curve_landmarks(ax, surface) -> list:
    """Minima, maxima and flat points marked on the curve, hanging from it: the mark's top
    touches the curve's line, so it reads as a point of the curve, and a ball resting
    there sits on top of the line, clear of the mark."""
    from matplotlib.transforms import offset_copy

    from ..catalog.critical import LANDMARK_KINDS, landmarks
    from .landmarks import landmark_style

    marks = landmarks(surface)
    drawn = []
    for kind in LANDMARK_KINDS:
        xs = [p.xy[0] for p in marks.of_kind(kind)]
        if not xs:
            continue
        kw = landmark_style(kind)
        below = kw["ms"] / 2 + HANG  # at a critical point the curve is flat
        shifted = offset_copy(ax.transData, ax.figure, y=-below, units="points")
        with np.errstate(all="ignore"):
            ys = surface.f(np.array(xs)[:, None])
        (line,) = ax.plot(xs, ys, transform=shifted, label=kind, **kw)
        line.set_gid("landmark")
        drawn.append(line)
    return drawn


def _landmark_legend(fig, ax):
    """The landmarks' key in one row under the figure, at its right (the step counter
    keeps the left corner)."""
    marks = [line for line in ax.get_lines() if line.get_gid() == "landmark"]
    if not marks:
        return None
    labels = [line.get_label() for line in marks]
    return fig.legend(marks, labels, loc="outside lower right", ncol=len(marks))


def _key_marks(fig, balls: list, theme: str) -> None:
    """Add the marks a still or animation draws beyond the landmarks to their key: "one
    step (a jump)" for the dashed arcs of long steps and "turned back" for the ticks
    under the curve where a swing turned, each when some ball draws it; the key keeps
    its lower right corner (the layout is final by now)."""
    from matplotlib.lines import Line2D

    ink = style.ink(theme)
    extra = []
    if any(b.roll.arcs for b in balls):
        dash = Line2D([], [], color=ink, lw=curveballs.ARC_WIDTH, ls=(0, (2.4, 1.6)))
        extra.append((dash, "one step (a jump)"))
    if any(len(t) for b in balls for t in b.turn_steps):
        tick = Line2D([], [], ls="none", marker="|", ms=12, mew=curveballs.TICK_WIDTH,
                      color=ink)  # fmt: skip
        extra.append((tick, "turned back"))
    if not extra:
        return
    handles, labels = [h for h, _ in extra], [t for _, t in extra]
    anchor = (0.995, 0.005)
    for old in list(fig.legends):
        handles = [*old.legend_handles, *handles]
        labels = [*(t.get_text() for t in old.get_texts()), *labels]
        box = old.get_window_extent(fig.canvas.get_renderer()).transformed(
            fig.transFigure.inverted()
        )
        anchor = (box.x1, box.y0)
        old.remove()
    fig.legend(handles, labels, loc="lower right", bbox_to_anchor=anchor, ncol=len(handles),
               borderaxespad=0.0)  # fmt: skip
    fig.canvas.draw()  # an animation's background is taken from the last draw


def _styles(race) -> list:
    # one panel per run: no path shares a line with another (and a curve's 1-D paths have
    # no side to lay a lane on)
    return paths.path_styles(race.trajectories, one_map=False)


# ----------------------------------------------------------------------------- stills
def plot_side(race, *, loss: bool = False, size: Any = "16:9", dpi: float = 100,
              theme: str = "light", title: str | None = None, glyphs: bool = False,
              strobe: int = STROBE, callouts: Any = ()):  # fmt: skip
    """The race on its curve as one figure: every run's dots and jump arcs, a strobe of
    translucent balls at ``strobe`` steps spread by the motion (numbered by step), the
    ball where it ended and ``callouts`` (verdicts of its claims, :mod:`.callouts`) beside
    the balls they name.

    >>> import optviz as ov
    >>> r = ov.race("parabola", ["gd:lr=0.01", "gd:lr=0.4", "gd:lr=1.1"], start=[-1.0], steps=30)
    >>> fig = plot_side(r, size="small", dpi=50)
    >>> [ax.get_title() for ax in fig.axes]
    ['GD (lr 0.01)', 'GD (lr 0.4)', 'GD (lr 1.1)']
    """
    from ..util.errors import ParameterError
    from .callouts import check_callouts

    style.check_theme(theme)
    callouts = check_callouts(callouts, race)
    if glyphs and any(t.state is None for t in race.trajectories):
        raise ParameterError("glyphs need the optimizer's state: race with keep_state=True")
    with style.themed(theme):
        fig, panels, loss_ax = side_layout(race, loss, size, dpi, theme, title)
        fig.canvas.draw()  # the layout is final before anything is placed on the page
        fig.set_layout_engine("none")
        found, scale = velocities(race, glyphs)
        styles = _styles(race)
        drawn = []
        for ax, traj, ps, v in zip(panels, race.trajectories, styles, found, strict=True):
            balls = Balls(ax, traj, ps, theme, animated=False, velocity=v, arrow_scale=scale,
                          floor=STILL_FLOOR)  # fmt: skip
            _strobe(balls, traj, ps, theme, strobe)
            balls.update(float(traj.steps))
            balls.roll_marks_off()  # a still does not roll: its spoke would be a riddle
            drawn.append(balls)
        _key_marks(fig, drawn, theme)
        if callouts:
            panels[0].add_artist(SideCallouts(race, callouts, drawn, theme, animated=False))
        if loss_ax is not None:
            loss_plot.plot_loss(race, loss_ax, theme=theme)
    return fig


def strobe_steps(roll, count: int = STROBE) -> list[int]:
    """``count`` steps of a run spread evenly by how far its balls move on the page (the
    first and last among them), fewer where several fall on one step. A run that swings
    (turns back at least twice) is shown by its turns instead, after the steps spread
    over its way to the first: each ghost then marks how far a swing went, so the
    numbers read in order, out to one side and back to the other."""
    moved = np.linalg.norm(np.diff(roll.contact, axis=0), axis=-1)
    moved = np.where(roll.inside[:-1] & roll.inside[1:], moved, 0.0).mean(axis=1)  # in view
    travel = np.concatenate([[0.0], np.cumsum(np.nan_to_num(moved))])
    if travel[-1] <= 0:
        return [0, roll.steps]
    picks = np.interp(np.linspace(0, 1, count) * travel[-1], travel, np.arange(roll.steps + 1))
    spread = {int(round(p)) for p in picks}
    turns = turning_steps(roll)
    if len(turns) < 2:
        return sorted(spread)
    return sorted({k for k in spread if k < turns[0]} | set(turns) | {roll.steps})


def turning_steps(roll) -> list[int]:
    """The steps where a run of one start turns back (its x a local extreme, while in
    the view); none for several starts (their turns differ)."""
    if roll.x.shape[1] != 1:
        return []
    dx = np.diff(roll.x[:, 0])
    moving = np.flatnonzero(dx != 0)
    turns = moving[1:][np.sign(dx[moving[1:]]) != np.sign(dx[moving[:-1]])]  # first step back
    return [int(k) for k in turns if roll.inside[k, 0]]


def _strobe(balls: Balls, traj, ps: paths.PathStyle, theme: str, count: int) -> None:
    """Translucent balls along the run, each numbered by its step; a ball on the page
    closer than a diameter to one already drawn (the last, then a swing's turns, then
    the rest by step) is left out."""
    ax, roll, page = balls.ax, balls.roll, balls.page
    ink = style.ink(theme)
    last = roll.place(float(traj.steps))
    ends = list(last[0][last[2]])  # the balls where they ended (a callout rings them)
    kept: list[np.ndarray] = []
    turns = set(turning_steps(roll))  # a swing's turns first: they show how far it went
    for k in sorted(strobe_steps(roll, count)[:-1], key=lambda k: (k not in turns, k)):
        centre, angle, shown, _ = roll.place(float(k))
        for i in np.flatnonzero(shown):
            c = centre[i]
            if not strobe_room(c, kept, ends):
                continue
            kept.append(c)
            balls.ghosts.append(c)  # where a callout must not go
            ghost = disk(ax, balls.radius - EDGE / 2, fc=ghost_fill(ps.color), ec=ink, lw=EDGE,
                         zorder=5, gid="ghost")  # fmt: skip
            place(ghost, page.to_data(c))
            _step_label(ax, page, c, f"{k}", ink, bold=False)
    for c in last[0][last[2]]:
        _step_label(ax, page, c, f"{traj.steps}", ink, bold=True)


def ghost_fill(color) -> tuple:
    """A ghost ball's fill: ``color`` :data:`GHOST` of the way to white, opaque."""
    from matplotlib.colors import to_rgb

    return tuple(c + GHOST * (1.0 - c) for c in to_rgb(color))


def strobe_room(centre: np.ndarray, ghosts: list, ends: list) -> bool:
    """Whether a ghost ball at ``centre`` (page points) keeps :data:`GHOST_GAP` clear of
    the ``ghosts`` already drawn and of the balls where the runs ended, counting a ring
    (:data:`RING_ROOM`) around those: ghosts that touch read as one smear over the path."""

    def clear(others: list, room: float) -> bool:
        return all(np.hypot(*(centre - o)) >= 2 * RADIUS + GHOST_GAP + room for o in others)

    return clear(ghosts, 0.0) and clear(ends, RING_ROOM)


def _step_label(ax, page, centre, text: str, ink: str, bold: bool) -> None:
    """A step number just above a ball."""
    x, y = page.to_data(centre + np.array([0.0, RADIUS + 3.0]))
    ax.annotate(text, (x, y), ha="center", va="bottom", fontsize=style.at_least(STEP_PT),
                color=ink,
                fontweight="bold" if bold else "normal", alpha=1.0 if bold else 0.8,
                zorder=5.5)  # fmt: skip


def side_on(race, ax=None, *, theme: str = "light"):
    """The race on one axes (``race.plot(ax=ax)`` of a curve): the curve, each run's
    positions as dots in its colour and marker, and where it ended; returns the axes."""
    style.check_theme(theme)
    with style.themed(theme):
        if ax is None:
            ax = plots.new_figure("small").add_subplot()
        trajs = plots._trajectories(race)
        draw_curve(ax, trajs[0].surface, theme)
        ink = style.ink(theme)
        for traj, ps in zip(trajs, paths.path_styles(trajs, one_map=False), strict=True):
            x = np.asarray(traj.xy, float)[..., 0]
            with np.errstate(all="ignore"):
                fx = traj.surface.f(x[..., None])
            ax.plot(x.ravel(), fx.ravel(), ls="none", marker=ps.marker, ms=4, color=ps.color,
                    alpha=0.5, zorder=4)  # fmt: skip
            ax.plot(np.ravel(x[-1]), np.ravel(fx[-1]), ls="none", marker=ps.marker, ms=11,
                    mfc=ps.color, mec=ink, mew=1.0, zorder=6,
                    label=paths.readable(traj))  # fmt: skip
        # the optimizers only: on one small Axes a longer key would cover the curve
        entries = [(h, t) for h, t in zip(*ax.get_legend_handles_labels(), strict=True)
                   if h.get_gid() != "landmark"]  # fmt: skip
        ax.legend(*zip(*entries, strict=True), loc="best", framealpha=0.9)
    return ax


def show_curve(surface, *, size: Any = "16:9", dpi: float = 100, theme: str = "light",
               title: str | None = None):  # fmt: skip
    """A curve alone: its profile with minima, maxima and flat points marked and named."""
    with style.themed(style.check_theme(theme)):
        fig = plots.new_figure(size, dpi)
        ax = fig.add_subplot()
        draw_curve(ax, surface, theme)
        fig.suptitle(surface.title or surface.name if title is None else title)
        _landmark_legend(fig, ax)
    return fig


# ----------------------------------------------------------------------------- animation
class SideEngine:
    """Frames of a curve's race for :class:`optviz.render.animate.Animation`: the figure
    drawn once, then per frame only the balls, dots, arcs, arrows, loss curves and step
    counter, blitted onto that background."""

    def __init__(self, anim):
        from .gif import make_palette

        self.anim = anim
        race, theme = anim.race, anim.theme
        check_curve(race, anim.kind)
        with style.themed(theme), plots.offscreen():
            fig, self.panels, self.loss_ax = side_layout(race, anim.loss, anim.size, anim.dpi,
                                                         theme, anim.title)  # fmt: skip
            self.fig, self.canvas = fig, fig.canvas
            self.counter = StepCounter(fig, theme, anim.steps)
            self.canvas.draw()
            fig.set_layout_engine("none")  # positions are final: the balls are placed on them
            found, scale = velocities(race, anim.glyphs)
            self.styles = _styles(race)
            self.balls = [
                Balls(
                    ax,
                    traj,
                    ps,
                    theme,
                    animated=True,
                    velocity=v,
                    arrow_scale=scale,
                    trail=anim.trail,
                )  # fmt: skip
                for ax, traj, ps, v in zip(
                    self.panels, race.trajectories, self.styles, found, strict=True
                )  # fmt: skip
            ]
            for balls in self.balls:
                balls.roll_marks_off()
            _key_marks(fig, self.balls, theme)
            self.losses = None
            if self.loss_ax is not None:  # the map's loss panel, moving in step
                from .side_panels import LOSS

                self.losses = LOSS.frames(self.loss_ax, race, self.styles, theme)
            self.callouts = None
            if anim.callouts:
                self.callouts = SideCallouts(race, anim.callouts, self.balls, theme, True)
                self.callouts.set_timeline(anim.frame_steps(), anim.fps)
            if not self.counter.prepare(self.canvas, [*self.panels, self.loss_ax]):
                self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(fig.bbox)
            bg = np.asarray(self.canvas.buffer_rgba())[..., :3]
            self.palette = make_palette(bg, _scene_colors(self.styles, theme, bg))

    def frame(self, s: float) -> np.ndarray:
        """The frame showing step ``s`` (fractional: between steps)."""
        self.canvas.restore_region(self.background)
        for balls in self.balls:
            for artist in balls.update(s):
                balls.ax.draw_artist(artist)
        if self.callouts is not None:  # rings round the balls, labels over everything
            rings, labels = self.callouts.update(s, self.canvas.get_renderer())
            for artist in [*rings, *labels]:
                artist.axes.draw_artist(artist)
        for artist in self.losses(s) if self.losses is not None else ():
            self.loss_ax.draw_artist(artist)
        k = min(int(math.floor(s)), self.anim.steps)
        self.counter.draw(self.canvas, k)
        return np.array(self.canvas.buffer_rgba())[..., :3]

    def close(self) -> None:
        self.fig.clear()


def _scene_colors(styles, theme: str, bg: np.ndarray) -> np.ndarray:
    """Every colour a frame can show beyond the background's: the runs' colours, the ink,
    white, and their blends with the ground (faded dots, antialiased edges)."""
    from matplotlib.colors import to_rgb

    ink = np.array(to_rgb(style.ink(theme))) * 255
    ground = np.median(bg.reshape(-1, 3), axis=0)
    scene = [ink, (255, 255, 255), (0, 0, 0), np.array(to_rgb(GROUND[theme])) * 255]
    for ps in styles:
        c = np.array(to_rgb(ps.color)) * 255
        scene.append(c)
        for other in (ground, ink, np.array(to_rgb(GROUND[theme])) * 255):
            scene.extend(c + (other - c) * a for a in (0.3, 0.6))
    return np.clip(np.round(scene), 0, 255).astype(np.uint8)
