"""The landscape scene kind: a scene file trains real networks and draws their plane."""

import numpy as np
import pytest
from PIL import Image

import optviz as ov
from optviz.errors import OptvizError

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
