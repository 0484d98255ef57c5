"""The notebook widget's Python side: state synced as traitlets, runs made by the engine."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

import optviz as ov
from optviz.explore import api


@pytest.fixture
def widget():
    return ov.explore("quadratic", ["gd:lr=0.1"], start=[1.0, 0.0], steps=3)


def test_the_widget_runs_the_engine_when_built(widget):
    assert widget.result["runs"][0]["xy"] == [[1.0, 0.0], [0.8, 0.0], [0.64, 0.0], [0.512, 0.0]]
    assert widget.view["name"] == "quadratic" and widget.view["image"].startswith("data:image/png")
    assert widget.error == ""


def test_setting_state_from_python_reruns_with_the_same_numbers_as_run(widget):
    widget.optimizers = ["adam:lr=0.1", "momentum:lr=0.05"]
    widget.start = [1.5, -0.5]
    widget.steps = 40
    for answer, spec in zip(widget.result["runs"], widget.optimizers, strict=True):
        t = ov.run("quadratic", spec, start=[1.5, -0.5], steps=40)
        assert np.array_equal(np.array(answer["xy"]), t.xy)
    picture = widget.view
    widget.surface = "saddle"
    assert widget.view["name"] == "saddle" and widget.view["image"] != picture["image"]
    assert widget.result["surface"]["name"] == "saddle"


def test_a_message_from_the_page_setting_several_inputs_runs_once(widget, monkeypatch):
    calls = []
    real = api.run_request
    monkeypatch.setattr(api, "run_request", lambda r: calls.append(r) or real(r))
    widget.set_state({"start": [0.5, 0.5], "steps": 5, "optimizers": ["gd:lr=0.2"]})
    assert len(calls) == 1
    xy = np.array(widget.result["runs"][0]["xy"])
    assert np.allclose(xy[:, 0], 0.5 * 0.6 ** np.arange(6))  # (1 - 2 lr)^t along x
    assert widget.get_state()["start"] == [0.5, 0.5]  # and it reads back


def test_a_bad_state_is_one_line_of_error_and_the_last_runs_stay(widget):
    before = widget.result
    widget.steps = 10**6
    assert "steps" in widget.error and "\n" not in widget.error
    assert widget.result == before
    widget.steps = 3
    assert widget.error == ""


def test_the_front_end_asks_for_a_scene_file_by_message(widget, monkeypatch):
    sent = []

    def send(content, buffers=None):
        sent.append((content, buffers))

    monkeypatch.setattr(widget, "send", send)
    widget._message(widget, {"download": "scene", "id": 7}, [])
    content, buffers = sent[0]
    assert content == {"id": 7, "type": "application/toml"}
    scene = tomllib.loads(bytes(buffers[0]).decode())
    assert scene["surface"] == "quadratic" and scene["run"]["starts"] == [1.0, 0.0]
    widget._message(widget, {"download": "mp3", "id": 8}, [])
    assert "unknown download" in sent[1][0]["error"]


def test_the_widget_shares_the_page_module():
    from optviz.explore.server import STATIC
    from optviz.explore.widget import ExplorerWidget

    page_module = (STATIC / "explorer.js").read_text()
    assert str(ExplorerWidget._esm) == page_module  # the very file the page loads
    assert "export default { render }" in page_module


def test_the_widget_takes_a_curve_and_its_x_start():
    w = ov.explore("parabola", ["gd:lr=0.1"], start=[1.0], steps=3)
    assert w.error == "" and w.view["kind"] == "curve"
    assert w.result["runs"][0]["xy"] == [[1.0], [0.8], [0.64], [0.512]]
    drawn = [[1.0, 1.0], [0.8, 0.64], [0.64, 0.4096], [0.512, 0.262144]]  # (x, x²)
    assert np.allclose(w.result["runs"][0]["drawn"], drawn, rtol=1e-15)
    w.start = [-2.0]  # as a click on the curve sets it
    assert w.result["runs"][0]["xy"][0] == [-2.0] and w.error == ""
