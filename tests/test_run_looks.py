"""Runs are told apart by hue, and an optimizer keeps its look from race to race: a
figure that shows one optimizer several times (other settings) gives each run a hue of
its own, and GD is the same colour in every race, wherever it stands in the list."""

from __future__ import annotations

import colorsys
from itertools import combinations

import pytest
from matplotlib.colors import to_rgb

import optviz as ov
from optviz.render import paths
from optviz.scenes import load_scene

SAME_HUE = 25.0  # degrees: two saturated colours closer than this read as one hue


def hue(color: str) -> float | None:
    """The hue of ``color`` in degrees, ``None`` for a grey (no hue to confuse)."""
    h, lightness, s = colorsys.rgb_to_hls(*to_rgb(color))
    return None if s < 0.25 or lightness < 0.2 else 360.0 * h


def share_a_hue(a: str, b: str) -> bool:
    ha, hb = hue(a), hue(b)
    if ha is None or hb is None:
        return ha is None and hb is None
    return min(abs(ha - hb), 360 - abs(ha - hb)) < SAME_HUE


@pytest.mark.parametrize("scene", ["learning_rate", "noise_kinds"])
def test_runs_of_one_optimizer_each_get_a_hue_of_their_own(scene):
    race = load_scene(f"gallery/{scene}.toml").race()
    assert len({t.optimizer.name for t in race.trajectories}) == 1  # one optimizer, 4 runs
    styles = paths.path_styles(race.trajectories, one_map=False)
    for a, b in combinations(styles, 2):
        assert not share_a_hue(a.color, b.color), (a.color, b.color)
        assert (a.marker, a.linestyle) != (b.marker, b.linestyle)


def test_an_optimizer_keeps_its_look_across_races():
    one = ov.race("quadratic", ["gd", "momentum", "adam"], start=(1.0, 1.0), steps=3)
    two = ov.race("rosenbrock", ["adam", "rmsprop", "gd"], steps=3)
    first = dict(zip(["gd", "momentum", "adam"], paths.path_styles(one.trajectories), strict=True))
    second = dict(zip(["adam", "rmsprop", "gd"], paths.path_styles(two.trajectories), strict=True))
    for name in ("gd", "adam"):
        a, b = first[name], second[name]
        assert (a.color, a.marker, a.linestyle) == (b.color, b.marker, b.linestyle), name
    every = list(first.values()) + [second["rmsprop"]]
    for a, b in combinations(every, 2):
        assert not share_a_hue(a.color, b.color), (a.color, b.color)


@pytest.mark.parametrize(
    "specs",
    [
        ["gd", "momentum", "adam"],
        ["adam", "momentum", "gd"],
        ["gd:lr=0.001", "momentum:lr=0.001,momentum=0.9", "adam:lr=0.1"],
    ],
)
def test_a_dotted_path_is_drawn_over_a_dashed_and_a_solid_one(specs):
    # rosenbrock_race: momentum's dashed zig-zags crossed Adam's dotted path and hid it
    race = ov.race("rosenbrock", specs, start=(-1.2, 1.0), steps=500)
    styles = paths.path_styles(race.trajectories)
    for a, b in combinations(styles, 2):
        if paths.ink(a.linestyle) > paths.ink(b.linestyle) + 0.05:
            assert a.zorder < b.zorder, (a.linestyle, b.linestyle)
        if paths.ink(b.linestyle) > paths.ink(a.linestyle) + 0.05:
            assert b.zorder < a.zorder, (a.linestyle, b.linestyle)
