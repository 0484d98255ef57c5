"""Regenerate the field tables of docs/scenes.md from the scene schema (optviz/scenes/schema.py).

Run ``python tools/scene_docs.py`` after changing the schema; tests/test_schema.py fails
while the page and the declaration disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scenes.md"
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
from msgspec import Struct  # noqa: E402

from optviz.scenes.render_kinds import RENDERS  # noqa: E402
from optviz.scenes.schema import (  # noqa: E402
    LessonSpec,
    NoiseSpec,
    OptimizerSpec,
    Render,
    RunSpec,
    SceneSpec,
    Spec,
    SurfaceSpec,
    describe,
)


def field_table(spec: type[Spec], skip: tuple[str, ...] = ()) -> str:
    """A Markdown table of ``spec``'s fields: name, type, default, meaning."""
    from msgspec import inspect as mi

    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for f in _ordered_fields(spec):
        if f.encode_name in skip:
            continue
        meaning = (
            f.type.extra_json_schema.get("description", "")
            if isinstance(f.type, mi.Metadata)
            else ""
        )
        default = "required" if f.required else _default(f.default)
        rows.append(f"| `{f.encode_name}` | {_cell(describe(f.type))} | {default} | {meaning} |")
    return "\n".join(rows)


def _ordered_fields(spec: type) -> list[Any]:
    """Fields in declaration order: a base class's fields before its subclass's."""
    from msgspec import inspect as mi

    fields = {f.name: f for f in mi.type_info(spec).fields}
    order: list[str] = []
    for cls in reversed(spec.__mro__):
        for name in getattr(cls, "__annotations__", {}):
            if name in fields and name not in order:
                order.append(name)
    return [fields[n] for n in order]


def _default(value: Any) -> str:
    if value is msgspec.NODEFAULT or value is None or value == {} or value == "":
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Struct):
        return "none"
    return f"`{value!r}`".replace("'", '"') if isinstance(value, str) else f"`{value:g}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def kind_table() -> str:
    """A Markdown table of the kinds of render and the fields each takes."""
    common = {f.encode_name for f in _ordered_fields(Render)}
    rows = ["| kind | draws | writes | extra fields |", "|---|---|---|---|"]
    for kind, spec in RENDERS.items():
        extra = [f.encode_name for f in _ordered_fields(spec) if f.encode_name not in common]
        fields = ", ".join(f"`{e}`" for e in extra) or "none"
        writes = " ".join(spec.formats)
        rows.append(f"| `{kind}` | {spec.draws} | {writes} | {fields} |")
    return "\n".join(rows)


def claim_table() -> str:
    """A Markdown table of the claim vocabulary: kind, runs, options and what it says."""
    from optviz.analysis.claim_rules import KINDS, START

    rows = ["| claim | runs | options (default) | holds when |", "|---|---|---|---|"]
    for name, kind in KINDS.items():
        options = {**kind.options, **(START if kind.runs else {})}
        shown = ", ".join(
            f"`{k}`" + (f" ({_claim_default(o)})" if o.default is not None else "")
            for k, o in options.items()
        )
        doc = " ".join((kind.rule.__doc__ or "").split()).replace("``", "`")
        doc = re.sub(r":\w+:`([^`]*)`", r"`\1`", doc)  # a Sphinx role reads as code
        runs = {0: "none", 1: "one", 2: "two: `a`, `b`"}[kind.runs]
        rows.append(f"| `{name}` | {runs} | {_cell(shown) or 'none'} | {_cell(doc)} |")
    return "\n".join(rows)


def _claim_default(option: Any) -> str:
    value = option.default
    return f"{value:g}" if isinstance(value, float) else str(value)


def field_tables() -> dict[str, str]:
    """Every generated table of ``docs/scenes.md``, by the name of its marker."""
    tables = {
        "top": field_table(SceneSpec),
        "surface": field_table(SurfaceSpec),
        "optimizers": field_table(OptimizerSpec),
        "run": field_table(RunSpec),
        "noise": field_table(NoiseSpec),
        "render": field_table(Render),
        "kinds": kind_table(),
        "lesson": field_table(LessonSpec),
        "claims": claim_table(),
    }
    common = tuple(f.encode_name for f in _ordered_fields(Render))
    for kind, spec in RENDERS.items():
        if set(spec.__struct_fields__) - set(common):  # a kind with fields of its own
            tables[f"render.{kind}"] = field_table(spec, skip=common)
    return tables


def fill_tables(text: str) -> str:
    """``text`` with the tables between ``<!-- schema:NAME -->`` ... ``<!-- /schema -->``
    markers replaced by the generated ones (so the docs follow the declaration)."""
    tables = field_tables()

    def replace(found: re.Match) -> str:
        name = found[1]
        if name not in tables:
            raise SystemExit(f"docs: no generated table named '{name}'")
        return f"<!-- schema:{name} -->\n{tables[name]}\n<!-- /schema -->"

    return re.sub(r"<!-- schema:([\w.]+) -->.*?<!-- /schema -->", replace, text, flags=re.S)


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    new = fill_tables(text)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"updated {DOC.relative_to(ROOT)}")
    else:
        print(f"{DOC.relative_to(ROOT)} is up to date")


if __name__ == "__main__":
    main()
