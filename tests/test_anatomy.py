"""A step taken apart: the terms are the rule's, and they add up to the step taken."""

import numpy as np
import pytest

import optviz as ov
from optviz.analysis.anatomy import anatomy, effective_lr, speed, step_anatomy, walk

P0 = np.array([1.0, -0.5])  # on x² + y², g = 2θ


def vectors(a):
    return {part.name: part.vector for part in a.terms}


def test_momentum_step_is_its_momentum_term_plus_its_gradient_term():
    a = anatomy("quadratic", "momentum:lr=0.1", start=P0, at=2)
    # step 1: b1 = g0 = 2θ0, θ1 = 0.8 θ0; step 2: -η μ b1 - η g1
    np.testing.assert_allclose(a.point, 0.8 * P0)
    np.testing.assert_allclose(vectors(a)["momentum term"], -0.1 * 0.9 * 2 * P0)
    np.testing.assert_allclose(vectors(a)["gradient term"], -0.1 * 1.6 * P0)
    np.testing.assert_allclose(a.update, -0.34 * P0)
    np.testing.assert_allclose(a.reference.vector, -0.16 * P0)


def test_adam_terms_in_closed_form_with_coupled_and_decoupled_decay():
    lr, b1, b2, eps, wd = 0.1, 0.9, 0.999, 1e-8, 0.2
    for decoupled in (False, True):
        spec = f"adam:lr={lr},weight_decay={wd},decoupled_weight_decay={decoupled}"
        a = anatomy("quadratic", spec, start=P0, at=2)
        p1 = a.point
        g1 = 2 * P0 + (0 if decoupled else wd * P0)
        g2 = 2 * p1 + (0 if decoupled else wd * p1)
        m1, v1 = (1 - b1) * g1, (1 - b2) * g1**2
        v2 = b2 * v1 + (1 - b2) * g2**2
        scale = lr / (1 - b1**2) / (np.sqrt(v2 / (1 - b2**2)) + eps)
        parts = vectors(a)
        np.testing.assert_allclose(parts["momentum term"], -scale * b1 * m1, rtol=1e-12)
        np.testing.assert_allclose(parts["gradient term"], -scale * (1 - b1) * 2 * p1, rtol=1e-12)
        decay = -lr * wd * p1 if decoupled else -scale * (1 - b1) * wd * p1
        np.testing.assert_allclose(parts["weight decay"], decay, rtol=1e-12)
        np.testing.assert_allclose(a.total, a.update, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(a.factors[r"bias correction $1/(1-\beta_1^t)$"], 1 / 0.19)


SPECS = [
    "gd:lr=1e-3,weight_decay=0.1",
    "momentum:lr=1e-3,dampening=0.3,weight_decay=0.1",
    "nesterov:lr=1e-3,weight_decay=0.2",
    "adagrad:lr=0.1,weight_decay=0.1,lr_decay=0.01",
    "adadelta:weight_decay=0.1",
    "rmsprop:lr=1e-3,momentum=0.9,centered=true,weight_decay=0.1",
    "adam:lr=0.05,weight_decay=0.1",
    "amsgrad:lr=0.05",
    "adamw:lr=0.05",
    "nadam:lr=0.05,weight_decay=0.1",
    "nadam:lr=0.05,weight_decay=0.1,decoupled_weight_decay=true",
    "radam:lr=1e-3,weight_decay=0.1",
    "adamax:lr=0.05,weight_decay=0.1",
    "lion:lr=1e-3,weight_decay=0.1",
    "newton:lr=0.5",
]


@pytest.mark.parametrize("spec", SPECS)
def test_terms_sum_to_the_step_taken_at_every_step(spec):
    traj = ov.run("rosenbrock", spec, (-1.2, 1.0), 40, keep_state=True)
    for a in walk(traj):
        assert "noise / frozen" not in vectors(a)
        scale = np.abs(a.update).max() + 1e-300
        assert np.abs(a.total - a.update).max() <= 1e-12 * max(scale, 1.0), a.t


def test_update_noise_is_a_term_of_its_own():
    traj = ov.run("quadratic", "gd:lr=0.1", P0, 5, noise="update=0.1", seed=3, keep_state=True)
    a = step_anatomy(traj, 3)
    noise = vectors(a)["noise / frozen"]
    np.testing.assert_allclose(noise, a.update - (-0.1 * 2 * a.point), atol=1e-14)
    np.testing.assert_allclose(a.total, a.update, atol=1e-14)


def test_adagrad_rate_only_shrinks_and_rmsprop_rate_recovers():
    ada = ov.run("quadratic", "adagrad:lr=0.1", P0, 300, keep_state=True)
    rms = ov.run("quadratic", "rmsprop:lr=0.01", P0, 300, keep_state=True)
    rate = effective_lr(ada)
    g = ada.state["grad"]
    np.testing.assert_allclose(rate[1:], 0.1 / (np.sqrt(np.cumsum(g[1:] ** 2, axis=0)) + 1e-10))
    assert np.isnan(rate[0]).all() and np.all(np.diff(rate[1:], axis=0) <= 0)
    back = effective_lr(rms)[1:, 0]
    assert back[-1] > 3 * back.min()  # the gradient shrank, and so did E[g²]


def test_speed_is_the_length_of_each_step():
    traj = ov.run("quadratic", "gd:lr=0.1", P0, 3, keep_state=True)
    np.testing.assert_allclose(
        speed(traj), np.hypot(*P0) * 0.2 * 0.8 ** np.array([-1, 0, 1, 2]) * [0, 1, 1, 1]
    )


def test_anatomy_refuses_what_it_cannot_take_apart():
    with pytest.raises(ov.OptvizError, match="allowed: 1..5"):
        anatomy("quadratic", "adam", start=P0, at=6, steps=5)
    with pytest.raises(ov.OptvizError, match="one start"):
        anatomy("quadratic", "adam", start=[[0, 1], [1, 0]], at=1)
    with pytest.raises(ov.OptvizError, match="keep_state"):
        walk(ov.run("quadratic", "adam", P0, 3))


RATED = {  # the vector each rule multiplies by its per-coordinate rate, from the state
    "gd:lr=0.002": lambda s, t, o: s["grad"],
    "adagrad:lr=0.1,lr_decay=0.01": lambda s, t, o: s["grad"],
    "adadelta:lr=1": lambda s, t, o: s["grad"],
    "rmsprop:lr=0.003": lambda s, t, o: s["grad"],
    "rmsprop:lr=0.003,centered=true": lambda s, t, o: s["grad"],
    "adam:lr=0.05": lambda s, t, o: s["exp_avg"] / (1 - o.beta1**t),
    "amsgrad:lr=0.05": lambda s, t, o: s["exp_avg"] / (1 - o.beta1**t),
    "adamax:lr=0.05": lambda s, t, o: s["exp_avg"] / (1 - o.beta1**t),
    "radam:lr=0.001": lambda s, t, o: s["exp_avg"] / (1 - o.beta1**t),
}


@pytest.mark.parametrize("spec", RATED)
def test_the_effective_rate_times_what_it_scales_is_the_step_the_rule_took(spec):
    # effective_lr restates each rule's rate; it must agree with the rule (rules.py)
    traj = ov.run("rosenbrock", spec, (-1.2, 1.0), 60, keep_state=True)
    assert traj.diverged_at == -1  # every step is the rule's
    rate = effective_lr(traj)[1:]
    t = np.arange(1, 61, dtype=float)[:, None]
    state = {k: v[1:] for k, v in traj.state.items()}
    moved = -rate * RATED[spec](state, t, traj.optimizer)
    if spec.startswith("radam"):  # its first steps (rho_t <= 5) are plain momentum
        moved[:5] = -traj.lr[:5, None] * RATED[spec](state, t, traj.optimizer)[:5]
    np.testing.assert_allclose(moved, state["update"], rtol=1e-10, atol=1e-15)
