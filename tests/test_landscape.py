"""Real networks on a plane: torch-exact training paths, honest projections, batched grids."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optviz.engine.builtin import pinv_solve
from optviz.nets import data as datasets
from optviz.nets.landscapes import landscape
from optviz.nets.model import network
from optviz.nets.plane import filter_normalized, pca_plane, random_plane
from optviz.nets.train import batches, hessian, train
from optviz.util.errors import OptvizError, ParameterError

pytestmark = pytest.mark.usefixtures("torch64")  # torch in float64 for every test here


def _torch_net(net, theta):
    """The same network in torch, its parameters copied from ``theta``."""
    layers, last = [], len(net.sizes) - 2
    for i, layer in enumerate(net.layers(theta)):
        fan_in, fan_out = layer["W"].shape
        linear = torch.nn.Linear(fan_in, fan_out, bias="b" in layer)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer["W"].T.copy()))
            if "b" in layer:
                linear.bias.copy_(torch.from_numpy(layer["b"].copy()))
        layers.append(linear)
        if "gamma" in layer:
            bn = torch.nn.BatchNorm1d(fan_out)
            with torch.no_grad():
                bn.weight.copy_(torch.from_numpy(layer["gamma"].copy()))
                bn.bias.copy_(torch.from_numpy(layer["beta"].copy()))
            layers.append(bn)
        if i < last:
            layers.append({"tanh": torch.nn.Tanh(), "relu": torch.nn.ReLU(),
                           "sigmoid": torch.nn.Sigmoid()}[net.activation])  # fmt: skip
    return torch.nn.Sequential(*layers)


def _flat(net, model) -> np.ndarray:
    """torch's parameters in optviz's flat layout."""
    theta = np.zeros(net.dim)
    mods = [m for m in model if isinstance(m, torch.nn.Linear | torch.nn.BatchNorm1d)]
    by_layer: list[dict] = [{} for _ in net.sizes[1:]]
    i = -1
    for m in mods:
        if isinstance(m, torch.nn.Linear):
            i += 1
            by_layer[i]["W"] = m.weight.detach().numpy().T
            if m.bias is not None:
                by_layer[i]["b"] = m.bias.detach().numpy()
        else:
            by_layer[i]["gamma"] = m.weight.detach().numpy()
            by_layer[i]["beta"] = m.bias.detach().numpy()
    for slot in net.slots:
        slot.of(theta)[...] = by_layer[slot.layer][slot.name]
    return theta


TORCH = {
    "sgd": ("gd:lr=0.3", lambda p: torch.optim.SGD(p, lr=0.3)),
    "momentum": ("momentum:lr=0.1", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "adam": ("adam:lr=0.01", lambda p: torch.optim.Adam(p, lr=0.01)),
    "rmsprop": ("rmsprop:lr=0.003", lambda p: torch.optim.RMSprop(p, lr=0.003)),
}


@pytest.mark.parametrize(
    ("name", "activation", "batchnorm", "data"),
    [
        ("sgd", "tanh", False, "spiral"),
        ("momentum", "tanh", False, "spiral"),
        ("adam", "tanh", False, "spiral"),
        ("rmsprop", "tanh", False, "spiral"),
        ("adam", "relu", True, "moons"),
        ("momentum", "sigmoid", False, "regress"),
    ],
)
def test_paths_equal_torch(name, activation, batchnorm, data):
    if data == "regress":  # a real target: mean squared error
        x = np.random.default_rng(3).uniform(-1, 1, (60, 2))
        d = datasets.Data("saddle", x, x[:, 0] * x[:, 1], 0)
    else:
        d = datasets.dataset(data, n=90, seed=2)
    net = network(2, d.outputs, (16, 16), activation, batchnorm, bool(d.classes))
    theta0 = net.init("xavier_normal", seed=4)
    spec, make = TORCH[name]
    run = train(net, d, spec, theta0, steps=100)

    model = _torch_net(net, theta0)
    model.train()
    opt = make(model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss() if d.classes else torch.nn.MSELoss()
    x = torch.from_numpy(d.x)
    y = torch.from_numpy(d.y) if d.classes else torch.from_numpy(d.y)[:, None]
    path = [_flat(net, model)]
    for _ in range(100):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        path.append(_flat(net, model))
    path = np.array(path)
    np.testing.assert_allclose(path[0], theta0, rtol=0, atol=0)
    scale = np.abs(path).max(axis=1, keepdims=True)
    assert np.abs(run.params - path).max() / scale.max() < 1e-8
    assert not np.allclose(run.params[-1], theta0)  # it trained: the check has teeth


def test_gradient_matches_finite_differences():
    d = datasets.dataset("circles", n=30, seed=1)
    net = network(2, 2, (5,), "tanh", batchnorm=True)
    theta = net.init("xavier_normal", seed=2) + 0.1
    _, g = net.loss_and_grad(theta, d.x, d.y)
    h = 1e-6
    for i in np.random.default_rng(0).choice(net.dim, 12, replace=False):
        e = np.zeros(net.dim)
        e[i] = h
        fd = (net.losses(theta + e, d.x, d.y)[0] - net.losses(theta - e, d.x, d.y)[0]) / (2 * h)
        assert g[i] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_same_seed_same_weights_other_seed_other_weights():
    net = network(2, 3, (16, 16))
    np.testing.assert_array_equal(net.init(seed=5), net.init(seed=5))
    assert not np.allclose(net.init(seed=5), net.init(seed=6))
    a = landscape("moons", ["adam:lr=0.02"], steps=15, hidden=(6,), n=40, resolution=5, seed=3)
    b = landscape("moons", ["adam:lr=0.02"], steps=15, hidden=(6,), n=40, resolution=5, seed=3)
    np.testing.assert_array_equal(a.params[0], b.params[0])
    np.testing.assert_array_equal(a.surfaces[0].grid()[2], b.surfaces[0].grid()[2])


def _runs():
    return landscape(
        "spiral", ["gd:lr=0.5", "adam:lr=0.02"], steps=40, hidden=(8,), n=60, resolution=9
    )


def test_drawn_path_is_least_squares_projection():
    ls = landscape(
        "moons", ["gd:lr=0.5", "adam:lr=0.02"], steps=30, hidden=(8,), n=50,
        plane="random", resolution=6,
    )  # fmt: skip
    plane = ls.plane
    for params, xy in zip(ls.params, ls.xy, strict=True):
        coef = np.linalg.lstsq(plane.directions.T, (params - plane.origin).T, rcond=None)[0].T
        np.testing.assert_allclose(xy, coef, rtol=1e-9, atol=1e-12)
    for traj, xy in zip(ls.race.trajectories, ls.xy, strict=True):
        np.testing.assert_array_equal(traj.xy, xy)  # the renderer gets these positions
    table = ls.table()  # a race's kind of table: aligned text, not dicts
    assert str(table).splitlines()[0].split()[:2] == ["optimizer", "lr"]
    assert [row["optimizer"] for row in table] == ["gd(lr=0.5)", "adam(lr=0.02)"]


def test_pca_plane_orthonormal_and_explains_the_svd_variance():
    ls = _runs()
    plane = ls.plane
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    paths = np.concatenate(ls.params)
    centred = paths - paths.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    np.testing.assert_allclose(plane.explained, s[:2] ** 2 / np.sum(s**2), rtol=1e-10)
    # the same numbers from the covariance's eigenvalues, a different route
    eig = np.linalg.eigvalsh(centred.T @ centred)[::-1]
    np.testing.assert_allclose(plane.explained, eig[:2] / eig.sum(), rtol=1e-6)
    np.testing.assert_array_equal(plane.origin, ls.params[0][0])
    assert "PC1" in plane.label and f"{100 * plane.explained[0]:.0f}%" in plane.label
    mean = pca_plane(ls.params, origin="mean")
    np.testing.assert_allclose(mean.origin, paths.mean(axis=0))


def test_filter_normalization_gives_each_neuron_the_weights_norm():
    net = network(2, 3, (7, 5), batchnorm=True)
    theta = net.init("he_normal", seed=1)
    theta[net.slots[1].offset] = 0.3  # a non-trivial gamma
    for bias in (False, True):
        d = filter_normalized(net, theta, np.random.default_rng(0), bias=bias)
        for slot in net.slots:
            if slot.name == "W":
                np.testing.assert_allclose(
                    np.linalg.norm(slot.of(d), axis=0), np.linalg.norm(slot.of(theta), axis=0)
                )
            elif bias:
                assert np.linalg.norm(slot.of(d)) == pytest.approx(np.linalg.norm(slot.of(theta)))
            else:
                assert not slot.of(d).any()
    plane = random_plane(net, theta, seed=2)
    again = random_plane(net, theta, seed=2)
    np.testing.assert_array_equal(plane.directions, again.directions)


def test_loss_grid_equals_single_forward_passes():
    for bn in (False, True):
        ls = landscape(
            "xor", ["adam:lr=0.05"], steps=20, hidden=(6, 6), n=48, batchnorm=bn, resolution=7
        )
        surf = ls.surfaces[0]
        X, Y, Z = surf.grid()
        net, plane, d = ls.runs[0].network, ls.plane, ls.data
        for i, j in [(0, 0), (3, 5), (6, 6), (2, 1)]:
            theta = plane.point(np.array([X[i, j], Y[i, j]]))
            single, _ = net.loss_and_grad(theta, d.x, d.y)
            assert Z[i, j] == pytest.approx(single, rel=1e-12)
        # the plane's loss at the projected points, and the true loss where a path is
        np.testing.assert_allclose(ls.plane_loss[0], surf.f(ls.xy[0]))
        true = [net.loss_and_grad(p, d.x, d.y)[0] for p in ls.params[0][::7]]
        np.testing.assert_allclose(ls.loss[0][::7], true, rtol=1e-12)


def test_minibatches_cover_every_row_once_per_epoch():
    rows = batches(10, 4, steps=9, seed=1)
    assert [len(r) for r in rows] == [4, 4, 2] * 3
    for epoch in range(3):
        seen = np.concatenate(rows[3 * epoch : 3 * epoch + 3])
        assert sorted(seen.tolist()) == list(range(10))
    assert batches(10, 10, steps=3, seed=1) is None
    np.testing.assert_array_equal(np.concatenate(rows), np.concatenate(batches(10, 4, 9, 1)))


def test_sgd_uses_its_own_batch_size_and_others_the_full_batch():
    ls = landscape("moons", ["sgd:lr=0.1,batch_size=8", "gd:lr=0.1"], steps=5, hidden=(4,),
                   n=40, resolution=4)  # fmt: skip
    assert [r.batch_size for r in ls.runs] == [8, 40]


def test_newton_small_network_and_refusal_for_large():
    d = datasets.dataset("xor", n=20, seed=0)
    net = network(2, 2, (3,))
    theta = net.init(seed=0)
    H = hessian(net, theta, d.x, d.y)
    model = _torch_net(net, theta)
    params = list(model.parameters())

    def loss_of(flat):
        chunks, at = [], 0
        for p in params:
            chunks.append(flat[at : at + p.numel()].reshape(p.shape))
            at += p.numel()
        names = [n for n, _ in model.named_parameters()]
        weights = dict(zip(names, chunks, strict=True))
        out = torch.func.functional_call(model, weights, (torch.from_numpy(d.x),))
        return torch.nn.functional.cross_entropy(out, torch.from_numpy(d.y))

    flat_t = torch.cat([p.detach().reshape(-1) for p in params])
    Ht = torch.autograd.functional.hessian(loss_of, flat_t).numpy()
    # torch orders W (out, in) then b; map optviz's order onto it
    order = _torch_order(net)
    np.testing.assert_allclose(H, Ht[np.ix_(order, order)], atol=1e-6)
    run = train(net, d, "newton:damping=0.1", theta, steps=3)
    assert run.loss[-1] < run.loss[0]
    big = network(2, 2, (16, 16))
    with pytest.raises(ParameterError, match="Hessian"):
        train(big, d, "newton", big.init(), steps=1)


def _torch_order(net) -> np.ndarray:
    """Index into torch's flat parameters of each optviz parameter."""
    order = np.empty(net.dim, dtype=int)
    at = 0
    for slot in net.slots:  # torch: per layer weight (out, in) then bias
        if slot.name == "W":
            fan_in, fan_out = slot.shape
            idx = at + np.arange(fan_in * fan_out).reshape(fan_out, fan_in).T
        else:
            idx = at + np.arange(slot.size)
        order[slot.offset : slot.offset + slot.size] = idx.ravel()
        at += slot.size
    return order


