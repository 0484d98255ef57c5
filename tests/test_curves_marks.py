"""A side view keeps every mark at the curve: the trail of a run that swings back and
forth stays on the curve, landmarks sit at ``(x*, f(x*))``, a ball is shown while it is
in the frame, and a callout's equation reads whole."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.render import curveballs, paths, sideview, style


def _last_frame(race):
    """The side view as an animation's held last frame draws it: ``(fig, balls)``."""
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, "16:9", 100, "light", None)
        fig.canvas.draw()
        fig.set_layout_engine("none")
        styles = paths.path_styles(race.trajectories, one_map=False)
        balls = []
        for ax, traj, ps in zip(panels, race.trajectories, styles, strict=True):
            b = curveballs.Balls(ax, traj, ps, "light", animated=False)
            b.update(float(traj.steps))
            balls.append(b)
    return fig, balls


def _off_curve_pt(b, pts: np.ndarray) -> np.ndarray:
    """How far (points, on the page) each point ``(m, 2)`` lies from the curve, along y
    over the same x (the curve's line is where a reader looks for it)."""
    x = b.page.to_data(pts)[:, 0]
    curve = b.page.to_points(x, b.roll.surface.f(x[:, None]))
    return np.abs(pts[:, 1] - curve[:, 1])


@pytest.mark.parametrize(
    "race",
    [
        lambda: ov.race("parabola", ["momentum:lr=0.01,momentum=0.98"], start=[-2.0], steps=150),
        lambda: ov.race("flat_inflection", ["momentum:lr=0.1"], start=[[1.2]], steps=150),
        lambda: ov.race("shallow_then_deep", ["momentum:lr=0.01"], steps=200),
    ],
    ids=["momentum_swing", "flat_inflection", "shallow_then_deep"],
)
def test_a_swing_trail_and_dots_stay_on_the_curve(race):
    """A run going back and forth keeps its earlier passes on the curve: lifted into
    lanes (up to 0.7 of f above it), they read as a second curve, the ball flying."""
    fig, (b,) = _last_frame(race())
    assert any(len(t) >= 2 for t in b.roll.turns())  # it does turn back
    way = np.vstack(b.roll.rolled_until(float(b.roll.steps))[0])
    dots, _ = b.roll.dots_until(float(b.roll.steps))
    assert _off_curve_pt(b, way).max() < 1.0, _off_curve_pt(b, way).max()
    assert _off_curve_pt(b, dots).max() < 1.0


@pytest.mark.parametrize("name", ["parabola", "flat_inflection", "plateau_drop", "twin_wells"])
def test_a_landmark_sits_on_the_curve_at_its_point(name):
    """A star or square marks ``(x*, f(x*))`` on the curve as drawn (hung 0.6 under it,
    it read as a point at a lower f)."""
    race = ov.race(name, ["gd:lr=0.01"], steps=2)
    fig, (b,) = _last_frame(race)
    ax = b.ax
    marks = [ln for ln in ax.get_lines() if ln.get_gid() == "landmark"]
    assert marks
    for line in marks:
        xy = np.asarray(line.get_xydata(), float)
        drawn = line.get_transform().transform(xy)
        on_curve = ax.transData.transform(np.c_[xy[:, 0], race.surface.f(xy[:, :1])])
        assert np.abs(drawn - on_curve).max() < 1.0, line.get_label()


def test_a_ball_is_shown_while_it_is_in_the_frame_and_left_when_it_is_not():
    """learning_rate_curve's lr 1.1: step 3 (x 2.6, f 6.7) is inside the frame, past the
    domain's end; "left the view at step 3" pointed at a cross inside the axes."""
    from optviz.scenes import load_scene

    race = load_scene("learning_rate_curve").race()
    fig, balls = _last_frame(race)
    for b in balls:
        ax = b.ax
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        steps = race.trajectories[balls.index(b)].steps
        raw = np.asarray(race.trajectories[balls.index(b)].xy, float).reshape(steps + 1, -1)[:, 0]
        with np.errstate(all="ignore"):
            fx = race.surface.f(raw[:, None])
        framed = np.isfinite(fx) & (x0 <= raw) & (raw <= x1) & (fx <= y1) & (fx >= y0)
        k = int(b.roll.left_at[0])
        end = len(raw) if k < 0 else k
        assert framed[:end].all()
        if k >= 0:
            assert not framed[k], (k, raw[k], fx[k])
    bounce = balls[2].roll
    assert bounce.left_at[0] == 4


def test_an_equation_in_a_side_callout_is_never_broken():
    """ "Ends at x / = -0.67," broke an equation; its minus was a hyphen."""
    from optviz.render.sidecallouts import _minus_signs, _phrases

    words = _phrases(_minus_signs("Ends at x = -0.67, short of the minimum (lr 0.01)").split())
    assert "x = \u22120.67," in words and "(lr 0.01)" in words
    assert _minus_signs("step-3 left") == "step-3 left"  # a hyphen between words stays
