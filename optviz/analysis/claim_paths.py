"""The claims about paths on a surface: where a ball stops, escapes, stalls, ends, zig-zags,
overshoots or diverges, and which of two runs gets farther (which first:
:mod:`optviz.analysis.claim_speed`).

Each rule sees one run from one start (a :class:`~optviz.analysis.claim_case.Case`) and
says what it saw (a :class:`~optviz.analysis.claim_case.Seen`); distances are fractions of
the domain's diagonal; :mod:`optviz.analysis.claim_rules` holds the vocabulary.
"""

from __future__ import annotations

import math

import numpy as np

from .claim_case import ENDINGS, POINT_WORDS, Case, Seen, _distance, _settled_from
from .claim_grammar import ClaimError, plain
from .claim_speed import _arriving, _lowest_loss


# -- rules on a race ------------------------------------------------------------------------------
def stuck(c: Case) -> Seen:
    """The ball stops at a critical point of kind ``at`` (default ``saddle``): from some step
    to the end it stays within ``within`` (default 0.02) domain diagonals of it, for at least
    ``hold`` (default 0.2) of the run's steps."""
    at, steps = c.opts["at"], len(c.xy()) - 1
    points, _ = c.points(at)
    if not len(points):
        return Seen(False, {"found": 0.0}, None, f"the surface has no {at}")
    d = _distance(c.xy(), points)
    since = _settled_from(d <= c.opts["within"] * c.span)
    held = 0 if since is None else steps - since
    gnorm = float(c.series("grad_norm")[-1])
    holds = since is not None and held >= c.opts["hold"] * steps and c.diverged_at() < 0
    evidence = {"distance": float(d[-1] / c.span), "gradient": gnorm, "held_steps": float(held)}
    word = POINT_WORDS[at]
    if holds:
        said = f"{c.who()} stops at {word}: gradient ≈ 0"
    elif d.min() > c.opts["within"] * c.span:  # it was never there to stay
        said = f"{c.who()} never reaches {word}"
    else:
        said = f"{c.who()} does not stay at {word}"
    # shown once it has stayed as long as the claim asks, not when it first arrived
    shown = min(since + math.ceil(c.opts["hold"] * steps), steps) if holds else None
    return Seen(holds, evidence, shown, said)


FAR_TURN = 0.6  # of its start's distance: a ball that turned off farther out never got near


def escapes(c: Case) -> Seen:
    """The ball is drawn towards a critical point of kind ``from`` (default ``saddle``;
    ``start``: its own start) and gets away: it comes nearer the point than it started by
    more than ``within`` (default 0.05) domain diagonals (or starts within that), then ends
    farther than ``within`` from it, not diverged, and below the point's loss when that is a
    saddle or a maximum, having moved more than ``within`` away from its closest approach.
    The key step (:func:`_escaped_at`) is the first from which it stays away and past the
    barrier to the end: an escape shown when it has happened, not where it began."""
    where, xy = c.opts["from"], c.xy()
    if where == "start":
        points, values = xy[:1], np.array([np.inf])
    else:
        points, values = c.points(where)
    if not len(points):
        return Seen(False, {"found": 0.0}, None, f"the surface has no {where}")
    closest = np.min(np.linalg.norm(xy[:, None] - points[None], axis=-1), axis=0)
    p = int(np.argmin(closest))  # the point the path comes nearest
    d = np.linalg.norm(xy - points[p], axis=-1)
    r = c.opts["within"] * c.span
    turn = int(np.argmin(d))
    if where == "start":  # nothing to turn from: the key step is the first one outside
        turn = int(np.argmax(d > r)) if d[-1] > r else 0
    drawn = d[0] <= r or d[turn] < d[0] - r
    below = where not in ("saddle", "maximum") or c.loss()[-1] < values[p]
    away = d[-1] > r and d[-1] - d[turn] > r  # out of the zone, and well past its turn
    out = bool(drawn and away and c.diverged_at() < 0 and below)
    shown = _escaped_at(c, d, r, turn, where) if out else None
    evidence = {
        "start_distance": float(d[0] / c.span),
        "closest": float(d[turn] / c.span),
        "final_distance": float(d[-1] / c.span),
        "final_loss": float(c.loss()[-1]),
    }
    word = POINT_WORDS[where].removeprefix("the ").removeprefix("a ").removeprefix("its ")
    if where == "start":
        said = f"{c.who()} gets going at step {turn}" if out else f"{c.who()} stays near its start"
    elif out and d[turn] > max(FAR_TURN * d[0], r):  # it turned off on its way, far out
        said = f"{c.who()} rolls away before reaching the {word}"
    elif out:
        said = f"{c.who()} escapes the {word} at step {shown}"  # where it is away
    else:
        said = f"{c.who()} does not get away from the {word}"
    return Seen(out, evidence, shown, said)


