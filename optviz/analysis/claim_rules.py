"""The claim vocabulary: one rule per kind of claim, its options and their defaults.

Every threshold is a fraction of something the runs or the surface give: distances are
fractions of the domain's diagonal (``span``), losses of a run's own starting loss, step
counts of the run's length. A rule measures one run from one start (or a pair of runs from
the same start) and says what it saw, with the numbers; :func:`evaluate` applies it to the
starts the claim concerns, negates it if asked, and builds the :class:`Verdict`. The rules
on paths are in :mod:`optviz.analysis.claim_paths`; those on measurements (any series of
numbers per run) and on the surface are here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..util.errors import _closest
from .claim_grammar import (
    NAME_AT_MOST,
    Claim,
    ClaimError,
    Measured,
    Verdict,
    plain,
    resolve,
    spoken,
)
from .claim_paths import (
    MINIMUM_KINDS,
    POINT_KINDS,
    Case,
    Seen,
    _columns,
    _settled_from,
    diverges,
    ends_apart,
    ends_in,
    escapes,
    farther,
    faster,
    landmark_points,
    overshoots,
    stalls,
    stuck,
    swings,
    zigzags,
)


@dataclass(frozen=True)
class Option:
    """One option of a kind of claim: ``number``, ``whole``, a ``choice`` or a ``word``."""

    type: str
    default: Any = None
    choices: tuple[str, ...] = ()
    low: float = 0.0
    high: float = math.inf


@dataclass(frozen=True)
class Kind:
    rule: Callable[..., Seen]
    runs: int  # how many runs the claim names
    options: Mapping[str, Option] = field(default_factory=dict)
    geometric: bool = False  # needs positions on a surface


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
    ours, theirs = plain(a[-1] + shift), plain(b[-1] + shift)
    quantity = ("mean " if c.opts.get("last") else "") + spoken(metric)  # quoted: not the end
    said = f"{_tag(c, 0)}: {quantity} {ours}, {_tag(c, 1)}: {theirs}"
    evidence = {"a": float(a[-1] + floor), "b": float(b[-1] + floor), "floor": floor}
    return Seen(bool(holds), evidence, _final(len(a) - 1, step, holds), said)


def _tag(c: Case, j: int) -> str:
    """How a comparison ("X: loss a, Y: b") names its ``j``-th run: by the label the user
    gave it alone when every run is one optimizer, whose name then tells none apart
    ("constant rate: mean loss 0.071", not "SGD (constant rate): ..."); else as every
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
    than = spoken(c.opts["than"] or c.opts["on"])
    other = f"{than} {plain(b[-1])}" if c.runs[0] == c.runs[1] else (
        f"{_tag(c, 1)}: {plain(b[-1])}" if not c.opts["than"] else
        f"{_tag(c, 1)}: {than} {plain(b[-1])}")  # fmt: skip
    said = f"{_tag(c, 0)}: {spoken(c.opts['on'])} {plain(a[-1])}, {other}"
    return Seen(
        holds, {"a": float(a[-1]), "b": float(b[-1])}, _final(len(a) - 1, step, holds), said
    )


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
    said = f"{c.who()}: {spoken(c.opts['on'])} falls {plain(ratio)}×"
    return Seen(
        holds,
        {"first": float(v[top]), "last": float(v[-1]), "ratio": ratio},
        _final(first + len(v) - 1, hit[0] if len(hit) else None, holds),
        said,
    )


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


