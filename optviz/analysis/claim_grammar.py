"""What claims are made of: their grammar, the :class:`Verdict`, the runs they are checked on
(:class:`Measured`) and how a claim names a run. :mod:`optviz.analysis.claims` is the
public face: it says what a claim is and checks claims.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..util.errors import OptvizError
from ..util.symbols import SYMBOLS
from .anatomy import effective_lr, speed

MAX_CLAIM = 400  # characters in one claim
MAX_ARGS = 12
NAME_AT_MOST = 24  # characters of a user's label a callout repeats; longer: the short name


class ClaimError(OptvizError, ValueError):
    """A claim that cannot be read or checked: bad grammar, an unknown kind, option or run."""


@dataclass(frozen=True)
class Verdict:
    """What one claim came to on the runs it was checked on."""

    claim: str  # as written, e.g. "stuck(gd, at=saddle)"
    holds: bool
    evidence: dict[str, float]  # the numbers behind the verdict
    step: int | None  # the key step (0..steps) where the thing happens
    runs: tuple[int, ...]  # indices (race order) of the trajectories it names
    callout: str  # a short annotation: "GD stops: gradient = 0", "Adam escapes at step 23"
    also: str = ""  # the second run's own short callout, where the claim compares two
    # ("GD has not arrived by step 150"): one callout points at one ball
    on_map: tuple[str, str] = ()  # (callout, also) where no loss panel is drawn, if different


def explain(verdict: Verdict) -> str:
    """One line: the claim, whether it holds, and its evidence.

    >>> explain(Verdict("diverges(gd)", False, {"diverged_at": -1.0}, None, (0,), "GD diverges"))
    'diverges(gd) is false: diverged_at=-1'
    """
    numbers = ", ".join(f"{k}={_g(v)}" for k, v in verdict.evidence.items())
    state = "holds" if verdict.holds else "is false"
    return f"{verdict.claim} {state}" + (f": {numbers}" if numbers else "")


def _g(v: float) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


# -- the grammar ----------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:(?P<quoted>"[^"]*"|'[^']*')|(?P<word>[A-Za-z0-9_.#:+\-]+)|(?P<punct>[(),=]))"""
)


@dataclass(frozen=True)
class Claim:
    """A claim as read: its kind, whether negated, the runs it names and its options."""

    text: str
    kind: str
    negated: bool
    runs: tuple[str, ...]
    options: Mapping[str, str] = field(default_factory=dict)


def parse_claim(text: str) -> Claim:
    """Read ``text`` by the grammar above; a malformed claim is a :class:`ClaimError`.

    >>> parse_claim('not zigzags(momentum, across=y, at_least=3)')
    Claim(text='not zigzags(momentum, across=y, at_least=3)', kind='zigzags', negated=True, \
runs=('momentum',), options={'across': 'y', 'at_least': '3'})
    >>> parse_claim("stuck(gd; at=saddle)")
    Traceback (most recent call last):
    optviz.analysis.claim_grammar.ClaimError: claim 'stuck(gd; at=saddle)': unexpected ';' at ...
    """
    if not isinstance(text, str):
        raise ClaimError(f"a claim is text such as 'stuck(gd, at=saddle)', not {text!r}")
    if len(text) > MAX_CLAIM:
        raise ClaimError(f"claim '{text[:40]}...' is longer than {MAX_CLAIM} characters")
    tokens = _tokens(text)
    negated = tokens[:1] == [("word", "not")]
    rest = tokens[1:] if negated else tokens
    if (
        len(rest) < 3
        or rest[0][0] != "word"
        or rest[1] != ("punct", "(")
        or rest[-1]
        != (
            "punct",
            ")",
        )
    ):
        raise _bad(text, "must read kind(run, ..., option=value), e.g. stuck(gd, at=saddle)")
    kind = rest[0][1]
    if any(tok[0] == "punct" and tok[1] in "()" for tok in rest[2:-1]):
        raise _bad(text, "has brackets inside its arguments; quote a label that has them")
    runs, options = _arguments(text, rest[2:-1])
    return Claim(text.strip(), kind, negated, tuple(runs), options)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        m = _TOKEN.match(text, at)
        if m is None or m.end() == at:
            bad = text[at:].lstrip()[:1]
            raise _bad(
                text, f"unexpected '{bad}' at character {len(text) - len(text[at:].lstrip()) + 1}"
            )
        kind = m.lastgroup
        value = m.group(kind)
        out.append((kind, value[1:-1] if kind == "quoted" else value))
        at = m.end()
    return out


