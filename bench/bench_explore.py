"""How fast the explorer answers: /api/run for 3 optimizers x 300 steps over HTTP.

Run:  python bench/bench_explore.py [--quick]

Starts the real server on a free port of 127.0.0.1 and times requests from 1 client and
from 8 concurrent clients (median and 95th percentile), against the baseline of the same
race computed by ``optviz.race`` in this process, measured in the same run: the ratio is
what HTTP, validation and JSON add. Each request uses a new start, as a drag does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

OPTIMIZERS = ["gd:lr=0.001", "momentum:lr=0.001", "adam:lr=0.1"]
BODY = {"surface": "rosenbrock", "optimizers": OPTIMIZERS, "steps": 300}


def _start(k: int) -> list[float]:
    return [-1.5 + 0.01 * (k % 100), 2.0 - 0.01 * (k // 100)]


def _quantiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1e3, p95 * 1e3


def baseline(n: int) -> list[float]:
    import optviz as ov

    times = []
    for k in range(n):
        t0 = time.perf_counter()
        ov.race("rosenbrock", OPTIMIZERS, start=_start(k), steps=300)
        times.append(time.perf_counter() - t0)
    return times


def over_http(url: str, token: str, clients: int, per_client: int) -> list[float]:
    import httpx

    def session(c: int) -> list[float]:
        times = []
        with httpx.Client(base_url=url, headers={"X-Optviz-Token": token}, timeout=60) as http:
            for j in range(per_client):
                t0 = time.perf_counter()
                response = http.post("/api/run", json={**BODY, "start": _start(c * 50 + j)})
                response.raise_for_status()
                times.append(time.perf_counter() - t0)
        return times

    with ThreadPoolExecutor(clients) as pool:
        return [t for times in pool.map(session, range(clients)) for t in times]


def main(quick: bool = False) -> None:
    from optviz.explore import initial_state
    from optviz.explore.server import Explorer

    n = 8 if quick else 40
    served = Explorer(initial_state("rosenbrock", OPTIMIZERS, steps=300), port=0)
    url = f"http://127.0.0.1:{served.port}"
    with served.in_background():
        over_http(url, served.token, 1, 2)  # warm: imports, compiled surface
        base = baseline(n)
        one = over_http(url, served.token, 1, n)
        eight = over_http(url, served.token, 8, max(n // 4, 2))
    b_med, b_p95 = _quantiles(base)
    print("explorer API: /api/run, rosenbrock, 3 optimizers x 300 steps")
    print(f"{'case':<42}{'requests':>9}{'median ms':>11}{'p95 ms':>9}{'x base':>8}")
    rows = [
        ("optviz.race in-process (baseline)", base),
        ("HTTP, 1 client", one),
        ("HTTP, 8 concurrent clients", eight),
    ]
    for name, times in rows:
        med, p95 = _quantiles(times)
        print(f"{name:<42}{len(times):>9}{med:>11.1f}{p95:>9.1f}{med / b_med:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    main(parser.parse_args().quick)
