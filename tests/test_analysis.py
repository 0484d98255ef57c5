"""Fair comparisons and analysis: tables, tuning, sweeps, basins, curvature, bands."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import optviz as ov
from optviz import analysis as A
from optviz.engine.final_runs import final_states
from optviz.util.errors import OutputError, ParameterError, UnknownNameError

BOWL_2_8 = ov.Surface.from_expr("x**2 + 4*y**2", domain=((-2, 2), (-2, 2)), minima=[(0, 0)])


# -- the race table --
def test_table_single_start_matches_closed_form():
    # GD on x² + y² with lr = 0.1 contracts by 0.8 per step
    r = ov.race("quadratic", ["gd:lr=0.1"], start=(1.0, -0.5), steps=40)
    row = r.table()[0]
    assert row["optimizer"] == "gd(lr=0.1)" and row["lr"] == 0.1
    assert row["final_loss"] == pytest.approx(1.25 * 0.64**40, rel=1e-12)
    assert row["nearest_minimum"] == 0
    assert row["distance"] == pytest.approx(math.sqrt(1.25) * 0.8**40, rel=1e-12)
    assert row["diverged_at"] is None
    # converged (and stays) once within tol * span = 1e-3 * sqrt(32) of the minimum
    expected = math.ceil(math.log(1e-3 * math.sqrt(32) / math.sqrt(1.25)) / math.log(0.8))
    assert row["converged_at"] == expected


@pytest.mark.parametrize("which", range(4))
def test_table_names_the_minimum_reached_on_himmelblau(which):
    s = ov.surface("himmelblau")
    start = s.minima[which] + 0.3
    row = ov.race(s, ["gd:lr=0.01"], start=start, steps=300).table()[0]
    assert row["nearest_minimum"] == which
    assert row["final_loss"] < 1e-10 and row["distance"] < 1e-5


def test_table_reports_divergence_step():
    # |1 - 2·lr| = 2 at lr = 1.5: |x| doubles each step and leaves 10 diagonals (56.6)
    row = ov.race("quadratic", ["gd:lr=1.5"], start=(1.0, 0.0), steps=50).table()[0]
    assert row["diverged_at"] == math.ceil(math.log2(10 * math.sqrt(32)))
    assert row["converged_at"] is None


def test_table_aggregates_many_starts_honestly():
    starts = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    row = ov.race("quadratic", ["gd:lr=1.5"], start=starts, steps=50).table()[0]
    assert row["starts"] == 5
    assert row["fraction_diverged"] == pytest.approx(0.6)
    assert row["fraction_converged"] == pytest.approx(0.4)
    assert row["median_final_loss"] == math.inf  # 3 of 5 diverged: the median is +inf
    assert row["most_common_minimum"] == 0 and row["fraction_at_it"] == pytest.approx(0.4)
    assert row["median_steps_to_converge"] == 0.0
    assert "final_loss" not in row and "converged_at" not in row


def test_format_table_aligns_columns():
    rows = [{"optimizer": "gd", "lr": 0.1, "diverged_at": None}, {"optimizer": "adamw", "lr": 1.0}]
    lines = A.format_table(rows).splitlines()
    assert lines[0].split() == ["optimizer", "lr", "diverged_at"]
    col = lines[0].index("lr")
    assert all(line[col - 2 : col] == "  " for line in lines)
    assert lines[1].split() == ["gd", "0.1", "-"] and lines[2].split() == ["adamw", "1", "-"]


@pytest.mark.parametrize("ext", ["csv", "json"])
def test_metrics_round_trip(tmp_path, ext):
    rows = ov.race("himmelblau", ["gd:lr=0.01", "adam:lr=0.1", "gd:lr=0.05"], steps=40).table()
    path = tmp_path / f"m.{ext}"
    A.write_metrics(rows, path)
    back = A.read_metrics(path)
    assert len(back) == len(rows)
    for got, want in zip(back, rows, strict=True):
        assert set(got) == set(want)
        for k, v in want.items():
            if isinstance(v, float) and not math.isfinite(v):
                assert got[k] is None if ext == "json" else not math.isfinite(got[k])
            else:
                assert got[k] == v, k
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_metrics_json_is_strict(tmp_path):
    path = tmp_path / "m.json"
    A.write_metrics([{"optimizer": "gd", "final_loss": math.inf}], path)
    assert json.loads(path.read_text(), parse_constant=lambda c: 1 / 0) == [
        {"optimizer": "gd", "final_loss": None}
    ]


def test_metrics_bad_extension_and_folder(tmp_path):
    with pytest.raises(OutputError, match=r"\.csv or \.json"):
        A.write_metrics([{"a": 1}], tmp_path / "m.txt")
    with pytest.raises(OutputError, match="does not exist"):
        A.write_metrics([{"a": 1}], tmp_path / "missing" / "m.csv")


# -- tuning and sweeps --
def test_tune_gd_on_one_curvature_bowl_finds_one_over_lambda():
    # a(x² + y²): every direction has curvature λ = 2a; after T steps x_T = (1 - ηλ)^T x_0,
    # so the best constant rate is η = 1/λ (one step to the minimum), stable for η < 2/λ
    a = 2.5
    s = ov.surface("quadratic", a=a)
    lam = 2 * a
    t = A.tune(s, ["gd"], steps=50)  # default: 30 log-spaced rates, 1e-5 .. 10
    best = t.best["gd"]
    assert 0 < best < 2 / lam
    ratio = (1e6) ** (1 / 29)  # spacing of the default grid
    assert 1 / lam / ratio < best < 1 / lam * ratio
    fine = A.tune(s, ["gd"], steps=50, lrs=np.linspace(0.05, 0.39, 35))
    assert fine.best["gd"] == pytest.approx(1 / lam, abs=0.005)
    assert fine.optimizers[0].lr == fine.best["gd"] and fine.optimizers[0].name == "gd"


def test_tune_gd_on_two_curvature_bowl_matches_closed_form():
    # f = x² + 4y², λ = 2 and 8, from (1, 1): f_T(η) = (1-2η)^{2T} + 4 (1-8η)^{2T}
    steps = 30

    def final_loss(eta):
        return (1 - 2 * eta) ** (2 * steps) + 4 * (1 - 8 * eta) ** (2 * steps)

    lrs = np.geomspace(0.01, 0.5, 80)
    t = A.tune(BOWL_2_8, ["gd"], start=(1.0, 1.0), steps=steps, lrs=lrs)
    best = t.best["gd"]
    assert 0 < best < 2 / 8  # stable range 0 < lr < 2/λ_max
    assert best == lrs[np.argmin([final_loss(e) if e < 0.25 else np.inf for e in lrs])]
    exact = minimize_scalar(final_loss, bounds=(0.01, 0.249), method="bounded").x
    assert abs(best - exact) <= exact * (lrs[1] / lrs[0] - 1)
    assert exact == pytest.approx(2 / (2 + 8), rel=0.05)  # the long-horizon answer
    # the sweep's scores are the closed form itself where it is stable
    sw = t.sweep
    ok = ~sw.diverged[0]
    np.testing.assert_allclose(sw.score[0][ok], final_loss(sw.lrs[0][ok]), rtol=1e-9, atol=1e-300)


def test_sweep_marks_divergence_where_theory_says():
    # GD on a(x² + y²) (a = 1) multiplies x by (1 - 2η): unstable for η > 1
    lrs = [0.1, 0.5, 0.95, 1.2, 2.0, 5.0]
    sw = A.sweep("quadratic", ["gd"], lrs=lrs, steps=200, start=(1.0, 1.0))
    assert sw.diverged[0].tolist() == [False, False, False, True, True, True]
    assert sw.stable_range(0) == (0.1, 0.95)
    assert np.all(np.isinf(sw.score[0][3:]))
    rows = sw.rows
    assert len(rows) == 6 and rows[3]["diverged"] and rows[0]["objective"] == "final"


def test_sweep_steps_objective_matches_closed_form():
    # from (1, 0) on x² + y², GD is within tol·span of 0 once (1 - 2η)^t < 1e-3·sqrt(32)
    lrs = np.array([0.02, 0.05, 0.1, 0.2])
    sw = A.sweep("quadratic", ["gd"], lrs=lrs, steps=400, start=(1.0, 0.0), objective="steps")
    expected = np.ceil(np.log(1e-3 * math.sqrt(32)) / np.log(1 - 2 * lrs))
    np.testing.assert_array_equal(sw.score[0], expected)
    np.testing.assert_array_equal(sw.converged_at[0], expected)
    t = A.tune("quadratic", ["gd"], lrs=lrs, steps=400, start=(1.0, 0.0), objective="steps")
    assert t.best == {"gd": 0.2}


def test_auc_objective_is_mean_loss():
    lrs = [0.1, 0.3]
    sw = A.sweep("quadratic", ["gd"], lrs=lrs, steps=10, start=(1.0, 0.0), objective="auc")
    for lr, score in zip(lrs, sw.score[0], strict=True):
        assert score == pytest.approx(np.mean((1 - 2 * lr) ** (2 * np.arange(11))), rel=1e-12)


@pytest.mark.parametrize(
    "spec",
    ["adam", "nadam", "radam", "momentum", "nesterov", "lion", "adadelta", "adamax", "newton"],
)
def test_per_start_rates_are_the_runners_arithmetic(spec):
    # a sweep runs every rate in one batch; each must be exactly what run() gives
    s = ov.surface("rosenbrock")
    rates = np.array([1e-4, 3e-3, 0.05, 0.7])
    res = final_states(s, ov.optimizer(spec), np.tile(s.start, (4, 1)), 60, rates=rates,
                          schedule="cosine")  # fmt: skip
    for i, lr in enumerate(rates):
        t = ov.run(s, ov.optimizer(spec, lr=lr), s.start, 60, schedule="cosine")
        np.testing.assert_array_equal(res.final_xy[i], t.xy[-1])
        assert res.diverged_at[i] == t.diverged_at and res.converged_at[i] == t.converged_at


def test_blocks_of_starts_equal_one_batch():
    s = ov.surface("himmelblau")
    starts = np.random.default_rng(1).uniform(-5, 5, (50, 2))
    res = final_states(s, ov.optimizer("adam:lr=0.1"), starts, 40, chunk=7)
    t = ov.run(s, "adam:lr=0.1", starts, 40)
    np.testing.assert_array_equal(res.final_xy, t.xy[-1])
    np.testing.assert_array_equal(res.final_loss, t.loss[-1])


TORCH_DEFAULT_LR = {
    "gd": 1e-3,  # torch.optim.SGD
    "momentum": 1e-3,
    "adam": 1e-3,
    "adamw": 1e-3,
    "radam": 1e-3,
    "nadam": 2e-3,
    "adamax": 2e-3,
    "adagrad": 1e-2,
    "adadelta": 1.0,
    "rmsprop": 1e-2,
}


def test_torch_default_rates_are_torchs():
    import inspect

    import torch

    names = {"gd": "SGD", "momentum": "SGD", "adam": "Adam", "adamw": "AdamW",
             "radam": "RAdam", "nadam": "NAdam", "adamax": "Adamax", "adagrad": "Adagrad",
             "adadelta": "Adadelta", "rmsprop": "RMSprop"}  # fmt: skip
    for ours, theirs in names.items():
        cls = getattr(torch.optim, theirs)
        default = inspect.signature(cls.__init__).parameters["lr"].default
        assert float(default) == TORCH_DEFAULT_LR[ours], theirs


def test_tuned_race_beats_torch_defaults_on_rosenbrock():
    names = list(TORCH_DEFAULT_LR)
    defaults = [ov.optimizer(n, lr=lr) for n, lr in TORCH_DEFAULT_LR.items()]
    plain = ov.race("rosenbrock", defaults, steps=200)
    tuned = ov.race("rosenbrock", names, steps=200, lr="tuned")
    for p, t in zip(plain.table(), tuned.table(), strict=True):
        assert t["final_loss"] < p["final_loss"], (t["optimizer"], p["final_loss"])
        assert t["diverged_at"] is None
        # machine-readable: the optimizer, the spec that rebuilds it, how its rate was chosen
        assert t["lr_chosen"] == "tuned: final loss after 200 steps"
        assert "tuned" not in t["optimizer"] and ov.optimizer(t["spec"]).lr == t["lr"]
    assert [r["lr_chosen"] for r in plain.table()] == ["given"] * len(names)


def test_race_lr_modes():
    r = ov.race("quadratic", ["gd", "adam"], steps=5, lr=0.2)
    assert [t.optimizer.lr for t in r] == [0.2, 0.2]
    r = ov.race("quadratic", ["gd"], steps=30, lr="tuned", tune_objective="steps", tune_steps=20)
    assert r.names[0].endswith("tuned: steps to converge after 20 steps")
    assert r[0].steps == 30
    with pytest.raises(UnknownNameError, match="did you mean 'tuned'"):
        ov.race("quadratic", ["gd"], lr="tunned")
    with pytest.raises(ParameterError, match="> 0"):
        ov.race("quadratic", ["gd"], lr=-1.0)


def test_bad_objective_is_a_did_you_mean_error():
    with pytest.raises(UnknownNameError, match="unknown objective 'fnal'; did you mean 'final'"):
        A.tune("quadratic", ["gd"], objective="fnal")
    with pytest.raises(UnknownNameError, match="objective"):
        A.sweep("quadratic", ["gd"], objective="loss")


def test_bad_rates_and_all_divergent():
    with pytest.raises(ParameterError, match="lrs"):
        A.tune("quadratic", ["gd"], lrs=[0.1, -1.0])
    with pytest.raises(ParameterError, match="diverged at every rate"):
        A.tune("quadratic", ["gd"], lrs=[5.0, 10.0], steps=50)


def test_best_at_edge_is_reported():
    t = A.tune("quadratic", ["gd"], lrs=[1e-4, 1e-3, 1e-2], steps=20)
    assert t.at_edge == ["gd"] and t.rows[0]["at_edge"] and t.best["gd"] == 1e-2


def test_tuning_with_many_starts_and_duplicate_names():
    starts = [[1.0, 1.0], [-1.5, 0.5]]
    t = A.tune(BOWL_2_8, ["adam", "adam:beta1=0.5", "adam"], start=starts, steps=30,
               lrs=np.geomspace(1e-3, 1, 12))  # fmt: skip
    assert list(t.best) == ["adam", "adam(beta1=0.5)", "adam#2"]
    assert t.best["adam"] == t.best["adam#2"]
    assert t.optimizers[1].beta1 == 0.5 and t.sweep.starts == 2


# -- basins --
DOUBLE_WELL = ov.Surface.from_expr(
    "(x**2 - 1)**2 + 0.5*y**2 + 0.3*x**2*y", domain=((-2, 2), (-1.5, 1.5)),
    minima=[(1.0, -0.3), (-1.0, -0.3)],
)  # fmt: skip


def test_basins_symmetric_under_mirror():
    s = DOUBLE_WELL
    s = ov.Surface.from_expr(s.expression, domain=s.domain, minima=_true_minima(s))
    opts = ["gd:lr=0.05", "momentum:lr=0.02", "adam:lr=0.05", "lion:lr=0.02", "rmsprop:lr=0.1"]
    b = A.basins(s, opts, n=41, steps=150)
    assert b.labels.shape == (5, 41, 41)
    np.testing.assert_array_equal(b.X, -b.X[:, ::-1])
    swap = np.array([-2, -1, 1, 0])  # label -> label of the mirror image (index + 2)
    mirrored = swap[b.labels[:, :, ::-1] + 2]
    np.testing.assert_array_equal(b.labels, mirrored)
    # away from the ridge x = 0, each side ends in its own well
    assert np.all(b.labels[0][:, b.X[0] > 0.3] == 0)
    assert np.all(b.labels[0][:, b.X[0] < -0.3] == 1)


def _true_minima(s):
    # minimize (x² - 1)² + y²/2 + 0.3 x² y: y = -0.3 x², then x² = 1 + 0.045 x² ... solve
    from scipy.optimize import minimize

    out = [minimize(lambda p: float(s.f(p)), x0, jac=s.grad, tol=1e-14).x for x0 in
           ([1.0, -0.3], [-1.0, -0.3])]  # fmt: skip
    out[1] = out[0] * [-1, 1]
    return out


def test_basins_label_convergence_and_divergence():
    b = A.basins("quadratic", ["gd:lr=0.1", "gd:lr=1e-5", "gd:lr=1.5"], n=9, steps=100)
    assert np.all(b.labels[0] == 0)
    assert np.mean(b.labels[1] == -1) > 0.9  # too small a step: not there yet
    assert b.labels[2][4, 4] == 0 and np.sum(b.labels[2] == -2) == 80  # all but the centre
    f = b.fractions()
    assert f[0]["minimum 0"] == 1.0 and f[2]["diverged"] == pytest.approx(80 / 81)


def test_basins_use_critical_points_without_stated_minima():
    s = ov.Surface.from_expr("(x**2 - 1)**2 + y**2", domain=((-2, 2), (-2, 2)))
    b = A.basins(s, ["gd:lr=0.05"], n=11, steps=200)
    assert len(b.minima) == 2
    np.testing.assert_allclose(np.sort(b.minima[:, 0]), [-1, 1], atol=1e-6)
    assert np.all(b.labels[0][:, b.X[0] > 0] == np.argmax(b.minima[:, 0]))


# -- curvature --
@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3))
def test_eigenvalues_closed_form(abd):
    a, b, d = abd
    h = np.array([[a, b], [b, d]])
    np.testing.assert_allclose(
        A.eigenvalues(h), np.linalg.eigvalsh(h), atol=1e-9 * (1 + abs(h).max())
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [("x**2 + y**2", "convex"), ("-x**2 - 2*y**2", "concave"), ("x*y", "saddle"),
     ("x**2", "flat")],
)  # fmt: skip
def test_curvature_kinds_of_quadratics(text, kind):
    c = A.curvature(ov.Surface.from_expr(text), n=15, critical=False)
    assert c.fractions()[kind] == 1.0
    assert c.classify([0.3, -0.7]) == kind


@pytest.mark.parametrize("name", ["himmelblau", "six_hump_camel", "rosenbrock", "monkey_saddle"])
def test_curvature_agrees_with_critical_points(name):
    from optviz.catalog.critical import critical_points

    c = A.curvature(name, n=60)
    points = critical_points(name)
    assert points and len(c.critical) == len(points)
    for p in points:
        want = {"minimum": "convex", "maximum": "concave", "saddle": "saddle"}.get(p.kind, "flat")
        assert c.classify(p.xy) == want, (p.kind, p.xy)


# -- noise bands --
def test_bands_quantiles_and_reference():
    b = A.bands("quadratic", "gd:lr=0.1", seeds=16, steps=40, noise="grad=0.5", seed=3)
    med, lo, hi = b.loss_band()
    assert np.all(lo <= med) and np.all(med <= hi) and hi[-1] > lo[-1]
    ref = ov.run("quadratic", "gd:lr=0.1", steps=40)
    np.testing.assert_array_equal(b.reference.xy, ref.xy)
    assert np.all(lo[0] == hi[0])  # every seed starts at the same point
    assert len({tuple(p) for p in b.trajectory.xy[-1]}) == 16  # each draws its own noise


def test_bands_without_noise_collapse_onto_the_reference():
    b = A.bands("rosenbrock", "adam:lr=0.05", seeds=4, steps=30, noise=None)
    for i in range(4):
        np.testing.assert_array_equal(b.trajectory.xy[:, i], b.reference.xy)
    sgd = A.bands("quadratic", "sgd:lr=0.05", seeds=4, steps=30, noise=None)
    assert sgd.reference.optimizer.name == "gd" and sgd.trajectory.xy[-1].std(0).max() > 0


def test_bands_bad_input():
    with pytest.raises(ParameterError, match="seeds"):
        A.bands("quadratic", "gd", seeds=1)
    with pytest.raises(ParameterError, match="quantiles"):
        A.bands("quadratic", "gd", quantiles=(0.9, 0.1))
    with pytest.raises(ParameterError, match="one start"):
        A.bands("quadratic", "gd", start=[[0, 1], [1, 0]])


# -- figures --
def test_sweep_plot_marks_divergence_and_choice():
    t = A.tune("quadratic", ["gd", "adam"], lrs=[0.01, 0.1, 0.4, 2.0, 5.0], steps=30)
    ax = t.plot(dpi=50)
    gd, adam = [ln for ln in ax.lines if ln.get_marker() in ("o", "D")]  # the two curves
    drawn = [np.asarray(ln.get_xdata())[np.isfinite(ln.get_ydata())].tolist() for ln in (gd, adam)]
    assert drawn == [[0.01, 0.1, 0.4], [0.01, 0.1, 0.4, 2.0, 5.0]]  # gd's line stops: diverged
    assert any("stops where its rates diverge" in t.get_text() for t in ax.texts)
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert sorted(float(ln.get_xdata()[0]) for ln in stars) == sorted(t.best.values())
    assert "final loss after 30 steps" in ax.get_title()


def test_basins_and_bands_figures(tmp_path):
    b = A.basins("himmelblau", ["gd:lr=0.01", "adam:lr=0.1", "lion:lr=0.05"], n=20, steps=50)
    fig = b.plot(dpi=40)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    # each panel named as the race legends name it, not by its spec
    assert [ax.get_title() for ax in visible] == ["GD (lr 0.01)", "Adam (lr 0.1)", "Lion (lr 0.05)"]
    image = visible[0].images[0].get_array()
    assert image.shape == (20, 20, 3)
    fig.savefig(tmp_path / "b.png")
    fig = A.bands("quadratic", "gd:lr=0.1", seeds=5, steps=10).plot(size="small", theme="dark")
    assert len(fig.axes) == 2
    ax = A.curvature("himmelblau", n=30).plot(dpi=40)
    assert {"minimum (4)", "saddle (4)", "maximum (1)"} <= {
        t.get_text() for t in ax.get_legend().get_texts()
    }


def test_tuning_without_rates_looks_lower_on_a_steep_surface():
    # Goldstein-Price's gradient is ~1e6 at its start: GD diverges at every default rate
    s = ov.surface("goldstein_price")
    grad = np.linalg.norm(s.grad(s.starts[0]))
    assert grad > 1e5
    t = A.tune(s, ["gd", "adam"], steps=100)
    assert t.best["gd"] < 1e-5 <= t.best["adam"]  # only the optimizer that needed it
    assert not ov.run(s, t.optimizers[0], steps=100).diverged
    with pytest.raises(ParameterError, match="diverged at every rate"):
        A.tune(s, ["gd"], steps=100, lrs=[1e-3, 1e-2])  # rates the user gave are kept


def test_tuning_prefers_rates_whose_runs_end_on_the_picture():
    # long_furrow falls without bound along x: the lowest final loss is far off the map
    s = ov.surface("long_furrow")
    sw = A.sweep(s, ["gd", "adam"], steps=200)
    assert any(left.any() for left in sw.left_view)  # some rates do leave
    t = A.tune(s, ["gd", "adam"], steps=200)
    (x0, x1), (y0, y1) = s.domain
    for opt in t.optimizers:
        x, y = ov.run(s, opt, steps=200).xy[-1]
        assert x0 <= x <= x1 and y0 <= y <= y1, opt
