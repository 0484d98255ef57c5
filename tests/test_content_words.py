"""The words of comparisons and of the SAM scene: what a number is compared with, the
value a steady series holds, each ball its own distance, and SAM's two minima in view."""

import re

import numpy as np

import optviz as ov
from optviz.analysis.claims import check_claims
from optviz.scenes import load_scene


def test_a_ratio_says_what_it_is_lower_than():
    # minibatch said "SGD (batch 16): 12× lower mean loss": lower than what?
    race = ov.race("quadratic", ["momentum:lr=0.1,momentum=0.9", "gd:lr=0.01"],
                   start=(1.5, 1.0), steps=40)  # fmt: skip
    (v,) = check_claims(race, ["beats(momentum, gd, last=0.25)"])
    assert re.fullmatch(r"Momentum: [\d,.]+× lower mean loss than GD", v.callout), v.callout


def test_a_ratio_of_one_measurement_is_said_as_a_ratio():
    # long_furrow said "Momentum: step length 0.030 vs 0.0030" under "ten times the speed"
    race = ov.race("long_furrow", ["momentum:lr=0.03,momentum=0.9", "gd:lr=0.03"], steps=200)
    (v,) = check_claims(race, ["more(momentum, gd, on=speed, by=5)"])
    assert re.fullmatch(r"Momentum: steps [\d.]+× GD's", v.callout), v.callout
    (steady,) = check_claims(race, ["steady(gd, on=speed, within=1.05, last=0.5)"])
    assert re.fullmatch(r"GD: steps stay [\d.]+ long", steady.callout)


def test_a_step_size_shrinks_in_plain_words():
    # rprop_ravine: "Rprop gets its y step size down (310,000× lower than its peak) by step 60"
    race = ov.race("elliptic", ["rprop:lr=0.05"], steps=30, keep_state=True)
    (v,) = check_claims(race, ["falls(rprop, on=step_size_y, from=peak, by=10)"])
    assert re.fullmatch(r"Rprop: its y steps shrink [\d,]+×", v.callout), v


def test_sam_scene_shows_both_minima_and_sam_leaving_the_sharp_one():
    # sam_sharp_flat drew only the sharp minimum; the wide one SAM prefers was off the map
    race = load_scene("gallery/sam_sharp_flat.toml").race()
    (x0, x1), (y0, y1) = race.surface.domain
    minima = np.asarray(race.surface.minima, float)
    assert len(minima) == 2
    assert np.all((minima[:, 0] > x0) & (minima[:, 0] < x1))
    assert np.all((minima[:, 1] > y0) & (minima[:, 1] < y1))
    ends = [np.asarray(t.xy)[-1].reshape(2) for t in race.trajectories]
    nearest = [int(np.argmin(np.linalg.norm(minima - e, axis=1))) for e in ends]
    start = np.asarray(race.trajectories[0].xy)[0].reshape(2)
    sharp = int(np.argmin(np.linalg.norm(minima - start, axis=1)))
    assert nearest[0] == sharp and nearest[1] != sharp  # momentum stays, SAM leaves
