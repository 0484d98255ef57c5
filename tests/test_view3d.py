"""The 3-D race view at 1280×720 (render/camera3d.py, render/surface3d.py): the camera
chosen from the runs keeps every path and ball in sight and the lesson's balls apart, the
surface fills the map, tall walls are capped, and only the landmarks the runs meet are
marked. Measured on the drawn figure: pixels and projected positions."""

from __future__ import annotations

import functools

import matplotlib.colors as mcolors
import numpy as np
import pytest
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import optviz as ov
from optviz.render import audit, camera3d, race_figure, surface3d, surface_block
from optviz.render.geometry import _zrange, height, squash
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
    # cached across tests: a bare Agg figure, which another test's plt.close("all")
    # cannot strip of its canvas
    from optviz.render.plots import offscreen

    with offscreen():
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


def _drawn_grid(ax, surface, n: int):
    """The surface's grid over the part of the domain the 3-D view shows."""
    return surface3d._grid(surface, surface3d._shown(ax), n)


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
    grid = _drawn_grid(ax, s, 60)
    from optviz.render.geometry import squash

    scene = camera3d.scene_of(s, (grid[0], grid[1], squash(s, grid[2])), race.trajectories)
    shot = camera3d.measure(ax, scene, ax.elev, ax.azim)
    assert shot.ends_seen == 1.0 and shot.seen >= 0.95, (s.name, shot)


LEVEL = 0.01  # of the drawn height: balls closer in height than this look level (on
# rosenbrock's valley floor GD's ball lies 0.3% of the height above the minimum)


def test_a_ball_that_lies_higher_never_looks_lower(drawn):
    # parallel projection and the camera's order score: on the screen the lower of two
    # balls is not drawn above the higher one (tiny_net: GD on the near slope of the
    # trough used to look lower than Adam at the minimum behind it)
    # The saddle is seen from in front of its map (x to the right, both curvatures in
    # sight): the balls escaping down its far side run away from the camera, and from
    # any camera in front high enough to see them they look higher than GD at the saddle
    race, _, ax = drawn
    s = race.surface
    if s.name == "saddle":
        return
    ends = np.concatenate([np.asarray(t.xy[-1], float).reshape(-1, 2) for t in race])
    ends = ends[np.isfinite(ends).all(axis=1)]
    up = _display(ax, s, ends)[:, 1]
    z = squash(s, height(s, ends))  # as drawn
    lo, hi = ax.get_zlim()
    for i in range(len(ends)):
        for j in range(len(ends)):
            if z[i] < z[j] - LEVEL * (hi - lo):  # i lies lower than j
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
    X, Y, Z = _drawn_grid(ax, s, 60)
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
    X, Y, Z = _drawn_grid(ax, s, surface3d.SLIDE_GRID)
    from optviz.render.geometry import squash

    scene = camera3d.scene_of(s, (X, Y, squash(s, Z)), race.trajectories, points)
    assert camera3d.measure(ax, scene, ax.elev, ax.azim).ends_seen == 1.0, name


def test_the_escaped_balls_land_far_from_the_stuck_one_on_the_saddle():
    race, _, ax = _drawn("saddle")
    ends = {t.name: _display(ax, race.surface, t.xy[-1])[0] for t in race}
    apart = {n: float(np.linalg.norm(p - ends["gd"])) for n, p in ends.items() if n != "gd"}
    # px at 1280×720 (the map is about 650 px tall); seen from in front of the map,
    # the balls escaping down the far side run away from the camera, foreshortened
    assert min(apart.values()) >= 120, apart


def test_only_the_landmarks_the_runs_meet_are_marked():
    # the map's set (its all_minima: every basin marked), not one of six saddles more
    from optviz.render.landmarks import lesson_landmarks

    race = audit.lesson_race("six_hump_camel")
    ax = race_figure.plot_race(race, kind="3d", size="small", dpi=40).axes[0]
    marked = [line for line in ax.get_lines() if line.get_gid() == "landmark"]
    count = sum(len(line.get_xdata()) for line in marked)
    from optviz.catalog.critical import landmarks

    assert len(landmarks(race.surface).points) > 10
    assert count == len(lesson_landmarks(race.surface, list(race.trajectories))), count
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


