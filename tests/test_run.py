"""The batched runner: shapes, batch independence, determinism, divergence, convergence."""

import warnings
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optviz as ov
from optviz.catalog import surface_from_spec
from optviz.util.errors import OptvizError, ParameterError

ROSEN = ov.surface("rosenbrock")


def random_starts(n, seed=0, surf=ROSEN):
    (x0, x1), (y0, y1) = surf.domain
    return np.random.default_rng(seed).uniform([x0, y0], [x1, y1], size=(n, 2))


def test_shapes_of_one_start_and_of_many():
    one = ov.run(ROSEN, "adam", start=(-1.0, 0.5), steps=7)
    assert one.xy.shape == (8, 2) and one.loss.shape == (8,) and one.grad_norm.shape == (8,)
    assert one.lr.shape == (7,) and one.diverged_at.shape == () and not one.batched
    many = ov.run(ROSEN, "adam", start=random_starts(5), steps=7)
    assert many.xy.shape == (8, 5, 2) and many.loss.shape == (8, 5) and many.lr.shape == (7,)
    assert many.diverged_at.shape == (5,) and many.converged_at.shape == (5,)
    np.testing.assert_allclose(many.loss, ROSEN.f(many.xy))
    np.testing.assert_allclose(many.grad_norm, np.linalg.norm(ROSEN.grad(many.xy), axis=-1))
    np.testing.assert_array_equal(ov.run(ROSEN, "gd", steps=3).xy[0], ROSEN.start)


@pytest.mark.parametrize("name", ["gd", "momentum", "adam", "rmsprop", "lion", "newton"])
def test_one_start_alone_equals_the_same_start_in_a_batch_of_ten_thousand(name):
    starts = random_starts(10_000, seed=1)
    batch = ov.run(ROSEN, name, start=starts, steps=150)
    for i in (0, 4321, 9999):
        alone = ov.run(ROSEN, name, start=starts[i], steps=150)
        np.testing.assert_array_equal(alone.xy, batch.xy[:, i])
        np.testing.assert_array_equal(alone.loss, batch.loss[:, i])
        assert alone.diverged_at == batch.diverged_at[i]
        assert alone.converged_at == batch.converged_at[i]
        np.testing.assert_array_equal(batch.start(i).xy, alone.xy)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    name=st.sampled_from(ov.optimizers()),
    n=st.integers(2, 40),
)
def test_batch_independence_property(seed, name, n):
    # exact runs only: a start's path does not depend on who else is in the batch
    if name == "sgd":
        name = "sgd:grad_noise=0"
    starts = random_starts(n, seed)
    batch = ov.run(ROSEN, name, start=starts, steps=40)
    pick = seed % n
    alone = ov.run(ROSEN, name, start=starts[pick], steps=40)
    np.testing.assert_array_equal(alone.xy, batch.xy[:, pick])


@pytest.mark.parametrize(
    ("optimizer", "noise"),
    [
        ("sgd", None),
        ("gd", "grad=0.5"),
        ("gd", "update=0.01"),
        ("gd", "input=0.05"),
        ("adam", "grad=1,update=0.01,input=0.01,anneal=0.55"),
    ],
)
def test_same_seed_is_bit_identical_and_another_seed_another_path(optimizer, noise):
    starts = random_starts(50)
    a = ov.run(ROSEN, optimizer, start=starts, steps=40, noise=noise, seed=3)
    b = ov.run(ROSEN, optimizer, start=starts, steps=40, noise=noise, seed=3)
    c = ov.run(ROSEN, optimizer, start=starts, steps=40, noise=noise, seed=4)
    np.testing.assert_array_equal(a.xy, b.xy)
    np.testing.assert_array_equal(a.diverged_at, b.diverged_at)
    assert np.all(np.any(a.xy[1:] != c.xy[1:], axis=(0, 2)))  # every start's path differs