def test_pinv_solve_any_dimension_matches_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 6))
    h = a + a.T
    h[:, 0] = h[0, :] = 0.0  # a flat direction: left alone
    g = rng.standard_normal(6)
    np.testing.assert_allclose(pinv_solve(h, g, 0.0), np.linalg.pinv(h) @ g, atol=1e-10)


def test_divergence_is_frozen_not_a_crash():
    ls = landscape("moons", ["gd:lr=1e6"], steps=10, hidden=(4,), n=30, plane="random",
                   resolution=4)  # fmt: skip
    run = ls.runs[0]
    if run.diverged_at >= 0:
        assert np.all(np.isfinite(run.params))
    assert np.all(np.isfinite(ls.xy[0]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,0\n3,x,1\n", "line 2: every cell must be a number"),
        ("1,2,0\n3,4\n", "line 2: 2 columns, expected 3"),
        ("1,2,0\n3,4,0\n5,6,0\n", "single class"),
        ("1,2,0\n3,4,1\n", "at least 3 rows"),
        ("5\n6\n7\n", "feature columns"),
        ("1,nan,0\n1,2,1\n3,4,1\n", "finite"),
    ],
)
def test_csv_errors_are_one_line(tmp_path, text, message):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(OptvizError, match=message) as err:
        datasets.load_csv(path)
    assert "\n" not in str(err.value)