def _arguments(text: str, tokens: list) -> tuple[list[str], dict[str, str]]:
    """``run, run, key=value, ...`` -> run references and options (as text)."""
    runs: list[str] = []
    options: dict[str, str] = {}
    if not tokens:
        return runs, options
    groups: list[list] = [[]]
    for tok in tokens:
        if tok == ("punct", ","):
            groups.append([])
        else:
            groups[-1].append(tok)
    if len(groups) > MAX_ARGS:
        raise _bad(text, f"has more than {MAX_ARGS} arguments")
    for group in groups:
        if len(group) == 1 and group[0][0] in ("word", "quoted"):
            if options:
                raise _bad(text, "runs come before options (key=value)")
            runs.append(group[0][1])
        elif (
            len(group) == 3
            and group[0][0] == "word"
            and group[1] == ("punct", "=")
            and group[2][0] in ("word", "quoted")
        ):
            if group[0][1] in options:
                raise _bad(text, f"gives '{group[0][1]}' twice")
            options[group[0][1]] = group[2][1]
        else:
            shown = " ".join(v for _, v in group) or "nothing"
            raise _bad(text, f"cannot read the argument '{shown}'")
    return runs, options


def _bad(text: str, why: str) -> ClaimError:
    return ClaimError(f"claim '{text}': {why}")


# -- what claims are checked on -------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Measured:
    """Named runs and what was measured of them: what claims are checked on.

    ``labels``: legend texts; ``names``: what claims may call the runs besides their labels
    (optimizer names, init schemes, ...); ``shown``: how a callout names each run.
    ``series[metric][k]``: run ``k``'s measurement, ``(T,)`` or ``(T, n)`` for ``n`` starts
    (or seeds), ordered along ``axis`` (steps, layers, ...); ``better[metric]`` is ``"lower"``
    or ``"higher"``. ``race``: the runs as a race on a surface (for the geometric claims);
    ``surface``: the surface (for ``has``).
    """

    labels: tuple[str, ...]
    names: tuple[str, ...]
    shown: tuple[str, ...]
    series: Mapping[str, tuple[np.ndarray, ...]] = field(default_factory=dict)
    better: Mapping[str, str] = field(default_factory=dict)
    race: Any = None
    surface: Any = None
    axis: str = "step"
    at: Mapping[str, tuple[np.ndarray, ...]] = field(default_factory=dict)
    """Per metric measured at some steps only, each run's steps (entry i of the series is
    step ``at[metric][k][i]``); a metric not listed has one entry per step."""
    floors: Mapping[str, float] = field(default_factory=dict)
    """Per metric, the value ``beats`` measures gaps from (a race's loss: the global minimum
    where known, else the lowest loss any run reached)."""

    def __len__(self) -> int:
        return len(self.labels)

    def values(self, metric: str, k: int) -> np.ndarray:
        """Run ``k``'s ``metric`` as ``(T, n)`` (one column per start)."""
        if metric not in self.series:
            known = ", ".join(self.series) or "none"
            raise ClaimError(f"nothing here measures '{metric}'; measured: {known}")
        a = np.asarray(self.series[metric][k], float)
        return a[:, None] if a.ndim == 1 else a.reshape(len(a), -1)


def measured(source: Any) -> Measured:
    """What ``source`` offers claims: a :class:`Measured` as it is, a
    :class:`~optviz.engine.runner.Race`, a network landscape (anything with ``race`` and
    ``plane_loss``: :class:`optviz.nets.Landscape`) or a surface."""
    if isinstance(source, Measured):
        return source
    if hasattr(source, "plane_loss") and hasattr(source, "race"):
        return _from_landscape(source)
    if hasattr(source, "trajectories"):
        return from_race(source)
    if hasattr(source, "hess") and hasattr(source, "domain"):
        return Measured((), (), (), surface=source)
    raise ClaimError(f"claims are checked on a race, a landscape or a surface, not {source!r}")


