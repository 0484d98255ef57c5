"""The landscape scene kind: a scene file trains real networks and draws their plane."""

import numpy as np
import pytest
from PIL import Image

import optviz as ov
from optviz.util.errors import OptvizError

TINY = {
    "optimizers": ["gd:lr=0.5", "adam:lr=0.05"],
    "run": {"steps": 6, "seed": 1},
    "render": {
        "kind": "landscape",
        "dataset": "xor",
        "points": 40,
        "hidden": [4],
        "resolution": 8,
        "size": "small",
        "dpi": 40,
        "output": "net.png",
    },
}


def test_a_landscape_scene_renders_its_plane(tmp_path):
    scene = ov.scene_from_dict(TINY, base=tmp_path)
    (out,) = scene.render()
    assert out == tmp_path / "net.png"
    pixels = np.asarray(Image.open(out).convert("L"), float)
    assert pixels.std() > 5  # contours and paths drawn, not a blank canvas
    names = [row["optimizer"] for row in scene.reports[out]]
    assert [n.split("(")[0] for n in names] == ["gd", "adam"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("plane", "diagonal", "render.plane"), ("resolution", 2, "render.resolution")],
)
def test_landscape_fields_are_checked_in_one_line(tmp_path, field, value, message):
    data = {**TINY, "render": {**TINY["render"], field: value}}
    with pytest.raises(OptvizError, match=message) as err:
        ov.scene_from_dict(data, base=tmp_path)
    assert "\n" not in str(err.value)


def test_small_panel_titles_stay_apart_and_inside_the_frame():
    # two runs told apart by their initialization: "Momentum · Xavier normal" and
    # "Momentum · N(0, 0.01²)" ran into each other and off the frame on one line each
    ls = ov.landscape("moons", ["momentum:lr=0.1"] * 2, steps=4, hidden=(4,), n=40,
                      init=["xavier_normal", "small"], resolution=8)  # fmt: skip
    fig = ls.plot()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    boxes = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
    note = next(ax for ax in fig.axes if ax.get_label() == "plane note")
    boxes += [t.get_window_extent(renderer) for t in note.texts]
    assert len(boxes) >= 3  # the line over the plane and one title per small panel
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, box
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
