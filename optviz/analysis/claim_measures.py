"""The claims about measurements (any series of numbers per run: loss, accuracy, rates)
and about the surface: which of two runs ends better, how a series falls, rises, spikes or
holds steady, and how many critical points of each kind a surface has.

A loss threshold is a fraction of the run's own starting loss; a rule sees one run from
one start (or a pair of runs from the same start) as a :class:`~optviz.analysis.claim_case.Case`
and says what it saw, with the numbers, as a :class:`~optviz.analysis.claim_case.Seen`;
:mod:`optviz.analysis.claim_rules` holds the vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .claim_case import Case, Seen, _distance, _settled_from, landmark_points
from .claim_grammar import NAME_AT_MOST, ClaimError, plain, spoken


# -- rules on measurements ------------------------------------------------------------------------
def _finals(c: Case, metric: str, than: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run ``a``'s ``metric`` and run ``b``'s ``than`` (default: the same metric); with
    ``last``, each entry replaced by its mean over the final ``last`` share of the run up to
    it (so the last entry compares the two runs' means over that stretch, not one noisy step)."""
    a, b = c.series(metric, 0), c.series(than or metric, 1)
    share = c.opts.get("last")
    if share is None:
        return a, b
    return _trailing_mean(a, share), _trailing_mean(b, share)


def _trailing_mean(v: np.ndarray, share: float) -> np.ndarray:
    width = max(1, int(round(share * (len(v) - 1))))
    total = np.concatenate([[0.0], np.cumsum(v)])
    ends = np.arange(1, len(v) + 1)
    starts = np.maximum(ends - width, 0)
    return (total[ends] - total[starts]) / (ends - starts)


def _ahead_from(a: np.ndarray, b: np.ndarray, ahead: Callable) -> int | None:
    if len(a) != len(b):
        return None
    return _settled_from(ahead(a, b))


def beats(c: Case) -> Seen:
    """Run ``a`` ends better than ``b`` on metric ``on`` (default ``loss``; lower is better
    for losses, higher for accuracy), by a factor ``by`` (default 1: simply better); a loss
    is compared by its gap above the floor. ``last``: compare the means over that final
    share of the run instead of the last values (for noisy runs)."""
    metric = c.opts["on"]
    direction = c.m.better.get(metric)
    if direction is None:
        known = ", ".join(c.m.better) or "none"
        why = f"which way is better on '{metric}' is not known; metrics: {known}"
        raise ClaimError(f"claim '{c.claim.text}': {why}")
    a, b = _finals(c, metric)
    floor = c.m.floors.get(metric, 0.0)  # a loss is compared by its gap to the floor
    a, b = a - floor, b - floor
    if direction == "lower":
        holds = a[-1] * c.opts["by"] < b[-1]
        step = _ahead_from(a, b, lambda x, y: x * c.opts["by"] < y)
    else:
        holds = a[-1] > c.opts["by"] * b[-1]
        step = _ahead_from(a, b, lambda x, y: x > c.opts["by"] * y)
    shift = 0.0 if metric == "loss" and _plots_gap(c) else floor  # as its panel shows it
    quantity = ("mean " if c.opts.get("last") else "") + spoken(metric)  # quoted: not the end
    said = _beats_words(_tag(c, 0), quantity, a[-1], b[-1], shift, direction == "lower", _than(c))
    evidence = {"a": float(a[-1] + floor), "b": float(b[-1] + floor), "floor": floor}
    return Seen(bool(holds), evidence, _final(len(a) - 1, step, holds), said)


LOWER_SAID = (1.15, 1000.0)  # "N× lower" reads between these; "1.0×" or "3.2 × 10⁷×" do not


def _beats_words(
    name: str, what: str, a: float, b: float, shift: float, lower: bool, than: str
) -> str:
    """The callout of ``beats``, a few words read in passing: "Adam: 12× lower loss than
    GD" (a ratio says what it is lower than: "12× lower mean loss" alone was a riddle), or
    both numbers as the panel shows them ("GD: loss ≈ 0 vs 0.31", "Adam: accuracy 0.93 vs
    0.71") where a ratio does not read."""
    ratio = b / a if a > 0 and b > 0 else math.inf
    if lower and LOWER_SAID[0] <= ratio < LOWER_SAID[1] and not plain(a).startswith(("<", "≈")):
        return f"{name}: {plain(ratio)}× lower {what} than {than}"
    return f"{name}: {what} {plain(a + shift)} vs {plain(b + shift)}"


