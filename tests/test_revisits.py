"""A path that goes over the same small area again and again (a winner looping round the
star it settled on, a zig-zag piling up) draws those revisits thin and faint, under the
target's fill: the first pass stays readable, and the star and the ball stay in sight."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.render import audit, landmarks, paths
from optviz.render.animate import _Engine, animate

STAR_SEEN = 0.5  # the share of the target star's pixels in sight at the end
BALL_SEEN = 0.6


def star_share(engine, s: float) -> float:
    """The share of the global minimum's star (its fill, drawn in the probe colour) in
    sight in the frame of step ``s``, against the star drawn alone (its fill and outlines)."""
    star = [a for a in engine.panels[0].get_lines() if (a.get_gid() or "").startswith("landmark")]
    ax = star[0].axes
    together = audit.probe_pixels(engine.frame(s), ax.bbox)
    engine.canvas.restore_region(engine.background)
    for artist in sorted(star, key=lambda a: a.get_zorder()):
        ax.draw_artist(artist)
    alone = audit.probe_pixels(np.asarray(engine.canvas.buffer_rgba())[..., :3], ax.bbox)
    return together / alone


@pytest.fixture(scope="module")
def ackley(request):
    # momentum loops round ackley's star at the origin some 130 steps; GD stops at once
    race = ov.race("ackley", ["gd:lr=0.01", "momentum:lr=0.03,momentum=0.95"],
                   start=(3.3, -2.6), steps=200)  # fmt: skip
    patch = pytest.MonkeyPatch()
    patch.setattr(landmarks, "GLOBAL_FILL", audit.PROBE)
    engine = _Engine(animate(race, fps=2, duration=1))
    request.addfinalizer(engine.close)
    request.addfinalizer(patch.undo)
    return race, engine


def test_a_winner_looping_round_the_star_leaves_the_star_and_its_ball_in_sight(ackley):
    race, engine = ackley
    momentum = race[1].xy
    assert np.linalg.norm(momentum[-130:], axis=1).max() < 0.4  # it loops round the star
    end = float(race[0].steps)
    assert star_share(engine, end) >= STAR_SEEN
    assert audit.ball_share(engine, 1, end) >= BALL_SEEN


def test_the_first_pass_is_drawn_full_and_only_the_revisits_faint(ackley):
    race, engine = ackley
    momentum = engine.movers[1]
    flags = momentum.faint_steps[:-1]
    # its way down to the star is drawn full; most of the loops round it faint
    arrive = int(np.argmax(np.linalg.norm(race[1].xy, axis=1) < 0.4))
    assert not flags[:arrive].any() and flags[arrive:].mean() > 0.5
    assert engine.movers[0].faint is None  # GD stops at once: no revisits


def test_revisits_stay_two_pixels_wide_on_a_thin_halo_and_fainter_than_the_path(ackley):
    # elliptic, rotated_ellipse: GD's last zig-zags were 1.5 pt, faded, uncased: ~1 px
    _, engine = ackley
    faint, trail = engine.movers[1].faint, engine.movers[1].trail
    px = engine.fig.dpi / 72
    assert engine.fig.get_size_inches() * engine.fig.dpi == pytest.approx((1280, 720))
    assert faint.get_linewidth() * px >= 2.4  # 2 px after antialiasing and fading
    casing = [e for e in faint.get_path_effects() if type(e).__name__ == "Stroke"]
    assert casing and casing[0]._gc["linewidth"] > faint.get_linewidth()  # a halo round it
    assert casing[0]._gc["linewidth"] < paths.halo_width(trail.get_linewidth())  # thin
    assert faint.get_alpha() < 1 and faint.get_linewidth() < trail.get_linewidth()  # fainter


def test_revisits_count_passes_not_steps():
    # a slow straight pass (a thousand tiny steps) is one visit: never faint
    line = np.c_[np.linspace(0, 0.5, 1000), np.zeros(1000)]
    assert not paths.revisits(line).any()
    # going back and forth over one segment: the first way full, the returns faint
    there_and_back = np.concatenate([line, line[::-1], line])
    flags = paths.revisits(there_and_back)
    # (faint from the first cell it enters again: within a cell, 0.02, of the turn)
    assert not flags[:990].any() and flags[1040:].all()


def test_a_path_that_never_gets_far_is_drawn_full():
    # a stuck run jittering across a cell's edge: all of it is its first pass
    t = np.arange(200)
    jitter = np.c_[0.02 * 3 + 0.001 * (-1.0) ** t, 0.0005 * t / 200]
    assert not paths.revisits(jitter).any()


def test_the_targets_fill_stays_under_every_ball_on_the_held_last_frame():
    # noise_kinds: the input-noise ball ends on a star's arm; the star's gold fill, drawn
    # over the trails each frame, must not cover the balls (end balls above stars)
    from optviz.scenes import load_scene

    race = load_scene("gallery/noise_kinds.toml").race()
    engine = _Engine(animate(race, kind="panels", fps=2, duration=1))
    try:
        end = float(race.trajectories[0].steps)
        for i in range(len(engine.movers)):
            assert audit.ball_share(engine, i, end) >= BALL_SEEN, i
    finally:
        engine.close()


def test_a_straight_run_along_a_line_of_symmetry_revisits_nothing():
    # GD along y = 0 of a long valley: its y flips sign at 1e-10 each step; on a grid
    # with a cell edge at y = 0 each step entered the other cell again, a "revisit"
    x = np.linspace(-0.8, -0.1, 70)
    y = 1e-10 * (-1.0) ** np.arange(70)
    assert not paths.revisits(np.c_[x, y]).any()


def test_the_newest_steps_reach_the_ball_at_full_width(ackley):
    # momentum's last steps loop round the star (revisits): the step into its newest
    # point and on to the ball are still on its full line, no thin gap before the ball
    race, engine = ackley
    momentum = engine.movers[1]
    assert momentum.faint_steps[-5:-1].all()
    for s in (120.5, float(race[1].steps)):
        engine.frame(s)
        full = momentum.trail.get_xydata()
        k = int(s)
        assert np.isfinite(full[-3:]).all()
        np.testing.assert_allclose(full[-2], race[1].xy[k], atol=1e-9)


def test_a_zig_zag_the_lesson_names_is_drawn_full_to_its_end():
    # elliptic: GD's last zig-zags pile up across the valley near the star; drawn as
    # faint revisits they read as 1-2 px lines, yet the claim's lesson is the zig-zag
    from optviz.analysis.claims import check_claims

    race = audit.lesson_race("elliptic")
    claims = [c for c in race.surface.lesson.claims if c.startswith("zigzags(")]
    assert paths.path_styles(race.trajectories)[0].faint is not None  # revisits, unnamed
    verdicts = check_claims(race, claims)
    assert verdicts[0].holds and paths.zigzag_runs(verdicts) == {0}
    engine = _Engine(animate(race, fps=2, duration=1, callouts=verdicts))
    try:
        assert engine.movers[0].faint is None
        engine.frame(float(race[0].steps))
        assert np.isfinite(engine.movers[0].trail.get_xydata()).all()  # one full line
    finally:
        engine.close()
