"""The side view of a curve: each ball sits on the curve as drawn, whatever the axes'
scales, rolls, leaves dots and arcs, and the still and the animation show the race."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.render import (
    curveballs,
    paths,
    rolling,
    sideanim,
    sidecallouts,
    sidestill,
    sideview,
    style,
)


@pytest.fixture(scope="module")
def bump_race():
    return ov.race("shallow_then_deep", ["momentum:lr=0.01"], start=[[-2.0], [0.6]], steps=150)


def _rgb(canvas) -> np.ndarray:
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def _figure(race, inches):
    """A side view laid out once, its ground and landmarks hidden (the curve alone is
    measured), and its balls."""
    from matplotlib.collections import PolyCollection

    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, inches, 100, "light", None)
        ax = panels[0]
        for artist in [*ax.collections, *ax.get_lines()]:
            if isinstance(artist, PolyCollection) or artist.get_gid() == "landmark":
                artist.set_visible(False)  # the ground and the landmarks are not the curve
        fig.canvas.draw()
        fig.set_layout_engine("none")
        ps = paths.path_styles(race.trajectories, one_map=False)[0]
        balls = curveballs.Balls(ax, race.trajectories[0], ps, "light", animated=True)
        for artist in (balls.dots, balls.arcs, balls.spokes, *balls.hubs, balls.crosses):
            artist.set_visible(False)  # the balls' disks alone
        fig.canvas.draw()
    return fig, ax, balls


def _covered_radius(frame, before, px, py, centre) -> float:
    """The radius of a drawn disk from the area it covers: pixels well inside count
    whole, rim pixels by how far they moved towards the outline's ink (antialiasing)."""
    ink = np.array([0x1A, 0x1A, 0x1A])
    moved = np.abs(frame[py, px] - before[py, px]).sum(-1)
    full = np.maximum(np.abs(ink - before[py, px]).sum(-1), 1)
    rim = np.hypot(px - centre[0], py - centre[1]) > np.sqrt(len(px) / np.pi) - 2.5
    covered = np.where(rim, np.clip(moved / full, 0, 1), 1.0)
    return float(np.sqrt(covered.sum() / np.pi))


def _curve_centre_line(image: np.ndarray, near: np.ndarray, reach: float, width: float):
    """Sub-pixel points of the drawn curve's centre line near a pixel: the darkness-
    weighted middle of each stretch of dark pixels in a column or a row that cuts across
    the stroke (one that runs along it, longer than twice its ``width``, does not find
    its middle; a stretch is one line, not the curve and an axis together)."""
    ink = np.array([0x3D, 0x3D, 0x3D])
    dark = np.clip((255 - image.mean(-1)) / (255 - ink.mean()), 0, 1)
    h, w = dark.shape
    y0, y1 = int(max(near[1] - reach, 0)), int(min(near[1] + reach, h))
    x0, x1 = int(max(near[0] - reach, 0)), int(min(near[0] + reach, w))
    window = dark[y0:y1, x0:x1]
    points = []
    for lines, flip in ((window.T, False), (window, True)):  # columns, then rows
        for j, line in enumerate(lines):
            for a, b in _stretches(line > 0.02):
                part = line[a:b]
                if 0.5 < part.sum() < 2 * width:
                    middle = a + (part * np.arange(b - a)).sum() / part.sum()
                    points.append((x0 + middle, y0 + j) if flip else (x0 + j, y0 + middle))
    return np.array(points)


def _stretches(on: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], on.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


