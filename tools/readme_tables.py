"""Write the README's catalog, optimizer and schedule tables from the code.

    python tools/readme_tables.py          # rewrite README.md in place
    python tools/readme_tables.py --check  # exit 1 if README.md is out of date

Each table sits between ``<!-- NAME -->`` and ``<!-- /NAME -->`` markers; the test suite
checks that README.md holds exactly what this prints, so the tables cannot drift.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def first_sentence(text: str) -> str:
    words = " ".join(text.split())
    return re.split(r"(?<=\.)\s", words, maxsplit=1)[0]


def catalog() -> str:
    import optviz as ov

    rows = ["| surface | kind | what it shows | f(x, y) or a curve's f(x) |", "|---|---|---|---|"]
    for name in ov.surfaces():
        s = ov.surface(name)
        formula = f"mean over {s.n_samples} rows of {s.data.sample}" if s.data else s.expression
        rows.append(
            f"| `{name}` | {s.kind} | {s.title}: {first_sentence(s.description)} | `{formula}` |"
        )
    return "\n".join(rows)


def optimizers() -> str:
    from optviz.engine.optim import describe

    rows = [
        "| optimizer | what it does | paper | checked against | defaults |",
        "|---|---|---|---|---|",
    ]
    rows += [
        f"| `{r['name']}` | {r['summary']} | {r['reference']} | {r['checked_against'] or '-'} "
        f"| {r['defaults']} |"
        for r in describe()
    ]
    return "\n".join(rows)


def schedules() -> str:
    from optviz.engine.scheduling import describe

    rows = ["| schedule | what it does |", "|---|---|"]
    rows += [f"| `{r['name']}` | {r['summary']} |" for r in describe()]
    return "\n".join(rows)


TABLES = {"catalog": catalog, "optimizers": optimizers, "schedules": schedules}


def render(text: str) -> str:
    for name, make in TABLES.items():
        pattern = re.compile(rf"(<!-- {name} -->\n).*?(\n<!-- /{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name} --> ... <!-- /{name} --> block")
        table = make()
        text = pattern.sub(lambda m, table=table: m.group(1) + table + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
