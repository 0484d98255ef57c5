"""A callout says what is true on the picture when it shows: at its key step the run so
far already says the same (no outcome before it happens); a negated claim is drawn only
as a positive fact of the picture; numbers as the loss panel and a lecturer write them;
runs named as the legend names them."""

from __future__ import annotations

import re

import numpy as np
import pytest

import optviz as ov
from optviz.analysis.claim_grammar import plain
from optviz.analysis.claims import check_claims

CASES = [  # surface, optimizers, start, steps, claim
    # GD creeps onto the saddle along its ridge and sits there before rolling off
    ("saddle", ["gd:lr=0.05"], (-1.8, 1e-6), 200, "stalls(gd, steps=20)"),
    ("saddle", ["gd:lr=0.05"], (-1.8, 0.05), 60, "escapes(gd, from=saddle)"),
    ("quadratic", ["momentum:lr=0.05,momentum=0.9"], (1.5, 1.0), 120,
     "swings(momentum, at_least=2)"),
    ("quadratic", ["momentum:lr=0.05,momentum=0.9", "gd:lr=0.02"], (1.5, 1.0), 300,
     "faster(momentum, gd)"),
    ("booth", ["gd:lr=0.09"], (-8.0, 6.0), 50, "zigzags(gd, at_least=6)"),
    ("rosenbrock", ["adam:lr=0.1"], (-1.2, 1.0), 200, "falls(adam, by=5)"),
]  # fmt: skip


def verdict_of(surface, specs, start, steps, claim):
    race = ov.race(surface, specs, start=start, steps=steps)
    (v,) = check_claims(race, [claim])
    return v


@pytest.mark.parametrize("case", CASES, ids=[c[-1] for c in CASES])
def test_a_callout_is_true_of_the_run_so_far_at_its_step(case):
    # "GD stalls for 24 steps" showed at step 20 of a stall that went on; "Momentum arrives
    # at step 65 (GD: step 78)" showed at 65; "... swings 5 times" at the 2nd swing
    surface, specs, start, steps, claim = case
    full = verdict_of(*case)
    assert full.holds and full.callout and full.step is not None, full
    so_far = verdict_of(surface, specs, start, full.step, claim)
    assert so_far.callout == full.callout, (full.step, so_far.callout, full.callout)


def test_negated_claims_are_drawn_only_as_a_positive_fact():
    # "GD (lr 0.5) does not diverge", "GD never reaches the saddle", "Momentum does not
    # zig-zag": checked, not written; what happens instead is written where there is one
    race = ov.race("quadratic", ["gd:lr=0.5", "gd:lr=0.1"], start=(1.0, 1.0), steps=60)
    lands, swings = check_claims(race, ["not diverges(gd#1)", "not zigzags(gd#2)"])
    assert lands.holds and lands.callout == "GD (lr 0.5) lands in 1 step" and lands.step == 1
    assert swings.holds and swings.callout == "" and swings.step is None
    race = ov.race("himmelblau", ["gd:lr=0.01", "momentum:lr=0.01,momentum=0.9"],
                   start=(-0.3, 0.2), steps=100)  # fmt: skip
    (same,) = check_claims(race, ["not ends_apart(gd, momentum)"])
    assert same.holds and same.callout == "GD and Momentum end in the same minimum"


def test_numbers_read_as_the_loss_panel_shows_them():
    # SAM's sharp-flat surface has negative losses; its panel plots f − f*, so a callout
    # quotes the gap, never a raw −0.94 against −0.81; no 7.8e-09, no brackets in brackets
    race = ov.race("quadratic", ["gd:lr=0.45", "gd:lr=0.02"], start=(1.5, 1.0), steps=60)
    beats, faster = check_claims(race, ["beats(gd#1, gd#2)", "faster(gd#1, gd#2)"])
    assert re.fullmatch(r"GD \(lr 0\.45\): loss ≈ 0 vs 0\.\d+", beats.callout), beats.callout
    # not "never"; not "first": GD (lr 0.02) never arrives, first compared with nothing
    assert faster.callout == "GD (lr 0.45) reaches the minimum at step 2", faster
    assert not re.search(r"\de[-+]\d", beats.callout + faster.callout)
    race = ov.race("double_well", ["gd:lr=0.01", "gd:lr=0.002"], start=(0.3, 1.5), steps=30)
    assert race.surface.min_value == pytest.approx(-1.0)
    (v,) = check_claims(race, ["beats(gd#1, gd#2)"])
    # the ratio says what it is lower than ("12× lower mean loss" alone was a riddle)
    said = r"GD \(lr 0\.01\): ([\d.]+)× lower loss than lr 0\.002"
    ratio = float(re.fullmatch(said, v.callout)[1])
    gaps = [race[k].loss[-1] + 1.0 for k in (0, 1)]  # f − f*, not the raw losses' ratio
    assert ratio == pytest.approx(gaps[1] / gaps[0], rel=0.05) and min(gaps) > 0


