"""Every path of a side view stays in sight: no run's trail lies under the curve's line,
under another mark or in the curve's own colour (a swing's passes stay on the curve:
tests/test_curves_marks.py)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb

import optviz as ov
from optviz.render import curveballs, paths, sideview, style

PROBES = ("#ff00ff", "#00ff00")  # two colours no theme uses: a mark shows where they differ


def _last_frame(race):
    """The side view as its animation's held last frame shows it (balls at the end, the
    whole trail), at 1280x720: ``(fig, balls)``."""
    with style.themed("light"):
        fig, panels, _ = sideview.side_layout(race, False, "16:9", 100, "light", None)
        fig.canvas.draw()
        fig.set_layout_engine("none")
        styles = paths.path_styles(race.trajectories, one_map=False)
        balls = []
        for ax, traj, ps in zip(panels, race.trajectories, styles, strict=True):
            b = curveballs.Balls(ax, traj, ps, "light", animated=False)
            b.update(float(traj.steps))
            b.roll_marks_off()
            balls.append(b)
    return fig, balls


def _paint(artists, probe: str, segments=None) -> None:
    """Paint the marks ``artists`` (their segments ``segments`` only, if given) in
    ``probe``, each keeping its opacity."""
    rgb = np.array(to_rgb(probe))
    for artist in artists:
        get = artist.get_facecolor if artist.get_gid() == "dots" else artist.get_edgecolor
        rgba = np.array(get(), float).reshape(-1, 4).copy()
        which = slice(None) if segments is None else segments
        rgba[which, :3] = rgb
        if artist.get_gid() == "dots":
            artist.set_facecolor(rgba)
        else:
            artist.set_color(rgba)


def _image(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)


def kept_share(fig, marks, segments=None) -> float:
    """The share of the pixels ``marks`` (of one run) colour when drawn alone that keep
    at least half that colour with everything drawn: painted in two probe colours, a
    pixel where the two frames differ is one the marks show through."""
    shown = []
    for probe in PROBES:
        _paint(marks, probe, segments)
        shown.append(_image(fig))
    full = np.abs(shown[0] - shown[1]).sum(-1)
    keep = {id(a) for a in [*marks, *fig.axes]}
    leaves = [*fig.get_children(), *(a for ax in fig.axes for a in ax.get_children())]
    hidden = [a for a in leaves if id(a) not in keep and a.get_visible() and a is not fig.patch]
    for artist in hidden:
        artist.set_visible(False)
    alone = []
    for probe in PROBES:
        _paint(marks, probe, segments)
        alone.append(_image(fig))
    for artist in hidden:
        artist.set_visible(True)
    alone = np.abs(alone[0] - alone[1]).sum(-1)
    drawn = alone > 60
    if drawn.sum() < 100:  # a run that stayed put has no path: its ball tells
        return 1.0
    return float((full[drawn] >= 0.5 * alone[drawn]).mean())


def _trail(b) -> list:
    b.dots.set_gid("dots")
    return [b.band, b.dots, b.arcs, b.ticks]


@pytest.mark.parametrize(
    "name", ["plateau_drop", "twin_wells", "shallow_then_deep", "flat_inflection", "parabola"]
)
def test_every_path_of_a_catalog_curves_race_keeps_most_of_its_pixels(name):
    """The catalog race of each curve, at its last frame: every run's trail (band, dots,
    arcs, turning ticks) keeps 60% of its pixels in sight."""
    from optviz.scenes import scene_from_dict

    lesson = ov.surface(name).lesson
    scene = scene_from_dict({
        "surface": name,
        "optimizers": list(lesson.optimizers),
        "run": {"steps": lesson.steps, "starts": lesson.starts.tolist()},
    })  # fmt: skip
    race = scene.race()
    fig, balls = _last_frame(race)  # (callouts keep off the trails: test_sideview)
    for b, traj in zip(balls, race.trajectories, strict=True):
        share = kept_share(fig, _trail(b))
        assert share >= 0.6, (name, paths.readable(traj), round(share, 2))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_run_is_drawn_in_the_curves_own_colour(theme):
    """RMSprop's near-black trail on plateau_drop lay on a near-black curve: the curve's
    ink keeps well apart from every run's colour, in either theme."""
    race = ov.race("plateau_drop", ["gd:lr=0.5", "rmsprop:lr=0.05", "adam:lr=0.1"], steps=5)
    with style.themed(theme):
        fig, panels, _ = sideview.side_layout(race, False, "small", 50, theme, None)
        colors = paths.run_colors(race.trajectories)
    for ax in panels:
        (curve,) = [line for line in ax.get_lines() if line.get_gid() == "curve"]
        ink = np.array(to_rgb(curve.get_color()))
        for color in colors:
            assert 255 * np.linalg.norm(ink - np.array(to_rgb(color))) >= sideview.CURVE_APART
