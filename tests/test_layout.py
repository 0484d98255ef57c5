"""Pictures fill their 16:9 frame: no empty region over a tenth of it (1280x720)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optviz import scene_render
from optviz.render import writers
from optviz.render.animate import _Engine
from optviz.render.layout import largest_gutter
from optviz.scene import parse_toml, scene_from_dict

GALLERY = Path(__file__).resolve().parent.parent / "gallery"
MOST = 0.10

# gallery scenes that once wasted their frame, with counts cut where only time is at stake
SCENES = {
    "rosenbrock_race": {},
    "long_furrow": {},
    "noise_kinds": {},
    "learning_rate": {},
    "basins": {"n": 24, "steps": 60},
    "lr_sweep": {"lrs": [1e-4, 1e-2, 1.0], "steps": 60},
    "curvature": {"n": 60},
}


def _figure(name: str, monkeypatch):
    """The figure of a gallery scene's first render (a race: its animation's last frame)."""
    data = parse_toml((GALLERY / f"{name}.toml").read_text(encoding="utf-8"), name)
    cut = dict(SCENES[name])
    if "steps" in cut:
        data.setdefault("run", {})["steps"] = cut.pop("steps")
    data["render"] = {**data["render"], **cut}
    scene = scene_from_dict(data, base=GALLERY, stem=name)
    r = scene.renders[0]
    o = r.options
    if r.kind in scene_render.RACE_KINDS:
        race = scene.race()
        anim = race.animate(kind=r.kind, loss=o["loss"], title=o["title"], size=o["size"],
                            theme=o["theme"], fps=2, duration=1)  # fmt: skip
        engine = _Engine(anim)
        engine.frame(float(race.trajectories[0].steps))
        return engine.fig
    caught = []
    monkeypatch.setattr(writers, "save_figure", lambda fig, *a, **k: caught.append(fig))
    scene_render.render_one(scene, r, None)
    return caught[0]


@pytest.mark.parametrize("name", list(SCENES))
def test_gallery_pictures_leave_no_wide_empty_region(name, monkeypatch):
    fig = _figure(name, monkeypatch)
    assert tuple(fig.bbox.size) == (1280, 720)
    share, (left, top, width, height) = largest_gutter(fig)
    assert share <= MOST, f"{name}: empty {width}x{height} px at ({left}, {top})"


def test_the_gutter_measure_finds_a_hole_beside_a_panel():
    # one square axes in the left half of a 16:9 figure: the right half is empty, though
    # the title spans the whole width (so no empty band crosses the frame top to bottom)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.8, 7.2), dpi=100)
    fig.add_axes((0.05, 0.05, 0.45, 0.8))
    fig.suptitle("a title across the frame " * 4)
    share, (left, top, width, height) = largest_gutter(fig)
    assert share > 0.3 and left >= 640 and height > 500
