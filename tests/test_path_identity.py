"""Every path and loss curve keeps its identity at slide distance (1280x720), in greyscale
too: each run's marker along its path on every stretch, drawn over the other paths;
every path at least 3 px wide over a halo; a few markers per loss curve, not one per
step; and the heads of the curves whole inside the figure."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from test_visibility import PROBE

import optviz as ov
from optviz.render import path_marks, paths, style
from optviz.render.animate import _Engine, animate
from optviz.scenes import load_scene

SLIDE = dict(size="16:9", dpi=100, fps=2, duration=1)  # 1280x720, as on a projector


def _engine(race, **kw) -> _Engine:
    return _Engine(animate(race, **{**SLIDE, **kw}))


@pytest.fixture(scope="module")
def scribbles():
    """The race of ``rosenbrock_race``: momentum zig-zags down the valley (its dashes fall
    on one another and draw solid), Adam runs on momentum's line along the valley floor."""
    opts = ["gd:lr=0.001", "momentum:lr=0.001,momentum=0.9", "adam:lr=0.1"]
    return ov.race("rosenbrock", opts, start=(-1.2, 1.0), steps=500)


@pytest.fixture(scope="module")
def scribbles_frame(scribbles):
    engine = _engine(scribbles)
    try:
        engine.frame(500.0)
        yield engine
    finally:
        engine.close()


def _pixel_path(ax, xy: np.ndarray) -> np.ndarray:
    """The path ``(t, 2)`` in pixels, every ~3 px along it, inside the axes."""
    pix = ax.transData.transform(xy)
    run = np.r_[0, np.cumsum(np.hypot(*np.diff(pix, axis=0).T))]
    at = np.arange(0, run[-1], 3.0)
    pts = np.column_stack([np.interp(at, run, pix[:, k]) for k in (0, 1)])
    box = ax.bbox
    inside = (pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1)
    return pts[inside & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)]


def test_every_stretch_of_every_path_carries_its_runs_marker(scribbles, scribbles_frame):
    # dashes are lost where a path scribbles or lies under another: wherever a path runs,
    # a mark of its own shape is near (within the spacing, and the room kept for another
    # path's mark), so it is told apart without colour on any stretch of it
    engine = scribbles_frame
    ax = engine.panels[0]
    reach = path_marks.SPACING + path_marks.APART + 3
    for m, traj, ps in zip(engine.movers, scribbles.trajectories, engine.styles, strict=True):
        marks = getattr(m, "marks", None)
        assert marks is not None, f"{traj.label}: no marks along its path"
        assert marks.get_marker() == ps.marker
        xy = np.column_stack(marks.get_data())
        assert len(xy) >= 2
        own = ax.transData.transform(np.vstack([xy, traj.xy[-1:]]))  # the ball: its shape too
        pts = _pixel_path(ax, traj.xy)
        start = ax.transData.transform(traj.xy[:1])[0]
        pts = pts[np.hypot(*(pts - start).T) > path_marks.CLEAR_OF_START]
        gap = np.hypot(*(pts[:, None, :] - own[None]).transpose(2, 0, 1)).min(axis=1)
        assert gap.max() <= reach, f"{traj.label}: a stretch {gap.max():.0f} px from its marks"


def test_a_scribble_gets_one_mark_not_a_pile(scribbles_frame):
    # momentum's zig-zags run ~10x the screen distance they cover: marks stay spaced
    ax = scribbles_frame.panels[0]
    for m in scribbles_frame.movers:
        own = ax.transData.transform(np.column_stack(m.marks.get_data()))
        d = np.hypot(*(own[:, None] - own[None]).transpose(2, 0, 1)) + np.eye(len(own)) * 1e9
        # placed SPACING apart on the true line, each then moves with its path into its
        # lane (:mod:`optviz.render.lanes`), a lane's width at most
        assert d.min() >= path_marks.SPACING - 1 - paths.LANE * 100 / 72


