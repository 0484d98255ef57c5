"""The ``optviz`` command line, thin over the Python API.

Every command that draws something builds a :class:`optviz.scenes.build.Scene` from its flags
(the same object a scene file gives) and renders it, so a command line and a scene file
can say the same things and are checked by the same code. Each module registers one
group of commands on the one application; the order of the imports is the order of
``optviz --help``.

Nothing heavy is imported at module level: ``optviz --help`` stays fast.
"""

# isort: off
from . import pictures, scenes, analysis, networks  # noqa: F401  (register the commands)

# isort: on
from ._app import Stopped, _main, app, main  # noqa: F401  (_main: tests call it in-process)

__all__ = ["Stopped", "app", "main"]
