"""Checks shared by every layer that takes numbers from users (TOML, CLI text, Python)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ParameterError


def finite(value: Any, what: str, *, text: bool = False) -> float:
    """``value`` as a finite float, or a one-line :class:`ParameterError` naming ``what``.

    ``text``: also accept a string such as ``"0.1"`` (values typed on a command line).

    >>> finite("0.5", "adam: lr", text=True)
    0.5
    >>> finite(True, "parameter 'a'")
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: parameter 'a' must be a number, not True
    """
    kinds = (int, float, np.number, str) if text else (int, float, np.number)
    if isinstance(value, bool | np.bool_) or not isinstance(value, kinds):
        raise ParameterError(f"{what} must be a number, not {_short(value)}")
    try:
        number = float(value)
    except ValueError:
        raise ParameterError(f"{what} must be a number, not {_short(value)}") from None
    except OverflowError:  # float(10**400)
        raise ParameterError(f"{what} must be finite, not {_short(value)}") from None
    if not math.isfinite(number):
        raise ParameterError(f"{what} must be finite, not {_short(value)}")
    return number


def whole(value: Any, what: str, lo: int, hi: int) -> int:
    """``value`` as an int in ``lo..hi``, or a one-line :class:`ParameterError`.

    >>> whole(3, "depth", 1, 50)
    3
    >>> whole(2.5, "depth", 1, 50)
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: depth=2.5 must be a whole number in 1..50
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ParameterError(f"{what}={_short(value)} must be a whole number in {lo}..{hi}")
    if not lo <= value <= hi:
        raise ParameterError(f"{what}={_short(value)} must be a whole number in {lo}..{hi}")
    return int(value)


def number_in(value: Any, what: str, lo: float, hi: float, *, open_low: bool = False) -> float:
    """``value`` as a finite float in ``[lo, hi]`` (``(lo, hi]`` with ``open_low``).

    >>> number_in(0.0, "gain", 0, 100, open_low=True)
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: gain=0.0 is out of range; allowed: a number in (0, 100]
    """
    number = finite(value, what)
    if not ((lo < number if open_low else lo <= number) and number <= hi):
        if hi == math.inf:
            allowed = f"> {lo:g}" if open_low else f">= {lo:g}"
        else:
            allowed = f"in {'(' if open_low else '['}{lo:g}, {hi:g}]"
        raise ParameterError(f"{what}={_short(value)} is out of range; allowed: a number {allowed}")
    return number


def seed(value: Any) -> int:
    """A random seed: a whole number >= 0 that numpy's generators take."""
    return whole(value, "seed", 0, 2**63 - 1)


def parse_options(text: str, what: str) -> dict[str, str]:
    """Parse ``"key=value,key=value"`` (values stay strings; the owner types them)."""
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key or not value.strip():
            raise ParameterError(f"{what}: expected key=value, got {item!r}")
        if key in options:
            raise ParameterError(f"{what}: '{key}' is given twice")
        options[key] = value.strip()
    return options


def _short(value: Any) -> str:
    """``repr(value)`` cut to a length a one-line message can carry (10**400 has 401 digits)."""
    if isinstance(value, int) and abs(value) > 10**30:
        return f"an integer of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def positions(xy: Any, what: str = "positions", dim: int = 2) -> np.ndarray:
    """``xy`` as a float array of shape ``(..., dim)``, or a one-line :class:`ParameterError`.

    Surfaces are functions of two variables: ``[1, 2, 3]`` is a mistake, not a point. A
    curve's positions (``dim=1``) have shape ``(..., 1)``; a plain number is one of them.

    >>> positions([1, 2]).tolist()
    [1.0, 2.0]
    >>> positions(0.5, dim=1).tolist()
    [0.5]
    >>> positions([1, 2, 3])
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: positions must have shape (2,) or (..., 2), not (3,)
    """
    if isinstance(xy, np.ndarray) and xy.dtype == np.float64 and xy.ndim and xy.shape[-1] == dim:
        return xy  # the runner's own arrays: no copy, no cost
    words = "numbers x, y or an (n, 2) array" if dim == 2 else "a number x or an (n, 1) array"
    if isinstance(xy, str | bytes) or xy is None:
        raise ParameterError(f"{what} must be {words}, not {_short(xy)}")
    try:
        arr = np.asarray(xy, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{what} must be {words}, not {_short(xy)}") from None
    if arr.ndim == 0 and dim == 1:
        arr = arr[None]
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise ParameterError(f"{what} must have shape ({dim},) or (..., {dim}), not {arr.shape}")
    return arr


MAX_TEXT = 300  # characters in a title or label: a slide line, not a paragraph


def text(value: Any, what: str = "title") -> str:
    """``value`` as a title matplotlib can draw, or a one-line :class:`ParameterError`.

    Refuses non-strings, more than ``MAX_TEXT`` characters (a 100,000-character title
    takes seconds to lay out) and math text between ``$`` signs that does not parse.

    >>> text("loss $x^2$")
    'loss $x^2$'
    >>> text("$x^{$")
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: title '$x^{$' is not valid math text ...
    """
    if not isinstance(value, str):
        raise ParameterError(f"{what} must be text, not {_short(value)}")
    if len(value) > MAX_TEXT:
        raise ParameterError(f"{what} is {len(value)} characters long; at most {MAX_TEXT}")
    if "$" in value:
        from matplotlib import cbook
        from matplotlib.mathtext import MathTextParser

        if cbook.is_math_text(value):
            try:
                MathTextParser("path").parse(value)
            except (ValueError, RecursionError):  # ${{{{...: the parser recurses per brace
                raise ParameterError(
                    f"{what} {_short(value)} is not valid math text between $ signs; "
                    r"fix the formula or write \$ for a dollar sign"
                ) from None
    return value
