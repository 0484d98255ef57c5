"""A lesson's two-line title: the heading larger, the caption under it smaller, and
neither running off the frame at any size."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import optviz as ov
from optviz.render.race_figure import plot_race


def _lesson(name: str):
    s = ov.surface(name)
    start = s.lesson.starts if len(s.lesson.starts) else None
    race = ov.race(s, list(s.lesson.optimizers), start=start, steps=20)
    return race, s.lesson_title


def _texts(fig):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    titles = [fig._suptitle, *(t for ax in fig.axes for t in (ax.title, ax._left_title))]
    return [t for t in titles if t and t.get_text()], r


def test_a_lone_maps_caption_is_set_under_a_larger_heading():
    # joined in one heading, the caption had the heading's size and ran edge to edge
    race, title = _lesson("saddle")
    fig = plot_race(race, title=title)
    try:
        heading, caption = title.split("\n")
        assert fig._suptitle.get_text() == heading
        over = [ax._left_title for ax in fig.axes if ax.get_title(loc="left") == caption]
        assert over and over[0].get_fontsize() < fig._suptitle.get_fontsize()
    finally:
        plt.close(fig)


@pytest.mark.parametrize("size", ["16:9", "4:3", "small"])
@pytest.mark.parametrize("name", ["elliptic", "beale", "goldstein_price"])
def test_no_title_line_runs_off_the_frame(name, size):
    race, title = _lesson(name)
    fig = plot_race(race, title=title, size=size, loss=name == "beale")
    try:
        texts, r = _texts(fig)
        for t in texts:
            box = t.get_window_extent(r)
            assert box.x0 >= 0 and box.x1 <= fig.bbox.width, (t.get_text(), box)
    finally:
        plt.close(fig)