def test_csv_classes_and_regression(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("x1,x2,label\n0,1,3\n1,0,7\n2,2,3\n1,1,7\n")
    d = datasets.load_csv(path)
    assert d.classes == 2 and d.y.tolist() == [0, 1, 0, 1] and d.x.shape == (4, 2)
    path.write_text("0,1,0.5\n1,0,1.5\n2,2,2.25\n")
    r = datasets.load_csv(path)
    assert r.classes == 0 and r.y.tolist() == [0.5, 1.5, 2.25]
    with pytest.raises(OptvizError, match="does not exist"):
        datasets.load_csv(tmp_path / "missing.csv")


def test_datasets_are_seeded_and_labelled():
    for name in datasets.DATASETS:
        a, b = datasets.dataset(name, n=50, seed=1), datasets.dataset(name, n=50, seed=1)
        np.testing.assert_array_equal(a.x, b.x)
        assert a.x.shape == (50, 2) and a.classes == len(set(a.y.tolist())) >= 2
        assert not np.allclose(a.x, datasets.dataset(name, n=50, seed=2).x)
    with pytest.raises(OptvizError, match="unknown dataset"):
        datasets.dataset("moon")


def test_planes_need_runs_that_move():
    with pytest.raises(ParameterError, match="final needs two runs"):
        landscape("xor", ["adam"], steps=3, hidden=(3,), n=20, plane="final", resolution=4)
    with pytest.raises(ParameterError, match="init lists 3 values for 2 runs"):
        landscape("xor", ["adam", "gd"], init=["small", "small", "small"], steps=2)


def test_runs_of_different_networks_get_their_own_planes():
    ls = landscape("moons", ["adam:lr=0.02", "adam:lr=0.02"], batchnorm=[False, True],
                   steps=20, hidden=(6,), n=40, resolution=5)  # fmt: skip
    assert not ls.shared and ls.params[0].shape[1] != ls.params[1].shape[1]
    assert ls.labels == ["adam(lr=0.02) · no batch norm", "adam(lr=0.02) · batch norm"]


def _cli(*args, cwd):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "optviz.cli", "landscape", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def test_cli_writes_the_animation_and_metrics(tmp_path):
    from optviz.analysis import read_metrics

    out = _cli("xor", "-O", "gd:lr=0.5", "-O", "adam:lr=0.05", "--hidden", "4", "--steps", "12",
               "--points", "40", "--resolution", "8", "--duration", "0.5", "--fps", "4",
               "--size", "small", "--dpi", "50", "-o", "x.gif", "--metrics", "m.csv",
               cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "x.gif").read_bytes()[:6] == b"GIF89a"
    rows = read_metrics(tmp_path / "m.csv")
    assert [r["optimizer"] for r in rows] == ["gd(lr=0.5)", "adam(lr=0.05)"]
    ls = landscape("xor", ["gd:lr=0.5", "adam:lr=0.05"], hidden=(4,), steps=12, n=40,
                   resolution=8)  # fmt: skip
    for row, loss, acc in zip(rows, ls.loss, ls.accuracy, strict=True):
        assert float(row["final_loss"]) == pytest.approx(loss[-1], rel=1e-12)
        assert float(row["final_accuracy"]) == pytest.approx(acc[-1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["moon"], "unknown dataset 'moon'; did you mean 'moons'?"),
        (["--data", "missing.csv"], "does not exist"),
        (["moons", "--hidden", "16,x"], "--hidden must be widths"),
        (["moons", "--plane", "pcb"], "unknown plane 'pcb'"),
        (["moons", "-O", "newton"], "Hessian"),
        (["moons", "-o", "nowhere/x.gif"], "does not exist"),
    ],
)
def test_cli_errors_are_one_line_and_write_nothing(tmp_path, args, message):
    out = _cli(*args, "--steps", "2", *(["-o", "x.gif"] if "-o" not in args else []),
               cwd=tmp_path)  # fmt: skip
    assert out.returncode == 2
    assert message in out.stderr and out.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_maps_of_their_own_planes_share_one_loss_shading():
    """Two networks on planes of their own: the same shade is the same loss on both maps
    (their own levels made a loss of 0.7 on one as dark as 0.002 on the other)."""
    from matplotlib.contour import QuadContourSet

    from optviz.render.landscapeplots import plot_landscape

    ls = landscape("moons", ["adam:lr=0.05", "adam:lr=0.05"], batchnorm=[False, True],
                   steps=20, hidden=(6,), n=40, resolution=8)  # fmt: skip
    fig = plot_landscape(ls, size="small", dpi=40)
    maps = [ax for ax in fig.axes if any(isinstance(c, QuadContourSet) for c in ax.collections)]
    levels = [
        next(c for c in ax.collections if isinstance(c, QuadContourSet)).levels for ax in maps
    ]
    assert len(maps) == 2 and np.array_equal(levels[0], levels[1])
    lows = [float(np.nanmin(s.grid(120)[2])) for s in ls.surfaces]
    assert levels[0][0] <= min(lows) + 1e-9  # spans both maps' losses


