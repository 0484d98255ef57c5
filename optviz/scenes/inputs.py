"""A race's inputs as each interface names them, declared once.

A scene file, the command line and the explorer (its HTTP requests, its page and the
notebook widget) set the same fields; each names them its own way. Messages name a field
as the interface that set it, so each interface's table of names is derived from here
(what a field is when not given: :mod:`optviz.util.defaults`).

>>> FLAGS["run.steps"], REQUEST_KEYS["run.steps"]
('--steps', 'steps')
>>> VIEW
('surface', 'expr', 'domain', 'optimizers', 'start', 'steps', 'schedule', 'noise', 'seed')
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Input:
    """One scene field and its names: ``flag`` on the command line, ``key`` in an
    explorer request (None: not there); ``view``: one of the explorer's live controls
    (the page's inputs, the widget's traits); ``also``: other scene fields the same name
    sets (a surface's name and its parameters are both ``SURFACE``)."""

    field: str
    flag: str
    key: str | None = None
    view: bool = False
    also: tuple[str, ...] = ()


INPUTS = (
    Input("surface", "SURFACE", "surface", True, ("surface.name", "surface.params")),
    Input("surface.expr", "--expr", "expr", True),
    Input("surface.domain", "--domain", "domain", True),
    Input("optimizers", "-O/--optimizer", "optimizers", True),
    Input("run.starts", "--start", "start", True),
    Input("run.steps", "--steps", "steps", True),
    Input("run.schedule", "--schedule", "schedule", True),
    Input("run.noise", "--noise", "noise", True),
    Input("run.seed", "--seed", "seed", True),
    Input("title", "--title", "title", also=("surface.title",)),
    Input("render.theme", "--theme", "theme"),
    Input("run.lr", "--lr"),
    Input("metrics", "--metrics"),
    Input("render.output", "-o/--output"),
    Input("render.kind", "--3d/--panels"),
    Input("render.quantity", "--gradients"),
    Input("render.schemes", "--scheme"),
    Input("render.view", "--view"),
)

FLAGS = {f: i.flag for i in INPUTS for f in (i.field, *i.also)}
"""Scene field -> the command line's flag for it."""
REQUEST_KEYS = {f: i.key for i in INPUTS if i.key for f in (i.field, *i.also)}
"""Scene field -> the explorer request's key for it."""
REQUEST_FIELDS = tuple(i.key for i in INPUTS if i.key)
"""The keys an explorer request may have."""
VIEW = tuple(i.key for i in INPUTS if i.view)
"""The explorer's live view: the keys its page and widget hold and send."""
FLAG_OF_KEY = {i.key: i.flag for i in INPUTS if i.key}
"""Explorer request key -> the command line's flag (``optviz explore``'s messages)."""
