"""Lessons as claims: the grammar, every kind of claim on runs where it must hold and where it
must not (closed forms where there are some), and every shipped scene's and catalog lesson's
claims holding on its own runs."""

from __future__ import annotations

import dataclasses
import functools
import math
import re

import numpy as np
import pytest

import optviz as ov
from optviz.analysis.claims import (
    ClaimError,
    Measured,
    Verdict,
    check_claim,
    check_claims,
    explain,
    parse_claim,
)
from optviz.util.errors import OptvizError, SceneError


def verdict(source, claim: str) -> Verdict:
    (v,) = check_claims(source, [claim])
    return v


def holds(source, claim: str) -> bool:
    return verdict(source, claim).holds


# -- the verdict and the grammar ------------------------------------------------------------------
def test_a_verdict_has_exactly_the_shape_the_pictures_read():
    fields = [(f.name, f.type) for f in dataclasses.fields(Verdict)]
    assert fields == [
        ("claim", "str"),
        ("holds", "bool"),
        ("evidence", "dict[str, float]"),
        ("step", "int | None"),
        ("runs", "tuple[int, ...]"),
        ("callout", "str"),
        ("also", "str"),
        ("on_map", "tuple[str, str]"),
    ]
    assert dataclasses.is_dataclass(Verdict) and Verdict.__dataclass_params__.frozen


def test_a_claim_reads_runs_options_quotes_and_negation():
    c = parse_claim('not zigzags("lr = 0.3: about right", across=y, at_least=6)')
    assert (c.kind, c.negated, c.runs) == ("zigzags", True, ("lr = 0.3: about right",))
    assert dict(c.options) == {"across": "y", "at_least": "6"}
    assert parse_claim("has(minimum=2)").runs == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('x')", "brackets inside its arguments"),
        ("stuck(gd; at=saddle)", "unexpected ';'"),
        ("stuck(gd, at=saddle", "must read kind"),
        ("stuck(at=saddle, gd)", "runs come before options"),
        ("stuck(gd, at=saddle, at=minimum)", "gives 'at' twice"),
        ("stuck(gd, at=(1, 2))", "brackets inside its arguments"),
        ("stuck(gd, at saddle)", "cannot read the argument 'at saddle'"),
        ("stcuk(gd)", "did you mean 'stuck'"),
        ("stuck(gd, adam)", "stuck names one run, not 2"),
        ("stuck(gd, near=saddle)", "no option 'near'; options: at, within, hold, start"),
        ("stuck(gd, at=ridge)", "at=ridge is not one of saddle"),
        ("zigzags(gd, at_least=many)", "at_least must be a whole number, not 'many'"),
        ("zigzags(gd, at_least=0)", "at_least=0 must be in 1"),
        ("stuck(gd, within=nan)", "within=nan must be in"),
        ("x" * 500, "longer than"),
    ],
)
def test_a_bad_claim_is_one_clear_error(text, message):
    with pytest.raises(ClaimError, match=None) as caught:
        check_claim(text)
    assert message in str(caught.value), str(caught.value)
    assert isinstance(caught.value, OptvizError) and "\n" not in str(caught.value)


# -- naming runs ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lr_race():
    return ov.race("quadratic", ["gd:lr=0.05", "gd:lr=0.95", "adam:lr=0.1"], start=(1, 1), steps=30)


def test_a_run_is_named_by_label_by_a_unique_name_or_as_name_k(lr_race):
    assert verdict(lr_race, "zigzags(gd#2)").runs == (1,)
    assert verdict(lr_race, 'zigzags("gd(lr=0.95)")').runs == (1,)
    assert verdict(lr_race, "zigzags(ADAM)").runs == (2,)
    with pytest.raises(ClaimError, match=r"'gd' names 2 runs \(gd#1 = 'gd\(lr=0\.05\)'"):
        check_claims(lr_race, ["zigzags(gd)"])
    with pytest.raises(ClaimError, match="asks for run 3 of 'gd', and there are 2"):
        check_claims(lr_race, ["zigzags(gd#3)"])
    with pytest.raises(ClaimError, match="no run is called 'sgd'; runs: gd, adam"):
        check_claims(lr_race, ["zigzags(sgd)"])


