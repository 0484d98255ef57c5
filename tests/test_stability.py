"""Stability made visible: phase maps against closed forms, tiles that give the same bits
wherever they ran, sharpness against independent eigensolvers, the edge of stability."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.analysis import sharpness as net_sharpness
from optviz.analysis.convergence import heavy_ball_rate
from optviz.analysis.phase_maps import phase

QUAD = dict(x=("lr", 1e-3, 2.0, "log"), y=("momentum", 0.0, 0.999))


@pytest.fixture(scope="module")
def rate_map():
    # kappa = 25: an ill-conditioned quadratic; 1000 steps let even slow cells settle
    return phase("elliptic", "momentum", **QUAD, n=24, steps=1000, workers=1)


def test_rate_matches_the_closed_form(rate_map):
    closed = heavy_ball_rate(*np.meshgrid(rate_map.x, rate_map.y), [1.0, 25.0])
    assert np.array_equal(closed, rate_map.closed_form)
    fast = closed < 0.99
    assert fast.sum() > 100
    rel = np.abs(rate_map.values[fast] - closed[fast]) / closed[fast]
    assert rel.max() < 1e-3


def test_boundary_within_one_cell_of_rate_one(rate_map):
    measured = rate_map.diverged
    theory = rate_map.closed_form >= 1
    assert measured.any() and (~measured).any()
    pad = np.pad(theory, 1, mode="edge")
    n_y, n_x = theory.shape
    near = np.zeros_like(theory)  # cells with a closed-form boundary within one cell
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near |= pad[1 + dy : 1 + dy + n_y, 1 + dx : 1 + dx + n_x] != theory
    assert np.all((measured == theory) | near)


SMALL = dict(**QUAD, n=(9, 7), steps=120)


@pytest.fixture(scope="module")
def small_map():
    return phase("elliptic", "momentum", **SMALL, workers=1, tile=(7, 9))


def _same(a, b) -> None:
    for name in a.metrics:
        assert np.array_equal(a.metrics[name], b.metrics[name], equal_nan=True), name


def test_tiling_does_not_change_a_bit(small_map):
    _same(small_map, phase("elliptic", "momentum", **SMALL, workers=1, tile=(2, 4)))
    _same(small_map, phase("elliptic", "momentum", **SMALL, workers=1, tile=(1, 1)))


def test_dask_cluster_equals_local(small_map):
    import distributed  # the 'dask' extra, part of the test extra

    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as c,
        distributed.Client(c) as client,
    ):
        _same(small_map, phase("elliptic", "momentum", **SMALL, dask=client, tile=(3, 4)))


class _Stop(Exception):
    pass


def test_resumed_map_equals_uninterrupted(small_map, tmp_path, monkeypatch):
    import optviz.analysis.phase_maps as module

    store = tmp_path / "tiles"

    def stop_after_two(what, done, total):
        if done == 2:
            raise _Stop

    with pytest.raises(_Stop):
        phase("elliptic", "momentum", **SMALL, workers=1, tile=(3, 3), store=store,
              progress=stop_after_two)  # fmt: skip
    assert len(list(store.glob("*.npz"))) == 2
    ran = []
    kernel = module.run_tile
    monkeypatch.setattr(module, "run_tile", lambda *a: ran.append(a) or kernel(*a))
    again = phase("elliptic", "momentum", **SMALL, workers=1, tile=(3, 3), store=store)
    assert len(ran) == 3 * 3 - 2  # the two stored tiles were loaded, not run again
    _same(small_map, again)


def test_a_store_of_another_map_is_not_reused(tmp_path):
    store = tmp_path / "tiles"
    phase("quadratic", "momentum", **SMALL, workers=1, store=store)
    other = phase("elliptic", "momentum", **SMALL, workers=1, store=store)
    assert not np.allclose(other.closed_form, phase("quadratic", "momentum", **SMALL,
                                                    workers=1).closed_form)  # fmt: skip


def test_axes_and_metrics_are_checked():
    with pytest.raises(ov.OptvizError, match="hyperparameter of momentum"):
        phase("elliptic", "momentum", x="lr:0.1:1", y="beta1:0:0.9", n=3, workers=1)
    with pytest.raises(ov.OptvizError, match="log axis"):
        phase("elliptic", "momentum", x="lr:0:1:log", n=3, workers=1)
    with pytest.raises(ov.OptvizError, match="metric"):
        phase("elliptic", "momentum", n=3, metric="speed", workers=1)


def test_phase_command_writes_a_map(tmp_path):
    from optviz.cli import _main

    out = tmp_path / "phase.png"
    code = _main(["phase", "elliptic", "-O", "momentum", "--x", "lr:0.01:0.2:log", "--y",
                  "momentum:0:0.9", "--n", "6", "--steps", "60", "--workers", "1",
                  "--zoom", "0.05,0.15,0.3,0.8", "--dpi", "40", "-q", "-o", str(out)])  # fmt: skip
    assert code == 0 and out.stat().st_size > 0
    assert not any(p.name.endswith(".tiles") for p in tmp_path.iterdir())  # removed once written
    assert _main(["phase", "elliptic", "--y", "momentum:0:1:log", "-o", str(out)]) == 2


# -- sharpness ------------------------------------------------------------------------------
def test_trajectory_sharpness_is_the_top_eigenvalue():
    t = ov.run("rosenbrock", "gd:lr=0.0005", start=[[-1.2, 1.0], [0.5, 2.0]], steps=40,
               sharpness=True)  # fmt: skip
    assert t.sharpness.shape == (41, 2) and t.preconditioned_sharpness is None
    top = np.linalg.eigvalsh(t.surface.hess(t.xy))[..., -1]
    np.testing.assert_allclose(t.sharpness, top, rtol=1e-12)
    assert t.start(1).sharpness.shape == (41,)


def test_preconditioned_sharpness_uses_adams_state():
    t = ov.run("rosenbrock", "adam:lr=0.02", start=(-1.2, 1.0), steps=30, sharpness=True,
               keep_state=True)  # fmt: skip
    v = t.state["exp_avg_sq"]
    for i in (0, 10, 30):
        after = min(i + 1, 30)  # the preconditioner of the step leaving position i
        p = np.sqrt(v[after] / (1 - 0.999**after)) + 1e-8
        want = np.linalg.eigvals(np.diag(1 / p) @ t.surface.hess(t.xy[i])).real.max()
        assert t.preconditioned_sharpness[i] == pytest.approx(want, rel=1e-10)


def test_network_sharpness_matches_a_dense_hessian():
    from optviz.nets.data import dataset
    from optviz.nets.model import network

    data = dataset("moons", n=40)
    net = network(2, 2, hidden=(4,))
    theta = net.init(seed=3)

    def grad(th):
        return net.loss_and_grad(th, data.x, data.y)[1]

    dense = np.linalg.eigvalsh(net_sharpness.dense_hessian(grad, theta))[-1]
    lanczos = net_sharpness.top_hessian_eigenvalue(grad, theta, iterations=net.dim)
    assert lanczos == pytest.approx(dense, rel=1e-8)


def test_stability_lines():
    from optviz.engine.sharpness import threshold

    lrs = np.array([0.1, 0.05])
    assert threshold(ov.optimizer("gd"), lrs).values.tolist() == [20.0, 40.0]
    assert threshold(ov.optimizer("momentum:momentum=0.5"), lrs).values[0] == pytest.approx(30)
    adam = threshold(ov.optimizer("adam"), lrs)
    assert adam.preconditioned and adam.values[0] == pytest.approx(380)


def test_edge_of_stability_scene():
    from optviz.scenes import load_scene
    from optviz.scenes.stability import study

    scene = load_scene("edge_of_stability")
    (run,) = study(scene, scene.renders[0].options)
    ratio = run.ratio()
    assert ratio[0] < 0.5  # it starts well below the line
    assert ratio.max() >= 1.0  # it reaches 2/lr
    half = run.at >= run.at[-1] / 2
    assert np.all(np.abs(ratio[half] - 1) <= 0.15)  # and hovers within 15% of it
    loss = run.loss
    assert loss[-1] < loss[len(loss) // 2] and np.any(np.diff(loss) > 0)  # falls, not monotonically
