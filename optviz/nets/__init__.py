"""Networks in numpy: initialization, saturation, batch normalization, dropout, landscapes.

The lecture notes' network experiments, as plain float64 arrays, seeded:

- :mod:`.layers`: the one forward and backward pass every network here uses (a stack
  of layers with activations, optional batch normalization and dropout masks) and the
  losses;
- :mod:`.initialization`: weight schemes and :func:`propagate`, a deep forward and
  backward pass (Glorot & Bengio, 2010);
- :mod:`.symmetry`: :func:`symmetry_run` (equal neurons stay equal);
- :mod:`.batchnorm`: :func:`batchnorm_pair`, one net trained with and without batch
  normalization (Ioffe & Szegedy, 2015);
- :mod:`.dropout`: inverted dropout on an over-sized net (Srivastava et al., 2014);
- :mod:`.data`, :mod:`.model`, :mod:`.train`, :mod:`.plane`, :mod:`.landscapes`: real
  networks (a flat parameter vector) trained by the optimizers of :mod:`optviz.engine.optim`
  on 2-D datasets, raced on a plane through their weights (:func:`landscape`).

Every public name of those modules is importable from here: ``from optviz import nets;
nets.propagate(...)``.
"""

from .batchnorm import QUANTILES, BatchNormRun, batchnorm_pair, train_batchnorm
from .data import DATASETS, Data, dataset, load_csv
from .initialization import (
    GAIN_SCHEMES,
    LABELS,
    MAX_BATCH,
    MAX_DEPTH,
    MAX_VALUES,
    MAX_WIDTH,
    SCHEMES,
    TANH_GAIN,
    LayerStats,
    check_scheme,
    init_weights,
    propagate,
)
from .landscapes import Landscape, landscape
from .layers import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    activate,
    activation_grad,
    batchnorm_backward,
    batchnorm_forward,
    check_activation,
    saturated,
)
from .symmetry import SymmetryRun, symmetry_run, toy_regression

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "Data",
    "Landscape",
    "dataset",
    "landscape",
    "load_csv",
    "GAIN_SCHEMES",
    "LABELS",
    "LEAKY_SLOPE",
    "MAX_BATCH",
    "MAX_DEPTH",
    "MAX_VALUES",
    "MAX_WIDTH",
    "QUANTILES",
    "SCHEMES",
    "TANH_GAIN",
    "BatchNormRun",
    "LayerStats",
    "SymmetryRun",
    "activate",
    "activation_grad",
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_pair",
    "check_activation",
    "check_scheme",
    "init_weights",
    "propagate",
    "saturated",
    "symmetry_run",
    "toy_regression",
    "train_batchnorm",
]
