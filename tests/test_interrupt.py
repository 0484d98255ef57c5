"""Interrupted renders leave nothing behind; old leftovers are swept on the next write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from optviz.util.files import STALE_SECONDS, atomic_path, remove_stale


def _render_until_temporary(tmp_path, out: str) -> subprocess.Popen:
    """Start a GIF/WebP render and return once its temporary file exists beside ``out``."""
    args = ["race", "himmelblau", "-O", "gd", "--steps", "300", "--dpi", "40"]
    args += ["--fps", "10", "--duration", "30", "-o", out]
    proc = subprocess.Popen(
        [sys.executable, "-m", "optviz.cli", *args],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240
    while not any(p.name.startswith(f".{out}.") for p in tmp_path.iterdir()):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.05)
    return proc


@pytest.mark.parametrize(("signum", "out"), [(signal.SIGTERM, "a.gif"), (signal.SIGHUP, "b.webp")])
def test_a_stop_signal_removes_the_temporary_file(tmp_path, signum, out):
    proc = _render_until_temporary(tmp_path, out)
    proc.send_signal(signum)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode == 128 + signum
    assert stderr.strip().splitlines() == [
        "optviz: error: interrupted; no output was written or changed"
    ]
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temporary


def test_ctrl_c_while_loading_is_one_line(tmp_path):
    # before any render starts (modules still loading or the run under way)
    proc = subprocess.Popen(
        [sys.executable, "-m", "optviz.cli", "race", "himmelblau", "--steps", "3000"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130
    assert stderr.strip().splitlines() == [
        "optviz: error: interrupted; no output was written or changed"
    ]


def test_stale_temporaries_of_our_naming_are_removed_on_the_next_write(tmp_path):
    old = time.time() - STALE_SECONDS - 60
    stale = tmp_path / ".race.gif.k3j4h5g6.tmp.gif"
    stale_dir = tmp_path / ".frames.abcdefgh.tmp"
    fresh = tmp_path / ".race.gif.zzzz9999.tmp.gif"  # a render still running elsewhere
    foreign = tmp_path / ".notes.tmp.gif"  # not our pattern
    for path in (stale, fresh, foreign):
        path.write_bytes(b"partial")
    stale_dir.mkdir()
    (stale_dir / "frame_00000.png").write_bytes(b"x")
    for path in (stale, stale_dir, foreign):
        os.utime(path, (old, old))
    with atomic_path(tmp_path / "race.gif") as tmp:
        tmp.write_bytes(b"GIF89a")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [fresh.name, foreign.name, "race.gif"]
    )
    assert remove_stale(tmp_path) == []  # nothing left to sweep


def test_a_stop_signal_that_code_called_from_c_reports_as_its_own_error_is_still_a_stop(
    tmp_path, monkeypatch, capsys
):
    # matplotlib's renderer calls back into Python; a signal's exception raised there comes
    # out as the renderer's own error ("Invalid affine transformation matrix")
    from optviz.cli import _app
    from optviz.render import animate

    def frame_interrupted(self, s):
        try:
            _app._raise_stopped(signal.SIGTERM, None)  # what the handler does on SIGTERM
        except _app.Stopped:
            raise ValueError("Invalid affine transformation matrix") from None

    monkeypatch.setattr(animate._Engine, "frame", frame_interrupted)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        _app.main(["race", "quadratic", "-O", "gd", "--steps", "5", "-o", "a.gif"])
    assert stop.value.code == 128 + signal.SIGTERM
    assert capsys.readouterr().err.strip().splitlines() == [
        "optviz: error: interrupted; no output was written or changed"
    ]
    assert list(tmp_path.iterdir()) == []
