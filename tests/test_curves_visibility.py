"""Every path of a side view stays in sight: no run's trail lies under the curve's line,
under another mark or in the curve's own colour, and a swing's passes back and forth
over one stretch each keep their own pixels (momentum_swing's μ 0.98 drew eight passes
on one line)."""

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


def test_each_pass_of_a_swing_keeps_its_own_pixels():
    """momentum_swing's μ 0.98 passes back and forth over the bowl's bottom: each pass is
    drawn on its own lane above the curve, so each keeps its pixels in sight (on one
    line the newer passes hid the older ones)."""
    from optviz.scenes import load_scene

    scene = load_scene("momentum_swing")
    race = scene.race()
    fig, balls = _last_frame(race)
    b = balls[1]
    turns = b.roll.swing_turns[0]
    assert len(turns) >= 5
    _, steps = b.roll.rolled_until(float(b.roll.steps))
    steps = np.array(steps)
    passes = np.searchsorted(turns, steps - 1, side="right")  # the pass each stretch is of
    joints = np.arange(len(steps)) >= len(steps) - len(turns)  # the lane changes, last
    shares = [
        kept_share(fig, [b.band], np.flatnonzero((passes == p) & ~joints))
        for p in range(len(turns) + 1)
    ]
    # half at least: the newest lifted pass runs past the ball resting at the bottom
    assert min(shares) >= 0.5, [round(v, 2) for v in shares]


@pytest.mark.parametrize("name", ["shallow_then_deep", "flat_inflection", "twin_wells"])
def test_a_run_that_overshoots_and_comes_back_is_not_lifted_off_its_curve(name):
    """Momentum overshooting a well turns back twice: its way stays on the curve. Lifted
    into lanes, its long first pass floated above the curve and read as a second curve."""
    s = ov.surface(name)
    lesson = s.lesson
    start = lesson.starts if len(lesson.starts) else None
    race = ov.race(s, list(lesson.optimizers), start=start, steps=lesson.steps or 200)
    fig, balls = _last_frame(race)
    turned = [b for b in balls if any(len(t) for t in b.roll.turns())]
    assert turned  # the lesson's momentum does overshoot
    for b in turned:
        assert all(len(t) == 0 for t in b.roll.swing_turns), name
