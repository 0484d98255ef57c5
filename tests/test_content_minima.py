"""A surface whose lesson is which basin a run ends in lists, and its race marks, every
minimum inside its domain: an unmarked dark basin (three_hump_camel's second flank,
styblinski_tang's other corners) left the room to guess whether it was a minimum."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.catalog import surface, surfaces
from optviz.catalog.critical import critical_points
from optviz.render.landmarks import lesson_landmarks
from optviz.scenes.shipped import lesson_scene

BASIN_LESSONS = ("styblinski_tang", "six_hump_camel", "three_hump_camel")


def _every_minimum_surfaces() -> list[str]:
    return [n for n in surfaces() if surface(n).view.all_minima]


def test_the_basin_lessons_ask_for_every_minimum():
    assert set(BASIN_LESSONS) <= set(_every_minimum_surfaces())


@pytest.mark.parametrize("name", _every_minimum_surfaces())
def test_every_minimum_a_grid_search_finds_is_listed(name):
    s = surface(name)
    listed = np.asarray(s.minima, float).reshape(-1, 2)
    found = [np.array(p.xy) for p in critical_points(s) if p.kind == "minimum"]
    assert len(found) >= 2
    for xy in found:  # Newton from a 41 x 41 grid of starts over the domain
        assert np.min(np.hypot(*(listed - xy).T)) < 1e-6, (name, xy)


@pytest.mark.parametrize("name", _every_minimum_surfaces())
def test_every_listed_minimum_is_a_polished_minimum(name):
    s = surface(name)
    for xy, value in zip(np.asarray(s.minima, float), s.minima_values, strict=True):
        scale = max(1.0, float(np.abs(s.hess(xy)).max()))
        assert np.linalg.norm(s.grad(xy)) < 1e-9 * scale, (name, xy)
        assert np.linalg.eigvalsh(s.hess(xy)).min() > 0, (name, xy)
        np.testing.assert_allclose(float(s.f(xy)), value, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", _every_minimum_surfaces())
def test_the_race_marks_every_listed_minimum(name):
    race = lesson_scene(name).race()
    marked = [p.xy for p in lesson_landmarks(race.surface, race.trajectories)]
    marked = np.asarray([xy for xy in marked], float).reshape(-1, 2)
    for xy in np.asarray(race.surface.minima, float):
        assert np.min(np.hypot(*(marked - xy).T)) < 1e-6, (name, xy)
