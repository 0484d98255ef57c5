"""Glyphs follow the rules for pictures in a room: with glyphs on, every path keeps a
quarter of its pixels, every text is readable at 16:9, and the legend column leaves no
wide empty strip beside the map."""

from __future__ import annotations

import numpy as np
import pytest
from test_type_sizes import too_small
from test_visibility import PROBE, _pixels, probe_pixels

import optviz as ov
from optviz.render import glyph_sizes, glyphs, paths, plots, race_figure, style
from optviz.render.animate import _Engine, animate
from optviz.scenes import load_scene

GALLERY = "gallery/glyphs_{}.toml"


def gallery_race(name: str, steps: int):
    """A glyph gallery scene's race, shortened (the same optimizers, start and surface)."""
    scene = load_scene(GALLERY.format(name))
    return ov.race(
        scene.surface, list(scene.optimizers), start=scene.starts, steps=steps, keep_state=True
    )


RACES = {
    "momentum": lambda: gallery_race("momentum", 40),
    "adagrad_rmsprop": lambda: gallery_race("adagrad_rmsprop", 150),
    "adam_box": lambda: gallery_race("adam_box", 40),
    "rosenbrock": lambda: ov.race(
        "rosenbrock",
        ["momentum:lr=1e-3", "adam:lr=0.05", "lion:lr=0.02"],
        start=(-1.5, 1.5),
        steps=60,
        keep_state=True,
    ),
}


@pytest.fixture(scope="module", params=list(RACES))
def race(request):
    return RACES[request.param]()


# ----------------------------------------------------------------------------- occlusion
def _probe_path(race, i: int, monkeypatch) -> str:
    """Draw optimizer ``i`` in the probe colour; return its own colour (for its glyphs:
    only the path's pixels are counted, and its own glyphs may hide them too)."""
    looks = paths.run_looks
    own = looks(race.trajectories)[i]["color"]
    monkeypatch.setattr(
        paths,
        "run_looks",
        lambda trajs: [
            {**look, "color": PROBE} if k == i else look for k, look in enumerate(looks(trajs))
        ],
    )
    return own


def _glyph_lines(fig) -> list:
    gid = glyphs.KEY_GID
    return fig.findobj(lambda a: (a.get_gid() or "").startswith("glyph-") and a.get_gid() != gid)


def _show_only_path(fig, i: int) -> None:
    for artist in fig.findobj(lambda a: (a.get_gid() or "").startswith(("optimizer-", "glyph-"))):
        artist.set_visible(artist.get_gid() == f"optimizer-{i}")


def animated_shares(race, i: int, monkeypatch) -> list[float]:
    """Path ``i``'s visible share with every path and glyph drawn, at a third, two
    thirds and the end of the run."""
    own = _probe_path(race, i, monkeypatch)
    engine = _Engine(animate(race, glyphs=True, fps=2, duration=1, size=(8.0, 4.5), dpi=80))
    try:
        ax = engine.panels[0]
        steps = race[0].steps * np.array([1 / 3, 2 / 3, 1.0])
        engine.frame(0.0)  # the glyph overlay is built on the first frame
        for line in _glyph_lines(engine.fig):
            if line.get_gid().startswith(f"glyph-{i}-"):
                line.set_color(own)
        together = [probe_pixels(engine.frame(s), ax.bbox) for s in steps]
        _show_only_path(engine.fig, i)
        alone = [probe_pixels(engine.frame(s), ax.bbox) for s in steps]
    finally:
        engine.close()
    assert min(alone) > 50, "the probe path must be drawn at all"
    return [t / a for t, a in zip(together, alone, strict=True)]


def still_share(race, i: int, monkeypatch) -> float:
    own = _probe_path(race, i, monkeypatch)
    fig = race_figure.plot_race(race, glyphs=True, size=(8.0, 4.5), dpi=80)
    ax = fig.axes[0]
    lines = _glyph_lines(fig)
    assert lines, "the figure must have glyphs"
    for line in lines:
        if line.get_gid().startswith(f"glyph-{i}-"):
            line.set_color(own)
    together = probe_pixels(_pixels(fig), ax.bbox)
    _show_only_path(fig, i)
    alone = probe_pixels(_pixels(fig), ax.bbox)
    assert alone > 50, "the probe path must be drawn at all"
    return together / alone


