"""noise_bands as a lecture room sees it: the seeds' ends in sight, the loss axis spent
on the seeds' band, no words over the ticks."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import analysis as A
from optviz.render import bandplots, plots


@pytest.fixture(scope="module")
def noise_fig():
    b = A.bands("linreg_standardized", "sgd:lr=0.05,batch_size=4", seeds=30, steps=150)
    with plots.offscreen():
        fig = bandplots.plot_bands(b, dpi=100)
    fig.canvas.draw()
    return b, fig


def _blue_pixels(fig, bbox) -> int:
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    h = rgb.shape[0]
    part = rgb[int(h - bbox.y1) : int(h - bbox.y0), int(bbox.x0) : int(bbox.x1)]
    strong = (part[..., 2] - part[..., 0] > 120) & (part[..., 0] < 60)  # an end dot's blue
    return int(strong.sum())


def test_every_seeds_end_is_seen_in_a_zoom(noise_fig):
    # noise_bands: all 30 end dots lay under the star's clear disk; the lesson "every
    # seed ends near the minimum" was not visible
    b, fig = noise_fig
    left = fig.axes[0]
    (zoom,) = [ax for ax in left.child_axes]
    ends = b.trajectory.xy[-1]
    (x0, x1), (y0, y1) = zoom.get_xlim(), zoom.get_ylim()
    assert ((ends[:, 0] > x0) & (ends[:, 0] < x1) & (ends[:, 1] > y0) & (ends[:, 1] < y1)).all()
    dot_px = np.pi * (10 / 2 * fig.dpi / 72) ** 2
    assert _blue_pixels(fig, zoom.get_window_extent()) >= 10 * dot_px  # many dots, not a pile
    assert zoom.get_window_extent().width >= 150


def test_the_loss_axis_is_spent_on_the_seeds_band(noise_fig):
    # noise_bands: the full batch's fall to 1e-12 took the y range; the band sat in the
    # top fifth
    b, fig = noise_fig
    right = fig.axes[1]
    lo, hi = (np.log10(v) for v in right.get_ylim())
    med = b.loss_band()[0][len(b.loss_band()[0]) // 2 :] - b.trajectory.surface.min_value
    floor = np.log10(np.median(med))
    assert (hi - floor) / (hi - lo) <= 0.6, (lo, hi, floor)
    words = [t.get_text() for t in right.texts if t.get_gid() == "exit below: words"]
    assert words and "1e-1" in words[0]  # where the clipped run goes on, said


def test_no_words_on_the_map_over_its_ticks(noise_fig):
    # noise_bands: "full batch: ends at the global minimum" crowded the x ticks
    _, fig = noise_fig
    left = fig.axes[0]
    frame = left.get_window_extent()
    for t in left.texts:
        if t.get_text() and t.get_visible():
            assert t.get_window_extent().y0 >= frame.y0 + 20, t.get_text()
