"""Callout boxes keep off the axes frame and their leaders off the drawn paths: a leader
across a path reads as part of it (saddle, rotated_ellipse, quadratic), a box against the
frame hides the map's border (rastrigin, newton_saddle)."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.render.callout_placement import best_offset, leader_of
from tests.test_callouts import path_points

EDGE_PX = 12.0  # px a box keeps off its axes frame (and the room inside it)


def _ink_near(leader: np.ndarray, ink: np.ndarray, width: float, skip: float) -> int:
    """Path samples within ``width`` px of ``leader`` beyond ``skip`` px off its anchor."""
    a, b = leader
    d = b - a
    t = (ink - a) @ d / max(float(d @ d), 1e-9)
    gap = np.hypot(*(ink - a - t[:, None] * d).T)
    far = np.hypot(*(ink - a).T) > skip
    return int(np.count_nonzero((t >= 0) & (t <= 1) & (gap <= width) & far))


def test_a_leader_crosses_no_path_where_a_spot_off_it_fits():
    # a path running past the ball on its right and paths filling the map on its left:
    # every clear spot lies beyond the right path, so the old choice put the label there,
    # its leader across the path; a spot over some ink on the left is read better
    anchor, size, room = np.array([500.0, 500.0]), (60.0, 16.0), (0.0, 0.0, 1000.0, 1000.0)
    line = np.c_[np.full(500, 530.0), np.linspace(0.0, 1000.0, 500)]
    g = np.arange(0.0, 1000.0, 6.0)
    blob = np.array(np.meshgrid(g[(g >= 300) & (g <= 470)], g)).reshape(2, -1).T
    ink = np.vstack([line, blob])
    *_, box = best_offset(anchor, size, np.zeros((0, 4)), room, paths=ink)
    assert _ink_near(leader_of(anchor, box), ink, 3.0, 13.0) == 0, box


def test_a_box_keeps_off_the_room_edge_where_it_can():
    # a ball near the bottom edge: the label goes where it is at least EDGE_PX inside
    anchor, size, room = np.array([300.0, 20.0]), (80.0, 20.0), (0.0, 0.0, 600.0, 400.0)
    *_, box = best_offset(anchor, size, np.zeros((0, 4)), room)
    clear = min(box[0] - room[0], box[1] - room[1], room[2] - box[2], room[3] - box[3])
    assert clear >= EDGE_PX - 0.5, box


def _catalog_engine(name: str):
    import optviz as ov
    from optviz.analysis.claims import check_claims
    from optviz.render import audit
    from optviz.render.animate import _Engine, animate

    race = audit.lesson_race(name)
    verdicts = check_claims(race, ov.surface(name).lesson.claims)
    return _Engine(animate(race, loss=True, callouts=verdicts, fps=10, duration=3))


@pytest.mark.parametrize("name", ["saddle", "rotated_ellipse", "rastrigin"])
def test_the_last_frame_keeps_boxes_off_the_frame_and_leaders_off_the_paths(name):
    engine = _catalog_engine(name)
    try:
        layer = engine.callouts
        s = float(engine.anim.steps)
        engine.frame(s)
        trails = path_points(engine)
        px = engine.fig.dpi / 72
        found = []
        for item in layer.current(s):
            box = layer.box_px[id(item[2])]
            frame = item[2].axes.bbox.extents
            clear = min(box[0] - frame[0], box[1] - frame[1], frame[2] - box[2], frame[3] - box[3])
            if clear < EDGE_PX - 0.5:
                found.append(f"{item[2].get_text()!r} {clear:.0f} px off the axes edge")
            anchor = item[2].axes.transData.transform(item[2].xy)
            if _ink_near(leader_of(anchor, box), trails, 1.0 * px, 13.0 * px):
                found.append(f"{item[2].get_text()!r}: its leader crosses a path")
        assert not found, found
    finally:
        engine.close()
