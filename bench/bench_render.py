"""Render benchmark: optviz's streamed GIF vs the usual matplotlib FuncAnimation + PillowWriter.

Run ``python bench/bench_render.py`` (or ``--quick``). The scene: a race of 4
optimizers on Rosenbrock (300 steps), drawn at 800x600 (8 x 6 in at 100 dpi), 300
frames at 20 fps (``--quick``: 60 frames).

- ``optviz``: ``race.animate(...).save("x.gif")``: background drawn once, per frame only
  the moving artists (blitting), one palette, frames streamed to the file;
- ``baseline``, measured in the same run: the usual way, ``FuncAnimation`` without
  blitting (the whole figure, contours included, redrawn every frame) saved with
  ``PillowWriter`` (which keeps every frame and quantizes each one on its own), drawing
  the same contours (``plot_surface``), the same paths, balls and legend;
- peak memory of the optviz save at 300 and at 1,200 frames (``--quick``: 60 and 240),
  measured with ``tracemalloc`` (Python and numpy allocations during ``save``; the
  figure itself included, imports excluded).

Targets (issue 4): optviz at least 10x faster; its GIF at most 1/3 of the baseline's
size; peak memory at 1,200 frames within 1.25x of that at 300.
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import optviz as ov  # noqa: E402

OPTIMIZERS = ["gd:lr=0.001", "momentum:lr=0.001", "adam:lr=0.05", "rmsprop:lr=0.01"]
SIZE, DPI, FPS = (8, 6), 100, 20


def _race():
    return ov.race("rosenbrock", OPTIMIZERS, steps=300)


def _optviz(race, frames: int, path: Path) -> float:
    anim = race.animate(size=SIZE, dpi=DPI, fps=FPS, duration=frames / FPS, hold=0)
    start = time.perf_counter()
    anim.save(path)
    return time.perf_counter() - start


def _baseline(race, frames: int, path: Path) -> float:
    """FuncAnimation + PillowWriter, whole figure redrawn per frame: the usual way."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.animation import FuncAnimation, PillowWriter

    from optviz.render import plots, style

    start = time.perf_counter()
    with style.themed("light"):
        fig, ax = plt.subplots(figsize=SIZE, dpi=DPI, layout="constrained")
        plots.plot_surface(race.surface, ax)
        steps = race.trajectories[0].steps
        index = np.round(np.linspace(0, steps, frames)).astype(int)
        lines, balls = [], []
        for i, traj in enumerate(race.trajectories):
            c = style.color(i)
            lines.append(ax.plot([], [], color=c, lw=2.4, label=traj.label)[0])
            balls.append(ax.plot([], [], "o", ms=11, mfc=c, mec="k")[0])
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), title="optimizer")
        counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top")

        def update(k):
            t = index[k]
            for traj, line, ball in zip(race.trajectories, lines, balls, strict=True):
                xy = plots.drawable(traj.xy[: t + 1], race.surface)
                line.set_data(xy[:, 0], xy[:, 1])
                ball.set_data(xy[-1:, 0], xy[-1:, 1])
            counter.set_text(f"step {t} / {steps}")
            return [*lines, *balls, counter]

        anim = FuncAnimation(fig, update, frames=frames, blit=False)
        anim.save(path, writer=PillowWriter(fps=FPS))
        plt.close(fig)
    return time.perf_counter() - start


def _peak_mb(race, frames: int, path: Path) -> float:
    tracemalloc.start()
    try:
        _optviz(race, frames, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def main(quick: bool = False) -> list[tuple]:
    import matplotlib

    matplotlib.use("Agg")
    frames = 60 if quick else 300
    race = _race()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _optviz(race, 5, tmp / "warm.gif")  # imports and font caches, for both sides
        ours = _optviz(race, frames, tmp / "optviz.gif")
        base = _baseline(race, frames, tmp / "baseline.gif")
        ours_kb = (tmp / "optviz.gif").stat().st_size / 1024
        base_kb = (tmp / "baseline.gif").stat().st_size / 1024
        mem_small = _peak_mb(race, frames, tmp / "m1.gif")
        mem_large = _peak_mb(race, 4 * frames, tmp / "m4.gif")
    rows = [
        (f"GIF seconds ({frames} frames, 800x600)", ours, base, base / ours, ">= 10x faster"),
        ("GIF size (KB)", ours_kb, base_kb, base_kb / ours_kb, ">= 3x smaller"),
        (f"peak MB, {frames} frames (tracemalloc)", mem_small, None, None, ""),
        (
            f"peak MB, {4 * frames} frames (tracemalloc)",
            mem_large,
            None,
            mem_large / mem_small,
            "<= 1.25x of the row above",
        ),
    ]
    _print(rows)
    return rows


def _print(rows) -> None:
    head = ("render", "optviz", "baseline", "ratio", "target")
    widths = (42, 10, 10, 8, 26)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    for name, ours, base, ratio, target in rows:
        cells = (
            name,
            f"{ours:.2f}",
            "" if base is None else f"{base:.2f}",
            "" if ratio is None else f"{ratio:.2f}x",
            target,
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
