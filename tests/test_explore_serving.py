"""The explorer's server under floods and stop signals: it holds a bounded number of
connections, closes idle and slow ones, logs a refused accept() once, and stops within
seconds of a stop signal whatever it is doing, with no traceback."""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from optviz.explore import initial_state
from optviz.explore.server import Explorer
from tests.test_explore_api import _wait_until_up

SERVING = "optviz explore: serving on 127.0.0.1 only; Ctrl-C stops it"


# -- in this process: the connection bounds, with short times -------------------------------------
@pytest.fixture(scope="module")
def strict():
    """An explorer that holds at most 8 connections and closes one idle for 0.5 s."""
    explorer = Explorer(initial_state("quadratic"), port=0, max_connections=8, idle=0.5)
    base = f"http://127.0.0.1:{explorer.port}"
    with (
        explorer.in_background(),
        httpx.Client(base_url=base, headers={"X-Optviz-Token": explorer.token}) as client,
    ):
        _wait_until_up(client)
        yield explorer, client


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(10)
    return sock


def _closed_by_server(sock: socket.socket, trickle: bytes = b"", every: float = 0.1) -> bool:
    """Whether the server closes ``sock`` within 10 s while ``trickle`` goes out a byte at
    a time (a slow request head never completes: slowloris)."""
    deadline = time.monotonic() + 10
    sent = 0
    while time.monotonic() < deadline:
        if sent < len(trickle):
            try:
                sock.send(trickle[sent : sent + 1])
            except OSError:
                return True
            sent += 1
        ready, _, _ = select.select([sock], [], [], every)
        if ready:
            try:
                data = sock.recv(4096)
            except OSError:
                return True
            if not data:
                return True
    return False


def test_idle_connections_and_slow_request_heads_are_closed(strict):
    explorer, _ = strict
    idle = _connect(explorer.port)
    slow = _connect(explorer.port)
    head = f"GET /api/init HTTP/1.1\r\nHost: 127.0.0.1:{explorer.port}\r\nX-Long: "
    try:
        assert _closed_by_server(idle)
        assert _closed_by_server(slow, trickle=head.encode() + b"a" * 200)
    finally:
        idle.close()
        slow.close()