def test_marks_show_over_every_other_path(scribbles, recolor_run):
    # each mark is drawn over the paths (adam's line lies on momentum's): its colour shows
    # at its place, wherever no ball or landmark sits on it
    recolor_run(1, PROBE)  # momentum
    engine = _engine(scribbles)
    try:
        img = engine.frame(500.0)
        ax = engine.panels[0]
        marks = getattr(engine.movers[1], "marks", None)
        assert marks is not None
        own = ax.transData.transform(np.column_stack(marks.get_data()))
        balls = ax.transData.transform(np.array([t.xy[-1] for t in scribbles.trajectories]))
        star = ax.transData.transform([[1.0, 1.0]])
        clear = [p for p in own if np.hypot(*(np.r_[balls, star] - p).T).min() > 20]
        assert len(clear) >= 3
        probe = np.linalg.norm(img.astype(float) - np.array(to_rgb(PROBE)) * 255, axis=-1) < 60
        h = img.shape[0]
        for x, y in clear:
            r, c = h - int(round(y)), int(round(x))
            assert probe[r - 2 : r + 3, c - 2 : c + 3].sum() >= 12, (x, y)
    finally:
        engine.close()


def test_a_few_starts_are_drawn_as_wide_as_one_and_over_a_halo():
    # sam_sharp_flat, tiny_net_init: two starts each were 2 px lines without an outline
    race = load_scene("gallery/sam_sharp_flat.toml").race()
    engine = _engine(race)
    try:
        for m in engine.movers:
            assert m.trail.get_linewidth() * 100 / 72 >= 3.0
            assert m.halo is not None
            assert m.trail.get_alpha() in (None, 1, 1.0)
    finally:
        engine.close()


def test_no_path_is_a_hairline(scribbles):
    # the top line of a sleeve is as wide as any path (it was 2.9 px beside 5.8 px)
    twins = ov.race("elliptic", ["gd:lr=0.05", "momentum:lr=0.05,momentum=0"],
                    start=(-2.5, 1.5), steps=30)  # fmt: skip
    for race in (scribbles, twins):
        styles = paths.path_styles(race.trajectories)
        px = [paths.line_width(2.6, False) * ps.width * 100 / 72 for ps in styles]
        assert min(px) >= 3.5
        assert max(px) / min(px) <= 2.7
    assert paths.line_width(2.6, True) * 100 / 72 >= 3.0  # a cloud too


def test_a_shared_start_is_no_shared_line():
    # linreg_scaled: GD drops straight down, Adam heads across; only the start is common.
    # The long first step of GD counted as shared made a sleeve: Adam thin, GD wide
    race = ov.race("linreg_scaled", ["gd:lr=0.006", "adam:lr=0.05"], start=(-0.5, 1.7), steps=150)
    assert [ps.lane for ps in paths.path_styles(race.trajectories)] == [None, None]


@pytest.fixture(scope="module")
def overshoot():
    """``momentum_overshoot``: momentum's loss saws up and down every step."""
    return load_scene("gallery/momentum_overshoot.toml").race()


def test_a_loss_curve_gets_a_few_markers_evenly_along_the_panel(overshoot):
    # a marker on every tooth of a saw-tooth curve made a solid wedge of them
    engine = _engine(overshoot, loss=True)
    try:
        engine.frame(100.0)
        for line, _dot, (at, _y), _note in engine.loss_lines:
            every = line.get_markevery()
            assert isinstance(every, list), every
            assert 6 <= len(every) <= 10
            xs = at[every, 0]
            gaps = np.diff(xs)
            assert gaps.max() <= 1.3 * gaps.min()
        half = engine.frame(50.0)  # while the curve grows, only the points drawn so far
        assert half is not None
        for line, *_ in engine.loss_lines:
            assert all(i < 50 for i in line.get_markevery())
    finally:
        engine.close()


def test_the_heads_of_the_curves_are_whole_inside_the_figure():
    # lbfgs_line_search: the loss panel reached the figure's right edge, which cut its
    # curves' end markers in half
    race = load_scene("gallery/lbfgs_line_search.toml").race()
    engine = _engine(race, loss="evals")
    try:
        engine.frame(float(len(race.trajectories[0].loss) - 1))
        renderer = engine.canvas.get_renderer()
        width = engine.fig.bbox.width
        for _line, dot, _curve, _note in engine.loss_lines:
            box = dot.get_window_extent(renderer)
            assert box.x1 <= width - 1, box
    finally:
        engine.close()


