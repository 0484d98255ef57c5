"""Networks in numpy: initialization, saturation, batch normalization, dropout, landscapes.

The lecture notes' network experiments, as plain float64 arrays, seeded:

- :mod:`.initialization`: weight schemes, activations and :func:`propagate`, a deep
  forward and backward pass (Glorot & Bengio, 2010);
- :mod:`.mlp`: a small trainable MLP, batch normalization's forward and backward pass,
  and :func:`symmetry_run` (equal neurons stay equal);
- :mod:`.batchnorm`: :func:`batchnorm_pair`, one net trained with and without batch
  normalization (Ioffe & Szegedy, 2015);
- :mod:`.dropout`: inverted dropout on an over-sized net (Srivastava et al., 2014);
- :mod:`.data`, :mod:`.model`, :mod:`.train`, :mod:`.plane`, :mod:`.landscapes`: real
  networks (a flat parameter vector) trained by the optimizers of :mod:`optviz.engine.optim`
  on 2-D datasets, raced on a plane through their weights (:func:`landscape`).

Every public name of those modules is importable from here: ``from optviz import nets;
nets.propagate(...)``.
"""

from .batchnorm import QUANTILES, BatchNormRun, batchnorm_pair, spiral, train_batchnorm
from .data import DATASETS, Data, dataset, load_csv
from .initialization import (
    ACTIVATIONS,
    GAIN_SCHEMES,
    LABELS,
    LEAKY_SLOPE,
    MAX_BATCH,
    MAX_DEPTH,
    MAX_VALUES,
    MAX_WIDTH,
    SCHEMES,
    TANH_GAIN,
    LayerStats,
    activate,
    activation_grad,
    check_activation,
    check_scheme,
    init_weights,
    propagate,
    saturated,
)
from .landscapes import Landscape, landscape
from .mlp import (
    SymmetryRun,
    batchnorm_backward,
    batchnorm_forward,
    symmetry_run,
    toy_regression,
)

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
    "spiral",
    "symmetry_run",
    "toy_regression",
    "train_batchnorm",
]
