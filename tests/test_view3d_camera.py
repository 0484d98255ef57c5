"""The 3-D race view's camera and height, chosen from the data (render/camera3d.py
``choose``): every catalog ``--3d`` default is seen obliquely (relief reads; from 60°
and more it was the contour map again), every landmark and every ball's end lies inside
the axes and in sight (not behind a near rim), the landmarks are the map's, and the
legend is one row. Measured on the drawn 1280×720 figure: projected positions."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.render import camera3d
from optviz.render.geometry import height
from optviz.render.landmarks import lesson_landmarks
from tests.test_view3d import _drawn

RACES = ("himmelblau", "six_hump_camel", "rosenbrock", "saddle", "double_well")
LEAST_ELEV, MOST_ELEV = 25.0, 50.0  # degrees: oblique enough that relief reads


@pytest.fixture(scope="module", params=RACES)
def drawn(request):
    return _drawn(request.param)


def _top(ax):
    """The drawn surface's grid without the block's sides."""
    (quads,) = [c for c in ax.collections if hasattr(c, "optviz_mesh")]
    k = 3  # surface_block.SIDE_ROWS
    return tuple(a[k:-k, k:-k] for a in quads.optviz_mesh[:3])


def _points(race, ax) -> np.ndarray:
    """``(n, 3)``: every landmark marked and every run's end, on the drawn surface."""
    s = race.surface
    marks = np.array([p.xy for p in lesson_landmarks(s, list(race.trajectories))])
    ends = np.concatenate([np.asarray(t.xy, float).reshape(len(t.xy), -1, 2)[-1]
                           for t in race.trajectories])  # fmt: skip
    xy = np.concatenate([marks.reshape(-1, 2), ends])
    return np.column_stack([xy, height(s, xy)])


def test_the_camera_is_oblique(drawn):
    race, _, ax = drawn
    assert LEAST_ELEV <= ax.elev <= MOST_ELEV, (race.surface.name, ax.elev)


def test_every_landmark_and_ball_end_is_inside_the_axes_and_in_sight(drawn):
    race, fig, ax = drawn
    top = _top(ax)
    span = float(np.ptp(top[2]))
    points = _points(race, ax)
    M = ax.get_proj()
    at = ax.transData.transform(camera3d._project(M, points)[:, :2])
    box = ax.bbox
    inside = ((at[:, 0] >= box.x0) & (at[:, 0] <= box.x1)
              & (at[:, 1] >= box.y0) & (at[:, 1] <= box.y1))  # fmt: skip
    assert inside.all(), (race.surface.name, at[~inside])
    hidden = camera3d._behind_surface(M, top, points, 0.01 * span)
    assert not hidden.any(), (race.surface.name, points[hidden])


def test_the_landmarks_are_the_maps_and_the_legend_is_one_row(drawn):
    race, fig, ax = drawn
    s = race.surface
    expected = {tuple(np.round(p.xy, 6)) for p in lesson_landmarks(s, list(race.trajectories))}
    marked = set()
    for line in (x for x in ax.lines if x.get_gid() == "landmark"):
        xs, ys, _ = line.get_data_3d()
        marked |= {(round(float(x), 6), round(float(y), 6)) for x, y in zip(xs, ys, strict=True)}
    assert marked == expected, s.name
    (key,) = fig.legends
    renderer = fig.canvas.get_renderer()
    rows = {round(t.get_window_extent(renderer).y0) for t in key.get_texts()}
    assert len(rows) == 1, (s.name, [t.get_text() for t in key.get_texts()])