@pytest.mark.parametrize("name", ["saddle", "six_hump_camel", "six_hump_camel alone"])
def test_the_surface_tops_a_thin_light_slab_whose_near_sides_show(name):
    # a sheet seen from above has no outline that tells its shape: the slide view sets
    # it on a slab whose sides face the camera (the far sides, hidden, are left clear).
    # The sides are thin and light: dark walls down to a floor under the lowest ground
    # took a fifth of the frame and pulled the eye from the surface
    if name.endswith(" alone"):  # its catalog camera, lower: wells near the edge sink
        name = name.split()[0]
        fig = surface3d.show_surface(ov.surface(name), size="small", dpi=60)
        ax = next(a for a in fig.axes if a.name == "3d")
        fig.canvas.draw()
    else:
        _, _, ax = _drawn(name)
    (quads,) = [c for c in ax.collections if hasattr(c, "optviz_mesh")]
    X, Y, Z, colors = quads.optviz_mesh
    k = surface_block.SIDE_ROWS
    ground = Z[k:-k, k:-k]
    lo, hi = ax.get_zlim()
    ring = np.concatenate([Z[0, k:-k], Z[-1, k:-k], Z[k:-k, 0], Z[k:-k, -1]])
    edges = np.concatenate([ground[0], ground[-1], ground[:, 0], ground[:, -1]])
    depth = (edges - ring) / (hi - lo)
    assert np.all(depth > 0.02) and np.all(depth <= surface_block.SKIRT + 1e-9)  # thin
    assert ground.min() >= _zrange(ov.surface(name))[0] - 1e-9  # the ground is untouched
    eye = np.array([np.cos(np.radians(ax.azim)), np.sin(np.radians(ax.azim))])
    inner = slice(k, -k - 1)
    sides = {(0, -1): colors[0, inner], (0, 1): colors[-2, inner],
             (-1, 0): colors[inner, 0], (1, 0): colors[inner, -2]}  # fmt: skip
    page = np.asarray(mcolors.to_rgb(ax.get_figure(root=True).get_facecolor()))
    for normal, side in sides.items():
        facing = float(np.dot(normal, eye)) > 0
        assert np.all(side[:, 3] == (1.0 if facing else 0.0)), normal
        if facing:  # light: within a fifth of the page's white
            assert np.abs(side[:, :3] - page).max() < 0.3, normal


def test_minima_are_filled_and_outlined_over_the_balls_as_on_the_map():
    # on the map the global minimum's star is filled pale gold; the 3-D view fills it
    # too (under the paths), so a global and a local minimum read apart there as well
    from optviz.render.landmarks import FILL_ZORDER, GLOBAL_FILL

    _, _, ax = _drawn("six_hump_camel")
    (outline,) = [ln for ln in ax.get_lines() if ln.get_label() == "global minimum"]
    (fill,) = [ln for ln in ax.get_lines() if ln.get_gid() == "landmark-fill"]
    assert fill.get_markerfacecolor() == GLOBAL_FILL and fill.get_zorder() == FILL_ZORDER
    np.testing.assert_allclose(np.array(fill.get_data_3d()), np.array(outline.get_data_3d()))
    # and every minimum's hairline again over the balls, on the surface (not at z = 0)
    overs = [ln for ln in ax.get_lines() if ln.get_gid() == "landmark-over"]
    minima = [ln for ln in ax.get_lines() if ln.get_label() in ("global minimum", "local minimum")]
    assert len(overs) == len(minima)
    for over, under in zip(overs, minima, strict=True):
        np.testing.assert_allclose(np.array(over.get_data_3d()), np.array(under.get_data_3d()))
        assert over.get_zorder() > max(ln.get_zorder() for ln in ax.get_lines()
                                       if ln.get_gid() != "landmark-over")  # fmt: skip


