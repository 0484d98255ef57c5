"""The kinds of render a scene has, the formats it writes, and its limits: plain names that
the scene modules share and import from here."""

from collections.abc import Callable

RACE_KINDS = ("contour", "3d", "panels", "side")
FLAT_KINDS = ("3d", "basins", "curvature", "bands")
"""Renders of a surface in x and y that a curve f(x) does not have."""
MAX_OPTIMIZERS = 32  # in one scene: beyond, styles repeat and the legend cannot be laid out
ANIMATION_SUFFIXES = (".gif", ".mp4", ".webp", ".apng", ".html")
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: called as a render advances (``total`` 0: unknown)."""
