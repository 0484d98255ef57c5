"""Where the shipped data lives: inside the installed package, or at the top of a checkout.

The catalog (``surfaces/``) and the example scenes (``gallery/*.toml``) sit at the top of
the repository; the wheel installs them as ``optviz/surfaces`` and ``optviz/examples``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

_CHECKOUT = {"surfaces": "surfaces", "examples": "gallery"}


def data_folder(name: str) -> Any:
    """The folder of shipped data ``name`` ("surfaces" or "examples"), as a Traversable."""
    installed = resources.files("optviz") / name
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / _CHECKOUT[name]
