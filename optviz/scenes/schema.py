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
:class:`Animation`), set its ``kind`` and ``draws`` class variables, list it in
:data:`RENDERS`, and give ``optviz/scenes/rendering.py`` a function that draws it.

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
    trail: doc(bool | whole(0, 1_000_000), "true, or the number of recent steps drawn") = True
    glyphs: doc(bool, "at each ball, the gradient, velocity, rate box or step of its next step") = (
        False
    )
    sharpness: doc(
        bool,
        "a panel of each optimizer's sharpness beside its stability line, growing with the "
        "animation",
    ) = False


class Contour(Animation):
    kind = "contour"
    draws = "the race on contours (animation: balls with growing trails)"

    profile: doc(
        bool,
        "a panel of each path's loss against the distance it has travelled: the hill under "
        "it, seen from the side, in step with the map",
    ) = False


class ThreeD(Animation):
    kind = "3d"
    draws = "the race as balls rolling on the 3-D surface"

    rotate: doc(bool | number(-3600, 3600), "degrees the camera turns") = False


class Panels(Animation):
    kind = "panels"
    draws = "one panel per optimizer (animations only)"
    formats = ANIMATION_SUFFIXES


class Side(Animation):
    kind = "side"
    draws = (
        "a race on a curve f(x), from the side: a ball rolling on the curve per optimizer "
        "(a curve's `contour` and `panels` draw it too)"
    )


class Quantities(Render):
    kind = "quantities"
    draws = (
        "each optimizer's effective learning rate per coordinate and its step length against "
        "the step (\"Adagrad's rate only shrinks, RMSprop's recovers\"; first start)"
    )
    needs = ("surface", "optimizers", "state")


class Show(Render):
    kind = "show"
    draws = "the surface: contours and 3-D, critical points marked"
    needs = ("surface",)

    field: doc(Literal["quiver", "stream"] | None, "draw the gradient field too") = None
    three_d: doc(bool, "draw the 3-D view beside the map (false: the map fills the frame)") = True


Lrs = str | Annotated[list[number(0, 1e6, open_low=True)], Meta(min_length=2)]


class Basins(Render):
    kind = "basins"
    draws = "every start of a grid colored by the minimum it reaches, one panel per optimizer"
    needs = ("surface", "optimizers")

    n: doc(whole(2, 2000) | None, "grid size") = None


class Sweep(Render):
    kind = "sweep"
    draws = "final loss against learning rate, divergence marked"
    needs = ("surface", "optimizers")

    lrs: doc(Lrs | None, "learning rates to try (default: a grid)") = None
    objective: doc(
        Literal["final", "auc", "steps"], "final loss, area under the loss, or steps"
    ) = "final"


class Tune(Sweep):
    kind = "tune"
    draws = "the sweep with each optimizer's best rate marked (printed too)"


class Curvature(Render):
    kind = "curvature"
    draws = "where the Hessian is convex, concave or saddle-like"
    needs = ("surface",)

    n: doc(whole(2, 2000) | None, "grid size") = None


class Bands(Render):
    kind = "bands"
    draws = "one noisy optimizer from many seeds: the fan of paths and the loss band"
    needs = ("surface", "optimizer")

    seeds: doc(whole(2, 10_000), "how many seeds") = 20


Activation = doc(str | None, "activation function, e.g. `tanh`")
Hidden = doc(
    Annotated[list[whole(1, 4096)], Meta(min_length=1, max_length=50)] | None, "layer widths"
)
NetLr = doc(number(0, 100, open_low=True) | None, "learning rate")


class Init(Render):
    kind = "init"
    draws = (
        "deep-net activations (or gradients) layer by layer: a grid of histograms, or an "
        "animation one layer deeper per frame"
    )
    formats = IMAGE_SUFFIXES + (".gif", ".mp4", ".webp")

    schemes: doc(
        str | Annotated[list[str], Meta(min_length=1)] | None,
        'init schemes, e.g. `["small", "xavier_normal:gain=1.67"]`',
    ) = None
    activation: Activation = None
    depth: doc(whole(1, 200) | None, "layers") = None
    width: doc(whole(1, 4096) | None, "units per layer") = None
    gain: doc(number(0, 100, open_low=True), "gain of every scheme") = 1.0
    quantity: doc(Literal["activations", "gradients"], "what the histograms show") = "activations"
    view: doc(Literal["grid", "summary"], "histograms, or spread and saturation by depth") = "grid"
    fps: doc(number(0, 120, open_low=True), "frames per second: one layer deeper per frame") = 2.0


class Batchnorm(Render):
    kind = "batchnorm"
    draws = "a net trained with and without batch normalization"

    activation: Activation = None
    scheme: doc(str, "init scheme") = "xavier_normal"
    depth: doc(whole(1, 200) | None, "layers") = None
    width: doc(whole(1, 4096) | None, "units per layer") = None
    lr: NetLr = None
    epochs: doc(whole(1, 10_000), "training epochs") = 30
    batch_size: doc(whole(1, 10_000), "rows per mini-batch") = 32


class Symmetry(Render):
    kind = "symmetry"
    draws = "zero / constant init keeping neurons identical"

    schemes: doc(str | Annotated[list[str], Meta(min_length=1)] | None, "init schemes compared") = (
        None
    )
    activation: Activation = None
    hidden: Hidden = None
    lr: NetLr = None
    layer: doc(whole(1, 50), "the layer drawn") = 1


class Dropout(Render):
    kind = "dropout"
    draws = (
        "an over-sized net with and without dropout over several seeds: decision maps, "
        "train/test loss, thinned networks"
    )

    p: doc(number(0, 0.99), "probability of dropping a unit") = 0.5
    hidden: Hidden = None
    seeds: doc(whole(2, 10_000), "how many seeds") = 5
    activation: Activation = None
    lr: NetLr = None


