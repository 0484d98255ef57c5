"""Writing TOML: the small subset a scene needs (tables, arrays of tables, inline values).

The standard library reads TOML but does not write it; a scene is plain data (strings,
numbers, booleans, lists and tables), so a short writer covers it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(data: Mapping[str, Any]) -> str:
    """TOML text for ``data``: plain values first, then ``[table]`` and ``[[array]]`` sections.

    >>> print(dumps({"a": 1, "run": {"steps": 3}, "render": [{"kind": "show"}]}), end="")
    a = 1
    <BLANKLINE>
    [run]
    steps = 3
    <BLANKLINE>
    [[render]]
    kind = "show"
    """
    lines: list[str] = []
    sections: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            sections.append(_section(f"[{_key(key)}]", value))
        elif _is_tables(value):
            sections.extend(_section(f"[[{_key(key)}]]", table) for table in value)
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    text = "\n".join(lines)
    for section in sections:
        text += ("\n\n" if text else "") + section
    return text + "\n"


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _section(header: str, table: Mapping[str, Any]) -> str:
    body = [f"{_key(k)} = {_value(v)}" for k, v in table.items() if v is not None]
    return "\n".join([header, *body])


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _string(key)  # "$" would let "a\n" through


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{" + items + "}" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML wants DEL escaped too
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