def _than(c: Case) -> str:
    """The second run of a comparison after "than", as short as tells it apart: its own
    label where runs of one optimizer are named by theirs ("than constant rate"), else
    without the optimizer the two share ("SGD (batch 16): ... than batch 2")."""
    tag = _tag(c, 1)
    if tag != c.who(1):
        return tag
    kind, _, label = c.who(1).partition(" (")
    if label.endswith(")") and kind in label:
        # "than AdamW (constant AdamW)" said its optimizer twice
        return label[:-1]
    return c.than_whom()


def _short(key: str) -> str:
    """A measure's name as short as a callout read in passing needs: "steps" for the
    step length ("Momentum: step length 10× GD's" read as jargon)."""
    return "steps" if key == "speed" else spoken(key)


def _tag(c: Case, j: int) -> str:
    """How a comparison ("X: 12× lower loss") names its ``j``-th run: by the label the user
    gave it alone when every run is one optimizer, whose name then tells none apart
    ("step decay: 240× lower mean loss", not "SGD (step decay): ..."); else as every
    callout does. A sentence keeps the optimizer as its subject ("GD (no noise) stops")."""
    race = c.m.race
    if race is None or len({t.name for t in race.trajectories}) != 1:
        return c.who(j)
    t = race.trajectories[c.runs[j]]
    given = t.label and t.label != getattr(t.optimizer, "label", None)
    if given and ":" not in t.label and len(t.label) <= NAME_AT_MOST:
        return t.label
    return c.who(j)


def _plots_gap(c: Case) -> bool:
    """Whether a race's loss panel plots the loss as its gap above the known minimum
    (``f − f*``), so a callout quotes that gap, not the raw loss."""
    return getattr(c.m.surface, "min_value", None) is not None and c.m.race is not None


def _final(last: int, step: Any, holds: bool) -> int | None:
    """The key step of a verdict that quotes final values: the run's ``last``, where the
    numbers it says are true on screen (not the step it got ahead, a forecast there)."""
    return last if holds and step is not None else None


def more(c: Case) -> Seen:
    """Run ``a``'s final ``on`` is more than ``by`` (default 1) times ``b``'s final ``than``
    (default: ``on`` too; ``more(adam, adam, on=rate_x, than=rate_y)`` compares one run's
    two measurements); ``last`` as for ``beats``."""
    return _compare(c, lambda a, b, by: a > by * b)


def less(c: Case) -> Seen:
    """Run ``a``'s final ``on`` is less than ``b``'s final ``than`` divided by ``by``
    (default 1); ``than`` as for ``more``."""
    return _compare(c, lambda a, b, by: a * by < b)


def _compare(c: Case, ok: Callable) -> Seen:
    a, b = _finals(c, c.opts["on"], c.opts["than"])
    holds = bool(ok(a[-1], b[-1], c.opts["by"]))
    step = _ahead_from(a, b, lambda x, y: ok(x, y, c.opts["by"]))
    on, than = spoken(c.opts["on"]), spoken(c.opts["than"] or c.opts["on"])
    # a few words: the second run is the leader's to show, not the text's to name
    other = plain(b[-1]) if than == on else f"{than} {plain(b[-1])}"
    said = f"{_tag(c, 0)}: {on} {plain(a[-1])} vs {other}"
    r = _ratio(float(a[-1]), float(b[-1]))
    if than == on and LOWER_SAID[0] <= r < LOWER_SAID[1]:
        # the ratio the title speaks of, said: "step length 0.030 vs 0.0030" left the
        # sum to the reader beside "ten times the speed"
        said = f"{_tag(c, 0)}: {_short(c.opts['on'])} {plain(r)}× {_than(c)}'s"
    if c.runs[0] == c.runs[1]:  # one run's two measurements: the comparison, not two numbers
        # (glyphs_adam_box said "x rate 0.18, y rate 0.017" and left the sum to the reader)
        r = _ratio(float(a[-1]), float(b[-1]))
        big, small, r = (on, than, r) if r >= 1 else (than, on, 1 / max(r, 1e-300))
        said = f"{_tag(c, 0)}: {big} {plain(r)}× {small}"
    # the second run's ball gets its own number (minibatch: the batch-2 run ended bare)
    also = "" if c.runs[0] == c.runs[1] else f"{_tag(c, 1)}: {than} {plain(b[-1])}"
    evidence = {"a": float(a[-1]), "b": float(b[-1])}
    return Seen(holds, evidence, _final(len(a) - 1, step, holds), said, also=also)