class Landscape(Render):
    kind = "landscape"
    draws = (
        "a real network trained by each optimizer, raced on a plane through its weights, "
        "beside its loss (a still adds each run's decision regions; run.steps and run.seed apply)"
    )
    needs = ("optimizers",)
    formats = IMAGE_SUFFIXES + ANIMATION_SUFFIXES

    dataset: doc(
        Text, "`moons`, `circles`, `spiral`, `xor`, `blobs`, or a `.csv` file beside the scene"
    ) = "moons"
    points: doc(whole(4, 100_000), "rows of a built-in dataset") = 200
    hidden: Hidden = None
    activation: Activation = None
    init: doc(
        str | Annotated[list[str], Meta(min_length=1)], "init scheme, or a list: one per run"
    ) = "xavier_normal"
    batchnorm: doc(
        bool | Annotated[list[bool], Meta(min_length=1)],
        "batch normalization after hidden layers, or a list: one per run",
    ) = False
    batch_size: doc(
        whole(1, 100_000) | None, "rows per mini-batch (default: all; `sgd` uses its own)"
    ) = None
    plane: doc(
        Literal["pca", "random", "final"],
        "principal directions of the paths, filter-normalized random ones, or through the "
        "start and two end points",
    ) = "pca"
    origin: doc(
        Literal["start", "mean", "ends"], "where the PCA plane passes; `ends`: each run's end"
    ) = "start"
    resolution: doc(whole(4, 400), "loss grid points per side of the plane") = 60
    sharpness: doc(bool, "a panel of each run's sharpness beside its stability line") = False
    fps: doc(number(0, 120, open_low=True), "frames per second") = 20.0
    duration: doc(number(0, 600, open_low=True), "seconds of motion") = 8.0
    hold: doc(number(0, 60), "seconds on the last frame") = defaults.HOLD
    trail: doc(bool | whole(0, 1_000_000), "true, or the number of recent steps drawn") = True


class Phase(Render):
    kind = "phase"
    draws = (
        "a map over two hyperparameters of one optimizer: how fast it converges (or its final "
        "loss, steps, divergence), diverged cells flat, the boundary drawn, closed-form "
        "contours on quadratics; with `net = true`, over the training of a network instead "
        "(axes `lr1`, `lr2`, ...: one layer's learning rate)"
    )
    needs = ("optimizer",)  # and the surface, unless net = true

    x: doc(Text, "the x axis: `NAME:LOW:HIGH[:log]`, e.g. `lr:1e-3:2:log`") = "lr:1e-3:2:log"
    y: doc(Text, "the y axis, e.g. `momentum:0:0.999`") = "momentum:0:0.999"
    n: doc(whole(2, 8192), "grid points per side") = 128
    metric: doc(
        Literal["rate", "loss", "steps", "diverged"],
        "`rate` (per-step factor of the distance to the minimum), final `loss`, `steps` to "
        "converge, or the step it `diverged`",
    ) = "rate"
    tol: doc(
        number(0, 1e6),
        "`steps`: within this many domain diagonals of a minimum (`net`: a loss at most this)",
    ) = 1e-3
    zoom: doc(
        Annotated[list[float], Meta(min_length=4, max_length=4)] | None,
        "also draw the window `[x0, x1, y0, y1]` beside the map, at the same resolution",
    ) = None
    workers: doc(whole(1, 4096) | None, "local processes (default: every core)") = None
    dask: doc(Text | None, "a Dask scheduler's address: tiles run on its cluster") = None
    net: doc(bool, "map a network's full-batch training (the fields below) instead") = False
    dataset: doc(Text, "`net`: `moons`, `circles`, `spiral`, `xor`, `blobs` or a `.csv`") = "moons"
    points: doc(whole(4, 100_000), "`net`: rows of a built-in dataset") = 200
    hidden: Hidden = None
    activation: Activation = None
    init: doc(str, "`net`: the init scheme") = "xavier_normal"


class Sharpness(Render):
    kind = "sharpness"
    draws = (
        "a network trained full-batch by each optimizer: its loss and its sharpness (the top "
        "Hessian eigenvalue, by Lanczos) against the step, beside its stability line "
        "(2/lr for gradient descent: the edge of stability)"
    )
    needs = ("optimizers",)

    dataset: doc(Text, "`moons`, `circles`, `spiral`, `xor` or `blobs`") = "moons"
    points: doc(whole(4, 100_000), "rows of the dataset") = 128
    hidden: Hidden = None
    activation: Activation = None
    target: doc(
        Literal["values", "classes"],
        "`values`: squared error on the class labels as numbers; `classes`: cross-entropy",
    ) = "values"
    gain: doc(number(0, 100, open_low=True), "gain of the Xavier initialization") = 1.0
    measured: doc(whole(2, 5000), "steps at which the sharpness is measured") = 100


class Schedules(Render):
    kind = "schedules"
    draws = (
        "each learning-rate schedule's multiplier against the step (no surface needed; "
        "`run.steps` sets the horizon)"
    )

    schedules: doc(
        Annotated[list[str], Meta(min_length=1)] | None,
        'e.g. `["cosine", "step:step_size=100"]` (default: one of each)',
    ) = None


RENDERS: dict[str, type[Render]] = {
    r.kind: r
    for r in (
        Contour,
        ThreeD,
        Panels,
        Side,
        Quantities,
        Show,
        Basins,
        Sweep,
        Tune,
        Curvature,
        Bands,
        Init,
        Batchnorm,
        Symmetry,
        Dropout,
        Landscape,
        Phase,
        Sharpness,
        Schedules,
    )
}
"""Every kind of render, by name."""


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
