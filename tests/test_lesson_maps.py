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
    # between the flat top and the map's top: on the line, the words were struck through
    assert gd**2 < top.xy[1] < ax.get_ylim()[1]
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


def test_the_edge_of_divergence_runs_between_cells_not_along_them():
    # phase_momentum: the edge drawn around the diverged cells was a staircase of cells;
    # the rate measured past the edge places it where the closed form's edge (its
    # spectral radius at 1) runs, within a small fraction of a cell
    from matplotlib.figure import Figure

    from optviz.analysis import phase

    m = phase("elliptic", "momentum", ("lr", 0.02, 0.3, "log"), ("momentum", 0.0, 0.9),
              n=24, steps=200, workers=1)  # fmt: skip
    with plots.offscreen():
        ax = phaseplots.plot_phase(m, dpi=60, closed_form=False, colorbar=False, legend=False)
    (edge,) = [c for c in ax.collections if c.get_gid() == "edge"]
    formula = Figure().add_subplot().contour(m.x, m.y, m.closed_form, levels=[1.0])

    def in_cells(paths):
        xy = np.concatenate([p.vertices for p in paths])
        return np.column_stack([np.log(xy[:, 0]) / np.log(m.x[1] / m.x[0]), xy[:, 1] / m.y[1]])

    drawn, exact = in_cells(edge.get_paths()), in_cells(formula.get_paths())
    off = np.hypot(*(drawn[:, None, :] - exact[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    assert off.max() < 0.1  # around the cells, up to half a cell


def test_a_contour_loses_its_specks_and_keeps_its_line():
    from matplotlib.figure import Figure

    ax = Figure(figsize=(6, 4), dpi=100).add_subplot()
    x = y = np.linspace(0, 1, 80)
    field = np.where(y[:, None] > 0.5, 1.0, 0.0) + 0.0 * x[None, :]
    field[20, 10] = 1.0  # a one-cell speck below the line
    cs = ax.contour(x, y, field, levels=[0.5])
    before = sum(len(p.vertices) for p in cs.get_paths())
    phaseplots.drop_specks(ax, cs)
    pts = np.concatenate([p.vertices for p in cs.get_paths()])
    assert 0 < len(pts) < before
    assert np.allclose(pts[:, 1], pts[0, 1], atol=0.02)  # only the line at y ≈ 0.5 is left


def test_an_arrow_counts_the_lines_on_its_shaft_not_at_its_point():
    across = np.array([[0.5, y] for y in np.linspace(0, 1, 21)])  # a line at x = 0.5
    assert lesson_maps._on_arrow(across, (0.1, 0.5), np.array([0.9, 0.5])) > 0
    assert lesson_maps._on_arrow(across, (0.1, 0.5), np.array([0.52, 0.5])) == 0  # its point
    assert lesson_maps._on_arrow(across, (0.1, 0.5), np.array([0.3, 0.9])) == 0


def test_islands_of_either_kind_are_ringed_large_enough_to_see():
    # phase_network: the "small outlined islands" the key named were 8-pixel specks
    from types import SimpleNamespace

    d = np.zeros((10, 10), bool)
    d[:, 6:] = True  # the edge
    d[3, 2] = True  # a diverged cell among trained ones
    d[5, 8] = False  # a trained cell among diverged ones
    m = SimpleNamespace(diverged=d, x=np.arange(10.0), y=np.arange(10.0), closed_form=None)
    assert lesson_maps.islands(m) == [(2.0, 3.0)]
    assert lesson_maps.islands(m, trained=True) == [(8.0, 5.0)]
    with plots.offscreen():
        fig = plots.new_figure("16:9", 100)
    ax = fig.add_subplot()
    lesson_maps._ring_islands(ax, m)
    rings = [ln for ln in ax.get_lines() if ln.get_gid() == "island-ring"]
    assert len(rings) == 2
    assert all(ln.get_markersize() * 100 / 72 >= 16 for ln in rings)  # pixels across
    names = [h.get_label() for h in lesson_maps._legend_handles("light", m)]
    assert lesson_maps.ISLANDS_NAME in names


def test_the_edge_field_agrees_with_the_diverged_cells_whatever_their_rate():
    # a trained cell without a rate (NaN) or a blown-up one without a growth above 1
    # must not move the edge off the map's grey cells
    from types import SimpleNamespace

    rate = np.array([[0.5, np.nan, 0.9, 1.2, np.nan, 0.7]])
    blew = np.array([[np.nan, np.nan, np.nan, 40.0, 12.0, 9.0]])
    m = SimpleNamespace(surface=object(), metrics={"rate": rate, "diverged": blew},
                        diverged=np.array([[False, False, False, True, True, True]]))  # fmt: skip
    field, level = phaseplots.edge_field(m)
    assert ((field > level) == m.diverged).all()