@pytest.mark.parametrize("inches", [(12.8, 3.6), (4.0, 7.2)], ids=["wide", "tall"])
def test_the_ball_is_drawn_centred_on_its_path_point_at_every_frame_whatever_the_scales(
    bump_race, inches
):
    # learning_rate_curve: balls resting on the curve had their centres off the path
    # points (the start ball's at x = -0.8 for a start at -1): a reader takes the centre
    # as the position, so the drawn disk's centroid is the point (x, f(x)) itself
    fig, ax, balls = _figure(bump_race, inches)
    page = balls.page
    assert max(page.sx, page.sy) / min(page.sx, page.sy) > 2  # unequal scales, on purpose
    canvas = fig.canvas
    curve_only = _rgb(canvas)
    background = canvas.copy_from_bbox(fig.bbox)
    x = np.asarray(bump_race.trajectories[0].xy, float)[..., 0]  # (T + 1, n)
    checked = 0
    for s in (0.0, 2.0, 4.0, 6.0, 12.0, 16.0, 20.0, 30.0, 40.0, 60.0, 150.0):
        k = int(s)
        _, _, shown, _ = balls.roll.place(s)
        canvas.restore_region(background)
        balls.update(s)
        for ball in balls.balls:
            ax.draw_artist(ball)
        frame = _rgb(canvas)
        h = frame.shape[0]
        ys, xs = np.nonzero(np.abs(frame - curve_only).sum(-1) > 8)
        points = ax.transData.transform(np.column_stack([x[k], bump_race.surface.f(x[k][:, None])]))
        points[:, 1] = h - points[:, 1]  # pixel rows from the top
        owner = np.argmin(np.hypot(xs[:, None] - points[:, 0], ys[:, None] - points[:, 1]), 1)
        for i in np.flatnonzero(shown):
            apart = np.hypot(*(np.delete(points, i, 0) - points[i]).T)
            if (apart < 2.5 * balls.radius * fig.dpi / 72).any():
                continue  # balls on one spot cover each other: no disk to measure
            px, py = xs[owner == i], ys[owner == i]
            centre = np.array([px.mean(), py.mean()]) + 0.5  # pixel centres
            radius = _covered_radius(frame, curve_only, px, py, centre - 0.5)
            assert abs(radius - balls.radius * fig.dpi / 72) < 1.0, (s, i, radius)
            assert np.hypot(*(centre - points[i])) <= 1.5, (s, i, centre, points[i])
            checked += 1
    assert checked >= 12


# -- what the view draws ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def lr_race():
    return ov.race("parabola", ["gd:lr=0.01", "gd:lr=0.4", "gd:lr=1.1"], start=[-1.0], steps=30)


def test_a_curve_race_is_one_panel_per_optimizer_on_shared_axes(lr_race):
    fig = lr_race.plot()
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["GD (lr 0.01)", "GD (lr 0.4)", "GD (lr 1.1)"]
    assert len({ax.get_xlim() for ax in panels}) == 1 and len({ax.get_ylim() for ax in panels}) == 1
    assert sideview.grid_shape(3, (12.8, 7.2), False) == (1, 3)  # no empty cell on a slide


def test_long_steps_jump_and_short_ones_roll_and_the_spoke_turns_by_the_distance(lr_race):
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(lr_race, False, "16:9", 100, "light", None)
        fig.canvas.draw()
        rolls = [
            rolling.Roll(t, rolling.Page.of(ax)) for ax, t in zip(panels, lr_race, strict=True)
        ]
    crawl, land, bounce = rolls
    assert not crawl.jumps.any()  # lr 0.01: steps of a few points, rolled
    assert bounce.jumps[:7].all()  # lr 1.1: every step across the bottom is a jump
    x = bounce.x[:, 0]
    assert np.all(np.sign(x[1:7]) == -np.sign(x[:6]))  # ... from wall to wall
    assert bounce.left_at[0] == 6 and crawl.left_at[0] == -1  # |x| > 2.5 first at step 6
    # each arc clears the curve between its ends by at least a ball's radius at its top
    arc = bounce.arcs[(2, 0)]
    data = bounce.page.to_data(arc)
    under = bounce.page.to_points(data[:, 0], lr_race.surface.f(data[:, :1]))[:, 1]
    assert (arc[1:-1, 1] >= under[1:-1]).all() and (arc[:, 1] - under).max() >= rolling.RADIUS
    # rolling without slipping: the spoke turns by the distance rolled over the radius
    _, a0, _, _ = crawl.place(0.0)
    _, a5, _, _ = crawl.place(5.0)
    rolled = np.linalg.norm(np.diff(crawl.contact[:6, 0], axis=0), axis=-1).sum()
    assert a0[0] - a5[0] == pytest.approx(rolled / rolling.RADIUS, rel=1e-3)  # clockwise: right


def test_the_still_numbers_its_strobe_and_where_a_ball_left_the_view(lr_race):
    fig = lr_race.plot()
    bounce = [ax for ax in fig.axes if ax.get_title() == "GD (lr 1.1)"][0]
    labels = {t.get_text() for t in bounce.texts if t.get_visible()}
    assert {"0", "1", "2", "3", "4", "5"} <= labels  # a ghost per bounce
    assert "left the view at step 6" in labels  # beside the cross where it left
    crawl = [ax for ax in fig.axes if ax.get_title() == "GD (lr 0.01)"][0]
    assert "30" in {t.get_text() for t in crawl.texts}  # where the last step ended


