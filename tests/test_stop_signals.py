"""Stop signals on the command line: the first one is the one that counts, and nothing
but its one line reaches the terminal (not ffmpeg's complaints, not a traceback)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time

import pytest

from optviz.render.writers import save_frames
from tests.test_writers import moving_square


class Stop(BaseException):
    """What a stop signal raises in the command line."""


class HalfAFrameThenStop:
    """ffmpeg's stdin, where a stop signal comes half-way through the fourth frame and a
    second one as the pipe is closed."""

    def __init__(self, pipe, frames_before):
        self.pipe, self.left = pipe, frames_before

    def write(self, data):
        if self.left == 0:
            data = memoryview(data).cast("B")
            self.pipe.write(data[: len(data) // 2])
            self.pipe.flush()
            raise Stop
        self.left -= 1
        return self.pipe.write(data)

    def close(self):
        self.pipe.close()
        raise Stop

    def __getattr__(self, name):
        return getattr(self.pipe, name)


def test_an_mp4_stopped_half_way_through_a_frame_leaves_ffmpeg_silent(tmp_path, capfd, monkeypatch):
    popen, started = subprocess.Popen, []

    def start(*args, **kwargs):
        process = popen(*args, **kwargs)
        if process.stdin is not None:  # the encoder's pipe (not 'ffmpeg -version')
            process.stdin = HalfAFrameThenStop(process.stdin, frames_before=3)
            started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", start)
    with pytest.raises(Stop):
        save_frames(tmp_path / "a.mp4", iter(moving_square(6, h=48)), fps=10)
    (ffmpeg,) = started
    ffmpeg.wait(timeout=30)
    assert capfd.readouterr().err == ""
    assert list(tmp_path.iterdir()) == []


MESSAGE = "optviz: error: interrupted; no output was written or changed"


@pytest.mark.parametrize("out", ["a.mp4", "a.gif"])
def test_stop_signals_after_the_first_still_end_with_its_one_line(tmp_path, out):
    # one stop signal, then more every 20 ms until the process ends (a second Ctrl-C
    # 50 ms after the first, and any later one while Python exits)
    args = ["race", "himmelblau", "-O", "gd", "-O", "adam", "--steps", "300", "--dpi", "60"]
    args += ["--fps", "20", "--duration", "120", "-o", out]  # frames for several seconds
    for _ in range(3):  # a test process kept off the CPU may see the render end first
        process = subprocess.Popen(
            [sys.executable, "-m", "optviz.cli", *args],
            cwd=tmp_path, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        while not any(p.name.startswith(f".{out}.") for p in tmp_path.iterdir()):
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.05)
        time.sleep(0.1)  # some frames in
        if process.poll() is None:  # still rendering: the signal stops it mid-way
            break
        process.communicate(timeout=60)
        (tmp_path / out).unlink()
    process.send_signal(signal.SIGTERM)
    while process.poll() is None:
        time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=60)[1]
    assert process.returncode == 128 + signal.SIGTERM  # not killed by a later signal
    assert stderr.strip().splitlines() == [MESSAGE]  # and nothing from ffmpeg
    assert list(tmp_path.iterdir()) == []