def test_a_surface_at_a_glance_marks_only_the_minima_of_many_in_3d():
    # beside the map (which marks every landmark) a small 3-D view of a surface with
    # many landmarks marks its minima: saddles and maxima between them piled up there
    fig = surface3d.show_surface(ov.surface("six_hump_camel"), size="small", dpi=40)
    flat, view = fig.axes[0], next(ax for ax in fig.axes if ax.name == "3d")
    kinds = {ln.get_label() for ln in view.get_lines() if ln.get_gid() == "landmark"}
    assert kinds == {"global minimum", "local minimum"}
    on_map = {ln.get_label() for ln in flat.get_lines() if ln.get_gid() == "landmark"}
    assert {"saddle", "maximum"} <= on_map


def test_a_ball_at_the_bottom_of_a_well_behind_its_front_rim_counts_as_hidden():
    # seen from 30° up, the deep well's bottom lies under the line of sight past the
    # front rim (the ball was drawn over the block's side); the old picture-based test
    # compared it with the rim's underside, close in depth, and called 92% of it seen
    race, _, ax = _drawn("ball_rolling_3d")
    s = race.surface
    X, Y, Z = s.grid(surface3d.SLIDE_GRID)
    from optviz.render.geometry import squash

    scene = camera3d.scene_of(s, (X, Y, squash(s, Z)), race.trajectories)
    was = (ax.elev, ax.azim, ax.get_box_aspect())
    try:  # in a box as tall as half its width (the chosen one may be lower)
        span = np.ptp(surface3d._shown(ax), axis=1)
        ax.set_box_aspect((*(span / span.max()), surface3d.HEIGHT_ASPECT))
        low = camera3d.measure(ax, scene, 30.0, -60.0)
        high = camera3d.measure(ax, scene, 60.0, -60.0)
    finally:
        ax.view_init(elev=was[0], azim=was[1])
        ax.set_box_aspect(was[2])
    deep = np.argmin(scene.ends[: scene.balls, 2])  # the momentum ball, in the deep well
    assert low.seen < 0.3 and low.ends_seen <= 1 - 1 / len(scene.ends), (low, deep)
    assert high.seen == 1.0 and high.ends_seen == 1.0, high


def _run_points(race) -> np.ndarray:
    xy = np.concatenate([np.asarray(t.xy, float).reshape(-1, 2) for t in race])
    return xy[np.isfinite(xy).all(axis=1)]


def test_the_view_is_cut_to_where_the_runs_go(drawn):
    # Himmelblau's and Rosenbrock's runs covered about 150 px of the whole domain's block:
    # the 3-D view shows the part of the domain the runs use, as the map does
    race, _, ax = drawn
    s = race.surface
    (x0, x1), (y0, y1) = surface3d._shown(ax)
    points = _run_points(race)
    dom = np.asarray(s.domain, float)
    points = points[surface3d._inside_all(points, dom)]
    assert surface3d._inside_all(points, surface3d._shown(ax)).all(), s.name
    runs = np.ptp(_display(ax, s, points), axis=0)
    # px at 1280×720; less where the view holds global minima no run goes near (every
    # one is in sight: himmelblau's four, six_hump_camel's two)
    assert runs.max() >= (330 if _only_the_runs(race, ax) else 200), (s.name, runs)


def _only_the_runs(race, ax) -> bool:
    """Whether the 3-D view is cut to the runs alone: no global minimum out of their way."""
    s = race.surface
    ends = surface3d._ends(s, list(race.trajectories))
    stars = [line for line in ax.get_lines()
             if line.get_gid() == "landmark" and line.get_label() == "global minimum"]  # fmt: skip
    xy = np.column_stack(stars[0].get_data_3d()[:2]) if stars else np.zeros((0, 2))
    return bool(surface3d._rested_on(xy, ends, s).all())


