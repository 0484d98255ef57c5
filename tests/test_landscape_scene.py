"""The landscape scene kind: a scene file trains real networks and draws their plane."""

import numpy as np
import pytest
from PIL import Image

import optviz as ov
from optviz.util.errors import OptvizError

TINY = {
    "optimizers": ["gd:lr=0.5", "adam:lr=0.05"],
    "run": {"steps": 6, "seed": 1},
    "render": {
        "kind": "landscape",
        "dataset": "xor",
        "points": 40,
        "hidden": [4],
        "resolution": 8,
        "size": "small",
        "dpi": 40,
        "output": "net.png",
    },
}


def test_a_landscape_scene_renders_its_plane(tmp_path):
    scene = ov.scene_from_dict(TINY, base=tmp_path)
    (out,) = scene.render()
    assert out == tmp_path / "net.png"
    pixels = np.asarray(Image.open(out).convert("L"), float)
    assert pixels.std() > 5  # contours and paths drawn, not a blank canvas
    names = [row["optimizer"] for row in scene.reports[out]]
    assert [n.split("(")[0] for n in names] == ["gd", "adam"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("plane", "diagonal", "render.plane"), ("resolution", 2, "render.resolution")],
)
def test_landscape_fields_are_checked_in_one_line(tmp_path, field, value, message):
    data = {**TINY, "render": {**TINY["render"], field: value}}
    with pytest.raises(OptvizError, match=message) as err:
        ov.scene_from_dict(data, base=tmp_path)
    assert "\n" not in str(err.value)


def test_small_panel_titles_stay_apart_and_inside_the_frame():
    # two runs told apart by their initialization: "Momentum · Xavier normal" and
    # "Momentum · N(0, 0.01²)" ran into each other and off the frame on one line each
    ls = ov.landscape("moons", ["momentum:lr=0.1"] * 2, steps=4, hidden=(4,), n=40,
                      init=["xavier_normal", "small"], resolution=8)  # fmt: skip
    fig = ls.plot()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    boxes = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
    note = next(ax for ax in fig.axes if ax.get_label() == "plane note")
    boxes += [t.get_window_extent(renderer) for t in note.texts]
    assert len(boxes) >= 3  # the line over the plane and one title per small panel
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, box
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


# -- a network's landscape as a slide: the map is the picture, the ball ends on its loss ----------
@pytest.fixture(scope="module")
def two_runs():
    return ov.landscape("moons", ["gd:lr=0.5", "adam:lr=0.05"], steps=12, hidden=(4,), n=40,
                        resolution=8, origin="ends")  # fmt: skip


@pytest.fixture(scope="module")
def two_networks():
    return ov.landscape("moons", ["momentum:lr=0.1"] * 2, steps=12, hidden=(4, 4), n=40,
                        batchnorm=[False, True], resolution=8, origin="ends")  # fmt: skip


@pytest.mark.parametrize("which", ["two_runs", "two_networks"])
def test_the_map_takes_most_of_an_animation_frame(which, request):
    # the decision-region thumbnails and a wide loss panel left the maps ~30% of the frame
    from optviz.render import audit, landscapeplots
    from optviz.render.animate import _Engine

    ls = request.getfixturevalue(which)
    engine = _Engine(landscapeplots.animate_landscape(ls, duration=1, fps=4))
    try:
        engine.frame(ls.runs[0].steps)
        assert engine.fig.bbox.width == 1280 and engine.fig.bbox.height == 720
        share = sum(audit.area_share(engine.fig, ax) for ax in engine.panels)
        assert share >= landscapeplots.MAP_SHARE, share
        assert len(engine.panels) == (1 if ls.shared else 2)
        shown = [ax for ax in engine.fig.axes if ax.get_visible() and ax.axison]
        assert len(shown) == len(engine.panels) + 1  # the maps and the loss panel, no more
        renderer = engine.fig.canvas.get_renderer()
        note = next(ax for ax in engine.fig.axes if ax.get_label() == "plane note")
        (line,) = (t.get_window_extent(renderer) for t in note.texts)
        frame = engine.fig.bbox
        assert frame.x0 <= line.x0 and line.x1 <= frame.x1, line
        for ax in shown:  # every label on the frame, the loss panel's too
            for text in (ax.xaxis.label, ax.yaxis.label, *ax.get_yticklabels()):
                box = text.get_window_extent(renderer)
                assert not text.get_text() or (frame.x0 <= box.x0 and box.x1 <= frame.x1)
        for ax in engine.panels:  # above the maps, clear of their titles
            assert line.y0 >= ax.bbox.y1 - 1
            assert not line.overlaps(ax.title.get_window_extent(renderer)) or not ax.get_title()
    finally:
        engine.close()


def test_the_loss_axis_fits_the_data(two_runs):
    # the axis ran to 20 for losses under 1: a third of the panel held nothing
    fig = two_runs.plot(boundaries=False)
    loss_ax = next(ax for ax in fig.axes if ax.get_ylabel() == "training loss")
    ys = np.concatenate([*two_runs.loss, *two_runs.plane_loss])
    low, high = loss_ax.get_ylim()
    assert high <= 1.3 * ys.max() and low >= ys.min() / 1.3


