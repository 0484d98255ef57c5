"""`optviz scene` and `optviz gallery`: examples by name; scenes write only beside themselves."""

from __future__ import annotations

import subprocess
import sys

from PIL import Image

SCENE = """surface = "quadratic"
optimizers = ["gd:lr=0.1"]
[run]
steps = 4
starts = [1.0, 1.0]
[render]
kind = "show"
size = "small"
dpi = 20
output = "{output}"
"""


def optviz(*args, cwd):
    result = subprocess.run(
        [sys.executable, "-m", "optviz.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
    return result.returncode, result.stdout, result.stderr


def test_gallery_lists_the_shipped_examples_from_any_folder(tmp_path):
    code, out, err = optviz("gallery", "--list", cwd=tmp_path)
    assert code == 0, err
    names = [line.split()[0] for line in out.splitlines()[3:] if line.strip()]
    assert "saddle_escape" in names and "schedule_shapes" in names and len(names) >= 12
    code, _, err = optviz("gallery", cwd=tmp_path)  # no gallery/ here: say what to do
    assert code == 2 and "optviz gallery --out DIR" in err


def test_an_example_renders_by_name_into_the_current_folder(tmp_path):
    code, _, err = optviz("scene", "schedule_shapes", "-q", cwd=tmp_path)
    assert code == 0, err
    assert Image.open(tmp_path / "schedule_shapes.png").size == (1280, 720)
    code, _, err = optviz(
        "gallery", "--out", "figs", "--only", "schedule_shapes", "-q", cwd=tmp_path
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["schedule_shapes.png"]
    code, _, err = optviz("scene", "schedule_shape", cwd=tmp_path)
    assert code == 2 and "shipped examples: " in err and "schedule_shapes" in err


def test_a_scene_cannot_write_outside_its_folder_unless_the_command_line_says(tmp_path):
    (tmp_path / "scenes").mkdir()
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"keep me")
    scene = tmp_path / "scenes" / "s.toml"
    scene.write_text(SCENE.format(output="../victim.png"))
    code, _, err = optviz("scene", scene, cwd=tmp_path)
    assert code == 2, err
    assert err.strip().splitlines() == [
        "optviz: error: s.toml: field 'render.output': '../victim.png' is outside the scene's "
        "folder; a scene writes only beside itself (on the command line, -o/--output chooses "
        "another folder)"
    ]
    assert victim.read_bytes() == b"keep me"
    code, _, err = optviz("scene", scene, "-o", "out", "-q", cwd=tmp_path)
    assert code == 0, err  # -o: every output into out/, by its file name
    assert Image.open(tmp_path / "out" / "victim.png").size == (128, 96)
    assert victim.read_bytes() == b"keep me"
