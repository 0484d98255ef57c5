"""Type a room can read: at the 16:9 preset (1280×720) no text under 16 px and titles of
at least 22 px, read from the text artists of every kind of figure."""

from __future__ import annotations

import pytest
from matplotlib.text import Text

import optviz as ov
from optviz.render import race_figure
from optviz.render.animate import _Engine, animate
from optviz.scenes import scene_from_dict

PX_PER_PT = 720 / 7.2 / 72  # the 16:9 preset is 7.2 in tall and 720 px
MIN_TEXT_PX, MIN_TITLE_PX = 16, 22


def too_small(fig) -> list[tuple[float, str]]:
    """Visible texts under the minimum, titles under the title minimum, in px."""
    assert tuple(fig.get_size_inches()) == (12.8, 7.2)
    fig.canvas.draw()
    titles = {id(t) for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title)}
    if fig._suptitle is not None:
        titles.add(id(fig._suptitle))
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        px = t.get_fontsize() * PX_PER_PT
        floor = MIN_TITLE_PX if id(t) in titles else MIN_TEXT_PX
        if px < floor - 1e-9:
            out.append((round(px, 1), t.get_text()[:50]))
    return out


@pytest.fixture(scope="module")
def race():
    return ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], start=(-1.2, 1.0), steps=60)


@pytest.mark.parametrize(
    ("kind", "loss"), [("contour", True), ("contour", False), ("3d", True), ("panels", True)]
)
def test_race_figures_and_frames_are_readable(race, kind, loss):
    assert too_small(race_figure.plot_race(race, kind=kind, loss=loss)) == []
    engine = _Engine(animate(race, kind=kind, loss=loss, fps=2, duration=1))
    try:
        engine.frame(10.0)
        assert too_small(engine.fig) == []
    finally:
        engine.close()


SCENES = {
    "show": {"surface": "himmelblau", "render": {"kind": "show"}},
    "schedules": {"render": {"kind": "schedules"}},
    "sweep": {
        "surface": "quadratic",
        "optimizers": ["gd", "adam"],
        "run": {"steps": 20, "starts": [1.0, 1.0]},
        "render": {"kind": "sweep", "lrs": [0.01, 0.1, 1.5]},
    },
    "basins": {
        "surface": "himmelblau",
        "optimizers": ["gd:lr=0.01"],
        "run": {"steps": 20},
        "render": {"kind": "basins", "n": 12},
    },
    "curvature": {"surface": "six_hump_camel", "render": {"kind": "curvature", "n": 60}},
    "bands": {
        "surface": "double_well",
        "optimizers": ["sgd:lr=0.05"],
        "run": {"steps": 30, "starts": [0.0, 1.5]},
        "render": {"kind": "bands", "seeds": 4},
    },
    "init": {"render": {"kind": "init", "depth": 3, "width": 16}},
    "symmetry": {"render": {"kind": "symmetry"}},
    "batchnorm": {"render": {"kind": "batchnorm", "epochs": 2, "depth": 2, "width": 16}},
    "landscape": {
        "optimizers": ["sgd:lr=0.1", "momentum:lr=0.1", "adam:lr=0.01"],
        "run": {"steps": 6},
        "render": {"kind": "landscape", "points": 40, "hidden": [4], "resolution": 6},
    },
    "landscape, one plane per run": {
        "optimizers": ["adam:lr=0.01", "adam:lr=0.01"],
        "run": {"steps": 6},
        "render": {
            "kind": "landscape",
            "points": 40,
            "hidden": [4],
            "resolution": 6,
            "init": ["xavier_normal", "small"],
            "plane": "random",
        },
    },  # fmt: skip
}


@pytest.mark.parametrize("name", list(SCENES))
def test_every_kind_of_figure_is_readable(name, tmp_path, monkeypatch, collect_saved_figures):
    figures = collect_saved_figures(monkeypatch)
    spec = {**SCENES[name]}
    spec["render"] = {**spec["render"], "output": f"{name.split(',')[0]}.png"}  # beside the scene
    scene_from_dict(spec, base=tmp_path).render()
    assert figures, "the scene saved no figure"
    for fig in figures:
        assert too_small(fig) == [], name


def test_the_init_depth_animation_is_readable(monkeypatch):
    # gallery/init_depth: four panels whose statistics (σ, saturated share) are the lesson
    from optviz import nets
    from optviz.render import initdepth

    figures = []
    make = initdepth._new_figure
    monkeypatch.setattr(
        initdepth, "_new_figure", lambda *a, **k: figures.append(make(*a, **k)) or figures[-1]
    )
    stats = [
        nets.propagate(k, depth=3, width=20, batch=50)
        for k in ("small", "large", "xavier_normal", "xavier_normal")
    ]
    frames, _ = initdepth.depth_animation(stats, title="Activations layer by layer")
    next(frames)  # the first frame draws the statistics notes
    (fig,) = figures
    notes = [t for ax in fig.axes for t in ax.texts if t.get_text().startswith("σ")]
    gauges = [t for ax in fig.axes for t in ax.texts if t.get_text().startswith("saturated")]
    assert len(notes) == 4 and len(gauges) == 4
    assert min(t.get_fontsize() for t in notes) * PX_PER_PT >= MIN_TITLE_PX  # lesson-sized
    assert too_small(fig) == []
