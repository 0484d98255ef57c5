"""Every catalog surface's default race (what ``optviz race NAME`` draws), on contours with
a loss panel and in 3-D, at 1280×720: every path at least 2 px wide, every ball at least
12 px, the map the largest thing in the frame (beside a loss panel at least 40% of it),
and every optimizer's ball in sight on the first frame and the last. A curve's default race
is its side view, held to the same rules in tests/test_sideview.py."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.catalog import surface, surfaces
from optviz.render import audit
from optviz.render.animate import _Engine, animate

LINE_PX, BALL_PX, MAP_SHARE, SEEN = 2.0, 12.0, 0.40, 0.6


@pytest.fixture(scope="module", params=[s for s in surfaces() if not surface(s).is_curve])
def race(request):
    return audit.lesson_race(request.param)


def test_the_contour_race_with_its_loss_panel(race):
    engine = _Engine(animate(race, loss=True, fps=2, duration=1))
    try:
        name, steps = race.surface.name, float(race[0].steps)
        assert tuple(engine.fig.bbox.size) == (1280, 720)
        engine.frame(steps)
        sizes = audit.sizes_px(engine)
        assert sizes["line"] >= LINE_PX and sizes["ball"] >= BALL_PX, (name, sizes)
        share = audit.area_share(engine.fig, engine.panels[0])
        assert share >= MAP_SHARE, (name, share)
        assert audit.largest_axes(engine.fig) is engine.panels[0], name
        for i in range(len(race)):
            for s in (0.0, steps):
                seen = audit.ball_share(engine, i, s)
                if np.isnan(seen):  # out of the view: an edge mark says where it went
                    notes = engine.places[0][2].notes
                    assert any(n.get_visible() and "left the view" in n.get_text() for n in notes)
                else:
                    assert seen >= SEEN, (name, i, s, seen)
    finally:
        engine.close()


def test_the_3d_race(race):
    engine = _Engine(animate(race, kind="3d", fps=2, duration=1))
    try:
        name = race.surface.name
        engine.frame(float(race[0].steps))
        sizes = audit.sizes_px(engine)
        assert sizes["line"] >= LINE_PX and sizes["ball"] >= BALL_PX, (name, sizes)
        assert audit.largest_axes(engine.fig) is engine.panels[0], name
    finally:
        engine.close()
