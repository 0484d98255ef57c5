"""The explorer's web server: a small Starlette app over :mod:`optviz.explore.api`.

Local and private by default: it listens on 127.0.0.1 only; every request needs the
random token (the page's URL carries it; the page then sends it with each API call);
a ``Host`` header other than ``127.0.0.1:PORT`` or ``localhost:PORT`` is refused, so a
web page that rebinds its own name to 127.0.0.1 cannot reach it; request bodies are
small; each request's cost is bounded (:mod:`optviz.explore.api`); nothing is written.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ..util.errors import OptvizError
from . import api

MAX_BODY = 64 * 1024
"""Bytes a request body may have (a request is a few hundred)."""

STATIC = Path(str(resources.files("optviz.explore") / "static"))

_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


class TooLarge(Exception):
    """A request body over :data:`MAX_BODY`."""


def create_app(token: str, port: int, state: dict[str, Any] | None = None) -> Any:
    """The ASGI app: the page, its files and the JSON API, behind :func:`guard`."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    def page(request: Any) -> Any:
        from starlette.responses import HTMLResponse

        html = (STATIC / "index.html").read_text(encoding="utf-8")
        response = HTMLResponse(html, headers=_NO_CACHE)
        # the page's own files come with the cookie; the API wants the token itself
        response.set_cookie(cookie_name(port), token, httponly=True, samesite="strict")
        return response

    def static(request: Any) -> Any:
        from starlette.responses import Response

        name = request.path_params["name"]
        path = STATIC / name
        if "/" in name or path.suffix not in _TYPES or not path.is_file():
            return _error(404, f"no such file: {name}")
        return Response(path.read_bytes(), media_type=_TYPES[path.suffix], headers=_NO_CACHE)

    async def init(request: Any) -> Any:
        return _answer({"catalog": await _threaded(api.catalog), "state": state or {}}, "json")

    def endpoint(work: Any, kind: str) -> Any:
        async def handle(request: Any) -> Any:
            body = await read_json(request)
            return _answer(await _threaded(work, body), kind)

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
    handlers = {
        OptvizError: lambda r, e: _error(400, api.error_text(e)),
        TooLarge: lambda r, e: _error(413, f"request body over {MAX_BODY} bytes"),
        404: lambda r, e: _error(404, f"no such page: {r.url.path}"),
        405: lambda r, e: _error(405, f"{r.method} is not allowed on {r.url.path}"),
        Exception: lambda r, e: _error(500, f"internal error ({api.error_text(e)})"),
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    return guard(app, token, port)


_NO_CACHE = {"Cache-Control": "no-store"}


def cookie_name(port: int) -> str:
    """Cookies are shared between ports: each explorer names its own."""
    return f"optviz-token-{port}"


async def _threaded(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


async def read_json(request: Any) -> Any:
    """The request's JSON body, refusing one over :data:`MAX_BODY` before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except (ValueError, RecursionError) as exc:
        raise api.ParameterError(f"the request body is not JSON: {exc}") from None


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


def _error(status: int, message: str) -> Any:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status, headers=_NO_CACHE)


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
    """A served explorer: ``url`` (with the token); ``run()`` serves until stopped."""

    def __init__(self, state: dict[str, Any] | None = None, port: int | None = None):
        self.sock = bind(port)
        self.port = self.sock.getsockname()[1]
        self.token = secrets.token_urlsafe(24)
        self.url = f"http://127.0.0.1:{self.port}/?token={self.token}"
        self.app = create_app(self.token, self.port, state)
        self.server = _server(self.app)

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM (in the main thread) or :meth:`stop`."""
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


def _server(app: Any) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            # a stop signal ends the server, not the process: the command exits cleanly
            self._captured_signals.clear()

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        server_header=False,
    )
    return Server(config)