def from_race(race: Any, series: Mapping[str, Sequence] | None = None) -> Measured:
    """A race's runs: their loss, gradient norm, step length (``speed``), the loss-and-gradient
    evaluations used up to each step (``evals``: a line search's trials count) and, when they
    kept their optimizer's state, effective learning rate per coordinate (``rate_x``,
    ``rate_y``) and each state field of theirs per coordinate under torch's name
    (``step_size_x``, ``exp_avg_sq_y``; NaN for a run without it); when they recorded it,
    their ``sharpness`` and its ``ratio`` over the stability line; and the race, for the
    geometric claims."""
    trajs = list(race.trajectories)
    names = tuple(t.name for t in trajs)
    labels = tuple(t.label or t.name for t in trajs)
    own = {
        "loss": tuple(t.loss for t in trajs),
        "grad_norm": tuple(t.grad_norm for t in trajs),
        "speed": tuple(_from_step_one(speed(t)) for t in trajs),
        "evals": tuple(np.asarray(t.evals, float) for t in trajs),
        **_rates(trajs),
        **_sharpness(trajs),
        **_state_fields(trajs),
        **(series or {}),
    }
    better = {"loss": "lower", "grad_norm": "lower", "accuracy": "higher"}
    floor = getattr(race.surface, "min_value", None)
    if floor is None or not np.isfinite(floor):
        every = np.concatenate([np.ravel(t.loss) for t in trajs])
        every = every[np.isfinite(every)]
        floor = float(every.min()) if len(every) else 0.0
    return Measured(
        labels,
        names,
        shown_names(trajs),
        own,
        better,
        race=race,
        surface=race.surface,
        floors={"loss": float(floor)},
    )


def _from_step_one(a: np.ndarray) -> np.ndarray:
    """A per-step quantity whose entry 0 (before any step) is undefined: it repeats step 1's."""
    a = np.array(a, float)
    if len(a) > 1:
        a[0] = a[1]
    return a


def _rates(trajs: Sequence[Any]) -> dict[str, tuple]:
    """Each step's effective learning rate along x and y (``rate_x``, ``rate_y``), when every
    run kept its optimizer's state and has such a rate."""
    if not trajs or any(t.state is None for t in trajs):
        return {}
    rates = [effective_lr(t) for t in trajs]
    if any(r is None for r in rates):
        return {}
    axes = "xy"[: rates[0].shape[-1]]  # a curve's: x alone
    return {
        f"rate_{axis}": tuple(_from_step_one(r[..., i]) for r in rates)
        for i, axis in enumerate(axes)
    }


def _sharpness(trajs: Sequence[Any]) -> dict[str, tuple]:
    """When every run recorded it: the ``sharpness`` along it (the preconditioned one where
    the optimizer's stability line is held against that) and its ``ratio`` over the line
    (the rate of the step leaving each position; NaN where no line is known)."""
    from ..engine.sharpness import threshold

    if not trajs or any(t.sharpness is None for t in trajs):
        return {}
    sharp, ratio = [], []
    for t in trajs:
        line = threshold(t.optimizer, t.lr)
        pre = line is not None and line.preconditioned and t.preconditioned_sharpness is not None
        values = t.preconditioned_sharpness if pre else t.sharpness
        sharp.append(values)
        if line is None or (line.preconditioned and not pre):
            ratio.append(np.full(values.shape, np.nan))
            continue
        leaving = line.values[np.minimum(np.arange(len(values)), len(line.values) - 1)]
        ratio.append(values / leaving.reshape(-1, *[1] * (values.ndim - 1)))
    return {"sharpness": tuple(sharp), "ratio": tuple(ratio)}