def test_a_landmark_sits_on_the_curve_and_bounces_read_on_a_projector(lr_race):
    from matplotlib.colors import to_rgba

    from optviz.render.line_ends import text_color
    from optviz.render.paths import run_colors

    fig = lr_race.plot()
    fig.canvas.draw()
    bounce = [ax for ax in fig.axes if ax.get_title() == "GD (lr 1.1)"][0]
    star = [line for line in bounce.get_lines() if line.get_gid() == "landmark"][0]
    curve_px = bounce.transData.transform((0.0, 0.0))
    mark_px = star.get_transform().transform(star.get_xydata()[0])
    assert np.hypot(*(mark_px - curve_px)) < 0.5  # at (x*, f(x*)), under a ball resting there
    # a bounce's arcs: at least 3 px wide, as opaque as 3/4 even when oldest, in a hue dark
    # enough for text (the panel's title has it too)
    arcs = [c for c in bounce.collections if c.get_linestyle()[0][1] is not None
            and c.get_linewidth()[0] == curveballs.ARC_WIDTH]  # fmt: skip
    assert arcs and arcs[0].get_segments()
    assert curveballs.ARC_WIDTH * fig.dpi / 72 >= 3.0
    rgba = arcs[0].get_colors()
    assert rgba[:, 3].min() >= 0.74
    dark = to_rgba(text_color(run_colors(lr_race.trajectories)[2]))
    assert np.allclose(rgba[:, :3], dark[:3]) and to_rgba(bounce.title.get_color())[:3] == dark[:3]


def test_a_ball_that_left_and_has_a_callout_gets_one_step_for_its_fate_not_two():
    """lr 1.1 leaves the view at step 4 (step 3, x 2.6, is still in the frame) and
    diverges at step 20: its callout, at the
    cross, tells its fate and the step it left at (a note beside it would be crossed by
    its leader), and no second step confuses."""
    from optviz.scenes import load_scene

    scene = load_scene("learning_rate_curve")
    fig = scene.race().plot(callouts=tuple(scene.verdicts()))
    fig.canvas.draw()
    bounce = [ax for ax in fig.axes if "1.1" in ax.get_title()][0]
    texts = [t.get_text().replace("\n", " ") for t in bounce.texts
             if t.get_visible() and t.get_text()]  # fmt: skip
    stories = [t for t in texts if "step" in t]  # the step it left at, told once
    # the panel's title names the run: its callout does not repeat the name
    assert len(stories) == 1 and stories[0].startswith("Diverges"), texts
    assert "left the view at step 4" in stories[0]
    cross = [line for line in bounce.get_lines() if line.get_marker() == "X"]
    assert cross and len(cross[0].get_xdata()) == 1  # where it left is still marked
    # without callouts, the note says where it left
    plain = scene.race().plot()
    bounce = [ax for ax in plain.axes if "1.1" in ax.get_title()][0]
    assert "left the view at step 4" in {t.get_text() for t in bounce.texts if t.get_visible()}


def test_a_side_callout_keeps_off_the_curve_and_the_arcs(lr_race):
    fig = lr_race.plot()
    fig.canvas.draw()
    panels = [ax for ax in fig.axes if ax.get_title()]
    balls = [curveballs.Balls(ax, t, ps, "light", animated=False)
             for ax, t, ps in zip(panels, lr_race,
                                  paths.path_styles(lr_race.trajectories, one_map=False),
                                  strict=True)]  # fmt: skip
    layer = sidecallouts.SideCallouts(lr_race, (), balls, "light", animated=False)
    pts = layer._paths_px(panels[2], 30.0)
    curve = panels[2].transData.transform(np.column_stack([np.zeros(1), np.zeros(1)]))
    assert np.hypot(*(pts - curve).T).min() < 2.0  # the curve's bottom is among them
    assert len(pts) > panels[2].bbox.height  # the curve, every couple of pixels, and arcs
    arc = balls[2].roll.arcs[(2, 0)][12]  # the middle of a jump, off the curve
    arc_px = panels[2].transData.transform(balls[2].page.to_data(arc))
    assert np.hypot(*(pts - arc_px).T).min() < 2.0


def test_pictures_of_a_curve_are_readable_and_fill_the_frame(lr_race, bump_race):
    from test_type_sizes import MIN_TEXT_PX, too_small

    from optviz.render.layout import largest_gutter

    for race in (lr_race, bump_race):
        still = race.plot()
        assert too_small(still) == []
        assert largest_gutter(still)[0] <= 0.10
        engine = race.animate(fps=2, duration=1, loss=True)._engine()
        try:
            engine.frame(10.0)
            # the running mean's note over a tall loss panel sits in its title's place but
            # is body text (losses.label_axes): held to the body size, not the title's
            notes = {ax.get_title(loc="left") for ax in engine.fig.axes}
            small = too_small(engine.fig)
            assert [t for t in small if t[1] not in notes or t[0] < MIN_TEXT_PX] == []
        finally:
            engine.close()


