"""Fair comparisons and what a single trajectory cannot show.

- :func:`race`: several optimizers on the same starts, at given or tuned rates;
- :func:`sweep` and :func:`tune`: final loss against the learning rate, and the best rate;
- :func:`basins`, :func:`curvature`, :func:`bands`: maps over the domain and noise fans;
- :func:`race_table`, :func:`format_table`, :func:`write_metrics`: a race's results;
- :func:`phase`: a map of convergence over two hyperparameters, in tiles (local cores
  or Dask);
- :mod:`optviz.analysis.anatomy`: a step taken apart into its terms.
"""

from ..engine.table import format_table, race_table, read_metrics, write_metrics
from .phase_maps import METRICS, Phase, phase
from .racing import race
from .surveys import (
    CURVATURE_KINDS,
    DIVERGED,
    NOT_CONVERGED,
    Bands,
    Basins,
    Curvature,
    bands,
    basins,
    curvature,
    eigenvalues,
    known_minima,
    start_grid,
)
from .tuning import DEFAULT_LRS, OBJECTIVES, STEEP_LRS, Sweep, Tuning, sweep, tune

__all__ = [
    "CURVATURE_KINDS",
    "DEFAULT_LRS",
    "DIVERGED",
    "NOT_CONVERGED",
    "METRICS",
    "OBJECTIVES",
    "STEEP_LRS",
    "Bands",
    "Basins",
    "Curvature",
    "Phase",
    "Sweep",
    "Tuning",
    "bands",
    "basins",
    "curvature",
    "eigenvalues",
    "format_table",
    "known_minima",
    "phase",
    "race",
    "race_table",
    "read_metrics",
    "start_grid",
    "sweep",
    "tune",
    "write_metrics",
]
