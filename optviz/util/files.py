"""Atomic output: write to a temporary file beside the target, then rename.

A failed or interrupted render never leaves a truncated file and never damages an
existing one, because the target is only replaced by ``os.replace`` once the
temporary file is complete.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


def check_writable(path: str | os.PathLike) -> Path:
    """Return ``path`` as a Path if its folder exists and is writable, else raise."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"output path '{path}' is a folder; give a file name")
    if not folder.is_dir():
        raise OutputError(f"cannot write '{path}': folder '{folder}' does not exist")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write '{path}': folder '{folder}' is not writable")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path = check_writable(path)
    remove_stale(path.parent)
    tmp: Path | None = _temporary_name(path)
    try:  # named before it exists: a stop signal at any instant still finds it to remove
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            tmp = None  # taken since it was chosen: not ours to remove
            raise
        os.close(fd)
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # made 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


def _temporary_name(path: Path) -> Path:
    """A name beside ``path`` that no file has: "." + name + "." + 8 random characters +
    ".tmp" + the extension."""
    import secrets

    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp{path.suffix}"
        if not tmp.exists():
            return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


# What tempfile names our temporaries: "." + target name + "." + 8 random characters +
# ".tmp" + the target's extension (files), or ".tmp" / ".old" alone (PNG-frame folders).
_OURS = re.compile(r"^\..+\.[a-z0-9_]{8}\.(tmp(\.[A-Za-z0-9]+)?|old)$")
STALE_SECONDS = 24 * 3600


def remove_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove temporaries of optviz's own naming older than a day from ``folder``.

    A process killed by SIGKILL or a power cut cannot clean up after itself; the next
    write into the same folder does. Only names of the exact pattern, older than
    ``STALE_SECONDS``, are touched, so a render still running elsewhere is left alone.
    """
    removed = []
    cutoff = time.time() - STALE_SECONDS
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _OURS.match(entry.name):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime > cutoff:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue  # another process got there first, or no permission: not ours to fight
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