def test_a_false_claim_names_itself_and_its_evidence(lr_race):
    v = verdict(lr_race, "zigzags(gd#1)")
    assert not v.holds and v.step is None
    assert explain(v) == "zigzags(gd#1) is false: streak=0, reversals=0"


# -- claims on paths ------------------------------------------------------------------------------
SADDLE = "saddle"  # x² − y² on [-2, 2]²: GD's x ← (1 − 2·lr)·x, y ← (1 + 2·lr)·y


def test_stuck_on_the_saddle_from_the_stable_line_and_not_from_an_offset_start():
    race = ov.race(SADDLE, ["gd:lr=0.05"], start=[[-1.8, 0.0], [-1.8, 0.05]], steps=60)
    on_line = verdict(race, "stuck(gd, at=saddle, start=1)")
    assert on_line.holds and on_line.callout == "GD stops at the saddle: gradient ≈ 0"
    # it enters 0.02 spans of the saddle when 1.8·0.9^t first drops under 0.02·√32, and
    # the verdict shows once it has stayed the claim's 20% of the run (12 of 60 steps)
    arrives = math.ceil(math.log(0.02 * math.sqrt(32) / 1.8) / math.log(0.9))
    assert on_line.step == arrives + 12
    assert not holds(race, "stuck(gd, at=saddle, start=2)")
    assert not holds(race, "stuck(gd, at=saddle)")  # every start, unless one is named
    assert holds(race, "not stuck(gd, at=saddle, start=2)")
    assert not holds(race, "stuck(gd, at=minimum, start=1)")  # x² − y² has none


def test_escapes_a_saddle_only_after_being_drawn_to_it():
    race = ov.race(SADDLE, ["gd:lr=0.05"], start=[[-1.8, 0.0], [-1.8, 0.05]], steps=60)
    off = verdict(race, "escapes(gd, from=saddle, start=2)")
    assert off.holds and off.evidence["final_loss"] < 0  # below the saddle's value 0
    xy = race[0].xy[:, 1]
    turn = int(np.argmin(np.hypot(*xy.T)))  # its closest approach, where it turns away
    assert off.callout == f"GD escapes the saddle at step {off.step}"
    assert off.step > turn and np.hypot(*xy[off.step]) > np.hypot(*xy[turn])  # shown once away
    assert not holds(race, "escapes(gd, from=saddle, start=1)")
    assert holds(race, "escapes(gd, from=start)")  # both leave their start behind


def test_a_ball_that_turns_off_far_from_the_saddle_is_not_said_to_escape_it():
    # the catalog's saddle: RMSprop and Adam rescale the tiny push along y and roll off
    # the ridge early, while momentum comes all the way in first; "escapes the saddle"
    # pointed 1.5 units up the slope for the former
    race = ov.race(SADDLE, ["momentum:lr=0.03,momentum=0.9", "adam:lr=0.03"],
                   start=(-1.8, 0.0001), steps=50)  # fmt: skip
    near, far = verdict(race, "escapes(momentum, from=saddle)"), verdict(race, "escapes(adam)")
    assert near.holds and far.holds
    assert near.evidence["closest"] < 0.05 < 0.6 * far.evidence["start_distance"]
    assert far.evidence["closest"] > 0.6 * far.evidence["start_distance"]
    assert near.callout == f"Momentum escapes the saddle at step {near.step}"
    assert far.callout == "Adam rolls away before reaching the saddle"


