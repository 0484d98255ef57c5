"""optviz: run optimizers side by side on 2-D test surfaces and render what they do.

>>> import optviz as ov
>>> race = ov.race("rosenbrock", ["gd", "adam"], steps=50)
>>> [t.name for t in race.trajectories]
['gd', 'adam']
"""

from . import _signals  # noqa: F401 - first: as the command line, Ctrl-C while loading is one line
from .catalog import Surface, surface, surfaces
from .critical import CriticalPoint, critical_points
from .errors import OptvizError
from .noise import Noise
from .optim import (
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
from .racing import race
from .runner import Race, Trajectory, run
from .scene import Scene, load_scene, render_scene, scene_from_dict
from .scheduling import Schedule, schedule, schedules

__all__ = [
    "GD",
    "SGD",
    "AMSGrad",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "CriticalPoint",
    "InitExplorer",
    "Landscape",
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
    "Scene",
    "Schedule",
    "Surface",
    "Trajectory",
    "critical_points",
    "explore",
    "init_explorer",
    "landscape",
    "load_scene",
    "optimizer",
    "optimizers",
    "race",
    "register",
    "render_scene",
    "run",
    "scene_from_dict",
    "schedule",
    "schedules",
    "surface",
    "surfaces",
]
__version__ = "0.1.0"

_LAZY = {  # name -> module: real networks and their figures load only when asked for
    "init_explorer": "optviz.render.initplots",
    "InitExplorer": "optviz.render.initplots",
    "landscape": "optviz.nets.landscapes",
    "Landscape": "optviz.nets.landscapes",
}


def __getattr__(name: str):
    if name == "explore":  # the explorer's package; calling it builds the notebook widget
        import importlib

        return importlib.import_module("optviz.explore")
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'optviz' has no attribute {name!r}")