# -- divergence is data -------------------------------------------------------------------
def test_divergence_freezes_the_start_records_the_step_and_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # λ = 2 on the bowl: lr 1.5 multiplies x by −2 each step
        traj = ov.run("quadratic", "gd:lr=1.5", start=[[1.0, 0.0], [0.0, 0.0]], steps=60)
        limit = 10 * ov.surface("quadratic").span
        expected = int(np.argmax(2.0 ** np.arange(61) >= limit))
        np.testing.assert_array_equal(traj.diverged_at, [expected, -1])
        frozen = traj.xy[expected:, 0]
        np.testing.assert_array_equal(frozen, np.broadcast_to(frozen[0], frozen.shape))
        np.testing.assert_allclose(abs(frozen[0, 0]), 2.0**expected)


def test_overflow_and_nan_are_caught_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steep = ov.Surface.from_expr("exp(x**2) + y**2", domain=((-2, 2), (-2, 2)))
        traj = ov.run(steep, "gd:lr=0.5", start=[[1.5, 1.0], [0.0, 0.5]], steps=30, escape=1e5)
        assert traj.diverged_at[0] > 0 and traj.diverged_at[1] == -1
        assert np.all(np.isfinite(traj.xy))
        # a step that overflows the position itself: kept at its last finite place
        big = ov.run("quadratic", "gd:lr=1e300", start=(1e10, 0.0), steps=5, escape=1e300)
        assert big.diverged_at == 1
        np.testing.assert_array_equal(big.xy, np.broadcast_to([1e10, 0.0], (6, 2)))
        assert np.all(big.loss == big.loss[0])
        newton = ov.run(steep, "newton", start=random_starts(200, surf=steep), steps=30)
        assert np.all(np.isfinite(newton.xy))


def test_a_start_outside_the_escape_radius_diverges_at_step_zero():
    traj = ov.run("quadratic", "adam", start=[[100.0, 0.0], [1.0, 1.0]], steps=5)
    np.testing.assert_array_equal(traj.diverged_at, [0, -1])
    np.testing.assert_array_equal(traj.xy[:, 0], np.broadcast_to([100.0, 0.0], (6, 2)))
    assert not traj.converged[0]


# -- convergence ---------------------------------------------------------------------------
def test_converged_at_on_the_bowl_is_the_closed_form_entry_step():
    tol = 1e-3
    traj = ov.run("quadratic", "gd:lr=0.1", start=(1.0, -0.5), steps=100, tol=tol)
    dist = np.hypot(1.0, 0.5) * 0.8 ** np.arange(101)
    expected = int(np.argmax(dist < tol * ov.surface("quadratic").span))
    assert traj.converged_at == expected


@pytest.mark.parametrize("optimizer", ["momentum:lr=0.002,momentum=0.9", "adam:lr=0.1", "gd"])
def test_converged_at_means_staying_converged(optimizer):
    surf = ov.surface("himmelblau")
    traj = ov.run(surf, optimizer, start=random_starts(300, 2, surf), steps=300, tol=1e-3)
    near_min = (
        np.linalg.norm(traj.xy[:, :, None, :] - surf.minima, axis=-1).min(-1) < 1e-3 * surf.span
    )
    near = near_min | (traj.grad_norm < 1e-6)
    for i in range(300):
        c = traj.converged_at[i]
        if c == -1:
            assert traj.diverged[i] or not near[-1, i]
        else:
            assert near[c:, i].all() and (c == 0 or not near[c - 1, i])
    assert traj.converged.sum() > 100


def test_a_ball_rolling_through_the_minimum_has_not_converged_yet():
    # heavy ball on a 1-D bowl crosses the origin many times before it settles
    traj = ov.run("quadratic", "momentum:lr=0.01,momentum=0.97", start=(1.0, 0.0), steps=600)
    near = np.abs(traj.xy[:, 0]) < 1e-3 * ov.surface("quadratic").span
    first_touch = int(np.argmax(near))
    assert traj.converged_at > first_touch
    assert near[traj.converged_at :].all() and not near[traj.converged_at - 1]


