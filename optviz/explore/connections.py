"""How many connections the explorer holds, and for how long.

A page needs a handful of connections; a flood of them must not starve the process of
file descriptors nor keep new clients out. So:

- at most :data:`MAX_CONNECTIONS` are held: a new one closes the connection that has
  waited longest without a request under way (a new client always gets in, unless every
  held connection is running a request);
- a connection with no request under way (just opened, between requests, or sending its
  request head a byte at a time) is closed after ``idle`` seconds;
- when the system refuses ``accept()`` (no file descriptors left), that is logged once,
  not at every retry, and the idle connections are closed to make room.

This wraps uvicorn's HTTP/1.1 protocol rather than changing it: the wrapper sees every
connection open and close, and asks the protocol whether a request is under way.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from typing import Any

MAX_CONNECTIONS = 64
IDLE_SECONDS = 5.0
"""A connection without a request under way is closed after this; a request body must
arrive within it too (a browser sends a request at once; a slow sender holds a slot)."""

_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}

log = logging.getLogger("uvicorn.error")


class Held:
    """The connections one server holds: admitted, swept when idle, evicted when full."""

    def __init__(self, limit: int = MAX_CONNECTIONS, idle: float = IDLE_SECONDS):
        self.limit, self.idle = limit, idle
        self.waiting: dict[Guarded, float | None] = {}  # connection -> idle since (None: busy)
        self.refusal_logged = False
        self.errors_logged: set[str] = set()

    def protocol(self, *args: Any, **kwargs: Any) -> Guarded:
        """A protocol factory for uvicorn (``Config(http=held.protocol)``)."""
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return Guarded(self, H11Protocol(*args, **kwargs))

    def admit(self, conn: Guarded) -> bool:
        if len(self.waiting) >= self.limit and not self._evict(1):
            return False  # every held connection is running a request
        self.waiting[conn] = time.monotonic()
        return True

    def release(self, conn: Guarded) -> None:
        self.waiting.pop(conn, None)

    def _evict(self, count: int) -> int:
        """Close up to ``count`` connections, those idle longest first; how many."""
        now = time.monotonic()
        idle = sorted(
            (since if since is not None else now, id(c), c)
            for c, since in self.waiting.items()
            if not c.busy()
        )
        for _, _, conn in idle[:count]:
            self.release(conn)
            conn.close()
        return min(count, len(idle))

    def sweep(self) -> None:
        """Close connections idle for longer than ``idle``; note which became idle."""
        now = time.monotonic()
        for conn, since in list(self.waiting.items()):
            if conn.busy():
                self.waiting[conn] = None
            elif since is None:
                self.waiting[conn] = now
            elif now - since > self.idle:
                self.release(conn)
                conn.close()

    async def sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.idle / 4))
            self.sweep()

    def loop_error(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """The event loop's error handler: a refused ``accept()`` is logged once and makes
        room; anything else goes to asyncio's own handler, one line per kind of error."""
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in _OUT_OF_RESOURCES:
            if not self.refusal_logged:
                self.refusal_logged = True
                log.warning(
                    "optviz explore: the system refuses new connections (%s); closing idle "
                    "ones (logged once)",
                    exc.strerror,
                )
            self._evict(max(1, len(self.waiting) // 2))
            return
        if isinstance(exc, ValueError) and "file descriptor" in str(exc):
            return  # accepting resumed after a refusal on a socket closed at shutdown: done
        kind = str(context.get("message"))  # its details name the connection: not a kind
        if kind not in self.errors_logged:
            self.errors_logged.add(kind)
            loop.default_exception_handler(context)


class Guarded(asyncio.Protocol):
    """uvicorn's protocol for one connection, admitted and watched by :class:`Held`."""

    def __init__(self, held: Held, inner: Any):
        self.held, self.inner = held, inner
        self.transport: asyncio.Transport | None = None
        self.admitted = False

    def busy(self) -> bool:
        """Whether a request is under way (read, run or answered) on this connection."""
        cycle = getattr(self.inner, "cycle", None)
        return cycle is not None and not cycle.response_complete

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.admitted = self.held.admit(self)
        if not self.admitted:
            transport.abort()
            return
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.held.release(self)
        if self.admitted:
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.admitted:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.admitted else None

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class OncePerMessage(logging.Filter):
    """Let each kind of log message through once: a flood of bad requests or refused
    connections writes a line, not a line per request."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False  # a request cut short by the server stopping: not an error
        key = (record.name, str(record.msg))
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


ONCE = OncePerMessage()


def quiet_logs() -> None:
    """Attach :data:`ONCE` to the loggers a server writes to (again after uvicorn
    configures its logging, which a new server does)."""
    for name in ("uvicorn.error", "asyncio"):
        logging.getLogger(name).addFilter(ONCE)
