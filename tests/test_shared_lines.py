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


# ------------------------------------------------------------------ shipped scenes
NEAR_PX, RUN_PX, SEEN = 7.0, 25.0, 0.5  # two strokes' width; a stretch; its share in sight
SCENES = ["saddle", "monkey_saddle", "beale", "rastrigin", "double_well",
          "g:saddle_escape", "g:rosenbrock_race", "g:long_furrow"]  # fmt: skip


def _scene_race(name: str):
    from optviz.render import audit
    from optviz.scenes.build import load_scene

    if name.startswith("g:"):
        return load_scene(f"gallery/{name[2:]}.toml").race()
    return audit.lesson_race(name)


def _every(px: np.ndarray, step: float = 2.0) -> np.ndarray:
    """Points every ``step`` px along the polyline ``px`` (NaN rows dropped)."""
    px = px[np.isfinite(px).all(axis=1)]
    run = np.r_[0, np.cumsum(np.linalg.norm(np.diff(px, axis=0), axis=1))]
    at = np.arange(0, run[-1], step)
    return np.column_stack([np.interp(at, run, px[:, k]) for k in (0, 1)])


def _distance(pts: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance to the polyline ``line`` (pixels)."""
    a, b = line[:-1], line[1:]
    ab = b - a
    ap = pts[:, None] - a[None]
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1)
    return np.linalg.norm(ap - t[..., None] * ab, axis=-1).min(axis=1)


def shared_stretch(ax, paths_xy: list[np.ndarray], i: int) -> np.ndarray:
    """Run ``i``'s points (pixels, every 2 px) that lie within :data:`NEAR_PX` of another
    run's path (where they lie, before any lane), on stretches :data:`RUN_PX` and longer."""
    me = _every(ax.transData.transform(paths_xy[i]))
    near = np.zeros(len(me), bool)
    for j, xy in enumerate(paths_xy):
        if j != i:
            other = ax.transData.transform(xy)
            near |= _distance(me, other[np.isfinite(other).all(axis=1)]) < NEAR_PX
    return me[lanes._long_stretches(near, int(RUN_PX / 2))]


def seen_share(engine, i: int) -> float | None:
    """The share of run ``i``'s line pixels (drawn in the probe colour) along its shared
    stretches in sight on the held last frame, against it drawn alone; ``None``: it
    shares no stretch."""
    from optviz.render import audit

    ax = engine.panels[0]
    _without_marks(ax)
    xy = [np.asarray(m.xy).reshape(len(m.xy), -1, 2)[:, 0] for m in engine.movers]
    pts = shared_stretch(ax, xy, i)
    if not len(pts):
        return None
    m = engine.movers[i]
    lines = [x for x in (m.trail, m.faint, m.tail) if x is not None]
    colors = [x.get_color() for x in lines]
    for x in lines:
        x.set_color(audit.PROBE)
    try:
        together = engine.frame(float(len(m.xy) - 1)).copy()
        engine.canvas.restore_region(engine.background)
        for x in sorted([y for y in (m.halo, *lines) if y is not None], key=lambda a: a.zorder):
            ax.draw_artist(x)
        alone = np.asarray(engine.canvas.buffer_rgba())[..., :3]
    finally:
        for x, c in zip(lines, colors, strict=True):
            x.set_color(c)
    near = np.zeros(together.shape[:2], bool)  # within 6 px of the stretch: its lane too
    h = together.shape[0]
    for x, y in np.round(pts).astype(int):
        near[max(h - y - 6, 0) : h - y + 7, max(x - 6, 0) : x + 7] = True
    probe = [
        np.linalg.norm(im.astype(float) - audit.PROBE_RGB, axis=-1) < 60 for im in (together, alone)
    ]
    return (probe[0] & near).sum() / max((probe[1] & near).sum(), 1)


@pytest.mark.parametrize("name", SCENES)
def test_every_run_along_a_shared_stretch_shows_in_a_shipped_scene(name):
    # saddle: GD, SGD and momentum along y = 0; beale: GD's first steps under momentum's;
    # rastrigin: GD's short path under Adagrad's; saddle_escape: GD under SGD for 38 steps
    race = _scene_race(name)
    engine = _Engine(animate(race, fps=2, duration=1))
    try:
        shares = [seen_share(engine, i) for i in range(len(race.trajectories))]
    finally:
        engine.close()
    assert any(s is not None for s in shares), name  # the scene has a shared stretch
    assert all(s is None or s >= SEEN for s in shares), (name, shares)


def test_a_lone_path_keeps_its_place():
    # saddle: Adam leaves the start alone at 45°; GD and momentum share y = 0
    import optviz as ov

    specs = ["gd:lr=0.05", "momentum:lr=0.03,momentum=0.9", "adam:lr=0.025"]
    race = ov.race("saddle", specs, start=(-1.8, 1e-4), steps=50)
    styles = path_styles(race.trajectories)
    assert styles[2].lane is None and all(s.lane is not None for s in styles[:2])


def test_lanes_ease_in_and_out_at_a_shared_stretchs_ends(monkey):
    # momentum leaves GD's line where GD stops: its shift falls off over a slope of
    # several steps, not at one step from the full lane to none
    mom = np.abs(np.asarray(path_styles(monkey.trajectories)[1].lane))
    inside = mom[(mom > 0.05 * LANE / 2) & (mom < 0.95 * LANE / 2)]
    assert len(inside) >= 2


# ------------------------------------------------------------------ one order across a line
NEAR = lanes.COINCIDENT * 0.08  # closer than a tie (a tenth of COINCIDENT) to the next path


def _near_lines(k: int) -> list[np.ndarray]:
    """``k`` paths ``(T+1, 1, 2)`` (map spans) along y = 0.5, each :data:`NEAR` above
    the one before: next to each other they lie on one line, two apart they do not."""
    x = np.linspace(0.1, 0.9, 80)
    return [np.column_stack([x, 0.5 + j * NEAR + 0 * x])[:, None] for j in range(k)]


def _lane_visibility(k: int) -> list[float]:
    """Each of :func:`_near_lines`'s ``k`` paths drawn in its lane (drawing order the
    reverse of how they lie, as a solid long path may come first), in its own dash and
    probe colour: the share of its pixels in sight with the others drawn over it,
    against it drawn alone."""
    import matplotlib.pyplot as plt

    from optviz.render.audit import PROBE_RGB

    xy = _near_lines(k)
    order = list(range(k))[::-1]
    shifts, _ = lanes.lanes(xy, order, LANE)
    shares = []
    for probe in range(k):
        counts = []
        for alone in (False, True):
            fig, ax = plt.subplots(figsize=SIZE, dpi=DPI)
            ax.set(xlim=(0, 1), ylim=(0, 1))
            for depth, i in enumerate(order):
                if alone and i != probe:
                    continue
                color = PROBE if i == probe else "#0077BB"
                line = ax.plot(*xy[i][:, 0].T, color=color, lw=2.6, zorder=5 + depth,
                               ls=style.linestyle(i), solid_capstyle="butt")[0]  # fmt: skip
                lanes.keep_lane(line, shifts[i])
            img = _pixels(fig)
            plt.close(fig)
            counts.append(
                (np.linalg.norm(img[..., :3].astype(float) - PROBE_RGB, axis=-1) < 60).sum()
            )
        shares.append(counts[0] / max(counts[1], 1))
    return shares


@pytest.mark.parametrize("k", [3, 4])
def test_paths_on_one_line_each_keep_a_lane_of_their_own(k):
    # decided pair by pair, paths a tie apart (ranked by drawing order) and two ties
    # apart (ranked by where they lie) went round in a circle: three took one lane
    shares = _lane_visibility(k)
    assert min(shares) >= 0.6, shares
    middles = sorted(
        float(s[40]) for s in lanes.lanes(_near_lines(k), list(range(k))[::-1], LANE)[0].values()
    )
    assert np.diff(middles) == pytest.approx([LANE] * (k - 1))


def test_gd_sgd_and_momentum_at_one_rate_on_the_saddle_each_show():
    # all three along y = 0 at lr 0.05 (the lesson gives momentum 0.03 for its own
    # reasons): GD and SGD took one lane and GD showed 25% along the shared stretch
    specs = ["gd:lr=0.05", "sgd:lr=0.05,grad_noise=0.2", "momentum:lr=0.05,momentum=0.9"]
    race = ov.race("saddle", specs, start=(-1.8, 1e-4), steps=50)
    engine = _Engine(animate(race, fps=2, duration=1))
    try:
        shares = [seen_share(engine, i) for i in range(3)]
    finally:
        engine.close()
    assert all(s is not None and s >= 0.6 for s in shares), shares
