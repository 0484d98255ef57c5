"""Defaults that teach: a race with no optimizer, start or step count given shows what the
surface's catalog file says it teaches."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import numpy as np
import pytest

import optviz as ov
from optviz.catalog.entries import _catalog_files, surfaces
from optviz.engine.optim import optimizer
from optviz.util.errors import CatalogError

TINY = ["--size", "small", "--dpi", "40", "--fps", "4", "--duration", "1", "-q"]


def run_cli(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "optviz.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )


def lesson_race(name: str):
    s = ov.surface(name)
    start = s.lesson.starts if len(s.lesson.starts) else None  # the surface's own start
    return ov.race(s, list(s.lesson.optimizers), start=start, steps=s.lesson.steps)


def test_every_lesson_names_real_optimizers_and_starts_in_the_domain():
    taught = 0
    for name in surfaces():
        lesson = ov.surface(name).lesson
        for spec in lesson.optimizers:
            optimizer(spec)  # raises on a bad spec
        dom = ov.surface(name).domain
        assert np.all((lesson.starts >= dom[:, 0]) & (lesson.starts <= dom[:, 1])), name
        taught += bool(lesson.optimizers)
    assert taught >= 4


def test_the_saddle_lesson_is_the_notes_figure_gd_stuck_the_others_roll_off():
    """f = x² − y²: GD's steps are x ← (1 − 2·lr)·x, y ← (1 + 2·lr)·y, exactly."""
    race = lesson_race("saddle")
    assert len(race) >= 3
    gd = next(t for t in race if t.name == "gd")
    lr, steps = gd.optimizer.lr, gd.steps
    (x0, y0), end = paths(gd)[0, 0], paths(gd)[-1, 0]
    assert 0 < abs(y0) < 1e-3  # a hair off the stable line y = 0
    expected = [x0 * (1 - 2 * lr) ** steps, y0 * (1 + 2 * lr) ** steps]
    np.testing.assert_allclose(end, expected, rtol=1e-9)
    assert np.hypot(*end) < 0.02 * race.surface.span  # still at the saddle
    rolled = [t for t in race if abs(paths(t)[-1, 0, 1]) > 1.0 and t.name != "gd"]
    assert len(rolled) >= 2, [t.label for t in race]  # down the unstable y direction


@pytest.fixture
def optviz(capsys, tmp_path, monkeypatch):
    """Run ``optviz ARGS`` in-process in a temporary folder; give (exit code, stderr)."""
    from optviz import cli

    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str]:
        code = cli._main([str(a) for a in args])
        return code, capsys.readouterr().err

    return run


def metrics_rows(path) -> list[dict]:
    rows = json.loads(path.read_text())
    return rows["rows"] if isinstance(rows, dict) else rows


@pytest.mark.parametrize("three_d", [False, True])
def test_optviz_race_saddle_with_no_options_shows_gd_stuck_and_the_others_escaping(
    optviz, tmp_path, three_d
):
    flags = ["--3d"] if three_d else []
    code, err = optviz("race", "saddle", *flags, *TINY, "--metrics", "m.json")
    assert code == 0, err
    rows = metrics_rows(tmp_path / "m.json")
    assert len(rows) == len(ov.surface("saddle").lesson.optimizers)
    final = {row["optimizer"].split("(")[0]: row["final_loss"] for row in rows}
    assert abs(final.pop("gd")) < 1e-3  # f = x² − y² is 0 at the saddle
    assert len(final) >= 2 and all(loss < -1.0 for loss in final.values()), final