def test_a_comparison_callout_is_a_few_words():
    # "SGD (step decay…): loss 0.00030, SGD (constant rate): 0.071" could not be read in
    # passing: the second run is the leader's and the panel's to show, not the text's
    race = ov.race("quadratic", ["gd:lr=0.1", "gd:lr=0.05", "gd:lr=0.01"], start=(1.5, 1.0),
                   steps=30)  # fmt: skip
    claims = ["beats(gd#1, gd#3)", "beats(gd#2, gd#3)", "less(gd#2, gd#3, on=grad_norm)",
              "faster(gd#1, gd#3)"]  # fmt: skip
    for v in check_claims(race, claims):
        assert v.holds and v.callout.count("GD") == 1, v.callout
        # a ratio names what it is lower than, in two or three words ("than lr 0.01"):
        # "170× lower loss" alone left the reader asking "than what?"
        assert len(v.callout.removeprefix(v.callout.split(":")[0]).split()) <= 8, v.callout


def test_a_run_is_named_as_its_legend_names_it():
    from dataclasses import replace

    race = ov.race("saddle", ["sgd:lr=0.05"], start=(-1.8, 0.3), steps=40)
    race = replace(race, trajectories=[replace(race[0], label="noisy gradient (σ = 0.5)")])
    (v,) = check_claims(race, ["escapes(sgd, from=saddle)"])
    assert v.callout.startswith("noisy gradient (σ = 0.5) escapes"), v.callout


def test_runs_of_one_optimizer_are_named_by_their_labels_and_a_mean_is_said_so():
    # schedules: "SGD (step decay, ×0.1 at step 100): loss 0.00030, SGD (constant rate):
    # 0.071" wrapped to four lines over its map, and quoted means read as the end values
    from dataclasses import replace

    race = ov.race("quadratic", ["gd:lr=0.3", "gd:lr=0.01"], start=(1.5, 1.0), steps=20)
    named = [replace(t, label=w) for t, w in zip(race, ["fast", "slow"], strict=True)]
    race = replace(race, trajectories=named)
    (v,) = check_claims(race, ["beats(gd#1, gd#2, last=0.25)"])
    gap = [float(np.mean(t.loss[-5:])) for t in race]
    assert v.callout == f"fast: mean loss {plain(gap[0])} vs {plain(gap[1])}", v.callout


def test_a_ball_short_of_the_minimum_says_how_far_where_its_ball_ends():
    # booth: "not ends_in(gd#2)" had no callout, so nothing said GD (lr 0.02) was far up
    # the valley; the positive fact the picture shows is drawn at its ball at the end
    race = ov.race("booth", ["gd:lr=0.09", "gd:lr=0.02"], start=(-8.0, 6.0), steps=25)
    (v,) = check_claims(race, ["not ends_in(gd#2)"])
    gap = float(np.linalg.norm(race[1].xy[-1] - np.array([1.0, 3.0])))  # Booth's minimum
    assert v.holds and v.step == 25 and v.runs == (1,)
    assert v.callout == f"GD (lr 0.02) ends {plain(gap)} from the minimum", v.callout


def test_a_ball_short_of_the_minimum_on_a_curve_says_where_it_is_on_the_x_axis():
    # learning_rate_curve: "ends 0.55 in x from the minimum" made the reader do the sum
    race = ov.race("parabola", ["gd:lr=0.01"], start=[-1.5], steps=30)
    (v,) = check_claims(race, ["not ends_in(gd, minimum=any)"])
    x = float(race[0].xy[-1][0])
    assert v.holds and x == pytest.approx(-1.5 * 0.98**30)
    assert v.callout == f"GD ends at x = {plain(x)}, short of the minimum", v.callout


def test_faster_says_how_many_times_faster_in_a_few_words():
    # "Adagrad cuts its loss 1000× by step 19, GD at 58" was too long to read in passing
    race = ov.race("quadratic", ["gd:lr=0.45", "gd:lr=0.02"], start=(1.5, 1.0), steps=400)
    (v,) = check_claims(race, ["faster(gd#1, gd#2)"])
    ratio = v.evidence["b_steps"] / v.evidence["a_steps"]
    assert v.callout == f"GD (lr 0.45): {plain(ratio)}× faster than lr 0.02"  # GD once


