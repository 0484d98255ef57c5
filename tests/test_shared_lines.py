"""Paths that share a line are drawn side by side along the shared stretch, each in its own
colour and dash pattern (:mod:`optviz.render.lanes`): not as a wide solid band with the
other inside it (monkey_saddle, saddle, rosenbrock_race), and not one exactly under the
other (adaptive_ravine)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from test_visibility import PROBE, _pixels

import optviz as ov
from optviz.render import lanes, race_figure, style
from optviz.render.animate import _Engine, animate
from optviz.render.paths import LANE, path_styles

SIZE, DPI = (8.0, 4.5), 100  # as on a projector: 100 dpi


@pytest.fixture(scope="module")
def three_on_one_line():
    """Three runs with the same updates: one line drawn three times (as the three
    schedules of ``schedules`` before the first decay)."""
    opts = ["gd:lr=0.05", "momentum:lr=0.05,momentum=0", "gd:lr=0.05"]
    race = ov.race("elliptic", opts, start=(-2.5, 1.5), steps=60)
    for t in race[1:]:
        np.testing.assert_allclose(t.xy, race[0].xy, rtol=0, atol=1e-12)
    return race


def lane_points(ax, xy: np.ndarray, shift: float) -> np.ndarray:
    """Points every ~3 px along the path ``xy`` (data), moved ``shift`` points across
    it as its lane is (pixels)."""
    pix = ax.transData.transform(xy)
    lengths = np.r_[0, np.cumsum(np.linalg.norm(np.diff(pix, axis=0), axis=1))]
    at = np.arange(0, lengths[-1], 3.0)
    pts = np.column_stack([np.interp(at, lengths, pix[:, k]) for k in (0, 1)])
    return pts + lanes.across(pts) * shift * DPI / 72


def probe_seen(img: np.ndarray, pts: np.ndarray, reach: int) -> np.ndarray:
    """For each point (pixels): a probe-coloured pixel within ``reach`` px of it."""
    h = img.shape[0]
    probe = np.linalg.norm(img.astype(float) - np.array(to_rgb(PROBE)) * 255, axis=-1) < 60
    return np.array(
        [
            probe[
                max(h - round(y) - reach, 0) : h - round(y) + reach + 1,
                max(round(x) - reach, 0) : round(x) + reach + 1,
            ].any()
            for x, y in pts
        ]
    )


def _without_marks(ax) -> None:
    """Hide the runs' identity marks (:mod:`optviz.render.path_marks`): they sit on
    their lines by design; what is measured here is the lines."""
    from optviz.render.path_marks import PathMarks

    for line in ax.get_lines():
        if isinstance(line, PathMarks):
            line.set_visible(False)


def _lines_side_by_side(img, ax, race, i) -> None:
    """Run ``i``'s colour shows all along its lane of the shared line, and its dash
    pattern there: gaps on its lane where it is dashed (a wide solid band hid them)."""
    xy = race[0].xy[2:25]  # clear of the start ring and the balls
    shift = path_styles(race.trajectories)[i].lane[10]
    pts = lane_points(ax, xy, shift)
    assert probe_seen(img, pts, 3).mean() >= 0.9  # its colour all along the stretch
    if style.linestyle(i) != "-":
        on_line = probe_seen(img, pts, 0).mean()
        assert 0.2 <= on_line <= 0.85, on_line  # dashes, with the gaps between them


@pytest.mark.parametrize("i", [0, 1, 2])
def test_every_path_of_a_shared_line_shows_with_its_dashes_in_a_still(
    three_on_one_line, i, recolor_run
):
    recolor_run(i, PROBE)
    fig = race_figure.plot_race(three_on_one_line, size=SIZE, dpi=DPI)
    ax = fig.axes[0]
    _without_marks(ax)
    _lines_side_by_side(_pixels(fig), ax, three_on_one_line, i)


@pytest.mark.parametrize("i", [1, 2])
def test_every_path_of_a_shared_line_shows_with_its_dashes_in_a_frame(
    three_on_one_line, i, recolor_run
):
    recolor_run(i, PROBE)
    engine = _Engine(animate(three_on_one_line, fps=2, duration=1, size=SIZE, dpi=DPI))
    try:
        _without_marks(engine.panels[0])
        img = engine.frame(60.0)
        _lines_side_by_side(img, engine.panels[0], three_on_one_line, i)
        for m, ps in zip(engine.movers, engine.styles, strict=True):
            assert m.trail.get_linestyle() == race_figure_legend_style(ps)  # legend is true
    finally:
        engine.close()


def race_figure_legend_style(ps) -> str:
    from optviz.render.paths import legend_handle

    return legend_handle(ps, "light").get_linestyle()


def test_lanes_are_a_line_apart_centred_on_the_shared_line(three_on_one_line):
    styles = path_styles(three_on_one_line)
    middle = sorted(ps.lane[10] for ps in styles)
    assert middle == pytest.approx([-LANE, 0.0, LANE])
    assert LANE * DPI / 72 >= 2.6 * DPI / 72 + 1  # a line's width and a pixel between
    assert all(ps.map_linestyle == ps.linestyle for ps in styles)
    assert all(ps.halo for ps in styles)


def test_panels_share_no_line(three_on_one_line):
    # one panel each: no path lies on another, so none is moved aside
    assert {ps.lane for ps in path_styles(three_on_one_line, one_map=False)} == {None}


@pytest.fixture(scope="module")
def monkey():
    """The catalog's monkey saddle: GD and momentum down one line, momentum on past
    where GD stops."""
    return ov.race("monkey_saddle", ["gd", "momentum"], steps=100)


def test_only_the_shared_stretch_is_drawn_aside(monkey):
    gd, mom = (np.asarray(ps.lane) for ps in path_styles(monkey.trajectories))
    x = monkey[1].xy[:, 0]
    end = monkey[0].xy[-1, 0]  # where GD stops
    assert np.all(gd[5:] != 0) and np.all(mom[(x > end + 0.1) & (x < 1.2)] != 0)
    assert np.all(mom[x < end - 0.1] == 0)  # beyond GD's end: on its own line
    assert np.sign(gd[-1]) != np.sign(mom[np.argmin(np.abs(x - end - 0.2))])


def test_off_the_shared_stretch_a_path_keeps_its_place_and_dashes(monkey, recolor_run):
    recolor_run(1, PROBE)
    fig = race_figure.plot_race(monkey, size=SIZE, dpi=DPI)
    ax = fig.axes[0]
    _without_marks(ax)
    img = _pixels(fig)
    alone = monkey[1].xy[(monkey[1].xy[:, 0] < -0.3) & (monkey[1].xy[:, 0] > -1.3)]
    pts = lane_points(ax, alone, 0.0)
    on_line = probe_seen(img, pts, 0).mean()
    assert 0.3 <= on_line <= 0.85, on_line  # on its own line, dashed


def test_noisy_runs_scribbling_over_the_same_spots_share_no_line():
    # three noisy runs around a bowl's minimum, seen close up: every stretch of one passes
    # near some step of another, often in its direction, yet none runs along another, so
    # none is moved aside (lanes through a scribble would make it wider still)
    from dataclasses import replace

    from optviz.catalog import parse_domain, surface

    bowl = replace(surface("quadratic"), domain=parse_domain([-0.6, 0.6, -0.45, 0.45]))
    runs = [
        ov.race(bowl, ["sgd:lr=0.1,grad_noise=1"], start=(0.5, 0.35), steps=300, seed=seed)[0]
        for seed in (1, 2, 5)
    ]
    assert {ps.lane for ps in path_styles(runs)} == {None}
    assert all(ps.halo for ps in path_styles(runs))