@pytest.mark.parametrize(
    "given", [["-O", "gd"], ["--start", "-1.8,0"], ["-O", "gd", "--start", "-1.8,0"]]
)
def test_with_optimizers_or_a_start_the_lessons_step_count_does_not_apply(optviz, tmp_path, given):
    assert ov.surface("saddle").lesson.steps != 200
    code, err = optviz("race", "saddle", *given, *TINY, "-o", "s.png", "--metrics", "m.json")
    assert code == 0, err
    rows = metrics_rows(tmp_path / "m.json")
    assert rows[0]["optimizer"].startswith("gd")
    lr, (x0, y0) = rows[0]["lr"], ([-1.8, 0.0] if "--start" in given else [-1.8, 1e-4])
    # 200 steps (the documented default) of x ← (1 − 2·lr)·x, y ← (1 + 2·lr)·y
    expected = (x0 * (1 - 2 * lr) ** 200) ** 2 - (y0 * (1 + 2 * lr) ** 200) ** 2
    assert rows[0]["final_loss"] == pytest.approx(expected, rel=1e-9)


def test_plateau_lesson_gd_stalls_and_adaptive_methods_walk_off():
    race = lesson_race("plateau_cliff")
    x = {t.name: t.xy.reshape(len(t.xy), -1, 2)[:, 0, 0] for t in race}  # the first start's x
    start_x = x["gd"][0]
    assert abs(x["gd"][-1] - start_x) < 0.5
    walkers = [name for name in x if name in ("adam", "rmsprop")]
    assert walkers
    for name in walkers:
        assert x[name][-1] - start_x > 1.0, name


def test_rosenbrock_lesson_stays_in_view():
    race = lesson_race("rosenbrock")
    dom = race.surface.domain
    for traj in race:
        assert np.all((traj.xy >= dom[:, 0]) & (traj.xy <= dom[:, 1])), traj.label


def test_a_bad_lesson_is_a_clear_catalog_error():
    from optviz.catalog import surface_from_spec

    spec = {
        "name": "bowl",
        "title": "Bowl",
        "kind": "bowl",
        "description": "a bowl",
        "expr": "x**2 + y**2",
        "domain": [[-1.0, 1.0], [-1.0, 1.0]],
        "starts": [[0.5, 0.5]],
        "lesson": {"steps": 0},
    }
    with pytest.raises(CatalogError, match=r"lesson\.steps.*>= 1"):
        surface_from_spec(spec, "surfaces/bowl.toml")
    spec["lesson"] = {"camera": 1}
    with pytest.raises(CatalogError, match=r"lesson\.camera.*allowed: optimizers"):
        surface_from_spec(spec, "surfaces/bowl.toml")
    spec["lesson"] = {"caption": ["two", "lines"]}
    with pytest.raises(CatalogError, match=r"lesson\.caption.*one line"):
        surface_from_spec(spec, "surfaces/bowl.toml")


def test_goldstein_price_says_why_gd_leaps_and_the_numbers_are_the_surfaces(optviz, tmp_path):
    """GD's one stride across the basin read as luck: the lesson's caption says why, under
    the title of `optviz race goldstein_price`, with the gradient and stride the math gives."""
    s = ov.surface("goldstein_price")
    gd = next(o for o in s.lesson.optimizers if o.startswith("gd:"))
    lr = float(gd.split("lr=")[1])
    grad = float(np.linalg.norm(s.grad(np.asarray(s.lesson.starts[0], float))))
    # one number format with the callouts ("19,000", not "19 000"); no "stride" jargon,
    # and the step called huge is: longer than 1 (a quarter of the map across)
    assert f"(slope {round(grad, -3):,.0f})" in s.lesson.caption
    assert "first step is huge" in s.lesson.caption and lr * grad > 1.0
    assert s.lesson_title.splitlines() == [s.title, s.lesson.caption]
    import matplotlib.pyplot as plt

    shown = []
    real_savefig = plt.Figure.savefig

    def spy(fig, *args, **kwargs):
        # the caption is under the heading or over the map, wrapped to the frame
        titles = [fig._suptitle] + [ax._left_title for ax in fig.axes]
        shown.append(" ".join(t.get_text().replace("\n", " ") for t in titles if t))
        return real_savefig(fig, *args, **kwargs)

    import unittest.mock

    with unittest.mock.patch.object(plt.Figure, "savefig", spy):
        code, err = optviz("race", "goldstein_price", *TINY, "-o", "g.png")
    assert code == 0, err
    assert shown and s.lesson.caption in shown[-1]


