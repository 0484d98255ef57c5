"""The math of optviz.nets: initialization, saturation, symmetry, batch normalization."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import nets
from optviz.nets import layers
from optviz.nets.model import Network
from optviz.util.errors import OptvizError, ParameterError, UnknownNameError

# ---------------------------------------------------------------- initialization


@pytest.fixture(scope="module")
def tanh_500():
    """The notes' setting: 10 tanh layers of 500 units, one pass per scheme."""
    return {
        "xavier": nets.propagate("xavier_normal", "tanh", gain=nets.TANH_GAIN),
        "xavier_gain1": nets.propagate("xavier_normal", "tanh"),
        "large": nets.propagate("large", "tanh"),
        "small": nets.propagate("small", "tanh"),
    }


def test_xavier_with_tanh_gain_keeps_variance_within_factor_2(tanh_500):
    var = tanh_500["xavier"].act_std ** 2
    assert len(var) == 10
    assert np.all(var / var[0] <= 2.0)
    assert np.all(var / var[0] >= 0.5)


def test_xavier_gain_1_decays_slowly_but_far_from_collapse(tanh_500):
    # With unit-variance inputs tanh shrinks the signal a little per layer, so textbook
    # Xavier (gain 1) loses variance like ~1/layer: a factor ~8 over 10 layers, not 2.
    var = tanh_500["xavier_gain1"].act_std ** 2
    ratio = var[0] / var[-1]
    assert 4 < ratio < 12
    assert np.all(np.diff(var) < 0)
    small = tanh_500["small"].act_std ** 2
    assert small[0] / small[-1] > 1e10


def test_large_init_saturates_most_tanh_units(tanh_500):
    large = tanh_500["large"]
    assert np.all(large.saturation > 0.8)
    assert np.mean(np.abs(large.activations[-1]) > 0.99) > 0.8
    assert np.all(tanh_500["xavier_gain1"].saturation[1:] < 0.01)


def test_small_init_collapses_tanh_towards_zero(tanh_500):
    small = tanh_500["small"]
    assert small.act_std[-1] < 1e-5
    assert np.all(np.diff(small.act_std) < 0)
    assert np.abs(small.activations[-1]).max() < 1e-4
    assert np.all(small.saturation == 0)


def test_small_init_vanishes_gradients_backwards(tanh_500):
    grad = tanh_500["small"].grad_std
    assert grad[0] < 1e-4 * grad[-1]


def test_he_keeps_relu_variance_roughly_constant():
    he = nets.propagate("he_normal", "relu").act_std ** 2
    assert np.all(he / he[0] < 2.0) and np.all(he / he[0] > 0.5)
    xavier = nets.propagate("xavier_normal", "relu").act_std ** 2
    assert xavier[-1] / xavier[0] < 0.01  # halved every layer by ReLU


def test_propagate_is_deterministic_and_seeded():
    a = nets.propagate("he_uniform", "leaky_relu", depth=3, width=20, batch=30, seed=5)
    b = nets.propagate("he_uniform", "leaky_relu", depth=3, width=20, batch=30, seed=5)
    c = nets.propagate("he_uniform", "leaky_relu", depth=3, width=20, batch=30, seed=6)
    assert np.array_equal(a.activations, b.activations)
    assert np.array_equal(a.gradients, b.gradients)
    assert not np.array_equal(a.activations, c.activations)


def test_backward_pass_matches_finite_differences():
    # propagate() differentiates L = sum(g * a_depth); check dL/dz of layer 1 numerically
    depth, width, batch, seed = 3, 4, 2, 1
    s = nets.propagate("xavier_normal", "tanh", depth, width, batch, seed)
    data = np.random.default_rng([seed, 0])
    x = data.standard_normal((batch, width))
    g = data.standard_normal((batch, width))
    rng = np.random.default_rng([seed, 1])
    ws = [nets.init_weights("xavier_normal", width, width, rng) for _ in range(depth)]

    def loss(z1):
        a = np.tanh(z1)
        for w in ws[1:]:
            a = np.tanh(a @ w)
        return np.sum(g * a)

    z1 = x @ ws[0]
    numeric = np.zeros_like(z1)
    for idx in np.ndindex(z1.shape):
        step = np.zeros_like(z1)
        step[idx] = 1e-6
        numeric[idx] = (loss(z1 + step) - loss(z1 - step)) / 2e-6
    np.testing.assert_allclose(s.gradients[0], numeric, rtol=1e-4, atol=1e-6)  # float32 copy


