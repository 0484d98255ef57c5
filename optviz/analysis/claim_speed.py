"""The claim about speed: which of two runs gets its loss to the minimum first
(``faster``), and how its callout says so, true to the picture: "arrives" only of a ball
at the minimum from then on, "first" only against a run that arrives later.

As :mod:`optviz.analysis.claim_paths`: a rule sees a :class:`~.claim_case.Case` and says
what it saw (a :class:`~.claim_case.Seen`).
"""

from __future__ import annotations

import math

import numpy as np

from .claim_case import Case, Seen, _distance, _settled_from
from .claim_grammar import plain


def faster(c: Case) -> Seen:
    """Run ``a`` gets its loss to within ``to`` (default 1e-3) of its starting gap above the
    floor, and keeps it there to the end, in fewer steps than ``b`` (which may never): a
    run that dips under once and swings back up has not arrived. The floor is the surface's
    global minimum where known, else the lowest loss any run reached. ``per=evals``
    counts loss-and-gradient evaluations instead of steps (a line search's trials count)."""
    floor = c.m.floors.get("loss")
    floor = _lowest_loss(c) if floor is None else floor
    steps = [_arriving(c.loss(j), floor, c.opts["to"]) for j in (0, 1)]
    reach = steps
    if c.opts["per"] == "evals":
        reach = [r if math.isinf(r) else float(c.series("evals", j)[int(r)])
                 for j, r in enumerate(steps)]  # fmt: skip
    holds = reach[0] < reach[1]
    unit = "evaluation" if c.opts["per"] == "evals" else "step"
    # "arrives" at a loss merely 10× lower (to=0.1) named a second arrival, steps before
    # the first (landscape_muon): a loss that is not down to the minimum's says how far down
    close = c.opts["to"] <= ARRIVES_AT
    there = [close and _stays_at_minimum(c, j, steps[j]) for j in (0, 1)]
    said = _faster_words(c, reach, unit, steps[0], there[0])
    evidence = {f"a_{unit}s": reach[0], f"b_{unit}s": reach[1], "floor": floor}
    # both numbers are true on screen once the later run has arrived (or the run is over)
    last = len(c.loss()) - 1
    shown = None if math.isinf(steps[0]) else int(min(max(steps[0], steps[1]), last))
    also = _slower_words(c, reach[1], unit, last, there[1])
    # on a map with no loss panel, a loss's arrival is told by where the ball is
    near = [_near_words(c, j, steps[j]) if not there[j] else "" for j in (0, 1)]
    for j, who in enumerate("ab"):  # how near "settles near" is, in the map's units
        if near[j]:
            evidence[f"{who}_near"] = _farthest(c, j, steps[j])
    on_map = (_on_map(c, 0, said, near[0]), _on_map(c, 1, also, near[1]))
    on_map = () if on_map == (said, also) else on_map
    return Seen(holds, evidence, shown, said, also=also, on_map=on_map)


ARRIVES_AT = 1e-3  # of the starting gap: a loss this far down has arrived (the default)
ARRIVED_WITHIN = 0.02  # domain diagonals from a minimum a ball that "arrives" stays within


def _stays_at_minimum(c: Case, j: int, step: float) -> bool:
    """Whether run ``j``'s ball is at a minimum from ``step`` (its loss's arrival) to the
    end, within :data:`ARRIVED_WITHIN`: what "arrives" says of a ball on a map. On
    Rosenbrock's flat valley floor the loss is down 1,000× while the ball is still
    climbing towards the star, which "arrives at step 233" contradicted. Where the plane
    has no points to name (a network's), the loss is all there is to arrive."""
    if math.isinf(step) or c.m.race is None or not hasattr(c.surface, "hess"):
        return True
    xy, near = c.xy(j), ARRIVED_WITHIN * c.span
    minima, _ = c.points("minimum")
    return bool(len(minima)) and bool(np.all(_distance(xy[int(step) :], minima) <= near))


def _faster_words(c: Case, reach: list[float], unit: str, step: float, there: bool = True) -> str:
    """The callout of ``faster``, short: "Adagrad: 3× faster than GD" (the loss panel shows
    the two arrivals); against a run not there by the end, the step it arrives at, and
    its evaluation where it counts those (the frame counter speaks steps, the loss axis
    evaluations: "at step 34, evaluation 76"), and no "first": first compared with a run
    that never arrives says nothing (learning_rate_curve); for a ball whose loss arrives
    away from the minimum, what was measured, in a lecturer's words: "Momentum gets its
    loss down (1,000× lower) by step 233"."""
    a, b = c.who(0), c.than_whom()
    if math.isinf(reach[0]):
        return f"{a} arrives after {b}"
    if math.isinf(reach[1]):  # "GD never" overclaimed a run merely slower than the race
        at = _step_and(unit, int(step), int(reach[0]))
        return f"{_arrives(c, 0)} at {at}" if there else f"{_loss_down(c, a)} by {at}"
    ratio = reach[1] / max(reach[0], 1.0)
    if ratio < 1.15:  # "1.0× faster" says nothing
        first = _arrives(c, 0) if there else _loss_down(c, a)
        return f"{first} just before {b}"
    fast = "fewer evaluations than" if unit == "evaluation" else "faster than"
    return f"{a}: {plain(ratio)}× {fast} {b}"