def spikes(c: Case) -> Seen:
    """The run's ``on`` (default ``loss``) jumps up at least ``at_least`` times (default 1):
    a spike is a run of steps each more than ``by`` (default 1.5) times the one before.
    The key step is the first spike's."""
    v, first = _series(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = v[1:] > c.opts["by"] * v[:-1]
    begins = np.flatnonzero(jump & ~np.concatenate([[False], jump[:-1]]))
    holds = len(begins) >= c.opts["at_least"]
    said = f"{c.who()}: {spoken(c.opts['on'])} spikes {len(begins)} time{'s' * (len(begins) != 1)}"
    step = first + int(begins[-1]) + 1 if holds and len(begins) else None  # the count it says
    return Seen(bool(holds), {"spikes": float(len(begins))}, step, said)


def steady(c: Case) -> Seen:
    """The run's ``on`` stays within a factor ``within`` (default 2) of itself: its largest
    value is at most ``within`` times its smallest; ``last`` as for ``falls``."""
    v, _ = _series(c)
    ratio = _ratio(float(np.max(v)), float(np.min(v)))
    holds = ratio <= c.opts["within"]
    on = spoken(c.opts["on"])
    said = (
        f"{c.who()}: {on} hardly changes"
        if ratio < 1.5
        else f"{c.who()}: {on} changes at most {plain(ratio)}-fold"
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

# -- the vocabulary -------------------------------------------------------------------------------
WITHIN = Option("number", 0.02, low=0.0)
START = {"start": Option("whole", None, low=1)}
METRIC = Option("word", "loss")
LAST = Option("number", 1.0, low=1e-9, high=1.0)
MEAN = Option("number", None, low=1e-9, high=1.0)  # compare means over the final share
KINDS: dict[str, Kind] = {
    "stuck": Kind(
        stuck,
        1,
        {
            "at": Option("choice", "saddle", POINT_KINDS),
            "within": WITHIN,
            "hold": Option("number", 0.2, high=1.0),
        },
        geometric=True,
    ),
    "escapes": Kind(
        escapes,
        1,
        {
            "from": Option("choice", "saddle", (*POINT_KINDS, "start")),
            "within": Option("number", 0.05),
        },
        geometric=True,
    ),
    "stalls": Kind(
        stalls, 1, {"steps": Option("whole", None, low=1), "within": WITHIN}, geometric=True
    ),
    "ends_in": Kind(
        ends_in,
        1,
        {"minimum": Option("choice", "deepest", MINIMUM_KINDS), "within": WITHIN},
        geometric=True,
    ),
    "ends_apart": Kind(ends_apart, 2, {"within": WITHIN}, geometric=True),
    "zigzags": Kind(
        zigzags,
        1,
        {
            "across": Option("choice", "steep", ("steep", "x", "y")),
            "at_least": Option("whole", 4, low=1),
        },
        geometric=True,
    ),
    "overshoots": Kind(
        overshoots,
        1,
        {
            "axis": Option("choice", "approach", ("approach", "x", "y")),
            "by": Option("number", 0.05),
        },
        geometric=True,
    ),
    "swings": Kind(
        swings,
        1,
        {"at_least": Option("whole", 3, low=1), "by": Option("number", 0.02)},
        geometric=True,
    ),
    "diverges": Kind(diverges, 1, {}, geometric=True),
    "faster": Kind(
        faster,
        2,
        {
            "to": Option("number", 1e-3, high=1.0),
            "per": Option("choice", "steps", ("steps", "evals")),
        },
    ),
    "farther": Kind(
        farther,
        2,
        {"by": Option("number", 1.0), "along": Option("choice", "any", ("any", "x", "y"))},
        geometric=True,
    ),
    "beats": Kind(beats, 2, {"on": METRIC, "by": Option("number", 1.0), "last": MEAN}),
    "more": Kind(
        more, 2, {"on": METRIC, "than": Option("word"), "by": Option("number", 1.0), "last": MEAN}
    ),
    "less": Kind(
        less, 2, {"on": METRIC, "than": Option("word"), "by": Option("number", 1.0), "last": MEAN}
    ),
    "falls": Kind(
        falls,
        1,
        {
            "on": METRIC,
            "by": Option("number", 10.0),
            "last": LAST,
            "from": Option("choice", "start", ("start", "peak")),
        },
    ),
    "rises": Kind(
        rises,
        1,
        {
            "on": METRIC,
            "by": Option("number", 10.0),
            "last": LAST,
            "to": Option("choice", "end", ("end", "peak")),
        },
    ),
    "recovers": Kind(recovers, 1, {"on": METRIC, "by": Option("number", 2.0), "last": LAST}),
    "spikes": Kind(
        spikes,
        1,
        {
            "on": METRIC,
            "by": Option("number", 1.5, low=1.0),
            "at_least": Option("whole", 1, low=1),
            "last": LAST,
        },
    ),
    "steady": Kind(
        steady, 1, {"on": METRIC, "within": Option("number", 2.0, low=1.0), "last": LAST}
    ),
    "reaches": Kind(
        reaches,
        1,
        {
            "on": METRIC,
            "above": Option("number", None, low=-math.inf),
            "below": Option("number", None, low=-math.inf),
        },
    ),
    "touches": Kind(
        touches,
        1,
        {
            "on": METRIC,
            "above": Option("number", None, low=-math.inf),
            "below": Option("number", None, low=-math.inf),
        },
    ),
    "evaluates": Kind(evaluates, 1, {"at_least": Option("whole", 2, low=1)}),
    "plane_matches": Kind(
        plane_matches,
        1,
        {"within": Option("number", 0.1), "at": Option("choice", "all", ("all", "end"))},
    ),
    "has": Kind(has, 0, {k: Option("whole", None) for k in HAS_KINDS}),
}
"""Every kind of claim: its rule, how many runs it names and its options."""


# -- evaluation -----------------------------------------------------------------------------------
def checked_options(claim: Claim) -> dict[str, Any]:
    """The claim's options with their defaults, after checking its kind and run count."""
    kind = KINDS.get(claim.kind)
    if kind is None:
        close = _closest(claim.kind.lower(), list(KINDS))
        hint = f"did you mean '{close}'? " if close else ""
        raise ClaimError(
            f"claim '{claim.text}': unknown kind '{claim.kind}'; {hint}kinds: {', '.join(KINDS)}"
        )
    if len(claim.runs) != kind.runs:
        what = {0: "no run", 1: "one run", 2: "two runs"}[kind.runs]
        raise ClaimError(f"claim '{claim.text}': {claim.kind} names {what}, not {len(claim.runs)}")
    return _options(claim, kind)


def evaluate(claim: Claim, m: Measured) -> Verdict:
    """The verdict of ``claim`` on ``m`` (see :func:`optviz.analysis.claims.check_claims`)."""
    opts = checked_options(claim)
    kind = KINDS[claim.kind]
    if kind.geometric and m.race is None:
        raise ClaimError(f"claim '{claim.text}': {claim.kind} needs runs on a surface (a race)")
    if claim.kind == "has" and m.surface is None:
        raise ClaimError(f"claim '{claim.text}': has needs a surface")
    runs = tuple(resolve(ref, m, claim.text) for ref in claim.runs)
    starts = _starts(claim, m, runs, opts.pop("start", None))
    seen = [kind.rule(Case(m, runs, s, opts, claim)) for s in starts]
    # negated or not, the claim must hold from every start it concerns
    ok = [s.holds != claim.negated for s in seen]
    pick = ok.index(False) if not all(ok) else 0
    evidence = dict(seen[pick].evidence)
    if len(starts) > 1 or starts[0] > 0:
        evidence["start_index"] = float(starts[pick])
    said, step = seen[pick].callout, seen[pick].step
    if claim.negated:  # a picture is not captioned with what does not happen: what does
        said, step = _instead(seen, pick)
    step = _as_step(m, opts.get("on"), runs, step)
    return Verdict(claim.text, all(ok), evidence, step, runs, said)


def _instead(seen: list[Seen], pick: int) -> tuple[str, int | None]:
    """A negated claim's callout and step: the positive fact its rule saw instead ("GD and
    Momentum end in the same minimum", "GD lands in 2 steps") when it saw one from every
    start, else none (the claim is checked, not drawn)."""
    if not all(s.instead for s in seen):
        return "", None
    return seen[pick].instead, seen[pick].instead_step


def _as_step(m: Measured, metric: str | None, runs: tuple[int, ...], index: int | None) -> Any:
    """The step of entry ``index`` of a series measured at some steps only."""
    if index is None or metric not in m.at or not runs:
        return index
    return int(m.at[metric][runs[0]][index])


def _starts(claim: Claim, m: Measured, runs: tuple[int, ...], start: int | None) -> list[int]:
    """The starts (column indices) a claim concerns: the one it names, or all."""
    if not runs:
        return [0]
    counts = {_columns(m, k) for k in runs} - {1}  # a run from one start serves every start
    if len(counts) > 1:
        raise ClaimError(f"claim '{claim.text}': its runs have different numbers of starts")
    n = counts.pop() if counts else 1
    if start is None:
        return list(range(n))
    if start > n:
        raise ClaimError(f"claim '{claim.text}': start={start}, but the runs have {n} start(s)")
    return [start - 1]


def _options(claim: Claim, kind: Kind) -> dict[str, Any]:
    allowed = {**kind.options, **START} if kind.runs else dict(kind.options)
    out = {name: o.default for name, o in allowed.items()}
    for key, text in claim.options.items():
        if key not in allowed:
            names = ", ".join(allowed) or "none"
            raise ClaimError(
                f"claim '{claim.text}': {claim.kind} has no option '{key}'; options: {names}"
            )
        out[key] = _value(claim, key, text, allowed[key])
    return out


def _value(claim: Claim, key: str, text: str, o: Option) -> Any:
    if o.type == "choice":
        if text not in o.choices:
            raise ClaimError(
                f"claim '{claim.text}': {key}={text} is not one of {', '.join(o.choices)}"
            )
        return text
    if o.type == "word":
        return text
    try:
        value = float(text) if o.type == "number" else int(text)
    except ValueError:
        what = "a number" if o.type == "number" else "a whole number"
        raise ClaimError(f"claim '{claim.text}': {key} must be {what}, not '{text}'") from None
    if not (math.isfinite(value) and o.low <= value <= o.high):
        raise ClaimError(f"claim '{claim.text}': {key}={text} must be in {o.low:g}..{o.high:g}")
    return value