def test_stalls_where_the_gradient_vanishes_and_not_on_a_slope():
    plateau = ov.Surface.from_expr("tanh(x)**2 + 0.1*y**2", domain=((-6, 6), (-2, 2)))
    race = ov.race(plateau, ["gd:lr=0.5"], start=[[5.0, 0.0], [0.8, 0.0]], steps=100)
    assert holds(race, "stalls(gd, start=1)")  # tanh'(5)² is 1e-8: it barely moves
    assert holds(race, "not stalls(gd, start=2)")  # it slides into the valley, then sits
    v = verdict(race, "stalls(gd, steps=100, start=1)")
    assert v.holds and v.step == 100 and v.evidence["stall"] == 100  # shown once it has


def test_ends_in_tells_the_deepest_minimum_from_a_local_one():
    tilted = ov.Surface.from_expr("(x**2 - 1)**2 + 0.3*x + y**2", domain=((-2, 2), (-2, 2)))
    race = ov.race(tilted, ["gd:lr=0.05"], start=[[-0.5, 0.5], [0.5, 0.5]], steps=200)
    assert holds(race, "ends_in(gd, minimum=deepest, start=1)")  # the well at x < 0
    assert holds(race, "ends_in(gd, minimum=local, start=2)")
    assert holds(race, "ends_in(gd, minimum=nearest)")
    assert holds(race, "not ends_in(gd, minimum=other)")
    assert not holds(race, "ends_in(gd, minimum=deepest)")


def test_ends_apart_when_two_runs_from_one_start_end_in_different_minima():
    race = ov.race("himmelblau", ["gd:lr=0.01", "momentum:lr=0.01", "adam:lr=0.1"],
                   start=(-0.3, 0.2), steps=100)  # fmt: skip
    assert holds(race, "ends_apart(gd, adam)")
    assert holds(race, "not ends_apart(gd, momentum)")


@pytest.mark.parametrize(("lr", "zigzag"), [(0.075, True), (0.01, False)])
def test_gd_zigzags_across_an_elliptic_bowl_near_its_rate_limit_only(lr, zigzag):
    """½(x² + 25y²): y ← (1 − 25·lr)·y, which flips sign every step when lr > 1/25."""
    race = ov.race("elliptic", [f"gd:lr={lr}"], start=(-2.7, 1.5), steps=80)
    assert holds(race, "zigzags(gd, across=y, at_least=10)") is zigzag
    assert holds(race, "zigzags(gd, at_least=10)") is zigzag  # steep: y here
    assert not holds(race, "zigzags(gd, across=x)")  # x ← (1 − lr)·x never flips
    if zigzag:  # |1 − 25·0.075|^t · 1.5·1.875 stays above a thousandth of the first step
        t = math.floor(math.log(1e-3) / math.log(0.875))
        assert verdict(race, "zigzags(gd, across=y)").evidence["streak"] == t


def test_overshoots_with_momentum_and_not_with_small_step_gd():
    race = ov.race("quadratic", ["gd:lr=0.1", "momentum:lr=0.1,momentum=0.9"],
                   start=(1.0, 0.0), steps=60)  # fmt: skip
    assert not holds(race, "overshoots(gd)")  # x ← 0.8·x never changes sign
    v = verdict(race, "overshoots(momentum)")
    # the heavy ball's first swing past 0: x_2 = (1.9 − 0.2)·x_1 − 0.9·x_0, and so on
    x = [1.0, 0.8]
    for _ in range(60):
        x.append(1.7 * x[-1] - 0.9 * x[-2])
    assert v.holds and v.step == int(np.argmin(x[:61]))
    assert v.evidence["depth"] == pytest.approx(-min(x[:61]), rel=1e-9)


def test_diverges_past_the_rate_limit_at_the_step_the_runner_records():
    race = ov.race("quadratic", ["gd:lr=1.1", "gd:lr=0.1"], start=(1.0, 1.0), steps=40)
    v = verdict(race, "diverges(gd#1)")
    assert v.holds and v.step == int(race[0].diverged_at) > 0
    assert holds(race, "not diverges(gd#2)")


