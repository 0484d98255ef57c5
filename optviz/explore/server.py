"""The explorer's web server: a small Starlette app over :mod:`optviz.explore.api`.

Local and private by default: it listens on 127.0.0.1 only; every request needs the
random token (the page's URL carries it; the page then sends it with each API call);
a ``Host`` header other than ``127.0.0.1:PORT`` or ``localhost:PORT`` is refused, so a
web page that rebinds its own name to 127.0.0.1 cannot reach it; request bodies are
small; each request's cost is bounded (:mod:`optviz.explore.api`); nothing is written.
"""

from __future__ import annotations

import contextlib
import functools
import json
import secrets
import signal
import socket
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ..util.errors import OptvizError
from ..util.signals import STOP_SIGNALS, Interruptible
from . import api
from .connections import IDLE_SECONDS, MAX_CONNECTIONS, Held, quiet_logs

MAX_BODY = 64 * 1024
"""Bytes a request body may have (a request is a few hundred)."""

STATIC = Path(str(resources.files("optviz.explore") / "static"))

_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


MAX_WORKERS = 8
"""Requests worked on at once (two cores; more would only share them and the memory)."""


class TooLarge(Exception):
    """A request body over :data:`MAX_BODY`."""


class TooSlow(Exception):
    """A request body not sent within the idle time."""


class Stopping(BaseException):
    """Raised in a request's thread when the server stops: its work ends there.

    A BaseException, so the ``except Exception`` of the code it interrupts lets it pass.
    """


class Closing(Exception):
    """The answer to a request whose work the stopping server ended (HTTP 503)."""


def create_app(
    token: str,
    port: int,
    state: dict[str, Any] | None = None,
    work: Work | None = None,
    idle: float = IDLE_SECONDS,
) -> Any:
    """The ASGI app: the page, its files and the JSON API, behind :func:`guard`.

    Requests' work runs on ``work``'s threads; a request body must arrive within
    ``idle`` seconds.
    """
    from starlette.applications import Starlette
    from starlette.routing import Route

    work = work or Work()

    async def page(request: Any) -> Any:
        from starlette.responses import HTMLResponse

        html = (STATIC / "index.html").read_text(encoding="utf-8")
        response = HTMLResponse(html, headers=_NO_CACHE)
        # the page's own files come with the cookie; the API wants the token itself
        response.set_cookie(cookie_name(port), token, httponly=True, samesite="strict")
        return response

    async def static(request: Any) -> Any:
        from starlette.responses import Response

        name = request.path_params["name"]
        if name not in _static_files():  # the name never reaches the file system
            return _error(404, f"no such file: {api.shown(name)}")
        path = STATIC / name
        return Response(path.read_bytes(), media_type=_TYPES[path.suffix], headers=_NO_CACHE)

    async def init(request: Any) -> Any:
        return _answer({"catalog": await work.run(api.catalog), "state": state or {}}, "json")

    def endpoint(job: Any, kind: str) -> Any:
        async def handle(request: Any) -> Any:
            body = await read_json(request, idle)
            return _answer(await work.run(job, body), kind)

        return handle

    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/api/init", init),
        Route("/api/run", endpoint(api.run_request, "json"), methods=["POST"]),
        Route("/api/surface", endpoint(api.surface_request, "json"), methods=["POST"]),
        Route("/api/scene", endpoint(api.scene_request, "toml"), methods=["POST"]),
        Route("/api/png", endpoint(api.png_request, "png"), methods=["POST"]),
        Route("/api/gif", endpoint(api.gif_request, "gif"), methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers=_handlers(idle))
    return guard(app, token, port)


def _out_of_resources(request: Any, exc: OSError) -> str:
    """An OSError in a request's work: the machine refused a file or memory (a flood of
    connections took the file descriptors), not something the request said."""
    return f"the server is short of resources ({exc.strerror or exc}); try again shortly"


