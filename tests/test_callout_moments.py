"""A callout shows when what it says is done and marks only its ball: "ends in" once the
ball and its loss have arrived (never before "arrives" of the same ball), an escape once
the ball is past the barrier for good, a ball that left the view says so; its ring stays
on its ball; its leader is a faint neutral line, not a path; a callout names a run by its
short name."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from matplotlib.colors import to_rgb

import optviz as ov
from optviz.analysis.claim_case import landmark_points
from optviz.analysis.claims import check_claims
from optviz.render import callouts, style
from optviz.render.animate import _Engine, animate


def test_ends_in_never_shows_before_the_same_ball_arrives():
    # momentum_swing: "μ 0.75 ends in the minimum" at step 29, "arrives at step 32"
    race = ov.race("parabola", ["momentum:lr=0.01,momentum=0.75", "momentum:lr=0.01,momentum=0.98"],
                   start=-2.0, steps=150)  # fmt: skip
    ends, faster = check_claims(race, ["ends_in(momentum#1)", "faster(momentum#1, momentum#2)"])
    assert ends.holds and faster.holds
    arrives = int(faster.evidence["a_steps"])
    assert ends.step >= arrives, (ends.step, faster.callout)
    # and from its step on the ball stays within the claim's reach (0.02 of the diagonal)
    x = np.ravel(race[0].xy)
    assert np.all(np.abs(x[ends.step :]) <= 0.02 * race.surface.span)


def test_ends_in_shows_once_the_loss_has_arrived_not_on_the_way():
    # saddle_escape: "SGD ends in a minimum" at step 42, the ball 0.25 away, still going
    race = ov.race("double_well", ["sgd:lr=0.05,grad_noise=0.02"], start=(0.0, 1.8), steps=150,
                   seed=1)  # fmt: skip
    (ends,) = check_claims(race, ["ends_in(sgd, within=0.05)"])
    assert ends.holds
    loss = np.asarray(race[0].loss, float) + 1.0  # f − f*: the minima are at −1
    assert np.all(loss[ends.step :] <= 1e-3 * loss[0]), (ends.step, loss[ends.step])


def test_an_escape_shows_once_the_ball_is_past_the_barrier_for_good():
    # rolling_ball: "Momentum escapes the local minimum at step 4", still in the dip
    race = ov.race("shallow_then_deep", ["momentum:lr=0.01,momentum=0.9"], start=-2.0, steps=150)
    (escape,) = check_claims(race, ["escapes(momentum, from=local)"])
    assert escape.holds
    bumps, _ = landmark_points(race.surface, "maximum", "x")
    bump = float(bumps[np.argmin(np.abs(bumps[:, 0] + 0.2)), 0])  # between the two wells
    x = np.ravel(race[0].xy)
    assert np.all(x[escape.step :] > bump), (escape.step, x[escape.step], bump)
    assert f"at step {escape.step}" in escape.callout


def test_a_ball_that_left_the_view_diverges_in_one_callout():
    # learning_rate_curve said "left the view at step 6" (the edge mark) and "leaves the
    # view at step 6, diverges at step 22" (the callout): the exit twice
    race = ov.race("parabola", ["gd:lr=1.1"], start=-1.0, steps=30)
    (v,) = check_claims(race, ["diverges(gd)"])
    lo, hi = np.asarray(race.surface.domain, float).ravel()
    x = np.ravel(race[0].xy)
    left = int(np.argmax((x < lo) | (x > hi)))
    assert 0 < left < v.step
    # the edge mark says "left the view at step k": the callout does not say it again, nor
    # another step ("left the view at step 6" beside "diverges at step 22" read as a clash)
    assert v.callout == "GD diverges"


def test_a_callout_names_a_run_by_its_short_name():
    # saddle_escape: "SGD (lr 0.05, gradient noise σ 0.02) ends in a minimum", two lines
    race = ov.race("double_well", ["gd:lr=0.05", "sgd:lr=0.05,grad_noise=0.02"],
                   start=(0.0, 1.8), steps=150, seed=1)  # fmt: skip
    labels = ["gradient descent (lr = 0.3)", "SGD (lr 0.05, gradient noise σ 0.02)"]
    race = replace(
        race, trajectories=[replace(t, label=lab) for t, lab in zip(race, labels, strict=True)]
    )
    stuck, ends = check_claims(race, ["stuck(gd, at=saddle)", "ends_in(sgd, within=0.05)"])
    assert stuck.callout.startswith("GD stops"), stuck.callout
    assert ends.callout.startswith("SGD reaches a minimum at step"), ends.callout


def escape_engine():
    race = ov.race("saddle", ["gd:lr=0.05"], start=(-1.8, 0.05), steps=60)
    verdicts = check_claims(race, ["escapes(gd, from=saddle)"])
    return race, verdicts, _Engine(animate(race, callouts=verdicts, fps=10, duration=2))


def test_a_ring_is_never_left_behind_its_ball():
    # saddle_escape / momentum_overshoot: the ring stayed where the moment was and read as
    # a second ball once the ball had moved on: a ring drawn is around its ball
    race, verdicts, engine = escape_engine()
    try:
        ax = engine.panels[0]
        to_px = ax.transData.transform
        moved = np.hypot(*(to_px(race[0].xy[verdicts[0].step]) - to_px(race[0].xy[-1])))
        assert moved > 3 * callouts.RING_PT  # far beyond its ring
        engine.frame(60.0)
        rings, _ = engine.callouts.update(60.0, engine.canvas.get_renderer())
        ball = to_px(np.c_[engine.movers[0].ball.get_data()])[0]
        for ring in rings:
            assert np.hypot(*(to_px(np.c_[ring.get_data()])[0] - ball)) < 1.0
    finally:
        engine.close()


def test_a_leader_is_thin_neutral_and_ends_at_its_ring():
    # tiny_net_init: GD's blue 2-px leader ran from the saddle to the top like GD's path
    race, verdicts, engine = escape_engine()
    try:
        engine.frame(60.0)
        _, (label,) = engine.callouts.update(60.0, engine.canvas.get_renderer())
        arrow = label.arrow_patch
        assert to_rgb(arrow.get_edgecolor()) != to_rgb(style.color(0))
        assert to_rgb(arrow.get_edgecolor()) == to_rgb(style.ink("light"))
        assert arrow.get_linewidth() < 1.5 and arrow.get_alpha() < 1.0
        ((_, _, _, ring),) = engine.callouts.items
        assert label.arrowprops["shrinkB"] >= ring.get_markersize() / 2
    finally:
        engine.close()


def test_a_passing_callout_is_whole_while_it_shows_and_never_half_there():
    # a callout seen half faded in a sampled frame read as a glitch (himmelblau 2/3,
    # minibatch): it shows whole for over a second from its moment, then is gone
    from optviz.render.callout_timing import CalloutClock

    class Clock(CalloutClock):
        pass

    clock = Clock()
    clock.steps, fps = 100, 20.0
    clock.items = [(10, (0, 0), "early", None), (90, (0, 0), "late", None)]
    clock.negated = {id("early"): False, id("late"): False}
    clock.finals = clock._finals()
    clock.set_timeline(np.arange(101), fps)  # a step a frame
    early = clock.items[0]
    assert early not in clock.finals  # it gives way, so it fades
    steps = np.arange(10, 101)
    shown = np.array([early in clock.current(s) for s in steps])
    strength = np.array([clock._strength(early, s) for s in steps])
    seconds = np.arange(len(steps)) / fps
    assert shown[seconds <= 1.2].all() and not shown[-1]
    assert (strength[shown] == 1.0).all()


def test_a_ring_on_a_3d_view_is_dropped_once_its_ball_has_gone_on():
    # saddle --3d: rings left mid-path at the escape read as extra balls
    race = ov.race("saddle", ["gd:lr=0.05"], start=(-1.8, 0.05), steps=60)
    verdicts = check_claims(race, ["escapes(gd, from=saddle)"])
    engine = _Engine(animate(race, kind="3d", callouts=verdicts, fps=10, duration=2))
    try:
        step = verdicts[0].step
        engine.frame(float(step))
        rings, labels = engine.callouts.update(float(step), engine.canvas.get_renderer())
        assert len(rings) == 1 and len(labels) == 1  # at its moment: ringed
        engine.frame(60.0)
        rings, labels = engine.callouts.update(60.0, engine.canvas.get_renderer())
        assert len(labels) == 1 and rings == []  # the ball far on: the callout, no ring
    finally:
        engine.close()
