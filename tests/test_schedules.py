"""Learning-rate schedules against their closed forms, ranges and errors."""

import math

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optviz as ov
from optviz.util.errors import OptvizError, ParameterError, UnknownNameError

matplotlib.use("Agg")

N = 200
t = np.arange(N)


def factors(spec, steps=N):
    return ov.schedule(spec).factors(steps)


def test_closed_forms():
    np.testing.assert_array_equal(factors("constant"), np.ones(N))
    np.testing.assert_allclose(factors("step:step_size=30,gamma=0.5"), 0.5 ** (t // 30))
    np.testing.assert_allclose(
        factors("multistep:milestones=20;50;120,gamma=0.1"),
        0.1 ** ((t >= 20).astype(int) + (t >= 50) + (t >= 120)),
    )
    np.testing.assert_allclose(factors("exponential:gamma=0.97"), 0.97**t, rtol=1e-13)
    np.testing.assert_allclose(factors("linear:end_factor=0.2"), 1 - 0.8 * t / N, rtol=1e-14)
    np.testing.assert_allclose(
        factors("linear:start_factor=0.1,end_factor=1,total=50"),
        0.1 + 0.9 * np.minimum(t, 50) / 50,
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        factors("cosine:min_factor=0.1"), 0.1 + 0.45 * (1 + np.cos(np.pi * t / N)), rtol=1e-13
    )
    np.testing.assert_allclose(factors("inverse_sqrt"), 1 / np.sqrt(t + 1), rtol=1e-14)
    w = factors("inverse_sqrt:warmup=10")
    np.testing.assert_allclose(w[:10], (t[:10] + 1) / 10)
    np.testing.assert_allclose(w[10:], np.sqrt(10 / (t[10:] + 1)), rtol=1e-14)


def test_cyclic_is_a_triangle_wave_between_low_and_one():
    f = factors("cyclic:period=40,low=0.2")
    np.testing.assert_allclose(f[[0, 10, 20, 30, 40, 60, 80]], [0.2, 0.6, 1.0, 0.6, 0.2, 1.0, 0.2])
    np.testing.assert_allclose(np.abs(np.diff(f)), 0.8 / 20, rtol=1e-12)


def test_onecycle_rises_from_lr_over_div_to_lr_then_falls_far_below():
    f = factors("onecycle:pct_start=0.3,div_factor=25,final_div_factor=1e4")
    peak = round(0.3 * N - 1)
    assert f[0] == pytest.approx(1 / 25) and f[peak] == pytest.approx(1.0)
    assert f[-1] == pytest.approx(1 / 25 / 1e4)
    assert np.all(np.diff(f[: peak + 1]) > 0) and np.all(np.diff(f[peak:]) < 0)


def test_warmup_then_any_schedule_over_the_remaining_steps():
    for then in ("constant", "cosine", "exponential", "step", "linear"):
        f = factors(f"warmup:steps=15,then={then}")
        np.testing.assert_allclose(f[:15], (t[:15] + 1) / 15)
        np.testing.assert_allclose(f[15:], ov.schedule(then).factors(N - 15))
    g = factors("warmup:steps=10,then=exponential,gamma=0.9")
    np.testing.assert_allclose(g[10:], 0.9 ** np.arange(N - 10), rtol=1e-13)


def test_lrs_scale_the_base_rate_and_the_plot_draws_them():
    sched = ov.schedule("cosine")
    np.testing.assert_allclose(sched.lrs(0.3, 50), 0.3 * sched.factors(50))
    ax = sched.plot(steps=50, base_lr=0.3)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 0.3 * sched.factors(50))
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "learning rate"
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


SPECS = st.one_of(
    st.builds(lambda g, s: f"step:step_size={s},gamma={g}", st.floats(0, 1), st.integers(1, 50)),
    st.builds(lambda g: f"exponential:gamma={g}", st.floats(0.5, 1)),
    st.builds(
        lambda a, b: f"linear:start_factor={a},end_factor={b}", st.floats(0, 1), st.floats(0, 1)
    ),
    st.builds(lambda m: f"cosine:min_factor={m}", st.floats(0, 1)),
    st.builds(lambda p, lo: f"cyclic:period={p},low={lo}", st.integers(1, 80), st.floats(0, 1)),
    st.builds(
        lambda p, d, fd: f"onecycle:pct_start={p},div_factor={d},final_div_factor={fd}",
        st.floats(0, 1),
        st.floats(1, 100),
        st.floats(1, 1e4),
    ),
    st.builds(lambda w: f"inverse_sqrt:warmup={w}", st.integers(1, 50)),
    st.builds(
        lambda s, then: f"warmup:steps={s},then={then}",
        st.integers(1, 60),
        st.sampled_from(["constant", "cosine", "linear", "exponential", "onecycle"]),
    ),
)


@settings(max_examples=200, deadline=None)
@given(spec=SPECS, steps=st.integers(1, 400))
def test_factors_are_finite_and_between_zero_and_one(spec, steps):
    f = factors(spec, steps)
    assert f.shape == (steps,)
    assert np.all(np.isfinite(f)) and np.all((f >= 0) & (f <= 1 + 1e-12))


@given(lo=st.floats(0, 1), period=st.integers(2, 60), steps=st.integers(1, 300))
def test_cyclic_stays_between_low_and_one(lo, period, steps):
    f = factors(f"cyclic:period={period},low={lo}", steps)
    assert np.all(f >= lo - 1e-12) and np.all(f <= 1 + 1e-12)


@given(m=st.floats(0, 1), steps=st.integers(2, 300))
def test_cosine_decreases_from_one_towards_its_minimum(m, steps):
    f = factors(f"cosine:min_factor={m}", steps)
    assert f[0] == 1.0 and np.all(np.diff(f) <= 1e-15) and np.all(f >= m - 1e-12)


def test_zero_steps_give_no_factors():
    for name in ov.schedules():
        assert ov.schedule(name).factors(0).shape == (0,)


@pytest.mark.parametrize(
    ("spec", "error", "words"),
    [
        ("cosin", UnknownNameError, "did you mean 'cosine'"),
        ("step:gama=0.5", UnknownNameError, "did you mean 'gamma'"),
        ("step:step_size=0", ParameterError, "step_size must be >= 1"),
        ("cosine:min_factor=2", ParameterError, "min_factor=2.0 is out of range"),
        ("exponential:gamma=-1", ParameterError, "gamma=-1.0 is out of range"),
        ("multistep:milestones=a;b", ParameterError, "whole numbers"),
        ("warmup:then=warmup", UnknownNameError, "schedule to follow the warm-up"),
        ("onecycle:div_factor=0", ParameterError, "div_factor must be > 0"),
        ("step:gamma=fast", ParameterError, "must be a number"),
        ("cyclic:period", ParameterError, "expected key=value"),
    ],
)
def test_bad_schedules_say_what_is_allowed(spec, error, words):
    with pytest.raises(error, match=words) as err:
        ov.schedule(spec)
    assert isinstance(err.value, OptvizError) and "\n" not in str(err.value)


def test_schedule_passes_through_none_and_schedules_and_lists_names():
    assert ov.schedule(None) is None
    s = ov.schedule("cosine", min_factor=0.1)
    assert ov.schedule(s) is s and s.label == "cosine(min_factor=0.1)"
    assert {"constant", "step", "multistep", "exponential", "linear", "inverse_sqrt"} <= set(
        ov.schedules()
    )
    assert {"cosine", "cyclic", "onecycle", "warmup"} <= set(ov.schedules())
    assert math.isclose(ov.schedule("warmup:steps=4").factors(8)[0], 0.25)


def test_the_small_multiples_settings_read_from_the_back():
    """Each panel's settings line (under its name) is at least 19 px at 1280x720: at 18
    px of font size the glyphs measured about 16 px on the slide."""
    from matplotlib.text import Annotation

    from optviz.render.scheduleplots import plot_schedules

    fig = plot_schedules(["step", "cyclic"], steps=50)
    notes = [t for t in fig.findobj(Annotation) if t.get_text().strip()]
    assert notes and all(t.get_fontsize() * 100 / 72 >= 19 for t in notes)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_every_schedules_note_fits_one_line_under_its_panel():
    # schedule_shapes: row 2's notes wrapped unevenly (two lines beside one)
    from optviz.engine.scheduling import schedule
    from optviz.render import scheduleplots

    for spec in scheduleplots.SCHEDULE_SHAPES:
        _, note = scheduleplots.schedule_words(schedule(spec))
        assert len(scheduleplots._wrapped(note, 1280 / 5 * 0.92, scheduleplots.NOTE_PT)) == 1, note
    assert scheduleplots.LABEL_PT * 100 / 72 >= 16 * 1.2  # the rotated label, px at 100 dpi
