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


ARRIVED_PX = 8.0  # a ball the lesson says arrives ends this near the star at 1280×720:
# under its own radius (balls are 12 px and more), so it covers the star's centre


def _arrivals(race) -> list[int]:
    """The runs (index into the race's trajectories) a lesson's claims say reach a minimum:
    ``ends_in`` and a ``faster`` whose callout says the run arrives (not merely that its
    loss fell)."""
    from optviz.analysis.claims import check_claims, parse_claim

    out = []
    for v in check_claims(race, list(race.surface.lesson.claims)):
        c = parse_claim(v.claim)
        says = c.kind == "ends_in" or (c.kind == "faster" and " arrives" in v.callout)
        if v.holds and says and not c.negated:
            out.append(v.runs[0])
    return out


def test_a_run_the_lesson_says_arrives_ends_on_the_star(race):
    # rosenbrock's momentum "arrived" by its loss at step 233 and ended visibly short of
    # (1, 1); narrow_ravine's ended beside the star: the eye must see the arrival
    from optviz.catalog.critical import landmarks

    arrived = _arrivals(race)
    if not arrived:
        return
    stars = np.array([p.xy for p in landmarks(race.surface, limit=10**9).points
                      if "minimum" in p.kind])  # fmt: skip
    engine = _Engine(animate(race, loss=True, fps=2, duration=1))
    try:
        to_px = engine.panels[0].transData.transform
        for i in arrived:
            xy = np.asarray(race[i].xy, float)
            ends = xy[-1].reshape(-1, 2)
            gaps = [np.min(np.hypot(*(to_px(stars) - to_px(e[None])).T)) for e in ends]
            assert max(gaps) <= ARRIVED_PX, (race.surface.name, race[i].label, gaps)
    finally:
        engine.close()
