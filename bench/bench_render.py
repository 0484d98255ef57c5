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

Targets: optviz at least 10x faster; its GIF at most 1/3 of the baseline's size; peak
memory at 1,200 frames within 1.25x of that at 300.

A second table, at the default 1280x720 and 120 frames (``--quick``: 40), each row
beside its baseline measured in the same run:

- the same race on the 3-D surface with the camera turning 90 degrees, against the 2-D
  race (time and GIF size; targets 2x and 6x);
- WebP against GIF, the same animation;
- the step counter: pasted digit pixels against its text laid out and drawn per frame
  (milliseconds per frame, counter alone).
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
    print()
    frames_rows = cheap_frames(race, 40 if quick else 120)
    _print(frames_rows, head=("frames at 1280x720", "optviz", "baseline", "ratio", "target"))
    return rows + frames_rows


def _timed_save(anim, path: Path) -> tuple[float, float]:
    """Seconds and kilobytes of ``anim.save(path)``."""
    start = time.perf_counter()
    anim.save(path)
    return time.perf_counter() - start, path.stat().st_size / 1024


def cheap_frames(race, frames: int) -> list[tuple]:
    """The turning 3-D camera against 2-D, WebP against GIF, the counter against text."""
    options = {"fps": FPS, "duration": frames / FPS, "hold": 0, "hold_first": 0}
    flat = race.animate(**options)
    turning = race.animate(kind="3d", rotate=90, **options)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # the compiled surface fill is loaded (or compiled) once per process: not timed
        _timed_save(race.animate(kind="3d", rotate=90, fps=FPS, duration=0.2), tmp / "w.gif")
        flat_s, flat_kb = _timed_save(flat, tmp / "flat.gif")
        turn_s, turn_kb = _timed_save(turning, tmp / "turning.gif")
        webp_s, webp_kb = _timed_save(flat, tmp / "flat.webp")
        mp4_kb = _mp4_kb(turning, tmp / "turning.mp4")
    pasted, text = _counter_ms(flat)
    return [
        (
            f"3-D turning 90 deg, seconds ({frames} frames)",
            turn_s,
            flat_s,
            turn_s / flat_s,
            "<= 2x the 2-D race",
        ),
        ("3-D turning 90 deg, GIF KB", turn_kb, flat_kb, turn_kb / flat_kb, "<= 6x the 2-D GIF"),
        (
            "3-D turning, MP4 KB (baseline: 2-D GIF)",
            mp4_kb,
            flat_kb,
            None if mp4_kb is None else mp4_kb / flat_kb,
            "(inter-frame coding)",
        ),
        ("WebP seconds (baseline: GIF)", webp_s, flat_s, webp_s / flat_s, "< 2x (libwebp itself)"),
        ("WebP KB (baseline: GIF)", webp_kb, flat_kb, webp_kb / flat_kb, ""),
        ("step counter ms/frame (baseline: text)", pasted, text, text / pasted, "faster"),
    ]


def _mp4_kb(anim, path: Path) -> float | None:
    """Kilobytes of the animation as MP4, or None where no MP4 writer is installed."""
    from optviz.util.errors import OptvizError

    try:
        return _timed_save(anim, path)[1]
    except OptvizError:
        return None


def _counter_ms(anim, repeats: int = 300) -> tuple[float, float]:
    """Milliseconds to draw the counter: its pasted digits, and its text laid out."""
    from optviz.render.animate import _Engine

    engine = _Engine(anim)
    try:
        counter, canvas = engine.counter, engine.canvas
        start = time.perf_counter()
        for k in range(repeats):
            counter.draw(canvas, k % (anim.steps + 1))
        pasted = (time.perf_counter() - start) / repeats * 1000
        start = time.perf_counter()
        for k in range(repeats):
            counter.text.set_text(counter.label(k % (anim.steps + 1)))
            engine.fig.draw_artist(counter.text)
        text = (time.perf_counter() - start) / repeats * 1000
    finally:
        engine.close()
    return pasted, text


def _print(rows, head=("render", "optviz", "baseline", "ratio", "target")) -> None:
    widths = (44, 10, 10, 8, 26)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    for name, ours, base, ratio, target in rows:
        cells = (
            name,
            "n/a" if ours is None else f"{ours:.2f}",
            "" if base is None else f"{base:.2f}",
            "" if ratio is None else f"{ratio:.2f}x",
            target,
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
