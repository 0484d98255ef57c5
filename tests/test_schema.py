"""The scene schema: one declaration checks scenes, words the errors and writes the docs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optviz.scenes import load_scene, render_kinds, scene_from_dict, scene_to_toml, schema
from optviz.util.errors import SceneError

ROOT = Path(__file__).resolve().parent.parent
RACE = {"surface": "quadratic", "optimizers": ["gd"]}


def error(data, **kwargs):
    with pytest.raises(SceneError) as info:
        scene_from_dict(data, **kwargs)
    text = str(info.value)
    assert "\n" not in text, text
    return text


def _scene_docs():
    """tools/scene_docs.py, which writes the docs' tables from the schema."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("scene_docs", ROOT / "tools/scene_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_field_tables_are_generated_from_the_schema():
    # out of date? run: python tools/scene_docs.py
    text = (ROOT / "docs" / "scenes.md").read_text(encoding="utf-8")
    docs = _scene_docs()
    assert docs.fill_tables(text) == text
    for name in docs.field_tables():  # every generated table has its place on the page
        assert f"<!-- schema:{name} -->" in text, name


def test_a_new_field_reaches_the_docs_table_and_the_checks():
    class Glyphs(render_kinds.Contour):
        glyphs: schema.doc(bool, "draw one glyph per optimizer") = False

    table = _scene_docs().field_table(Glyphs)
    assert "| `glyphs` | true or false | false | draw one glyph per optimizer |" in table
    assert schema.check({"glyphs": True}, Glyphs, "render", _fail).glyphs is True
    with pytest.raises(SceneError, match=r"^render\.glyphs: must be true or false, not 1$"):
        schema.check({"glyphs": 1}, Glyphs, "render", _fail)


def _fail(path, why):
    return SceneError(f"{path}: {why}")


# One line each, with the field's path, what is allowed and the value given.
MESSAGES = [
    (
        {"surface": {"name": "quadratic", "title": 5}},
        "field 'surface.title': must be a string, not 5",
    ),
    (
        {**RACE, "run": {"noise": {"grad": True}}},
        "field 'run.noise.grad': must be a number >= 0 and <= 1e+06, not True",
    ),
    (
        {**RACE, "run": {"noise": {"batch": 2.7}}},
        "field 'run.noise.batch': must be a whole number >= 1 and <= 1000000, not 2.7",
    ),
    (
        {**RACE, "run": {"noise": "batch=2.7"}},
        "field 'run.noise.batch': must be a whole number >= 1 and <= 1000000, not '2.7'",
    ),
    (
        {**RACE, "run": {"noise": {"grd": 2}}},
        "field 'run.noise.grd': unknown field; did you mean 'grad'? allowed: grad, update,",
    ),
    (
        {"surface": {"expr": "x**2 + y**2", "minima": 5}},
        "field 'surface.minima': must be a list of [x, y] (a curve's [x]), not 5",
    ),
    (
        {**RACE, "render": {"size": [0.01, 0.01], "output": "a.png"}},
        "field 'render.size[0]': must be a number >= 1 and <= 40, not 0.01",
    ),
    (
        {**RACE, "render": {"size": [40, 40], "dpi": 600, "output": "a.png"}},
        "field 'render.size': 40x40 inches at dpi 600 is 576 megapixels; the most is 40: "
        "lower size or dpi",
    ),
    (
        {**RACE, "run": {"seed": -1}},
        "field 'run.seed': must be a whole number >= 0 and <= 2**63 - 1, not -1",
    ),
    (
        {**RACE, "run": {"lr": "tuend"}},
        "field 'run.lr': must be 'tuned' or a number > 0 and <= 1e+06, not 'tuend'; "
        "did you mean 'tuned'?",
    ),
    ({**RACE, "optimizers": [{"nam": "adam"}]}, "field 'optimizers[0]': 'name' is missing"),
    (
        {**RACE, "optimizers": [{"name": "adam", "label": 3}]},
        "field 'optimizers[0].label': must be a string, not 3",
    ),
    ({**RACE, "optimizers": [5]}, "field 'optimizers[0]': must be a string or a table, not 5"),
    (
        {"surface": {"expr": "x", "domain": [0, 1, 0, float("inf")]}},
        "field 'surface.domain': must be a list of finite numbers, not [0.0, 1.0, 0.0, inf]",
    ),
    (
        {**RACE, "render": {"kind": "symmetry", "output": "b.png", "hidden": [0]}},
        "field 'render.hidden[0]': must be a whole number >= 1 and <= 4096, not 0",
    ),
    (
        {**RACE, "render": [{"kind": "show", "output": "a.png"}, {"kind": "init", "hidden": [4]}]},
        "field 'render[1].hidden': not used by kind 'init' "
        "(it is for symmetry, dropout, landscape, phase, sharpness)",
    ),
    (
        {**RACE, "render": {"kind": "show", "output": "a.png", "theme": "drak"}},
        "field 'render.theme': unknown value 'drak'; did you mean 'dark'? known: dark, light",
    ),
    (
        {**RACE, "render": {"kind": "show", "output": "a.png", "feild": "quiver"}},
        "field 'render.feild': unknown field; did you mean 'field'? allowed: kind, output,",
    ),
    (
        {**RACE, "run": {"startz": [0, 1]}},
        "field 'run.startz': unknown field; did you mean 'starts'?",
    ),
    ({**RACE, "render": 5}, "field 'render': must be a table or a list of tables, not 5"),
    ({**RACE, "run": {"starts": [1, "2,3"]}}, "field 'run.starts': must be one [x, y] or a list"),
    ({**RACE, "title": ["x"]}, "field 'title': must be a string, not ['x']"),
]


