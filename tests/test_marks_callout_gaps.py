"""A callout keeps a ball's diameter clear of every ball and landmark outline: a box a
few pixels off the ball and the star it rests on read as one crowded block (beale's Adam
callout 0.36 diameters off the star's plate, linreg_scaled's 0.11, matyas' 0.49)."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.analysis.claims import check_claims
from optviz.render import audit
from optviz.render.animate import _Engine, animate
from optviz.render.fans import marker_radius

GAP = 1.0  # ball diameters between a callout's box and any ball or landmark, at least
RIM_PT = 1.7  # a ball's rim, outside its marker


def least_gap(engine, s: float) -> float:
    """The least gap (ball diameters) between a callout box shown at step ``s`` and any
    ball (its disc and rim) or landmark outline drawn on its axes."""
    _, labels = engine.callouts.update(s, engine.canvas.get_renderer())
    engine.frame(s)
    pt = engine.fig.dpi / 72
    d = engine.places[0][1].size * pt
    gaps = []
    for label in (t for t in labels if t.get_visible()):
        ax = label.axes
        x0, y0, x1, y1 = label.get_bbox_patch().get_window_extent().extents
        rounds = [(ax.transData.transform(np.c_[m.ball.get_data()].reshape(-1, 2)),
                   d / 2 + RIM_PT * pt) for m in engine.movers if m.ball.axes is ax]  # fmt: skip
        for line in ax.get_lines():
            if line.get_gid() in ("landmark", "landmark-rest") and len(line.get_xdata()):
                xy = np.c_[line.get_data()].astype(float)
                xy = xy if line.get_markevery() is None else xy[line.get_markevery()]
                rounds.append((ax.transData.transform(xy), marker_radius(line) * pt))
        for px, r in rounds:
            px = px[np.isfinite(px).all(axis=1)]
            dx = np.maximum.reduce([x0 - px[:, 0], px[:, 0] - x1, np.zeros(len(px))])
            dy = np.maximum.reduce([y0 - px[:, 1], px[:, 1] - y1, np.zeros(len(px))])
            gaps.extend((np.hypot(dx, dy) - r) / d)
    assert gaps  # the last frame does show callouts
    return float(min(gaps))


@pytest.mark.parametrize("name", ["beale", "linreg_scaled", "matyas", "elliptic"])
def test_a_callout_keeps_a_ball_diameter_off_every_ball_and_landmark(name):
    race = audit.lesson_race(name)
    verdicts = [v for v in check_claims(race, race.surface.lesson.claims) if v.holds]
    engine = _Engine(animate(race, loss=False, callouts=verdicts, fps=2, duration=1))
    try:
        gap = least_gap(engine, float(race.trajectories[0].steps))
        assert gap >= GAP, (name, gap)
    finally:
        engine.close()
