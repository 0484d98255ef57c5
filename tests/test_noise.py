"""Noise specs, merging over an optimizer's own noise, and mini-batch row sampling."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optviz as ov
from optviz.catalog import surface_from_spec
from optviz.engine.noise import Noise, batch_rows
from optviz.util.errors import ParameterError, UnknownNameError


def test_parse_strings_dicts_and_noises():
    n = Noise.parse("grad=0.5, update=0.1, input=0.2, batch=8, anneal=0.55")
    assert (n.grad, n.update, n.input, n.batch, n.anneal) == (0.5, 0.1, 0.2, 8, 0.55)
    assert Noise.parse({"grad": "0.5"}) == Noise(grad=0.5)
    assert Noise.parse(n) is n and Noise.parse(None) is None
    assert Noise().is_zero and not Noise(update=0.1).is_zero


@pytest.mark.parametrize(
    ("spec", "error", "words"),
    [
        ("grad=-1", ParameterError, "finite number >= 0"),
        ("grad=nan", ParameterError, "finite number >= 0"),
        ("batch=0", ParameterError, "whole number >= 1"),
        ("batch=2.5", ParameterError, "must be a number"),
        ("grd=1", UnknownNameError, "did you mean 'grad'"),
        ("grad", ParameterError, "expected key=value"),
        (42, ParameterError, "noise must be like"),
    ],
)
def test_bad_noise(spec, error, words):
    with pytest.raises(error, match=words):
        Noise.parse(spec)


def test_merge_lets_the_run_override_what_it_sets():
    sgd = ov.optimizer("sgd:grad_noise=1,batch_size=4").noise
    merged = sgd.merged(Noise.parse("grad=0.3,update=0.1"))
    assert (merged.grad, merged.batch, merged.update) == (0.3, 4, 0.1)
    assert not merged.grad_only_without_data  # asked for explicitly: applies everywhere
    assert sgd.merged(None) is sgd
    kept = sgd.merged(Noise.parse("batch=2"))
    assert kept.grad == 1.0 and kept.batch == 2 and kept.grad_only_without_data


def test_anneal_scale():
    assert Noise(grad=1).scale(7) == 1.0
    assert Noise(grad=1, anneal=0.5).scale(4) == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(1, 60),
    batch=st.integers(1, 80),
    n_starts=st.integers(1, 20),
)
def test_batch_rows_are_a_sample_without_replacement(seed, n_rows, batch, n_starts):
    rows = batch_rows(np.random.default_rng(seed), n_starts, n_rows, batch)
    assert rows.shape == (n_starts, min(batch, n_rows))
    assert rows.min() >= 0 and rows.max() < n_rows
    for r in rows:
        assert len(set(r.tolist())) == len(r)


def test_batch_rows_pick_every_row_equally_often():
    rows = batch_rows(np.random.default_rng(0), 20_000, 10, 3)
    counts = np.bincount(rows.ravel(), minlength=10)
    expected = 20_000 * 3 / 10
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))
    # pairs are uniform too (a sample, not independent draws): each of the 45 pairs
    pairs = np.sort(rows[:, :2], axis=1)
    pair_counts = np.bincount(pairs[:, 0] * 10 + pairs[:, 1], minlength=100)
    used = pair_counts[pair_counts > 0]
    assert len(used) == 45 and np.all(np.abs(used - 20_000 / 45) < 5 * np.sqrt(20_000 / 45))


def test_batch_of_all_rows_is_the_full_gradient():
    rng = np.random.default_rng(1)
    values = np.c_[rng.normal(size=15), rng.normal(size=15)]
    spec = {
        "name": "fit",
        "title": "fit",
        "kind": "bowl",
        "description": "logistic-ish fit",
        "domain": [[-3.0, 3.0], [-3.0, 3.0]],
        "starts": [[0.0, 0.0]],
        "data": {
            "columns": ["u", "v"],
            "values": values.tolist(),
            "sample": "log(1 + exp(-v*(x*u + y))) + 0.1*(x - u)**2",
        },
    }
    surf = surface_from_spec(spec, "test")
    xy = rng.uniform(-2, 2, size=(7, 2))
    rows = batch_rows(rng, 7, surf.n_samples, 100)
    f, g = surf.batch_value_and_grad(xy, rows)
    np.testing.assert_allclose(f, surf.f(xy), rtol=1e-12)
    np.testing.assert_allclose(g, surf.grad(xy), rtol=1e-11, atol=1e-14)
