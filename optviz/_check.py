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
    optviz.errors.ParameterError: parameter 'a' must be a number, not True
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


def positions(xy: Any, what: str = "positions") -> np.ndarray:
    """``xy`` as a float array of shape ``(..., 2)``, or a one-line :class:`ParameterError`.

    Surfaces are functions of two variables: ``[1, 2, 3]`` is a mistake, not a point.

    >>> positions([1, 2]).tolist()
    [1.0, 2.0]
    >>> positions([1, 2, 3])
    Traceback (most recent call last):
    ...
    optviz.errors.ParameterError: positions must have shape (2,) or (..., 2), not (3,)
    """
    if isinstance(xy, np.ndarray) and xy.dtype == np.float64 and xy.ndim and xy.shape[-1] == 2:
        return xy  # the runner's own arrays: no copy, no cost
    if isinstance(xy, str | bytes) or xy is None:
        raise ParameterError(f"{what} must be numbers x, y or an (n, 2) array, not {_short(xy)}")
    try:
        arr = np.asarray(xy, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(
            f"{what} must be numbers x, y or an (n, 2) array, not {_short(xy)}"
        ) from None
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ParameterError(f"{what} must have shape (2,) or (..., 2), not {arr.shape}")
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
    optviz.errors.ParameterError: title '$x^{$' is not valid math text ...
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
            except ValueError:
                raise ParameterError(
                    f"{what} {_short(value)} is not valid math text between $ signs; "
                    r"fix the formula or write \$ for a dollar sign"
                ) from None
    return value