def _handlers(idle: float) -> dict[Any, Any]:
    """Every failure as JSON ``{"error": ...}``; async, so no thread is spent on one."""

    def answer(status: int, message: Any, **headers: str) -> Any:
        async def handler(request: Any, exc: BaseException) -> Any:
            return _error(status, message(request, exc), **headers)

        return handler

    return {
        OptvizError: answer(400, lambda r, e: api.error_text(e)),
        TooLarge: answer(413, lambda r, e: f"request body over {MAX_BODY} bytes"),
        TooSlow: answer(
            408, lambda r, e: f"request body not sent within {idle:g} s", connection="close"
        ),
        Closing: answer(503, lambda r, e: "the explorer is stopping", connection="close"),
        OSError: answer(503, _out_of_resources),
        404: answer(404, lambda r, e: f"no such page: {api.shown(r.url.path)}"),
        405: answer(405, lambda r, e: f"{r.method} is not allowed on {api.shown(r.url.path)}"),
        Exception: answer(500, lambda r, e: f"internal error ({api.error_text(e)})"),
    }


_NO_CACHE = {"Cache-Control": "no-store"}


@functools.cache
def _static_files() -> frozenset[str]:
    """The page's own files, by name: the only names ``/static/`` serves."""
    return frozenset(p.name for p in STATIC.iterdir() if p.suffix in _TYPES and p.is_file())


def cookie_name(port: int) -> str:
    """Cookies are shared between ports: each explorer names its own."""
    return f"optviz-token-{port}"