def test_with_glyphs_every_path_keeps_a_quarter_of_its_pixels(race, monkeypatch):
    for i in range(len(race)):
        with monkeypatch.context() as m:
            shares = animated_shares(race, i, m)
        with monkeypatch.context() as m:
            shares.append(still_share(race, i, m))
        assert min(shares) >= 0.25, (race.surface.name, i, shares)


def test_glyphs_over_a_path_do_hide_it():
    # the measure can fail: a glyph layer drawn thick over the probe path hides most of it
    r = RACES["adam_box"]()
    fig = plots.new_figure((8.0, 4.5), 80)
    ax = plots.plot_surface(r.surface, fig.add_subplot())
    ax.plot(*r[1].xy.T, color=PROBE, lw=2.4)
    ax.plot(*r[1].xy.T, color=style.color(0), lw=9)  # a glyph-like line, wider, over it
    assert probe_pixels(_pixels(fig), ax.bbox) < 0.05 * 1000


# ----------------------------------------------------------------------------- text
@pytest.mark.parametrize(
    ("kind", "loss"), [("contour", False), ("contour", True), ("3d", False), ("panels", False)]
)
def test_glyph_figures_and_frames_are_readable(kind, loss):
    r = RACES["rosenbrock"]()
    fig = race_figure.plot_race(r, kind=kind, loss=loss, glyphs=True)
    assert glyphs.find_key(fig) is not None
    assert too_small(fig) == []
    engine = _Engine(animate(r, kind=kind, loss=loss, glyphs=True, fps=2, duration=1))
    try:
        engine.frame(10.0)
        key = glyphs.find_key(engine.fig)
        assert key is not None
        assert too_small(engine.fig) == []
        # the whole key is on the picture (under a loss panel the legend column cut it)
        box, fig_box = key.get_window_extent(engine.fig.canvas.get_renderer()), engine.fig.bbox
        assert box.y0 >= fig_box.y0 - 1 and box.x1 <= fig_box.x1 + 1, (box, fig_box)
    finally:
        engine.close()


# ----------------------------------------------------------------------------- gutters
def widest_empty_column(rgb: np.ndarray) -> float:
    """The widest run of pixel columns holding only the background, as a share of the
    width (an empty strip from top to bottom: a gutter)."""
    face = rgb[0, -1].astype(int)
    empty = (np.abs(rgb.astype(int) - face).sum(axis=-1) < 30).all(axis=0)
    edges = np.diff(np.r_[0, empty.astype(int), 0])
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return float(runs.max(initial=0)) / rgb.shape[1]


def test_the_measure_finds_a_gutter():
    rgb = np.full((20, 100, 3), 255, np.uint8)
    rgb[:, :40] = 0
    rgb[5, 70] = 0
    assert widest_empty_column(rgb) == pytest.approx(0.30)  # columns 40-69


def test_the_glyph_key_column_leaves_no_wide_gutter(race):
    engine = _Engine(animate(race, glyphs=True, fps=2, duration=1))
    try:
        frame = engine.frame(float(race[0].steps))
        assert engine.fig.get_size_inches().tolist() == [12.8, 7.2]
    finally:
        engine.close()
    assert widest_empty_column(frame) <= 0.10, race.surface.name
    fig = race_figure.plot_race(race, glyphs=True)
    assert widest_empty_column(_pixels(fig)) <= 0.10, race.surface.name


def test_nor_beside_a_3d_view():
    r = RACES["adam_box"]()
    engine = _Engine(animate(r, kind="3d", glyphs=True, fps=2, duration=1))
    try:
        frame = engine.frame(10.0)
    finally:
        engine.close()
    # the 3-D block's silhouette slants away from its axes' edge: a 1% allowance for it
    assert widest_empty_column(frame) <= 0.11