def test_the_velocity_arrow_points_along_the_curve_the_way_the_ball_moves():
    race = ov.race("shallow_then_deep", ["momentum:lr=0.01"], start=[-2.0], steps=40,
                   keep_state=True)  # fmt: skip
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, "16:9", 100, "light", None)
        fig.canvas.draw()
        found, scale = curveballs.velocities(race, glyphs=True)
        ps = paths.path_styles(race.trajectories, one_map=False)[0]
        balls = curveballs.Balls(panels[0], race[0], ps, "light", animated=True, velocity=found[0],
                              arrow_scale=scale)  # fmt: skip
    for s in (3.0, 8.0, 20.0):
        balls.update(s)
        arrow = balls.arrows[0]
        a, b = arrow._posA_posB  # where it starts and ends, in data
        step = balls.page.to_points(*np.array([a, b]).T)
        t = balls.roll.place(s)[3][0]
        d = (step[1] - step[0]) / np.linalg.norm(step[1] - step[0])
        assert abs(d[0] * t[1] - d[1] * t[0]) < 1e-9  # along the curve on the page
        assert np.linalg.norm(step[1] - step[0]) * fig.dpi / 72 >= 25.0  # seen on a slide
        k = int(s)
        moving = race[0].xy[k + 1, 0] - race[0].xy[k, 0]
        assert (
            np.sign(d[0]) == np.sign(-race[0].state["momentum_buffer"][k + 1, 0]) == np.sign(moving)
        )


def test_a_curve_has_no_3d_view_and_a_surface_no_side_view(tmp_path):
    from optviz import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["race", "parabola", "--3d", "-q", "-o", str(tmp_path / "x.gif")])
    assert stop.value.code == 2
    with pytest.raises(ov.OptvizError, match="no 3-D view"):
        ov.race("parabola", ["gd"], steps=3).animate(kind="3d")
    with pytest.raises(ov.OptvizError, match="kind 'side' draws a curve"):
        ov.scene_from_dict({"surface": "quadratic", "optimizers": ["gd"],
                            "render": {"kind": "side", "output": "x.png"}})  # fmt: skip


@pytest.mark.parametrize("draw", ["plot_surface", "plot_surface3d", "show_map", "show_surface"])
def test_every_map_of_a_curve_is_refused_in_one_line_naming_the_side_view(draw):
    from optviz.render import mapplots, plots, surface3d

    where = {"plot_surface": plots, "show_map": mapplots}.get(draw, surface3d)
    with pytest.raises(ov.OptvizError) as caught:
        getattr(where, draw)(ov.surface("plateau_drop"))
    message = str(caught.value)
    assert "\n" not in message and "no contour map" in message and "from the side" in message


def test_optviz_race_on_a_curve_draws_the_side_view(tmp_path, capsys):
    from optviz import cli

    out = tmp_path / "bump.png"
    with pytest.raises(SystemExit) as done:
        cli.main(["race", "shallow_then_deep", "-q", "-o", str(out)])
    assert done.value.code == 0
    table = capsys.readouterr().out
    assert "momentum(lr=0.01)" in table and out.is_file()
    from PIL import Image

    assert Image.open(out).size == (1280, 720)


# -- a jump reads as a step, the trail as a line, the opening as a picture ----------------------
JUMPY = [
    ("shallow_then_deep", "gd:lr=0.01", [-2.0]),  # the rolling ball's first steps down the wall
    ("shallow_then_deep", "momentum:lr=0.01,momentum=0.9", [-2.0]),
    ("parabola", "gd:lr=1.1", [-1.0]),  # bouncing out across the bottom
    ("flat_inflection", "momentum:lr=0.1", [1.2]),
    ("plateau_drop", "rmsprop:lr=0.05", [-2.6]),  # off the edge of the cliff
    ("plateau_drop", "adam:lr=0.2", [-2.6]),
]


