"""A shown point (Schedule-Free's reported x) keeps a trail as long as the ball's: a
render that draws only the last k steps of each path draws only those of its points."""

from __future__ import annotations

import numpy as np

import optviz as ov
from optviz.render.animate import _Engine, animate
from optviz.render.extras import ExtrasOverlay


def test_a_shown_points_trail_is_as_short_as_the_render_asks():
    race = ov.race("quadratic", ["schedulefree_adamw:lr=0.2"], start=(0.5, 0.35), steps=60)
    anim = animate(race, fps=2, duration=1, size="small", dpi=40, trail=5)
    engine = _Engine(anim)
    try:
        engine.frame(60.0)
        overlay = next(o for o in anim.overlays if isinstance(o, ExtrasOverlay))
        (line, _ball), *_ = [(ln, b) for part in overlay.parts for _p, ln, b in part["shown"]]
        x, _ = line.get_data()
        drawn = np.count_nonzero(np.isfinite(np.asarray(x, float)))
        assert 2 <= drawn <= 5 + 2  # the last 5 steps, the head (not all 61 points)
    finally:
        engine.close()


def test_a_short_trail_fades_its_older_half():
    # a noisy run's last steps scribbled over themselves: the older half of a short trail
    # is faint and without outline, the newer half drawn as any path, up to the ball
    from optviz.render.frames import TAIL_ALPHA

    race = ov.race("quadratic", ["gd:lr=0.05"], start=(1.5, 1.0), steps=40)
    engine = _Engine(animate(race, fps=2, duration=1, size="small", dpi=40, trail=10))
    try:
        engine.frame(40.0)
        (mover,) = engine.movers
        xy = race.trajectories[0].xy
        tail = np.column_stack(mover.tail.get_data())
        bold = np.column_stack(mover.trail.get_data())
        np.testing.assert_allclose(tail, xy[30:36])  # steps 30..35: the older half
        np.testing.assert_allclose(bold[:-1], xy[35:41])  # steps 35..40, then the head
        assert mover.tail.get_alpha() == TAIL_ALPHA < 0.5
        assert mover.tail.get_linewidth() == mover.trail.get_linewidth()
        np.testing.assert_allclose(np.column_stack(mover.halo.get_data()), bold)
    finally:
        engine.close()


def test_a_whole_trail_does_not_fade():
    race = ov.race("quadratic", ["gd:lr=0.05"], start=(1.5, 1.0), steps=40)
    engine = _Engine(animate(race, fps=2, duration=1, size="small", dpi=40))
    try:
        engine.frame(40.0)
        assert engine.movers[0].tail is None
        assert len(engine.movers[0].trail.get_xdata()) == 42  # every step and the head
    finally:
        engine.close()
