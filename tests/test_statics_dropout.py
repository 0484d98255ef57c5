"""dropout as a projector shows it: test rings with a stroke, the maps level with the loss
panel's top, one key under both maps instead of three-line captions."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import PathCollection

from optviz.nets import dropout
from optviz.render import plots
from optviz.render.dropoutplots import dropout_figure


@pytest.fixture(scope="module")
def fig():
    pairs = dropout.seed_study([0, 1], hidden=(8, 8), steps=20)
    with plots.offscreen():
        f = dropout_figure(pairs, ensemble=4, resolution=20)
    f.canvas.draw()
    return f


def _maps(fig):
    return [ax for ax in fig.axes if ax.get_ylabel() != "cross-entropy"]


def test_test_rings_keep_a_projectors_stroke(fig):
    # dropout: test points were ~7 px rings of ~1 px and vanished on the pale fill
    for ax in _maps(fig):
        (rings,) = [c for c in ax.collections
                    if isinstance(c, PathCollection) and len(c.get_facecolors()) == 0]  # fmt: skip
        stroke_px = float(np.max(rings.get_linewidths())) * fig.dpi / 72
        across_px = np.sqrt(float(np.max(rings.get_sizes()))) * fig.dpi / 72
        assert stroke_px >= 2.5 and across_px >= 9, (stroke_px, across_px)


def test_the_maps_start_level_with_the_loss_panel(fig):
    # dropout: ~110-120 px of empty page above the maps
    loss = next(ax for ax in fig.axes if ax.get_ylabel() == "cross-entropy")
    for ax in _maps(fig):
        assert abs(ax.bbox.y1 - loss.bbox.y1) <= 6, (ax.bbox.y1, loss.bbox.y1)


def test_the_maps_are_keyed_once_in_a_legend_not_in_captions(fig):
    # dropout: "dots: / rings: / line:" set as three lines of body text under each map
    for ax in _maps(fig):
        assert "\n" not in ax.get_xlabel()
    (key,) = fig.legends
    words = [t.get_text() for t in key.get_texts()]
    assert "test point" in words and "training point" in words
    box = key.get_window_extent()
    assert box.x1 <= fig.bbox.width - 20 and box.y0 >= 20
    assert box.y1 <= min(ax.bbox.y0 for ax in _maps(fig))  # under the maps, off them
