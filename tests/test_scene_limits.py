"""Scenes under the one cost model: counts that no picture can hold, work beyond the budget,
titles matplotlib cannot parse and names no file can have are refused when the scene is
built, in one line, before any run or figure."""

from __future__ import annotations

import contextlib
import io
import tomllib

import pytest

from optviz.cli import _main
from optviz.scenes import scene_from_dict
from optviz.scenes.build import MAX_OPTIMIZERS, examples
from optviz.util.errors import BudgetError, OptvizError, SceneError


def _cli(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = _main(list(argv))
    return code, err.getvalue()


def _refused(data: dict, error: type = OptvizError, base=".") -> str:
    with pytest.raises(error) as info:
        scene_from_dict(data, base=base)
    message = str(info.value)
    assert "\n" not in message
    return message


def _race(n_optimizers: int, **render) -> dict:
    return {
        "surface": "quadratic",
        "optimizers": ["adam"] * n_optimizers,
        "run": {"steps": 5},
        "render": {"kind": "contour", "output": "r.png", **render},
    }


@pytest.mark.parametrize("n", [1000, 5000])
def test_more_optimizers_than_a_picture_holds(n):
    assert f"at most {MAX_OPTIMIZERS}" in _refused(_race(n), SceneError)


def test_the_largest_race_a_picture_holds_is_drawn(tmp_path):
    # its 32-line legend beside a loss panel is as tall as the frame: laid out, not a crash
    from optviz.scenes import render_scene

    scene = scene_from_dict(_race(MAX_OPTIMIZERS, loss=True), base=tmp_path)
    assert len(scene.optimizers) == MAX_OPTIMIZERS
    (out,) = render_scene(scene)
    assert out.stat().st_size > 0


def test_a_hundred_optimizers_with_a_loss_panel_on_the_command_line(tmp_path):
    code, err = _cli("race", "quadratic", *["-O", "adam"] * 100, "--loss", "--steps", "5",
                     "-o", str(tmp_path / "r.gif"))  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "-O" in err
    assert not list(tmp_path.iterdir())


def test_a_thousand_renders_are_over_the_work_budget():
    renders = [{"kind": "show", "output": f"s{i}.png"} for i in range(1000)]
    message = _refused({"surface": "quadratic", "render": renders}, BudgetError)
    assert "1000 renders" in message and "OPTVIZ_WORK" in message


def test_dropout_with_ten_thousand_seeds_is_over_the_work_budget():
    message = _refused({"render": {"kind": "dropout", "seeds": 10_000, "output": "d.png"}},
                       BudgetError)  # fmt: skip
    assert "seeds" in message


def test_a_race_of_a_million_steps_is_over_the_work_budget():
    data = _race(3)
    data["run"]["steps"] = 1_000_000
    assert "--steps" in _refused(data, BudgetError)


@pytest.mark.parametrize("name", ["learning_rate", "minibatch", "sweep", "lr_sweep", "init_grid"])
@pytest.mark.parametrize("title", ["$x^{$", "${{{{", "$" + "{" * 100 + "$"])
def test_titles_that_are_broken_math_are_refused_in_shipped_scenes(name, title):
    data = tomllib.loads(examples()[name].read_text(encoding="utf-8"))
    if title == "${{{{":
        title += "$"  # an even number of dollars: matplotlib reads it as math
    data["title"] = title
    assert "math text" in _refused(data, SceneError)


@pytest.mark.parametrize(
    "where",
    ["render title", "optimizer label", "surface title"],
)
def test_every_drawn_text_of_a_scene_is_checked(where):
    data = _race(1)
    broken = "$x^{$"
    if where == "render title":
        data["render"]["title"] = broken
    elif where == "optimizer label":
        data["optimizers"] = [{"name": "adam", "label": broken}]
    else:
        data["surface"] = {"name": "quadratic", "title": broken}
    assert "math text" in _refused(data, SceneError)


@pytest.mark.parametrize("field", ["output", "metrics"])
def test_names_with_a_nul_byte_are_refused(tmp_path, field):
    data = _race(1)
    if field == "output":
        data["render"]["output"] = "r\x00.png"
    else:
        data["metrics"] = "m\x00.csv"
    assert "control characters" in _refused(data, SceneError, base=tmp_path)


@pytest.mark.parametrize(
    "args",
    [["--at", "1000000"], ["--at", "100000", "--walk"], ["--at", "2000", "--walk"]],
)
def test_anatomy_far_into_a_run_is_refused_up_front(tmp_path, args):
    code, err = _cli("anatomy", "quadratic", "-O", "adam", *args, "-o", str(tmp_path / "a.gif"))
    assert code == 2 and err.count("\n") == 1 and "--at" in err
    assert not list(tmp_path.iterdir())


def test_an_unknown_value_with_a_newline_is_named_on_one_line():
    # found by the scene fuzzer: the value was echoed as given, breaking the line
    data = {"surface": "quadratic", "render": {"kind": "show", "field": "\n", "output": "s.png"}}
    assert "'\\n'; known: quiver, stream" in _refused(data, SceneError)
