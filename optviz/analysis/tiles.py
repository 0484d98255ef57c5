"""Big maps in tiles: local cores, a Dask cluster, and a store that lets a map resume.

A map's grid is cut into tiles, each a block of cells that one call of the map's tile
function computes (``run_tile(job, rows, cols) -> {name: (rows, cols) array}``). A job
says what it is (``shape``, ``key()``, its axes ``x`` and ``y``, ``what``) and what a cell
costs (``cell_bytes`` while it runs, ``cell_seconds`` of one core, and ``tile_seconds``
that every tile adds whatever its size: the cost model's units). A cell's
arithmetic never depends on the tile it is in, so the result is the same bit for bit
however the grid is cut and wherever a tile runs:

- here, one tile after another (``workers=1``);
- on local processes, one per core by default;
- on a Dask cluster (``dask=`` a scheduler address or a ``distributed.Client``;
  ``pip install optviz[dask]``).

With a store folder every finished tile is written there at once (a temporary file, then
a rename), beside a ``key`` file naming the request; asked again with the same request, a
map loads the tiles it finds and runs only the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..util import budget, check
from ..util.errors import OutputError, ParameterError

TILE_BYTES = 32e6  # history a tile keeps while it runs: sets the default tile size
HISTORY_BYTES = 48  # per run and step: position, loss, gradient norm, distance, temporaries
PROGRESS = "phase map tiles"


@dataclass(frozen=True)
class Tile:
    """Rows ``r0:r1`` and columns ``c0:c1`` of the grid."""

    r0: int
    r1: int
    c0: int
    c1: int

    @property
    def name(self) -> str:
        return f"{self.r0}-{self.r1}_{self.c0}-{self.c1}"

    @property
    def cells(self) -> int:
        return (self.r1 - self.r0) * (self.c1 - self.c0)


def cut(shape: tuple[int, int], tile: tuple[int, int]) -> list[Tile]:
    """The grid ``shape`` cut into tiles of at most ``tile`` = (rows, cols), row-major."""
    (n_y, n_x), (h, w) = shape, tile
    return [
        Tile(r, min(r + h, n_y), c, min(c + w, n_x))
        for r in range(0, n_y, h)
        for c in range(0, n_x, w)
    ]


def tile_shape(job: Any, tile: Any = None) -> tuple[int, int]:
    """``tile`` checked, or a shape whose runs' history fits :data:`TILE_BYTES`.

    A default tile spans the learning-rate axis as far as it can (the cells of a row or
    column run as one batch) and takes as many rows or columns as fit.
    """
    n_y, n_x = job.shape
    if tile is not None:
        if not (isinstance(tile, list | tuple) and len(tile) == 2):
            raise ParameterError(f"tile={tile!r} must be (rows, cols)")
        return check.whole(tile[0], "tile rows", 1, n_y), check.whole(tile[1], "tile cols", 1, n_x)
    cells = max(1, int(TILE_BYTES // job.cell_bytes))
    if job.y.name == "lr":
        rows = min(n_y, cells)
        return rows, max(1, min(n_x, cells // rows))
    cols = min(n_x, cells) if job.x.name == "lr" else min(n_x, max(1, int(cells**0.5)))
    return max(1, min(n_y, cells // cols)), cols


def cost(job: Any, tile: tuple[int, int], workers: int) -> budget.Cost:
    n_y, n_x = job.shape
    per_tile = tile[0] * tile[1] * job.cell_bytes
    tiles = -(-n_y // tile[0]) * -(-n_x // tile[1])
    return budget.Cost(
        what=f"a {n_y}x{n_x} map {job.what}",
        memory=budget.BASE_BYTES + workers * per_tile + 4 * 8 * n_y * n_x,
        seconds=float(n_y) * n_x * job.cell_seconds + tiles * job.tile_seconds,
        knob="use a smaller grid, fewer steps or starts, or smaller tiles (--n, --steps)",
    )


def compute(
    job: Any,
    kernel: Callable[..., dict[str, np.ndarray]],
    *,
    workers: int | None = None,
    dask: Any = None,
    store: str | os.PathLike | None = None,
    tile: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Every tile of ``job``'s grid through ``kernel(job, rows, cols)`` (a module-level
    function, so other processes find it by name); the whole grid per result name."""
    shape = tile_shape(job, tile)
    n_workers = _workers(workers)
    budget.check(cost(job, shape, 1 if dask is not None else n_workers))
    todo = cut(job.shape, shape)
    saved = TileStore(Path(store), job.key()) if store is not None else None
    out: dict[str, np.ndarray] = {}
    done = 0

    def keep(t: Tile, result: dict[str, np.ndarray]) -> None:
        nonlocal done
        for name, values in result.items():
            out.setdefault(name, np.full(job.shape, np.nan))[t.r0 : t.r1, t.c0 : t.c1] = values
        done += 1
        if progress:
            progress(PROGRESS, done, len(todo))

    pending = []
    for t in todo:
        found = saved.load(t) if saved else None
        if found is None:
            pending.append(t)
        else:
            keep(t, found)
    if progress:
        progress(PROGRESS, done, len(todo))
    for t, result in _run(job, pending, kernel, n_workers, dask):
        if saved:
            saved.save(t, result)
        keep(t, result)
    return out


