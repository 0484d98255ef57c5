"""Gallery stills as a reviewer saw them: every optimizer in its own colour (never the
axes' ink, the same as in its races), ticks out of the window strip, a sharpness still
whose loss axis is spent on the spikes, small islands and the minimum's star in sight."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb

import optviz as ov
from optviz import analysis as A
from optviz.render import line_ends, plots, style, sweepplots

INK_APART = 25.0  # CIELAB units between a line and the theme's ink


def _lab(color) -> np.ndarray:
    c = np.asarray(to_rgb(color))
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ lin / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.fixture(scope="module")
def lr_sweep():
    # lr_sweep's line-up, few rates
    opts = ["gd", "momentum", "rmsprop", "adam"]
    return A.sweep("rosenbrock", opts, lrs=np.geomspace(1e-5, 3.0, 12), steps=300,
                   start=(-1.2, 1.0))  # fmt: skip


def test_no_optimizer_of_a_sweep_is_drawn_in_the_axes_ink(lr_sweep):
    # lr_sweep: RMSprop's line and bar were #222222, the key's and the axes' ink
    with plots.offscreen():
        ax = sweepplots.plot_sweep(lr_sweep, dpi=60, panels=False)
    ink = _lab(style.ink("light"))
    curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 12]
    assert len(curves) == 4
    for ln in curves:
        assert np.linalg.norm(_lab(ln.get_color()) - ink) >= INK_APART, ln.get_color()


def test_no_y_tick_runs_through_the_window_strip(lr_sweep):
    # lr_sweep: the log axis's minor ticks ran down the strip of good windows like a ruler
    with plots.offscreen():
        ax = sweepplots.plot_sweep(lr_sweep, dpi=100, panels=False)
    ax.figure.canvas.draw()
    (strip,) = [p for p in ax.patches if p.get_gid() == "window-strip"]
    top = ax.transAxes.transform((0, strip.get_height()))[1]
    lo, hi = sorted(ax.get_ylim())
    for minor in (False, True):
        ticks = [t for t in ax.yaxis.get_ticklocs(minor=minor) if lo <= t <= hi]
        assert ticks
        heights = ax.transData.transform([(1.0, t) for t in ticks])[:, 1]
        assert heights.min() > top, (minor, heights.min(), top)


def test_a_sharpness_run_has_its_optimizers_colour_as_in_a_race():
    # adaptive_edge_of_stability drew Adam in GD's blue: runs were coloured by their place
    from types import SimpleNamespace

    from optviz.render.paths import run_looks
    from optviz.render.sharpnessplots import plot_sharpness_runs

    at = np.arange(0, 301, 10)
    line = SimpleNamespace(values=np.full(300, 10.0), formula="2/lr")
    run = SimpleNamespace(label="Adam (lr 0.004)", at=at, sharpness=np.linspace(1, 9, len(at)),
                          loss=np.geomspace(1, 1e-3, 301), lr=np.full(300, 0.004), line=line,
                          preconditioned=True)  # fmt: skip
    with plots.offscreen():
        fig = plot_sharpness_runs([run], dpi=60, names=["adam"])
    race = ov.race("quadratic", ["gd", "adam"], start=(1.0, 1.0), steps=2)
    adam = run_looks(race.trajectories)[1]["color"]
    for ax in fig.axes[:2]:
        curve = next(ln for ln in ax.get_lines() if ln.get_gid() != "spike guide")
        assert curve.get_color() == adam != style.color(0)


def test_the_loss_axis_is_spent_on_the_spikes_not_on_the_first_fall():
    # adaptive_edge_of_stability: a fall from 0.6 to 0.08 in twenty steps took the axis's
    # top decade; the spikes shrank to blips
    from optviz.analysis.sharpness import SharpnessRun
    from optviz.render.sharpnessplots import plot_sharpness_runs

    steps = np.arange(3001)
    loss = 0.08 * np.exp(-steps / 600) + 1e-4
    loss[:20] = np.geomspace(0.6, loss[20], 20)
    loss[[1500, 2500]] *= 2.0
    at = np.arange(0, 3001, 100)
    run = SharpnessRun("GD", at, np.linspace(1, 9, len(at)), loss, np.full(3000, 0.2), None)
    with plots.offscreen():
        fig = plot_sharpness_runs([run], dpi=100)
    fig.canvas.draw()
    left = fig.axes[0]
    assert left.get_ylim()[1] < 0.6 / 3  # the first fall leaves at the top
    assert left.get_ylim()[1] > loss[150:].max()  # nothing after it clipped
    px = left.transData.transform([(1500, loss[1499]), (1500, loss[1500])])[:, 1]
    assert px[1] - px[0] >= 0.06 * left.bbox.height  # a spike a room can see


def test_line_colours_are_the_races_colours():
    # one colour per optimizer on every slide: the still plots' looks are the races'
    from types import SimpleNamespace as Run

    from optviz.render.paths import run_looks

    names = ["gd", "momentum", "adagrad", "rmsprop", "adam"]
    races = [look["color"] for look in run_looks([Run(optimizer=Run(name=n)) for n in names])]
    assert [look["color"] for look in line_ends.identity_looks(names)] == races
    assert len(set(races)) == len(races)


def test_the_minimums_star_stands_clear_of_the_seeds_ends():
    # noise_bands: thirty white-rimmed end dots filled the star's points and buried it
    from optviz.render import bandplots

    b = A.bands("linreg_standardized", "sgd:lr=0.05,batch_size=4", seeds=30, steps=150)
    with plots.offscreen():
        fig = bandplots.plot_bands(b, dpi=100)
    fig.canvas.draw()
    left = fig.axes[0]
    (star,) = [ln for ln in left.get_lines() if ln.get_gid() == "landmark"]  # the minimum
    cx, cy = left.transData.transform(np.column_stack(star.get_data()))[0]
    radius = star.get_markersize() / 2 * fig.dpi / 72
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    inside = np.hypot(xx - cx, (h - yy) - cy) <= radius
    seed_blue = (rgb[..., 2] - rgb[..., 0] > 90) & (rgb[..., 0] < 120)  # a dot's strong blue
    assert inside.sum() > 50
    assert seed_blue[inside].mean() < 0.05, seed_blue[inside].mean()


def _network_like_map(n: int = 40):
    """A network's map (diverged cells only, no rate): diverged above a ragged line, one
    diverged cell alone among trained ones, one trained cell alone among diverged ones,
    and a trained cell touching the trained side at a corner only."""
    from dataclasses import replace

    base = A.phase("elliptic", "gd", n=n, steps=5, workers=1)
    rows = np.arange(n)[:, None] + 0 * np.arange(n)[None, :]
    diverged = rows >= n // 2
    diverged[n // 4, n // 3] = True  # a diverged island
    diverged[3 * n // 4, 2 * n // 3] = False  # a trained island
    diverged[n // 2, n // 5 + 1] = False  # a trained cell on the edge: a corner touches
    diverged[n // 2 - 1, n // 5] = True
    loss = np.where(diverged, np.nan, 1e-4 + 1e-3 * np.random.default_rng(0).random((n, n)))
    metrics = {"loss": loss, "diverged": np.where(diverged, 3.0, np.nan)}
    return replace(base, surface=None, metric="loss", metrics=metrics, closed_form=None)


def test_an_island_shows_its_own_colour_inside_its_ring():
    # phase_network: a one-cell island sat under a 2.5 pt edge diamond and read as black
    from matplotlib.colors import to_rgb

    from optviz.render import lesson_maps
    from optviz.render.phaseplots import DIVERGED_COLOR

    m = _network_like_map()
    found = lesson_maps.islands(m) + lesson_maps.islands(m, trained=True)
    assert len(found) >= 2
    with plots.offscreen():
        fig = lesson_maps.plot_zoom(m, m, title="islands")
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float) / 255
    h = rgb.shape[0]
    right = fig.axes[1]
    cell = right.bbox.width / len(m.x)
    grey = np.asarray(to_rgb(DIVERGED_COLOR["light"]))
    for x, y in lesson_maps.islands(m):  # diverged among trained: its grey shows
        cx, cy = right.transData.transform((x, y))
        r = int(cell / 2) - 1  # the whole cell, short of its neighbours
        patch = rgb[int(h - cy) - r : int(h - cy) + r + 1, int(cx) - r : int(cx) + r + 1]
        near = np.abs(patch - grey).max(axis=-1) < 0.08
        assert near.mean() > 0.8, near.mean()
    for x, y in lesson_maps.islands(m, trained=True):  # trained among diverged: not ink
        cx, cy = right.transData.transform((x, y))
        r = int(cell / 2) - 1  # the whole cell, short of its neighbours
        patch = rgb[int(h - cy) - r : int(h - cy) + r + 1, int(cx) - r : int(cx) + r + 1]
        dark = patch.max(axis=-1) < 0.3
        assert dark.mean() < 0.1, dark.mean()
    edges = [c for ax in fig.axes[:2] for c in ax.collections if c.get_gid() == "edge"]
    assert edges and all(np.all(c.get_linewidth() * fig.dpi / 72 <= 0.25 * cell + 0.1)
                         for c in edges)  # fmt: skip


def _adam_colour() -> str:
    from optviz.render.paths import run_looks

    race = ov.race("quadratic", ["gd", "adam"], start=(1.0, 1.0), steps=2)
    return run_looks(race.trajectories)[1]["color"]


def test_a_band_of_adam_runs_is_drawn_in_adams_colour():
    # bands drew any optimizer in the first palette colour: Adam's seeds in GD's blue
    from optviz.render import bandplots

    b = A.bands("quadratic", "adam:lr=0.1", seeds=4, steps=10)
    with plots.offscreen():
        fig = bandplots.plot_bands(b, dpi=40)
    seeds = [ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) == 11]
    seeds = [ln for ln in seeds if ln.get_linestyle() == "-"]  # the full-batch run is dashed
    assert len(seeds) == 4 and {ln.get_color() for ln in seeds} == {_adam_colour()}
    (median,) = [ln for ln in fig.axes[1].get_lines() if ln.get_label() == "median"]
    assert median.get_color() == _adam_colour()


def test_an_anatomy_ball_is_its_optimizers_colour():
    # the anatomy of an Adam step put a GD-blue ball at its point
    from optviz.analysis.anatomy import anatomy
    from optviz.render.anatomy_plots import plot_anatomy

    with plots.offscreen():
        fig = plot_anatomy(anatomy("quadratic", "adam:lr=0.1", (1.0, 0.5), at=3), dpi=40)
    balls = [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "o"]
    assert balls and all(ln.get_markerfacecolor() == _adam_colour() for ln in balls)
