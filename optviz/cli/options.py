"""Options shared by the commands, and the flag that sets each scene field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from ..util import defaults

SurfaceArg = Annotated[
    str | None,
    typer.Argument(
        help="catalog surface (see 'optviz list surfaces'), with parameters as "
        "rosenbrock:b=10; omit it when giving --expr",
        show_default=False,
        metavar="SURFACE",
    ),
]
Expr = Annotated[
    str | None,
    typer.Option(
        "--expr",
        metavar="EXPR",
        help='your own surface in x and y, e.g. "x**2 - y**2", or a curve in x alone '
        "with a --domain of two numbers",
    ),
]
Domain = Annotated[
    str | None,
    typer.Option(
        "--domain",
        metavar="X0,X1,Y0,Y1",
        help="xmin,xmax,ymin,ymax, or xmin,xmax for a curve (default for --expr: -2,2,-2,2)",
    ),
]
Optimizers = Annotated[
    list[str] | None,
    typer.Option(
        "-O",
        "--optimizer",
        metavar="NAME[:K=V,...]",
        help='an optimizer, with hyperparameters as "momentum:lr=0.01,momentum=0.9"; '
        "repeat for several (see 'optviz list optimizers')",
    ),
]
Steps = Annotated[
    int | None,
    typer.Option(
        "--steps",
        help=f"steps per optimizer [default: {defaults.STEPS}; basins: 500; race: the "
        "lesson's, when it races the surface's lesson]",
        show_default=False,
    ),
]
Start = Annotated[
    list[str] | None,
    typer.Option(
        "--start",
        metavar="X,Y",
        help="X,Y start (a curve's: X); repeat for several (default: the surface's)",
    ),
]
Schedule = Annotated[
    str | None,
    typer.Option(
        "--schedule",
        metavar="NAME[:K=V,...]",
        help="learning-rate schedule, e.g. cosine or step:step_size=50",
    ),
]
Noise = Annotated[
    str | None,
    typer.Option(
        "--noise", metavar="K=V,...", help="e.g. grad=0.5 or update=0.1,anneal=0.55 or batch=8"
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(
        "--seed", help="random seed (noise, mini-batches) [default: 0]", show_default=False
    ),
]
Lr = Annotated[
    str | None,
    typer.Option(
        "--lr", metavar="tuned", help="'tuned': pick each optimizer's learning rate first"
    ),
]
Output = Annotated[Path | None, typer.Option("-o", "--output", metavar="FILE", help="output file")]
Size = Annotated[str, typer.Option("--size", metavar="SIZE", help="16:9, 4:3, square or small")]
Dpi = Annotated[int, typer.Option("--dpi", help="pixels per inch (16:9 at 100 = 1280x720)")]
Theme = Annotated[str, typer.Option("--theme", metavar="THEME", help="light or dark")]


def _title(value: str | None) -> str | None:
    from ..util.check import text

    return None if value is None else text(value, "--title")


Title = Annotated[
    str | None,
    typer.Option("--title", metavar="TEXT", help="figure title", callback=_title),
]
Quiet = Annotated[bool, typer.Option("-q", "--quiet", help="no progress bar or messages")]


def _preset(value: str | None) -> str | None:
    from ..render.style import PRESETS
    from ..util.errors import unknown

    if value is not None and value not in PRESETS:
        raise unknown("preset", value, PRESETS)
    return value


Preset = Annotated[
    str | None,
    typer.Option(
        "--preset",
        metavar="NAME",
        help="slide: type at least 18 px, the first frame held 2 s and the last 3 s",
        callback=_preset,
    ),
]


def with_preset(name: str | None, render: dict[str, Any]) -> Any:
    """Apply preset ``name`` to a scene's ``render`` fields (holds at least the
    preset's); return the context to render in (its type floor)."""
    import contextlib

    if name is None:
        return contextlib.nullcontext()
    from ..render.style import PRESETS, type_floor

    preset = PRESETS[name]
    for key in ("hold", "hold_first"):
        if key in render:
            render[key] = max(render[key], preset[key])
    return type_floor(preset["type_px"])


Objective = Annotated[
    str,
    typer.Option(
        "--objective", metavar="NAME", help="final (loss), auc (area under the loss) or steps"
    ),
]
Lrs = Annotated[
    str | None,
    typer.Option(
        "--lrs",
        metavar="LR,LR,...",
        help="learning rates to try, e.g. 0.001,0.01,0.1 (default: a grid)",
    ),
]

# Scene fields named as the flags that set them, for error messages.
FLAGS = {
    "surface": "SURFACE",
    "surface.name": "SURFACE",
    "surface.params": "SURFACE",
    "surface.expr": "--expr",
    "surface.domain": "--domain",
    "optimizers": "-O/--optimizer",
    "run.steps": "--steps",
    "run.starts": "--start",
    "run.schedule": "--schedule",
    "run.noise": "--noise",
    "run.seed": "--seed",
    "run.lr": "--lr",
    "metrics": "--metrics",
    "render.output": "-o/--output",
    "render.kind": "--3d/--panels",
    "render.quantity": "--gradients",
    "render.schemes": "--scheme",
    "render.view": "--view",
}


def _flag(field: str) -> str:
    """The flag that set a scene field: ``run.noise.batch`` -> ``--noise batch``."""
    field = re.sub(r"\[\d+\]", "", field)
    parts = field.split(".")
    for n in range(len(parts), 0, -1):
        flag = FLAGS.get(".".join(parts[:n]))
        if flag:
            return " ".join([flag, *parts[n:]])
    return "--" + parts[-1].replace("_", "-")


class _Flags(dict):
    def get(self, key: str, default: Any = None) -> str:
        return _flag(key)
