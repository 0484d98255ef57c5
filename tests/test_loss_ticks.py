"""Loss axes a room reads: powers of ten only (no minor-tick clutter such as "6×10⁻¹"
beside "10⁰"), and a flat curve at the top of the axis is not drawn on its edge."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.render import loss_plot


@pytest.fixture(scope="module")
def short_fall():
    """A loss that falls about one decade: matplotlib labels minor ticks on such an axis."""
    return ov.race("quadratic", ["gd:lr=0.01"], start=(1.0, 1.0), steps=60)


def _labels(ax) -> list[str]:
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    ticks = [*ax.yaxis.get_major_ticks(), *ax.yaxis.get_minor_ticks()]
    return [t.label1.get_text() for t in ticks if t.label1.get_visible() and t.label1.get_text()
            and lo <= t.get_loc() <= hi]  # fmt: skip


def test_the_loss_falls_about_a_decade(short_fall):
    loss = short_fall[0].loss
    assert 5 < loss[0] / loss[-1] < 20


def test_a_loss_axis_labels_powers_of_ten_only(short_fall):
    ax = loss_plot.plot_loss(short_fall)
    labels = _labels(ax)
    assert labels, "some tick is labelled"
    assert all(lab.startswith("$\\mathdefault{10^{") for lab in labels), labels


def test_a_flat_curve_keeps_off_the_top_edge():
    # GD stalled on a plateau above a falling run: its flat line must not lie on the edge
    race = ov.race("plateau_cliff", ["gd:lr=0.5", "adam:lr=0.1"], steps=300)
    ax = loss_plot.plot_loss(race)
    lo, hi = np.log10(ax.get_ylim())
    top = np.log10(np.nanmax(ax.get_lines()[0].get_ydata()))
    assert (hi - top) / (hi - lo) >= 0.04