def _ratio(top: float, bottom: float) -> float:
    if bottom > 0:
        return top / bottom
    return math.inf if top > 0 else 1.0


def _series(c: Case, j: int = 0) -> tuple[np.ndarray, int]:
    """Run ``j``'s ``on`` from this start, over the final ``last`` share of the run, and the
    index its first entry has in the whole run."""
    v = c.series(c.opts["on"], j)
    first = int(round((1 - c.opts["last"]) * (len(v) - 1)))
    return v[first:], first


def falls(c: Case) -> Seen:
    """The run's ``on`` (default ``loss``) falls from its first value (``from=peak``: its
    largest) to its last by a factor of at least ``by`` (default 10); ``last``: only over
    that final share of the run (default 1, all of it)."""
    v, first = _series(c)
    top = int(np.argmax(v)) if c.opts["from"] == "peak" else 0
    ratio = _ratio(float(v[top]), float(v[-1]))
    holds = ratio >= c.opts["by"]
    hit = top + np.flatnonzero(v[top:] * c.opts["by"] <= v[top])
    return Seen(
        holds,
        {"first": float(v[top]), "last": float(v[-1]), "ratio": ratio},
        _final(first + len(v) - 1, hit[0] if len(hit) else None, holds),
        _falls_words(c, ratio, first + len(v) - 1),
        on_map=_falls_on_map(c, first + len(v) - 1),
    )


def _falls_words(c: Case, ratio: float, last: int) -> str:
    """ "Adam gets its loss down (1,000× lower) by step 200": a lecturer's words, as
    ``faster`` says it ("Adam: loss falls 1,000×" read as jargon). "By step" only of a race:
    other series (a net's layers) are not counted in steps."""
    than = " than its peak" if c.opts["from"] == "peak" else ""
    by = f" by step {last}" if c.m.race is not None else ""
    on = spoken(c.opts["on"])
    if c.opts["on"] not in ("loss", "speed", "grad_norm"):
        # a rate or step size of the optimizer's own: "Rprop gets its y step size down
        # (310,000× lower than its peak) by step 60" read as jargon
        # and "y step size shrinks 310,000× from its peak" still did: its steps shrink
        steps = on.replace("step size", "steps")
        verb = "shrink" if steps.endswith("steps") else "shrinks"
        return f"{c.who()}: its {steps} {verb} {plain(ratio)}×"
    return f"{c.who()} gets its {on} down ({plain(ratio)}× lower{than}){by}"


def _falls_on_map(c: Case, last: int) -> tuple[str, str]:
    """``falls`` in a map's words, for a picture without a loss panel: of the step length,
    "GD slows to a crawl by step 30" (the dots of its path bunch up); of the loss, how
    near the minimum the ball comes, in the map's units ("GD ends 0.12 from the minimum,
    from 2.3"); of anything else, nothing said differently (``()``)."""
    on = c.opts["on"]
    if c.m.race is None:
        return ()
    if on == "speed":
        return f"{c.who()} slows to a crawl by step {last}", ""
    if on != "loss" or not hasattr(c.surface, "hess"):
        return ()
    minima, _ = c.points("minimum")
    if not len(minima):
        return ()
    d = _distance(c.xy(), minima)
    return f"{c.who()} ends {plain(float(d[-1]))} from the minimum, from {plain(float(d[0]))}", ""


def rises(c: Case) -> Seen:
    """The run's ``on`` rises from its first value to its last (``to=peak``: to its
    largest) by a factor of at least ``by`` (default 10); ``last`` as for ``falls``."""
    v, first = _series(c)
    top = int(np.argmax(v)) if c.opts["to"] == "peak" else len(v) - 1
    ratio = _ratio(float(v[top]), float(v[0]))
    holds = ratio >= c.opts["by"]
    hit = np.flatnonzero(v[: top + 1] >= c.opts["by"] * v[0])
    said = f"{c.who()}: {spoken(c.opts['on'])} rises {plain(ratio)}×"
    return Seen(
        holds,
        {"first": float(v[0]), "last": float(v[top]), "ratio": ratio},
        first + top if holds and len(hit) else None,  # its peak, the number it says
        said,
    )