def test_nor_does_the_plain_layout():
    # the same race without glyphs: the legend column fits its legend there too
    r = RACES["adam_box"]()
    fig = race_figure.plot_race(r)
    assert widest_empty_column(_pixels(fig)) <= 0.10


def test_a_rate_box_keeps_a_height_and_reads_as_a_box_in_the_key():
    """Adagrad's rate across the furrow is nearly nothing from its first steps: its box
    still has a visible height (a flat dashed bar reads as a line), and the key draws a
    box as a box, not as a line of the same colour as an arrow."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    fig, ax = plt.subplots(figsize=(12.8, 3.6), dpi=100)
    ax.set_xlim(-4.2, 3.8)
    ax.set_ylim(-0.3, 1.8)
    at = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    # the second's rate across is exactly 0; the third has shrunk to a few pixels
    sides = np.array([[2.0, 1e-6], [0.5, 0.0], [0.05, 0.01]])
    drawn = glyphs.at_least_px(ax, at, sides, box=True)
    px = np.abs(ax.transData.transform(at + drawn) - ax.transData.transform(at))
    assert (px >= glyphs.BOX_THIN_PX - 1e-6).all(), px
    assert (px.max(axis=1) >= glyphs.BOX_LEAST_PX - 1e-6).all(), px  # it frames its ball
    assert drawn[0, 0] == pytest.approx(2.0)  # the wide side as it was
    plt.close(fig)
    handles, labels = glyphs.key_entries([{"grad": np.ones((2, 1, 2)), "box": np.ones((2, 1, 2))}],
                                         glyphs.Scales({}, 1.0), "light")  # fmt: skip
    kinds = dict(zip(labels, handles, strict=True))
    assert isinstance(kinds["box sides: x and y rates"], Rectangle)
    assert not isinstance(kinds["downhill (−gradient)"], Rectangle)


def test_a_panel_per_optimizer_keeps_its_key_in_the_corner_the_runs_leave_empty():
    race = RACES["adagrad_rmsprop"]()
    assert glyphs.emptiest_corner(race) == "upper right"  # the runs go down and along the floor
    with style.themed("light"):
        anim = animate(race, kind="panels", glyphs=True, fps=2, duration=1)
        engine = anim._engine()
        try:
            engine.frame(0.0)
            key = glyphs.find_key(engine.fig)
            assert key is not None and key.axes is engine.panels[0]
            fig_box, key_box = engine.fig.bbox, key.get_window_extent()
            assert key_box.x1 <= engine.panels[0].bbox.x1 + 1  # inside the panel, no strip
            assert key_box.x1 <= fig_box.x1
        finally:
            engine.close()


# ----------------------------------------------------------------------------- box sizes
def test_a_small_box_grows_whole_to_a_thin_side_seen_from_the_back_of_a_room():
    """A rate box a few pixels across grows, keeping its shape (the ratio of its rates is
    the lesson), until its thinner side is BOX_THIN_PX; one that would grow past
    BOX_MOST_PX grows to that and is widened across alone."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12.8, 7.2), dpi=100)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    at = np.array([[5.0, 5.0], [5.0, 5.0]])
    unit = glyph_sizes.px_per_unit(ax)
    sides = np.array([[40.0, 10.0], [120.0, 3.0]]) / unit  # in pixels: 40 x 10, 120 x 3
    px = np.abs(ax.transData.transform(at + glyphs.at_least_px(ax, at, sides, box=True))
                - ax.transData.transform(at))  # fmt: skip
    plt.close(fig)
    np.testing.assert_allclose(px[0], [96.0, 24.0], rtol=1e-6)  # 4:1 kept
    np.testing.assert_allclose(px[1], [glyphs.BOX_MOST_PX, glyphs.BOX_THIN_PX], rtol=1e-6)


ROOM_PX = 24.0  # issue 22: a glyph that teaches is at least this across at 1280 x 720
SCENES = {"glyphs_adagrad_rmsprop": 150, "glyphs_adam_box": 32, "rprop_ravine": 60}