# -- every surface teaches ---------------------------------------------------------------
# Each catalog surface's [lesson] is run by the engine (not drawn) and its picture's claim
# is checked against math: closed forms where the surface has one, known minima, Hessians.

DIVERGING = {"parabola"}  # its lesson comment says divergence is the point


@functools.cache
def cached_lesson(name: str):
    return lesson_race(name)


def paths(traj) -> np.ndarray:
    """Positions ``(steps + 1, starts, 2)`` whether the run had one start or many."""
    return traj.xy if traj.batched else traj.xy[:, None, :]


def finals(traj) -> np.ndarray:
    return paths(traj)[-1]


def by_name(race) -> dict:
    return {t.name: t for t in race}


def lesson_comment(name: str) -> str:
    """The comment lines right above the ``[lesson]`` table of the surface's file."""
    lines = _catalog_files()[name].read_text(encoding="utf-8").splitlines()
    above = lines[: lines.index("[lesson]")]
    comment = []
    while above and above[-1].startswith("#"):
        comment.insert(0, above.pop().lstrip("# "))
    return " ".join(comment)


def nearest_minimum(surface, xy) -> tuple[int, float]:
    d = np.linalg.norm(surface.minima - xy, axis=1)
    return int(np.argmin(d)), float(d.min())


@pytest.mark.parametrize("name", surfaces())
def test_every_surface_has_a_lesson_with_explicit_rates_and_a_comment(name):
    lesson = ov.surface(name).lesson
    assert 2 <= len(lesson.optimizers) <= 4, name
    assert all("lr=" in spec for spec in lesson.optimizers), lesson.optimizers  # not tuned
    assert lesson.steps is not None
    assert len(lesson_comment(name).split()) >= 8, "say in a line what the race shows"


CAPTION_CHARS = 90  # one line under the title at 1280 px; longer ran off both edges
RATE_ONLY = ("rate is lower because", "build up to")  # the words of a caption that only
# justified the rates (elliptic, matyas, monkey_saddle, saddle): the viewer was never told
# what to look for


@pytest.mark.parametrize("name", surfaces())
def test_every_lesson_caption_says_in_plain_words_what_each_optimizer_does(name):
    """A lesson's caption states what to check on the picture, naming every optimizer it
    races (by its legend name), and fits on one line; one that only justified rates, or
    none at all (beale, easom), left the lesson to the viewer's guess."""
    from optviz.render.paths import NAMES

    caption = ov.surface(name).lesson.caption
    assert caption and len(caption) <= CAPTION_CHARS, (name, len(caption))
    assert not any(words in caption for words in RATE_ONLY), caption
    for spec in ov.surface(name).lesson.optimizers:
        who = NAMES[spec.split(":")[0]]
        assert who.lower() in caption.lower(), (name, who, caption)


@pytest.mark.parametrize("name", surfaces())
def test_every_lesson_race_stays_finite_in_view_and_keeps_moving(name):
    race = cached_lesson(name)
    dom = race.surface.domain
    diverged = np.concatenate([np.atleast_1d(t.diverged) for t in race])
    if name in DIVERGING:
        assert diverged.any() and not diverged.all()
        assert "divergence" in lesson_comment(name).lower()
    else:
        assert not diverged.any(), [t.label for t in race if np.any(t.diverged)]
    ends = np.concatenate([finals(t)[~np.atleast_1d(t.diverged)] for t in race])
    assert np.all((ends >= dom[:, 0]) & (ends <= dom[:, 1])), ends
    # not an idle animation: the slowest run covers its last tenth late in the race
    arrivals = []
    for traj in race:
        xy = paths(traj)[:, ~np.atleast_1d(traj.diverged)]
        travelled = np.cumsum(np.linalg.norm(np.diff(xy, axis=0), axis=-1), axis=0)
        arrivals += list(np.argmax(travelled >= 0.9 * travelled[-1], axis=0) + 1)
    assert max(arrivals) >= 0.3 * race[0].steps, arrivals