def _escaped_at(c: Case, d: np.ndarray, r: float, turn: int, where: str) -> int | None:
    """When the ball is out for good: from this step to the end away from the point (by
    ``r``, and by ``r`` past its closest approach at ``turn``) and past the barrier, the
    highest loss after that approach (a minimum's rim; a saddle or a maximum is its own
    top): out of the basin, not on its way up the wall."""
    barrier = (
        turn
        if where in ("saddle", "maximum", "start")
        else turn + int(np.argmax(np.nan_to_num(c.loss()[turn:], nan=-np.inf)))
    )
    away = (d > r) & (d - d[turn] > r) & (np.arange(len(d)) > barrier)
    away[-1] = True  # an escape ends away (else it does not hold): at worst the last step
    return _settled_from(away)


def stalls(c: Case) -> Seen:
    """For ``steps`` steps in a row (default: half the run) the ball stays within ``within``
    (default 0.02) domain diagonals of where it was, away from every minimum."""
    xy = c.xy()
    total = len(xy) - 1
    need = c.opts["steps"] if c.opts["steps"] is not None else max(1, total // 2)
    r = c.opts["within"] * c.span
    minima, _ = c.points("minimum") if hasattr(c.surface, "hess") else (np.zeros((0, 2)), None)
    longest, first, held = 0, None, 0
    for t in range(total + 1 - need):
        if len(minima) and _distance(xy[t : t + 1], minima)[0] <= r:
            continue
        away = np.linalg.norm(xy[t:] - xy[t], axis=-1) > r
        stay = int(np.argmax(away)) if away.any() else len(away)
        stay -= 1  # steps taken without leaving
        longest = max(longest, stay)
        if first is None and stay >= need:
            first, held = t, stay
    holds = first is not None
    # a stall that lasts to the run's end is said so: "stalls for 27 steps" in a 36-step
    # race reads as if the ball moved on afterwards
    to_end = holds and first + held >= total
    said = (
        f"{c.who()} keeps moving"
        if not holds
        else f"{c.who()} stalls from the start"
        if to_end and first == 0
        else f"{c.who()} stalls from step {first} on"
        if to_end
        else f"{c.who()} stalls for {held} steps"
    )
    evidence = {"stall": float(held), "longest_stall": float(longest), "steps": float(need)}
    # shown once the stall it states is over, at the step that leaves it (or at the run's
    # end): a verdict, not a forecast, and the run cut there still says the same
    return Seen(holds, evidence, None if first is None else min(first + held + 1, total), said)


def ends_in(c: Case) -> Seen:
    """The ball ends (and stays, from its key step) within ``within`` (default 0.02) domain
    diagonals of a minimum: ``deepest`` (a global one, the default), ``nearest`` (the
    minimum nearest its start), ``other`` (any but that one), ``local`` or ``any``. The
    key step (:func:`_ended_at`) is when it is there for good, its loss arrived too."""
    kind, xy = c.opts["minimum"], c.xy()
    points, values = c.points(
        "deepest" if kind == "deepest" else "local" if kind == "local" else "minimum"
    )
    every = points
    if kind in ("nearest", "other") and len(points):
        nearest = int(np.argmin(np.linalg.norm(points - xy[0], axis=-1)))
        keep = np.arange(len(points)) == nearest
        points, values = (
            (points[keep], values[keep]) if kind == "nearest" else (points[~keep], values[~keep])
        )
    if not len(points):
        return Seen(False, {"found": 0.0}, None, "no such minimum")
    d = _distance(xy, points)
    since = _settled_from(d <= c.opts["within"] * c.span)
    holds = since is not None and c.diverged_at() < 0
    evidence = {"distance": float(d[-1] / c.span), "final_loss": float(c.loss()[-1])}
    word = _shape_word(c, points, every) or _ending_word(c, kind)
    beside = float(values[int(np.argmin(np.linalg.norm(points - xy[-1], axis=-1)))])
    step = _ended_at(c, since, beside) if holds else None
    said = f"{c.who()} has not reached {word}"
    if holds:  # shown before the run's end, "ends in" would be a forecast: say when
        last = len(xy) - 1
        said = (
            f"{c.who()} ends in {word}"
            if step >= last
            else f"{c.who()} reaches {word} at step {step}"
        )
    return Seen(holds, evidence, step, said, *_short_of(c, word, float(d[-1])))


SHARPER = 5.0  # a minimum this many times as curved as every other is "the sharp" one


def _shape_word(c: Case, points: np.ndarray, every: np.ndarray) -> str | None:
    """ "the sharp minimum" or "the wide minimum" where the one minimum meant (``points``)
    is curved ``SHARPER`` times more, or less, than every other (``every`` holds all):
    sam_sharp_flat said "nearest" and "another" minimum, and not which was which."""
    if len(points) != 1 or len(every) < 2 or getattr(c.surface, "dim", 2) != 2:
        return None
    bends = [_bend(c, p) for p in every]
    mine = _bend(c, points[0])
    others = [b for p, b in zip(every, bends, strict=True) if not np.allclose(p, points[0])]
    if not others or mine <= 0 or min(others) <= 0:
        return None
    if mine >= SHARPER * max(others):
        return "the sharp minimum"
    if mine * SHARPER <= min(others):
        return "the wide minimum"
    return None


def _bend(c: Case, p: np.ndarray) -> float:
    """The curvature at ``p``: the surface's Laplacian by finite differences."""
    h = 1e-4 * c.span
    at = np.asarray(p, float).reshape(1, 2)
    moves = np.array([[h, 0], [-h, 0], [0, h], [0, -h]])
    around = c.surface.f(at + moves)
    return float((np.sum(around) - 4 * c.surface.f(at)[0]) / h**2)


def _short_of(c: Case, word: str, distance: float) -> tuple[str, int | None]:
    """What a ball that does not end in the minimum does instead, as its ball at the end
    shows it: it ends in another minimum, or it ends ``distance`` short of this one (a
    negated claim's callout: "GD (lr 0.02) ends 3.1 from the minimum", a distance read
    on the map's axes, not "3.1 short", a number without a unit)."""
    last = len(c.xy()) - 1
    if c.diverged_at() >= 0 or not np.all(np.isfinite(c.xy()[-1])):
        return "", None
    minima, _ = c.points("minimum")
    reach = c.opts["within"] * c.span
    if len(minima) and float(_distance(c.xy()[-1:], minima)[0]) <= reach:
        return f"{c.who()} ends in another minimum", last
    if getattr(c.surface, "dim", 2) == 1:  # on a curve, where it is reads at once on the x axis
        # ("ends 0.55 in x from the minimum" made the reader do the sum)
        x = float(np.asarray(c.xy()[-1]).reshape(-1)[0])
        return f"{c.who()} ends at x = {plain(x)}, short of {word}", last
    return f"{c.who()} ends {plain(distance)} from {word}", last


def _ended_at(c: Case, since: int, floor: float) -> int:
    """When a ball that ends in a minimum is shown there: once it stays within the claim's
    reach of it (``since``) and its loss has arrived as :func:`faster` counts it (within
    1e-3 of its starting gap above the minimum's value, for good), so a callout about the
    same ball never says "ends in" before "arrives"; a loss that never arrives so (a run
    cut short): ``since``."""
    arrived = _arriving(c.loss(), floor, 1e-3)
    return since if math.isinf(arrived) else max(since, int(arrived))


def _ending_word(c: Case, kind: str) -> str:
    """How a callout names the minimum ``kind`` of ``ends_in``, true to the picture:
    "the deepest minimum" only where the minima differ in depth; "the minimum" where
    there is one; "a minimum" among minima of one depth."""
    _, values = c.points("minimum")
    if kind in ("local", "other") or len(values) == 0:
        return ENDINGS[kind]
    if len(values) == 1:
        return "the minimum"
    tied = np.ptp(values) <= 1e-6 * max(1.0, float(np.max(np.abs(values))))
    if tied and kind == "deepest":
        return "a minimum"
    return ENDINGS[kind]


def ends_apart(c: Case) -> Seen:
    """Runs ``a`` and ``b`` end in different minima: each within ``within`` (default 0.02)
    domain diagonals of a minimum, and not the same one."""
    points, _ = c.points("minimum")
    ends = [c.xy(j)[-1] for j in (0, 1)]
    if len(points) == 0:
        return Seen(False, {"found": 0.0}, None, "the surface has no minimum")
    d = [np.linalg.norm(points - e, axis=-1) for e in ends]
    which = [int(np.argmin(x)) for x in d]
    near = all(x.min() <= c.opts["within"] * c.span for x in d)
    holds = near and which[0] != which[1] and max(c.diverged_at(0), c.diverged_at(1)) < 0
    if holds:
        said = f"{c.who(0)} and {c.who(1)} end in different minima"
    elif near and which[0] == which[1]:
        said = f"{c.who(0)} and {c.who(1)} end in the same minimum"
    else:
        said = f"{c.who(0)} and {c.who(1)} do not both end in a minimum"
    evidence = {
        "a_distance": float(d[0].min() / c.span),
        "b_distance": float(d[1].min() / c.span),
        "apart": float(np.linalg.norm(ends[0] - ends[1]) / c.span),
    }
    same = bool(near and which[0] == which[1])
    also = f"{c.who(1)} ends in the other minimum" if holds else ""  # at its own ball
    return Seen(bool(holds), evidence, len(c.xy()) - 1 if holds else None, said,
                said if same else "", len(c.xy()) - 1 if same else None, also)  # fmt: skip


def zigzags(c: Case) -> Seen:
    """At least ``at_least`` (default 4) steps in a row each reverse the previous step's
    direction ``across`` the valley: ``steep`` (the Hessian's steepest direction where the
    step starts, the default), ``x`` or ``y``. Steps smaller across than a thousandth of the
    run's largest do not count."""
    xy = c.xy()
    d = np.diff(xy, axis=0)  # step i+1 is d[i]
    if len(d) < 2:
        return Seen(False, {"streak": 0.0}, None, f"{c.who()} takes too few steps")
    across = c.opts["across"]
    if across == "steep":
        if not hasattr(c.surface, "hess"):
            raise ClaimError(f"claim '{c.claim.text}': across=steep needs a surface; use x or y")
        _, vecs = np.linalg.eigh(c.surface.hess(xy[1:-1]))
        e = vecs[..., -1]  # the steepest direction where each later step starts
        now, before = np.sum(d[1:] * e, -1), np.sum(d[:-1] * e, -1)
    else:
        axis = _axis(c, across)
        now, before = d[1:, axis], d[:-1, axis]
    tiny = 1e-3 * max(float(np.max(np.abs(d))), 1e-300)
    big = (np.abs(now) > tiny) & (np.abs(before) > tiny)
    reversal = big & (now * before < 0)
    streak, begin = _longest_run(reversal)
    begin += 1  # reversal[i] is step i + 2 turning back step i + 1: it begins at position i + 1
    holds = streak >= c.opts["at_least"]
    word = "the valley" if across == "steep" else across
    if holds:
        said = f"{c.who()} zig-zags across {word}"
    elif streak:  # it may swing: say how little, not that it never turns
        said = f"{c.who()} turns back across {word} at most {streak} times in a row"
    else:
        said = f"{c.who()} never turns back across {word}"
    evidence = {"streak": float(streak), "reversals": float(reversal.sum())}
    # shown once it has turned back as often as the claim asks, not where it began to
    shown = min(begin + int(c.opts["at_least"]), len(xy) - 1) if holds else None
    return Seen(holds, evidence, shown, said)


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    """Length and first index of the longest run of True in ``flags``."""
    best, begin, current = 0, 0, 0
    for i, flag in enumerate(flags):
        current = current + 1 if flag else 0
        if current > best:
            best, begin = current, i - current + 1
    return best, begin


def _ends_nearest(c: Case, xy: np.ndarray) -> np.ndarray | None:
    """The minimum the path ``xy`` ends nearest, or None on a surface without one."""
    points, _ = c.points("minimum")
    if not len(points):
        return None
    return points[int(np.argmin(np.linalg.norm(points - xy[-1], axis=-1)))]


def overshoots(c: Case) -> Seen:
    """The ball passes the minimum it ends nearest and comes back: along ``axis``
    (``approach``, the line from its start to that minimum, the default; or ``x``, ``y``)
    it gets past the minimum by at least ``by`` (default 0.05) of its starting offset."""
    xy = c.xy()
    target = _ends_nearest(c, xy)
    if target is None:
        return Seen(False, {"found": 0.0}, None, "the surface has no minimum")
    offset = xy[0] - target
    axis = c.opts["axis"]
    k = None if axis == "approach" else _axis(c, axis)
    u = offset if k is None else np.eye(len(offset))[k] * np.sign(offset[k])
    scale = float(np.linalg.norm(u)) if k is None else abs(float(offset[k]))
    if scale == 0:
        return Seen(False, {"depth": 0.0}, None, f"{c.who()} starts at the minimum")
    s = (xy - target) @ (u / np.linalg.norm(u))
    deepest = int(np.argmin(s))
    depth = float(-s[deepest] / scale)
    holds = depth >= c.opts["by"]
    where = "the minimum" if axis == "approach" else f"the minimum in {axis}"
    if depth <= 0:
        said = f"{c.who()} does not overshoot {where}"
    else:
        said = f"{c.who()} overshoots {where}" if holds else f"{c.who()} barely overshoots {where}"
    return Seen(holds, {"depth": depth}, deepest if holds else None, said)


def swings(c: Case) -> Seen:
    """The ball swings back and forth across the minimum it ends nearest: along the line
    from its start to that minimum it passes to the far side and back at least
    ``at_least`` times (default 3), each swing reaching more than ``by`` (default 0.02)
    domain diagonals past the minimum (too much momentum, a rate near its limit). The key
    step is the ``at_least``-th crossing."""
    xy = c.xy()
    target = _ends_nearest(c, xy)
    if target is None:
        return Seen(False, {"found": 0.0}, None, "the surface has no minimum")
    offset = xy[0] - target
    if not np.linalg.norm(offset):
        return Seen(False, {"swings": 0.0}, None, f"{c.who()} starts at the minimum")
    s = (xy - target) @ (offset / np.linalg.norm(offset))  # > 0: the side it started on
    far = c.opts["by"] * c.span
    sides = np.where(s > far, 1, np.where(s < -far, -1, 0))
    seen = np.flatnonzero(sides)
    changes = seen[1:][np.diff(sides[seen]) != 0]  # the steps it arrives on the other side
    count = len(changes)
    holds = count >= c.opts["at_least"] and c.diverged_at() < 0
    step = int(changes[-1]) if holds else None  # the crossing that makes the count it says
    evidence = {"swings": float(count), "farthest_past": float(max(-s.min(), 0.0) / c.span)}
    said = (
        f"{c.who()} swings across the minimum {count} times"
        if count
        else f"{c.who()} does not swing across the minimum"
    )
    return Seen(holds, evidence, step, said)


def _axis(c: Case, name: str) -> int:
    """The index of axis ``x`` or ``y``; a curve has ``x`` alone."""
    k = "xy".index(name)
    if k >= c.xy().shape[-1]:
        raise ClaimError(f"claim '{c.claim.text}': a curve f(x) has x alone, not {name}")
    return k


def diverges(c: Case) -> Seen:
    """The run diverges: its position, loss or gradient stops being finite, or it leaves the
    domain far behind (:func:`optviz.engine.runner.run` freezes it and records the step)."""
    at = c.diverged_at()
    holds = at >= 0
    # the step it left the view is the edge mark's to say ("left the view at step 6"):
    # said again here, the picture said it twice
    said = f"{c.who()} diverges at step {at}" if holds else f"{c.who()} does not diverge"
    if holds and 0 <= _left_view_at(c) < at:  # one number per fact: the exit's, on its mark
        said = f"{c.who()} diverges"
    # what a run that does not diverge does instead, if it does it: it lands
    floor = c.m.floors.get("loss")
    lands = _arriving(c.loss(), _lowest_loss(c) if floor is None else floor, 1e-3)
    if holds or math.isinf(lands):
        return Seen(holds, {"diverged_at": float(at)}, at if holds else None, said)
    k = int(lands)
    landed = f"{c.who()} lands in {k} step{'s' * (k != 1)}"
    return Seen(holds, {"diverged_at": float(at)}, None, said, landed, k)


def _left_view_at(c: Case) -> int:
    """The first step the ball is outside the surface's domain, the drawn view (-1: never)."""
    domain = getattr(c.surface, "domain", None)
    if domain is None:  # a network's plane
        return -1
    lo, hi = np.asarray(domain, float).reshape(-1, 2).T
    xy = c.xy().reshape(len(c.xy()), -1)
    with np.errstate(invalid="ignore"):
        out = ~np.all((xy >= lo) & (xy <= hi), axis=1)
    return int(np.argmax(out)) if out.any() else -1


def farther(c: Case) -> Seen:
    """Run ``a`` ends farther from its start than ``b``: by more than ``by`` (default 1)
    times; ``along``: measured along ``x`` or ``y`` only (default: straight-line distance)."""
    along = c.opts["along"]
    k = None if along == "any" else _axis(c, along)
    axes = slice(None) if k is None else slice(k, k + 1)
    dist = [float(np.linalg.norm((c.xy(j)[-1] - c.xy(j)[0])[axes])) for j in (0, 1)]
    ratio = dist[0] / dist[1] if dist[1] > 0 else math.inf
    holds = ratio > c.opts["by"]
    said = f"{c.who(0)} travels {ratio:.1f}× as far as {c.than_whom()}"
    evidence = {"a_distance": dist[0] / c.span, "b_distance": dist[1] / c.span, "ratio": ratio}
    # on a map: how far each ends from its start, in the map's units, not a ratio of
    # distances the eye cannot take ("travels 2.6× as far" read as path length)
    way = "" if k is None else f" along {along}"
    # each ball its own number: "Momentum ends 2.5 from its start, GD 0.95" put GD's
    # number in momentum's label
    on_map = (
        f"{c.who(0)} ends {plain(dist[0])}{way} from its start, {ratio:.1f}× {c.than_whom()}'s",
        f"{c.who(1)} ends {plain(dist[1])}{way} from its start",
    )
    return Seen(holds, evidence, len(c.xy()) - 1, said, on_map=on_map)
