"""Update rules against first steps worked by hand and closed forms on quadratics."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optviz as ov
import optviz.engine.optim as engine
from optviz.engine.builtin import pinv_solve
from optviz.util.errors import OptvizError, ParameterError, UnknownNameError

P0 = np.array([0.3, -0.7])
G = np.array([2.5, -0.04])


def first_step(spec, p=P0, g=G, lr=None):
    opt = ov.optimizer(spec)
    new, _ = opt.step(p, g, opt.init(p), opt.lr if lr is None else lr, 1, None)
    return new


# -- first steps by hand ----------------------------------------------------------------
def test_adam_first_step_moves_each_coordinate_by_lr_times_sign():
    lr, eps = 0.05, 1e-8
    new = first_step(f"adam:lr={lr}")
    # m̂ = g and sqrt(v̂) = |g|: the step is lr·g / (|g| + eps)
    np.testing.assert_allclose(new, P0 - lr * G / (np.abs(G) + eps), rtol=0, atol=1e-16)
    np.testing.assert_allclose(new, P0 - lr * np.sign(G), rtol=0, atol=lr * 1e-6)


@given(
    g=st.tuples(*[st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3)] * 2).map(np.array),
    lr=st.floats(1e-4, 1.0),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.0, 0.9999),
)
def test_adam_family_first_step_is_lr_sign_for_any_betas(g, lr, beta1, beta2):
    for name in ("adam", "amsgrad", "adamax"):
        new = first_step(ov.optimizer(name, lr=lr, beta1=beta1, beta2=beta2), g=g)
        np.testing.assert_allclose(new, P0 - lr * np.sign(g), rtol=0, atol=lr * 1e-5)


def test_adamw_first_step_decays_the_weights_then_steps():
    lr, wd = 0.05, 0.2
    new = first_step(f"adamw:lr={lr},weight_decay={wd}")
    np.testing.assert_allclose(new, P0 * (1 - lr * wd) - lr * G / (np.abs(G) + 1e-8), atol=1e-16)
    # coupled decay (Adam) puts it in the gradient instead: still a sign step
    coupled = first_step(f"adam:lr={lr},weight_decay={wd}")
    g = G + wd * P0
    np.testing.assert_allclose(coupled, P0 - lr * g / (np.abs(g) + 1e-8), atol=1e-16)


def test_adagrad_under_a_constant_gradient():
    # s_t = t·c², so step t moves lr·c / (sqrt(t)·|c| + eps), with lr decayed by lr_decay
    c = np.array([3.0, -2.0])
    surf = ov.Surface.from_expr("3*x - 2*y")
    lr, decay, eps, steps = 0.1, 0.05, 1e-10, 40
    traj = ov.run(surf, f"adagrad:lr={lr},lr_decay={decay}", start=(0.0, 0.0), steps=steps)
    t = np.arange(1, steps + 1)[:, None]
    moves = lr / (1 + (t - 1) * decay) * c / (np.sqrt(t) * np.abs(c) + eps)
    expected = np.vstack([[0.0, 0.0], -np.cumsum(moves, axis=0)])
    np.testing.assert_allclose(traj.xy, expected, rtol=1e-12, atol=1e-15)


def test_adagrad_initial_accumulator_value_enters_the_first_denominator():
    new = first_step("adagrad:lr=0.1,initial_accumulator_value=4.0")
    np.testing.assert_allclose(new, P0 - 0.1 * G / (np.sqrt(4.0 + G * G) + 1e-10), atol=1e-16)


def test_lion_moves_every_coordinate_by_exactly_lr():
    lr = 0.02
    traj = ov.run("rosenbrock", f"lion:lr={lr}", start=(-1.5, 2.5), steps=60)
    np.testing.assert_allclose(np.abs(np.diff(traj.xy, axis=0)), lr, rtol=1e-12)
    # with decoupled decay: lr·(sign(c) + λp)
    new = first_step("lion:lr=0.02,weight_decay=0.5")
    np.testing.assert_allclose(new, P0 - 0.02 * (np.sign(G) + 0.5 * P0), atol=1e-16)


def test_lion_uses_beta1_for_the_step_and_beta2_for_the_memory():
    opt = ov.optimizer("lion:lr=1.0,beta1=0.5,beta2=0.9")
    p, state = opt.step(P0, np.array([1.0, 1.0]), opt.init(P0), 1.0, 1)
    np.testing.assert_allclose(state.m, [0.1, 0.1])  # (1 - beta2)·g
    # c = 0.5·0.1 + 0.5·(-0.2) < 0 although the memory is positive: beta1 decides
    p2, _ = opt.step(p, np.array([-0.2, 0.3]), state, 1.0, 2)
    np.testing.assert_allclose(p2 - p, [1.0, -1.0])


def test_rmsprop_first_steps():
    a, lr, eps = 0.99, 0.01, 1e-8
    plain = first_step(f"rmsprop:lr={lr}")
    np.testing.assert_allclose(plain, P0 - lr * G / (np.sqrt(1 - a) * np.abs(G) + eps), atol=1e-16)
    # centered: v − ḡ² = (1−α)g² − (1−α)²g² = α(1−α)g²
    centered = first_step(f"rmsprop:lr={lr},centered=true")
    denom = np.sqrt(a * (1 - a)) * np.abs(G) + eps
    np.testing.assert_allclose(centered, P0 - lr * G / denom, rtol=1e-14)


def test_adadelta_first_step():
    rho, eps, lr = 0.9, 1e-6, 1.0
    new = first_step("adadelta")
    delta = math.sqrt(eps) / np.sqrt((1 - rho) * G * G + eps) * G
    np.testing.assert_allclose(new, P0 - lr * delta, rtol=1e-15)


def test_nadam_first_step_from_its_formula():
    lr, b1, psi, eps = 0.05, 0.9, 4e-3, 1e-8
    mu1 = b1 * (1 - 0.5 * 0.96**psi)
    mu2 = b1 * (1 - 0.5 * 0.96 ** (2 * psi))
    denom = np.abs(G) + eps  # sqrt(v̂₁) = |g|
    expected = P0 - lr * G / denom - lr * mu2 / (1 - mu1 * mu2) * (1 - b1) * G / denom
    np.testing.assert_allclose(first_step(f"nadam:lr={lr}"), expected, rtol=1e-15)


def test_radam_first_five_steps_are_bias_corrected_momentum_then_rectified():
    # ρ_t = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ) is 1 at t = 1 and first exceeds 5 at t = 6
    opt = ov.optimizer("radam:lr=0.01")
    p, state, m = P0, opt.init(P0), np.zeros(2)
    for t in range(1, 6):
        m = 0.9 * m + 0.1 * G
        new, state = opt.step(p, G, state, 0.01, t)
        np.testing.assert_allclose(new, p - 0.01 * m / (1 - 0.9**t), rtol=1e-14)
        p = new
    new, _ = opt.step(p, G, state, 0.01, 6)
    assert not np.allclose(new, p - 0.01 * (0.9 * m + 0.1 * G) / (1 - 0.9**6))


def test_momentum_and_nesterov_first_steps():
    np.testing.assert_allclose(first_step("momentum:lr=0.1"), P0 - 0.1 * G, atol=1e-16)
    np.testing.assert_allclose(first_step("nesterov:lr=0.1"), P0 - 0.1 * 1.9 * G, atol=1e-16)
    # dampening does not touch the first buffer (torch: b₁ = g₁)
    np.testing.assert_allclose(
        first_step("momentum:lr=0.1,dampening=0.5"), P0 - 0.1 * G, atol=1e-16
    )


# -- closed forms on quadratics ----------------------------------------------------------
ANGLE = math.radians(30)
Q = np.array([[math.cos(ANGLE), -math.sin(ANGLE)], [math.sin(ANGLE), math.cos(ANGLE)]])
LAMBDAS = np.array([1.0, 10.0])
H = Q @ np.diag(LAMBDAS) @ Q.T
BOWL = ov.Surface.from_expr(
    f"0.5*({float(H[0, 0])!r}*x**2 + 2*{float(H[0, 1])!r}*x*y + {float(H[1, 1])!r}*y**2)",
    domain=((-2, 2), (-2, 2)),
    minima=(0.0, 0.0),
)
START = np.array([1.2, -0.8])


@pytest.mark.parametrize("lr", [0.01, 0.05, 0.15, 0.199])
def test_gd_on_a_bowl_follows_one_minus_lr_lambda_to_the_t(lr):
    traj = ov.run(BOWL, ov.GD(lr=lr), start=START, steps=60)
    t = np.arange(61)[:, None]
    coords = (START @ Q) * (1 - lr * LAMBDAS) ** t  # eigen-coordinates
    np.testing.assert_allclose(traj.xy @ Q, coords, rtol=1e-10, atol=1e-13)


def test_gd_diverges_exactly_when_lr_exceeds_two_over_lambda_max():
    steps, limit = 2000, 10 * BOWL.span
    below = ov.run(BOWL, ov.GD(lr=2 / 10 * 0.99), start=START, steps=steps)
    assert below.diverged_at == -1
    assert np.linalg.norm(below.final_xy) < 1e-6
    above = ov.run(BOWL, ov.GD(lr=2 / 10 * 1.01), start=START, steps=steps)
    # the closed form predicts the step at which it leaves the escape radius
    t = np.arange(steps + 1)[:, None]
    path = ((START @ Q) * (1 - 2 / 10 * 1.01 * LAMBDAS) ** t) @ Q.T
    first_out = int(np.argmax(np.linalg.norm(path, axis=1) >= limit))
    assert above.diverged_at == first_out > 100
    np.testing.assert_array_equal(
        above.xy[first_out:], above.xy[first_out][None].repeat(steps + 1 - first_out, 0)
    )


@pytest.mark.parametrize(("lr", "mu"), [(0.05, 0.9), (0.18, 0.5), (0.01, 0.99)])
def test_heavy_ball_matches_its_linear_recurrence(lr, mu):
    # per eigen-direction: b_t = μ b_{t−1} + λ z_{t−1}, z_t = z_{t−1} − lr b_t, b_0 = 0,
    # i.e. (z, b)_t = M^t (z_0, 0) with the companion matrix M below
    steps = 80
    traj = ov.run(BOWL, ov.Momentum(lr=lr, momentum=mu), start=START, steps=steps)
    z0 = START @ Q
    for k, lam in enumerate(LAMBDAS):
        m = np.array([[1 - lr * lam, -lr * mu], [lam, mu]])
        expected = [np.linalg.matrix_power(m, t) @ [z0[k], 0.0] for t in range(steps + 1)]
        np.testing.assert_allclose((traj.xy @ Q)[:, k], np.array(expected)[:, 0], atol=1e-10)


def test_newton_reaches_the_minimum_of_a_quadratic_in_one_step():
    surf = ov.Surface.from_expr(f"{BOWL.expression} + 2*x - 3*y")
    traj = ov.run(surf, "newton", start=START, steps=2)
    minimum = -np.linalg.solve(H, [2.0, -3.0])
    np.testing.assert_allclose(traj.xy[1], minimum, atol=1e-12)
    np.testing.assert_allclose(traj.xy[2], minimum, atol=1e-12)


def test_newton_goes_to_the_saddle_in_one_step_while_gd_escapes():
    starts = np.array([[-1.8, 0.05], [1.0, -1.5], [0.3, 0.2]])
    newton = ov.run("saddle", "newton", start=starts, steps=1)
    np.testing.assert_allclose(newton.xy[1], 0.0, atol=1e-15)
    gd = ov.run("saddle", "gd:lr=0.1", start=starts, steps=100)
    assert np.all(np.abs(gd.final_xy[:, 1]) > np.abs(starts[:, 1]))  # the y part grows


def test_newton_pseudo_inverse_matches_numpy_and_leaves_flat_directions_alone():
    rng = np.random.default_rng(3)
    hess = rng.normal(size=(500, 2, 2)) * rng.uniform(0.01, 100, size=(500, 1, 1))
    hess = hess + np.swapaxes(hess, 1, 2)
    hess[:20] = 0.0
    hess[20:40] = [[1.0, 1.0], [1.0, 1.0]]  # rank one
    g = rng.normal(size=(500, 2))
    ref = np.einsum("nij,nj->ni", np.linalg.pinv(hess, rcond=1e-12, hermitian=True), g)
    ours = pinv_solve(hess, g)
    scale = np.linalg.norm(ref, axis=1, keepdims=True) + 1
    np.testing.assert_allclose(ours / scale, ref / scale, atol=1e-12)
    np.testing.assert_array_equal(ours[:20], 0.0)
    # the flat direction (1, −1) of the rank-one Hessian gets no step
    np.testing.assert_allclose(ours[20:40] @ [1.0, -1.0], 0.0, atol=1e-12)


def test_newton_damping_and_missing_hessian():
    np.testing.assert_allclose(pinv_solve(np.zeros((2, 2)), np.ones(2), damping=2.0), [0.5, 0.5])
    opt = ov.optimizer("newton")
    with pytest.raises(ParameterError, match="Hessian"):
        opt.step(P0, G, opt.init(P0), 1.0, 1, None)


def test_amsgrad_denominator_never_shrinks():
    opt = ov.optimizer("amsgrad:lr=0.01")
    p, state = P0, opt.init(P0)
    previous = state.v_max
    for t, g in enumerate(np.random.default_rng(0).normal(size=(50, 2)) * [10, 0.1], 1):
        p, state = opt.step(p, g, state, 0.01, t)
        assert np.all(state.v_max >= previous) and np.all(state.v_max >= state.v)
        previous = state.v_max


# -- batching: every rule acts on each start independently ------------------------------
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(
        [n for n in ov.optimizers() if n != "newton" and not ov.optimizer(n).evaluates]
    ),
)
def test_a_batched_step_is_the_step_of_each_start(seed, name):
    rng = np.random.default_rng(seed)
    p, g = rng.normal(size=(5, 2)), rng.normal(size=(3, 5, 2)) * 10
    h = rng.normal(size=(3, 5, 2, 2))
    h = h + np.swapaxes(h, -1, -2)  # a Hessian for those that read one (Sophia's diagonal)
    opt = ov.optimizer(name)
    state, rows = opt.init(p), [opt.init(p[i]) for i in range(5)]
    for t in range(1, 4):
        hess = h[t - 1] if opt.uses_hessian else None
        p_new, state = opt.step(p, g[t - 1], state, 0.01, t, hess)
        for i in range(5):
            h_i = None if hess is None else hess[i]
            alone, rows[i] = opt.step(p[i], g[t - 1, i], rows[i], 0.01, t, h_i)
            np.testing.assert_array_equal(alone, p_new[i])
        p = p_new


# -- registry, names, errors ----------------------------------------------------------------
@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(engine, "_REGISTRY", dict(engine._REGISTRY))


def test_a_user_defined_optimizer_works_in_run_and_race(registry):
    @ov.register
    class SignGD(ov.Optimizer):
        name = "signgd"
        defaults = {"lr": 0.01}

        def step(self, p, g, state, lr, t, hess=None):
            return p - lr * np.sign(g), state

    assert "signgd" in ov.optimizers()
    traj = ov.run("quadratic", "signgd:lr=0.1", start=(1.0, -0.55), steps=3)
    np.testing.assert_allclose(traj.xy, [[1.0, -0.55], [0.9, -0.45], [0.8, -0.35], [0.7, -0.25]])
    race = ov.race("quadratic", ["gd", SignGD(lr=0.1), "signgd:lr=0.2"], start=(1.0, -0.55))
    assert [t.label for t in race] == ["gd(lr=0.01)", "signgd(lr=0.1)", "signgd(lr=0.2)"]
    np.testing.assert_allclose(race[1].xy[:4], traj.xy)


def test_register_refuses_what_is_not_an_optimizer():
    with pytest.raises(ParameterError, match="subclass"):
        ov.register(dict)


@pytest.mark.parametrize(
    ("spec", "allowed"),
    [
        ("adam:beta1=1.0", "[0, 1)"),
        ("adam:eps=-1e-8", ">= 0"),
        ("rmsprop:alpha=1.5", "[0, 1)"),
        ("gd:lr=-0.1", ">= 0"),
        ("adagrad:initial_accumulator_value=-1", ">= 0"),
        ("nadam:momentum_decay=-0.1", ">= 0"),
        ("adadelta:rho=1.2", "[0, 1]"),
        ("sgd:batch_size=0", ">= 1"),
        ("newton:damping=-1", ">= 0"),
        ("lion:beta2=2", "[0, 1)"),
    ],
)
def test_bad_hyperparameters_say_what_is_allowed(spec, allowed):
    with pytest.raises(ParameterError) as err:
        ov.optimizer(spec)
    message = str(err.value)
    assert (
        "\n" not in message and allowed in message and spec.split(":")[1].split("=")[0] in message
    )


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("adam:lr=fast", "must be a number"),
        ("gd:lr=0.1,lr=0.2", "'lr' is given twice"),
        ("adam:amsgrad=maybe", "true or false"),
        ("sgd:batch_size=2.5", "whole number"),
        ("adam:lr=inf", "finite"),
        ("gd:nesterov=true", "nesterov needs momentum"),
        ("adam:lr", "expected key=value"),
    ],
)
def test_malformed_hyperparameters(spec, words):
    with pytest.raises(ParameterError, match=words):
        ov.optimizer(spec)


def test_unknown_names_suggest_the_closest():
    with pytest.raises(UnknownNameError, match="did you mean 'beta1'"):
        ov.optimizer("adam:betta1=0.9")
    with pytest.raises(UnknownNameError, match="did you mean 'adam'"):
        ov.optimizer("adm")
    with pytest.raises(OptvizError, match="known: amsgrad, beta1, beta2"):
        ov.Adam(momentum=0.9)


def test_labels_copies_and_descriptions():
    adam = ov.optimizer("adam:lr=0.1,beta1=0.8")
    assert adam.label == "adam(lr=0.1, beta1=0.8)"
    assert adam.with_lr(0.5).lr == 0.5 and adam.with_lr(0.5).beta1 == 0.8 and adam.lr == 0.1
    assert ov.optimizer(adam, eps=1e-6).eps == 1e-6
    assert ov.optimizer("ADAM : lr=0.1") == ov.Adam(lr=0.1)
    rows = {r["name"]: r for r in engine.describe()}
    assert set(rows) == set(ov.optimizers())
    assert all(r["summary"] and r["reference"] for r in rows.values())
    assert "momentum=0.9" in rows["momentum"]["defaults"]


def test_torch_defaults_other_than_lr():
    assert ov.optimizer("adam").hyper | {"lr": 0} == {
        "lr": 0,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "decoupled_weight_decay": False,
    }
    assert ov.optimizer("adamw").weight_decay == 0.01
    assert (ov.optimizer("rmsprop").alpha, ov.optimizer("rmsprop").eps) == (0.99, 1e-8)
    assert (ov.optimizer("adadelta").rho, ov.optimizer("adadelta").eps) == (0.9, 1e-6)
    assert ov.optimizer("adagrad").eps == 1e-10
    assert ov.optimizer("nadam").momentum_decay == 4e-3
    assert (ov.optimizer("lion").beta1, ov.optimizer("lion").beta2) == (0.9, 0.99)


@pytest.mark.parametrize("name", sorted(ov.optimizers()))
def test_every_optimizer_spec_builds_it_again(name):
    plain = ov.optimizer(name)
    assert ov.optimizer(plain.spec) == plain
    changed = {k: (not v) if isinstance(v, bool) else v * 1.37 + 1e-3
               for k, v in plain.hyper.items() if isinstance(v, bool | float)}  # fmt: skip
    try:
        other = ov.optimizer(name, **changed)
    except ov.OptvizError:  # some combinations are refused (e.g. a rate above 1)
        other = ov.optimizer(name, lr=0.123456789012345)
    assert ov.optimizer(other.spec) == other and other != plain
