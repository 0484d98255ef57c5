"""A scene's values checked against :mod:`optviz.scenes.schema`, with one-line errors.

msgspec does the type and range checks; :func:`check` turns its message into ours: the
field's path, what is allowed, the bad value and, for unknown names, a did-you-mean.
:func:`describe` words a type for those messages and for ``docs/scenes.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from ..util.errors import _closest, unknown

_MESSAGE = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_STEP = re.compile(r"\.([A-Za-z_0-9]+)|\[(\d+)\]")


def check(value: Any, spec: type, where: str, fail: Any, strict: bool = True) -> Any:
    """``value`` converted to ``spec`` (a structure or type above), or ``fail(path, why)``.

    ``where`` is the path of ``value`` in the scene (``"run"``, ``"render[1]"``, or
    ``""`` for the whole scene); ``fail`` builds the error for a field path.
    ``strict=False`` reads numbers from text (``"batch=8"`` as typed on a command line).
    """
    try:
        return msgspec.convert(value, spec, strict=strict)
    except msgspec.ValidationError as exc:
        found = _MESSAGE.match(str(exc))
        steps = _steps(found["path"] or "")
        field = re.match(r"Object contains unknown field `(.*)`", found["what"])
        if field:  # the path names the table; the error is about its field
            allowed = _field_names(msgspec.inspect.type_info(spec), steps, value)
            raise fail(
                _join(where, [*steps, field[1]]), _unknown_field(field[1], allowed)
            ) from None
        raise fail(_join(where, steps), _why(found["what"], spec, steps, value)) from None
    except RecursionError:
        raise fail(where or "scene", "nested too deeply") from None


def _steps(path: str) -> list[str | int]:
    return [int(i) if i else name for name, i in _STEP.findall(path)]


def _join(where: str, steps: list[str | int]) -> str:
    path = where
    for step in steps:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else step)
    return path


def _why(what: str, spec: type, steps: list[str | int], value: Any) -> str:
    """Our wording of msgspec's complaint ``what`` about the value at ``steps``."""
    node = _type_at(msgspec.inspect.type_info(spec), steps, value)
    missing = re.match(r"Object missing required field `(.*)`", what)
    if missing:
        return f"'{missing[1]}' is missing"
    bad = _value_at(value, steps)
    names, only_names = _literal(node)
    if names and only_names and isinstance(bad, str):
        return str(unknown("value", bad, names))
    why = f"must be {describe(node)}, not {_shown(bad)}"
    close = _closest(bad.lower(), list(names)) if names and isinstance(bad, str) else None
    return why + (f"; did you mean '{close}'?" if close else "")


def _field_names(root: Any, steps: list[str | int], value: Any) -> list[str]:
    node = _type_at(root, steps, value)
    return [f.encode_name for f in node.fields] if hasattr(node, "fields") else []


def _unknown_field(name: str, allowed: list[str]) -> str:
    close = _closest(name.lower(), allowed)
    hint = f"; did you mean '{close}'?" if close else ";"
    return f"unknown field{hint} allowed: {', '.join(allowed)}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_at(value: Any, steps: list[str | int]) -> Any:
    for step in steps:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return value
    return value


def _type_at(node: Any, steps: list[str | int], value: Any) -> Any:
    """The declared type at ``steps`` (union members chosen by the value found there)."""
    from msgspec import inspect as mi

    for step in steps:
        node = _member(_plain(node), value)
        value = _value_at(value, [step])
        if isinstance(node, mi.StructType):
            node = next((f.type for f in node.fields if f.encode_name == step), mi.AnyType())
        elif isinstance(node, mi.ListType):
            node = node.item_type
        elif isinstance(node, mi.DictType):
            node = node.value_type
        else:
            return mi.AnyType()
    return (
        _plain(node)
        if not isinstance(_plain(node), mi.UnionType)
        else _member_or_union(node, value)
    )


def _member_or_union(node: Any, value: Any) -> Any:
    """A union's table member for a table value (its fields give the did-you-mean)."""
    from msgspec import inspect as mi

    member = _member(_plain(node), value)
    return member if isinstance(member, mi.StructType) else _plain(node)


