"""What an optimizer shows beside its path: line-search trials, averaged points, Rprop's box."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection

import optviz as ov
from optviz.cli import main
from optviz.render import extras, glyphs
from optviz.render.race_figure import plot_race


@pytest.fixture(scope="module")
def lbfgs_race():
    return ov.race("rosenbrock", ["lbfgs", "adam:lr=0.1"], start=(-1.2, 1.0), steps=40)


def _legend_labels(fig) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return [t.get_text() for leg in legends for t in leg.get_texts()]


def _ticks(ax) -> list:
    return [c for c in ax.collections if isinstance(c, LineCollection) and c.get_linewidth()[0]
            == extras.TICK_WIDTH]  # fmt: skip


def test_a_still_draws_every_trial_as_a_tick_and_explains_it_once(lbfgs_race):
    fig = plot_race(lbfgs_race, size="small", dpi=50)
    (ticks,) = _ticks(fig.axes[0])
    made = lbfgs_race[0].evaluations
    assert len(ticks.get_segments()) == len(made) > 40  # more trials than steps
    mids = np.array([seg.mean(axis=0) for seg in ticks.get_segments()])
    np.testing.assert_allclose(mids, made.xy, atol=1e-12)  # centred on the trial points
    assert _legend_labels(fig).count("line-search trials") == 1


def test_the_loss_panel_counts_evaluations_when_asked(lbfgs_race):
    fig = plot_race(lbfgs_race, loss="evals", size="small", dpi=50)
    (loss_ax,) = [ax for ax in fig.axes if ax.get_label() == "side:loss"]
    assert loss_ax.get_xlabel() == "evaluations"
    lbfgs_line = loss_ax.get_lines()[0]
    np.testing.assert_array_equal(lbfgs_line.get_xdata(), lbfgs_race[0].evals)
    np.testing.assert_array_equal(loss_ax.get_lines()[1].get_xdata(), np.arange(41))  # Adam
    assert loss_ax.get_xlim()[1] == lbfgs_race[0].evals[-1] > 40
    by_step = plot_race(lbfgs_race, loss=True, size="small", dpi=50)
    (by_step,) = [ax for ax in by_step.axes if ax.get_label() == "side:loss"]
    assert by_step.get_xlabel() == "step" and by_step.get_xlim()[1] == 40


def test_an_animation_shows_each_steps_trials_as_the_step_begins(lbfgs_race):
    anim = lbfgs_race.animate(loss="evals", size="small", dpi=40, fps=4, duration=1)
    engine_frames = list(anim.frames())
    assert len(engine_frames) == anim.n_frames
    (overlay,) = [o for o in anim.overlays if isinstance(o, extras.ExtrasOverlay)]
    made = lbfgs_race[0].evaluations
    (tick_lines, _), found = overlay.parts[0]["ticks"]
    for s in (0.0, 3.5, 40.0):
        overlay(overlay.engine, s)
        assert len(tick_lines.get_segments()) == int(np.sum(made.step - 1 < s))


def test_asgd_draws_its_averaged_iterate_beside_the_iterate():
    race = ov.race("rosenbrock", ["asgd:lr=0.001,t0=20"], start=(-1.2, 1.0), steps=60)
    fig = plot_race(race, size="small", dpi=50)
    ax = fig.axes[0]
    end = race[0].points["ax"][-1]
    found = [ln for ln in ax.get_lines()
             if len(ln.get_xdata()) == 1 and np.allclose(ln.get_xydata()[0], end)]  # fmt: skip
    assert found, "the averaged iterate's ball"
    assert not np.allclose(end, race[0].xy[-1], atol=1e-3)  # it lags behind the iterate
    assert "averaged iterate" in _legend_labels(fig)


def test_rprops_glyphs_are_its_step_and_the_box_of_its_step_sizes():
    traj = ov.run("elliptic", "rprop:lr=0.05", steps=30, keep_state=True)
    raw = glyphs.raw_glyphs(traj)
    step, sizes = raw["step"][:, 0], raw["sizes"][:, 0]
    # the next step goes to a corner of the box, or to a side's middle where the sign flipped
    moved = np.abs(step[:-1])
    half = sizes[:-1] / 2
    assert np.all(np.isclose(moved, half) | (moved == 0))
    assert np.any(moved == 0)  # a flip across the ravine's floor skips a move
    assert sizes[20, 0] > 5 * sizes[20, 1]  # along the floor wide, across it thin


def _optviz(*args: str) -> int:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    return done.value.code


def test_the_issues_race_renders_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "race.png"
    code = _optviz("race", "rosenbrock", "-O", "lbfgs", "-O", "rprop", "-O", "adafactor",
                   "--x", "evals", "--size", "small", "--dpi", "40", "-o", str(out))  # fmt: skip
    assert code == 0 and out.stat().st_size > 0
    assert _optviz("list", "optimizers") == 0
    text = capsys.readouterr().out
    assert "torch.optim.LBFGS 2.13" in text and "checked against" in text
    assert _optviz("race", "rosenbrock", "--x", "tries", "-o", str(out)) == 2


def test_a_trial_tick_is_at_least_20_px_long_on_a_slide(lbfgs_race):
    """Issue 22: the trials are the lesson, so each tick reads on a 1280 x 720 slide."""
    anim = lbfgs_race.animate(loss="evals", size=(12.8, 7.2), dpi=100, fps=2, duration=1)
    engine = anim._engine()
    try:
        engine.frame(40.0)
        (overlay,) = [o for o in anim.overlays if isinstance(o, extras.ExtrasOverlay)]
        (tick_lines, _), _ = overlay.parts[0]["ticks"]
        ax = tick_lines.axes
        segs = np.array(tick_lines.get_segments())
        px = np.linalg.norm(ax.transData.transform(segs[:, 1]) - ax.transData.transform(segs[:, 0]),
                            axis=1)  # fmt: skip
        assert len(px) > 40 and px.min() >= 20.0, px.min()
    finally:
        engine.close()
