"""Runs are told apart by hue, and an optimizer keeps its look from race to race: a
figure that shows one optimizer several times (other settings) gives each run a hue of
its own, and GD is the same colour in every race, wherever it stands in the list."""

from __future__ import annotations

import colorsys
from itertools import combinations

import numpy as np
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


# ------------------------------------------------- optimizers seen together in shipped scenes
# Machado et al. (2009), full severity, on linear RGB: how deuteranopes and protanopes see
DEUTAN = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                   [-0.011820, 0.042940, 0.968881]])  # fmt: skip
PROTAN = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]])  # fmt: skip
NEAR_HUES, APART_HUES = 40.0, 90.0  # degrees of CIELAB hue
LIGHTER, VIVID, GREY_APART, BLIND_APART = 12.0, 40.0, 25.0, 25.0  # CIELAB units


def _linear(color: str) -> np.ndarray:
    c = np.asarray(to_rgb(color))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                       [0.0193, 0.1192, 0.9505]])  # fmt: skip
    xyz = to_xyz @ np.clip(linear, 0, 1) / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def told_apart(a: str, b: str) -> bool:
    """Two runs' colours read as two: greys by lightness; colours by hue, where near in
    hue (teal beside blue read as one "blue") only if one is clearly lighter or more
    vivid; and still apart in CIELAB as deuteranopes and protanopes see them."""
    (la, aa, ba), (lb, ab, bb) = _lab(_linear(a)), _lab(_linear(b))
    ca, cb = np.hypot(aa, ba), np.hypot(ab, bb)
    if min(ca, cb) < 15:
        apart = abs(la - lb) >= GREY_APART
    else:
        dh = abs(np.degrees(np.arctan2(ba, aa) - np.arctan2(bb, ab))) % 360
        dh = min(dh, 360 - dh)
        apart = dh >= NEAR_HUES and (
            dh >= APART_HUES or abs(la - lb) >= LIGHTER or abs(ca - cb) >= VIVID
        )
    blind = [np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b))) for m in (DEUTAN, PROTAN)]
    return apart and min(blind) >= BLIND_APART


def _names(optimizers) -> list[str]:
    return [o["name"] if isinstance(o, dict) else str(o).split(":")[0] for o in optimizers]


def shipped_line_ups() -> dict[str, list[str]]:
    """The optimizers of every gallery scene and catalog default race, by scene."""
    import tomllib
    from pathlib import Path

    from optviz.catalog import surface, surfaces

    root = Path(__file__).resolve().parents[1]
    out = {}
    for toml in sorted((root / "gallery").glob("*.toml")):
        found = tomllib.loads(toml.read_text()).get("optimizers")
        if found:
            out[toml.stem] = _names(found)
    for name in surfaces():
        out[name] = _names(list(surface(name).lesson.optimizers) or ["gd", "momentum", "adam"])
    return out


def test_the_optimizers_of_every_shipped_scene_are_told_apart_by_colour():
    # saddle: GD blue beside SGD teal; rastrigin: GD blue beside Adagrad teal
    from types import SimpleNamespace as Run

    line_ups = shipped_line_ups()
    assert {"saddle", "rastrigin", "adaptive_ravine", "rosenbrock_race"} <= set(line_ups)
    for scene, names in line_ups.items():
        looks = paths.run_looks([Run(optimizer=Run(name=n)) for n in names])
        for (a, la), (b, lb) in combinations(zip(names, looks, strict=True), 2):
            assert told_apart(la["color"], lb["color"]), (scene, a, la["color"], b, lb["color"])


def test_the_rule_tells_the_confused_pair_from_a_clear_one():
    assert not told_apart("#0077BB", "#009988")  # blue and teal: what reviewers confused
    assert told_apart("#0077BB", "#E69F00") and told_apart("#0077BB", "#8833EE")
