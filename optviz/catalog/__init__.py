"""The catalog: surfaces as data (``surfaces/*.toml``), safe expressions, critical points.

The bottom room above :mod:`optviz.util`: it knows nothing of optimizers or drawing.
"""

from .critical import CriticalPoint, critical_points
from .entries import describe, surface, surface_from_spec, surfaces
from .library import KINDS, Surface, parse_domain

__all__ = [
    "KINDS",
    "CriticalPoint",
    "Surface",
    "critical_points",
    "describe",
    "parse_domain",
    "surface",
    "surface_from_spec",
    "surfaces",
]