@pytest.mark.parametrize("which", ["two_runs", "two_networks"])
def test_a_plane_through_the_ends_puts_each_ball_on_its_true_loss(which, request):
    ls = request.getfixturevalue(which)
    for run, plane, loss in zip(ls.runs, ls.planes, ls.plane_loss, strict=True):
        assert loss[-1] == pytest.approx(run.loss[-1], rel=1e-9, abs=1e-12)
        assert np.allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-9)
    assert ls.shared == (which == "two_runs")


def test_the_line_over_the_map_says_which_plane_in_words(two_runs, two_networks):
    from optviz.render.landscapeplots import plane_note

    assert "both runs' end points" in plane_note(two_runs)
    assert plane_note(two_networks).startswith("Two different networks, each on a map of its own")
    for note in (plane_note(two_runs), plane_note(two_networks)):
        assert "PC" not in note


def test_every_gallery_landscape_ends_each_ball_on_its_loss_or_says_not():
    # a ball that ends on a light shade while its loss line says 0.002 tells two stories:
    # either the plane passes through the ends (the line over the map says so) or the
    # scene claims, for every run, that the plane's loss at the end is its loss
    import tomllib
    from pathlib import Path

    checked = 0
    for path in sorted(Path("gallery").glob("*.toml")):
        scene = tomllib.loads(path.read_text())
        renders = scene.get("render", {})
        if not isinstance(renders, dict) or renders.get("kind") != "landscape":
            continue
        checked += 1
        if renders.get("origin") == "ends":
            continue
        claims = scene.get("lesson", {}).get("claims", [])
        at_end = [c for c in claims if c.startswith("plane_matches(") and "at=end" in c]
        assert len(at_end) >= len(scene["optimizers"]), path.name
    assert checked >= 4


def test_class_colors_stay_apart_for_red_green_readers():
    # the decision regions painted classes red and green: one color to a deuteranope
    from optviz.render.decision_panels import CLASS_COLORS
    from tests.test_visibility import MACHADO, cielab, linear

    for vision, sim in MACHADO.items():
        seen = [cielab(sim @ linear(c)) for c in CLASS_COLORS[:3]]
        gaps = [np.linalg.norm(a - b) for i, a in enumerate(seen) for b in seen[i + 1 :]]
        assert min(gaps) > 20, (vision, gaps)


def test_the_plane_loss_bands_keep_their_colors_in_the_gif(two_runs):
    # a map of greys filled the palette: the light blue band was drawn grey. The map's
    # loss is a dotted line in its run's colour (as the run's path), faded to PLANE_LINE's alpha
    from matplotlib.colors import to_rgb

    from optviz.render import landscapeplots
    from optviz.render.animate import _Engine

    engine = _Engine(landscapeplots.animate_landscape(two_runs, duration=1, fps=4))
    try:
        colors = engine.palette.colors.astype(float)
        alpha = landscapeplots.PLANE_LINE["alpha"]
        for i in range(len(two_runs.runs)):
            run = np.array(to_rgb(engine.movers[i].color)) * 255  # as its path is drawn
            band = 255 + alpha * (run - 255)
            assert np.abs(colors - band).max(axis=1).min() <= 3, i
    finally:
        engine.close()


def test_a_plane_through_more_than_three_ends_is_refused_before_training():
    from optviz.nets.jobs import prepare

    with pytest.raises(OptvizError, match="at most three runs' end points") as err:
        prepare("xor", ["gd", "adam", "momentum", "rmsprop"], origin="ends", hidden=(4,), n=20)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("which", ["two_runs", "two_networks"])
def test_a_shade_key_beside_the_loss_axis_gives_each_loss_the_maps_shade(which, request):
    # "darker = lower", "same shade = same loss" were said with no scale to read them on
    from matplotlib.colors import to_rgba
    from matplotlib.contour import ContourSet

    ls = request.getfixturevalue(which)
    fig = ls.plot(boundaries=False)
    fig.canvas.draw()
    loss_ax = next(ax for ax in fig.axes if ax.get_ylabel() == "training loss")
    (key,) = (ax for ax in loss_ax.child_axes if ax.get_label() == "shade key")
    assert key.get_ylim() == loss_ax.get_ylim() and key.get_yscale() == loss_ax.get_yscale()
    assert key.bbox.x1 == pytest.approx(loss_ax.bbox.x0, abs=1) and key.bbox.width >= 10
    renderer = fig.canvas.get_renderer()
    for label in loss_ax.get_yticklabels():  # the numbers stay clear of the key
        assert not label.get_text() or label.get_window_extent(renderer).x1 <= key.bbox.x0
    for m in [ax for ax in fig.axes if any(isinstance(c, ContourSet) for c in ax.collections)]:
        filled = next(c for c in m.collections if isinstance(c, ContourSet) and c.filled)
        levels = filled.levels
        for mid in 0.5 * (levels[:-1] + levels[1:]):
            (band,) = (p for p in key.patches if _spans(p, mid))
            assert to_rgba(band.get_facecolor()) == pytest.approx(filled.to_rgba(mid))