def test_maps_of_their_own_planes_each_show_their_shape_in_many_shades():
    """A map whose losses span a small part of the shared range (0.26..0.7 beside a map
    that falls to 0.002) still gets many shades: shared levels spaced over the union gave
    it four pale bands, a map that read as blank."""
    from types import SimpleNamespace as NS

    from optviz.render.landscapeplots import shared_levels

    x = np.linspace(-1, 1, 120)
    X, Y = np.meshgrid(x, x)
    view = NS(levels=24, log_levels=True, zclip=None)
    high = 0.26 + 0.22 * (X**2 + Y**2)  # a shallow bowl far up the loss axis
    low = 0.002 * np.exp(7 * (X + 1) / 2 * (1 + 0.1 * Y))  # 0.002 up to 2.2
    surfaces = [NS(name=f"m{i}", view=view, grid=lambda n, z=z: (X, Y, z)) for i, z in
                enumerate((high, low))]  # fmt: skip
    levels = shared_levels(surfaces)
    assert np.all(np.diff(levels) > 0)
    for z in (high, low):
        bands = np.bincount(np.digitize(z.ravel(), levels), minlength=len(levels) + 1)
        assert np.count_nonzero(bands) >= 10  # the shape in many shades
        assert bands.max() <= 0.25 * z.size  # no one band a blank share of the map