@pytest.mark.parametrize(("data", "message"), MESSAGES)
def test_errors_name_the_field_and_what_is_allowed(data, message):
    text = error(data, stem="s")
    assert text.startswith(f"scene: {message}"), text


def test_strict_values_are_not_coerced():
    # a boolean is not a number and 2.7 is not a whole number: refused, not read as 1.0 or 2
    assert "not True" in error({**RACE, "run": {"noise": {"update": True}}})
    assert "not 2.7" in error({**RACE, "run": {"steps": 2.7}})
    assert scene_from_dict({**RACE, "run": {"noise": {"batch": 3}}}).noise.batch == 3


# -- files: BOM, nesting, where outputs go -------------------------------------------------------
def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeff".encode() + b'surface = "saddle"\noptimizers = ["gd"]\n')
    assert load_scene(path).surface.name == "saddle"


@pytest.mark.parametrize(
    "text", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "{b = " * 3000 + "1" + "}" * 3000]
)
def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    with pytest.raises(SceneError, match=r"^deep\.toml: "):
        load_scene(path)


def test_deep_nesting_inside_an_open_field_is_refused_too():
    deep: list = []
    for _ in range(3000):
        deep = [deep]
    text = error({**RACE, "optimizers": [{"name": "gd", "lr": deep}]})
    assert text.startswith("scene: field 'optimizers[0]")


@pytest.mark.parametrize(
    "output", ["../victim.gif", "/tmp/victim.gif", "sub/../../victim.gif", "x/../../../victim.png"]
)
def test_a_scene_may_not_write_outside_its_folder(tmp_path, output):
    folder = tmp_path / "scenes"
    folder.mkdir()
    path = folder / "s.toml"
    path.write_text(f'surface = "quadratic"\noptimizers = ["gd"]\n[render]\noutput = "{output}"\n')
    with pytest.raises(SceneError, match=r"^s\.toml: field 'render\.output': .* is outside"):
        load_scene(path)
    path.write_text(f'surface = "quadratic"\noptimizers = ["gd"]\nmetrics = "{output[:-4]}.json"\n')
    with pytest.raises(SceneError, match=r"field 'metrics': .* is outside the scene's folder"):
        load_scene(path)


