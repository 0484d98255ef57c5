"""The claim vocabulary: one rule per kind of claim, its options and their defaults, and
:func:`evaluate`, which applies a claim's rule to the starts it concerns.

Every threshold is a fraction of something the runs or the surface give: distances are
fractions of the domain's diagonal (``span``), losses of a run's own starting loss, step
counts of the run's length. A rule measures one run from one start (or a pair of runs from
the same start) and says what it saw, with the numbers; :func:`evaluate` applies it to the
starts the claim concerns, negates it if asked, and builds the :class:`Verdict`. The rules
on paths are in :mod:`optviz.analysis.claim_paths`, those on measurements and on the
surface in :mod:`optviz.analysis.claim_measures`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..util.errors import _closest
from .claim_case import MINIMUM_KINDS, POINT_KINDS, Case, Seen, _columns
from .claim_grammar import Claim, ClaimError, Measured, Verdict, resolve
from .claim_measures import (
    HAS_KINDS,
    beats,
    evaluates,
    falls,
    has,
    less,
    more,
    plane_matches,
    reaches,
    recovers,
    rises,
    spikes,
    steady,
    touches,
)
from .claim_paths import (
    diverges,
    ends_apart,
    ends_in,
    escapes,
    farther,
    overshoots,
    stalls,
    stuck,
    swings,
    zigzags,
)
from .claim_speed import faster


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
    said, step, also = seen[pick].callout, seen[pick].step, seen[pick].also
    on_map = seen[pick].on_map
    if claim.negated:  # a picture is not captioned with what does not happen: what does
        (said, step), also, on_map = _instead(seen, pick), "", ()
    step = _as_step(m, opts.get("on"), runs, step)
    return Verdict(claim.text, all(ok), evidence, step, runs, said, also, on_map)


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