# -- bowls: closed forms --------------------------------------------------------------


def gd_on_quadratic(H, x_star, start, lr, steps) -> np.ndarray:
    """GD on ½(x − x*)ᵀH(x − x*): x_t − x* = (I − lr·H)^t (x_0 − x*)."""
    step = np.eye(2) - lr * np.asarray(H, float)
    out, e = [], np.asarray(start, float) - x_star
    for _ in range(steps + 1):
        out.append(x_star + e)
        e = step @ e
    return np.array(out)


@pytest.mark.parametrize("name", ["quadratic", "elliptic", "booth"])
def test_gd_on_the_quadratic_lessons_follows_the_closed_form(name):
    race = cached_lesson(name)
    surface = race.surface
    H = surface.hess(surface.minima[0])  # constant: the surfaces are quadratics
    for traj in race:
        if traj.name != "gd":
            continue
        expected = gd_on_quadratic(
            H, surface.minima[0], paths(traj)[0, 0], traj.optimizer.lr, traj.steps
        )
        np.testing.assert_allclose(paths(traj)[:, 0], expected, atol=1e-9)


def test_quadratic_lesson_gd_walks_straight_in_and_adam_bends_off_the_line():
    """On a(x² + y²) GD's steps shrink the offset by 1 − 2·a·lr, so every iterate lies on
    the segment from the start to the minimum; Adam's first step is lr·sign(g) in each
    coordinate, a diagonal that leaves the line (the start is not on a diagonal)."""
    race = by_name(cached_lesson("quadratic"))
    gd, adam = paths(race["gd"])[:, 0], paths(race["adam"])[:, 0]
    start = gd[0]
    along = gd @ start / (start @ start)
    np.testing.assert_allclose(gd, along[:, None] * start, atol=1e-12)  # on the line
    assert np.all((np.diff(along) < 0) & (along[1:] > 0))  # straight in, never past
    first = adam[1] - adam[0]
    np.testing.assert_allclose(first, -race["adam"].optimizer.lr * np.sign(start), rtol=1e-6)
    off_line = np.abs(adam[:, 0] * start[1] - adam[:, 1] * start[0]) / np.linalg.norm(start)
    assert off_line.max() > 0.03 * race["gd"].surface.span
    assert float(adam[-1] @ start) < 0  # it overshot to the far side and is still there


def test_booth_and_elliptic_gd_zig_zags_across_the_steep_direction():
    for name in ("booth", "elliptic"):
        race = cached_lesson(name)
        surface = race.surface
        evals, evecs = np.linalg.eigh(surface.hess(surface.minima[0]))
        fast = max((t for t in race if t.name == "gd"), key=lambda t: t.optimizer.lr)
        assert fast.optimizer.lr * evals[-1] > 1  # the steep factor 1 − lr·λ is negative
        across = (paths(fast)[:12, 0] - surface.minima[0]) @ evecs[:, -1]
        assert np.all(np.sign(across[1:]) == -np.sign(across[:-1])), across


def test_rotated_ellipse_takes_adams_per_coordinate_advantage_away():
    race = by_name(cached_lesson("rotated_ellipse"))
    assert race["adam"].final_loss.max() > 100 * race["gd"].final_loss.max()


# -- ravines: momentum and adaptive steps --------------------------------------------


@pytest.mark.parametrize(
    "name", ["rosenbrock", "beale", "elliptic", "narrow_ravine", "linreg_scaled", "matyas"]
)
def test_on_a_ravine_momentum_or_adam_gets_lower_than_gd_in_the_same_steps(name):
    race = by_name(cached_lesson(name))
    floor = race["gd"].surface.min_value
    rival = race.get("momentum") or race["adam"]

    def excess(traj):
        return float(traj.final_loss.max()) - floor

    assert excess(rival) < 0.5 * excess(race["gd"]), (excess(rival), excess(race["gd"]))


