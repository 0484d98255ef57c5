"""Pictures for a room, measured: no path hidden by another, frames spent where things
move, held first and last frames, and a palette colour-blind viewers can tell apart."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image, ImageSequence

import optviz as ov
from optviz.render import paths, plots, race_figure, style
from optviz.render.animate import _Engine, animate

PROBE = "#ff00ff"  # a colour no theme, colormap or palette entry uses


def probe_pixels(img: np.ndarray, bbox) -> int:
    """Pixels of the probe colour inside the display box ``bbox`` of the image."""
    h = img.shape[0]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox.extents)
    crop = img[h - y1 : h - y0, x0:x1, :3].astype(float)
    return int((np.linalg.norm(crop - np.array(to_rgb(PROBE)) * 255, axis=-1) < 60).sum())


def visible_share(race, i: int, monkeypatch, *, animated: bool) -> float:
    """How much of optimizer ``i``'s drawing stays visible with every other path drawn,
    against it drawn alone: recolour it to the probe colour and count its pixels."""
    looks = paths.run_looks
    monkeypatch.setattr(
        paths,
        "run_looks",
        lambda trajs: [
            {**look, "color": PROBE} if k == i else look for k, look in enumerate(looks(trajs))
        ],
    )
    size, dpi = (8.0, 4.5), 80
    if animated:  # the last frame of the animation, as the GIF shows it
        engine = _Engine(animate(race, fps=2, duration=1, size=size, dpi=dpi))
        try:
            ax = engine.panels[0]
            together = probe_pixels(engine.frame(float(race[0].steps)), ax.bbox)
            for m in engine.movers:
                for artist in m.artists:
                    artist.set_visible(artist.get_gid() == f"optimizer-{i}")
            alone = probe_pixels(engine.frame(float(race[0].steps)), ax.bbox)
        finally:
            engine.close()
    else:  # the still figure
        fig = race_figure.plot_race(race, size=size, dpi=dpi)
        ax = fig.axes[0]
        together = probe_pixels(_pixels(fig), ax.bbox)
        for artist in ax.get_children():
            gid = artist.get_gid() or ""
            if gid.startswith("optimizer-"):
                artist.set_visible(gid == f"optimizer-{i}")
        alone = probe_pixels(_pixels(fig), ax.bbox)
    assert alone > 50, "the probe path must be drawn at all"
    return together / alone


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3]


HERO = ("rosenbrock", ["gd:lr=0.001", "momentum:lr=0.001,momentum=0.9", "adam:lr=0.1"])
RACES = {
    "hero": lambda: ov.race(*HERO, start=(-1.2, 1.0), steps=500),
    "booth4": lambda: ov.race(
        "booth",
        ["gd:lr=0.02", "momentum:lr=0.01", "adam:lr=0.5", "rmsprop:lr=0.3"],
        start=(-8.0, -7.0),
        steps=150,
    ),
    "identical": lambda: ov.race(
        "elliptic", ["gd:lr=0.05", "momentum:lr=0.05,momentum=0"], steps=100
    ),
}


@pytest.mark.parametrize("animated", [True, False], ids=["animation", "still"])
@pytest.mark.parametrize("name", list(RACES))
def test_every_path_keeps_a_quarter_of_its_pixels(name, animated, monkeypatch):
    race = RACES[name]()
    for i in range(len(race)):
        with monkeypatch.context() as m:
            share = visible_share(race, i, m, animated=animated)
        assert share >= 0.25, (name, i, share)


def test_identical_paths_really_are_identical():
    # the probe test above is only meaningful if the two runs draw one line
    race = RACES["identical"]()
    np.testing.assert_allclose(race[0].xy, race[1].xy, rtol=0, atol=1e-12)


def test_a_path_drawn_alone_first_would_hide_the_other():
    # the measure can fail: two identical solid paths, one over the other, hide one
    race = RACES["identical"]()
    fig = plots.new_figure((8.0, 4.5), 80)
    ax = plots.plot_surface(race.surface, fig.add_subplot())
    for color in (PROBE, style.color(0)):
        ax.plot(race[0].xy[:, 0], race[0].xy[:, 1], color=color, lw=2.4)
    assert probe_pixels(_pixels(fig), ax.bbox) < 0.05 * 1000


# ----------------------------------------------------------------------------- time
def changed_frames(frames: list[np.ndarray], ignore) -> list[bool]:
    """For each frame after the first, whether anything outside ``ignore`` changed."""
    h = frames[0].shape[0]
    x0, y0, x1, y1 = (int(round(v)) for v in ignore.extents)
    out = []
    for a, b in itertools.pairwise(frames):
        diff = (a != b).any(axis=-1)
        diff[h - y1 - 2 : h - y0 + 2, x0 - 2 : x1 + 2] = False
        out.append(bool(diff.any()))
    return out


def test_frames_go_where_the_paths_move():
    # everything settles within ~30 of 300 steps: linear time would show ~90% still frames.
    # One ball: two resting on the star fan out round it on its plate, so the last creep
    # of the second one in (steps 33-112) is not drawn, and its frames look still
    race = ov.race("quadratic", ["momentum:lr=0.05"], start=(1.5, 1.0), steps=300)
    anim = animate(race, fps=10, duration=4, hold_first=0, size=(6.4, 3.6), dpi=60)
    engine = _Engine(anim)
    try:
        frames = [engine.frame(s) for s in anim.frame_steps()]
        counter = engine.counter.text.get_window_extent()
    finally:
        engine.close()
    moved = changed_frames(frames, counter)
    assert moved.count(False) <= 0.25 * len(moved), moved
    # and the counter is honest: it shows the step drawn, from 0 to the last
    steps = anim.frame_steps()
    assert steps[0] == 0 and steps[-1] == 300 and np.all(np.diff(steps) >= 0)


def test_linear_time_would_have_wasted_the_frames():
    # the same race with frames spread evenly over the steps: most frames show no motion
    race = ov.race("quadratic", ["gd:lr=0.3", "momentum:lr=0.05"], start=(1.5, 1.0), steps=300)
    xy = np.stack([t.xy for t in race])  # (2, T+1, 2)
    even = np.round(np.linspace(0, 300, 40)).astype(int)
    moves = np.abs(np.diff(xy[:, even], axis=1)).max(axis=(0, 2))
    assert (moves < 1e-3).mean() > 0.5


def durations_by_picture(data: bytes) -> list[int]:
    """How long each distinct picture of a GIF stays on screen, in ms (repeats merged)."""
    out, prev = [], None
    with Image.open(io.BytesIO(data)) as im:
        for frame in ImageSequence.Iterator(im):
            rgb = np.asarray(frame.convert("RGB"))
            if prev is not None and np.array_equal(rgb, prev):
                out[-1] += frame.info["duration"]
            else:
                out.append(frame.info["duration"])
            prev = rgb
    return out


def test_first_and_last_frames_are_held_by_default():
    race = ov.race("quadratic", ["gd:lr=0.1", "adam:lr=0.1"], start=(1.5, 1.0), steps=40)
    shown = durations_by_picture(animate(race, fps=10, duration=1, size=(3, 2), dpi=50).gif())
    assert shown[0] >= 500 and shown[-1] >= 1500
    assert all(d < 500 for d in shown[1:-1])  # the motion itself is not held


# ----------------------------------------------------------------------------- colour
# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB
MACHADO = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
}


def linear(color) -> np.ndarray:
    c = np.array(to_rgb(color))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def cielab(lin: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    t = xyz @ np.clip(lin, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def contrast(a, b) -> float:
    la, lb = (float(linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@pytest.mark.parametrize("vision", list(MACHADO))
def test_first_six_colors_stay_apart(vision):
    sim = MACHADO[vision]
    labs = [cielab(sim @ linear(c)) for c in style.PALETTE[:6]]
    for (i, a), (j, b) in itertools.combinations(enumerate(labs), 2):
        assert np.linalg.norm(a - b) >= 20, (vision, style.PALETTE[i], style.PALETTE[j])


def test_runs_seen_together_differ_in_hue_or_in_lightness():
    # noise_kinds, learning_rate: the 3rd and 4th runs were rose and brick red, one red
    # on a slide; among the first four (most races), a pair of near hues is a light and
    # a dark one
    import math

    labs = [cielab(linear(c)) for c in style.PALETTE[:4]]
    for (i, a), (j, b) in itertools.combinations(enumerate(labs), 2):
        hue = abs(math.degrees(math.atan2(a[2], a[1]) - math.atan2(b[2], b[1]))) % 360
        if min(hue, 360 - hue) < 30:
            assert abs(a[0] - b[0]) >= 20, (style.PALETTE[i], style.PALETTE[j])


def test_the_simulation_sees_the_old_problem():
    # green and purple of the previous palette collapse for deuteranopes far more
    sim = MACHADO["deuteranopia"]
    seen = np.linalg.norm(cielab(sim @ linear("#009E73")) - cielab(sim @ linear("#CC79A7")))
    normal = np.linalg.norm(cielab(linear("#009E73")) - cielab(linear("#CC79A7")))
    assert seen < 0.3 * normal


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_color_vanishes_on_the_background(theme):
    face = style.THEMES[theme]["axes.facecolor"]
    for c in style.PALETTE[:6]:
        assert contrast(c, face) >= 2.2, (theme, c)


def test_color_is_never_the_only_cue():
    n = 6
    assert len({style.marker(i) for i in range(n)}) == n
    assert len({str(style.linestyle(i)) for i in range(n)}) == n
