"""The math of optviz.nets.dropout: inverted dropout, its backward pass, and the seed check."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.nets import dropout, layers
from optviz.nets.data import dataset
from optviz.nets.model import Network
from optviz.util.errors import ParameterError

SEEDS = range(5)


@pytest.fixture(scope="module")
def pairs():
    """The shipped settings (the defaults) on every seed checked: (plain, dropped)."""
    return dropout.seed_study(SEEDS)


def test_inverted_dropout_keeps_the_expected_activation():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(1, 20))
    draws = 20_000
    for p in (0.2, 0.5, 0.8):
        out, _ = dropout.dropout_forward(np.repeat(a, draws, axis=0), p, rng)
        # each entry is a * Bernoulli(1-p) / (1-p): std of the mean is |a| sqrt(p/(1-p)/draws)
        tol = 5 * np.abs(a) * np.sqrt(p / (1 - p) / draws)
        assert np.all(np.abs(out.mean(axis=0) - a) < tol)


def _layers(sizes, seed):
    net = Network(sizes, "relu")
    return net.layers(net.init("he_normal", seed=seed))


def test_p_zero_is_no_dropout():
    params = _layers((2, 16, 16, 2), 1)
    x = np.random.default_rng(2).normal(size=(30, 2))
    full, _ = layers.forward(params, x, "relu")
    _, mask = dropout.dropout_forward(np.ones((30, 16)), 0.0, np.random.default_rng(3))
    zero, caches = layers.forward(params, x, "relu", masks=[mask, mask])
    np.testing.assert_array_equal(full, zero)
    assert all(c.get("mask") is None for c in caches[:-1])
    a = dropout.train_dropout(p=0.0, hidden=(8, 8), steps=30)
    dropout._TRAINED.clear()  # trained anew, not the kept run
    b = dropout.train_dropout(p=0.0, hidden=(8, 8), steps=30)
    assert a is not b
    np.testing.assert_array_equal(a.test_loss, b.test_loss)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_backward_with_fixed_mask_matches_finite_differences(activation):
    rng = np.random.default_rng(4)
    params = _layers((2, 6, 5, 2), 4)
    for layer in params:
        layer["b"] = rng.normal(0, 0.1, layer["b"].shape)
    x, y = rng.normal(size=(7, 2)), rng.integers(0, 2, 7)
    masks = [dropout.dropout_mask((7, w), 0.5, rng) for w in (6, 5)]

    def loss():
        logits, _ = layers.forward(params, x, activation, masks=masks)
        return layers.cross_entropy(logits, y)[0]

    logits, caches = layers.forward(params, x, activation, masks=masks)
    grads = layers.backward(params, caches, layers.cross_entropy(logits, y)[1], activation)
    h = 1e-6
    for layer, grad in zip(params, grads, strict=True):
        for key, value in layer.items():
            numeric = np.zeros_like(value)
            for idx in np.ndindex(value.shape):
                old = value[idx]
                value[idx] = old + h
                up = loss()
                value[idx] = old - h
                down = loss()
                value[idx] = old
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(grad[key], numeric, rtol=1e-5, atol=1e-8)


def test_dropped_units_get_no_gradient():
    rng = np.random.default_rng(5)
    params = _layers((2, 4, 2), 5)
    mask = np.array([0.0, 2.0, 0.0, 2.0])
    logits, caches = layers.forward(params, rng.normal(size=(3, 2)), "relu", masks=[mask])
    grads = layers.backward(params, caches, np.ones_like(logits), "relu")
    assert np.all(grads[0]["W"][:, [0, 2]] == 0)
    assert np.all(grads[1]["W"][[0, 2]] == 0)


def test_dropout_shrinks_the_train_test_gap_on_every_seed(pairs):
    for plain, dropped in pairs:
        assert plain.train_loss[-1] < 0.05  # the big net memorizes 40 noisy points
        assert plain.gap > 1.0
        assert dropped.gap < 0.5 * plain.gap


def test_full_net_approximates_the_thinned_ensemble_after_dropout_training(pairs):
    plain, dropped = pairs[0]
    xy = np.random.default_rng(6).uniform(-2, 2, (300, 2))
    diff = np.abs(dropped.ensemble(xy, 100) - dropped.predict(xy)).mean()
    assert diff < 0.1
    assert diff < np.abs(plain.ensemble(xy, 100) - plain.predict(xy)).mean()


def test_runs_are_deterministic_and_kept_unchangeable_by_their_settings():
    a = dropout.train_dropout(hidden=(8,), steps=20, seed=3)
    assert dropout.train_dropout(hidden=[8], steps=20, seed=3) is a  # kept: not trained again
    with pytest.raises(ValueError, match="read-only"):
        a.train_loss[0] = 0.0
    dropout._TRAINED.clear()
    b = dropout.train_dropout(hidden=(8,), steps=20, seed=3)
    assert b is not a
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    np.testing.assert_array_equal(a.params[0]["W"], b.params[0]["W"])
    assert dropout.train_dropout(hidden=(8,), steps=20, seed=4) is not b  # another seed


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan"), "half", True])
def test_bad_p_raises(p):
    with pytest.raises(ParameterError, match="dropout p"):
        dropout.train_dropout(p=p, steps=1)
    with pytest.raises(ParameterError):
        dropout.dropout_forward(np.ones(3), p, np.random.default_rng(0))


def test_bad_arguments_raise():
    with pytest.raises(ParameterError):
        dropout.dropout_pair(p=0.0)
    with pytest.raises(ParameterError):
        dataset("moons", 10, flip=0.9)
    with pytest.raises(ParameterError):
        dropout.train_dropout(hidden=())


def test_figure_layout_dark_theme():
    from optviz.render.dropoutplots import dropout_figure

    pairs = dropout.seed_study([0], hidden=(8, 8), steps=20)
    fig = dropout_figure(pairs, theme="dark", thinned=2, ensemble=4, resolution=20)
    assert len(fig.axes) == 3  # the loss panel and two maps: one slide's worth
    assert fig.get_size_inches().tolist() == [12.8, 7.2]
    with pytest.raises(ParameterError):
        dropout_figure([])


def test_dropout_training_equals_torch_adam_with_the_same_masks():
    import torch

    seed, steps, hidden = 2, 30, (8, 8)
    run = dropout.train_dropout(p=0.5, hidden=hidden, steps=steps, record_every=steps, seed=seed)
    net = run.network
    layers = net.layers(net.init("he_normal", seed=seed))
    tensors = [torch.tensor(layer[k], dtype=torch.float64, requires_grad=True)
               for layer in layers for k in ("W", "b")]  # fmt: skip
    opt = torch.optim.Adam(tensors, lr=1e-3)
    x = torch.from_numpy(run.x_train)
    y = torch.from_numpy(run.y_train)
    masks_rng = np.random.default_rng([seed, 9])  # the masks train_dropout draws, in order
    for _ in range(steps):
        masks = [dropout.dropout_mask((len(x), w), 0.5, masks_rng) for w in hidden]
        a = x
        for i in range(len(hidden)):
            a = torch.relu(a @ tensors[2 * i] + tensors[2 * i + 1]) * torch.from_numpy(masks[i])
        logits = a @ tensors[-2] + tensors[-1]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(logits, y).backward()
        opt.step()
    for layer, (w, b) in zip(run.params, zip(tensors[::2], tensors[1::2], strict=True),
                             strict=True):  # fmt: skip
        np.testing.assert_allclose(layer["W"], w.detach().numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(layer["b"], b.detach().numpy(), rtol=1e-10, atol=1e-13)
    assert not np.allclose(run.params[0]["W"], layers[0]["W"])  # it trained: the check has teeth


def test_the_maps_show_test_points_and_the_points_fill_them():
    """dropout.png: training points only, though the lesson is the test loss, and the
    points in the top half of a square around the farthest one."""
    from matplotlib.collections import PathCollection

    from optviz.render.dropoutplots import dropout_figure

    pairs = dropout.seed_study([0], hidden=(8, 8), steps=20)
    fig = dropout_figure(pairs, ensemble=4, resolution=20)
    maps = [ax for ax in fig.axes if ax.get_ylabel() != "cross-entropy"]
    assert len(maps) == 2
    for ax in maps:
        dots = [c for c in ax.collections if isinstance(c, PathCollection)]
        hollow = [c for c in dots if len(c.get_facecolors()) == 0]
        assert len(hollow) == 1 and len(hollow[0].get_offsets()) >= 100  # the test points
        xy = np.concatenate([c.get_offsets() for c in dots])
        for k, (lo, hi) in enumerate((ax.get_xlim(), ax.get_ylim())):
            assert (xy[:, k].max() - xy[:, k].min()) / (hi - lo) > 0.8