def test_ends_apart_on_the_map_look_apart(drawn):
    # tiny_net: foreshortening drew GD's ball 35–75 px from the minimum its callout says it
    # is 1.3 away from (a sixth of the domain). Every ball and every landmark drawn is at
    # least PX_PER_SIDE × (their distance / the domain's side) px from every other ball
    race, _, ax = drawn
    s = race.surface
    side = float(np.max(np.ptp(np.asarray(s.domain, float), axis=1)))
    ends = np.array([np.asarray(t.xy[-1], float).reshape(-1, 2)[0] for t in race])
    ends = ends[np.isfinite(ends).all(axis=1)]
    marked = [np.column_stack(line.get_data_3d()[:2]) for line in ax.get_lines()
              if line.get_gid() == "landmark"]  # fmt: skip
    points = np.concatenate([ends, *marked])
    px = _display(ax, s, points)
    for i in range(len(ends)):
        for j in range(i + 1, len(points)):
            share = float(np.linalg.norm(points[i] - points[j])) / side
            if 0.05 <= share <= 0.3:  # (a far pair is plainly apart)
                looks = float(np.linalg.norm(px[i] - px[j]))
                assert looks >= PX_PER_SIDE * share, (s.name, points[i], points[j], looks)


PX_PER_SIDE = 600  # px on screen per domain side (the whole domain's block drew ~500)


@pytest.mark.parametrize("name", DEFAULTS)
def test_the_3d_balls_are_slide_size(name):
    # at 1280×720 a ball is at least 12 px across
    from optviz.render import paths

    race, fig, ax = _drawn(name)
    for ps in paths.path_styles(race.trajectories):
        assert ps.ball_size * fig.dpi / 72 >= 12, (name, ps)


def _gold_around(name: str) -> dict:
    """Per global minimum a run ends on: the pale gold pixels within 14 px of its centre
    in the 3-D animation's last frame."""
    from matplotlib.colors import to_rgb

    from optviz.render.animate import _Engine, animate
    from optviz.render.landmarks import GLOBAL_FILL

    race = audit.lesson_race(name)
    engine = _Engine(animate(race, kind="3d", fps=2, duration=1))
    try:
        rgb = engine.frame(float(len(race.trajectories[0].xy) - 1))
        ax = engine.panels[0]
        s = race.surface
        ends = surface3d._ends(s, list(race.trajectories))
        stars = np.array([p.xy for p in surface3d._lesson_landmarks(s, list(race.trajectories))
                          if p.kind == "global minimum"])  # fmt: skip
        rested = stars[surface3d._rested_on(stars, ends, s)]
        gold = np.abs(rgb.astype(int) - np.array(to_rgb(GLOBAL_FILL)) * 255).max(axis=-1) < 40
        out = {}
        height_px = rgb.shape[0]
        for xy, (x, y) in zip(rested, _display(ax, s, rested), strict=True):
            r, c = int(round(height_px - y)), int(round(x))
            out[tuple(xy)] = int(gold[r - 14 : r + 15, c - 14 : c + 15].sum())
        return out
    finally:
        engine.close()


# gold pixels around the star a ball rests on: 45 seen from 45° (the ball's square covers
# the star's middle, its five points stay gold), 60 and more from the old 60° camera
GOLD_PX = 40


def test_the_minimum_a_ball_rests_on_shows_its_gold_over_the_paths():
    # six_hump_camel: momentum's path tangle and square buried the gold of the deepest
    # minimum it ends in; the only gold star in sight was the other global minimum
    gold = _gold_around("six_hump_camel")
    assert gold and min(gold.values()) >= GOLD_PX, gold


def test_the_axis_names_touch_the_foot_of_the_block():
    # tiny_net's "w1" and "w2" were centred a tenth of the domain out: they floated ~40 px
    # off the block's faces. Each name lies beside the block, within 12 px of it
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    race, fig, ax = _drawn("tiny_net")  # shared: another test may have left it another canvas
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    alpha = _surface_alpha(ax)
    names = [t for t in ax.texts if t.get_gid() == "axis-name"]
    assert [t.get_text() for t in names] == ["w1", "w2"]
    for text in names:
        text.place()
        box = Text.get_window_extent(text, renderer)
        rows = slice(max(int(box.y0), 0), int(np.ceil(box.y1)))
        cols = slice(max(int(box.x0), 0), int(np.ceil(box.x1)))
        assert not alpha[rows, cols].any(), text.get_text()  # not on the block
        near = box.padded(12 + text._past_size(True))  # (past its tick values)
        rows = slice(max(int(near.y0), 0), int(np.ceil(near.y1)))  # (the frame cuts
        cols = slice(max(int(near.x0), 0), int(np.ceil(near.x1)))  # no name: the margin)
        assert alpha[rows, cols].any(), text.get_text()


