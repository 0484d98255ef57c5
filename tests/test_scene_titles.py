"""Every kind of render carries the scene's title, once, and says what it ran."""

from __future__ import annotations

import pytest

from optviz.scenes import rendering as scene_render
from optviz.scenes import scene_from_dict

TITLE = "What this slide shows"

# the smallest scene of each kind that still draws its whole figure
KINDS = {
    "show": {"surface": "quadratic"},
    "basins": {"surface": "quadratic", "render": {"n": 8}, "opt": ["gd:lr=0.1"]},
    "sweep": {"surface": "quadratic", "render": {"lrs": [0.01, 0.1]}, "opt": ["gd"]},
    "tune": {"surface": "quadratic", "render": {"lrs": [0.01, 0.1]}, "opt": ["gd"]},
    "curvature": {"surface": "saddle", "render": {"n": 20}},
    "bands": {"surface": "quadratic", "render": {"seeds": 3}, "opt": ["gd:lr=0.1"]},
    "init": {"render": {"depth": 2, "width": 8}},
    "batchnorm": {"render": {"depth": 2, "width": 8, "epochs": 1}},
    "symmetry": {"render": {"hidden": [3, 3]}},
    "dropout": {"render": {"hidden": [6], "seeds": 2}},
    "schedules": {},
    "contour": {"surface": "quadratic", "opt": ["gd:lr=0.1"]},
    "quantities": {"surface": "quadratic", "opt": ["adagrad", "rmsprop"]},
}


def _figure_of(kind: str, spec: dict, monkeypatch, title: str | None = TITLE):
    """Render one scene of ``kind`` and catch the figure instead of writing it."""
    data = {
        "run": {"steps": 8},
        "render": {"kind": kind, "output": "x.png", **spec.get("render", {})},
    }
    if title:
        data["title"] = title
    if "surface" in spec:
        data["surface"] = spec["surface"]
    if "opt" in spec:
        data["optimizers"] = spec["opt"]
    scene = scene_from_dict(data)
    caught = []
    monkeypatch.setattr(
        "optviz.render.writers.save_figure", lambda fig, *a, **k: caught.append(fig)
    )
    scene_render.render_one(scene, scene.renders[0], None)
    (fig,) = caught
    return fig


def _heads(fig) -> list[str]:
    """First lines of the figure's suptitle, free texts and every axes title."""
    texts = [fig._suptitle] if fig._suptitle is not None else []
    texts += [t for t in fig.texts if t is not fig._suptitle]
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title]
    return [t.get_text().split("\n")[0] for t in texts if t.get_text()]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_render_carries_the_scene_title_once(kind, monkeypatch):
    fig = _figure_of(kind, KINDS[kind], monkeypatch)
    assert _heads(fig).count(TITLE) == 1, _heads(fig)


@pytest.mark.parametrize("kind", ["curvature", "sweep", "tune"])
def test_one_axes_figures_have_one_title(kind, monkeypatch):
    fig = _figure_of(kind, KINDS[kind], monkeypatch)
    assert fig._suptitle is None or not fig._suptitle.get_text()
    assert fig.axes[0].get_title() == TITLE


def test_a_scene_tuning_several_optimizers_draws_a_panel_each(monkeypatch):
    # the gallery's choice, made by the scene: Tuning.plot(ax=) itself stays one Axes
    spec = {"surface": "quadratic", "render": {"lrs": [0.01, 0.1]}, "opt": ["gd", "adam"]}
    fig = _figure_of("tune", spec, monkeypatch)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["GD", "Adam"]
    assert fig._suptitle.get_text() == TITLE


def test_bands_say_the_noise_that_was_drawn(monkeypatch):
    # SGD's own gradient noise stands in for mini-batches only where there is no data:
    # on linear regression the runs draw batches only, and the figure must say so
    spec = {
        "surface": "linreg_standardized",
        "render": {"seeds": 3},
        "opt": ["sgd:lr=0.05,batch_size=4"],
    }
    heads = " | ".join(_heads(_figure_of("bands", spec, monkeypatch, title=None)))
    assert "batches of 4" in heads and "gradient noise" not in heads
    spec = {"surface": "quadratic", "render": {"seeds": 3}, "opt": ["sgd:lr=0.05,grad_noise=0.5"]}
    heads = " | ".join(_heads(_figure_of("bands", spec, monkeypatch, title=None)))
    assert "gradient noise σ 0.5" in heads and "batch" not in heads
