"""Measuring a picture as a lecturer would judge it: how much of the frame the map takes,
how thick the paths and how large the balls are drawn, how much of each ball stays
in sight with everything else drawn over it, and which words the frame cuts.

A ball's visibility is measured by a probe colour no theme, colormap or palette uses: the
ball alone is painted in it, and its pixels are counted with everything else drawn and
with only it drawn. The share kept is what the audience sees of it.

    python -m optviz.render.audit            # every catalog surface's default race
    python -m optviz.render.audit saddle tiny_net
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PROBE = "#ff00ff"
PROBE_RGB = np.array([255.0, 0.0, 255.0])


def probe_pixels(img: np.ndarray, bbox) -> int:
    """Pixels of the probe colour inside the display box ``bbox`` of the image."""
    h = img.shape[0]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox.extents)
    crop = img[max(h - y1, 0) : max(h - y0, 0), max(x0, 0) : max(x1, 0), :3].astype(float)
    return int((np.linalg.norm(crop - PROBE_RGB, axis=-1) < 60).sum())


def words_outside(fig, slack: float = 1.0) -> list[str]:
    """The texts and legends of ``fig`` that the frame cuts: any part of them outside the
    figure (``slack`` pixels allowed). A slide shows every word whole.

    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(4, 3), dpi=50); ax = fig.add_subplot()
    >>> _ = ax.text(0.5, -0.6, "cut off", transform=ax.transAxes)
    >>> words_outside(fig)
    ['cut off']
    """
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    if fig.canvas is None or type(fig.canvas).__name__ == "FigureCanvasBase":
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    hidden = _undrawn_tick_labels(fig)
    cut = []
    for artist in fig.findobj(lambda a: isinstance(a, Text | Legend)):
        if not artist.get_visible() or (isinstance(artist, Text) and not artist.get_text()):
            continue
        if id(artist) in hidden:
            continue
        if isinstance(artist, Text) and any(isinstance(p, Legend) for p in _parents(artist)):
            continue  # judged with its legend
        box = artist.get_window_extent(renderer)
        if (box.x0 < frame.x0 - slack or box.y0 < frame.y0 - slack
                or box.x1 > frame.x1 + slack or box.y1 > frame.y1 + slack):  # fmt: skip
            texts = artist.get_texts() if isinstance(artist, Legend) else [artist]
            cut.append(" / ".join(t.get_text() for t in texts))
    return cut


def _undrawn_tick_labels(fig) -> set[int]:
    """Ids of tick labels an axis keeps but does not draw (ticks outside its view)."""
    every, drawn = set(), set()
    for ax in fig.axes:
        for axis in getattr(ax, "_axis_map", {}).values():
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                every |= {id(tick.label1), id(tick.label2)}
            if not (ax.axison and axis.get_visible()):
                continue  # an axis switched off draws no labels
            for tick in axis._update_ticks():
                drawn |= {id(tick.label1), id(tick.label2)}
    return every - drawn


def _parents(artist):
    """The artists that hold ``artist``, innermost first (a legend holds its texts)."""
    from matplotlib.legend import Legend

    out = []
    for legend in artist.figure.findobj(Legend) if artist.figure else []:
        if artist in legend.get_texts() or artist is legend.get_title():
            out.append(legend)
    return out


def area_share(fig, ax) -> float:
    """The share of the frame ``ax`` draws in (its plot area, without its labels)."""
    return float(ax.bbox.width * ax.bbox.height / (fig.bbox.width * fig.bbox.height))


def largest_axes(fig) -> Any:
    """The visible axes that takes the most of the frame."""
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "legend"]
    return max(shown, key=lambda ax: ax.bbox.width * ax.bbox.height)


def sizes_px(engine) -> dict[str, float]:
    """The thinnest path and the smallest ball of an animation, in pixels."""
    px = engine.fig.dpi / 72
    return {
        "line": min(m.trail.get_linewidth() for m in engine.movers) * px,
        "ball": min(m.ball.get_markersize() for m in engine.movers) * px,
    }


def ball_share(engine, i: int, s: float) -> float:
    """The share of optimizer ``i``'s balls in sight in the animation's frame of step
    ``s``, against them drawn alone where that frame placed them; NaN when none is in
    the view (it left)."""
    ball = engine.movers[i].ball
    face = ball.get_markerfacecolor()
    ax = ball.axes
    ball.set_markerfacecolor(PROBE)
    try:
        together = probe_pixels(engine.frame(s), ax.bbox)
        engine.canvas.restore_region(engine.background)
        ax.draw_artist(ball)
        alone = probe_pixels(np.asarray(engine.canvas.buffer_rgba())[..., :3], ax.bbox)
    finally:
        ball.set_markerfacecolor(face)
    return together / alone if alone > 0 else math.nan


def lesson_race(name: str):
    """A catalog surface's default race, as ``optviz race NAME`` runs it."""
    import optviz as ov

    s = ov.surface(name)
    lesson = s.lesson
    optimizers = list(lesson.optimizers) or ["gd", "momentum", "adam"]
    start = lesson.starts if len(lesson.starts) else None
    return ov.race(s, optimizers, start=start, steps=lesson.steps or 200)


def report(name: str) -> dict[str, float]:
    """The measures of a catalog surface's default race at 1280×720: map share (with a
    loss panel, and alone in 3-D), thinnest path and smallest ball, and the least share
    of any optimizer's balls in sight at the first and the last frame."""
    from .animate import _Engine, animate

    race = lesson_race(name)
    out: dict[str, float] = {}
    engine = _Engine(animate(race, loss=True, fps=2, duration=1))
    try:
        steps = float(race.trajectories[0].steps)
        engine.frame(steps)
        out["map (loss)"] = area_share(engine.fig, engine.panels[0])
        out.update(sizes_px(engine))
        seen = [ball_share(engine, i, s) for i in range(len(engine.movers)) for s in (0.0, steps)]
        out["balls seen"] = float(np.nanmin(seen)) if not np.isnan(seen).all() else math.nan
    finally:
        engine.close()
    engine = _Engine(animate(race, kind="3d", fps=2, duration=1))
    try:
        engine.frame(float(race.trajectories[0].steps))
        out["map (3d)"] = area_share(engine.fig, engine.panels[0])
        out["line 3d"], out["ball 3d"] = sizes_px(engine).values()
    finally:
        engine.close()
    return out


def main(argv: list[str] | None = None) -> None:
    import sys

    from ..catalog import surfaces
    from .plots import offscreen

    names = (argv if argv is not None else sys.argv[1:]) or surfaces()
    keys = ("map (loss)", "map (3d)", "line", "ball", "line 3d", "ball 3d", "balls seen")
    print(f"{'surface':20s}" + "".join(f"{k:>12s}" for k in keys))
    with offscreen():
        for name in names:
            row = report(name)
            print(f"{name:20s}" + "".join(f"{row[k]:12.2f}" for k in keys), flush=True)


if __name__ == "__main__":
    main()
