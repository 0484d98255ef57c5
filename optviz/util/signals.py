"""Stop signals for the command line: one line and no leftovers, however early they come.

Only a process started as the command line (``optviz ...`` or ``python -m optviz.cli``)
touches signal handlers; importing optviz as a library never does.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
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
    """Calls running in threads (:meth:`call`), and a way to stop them all (:meth:`interrupt`).

    Nothing leaks out of a call. An exception raised in a thread from outside can cut
    Python code short anywhere, even a clean-up, but not a lock's release by a ``with``
    statement: each call holds a lock while it runs, in its own frame, and an exception
    is aimed only at a thread whose call holds it, under a gate the thread passes on its
    way out, taking back one aimed but not yet raised.
    """

    def __init__(self) -> None:
        self._gate = threading.Lock()
        self._stays: dict[_Stay, int] = {}  # a call under way -> its thread

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in this thread, interruptible while it runs."""
        stay = _Stay()
        with self._gate:
            self._stays[stay] = threading.get_ident()
        try:
            with stay.lock:
                return fn(*args)
        finally:
            with self._gate:
                ident = self._stays.pop(stay, None)
                if stay.aimed and ident is not None:
                    raise_in_thread(ident, None)

    def interrupt(self, exc_type: type[BaseException]) -> int:
        """Raise ``exc_type`` in every thread whose call runs; how many there were."""
        _ignore_where_unraisable(exc_type)
        count = 0
        with self._gate:
            for stay, ident in list(self._stays.items()):
                if stay.lock.locked():  # else not yet started, or ended: leave it be
                    raise_in_thread(ident, exc_type)
                    stay.aimed = True
                    count += 1
        return count


class _Stay:
    """One call under way: a lock it holds while it runs, and whether anything was aimed."""

    __slots__ = ("aimed", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.aimed = False


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
    """Raised in a call of :func:`call_with_time_limit` that ran out of time.

    A BaseException, so the ``except Exception`` of the code it interrupts lets it pass.
    """


AGAIN_SECONDS = 0.5  # a time limit is raised again this often while its call still runs


def call_with_time_limit(seconds: float, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, in this thread whichever it is; :class:`TimeLimit` is raised in it if
    it runs longer than ``seconds``, and again every half second while it still runs (in
    case the code caught it)."""
    threads = Interruptible()
    timers: list[threading.Timer] = []

    def expire() -> None:
        if threads.interrupt(TimeLimit):
            start(AGAIN_SECONDS)

    def start(delay: float) -> None:
        timer = threading.Timer(delay, expire)
        timer.daemon = True
        timers.append(timer)
        timer.start()

    def timed() -> Any:
        start(seconds)  # once the call runs, so that even a tiny limit finds it
        return fn(*args)

    try:
        return threads.call(timed)
    finally:
        for timer in list(timers):  # one started after this finds no call to aim at
            timer.cancel()
