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
        raise ParameterError(f"{what} must be a number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ParameterError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ParameterError(f"{what} must be finite, not {value!r}")
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