def _state_fields(trajs: Sequence[Any]) -> dict[str, tuple]:
    """Every recorded state field shaped like the positions, per coordinate
    (``step_size_x``), and every one that is one number per start under its own name
    (Prodigy's ``d``): what a claim about an optimizer's own mechanism reads."""
    names = {
        name
        for t in trajs
        if t.state is not None
        for name, value in t.state.items()
        if np.shape(value) == np.shape(t.xy) and name not in ("grad", "update")
    }
    numbers = {
        name
        for t in trajs
        if t.state is not None
        for name, value in t.state.items()
        if np.shape(value) == np.shape(t.loss)
    }
    out: dict[str, tuple] = {
        name: tuple(
            np.asarray(t.state[name], float)
            if t.state is not None and name in t.state
            else np.full(np.shape(t.loss), np.nan)
            for t in trajs
        )
        for name in sorted(numbers)
    }
    axes = "xy"[: trajs[0].xy.shape[-1]] if trajs else "xy"  # a curve's: x alone
    for name in sorted(names):
        for i, axis in enumerate(axes):
            out[f"{name}_{axis}"] = tuple(
                np.asarray(t.state[name][..., i], float)
                if t.state is not None and name in t.state
                else np.full(np.shape(t.loss), np.nan)
                for t in trajs
            )
    return out


def shown_names(trajs: Sequence[Any]) -> tuple[str, ...]:
    """How callouts name a race's runs: a label the user gave, as the legend shows it
    ("noisy gradient (σ = 0.5)"), where it is a name (not a caption such as
    "lr = 0.45: diverges"); else as :func:`shown_optimizers` says."""
    from ..engine.table import tuned_how

    named = shown_optimizers([t.optimizer for t in trajs], [t.label or t.name for t in trajs])
    kinds = [t.name for t in trajs]
    given = [
        t.label
        if t.label
        and kinds.count(t.name) == 1  # twins are told apart by their labels already
        and ":" not in t.label
        and t.label != getattr(t.optimizer, "label", None)
        and tuned_how(t.label, t.optimizer) is None
        and len(t.label) <= NAME_AT_MOST  # a long label makes every callout two lines
        and not _names_the_optimizer(t.label, t.name, short)
        else None
        for t, short in zip(trajs, named, strict=True)
    ]
    return tuple(g or n for g, n in zip(given, named, strict=True))


def _names_the_optimizer(label: str, kind: str, short: str) -> bool:
    """Whether ``label`` is the optimizer's own name with details in brackets ("SGD (lr
    0.05, gradient noise σ 0.02)"): the only run of its kind needs no details to be told
    apart, so a callout says the short name."""
    head = label.split("(")[0].strip().lower()
    return head in {kind.lower(), short.lower(), short.lower().replace("-", "")}


def shown_optimizers(optimizers: Sequence[Any], labels: Sequence[str]) -> tuple[str, ...]:
    """How callouts name runs: the optimizer's own name (``Adam``) when it is the only run of
    its optimizer; with the hyperparameters that tell runs of one optimizer apart
    (``GD (lr 0.45)``); else with its legend label (``GD (no noise)``)."""
    kinds = [getattr(o, "display_name", "") or type(o).__name__ for o in optimizers]
    out = []
    for o, kind, label in zip(optimizers, kinds, labels, strict=True):
        twins = [p for p, k in zip(optimizers, kinds, strict=True) if k == kind]
        differ = [h for h in o.hyper if len({repr(p.hyper.get(h)) for p in twins}) > 1]
        if len(twins) == 1:
            out.append(kind)
        elif differ and len({o.noise is None for o in twins}) == 1:
            told = (f"{SYMBOLS.get(h, h)} {_number(o.hyper[h])}" for h in differ)  # μ 0.9
            out.append(f"{kind} ({', '.join(told)})")
        elif label.lower().startswith(kind.lower()):
            out.append(label)
        else:
            out.append(f"{kind} ({label})")
    return tuple(out)