def recovers(c: Case) -> Seen:
    """The run's ``on`` falls to a low and climbs back: its last value is at least ``by``
    (default 2) times its lowest. The key step is the low."""
    v, first = _series(c)
    low = int(np.argmin(v))
    ratio = _ratio(float(v[-1]), float(v[low]))
    holds = ratio >= c.opts["by"] and low < len(v) - 1
    said = (
        f"{c.who()}: {spoken(c.opts['on'])} climbs back from step {first + low}"
        if holds
        else f"{c.who()}: {spoken(c.opts['on'])} does not climb back"
    )
    evidence = {"low": float(v[low]), "last": float(v[-1]), "ratio": ratio}
    back = low + np.flatnonzero(v[low:] >= c.opts["by"] * v[low])  # once it has climbed back
    return Seen(bool(holds), evidence, first + int(back[0]) if holds else None, said)


SPIKE_APART = 0.02  # a spike's recent low reaches back this share of the run, and rises
# closer than it are one spike (a spike rings for a few steps, or climbs over many)


def spike_starts(v: Any, by: float) -> list[int]:
    """The steps where a series' spikes start: the value above ``by`` times its lowest
    over the last :data:`SPIKE_APART` of the series, rises closer than that merged. One
    definition for the ``spikes`` claim and the guides a figure draws at the spikes, so
    the count a claim states is the count a reader finds marked.

    None in the first or last stretch: a rise there is the first fall settling, or a
    spike the series' end cuts off, and a guide on the frame's edge marks nothing.

    >>> v = np.geomspace(1, 1e-4, 200)
    >>> v[[50, 52, 150, 199]] *= 3
    >>> spike_starts(v, 1.1)
    [50, 150]
    """
    v = np.asarray(v, float)
    apart = max(1, int(SPIKE_APART * len(v)))
    padded = np.concatenate([np.full(apart, np.inf), v])
    recent_low = np.lib.stride_tricks.sliding_window_view(padded, apart)[:-1].min(axis=1)
    with np.errstate(invalid="ignore"):
        rises = np.flatnonzero(v > by * recent_low)
    # a new spike where the rises break off for longer than ``apart``: one long high
    # stretch is one spike, not one every ``apart`` steps
    starts = rises[np.diff(rises, prepend=-np.inf) > apart] if len(rises) else rises
    return [int(t) for t in starts if apart <= t < len(v) - apart]


def spikes(c: Case) -> Seen:
    """The run's ``on`` (default ``loss``) spikes at least ``at_least`` times (default 1),
    spikes as :func:`spike_starts` finds them with ``by`` (default 1.5): over a short
    series, a run of steps each more than ``by`` times the one before. The key step is
    the spike that makes the count."""
    v, first = _series(c)
    begins = spike_starts(v, c.opts["by"])
    holds = len(begins) >= c.opts["at_least"]
    said = f"{c.who()}: {spoken(c.opts['on'])} spikes {len(begins)} time{'s' * (len(begins) != 1)}"
    step = first + begins[-1] if holds and len(begins) else None  # the count it says
    return Seen(bool(holds), {"spikes": float(len(begins))}, step, said)


def steady(c: Case) -> Seen:
    """The run's ``on`` stays within a factor ``within`` (default 2) of itself: its largest
    value is at most ``within`` times its smallest; ``last`` as for ``falls``."""
    v, first = _series(c)
    ratio = _ratio(float(np.max(v)), float(np.min(v)))
    holds = ratio <= c.opts["within"]
    on = spoken(c.opts["on"])
    # the words name the span measured: a plot of the whole run shows the fall before it
    after = f" after step {first}" if first > 0 else ""
    said = (  # the value it holds: "step length stays flat" was a riddle
        f"{c.who()}: steps stay {plain(float(v[-1]))} long"
        if ratio < 1.05 and c.opts["on"] == "speed"  # "step length stays 0.0030 after step 100"
        else f"{c.who()}: {on} stays {plain(float(v[-1]))}{after}"
        if ratio < 1.05
        else f"{c.who()}: {on} changes only {plain(ratio)}×{after}"
        if ratio < 1.5
        else f"{c.who()}: {on} changes at most {plain(ratio)}-fold{after}"
    )
    return Seen(
        holds, {"ratio": ratio, "low": float(np.min(v)), "high": float(np.max(v))}, None, said
    )


