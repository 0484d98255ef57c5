"""optviz: run optimizers side by side on 2-D test surfaces and render what they do.

>>> import optviz as ov
>>> race = ov.race("rosenbrock", ["gd", "adam"], steps=50)
>>> [t.name for t in race.trajectories]
['gd', 'adam']
"""

from .errors import OptvizError
from .noise import Noise
from .optimizers import (
    GD,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    AMSGrad,
    Lion,
    Momentum,
    NAdam,
    Nesterov,
    Newton,
    Optimizer,
    RAdam,
    RMSprop,
    optimizer,
    optimizers,
    register,
)
from .run import Race, Trajectory, race, run
from .schedules import Schedule, schedule, schedules
from .surface import Surface, surface, surfaces

__all__ = [
    "GD",
    "SGD",
    "AMSGrad",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "Momentum",
    "NAdam",
    "Nesterov",
    "Newton",
    "Noise",
    "Optimizer",
    "OptvizError",
    "RAdam",
    "RMSprop",
    "Race",
    "Schedule",
    "Surface",
    "Trajectory",
    "optimizer",
    "optimizers",
    "race",
    "register",
    "run",
    "schedule",
    "schedules",
    "surface",
    "surfaces",
]
__version__ = "0.1.0"
