"""A race's map shows where its runs go, not the empty rest of the surface's domain; a
domain chosen for the picture is shown as chosen (:mod:`optviz.render.framing`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import optviz as ov
from optviz.render.framing import SMALLEST, race_view
from optviz.render.geometry import outside
from optviz.render.race_figure import plot_race


def _lesson_race(name: str, steps: int | None = None):
    s = ov.surface(name)
    lesson = s.lesson
    start = lesson.starts if len(lesson.starts) else None
    return ov.race(s, list(lesson.optimizers), start=start, steps=steps or lesson.steps or 200)


def _drawn_view(race, **options) -> np.ndarray:
    """``((x0, x1), (y0, y1))`` of the map of ``race`` as a laid-out still draws it."""
    fig = plot_race(race, dpi=40, **options)
    fig.canvas.draw()
    ax = fig.axes[0]
    return np.array([sorted(ax.get_xlim()), sorted(ax.get_ylim())])


def _points(race) -> np.ndarray:
    return np.concatenate([np.asarray(t.xy, float).reshape(-1, 2) for t in race.trajectories])


def _runs_box(race) -> np.ndarray:
    """The bounding box of the runs' finite points inside the domain."""
    dom = np.asarray(race.surface.domain, float)
    pts = _points(race)
    pts = pts[np.all(np.isfinite(pts), axis=1) & ~outside(np.nan_to_num(pts), dom)]
    return np.array([pts.min(axis=0), pts.max(axis=0)]).T


def _area(box) -> float:
    return float(np.prod(np.ptp(np.asarray(box, float), axis=1)))


# the ravine defaults once spent most of their map on ground no run reached: their runs'
# box took a fifth of it (narrow_ravine 0.21, rotated_ellipse 0.17 of the domain)
@pytest.mark.parametrize("name", ["narrow_ravine", "rotated_ellipse", "booth"])
def test_the_runs_fill_much_of_a_ravines_map(name):
    race = _lesson_race(name)
    view = _drawn_view(race, loss=True)
    dom = np.asarray(race.surface.domain, float)
    box = _runs_box(race)
    assert _area(box) / _area(dom) < 0.25  # on the whole domain: mostly empty
    # the map is cropped to the runs: each axis spans the runs and their margins, or the
    # smallest span that keeps the surface's shape (rotated_ellipse's runs, straight
    # down its valley since GD's rate is Adam's, are 1.4 tall on a 6-tall domain)
    drawn, least = np.ptp(view, axis=1), SMALLEST * np.ptp(dom, axis=1)
    held = drawn <= 1.1 * least  # an axis held at the smallest span (the frame may add a little)
    assert held.any() or _area(box) / _area(view) > 0.5, (box, view)
    assert _area(box) / _area(view) > (0.4 if held.any() else 0.5)


@pytest.fixture(scope="module")
def thrown_out():
    # lr past 2/L on a quadratic: one path zig-zags out over an edge and overflows
    race = ov.race("quadratic", ["gd:lr=0.05", "gd:lr=1.2"], start=(1.5, 0.3), steps=300)
    assert race[1].diverged_at >= 0
    return race


@pytest.mark.parametrize("name", ["elliptic", "beale", "ackley", "thrown_out"])
def test_a_point_leaves_the_view_exactly_when_it_leaves_the_domain(name, thrown_out):
    # claims, divergence and exit marks are about the domain: the cropped view agrees
    race = thrown_out if name == "thrown_out" else _lesson_race(name, steps=60)
    view = race_view(race)
    dom = np.asarray(race.surface.domain, float)
    assert np.all(view[:, 0] >= dom[:, 0]) and np.all(view[:, 1] <= dom[:, 1])
    assert np.all(np.ptp(view, axis=1) >= SMALLEST * np.ptp(dom, axis=1) - 1e-9)
    pts = np.nan_to_num(_points(race), nan=np.inf)
    assert np.array_equal(outside(pts, view), outside(pts, dom))
    if name == "thrown_out":  # the edge it crosses is on the map: the domain's own
        assert np.any(np.isclose(view, dom))


def test_a_chosen_domain_is_drawn_as_chosen():
    chosen = np.array([[-3.0, 2.5], [-2.0, 2.0]])
    surface = replace(ov.surface("elliptic"), domain=chosen)
    race = ov.race(surface, ["gd:lr=0.05"], start=(-2.5, 1.0), steps=60)
    assert np.allclose(_drawn_view(race, loss=True), chosen)
    default = ov.race("elliptic", ["gd:lr=0.05"], start=(-2.5, 1.0), steps=60)
    assert _area(_drawn_view(default, loss=True)) < 0.9 * _area(default.surface.domain)


def test_a_landmark_off_the_map_is_neither_drawn_nor_named():
    # a run into Styblinski-Tang's global minimum: its three local minima are far away
    # (on a surface that does not ask for every minimum: all_minima frames them all)
    from optviz.catalog.critical import LANDMARK_KINDS

    s = ov.surface("styblinski_tang")
    s = replace(s, view=replace(s.view, all_minima=False))
    race = ov.race(s, ["gd:lr=0.01"], start=(-2.0, -2.2), steps=40)
    fig = plot_race(race, dpi=40, loss=True)
    fig.canvas.draw()
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    named = {t.get_text() for leg in [*fig.legends, *(a.get_legend() for a in fig.axes)]
             if leg is not None for t in leg.get_texts()}  # fmt: skip
    seen = set()
    for mark in ax.get_children():
        if mark.get_gid() == "landmark":
            x, y = (np.ravel(v) for v in mark.get_data())
            if np.any((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)):
                seen.add(mark.get_label())
    assert named & set(LANDMARK_KINDS) == seen
    assert "global minimum" in seen and "local minimum" not in named


def test_a_surface_whose_shape_is_the_lesson_is_shown_whole():
    # monkey_saddle's runs cross a strip along y = 0, which showed one of its three valleys
    race = _lesson_race("monkey_saddle")
    dom = np.asarray(race.surface.domain, float)
    assert race.surface.view.whole
    assert np.allclose(race_view(race), dom)
    cropped = replace(
        race, surface=replace(race.surface, view=replace(race.surface.view, whole=False))
    )
    assert np.prod(np.ptp(race_view(cropped), axis=1)) < 0.85 * np.prod(np.ptp(dom, axis=1))