def test_gd_stopping_on_the_saddle_is_stuck_not_converged():
    # the gradient vanishes at the saddle, but the surface curves down along y there
    traj = ov.run("saddle", "gd:lr=0.1", start=(-1.8, 0.0), steps=200)
    assert abs(traj.final_xy[0]) < 1e-6 and traj.grad_norm[-1] < 1e-6
    assert traj.converged_at == -1


def test_a_vanishing_gradient_at_a_strict_minimum_counts_as_converged():
    # no known minimum stated: the gradient test with positive curvature decides
    bowl = ov.Surface.from_expr("(x - 0.5)**2 + 2*y**2")
    traj = ov.run(bowl, "gd:lr=0.1", start=(1.5, 1.0), steps=200)
    assert 0 < traj.converged_at < 200


def test_gd_stuck_on_a_plateau_has_not_converged():
    flat = ov.Surface.from_expr("tanh(x)**2", domain=((-20, 20), (-2, 2)))
    traj = ov.run(flat, "gd:lr=0.1", start=(15.0, 0.0), steps=100)
    assert traj.grad_norm[-1] < 1e-6 and traj.converged_at == -1


# -- noise through the runner ---------------------------------------------------------------
LINEAR = ov.Surface.from_expr("x + 2*y", domain=((-10, 10), (-10, 10)))


def increments(optimizer, noise, n=20_000, steps=1, seed=0, surf=LINEAR):
    traj = ov.run(surf, optimizer, start=np.zeros((n, 2)), steps=steps, noise=noise, seed=seed)
    return np.diff(traj.xy, axis=0)


def assert_normal(samples, mean, std):
    n = samples.size
    assert abs(samples.mean() - mean) < 5 * std / np.sqrt(n)
    assert abs(samples.std() / std - 1) < 5 / np.sqrt(2 * n)


def test_gradient_noise_has_the_stated_standard_deviation():
    d = increments("gd:lr=1", "grad=0.5")[0]
    assert_normal(d[:, 0], -1.0, 0.5)
    assert_normal(d[:, 1], -2.0, 0.5)
    assert abs(np.corrcoef(d[:, 0], d[:, 1])[0, 1]) < 5 / np.sqrt(len(d))


def test_annealed_noise_shrinks_as_t_to_the_minus_anneal():
    d = increments("gd:lr=1", "grad=0.5,anneal=0.55", steps=3)
    for t in (1, 2, 3):
        assert_normal(d[t - 1, :, 0], -1.0, 0.5 * t**-0.55)


def test_update_noise_is_added_to_the_step():
    d = increments("gd:lr=0", "update=0.3")[0]
    assert_normal(d, 0.0, 0.3)


def test_input_noise_evaluates_the_gradient_at_a_perturbed_point():
    # bowl x² + y²: gd with lr 0.5 jumps to p − (p + σξ) = −σξ
    traj = ov.run(
        "quadratic", "gd:lr=0.5", start=np.full((20_000, 2), 0.7), steps=1, noise="input=0.2"
    )
    assert_normal(traj.xy[1], 0.0, 0.2)


def test_sgd_brings_gradient_noise_on_analytic_surfaces_and_run_noise_overrides_it():
    assert_normal(increments("sgd:lr=1", None)[0][:, 0], -1.0, 1.0)  # grad_noise default 1
    assert_normal(increments("sgd:lr=1,grad_noise=0.2", None)[0][:, 0], -1.0, 0.2)
    assert_normal(increments("sgd:lr=1", "grad=0.3")[0][:, 0], -1.0, 0.3)
    exact = ov.run(ROSEN, "sgd:grad_noise=0", steps=20)
    np.testing.assert_array_equal(exact.xy, ov.run(ROSEN, "gd", steps=20).xy)


def data_surface(rows=12, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=rows)
    v = 1.5 * u - 0.5 + 0.3 * rng.normal(size=rows)
    spec = {
        "name": "line",
        "title": "least squares",
        "kind": "bowl",
        "description": "fit v = x·u + y",
        "domain": [[-3.0, 3.0], [-3.0, 3.0]],
        "starts": [[-2.0, 2.0]],
        "data": {
            "columns": ["u", "v"],
            "values": np.c_[u, v].tolist(),
            "sample": "(x*u + y - v)**2",
        },
    }
    return surface_from_spec(spec, "test")


