"""symmetry as a room sees it: eight different lines counted eight, a zeros map framed."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text

from optviz import nets
from optviz.render import plots
from optviz.render.netfigures import symmetry_figure


@pytest.fixture(scope="module")
def fig():
    runs = [nets.symmetry_run(k, steps=100) for k in ("zeros", "constant", "xavier_normal")]
    with plots.offscreen():
        f = symmetry_figure(runs)
    f.canvas.draw()
    return f


def test_each_of_eight_different_lines_is_numbered_apart(fig):
    # symmetry: Xavier's neurons 2 and 4 lay on each other from step 40 on; "8 neurons,
    # 8 different lines" counted 7
    bottom = [ax for ax in fig.axes if "different lines" in ax.get_title()]
    (ax,) = bottom
    numbers = [t for t in ax.texts if t.get_gid() == "neuron-number"]
    assert sorted(t.get_text() for t in numbers) == [str(j) for j in range(1, 9)]
    boxes = [Text.get_window_extent(t) for t in numbers]  # the digit, not its leader
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    width = fig.get_figwidth() * fig.dpi
    assert max(b.x1 for b in boxes) <= width
    lockstep = [
        ax for ax in fig.axes if "lockstep" in ax.get_title() or "stay at 0" in ax.get_title()
    ]
    assert all(not [t for t in a.texts if t.get_gid() == "neuron-number"] for a in lockstep)


def test_the_zeros_map_has_a_dark_frame(fig):
    # symmetry: the zeros map (#f5f5f5) on white without a frame looked missing
    (top,) = [ax for ax in fig.axes if ax.get_title() == "zeros init"]
    box = top.get_window_extent()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    h = rgb.shape[0]
    mid = int(h - (box.y0 + box.y1) / 2)
    for x in (int(round(box.x0)), int(round(box.x1)) - 1):
        edge = rgb[mid - 5 : mid + 5, x - 1 : x + 2].min()
        assert edge < 140, (x, edge)
    cx = int((box.x0 + box.x1) / 2)
    top_edge = rgb[int(h - box.y1) - 1 : int(h - box.y1) + 2, cx - 5 : cx + 5].min()
    assert top_edge < 140, top_edge
