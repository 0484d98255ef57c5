"""Two networks on maps of their own: the maps are the largest things in the frame, each
clearly wider than the loss panel beside them (:mod:`optviz.render.landscapeplots`).

The batch-norm landscape drew two maps 389 px wide beside a loss panel 333 px wide (1.17
times): the panel read as a third map; now 426 beside 265 (1.6 times)."""

from __future__ import annotations

from matplotlib.contour import QuadContourSet

from optviz.nets.landscapes import landscape
from optviz.render.landscapeplots import _layout, _race


def test_two_maps_of_their_own_are_each_much_wider_than_the_loss_panel():
    ls = landscape("moons", ["adam:lr=0.05", "adam:lr=0.05"], batchnorm=[False, True],
                   steps=20, hidden=(6,), n=40, resolution=8)  # fmt: skip
    fig, maps, loss, _ = _layout(ls, "light", "16:9", 100, None, _race(ls))  # as animated
    fig.canvas.draw()
    assert all(any(isinstance(c, QuadContourSet) for c in ax.collections) for ax in maps)
    widths = [ax.get_window_extent().width for ax in maps]
    assert len(maps) == 2 and min(widths) >= 1.5 * loss.get_window_extent().width, widths
