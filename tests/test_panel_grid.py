"""One panel per optimizer: a grid with an empty cell gives it to the side panel (the loss
panel), so no quadrant of the frame is left blank, and the domain's numbers are written
once, at the left and the bottom of the grid."""

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


def test_the_loss_panel_takes_the_grid_s_empty_cell(figure):
    fig, panels, loss_ax = figure
    grid = panels[0].get_subplotspec().get_gridspec()
    assert loss_ax.get_subplotspec().get_gridspec() is grid
    assert (grid.nrows, grid.ncols) == (2, 2)


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
    # top-left: y only; top-right: x only (nothing under it); bottom-left: both
    assert shown == [(True, False), (False, True), (True, True)]