def test_faster_counts_steps_to_a_thousandth_of_the_gap_as_the_closed_form_does():
    """On x² + y² from (1, 0), GD's loss is (1 − 2·lr)^(2t)."""
    race = ov.race("quadratic", ["gd:lr=0.3", "gd:lr=0.1"], start=(1.0, 0.0), steps=60)
    v = verdict(race, "faster(gd#1, gd#2)")
    steps = [math.ceil(math.log(1e-3) / (2 * math.log(1 - 2 * lr))) for lr in (0.3, 0.1)]
    assert v.holds and (v.evidence["a_steps"], v.evidence["b_steps"]) == tuple(steps)
    assert not holds(race, "faster(gd#2, gd#1)")
    never = ov.race("quadratic", ["gd:lr=0.3", "gd:lr=0.001"], start=(1.0, 0.0), steps=20)
    assert verdict(never, "faster(gd#1, gd#2)").evidence["b_steps"] == math.inf


def test_farther_on_the_long_furrow_matches_the_closed_form_travel():
    """f = a·y² − s·x: along x, GD moves lr·s a step; momentum lr·s·(1 − μ^t)/(1 − μ)."""
    race = ov.race("long_furrow", ["gd:lr=0.1", "momentum:lr=0.1,momentum=0.9"],
                   start=(-3.6, 0.0), steps=50)  # fmt: skip
    t = np.arange(1, 51)
    ratio = np.sum((1 - 0.9**t) / 0.1) / 50
    v = verdict(race, "farther(momentum, gd, along=x)")
    assert v.holds and v.evidence["ratio"] == pytest.approx(ratio, rel=1e-9)
    assert holds(race, f"farther(momentum, gd, by={ratio * 0.99:.6f})")
    assert not holds(race, f"farther(momentum, gd, by={ratio * 1.01:.6f})")
    assert not holds(race, "farther(gd, momentum)")


# -- claims on measurements -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def measured():
    t = np.arange(11, dtype=float)
    return Measured(
        labels=("plain", "better"),
        names=("plain", "better"),
        shown=("Plain", "Better"),
        series={
            "loss": (np.full(11, 1.0), 1.0 / (1 + t)),
            "accuracy": (np.full(11, 0.5), np.linspace(0.5, 0.9, 11)),
            "rate": (np.full(11, 2.0), np.abs(t - 4) + 1),  # a dip to 1 at t = 4, then up
            "plane_gap": (np.zeros(11), np.where(t == 7, 0.5, 0.0)),
        },
        better={"loss": "lower", "accuracy": "higher"},
        floors={"loss": 0.0},
    )


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("beats(better, plain)", True),
        ("beats(better, plain, by=10)", True),  # 1/11 against 1
        ("beats(better, plain, by=12)", False),
        ("beats(plain, better)", False),
        ("beats(better, plain, on=accuracy, by=1.7)", True),  # 0.9 > 1.7·0.5
        ("beats(better, plain, on=accuracy, by=1.9)", False),
        ("beats(better, plain, last=0.5)", True),
        ("more(plain, better, on=rate)", False),  # 2 against 7
        ("less(plain, better, on=rate, by=3.4)", True),
        ("more(better, better, on=rate, than=loss, by=70)", True),  # 7 against 1/11
        ("falls(better, by=11)", True),
        ("falls(better, by=11.5)", False),
        ("falls(plain)", False),
        ("rises(better, on=accuracy, by=1.8)", True),
        ("rises(better, on=rate, to=peak, by=1.5)", False),  # the first value is the peak
        ("recovers(better, on=rate, by=7)", True),
        ("recovers(plain, on=rate)", False),
        ("steady(plain, on=rate, within=1)", True),
        ("steady(better, on=rate, last=0.3, within=3.5)", True),  # 4, 5, 6, 7 at t = 7..10
        ("steady(better, on=rate)", False),
        ("reaches(better, on=accuracy, above=0.85)", True),
        ("reaches(better, below=0.05)", False),
        ("plane_matches(plain)", True),
        ("plane_matches(better)", False),  # half the starting loss at step 7
        ("plane_matches(better, at=end)", True),
        ("plane_matches(better, within=0.5)", True),
    ],
)
def test_claims_on_measurements(measured, claim, expected):
    assert holds(measured, claim) is expected


