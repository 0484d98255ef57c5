"""The explorer as a notebook widget (anywidget: Jupyter, JupyterLab, VS Code, Colab, marimo).

The front-end is the page's own module (``static/explorer.js``); the engine runs here,
in the kernel. The state is a set of traitlets, synced both ways: set ``w.start`` or
``w.optimizers`` from Python and the widget re-runs and redraws; drag in the widget and
``w.start`` changes in Python.
"""

from __future__ import annotations

import json
from typing import Any

import anywidget
import traitlets

from ..scenes.inputs import VIEW
from ..util import defaults
from . import api
from .server import STATIC

INPUTS = VIEW
PICTURE = ("surface", "expr", "domain", "theme")
"""Inputs that change the surface's picture (the others change only the runs)."""


class ExplorerWidget(anywidget.AnyWidget):
    """The explorer in a notebook; build it with :func:`optviz.explore.explore`."""

    _esm = STATIC / "explorer.js"
    _css = STATIC / "explorer.css"

    surface = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    expr = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    domain = traitlets.List(None, allow_none=True).tag(sync=True)
    optimizers = traitlets.List(traitlets.Unicode()).tag(sync=True)
    start = traitlets.List(None, allow_none=True).tag(sync=True)
    steps = traitlets.Int(defaults.STEPS).tag(sync=True)
    schedule = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    noise = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    theme = traitlets.Unicode("light").tag(sync=True)

    catalog = traitlets.Dict().tag(sync=True)
    view = traitlets.Dict(None, allow_none=True).tag(sync=True)
    """The surface's picture (a PNG data URL) and its extent, as the API's /api/surface."""
    result = traitlets.Dict(None, allow_none=True).tag(sync=True)
    """The runs, as the API's /api/run answers them."""
    error = traitlets.Unicode("").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **state: Any):
        super().__init__(catalog=api.catalog(), **state)
        self._done: dict[str, str] = {}
        self.refresh()
        self.observe(lambda change: self.refresh(), names=[*INPUTS, "theme"])
        self.on_msg(self._message)

    def request(self) -> dict[str, Any]:
        """The API request of the current state."""
        return {k: getattr(self, k) for k in INPUTS if getattr(self, k) is not None}

    def refresh(self) -> None:
        """Recompute what changed since the last time (picture and/or runs).

        Several inputs set at once (a message from the page) notify one by one after all
        of them are set: the first notification does the work, the others find it done.
        """
        request = self.request()
        keys = {
            "view": json.dumps([request.get(k) for k in PICTURE[:-1]] + [self.theme]),
            "result": json.dumps(request, sort_keys=True),
        }
        try:
            if keys["view"] != self._done.get("view"):
                self.view = api.surface_request({**self._picture(request), "theme": self.theme})
                self._done["view"] = keys["view"]
            if keys["result"] != self._done.get("result"):
                self.busy = True
                self.result = api.run_request(request)
                self._done["result"] = keys["result"]
            self.error = ""
        except api.OptvizError as exc:
            self.error = api.error_text(exc)
        finally:
            self.busy = False

    @staticmethod
    def _picture(request: dict[str, Any]) -> dict[str, Any]:
        return {k: request[k] for k in PICTURE[:-1] if k in request}

    def _message(self, widget: Any, content: Any, buffers: Any) -> None:
        """A download asked by the front-end: the file's bytes go back in a message."""
        if not isinstance(content, dict) or "download" not in content:
            return
        reply = {"id": content.get("id")}
        try:
            data, reply["type"] = download(
                content["download"], {**self.request(), "theme": self.theme}
            )
            self.send(reply, buffers=[data])
        except api.OptvizError as exc:
            self.send({**reply, "error": api.error_text(exc)})


def download(kind: str, request: dict[str, Any]) -> tuple[bytes, str]:
    """The bytes and media type of a download: ``scene`` (TOML), ``gif`` or ``png``."""
    if kind == "scene":
        return api.scene_request(request)[0].encode("utf-8"), "application/toml"
    if kind == "gif":
        return api.gif_request(request), "image/gif"
    if kind == "png":
        return api.png_request(request), "image/png"
    raise api.ParameterError(f"unknown download {kind!r}; allowed: scene, gif, png")
