"""Animations, checked by their pixels: colors along paths, divergence crosses, themes,
frame counts, the held last frame, byte-identical output."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

import optviz as ov
from optviz.render import edge_marks, losses, paths, plots, style
from optviz.render.animate import _Engine, animate
from optviz.util.errors import OutputError, ParameterError, UnknownNameError

SMALL = {"size": (4, 3), "dpi": 60}


@pytest.fixture(scope="module")
def bowl_race():
    return ov.race("quadratic", ["gd:lr=0.05", "adam:lr=0.1"], start=(1.5, 1.2), steps=40)


@pytest.fixture(scope="module")
def diverging():
    # gd with lr > 1 on x² + y²-like bowls grows by |1 - 2 lr| per step and escapes
    return ov.race("quadratic", ["gd:lr=1.3"], start=(0.5, 0.3), steps=60)


def rgb255(color: str) -> np.ndarray:
    return np.array(to_rgb(color)) * 255


def near_color(img: np.ndarray, color: str, tol: float = 30.0) -> np.ndarray:
    return np.linalg.norm(img.astype(float) - rgb255(color), axis=-1) < tol


def pixel(ax, img: np.ndarray, xy) -> tuple[int, int]:
    """Row and column of data point ``xy`` in the rendered image."""
    x, y = ax.transData.transform(np.asarray(xy, float))
    return int(round(img.shape[0] - y)), int(round(x))


def window(mask: np.ndarray, rc: tuple[int, int], r: int) -> np.ndarray:
    row, col = rc
    return mask[max(row - r, 0) : row + r + 1, max(col - r, 0) : col + r + 1]


def test_each_optimizer_color_runs_along_its_path(bowl_race):
    # at 640x480: in a map a few dozen pixels wide the two paths are a pixel apart
    anim = animate(bowl_race, fps=5, duration=1, size="small", dpi=100)
    engine = _Engine(anim)
    try:
        img = engine.frame(float(anim.steps))
        ax = engine.panels[0]
        colors = paths.run_colors(bowl_race.trajectories)  # each run in its optimizer's look
        for i, traj in enumerate(bowl_race):
            mask = near_color(img, colors[i])
            # sample the first half of the path: past the shared start marker, outside
            # the balls (fanned out where they meet) and the minimum's star that sit
            # over the ends; where the other path crosses on top (with its outline) a
            # sample may be covered
            balls = np.concatenate([np.c_[m.ball.get_data()] for m in engine.movers])
            drawn = [np.array(pixel(ax, img, b)) for b in balls]
            reach = engine.movers[i].ball.get_markersize() * engine.fig.dpi / 72 / 2 + 3
            where = [np.array(pixel(ax, img, p)) for p in traj.xy]
            free = [t for t in range(3, len(traj.xy) // 2 + 4)
                    if min(np.hypot(*(where[t] - d)) for d in drawn) > reach]  # fmt: skip
            samples = np.array(free)[np.linspace(0, len(free) - 1, 6).astype(int)]
            hits = [window(mask, pixel(ax, img, traj.xy[t]), 3).any() for t in samples]
            assert sum(hits) >= 4, (i, hits)
    finally:
        engine.close()


def test_diverged_start_shows_its_cross_from_the_step_it_diverged(diverging):
    traj = diverging[0]
    div = int(traj.diverged_at)
    assert 0 < div < traj.steps
    anim = animate(diverging, fps=5, duration=2, trail=False, **SMALL)
    engine = _Engine(anim)
    try:
        # where its drawn path leaves the view, inside the edge
        drawn = plots.drawable(traj.xy[:, None, :], traj.surface)
        where = edge_marks.exit_marks(drawn, np.atleast_1d(div), traj.surface.domain)[0]
        before = engine.frame(float(div - 1))
        after = engine.frame(float(div))
        rc = pixel(engine.panels[0], after, where)
        color = style.color(0)
        # the cross joins the arrow that marked where the ball left the view (step 3)
        grown = window(near_color(after, color), rc, 5).sum()
        assert grown - window(near_color(before, color), rc, 5).sum() >= 15
    finally:
        engine.close()


@pytest.mark.parametrize(("theme", "dark"), [("dark", True), ("light", False)])
def test_theme_background(bowl_race, theme, dark):
    img = next(animate(bowl_race, theme=theme, fps=2, duration=0.5, **SMALL).frames())
    corner = img[:4, :4].reshape(-1, 3).mean(0)
    luminance = corner @ [0.2126, 0.7152, 0.0722]
    assert (luminance < 60) if dark else (luminance > 200)


@pytest.mark.parametrize("steps", [7, 40, 300])
def test_frame_count_is_duration_times_fps_whatever_the_steps(steps):
    r = ov.race("quadratic", ["adam:lr=0.1"], start=(1.0, 1.0), steps=steps)
    anim = animate(r, fps=8, duration=1.5, hold_first=0.5, **SMALL)
    frames = list(anim.frames())
    assert anim.n_frames == len(frames) == 12 + 4  # 0.5 s of the first frame held
    assert all((f == frames[0]).all() for f in frames[:5])
    s = anim.frame_steps()
    assert len(s) == 12 and s[0] == 0 and s[-1] == steps and np.all(np.diff(s) > 0)
    # frames follow the motion: something moves every frame after the held first
    moving = frames[4:]
    assert all((a != b).any() for a, b in zip(moving, moving[1:], strict=False))


def test_saved_gif_has_the_frames_and_holds_the_last(tmp_path, bowl_race):
    anim = animate(bowl_race, fps=10, duration=0.8, hold=1.5, hold_first=0.5, **SMALL)
    out = anim.save(tmp_path / "race.gif")
    im = Image.open(out)
    assert im.n_frames == anim.n_frames == 8 + 5
    durations = []
    for k in range(im.n_frames):
        im.seek(k)
        durations.append(im.info["duration"])
    assert durations[:-1] == [100] * 12
    assert durations[-1] == 100 + 1500
    assert anim.hold_frames == 15


def test_same_inputs_give_byte_identical_gif(tmp_path, bowl_race):
    a = animate(bowl_race, fps=6, duration=1, loss=True, **SMALL).save(tmp_path / "a.gif")
    b = animate(bowl_race, fps=6, duration=1, loss=True, **SMALL).save(tmp_path / "b.gif")
    assert a.read_bytes() == b.read_bytes()


def test_gif_frames_match_the_rendered_frames(tmp_path, bowl_race):
    anim = animate(bowl_race, fps=4, duration=1, **SMALL)
    frames = list(anim.frames())
    im = Image.open(anim.save(tmp_path / "a.gif"))
    for k, frame in enumerate(frames):
        im.seek(k)
        got = np.asarray(im.convert("RGB")).astype(int)
        # one palette for the whole animation: small rounding, never a wrong color
        assert np.percentile(np.abs(got - frame).max(-1), 99) <= 24


def test_png_is_the_last_frame_and_svg_the_static_plot(tmp_path, bowl_race):
    anim = animate(bowl_race, fps=4, duration=1, **SMALL)
    last = list(anim.frames())[-1]
    png = anim.save(tmp_path / "last.png")
    np.testing.assert_array_equal(np.asarray(Image.open(png).convert("RGB")), last)
    assert anim.save(tmp_path / "race.svg").read_text().lstrip().startswith("<?xml")


def test_mp4_without_the_extra_is_a_clear_error(tmp_path, bowl_race, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(OutputError, match=r"pip install 'optviz\[mp4\]'"):
        animate(bowl_race, fps=4, duration=0.5, **SMALL).save(tmp_path / "a.mp4")


def test_failed_save_leaves_existing_file_intact(tmp_path, bowl_race, monkeypatch):
    target = tmp_path / "race.gif"
    target.write_bytes(b"old")

    def crash(self, s):
        raise RuntimeError("draw failed")

    monkeypatch.setattr(_Engine, "frame", crash)
    with pytest.raises(RuntimeError):
        animate(bowl_race, fps=4, duration=0.5, **SMALL).save(target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["race.gif"]


def test_loss_panel_marker_follows_the_loss(bowl_race):
    anim = animate(bowl_race, loss=True, fps=4, duration=1, **SMALL)
    engine = _Engine(anim)
    try:
        k = 20
        img = engine.frame(float(k))
        shift = losses.loss_axis(bowl_race.trajectories).shift
        colors = paths.run_colors(bowl_race.trajectories)
        for i, traj in enumerate(bowl_race):
            y = traj.loss[k] - shift
            rc = pixel(engine.loss_ax, img, (k, y))
            assert window(near_color(img, colors[i]), rc, 2).any()
    finally:
        engine.close()


def test_panels_and_3d_show_every_optimizer(bowl_race):
    for kind in ("panels", "3d"):
        anim = animate(bowl_race, kind=kind, fps=2, duration=1, size="small", dpi=70)
        img = list(anim.frames())[-1]
        for i, color in enumerate(paths.run_colors(bowl_race.trajectories)):
            assert near_color(img, color, tol=20).sum() > 10, (kind, i)


def test_3d_rotation_turns_the_camera(bowl_race):
    anim = animate(bowl_race, kind="3d", rotate=60, fps=2, duration=1, **SMALL)
    engine = _Engine(anim)
    try:
        azim0 = engine.panels[0].azim
        engine.frame(float(anim.steps))
        assert engine.panels[0].azim == pytest.approx(azim0 + 60)
    finally:
        engine.close()


def test_multi_start_runs_animate_every_start():
    r = ov.race("himmelblau", ["gd:lr=0.01"], start=[[0, 0], [-1, 1], [1, -2]], steps=30)
    anim = animate(r, fps=2, duration=1, **SMALL)
    engine = _Engine(anim)
    try:
        img = engine.frame(30.0)
        mask = near_color(img, style.color(0))
        for xy in r[0].xy[-1]:  # each ball at its end, or seated beside the minimum it
            # rests on (a landmark's reach and its own, about 14 px at this size)
            assert window(mask, pixel(engine.panels[0], img, xy), 14).any()
    finally:
        engine.close()


def test_repr_html_embeds_a_gif(bowl_race):
    html = animate(bowl_race, fps=2, duration=0.5, **SMALL)._repr_html_()
    assert "data:image/gif;base64," in html
    png = animate(bowl_race, fps=2, duration=0.5, **SMALL)._repr_png_()
    assert Image.open(io.BytesIO(png)).format == "PNG"


def test_bad_options_are_clear_errors(bowl_race):
    with pytest.raises(UnknownNameError, match="did you mean 'contour'"):
        animate(bowl_race, kind="contours")
    with pytest.raises(UnknownNameError, match="theme"):
        animate(bowl_race, theme="sepia")
    for bad in ({"fps": 0}, {"duration": -1}, {"hold": -2}, {"dpi": 5}, {"trail": "yes"}):
        with pytest.raises(ParameterError):
            animate(bowl_race, **bad)
    with pytest.raises(ParameterError, match="Race or Trajectory"):
        animate("rosenbrock")


def test_a_notebook_gets_gif_and_png_from_one_rendering(bowl_race, monkeypatch):
    anim = animate(bowl_race, fps=2, duration=0.5, **SMALL)
    drawn = []
    frame = _Engine.frame
    monkeypatch.setattr(_Engine, "frame", lambda self, s: drawn.append(s) or frame(self, s))
    bundle = anim._repr_mimebundle_()
    assert "data:image/gif;base64," in bundle["text/html"]
    png = Image.open(io.BytesIO(bundle["image/png"]))
    assert png.format == "PNG" and png.size == Image.open(io.BytesIO(anim.gif())).size
    # every distinct frame drawn once for the GIF; none again for the PNG
    assert len(drawn) == len(set(drawn)) and drawn[-1] == float(anim.steps)
    # the PNG is the final state: the same picture as drawing the last frame directly
    direct = Image.open(io.BytesIO(anim._repr_png_())).convert("RGB")
    diff = np.abs(np.asarray(png.convert("RGB"), int) - np.asarray(direct, int))
    assert diff.mean() < 8  # only the GIF palette's rounding
