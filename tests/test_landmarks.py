"""Landmarks in race views: saddles, global and local minima, and a count instead of a
crowd, the same in the still plot, the animation and the 3-D view."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.catalog.critical import critical_points, landmarks
from optviz.render import race_figure
from optviz.render.animate import _Engine, animate
from optviz.render.paths import start_marker_style


def marked(ax) -> dict[str, np.ndarray]:
    """Landmark kind -> the (n, 2) positions marked on ``ax``."""
    return {
        line.get_label(): np.c_[line.get_xdata(), line.get_ydata()]
        for line in ax.get_lines()
        if line.get_gid() == "landmark"
    }


def legends(fig) -> list:
    """Every legend of ``fig``: under the figure, or in an axes (the legend cell)."""
    return [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]


def race_of(name, steps=30):
    s = ov.surface(name)
    return ov.race(s, ["gd:lr=0.01", "adam:lr=0.05"], start=s.starts[0], steps=steps)


def test_a_saddle_is_marked_in_the_still_the_animation_and_the_3d_view():
    race = ov.race("saddle", ["gd:lr=0.05"], start=(-1.8, 0.05), steps=20)
    views = [race_figure.plot_race(race, size="small", dpi=40).axes[0]]
    views.append(race_figure.plot_race(race, kind="3d", size="small", dpi=40).axes[0])
    engine = _Engine(animate(race, loss=True, fps=2, duration=1, size="small", dpi=40))
    views.append(engine.panels[0])
    for ax in views:
        marks = marked(ax)
        assert list(marks) == ["saddle"]
        np.testing.assert_allclose(marks["saddle"], [[0.0, 0.0]], atol=1e-9)  # x² − y²
        (line,) = [a for a in ax.get_lines() if a.get_label() == "saddle"]
        assert line.get_marker() == "D"
    # the animation's legend names it too (after the optimizers, when they are there)
    texts = [t.get_text() for legend in legends(engine.fig) for t in legend.get_texts()]
    assert texts[-1:] == ["saddle"] and texts.count("saddle") == 1
    engine.close()


def test_himmelblaus_four_equal_minima_are_all_global():
    ax = race_figure.plot_race(race_of("himmelblau"), size="small", dpi=40).axes[0]
    marks = marked(ax)
    assert set(marks) == {"global minimum"}  # its saddles and maximum: no lesson needs them
    s = ov.surface("himmelblau")
    assert len(marks["global minimum"]) == 4
    np.testing.assert_allclose(s.f(marks["global minimum"]), 0.0, atol=1e-12)
    assert len(landmarks("himmelblau").of_kind("saddle")) == 4  # the surface alone: all


def test_global_and_local_minima_look_different_and_match_the_values():
    s = ov.surface("six_hump_camel")
    ax = race_figure.plot_race(race_of("six_hump_camel"), size="small", dpi=40).axes[0]
    marks = marked(ax)
    lowest = np.nanmin(s.grid(400)[2])
    glob, local = s.f(marks["global minimum"]), s.f(marks["local minimum"])
    assert len(glob) == 2 and len(local) >= 1  # those its runs come to (all 4: the surface's)
    assert len(landmarks(s).of_kind("local minimum")) == 4
    np.testing.assert_allclose(glob, lowest, atol=1e-3)  # a fine grid's lowest value
    assert local.min() > glob.max() + 0.1
    for xy in [p.xy for p in landmarks(s).of_kind("local minimum")]:  # real minima: H > 0
        assert np.linalg.norm(s.grad(xy)) < 1e-8
        assert np.linalg.eigvalsh(s.hess(xy)).min() > 0
    line = {a.get_label(): a for a in ax.get_lines() if a.get_gid() == "landmark"}
    # both hollow (a ball resting on one covers only its middle), told apart by their ink
    assert line["global minimum"].get_markeredgecolor() == "black"
    assert line["local minimum"].get_markeredgecolor() == "white"


def test_a_crowd_of_critical_points_becomes_the_global_minimum_alone():
    fig = race_figure.plot_race(race_of("rastrigin"), loss=True, size="small", dpi=40)
    ax = fig.axes[0]
    shown = sum(len(xy) for xy in marked(ax).values())
    assert 1 <= shown <= 30
    np.testing.assert_allclose(marked(ax)["global minimum"], [[0.0, 0.0]], atol=1e-9)
    total = len(critical_points("rastrigin"))
    assert total > 400
    texts = [t.get_text() for legend in legends(fig) for t in legend.get_texts()]
    assert texts[-1] == "global minimum"  # the legend names only what is drawn
    assert not any("critical points" in t for t in texts)


def test_landmarks_are_drawn_over_every_path_and_under_the_balls():
    # a path that loops over the minimum (momentum's last orbits) buried the star the
    # lesson is about; a hollow outline over the paths hides little of them
    race = race_of("himmelblau")
    ax = race_figure.plot_race(race, size="small", dpi=40).axes[0]
    runs = [a for a in ax.get_lines() if (a.get_gid() or "").startswith("optimizer")]
    paths = [a.get_zorder() for a in runs if a.get_linestyle() not in ("None", "")]
    balls = [a.get_zorder() for a in runs if a.get_linestyle() in ("None", "")]
    landmarks = [a.get_zorder() for a in ax.get_lines() if a.get_gid() == "landmark"]
    assert paths and balls and landmarks
    assert max(paths) < min(landmarks) and max(landmarks) < min(balls)
    assert max(landmarks) < start_marker_style("light")["zorder"] < 8  # animated balls: 8 up


def test_a_catalog_minimum_without_a_hessian_is_still_marked_global():
    # Ackley's minimum is a kink (no gradient there): it comes from the catalog
    marks = landmarks("ackley")
    assert [p.xy for p in marks.points] == [(0.0, 0.0)]
    assert marks.left_out == len(critical_points("ackley"))


@pytest.mark.parametrize("limit", [0, 3])
def test_the_limit_keeps_only_global_minima(limit):
    marks = landmarks("styblinski_tang", limit=limit)
    assert [p.kind for p in marks.points] == ["global minimum"]
    assert marks.left_out == len(critical_points("styblinski_tang")) - 1


def test_a_ball_resting_on_a_saddle_leaves_the_saddle_visible():
    # gd started on the stable line y = 0 of x² − y² stops on the saddle itself: the
    # ball is drawn on it, over the diamond's plate, whose outline stays whole round it
    from matplotlib.colors import to_rgb

    race = ov.race("saddle", ["gd:lr=0.1"], start=(-1.8, 0.0), steps=100)
    np.testing.assert_allclose(race.trajectories[0].xy[-1], [0.0, 0.0], atol=1e-8)
    engine = _Engine(animate(race, fps=2, duration=1))
    try:
        rgb = engine.frame(100.0).astype(float)
        ax = engine.panels[0]
        (plate,) = [a for a in ax.get_lines() if a.get_gid() == "landmark-rest"
                    and len(a.get_xdata())]  # fmt: skip
        assert plate.get_marker() == "D"
        x, y = ax.transData.transform((0.0, 0.0))
        row, col = rgb.shape[0] - y, x
        # a "D" marker is a unit square turned 45°, scaled by the marker size
        half = np.sqrt(0.5) * plate.get_markersize() * engine.fig.dpi / 72  # centre to vertex
        ball = np.array(to_rgb(engine.movers[0].color)) * 255
        r = (engine.movers[0].ball.get_markersize() / 2 + 1.7) * engine.fig.dpi / 72
        assert r + 1 < half / np.sqrt(2)  # the diamond's edges lie outside the ball and rim
        # the ball sits on the saddle's point
        drawn = ax.transData.transform(np.c_[engine.movers[0].ball.get_data()])[0]
        assert np.hypot(drawn[0] - x, drawn[1] - y) <= 2.0
        t = np.linspace(0.2, 0.8, 7)  # points along the diamond's four edges
        corners = [(half, 0), (0, half), (-half, 0), (0, -half), (half, 0)]
        edge = [(a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s)
                for a, b in zip(corners[:-1], corners[1:], strict=True) for s in t]  # fmt: skip
        pixels = np.array([rgb[int(round(row - dy)), int(round(col + dx))] for dx, dy in edge])
        differs = np.linalg.norm(pixels - ball, axis=1) > 120
        assert differs.mean() > 0.6, differs
    finally:
        engine.close()


@pytest.mark.parametrize("surface", ["quadratic", "three_hump_camel"])
def test_a_ball_resting_on_a_minimum_leaves_the_whole_star_in_sight(surface):
    # a star's waist was narrower than a ball: a ball on it cut the outline into five loose
    # tips, which read as a star of the ball's colour; the whole outline must stay in sight
    from matplotlib.colors import to_rgb
    from matplotlib.markers import MarkerStyle

    race = ov.race(surface, ["gd:lr=0.1"], start=(0.3, 0.2), steps=300)
    (star_xy,) = [p.xy for p in landmarks(surface).points if p.kind == "global minimum"]
    np.testing.assert_allclose(race.trajectories[0].xy[-1], star_xy, atol=1e-6)
    engine = _Engine(animate(race, fps=2, duration=1))
    try:
        rgb = engine.frame(300.0).astype(float)
        ax = engine.panels[0]
        (star,) = [a for a in ax.get_lines() if a.get_label() == "global minimum"]
        style = MarkerStyle(star.get_marker())
        outline = style.get_transform().transform(style.get_path().vertices)
        outline *= star.get_markersize() * engine.fig.dpi / 72  # marker units to pixels
        x, y = ax.transData.transform(star_xy)
        t = np.linspace(0.05, 0.95, 10)[:, None]
        edge = np.vstack([a + (b - a) * t for a, b in zip(outline[:-1], outline[1:], strict=True)])
        rows = np.round(rgb.shape[0] - y - edge[:, 1]).astype(int)
        cols = np.round(x + edge[:, 0]).astype(int)
        ball = np.array(to_rgb(engine.movers[0].color)) * 255
        differs = np.linalg.norm(rgb[rows, cols] - ball, axis=1) > 120
        assert differs.mean() > 0.9, np.flatnonzero(~differs)  # its own path crosses one edge
    finally:
        engine.close()


def test_an_animation_draws_the_landmarks_after_the_trails_and_before_the_balls(monkeypatch):
    # the background holds the contours; a landmark drawn into it lay under every trail
    from matplotlib.axes import Axes

    race = ov.race("gaussian_wells", ["momentum:lr=0.1,momentum=0.95"], start=(-2.6, -2.0),
                   steps=60)  # fmt: skip
    engine = _Engine(animate(race, fps=5, duration=1))
    try:
        drawn = []
        original = Axes.draw_artist
        monkeypatch.setattr(Axes, "draw_artist", lambda ax, a: (drawn.append(a), original(ax, a)))
        engine.frame(30.0)
    finally:
        engine.close()
    mover = engine.movers[0]
    where = {id(a): k for k, a in enumerate(drawn)}
    under = [where[id(a)] for a in engine.landmarks if a.get_gid() == "landmark"]
    over = [where[id(a)] for a in engine.landmarks if a.get_gid() == "landmark-over"]
    assert under and all(a.get_animated() for a in engine.landmarks)
    assert where[id(mover.trail)] < min(under) and max(under) < where[id(mover.ball)]
    # each minimum's hairline again over the balls: a ball resting on it leaves it whole
    assert len(over) == 2 and min(over) > where[id(mover.ball)]


def test_balls_fanned_out_on_a_minimum_leave_the_star_readable_and_stay_in_sight():
    # two balls resting on one minimum are fanned out across the star's arms: the star's
    # hairline is drawn again over the map but around the balls, not across them (read as
    # a ball hidden under the star); each ball keeps its pixels and the star shows its arms
    from matplotlib.colors import to_rgb
    from matplotlib.markers import MarkerStyle

    from optviz.render import audit

    race = ov.race("quadratic", ["gd:lr=0.1", "momentum:lr=0.05"], start=(0.3, 0.2), steps=300)
    for t in race.trajectories:
        np.testing.assert_allclose(t.xy[-1], [0.0, 0.0], atol=1e-6)
    engine = _Engine(animate(race, fps=2, duration=1))
    try:
        assert min(audit.ball_share(engine, i, 300.0) for i in (0, 1)) >= 0.97
        rgb = engine.frame(300.0).astype(float)
        ax = engine.panels[0]
        (star,) = [a for a in ax.get_lines() if a.get_label() == "global minimum"]
        style = MarkerStyle(star.get_marker())
        outline = style.get_transform().transform(style.get_path().vertices)
        outline *= star.get_markersize() * engine.fig.dpi / 72
        x, y = ax.transData.transform((0.0, 0.0))
        t = np.linspace(0.05, 0.95, 10)[:, None]
        edge = np.vstack([a + (b - a) * t for a, b in zip(outline[:-1], outline[1:], strict=True)])
        rows = np.round(rgb.shape[0] - y - edge[:, 1]).astype(int)
        cols = np.round(x + edge[:, 0]).astype(int)
        colours = [np.array(to_rgb(m.color)) * 255 for m in engine.movers]
        differs = np.all([np.linalg.norm(rgb[rows, cols] - c, axis=1) > 120 for c in colours], 0)
        heads = [np.c_[m.ball.get_data()] for m in engine.movers]
        centres = np.vstack([ax.transData.transform(h) for h in heads])
        reach = engine.movers[0].ball.get_markersize() * engine.fig.dpi / 72 / 2 + 1.5
        clear = np.hypot(*((np.c_[x, y] + edge)[:, None] - centres[None]).transpose(2, 0, 1))
        clear = clear.min(axis=1) > reach  # the outline's points off every ball
        assert differs[clear].mean() > 0.9, np.flatnonzero(clear & ~differs)
        assert clear.mean() > 0.4  # about half the star's outline is off the balls: its arms
    finally:
        engine.close()


def test_the_global_minimum_is_filled_under_the_paths_and_so_in_the_legend():
    # on a grey map a hollow global star and a hollow local one looked alike
    from optviz.render.landmarks import GLOBAL_FILL
    from optviz.render.paths import FAINT_ALPHA

    fig = race_figure.plot_race(race_of("six_hump_camel"), size="small", dpi=40)
    ax = fig.axes[0]
    (fill,) = [a for a in ax.get_lines() if a.get_gid() == "landmark-fill"]
    np.testing.assert_allclose(np.c_[fill.get_xdata(), fill.get_ydata()],
                               marked(ax)["global minimum"])  # fmt: skip
    runs = [a for a in ax.get_lines() if (a.get_gid() or "").startswith("optimizer")]
    # under every full path (a path's faint revisits of ground it crossed go under it)
    full = [
        a for a in runs if a.get_linestyle() not in ("None", "") and a.get_alpha() != FAINT_ALPHA
    ]
    assert full and fill.get_markerfacecolor() == GLOBAL_FILL
    assert fill.get_zorder() < min(a.get_zorder() for a in full)
    faces = {t.get_text(): h.get_markerfacecolor() for legend in legends(fig)
             for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}  # fmt: skip
    assert faces["global minimum"] == GLOBAL_FILL and faces["local minimum"] == "none"


def test_a_flat_point_is_named_in_plain_words_and_not_drawn_as_a_start_ring():
    race = ov.race("monkey_saddle", ["gd:lr=0.02"], start=(1.3, 0.0), steps=5)
    for kind in ("contour", "3d"):
        ax = race_figure.plot_race(race, kind=kind, size="small", dpi=40).axes[0]
        flat = [a for a in ax.get_lines() if a.get_gid() == "landmark"]
        assert [a.get_label() for a in flat] == ["flat point"]
        assert flat[0].get_marker() != start_marker_style("light")["marker"]


def test_a_race_marks_only_the_landmarks_its_lesson_needs():
    # six_hump_camel drew 13 markers (4 local minima, 6 saddles, 2 maxima) for a lesson
    # about two minima: a race marks the global minima, the points its runs end at and
    # the named kinds a path comes near; a surface asks for all with all_landmarks
    import dataclasses

    from optviz.render import audit

    race = audit.lesson_race("six_hump_camel")
    marks = marked(race_figure.plot_race(race, size="small", dpi=40).axes[0])
    assert set(marks) == {"global minimum", "local minimum"}
    # its [view] all_minima: every basin marked, and still none of its saddles or maxima
    assert len(marks["global minimum"]) == 2 and len(marks["local minimum"]) == 4
    gd_end = np.asarray(race[0].xy, float)[-1].ravel()
    assert np.min(np.hypot(*(marks["local minimum"] - gd_end).T)) < 0.05  # where GD stops
    goldstein = marked(race_figure.plot_race(audit.lesson_race("goldstein_price"),
                                             size="small", dpi=40).axes[0])  # fmt: skip
    assert sum(map(len, goldstein.values())) == 2  # its lesson's two minima, of 9 points
    saddle = marked(race_figure.plot_race(audit.lesson_race("saddle"), size="small",
                                          dpi=40).axes[0])  # fmt: skip
    assert "saddle" in saddle  # named by stuck(gd, at=saddle)
    s = race.surface
    every = dataclasses.replace(s, view=dataclasses.replace(s.view, all_landmarks=True))
    wide = ov.race(every, list(s.lesson.optimizers), start=s.lesson.starts, steps=20)
    shown = marked(race_figure.plot_race(wide, size="small", dpi=40).axes[0])
    assert sum(map(len, shown.values())) == len(landmarks(s).points)


def goal_arrows(fig) -> list:
    """The edge arrows to goals off the map that ``fig`` shows once drawn."""
    fig.canvas.draw()
    texts = [t for ax in fig.axes for t in ax.texts]
    return [t for t in texts if t.get_gid() == "goal-arrow" and t.get_visible()]


def test_a_minimum_off_the_map_gets_an_arrow_on_the_edge_pointing_at_it():
    # sam_sharp_flat's wide minimum lay "off the map to the left" with nothing drawn
    bowl = ov.Surface.from_expr("(x + 3)**2 + y**2", domain=((0.0, 2.0), (-1.0, 1.0)),
                                minima=[[-3.0, 0.0]])  # fmt: skip
    race = ov.race(bowl, ["gd:lr=0.01"], start=(1.5, 0.0), steps=5)
    fig = race_figure.plot_race(race, size="small", dpi=40)
    (arrow,) = goal_arrows(fig)
    (x0, x1), tip = fig.axes[0].get_xlim(), np.asarray(arrow.xy)
    assert abs(tip[0] - x0) < 0.01 * (x1 - x0) and abs(tip[1]) < 1e-9  # the left edge, y = 0
    assert arrow.xyann[0] > 0  # drawn from inside the map, so its head points out, left
    assert arrow.get_text() == "minimum at (−3, 0)"
    inside = ov.Surface.from_expr("(x - 1)**2 + y**2", domain=((0.0, 2.0), (-1.0, 1.0)))
    race = ov.race(inside, ["gd:lr=0.01"], start=(1.5, 0.0), steps=5)
    assert goal_arrows(race_figure.plot_race(race, size="small", dpi=40)) == []


def test_a_floor_that_falls_on_past_the_edge_gets_an_arrow_where_it_goes():
    # long_furrow's a·y² − s·x has no minimum: its lowest edge point is (x1, 0), on the right
    s = ov.surface("long_furrow")
    race = ov.race(s, ["gd:lr=0.1"], start=s.lesson.starts[0], steps=10)
    fig = race_figure.plot_race(race, size="small", dpi=40)
    ax = fig.axes[0]
    (arrow,) = goal_arrows(fig)
    (x0, x1), tip = ax.get_xlim(), np.asarray(arrow.xy)
    assert abs(tip[0] - x1) < 0.01 * (x1 - x0) and abs(tip[1]) < 0.05
    assert arrow.xyann[0] < 0  # from inside, pointing right