def test_steady_says_its_measured_ratio_and_the_span_it_measured(measured):
    """A plot of the whole run shows a fall before the measured span: the words give the
    number and say where it starts, not "hardly changes"."""
    # the value it holds, not "stays flat", a riddle beside a plot of step lengths
    said = verdict(measured, "steady(plain, on=rate, within=1)").callout
    assert re.fullmatch(r"Plain: rate stays [\d.]+", said), said
    said = verdict(measured, "steady(better, on=rate, last=0.3, within=3.5)").callout
    assert said == "Better: rate changes at most 1.8-fold after step 7", said


def test_spikes_count_runs_of_jumps_and_faster_needs_the_loss_to_stay_down():
    loss = np.array([1.0, 0.5, 0.9, 1.2, 0.3, 0.2, 0.5, 0.1, 1e-4, 1e-4])
    flat = np.linspace(1.0, 5e-4, 10)
    m = Measured(("a", "b"), ("a", "b"), ("A", "B"), {"loss": (loss, flat)},
                 {"loss": "lower"}, floors={"loss": 0.0})  # fmt: skip
    v = verdict(m, "spikes(a, at_least=2)")  # 0.5 -> 0.9 -> 1.2 is one spike, 0.2 -> 0.5 another
    assert v.holds and v.evidence["spikes"] == 2 and v.step == 6  # "2 times": the 2nd spike
    assert not holds(m, "spikes(a, at_least=3)")
    assert holds(m, "spikes(a, by=1.3, at_least=2)")  # 0.9 -> 1.2 is only 1.33 times
    assert holds(m, "spikes(a, by=2.4)") and not holds(m, "spikes(a, by=2.6)")  # 0.2 -> 0.5
    assert not holds(m, "spikes(b)")
    # a dips under a thousandth of its start at step 8 and stays; b only at its last step
    f = verdict(m, "faster(a, b)")
    assert f.holds and (f.evidence["a_steps"], f.evidence["b_steps"]) == (8, 9)
    m2 = dataclasses.replace(m, series={"loss": (np.append(loss[:8], [1e-4, 0.5]), flat)})
    assert verdict(m2, "faster(a, b)").evidence["a_steps"] == math.inf  # swung back up


def test_measurement_claims_give_their_key_step(measured):
    assert verdict(measured, "recovers(better, on=rate)").step == 5  # back up: 2x the low
    last = len(measured.series["loss"][1]) - 1
    assert verdict(measured, "falls(better, by=5)").step == last  # where it says 1/(1 + t)
    assert verdict(measured, "plane_matches(better, within=0.4)").step == 7  # the worst gap
    assert verdict(measured, "beats(better, plain)").step == last  # the values it quotes
    with pytest.raises(ClaimError, match="nothing here measures 'speed'; measured: loss"):
        check_claims(measured, ["falls(plain, on=speed)"])
    with pytest.raises(ClaimError, match="which way is better on 'rate' is not known"):
        check_claims(measured, ["beats(plain, better, on=rate)"])
    with pytest.raises(ClaimError, match="stuck needs runs on a surface"):
        check_claims(measured, ["stuck(plain)"])


def test_has_counts_the_surfaces_critical_points():
    assert holds(ov.surface("saddle"), "has(saddle=1, minimum=0, maximum=0)")
    assert holds(ov.surface("himmelblau"), "has(minimum=4, saddle=4, maximum=1)")
    assert not holds(ov.surface("himmelblau"), "has(minimum=3)")
    assert verdict(ov.surface("himmelblau"), "has(minimum=4)").callout == "4 minima"


