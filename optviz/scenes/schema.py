"""The scene schema, declared once as typed structures.

Every field a scene can hold is declared here, with its type, range, default and a
one-line meaning. The same declaration

- validates scene files, the command line's flags (the CLI builds a scene dict) and
  JSON sent to the explorer (:func:`check` -- msgspec does the type and range checks);
- words the errors: one line with the field's path, what is allowed, the bad value and,
  for unknown names, a did-you-mean (:func:`check` turns msgspec's message into ours);
- writes the field tables of ``docs/scenes.md`` (:func:`field_tables`).

Adding a field: add an annotated attribute to the right structure below (a render
field to its kind's class). Adding a kind of render: subclass :class:`Render` (or
:class:`Animation`) in :mod:`.render_kinds`, set its ``kind`` and ``draws`` class
variables, list it in its ``RENDERS``, and give ``optviz/scenes/rendering.py`` a
function that draws it.

This module imports msgspec at import time; the rest of optviz imports it lazily.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta, Struct

from ..util import defaults
from .kinds import ANIMATION_SUFFIXES, IMAGE_SUFFIXES
from .schema_errors import check as check  # the checks and errors live beside the schema
from .schema_errors import describe as describe


def whole(lo: int, hi: int, meaning: str = "") -> Any:
    """A whole number in ``[lo, hi]``."""
    return Annotated[int, Meta(ge=lo, le=hi, description=meaning or None)]


def number(lo: float, hi: float, meaning: str = "", open_low: bool = False) -> Any:
    """A finite number in ``[lo, hi]`` (``(lo, hi]`` when ``open_low``)."""
    low = {"gt": lo} if open_low else {"ge": lo}
    return Annotated[float, Meta(**low, le=hi, description=meaning or None)]


def doc(kind: Any, meaning: str) -> Any:
    """``kind`` with a meaning for the docs' table."""
    return Annotated[kind, Meta(description=meaning)]


Text = Annotated[str, Meta(max_length=10_000)]
Point = Annotated[list[float], Meta(min_length=2, max_length=2)]
Position = Annotated[list[float], Meta(min_length=1, max_length=2)]  # [x, y], a curve's [x]
Numbers = str | list[float]  # [a, b, ...] or "a,b,..." (as on the command line)

SIZE_NAMES = ("16:9", "4:3", "square", "small")  # optviz.render.style.SIZES (tested)
THEME_NAMES = ("light", "dark")  # optviz.render.style.THEMES (tested)
MEGAPIXELS = 40
"""The most pixels (in millions) one figure or frame may have: size x dpi squared."""


