"""No text of a saved still lies on another: a suptitle placed by hand below the top lands
on the panel titles, since a constrained layout makes room for its height only."""

from __future__ import annotations

import pytest

from optviz import nets
from optviz.nets import dropout
from optviz.render import dropoutplots, init_figures, safe_margin
from optviz.render.writers import save_figure


def overlapping(fig) -> list:
    """The pairs of text extents of ``fig`` that share more than a pixel each way."""
    fig.draw_without_rendering()
    boxes = safe_margin.text_boxes(fig)
    return [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1
    ]


def init_grid():
    stats = [nets.propagate(k, depth=10, width=20, batch=40) for k in ("small", "large")]
    return init_figures.init_grid(stats, title="Initialization: activations, layer by layer")


def dropout_figure():
    pairs = dropout.seed_study([0, 1], hidden=(8, 8), steps=20)
    return dropoutplots.dropout_figure(pairs, ensemble=5, resolution=20, title="Dropout")


def dropout_figure_4x3():
    # at 4:3 a row of three squeezed the maps' titles and keys into one another
    pairs = dropout.seed_study([0, 1], hidden=(8, 8), steps=20)
    return dropoutplots.dropout_figure(pairs, ensemble=5, resolution=20, title="Dropout",
                                       size="4:3")  # fmt: skip


@pytest.mark.parametrize("make", [init_grid, dropout_figure, dropout_figure_4x3])
def test_no_text_of_a_saved_still_lies_on_another(make, tmp_path):
    fig = make()
    save_figure(fig, tmp_path / "still.png", dpi=50)
    assert overlapping(fig) == []
