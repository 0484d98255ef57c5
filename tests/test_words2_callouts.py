"""A comparison names the run it beats once: schedulefree_cosine said "lower mean loss
than AdamW (constant AdamW)", its optimizer twice."""

import re

from optviz.analysis.claims import check_claims
from optviz.scenes import load_scene


def test_a_label_that_names_its_optimizer_is_said_alone():
    race = load_scene("gallery/schedulefree_cosine.toml").race()
    verdicts = check_claims(race, ['beats(schedulefree_adamw, "constant AdamW", last=0.1, by=5)'])
    (said,) = [v.callout for v in verdicts]
    assert re.fullmatch(r"Schedule-Free AdamW: [\d,.]+× lower mean loss than constant AdamW", said)


def test_a_sharp_and_a_wide_minimum_are_named_by_their_shape():
    # sam_sharp_flat said "the nearest minimum" and "another minimum": not which was sharp
    said = [v.callout for v in load_scene("gallery/sam_sharp_flat.toml").verdicts()]
    assert re.fullmatch(r"Momentum (reaches|ends in) the sharp minimum( at step \d+)?", said[0])
    assert re.fullmatch(r"SAM (reaches|ends in) the wide minimum( at step \d+)?", said[1])