# -- scenes carry their claims --------------------------------------------------------------------
def test_a_scenes_claims_are_part_of_its_schema():
    from optviz.scenes import scene_from_dict, scene_to_toml

    data = {"surface": "saddle", "optimizers": ["gd:lr=0.05"],
            "run": {"steps": 60, "starts": [-1.8, 0.0]},
            "lesson": {"claims": ["stuck(gd, at=saddle)"], "callouts": False}}  # fmt: skip
    scene = scene_from_dict(data)
    assert scene.claims == ("stuck(gd, at=saddle)",) and scene.callouts is False
    assert [v.holds for v in scene.verdicts()] == [True]
    assert "[lesson]" in scene_to_toml(scene) and "callouts = false" in scene_to_toml(scene)
    assert scene_from_dict({"surface": "saddle"}).callouts is True  # on unless switched off
    with pytest.raises(SceneError, match=r"field 'lesson\.claims\[1\]': claim 'stuk\(gd\)'"):
        scene_from_dict({**data, "lesson": {"claims": ["stuck(gd)", "stuk(gd)"]}})
    with pytest.raises(SceneError, match=r"field 'lesson\.claim': unknown field"):
        scene_from_dict({**data, "lesson": {"claim": []}})


def test_gallery_check_fails_naming_a_false_claim(tmp_path, monkeypatch, capsys):
    from optviz import cli

    (tmp_path / "s.toml").write_text(
        'surface = "quadratic"\noptimizers = ["gd:lr=0.1"]\n[run]\nsteps = 5\n'
        '[lesson]\nclaims = ["ends_in(gd)", "diverges(gd)"]\n'
        '[render]\nkind = "contour"\noutput = "s.png"\n'
    )
    (tmp_path / "s.png").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    assert cli._main(["gallery", "--check", "--folder", ".", "--only", "s"]) == 2
    err = capsys.readouterr().err
    assert "2 gallery problem(s)" in err
    assert "gallery/s: diverges(gd) is false: diverged_at=-1" in err
    assert "ends_in(gd) is false" in err  # 5 steps of x ← 0.8·x do not reach the minimum


# -- every shipped scene and catalog lesson teaches what it says ----------------------------------
def _shipped() -> list[str]:
    from optviz.catalog import surfaces
    from optviz.scenes.build import examples

    return [f"gallery/{n}" for n in examples()] + [f"surfaces/{n}" for n in surfaces()]


@functools.cache
def shipped_verdicts(name: str) -> tuple[tuple, list]:
    """The scene's claims and their verdicts: runs only, nothing drawn (kept per process)."""
    from optviz.scenes.build import load_scene
    from optviz.scenes.shipped import lesson_scene

    kind, _, stem = name.partition("/")
    scene = lesson_scene(stem) if kind == "surfaces" else load_scene(stem)
    return scene.claims, scene.verdicts()


@pytest.mark.parametrize("name", _shipped())
def test_every_claim_of_every_shipped_scene_and_lesson_holds(name):
    claims, verdicts = shipped_verdicts(name)
    assert claims, f"{name} states no claims"
    false = [explain(v) for v in verdicts if not v.holds]
    assert not false, f"{name}: " + "; ".join(false)
    for v in verdicts:  # what a picture draws at the key moment (a negated claim: maybe none)
        assert (v.callout or v.claim.startswith("not ")) and (v.step is None or v.step >= 0), v
        assert not v.callout.startswith(("not ", "never")) and " not " not in v.callout, v
        # a lecturer's words: "Adam gets its loss down (40× lower)", not "Adam: loss falls 40×"
        assert " falls " not in v.callout, v


