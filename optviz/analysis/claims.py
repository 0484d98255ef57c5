"""Lessons as claims: what a picture shows, stated in a small vocabulary and checked on its runs.

A scene (or a catalog surface's ``[lesson]``) says what its picture teaches as claims such as
``stuck(gd, at=saddle)``, ``escapes(adam, from=saddle)`` or ``zigzags(gd, across=y)``.
:func:`check_claims` evaluates each on the runs behind the picture and returns one
:class:`Verdict` per claim: whether it holds, the numbers behind that, the step at which the
thing happens (where a picture puts its callout) and the runs it names.

Claims are text, read by a small grammar and never evaluated as Python::

    claim  := ["not"] KIND "(" [arg {"," arg}] ")"
    arg    := [NAME "="] value
    value  := a word (letters, digits, _ . # : + -), a number or a "quoted string"

The vocabulary (thresholds are fractions of the surface's domain diagonal, or of the runs'
own numbers, never constants of one scene; each kind's defaults are in its rule's
docstring, and the table of them in ``docs/scenes.md``):

- on paths (:mod:`optviz.analysis.claim_paths`): ``stuck``, ``escapes``, ``stalls``,
  ``ends_in``, ``ends_apart``, ``zigzags``, ``overshoots``, ``swings``, ``diverges``,
  ``faster``, ``farther``;
- on any runs' measurements (a race's loss, a network's loss and accuracy, ...;
  :mod:`optviz.analysis.claim_measures`): ``beats``, ``more``, ``less``, ``falls``,
  ``rises``, ``recovers``, ``spikes``, ``steady``, ``reaches``, ``touches``, ``evaluates``
  (a step's loss-and-gradient evaluations: L-BFGS's line search);
- on a network's landscape: ``plane_matches``; on a surface: ``has``.

**Naming a run.** A claim names a run by its legend label (quote it when it has spaces or
brackets: ``"lr = 0.3: about right"``), by its optimizer's name (``gd``, ``adam``) when
exactly one run has that name, or as ``name#k``, the k-th run of that name in the race's
order (``gd#2``). A name that fits several runs is an error that lists them; a label wins
over a name. **Starts.** A run from several starts must do what the claim says from every
start, unless the claim picks one with ``start=k`` (1-based, in the order the starts were
given); ``not claim`` holds when the claim is false from every start it concerns.

>>> import optviz as ov
>>> race = ov.race("saddle", ["gd:lr=0.05", "adam:lr=0.05"], start=(-1.8, 1e-6), steps=80)
>>> for v in check_claims(race, ["stuck(gd, at=saddle)", "escapes(adam, from=saddle)"]):
...     print(v.holds, v.callout)
True GD stops at the saddle: gradient ≈ 0
True Adam rolls away before reaching the saddle
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .claim_grammar import (
    Claim,
    ClaimError,
    Measured,
    Verdict,
    explain,
    from_race,
    measured,
    parse_claim,
    resolve,
    shown_names,
    shown_optimizers,
)
from .claim_rules import KINDS, checked_options, evaluate

__all__ = [
    "KINDS",
    "Claim",
    "ClaimError",
    "Measured",
    "Verdict",
    "check_claim",
    "check_claims",
    "explain",
    "failures",
    "from_race",
    "measured",
    "parse_claim",
    "resolve",
    "shown_names",
    "shown_optimizers",
]


# -- checking -------------------------------------------------------------------------------------
def check_claims(race_or_result: Any, claims: Sequence[str]) -> list[Verdict]:
    """One :class:`Verdict` per claim, evaluated on ``race_or_result`` (a race, a network
    landscape, a :class:`Measured`, or a surface for ``has``).

    A claim that cannot be read, names no run, or gives an unknown option raises
    :class:`ClaimError`; a claim that is false gives ``holds=False``.
    """
    if isinstance(claims, str):
        raise ClaimError("claims must be a list of texts, e.g. ['stuck(gd, at=saddle)']")
    m = measured(race_or_result)
    return [evaluate(parse_claim(text), m) for text in claims]


def check_claim(text: str) -> Claim:
    """``text`` read and checked as far as it can be without runs: its grammar, its kind,
    how many runs it names and its options (a :class:`ClaimError` if any is wrong).

    >>> check_claim("zigzags(gd, across=z)")
    Traceback (most recent call last):
    optviz.analysis.claim_grammar.ClaimError: claim 'zigzags(gd, across=z)': across=z is not ...
    """
    claim = parse_claim(text)
    checked_options(claim)
    return claim


def failures(verdicts: Sequence[Verdict]) -> list[str]:
    """``explain`` of every verdict that does not hold."""
    return [explain(v) for v in verdicts if not v.holds]
