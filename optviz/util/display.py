"""How results reach the drawing layer, and how they show in a notebook.

Surfaces, trajectories, races and analysis results sit below the drawing code
(:mod:`optviz.render`), which takes them as input. Their convenience methods
(``race.plot()``, ``race.animate()``) and notebook previews therefore look the drawing
function up by name when they are called, as pandas looks up its plotting backend,
instead of importing upward: the import graph stays one-way (a test walks it), and
importing a result never imports matplotlib. This module is the only place that does so.

A preview is a PNG drawn once, off pyplot (so it neither shows twice in a notebook nor
waits for ``plt.show()``), and kept as long as the object lives.
"""

from __future__ import annotations

import importlib
import io
import weakref
from collections.abc import Callable
from typing import Any

_PREVIEWS: dict[int, bytes] = {}  # id(result) -> PNG, dropped when the result is collected


def drawing(name: str) -> Callable[..., Any]:
    """The drawing function ``name`` of :mod:`optviz.render`, e.g. ``"race_figure.plot_race"``.

    >>> drawing("race_figure.plot_race").__name__
    'plot_race'
    """
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(f"optviz.render.{module}"), function)


def preview_png(result: Any, draw: Callable[[], Any]) -> bytes:
    """``result``'s preview: ``draw()`` (a Figure or Axes) as PNG bytes, computed once."""
    key = id(result)
    if key not in _PREVIEWS:
        with drawing("plots.offscreen")():
            figure = draw()
        figure = getattr(figure, "figure", figure)  # an Axes gives its Figure
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", facecolor=figure.get_facecolor())
        _PREVIEWS[key] = buffer.getvalue()
        weakref.finalize(result, _PREVIEWS.pop, key, None)
    return _PREVIEWS[key]


class Preview:
    """Mixin: a notebook shows the object as :meth:`_preview` draws it (a PNG, once).

    By default the preview is the object's own ``plot(**_preview_options)``.
    """

    _preview_options: dict[str, Any] = {}

    def _preview(self) -> Any:  # a Figure or Axes
        return self.plot(**self._preview_options)

    def _repr_png_(self) -> bytes:
        return preview_png(self, self._preview)
