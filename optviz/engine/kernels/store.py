"""Where generated kernel modules live, so a second process pays no compile.

Each kernel module is written once under a name that is a hash of its source (plus
the numba and Python versions), then imported from that file; numba's on-disk cache
(``cache=True``) keys on the file's path and modification time, and a file that is
never rewritten keeps its cache valid. The folder is the first writable one of:
``$OPTVIZ_KERNEL_CACHE``; ``$NUMBA_CACHE_DIR/optviz``; the user cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache``) ``/optviz/kernels``; the system temp folder. An
installed package's own folder is never written. Numba itself, for a module whose
``__pycache__`` is not writable, falls back to ``~/.cache/numba`` (or
``$NUMBA_CACHE_DIR``); writing the generated source somewhere writable avoids relying on
that. Where no folder is writable, kernels are compiled in memory, without a cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

_LOADED: dict[str, ModuleType] = {}


def _candidates() -> list[Path]:
    found = []
    if os.environ.get("OPTVIZ_KERNEL_CACHE"):
        found.append(Path(os.environ["OPTVIZ_KERNEL_CACHE"]))
    if os.environ.get("NUMBA_CACHE_DIR"):
        found.append(Path(os.environ["NUMBA_CACHE_DIR"]) / "optviz")
    user = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    found.append(Path(user) / "optviz" / "kernels")
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    found.append(Path(tempfile.gettempdir()) / f"optviz-kernels-{uid}")
    return found


@functools.cache
def folder() -> Path | None:
    """The first candidate folder that can be created and written, or ``None``."""
    for path in _candidates():
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".probe-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError:
            continue
        return path
    return None


@functools.cache
def _numba_version() -> str:
    from importlib.metadata import version  # numba's version without importing numba

    return version("numba")


def key(source: str) -> str:
    text = f"{source}\n{_numba_version()}\n{sys.version}"
    return "optviz_kernel_" + hashlib.sha256(text.encode()).hexdigest()[:24]


def is_loaded(source: str) -> bool:
    return key(source) in _LOADED


def is_ready(source: str) -> bool:
    """Whether an earlier process compiled and ran this kernel (its cache is on disk)."""
    where = folder()
    return where is not None and (where / f"{key(source)}.ready").exists()


def mark_ready(source: str) -> None:
    where = folder()
    if where is not None:
        with contextlib.suppress(OSError):  # only a hint for choosing the engine
            (where / f"{key(source)}.ready").touch()


def load(source: str) -> ModuleType:
    """Import the module whose text is ``source`` (written to the cache folder once)."""
    name = key(source)
    if name in _LOADED:
        return _LOADED[name]
    where = folder()
    if where is None:
        module = ModuleType(name)
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # our generated text
    else:
        path = where / f"{name}.py"
        if not path.exists():  # never rewrite: a new mtime would void numba's cache
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(source, encoding="utf-8")
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # numba's cache re-imports it by name when loading
        spec.loader.exec_module(module)
    _LOADED[name] = module
    return module
