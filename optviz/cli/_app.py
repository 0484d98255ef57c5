"""The ``optviz`` application: its root, its entry point and how it fails.

Errors are one line on stderr and exit code 2, never a traceback; Ctrl-C is one line
and exit code 130.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated, Any

import typer

from ..util.errors import OptvizError
from ..util.signals import STOP_SIGNALS, started_as_cli

app = typer.Typer(
    name="optviz",
    help=(
        "Run optimizers side by side on 2-D test surfaces and render what they do.\n\n"
        "Every command's --help shows an example. Errors exit with code 2.\n\n"
        "Example:\n\n\b\n  optviz race rosenbrock -O adam:lr=0.1 -O momentum:lr=0.001 -o race.gif"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"optviz {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    """Run optimizers side by side on 2-D test surfaces and render what they do."""


class Stopped(BaseException):
    """A stop signal turned into an exception, so temporary files are removed on the way out.

    Not a KeyboardInterrupt: typer turns those into a silent exit code.
    """

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum


_SIGNALS_RECEIVED: list[int] = []  # stop signals this run received, in order


def _raise_stopped(signum: int, frame: Any) -> None:
    _SIGNALS_RECEIVED.append(signum)
    if len(_SIGNALS_RECEIVED) == 1:  # a second one would cut short the first's clean-up
        raise Stopped(signum)


class _Interrupted(Exception):
    """Ctrl-C during a render (typer would turn a KeyboardInterrupt into a silent exit)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum


# -- entry point -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    """Run the command line; errors become one line on stderr and exit code 2.

    SIGINT, SIGTERM and SIGHUP raise :class:`Stopped` wherever the work is, so the
    temporary file of an unfinished output is removed; the exit code is 128 + signal.
    """
    _SIGNALS_RECEIVED.clear()
    previous = {s: signal.signal(s, _raise_stopped) for s in STOP_SIGNALS}
    try:
        code = _main(argv)
    except (KeyboardInterrupt, Stopped) as exc:  # outside _main's handlers, or while printing
        code = _stopped(exc)
    finally:
        # once stopping, the command line stays deaf to stop signals until it has exited:
        # Python's own exit would otherwise let a late one kill it mid-way
        stopping = bool(_SIGNALS_RECEIVED) and started_as_cli()
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_IGN if stopping else handler)
        _SIGNALS_RECEIVED.clear()  # a later run in this process starts afresh
    sys.exit(code)


def _stopped(exc: BaseException) -> int:
    """Print the one line for a stop signal; return 128 + its number."""
    signum = signal.SIGINT
    for _ in range(10):  # click wraps the KeyboardInterrupt in an Abort
        if exc is None or hasattr(exc, "signum"):
            signum = getattr(exc, "signum", signum)
            break
        exc = exc.__cause__ or exc.__context__
    _fail("interrupted; no output was written or changed")
    return 128 + int(signum)


def _main(argv: list[str] | None) -> int:
    import warnings

    if not os.environ.get("OPTVIZ_DEBUG"):  # library warnings are not for the terminal
        warnings.simplefilter("ignore")
    command = typer.main.get_command(app)
    earlier = len(_SIGNALS_RECEIVED)  # a run in this process before (tests call _main)
    try:
        result = command.main(args=argv, prog_name="optviz", standalone_mode=False)
        if result == 130:  # typer's answer to a KeyboardInterrupt: say so in one line
            return _stopped(None)
        return result if isinstance(result, int) else 0
    except (KeyboardInterrupt, Stopped, _Interrupted, typer.Abort) as exc:
        return _stopped(exc)
    except Exception as exc:
        if len(_SIGNALS_RECEIVED) > earlier:
            # the signal's exception was raised inside code called from C (matplotlib's
            # renderer converting a transform, say), which reported a failure of its own
            return _stopped(Stopped(_SIGNALS_RECEIVED[-1]))
        return _error(exc)


def _error(exc: Exception) -> int:
    """The one line (and exit code) of an error that is not a stop signal."""
    if isinstance(exc, OptvizError):
        return _fail(str(exc))
    if isinstance(exc, OSError):
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    if isinstance(exc, MemoryError):
        return _fail("out of memory; try fewer steps, starts or frames")
    # click's exceptions (typer may vendor its own click): match them by class name
    names = {cls.__name__ for cls in type(exc).__mro__}
    ctx = getattr(exc, "ctx", None)
    if "NoArgsIsHelpError" in names:
        typer.echo(ctx.get_help() if ctx else str(exc))
        return 0
    if "UsageError" in names:
        where = ctx.command_path if ctx else "optviz"
        return _fail(f"{exc.format_message()} (see '{where} --help')")
    if "ClickException" in names:
        return _fail(exc.format_message())
    if os.environ.get("OPTVIZ_DEBUG"):
        raise exc
    return _fail(
        f"internal error ({type(exc).__name__}: {exc}); "
        "please report it (set OPTVIZ_DEBUG=1 for the traceback)",
        code=1,
    )


def _fail(message: str, code: int = 2) -> int:
    line = " ".join(str(message).split())
    typer.echo(f"optviz: error: {line}", err=True)
    return code
