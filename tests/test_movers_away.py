"""A ball that has left the view stays out of it between two whole steps: a divergent
swing flips from one side to the other, and the straight line between its two far
points crosses the map (learning_rate's lr 0.45 ball flashed through its panel and
sat on the minimum for a frame while its callout said it had left)."""

from __future__ import annotations

import numpy as np

import optviz as ov
from optviz.render.animate import _Engine, animate
from optviz.render.edge_marks import view_of
from optviz.render.geometry import outside


def test_a_ball_out_of_the_view_does_not_cross_it_between_steps():
    # GD with lr 1.05 on x² + y²-like bowls flips sides and grows by 1.1 per step
    race = ov.race("quadratic", ["gd:lr=1.05"], start=(1.2, 0.02), steps=40)
    anim = animate(race, fps=5, duration=2, size="small", dpi=60)
    engine = _Engine(anim)
    try:
        engine.frame(0.0)
        mover = engine.movers[0]
        view = view_of(mover.trail.axes)
        xy = race[0].xy
        out = outside(xy, view)
        mid = (xy[:-1] + xy[1:]) / 2
        swings = [k for k in range(len(xy) - 1)
                  if out[k] and out[k + 1] and not outside(mid[k], view)]  # fmt: skip
        assert swings, "the run should swing across the view between two outside points"
        for k in swings[:3]:
            engine.frame(k + 0.5)
            ball = np.c_[mover.ball.get_data()].reshape(-1, 2).astype(float)
            shown = ball[np.all(np.isfinite(ball), axis=1)]
            assert outside(shown, view).all(), (k, shown.tolist())
    finally:
        engine.close()
