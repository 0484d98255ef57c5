"""Paths that share a line stay visible along all of it: the lower ones as bands on both
sides of the upper (a sleeve), not as dashes that show each colour a third of the way."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from test_visibility import PROBE, _pixels

import optviz as ov
from optviz.render import race_figure, style
from optviz.render.animate import _Engine, animate

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


def covered_stretch(img: np.ndarray, ax, xy: np.ndarray, reach: int = 4) -> float:
    """The share of points every ~3 px along the path ``xy`` (data) with a probe-coloured
    pixel within ``reach`` px: 1 where the probe's line shows all along it."""
    h = img.shape[0]
    pix = ax.transData.transform(xy)
    lengths = np.r_[0, np.cumsum(np.linalg.norm(np.diff(pix, axis=0), axis=1))]
    at = np.arange(0, lengths[-1], 3.0)
    pts = np.column_stack([np.interp(at, lengths, pix[:, k]) for k in (0, 1)])
    probe = np.linalg.norm(img.astype(float) - np.array(to_rgb(PROBE)) * 255, axis=-1) < 60
    seen = [
        probe[
            max(h - int(y) - reach, 0) : h - int(y) + reach + 1, int(x) - reach : int(x) + reach + 1
        ].any()
        for x, y in pts
    ]
    return float(np.mean(seen))


def _without_marks(ax) -> None:
    """Hide the runs' identity marks (:mod:`optviz.render.path_marks`): they sit on the
    shared line by design, each run's in turn; what is measured here is the lines."""
    from optviz.render.path_marks import PathMarks

    for line in ax.get_lines():
        if isinstance(line, PathMarks):
            line.set_visible(False)


def _probe(monkeypatch, i: int) -> None:
    palette = list(style.PALETTE)
    palette[i] = PROBE
    monkeypatch.setattr(style, "PALETTE", tuple(palette))


@pytest.mark.parametrize("i", [0, 1, 2])
def test_every_path_of_a_shared_line_shows_all_along_it_in_a_still(
    three_on_one_line, i, monkeypatch
):
    _probe(monkeypatch, i)
    fig = race_figure.plot_race(three_on_one_line, size=SIZE, dpi=DPI)
    ax = fig.axes[0]
    _without_marks(ax)
    img = _pixels(fig)
    xy = three_on_one_line[0].xy[2:25]  # clear of the start ring and the balls
    assert covered_stretch(img, ax, xy) >= 0.9


@pytest.mark.parametrize("i", [0, 2])
def test_every_path_of_a_shared_line_shows_all_along_it_in_a_frame(
    three_on_one_line, i, monkeypatch
):
    _probe(monkeypatch, i)
    engine = _Engine(animate(three_on_one_line, fps=2, duration=1, size=SIZE, dpi=DPI))
    try:
        _without_marks(engine.panels[0])
        img = engine.frame(60.0)
        ax = engine.panels[0]
        xy = three_on_one_line[0].xy[2:25]
        assert covered_stretch(img, ax, xy) >= 0.9
    finally:
        engine.close()


def test_panels_share_no_line(three_on_one_line):
    # one panel each: no path lies on another, so none is widened into a sleeve
    from optviz.render.paths import path_styles

    assert {ps.width for ps in path_styles(three_on_one_line, one_map=False)} == {1.0}
    assert len({ps.width for ps in path_styles(three_on_one_line)}) == 3


def test_a_sleeve_is_narrow_and_its_top_line_keeps_its_dash(three_on_one_line):
    # each layer only a few px wider than the one above (a wide band buries thin paths),
    # and the top line drawn in the dash pattern the legend shows for it
    from optviz.render.paths import path_styles

    styles = sorted(path_styles(three_on_one_line), key=lambda ps: ps.width)
    px = 2.6 * 100 / 72  # a plain line width in the animation, in px at 100 dpi
    for upper, lower in zip(styles, styles[1:], strict=False):
        assert 3.0 <= (lower.width - upper.width) * px <= 4.0  # a band of 1.5 to 2 px each side
        assert lower.map_linestyle == "-"
    top = styles[0]
    assert top.linestyle != "-" and top.map_linestyle == top.linestyle


def test_noisy_runs_scribbling_over_the_same_spots_share_no_line():
    # three noisy runs around a bowl's minimum, seen close up: every stretch of one passes
    # near some step of another, often in its direction, yet none runs along another, so
    # none is widened into a sleeve (the lowest, a wide band, made the map one scribble)
    from dataclasses import replace

    from optviz.catalog import parse_domain, surface
    from optviz.render.paths import path_styles

    bowl = replace(surface("quadratic"), domain=parse_domain([-0.6, 0.6, -0.45, 0.45]))
    runs = [
        ov.race(bowl, ["sgd:lr=0.1,grad_noise=1"], start=(0.5, 0.35), steps=300, seed=seed)[0]
        for seed in (1, 2, 5)
    ]
    assert {ps.width for ps in path_styles(runs)} == {1.0}
    assert all(ps.halo for ps in path_styles(runs))