def reaches(c: Case) -> Seen:
    """The run's ``on`` ends above ``above`` or below ``below`` (give one)."""
    v = c.series(c.opts["on"])
    above, below = c.opts["above"], c.opts["below"]
    if (above is None) == (below is None):
        raise ClaimError(f"claim '{c.claim.text}': give one of above=... or below=...")
    ok = v > above if above is not None else v < below
    holds = bool(ok[-1])
    step = _settled_from(ok)
    said = f"{c.who()}: {spoken(c.opts['on'])} {plain(v[-1])}"
    return Seen(holds, {"last": float(v[-1])}, _final(len(v) - 1, step, holds), said)


def touches(c: Case) -> Seen:
    """The run's ``on`` gets above ``above`` or below ``below`` (give one) at some step, if
    only once: a sharpness that reaches its stability line and saws under it. The key
    step is the first such step."""
    v = c.series(c.opts["on"])
    above, below = c.opts["above"], c.opts["below"]
    if (above is None) == (below is None):
        raise ClaimError(f"claim '{c.claim.text}': give one of above=... or below=...")
    with np.errstate(invalid="ignore"):
        ok = v > above if above is not None else v < below
    holds = bool(ok.any())
    at = np.nanargmax(v) if above is not None else np.nanargmin(v)
    step = int(at) if holds else None  # where it gets to the number it says
    extreme = float(np.nanmax(v) if above is not None else np.nanmin(v))
    said = f"{c.who()}: {spoken(c.opts['on'])} gets to {plain(extreme)}"
    return Seen(holds, {"extreme": extreme}, step, said)


def evaluates(c: Case) -> Seen:
    """Some step of the run makes at least ``at_least`` (default 2) loss-and-gradient
    evaluations: the gradient it is given and the points its step asks about (L-BFGS's
    line-search trials, SAM's ascent point). The key step is the first such."""
    per_step = np.diff(c.series("evals"))
    most = int(np.nanmax(per_step)) if len(per_step) else 0
    hit = np.flatnonzero(per_step >= c.opts["at_least"])
    holds = len(hit) > 0
    step = int(hit[0]) + 1 if holds else None
    said = (
        f"{c.who()} evaluates the loss {int(per_step[hit[0]])} times in step {step}"
        if holds
        else f"{c.who()} evaluates at most {most} time{'s' * (most != 1)} a step"
    )
    return Seen(holds, {"most": float(most), "steps": float(len(hit))}, step, said)


def plane_matches(c: Case) -> Seen:
    """The loss on the drawn plane under the ball stays within ``within`` (default 0.1) of
    the run's starting loss from its true loss, at every step (``at=all``, the default: the
    path did not leave the plane) or at the end (``at=end``: where the ball ends, the
    contours under it tell its loss)."""
    gap, loss = c.series("plane_gap"), c.loss()
    worst = int(np.argmax(gap)) if c.opts["at"] == "all" else len(gap) - 1
    share = float(gap[worst] / max(abs(loss[0]), 1e-300))
    holds = share <= c.opts["within"]
    plane = loss[worst] + gap[worst]
    said = (
        f"{c.who()}: the plane's loss is the true loss"
        if holds
        else f"{c.who()} leaves the plane: loss {plain(loss[worst])}, plane {plain(plane)}"
    )
    final = float(gap[-1] / max(abs(loss[0]), 1e-300))
    return Seen(holds, {"worst_gap": share, "final_gap": final}, worst, said)


# -- a rule on the surface ------------------------------------------------------------------------
def has(c: Case) -> Seen:
    """The surface has exactly the given numbers of critical points by kind:
    ``minimum``, ``saddle``, ``maximum``, ``degenerate`` (e.g. ``has(minimum=2, saddle=1)``)."""
    counts = {k: float(len(landmark_points(c.m.surface, k, c.claim.text)[0])) for k in HAS_KINDS}
    wanted = {k: v for k, v in c.opts.items() if k in HAS_KINDS and v is not None}
    if not wanted:
        raise ClaimError(f"claim '{c.claim.text}': say how many, e.g. has(minimum=2, saddle=1)")
    holds = all(counts[k] == v for k, v in wanted.items())
    said = ", ".join(f"{int(counts[k])} {k}{'' if counts[k] == 1 else 's'}" for k in wanted)
    return Seen(
        holds, counts, None, said.replace("minimums", "minima").replace("maximums", "maxima")
    )


HAS_KINDS = ("minimum", "saddle", "maximum", "degenerate", "inflection")
