"""Stop signals for the command line: one line and no leftovers, however early they come.

Only a process started as the command line (``optviz ...`` or ``python -m optviz.cli``)
touches signal handlers; importing optviz as a library never does.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

# Ctrl-C, ``kill`` and closing the terminal
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
MESSAGE = "optviz: error: interrupted; no output was written or changed"


def started_as_cli() -> bool:
    """Whether this process is the optviz command line (checked from the original argv)."""
    argv = getattr(sys, "orig_argv", sys.argv)
    script = os.path.basename(argv[1]) if len(argv) > 1 else ""
    as_module = any(a == "-m" and b == "optviz.cli" for a, b in zip(argv, argv[1:], strict=False))
    return as_module or script == "optviz" or os.path.basename(sys.argv[0]) == "optviz"


def _quit_at_once(signum: int, frame: Any) -> None:
    # nothing can have been written while the modules load: one line and go
    os.write(2, (MESSAGE + "\n").encode())
    os._exit(128 + signum)


def guard_loading() -> None:
    """While optviz loads as the command line, a stop signal prints the line and exits."""
    if started_as_cli():
        for signum in STOP_SIGNALS:
            signal.signal(signum, _quit_at_once)


guard_loading()
