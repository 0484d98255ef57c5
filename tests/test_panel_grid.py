"""One panel per optimizer: three maps and a loss panel in a 16:9 frame are a row of maps
over the loss panel (a 2x2 grid left a wide gutter between maps narrower than their
cells), no part of the frame is left blank, and the domain's numbers are written once, at
the left and the bottom."""

from __future__ import annotations

import pytest

import optviz as ov
from optviz.render import race_figure, style
from optviz.render.layout import largest_gutter


@pytest.fixture(scope="module")
def three_rates():
    return ov.race("elliptic", [f"gd:lr={lr}" for lr in (0.3, 0.38, 0.42)], steps=20)


@pytest.fixture(scope="module")
def figure(three_rates):
    with style.themed("light"):
        fig, panels, loss_ax = race_figure.race_layout(
            three_rates, "panels", True, "16:9", 100, "light", None
        )
    fig.canvas.draw()
    return fig, panels, loss_ax


def test_the_loss_panel_spans_the_row_under_the_maps(figure):
    # a 2x2 grid with the loss panel in its empty cell drew maps narrower than their
    # cells, with a 340-px gutter between the columns: a row of maps over a wide loss panel
    fig, panels, loss_ax = figure
    maps = [ax.get_window_extent() for ax in panels]
    loss = loss_ax.get_window_extent()
    assert len({round(b.y0) for b in maps}) == 1  # one row
    assert all(loss.y1 < b.y0 for b in maps)  # under it
    assert loss.width >= 0.8 * (max(b.x1 for b in maps) - min(b.x0 for b in maps))


def test_no_quadrant_is_left_blank(figure):
    # the blank fourth quadrant was 17% of the frame; what is left is the gap between the
    # grid's columns, where maps of equal scale are narrower than their cells
    fig, _, _ = figure
    share, box = largest_gutter(fig)
    assert share <= 0.12, box


def test_tick_numbers_only_at_the_left_and_bottom(figure):
    _, panels, _ = figure
    shown = [(ax.yaxis.get_tick_params()["labelleft"], ax.xaxis.get_tick_params()["labelbottom"])
             for ax in panels]  # fmt: skip
    # one row: y numbers on the left map only, x numbers under every map
    assert shown == [(True, True), (False, True), (False, True)]
