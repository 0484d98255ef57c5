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