def test_sgd_on_a_data_surface_uses_mini_batches_not_gradient_noise():
    surf = data_surface()
    full = ov.run(surf, "gd:lr=0.05", steps=30)
    whole = ov.run(surf, "sgd:lr=0.05,batch_size=12", steps=30, seed=5)
    np.testing.assert_allclose(whole.xy, full.xy, rtol=1e-12, atol=1e-14)
    small = ov.run(surf, "sgd:lr=0.05,batch_size=3", steps=30, seed=5)
    assert not np.allclose(small.xy, full.xy)
    # each mini-batch gradient is the mean over 3 of the rows, so the first step is one of
    # the C(12, 3) = 220 possible subset means
    x0 = surf.start
    rows = surf.data.values
    res = 2 * (x0[0] * rows[:, 0] + x0[1] - rows[:, 1])
    grads = np.c_[res * rows[:, 0], res]
    steps = [x0 - 0.05 * grads[list(c)].mean(0) for c in combinations(range(12), 3)]
    assert np.min(np.linalg.norm(np.array(steps) - small.xy[1], axis=1)) < 1e-12


def test_batch_noise_needs_a_surface_with_data():
    with pytest.raises(ParameterError, match="needs a surface with data"):
        ov.run(ROSEN, "gd", noise="batch=4")
    traj = ov.run(data_surface(), "gd:lr=0.05", noise="batch=4", steps=5, seed=1)
    assert not np.allclose(traj.xy, ov.run(data_surface(), "gd:lr=0.05", steps=5).xy)


# -- schedule, race, bad input -----------------------------------------------------------------
def test_the_schedule_scales_each_optimizers_own_rate():
    sched = ov.schedule("cosine")
    traj = ov.run(ROSEN, "adam:lr=0.05", steps=30, schedule=sched)
    np.testing.assert_allclose(traj.lr, 0.05 * sched.factors(30))
    # the bowl under GD with a schedule is the product of the per-step factors
    bowl = ov.run(
        "quadratic", "gd:lr=0.2", start=(1.0, 0.0), steps=20, schedule="exponential:gamma=0.9"
    )
    np.testing.assert_allclose(bowl.xy[1:, 0], np.cumprod(1 - 2 * bowl.lr), rtol=1e-12)


def test_race_runs_each_optimizer_from_the_same_starts_seed_and_schedule():
    starts = random_starts(20)
    race = ov.race(
        ROSEN, ["gd", "sgd", ov.Adam(lr=0.05)], start=starts, steps=25, schedule="cosine", seed=7
    )
    assert [t.name for t in race] == ["gd", "sgd", "adam"] and len(race) == 3
    for traj in race:
        np.testing.assert_array_equal(traj.xy[0], starts)
    alone = ov.run(ROSEN, "sgd", start=starts, steps=25, schedule="cosine", seed=7)
    np.testing.assert_array_equal(race[1].xy, alone.xy)
    with pytest.raises(ParameterError, match="at least one"):
        ov.race(ROSEN, [])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"steps": -1}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"start": (1.0, 2.0, 3.0)}, "shape"),
        ({"start": "here"}, "start"),
        ({"start": (np.nan, 0.0)}, "finite"),
        ({"seed": -1}, "seed"),
        ({"tol": -1.0}, "tol"),
        ({"escape": 0.5}, "escape"),
        ({"noise": "loud=1"}, "unknown noise kind"),
    ],
)
def test_bad_run_arguments(kwargs, words):
    with pytest.raises(OptvizError, match=words) as err:
        ov.run(ROSEN, "gd", **kwargs)
    assert "\n" not in str(err.value)


def test_a_run_too_big_for_memory_is_refused_before_it_starts():
    with pytest.raises(ParameterError, match=r"2000000 start\(s\) x 1000 steps would need .* GiB"):
        ov.run("quadratic", "gd", start=np.zeros((2_000_000, 2)), steps=1000)