class Work:
    """Requests' work (runs, pictures, sympy) on daemon threads, at most ``limit`` at a
    time; :meth:`stop` ends what runs, so a stopping server does not wait for it."""

    def __init__(self, limit: int = MAX_WORKERS):
        self.limit = limit
        self.threads = Interruptible()
        self.stopping = False
        self._slots: Any = None  # an asyncio.Semaphore, made in the server's loop

    async def run(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` on a thread of its own; its result, or its exception raised here."""
        import asyncio

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            if self.stopping:
                raise Closing
            loop = asyncio.get_running_loop()
            done = loop.create_future()
            thread = threading.Thread(
                target=self._work, args=(loop, done, fn, args), daemon=True, name="optviz-work"
            )
            thread.start()
            return await done

    def _work(self, loop: Any, done: Any, fn: Any, args: tuple) -> None:
        try:
            outcome = (self.threads.call(fn, *args), None)
        except Stopping:
            outcome = (None, Closing())
        except BaseException as exc:  # whatever happens, the request gets its answer
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(_settle, done, *outcome)

    def stop(self) -> None:
        """Refuse new work and end the work under way at its next Python instruction."""
        self.stopping = True
        self.threads.interrupt(Stopping)


def _settle(done: Any, result: Any, exc: BaseException | None) -> None:
    if done.cancelled():
        return
    if exc is not None:
        done.set_exception(exc)
    else:
        done.set_result(result)


async def read_json(request: Any, idle: float = IDLE_SECONDS) -> Any:
    """The request's JSON body, refusing one over :data:`MAX_BODY` before reading it all,
    or one not sent within ``idle`` seconds."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise TooLarge
    import anyio

    chunks, size = [], 0
    try:
        with anyio.fail_after(idle):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    raise TooLarge
                chunks.append(chunk)
    except TimeoutError:
        raise TooSlow from None
    try:
        body = json.loads(b"".join(chunks) or b"null")
    except (ValueError, RecursionError) as exc:
        raise api.ParameterError(f"the request body is not JSON: {exc}") from None
    return body


def _answer(result: Any, kind: str) -> Any:
    from starlette.responses import Response

    if kind == "json":
        body = json.dumps(result, allow_nan=False, separators=(",", ":"))
        return Response(body, media_type="application/json", headers=_NO_CACHE)
    if kind == "toml":
        text, name = result
        return Response(text, media_type="application/toml", headers=_download(name))
    media = {"png": "image/png", "gif": "image/gif"}[kind]
    return Response(result, media_type=media, headers=_download(f"optviz_explore.{kind}"))


def _download(name: str) -> dict[str, str]:
    return {**_NO_CACHE, "Content-Disposition": f'attachment; filename="{name}"'}


def _error(status: int, message: str, **headers: str) -> Any:
    from starlette.responses import Response

    # ASCII JSON: whatever text the message quotes, the answer can be encoded
    body = json.dumps({"error": message}, ensure_ascii=True)
    headers = {**_NO_CACHE, **headers}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def guard(app: Any, token: str, port: int) -> Any:
    """Refuse, before the app sees it, a request with a foreign Host or without the token.

    The token may come as ``?token=``, as the ``X-Optviz-Token`` header or, for the
    page's own files only (a ``<script src>`` cannot send a header), as its cookie.
    """
    hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}
    wanted = token.encode()

    async def guarded(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if headers.get(b"host", b"") not in hosts:
            why = "this server answers only to 127.0.0.1 and localhost (Host header refused)"
            await _error(403, why)(scope, receive, send)
            return
        if not _has_token(scope, headers, wanted, port):
            why = "missing or wrong token; open the URL the explorer printed"
            await _error(403, why)(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded


def _has_token(scope: dict, headers: dict, wanted: bytes, port: int) -> bool:
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    given = [t.encode() for t in query.get("token", [])]
    if b"x-optviz-token" in headers:
        given.append(headers[b"x-optviz-token"])
    if not scope["path"].startswith("/api/"):
        given += _cookies(headers.get(b"cookie", b""), cookie_name(port))
    return any(secrets.compare_digest(g, wanted) for g in given)


def _cookies(header: bytes, name: str) -> list[bytes]:
    out = []
    for part in header.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            out.append(value.encode("latin-1"))
    return out


# -- serving ---------------------------------------------------------------------------------
def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1 (a free port when ``port`` is None or 0)."""
    from ..util.errors import ParameterError

    if port is not None and not (0 <= port <= 65535):
        raise ParameterError(f"--port {port} is out of range; allowed: 1..65535 (0: any free)")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # a port whose last connections are still closing (TIME_WAIT) can be listened on again
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port or 0))
    except OSError as exc:
        sock.close()
        raise ParameterError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


class Explorer:
    """A served explorer: ``url`` (with the token); ``run()`` serves until stopped.

    It holds at most ``max_connections`` connections and closes one idle for ``idle``
    seconds (:mod:`.connections`).
    """

    def __init__(
        self,
        state: dict[str, Any] | None = None,
        port: int | None = None,
        *,
        max_connections: int = MAX_CONNECTIONS,
        idle: float = IDLE_SECONDS,
    ):
        self.sock = bind(port)
        self.port = self.sock.getsockname()[1]
        self.token = secrets.token_urlsafe(24)
        self.url = f"http://127.0.0.1:{self.port}/?token={self.token}"
        api.catalog()  # read the catalog's files now, not when a flood has taken the files
        self.work = Work()
        self.held = Held(max_connections, idle)
        self.app = create_app(self.token, self.port, state, self.work, idle)
        self.server = _server(self.app, self.held, self.work)

    def run(self) -> None:
        """Serve until Ctrl-C, SIGTERM or SIGHUP (in the main thread) or :meth:`stop`."""
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    def stop(self) -> None:
        self.server.should_exit = True

    @contextlib.contextmanager
    def in_background(self) -> Iterator[threading.Thread]:
        """Serve from a daemon thread while the block runs, then stop and wait up to 10 s
        for it (tests, benchmarks and tools that talk to the server from this process)."""
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield thread
        finally:
            self.stop()
            thread.join(10)


def _server(app: Any, held: Held, work: Work) -> Any:
    import asyncio

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, stopping at once: every stop signal (SIGHUP too) ends it, the
        work under way is stopped rather than waited for, and connections are bounded."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {s: signal.signal(s, self.handle_exit) for s in STOP_SIGNALS}
            try:
                yield
            finally:  # a stop signal ends the server, not the process: the command exits
                for signum, handler in previous.items():
                    signal.signal(signum, handler)

        def handle_exit(self, sig: int, frame: Any) -> None:
            if self.should_exit:  # a second signal: do not wait for anything
                self.force_exit = True
            self.should_exit = True

        async def startup(self, sockets: Any = None) -> None:
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(held.loop_error)
            await super().startup(sockets=sockets)
            self.sweeper = loop.create_task(held.sweep_forever())

        async def shutdown(self, sockets: Any = None) -> None:
            work.stop()
            self.sweeper.cancel()
            await super().shutdown(sockets=sockets)

    config = uvicorn.Config(
        app,
        http=held.protocol,
        loop="asyncio",
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=max(1, int(held.idle)),
        server_header=False,
    )
    quiet_logs()  # after uvicorn's Config set up its loggers
    return Server(config)
