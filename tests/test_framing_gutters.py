"""Every catalog default race's map frames its action: the runs, their starts, the minima
they head for and the landmarks the lesson names fill most of what the map shows, not a
strip of it beside flat ground the view grew into (:mod:`optviz.render.framing`).

Measured on the laid-out still of each default race: per axis, the share of the drawn
view that the action's padded box covers. Himmelblau's map once ran -10..10 along x
while its four minima and its runs lie in -5..5 (0.5 of the width), tiny_net's showed a
second minimum no run goes near under a strip its runs crawl along (0.4 of the height).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import optviz as ov
from optviz.render.audit import lesson_race
from optviz.render.framing import MARGIN, SMALLEST
from optviz.render.geometry import outside
from optviz.render.race_figure import plot_race

LEAST_AXIS = 0.6  # of the drawn view's span per axis, covered by the padded action
LEAST_AREA = 0.5  # of the drawn view's area


def drawn_view(race) -> np.ndarray:
    """``((x0, x1), (y0, y1))`` of the map of ``race`` as the default race lays it out
    (1280 x 720, the lesson's title)."""
    import matplotlib.pyplot as plt

    title = ov.surface(race.surface.name).lesson_title
    fig = plot_race(race, title=title)
    fig.canvas.draw()
    ax = fig.axes[0]
    view = np.array([sorted(ax.get_xlim()), sorted(ax.get_ylim())])
    plt.close(fig)
    return view


def _action_points(race) -> np.ndarray:
    """The runs' finite points inside the domain, the global minimum nearest each run's
    end, every minimum when the surface marks them all, and the landmarks of the kinds
    the lesson's claims name."""
    from optviz.catalog.critical import landmarks

    surface = race.surface
    dom = np.asarray(surface.domain, float)
    pts = np.concatenate([np.asarray(t.xy, float).reshape(-1, 2) for t in race.trajectories])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    pts = pts[~outside(pts, dom)]
    marks = landmarks(surface).points
    words = set(re.findall(r"[a-z]+", " ".join(surface.lesson.claims)))
    named = [m.xy for m in marks if m.kind != "global minimum" and m.kind.split()[0] in words]
    if surface.view.all_minima:
        named += [m.xy for m in marks if m.kind.endswith("minimum")]
    best = np.array([m.xy for m in marks if m.kind == "global minimum"]).reshape(-1, 2)
    if len(best):
        for t in race.trajectories:
            ends = np.asarray(t.xy, float)[-1].reshape(-1, 2)
            for end in ends[np.all(np.isfinite(ends), axis=1)]:
                named.append(best[np.argmin(np.hypot(*(best - end).T))])
    return np.concatenate([pts, np.array(named, float).reshape(-1, 2)])


def action_box(race) -> np.ndarray:
    """The action's bounding box with the framing's margin on each side, at least the
    smallest span a cropped map keeps (:data:`.framing.SMALLEST` of the domain's)."""
    pts = _action_points(race)
    box = np.array([pts.min(axis=0), pts.max(axis=0)]).T
    span = np.ptp(box, axis=1) * (1 + 2 * MARGIN)
    span = np.maximum(span, SMALLEST * np.ptp(race.surface.domain, axis=1))
    middle = box.mean(axis=1)
    return np.column_stack([middle - span / 2, middle + span / 2])


def coverage(box, view) -> tuple[float, float]:
    """Per axis, the share of ``view``'s span that ``box`` covers."""
    box, view = np.asarray(box, float), np.asarray(view, float)
    inner = np.minimum(box[:, 1], view[:, 1]) - np.maximum(box[:, 0], view[:, 0])
    share = np.clip(inner, 0, None) / np.ptp(view, axis=1)
    return float(share[0]), float(share[1])


MAPS = [n for n in ov.surfaces() if not ov.surface(n).is_curve]


@pytest.mark.parametrize("name", MAPS)
def test_the_action_fills_the_map_of_every_default_race(name):
    race = lesson_race(name)
    if ov.surface(name).view.whole:  # its shape is the lesson: the domain is the action
        box = np.asarray(race.surface.domain, float)
    else:
        box = action_box(race)
    cx, cy = coverage(box, drawn_view(race))
    assert min(cx, cy) >= LEAST_AXIS, (name, round(cx, 2), round(cy, 2))
    assert cx * cy >= LEAST_AREA, (name, round(cx * cy, 2))
