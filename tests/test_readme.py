"""The README tells the truth about what exists: its tables and gallery follow the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
GALLERY = ROOT / "gallery"


def _tables():
    spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "tools/readme_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalog_optimizer_and_schedule_tables_are_what_the_code_says():
    # out of date? run: python tools/readme_tables.py
    assert _tables().render(README) == README


def test_the_gallery_shows_every_scene_and_only_files_that_exist():
    shown = set(re.findall(r"\]\(gallery/([^)]+)\)", README))
    scenes = {p.stem for p in GALLERY.glob("*.toml")}
    outputs = {p.stem for p in GALLERY.iterdir() if p.suffix in (".gif", ".png")}
    assert outputs == scenes  # every render has its scene and every scene its render
    assert {Path(f).stem for f in shown} == scenes
    assert all((GALLERY / f).is_file() for f in shown)
