"""optviz: run optimizers side by side on 2-D test surfaces and render what they do.

>>> import optviz as ov
>>> race = ov.race("rosenbrock", ["gd", "adam"], steps=50)
>>> [t.name for t in race.trajectories]
['gd', 'adam']
"""

# first: as on the command line, Ctrl-C while loading is one line
from .util import signals as _signals  # noqa: F401

# isort: split
from .analysis import phase, race
from .catalog import CriticalPoint, Surface, critical_points, surface, surfaces
from .engine.builtin import (
    ASGD,
    GD,
    LBFGS,
    SGD,
    Adadelta,
    Adafactor,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    AMSGrad,
    Lion,
    Momentum,
    Muon,
    NAdam,
    Nesterov,
    Newton,
    RAdam,
    RMSprop,
    Rprop,
)
from .engine.modern import AdamWScheduleFree, Adan, AdEMAMix, SGDScheduleFree, Sophia
from .engine.noise import Noise
from .engine.optim import Optimizer, optimizer, optimizers, register
from .engine.preconditioned import MARS, SOAP
from .engine.prodigy import Prodigy
from .engine.runner import Race, Trajectory, run
from .engine.sam import SAM
from .engine.scheduling import Schedule, schedule, schedules
from .scenes import Scene, load_scene, render_scene, scene_from_dict
from .util.errors import OptvizError

__all__ = [
    "ASGD",
    "AdEMAMix",
    "Adan",
    "AdamWScheduleFree",
    "SGDScheduleFree",
    "Sophia",
    "GD",
    "LBFGS",
    "SGD",
    "AMSGrad",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "CriticalPoint",
    "InitExplorer",
    "Landscape",
    "Lion",
    "MARS",
    "Momentum",
    "Muon",
    "NAdam",
    "Nesterov",
    "Newton",
    "Noise",
    "Optimizer",
    "Prodigy",
    "OptvizError",
    "RAdam",
    "RMSprop",
    "SAM",
    "SOAP",
    "Race",
    "Rprop",
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
    "phase",
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
    "init_explorer": "optviz.render.init_explorer",
    "InitExplorer": "optviz.render.init_explorer",
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
