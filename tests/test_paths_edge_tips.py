"""A trail that goes out over the view's edge and comes back in leaves a mark where it
went out: a small arrowhead in its colour on the edge (:mod:`optviz.render.edge_marks`).
Cut at the edge with no mark, it read as a line that stopped there (schedules' cosine
run over the top edge; lbfgs_line_search's trial rays off the bottom)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from test_visibility import PROBE

import optviz as ov
from optviz.catalog import parse_domain, surface
from optviz.render import audit, edge_marks
from optviz.render.animate import _Engine, animate

LEFT = -0.5  # the view's left edge: momentum swings out over it (to x -0.64) and back


@pytest.fixture(scope="module")
def out_and_back():
    bowl = replace(surface("quadratic"), domain=parse_domain([LEFT, 1.0, -0.5, 0.5]))
    return ov.race(bowl, ["momentum:lr=0.1,momentum=0.9"], start=(0.9, 0.1), steps=60)


def test_leaving_finds_each_way_out_once():
    path = np.array([[0.0, 0.0], [2.0, 0.0], [0.5, 0.0], [0.0, -3.0], [np.nan, np.nan]])
    points, ways = edge_marks.leaving(path, [[-1, 1], [-1, 1]])
    np.testing.assert_allclose(points, [[1.0, 0.0], [1 / 3, -1.0]], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(ways, axis=1), 1.0)


def test_a_trail_out_and_back_shows_where_it_went_out(out_and_back, recolor_run):
    recolor_run(0, PROBE)
    engine = _Engine(animate(out_and_back, fps=2, duration=1, size=(8.0, 4.5), dpi=100))
    try:
        engine.frame(60.0)  # placed once, then drawn without its trail
        m = engine.movers[0]
        ax = engine.panels[0]
        for artist in (m.trail, m.halo, m.marks, m.faint, m.tail):
            if artist is not None:
                artist.set_visible(False)
        img = engine.frame(60.0)
        xy = out_and_back[0].xy
        k = int(np.flatnonzero(xy[1:, 0] < LEFT)[0])  # the step that went out
        exit_y = np.interp(LEFT, [xy[k + 1, 0], xy[k, 0]], [xy[k + 1, 1], xy[k, 1]])
        x, y = ax.transData.transform([LEFT, exit_y])
    finally:
        engine.close()
    h = img.shape[0]
    near = img[int(h - y) - 12 : int(h - y) + 13, int(x) - 12 : int(x) + 13].astype(float)
    probe = np.linalg.norm(near - audit.PROBE_RGB, axis=-1) < 60
    assert probe.sum() >= 20, probe.sum()  # an arrowhead of its colour on the edge