@pytest.mark.parametrize("name, spec, start", JUMPY, ids=[f"{n}-{s}" for n, s, _ in JUMPY])
def test_a_jump_arc_stays_near_its_ends_and_never_under_the_curve(name, spec, start):
    race = ov.race(name, [spec], start=start, steps=60)
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, "16:9", 100, "light", None)
        fig.canvas.draw()
        roll = rolling.Roll(race[0], rolling.Page.of(panels[0]))
    assert roll.arcs, "the case has jumps"
    surface = race.surface
    for (k, _i), arc in roll.arcs.items():
        xs = roll.page.to_data(arc)[:, 0]
        under = roll.page.to_points(xs, surface.f(xs[:, None]))[:, 1]
        assert (arc[1:-1, 1] >= under[1:-1] - 1e-9).all(), (k, "through the ground")
        top = max(arc[0, 1], arc[-1, 1], under.max() + rolling.CURVE_WIDTH / 2)
        assert arc[:, 1].max() <= top + rolling.ARC_RISE + 1e-6, (k, arc[:, 1].max() - top)
        # in the frame: an arc out of the domain ends where the curve leaves the frame
        lo, hi = roll.page.to_points(np.array([roll.page.x0, roll.page.x1]), np.zeros(2))[:, 0]
        assert lo - 1e-6 <= arc[:, 0].min() and arc[:, 0].max() <= hi + 1e-6


def test_the_trail_is_a_band_along_the_curve_between_the_positions():
    """Between two positions a rolled step apart the curve is covered by the run's trail,
    wider than the curve's own stroke (a line people read, not scattered dots)."""
    race = ov.race("parabola", ["momentum:lr=0.01,momentum=0.98"], start=[-2.0], steps=40)
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, "16:9", 100, "light", None)
        ax = panels[0]
        fig.canvas.draw()
        fig.set_layout_engine("none")
        canvas = fig.canvas
        before = _rgb(canvas)
        background = canvas.copy_from_bbox(fig.bbox)
        ps = paths.path_styles(race.trajectories, one_map=False)[0]
        balls = curveballs.Balls(ax, race[0], ps, "light", animated=True)
        canvas.restore_region(background)
        balls.update(30.0)
        ax.draw_artist(balls.band)
        ax.draw_artist(balls.dots)
        after = _rgb(canvas)
    assert balls.band.get_linewidth()[0] * fig.dpi / 72 >= 2 * rolling.CURVE_WIDTH * fig.dpi / 72
    assert np.sqrt(balls.dots.get_sizes()[0]) * fig.dpi / 72 >= 2.0  # dots >= 2 px
    roll, h = balls.roll, after.shape[0]
    gaps = np.linalg.norm(np.diff(roll.contact[:31, 0], axis=0), axis=-1) * fig.dpi / 72
    dots_px = ax.transData.transform(balls.dots.get_offsets()) * (1, -1) + (0, h)
    dot_reach = (np.sqrt(balls.dots.get_sizes()[0]) / 2 + 1.0) * fig.dpi / 72 + 1.0
    checked = 0
    for k in np.flatnonzero((gaps > 16) & ~roll.jumps[:30, 0]):  # far from either dot
        xm = 0.5 * (roll.x[k, 0] + roll.x[k + 1, 0])
        fm = float(race.surface.f([xm]))
        slope = float(race.surface.grad([xm])[0])
        px, py = ax.transData.transform((xm, fm))
        n = roll.page.normal(slope) * np.array([1, -1])  # image rows grow downwards
        beyond = (rolling.CURVE_WIDTH / 2) * fig.dpi / 72 + 1.0  # off the curve's stroke
        for side in (1, -1):
            x, y = np.round([px + side * beyond * n[0], h - py + side * beyond * n[1]]).astype(int)
            if np.hypot(*(dots_px - (x, y)).T).min() <= dot_reach:
                continue  # a dot of the way back (momentum rolled past and returned) is there
            assert np.abs(after[y, x] - before[y, x]).sum() > 30, (k, side)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("name", ["rolling_ball", "learning_rate_curve", "momentum_swing"])
def test_a_curve_scene_holds_its_opening_picture_two_seconds(name):
    from optviz.scenes import load_scene

    scene = load_scene(name)
    race = scene.race()
    for r in (r for r in scene.renders if r.animated):
        o = r.options
        anim = race.animate(kind=r.kind, fps=o["fps"], duration=o["duration"],
                            hold_first=o["hold_first"], glyphs=o["glyphs"])  # fmt: skip
        still = np.flatnonzero(anim.frame_steps() > 0)[0]  # frames of step 0 beyond the hold
        assert (anim.intro_frames + still) / anim.fps >= 2.0, (r.output.name, anim.hold_first)


