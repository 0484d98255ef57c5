"""The shipped lessons, as scenes: every example of the gallery and every catalog surface's
``[lesson]`` (the race ``optviz race NAME`` runs with no options), each with its claims.
"""

from __future__ import annotations

from typing import Any


def lesson_scene(name: str) -> Any:
    """The race ``optviz race NAME`` runs with no options: the catalog surface's
    ``[lesson]`` (optimizers, starts, steps) with its claims."""
    from ..catalog import surface
    from .build import scene_from_dict

    lesson = surface(name).lesson
    run: dict[str, Any] = {}
    if lesson.steps is not None:
        run["steps"] = lesson.steps
    if len(lesson.starts):
        run["starts"] = lesson.starts.tolist()
    data = {
        "surface": name,
        "optimizers": list(lesson.optimizers),
        "run": run,
        "lesson": {"claims": list(lesson.claims)},
    }
    return scene_from_dict(data, source=f"surfaces/{name}.toml")


def catalog_lessons() -> dict[str, Any]:
    """Every catalog surface's lesson race, by ``surfaces/NAME``."""
    from ..catalog import surfaces

    return {f"surfaces/{n}": lesson_scene(n) for n in surfaces()}


def shipped_lessons() -> dict[str, Any]:
    """Every shipped example scene (``gallery/NAME``) and every catalog lesson."""
    from .build import examples, load_scene

    return {**{f"gallery/{n}": load_scene(n) for n in examples()}, **catalog_lessons()}
