"""A path is drawn only inside the view: a run that leaves it ends its trail on the edge
(its edge mark says where it went) instead of painting its jumps outside across the map."""

from __future__ import annotations

import numpy as np
import pytest
from test_visibility import PROBE, _pixels, probe_pixels

import optviz as ov
from optviz.render import race_figure
from optviz.render.animate import _Engine, animate
from optviz.render.paths import in_view

BOWL = ov.surface("elliptic", kappa=5)  # the domain is [-3, 3] x [-2, 2]


@pytest.fixture(scope="module")
def thrown_out():
    """GD over 2/5 on the bowl: out of the view at step 2, then thrown from side to side."""
    return ov.race(BOWL, ["gd:lr=0.45"], start=(-2.6, 1.5), steps=40)


def test_the_run_really_leaves_and_jumps_across(thrown_out):
    y = thrown_out[0].xy[:, 1]
    assert abs(y[2]) > 2 and np.all(np.sign(y[3:18]) != np.sign(y[2:17]))


def test_the_trail_stops_growing_once_the_path_has_left(thrown_out, recolor_run):
    recolor_run(0, PROBE)
    engine = _Engine(animate(thrown_out, fps=2, duration=1, size=(8.0, 4.5), dpi=80))
    try:
        ax = engine.panels[0]
        for m in engine.movers:  # the path alone: no ball or mark on it
            m.ball.set_visible(False)
        left = probe_pixels(engine.frame(3.0), ax.bbox)
        end = probe_pixels(engine.frame(40.0), ax.bbox)
    finally:
        engine.close()
    assert left > 50
    assert end <= 1.05 * left, (left, end)  # clipped to the view box it grew ~4x


def test_a_still_draws_only_what_is_in_view(thrown_out, recolor_run):
    recolor_run(0, PROBE)
    fig = race_figure.plot_race(thrown_out, size=(8.0, 4.5), dpi=80)
    line = next(a for a in fig.axes[0].get_lines() if a.get_color() == PROBE)
    xy = np.asarray(line.get_xydata(), float)
    xy = xy[np.isfinite(xy).all(axis=1)]
    assert np.all(np.abs(xy[:, 0]) <= 3 + 1e-9) and np.all(np.abs(xy[:, 1]) <= 2 + 1e-9)
    assert probe_pixels(_pixels(fig), fig.axes[0].bbox) > 50


def test_a_path_that_comes_back_is_drawn_again_from_the_edge():
    path = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 0.5]])
    got = in_view(path, [[-1, 1], [-1, 1]])
    np.testing.assert_allclose(got[[0, 1, 3, 4]], [[0, 0], [1, 0], [1, 0.25], [0, 0.5]])
    assert np.isnan(got[2]).all()