def _text_box(ax, text, renderer):
    """An axis name's box on the screen, from its 3-D point projected anew."""
    from matplotlib.text import Text
    from matplotlib.transforms import IdentityTransform

    x, y = ax.transData.transform(camera3d._project(ax.M, text.xyz[None])[0, :2])
    probe = Text(x, y, text.get_text())
    probe.update_from(text)  # (its transform too: back to pixels)
    probe.set_transform(IdentityTransform())
    probe.set_figure(ax.get_figure(root=True))
    return probe.get_window_extent(renderer)


def test_a_still_3d_race_keeps_the_frame(tmp_path):
    # the axis names were 3-D texts, measured outside a draw at their x and y read as flat
    # data ("w1" at x = 3541 px): the safe margin shrank a still's whole figure to a third
    # of the frame to pull them in. Every text is measured where it is drawn: the surface
    # of a saved still spans most of the frame's height
    from optviz.render.writers import save_figure

    fig = race_figure.plot_race(audit.lesson_race("tiny_net"), kind="3d")
    save_figure(fig, tmp_path / "tiny_net.png")
    assert fig.axes[0].get_position().height > 0.75  # (the legend's row under it)


@functools.cache
def _with_callouts(name: str):
    """A catalog default's 3-D still as ``optviz race NAME --3d`` draws it: callouts too."""
    from optviz.analysis.claims import check_claims

    race = audit.lesson_race(name)
    claims = race.surface.lesson.claims
    fig = race_figure.plot_race(race, kind="3d", callouts=check_claims(race, claims))
    fig.canvas.draw()
    return race, fig, fig.axes[0]


@pytest.mark.parametrize("name", DEFAULTS)
def test_every_global_minimum_is_in_sight(name):
    # himmelblau_3d showed 2 of its 4 equally deep minima, six_hump_camel_3d and
    # tiny_net_3d 1 of 2, and rosenbrock_3d's star sat on the rim. Every global minimum of
    # a catalog default is marked inside the frame with ground around it, the surface
    # does not hide it, and nothing drawn covers it (probe colour: a star no ball rests
    # on keeps 60% of its pixels; a rested one is drawn over the paths, tested above)
    from optviz.catalog.critical import landmarks

    race, fig, ax = _with_callouts(name)
    s = race.surface
    best = np.array([p.xy for p in landmarks(s).points if p.kind == "global minimum"])
    stars = [line for line in ax.get_lines()
             if line.get_gid() == "landmark" and line.get_label() == "global minimum"]  # fmt: skip
    if not len(best):  # (the saddle has none)
        assert not stars
        return
    (star,) = stars
    drawn = np.column_stack(star.get_data_3d()[:2])
    assert len(drawn) == len(best), name  # every one marked
    px = _display(ax, s, drawn)
    frame = fig.bbox
    assert np.all((px[:, 0] > frame.x0 + 20) & (px[:, 0] < frame.x1 - 20)), name
    assert np.all((px[:, 1] > frame.y0 + 20) & (px[:, 1] < frame.y1 - 20)), name
    (x0, x1), (y0, y1) = surface3d._shown(ax)
    room = 0.05 * np.ptp(np.asarray(s.domain, float), axis=1)
    lo, hi = np.array([x0, y0]) + room, np.array([x1, y1]) - room
    inside = np.all((drawn >= lo - 1e-9) & (drawn <= hi + 1e-9), axis=1)
    dom = np.asarray(s.domain, float)
    on_domain_edge = np.any(np.isclose(drawn[:, :, None], dom), axis=(1, 2))
    assert np.all(inside | on_domain_edge), name  # ground around it, not on the rim
    X, Y, Z = _drawn_grid(ax, s, surface3d.SLIDE_GRID)
    scene = camera3d.scene_of(s, (X, Y, squash(s, Z)), [], drawn)
    assert camera3d.measure(ax, scene, ax.elev, ax.azim).ends_seen == 1.0, name
    rested = surface3d._rested_on(drawn, surface3d._ends(s, list(race.trajectories)), s)
    face = star.get_markerfacecolor()
    try:
        star.set_markerfacecolor(audit.PROBE)
        fig.canvas.draw()
        together = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
        hidden = [a for a in (*fig.axes, *ax.get_children()) if a is not star and a.get_visible()]
        for a in hidden:
            a.set_visible(False)
        ax.set_visible(True)
        fig.canvas.draw()
        alone = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    finally:
        star.set_markerfacecolor(face)
        for a in hidden:
            a.set_visible(True)
    half = star.get_markersize() * fig.dpi / 72
    for (x, y), rest in zip(px, rested, strict=True):
        if rest:
            continue
        box = Bbox.from_extents(x - half, y - half, x + half, y + half)
        kept = audit.probe_pixels(together, box) / max(audit.probe_pixels(alone, box), 1)
        assert audit.probe_pixels(alone, box) > 20 and kept >= 0.6, (name, x, y, kept)


