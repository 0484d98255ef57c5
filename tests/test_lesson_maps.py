"""Phase maps that teach one lesson: words that cannot be confused, the edge of
divergence in sight over the lesson's line, plain decades on loss bars."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.render import lesson_maps, phaseplots, plots


@pytest.fixture(scope="module")
def lesson_map():
    from optviz.analysis import phase

    wide = phase("elliptic", "momentum", ("lr", 1e-3, 2.0, "log"), ("momentum", 0.0, 0.99),
                 n=24, steps=120, workers=1)  # fmt: skip
    with plots.offscreen():
        fig = lesson_maps.plot_lesson(wide, dpi=100)
    fig.canvas.draw()
    return fig


def test_a_rate_bar_speaks_in_steps_not_in_rates(lesson_map):
    # phase_momentum: "rate" on the bar and "learning rate" on the x axis meant two things
    bar = lesson_map.axes[-1]
    assert "steps" in bar.get_ylabel() and "rate" not in bar.get_ylabel()
    shown = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert shown and all(s.replace(",", "").isdigit() for s in shown), shown


def test_the_edge_of_divergence_is_drawn_over_the_lessons_line(lesson_map):
    ax = lesson_map.axes[0]
    gids = {c.get_gid(): c.get_zorder() for c in ax.collections if c.get_gid()}
    assert gids["edge"] > gids["gd-best"]


def test_the_lessons_flat_top_is_named(lesson_map):
    ax = lesson_map.axes[0]
    (top,) = [t for t in ax.texts if t.get_gid() == "flat-top"]
    gd = 24 / 26  # (κ − 1)/(κ + 1) on the elliptic bowl, κ = 25
    assert top.xy[1] == pytest.approx(gd**2)
    assert "momentum" in top.get_text()


def test_steps_to_a_tenth_and_back():
    for n in (2, 10, 29, 1000):
        assert phaseplots.steps_to_tenth(phaseplots.steps_to_tenth_inverse(n)) == pytest.approx(n)
    assert phaseplots.steps_to_tenth(0.5) == pytest.approx(np.log(10) / np.log(2))


def test_a_loss_bar_spans_at_most_eight_decades_written_plainly():
    # phase_network: a bar from 10⁻¹⁶ to 10⁻² spent its length on losses that all mean
    # "trained", in mathtext where the other slides write 1e-4
    from optviz.analysis import phase

    m = phase("elliptic", "momentum", n=10, steps=300, workers=1, metric="loss")
    finite = m.values[np.isfinite(m.values) & ~m.diverged]
    assert finite.max() / finite[finite > 0].min() > 1e10  # the map spans more
    with plots.offscreen():
        ax = phaseplots.plot_phase(m, dpi=100)
    ax.figure.canvas.draw()
    bar = ax.figure.axes[-1]
    lo, hi = bar.get_ylim()
    assert hi / lo <= 10**8 * 1.001
    shown = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert shown and not any("$" in s for s in shown), shown


def test_a_zoom_key_says_small_outlined_islands_are_diverged():
    from types import SimpleNamespace

    d = np.zeros((8, 8), bool)
    d[:, 6:] = True  # the edge
    plain = SimpleNamespace(diverged=d.copy(), x=np.arange(8.0), y=np.arange(8.0))
    d[3, 3] = True  # one island
    spotted = SimpleNamespace(diverged=d, x=np.arange(8.0), y=np.arange(8.0))
    assert lesson_maps.islands(plain) == []
    assert lesson_maps.islands(spotted) == [(3.0, 3.0)]