def test_long_furrow_lesson_matches_the_closed_form_along_the_floor():
    """f = a·y² − s·x: the x gradient is −s everywhere, so each run's x travel is exact."""
    race = by_name(cached_lesson("long_furrow"))
    s = race["gd"].surface.params["s"]
    travel = {n: paths(t)[-1, 0, 0] - paths(t)[0, 0, 0] for n, t in race.items()}
    gd, mom, adam = race["gd"].optimizer, race["momentum"].optimizer, race["adam"].optimizer
    steps = race["gd"].steps
    t = np.arange(1, steps + 1)
    mu = mom.momentum
    assert travel["gd"] == pytest.approx(steps * gd.lr * s, rel=1e-9)
    # torch's buffer: b_1 = g, b_t = μ b_{t−1} + g, so b_t = g (1 − μ^t) / (1 − μ)
    assert travel["momentum"] == pytest.approx(
        mom.lr * s * np.sum((1 - mu**t) / (1 - mu)), rel=1e-9
    )
    # a constant gradient makes Adam's bias-corrected ratio g / (|g| + eps) every step
    assert travel["adam"] == pytest.approx(steps * adam.lr * s / (s + adam.eps), rel=1e-9)
    assert travel["momentum"] > travel["adam"] > 3 * travel["gd"]


def test_linreg_standardized_gd_converges_in_fewer_steps_than_linreg_scaled():
    def steps_to_converge(name: str) -> tuple[int, float]:
        surface = ov.surface(name)
        spec = next(s for s in surface.lesson.optimizers if s.startswith("gd:"))
        traj = ov.run(surface, spec, surface.lesson.starts[0], 3000)
        rate_share = optimizer(spec).lr * np.linalg.eigvalsh(surface.hess(surface.minima[0]))[-1]
        close = traj.loss - surface.min_value < 1e-3 * (traj.loss[0] - surface.min_value)
        return int(np.argmax(close)), rate_share

    scaled, scaled_share = steps_to_converge("linreg_scaled")
    standard, standard_share = steps_to_converge("linreg_standardized")
    # a fair race: each GD at about 1/λ_max, the largest rate without zig-zag
    assert 0.5 < scaled_share < 1.5 and 0.5 < standard_share < 1.5
    assert 10 * standard < scaled, (standard, scaled)


# -- plateaus -------------------------------------------------------------------------


def test_sigmoid_neuron_gd_stalls_where_the_neuron_saturates_and_rmsprop_walks_off():
    race = by_name(cached_lesson("sigmoid_neuron"))
    surface = race["gd"].surface
    rms_ends = finals(race["rmsprop"])
    # saturated start: sigmoid(y − x) ≈ 1 against a target 0.1, a loss floor of ½·0.9²
    assert race["gd"].loss[-1, 0] > 0.5 * 0.9**2 - 1e-3
    assert nearest_minimum(surface, rms_ends[0])[1] < 0.01


def test_tiny_net_adam_walks_the_plateau_and_the_mirror_start_mirrors_it():
    race = cached_lesson("tiny_net")
    surface = race.surface
    np.testing.assert_allclose(surface.minima[0], -surface.minima[1])  # (w1, w2) ~ (−w1, −w2)
    gd, adam = by_name(race)["gd"], by_name(race)["adam"]
    assert nearest_minimum(surface, finals(adam)[0]) == (0, pytest.approx(0, abs=0.05))
    assert nearest_minimum(surface, finals(gd)[0])[1] > 0.5  # GD is still crawling
    for traj in race:  # the same network from the mirrored start: the mirrored path
        mirrored = ov.run(surface, traj.optimizer, -paths(traj)[0, 0], traj.steps)
        np.testing.assert_allclose(mirrored.xy, -paths(traj)[:, 0], atol=1e-9)