@pytest.mark.parametrize("scheme", sorted(nets.SCHEMES))
def test_init_weights_have_the_documented_scale(scheme):
    fan_in, fan_out = 400, 200
    w = nets.init_weights(scheme, fan_in, fan_out, np.random.default_rng(0))
    expected_std = {
        "zeros": 0.0,
        "constant": 0.0,
        "small": 0.01,
        "large": 1.0,
        "xavier_normal": np.sqrt(2 / (fan_in + fan_out)),
        "xavier_uniform": np.sqrt(2 / (fan_in + fan_out)),
        "he_normal": np.sqrt(2 / fan_in),
        "he_uniform": np.sqrt(2 / fan_in),
        "lecun": np.sqrt(1 / fan_in),
    }[scheme]
    assert w.shape == (fan_in, fan_out)
    assert w.std() == pytest.approx(expected_std, rel=0.02, abs=1e-12)
    if scheme == "constant":
        assert np.all(w == 1 / fan_in)


# ---------------------------------------------------------------- symmetry


@pytest.mark.parametrize("scheme", ["zeros", "constant"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_equal_init_keeps_neurons_identical(scheme, activation):
    run = nets.symmetry_run(scheme, activation, hidden=(6, 5), steps=40)
    for layer in range(2):
        w = run.weights[layer]
        assert np.abs(w[-1] - w[-1][:, :1]).max() < 1e-12
        assert run.spread(layer).max() < 1e-12
    if scheme == "constant" or activation == "sigmoid":
        assert not np.allclose(run.weights[0][-1], run.weights[0][0])  # they did move


def test_zero_init_with_tanh_never_moves_hidden_weights():
    run = nets.symmetry_run("zeros", "tanh", steps=20)
    for w in run.weights:
        assert not np.any(w)


def test_random_init_breaks_symmetry_and_learns_the_saddle():
    run = nets.symmetry_run("xavier_normal", steps=100)
    assert run.spread(0)[-1] > 0.1
    assert run.spread(1)[-1] > 0.1
    constant = nets.symmetry_run("constant", steps=100)
    assert run.loss[-1] < 0.5 * constant.loss[-1]


# ---------------------------------------------------------------- batch normalization


def test_batchnorm_output_is_standardized_per_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 5.0, (64, 7)) * np.arange(1, 8)
    y, _ = nets.batchnorm_forward(x, np.ones(7), np.zeros(7), eps=0.0)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1.0, rtol=1e-12)
    gamma, beta = rng.normal(size=7), rng.normal(size=7)
    y, _ = nets.batchnorm_forward(x, gamma, beta, eps=0.0)
    np.testing.assert_allclose(y.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), np.abs(gamma), rtol=1e-12)


