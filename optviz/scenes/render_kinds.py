"""Every kind of render a scene can ask for, each with its own fields, and
:data:`RENDERS`, the kinds by name.

Separate from :mod:`.schema`, which declares the scene file's structures and the fields
every render (:class:`~.schema.Render`) and every race render
(:class:`~.schema.Animation`) takes: a new kind is added here, beside the others, and
the scene's structures do not change. Imports msgspec (through :mod:`.schema`) at
import time, so the rest of optviz imports it lazily.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from ..util import defaults
from .kinds import ANIMATION_SUFFIXES, IMAGE_SUFFIXES
from .schema import Animation, Render, Text, doc, number, whole


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
    trail: doc(bool | whole(0, 1_000_000), "true, or the steps drawn bold, older ones faint") = True


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
