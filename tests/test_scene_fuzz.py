"""Fuzzing scene files: every random file ends in a Scene or one OptvizError line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).with_name("scene_fuzz_cases.py")


def test_random_scene_files_give_a_scene_or_an_optviz_error():
    # a child process under a memory limit, so a blow-up fails the test, not the machine
    result = subprocess.run(
        [sys.executable, str(CASES), "300"], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-3000:]
    scenes, _, errors, _ = result.stdout.split()
    assert int(scenes) > 5 and int(errors) > 5  # both sides of the schema were reached
