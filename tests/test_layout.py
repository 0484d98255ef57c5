"""Pictures fill their 16:9 frame: no empty region over a tenth of it (1280x720)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optviz.render.animate import _Engine
from optviz.render.layout import largest_gutter
from optviz.scenes import rendering as scene_render
from optviz.scenes.build import parse_toml, scene_from_dict

GALLERY = Path(__file__).resolve().parent.parent / "gallery"
MOST = 0.10

# gallery scenes that once wasted their frame, with counts cut where only time is at stake
SCENES = {
    "rosenbrock_race": {},
    "long_furrow": {},
    "noise_kinds": {},
    "learning_rate": {},
    "schedulefree_cosine": {"steps": 60},
    "basins": {"n": 24, "steps": 60},
    "lr_sweep": {"lrs": [1e-4, 1e-2, 1.0], "steps": 60},
    "curvature": {"n": 60},
}


def _figure(name: str, monkeypatch, collect):
    """The figure of a gallery scene's first render (a race: its animation's last frame)."""
    data = parse_toml((GALLERY / f"{name}.toml").read_text(encoding="utf-8"), name)
    cut = dict(SCENES[name])
    if "steps" in cut:
        data.setdefault("run", {})["steps"] = cut.pop("steps")
    data["render"] = {**data["render"], **cut}
    scene = scene_from_dict(data, base=GALLERY, stem=name)
    r = scene.renders[0]
    o = r.options
    if r.kind in scene_render.RACE_KINDS:
        race = scene.race()
        anim = race.animate(kind=r.kind, loss=o["loss"], title=o["title"], size=o["size"],
                            theme=o["theme"], fps=2, duration=1)  # fmt: skip
        engine = _Engine(anim)
        engine.frame(float(race.trajectories[0].steps))
        return engine.fig
    caught = collect(monkeypatch, save=False)
    scene_render.render_one(scene, r, None)
    return caught[0]


@pytest.mark.parametrize("name", list(SCENES))
def test_gallery_pictures_leave_no_wide_empty_region(name, monkeypatch, collect_saved_figures):
    fig = _figure(name, monkeypatch, collect_saved_figures)
    assert tuple(fig.bbox.size) == (1280, 720)
    share, (left, top, width, height) = largest_gutter(fig)
    assert share <= MOST, f"{name}: empty {width}x{height} px at ({left}, {top})"


def test_the_gutter_measure_finds_a_hole_beside_a_panel():
    # one square axes in the left half of a 16:9 figure: the right half is empty, though
    # the title spans the whole width (so no empty band crosses the frame top to bottom)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.8, 7.2), dpi=100)
    fig.add_axes((0.05, 0.05, 0.45, 0.8))
    fig.suptitle("a title across the frame " * 4)
    share, (left, top, width, height) = largest_gutter(fig)
    assert share > 0.3 and left >= 640 and height > 500


def _race_frame(race, **options):
    """The animation's last frame's figure (its engine, to close)."""
    engine = _Engine(race.animate(fps=2, duration=1, **options))
    engine.frame(float(race.trajectories[0].steps))
    return engine


# wide domains once left a quarter of the frame empty beside the map
@pytest.mark.parametrize("name", ["long_furrow", "narrow_ravine", "linreg_scaled"])
@pytest.mark.parametrize("loss", [False, True])
def test_a_wide_map_uses_the_frame(name, loss):
    import optviz as ov

    s = ov.surface(name)
    race = ov.race(s, ["gd:lr=0.01", "adam:lr=0.05"], start=s.starts[0], steps=20)
    engine = _race_frame(race, loss=loss)
    try:
        share, (left, top, width, height) = largest_gutter(engine.fig)
    finally:
        engine.close()
    assert share <= MOST, f"{name}: empty {width}x{height} px at ({left}, {top})"


# the layout's passes move the cells a little: ackley's map was grown to a cell it no
# longer had and ended 790 of its 900 px wide, a strip of the frame empty beside it
@pytest.mark.parametrize("name", ["ackley", "elliptic", "rastrigin"])
def test_a_map_that_may_grow_fills_its_cell(name):
    import optviz as ov

    s = ov.surface(name)
    lesson = s.lesson
    race = ov.race(s, list(lesson.optimizers), start=lesson.starts, steps=lesson.steps)
    engine = _race_frame(race)
    try:
        ax = engine.fig.axes[0]
        drawn, cell = ax.get_position(), ax.get_position(original=True)
        # a view of its own, cropped to the runs or widened beyond the domain to fill
        assert not np.allclose([ax.get_xlim(), ax.get_ylim()], s.domain)
    finally:
        engine.close()
    assert drawn.width >= 0.97 * cell.width and drawn.height >= 0.97 * cell.height


# a loss panel under a wide map once got 93 px of 720: two labelled ticks, unreadable
@pytest.mark.parametrize("name", ["long_furrow", "plateau"])
def test_a_loss_panel_beside_a_wide_map_is_large_enough_to_read(name):
    from optviz.scenes import load_scene

    race = load_scene(GALLERY / f"{name}.toml").race()
    engine = _race_frame(race, loss=True)
    try:
        loss = next(ax for ax in engine.fig.axes if ax.get_label() == "side:loss")
        box = loss.get_window_extent()
    finally:
        engine.close()
    # under the map or beside it (whichever draws the larger map), 150 px on its short side
    assert min(box.width, box.height) >= 150


GLYPH_RACES = {
    "rosenbrock": lambda ov: ov.race("rosenbrock", ["gd:lr=0.001", "momentum:lr=0.001,momentum=0.9",
                                                    "adam:lr=0.1"], steps=30, keep_state=True),
    **{name: (lambda ov, name=name: _scene_race(ov, name)) for name in
       ("glyphs_adagrad_rmsprop", "glyphs_adam_box", "glyphs_momentum")},
}  # fmt: skip


def _scene_race(ov, name):
    from optviz.scenes import load_scene

    scene = load_scene(GALLERY / f"{name}.toml")
    return ov.race(scene.surface, list(scene.optimizers), start=scene.starts, steps=40,
                   keep_state=True)  # fmt: skip


@pytest.mark.parametrize("name", list(GLYPH_RACES))
def test_glyph_races_keep_their_legends_together_and_fill_the_frame(name):
    # the glyph key once sat at the column's foot, the optimizers' legend at its top
    import matplotlib as mpl

    import optviz as ov
    from optviz.render.layout import legend_column

    kind = "panels" if name == "glyphs_adagrad_rmsprop" else "contour"  # as its scene draws it
    engine = _race_frame(GLYPH_RACES[name](ov), glyphs=True, kind=kind)
    try:
        fig = engine.fig
        share, (left, top, width, height) = largest_gutter(fig)
        renderer = fig.canvas.get_renderer()
        column = legend_column(fig)
        if kind == "panels":  # each panel titled by its optimizer: the glyph key alone
            assert share <= MOST, f"{name}: empty {width}x{height} px at ({left}, {top})"
            return
        boxes = sorted((leg.get_window_extent(renderer) for leg in column.get_children()
                        if isinstance(leg, mpl.legend.Legend)), key=lambda b: -b.y1)  # fmt: skip
        em = mpl.rcParams["font.size"] * fig.dpi / 72
    finally:
        engine.close()
    assert share <= MOST, f"{name}: empty {width}x{height} px at ({left}, {top})"
    assert len(boxes) == 2  # the optimizers, then the glyph key right under them
    assert 0 <= boxes[0].y0 - boxes[1].y1 <= 1.5 * em
    middle = (boxes[0].y1 + boxes[1].y0) / 2  # the pair sits mid-height beside the map
    assert abs(middle - fig.bbox.height / 2) < 0.1 * fig.bbox.height


def test_panel_titles_clear_the_row_above_beside_a_legend_row():
    """Four panels with a loss panel and the legend row under them: constrained layout
    alone let the lower row's titles run into the upper row's x ticks."""
    import dataclasses

    import optviz as ov
    from optviz.render.animate import _Engine, animate
    from optviz.render.layout import title_overlap

    labels = ["lr = 0.02: too small", "lr = 0.3: about right", "lr = 0.38: oscillates",
              "lr = 0.45: diverges"]  # fmt: skip
    race = ov.race("elliptic", [f"gd:lr={lr}" for lr in (0.02, 0.3, 0.38, 0.45)], steps=3)
    trajs = [
        dataclasses.replace(t, label=s) for t, s in zip(race.trajectories, labels, strict=True)
    ]
    race = dataclasses.replace(race, trajectories=trajs)
    engine = _Engine(animate(race, kind="panels", loss=True, fps=2, duration=1))
    assert title_overlap(engine.fig) <= 0.5
    titles = [ax.title.get_window_extent() for ax in engine.panels]
    assert all(b.y1 <= engine.fig.bbox.height for b in titles)  # still inside the frame


def _side_gutter(fig, ax) -> int:
    """The widest run of columns (px) left empty over the whole height of the map ``ax``."""
    from optviz.render.layout import occupied

    free = ~occupied(fig, 4)
    box, height = ax.bbox, fig.bbox.height
    band = free[int((height - box.y1) / 4) + 1 : int((height - box.y0) / 4) - 1].all(axis=0)
    best = run = 0
    for empty in band:
        run = run + 1 if empty else 0
        best = max(best, run)
    return best * 4


# the legend column left saddle's map 656 of 1280 px wide beside a 108 px empty gutter;
# maps that can grow into more of their surface now take most of the frame's width
# monkey_saddle's map could not grow (x³ falls below its domain's lowest, though no star
# marks a lowest point) and was 756 of 1280 px wide beside a legend column
@pytest.mark.parametrize(
    "name", ["saddle", "styblinski_tang", "himmelblau", "easom", "monkey_saddle"]
)
def test_a_catalog_map_leaves_no_empty_gutter_beside_it(name):
    import optviz as ov
    from optviz.render.audit import lesson_race

    race = lesson_race(name)
    engine = _Engine(race.animate(fps=2, duration=1, title=ov.surface(name).lesson_title))
    try:
        engine.frame(float(race.trajectories[0].steps))
        ax = engine.panels[0]
        gutter, width = _side_gutter(engine.fig, ax), ax.bbox.width
    finally:
        engine.close()
    # the map grows by a margin the size of its action, not onto ground no run goes near
    # (test_framing_gutters): a square-ish map leaves the rest of the width to its legend
    assert gutter <= 40 and width >= 0.6 * 1280, (gutter, width)


def test_ground_beyond_the_domain_is_never_lower_than_a_star_nor_where_a_run_leaves():
    from dataclasses import replace

    import optviz as ov
    from optviz.render.framing import reach

    wide = [[-2.0, 2.0], [-2.0, 2.0]]
    stays = ov.race("saddle", ["gd:lr=0.1"], start=(-1.5, 1e-3), steps=40)
    assert reach(stays, wide, 2.0)[0].tolist() == [-2.6, 2.6]  # x² grows: more of it
    # −y² falls below the domain's lowest: drawn in the lowest band where no star marks
    # the lowest point, never where one does
    assert reach(stays, wide, 0.5)[1].tolist() == [-2.6, 2.6]
    starred = replace(stays.surface, minima=np.zeros((1, 2)), minima_values=np.zeros(1))
    assert reach(replace(stays, surface=starred), wide, 0.5).tolist() == wide
    leaves = ov.race("saddle", ["gd:lr=0.1"], start=(-1.5, 0.1), steps=40)
    assert reach(leaves, wide, 2.0).tolist() == wide  # its exit mark is on the domain's edge


def _map_of(name: str):
    """``(fig, ax, race)``: a catalog lesson's map at its race's last frame (the engine's
    figure, laid out; close it with ``fig``'s engine)."""
    import optviz as ov
    from optviz.render.audit import lesson_race

    race = lesson_race(name)
    engine = _Engine(race.animate(fps=2, duration=1, title=ov.surface(name).lesson_title))
    engine.frame(float(race.trajectories[0].steps))
    return engine, engine.panels[0], race


def _domain_bands(ax, surface) -> int:
    """How many of the map's level bands the domain shows (its own grid's values)."""
    from matplotlib.contour import ContourSet

    filled = next(c for c in ax.collections if isinstance(c, ContourSet) and c.filled)
    Z = surface.grid(200)[2]
    return len(np.unique(np.digitize(Z[np.isfinite(Z)], np.asarray(filled.levels))))


# levels over Styblinski-Tang's grown ground (its corners 17 times higher than the
# domain's) drew the domain in 13 bands of 31 and its four wells in one dark shade
@pytest.mark.parametrize("name", ["styblinski_tang", "matyas", "three_hump_camel"])
def test_growing_a_map_keeps_the_domains_level_bands(name):
    import optviz as ov
    from optviz.render.plots import plot_surface

    s = ov.surface(name)
    engine, ax, _ = _map_of(name)
    try:
        assert not np.allclose([sorted(ax.get_xlim()), sorted(ax.get_ylim())], s.domain)
        grown = _domain_bands(ax, s)
    finally:
        engine.close()
    alone = plot_surface(s, n=200)  # the domain on its own: its own levels
    assert grown >= _domain_bands(alone, s)


# matyas' map grew to the right of its runs (a third of it empty) with its star 20 px
# under the top edge: grown about the runs' middle, with room along the short axis too
def test_a_grown_map_keeps_the_runs_and_the_minimum_in_its_middle():
    engine, ax, race = _map_of("matyas")
    try:
        lo, hi = np.array([sorted(ax.get_xlim()), sorted(ax.get_ylim())]).T
        px = np.array([ax.bbox.width, ax.bbox.height])
    finally:
        engine.close()
    pts = np.concatenate([np.asarray(t.xy, float).reshape(-1, 2) for t in race.trajectories])
    pts = np.vstack([pts, race.surface.minima])
    share = (pts - lo) / (hi - lo)  # where each point sits across the map, 0 to 1
    # a star (its outline 14 px out) and a ball's ring clear of the edge, with room
    edge = np.minimum(share, 1 - share) * px
    assert edge.min() >= 36, edge.min(axis=0)
    middle = (share.min(axis=0) + share.max(axis=0)) / 2
    assert np.all(np.abs(middle - 0.5) <= 0.08), middle


# "↑ diverges, off the scale at step 1" ran off the frame's right edge, its number lost
def test_no_text_of_a_loss_panel_leaves_the_frame():
    from optviz.scenes import load_scene

    race = load_scene(GALLERY / "normalization_scaled.toml").race()
    engine = _race_frame(race, loss=True)
    try:
        fig = engine.fig
        loss = next(ax for ax in fig.axes if ax.get_label() == "side:loss")
        renderer = fig.canvas.get_renderer()
        texts = [t for t in loss.texts if t.get_visible() and t.get_text().strip()]
        boxes = [t.get_window_extent(renderer) for t in texts]
        width, height = fig.bbox.width, fig.bbox.height
    finally:
        engine.close()
    assert texts
    assert all(b.x0 >= 0 and b.x1 <= width and b.y0 >= 0 and b.y1 <= height for b in boxes)
