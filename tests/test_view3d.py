"""The 3-D race view at 1280×720 (render/camera3d.py, render/surface3d.py): the camera
chosen from the runs keeps every path and ball in sight and the lesson's balls apart, the
surface fills the map, tall walls are capped, and only the landmarks the runs meet are
marked. Measured on the drawn figure: pixels and projected positions."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import optviz as ov
from optviz.render import audit, camera3d, race_figure, surface3d
from optviz.render.geometry import _zrange, height
from optviz.render.mesh import MeshPicture

DEFAULTS = ("saddle", "rosenbrock", "himmelblau", "six_hump_camel", "tiny_net")
SURFACE_SHARE = 0.19  # of the 1280×720 frame the surface itself covers (0.13–0.15 before)


@functools.cache
def _drawn(name: str):
    if name == "ball_rolling_3d":  # a gallery scene
        from optviz.scenes import load_scene

        race = load_scene(f"gallery/{name}.toml").race()
    else:
        race = audit.lesson_race(name)
    fig = race_figure.plot_race(race, kind="3d")
    fig.canvas.draw()
    return race, fig, fig.axes[0]


@pytest.fixture(scope="module", params=DEFAULTS)
def drawn(request):
    return _drawn(request.param)


def _surface_alpha(ax) -> np.ndarray:
    """Where the surface covers the frame (drawn alone, as the figure projects it): a
    bool ``(H, W)`` array, row 0 at the bottom."""
    (quads,) = [c for c in ax.collections if hasattr(c, "optviz_mesh")]
    picture = MeshPicture(*quads.optviz_mesh)
    picture.axes = ax
    w, h = (int(v) for v in ax.get_figure(root=True).bbox.size)
    return picture.picture((0, 0, w, h))[..., 3] > 0


def _surface_pixels(ax) -> int:
    """Pixels the surface covers in the frame."""
    return int(_surface_alpha(ax).sum())


def _display(ax, surface, xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, float).reshape(-1, 2)
    points = np.column_stack([xy, height(surface, xy, lift=0.02)])
    return ax.transData.transform(camera3d._project(ax.M, points)[:, :2])


def test_the_surface_fills_the_map(drawn):
    race, fig, ax = drawn
    assert tuple(fig.bbox.size) == (1280, 720)
    share = _surface_pixels(ax) / (1280 * 720)
    assert share >= SURFACE_SHARE, (race.surface.name, share)


def test_the_chosen_camera_hides_no_path_and_no_ball(drawn):
    race, _, ax = drawn
    s = race.surface
    grid = s.grid(60)
    from optviz.render.geometry import squash

    scene = camera3d.scene_of(s, (grid[0], grid[1], squash(s, grid[2])), race.trajectories)
    shot = camera3d.measure(ax, scene, ax.elev, ax.azim)
    assert shot.ends_seen == 1.0 and shot.seen >= 0.95, (s.name, shot)


def test_a_ball_that_lies_higher_never_looks_lower(drawn):
    # parallel projection and the camera's order score: on the screen the lower of two
    # balls is not drawn above the higher one (tiny_net: GD on the near slope of the
    # trough used to look lower than Adam at the minimum behind it)
    race, _, ax = drawn
    s = race.surface
    ends = np.concatenate([np.asarray(t.xy[-1], float).reshape(-1, 2) for t in race])
    ends = ends[np.isfinite(ends).all(axis=1)]
    up = _display(ax, s, ends)[:, 1]
    z = height(s, ends)
    lo, hi = _zrange(s)
    for i in range(len(ends)):
        for j in range(len(ends)):
            if z[i] < z[j] - 1e-3 * (hi - lo):  # i lies lower than j
                assert up[j] >= up[i] - 0.015 * ax.bbox.height, (s.name, ends[i], ends[j])


def test_adam_at_the_minimum_looks_lower_than_gd_on_the_slope():
    race, _, ax = _drawn("tiny_net")
    ends = {t.name: _display(ax, race.surface, t.xy[-1])[0] for t in race}
    assert ends["adam"][1] < ends["gd"][1], ends


def test_the_surface_is_seen_from_above(drawn):
    # a wall steeper than the line of sight shows its underside: the sheet reads as
    # twisted (six_hump_camel seen from 32° up). Measured as the projected quads whose
    # corners turn the other way round on the screen than on the map
    race, _, ax = drawn
    s = race.surface
    X, Y, Z = s.grid(60)
    from optviz.render.geometry import squash

    corners = camera3d._project(ax.M, np.stack([X, Y, squash(s, Z)], axis=-1))
    top = camera3d._top_side(corners[..., 0], corners[..., 1], (X, Y))
    assert top >= 0.93, (s.name, top)
    assert ax._focal_length == np.inf  # parallel projection: lower on screen is lower


@pytest.mark.parametrize("name", [*DEFAULTS, "ball_rolling_3d"])
def test_the_balls_and_the_wells_they_rest_in_lie_on_the_drawn_surface(name):
    # a well's bottom behind the front rim: the ball and the landmark in it were drawn
    # over the rim, under the sheet's front edge, hanging below the surface
    # (ball_rolling_3d). Every ball and marked landmark projects inside the surface's
    # silhouette, a few pixels in from its edge
    race, _, ax = _drawn(name)
    s = race.surface
    inside = _surface_alpha(ax)
    pad = 3
    ends = np.concatenate([np.asarray(t.xy[-1], float).reshape(-1, 2) for t in race])
    marked = [np.column_stack(line.get_data_3d()[:2]) for line in ax.get_lines()
              if line.get_gid() == "landmark"]  # fmt: skip
    (x0, x1), (y0, y1) = s.domain  # a ball that left the domain is edge-marked instead
    on_map = (ends[:, 0] >= x0) & (ends[:, 0] <= x1) & (ends[:, 1] >= y0) & (ends[:, 1] <= y1)
    points = np.concatenate([ends[on_map], *marked])
    for xy, (px, py) in zip(points, _display(ax, s, points), strict=True):
        r, c = int(round(py)), int(round(px))
        around = inside[r - pad : r + pad + 1, c - pad : c + pad + 1]
        assert around.size and around.all(), (name, xy)
    # and no nearer part of the surface (the front rim) hides them (measured on the grid
    # the surface is drawn from)
    X, Y, Z = s.grid(surface3d.SLIDE_GRID)
    from optviz.render.geometry import squash

    scene = camera3d.scene_of(s, (X, Y, squash(s, Z)), race.trajectories, points)
    assert camera3d.measure(ax, scene, ax.elev, ax.azim).ends_seen == 1.0, name


def test_the_escaped_balls_land_far_from_the_stuck_one_on_the_saddle():
    race, _, ax = _drawn("saddle")
    ends = {t.name: _display(ax, race.surface, t.xy[-1])[0] for t in race}
    apart = {n: float(np.linalg.norm(p - ends["gd"])) for n, p in ends.items() if n != "gd"}
    assert min(apart.values()) >= 150, apart  # px at 1280×720; the map is about 650 px


def test_only_the_landmarks_the_runs_meet_are_marked():
    race = audit.lesson_race("six_hump_camel")
    ax = race_figure.plot_race(race, kind="3d", size="small", dpi=40).axes[0]
    marked = [line for line in ax.get_lines() if line.get_gid() == "landmark"]
    count = sum(len(line.get_xdata()) for line in marked)
    from optviz.catalog.critical import landmarks

    assert len(landmarks(race.surface).points) > 10
    assert 1 <= count <= 5, count
    # every run's end that rests on a minimum keeps its minimum marked
    kept = np.concatenate([np.column_stack(line.get_data_3d()[:2]) for line in marked])
    minima = np.array([p.xy for p in landmarks(race.surface).points if "minimum" in p.kind])
    for t in race:
        for end in np.asarray(t.xy[-1], float).reshape(-1, 2):
            nearest = minima[np.argmin(np.linalg.norm(minima - end, axis=1))]
            if np.linalg.norm(nearest - end) < 0.05:
                assert np.min(np.linalg.norm(kept - nearest, axis=1)) < 1e-9, (t.name, end)


def test_tall_walls_are_capped_so_the_low_ground_keeps_its_height():
    s = ov.surface("himmelblau")  # walls to 890 around minima at 0 and a middle near 180
    lo, hi = _zrange(s)
    assert hi < 0.5 * 890
    # the low ground is drawn nearly true to scale, the walls bend under the cap
    low = np.array([[-0.27, -0.92]])  # the local maximum, f ≈ 181
    assert height(s, low)[0] == pytest.approx(float(s.f(low)[0]), rel=0.3)
    assert height(s, np.array([[5.0, 5.0]]))[0] <= hi


def test_a_turning_camera_keeps_the_surface_inside_its_axes():
    from optviz.render import animate as A

    race = ov.race("himmelblau", ["gd:lr=0.01", "adam:lr=0.1"], steps=60)
    engine = A._Engine(A.animate(race, kind="3d", rotate=90, fps=4, duration=2, size=(6, 4),
                                 dpi=50))  # fmt: skip
    try:
        ax = engine.panels[0]
        (mesh,) = [a for a in ax.get_children() if isinstance(a, MeshPicture)]
        box = ax.bbox
        for s in np.linspace(0, 60, 6):
            engine.frame(float(s))
            px, py, _ = mesh.corners()
            assert px.min() >= box.x0 - 1 and px.max() <= box.x1 + 1, (s, px.min(), px.max())
            assert py.min() >= box.y0 - 1 and py.max() <= box.y1 + 1, (s, py.min(), py.max())
    finally:
        engine.close()


@pytest.mark.parametrize("anchor", ["C", "E"])
def test_the_3d_axes_is_as_wide_as_the_surface_it_shows(anchor):
    # a tall picture of the surface in a wide cell: the axes narrows to it (keeping the
    # cell's height), so the layout can set the legends beside the surface, not beside
    # an empty strip of the cell
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from optviz.render.surface3d import plot_surface3d

    fig = Figure(figsize=(12.8, 7.2), dpi=50)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.05, 0.1, 0.9, 0.8), projection="3d")
    plot_surface3d(ov.surface("elliptic"), ax, runs=[], elev=32, azim=0)  # seen end on
    ax.set_anchor(anchor)
    fig.canvas.draw()
    cell, box = ax.get_position(original=True), ax.get_position()
    assert box.height == pytest.approx(cell.height)
    assert box.width < 0.7 * cell.width
    assert (
        (box.x1 == pytest.approx(cell.x1))
        if anchor == "E"
        else ((box.x0 + box.x1) / 2 == pytest.approx((cell.x0 + cell.x1) / 2))
    )
    # the surface fills the narrowed box both ways, with the margin around it
    (quads,) = [c for c in ax.collections if hasattr(c, "optviz_mesh")]
    X, Y, Z = quads.optviz_mesh[:3]
    flat = np.column_stack([X.ravel(), Y.ravel(), Z.ravel()])
    px = ax.transData.transform(camera3d._project(ax.M, flat)[:, :2])
    drawn = np.ptp(px, axis=0)
    share = 1 / (1 + 2 * camera3d.MARGIN)
    assert drawn[0] == pytest.approx(ax.bbox.width * share, rel=0.01)
    assert drawn[1] == pytest.approx(ax.bbox.height * share, rel=0.01)


@pytest.mark.parametrize("name", ["adam_box", "himmelblau"])
def test_the_step_counter_sits_beside_the_surface_not_on_it(name):
    # a 3-D view has no frame: the counter may sit in a corner of its box the surface
    # leaves empty (the bowl seen end on), and the map then reaches the frame's foot;
    # where the surface fills the corner (Himmelblau) the map makes room for it
    from test_glyph_rules import RACES

    from optviz.render.animate import _Engine, animate

    race = RACES[name]() if name in RACES else audit.lesson_race(name)
    engine = _Engine(animate(race, kind="3d", glyphs=name in RACES, fps=2, duration=1))
    try:
        engine.frame(5.0)
        ax = engine.panels[0]
        counter = engine.counter.text.get_window_extent(engine.canvas.get_renderer()).padded(2)
        alpha = _surface_alpha(ax)
        rows = slice(int(counter.y0), int(np.ceil(counter.y1)))
        cols = slice(int(counter.x0), int(np.ceil(counter.x1)))
        assert not alpha[rows, cols].any(), name
    finally:
        engine.close()
