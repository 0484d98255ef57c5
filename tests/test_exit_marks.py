"""The mark of a run that left the view sits where its path crosses the edge, whole and
inside the map (not where its diverged position is clipped to, nor over the title)."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.render.animate import _Engine, animate
from optviz.render.geometry import exit_point, outside


@pytest.fixture(scope="module")
def thrown_out():
    # lr past 2/L on a quadratic: the path zig-zags out over an edge, then overflows
    race = ov.race("quadratic", ["gd:lr=0.05", "gd:lr=1.2"], start=(1.5, 0.3), steps=400)
    assert race[1].diverged_at >= 0
    return race


def _where_it_left(traj) -> np.ndarray:
    dom = np.asarray(traj.surface.domain, float)
    xy = traj.xy[: traj.diverged_at + 1]
    xy = xy[np.isfinite(xy).all(axis=1)]
    out = outside(xy, dom)
    k = int(np.flatnonzero(~out[:-1] & out[1:])[-1])
    return exit_point(xy[k], xy[k + 1], dom)[0]


def test_the_exit_mark_sits_where_the_path_leaves_inside_the_axes(thrown_out):
    engine = _Engine(animate(thrown_out, fps=2, duration=1, size="16:9"))
    try:
        engine.frame(float(thrown_out[1].steps))
        cross = engine.movers[1].cross
        ax = cross.axes
        ((x, y),) = np.column_stack(cross.get_data())
        dom = np.asarray(thrown_out.surface.domain, float)
        left = _where_it_left(thrown_out[1])
        assert np.hypot(*((np.array([x, y]) - left) / np.ptp(dom, axis=1))) < 0.06
        engine.canvas.draw()
        box = ax.get_window_extent()
        px, py = ax.transData.transform((x, y))
        half = cross.get_markersize() / 2 * engine.fig.dpi / 72
        assert box.x0 + half <= px <= box.x1 - half
        assert box.y0 + half <= py <= box.y1 - half
    finally:
        engine.close()
