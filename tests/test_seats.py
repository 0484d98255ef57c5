"""A landmark under a ball is an occupant of its spot: the ball is drawn beside it, a
spoke to its true place, and both stay whole (a ball resting on a minimum covered the
star: easom's RMSprop, beale's Adam, double_well's GD on the saddle)."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.analysis.claims import check_claims
from optviz.render import audit, balls, callouts
from optviz.render.animate import _Engine, animate

BALL_KEPT = 0.8  # the share of a ball on a landmark in sight
LANDMARK_KEPT = 0.7  # the share of the landmark's outline in sight with the ball beside it
SMALLEST_BALL_PX = 12.0


def landmark_share(engine, s: float, seat: np.ndarray) -> float:
    """The share of the pixels of the landmarks near ``seat`` (px), outline and inside
    (what the audience reads as the star), in sight in the frame of step ``s``, against
    them drawn alone (the hairline copy over the balls is left out: it is what a covered
    star looked like)."""
    outlines = [a for a in engine.landmarks if a.get_gid() == "landmark"]
    over = [a for a in engine.landmarks if a.get_gid() == "landmark-over"]
    inks = [(a.get_markeredgecolor(), a.get_markerfacecolor()) for a in outlines]
    ax = outlines[0].axes
    r = seat[2]
    from matplotlib.transforms import Bbox

    box = Bbox.from_extents(seat[0] - r, seat[1] - r, seat[0] + r, seat[1] + r)
    try:
        for a in outlines:
            a.set_markeredgecolor(audit.PROBE)
            a.set_markerfacecolor(audit.PROBE)
        for a in over:
            a.set_visible(False)
        together = audit.probe_pixels(engine.frame(s), box)
        engine.canvas.restore_region(engine.background)
        for a in outlines:
            ax.draw_artist(a)
        alone = audit.probe_pixels(np.asarray(engine.canvas.buffer_rgba())[..., :3], box)
    finally:
        for a, (edge, face) in zip(outlines, inks, strict=True):
            a.set_markeredgecolor(edge)
            a.set_markerfacecolor(face)
        for a in over:
            a.set_visible(True)
    return together / alone


def resting(engine, s: float) -> list[tuple[int, np.ndarray]]:
    """``(optimizer, seat)`` of every ball whose true place at step ``s`` is on a landmark."""
    engine.frame(s)
    out = []
    for movers, layout, _ in engine.places:
        seats = balls.landmark_seats(layout.ax, balls_diameter(layout))
        for i, m in enumerate(movers):
            for p in layout.ax.transData.transform(np.asarray(m.heads, float)[:, :2]):
                near = np.hypot(*(seats[:, :2] - p).T) < seats[:, 2]
                out += [(engine.movers.index(movers[i]), seats[k]) for k in np.flatnonzero(near)]
    return out


def balls_diameter(layout) -> float:
    return max(b.get_markersize() for b in layout.balls) * layout.ax.figure.dpi / 72


@pytest.mark.parametrize("name", ["beale", "double_well", "elliptic"])
def test_a_ball_on_a_landmark_is_drawn_beside_it_and_both_stay_whole(name):
    race = audit.lesson_race(name)
    steps = float(race.trajectories[0].steps)
    verdicts = [v for v in check_claims(race, race.surface.lesson.claims) if v.holds]
    moments = {float(callouts.key_step(v, int(steps))) for v in verdicts} | {steps}
    engine = _Engine(animate(race, loss=False, callouts=verdicts, fps=2, duration=1))
    try:
        found = 0
        for s in sorted(moments):
            for run, seat in resting(engine, s):
                found += 1
                ball = audit.ball_share(engine, run, s)
                assert ball >= BALL_KEPT, (name, s, run, ball)
                mark = landmark_share(engine, s, seat)
                assert mark >= LANDMARK_KEPT, (name, s, run, mark)
        assert found  # the lesson's race does end with a ball on a landmark
    finally:
        engine.close()


def test_a_ball_on_a_star_covered_it_before():
    # the measure can fail: a ball drawn on the star's middle covers its heart
    race = audit.lesson_race("elliptic")  # Momentum's square ends on the star
    engine = _Engine(animate(race, fps=2, duration=1))
    steps = float(race.trajectories[0].steps)
    try:
        ((run, seat),) = resting(engine, steps)
        layout = engine.places[0][1]
        layout.place = lambda: []  # every ball drawn at its true place
        engine._place_balls = lambda: []
        for m in engine.movers:
            m.ball.set_data(*np.asarray(m.heads).T)
        assert landmark_share(engine, steps, seat) < LANDMARK_KEPT
    finally:
        engine.close()


def test_a_lone_ball_sits_beside_the_landmark_on_the_side_it_came_from():
    seat = np.array([[100.0, 100.0, 25.0]])
    came = np.array([[-1.0, 0.0]])
    drawn, counts, _ = balls.spread(np.array([[100.5, 100.2]]), np.array([0]), 14.0, seat, came)
    np.testing.assert_allclose(drawn[0], [75.0, 100.0])
    # two optimizers on it: fanned around it, each clear of it and of each other
    px = np.array([[100.0, 100.0], [101.0, 99.0]])
    drawn, counts, _ = balls.spread(px, np.array([0, 1]), 14.0, seat)
    assert (np.hypot(*(drawn - seat[0, :2]).T) >= 25.0 - 1e-9).all()
    assert np.hypot(*(drawn[0] - drawn[1])) >= 14.0
    # a ball off every landmark stays where it is
    drawn, _, _ = balls.spread(np.array([[200.0, 100.0]]), np.array([0]), 14.0, seat)
    np.testing.assert_allclose(drawn[0], [200.0, 100.0])


def test_a_ball_settling_on_a_minimum_keeps_its_side():
    # a ball jittering about the minimum's centre must not hop round the star
    race = ov.race("quadratic", ["adam:lr=0.05"], start=(1.0, 0.6), steps=300)
    engine = _Engine(animate(race, fps=2, duration=1))
    try:
        layout = engine.places[0][1]
        sides = []
        for s in range(200, 301, 10):
            engine.frame(float(s))
            (x, y), _ = layout.ax.transData.transform(np.c_[layout.balls[0].get_data()])[0], 0
            sides.append(np.arctan2(y - layout.ax.transData.transform((0, 0))[1],
                                    x - layout.ax.transData.transform((0, 0))[0]))  # fmt: skip
        assert np.ptp(np.unwrap(sides)) < 0.05
    finally:
        engine.close()


def offset_jumps(engine, steps) -> list[float]:
    """Per frame of ``steps``, the largest change (px) of any ball's drawn offset from
    its true place: a ball that jumps sideways from its fan slot onto its path."""
    ax = engine.panels[0]
    before, out = None, []
    for s in steps:
        engine.frame(float(s))
        off = []
        for m in engine.movers:
            drawn = ax.transData.transform(np.c_[m.ball.get_data()])
            off.append(drawn - ax.transData.transform(np.asarray(m.heads, float)))
        off = np.vstack(off)
        if before is not None:
            out.append(float(np.hypot(*(off - before).T).max()))
        before = off
    return out


def test_the_fan_at_the_start_closes_without_a_jump():
    # every optimizer shows at frame 0, fanned round the start; as they set off the fan
    # closes over several frames instead of the balls hopping onto their paths at step 1
    race = ov.race("saddle", ["gd:lr=0.05", "momentum:lr=0.02", "adam:lr=0.05"],
                   start=(-1.8, 0.001), steps=120)  # fmt: skip
    anim = animate(race, fps=20, duration=6)
    engine = _Engine(anim)
    try:
        # (from step 3 momentum catches GD up: a fan of two balls meeting, not the start's)
        frames = [s for s in np.unique(anim.frame_steps()) if s <= 2.5]
        diameter = engine.movers[0].ball.get_markersize() * engine.fig.dpi / 72
        jumps = offset_jumps(engine, frames)
        assert max(jumps) < 0.5 * diameter, jumps
        assert offset_jumps(engine, [0.0, 0.0]) == [0.0]
    finally:
        engine.close()
