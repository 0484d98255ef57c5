"""Every gallery race with a loss panel keeps it readable at slide distance (1280x720):
at least 150 px on its short side, at least three labelled ticks up its axis, at most
~8 decades above the lowest start when a run blows up, its texts inside the frame; the
map (or the maps together) stays the largest element."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optviz.render.animate import _Engine
from optviz.scenes.build import parse_toml, scene_from_dict

GALLERY = Path(__file__).resolve().parent.parent / "gallery"
# every gallery race drawn with a loss panel; steps cut where only time is at stake
LOSS_SCENES = {
    "plateau": None,
    "learning_rate": None,
    "sam_sharp_flat": 60,
    "schedules": 60,
    "schedulefree_cosine": 60,
    "long_furrow": None,
    "saddle_escape": 60,
    "minibatch": 60,
    "tiny_net_init": 60,
    "ball_rolling_3d": 40,
}


@pytest.fixture(scope="module", params=list(LOSS_SCENES))
def frame(request):
    name = request.param
    data = parse_toml((GALLERY / f"{name}.toml").read_text(encoding="utf-8"), name)
    if LOSS_SCENES[name]:
        data.setdefault("run", {})["steps"] = LOSS_SCENES[name]
    scene = scene_from_dict(data, base=GALLERY, stem=name)
    o = scene.renders[0].options
    race = scene.race()
    anim = race.animate(kind=scene.renders[0].kind, loss=True, title=o["title"], size=o["size"],
                        theme=o["theme"], fps=2, duration=1)  # fmt: skip
    engine = _Engine(anim)
    engine.frame(float(race.trajectories[0].steps))
    engine.fig.canvas.draw()
    yield name, engine.fig, race
    engine.close()


def _loss_ax(fig):
    return next(ax for ax in fig.axes if ax.get_label() == "side:loss")


def test_the_loss_panel_is_at_least_150_px_on_its_short_side(frame):
    name, fig, _ = frame
    box = _loss_ax(fig).get_window_extent()
    assert min(box.width, box.height) >= 150, f"{name}: {box.width:.0f}x{box.height:.0f} px"


def test_the_maps_stay_the_largest_element(frame):
    name, fig, _ = frame
    loss = _loss_ax(fig)
    maps = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "legend"
            and not ax.get_label().startswith("side:")]  # fmt: skip
    area = [ax.get_window_extent().width * ax.get_window_extent().height for ax in maps]
    box = loss.get_window_extent()
    assert sum(area) > 1.25 * box.width * box.height, name  # (not just the largest: by a margin)


ROW_MAP_FLOOR = 280  # px of a map's height in a row of maps over the loss panel (was 270)


def test_each_map_of_a_row_is_at_least_the_floor(frame):
    """Maps in a row over a full-width loss panel: each as tall as the frame allows, the
    landmark legend in the loss panel rather than a row under the figure."""
    name, fig, _ = frame
    maps = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "legend"
            and not ax.get_label().startswith("side:")]  # fmt: skip
    if len(maps) < 2:
        return
    for ax in maps:
        box = ax.get_window_extent()
        assert box.height >= ROW_MAP_FLOOR, f"{name}: {box.width:.0f}x{box.height:.0f}"


def test_a_legend_on_the_loss_panel_keeps_off_the_maps(frame):
    """The landmark key under the loss panel's tick labels, beside its axis label,
    overlaps no map, the panel, its labels, and stays inside the frame."""
    name, fig, _ = frame
    key = _loss_ax(fig).get_legend()
    if key is None:
        return
    box = key.get_window_extent()
    renderer = fig.canvas.get_renderer()
    maps = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "legend"
            and not ax.get_label().startswith("side:")]  # fmt: skip
    loss = _loss_ax(fig)
    texts = [loss.xaxis.label, *loss.xaxis.get_ticklabels()]
    taken = (
        [ax.get_tightbbox(renderer) for ax in maps]
        + [loss.bbox]
        + [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]
    )
    for other in taken:
        assert not box.overlaps(other), f"{name}: {box} over {other}"
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1), name


def test_the_loss_axis_labels_at_least_three_ticks(frame):
    name, fig, _ = frame
    ax = _loss_ax(fig)
    lo, hi = sorted(ax.get_ylim())
    ticks = ax.yaxis.get_major_ticks()
    shown = [t for t in ticks if t.label1.get_text() and lo <= t.get_loc() <= hi]
    assert len(shown) >= 3, f"{name}: {[t.label1.get_text() for t in shown]}"


def test_a_run_that_blows_up_does_not_stretch_the_axis(frame):
    name, fig, race = frame
    ax = _loss_ax(fig)
    if ax.get_yscale() != "log":
        return
    starts = [np.nanmax(np.ravel(t.loss)[: np.size(t.loss[0])]) for t in race.trajectories]
    shift = race.surface.min_value or 0.0
    top = np.log10(max(starts) - shift)
    assert np.log10(ax.get_ylim()[1]) - top <= 3.5, name  # the ceiling, its note's room


def test_the_loss_panels_texts_stay_inside_the_frame(frame):
    name, fig, _ = frame
    ax = _loss_ax(fig)
    renderer = fig.canvas.get_renderer()
    texts = [*ax.texts, ax.xaxis.label, ax.yaxis.label, ax.title, ax._left_title]
    for t in texts:
        if not t.get_visible() or not t.get_text():
            continue
        b = t.get_window_extent(renderer)
        assert b.x0 >= -1 and b.y0 >= -1 and b.x1 <= fig.bbox.width + 1, (name, t.get_text())
        assert b.y1 <= fig.bbox.height + 1, (name, t.get_text())