def test_a_stall_that_lasts_to_the_end_is_not_told_as_over():
    # plateau_cliff: "GD stalls for 27 steps" in a 36-step race read as if GD moved on
    race = ov.race("quadratic", ["gd:lr=0.0001"], start=(1.0, 1.0), steps=40)
    (v,) = check_claims(race, ["stalls(gd, steps=20)"])
    assert v.holds and v.callout == "GD stalls from the start", v.callout


def test_a_stall_that_lasts_to_the_end_says_so():
    # "GD stalls for 27 steps" in a 36-step race read as if GD moved on afterwards; a
    # stall that ends before the run does keeps its length, shown once the ball leaves
    start, claim = (-1.8, 1e-6), "stalls(gd, steps=20)"
    sits = verdict_of("saddle", ["gd:lr=0.05"], start, 60, claim)
    assert sits.callout == "GD stalls from step 26 on" and sits.step == 60
    leaves = verdict_of("saddle", ["gd:lr=0.05"], start, 200, claim)
    assert leaves.callout == "GD stalls for 34 steps" and leaves.step == 26 + 34 + 1


def test_arrives_is_said_of_a_ball_that_is_at_the_minimum_from_then_on():
    # Rosenbrock's lesson race: Momentum's loss is down 1,000× at step 233 while its ball
    # still climbs the valley towards the star; "arrives first" contradicted the picture
    # (the race the lesson ran then: the lesson now measures 100,000× and the ball arrives)
    specs = ["gd:lr=0.001", "momentum:lr=0.001,momentum=0.9"]
    lesson = ov.race("rosenbrock", specs, start=(-1.2, 1.0), steps=500)
    (fast,) = check_claims(lesson, ["faster(momentum, gd)"])
    # in a lecturer's words, the number in brackets ("loss falls 1,000× first" was jargon)
    assert fast.callout == "Momentum gets its loss down (1,000× lower) by step 233", fast.callout
    race = ov.race("quadratic", ["gd:lr=0.45", "gd:lr=0.02"], start=(1.5, 1.0), steps=60)
    (faster,) = check_claims(race, ["faster(gd#1, gd#2)"])  # on the star from step 2 on
    assert faster.callout == "GD (lr 0.45) reaches the minimum at step 2", faster


def test_ends_in_says_ends_only_at_the_runs_end():
    # rprop_ravine: "Rprop ends in the minimum" showed at step 20 of 60
    race = ov.race("elliptic", ["rprop:lr=0.05"], start=(-2.5, 1.2), steps=60)
    (v,) = check_claims(race, ["ends_in(rprop)"])
    assert v.holds and 0 < v.step < 60, v
    assert v.callout == f"Rprop reaches the minimum at step {v.step}", v.callout
    race = ov.race("elliptic", ["rprop:lr=0.05"], start=(-2.5, 1.2), steps=v.step)
    (cut,) = check_claims(race, ["ends_in(rprop)"])  # cut where it gets there: it ends so
    assert cut.callout == "Rprop ends in the minimum", cut.callout


def test_one_word_for_a_run_that_blows_up_across_the_gallery():
    # stability_lines' legend said "lr 0.42: thrown out" where every other picture says
    # "diverges": the scenes' text and the strings the renderers draw use the one word
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    said = [p.read_text() for folder in ("gallery", "surfaces", "catalog")
            for p in (root / folder).glob("*.toml")]  # fmt: skip
    for source in (root / "optviz" / "render").glob("*.py"):
        tree = ast.parse(source.read_text())
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        texts = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in docs]
        said += [n.value for n in texts if isinstance(n.value, str)]
    assert said and not [s for s in said if "thrown out" in s]


def test_one_runs_two_measurements_are_said_as_a_comparison():
    # glyphs_adam_box: "Adam: x rate 0.18, y rate 0.017" gave raw numbers, no comparison
    race = ov.race("elliptic", ["adam:lr=0.2"], start=(-2.7, 1.5), steps=32, keep_state=True)
    (v,) = check_claims(race, ["more(adam, adam, on=rate_x, than=rate_y, by=5)"])
    assert v.holds
    ratio = v.evidence["a"] / v.evidence["b"]
    assert v.callout == f"Adam: x rate {plain(ratio)}× y rate", v.callout