def test_a_swing_is_strobed_at_its_turns_and_its_numbers_read_in_order():
    race = ov.race("parabola", ["momentum:lr=0.01,momentum=0.98"], start=[-2.0], steps=150)
    fig = race.plot()
    ax = [a for a in fig.axes if a.get_title() or a.get_ylabel() == "f(x)"][0]
    numbers = sorted(int(t.get_text()) for t in ax.texts if t.get_text().isdigit())
    x = race[0].xy[:, 0, 0] if race[0].xy.ndim == 3 else race[0].xy[:, 0]
    turns = [k for k in range(1, 150) if (x[k] - x[k - 1]) * (x[k + 1] - x[k]) < 0]
    ghosts = numbers[1:-1]  # the start and the end aside
    assert len(ghosts) >= 4 and set(ghosts) <= set(turns), (ghosts, turns[:8])
    sides = np.sign(x[ghosts])
    assert (sides[1:] != sides[:-1]).all()  # out to one side, back to the other, in order
    size = {t.get_fontsize() for t in ax.texts if t.get_text().isdigit()}
    assert min(size) * fig.dpi / 72 >= 16  # step numbers readable on a slide


def test_several_starts_in_a_panel_are_numbered_and_named():
    race = ov.race("twin_wells", ["gd:lr=0.05"], start=[[0.0], [0.02]], steps=40)
    fig = race.plot()
    assert "ball 1 starts at x = 0, ball 2 at x = 0.02" in fig._suptitle.get_text()
    ax = fig.axes[0]
    numbers = [t for t in ax.texts if t.get_text() in ("1", "2") and t.get_visible()]
    assert sorted(t.get_text() for t in numbers) == ["1", "2"]
    fig.canvas.draw()
    a, b = (t.get_window_extent() for t in numbers)
    assert not a.overlaps(b)  # both readable, however close the balls


# -- turning points, start numbers, the domain's ends -----------------------------------------
def _side_panel(fig):
    return [a for a in fig.axes if a.get_title() or a.get_ylabel() == "f(x)"][0]


def test_where_a_swing_turned_back_stays_marked_under_the_curve_to_the_end():
    race = ov.race("parabola", ["momentum:lr=0.01,momentum=0.98"], start=[-2.0], steps=150)
    fig = race.plot()
    ax = _side_panel(fig)
    ticks = [c for c in ax.collections if c.get_linewidth()[0] == curveballs.TICK_WIDTH]
    assert len(ticks) == 1
    segs = ticks[0].get_segments()
    x = race[0].xy[:, 0, 0] if race[0].xy.ndim == 3 else race[0].xy[:, 0]
    turns = [k for k in range(1, 150) if (x[k] - x[k - 1]) * (x[k + 1] - x[k]) < 0]
    assert len(segs) >= 5  # the swings' reaches, out to one side and back to the other
    sides = []
    for seg in segs:
        k = min(turns, key=lambda t: np.hypot(*(seg[0] - (x[t], x[t] ** 2))))
        assert abs(seg[0, 0] - x[k]) < 0.05  # hangs where the ball turned ...
        under = seg[:, 1] < seg[:, 0] ** 2  # ... under the curve (f = x²), not over the ball
        assert under.all(), seg
        sides.append(np.sign(x[k]))
    assert (np.array(sides[1:]) != np.array(sides[:-1])).all()  # alternate walls, in order
    key = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "turned back" in key and "global minimum" in key  # one key, read together


@pytest.mark.parametrize("spec", ["gd:lr=0.01", "momentum:lr=0.01,momentum=0.75"])
def test_a_run_that_never_swings_has_no_ticks_and_no_key_for_them(spec):
    """GD crawls one way; μ 0.75 overshoots the bottom by a hair and rests there (a tick
    would hide under the ball, saying nothing)."""
    fig = ov.race("parabola", [spec], start=[-2.0], steps=150).plot()
    ax = _side_panel(fig)
    ticks = [c for c in ax.collections if c.get_linewidth()[0] == curveballs.TICK_WIDTH]
    assert all(len(c.get_segments()) == 0 for c in ticks)
    key = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "turned back" not in key


def test_start_numbers_read_like_titles():
    race = ov.race("twin_wells", ["gd:lr=0.05"], start=[[0.0], [0.02]], steps=40)
    fig = race.plot()
    numbers = [t for t in fig.axes[0].texts if t.get_text() in ("1", "2")]
    assert numbers and min(t.get_fontsize() for t in numbers) * fig.dpi / 72 >= 22


@pytest.mark.parametrize("start", [-2.5, 2.5])
def test_a_ball_at_the_domains_end_stays_whole_inside_its_panel(start):
    race = ov.race("parabola", ["gd:lr=0.0001"], start=[start], steps=3)
    fig = race.plot()
    fig.canvas.draw()
    ax = _side_panel(fig)
    box = ax.get_window_extent()
    disks = [p for p in ax.patches if p.get_visible() and p.get_zorder() == 6]
    assert disks
    for ball in disks:
        b = ball.get_window_extent()
        clear = 4.0  # px between the ball and the panel's frame: it does not lean on it
        assert box.x0 + clear <= b.x0 and b.x1 <= box.x1 - clear and b.y1 <= box.y1, (b, box)


