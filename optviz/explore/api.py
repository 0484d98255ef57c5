"""The explorer's engine, without HTTP: a JSON request becomes a checked scene, and the
scene gives runs, pictures and files as plain data and bytes.

A request is the view the page shows::

    {"surface": "rosenbrock" | "rosenbrock:b=10", or "expr": "x**2 - y**2",
     "domain": [x0, x1, y0, y1], "optimizers": ["adam:lr=0.1", ...], "start": [x, y],
     "steps": 300, "schedule": "cosine", "noise": "grad=0.5", "seed": 0}

A curve (a catalog curve, or an ``expr`` in ``x`` with ``"domain": [x0, x1]``) takes
``"start": [x]``; its runs' positions are ``[x]`` and each run also gives ``drawn``, the
points ``[x, f(x)]`` the page draws on the curve's picture, and ``slope``, ``f'(x)`` there.

It is turned into a scene dict and checked by :func:`optviz.scenes.build.scene_from_dict`, the
same code that checks scene files and the command line, so the errors are the same
(fields named as the request's keys). What one request may cost is bounded before any
work starts. Nothing here writes a file.

>>> payload = run_request({"surface": "quadratic", "optimizers": ["gd:lr=0.1"],
...                        "start": [1, 0], "steps": 3})
>>> [p[0] for p in payload["runs"][0]["xy"]]
[1.0, 0.8, 0.64, 0.512]
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..scenes.inputs import REQUEST_FIELDS, REQUEST_KEYS, VIEW
from ..util import defaults
from ..util.errors import OptvizError, ParameterError

FIELDS = REQUEST_FIELDS
"""Keys a request may have."""

MAX_OPTIMIZERS = 8
MAX_STEPS = 5_000
MAX_STARTS = 16
MAX_WORK = 20_000
"""Steps x optimizers x starts one request may ask for (3 x 300 is the page's usual)."""
MAX_EXPR = 400
"""Characters of an expression typed into the page."""
MAX_TITLE = 200

# Scene fields named as the request's keys, so messages name what the request said.
FLAGS = REQUEST_KEYS

_DRAW = threading.Lock()
"""matplotlib's rc settings (themes) are global: one picture is drawn at a time."""


class _Flags(dict):
    def get(self, key: str, default: Any = None) -> str:
        return FLAGS.get(key) or FLAGS.get(key.split("[")[0]) or key


# -- requests -> scenes ------------------------------------------------------------------------
def scene_dict(request: Any) -> dict[str, Any]:
    """The scene (as a scene file would say it) that a request describes.

    >>> scene_dict({"surface": "saddle", "optimizers": ["adam"], "steps": 50})
    {'surface': 'saddle', 'optimizers': ['adam'], 'run': {'steps': 50}}
    """
    if not isinstance(request, Mapping):
        raise ParameterError('the request must be a JSON object like {"surface": "saddle"}')
    check_text(request)
    unknown = [k for k in request if k not in FIELDS]
    if unknown:
        raise ParameterError(f"unknown field '{unknown[0]}'; allowed: {', '.join(FIELDS)}")
    data: dict[str, Any] = {}
    if request.get("title") is not None:
        from ..util.check import text

        # math between $ signs that matplotlib cannot read is refused here, in one line
        data["title"] = text(_text(request["title"], "title", MAX_TITLE), "title")
    data["surface"] = _surface(request)
    optimizers = request.get("optimizers", list(defaults.OPTIMIZERS))
    if isinstance(optimizers, list) and len(optimizers) > MAX_OPTIMIZERS:
        raise ParameterError(
            f"optimizers: {len(optimizers)} is too many for one request; at most {MAX_OPTIMIZERS}"
        )
    data["optimizers"] = optimizers
    run = {key: request[key] for key in ("steps", "schedule", "noise", "seed") if key in request}
    if request.get("start") is not None:
        run["starts"] = request["start"]
    if run:
        data["run"] = run
    return data


def check_text(value: Any, where: str = "") -> None:
    """Refuse a string no file or picture can hold: JSON may spell a lone UTF-16 surrogate
    (``"\\ud800"``), which Python keeps but UTF-8 cannot encode."""
    stack = [(value, where)]
    while stack:  # json.loads already bounded the depth
        item, at = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                stack += [(key, at or "a key"), (inner, f"{at}.{key}" if at else str(key))]
        elif isinstance(item, list):
            stack += [(inner, f"{at}[{i}]") for i, inner in enumerate(item)]
        elif isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ParameterError(
                    f"{shown(at or 'body')}: text {shown(item)} holds a lone surrogate "
                    "(half of a UTF-16 pair); allowed: any Unicode text"
                ) from None


def shown(text: str, limit: int = 60) -> str:
    """User text quoted in a message: short, and printable in any encoding."""
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _surface(request: Mapping[str, Any]) -> Any:
    has_name, has_expr = request.get("surface") is not None, request.get("expr") is not None
    if has_name == has_expr:
        raise ParameterError("give exactly one of 'surface' (a catalog name) or 'expr'")
    if has_name:
        spec: dict[str, Any] = {"name": _text(request["surface"], "surface", MAX_EXPR)}
    else:
        spec = {"expr": _text(request["expr"], "expr", MAX_EXPR)}
    if request.get("domain") is not None:
        spec["domain"] = request["domain"]
    return spec if len(spec) > 1 or has_expr else spec["name"]


def _text(value: Any, key: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ParameterError(f"{key}: must be a string, not {value!r}"[:300])
    if len(value) > limit:
        raise ParameterError(f"{key}: {len(value)} characters is too long; at most {limit}")
    return value


def check_scene(request: Any) -> Any:
    """The checked :class:`optviz.scenes.build.Scene` of a request, its cost bounded."""
    from ..scenes import scene_from_dict

    scene = scene_from_dict(scene_dict(request), source="request", flags=_Flags())
    _check_cost(scene)
    return scene


def _check_cost(scene: Any) -> None:
    steps = defaults.STEPS if scene.steps is None else scene.steps
    if steps > MAX_STEPS:
        raise ParameterError(f"steps: {steps} is too many for the explorer; at most {MAX_STEPS}")
    starts = (
        1 if scene.starts is None or not isinstance(scene.starts[0], list) else len(scene.starts)
    )
    if starts > MAX_STARTS:
        raise ParameterError(f"start: {starts} starts is too many; at most {MAX_STARTS}")
    work = steps * len(scene.optimizers) * starts
    if work > MAX_WORK:
        raise ParameterError(
            f"steps x optimizers x starts = {work} is too much for one request; at most "
            f"{MAX_WORK}: use fewer steps or optimizers"
        )


def theme_of(request: Any) -> str:
    from ..render.style import THEMES

    theme = request.get("theme") if isinstance(request, Mapping) else None
    theme = "light" if theme is None else theme  # null, as for every key: the default
    if not isinstance(theme, str) or theme not in THEMES:
        raise ParameterError(f"theme: must be one of {', '.join(THEMES)}, not {theme!r}"[:200])
    return theme


# -- answers -----------------------------------------------------------------------------------
def run_request(request: Any) -> dict[str, Any]:
    """Run the race a request describes: ``{"surface": {...}, "runs": [...]}``.

    Each run holds the optimizer as asked, its label, every position ``xy`` and loss
    (``None`` where not finite) and the step it diverged at (``None``: never), in the
    order the optimizers were asked for.
    """
    scene = check_scene(request)
    race = scene.race()
    asked = scene_dict(request)["optimizers"]
    asked = asked if isinstance(asked, list) else [asked]
    from ..render.line_ends import identity_slots

    slots = identity_slots([t.optimizer.name for t in race.trajectories])
    runs = [_run(*run) for run in zip(asked, race.trajectories, slots, strict=True)]
    return {"surface": surface_info(race.surface), "runs": runs}


def _run(spec: Any, traj: Any, slot: int) -> dict[str, Any]:
    from ..render.paths import readable

    out = {
        "optimizer": spec,
        "label": traj.label,
        "look": slot,  # its colour, dashes and shape in page_style's lists, as figures draw it
        "name": readable(traj),  # the legend's words: "Adam (lr 0.1)"
        "xy": _finite(traj.xy.tolist()),
        "loss": _finite(traj.loss.tolist()),
        "diverged_at": _step(traj.diverged_at),
        "converged_at": _step(traj.converged_at),
    }
    if traj.surface.is_curve:  # where the page draws each position: on the curve
        out["drawn"] = _finite(np.stack([traj.xy[..., 0], traj.loss], -1).tolist())
        with np.errstate(all="ignore"):  # and the slope, to set the ball on it
            out["slope"] = _finite(traj.surface.grad(traj.xy)[..., 0].tolist())
    return out


def _step(at: Any) -> Any:
    from ..engine.runner import NEVER

    if at.ndim:
        return [None if a == NEVER else int(a) for a in at.tolist()]
    return None if int(at) == NEVER else int(at)


def _finite(values: Any) -> Any:
    """Nested lists of floats with every non-finite number as ``None`` (JSON has no NaN)."""
    if isinstance(values, list):
        return [_finite(v) for v in values]
    return values if math.isfinite(values) else None


def surface_info(surf: Any) -> dict[str, Any]:
    """What the page needs to know about a surface besides its picture. A curve's
    ``domain`` is its picture's extent: ``x`` and the range of ``f(x)`` drawn."""
    (x0, x1), (y0, y1) = surf.domain.tolist() if not surf.is_curve else curve_extent(surf)
    return {
        "name": surf.name,
        "title": surf.title or surf.name,
        "kind": surf.kind,
        "domain": [x0, x1, y0, y1],
        "start": surf.start.tolist(),
        "minima": surf.minima.tolist(),
        "min_value": surf.min_value,
        "params": dict(surf.params),
    }


def surface_request(request: Any) -> dict[str, Any]:
    """The surface's contour picture (PNG, as a data URL) and the data extent it covers.

    The picture fills its whole image, so pixel ``(0, 0)`` is ``(x0, y1)`` and pixel
    ``(w, h)`` is ``(x1, y0)``: the page maps clicks to positions with the extent alone.
    """
    import json

    scene_dict(request)  # the same checks of the request's keys as a run
    spec = json.dumps(_surface(request), sort_keys=True)
    return dict(_picture(spec, theme_of(request)))


@functools.lru_cache(maxsize=32)
def _picture(spec: str, theme: str) -> tuple:
    """The answer of :func:`surface_request`, kept: switching back to a surface is instant."""
    import json

    from ..scenes import scene_from_dict

    scene = scene_from_dict({"surface": json.loads(spec)}, source="request", flags=_Flags())
    png, (width, height) = contour_png(scene.surface, theme)
    info = surface_info(scene.surface)
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return tuple({**info, "image": url, "width": width, "height": height, "theme": theme}.items())


def curve_extent(surf: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """The x and f(x) a curve's picture spans: the side view's own limits."""
    from ..render.sideview import curve_limits, curve_span

    return curve_span(surf), curve_limits(surf)


def picture_shape(surf: Any, width: int = 960) -> tuple[int, int]:
    """Pixel size of a contour picture: the domain's own aspect when it is near square
    (circles look round), else 4:3.

    >>> import optviz as ov
    >>> picture_shape(ov.surface("rosenbrock"))[0]
    960
    """
    if surf.is_curve:  # a profile reads best wide
        return width, round(width / 2)
    w, h = (float(v) for v in (surf.domain[:, 1] - surf.domain[:, 0]))
    aspect = w / h if 0.25 <= w / h <= 4 else 4 / 3
    aspect = min(max(aspect, 0.75), 2.0)  # a tall or flat picture would not fit the page
    return width, round(width / aspect)


def contour_png(surf: Any, theme: str) -> tuple[bytes, tuple[int, int]]:
    """The surface's filled contours (as the static plots draw them) edge to edge."""
    from ..render.plots import new_figure, plot_surface
    from ..render.sideview import draw_curve
    from ..render.style import themed

    width, height = picture_shape(surf)
    dpi = 100
    with _DRAW, themed(theme):
        fig = new_figure((width / dpi, height / dpi), dpi=dpi, layout=None)
        ax = fig.add_axes((0, 0, 1, 1))
        if surf.is_curve:  # the curve in profile; the page draws the balls on it
            draw_curve(ax, surf, theme)
        else:
            plot_surface(surf, ax=ax, theme=theme)
        ax.set_aspect("auto")  # the picture's shape already follows the domain
        ax.set_axis_off()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue(), (width, height)


def png_request(request: Any) -> bytes:
    """The whole race as a still (contours, paths, loss panel), PNG bytes."""
    from ..render.race_figure import plot_race

    scene = check_scene(request)
    theme = theme_of(request)
    race = scene.race()
    with _DRAW:
        fig = plot_race(race, loss=True, theme=theme, title=scene.title)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()


def gif_request(request: Any) -> bytes:
    """The race as a GIF (with its loss panel), rendered in memory."""
    scene = check_scene(request)
    anim = scene.race().animate(
        loss=True,
        fps=15,
        duration=4.0,
        hold=1.0,
        dpi=80,
        theme=theme_of(request),
        title=scene.title,
    )
    with _DRAW:
        return anim.gif()


# -- scene files -------------------------------------------------------------------------------
def scene_request(request: Any) -> tuple[str, str]:
    """The scene file (TOML text) that renders the request's view, and its file name."""
    scene = check_scene(request)  # the file says only what a scene may say
    data = scene_dict(request)
    slug = _slug(request.get("surface") or "custom")
    kind = "side" if scene.surface.is_curve else "contour"
    data["render"] = {"kind": kind, "loss": True, "output": f"{slug}_explore.gif"}
    theme = theme_of(request)
    if theme != "light":
        data["render"]["theme"] = theme
    from ..scenes import scene_to_toml

    return scene_to_toml(data), f"{slug}_explore.toml"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(text).partition(":")[0]).strip("_") or "custom"


# -- what the page offers -------------------------------------------------------------------
MAIN_HYPER = ("momentum", "beta1", "beta2", "alpha", "rho", "lr_decay", "damping")
"""Hyperparameters the page shows beside each optimizer's learning rate."""


@functools.cache
def catalog() -> dict[str, Any]:
    """Surfaces (with domains and starts), optimizers (defaults and main hyperparameters)
    and schedules, for the page's choosers."""
    from ..catalog.entries import load_catalog, surfaces
    from ..engine.optim import optimizer, optimizers
    from ..engine.scheduling import schedules

    surfs = []
    for name in surfaces():
        s = load_catalog(name)
        surfs.append({"name": name, "title": s.title or name, "kind": s.kind, "summary": s.summary})
    opts = []
    for name in optimizers():
        hyper = optimizer(name).hyper
        main = [k for k in MAIN_HYPER if k in hyper and not isinstance(hyper[k], bool)]
        opts.append({"name": name, "defaults": hyper, "main": main[:2]})
    return {
        "surfaces": surfs,
        "optimizers": opts,
        "schedules": schedules(),
        "style": page_style(),
        "view": list(VIEW),  # the inputs the page holds and sends
    }


# matplotlib's marker codes (render.style.MARKERS) by the names the page draws them under
MARKER_SHAPES = {"o": "circle", "s": "square", "D": "diamond", "^": "triangle",
                 "v": "triangle-down", "p": "pentagon", "h": "hexagon", "P": "plus"}  # fmt: skip


def page_style() -> dict[str, list]:
    """The static plots' colours (on a light and a dark ground), dash patterns (in line
    widths) and ball shapes, indexed by a run's ``look``, so the page draws each
    optimizer as a saved figure does.

    >>> page_style()["markers"][:3]
    ['circle', 'square', 'pentagon']
    """
    from ..render import style
    from ..render.line_ends import LINE_COLORS
    from ..render.paths import on_dark

    return {
        "palette": list(LINE_COLORS),
        "palette_dark": [on_dark(c) for c in LINE_COLORS],
        "dashes": [list(d) if d else [] for d in style.LINESTYLES],
        "markers": [MARKER_SHAPES[m] for m in style.MARKERS],
    }


def error_text(exc: BaseException) -> str:
    """One line for any refusal: the OptvizError's message, whitespace folded."""
    text = str(exc) if isinstance(exc, OptvizError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500]
