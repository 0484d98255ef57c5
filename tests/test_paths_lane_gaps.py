"""Paths that share a line are drawn like the lines of a transit map: side by side, each
lane apart from the next by a light channel (the paths' halo), so that from the back of
a room (or on a contact sheet at half size) they read as separate lines, not as one
striped band (saddle, monkey_saddle, double_well, adaptive_ravine)."""

from __future__ import annotations

import numpy as np
import pytest
from test_shared_lines import DPI, SIZE, _without_marks, lane_points
from test_visibility import _pixels

import optviz as ov
from optviz.render import race_figure
from optviz.render.paths import LANE, path_styles

CHANNEL_PX = 2.0  # the light channel between two lanes, at 100 dpi: wide enough at half size


@pytest.fixture(scope="module")
def two_on_one_line():
    """Two runs with the same updates: one line drawn twice."""
    opts = ["gd:lr=0.05", "momentum:lr=0.05,momentum=0"]
    return ov.race("elliptic", opts, start=(-2.5, 1.5), steps=60)


def _light(img: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Whether the pixel at each point (pixels) is light: the halo's, not a line's."""
    h = img.shape[0]
    rows = np.clip(h - np.round(pts[:, 1]).astype(int), 0, h - 1)
    cols = np.clip(np.round(pts[:, 0]).astype(int), 0, img.shape[1] - 1)
    return img[rows, cols].min(axis=1) > 215


def test_lanes_leave_a_light_channel_between_them(two_on_one_line):
    fig = race_figure.plot_race(two_on_one_line, size=SIZE, dpi=DPI)
    ax = fig.axes[0]
    _without_marks(ax)
    img = _pixels(fig)
    xy = two_on_one_line[0].xy[5:25]  # along y = 0, past the first swings
    low, high = sorted(ps.lane[10] for ps in path_styles(two_on_one_line.trajectories))
    # across from one lane's middle to the other's, every half pixel: the light between
    cuts = np.arange(low, high + 1e-9, 0.5 * 72 / DPI)
    light = np.array([_light(img, lane_points(ax, xy, d)) for d in cuts])
    channel = 0.5 * light.sum(axis=0)  # px of light between the two lines, at each place
    assert np.mean(channel >= CHANNEL_PX) >= 0.8, np.percentile(channel, [10, 50])


def test_lane_spacing_holds_a_line_and_a_channel():
    assert (LANE - 2.6) * DPI / 72 >= CHANNEL_PX + 1  # and a pixel of antialiasing