# -- a picture without a loss panel: its callouts quote only what the map shows ---------------
LOSS_TALK = re.compile(r"loss|× lower|step length|travels", re.IGNORECASE)


@pytest.fixture(scope="module")
def catalog_words():
    """Every catalog lesson's callouts, as ``optviz race NAME`` (no loss panel) draws them,
    and as a picture with a loss panel would."""
    from optviz.render.callouts import one_ball_each, shown
    from optviz.scenes.shipped import catalog_lessons

    out = {}
    for name, scene in catalog_lessons().items():
        drawn = shown(scene.verdicts())
        out[name] = {
            panel: [t for _, _, t in one_ball_each(drawn, 99, loss_panel=panel)]
            for panel in (False, True)
        }
    return out


def test_no_catalog_lesson_quotes_a_loss_ratio_on_a_map_alone(catalog_words):
    # elliptic said "Momentum gets its loss down (1,000× lower) by step 21", monkey_saddle
    # "GD gets its step length down (11× lower)", beale "Momentum travels 2.6× as far as
    # GD": none of it can be read off a map with no loss panel
    said = {name: [t for t in words[False] if LOSS_TALK.search(t)]
            for name, words in catalog_words.items()}  # fmt: skip
    assert not any(said.values()), {n: t for n, t in said.items() if t}
    assert all(words[False] for words in catalog_words.values() if words[True])


def test_map_words_say_what_the_map_shows(catalog_words):
    elliptic, saddle = catalog_words["surfaces/elliptic"], catalog_words["surfaces/monkey_saddle"]
    loss_words = r"Momentum gets its loss down \(1,000× lower\) by step (\d+)"
    (down,) = [m for t in elliptic[True] if (m := re.fullmatch(loss_words, t))]
    assert any(re.fullmatch(rf"Momentum settles near the minimum by step {down[1]}", t)
               for t in elliptic[False]), elliptic  # fmt: skip
    assert any(re.fullmatch(r"GD slows to a crawl by step \d+", t) for t in saddle[False]), saddle
    assert any("step length" in t for t in saddle[True])


def test_map_words_are_distances_read_off_the_map():
    # beale: "travels 2.6× as far" read as path length; the map shows where each ends
    race = ov.race("quadratic", ["momentum:lr=0.05,momentum=0.9", "gd:lr=0.02"],
                   start=(1.5, 1.0), steps=300)  # fmt: skip
    far, fast = check_claims(race, ["farther(momentum, gd)", "faster(momentum, gd, to=0.1)"])
    xy = [np.asarray(t.xy)[..., :2].reshape(-1, 2) for t in race.trajectories]
    ends = [float(np.linalg.norm(p[-1] - p[0])) for p in xy]
    # each ball its own number: "Momentum ends 2.5 from its start, GD 0.95" put GD's in
    # momentum's label
    assert far.on_map == (
        f"Momentum ends {plain(ends[0])} from its start, {ends[0] / ends[1]:.1f}× GD's",
        f"GD ends {plain(ends[1])} from its start",
    )
    # faster to=0.1: GD's loss is 10× down at its arrival, its ball not at the minimum:
    # said in plain words ("stays within 0.22 of the minimum" read as a technical bound),
    # the farthest it is from (0, 0) from then on kept in the evidence
    step = int(fast.evidence["b_steps"])
    within = float(np.max(np.linalg.norm(xy[1][step:], axis=1)))
    assert "loss" in fast.also
    assert fast.on_map[1] == f"GD settles near the minimum by step {step}"
    assert fast.evidence["b_near"] == pytest.approx(within)  # how near, in the evidence


def test_a_loss_panel_keeps_the_loss_words_and_a_map_alone_gets_the_map_words():
    # the renderer passes whether it draws a loss panel to where the words are chosen
    race = ov.race("elliptic", ["gd:lr=0.02", "momentum:lr=0.02,momentum=0.9"],
                   start=(-1.5, 1.0), steps=60)  # fmt: skip
    (v,) = check_claims(race, ["falls(momentum, by=10)"])
    assert v.holds and "loss" in v.callout and v.on_map and "loss" not in v.on_map[0]
    for loss, text in ((True, v.callout), (False, v.on_map[0])):
        fig = race.plot(callouts=[v], loss=loss, size="small", dpi=50)
        fig.canvas.draw()
        labels = [t.get_text().replace("\n", " ") for ax in fig.axes for t in ax.texts
                  if t.get_gid() == "callout" and t.get_visible()]  # fmt: skip
        assert labels == [text], (loss, labels)
