"""What the parity tests share: reference paths made in a process of their own, and the
comparison of a path with them."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def reference_paths(script: str, folder: Path) -> dict:
    """Run ``tests/<script>`` once with ``ATEN_CPU_CAPABILITY=default`` (torch without fused
    multiply-adds: the same numbers on every CPU) and read back the paths it saved."""
    out = folder / "paths.npz"
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    reference = Path(__file__).with_name(script)
    subprocess.run([sys.executable, str(reference), str(out)], env=env, check=True, timeout=600)
    with np.load(out) as data:
        return dict(data)


def assert_same_path(ours, theirs, diverged_at=-1):
    """Equal to 1e-10 relative up to the step at which our run froze a start that escaped
    (the escape itself may have run to infinity)."""
    for i, stop in enumerate(np.broadcast_to(diverged_at, ours.shape[1])):
        last = len(ours) if stop < 0 else stop
        a, b = ours[:last, i], theirs[:last, i]
        err = np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))
        assert err < 1e-10, f"start {i}: relative difference {err:.3g}"