def _glyph_scene_engine(name: str, steps: int) -> _Engine:
    """The frames of gallery glyph scene ``name`` run for ``steps``, with its glyphs, at
    1280 x 720."""
    scene = load_scene(f"gallery/{name}.toml")
    r = ov.race(scene.surface, list(scene.optimizers), start=scene.starts, steps=steps,
                keep_state=True)  # fmt: skip
    opts = scene.renders[0].options
    return _Engine(animate(r, kind=scene.renders[0].kind, loss=opts["loss"], glyphs=True, fps=2,
                           duration=1, size=(12.8, 7.2), dpi=100))  # fmt: skip


@pytest.mark.parametrize("name", list(SCENES))
def test_rate_boxes_are_at_least_24_px_across_when_they_teach(name):
    """At a third, two thirds and the end of the run (the callouts' moments), every box
    of a gallery glyph scene is at least ROOM_PX across at 1280 x 720."""
    engine = _glyph_scene_engine(name, SCENES[name])
    try:
        engine.frame(0.0)
        seen = 0
        for s in SCENES[name] * np.array([0.0, 1 / 6, 1 / 3, 2 / 3, 1.0]):
            engine.frame(s)
            for line in _glyph_lines(engine.fig):
                if not line.get_gid().endswith(("-box", "-sizes")):
                    continue
                xy = np.column_stack(line.get_data())
                xy = xy[np.isfinite(xy).all(axis=1)]
                if len(xy):
                    px = np.ptp(line.axes.transData.transform(xy), axis=0)
                    assert px.min() >= ROOM_PX - 0.5, (name, s, line.get_gid(), px)
                    seen += 1
        assert seen >= 2
    finally:
        engine.close()


def test_a_stills_glyphs_lie_under_its_whole_paths():
    """A still draws each path whole and glyphs at several steps along it (Lion's step
    arrow lies on the path it explains): under the paths, they hide none of them."""
    fig = race_figure.plot_race(RACES["rosenbrock"](), glyphs=True, size=(8.0, 4.5), dpi=80)
    paths = fig.findobj(lambda a: (a.get_gid() or "").startswith("optimizer-"))
    lines = _glyph_lines(fig)
    assert paths and lines
    assert max(g.get_zorder() for g in lines) < min(p.get_zorder() for p in paths)


def test_a_panel_with_a_rate_box_has_a_rate_inset_big_by_construction():
    """glyphs_adagrad_rmsprop's lesson (Adagrad's rate only falls) reads at a glance: each
    panel has an inset of its rate along x up to the current step, at least 48 px tall at
    1280 x 720, whose line is the run's rate (the box's width) step by step."""
    from optviz.render.glyphs import raw_glyphs

    r = RACES["adagrad_rmsprop"]()
    engine = _Engine(animate(r, kind="panels", glyphs=True, fps=2, duration=1, size=(12.8, 7.2),
                             dpi=100))  # fmt: skip
    try:
        engine.frame(0.0)
        engine.frame(100.0)
        insets = engine.fig.findobj(lambda a: a.get_gid() == "rate-inset")
        assert len(insets) == 2
        for i, inset in enumerate(insets):
            assert inset.bbox.height >= 48 - 0.5 and inset.bbox.width >= 2 * inset.bbox.height
            x, y = inset.get_lines()[0].get_data()
            assert x[-1] == 101  # steps from 1: log-log
            np.testing.assert_allclose(y, np.abs(raw_glyphs(r[i])["box"][:101, 0, 0]))
        assert len({inset.get_ylim() for inset in insets}) == 1  # one scale for the race
        for inset in insets:  # read with its decades: Adagrad's fall is 17×, RMSprop's 10×
            labels = [t.get_text() for t in inset.texts]
            assert "1" in labels and "0.1" in labels, labels
            for t in inset.texts:  # inside the inset, at least 16 px
                box = t.get_window_extent()
                assert t.get_fontsize() * 100 / 72 >= 16
                assert inset.bbox.x0 - 1 <= box.x0 and box.x1 <= inset.bbox.x1 + 1, t.get_text()
        rates = [inset.get_lines()[0].get_data()[1] for inset in insets]
        assert rates[0][0] / rates[0][-1] > 5  # Adagrad's falls ...
        assert rates[1][50] / rates[1][-1] < 1.5  # ... RMSprop's settles
    finally:
        engine.close()