def test_a_slow_request_body_gets_a_408_and_the_connection_closes(strict):
    explorer, _ = strict
    sock = _connect(explorer.port)
    head = (
        f"POST /api/run HTTP/1.1\r\nHost: 127.0.0.1:{explorer.port}\r\n"
        f"X-Optviz-Token: {explorer.token}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    )
    try:
        sock.sendall(head.encode() + b'{"surface": ')  # and the rest never comes
        answer = b""
        while not answer.endswith(b"}") and b"\r\n\r\n" not in answer[:0]:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"request body not sent within 0.5 s" in answer
        assert _closed_by_server(sock)
    finally:
        sock.close()


def test_when_full_a_new_client_gets_in_and_the_longest_idle_goes(strict):
    explorer, client = strict
    held = [_connect(explorer.port) for _ in range(8)]  # every slot, idle
    try:
        for _ in range(3):  # new clients keep getting answers
            with httpx.Client(headers={"X-Optviz-Token": explorer.token}) as newcomer:
                url = f"http://127.0.0.1:{explorer.port}/api/init"
                assert newcomer.get(url).status_code == 200
        # the first connections made room: the server closed them
        assert _closed_by_server(held[0]) and _closed_by_server(held[1])
    finally:
        for sock in held:
            sock.close()
    assert client.get("/api/init").status_code == 200


# -- the command: a flood with few file descriptors, and stop signals ---------------------------
@contextlib.contextmanager
def _command(*args: str) -> Iterator[tuple[subprocess.Popen, str, object]]:
    """``optviz explore quadratic --no-browser`` in its own process, its URL and stderr."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "optviz.cli", "explore", "quadratic", "--no-browser", *args],
            stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        try:
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), url
            for _ in range(200):
                try:
                    httpx.get(url)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            yield process, url, log
        finally:
            process.kill()
            process.wait()


def _all_closed_by_server(socks: list[socket.socket], within: float) -> bool:
    """Whether the server closes every one of ``socks`` within ``within`` seconds."""
    open_ = list(socks)
    deadline = time.monotonic() + within
    while open_ and time.monotonic() < deadline:
        ready, _, _ = select.select(open_, [], [], 0.2)
        for sock in ready:
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                open_.remove(sock)
    return not open_


def _stderr(log) -> str:
    log.seek(0)
    return log.read()


def _port_and_token(url: str) -> tuple[int, str]:
    return int(url.split(":")[2].split("/")[0]), url.split("token=")[1]


def test_a_flood_with_few_file_descriptors_left_keeps_serving_and_logs_once():
    # The server's process may open only 40 more files: a flood of 200 connections,
    # half of them sending a request head that never ends, exhausts them (accept()
    # fails with EMFILE). It keeps answering new clients, closes the flood, and says so
    # in one line. (The limit is lowered for the server's process only.)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    flood_size = min(200, (soft - 64) // 2)  # this process's own limit stays safe
    with _command() as (process, url, log):
        port, token = _port_and_token(url)
        in_use = len(os.listdir(f"/proc/{process.pid}/fd"))
        _, hard = resource.prlimit(process.pid, resource.RLIMIT_NOFILE)
        resource.prlimit(process.pid, resource.RLIMIT_NOFILE, (in_use + 40, hard))
        flood = []
        try:
            for k in range(flood_size):
                sock = socket.socket()
                sock.settimeout(5)
                with contextlib.suppress(OSError):
                    sock.connect(("127.0.0.1", port))
                    if k % 2:
                        sock.send(f"GET /api/init HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX".encode())
                flood.append(sock)
            answered = None
            for _ in range(60):  # a new client, while the flood is held, tries again
                with contextlib.suppress(httpx.TransportError):
                    answered = httpx.get(
                        f"http://127.0.0.1:{port}/api/init",
                        headers={"X-Optviz-Token": token},
                        timeout=5,
                    ).status_code
                if answered == 200:
                    break
                assert answered in (None, 503)  # not answered yet, or asked to try again
                time.sleep(0.2)
            assert answered == 200
            assert _all_closed_by_server(flood, within=15)  # the flood was let go
        finally:
            for sock in flood:
                sock.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        stderr = _stderr(log)
    assert len(stderr) < 2000, stderr[:3000]
    assert stderr.count("refuses new connections") == 1
    assert "Traceback" not in stderr


def _expensive_request_in_flight(url: str) -> threading.Thread:
    """A GIF of 8 x 2500 steps (seconds of work) asked of the server, in a thread."""
    port, token = _port_and_token(url)
    body = {"surface": "himmelblau", "optimizers": ["adam"] * 8, "steps": 2500}

    def ask():
        with contextlib.suppress(httpx.TransportError):
            httpx.post(
                f"http://127.0.0.1:{port}/api/gif",
                json=body,
                headers={"X-Optviz-Token": token},
                timeout=120,
            )

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    time.sleep(1.5)  # asked, checked and running
    return thread


@pytest.mark.parametrize(
    "first, second",
    [
        (signal.SIGINT, None),
        (signal.SIGTERM, None),
        (signal.SIGHUP, None),  # was taken for an error inside the busy event loop
        (signal.SIGTERM, signal.SIGTERM),  # a second signal 50 ms after the first
    ],
    ids=["SIGINT", "SIGTERM", "SIGHUP", "twice"],
)
def test_a_busy_explorer_stops_within_seconds_of_a_stop_signal(first, second):
    with _command() as (process, url, log):
        _expensive_request_in_flight(url)
        process.send_signal(first)
        if second is not None:
            time.sleep(0.05)
            process.send_signal(second)
        try:
            code = process.wait(timeout=8)  # the render alone would take over 10 s
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 8 s after the signal: {_stderr(log)[-2000:]}")
        stderr = _stderr(log)
    assert code == 0, stderr
    assert stderr.strip().splitlines() == [SERVING]  # no CancelledError, no traceback


def test_accepting_resumed_on_a_socket_closed_at_shutdown_is_not_an_error():
    # after a refused accept() asyncio retries a moment later; when the server has shut
    # down meanwhile, the retry finds fd -1 and asyncio printed a traceback on the way out
    from optviz.explore.connections import Held

    seen = []

    class Loop:
        def default_exception_handler(self, context):
            seen.append(context)

    held = Held()
    closed = ValueError("Invalid file descriptor: -1")
    retry = {"message": "Exception in callback _start_serving", "exception": closed}
    held.loop_error(Loop(), retry)
    assert seen == []
    held.loop_error(Loop(), {"message": "something else", "exception": RuntimeError("x")})
    assert len(seen) == 1  # other errors still reach asyncio's handler