def test_the_famous_figures_are_claimed():
    saddle, _ = shipped_verdicts("surfaces/saddle")
    assert "stuck(gd, at=saddle)" in saddle
    assert sum(c.startswith("escapes(") for c in saddle) >= 2
    ravine, _ = shipped_verdicts("surfaces/elliptic")
    assert any(c.startswith("zigzags(gd") for c in ravine)
    assert any(c.startswith("faster(momentum, gd") for c in ravine)  # momentum runs along


# -- claims on an optimizer's evaluations and state ------------------------------------------------
@pytest.fixture(scope="module")
def searching_race():
    return ov.race("rosenbrock", ["lbfgs", "adam:lr=0.1"], start=(-1.2, 1.0), steps=60)


def test_evaluations_are_a_measurement_and_a_claim(searching_race):
    lbfgs = searching_race[0]
    per_step = np.diff(lbfgs.evals)
    v, never, many = check_claims(searching_race, [
        "evaluates(lbfgs, at_least=3)", "not evaluates(adam)", "evaluates(lbfgs, at_least=99)",
    ])  # fmt: skip
    assert v.holds and v.evidence["most"] == per_step.max() > 2
    assert v.step == int(np.argmax(per_step >= 3)) + 1  # the first step that searched
    assert never.holds and not many.holds


def test_faster_counts_evaluations_when_asked(searching_race):
    by_step, by_eval = check_claims(
        searching_race, ["faster(lbfgs, adam)", "faster(lbfgs, adam, per=evals)"]
    )
    assert by_step.holds and by_eval.holds
    arrived = int(by_step.evidence["a_steps"])
    assert by_eval.evidence["a_evaluations"] == searching_race[0].evals[arrived] > arrived
    # a picture's key moment is still a step: where both numbers it says are known (Adam
    # never arrives: the last)
    assert by_eval.step == by_step.step == searching_race[0].steps
    # its words speak the frame counter's unit (steps) and the loss axis's (evaluations), and
    # no "first": Adam never gets there, which its own callout says
    evals = int(by_eval.evidence["a_evaluations"])
    assert by_eval.callout.endswith(f" by step {arrived}, evaluation {evals}")
    assert "first" not in by_eval.callout
    assert by_eval.also.endswith(f"has not arrived by step {searching_race[1].steps}")


def test_an_optimizers_state_fields_are_measurements():
    race = ov.race("elliptic", ["gd:lr=0.075", "rprop:lr=0.05"], steps=30, keep_state=True)
    up, down, absent = check_claims(race, [
        "rises(rprop, on=step_size_x, to=peak, by=10)",
        "falls(rprop, on=step_size_y, from=peak, by=10)",
        "rises(gd, on=step_size_x, to=peak)",  # gradient descent has no step sizes
    ])  # fmt: skip
    sizes = race[1].state["step_size"]
    assert up.holds and up.evidence["last"] == sizes[:, 0].max()
    assert down.holds and down.evidence["first"] == sizes[:, 1].max()
    assert not absent.holds


ARRIVAL = re.compile(r"(reaches|arrives)\b.*?\bat step (\d+)")


@pytest.mark.parametrize("name", _shipped())
def test_one_arrival_of_one_ball_is_told_in_one_wording_and_one_step(name):
    # learning_rate_curve: "GD (lr 0.4) reaches the minimum at step 3" mid-run, then
    # "arrives at step 3" on the last frame; lbfgs_line_search said step 29, then step 34
    from optviz.render.callouts import one_ball_each, shown

    _, verdicts = shipped_verdicts(name)
    told: dict[int, set] = {}
    drawn = [v for v in shown(verdicts) if v.runs]
    for _, run, text in one_ball_each(
        drawn, 1 + max((r for v in drawn for r in v.runs), default=0)
    ):
        m = ARRIVAL.search(text)
        if m:
            told.setdefault(run, set()).add((m.group(1), int(m.group(2))))
    assert all(len(t) == 1 for t in told.values()), (name, told)
