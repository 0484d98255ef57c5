"""The hill under every path: each run's loss against the distance it has travelled, a side
panel beside the map, moving in step with the balls on it."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.render import losses, profile
from optviz.render.frames import _Engine
from optviz.render.side_panels import side_axes


@pytest.fixture(scope="module")
def race():
    return ov.race("rosenbrock", ["gd:lr=0.001", "momentum:lr=0.001"], start=(-1.2, 1), steps=60)


def test_the_distance_is_the_path_length_and_stops_at_a_divergence():
    t = ov.run("rosenbrock", "adam:lr=0.05", start=(-1.2, 1.0), steps=40)
    d = profile.distances(t)[:, 0]
    np.testing.assert_allclose(np.diff(d), np.hypot(*np.diff(t.xy, axis=0).T), rtol=1e-12)
    blown = ov.run("quadratic", "gd:lr=5", start=(1.0, 1.0), steps=200)
    d = profile.distances(blown)[:, 0]
    k = int(blown.diverged_at)
    assert k > 0 and np.all(d[k + 1 :] == d[k]) and np.all(np.diff(d) <= blown.surface.span)


def test_the_still_draws_each_loss_against_its_distance(race):
    fig = race.plot(loss=True, side=["profile"])
    ax = side_axes(fig)["profile"]
    assert ax.get_title() == profile.TITLE and ax.get_xlabel() == "distance travelled"
    axis = losses.loss_axis(race.trajectories)
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 61]
    assert len(lines) == 2
    for line, traj in zip(lines, race, strict=True):
        np.testing.assert_allclose(line.get_xdata(), profile.distances(traj)[:, 0])
        np.testing.assert_allclose(line.get_ydata(), losses.loss_curve(traj, axis.shift, True))
    assert sum(a.get_xlabel() == "step" for a in fig.axes) == 1  # the loss panel stays


def _profile_frames(engine) -> profile.ProfileFrames:
    return next(f for f in engine.side_frames if isinstance(f, profile.ProfileFrames))


def test_the_profile_moves_in_step_with_the_balls_on_the_map(race):
    # at every frame the ball on the map is at xy(s) and the ball on the profile at
    # (distance(s), loss(s)): the same fractional step
    engine = _Engine(race.animate(side=["profile"], fps=2, duration=1))
    try:
        parts = _profile_frames(engine).parts
        for s in (0.0, 7.0, 23.5, 60.0):
            engine.frame(s)
            k, frac = int(s), s - int(s)
            nxt = min(k + 1, 60)
            for mover, (_, ball, d, y), traj in zip(engine.movers, parts, race, strict=True):
                head = traj.xy[k] + frac * (traj.xy[nxt] - traj.xy[k])
                np.testing.assert_allclose(mover.heads[0], head)
                assert ball.get_xdata()[0] == pytest.approx(d[k, 0] + frac * (d[nxt, 0] - d[k, 0]))
                assert ball.get_ydata()[0] == pytest.approx(y[k, 0] * (y[nxt, 0] / y[k, 0]) ** frac)
    finally:
        engine.close()


def test_a_run_at_the_numerical_floor_keeps_its_ball_where_its_profile_ends():
    race = ov.race("quadratic", ["gd:lr=0.5"], start=(1.0, 1.0), steps=5)  # exact in 1 step
    engine = _Engine(race.animate(side=["profile"], fps=2, duration=1))
    try:
        engine.frame(5.0)
        _, ball, d, y = _profile_frames(engine).parts[0]
        assert np.isnan(y[5, 0]) and ball.get_xdata()[0] == d[1, 0] == pytest.approx(np.sqrt(2))
    finally:
        engine.close()


def test_profile_is_a_flag_of_the_race_and_refused_where_it_means_nothing(tmp_path):
    from optviz import cli

    out = tmp_path / "p.png"
    with pytest.raises(SystemExit) as done:
        cli.main(["race", "quadratic", "-O", "gd", "--steps", "20", "--profile", "-q", "-o",
                  str(out)])  # fmt: skip
    assert done.value.code == 0 and out.is_file()
    with pytest.raises(ov.OptvizError, match="profile already"):
        ov.scene_from_dict({"surface": "parabola", "optimizers": ["gd"],
                            "render": {"output": "x.png", "profile": True}})  # fmt: skip
    three_d = {"kind": "3d", "output": "x.png", "profile": True}  # a map seen from the side
    with pytest.raises(ov.OptvizError, match="profile"):
        ov.scene_from_dict({"surface": "quadratic", "optimizers": ["gd"], "render": three_d})
