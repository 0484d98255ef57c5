"""Nothing leaves the frame or lies on something else: every text and legend of a race
figure inside the figure, apart from every other text and from every panel it does not
belong to, at every size preset, with and without a loss panel, in 2-D and 3-D."""

from __future__ import annotations

import pytest
from matplotlib.legend import Legend
from matplotlib.text import Text

import optviz as ov
from optviz.render import paths, race_figure, style
from optviz.render.animate import _Engine, animate


def undrawn_tick_labels(fig) -> set[int]:
    """Ids of tick labels matplotlib keeps but does not draw: outside their axis's view,
    of an axes drawn without its axes (a legend column), and of a 3-D axes (which places
    the labels it draws itself, leaving the others where they last were)."""
    out = set()
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            drawn = (
                set() if ax.name == "3d" or not ax.axison else {id(t) for t in axis._update_ticks()}
            )
            for t in axis.get_major_ticks() + axis.get_minor_ticks():
                if id(t) not in drawn:
                    out |= {id(t.label1), id(t.label2)}
    return out


def units(fig) -> list[tuple[object, object, object]]:
    """``(artist, its axes or None, window extent)`` of every legend and of every drawn
    text outside a legend."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [a for a in fig.findobj(Legend) if a.get_visible()]
    inside = {id(t) for leg in legends for t in leg.findobj(Text)}
    hidden = undrawn_tick_labels(fig)
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
             and id(t) not in inside and id(t) not in hidden]  # fmt: skip
    owner = {id(leg): ax for ax in fig.axes for leg in ax.get_children() if isinstance(leg, Legend)}
    out = [(t, t.axes, t.get_window_extent(renderer)) for t in texts]
    out += [(leg, owner.get(id(leg)), leg.get_window_extent(renderer)) for leg in legends]
    return out


def meet(a, b, depth: float = 2.0) -> bool:
    """Whether boxes ``a`` and ``b`` overlap by more than ``depth`` px both ways (boxes
    that only touch, as tick labels at a panel's corner, do not meet)."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w > depth and h > depth


def clashes(fig, tolerance: float = 1.0) -> list[str]:
    """What leaves the frame or overlaps another text, legend or panel, in words."""
    frame = fig.bbox.padded(tolerance)
    found = []
    boxes = units(fig)
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    for i, (a, own, box) in enumerate(boxes):
        name = repr(a.get_text()[:30]) if isinstance(a, Text) else "a legend"
        if not (
            frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        ):
            found.append(f"{name} leaves the frame: {box.bounds}")
        for b, _, other in boxes[i + 1 :]:
            if meet(box, other) and b is not a:
                other_name = repr(b.get_text()[:30]) if isinstance(b, Text) else "a legend"
                found.append(f"{name} overlaps {other_name}")
        for ax in axes:
            if ax is not own and meet(box, ax.bbox):
                found.append(f"{name} overlaps the panel {ax.get_label() or ax.name!r}")
    return found


@pytest.fixture(scope="module")
def race():
    # tuned rates: a note says how they were chosen (it once ran into the loss panel)
    r = ov.race("rosenbrock", ["gd", "momentum:momentum=0.9", "adam"], start=(-1.2, 1.0),
                steps=40, lr="tuned", tune_steps=1000)  # fmt: skip
    assert paths.chosen_note(r.trajectories)
    return r


@pytest.mark.parametrize("size", list(style.SIZES))
@pytest.mark.parametrize(
    ("kind", "loss"), [("contour", False), ("contour", True), ("3d", False), ("3d", True)]
)
def test_race_figures_keep_every_text_in_the_frame_and_apart(race, size, kind, loss):
    fig = race_figure.plot_race(race, kind=kind, loss=loss, size=size)
    assert clashes(fig) == []


@pytest.mark.parametrize("size", ["small", "16:9"])
def test_animation_frames_too(race, size):
    engine = _Engine(animate(race, loss=True, fps=2, duration=1, size=size))
    try:
        engine.frame(20.0)
        assert clashes(engine.fig) == []
    finally:
        engine.close()
