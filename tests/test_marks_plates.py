"""A ball resting on a landmark is plainly on top of it: the landmark there is a thick
hollow outline round the ball, and nothing of its fill lies on or right round the ball
(a ball inside a filled gold star read as under it; an orange ball on gold, as part of
the star)."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.render import audit
from optviz.render.animate import _Engine, animate

NEAR = 1.0  # ball diameters from a seated ball's centre no landmark fill may show within
FILLS = ("landmark", "landmark-fill", "landmark-rest")  # a landmark's faces, where filled


def fill_near_ball(engine, run: int, s: float) -> int:
    """How many pixels of any landmark's fill (recoloured to the probe) the frame of
    step ``s`` shows within :data:`NEAR` diameters of optimizer ``run``'s ball."""
    faces = [a for a in engine.landmarks if a.get_gid() in FILLS
             and a.get_markerfacecolor() != "none"]  # fmt: skip
    kept = [a.get_markerfacecolor() for a in faces]
    try:
        for a in faces:
            a.set_markerfacecolor(audit.PROBE)
        rgb = engine.frame(s).astype(float)
    finally:
        for a, face in zip(faces, kept, strict=True):
            a.set_markerfacecolor(face)
    ball = engine.movers[run].ball
    (x, y), *_ = ball.axes.transData.transform(np.c_[ball.get_data()])
    reach = NEAR * engine.places[0][1].size * engine.fig.dpi / 72
    rows, cols = np.nonzero((np.abs(rgb - audit.PROBE_RGB) < 40).all(axis=-1))
    return int(np.sum(np.hypot(cols - x, rgb.shape[0] - 1 - rows - y) < reach))


@pytest.mark.parametrize("name, run", [("matyas", 1), ("booth", 0), ("easom", 1)])
def test_no_fill_of_the_landmark_lies_on_or_round_a_ball_resting_on_it(name, run):
    race = audit.lesson_race(name)
    steps = float(race.trajectories[0].steps)
    engine = _Engine(animate(race, fps=2, duration=1))
    try:
        assert audit.ball_share(engine, run, steps) >= 0.97
        plates = [a for a in engine.landmarks if a.get_gid() == "landmark-rest"]
        assert any(len(a.get_xdata()) for a in plates)  # the ball does rest on the star
        assert fill_near_ball(engine, run, steps) == 0
    finally:
        engine.close()