@pytest.mark.parametrize("name", ["momentum_swing", "learning_rate_curve"])
def test_a_scene_callout_covers_no_ball_and_no_step_number_and_keeps_names_whole(name):
    from matplotlib.patches import Circle

    from optviz.scenes import load_scene

    scene = load_scene(name)
    fig = scene.race().plot(callouts=tuple(scene.verdicts()))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    layer = next(a for ax in fig.axes for a in ax.artists
                 if isinstance(a, sidecallouts.SideCallouts))  # fmt: skip
    checked = 0
    for _, (run, _), label, _ in layer.items:
        ax = layer.run_axes[run]
        if not label.get_visible():
            continue
        x0, y0, x1, y1 = layer.box_px[id(label)]
        for line in label.get_text().split("\n"):  # "(μ 0.98)" on one line
            assert line.count("(") == line.count(")"), label.get_text()
        marks = [p.get_window_extent(renderer) for p in ax.patches
                 if isinstance(p, Circle) and p.get_visible()]  # fmt: skip
        marks += [t.get_window_extent(renderer) for t in ax.texts
                  if t.get_visible() and t.get_text().isdigit()]  # fmt: skip
        for m in marks:
            apart = m.x1 <= x0 or x1 <= m.x0 or m.y1 <= y0 or y1 <= m.y0
            assert apart, (label.get_text(), m, (x0, y0, x1, y1))
        checked += 1
    assert checked >= 2


def test_a_ball_that_leaves_the_view_is_crossed_out_on_the_frames_edge():
    """GD at lr 1.1 on x² leaves over the top of the frame: its cross is where the curve
    meets the frame's top, not at the domain's end inside the view (a ball still seen
    there would still be in the view)."""
    race = ov.race("parabola", ["gd:lr=1.1"], start=[-1.0], steps=30)
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, "16:9", 100, "light", None)
        fig.canvas.draw()
        ax = panels[0]
        roll = rolling.Roll(race[0], rolling.Page.of(ax))
    assert roll.left_at[0] == 6
    x, y = roll.page.to_data(roll.edge_points())[0]
    (x0, _), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert y == pytest.approx(y1, abs=0.01 * (y1 - y0))  # on the frame's top
    assert x < race.surface.domain[0][0] and x0 <= x  # past the domain's end, in the frame
    assert y == pytest.approx(race.surface.f(np.array([[x]]))[0], rel=1e-6)  # on the curve


def test_a_callout_keeps_off_a_landmark_where_it_is_drawn():
    """The box a callout keeps off is around the landmark as drawn."""
    from optviz.render.sidecallouts import SideCallouts

    race = ov.race("twin_wells", ["gd:lr=0.05"], start=[0.25], steps=5)
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, "16:9", 100, "light", None)
        fig.canvas.draw()
        ax = panels[0]
        (hump,) = [
            ln for ln in ax.lines if ln.get_gid() == "landmark" and ln.get_label() == "maximum"
        ]
        drawn = hump.get_transform().transform([[0.0, 0.0]])[0]
        boxes = np.vstack(SideCallouts._markers(ax))
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        assert np.min(np.hypot(*(centres - drawn).T)) < 1e-6


@pytest.fixture(scope="module", params=["momentum_swing", "rolling_ball", "learning_rate_curve"])
def scene_still(request):
    """A side-view gallery still as shipped, drawn, with its callout layer."""
    from optviz.scenes import load_scene

    scene = load_scene(request.param)
    fig = scene.race().plot(callouts=tuple(scene.verdicts()))
    fig.canvas.draw()
    layer = next(a for ax in fig.axes for a in ax.artists
                 if isinstance(a, sidecallouts.SideCallouts))  # fmt: skip
    return fig, layer


def test_a_side_callout_covers_no_curve_trail_or_turning_tick(scene_still):
    """The curve, the trail rolled and the "turned back" ticks are what a side view shows:
    no callout box lies over them (momentum_swing's box once hid the rising path)."""
    _, layer = scene_still
    for _, (run, _), label, _ in layer.items:
        if not label.get_visible():
            continue
        ax = layer.run_axes[run]
        # a line grazing the box's frame hides nothing: 2.5 px of it may be crossed
        x0, y0, x1, y1 = np.asarray(layer.box_px[id(label)]) + 2.5 * np.array([1, 1, -1, -1])
        ticks = sidecallouts._segments_px(ax, layer.balls[run].ticks.get_segments())
        ink = np.vstack([layer._paths_px(ax, layer.steps), ticks])
        inside = (ink[:, 0] > x0) & (ink[:, 0] < x1) & (ink[:, 1] > y0) & (ink[:, 1] < y1)
        assert not inside.any(), (label.get_text(), (x0, y0, x1, y1), ink[inside][:3])