def test_easom_far_from_the_hole_gd_cannot_tell_which_way_to_go_and_rmsprop_can():
    """RMSprop's first step is lr·g/√((1 − α)g² + ε) = lr/√(1 − α) per coordinate, ten
    times its rate at α = 0.99 however faint g is; GD's is lr·g, a millionth of a step."""
    race = by_name(cached_lesson("easom"))
    surface = race["gd"].surface
    gd, rms = paths(race["gd"])[:, 0], paths(race["rmsprop"])[:, 0]
    g = surface.grad(gd[0])
    assert np.abs(g).max() < 1e-4  # out on the plain
    assert np.linalg.norm(gd[-1] - gd[0]) < 1e-3
    opt = race["rmsprop"].optimizer
    alpha, eps = opt.hyper["alpha"], opt.hyper["eps"]
    expected = -opt.lr * g / (np.sqrt((1 - alpha) * g**2) + eps)
    np.testing.assert_allclose(rms[1] - rms[0], expected, rtol=1e-6)
    assert np.abs(rms[1] - rms[0]).min() > 5 * opt.lr
    assert nearest_minimum(surface, rms[-1]) == (0, pytest.approx(0, abs=0.05))  # the hole


# -- saddles --------------------------------------------------------------------------


def test_double_well_gd_on_the_ridge_stops_on_the_saddle_and_noise_leaves_it():
    race = by_name(cached_lesson("double_well"))
    on_ridge = paths(race["gd"])[:, 0]
    assert np.all(on_ridge[:, 0] == 0.0)  # ∂f/∂x = 4x³ − 4x vanishes on x = 0
    # on the ridge f = y², so GD's y shrinks by 1 − 2·lr a step, exactly
    lr = race["gd"].optimizer.lr
    y = on_ridge[:, 1]
    np.testing.assert_allclose(y, y[0] * (1 - 2 * lr) ** np.arange(len(y)), rtol=1e-9)
    assert np.linalg.norm(on_ridge[-1]) < 1e-3  # the saddle
    assert np.all(np.abs(np.abs(finals(race["sgd"])[:, 0]) - 1) < 0.3)  # in a well


def test_monkey_saddle_gd_on_the_axis_never_passes_the_flat_point():
    race = by_name(cached_lesson("monkey_saddle"))
    gd = race["gd"]
    axis = paths(gd)[:, 0]
    assert np.all(axis[:, 1] == 0.0)
    # on y = 0 the step is x ← x − lr·3x²: positive and shrinking, never past 0
    x = axis[:, 0]
    np.testing.assert_allclose(x[1:], x[:-1] - gd.optimizer.lr * 3 * x[:-1] ** 2, rtol=1e-12)
    assert np.all((x[1:] > 0) & (x[1:] < x[:-1]))
    assert paths(race["momentum"])[-1, 0, 0] < 0  # momentum coasted through the flat point


# -- many minima ----------------------------------------------------------------------

ENDINGS = {  # optimizer -> the catalog minimum each start ends in
    "himmelblau": {"gd": [1], "adam": [0]},
    "styblinski_tang": {"gd": [3], "momentum": [0]},
    "three_hump_camel": {"gd": [1], "momentum": [0]},
    "six_hump_camel": {"gd": [4], "momentum": [0]},
    "gaussian_wells": {"gd": [1], "momentum": [0]},
}


@pytest.mark.parametrize("name", sorted(ENDINGS))
def test_many_minima_lessons_end_in_different_known_minima(name):
    race = by_name(cached_lesson(name))
    surface = next(iter(race.values())).surface
    reached = set()
    for opt, expected in ENDINGS[name].items():
        for xy, k in zip(finals(race[opt]), expected, strict=True):
            index, distance = nearest_minimum(surface, xy)
            assert (index, distance < 0.1) == (k, True), (opt, xy, index, distance)
            reached.add(index)
    assert len(reached) >= 2


