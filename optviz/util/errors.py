"""Errors: every user mistake is an :class:`OptvizError` with a one-line message.

The message says what was wrong and what is allowed, so the CLI can print it as it is
(one line on stderr, exit code 2) and a notebook user can read it without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class OptvizError(Exception):
    """Base class of every error optviz raises for bad input."""


class UnknownNameError(OptvizError, KeyError):
    """A name (surface, optimizer, schedule, theme, ...) that is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ExpressionError(OptvizError, ValueError):
    """An expression that is unparsable, unsafe or too large."""


class ParameterError(OptvizError, ValueError):
    """A hyperparameter, option or argument with a bad value."""


class CatalogError(OptvizError, ValueError):
    """A malformed surface file; the message names the file and the field."""


class SceneError(OptvizError, ValueError):
    """A malformed scene file; the message names the field."""


class OutputError(OptvizError, OSError):
    """An output path that cannot be written, or a format that is not available."""


def unknown(kind: str, name: str, known: Iterable[str]) -> UnknownNameError:
    """Build the error for an unknown ``name`` of ``kind``, with a did-you-mean hint.

    >>> str(unknown("optimizer", "adan", ["adam", "sgd"]))
    "unknown optimizer 'adan'; did you mean 'adam'? known: adam, sgd"
    """
    known = sorted(known)
    close = _closest(str(name).lower(), known)
    hint = f"; did you mean '{close}'?" if close else ";"
    return UnknownNameError(f"unknown {kind} '{_printable(name)}'{hint} known: {', '.join(known)}")


def _printable(name: object, most: int = 60) -> str:
    r"""``name`` as one line: control characters escaped, cut to ``most`` characters.

    >>> _printable("a\nb")
    'a\\nb'
    """
    text = str(name)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= most else text[: most - 1] + "…"


def _closest(name: str, known: list[str]) -> str | None:
    """The known name most like ``name``, comparing whole names and their parts.

    >>> _closest("xavir", ["he_normal", "xavier_normal"])
    'xavier_normal'
    """
    candidates = {k: k for k in known}
    for k in known:  # 'xavier' stands for 'xavier_normal', 'camel' for 'six_hump_camel'
        for part in k.replace("-", "_").split("_"):
            candidates.setdefault(part, k)
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return candidates[close[0]] if close else None


class BudgetError(ParameterError):
    """A request larger than the memory or work budget; the message names the knob."""