LESSON = {"glyphs_adam_box": (32, "box"), "glyphs_momentum": (50, "velocity"),
          "glyphs_adagrad_rmsprop": (150, "box")}  # fmt: skip


@pytest.mark.parametrize("name", list(LESSON))
def test_the_held_last_frame_still_draws_the_lesson_glyph(name):
    """The last frame is held longest: each glyph scene's lesson glyph (the rate box, the
    velocity) is still drawn there, at least ROOM_PX across, for every run that has one,
    even once its ball has arrived at the minimum."""
    steps, kind = LESSON[name]
    engine = _glyph_scene_engine(name, steps)
    try:
        engine.frame(0.0)
        engine.frame(float(steps))
        lines = [g for g in _glyph_lines(engine.fig) if g.get_gid().endswith(f"-{kind}")]
        assert lines
        for line in lines:
            xy = np.column_stack(line.get_data())
            xy = xy[np.isfinite(xy).all(axis=1)]
            assert len(xy), (name, line.get_gid())
            px = np.ptp(line.axes.transData.transform(xy), axis=0)
            assert px.max() >= ROOM_PX - 0.5, (name, line.get_gid(), px)
    finally:
        engine.close()


@pytest.mark.parametrize("name", ["glyphs_adam_box"])
def test_a_box_held_after_arrival_keeps_clear_of_the_ball_at_rest_and_its_goal(name):
    """rprop_ravine: the held "step size per axis" box drew around the star and both
    balls, so the goal could not be read; glyphs_adam_box: Adam's ball, its box and the
    star merged. A box held once its ball has arrived stands where it clears the end."""
    steps, kind = LESSON[name]
    engine = _glyph_scene_engine(name, steps)
    try:
        engine.frame(0.0)
        engine.frame(float(steps))
        race = engine.anim.race
        checked = 0
        for line in _glyph_lines(engine.fig):
            if not line.get_gid().endswith(("-box", "-sizes")):
                continue
            xy = np.column_stack(line.get_data())
            xy = xy[np.isfinite(xy).all(axis=1)]
            if not len(xy):
                continue
            i = int(line.get_gid().split("-")[1])
            end = np.asarray(race.trajectories[i].xy[-1], float).reshape(-1, 2)
            lo, hi = xy.min(0), xy.max(0)
            inside = ((end > lo) & (end < hi)).all(axis=1)
            assert not inside.any(), (name, line.get_gid(), lo, hi, end)
            checked += 1
        assert checked
    finally:
        engine.close()


def test_rprops_step_size_box_is_centred_on_its_ball_in_every_frame_until_it_arrives():
    """rprop_ravine: from its arrival on, Rprop's step-size box was held where the ball had
    been (x -1.45..-0.7, the ball at 0.05), and at its last readable height (y step 0.3)
    while the closing callout said the y step fell 310,000x. The box is centred on the
    ball in every frame it is drawn in, drawn through the turn, and gone once it arrives."""
    engine = _glyph_scene_engine("rprop_ravine", 60)
    try:
        engine.frame(0.0)  # the glyphs are made with the first frame
        (line,) = [g for g in _glyph_lines(engine.fig) if g.get_gid().endswith("-sizes")]
        run = int(line.get_gid().split("-")[1])
        race = engine.anim.race
        xy = np.asarray(race.trajectories[run].xy, float)[:, None, :]
        arrived = float(glyphs.arrival_step(xy, race.surface, glyphs.view_span(race)).min())
        drawn = []
        for s in np.arange(0.0, 60.01, 0.5):  # every step and between: every frame a GIF shows
            engine.frame(float(s))
            xy = np.column_stack(line.get_data())
            xy = xy[np.isfinite(xy).all(axis=1)]
            if not len(xy):
                continue
            drawn.append(s)
            centre = line.axes.transData.transform((xy.min(0) + xy.max(0)) / 2)
            ball = line.axes.transData.transform(np.asarray(engine.movers[run].heads, float))
            assert np.hypot(*(centre - ball[0, :2])) <= 1.0, (s, centre, ball)
        assert drawn and min(drawn) < 12 < max(drawn)  # through the turn (step 12)
        assert max(drawn) < arrived  # and gone once the ball has arrived
    finally:
        engine.close()