def _arrives(c: Case, j: int) -> str:
    """ "GD reaches the minimum": the words of ``ends_in`` for the same event, a ball
    there from then on (learning_rate_curve said "reaches the minimum at step 3", then
    "arrives at step 3" of one ball); where the plane names no minimum (a network's), its
    loss "arrives"."""
    if c.m.race is None or not hasattr(c.surface, "hess"):
        return f"{c.who(j)} arrives"
    minima, values = c.points("minimum")
    if not len(minima):
        return f"{c.who(j)} arrives"
    end = c.xy(j)[-1]
    value = float(values[int(np.argmin(np.linalg.norm(minima - end, axis=-1)))])
    if len(values) == 1:
        word = "the minimum"
    elif np.ptp(values) <= 1e-6 * max(1.0, float(np.max(np.abs(values)))):
        word = "a minimum"
    else:
        word = "the deepest minimum" if value <= float(np.min(values)) else "a local minimum"
    return f"{c.who(j)} reaches {word}"


def _loss_down(c: Case, who: str) -> str:
    """ "Momentum gets its loss down (1,000× lower)": what ``faster`` measured of a ball
    not at the minimum ("loss falls 1,000× first" read as jargon)."""
    return f"{who} gets its loss down ({plain(1 / c.opts['to'])}× lower)"


def _near_words(c: Case, j: int, step: float) -> str:
    """ "Momentum settles near the minimum by": what a map shows of a ball whose loss
    arrived while the ball is not quite at the minimum (it stays near, farther than
    :data:`ARRIVED_WITHIN`, from ``step`` on: "stays within 0.22 of the minimum from"
    read as a technical bound), "" where the plane names no minimum. The distance stays
    in the evidence (``a_near``, ``b_near``: :func:`_farthest`)."""
    if math.isinf(step) or c.m.race is None or not hasattr(c.surface, "hess"):
        return ""
    minima, _ = c.points("minimum")
    if not len(minima):
        return ""
    which = "the minimum" if len(minima) == 1 else "a minimum"
    return f"{c.who(j)} settles near {which} by"


def _farthest(c: Case, j: int, step: float) -> float:
    """The farthest run ``j``'s ball is from the nearest minimum from ``step`` on."""
    minima, _ = c.points("minimum")
    return float(np.max(_distance(c.xy(j)[int(step) :], minima)))


def _on_map(c: Case, j: int, words: str, near: str) -> str:
    """``words`` with run ``j``'s loss arrival told by where its ball is (``near``, from
    :func:`_near_words`): "gets its loss down (1,000×) by step 21" becomes "settles near
    the minimum by step 21", "... just before GD" "settles near the minimum just before
    GD"."""
    if not near:
        return words
    down = _loss_down(c, c.who(j))
    words = words.replace(f"{down} by", near)
    return words.replace(down, near.removesuffix(" by"))


def _slower_words(c: Case, reach: float, unit: str, last: int, there: bool = True) -> str:
    """The slower run's own callout in ``faster``: when it arrives, or that it has not by
    the end ("GD has not arrived by step 150"), so its ball is named by a callout of its own
    (a second leader from the faster run's callout was followed to the wrong ball)."""
    if math.isinf(reach):
        end = last if unit == "step" else int(c.series("evals", 1)[last])
        return f"{c.who(1)} has not arrived by {_step_and(unit, last, end)}"
    if not there:  # its loss arrives, its ball is not at the minimum
        return f"{_loss_down(c, c.who(1))} by {unit} {int(reach)}"
    return f"{_arrives(c, 1)} at {unit} {int(reach)}"


def _step_and(unit: str, step: int, count: int) -> str:
    """ "step 34, evaluation 76": the step (the frame counter's unit) and, where the race
    counts evaluations and they differ, the evaluation (the loss axis's)."""
    if unit == "step" or count == step:
        return f"step {step}"
    return f"step {step}, {unit} {count}"


def _lowest_loss(c: Case) -> float:
    every = np.concatenate([c.m.values("loss", k).ravel() for k in range(len(c.m))])
    every = every[np.isfinite(every)]
    return float(every.min()) if len(every) else 0.0


def _arriving(loss: np.ndarray, floor: float, to: float) -> float:
    """The first step from which the loss stays within ``to`` of its starting gap."""
    gap = loss - floor
    since = _settled_from(gap <= to * max(gap[0], 0.0))
    return math.inf if since is None else float(since)