def _plain(node: Any) -> Any:
    from msgspec import inspect as mi

    return node.type if isinstance(node, mi.Metadata) else node


def _member(node: Any, value: Any) -> Any:
    """The member of a union that a value of this shape would be read as."""
    from msgspec import inspect as mi

    if not isinstance(node, mi.UnionType):
        return node
    if isinstance(value, Mapping):
        shapes = (mi.StructType, mi.DictType)
    elif isinstance(value, list):
        shapes = (mi.ListType,)
    else:
        return node
    members = [_plain(t) for t in node.types]
    return next((t for t in members if isinstance(t, shapes)), node)


def _literal(node: Any) -> tuple[tuple[str, ...], bool]:
    """The names allowed when the type is (or includes) a choice of strings, and whether
    names are all it allows."""
    from msgspec import inspect as mi

    node = _plain(node)
    members = [_plain(t) for t in (node.types if isinstance(node, mi.UnionType) else (node,))]
    members = [t for t in members if not isinstance(t, mi.NoneType)]
    if any(isinstance(t, mi.StrType) for t in members):
        return (), False
    literals = [t for t in members if isinstance(t, mi.LiteralType)]
    names = tuple(v for t in literals for v in t.values)
    return names, len(literals) == len(members)


def describe(node: Any) -> str:
    """A type in words: ``a whole number >= 0 and <= 10``, ``a list of [x, y]``, ..."""
    from msgspec import inspect as mi

    node = _plain(node)
    if isinstance(node, mi.UnionType):
        words = [describe(t) for t in node.types if not isinstance(_plain(t), mi.NoneType)]
        return " or ".join(dict.fromkeys(words))
    if isinstance(node, mi.BoolType):
        return "true or false"
    if isinstance(node, mi.IntType | mi.FloatType):
        return _number_words(node)
    if isinstance(node, mi.StrType):
        return "a string"
    if isinstance(node, mi.LiteralType):
        names = ", ".join(f"'{v}'" for v in node.values)
        return names if len(node.values) == 1 else f"one of {names}"
    if isinstance(node, mi.ListType):
        return _list_words(node)
    if isinstance(node, mi.DictType | mi.StructType):
        value = getattr(node, "value_type", None)
        if isinstance(_plain(value), mi.FloatType):
            return "a table of numbers"
        return "a table"
    return "a value"


def _number_words(node: Any) -> str:
    from msgspec import inspect as mi

    what = "a whole number" if isinstance(node, mi.IntType) else "a number"
    bounds = [
        f"{sign} {_g(v)}"
        for sign, v in ((">", node.gt), (">=", node.ge), ("<", node.lt), ("<=", node.le))
        if v is not None
    ]
    return what + (" " + " and ".join(bounds) if bounds else "")


def _list_words(node: Any) -> str:
    from msgspec import inspect as mi

    item = _plain(node.item_type)
    if (node.min_length, node.max_length) == (1, 2) and isinstance(item, mi.FloatType):
        return "[x, y] (a curve's [x])"
    if node.min_length == node.max_length == 2 and isinstance(item, mi.FloatType):
        if item.gt is None and item.ge is None:
            return "[x, y]"
        return f"2 numbers ({_number_words(item).removeprefix('a number ')})"
    words = " or ".join(_plural(w) for w in describe(item).split(" or "))
    count = f"at least {node.min_length} " if node.min_length and node.min_length > 1 else ""
    return f"a list of {count}{words}"


def _plural(words: str) -> str:
    """``a whole number >= 1`` -> ``whole numbers >= 1``; ``[x, y]`` stays."""
    words = words.removeprefix("a ").removeprefix("an ")
    for noun in ("string", "table", "number"):
        if words.startswith(noun) or words.startswith(f"whole {noun}"):
            return words.replace(noun, noun + "s", 1)
    return words


def _g(v: float) -> str:
    if isinstance(v, int) and abs(v) >= 10**7:
        return f"2**{int(math.log2(v + 1))} - 1" if (v + 1) & v == 0 else str(v)
    return f"{v:g}" if isinstance(v, float) else str(v)
