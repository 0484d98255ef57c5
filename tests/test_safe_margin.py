"""Text a projector does not crop: every text of a saved figure at least
``safe_margin.SAFE_PX`` inside the frame; tick labels a room reads (``style.TICK_PT``,
log axes as decimals or powers of ten with readable exponents)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import optviz as ov
from optviz.render import safe_margin, style
from optviz.scenes import scene_from_dict

MARGIN = safe_margin.SAFE_PX - 0.6  # what keep_inside settles for (within half a pixel)


def nearest(fig) -> float:
    """The least distance (px) from any text of ``fig`` to the frame's edge."""
    fig.draw_without_rendering()
    w, h = fig.bbox.width, fig.bbox.height
    return min(min(b.x0, b.y0, w - b.x1, h - b.y1) for b in safe_margin.text_boxes(fig))


def crowded_figure() -> Figure:
    """Texts at the frame's edges: a suptitle, panel titles, tick labels and a figure
    legend in the corner, as a constrained layout with small pads leaves them."""
    fig = Figure(figsize=(12.8, 7.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.02, w_pad=0.02)
    axes = fig.subplots(2, 3)
    for ax in axes.flat:
        (line,) = ax.plot([0, 1], [0, 1], label="a line")
        ax.set_title("a panel")
    fig.suptitle("A title at the top")
    fig.legend(handles=[line], loc="outside lower right")
    fig.text(0.995, 0.5, "a note at the right", ha="right")
    return fig


def test_a_crowded_figure_starts_within_the_margin():
    assert nearest(crowded_figure()) < 10  # the test below has something to fix


def test_keep_inside_pulls_every_text_inside_and_keeps_the_type():
    fig = crowded_figure()
    sizes = [t.get_fontsize() for t in fig.texts]
    safe_margin.keep_inside(fig)
    assert nearest(fig) >= MARGIN
    assert [t.get_fontsize() for t in fig.texts] == sizes
    # the order of things is kept: the title stays above the panels' titles
    r = fig._get_renderer()
    title = fig._suptitle.get_window_extent(r)
    assert all(title.y0 >= ax.title.get_window_extent(r).y1 for ax in fig.axes)


def test_a_figure_within_the_margin_keeps_its_layout_engine():
    fig = Figure(figsize=(12.8, 7.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.3, w_pad=0.3)
    fig.add_subplot().set_title("room around it")
    safe_margin.keep_inside(fig)
    assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"


STILLS = {
    "schedules": {"render": {"kind": "schedules"}},
    "init": {"render": {"kind": "init", "depth": 4, "width": 16}},
    "sweep": {
        "surface": "quadratic",
        "optimizers": ["gd", "adam"],
        "run": {"steps": 20, "starts": [1.0, 1.0]},
        "render": {"kind": "sweep", "lrs": [0.001, 0.01, 0.1, 1.5]},
    },
    "race": {
        "surface": "himmelblau",
        "optimizers": ["gd:lr=0.01", "adam:lr=0.1"],
        "run": {"steps": 40},
        "render": {"kind": "contour", "loss": True},
    },
}


@pytest.mark.parametrize("name", list(STILLS))
def test_saved_stills_keep_text_inside_the_margin(
    name, tmp_path, monkeypatch, collect_saved_figures
):
    figures = collect_saved_figures(monkeypatch)
    spec = {**STILLS[name], "render": {**STILLS[name]["render"], "output": f"{name}.png"}}
    scene_from_dict(spec, base=tmp_path).render()
    assert figures
    for fig in figures:
        assert nearest(fig) >= MARGIN, name


def ticks_px(fig) -> list[float]:
    fig.draw_without_rendering()
    return [
        label.get_fontsize() * 100 / 72
        for ax in fig.axes
        for label in (*ax.get_xticklabels(), *ax.get_yticklabels())
        if label.get_visible() and label.get_text()
    ]


def test_tick_labels_are_raised_to_the_tick_size_even_when_code_set_them_smaller():
    with style.themed("light"):
        fig = Figure(figsize=(12.8, 7.2), dpi=100)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.tick_params(labelsize=11)
    FigureCanvasAgg(fig)
    style.raise_type(fig)
    assert min(ticks_px(fig)) >= style.TICK_PT * 100 / 72 - 1e-6  # 18.75 px
    assert style.TICK_PT * 100 / 72 >= 18.0


def test_log_ticks_are_decimals_in_range_and_large_powers_of_ten_outside():
    with style.themed("light"):
        fig = Figure(figsize=(12.8, 7.2), dpi=100)
        near, far = fig.subplots(1, 2)
        near.loglog([1e-4, 10], [1e-3, 100])
        far.semilogy([0, 1], [1e-12, 1])
    FigureCanvasAgg(fig)
    style.raise_type(fig)
    fig.draw_without_rendering()
    assert "0.001" in [t.get_text() for t in near.get_yticklabels()]
    assert all("$" not in t.get_text() for t in near.get_xticklabels())
    powers = [t for t in far.get_yticklabels() if "^" in t.get_text()]
    assert powers
    # mathtext draws exponents at 0.7 of the label: >= 14.5 px (at 12.5 pt: 12)
    assert min(t.get_fontsize() for t in powers) * 100 / 72 * 0.7 >= 14.5
    assert np.all(np.array(ticks_px(fig)) >= style.TICK_PT * 100 / 72 - 1e-6)


def test_a_3d_race_has_its_title_on_top_and_the_surface_beneath_it():
    # the title once headed the legend column: it wrapped mid-formula ("tanh(w1 ·" /
    # "input)") and left the column's foot empty. As on the map: one line on top, at
    # least 22 px, the surface spanning most of the height under it, the legend beside
    from optviz.render import race_figure

    race = ov.race("tiny_net", ["gd:lr=0.3", "adam:lr=0.05"], steps=30)
    fig = race_figure.plot_race(race, kind="3d")
    fig.canvas.draw()
    ax = fig.axes[0]
    assert not any(t.get_gid() == "column-heading" for t in fig.texts)
    title = fig._suptitle
    assert title.get_text() == race.surface.title and "\n" not in title.get_text()
    assert title.get_fontsize() * fig.dpi / 72 >= 22
    r = fig.canvas.get_renderer()
    box = title.get_window_extent(r)
    assert box.y0 >= ax.get_window_extent(r).y1 - 1  # over the surface
    assert ax.get_position().height >= 0.8
    # the legend a row under it (a column beside it took a third of the frame's width)
    (legend,) = fig.legends
    assert legend.get_window_extent(r).y1 <= ax.get_window_extent(r).y0 + 1
