"""Stop signals for the command line: one line and no leftovers, however early they come.

Only a process started as the command line (``optviz ...`` or ``python -m optviz.cli``)
touches signal handlers; importing optviz as a library never does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
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


# -- stopping work in another thread ----------------------------------------------------------
def raise_in_thread(ident: int, exc_type: type[BaseException] | None) -> bool:
    """Make the thread ``ident`` raise ``exc_type`` at its next Python instruction (None:
    take back one that was not raised yet). Whether such a thread was found.

    Work in Python (sympy's derivatives, a render's frames) stops there; a call into C
    finishes first. A signal can do this only to the main thread; this works on any.
    """
    import ctypes

    target = ctypes.py_object(exc_type) if exc_type is not None else None
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), target) == 1


class Interruptible:
    """The threads running inside ``with self.running():`` blocks, and a way to stop them.

    :meth:`interrupt` raises an exception in each of them; one raised but not yet seen
    when its block ends is taken back, so nothing leaks out of the block.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[int, bool] = {}  # ident -> an exception was raised in it

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        ident = threading.get_ident()
        with self._lock:
            self._threads[ident] = False
        try:
            yield
        finally:
            with self._lock:
                if self._threads.pop(ident):
                    raise_in_thread(ident, None)

    def interrupt(self, exc_type: type[BaseException]) -> int:
        """Raise ``exc_type`` in every thread inside a block; how many there were."""
        _ignore_where_unraisable(exc_type)
        with self._lock:
            for ident in self._threads:
                raise_in_thread(ident, exc_type)
                self._threads[ident] = True
            return len(self._threads)


_IGNORED: set[type] = set()


def _ignore_where_unraisable(exc_type: type[BaseException]) -> None:
    """An exception raised in a thread from outside may land in a weak reference's
    callback or a ``__del__``, where Python cannot raise it and prints it instead; it is
    raised again shortly, so that print is noise: drop it (others are printed as ever)."""
    if exc_type in _IGNORED:
        return
    if not _IGNORED:
        previous = sys.unraisablehook

        def hook(unraisable: Any) -> None:
            if not isinstance(unraisable.exc_value, tuple(_IGNORED)):
                previous(unraisable)

        sys.unraisablehook = hook
    _IGNORED.add(exc_type)


class TimeLimit(BaseException):
    """Raised inside a :func:`time_limit` block that ran out of time.

    A BaseException, so the ``except Exception`` of the code it interrupts lets it pass.
    """


_LIMITED = threading.local()
AGAIN_SECONDS = 0.5  # a time limit is raised again this often while its block still runs


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in this thread, whichever it is, if the block runs longer
    than ``seconds`` (and again every half second, in case the code caught it); a limit
    inside another is the outer one's."""
    if getattr(_LIMITED, "active", False):
        yield
        return
    threads = Interruptible()

    def expire() -> None:
        if threads.interrupt(TimeLimit):
            start(AGAIN_SECONDS)

    def start(delay: float) -> None:
        timers.append(threading.Timer(delay, expire))
        timers[-1].daemon = True
        timers[-1].start()

    timers: list[threading.Timer] = []
    _LIMITED.active = True
    try:
        with threads.running():
            start(seconds)
            yield
    finally:
        _LIMITED.active = False
        for timer in list(timers):
            timer.cancel()