def test_paths_on_a_still_3d_view_carry_their_marks_too():
    # saddle_3d: GD's thin line on momentum's wide one turned olive; the marks tell them apart
    race = ov.race("saddle", ["gd:lr=0.05", "momentum:lr=0.03"], start=(-1.8, 0.0), steps=50)
    engine = _engine(race, kind="3d", rotate=False)
    try:
        engine.frame(50.0)
        renderer = engine.canvas.get_renderer()
        for m in engine.movers:
            marks = getattr(m, "marks", None)
            assert marks is not None
            assert len(marks.get_xdata()) >= 2
            box = marks.get_window_extent(renderer)
            assert engine.panels[0].bbox.overlaps(box)
    finally:
        engine.close()


@pytest.mark.parametrize("size", ["small", "16:9"])
def test_no_mark_sits_beside_a_ball(size):
    # a mark right behind a ball read as a second ball (on a small map the marks sit on
    # every short stretch), and one beside another run's ball as that ball's: every mark
    # keeps clear of every ball, in a still and in every frame
    from optviz.render import race_figure

    opts = ["gd:lr=0.001", "momentum:lr=0.001,momentum=0.9"]
    race = ov.race("rosenbrock", opts, start=(-1.2, 1.0), steps=300)
    clear = path_marks.CLEAR_OF_BALL - 0.5

    def gaps(ax, marks, heads) -> float:
        own = ax.transData.transform(np.vstack([np.column_stack(m.get_data()) for m in marks]))
        balls = ax.transData.transform(np.array(heads))
        assert len(own)
        return np.hypot(*(own[:, None, :] - balls[None]).transpose(2, 0, 1)).min()

    fig = race_figure.plot_race(race, size=size, dpi=100)
    fig.canvas.draw()
    ax = fig.axes[0]
    marks = [ln for ln in ax.get_lines() if isinstance(ln, path_marks.PathMarks)]
    assert len(marks) == 2
    assert gaps(ax, marks, [t.xy[-1] for t in race.trajectories]) >= clear
    engine = _Engine(animate(race, size=size, dpi=100, fps=2, duration=1))
    try:
        for s in (60.0, 150.5, 300.0):
            engine.frame(s)
            k = int(s)
            heads = [t.xy[k] + (s - k) * (t.xy[min(k + 1, 300)] - t.xy[k]) for t in race]
            marks = [m.marks for m in engine.movers]
            assert gaps(engine.panels[0], marks, heads) >= clear
    finally:
        engine.close()


def test_the_first_runs_balls_share_no_shape_with_a_landmark():
    # a diamond ball beside the saddle's diamond read as the saddle (and a triangle as a
    # maximum): the shapes of the landmarks come only after five runs
    from optviz.render.landmarks import LANDMARK_MARKERS

    landmarks = {m for m, _size in LANDMARK_MARKERS.values() if isinstance(m, str)}
    landmarks -= {"o", "s"}  # a degenerate point's and an inflection's: rare, drawn hollow
    assert not {style.marker(i) for i in range(5)} & landmarks
    assert len(set(style.MARKERS)) == len(style.MARKERS)


def test_a_mark_sits_only_where_a_step_landed():
    # marks spaced along a long straight leg were counted as steps: GD on Booth "arrives
    # at step 2" while its path carried 6 dots; every mark is an iterate of its run
    race = ov.race("booth", ["gd:lr=0.09", "adam:lr=0.5"], start=(-8.0, 6.0), steps=25)
    engine = _engine(race)
    try:
        engine.frame(25.0)
        ax = engine.panels[0]
        marks = [m for m in ax.get_lines() if isinstance(m, path_marks.PathMarks)]
        assert len(marks) == 2 and sum(len(m.get_xdata()) for m in marks) >= 2
        lane_px = paths.LANE * engine.fig.dpi / 72  # a mark goes with its path into its lane
        for m, traj in zip(marks, race, strict=True):
            xy = ax.transData.transform(np.c_[m.get_xdata(), m.get_ydata()])
            steps = ax.transData.transform(traj.xy.reshape(-1, 2))
            gap = np.linalg.norm(xy[:, None] - steps[None], axis=-1).min(axis=1)
            assert gap.max() <= lane_px + 1e-6, (traj.label, gap)  # legs: tens of px apart
    finally:
        engine.close()
