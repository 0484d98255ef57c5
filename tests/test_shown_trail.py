"""A shown point (Schedule-Free's reported x) keeps a trail as long as the ball's: a
render that draws only the last k steps of each path draws only those of its points."""

from __future__ import annotations

import numpy as np

import optviz as ov
from optviz.render import lanes
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


def _magenta(img: np.ndarray) -> np.ndarray:
    """Pixels of the probe colour, faded over any grey (contours, halos) too."""
    rgb = img[..., :3].astype(float)
    return np.minimum(rgb[..., 0], rgb[..., 2]) - rgb[..., 1] > 60


def test_a_short_trail_keeps_the_way_before_it_faint_and_in_sight(recolor_run):
    # a lecturer wants the whole path so far: a short trail is the last steps drawn bold
    # (a noisy run's last steps read as the way its ball came), the way before them
    # faint but at least 2 px wide, all the way from the start
    from optviz.render import paths

    recolor_run(0, "#ff00ff")
    race = ov.race("quadratic", ["gd:lr=0.05"], start=(1.5, 1.0), steps=40)
    engine = _Engine(animate(race, fps=2, duration=1, dpi=100, trail=10))
    try:
        img = engine.frame(40.0)
        (mover,) = engine.movers
        xy = race.trajectories[0].xy
        tail = np.column_stack(mover.tail.get_data())
        bold = np.column_stack(mover.trail.get_data())
        np.testing.assert_allclose(tail, xy[:31])  # steps 0..30: the way before, faint
        np.testing.assert_allclose(bold[:-1], xy[30:41])  # steps 30..40, then the head
        assert (
            mover.tail.get_alpha() < 1 and mover.tail.get_linewidth() < mover.trail.get_linewidth()
        )
        assert mover.tail.get_linewidth() == paths.FAINT_WIDTH
        np.testing.assert_allclose(np.column_stack(mover.halo.get_data()), bold)
        px = engine.panels[0].transData.transform(xy[3:20])  # clear of the start ring
        run = np.r_[0, np.cumsum(np.linalg.norm(np.diff(px, axis=0), axis=1))]
        at = np.arange(0, run[-1], 3.0)
        pts = np.column_stack([np.interp(at, run, px[:, k]) for k in (0, 1)])
        normal = lanes.across(pts)
        magenta, h = _magenta(img), img.shape[0]
        wide = [
            sum(magenta[h - round(y + d * ny), round(x + d * nx)] for d in np.arange(-5, 5.5, 0.5))
            / 2
            for (x, y), (nx, ny) in zip(pts, normal, strict=True)
        ]  # px of its colour across the line at each point (two samples a pixel)
        assert np.mean(np.array(wide) >= 2) >= 0.9, wide
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
