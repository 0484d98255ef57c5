"""The anatomy walk (``optviz anatomy --walk``): how long each step is shown, and how long
it takes to draw.

Run ``python bench/bench_anatomy.py`` (or ``--quick``). The walk: momentum on the narrow
ravine, 12 steps (``--quick``: 6) at 1280x720.

- shown: each step's time on screen in the written GIF (target: at most 0.3 s);
- drawn: milliseconds per frame, the fixed view (contours drawn once, each frame only
  the path so far, the arrows and the numbers) against a whole figure per step as the
  walk drew it before (:func:`optviz.render.anatomy_plots.plot_anatomy` per step).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optviz as ov  # noqa: E402


def _walk(steps: int):
    race = ov.race("narrow_ravine", ["momentum:lr=0.02"], steps=steps, keep_state=True)
    return race.trajectories[0]


def _whole_figures(traj, steps: int) -> float:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from optviz.analysis.anatomy import walk
    from optviz.render.anatomy_plots import plot_anatomy

    start = time.perf_counter()
    for a in walk(traj, steps):
        fig = plot_anatomy(a)
        FigureCanvasAgg(fig).draw()
        fig.clear()
    return (time.perf_counter() - start) / steps


def main(quick: bool = False) -> None:
    from PIL import Image

    from optviz.render.anatomy_plots import anatomy_frames, save_anatomy_walk

    steps = 6 if quick else 12
    traj = _walk(steps)
    start = time.perf_counter()
    frames = list(anatomy_frames(traj, steps))
    fixed = (time.perf_counter() - start) / len(frames)
    whole = _whole_figures(traj, steps)
    with tempfile.TemporaryDirectory() as tmp:
        path = save_anatomy_walk(traj, Path(tmp) / "walk.gif", steps)
        with Image.open(path) as im:
            shown = [im.seek(i) or im.info["duration"] for i in range(im.n_frames - 1)]
    print(f"anatomy walk, {steps} steps at 1280x720")
    print(f"  shown per step      {max(shown) / 1000:6.2f} s   (target <= 0.30 s)")
    print(f"  drawn, fixed view   {fixed * 1000:6.0f} ms a frame")
    print(f"  drawn, whole figure {whole * 1000:6.0f} ms a frame (a figure per step)")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