def test_batchnorm_backward_matches_central_differences():
    rng = np.random.default_rng(1)
    x = rng.normal(1.0, 2.0, (8, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    dy = rng.normal(size=(8, 3))  # L = sum(dy * y) has dL/dy = dy

    def loss(x, gamma, beta):
        return np.sum(dy * nets.batchnorm_forward(x, gamma, beta)[0])

    _, cache = nets.batchnorm_forward(x, gamma, beta)
    analytic = nets.batchnorm_backward(dy, cache)
    args = [x, gamma, beta]
    for which, grad in enumerate(analytic):
        numeric = np.zeros_like(args[which])
        for idx in np.ndindex(numeric.shape):
            plus = [a.copy() for a in args]
            minus = [a.copy() for a in args]
            plus[which][idx] += 1e-5
            minus[which][idx] -= 1e-5
            numeric[idx] = (loss(*plus) - loss(*minus)) / 2e-5
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_mlp_backward_with_batchnorm_matches_central_differences():
    rng = np.random.default_rng(2)
    x, labels = rng.normal(size=(10, 2)), rng.integers(0, 3, 10)
    net = Network((2, 4, 4, 3), "sigmoid", batchnorm=True)
    params = net.layers(net.init("xavier_normal", seed=2))

    def loss():
        out, _ = layers.forward(params, x, "sigmoid")
        return layers.cross_entropy(out, labels)[0]

    out, caches = layers.forward(params, x, "sigmoid")
    grads = layers.backward(params, caches, layers.cross_entropy(out, labels)[1], "sigmoid")
    for layer, grad in zip(params, grads, strict=True):
        assert set(layer) == set(grad)
        for key, value in layer.items():
            numeric = np.zeros_like(value)
            for idx in np.ndindex(value.shape):
                old = value[idx]
                value[idx] = old + 1e-6
                up = loss()
                value[idx] = old - 1e-6
                down = loss()
                value[idx] = old
                numeric[idx] = (up - down) / 2e-6
            np.testing.assert_allclose(grad[key], numeric, rtol=1e-5, atol=1e-9)


@pytest.fixture(scope="module")
def bn_pair():
    return nets.batchnorm_pair()


def test_batchnorm_trains_the_deep_sigmoid_net_that_plain_sgd_cannot(bn_pair):
    # The honest claim, at the defaults (4 sigmoid layers of 64, Xavier, SGD lr 0.5,
    # 30 epochs): without BN the loss stays at chance, ln 3; with BN it falls well below.
    plain, bn = bn_pair
    assert plain.loss[-1] > 0.95 * np.log(3)
    assert plain.final_accuracy < 0.5
    assert bn.loss[-1] < 0.5 * plain.loss[-1]
    assert bn.final_accuracy > 0.9


def test_batchnorm_keeps_nonlinearity_inputs_in_place(bn_pair):
    plain, bn = bn_pair
    start, end = 0, -1
    median = 2  # QUANTILES index
    drift_plain = np.abs(plain.quantiles[end, :, median] - plain.quantiles[start, :, median])
    drift_bn = np.abs(bn.quantiles[end, :, median] - bn.quantiles[start, :, median])
    assert drift_plain.max() > 1.0  # the last layer slides into the sigmoid's flat tail
    assert drift_bn.max() < 0.5 * drift_plain.max()


def test_batchnorm_runs_share_data_and_init():
    a = nets.train_batchnorm(False, depth=2, width=8, epochs=1)
    b = nets.train_batchnorm(False, depth=2, width=8, epochs=1)
    assert np.array_equal(a.loss, b.loss)
    assert np.array_equal(a.quantiles, b.quantiles)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: nets.propagate("xavier"), UnknownNameError, "init scheme 'xavier'"),
        (lambda: nets.propagate(activation="relu6"), UnknownNameError, "did you mean 'relu'"),
        (lambda: nets.propagate(depth=0), ParameterError, "depth"),
        (lambda: nets.propagate(width=0), ParameterError, "width"),
        (lambda: nets.propagate(width=10**6), ParameterError, "width"),
        (lambda: nets.propagate(depth=2.5), ParameterError, "whole number"),
        (lambda: nets.propagate(depth=True), ParameterError, "whole number"),
        (lambda: nets.propagate(depth=200, width=4096, batch=1000), ParameterError, "too large"),
        (lambda: nets.propagate(gain=-1), ParameterError, "gain"),
        (lambda: nets.propagate(gain=float("nan")), ParameterError, "gain"),
        (lambda: nets.propagate(seed=-1), ParameterError, "seed"),
        (lambda: nets.symmetry_run(hidden=()), ParameterError, "hidden"),
        (lambda: nets.symmetry_run(lr=0), ParameterError, "lr"),
        (lambda: nets.train_batchnorm(batch_size=1), ParameterError, "batch_size"),
        (lambda: nets.batchnorm_pair(batchnorm=True), ParameterError, "batchnorm"),
    ],
)
def test_bad_input_raises_one_line_optviz_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, OptvizError)
    message = str(info.value)
    assert words in message
    assert "\n" not in message
