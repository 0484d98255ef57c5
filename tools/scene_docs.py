"""Regenerate the field tables of docs/scenes.md from the scene schema (optviz/schema.py).

Run ``python tools/scene_docs.py`` after changing the schema; tests/test_schema.py fails
while the page and the declaration disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scenes.md"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from optviz.schema import fill_tables

    text = DOC.read_text(encoding="utf-8")
    new = fill_tables(text)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"updated {DOC.relative_to(ROOT)}")
    else:
        print(f"{DOC.relative_to(ROOT)} is up to date")


if __name__ == "__main__":
    main()