def _from_landscape(ls: Any) -> Measured:
    race = ls.race
    gaps = tuple(
        np.abs(np.asarray(p, float) - np.asarray(r.loss, float))
        for p, r in zip(ls.plane_loss, ls.runs, strict=True)
    )
    series = {
        "accuracy": tuple(ls.accuracy),
        "plane_loss": tuple(ls.plane_loss),
        "plane_gap": gaps,
    }
    base = from_race(race, series)
    return Measured(
        base.labels,
        base.names,
        base.shown,
        base.series,
        {**base.better, "plane_loss": "lower", "plane_gap": "lower"},
        race=race,
        floors={"loss": 0.0},  # a training loss (cross-entropy, squared error) is >= 0
    )


# -- naming runs ----------------------------------------------------------------------------------
def resolve(ref: str, m: Measured, claim: str) -> int:
    """The index of the run ``ref`` names (see the module's notes on naming a run)."""
    key = " ".join(ref.split()).lower()
    by_label = [k for k, lab in enumerate(m.labels) if " ".join(lab.split()).lower() == key]
    if len(by_label) == 1:
        return by_label[0]
    name, sep, nth = key.partition("#")
    by_name = [k for k, n in enumerate(m.names) if n.lower() == name]
    if sep:
        if not nth.isdigit() or not 1 <= int(nth) <= len(by_name):
            raise ClaimError(
                f"claim '{claim}': '{ref}' asks for run {nth} of '{name}', and there are "
                f"{len(by_name)}"
            )
        return by_name[int(nth) - 1]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1 or len(by_label) > 1:
        found = by_name or by_label
        which = ", ".join(f"{name}#{i + 1} = '{m.labels[k]}'" for i, k in enumerate(found))
        raise ClaimError(
            f"claim '{claim}': '{ref}' names {len(found)} runs ({which}); write one of "
            f"{name}#1..{name}#{len(found)} or quote its label"
        )
    known = ", ".join(dict.fromkeys([*m.names, *(f'"{lab}"' for lab in m.labels)]))
    raise ClaimError(f"claim '{claim}': no run is called '{ref}'; runs: {known or 'none'}")


def plain(v: float) -> str:
    """A number as a callout writes it: 2 significant figures, plainly where that reads
    (``1,600``, ``0.0098``, ``24``); far from 1 as a lecturer writes it, in powers of ten as
    a log axis labels them: a tiny value by the power it is under (``< 10⁻⁹``; under
    10⁻¹² or a tiny negative one ``≈ 0``), a huge one as ``2.5 × 10⁷``; never ``4.2e-10``.

    >>> [plain(x) for x in (1560.0, 0.00979, 10.6, 4.2e-10, 1e-8, 2.5e7, -0.94, -3e-7, 1e-30)]
    ['1,600', '0.0098', '11', '< 10⁻⁹', '< 10⁻⁷', '2.5 × 10⁷', '-0.94', '≈ 0', '≈ 0']
    """
    v = float(v)
    if not math.isfinite(v) or v == 0:
        return f"{v:g}"
    if abs(v) < 1e-4:  # under a trillionth: nothing a plot tells from 0
        return f"< 10{_superscript(math.floor(math.log10(v)) + 1)}" if v > 1e-12 else "≈ 0"
    if abs(v) >= 1e6:
        power = math.floor(math.log10(abs(v)))
        mantissa = round(v / 10**power, 1)
        return f"{mantissa:g} × 10{_superscript(power)}"
    digits = 1 - math.floor(math.log10(abs(v)))  # to keep 2 significant figures
    rounded = round(v, digits)
    return f"{rounded:,.{digits}f}" if digits > 0 else f"{int(rounded):,}"


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def spoken(name: str) -> str:
    """A measured quantity's name as people say it: ``rate_x`` → ``x rate``,
    ``step_size_x`` → ``x step size``, ``grad_norm`` → ``gradient size``."""
    words = {"grad_norm": "gradient size", "lr": "learning rate", "speed": "step length"}
    if name in words:
        return words[name]
    parts = name.split("_")
    if len(parts) > 1 and parts[-1] in ("x", "y", "z"):
        parts = [parts[-1], *parts[:-1]]
    return " ".join(parts)


def _number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