def test_rastrigin_gd_stops_in_its_own_cell_and_large_early_steps_cross_cells():
    race = by_name(cached_lesson("rastrigin"))
    surface = race["gd"].surface
    start = paths(race["gd"])[0, 0]
    gd_end, adagrad_end = finals(race["gd"])[0], finals(race["adagrad"])[0]
    for end in (gd_end, adagrad_end):  # both end in (or settling into) a local minimum
        from scipy.optimize import minimize

        dimple = minimize(surface.f, end, jac=surface.grad, method="BFGS").x
        assert np.linalg.norm(dimple - end) < 0.01
        assert np.all(np.linalg.eigvalsh(surface.hess(dimple)) > 0)
    np.testing.assert_array_equal(np.round(gd_end), np.round(start))  # its own cell
    assert np.abs(np.round(adagrad_end) - np.round(start)).sum() >= 3  # cells away
    assert surface.f(adagrad_end) < surface.f(gd_end) / 10


def test_ackley_and_levi_ripples_trap_gd_while_momentum_rolls_on():
    for name in ("ackley", "levi13"):
        race = by_name(cached_lesson(name))
        surface = race["gd"].surface
        gd_end = finals(race["gd"])[0]
        assert np.linalg.norm(surface.grad(gd_end)) < 1e-3  # stopped in a ripple...
        assert race["gd"].final_loss.max() > 5.0  # ...far above the global minimum's 0
        assert race["momentum"].final_loss.max() < race["gd"].final_loss.max() / 5


def test_goldstein_price_walls_turn_a_small_rate_into_strides():
    """GD's first step is lr·∇f: on the wall ∇f is in the thousands, so a rate of 0.0001
    strides across the map, over the ridge into the global basin; Adam's first step is
    lr per coordinate and it stays in the basin below its start, a local minimum."""
    race = by_name(cached_lesson("goldstein_price"))
    gd = race["gd"]
    start = paths(gd)[0, 0]
    step = paths(gd)[1, 0] - start
    np.testing.assert_allclose(step, -gd.optimizer.lr * gd.surface.grad(start), rtol=1e-9)
    assert np.linalg.norm(step) > 0.1 * gd.surface.span
    assert nearest_minimum(gd.surface, finals(gd)[0]) == (0, pytest.approx(0, abs=0.01))
    adam_end = finals(race["adam"])[0]
    assert nearest_minimum(gd.surface, adam_end) == (1, pytest.approx(0, abs=0.05))
    assert gd.surface.f(adam_end) == pytest.approx(30.0, abs=0.5)  # ten times the global 3
    assert not np.any(gd.diverged) and not np.any(race["adam"].diverged)


def test_optviz_race_parabola_draws_its_divergence(tmp_path):
    done = run_cli(tmp_path, "race", "parabola", *TINY, "--metrics", "m.json")
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "m.json").read_text())
    rows = rows["rows"] if isinstance(rows, dict) else rows
    diverged = [row["diverged_at"] is not None for row in rows]
    assert diverged == [False, False, True]  # the rate past 2 / curvature, alone
    assert (tmp_path / "parabola_race.gif").stat().st_size > 0


@pytest.mark.parametrize(("name", "least"), [("sigmoid_neuron", 0.2), ("easom", 0.6)])
def test_a_lesson_that_arrives_early_runs_fewer_steps(name, least):
    # RMSprop was done at step 15 of sigmoid_neuron's 80 (nothing moved for half the
    # animation) and in easom's hole by step 6 of 40
    rms = by_name(cached_lesson(name))["rmsprop"]
    xy = paths(rms)[:, 0]
    travelled = np.cumsum(np.linalg.norm(np.diff(xy, axis=0), axis=-1))
    arrival = np.argmax(travelled >= 0.95 * travelled[-1]) + 1
    assert arrival >= least * rms.steps, (arrival, rms.steps)


def test_gallery_run_labels_name_their_rate_as_every_race_does():
    # tiny_net_init's legend read "gradient descent (lr = 0.3)" beside every other
    # scene's "GD (lr 0.3)"
    import tomllib
    from pathlib import Path

    for path in sorted(Path("gallery").glob("*.toml")):
        for spec in tomllib.loads(path.read_text()).get("optimizers", []):
            label = spec.get("label", "") if isinstance(spec, dict) else ""
            assert "lr =" not in label and "gradient descent" not in label, (path.name, label)
