"""A still of a curve's race (:mod:`.sideview`): every run's dots and jump arcs, a strobe of
translucent balls at a few steps spread by how far the balls move, each numbered by its
step, the ball where it ended and the callouts beside the balls they name."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import loss_plot, paths, style
from .curveballs import Balls, disk, place, velocities
from .rolling import EDGE, RADIUS
from .sidecallouts import SideCallouts
from .sideview import key_marks, run_styles, side_layout

STROBE = 10  # steps a still considers for its strobe (balls closer than a diameter drop out)
# their fill: the run's colour this far towards white, opaque, in a full-ink outline (a
# translucent disc washed out on a projector)
GHOST = 0.45
GHOST_GAP = 6.0  # points of ground between two ghost balls (or a ghost and an end ball)
RING_ROOM = 6.0  # points a callout's ring adds around an end ball
STEP_PT = 13.5  # the step numbers over them (19 px at 100 dpi: digits 13 px tall)
STILL_FLOOR = 0.55  # the faintest dot or arc of a still (an animation's fade further)


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
        styles = run_styles(race)
        drawn = []
        for ax, traj, ps, v in zip(panels, race.trajectories, styles, found, strict=True):
            balls = Balls(ax, traj, ps, theme, animated=False, velocity=v, arrow_scale=scale,
                          floor=STILL_FLOOR)  # fmt: skip
            _strobe(balls, traj, ps, theme, strobe)
            balls.update(float(traj.steps))
            balls.roll_marks_off()  # a still does not roll: its spoke would be a riddle
            drawn.append(balls)
        key_marks(fig, drawn, theme)
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
    labels: list[tuple] = []  # (centre, tangent, text, bold): placed once every ball is
    turns = set(turning_steps(roll))  # a swing's turns first: they show how far it went
    for k in sorted(strobe_steps(roll, count)[:-1], key=lambda k: (k not in turns, k)):
        centre, angle, shown, tangent = roll.place(float(k))
        for i in np.flatnonzero(shown):
            c = centre[i]
            if not strobe_room(c, kept, ends):
                continue
            kept.append(c)
            balls.ghosts.append(c)  # where a callout must not go
            ghost = disk(ax, balls.radius - EDGE / 2, fc=ghost_fill(ps.color), ec=ink, lw=EDGE,
                         zorder=5, gid="ghost")  # fmt: skip
            place(ghost, page.to_data(c))
            labels.append((c, tangent[i], f"{k}", False))
    for c, t in zip(last[0][last[2]], last[3][last[2]], strict=True):
        labels.append((c, t, f"{traj.steps}", True))
    balls_at = [c for c, *_ in labels]
    for c, t, text, bold in labels:
        _step_label(ax, page, c, t, text, ink, bold, [o for o in balls_at if o is not c])


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


def _step_label(ax, page, centre, tangent, text: str, ink: str, bold: bool,
                others: list) -> None:  # fmt: skip
    """A step number just above a ball or, where another ball is near that spot, off
    it along the curve's upward normal: the neighbouring balls lie along the curve, so
    straight above a ball on a wall its number sat on the next ball up the wall
    (learning_rate_curve's "8" half under ball 0)."""
    up = np.array([0.0, 1.0])
    reach = RADIUS + 3.0
    spot = centre + (reach + 0.5 * STEP_PT) * up  # the digit's middle
    crowded = any(np.hypot(*(spot - o)) < RADIUS + 0.75 * STEP_PT for o in others)
    normal = np.array([-tangent[1], tangent[0]]) if crowded else up  # the tangent turned left
    x, y = page.to_data(centre + reach * normal)
    ha = "center" if abs(normal[0]) < 0.35 else ("left" if normal[0] > 0 else "right")
    ax.annotate(text, (x, y), ha=ha, va="bottom" if normal[1] > 0.35 else "center",
                fontsize=style.at_least(STEP_PT),
                color=ink,
                fontweight="bold" if bold else "normal", alpha=1.0 if bold else 0.8,
                zorder=5.5)  # fmt: skip
