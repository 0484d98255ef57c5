"""Stability made visible: phase maps against closed forms, tiles that give the same bits
wherever they ran, sharpness against independent eigensolvers, the edge of stability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optviz as ov
from optviz.analysis import sharpness as net_sharpness
from optviz.analysis.convergence import heavy_ball_rate
from optviz.analysis.phase_maps import phase
from optviz.util.errors import ParameterError

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


@given(st.integers(1, 12), st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_the_tail_tangent_is_the_max_min_of_pair_slopes(width, seed):
    # the common upper tangent of two windows: max over late points of the least slope
    # to any early point; the Newton search must find exactly that pair's slope
    from optviz.analysis.convergence import _bridge_slope

    rng = np.random.default_rng(seed)
    early_t = np.tile(np.arange(50, 50 + width), (30, 1))
    late_t = np.tile(np.arange(120 - width + 1, 121)[::-1], (30, 1))
    early, late = rng.normal(size=early_t.shape), rng.normal(size=late_t.shape) - 2
    early[:, 1:][rng.random((30, width - 1)) < 0.3] = -np.inf  # outside a window
    late[:, 1:][rng.random((30, width - 1)) < 0.3] = -np.inf
    with np.errstate(invalid="ignore"):
        pairs = (late[:, None, :] - early[:, :, None]) / (late_t[:, None, :] - early_t[:, :, None])
    pairs = np.where(early[:, :, None] > -np.inf, pairs, np.inf)
    pairs = np.where(late[:, None, :] > -np.inf, pairs, -np.inf)
    np.testing.assert_allclose(_bridge_slope(early, early_t, late, late_t),
                               pairs.min(axis=1).max(axis=1), rtol=1e-15, atol=0)  # fmt: skip


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


# -- phase maps of a network's training ------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_trainer():
    from optviz.nets.many import trainer

    return trainer("moons", "gd", hidden=(5,), points=24, steps=60)


def test_many_networks_at_once_are_each_network_alone(tiny_trainer):
    from optviz.nets.many import loss_and_grad_many, train_many
    from optviz.nets.train import train

    t = tiny_trainer
    thetas = np.stack([t.network.init(seed=s) for s in range(5)])
    loss, grad = loss_and_grad_many(t.network, thetas, t.data)
    for i, theta in enumerate(thetas):
        one_loss, one_grad = t.network.loss_and_grad(theta, t.data.x, t.data.y)
        assert loss[i] == pytest.approx(one_loss, rel=1e-13)
        np.testing.assert_allclose(grad[i], one_grad, rtol=1e-12, atol=1e-15)
    together = train_many(t.network, t.data, ov.optimizer("momentum"), thetas, np.full(60, 0.3))
    for i in (0, 4):
        alone = train(t.network, t.data, "momentum:lr=0.3", thetas[i], steps=60)
        np.testing.assert_allclose(together.loss[:, i], alone.loss, rtol=1e-12)


def test_copies_step_per_weight_matrix_as_one_network_does(tiny_trainer):
    # Muon orthogonalizes each layer's weight matrix: the copies hand it their layout
    from optviz.nets.many import train_many
    from optviz.nets.train import train

    t = tiny_trainer
    thetas = np.stack([t.network.init(seed=s) for s in range(3)])
    together = train_many(
        t.network, t.data, ov.optimizer("muon:lr=0.05"), thetas, np.full(20, 0.05)
    )
    for i in (0, 2):
        alone = train(t.network, t.data, "muon:lr=0.05", thetas[i], steps=20)
        np.testing.assert_allclose(together.loss[:, i], alone.loss, rtol=1e-12)


def test_a_network_map_refuses_what_its_copies_cannot_step(tiny_trainer):
    from optviz.nets.many import trainer

    for spec, says in (("sam", "evaluates elsewhere"), ("newton", "reads the Hessian")):
        with pytest.raises(ParameterError, match=says):
            trainer("moons", spec, hidden=(3,), points=12, steps=5)
    muon = trainer("moons", "muon", hidden=(3,), points=12, steps=5)
    with pytest.raises(ParameterError, match="no rate per layer"):
        muon.run({"lr1": np.array([0.1, 0.2])})


def test_a_network_map_cell_is_that_training_run(tiny_trainer):
    # the diagonal has lr1 == lr2: plain GD at that rate; the tiling changes no bit
    from optviz.analysis.network_maps import network_phase
    from optviz.nets.train import train

    axes = dict(x="lr1:0.1:60:log", y="lr2:0.1:60:log", n=5)
    whole = network_phase(tiny_trainer, **axes, workers=1)
    tiled = network_phase(tiny_trainer, **axes, workers=1, tile=(2, 3))
    _same(whole, tiled)
    assert whole.diverged.any() and (~whole.diverged).any()
    for k, lr in enumerate(whole.x):
        run = train(tiny_trainer.network, tiny_trainer.data, f"gd:lr={float(lr)!r}",
                    tiny_trainer.theta0, steps=60)  # fmt: skip
        diverged = run.diverged_at >= 0 or not run.loss.max() < 1e4 * max(run.loss[0], 1)
        assert bool(whole.diverged[k, k]) == diverged
        if not diverged:
            assert whole.metrics["loss"][k, k] == pytest.approx(run.loss[-1], rel=1e-12)


def test_phase_net_command_maps_two_layers_learning_rates(tmp_path):
    from optviz.cli import _main

    out = tmp_path / "net.png"
    code = _main(["phase", "xor", "--net", "--hidden", "4", "--points", "16", "--steps", "30",
                  "--n", "4", "--workers", "1", "--dpi", "40", "-q", "-o", str(out)])  # fmt: skip
    assert code == 0 and out.stat().st_size > 0
    bad = ["phase", "xor", "--net", "--x", "lr7:0.1:1", "--n", "3", "-o", str(out)]
    assert _main(bad) == 2


# -- the sharpness panel beside races --------------------------------------------------------
def test_an_animated_race_grows_its_sharpness_panel_in_step():
    from optviz.render.animate import _Engine, animate
    from optviz.render.sharpness_panel import PANEL_LABEL

    r = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=40, sharpness=True)
    anim = animate(r, sharpness=True, loss=True, duration=1, fps=5, dpi=30)
    engine = _Engine(anim)
    engine.frame(10.0)
    panel = next(a for a in engine.fig.axes if a.get_label() == PANEL_LABEL)
    lines = [ln.get_ydata() for ln in panel.get_lines() if ln.get_gid() == "stability line"]
    assert any(np.allclose(y, 2 / 0.001) for y in lines)  # the edge GD cannot pass
    assert "2/lr = 2e+03" in [t.get_text() for t in panel.texts]
    grown, _, (_, _, values, *_) = anim.overlays[-1].curves[0]
    assert np.array_equal(grown.get_ydata(), r.trajectories[0].sharpness[:11])
    assert np.array_equal(values, r.trajectories[0].sharpness)
    adam = anim.overlays[-1].curves[1][2].values  # Adam is held against its preconditioned line
    assert np.array_equal(adam, r.trajectories[1].preconditioned_sharpness)
    with pytest.raises(ov.OptvizError, match="sharpness=True"):
        animate(ov.race("rosenbrock", ["gd:lr=0.001"], steps=5), sharpness=True)


def test_one_bowls_stability_lines_are_a_number_line_every_line_drawn_and_apart():
    # the bowl's sharpness 5 against 2/lr = 6.67, 5.26, 4.76: a time axis drew a flat
    # line at 5 under three stacked heads, zoomed so that lr 0.3's line was only named
    from optviz.render.animate import _Engine, animate
    from optviz.render.sharpness_panel import MIN_GAP_PX, PANEL_LABEL

    gds = ["gd:lr=0.3", "gd:lr=0.38", "gd:lr=0.42"]
    bowl = ov.surface("elliptic", kappa=5)
    r = ov.race(bowl, gds, steps=6, start=(-2.7, 1.5), sharpness=True)
    anim = animate(r, sharpness=True, kind="panels", duration=1, fps=4, dpi=100)
    engine = _Engine(anim)
    engine.frame(6.0)
    engine.canvas.draw()
    panel = next(a for a in engine.fig.axes if a.get_label() == PANEL_LABEL)
    drawn = sorted(ln.get_xdata()[0] for ln in panel.get_lines()
                   if ln.get_gid() == "stability line")  # fmt: skip
    assert drawn == pytest.approx(sorted([2 / 0.3, 2 / 0.38, 2 / 0.42]))  # every line drawn
    lo, hi = panel.get_xlim()
    assert lo < 2 / 0.42 and hi > 2 / 0.3
    to_px = panel.transData.transform
    xs = [to_px((v, 0))[0] for v in sorted([*drawn, 5.0])]
    assert np.diff(xs).min() >= 2 * MIN_GAP_PX  # the line under, the sharpness, over: apart
    texts = {}
    for t in panel.texts:
        texts.setdefault(t.get_gid(), []).append(t)
    names = " ".join(t.get_text() for t in texts["stability name"])
    assert all(f"lr {v})" in names for v in ("0.3", "0.38", "0.42")), names
    assert [" ".join(t.get_text().split()) for t in texts["sharpness name"]] == ["sharpness = 5"]
    boxes = [t.get_window_extent() for t in texts["stability name"] + texts["sharpness name"]]
    lines_px = [to_px((v, 0))[0] for v in [*drawn, 5.0]]
    for box in boxes:  # a name crosses no line (the sharpness's own starts at it)
        assert not any(box.x0 + 1 < x < box.x1 - 1 for x in lines_px)
    assert anim.overlays[-1].curves == []  # nothing grows on a number line


def test_adams_preconditioned_network_sharpness_matches_a_dense_eigensolve():
    # the state rebuilt from the weights is the run's own: each step taken again from it
    # lands on the recorded weights, bit for bit; the sharpness is that of P^-1/2 H P^-1/2
    from optviz.engine.sharpness import preconditioner
    from optviz.nets.data import dataset
    from optviz.nets.model import network
    from optviz.nets.train import train

    data = dataset("moons", n=40)
    net = network(2, 2, hidden=(4,))
    run = train(net, data, "adam:lr=0.05", net.init(seed=3), steps=30)
    state = net_sharpness.replayed_state(run, data.x, data.y)
    opt = run.optimizer
    for t in (0, 7, 29):
        fields = {f: state[name][t] for f, name in opt.kept_state().items()}
        state_t = opt.init(run.params[t])._replace(**fields)
        g = net.loss_and_grad(run.params[t], data.x, data.y)[1]
        new, _ = opt.step(run.params[t], g, state_t, run.lr[t], t + 1)
        assert np.array_equal(new, run.params[t + 1])
    found = net_sharpness.along_run(run, data.x, data.y, points=4, iterations=net.dim)
    assert found.preconditioned and found.line.preconditioned
    p = preconditioner(opt, state, run.lr)

    def grad(th):
        return net.loss_and_grad(th, data.x, data.y)[1]

    for k, t in enumerate(found.at):
        root = 1 / np.sqrt(p[t])
        dense = net_sharpness.dense_hessian(grad, run.params[t]) * root[:, None] * root[None]
        assert found.sharpness[k] == pytest.approx(np.linalg.eigvalsh(dense)[-1], rel=1e-6)


def test_a_landscape_draws_each_runs_sharpness_beside_its_line(tmp_path):
    from optviz.nets.landscapes import landscape
    from optviz.render.landscapeplots import plot_landscape, sharpness_series
    from optviz.render.sharpness_panel import PANEL_LABEL

    ls = landscape("xor", ["gd:lr=0.5", "adam:lr=0.05"], steps=20, hidden=(4,), n=30,
                   resolution=6)  # fmt: skip
    fig = plot_landscape(ls, size="small", dpi=40, sharpness=True)
    panel = next(a for a in fig.axes if a.get_label() == PANEL_LABEL)
    lines = [ln for ln in panel.get_lines() if ln.get_gid() == "stability line"]
    assert sorted(round(float(ln.get_ydata()[0]), 6) for ln in lines) == [4.0, 760.0]
    gd, adam = sharpness_series(ls, points=5)
    assert not gd.preconditioned and adam.preconditioned
    theta = ls.runs[0].params[gd.steps[2]]
    dense = net_sharpness.dense_hessian(
        lambda th: ls.runs[0].network.loss_and_grad(th, ls.data.x, ls.data.y)[1], theta
    )
    assert gd.values[2] == pytest.approx(np.linalg.eigvalsh(dense)[-1], rel=1e-6)
    from optviz.cli import _main

    out = tmp_path / "l.gif"
    assert _main(["landscape", "xor", "-O", "gd:lr=0.5", "--hidden", "4", "--points", "20",
                  "--steps", "10", "--resolution", "6", "--sharpness", "--dpi", "30",
                  "--duration", "0.5", "--fps", "4", "-q", "-o", str(out)]) == 0  # fmt: skip
    assert out.stat().st_size > 0


def test_claims_read_a_races_sharpness_against_its_line():
    # on ½(x² + 5y²) the sharpness is 5 everywhere, so the ratio over 2/lr is 5·lr/2
    from optviz.analysis.claim_grammar import from_race
    from optviz.analysis.claims import check_claims

    r = ov.race(ov.surface("elliptic", kappa=5), ["gd:lr=0.3", "gd:lr=0.42"], start=(-2.7, 1.5),
                steps=30,
                sharpness=True)  # fmt: skip
    ratio = from_race(r).series["ratio"]
    np.testing.assert_allclose(ratio[0], 5 * 0.3 / 2, rtol=1e-12)
    np.testing.assert_allclose(ratio[1], 5 * 0.42 / 2, rtol=1e-12)
    claims = [
        "touches(gd#2, on=ratio, above=1)",
        "not touches(gd#1, on=ratio, above=0.8)",
        "touches(gd#1, on=sharpness, below=5.01)",
        "not touches(gd#2, on=ratio, below=1)",
    ]
    assert all(v.holds for v in check_claims(r, claims))  # fmt: skip


def test_a_phase_maps_edge_crossings_count_tongues_and_islands():
    from types import SimpleNamespace

    from optviz.scenes.lessons import _crossings

    edge = np.zeros((6, 3), bool)
    edge[4:, :] = True  # one edge in every column
    assert _crossings(SimpleNamespace(diverged=edge)) == 1
    edge[1, 2] = True  # an island in column 2: two more crossings
    assert _crossings(SimpleNamespace(diverged=edge)) == 3


def test_a_rates_stability_line_and_name_take_its_runs_colour_on_the_map():
    # stability_lines: lr 0.42 was teal on its map and pink on the number line below
    from matplotlib.colors import to_hex

    from optviz.render.animate import _Engine, animate
    from optviz.render.sharpness_panel import PANEL_LABEL

    rates = [0.3, 0.38, 0.42]
    bowl = ov.surface("elliptic", kappa=5)
    r = ov.race(bowl, [f"gd:lr={lr}" for lr in rates], steps=3, start=(-2.7, 1.5),
                sharpness=True)  # fmt: skip
    engine = _Engine(animate(r, sharpness=True, kind="panels", duration=1, fps=2, dpi=100))
    try:
        panel = next(a for a in engine.fig.axes if a.get_label() == PANEL_LABEL)
        lines = {round(ln.get_xdata()[0], 6): to_hex(ln.get_color()) for ln in panel.get_lines()
                 if ln.get_gid() == "stability line"}  # fmt: skip
        names = [t for t in panel.texts if t.get_gid() == "stability name"]
        for lr, mover in zip(rates, engine.movers, strict=True):
            on_map = to_hex(mover.trail.get_color())
            assert lines[round(2 / lr, 6)] == on_map, lr
            name = next(t for t in names if f"lr {lr})" in t.get_text())
            assert to_hex(name.get_color()) == on_map, lr
    finally:
        engine.close()
