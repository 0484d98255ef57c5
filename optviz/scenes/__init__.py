"""Scenes: one declared schema for scene files, the command line and the web API
(:mod:`.schema`), the scene built from it (:mod:`.build`) and rendered (:mod:`.rendering`).
"""

from .build import Scene, load_scene, render_scene, scene_from_dict, scene_to_toml

__all__ = ["Scene", "load_scene", "render_scene", "scene_from_dict", "scene_to_toml"]