def test_ghost_balls_stand_apart_and_clear_of_the_end_balls_ring(scene_still):
    """A strobe's ghosts keep ground between them and stay off the ring a callout draws
    around the end ball (momentum_swing's ghost 110 once sat under ball 150's ring)."""
    _, layer = scene_still
    ring = 4.0 + 1.0  # points the ring (2 r + 8 across, with its line) adds to a ball
    for b in layer.balls:
        ghosts = np.array(b.ghosts).reshape(-1, 2)
        end, _, shown, _ = b.roll.place(float(b.roll.steps))
        for i, g in enumerate(ghosts):
            others = np.delete(ghosts, i, axis=0)
            if len(others):
                assert np.hypot(*(others - g).T).min() >= 2 * b.radius + 2.0
            if shown.any():  # (a ball that left the view ends as a cross at the edge)
                assert np.hypot(*(end[shown] - g).T).min() >= 2 * b.radius + ring + 2.0


def test_step_numbers_read_at_18_px_and_a_still_draws_no_spoke(scene_still):
    fig, layer = scene_still
    px = fig.dpi / 72
    numbers = [t for ax in fig.axes for t in ax.texts if t.get_text().isdigit()]
    assert numbers and min(t.get_fontsize() * px for t in numbers) >= 18.0
    for b in layer.balls:  # the spoke shows rolling; in a still nothing explains it
        assert not b.spokes.get_visible() and not any(h.get_visible() for h in b.hubs)


def test_a_cross_where_a_ball_left_is_drawn_whole_inside_the_panel(lr_race):
    fig = lr_race.plot()
    fig.canvas.draw()
    bounce = next(ax for ax in fig.axes if ax.get_title() == "GD (lr 1.1)")
    (cross,) = [ln for ln in bounce.lines if ln.get_marker() == "X"]
    half = cross.get_markersize() / 2 * fig.dpi / 72
    (x, y), box = bounce.transData.transform(cross.get_xydata())[0], bounce.bbox
    assert box.x0 + half <= x <= box.x1 - half and box.y0 + half <= y <= box.y1 - half


def test_the_cross_where_a_ball_left_is_drawn_whole_inside_its_axes(lr_race):
    # learning_rate_curve and catalog parabola: the cross at the top corner was cut by
    # the axes' corner; it stands whole inside the frame, clear of the spines
    fig, panels, _ = sideview.side_layout(lr_race, False, "16:9", 100, "light", None)
    fig.canvas.draw()
    fig.set_layout_engine("none")
    ax = panels[2]
    ps = paths.path_styles(lr_race.trajectories, one_map=False)[2]
    balls = curveballs.Balls(ax, lr_race.trajectories[2], ps, "light", animated=False)
    balls.update(float(lr_race.trajectories[2].steps))
    (x,), (y,) = balls.crosses.get_data()
    cx, cy = ax.transData.transform((x, y))
    half = (curveballs.CROSS_PT / 2 + balls.crosses.get_markeredgewidth()) * fig.dpi / 72
    box = ax.bbox
    assert box.x0 + half < cx < box.x1 - half, (cx, box)
    assert box.y0 + half < cy < box.y1 - half, (cy, box)


def test_ghost_balls_are_opaque_tints_in_a_full_ink_outline(lr_race):
    # momentum_swing, rolling_ball: translucent ghosts (alpha 0.35) washed out on a projector
    from matplotlib.colors import to_rgba

    fig = sidestill.plot_side(lr_race, size="small", dpi=50)
    ghosts = fig.findobj(lambda a: a.get_gid() == "ghost")
    assert ghosts
    for ghost in ghosts:
        assert ghost.get_alpha() in (None, 1.0)
        assert to_rgba(ghost.get_facecolor())[3] == 1.0
        assert to_rgba(ghost.get_edgecolor()) == to_rgba(style.ink("light"))


def test_an_animation_draws_no_spoke_either(lr_race):
    # flat_inflection, shallow_then_deep: the white needle in the ball was unexplained
    from optviz.render.animate import animate

    engine = sideanim.SideEngine(animate(lr_race, kind="side", fps=2, duration=1, dpi=50))
    try:
        engine.frame(0.0)
        engine.frame(12.5)
        for b in engine.balls:
            assert not b.spokes.get_visible() and not any(h.get_visible() for h in b.hubs)
    finally:
        engine.close()