def _workers(workers: int | None) -> int:
    if workers is None:
        return max(1, os.cpu_count() or 1)
    return check.whole(workers, "workers", 1, 4096)


def call(kernel: Callable, job: Any, t: Tile) -> dict[str, np.ndarray]:
    """Run one tile (in whichever process it landed)."""
    return kernel(job, slice(t.r0, t.r1), slice(t.c0, t.c1))


def _run(job, pending: list[Tile], kernel: Callable, workers: int, dask: Any) -> Iterator:
    """Yield ``(tile, result)`` as tiles finish."""
    if not pending:
        return
    if dask is not None:
        yield from _on_dask(job, pending, kernel, dask)
    elif workers == 1 or len(pending) == 1 or not _can_spawn():
        for t in pending:
            yield t, call(kernel, job, t)
    else:
        yield from _on_processes(job, pending, kernel, min(workers, len(pending)))


def _can_spawn() -> bool:
    """Whether a fresh interpreter can import this program's main module (not so for a
    script read from standard input, which then runs its tiles here)."""
    import sys

    main = getattr(sys.modules.get("__main__"), "__file__", None)
    return main is None or Path(main).is_file()


def _on_processes(job, pending: list[Tile], kernel: Callable, workers: int) -> Iterator:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # spawn: a fresh interpreter per worker, safe beside the compiled engine's threads;
    # each worker's kernels get its share of the cores, not every core each
    context = multiprocessing.get_context("spawn")
    share = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_share_cores,
                               initargs=(share,))  # fmt: skip
    try:
        queue = list(reversed(pending))
        running = {}
        while queue or running:
            while queue and len(running) < 2 * workers:  # a few ahead, not the whole map
                t = queue.pop()
                running[pool.submit(call, kernel, job, t)] = t
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield running.pop(future), future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _share_cores(threads: int) -> None:
    os.environ["OPTVIZ_THREADS"] = str(threads)


def _on_dask(job, pending: list[Tile], kernel: Callable, dask: Any) -> Iterator:
    client, owned = _client(dask)
    try:
        from distributed import as_completed

        scattered = client.scatter(job, broadcast=True)
        futures = {client.submit(call, kernel, scattered, t, pure=False): t for t in pending}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        if owned:
            client.close()


def _client(dask: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` for ``dask`` (an address or a client) and whether it is ours."""
    try:
        import distributed
    except ImportError:
        raise ParameterError(
            "dask=... needs dask.distributed: pip install 'optviz[dask]'"
        ) from None
    if isinstance(dask, distributed.Client):
        return dask, False
    if not isinstance(dask, str) or not dask.strip():
        raise ParameterError(f"dask={dask!r} must be a scheduler address or a distributed.Client")
    try:
        return distributed.Client(dask.strip(), timeout="10s"), True
    except (OSError, TimeoutError) as exc:
        raise ParameterError(f"cannot reach the Dask scheduler at {dask!r}: {exc}") from None


class TileStore:
    """Finished tiles of one request in a folder: ``key`` names the request, one ``.npz``
    per tile. A folder holding another request's tiles is emptied first."""

    def __init__(self, folder: Path, key: str):
        self.folder = folder
        digest = hashlib.sha256(key.encode()).hexdigest()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot make the tile store '{folder}': {exc.strerror}") from None
        stamp = folder / "key"
        if not stamp.is_file() or stamp.read_text().strip() != digest:
            for old in folder.glob("*.npz"):
                old.unlink()
            _write_atomic(stamp, lambda f: f.write(digest.encode()))

    def path(self, t: Tile) -> Path:
        return self.folder / f"{t.name}.npz"

    def load(self, t: Tile) -> dict[str, np.ndarray] | None:
        path = self.path(t)
        if not path.is_file():
            return None
        try:
            with np.load(path) as data:
                return {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError):
            return None  # a torn or foreign file: run the tile again

    def save(self, t: Tile, result: dict[str, np.ndarray]) -> None:
        _write_atomic(self.path(t), lambda f: np.savez(f, **result))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _write_atomic(path: Path, write: Callable[[Any], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def store_beside(output: str | os.PathLike) -> Path:
    """The tile store of an output file: ``phase.png`` -> ``.phase.png.tiles``."""
    output = Path(output)
    return output.parent / f".{output.name}.tiles"
