"""The set-up frame's hold: ``--hold-first`` on the command line and ``hold_first`` in a
scene set how long the first frame stays, counted in the written GIF."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageSequence

from optviz.scenes import render_scene, scene_from_dict
from optviz.util import defaults
from optviz.util.errors import SceneError

FPS = 10


def leading_repeats(path) -> int:
    """How many frames of the GIF show the same picture as its first (itself included)."""
    with Image.open(path) as im:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    same = [np.array_equal(f, frames[0]) for f in frames]
    return same.index(False) if False in same else len(same)


def race_cli(tmp_path, name, *extra):
    out = tmp_path / name
    args = ["race", "quadratic", "-O", "gd:lr=0.1", "--steps", "10", "--start", "1,1",
            "--fps", str(FPS), "--duration", "1", "--size", "small", "--dpi", "30",
            "-q", "-o", out, *extra]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "optviz.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    return done, out


def test_hold_first_on_the_command_line_sets_the_intro_frames(tmp_path):
    done, out = race_cli(tmp_path, "held.gif", "--hold-first", "2")
    assert done.returncode == 0, done.stderr
    assert leading_repeats(out) == 1 + 2 * FPS  # the first frame and 2 s of repeats


def test_a_bad_hold_first_is_one_clear_line(tmp_path):
    done, out = race_cli(tmp_path, "bad.gif", "--hold-first", "-1")
    assert done.returncode == 2 and not out.exists()
    assert done.stderr.strip().splitlines() == [
        "optviz: error: --hold-first: must be a number >= 0 and <= 60, not -1.0"
    ]


def scene(tmp_path, **render):
    return {
        "surface": "quadratic",
        "optimizers": ["gd:lr=0.1"],
        "run": {"steps": 10, "starts": [1.0, 1.0]},
        "render": {
            "kind": "contour",
            "fps": FPS,
            "duration": 1,
            "size": "small",
            "dpi": 30,
            **render,
        },  # fmt: skip
    }


@pytest.mark.parametrize(("seconds", "repeats"), [(None, None), (0.0, 0), (1.5, 15)])
def test_hold_first_in_a_scene_sets_the_intro_frames(tmp_path, seconds, repeats):
    render = {"output": f"s{seconds}.gif"}
    if seconds is not None:
        render["hold_first"] = seconds
    (out,) = render_scene(scene_from_dict(scene(tmp_path, **render), base=tmp_path))
    if repeats is None:  # the default: held as long as a slide's set-up wants
        repeats = round(defaults.HOLD_FIRST * FPS)
    assert leading_repeats(out) == 1 + repeats


def test_a_scene_names_a_bad_hold_first():
    with pytest.raises(SceneError, match="hold_first.*>= 0 and <= 60"):
        scene_from_dict(scene(None, hold_first=120, output="x.gif"))