def test_the_surface_fills_its_cell_across_and_down(drawn):
    # a square surface seen from the front projects about as tall as wide: in the wide
    # cell beside the legend it left gutters a third of the frame wide; the box drawn
    # longer across the screen fills the cell both ways
    race, fig, ax = drawn
    cell = ax.get_position(original=True).transformed(fig.transFigure)
    xy = ax.transData.transform(camera3d._project(ax.get_proj(), ax._optviz_fitted)[:, :2])
    across, down = np.ptp(xy, axis=0)
    shares = sorted((across / cell.width, down / cell.height))  # (the axis names take room)
    # (across the frame's width now, with the tick values beside it)
    assert shares[1] >= 0.82 and shares[0] >= 0.55, (race.surface.name, shares)


def test_x_runs_to_the_right_and_y_away_as_on_the_map(drawn):
    # the 2-D map beside or before it has x to the right and y up: a view from behind
    # mirrored Himmelblau's paths against it
    race, _, ax = drawn
    if race.surface.view.axes != ("x", "y"):  # tiny_net: w1 and w2 named on the view
        return
    (x0, x1), (y0, y1) = surface3d._shown(ax)
    z = float(np.mean(ax.get_zlim()))
    corners = np.array([[x0, y0, z], [x1, y0, z], [x0, y1, z]])
    px = ax.transData.transform(camera3d._project(ax.get_proj(), corners)[:, :2])
    right, away = px[1] - px[0], px[2] - px[0]
    assert right[0] > 2 * abs(right[1]), race.surface.name  # x: mostly to the right
    assert away[1] > 0, race.surface.name  # y: up the screen, away from the camera


def _outside(fig) -> list[str]:
    """The legends and texts of ``fig`` that reach past its frame (by more than 1 px)."""
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: measure it as Agg draws
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox.padded(1)
    items = [*fig.legends, *fig.texts]
    for ax in fig.axes:
        items += [t for t in ax.texts if t.get_visible()]
        items += [ax.get_legend()] if ax.get_legend() is not None else []
        items += [ax.title] if ax.get_title() else []
    out = []
    for item in items:
        box = item.get_window_extent(renderer)
        inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
        if box.width and not inside:
            out.append(getattr(item, "get_text", lambda: "legend")())
    return out


@pytest.mark.parametrize("name", [*DEFAULTS, "ball_rolling_3d"])
def test_no_legend_or_text_runs_off_the_frame(name):
    # ball_rolling_3d's legend was sized for the map's landmarks, not for the saddle the
    # 3-D view marks too: its last entry ran off the bottom of the frame
    race, fig, _ = _drawn(name)
    if name == "ball_rolling_3d":  # as the gallery draws it: the loss panel over the legend
        fig = race_figure.plot_race(race, kind="3d", loss=True)
        fig.canvas.draw()
    assert not _outside(fig), (name, _outside(fig))