def test_a_key_swatch_drawn_by_several_runs_is_neutral_not_the_first_runs_colour():
    """In glyphs_adagrad_rmsprop both runs draw a rate box, blue and orange: the key's
    swatch is grey, so the RMSprop panel's orange box does not look unexplained."""
    from matplotlib.colors import to_rgb

    raws = [glyphs.raw_glyphs(t) for t in RACES["adagrad_rmsprop"]()]
    handles, labels = glyphs.key_entries(raws, glyphs.Scales({}, 1.0), "light")
    box = handles[labels.index("box sides: x and y rates")]
    assert to_rgb(box.get_edgecolor()) == to_rgb(glyphs.NEUTRAL)
    one, _ = glyphs.key_entries(raws[1:], glyphs.Scales({}, 1.0), "light")
    assert to_rgb(one[-1].get_edgecolor()) == to_rgb(style.color(0))  # one run: its colour


def test_an_arrived_run_with_a_rate_box_leaves_no_velocity_arrow_behind():
    """glyphs_adam_box: once Adam has arrived it keeps its lesson glyph, the rate box, around
    where it was; a velocity arrow held too was left on the map far from the ball, tied to
    nothing. A run without a box (momentum) still holds its velocity."""
    assert not glyphs.holds({"velocity": 1, "box": 1}, "velocity")
    assert glyphs.holds({"velocity": 1}, "velocity") and glyphs.holds({"box": 1}, "box")
    engine = _glyph_scene_engine("glyphs_adam_box", 32)
    try:
        engine.frame(0.0)
        engine.frame(32.0)
        (line,) = [g for g in _glyph_lines(engine.fig) if g.get_gid() == "glyph-1-velocity"]
        xy = np.column_stack(line.get_data())
        assert not np.isfinite(xy).all(axis=1).any()
    finally:
        engine.close()


def test_a_rate_inset_reads_against_steps_and_more_than_two_lines():
    """The rate inset of glyphs_adagrad_rmsprop has a step axis (step 1, 10, 100) and at
    least three labelled rate lines (1, 0.3, 0.1), not just 1 and 0.1."""
    from optviz.render.rate_inset import rate_insets

    engine = _glyph_scene_engine("glyphs_adagrad_rmsprop", 300)
    try:
        engine.frame(0.0)
        engine.frame(300.0)
        insets = engine.fig.findobj(lambda a: a.get_gid() == "rate-inset")
        assert len(insets) == 2 and rate_insets
        for inset in insets:
            ticks = [t.get_text() for t in inset.get_xticklabels()]
            assert ticks[:3] == ["step 1", "10", "100"], ticks
            values = [t.get_text() for t in inset.texts if t.get_text()[0].isdigit()]
            assert len(values) >= 3, values
    finally:
        engine.close()


def test_a_rate_insets_scale_labels_stand_on_one_side():
    # glyphs_adagrad_rmsprop: "1" and "0.3" sat on the right, "0.1" on the left
    engine = _glyph_scene_engine("glyphs_adagrad_rmsprop", 150)
    try:
        engine.frame(0.0)
        engine.frame(150.0)
        insets = [child for ax in engine.panels for child in ax.child_axes]
        numbers = [[t for t in ax.texts if t.get_text().replace(".", "").isdigit()]
                   for ax in insets]  # fmt: skip
        assert any(len(n) >= 2 for n in numbers), [[t.get_text() for t in n] for n in numbers]
        for labels in numbers:
            assert len({t.get_ha() for t in labels}) <= 1, [t.get_text() for t in labels]
    finally:
        engine.close()