def test_a_scene_may_not_overwrite_itself_or_escape_through_a_link(tmp_path):
    path = tmp_path / "s.json"  # a scene file of any name
    path.write_text('surface = "quadratic"\noptimizers = ["gd"]\nmetrics = "s.json"\n')
    with pytest.raises(SceneError, match="would overwrite the scene file itself"):
        load_scene(path)
    (tmp_path / "scenes").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "scenes" / "link").symlink_to(tmp_path / "outside")
    linked = tmp_path / "scenes" / "s.toml"
    linked.write_text('surface = "quadratic"\noptimizers = ["gd"]\nmetrics = "link/m.json"\n')
    with pytest.raises(SceneError, match="is outside the scene's folder"):
        load_scene(linked)


def test_an_output_folder_takes_every_output_by_name(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'surface = "quadratic"\noptimizers = ["gd"]\nmetrics = "../m.json"\n'
        '[render]\noutput = "/elsewhere/r.gif"\n'
    )
    scene = load_scene(path, output_folder=tmp_path / "out")
    assert scene.renders[0].output == tmp_path / "out" / "r.gif"
    assert scene.metrics == tmp_path / "out" / "m.json"


def test_examples_load_by_name_and_write_into_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scene = load_scene("saddle_escape")
    assert scene.source == "saddle_escape.toml"
    assert [r.output for r in scene.renders] == [tmp_path / "saddle_escape.gif"]
    with pytest.raises(SceneError, match="shipped examples: .*saddle_escape"):
        load_scene("saddle_escap")


# -- writing a scene back -------------------------------------------------------------------
FULL = {
    "title": 'A "ravine", with quotes',
    "surface": {"name": "rosenbrock", "params": {"b": 10}, "title": "Rosenbrock"},
    "optimizers": [
        "gd:lr=0.001",
        {"name": "adam", "lr": 0.05, "label": "Adam", "schedule": {"name": "step", "step_size": 5}},
        {"name": "sgd", "lr": 0.001, "noise": {"grad": 0.2}},
    ],
    "run": {"steps": 30, "starts": [[-1.5, 2.0], [0.5, -0.5]], "noise": "update=0.01", "seed": 3},
    "render": [{"kind": "contour", "loss": True, "output": "out/race.gif"}, {"kind": "show"}],
    "metrics": "m.csv",
}


def test_to_toml_then_load_gives_the_same_race(tmp_path):
    scene = scene_from_dict(FULL, stem="s", base=tmp_path)
    text = scene_to_toml(scene)
    assert tomllib.loads(text)["render"][0]["output"] == "race.gif"  # beside the file
    path = tmp_path / "again.toml"
    path.write_text(text, encoding="utf-8")
    again = load_scene(path)
    assert again.title == scene.title and again.surface.title == "Rosenbrock"
    assert [r.kind for r in again.renders] == ["contour", "show"]
    assert again.renders[0].options == scene.renders[0].options
    for mine, theirs in zip(scene.race(), again.race(), strict=True):
        assert np.array_equal(mine.xy, theirs.xy)  # same seed, same noise, same path
        assert mine.label == theirs.label
    assert scene_to_toml(again) == text  # a fixed point


def test_to_toml_takes_a_dict_and_checks_it():
    text = scene_to_toml({"surface": "saddle", "optimizers": ["gd"], "run": {"steps": 5}})
    assert tomllib.loads(text) == {"surface": "saddle", "optimizers": ["gd"], "run": {"steps": 5}}
    with pytest.raises(SceneError, match="field 'run.steps'"):
        scene_to_toml({"surface": "saddle", "run": {"steps": -1}})


def test_toml_strings_survive_any_character():
    from optviz.util.toml_write import dumps

    data = {"title": 'tab\t "quote" back\\slash \x7f \x01 é 🎉', "key with space": 1.5e-300}
    assert tomllib.loads(dumps(data)) == data


_keys = st.text(min_size=1, max_size=6)
_scalars = (
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
)
_inline = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        _keys,
        _inline
        | st.dictionaries(_keys, _inline, max_size=3)
        | st.lists(st.dictionaries(_keys, _inline, max_size=3), min_size=1, max_size=3),
        max_size=5,
    )
)
def test_toml_writer_round_trips_any_scene_shaped_data(data):
    from optviz.util.toml_write import dumps

    assert tomllib.loads(dumps(data)) == data