class Spec(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """A table of a scene file: unknown fields are errors; defaults are not written back."""


# -- surface, optimizers, run ----------------------------------------------------------------
class SurfaceSpec(Spec):
    """``[surface]``: a catalog surface or an expression."""

    name: doc(str | None, "a catalog surface (`optviz list surfaces`), e.g. `rosenbrock:b=10`") = (
        None
    )
    expr: doc(
        Text | None,
        "or your own expression in `x` and `y`, or a curve's in `x` alone (parsed safely, "
        "never evaluated as Python)",
    ) = None
    params: doc(dict[str, float], "surface parameters, e.g. `{ b = 10 }`") = {}
    domain: doc(
        str | list[float | Point] | None,
        "the drawn region: `[xmin, xmax, ymin, ymax]` or `[[xmin, xmax], [ymin, ymax]]`; "
        "`[xmin, xmax]` makes `expr` a curve in `x` alone (default for `expr`: -2..2 both ways)",
    ) = None
    minima: doc(
        list[Position] | None,
        "known minima of an `expr` surface (`[x]` on a curve), so convergence can be measured",
    ) = None
    title: doc(Text | None, "display name of the surface") = None


class NoiseSpec(Spec):
    """``noise = { ... }``: what is random in every step (``optviz.engine.noise``)."""

    grad: doc(number(0, 1e6), "Gaussian noise of this deviation added to every gradient") = 0.0
    update: doc(
        number(0, 1e6), "Gaussian noise of this deviation added to the parameters after every step"
    ) = 0.0
    input: doc(number(0, 1e6), "the gradient is taken at parameters perturbed this much") = 0.0
    batch: doc(
        whole(1, 1_000_000) | None,
        "each gradient is the mean over a random mini-batch of this many data rows",
    ) = None
    anneal: doc(number(0, 10), "deviations shrink as sigma / t^anneal (0.55 is usual)") = 0.0


# "step:step_size=50" or { name = "step", step_size = 50 }; an option is a number, a name
# (then = "cosine") or a list (milestones), never a table
ScheduleOption = str | float | list[float]
Schedule = str | dict[str, ScheduleOption]
Noise = str | NoiseSpec  # "grad=0.5" or { grad = 0.5 }


class OptimizerSpec(Struct, omit_defaults=True, kw_only=True):
    """``[[optimizers]]``: a name, its hyperparameters (any other field) and extras."""

    name: doc(str, "an optimizer (`optviz list optimizers`), e.g. `adam`")
    label: doc(Text | None, "legend text") = None
    schedule: doc(Schedule | None, "this optimizer's own schedule, in place of the run's") = None
    noise: doc(Noise | None, "this optimizer's own noise, in place of the run's") = None
    seed: doc(
        whole(0, 2**32 - 1) | None,
        "this optimizer's own random seed, in place of the run's (noisy runs that should differ)",
    ) = None


class RunSpec(Spec):
    """``[run]``: how the optimizers run."""

    steps: doc(
        whole(0, 1_000_000) | None, f"steps per optimizer (default {defaults.STEPS}; basins: 500)"
    ) = None
    starts: doc(
        str | list[float | str | Position] | None,
        'where every optimizer starts: `[x, y]`, a list of them or `"x,y"` strings; on a '
        "curve `[x]` or `[[x1], [x2]]` (default: the surface's first start)",
    ) = None
    schedule: doc(
        Schedule | None,
        '`"cosine"`, `"step:step_size=50,gamma=0.5"` or `{ name = "step", step_size = 50 }` '
        "(`optviz list schedules`)",
    ) = None
    noise: doc(
        Noise | None,
        '`"grad=0.5"`, `{ update = 0.1, anneal = 0.55 }`, `{ batch = 8 }` (table below)',
    ) = None
    seed: doc(whole(0, 2**63 - 1) | None, "seed of every random draw (same seed, same picture)") = (
        None
    )
    lr: doc(
        Literal["tuned"] | number(0, 1e6, open_low=True) | None,
        '`"tuned"`: tune each learning rate first; a number: every optimizer uses it',
    ) = None


# -- renders ----------------------------------------------------------------------------------
class Render(Spec):
    """Fields every kind of render takes."""

    kind: ClassVar[str] = ""
    draws: ClassVar[str] = ""
    needs: ClassVar[tuple[str, ...]] = ()
    """What the kind draws from: "surface", "optimizers" (at least one) or "optimizer" (one),
    and "state" when it reads the optimizers' recorded state (the race keeps it)."""
    formats: ClassVar[tuple[str, ...]] = IMAGE_SUFFIXES

    output: doc(Text | None, "the file to write; its extension picks the format") = None
    size: doc(
        Literal[SIZE_NAMES] | Annotated[list[number(1, 40)], Meta(min_length=2, max_length=2)],
        '`"16:9"`, `"4:3"`, `"square"`, `"small"` or `[width, height]` in inches',
    ) = defaults.SIZE
    dpi: doc(whole(20, 600), "pixels per inch (16:9 at 100 is 1280x720)") = defaults.DPI
    theme: doc(Literal[THEME_NAMES], "`light` or `dark`") = defaults.THEME
    title: doc(Text | None, "the figure's title (default: the scene's)") = None


class Animation(Render):
    """A race drawn as a still figure, or animated."""

    needs = ("surface", "optimizers")
    formats = IMAGE_SUFFIXES + ANIMATION_SUFFIXES

    loss: doc(bool, "add a loss-curve panel") = False
    x: doc(
        Literal["steps", "evals"],
        "what the loss panel counts along its axis: `steps`, or `evals`, the loss-and-gradient "
        "evaluations (a line search's trials count; implies the panel)",
    ) = "steps"
    fps: doc(number(0, 120, open_low=True), "frames per second") = 20.0
    duration: doc(number(0, 600, open_low=True), "seconds of motion") = 6.0
    hold: doc(number(0, 60), "seconds on the last frame") = defaults.HOLD
    hold_first: doc(number(0, 60), "seconds on the first frame, the set-up") = defaults.HOLD_FIRST
    trail: doc(bool | whole(0, 1_000_000), "true, or the steps drawn bold, older ones faint") = True
    glyphs: doc(bool, "at each ball, the gradient, velocity, rate box or step of its next step") = (
        False
    )
    sharpness: doc(
        bool,
        "a panel of each optimizer's sharpness beside its stability line, growing with the "
        "animation",
    ) = False


class LessonSpec(Spec):
    """``[lesson]``: what the scene teaches, as claims checked on its runs."""

    claims: doc(
        Annotated[list[Annotated[str, Meta(max_length=400)]], Meta(max_length=40)],
        'what the picture shows, e.g. `["stuck(gd, at=saddle)", "escapes(adam, from=saddle)"]`; '
        "`optviz gallery --check` and the tests hold every one true (vocabulary below)",
    ) = []
    callouts: doc(bool, "draw each claim's key moment on the picture as a short annotation") = True


class SceneSpec(Spec):
    """The top level of a scene file."""

    title: doc(Text | None, "title of every render that does not set its own") = None
    description: doc(Text, "what the scene shows (for people reading the file)") = ""
    surface: doc(str | SurfaceSpec | None, "the surface (below)") = None
    optimizers: doc(
        str | list[str | dict[str, Any]] | None,
        '`["adam:lr=0.1", "gd"]` (as after `-O`) or `[[optimizers]]` tables (below)',
    ) = None
    run: doc(RunSpec, "how to run them (below)") = msgspec.field(default_factory=RunSpec)
    render: doc(
        dict[str, Any] | list[dict[str, Any]] | None,
        "what to draw (below); default: one `contour` render to `<file name>.gif`",
    ) = None
    metrics: doc(Text | None, "also write the race's results table to this `.csv` or `.json`") = (
        None
    )
    lesson: doc(LessonSpec, "what the scene teaches (below)") = msgspec.field(
        default_factory=LessonSpec
    )