def _spans(patch, y) -> bool:
    ys = patch.get_path().transformed(patch.get_patch_transform()).vertices[:, 1]
    low, high = ys.min(), ys.max()
    return low < y < high


def test_the_names_a_scene_gives_its_runs_are_the_legends(tmp_path):
    # landscape_init named its runs "Xavier" and "small weights"; the legend said
    # "Momentum (lr 0.1, μ 0.9) · Xavier normal" and "Momentum (lr 0.1, μ 0.9) · N(0, 0.01²)"
    from optviz.render.landscapeplots import plot_landscape
    from optviz.scenes.results import result

    named = [{"name": "gd", "lr": 0.5, "label": "plain"}, "adam:lr=0.05"]
    scene = ov.scene_from_dict({**TINY, "optimizers": named}, base=tmp_path)
    ls = result(scene, scene.renders[0])
    fig = plot_landscape(ls, size="small", dpi=40)
    (legend,) = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    assert [t.get_text() for t in legend.get_texts()][:2] == ["plain", "Adam (lr 0.05)"]


def gallery_landscapes() -> list:
    import tomllib
    from pathlib import Path

    out = []
    for path in sorted(Path("gallery").glob("*.toml")):
        spec = tomllib.loads(path.read_text())
        render = spec.get("render")
        if isinstance(render, dict) and render.get("kind") == "landscape":
            out.append(pytest.param(spec, id=path.stem))
    return out


@pytest.mark.parametrize("spec", gallery_landscapes())
def test_every_text_of_a_gallery_landscape_frame_keeps_the_safe_margin(spec, tmp_path):
    # landscape_init's title ran off both sides ("tialization on a real network: ... at on"),
    # landscape_batchnorm's note under the loss panel off the right edge
    from optviz.render import landscapeplots, safe_margin
    from optviz.render.animate import _Engine
    from optviz.scenes import scene_from_dict
    from optviz.scenes.results import result

    spec = {**spec, "run": {**spec["run"], "steps": 12}, "lesson": {}}
    spec["render"] = {**spec["render"], "resolution": 8}
    scene = scene_from_dict(spec, base=tmp_path)
    (r,) = scene.renders
    ls = result(scene, r)
    anim = landscapeplots.animate_landscape(ls, duration=1, fps=4, title=spec["title"])
    engine = _Engine(anim)
    try:
        engine.frame(ls.runs[0].steps)
        fig = engine.fig
        w, h = fig.bbox.width, fig.bbox.height
        assert (w, h) == (1280, 720)
        for box in safe_margin.text_boxes(fig):
            near = min(box.x0, box.y0, w - box.x1, h - box.y1)
            assert near >= safe_margin.SAFE_PX - 0.6, box
        assert fig._suptitle.get_fontsize() * fig.dpi / 72 >= safe_margin.SMALLEST_PX - 1e-6
        note = next(ax for ax in fig.axes if ax.get_label() == "plane note")
        for line in note.texts[0].get_text().split("\n"):  # no word alone on a line ("both")
            assert " " in line, note.texts[0].get_text()
    finally:
        engine.close()


@pytest.mark.parametrize("which", ["two_runs", "two_networks"])
def test_the_loss_panel_is_a_fifth_of_the_frame_wide(which, request):
    # the loss panel carries the lesson's number ("fifty times lower"); at 130-180 px of a
    # 1280 px frame its curves were a smudge (a quarter took width two maps need)
    from optviz.render import landscapeplots
    from optviz.render.animate import _Engine

    ls = request.getfixturevalue(which)
    engine = _Engine(landscapeplots.animate_landscape(ls, duration=1, fps=4))
    wide = engine.loss_ax.get_window_extent().width / engine.fig.bbox.width
    assert wide >= landscapeplots.LOSS_SHARE, wide


def test_a_map_tag_touches_no_curve():
    # a curve just over the whole stretch apart: the tag goes under the dotted line
    import matplotlib.pyplot as plt

    from optviz.render import landscapeplots

    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    steps = np.arange(50)
    loss = np.full(50, 1.0)
    plane = np.where((steps > 10) & (steps < 40), 3.0, 1.0)
    ax.set_xlim(0, 49)
    ax.set_ylim(0, 5)
    fig.canvas.draw()
    crossing = (steps, np.full(50, 3.3))  # just over the dotted line, where its tag went
    curves = [(steps, loss), (steps, landscapeplots.parted(loss, plane)), crossing]
    tag = landscapeplots.map_tag(ax, loss, plane, "k", curves=curves)
    renderer = fig.canvas.get_renderer()
    assert tag is not None and tag.get_va() == "top"  # under the dotted line: room there
    if tag is not None:
        box = tag.get_window_extent(renderer)
        for x, y in curves:
            px = ax.transData.transform(np.c_[x, y])
            ok = np.isfinite(px).all(1)
            inside = (box.x0 <= px[ok, 0]) & (px[ok, 0] <= box.x1)
            inside &= (box.y0 <= px[ok, 1]) & (px[ok, 1] <= box.y1)
            assert not inside.any(), (tag.step, box)
    plt.close(fig)
