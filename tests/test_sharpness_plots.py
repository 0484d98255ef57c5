"""Sharpness beside its stability line: an axis without an empty top, words that say
what is drawn."""

from __future__ import annotations

import numpy as np

from optviz.render import plots


def test_the_sharpness_axis_ends_close_above_its_highest_curve():
    # adaptive_edge_of_stability and edge_of_stability: the top fifth of the axis was empty
    from optviz.analysis.sharpness import SharpnessRun
    from optviz.render.sharpnessplots import plot_sharpness_runs

    at = np.arange(0, 301, 10)
    sharp = np.linspace(1, 9, len(at))
    run = SharpnessRun("GD", at, sharp, np.geomspace(1, 1e-3, 301), np.full(300, 0.2), None)
    with plots.offscreen():
        fig = plot_sharpness_runs([run], dpi=60)
    top = fig.axes[1].get_ylim()[1]
    assert 9 < top <= 1.15 * 9
