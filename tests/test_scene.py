"""Scene files: what they say is what runs, and every mistake names its field."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import optviz as ov
from optviz.scenes import load_scene, render_scene, scene_from_dict
from optviz.util.errors import SceneError

FULL = """
title = "A ravine"
description = "momentum against Adam"

[surface]
name = "rosenbrock"
params = { b = 10 }

[[optimizers]]
name = "momentum"
lr = 0.002
momentum = 0.8
label = "heavy ball"

[[optimizers]]
name = "adam"
lr = 0.05

[run]
steps = 40
starts = [[-1.5, 2.0], [0.5, -0.5]]
schedule = { name = "step", step_size = 10, gamma = 0.5 }
noise = { grad = 0.1 }
seed = 7

[render]
kind = "contour"
loss = true
size = "small"
dpi = 40
output = "out/ravine.png"
"""


def write(tmp_path, text, name="scene.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_scene_runs_exactly_what_it_says(tmp_path):
    scene = load_scene(write(tmp_path, FULL))
    assert scene.title == "A ravine" and scene.description == "momentum against Adam"
    assert scene.surface.params == {"a": 1.0, "b": 10.0}
    assert [o.label for o in scene.optimizers] == [
        "momentum(lr=0.002, momentum=0.8)",
        "adam(lr=0.05)",
    ]
    assert scene.steps == 40 and scene.seed == 7
    assert scene.schedule.factors(21)[[0, 9, 10, 20]].tolist() == [1.0, 1.0, 0.5, 0.25]
    assert scene.noise.grad == 0.1
    (render,) = scene.renders
    assert render.output == tmp_path / "out" / "ravine.png"  # relative to the file
    assert render.options["loss"] is True and render.options["size"] == "small"

    race = scene.race()
    same = ov.race(
        ov.surface("rosenbrock", b=10),
        ["momentum:lr=0.002,momentum=0.8", "adam:lr=0.05"],
        start=[[-1.5, 2.0], [0.5, -0.5]],
        steps=40,
        schedule=ov.schedule("step:step_size=10,gamma=0.5"),
        noise="grad=0.1",
        seed=7,
    )
    for mine, theirs in zip(race, same, strict=True):
        assert np.array_equal(mine.xy, theirs.xy)  # bit-identical: same seed, same noise
    assert race.names == ["heavy ball", "adam(lr=0.05)"]
    assert scene.race() is race  # run once, shared by every render


def test_string_forms_match_table_forms():
    tables = scene_from_dict(
        {
            "surface": {"name": "rosenbrock", "params": {"b": 10}},
            "optimizers": [{"name": "momentum", "lr": 0.002}],
            "run": {"schedule": {"name": "cosine"}, "noise": {"grad": 0.5}, "starts": [1, 2]},
        }
    )
    strings = scene_from_dict(
        {
            "surface": "rosenbrock:b=10",
            "optimizers": ["momentum:lr=0.002"],
            "run": {"schedule": "cosine", "noise": "grad=0.5", "starts": ["1,2"]},
        }
    )
    assert tables.surface.params == strings.surface.params
    assert tables.optimizers == strings.optimizers
    assert tables.schedule == strings.schedule and tables.noise == strings.noise
    assert tables.starts == strings.starts == [1.0, 2.0]


def test_expression_surface_with_domain_and_minima():
    scene = scene_from_dict(
        {
            "surface": {
                "expr": "(x - 1)**2 + 4*(y + 0.5)**2",
                "domain": [-2, 2, -1, 1],
                "minima": [[1, -0.5]],
                "title": "offset bowl",
            },
            "optimizers": ["gd:lr=0.1"],
            "run": {"steps": 100, "starts": [-1.5, 0.5]},
        }
    )
    assert scene.surface.domain.tolist() == [[-2.0, 2.0], [-1.0, 1.0]]
    assert scene.surface.title == "offset bowl"
    t = scene.race()[0]
    assert np.allclose(t.xy[-1], [1.0, -0.5], atol=1e-6)
    assert 0 < int(t.converged_at) < 100  # the stated minimum lets convergence be seen


def test_catalog_domain_can_be_overridden_as_nested_pairs():
    scene = scene_from_dict({"surface": {"name": "quadratic", "domain": [[-1, 1], [-3, 3]]}})
    assert scene.surface.domain.tolist() == [[-1.0, 1.0], [-3.0, 3.0]]


def test_tuned_learning_rates_are_used_and_labelled():
    scene = scene_from_dict(
        {
            "surface": "quadratic",
            "optimizers": ["gd", {"name": "adam", "label": "mine"}],
            "run": {"steps": 10, "starts": [1.0, 0.0], "lr": "tuned"},
        }
    )
    race = scene.race()
    assert "tuned" in race.names[0] and race.names[1] == "mine"
    # the tuned GD rate beats the default rate on the same horizon
    plain = ov.run("quadratic", "gd", start=(1.0, 0.0), steps=10)
    assert race[0].loss[-1] < plain.loss[-1]


def test_a_number_as_lr_sets_every_optimizer():
    race = scene_from_dict(
        {"surface": "quadratic", "optimizers": ["gd", "adam"], "run": {"lr": 0.05, "steps": 1}}
    ).race()
    assert [float(t.optimizer.lr) for t in race] == [0.05, 0.05]


def test_render_writes_the_image_at_the_asked_size(tmp_path):
    path = write(
        tmp_path,
        'surface = "quadratic"\n[render]\nkind = "show"\nsize = "small"\ndpi = 30\n',
        "bowl.toml",
    )
    (out,) = render_scene(path)
    assert out == tmp_path / "bowl.png"  # default: the scene's name, .png for a figure
    assert Image.open(out).size == (192, 144)  # 6.4 x 4.8 inches at 30 dpi


def test_a_schedules_scene_needs_no_surface_and_draws_one_panel_each(tmp_path):
    path = write(
        tmp_path,
        '[run]\nsteps = 40\n[render]\nkind = "schedules"\nschedules = ["constant", "cosine",'
        ' "step:step_size=10"]\nsize = "small"\ndpi = 30\n',
        "lrs.toml",
    )
    (out,) = render_scene(path)
    assert out == tmp_path / "lrs.png" and Image.open(out).size == (192, 144)


def test_metrics_hold_the_race_numbers(tmp_path):
    scene = scene_from_dict(
        {
            "surface": "quadratic",
            "optimizers": ["gd:lr=0.25"],
            "run": {"steps": 3, "starts": [1.0, 0.0]},
            "metrics": "m.json",
        },
        base=tmp_path,
    )
    assert scene.render() == [tmp_path / "m.json"]
    (row,) = json.loads((tmp_path / "m.json").read_text())
    assert row["final_loss"] == pytest.approx(0.5**6)  # x_t = (1 - 2 lr)^t = 0.5^t


def test_several_renders_default_to_distinct_names(tmp_path):
    path = write(
        tmp_path,
        'surface = "quadratic"\noptimizers = ["gd"]\n'
        '[[render]]\nkind = "show"\n[[render]]\nkind = "contour"\n',
        "two.toml",
    )
    names = [r.output.name for r in load_scene(path).renders]
    assert names == ["two_1_show.png", "two_2_contour.gif"]


def test_every_declared_kind_is_drawn_and_the_schema_names_match_the_styles():
    from optviz.render.style import SIZES, THEMES
    from optviz.scenes import render_kinds, schema
    from optviz.scenes import rendering as scene_render

    drawn = set(scene_render.FIGURES) | set(scene_render.RACE_KINDS)
    drawn |= set(scene_render.SAVES_ITSELF)
    assert set(render_kinds.RENDERS) == drawn
    assert set(schema.SIZE_NAMES) == set(SIZES) and set(schema.THEME_NAMES) == set(THEMES)


# -- errors name the field ------------------------------------------------------------------------
BAD = [
    ('surface = "rosenbrok"', "field 'surface.name': unknown surface 'rosenbrok'; did you mean"),
    (
        'srface = "quadratic"',
        "field 'srface': unknown field; did you mean 'surface'? allowed: title",
    ),
    ('surface = "quadratic"\noptimizers = ["adm"]', "did you mean 'adam'"),
    ('surface = "quadratic"\noptimizers = ["gd:lr=-1"]', "field 'optimizers[0]': gd: lr=-1"),
    (
        'surface = "quadratic"\noptimizers = [{name = "adam", beta3 = 1}]',
        "field 'optimizers[0]': unknown hyperparameter of adam 'beta3'",
    ),
    ('surface = {expr = "x**2 + import(y)"}', "field 'surface.expr'"),
    ('surface = {expr = "x**2", domain = [1, -1, 0, 1]}', "field 'surface.domain': domain"),
    ('surface = {expr = "x**2", domain = [1, 2, 3]}', "field 'surface.domain': must be 4 numbers"),
    ('surface = {name = "quadratic", expr = "x"}', "field 'surface': give exactly one of"),
    ('surface = "quadratic:q=1"', "field 'surface.params': surface 'quadratic' has no parameter"),
    ("[run]\nsteps = -3", "field 'run.steps': must be a whole number >= 0 and <= 1000000, not -3"),
    (
        "[run]\nsteps = 1.5",
        "field 'run.steps': must be a whole number >= 0 and <= 1000000, not 1.5",
    ),
    ('[run]\nseed = "x"', "field 'run.seed': must be a whole number >= 0"),
    ("[run]\nstarts = [1, 2, 3]", "field 'run.starts': must be [x, y], not 3 numbers"),
    ('[run]\nschedule = "cosin"', "field 'run.schedule': unknown schedule 'cosin'; did you mean"),
    (
        '[run]\nnoise = "grad=-1"',
        "field 'run.noise.grad': must be a number >= 0 and <= 1e+06, not '-1'",
    ),
    (
        '[run]\nlr = "best"',
        "field 'run.lr': must be 'tuned' or a number > 0 and <= 1e+06, not 'best'",
    ),
    ('[render]\nkind = "contuor"', "field 'render.kind': unknown value 'contuor'; did you mean"),
    ('[render]\nkind = "show"\nfps = 3', "field 'render.fps': not used by kind 'show'"),
    ('[render]\nkind = "show"\noutput = "a.gif"', "field 'render.output': 'a.gif': kind 'show'"),
    (
        '[render]\nkind = "panels"\noutput = "a.png"',
        "kind 'panels' writes .gif, .mp4, .webp, .apng, .html; not '.png'",
    ),
    ("[render]\ndpi = 5", "field 'render.dpi': must be a whole number >= 20 and <= 600, not 5"),
    ('[render]\ntheme = "drak"', "field 'render.theme': unknown value 'drak'; did you mean 'dark'"),
    ("[render]\nsize = [50, 1]", "field 'render.size[0]': must be a number >= 1 and <= 40, not 50"),
    ("[render]\nloss = 1", "field 'render.loss': must be true or false, not 1"),
    ("[render]\nfps = 0", "field 'render.fps': must be a number > 0"),
    ('[[render]]\noutput = "a.gif"\n[[render]]\noutput = "a.gif"', "written by another render"),
    ('[render]\nkind = "bands"', "field 'optimizers': kind 'bands' takes one optimizer, not 2"),
    ('[render]\nkind = "init"\nschemes = ["xavir"]', "field 'render.schemes': unknown init"),
    (
        '[render]\nkind = "schedules"\nschedules = ["cosine", "stepp"]',
        "field 'render.schedules': unknown schedule 'stepp'; did you mean 'step'",
    ),
    ('[render]\nkind = "show"\nfield = "arrows"', "field 'render.field': unknown value 'arrows'"),
    ('metrics = "m.txt"', "field 'metrics': must be a .csv or .json file name"),
    ("surface = 3", "field 'surface': must be a string or a table, not 3"),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_a_wrong_field_is_named(tmp_path, extra, message):
    base = 'optimizers = ["gd", "adam"]\n' if "optimizers" not in extra else ""
    if "surface" not in extra and 'render]\nkind = "init"' not in extra:
        base += 'surface = "quadratic"\n'
    text = base + extra + "\n"
    with pytest.raises(SceneError) as info:
        load_scene(write(tmp_path, text, "bad.toml"))
    text = str(info.value)
    assert text.startswith("bad.toml: "), text
    assert message in text, text
    assert "\n" not in text


def test_malformed_toml_and_missing_file(tmp_path):
    with pytest.raises(SceneError, match=r"^x.toml: malformed TOML"):
        load_scene(write(tmp_path, "surface = \n", "x.toml"))
    with pytest.raises(SceneError, match="does not exist"):
        load_scene(tmp_path / "nope.toml")


def test_a_race_without_optimizers_is_refused():
    with pytest.raises(SceneError, match="field 'optimizers': missing"):
        scene_from_dict({"surface": "quadratic", "render": {"output": "x.gif"}})


def test_flags_rename_fields_for_the_command_line():
    with pytest.raises(SceneError) as info:
        scene_from_dict(
            {"surface": "quadratic", "optimizers": ["gd", "adm"]},
            flags={"optimizers": "-O"},
        )
    assert str(info.value).startswith("-O: unknown optimizer 'adm'; did you mean 'adam'?")


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.integers(-10, 2_000_000), st.floats(allow_nan=True), st.text(max_size=4)))
def test_steps_are_taken_or_refused_by_name(value):
    try:
        scene = scene_from_dict({"run": {"steps": value}})
    except SceneError as exc:
        assert str(exc).startswith("scene: field 'run.steps': must be")
        return
    assert isinstance(scene.steps, int) and 0 <= scene.steps <= 1_000_000
    expected = int(value.strip()) if isinstance(value, str) else value
    assert scene.steps == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)).map(list), min_size=1, max_size=4
    )
)
def test_starts_round_trip_through_text(points):
    as_text = [",".join(repr(v) for v in p) for p in points]
    a = scene_from_dict({"run": {"starts": points}}).starts
    b = scene_from_dict({"run": {"starts": as_text}}).starts
    assert a == b == (points[0] if len(points) == 1 else points)


def test_an_optimizer_may_bring_its_own_schedule_and_noise():
    scene = scene_from_dict(
        {
            "surface": "quadratic",
            "optimizers": [
                "gd:lr=0.1",
                {"name": "gd", "lr": 0.1, "schedule": "exponential:gamma=0.5"},
                {"name": "gd", "lr": 0.1, "noise": "grad=0.5"},
            ],
            "run": {"steps": 3, "starts": [1.0, 0.0]},
        }
    )
    plain, decayed, noisy = scene.race()
    assert plain.lr.tolist() == [0.1, 0.1, 0.1]
    assert decayed.lr.tolist() == [0.1, 0.05, 0.025]
    # x_t = prod(1 - 2 lr_k): 0.8 * 0.9 * 0.95 with the halving rates
    assert decayed.xy[-1, 0] == pytest.approx(0.8 * 0.9 * 0.95)
    assert plain.xy[:, 1].tolist() == [0.0] * 4 and noisy.xy[-1, 1] != 0.0


def test_an_optimizer_may_bring_its_own_seed_and_draws_its_own_noise():
    noisy = {"name": "gd", "lr": 0.1, "noise": "grad=0.5"}
    scene = scene_from_dict(
        {
            "surface": "quadratic",
            "optimizers": [noisy, noisy, {**noisy, "seed": 8}],
            "run": {"steps": 5, "starts": [1.0, 0.0], "seed": 7},
        }
    )
    run_seed, same, own = scene.race()
    np.testing.assert_array_equal(run_seed.xy, same.xy)  # one seed: the same draws
    assert not np.allclose(own.xy[1:], run_seed.xy[1:])  # its own seed: other draws
    alone = ov.run("quadratic", "gd:lr=0.1", start=(1.0, 0.0), steps=5, noise="grad=0.5", seed=8)
    np.testing.assert_array_equal(own.xy, np.asarray(alone.xy).reshape(own.xy.shape))


def test_an_init_scheme_may_carry_its_own_gain():
    from optviz import nets
    from optviz.scenes.results import result

    scene = scene_from_dict(
        {"render": {"kind": "init", "schemes": ["xavier_normal:gain=2"], "depth": 2,
                    "width": 8, "output": "x.png"}}
    )  # fmt: skip
    (stats,) = result(scene, scene.renders[0])
    same = nets.propagate("xavier_normal", depth=2, width=8, gain=2.0)
    assert np.array_equal(stats.act_std, same.act_std)
    with pytest.raises(SceneError, match="the only option is gain"):
        scene_from_dict({"render": {"kind": "init", "schemes": ["he_normal:mode=1"]}})


def test_every_gallery_scene_loads_and_has_its_output():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "gallery"
    scenes = [load_scene(p) for p in sorted(folder.glob("*.toml"))]
    assert len(scenes) >= 12
    for scene in scenes:
        for render in scene.renders:
            assert render.output.is_file(), render.output
            assert render.output.stat().st_size <= 2_000_000
    kinds = {scene.surface.kind for scene in scenes if scene.surface is not None}
    # every kind of the catalog, and a scene's own formula where no surface has the shape
    assert kinds - {"custom"} == {"bowl", "saddle", "ravine", "plateau", "multi-minima", "curve"}
