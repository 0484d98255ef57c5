"""Commands that analyse a surface over many runs: tune, sweep, basins, curvature, bands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..util import defaults
from ._app import app
from ._run import _execute, _run_section, _scene, _slug, _surface
from .options import (
    Domain,
    Dpi,
    Expr,
    Lrs,
    Noise,
    Objective,
    Optimizers,
    Output,
    Quiet,
    Schedule,
    Seed,
    Size,
    Start,
    Steps,
    SurfaceArg,
    Theme,
    Title,
)


def _analysis(
    kind: str,
    surface: str | None,
    expr: str | None,
    domain: str | None,
    optimizer: list[str] | None,
    run: dict[str, Any],
    render: dict[str, Any],
    output: Path | None,
    quiet: bool,
) -> None:
    out = output or Path(f"{_slug(surface)}_{kind}.png")
    scene_ = _scene(
        {
            "surface": _surface(surface, expr, domain),
            "optimizers": optimizer
            or (list(defaults.OPTIMIZERS) if kind in ("tune", "sweep") else None),
            "run": run,
            "render": {"kind": kind, "output": str(out), **render},
        }
    )
    _execute(scene_, quiet)


@app.command()
def tune(
    surface: SurfaceArg = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    lrs: Lrs = None,
    objective: Objective = "final",
    steps: Steps = None,
    start: Start = None,
    schedule: Schedule = None,
    noise: Noise = None,
    seed: Seed = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Find each optimizer's best learning rate on a surface; plot loss against lr.

    Writes <surface>_tune.png unless -o is given, and prints the best rates.

    Example:

    \b
      optviz tune rosenbrock -O gd -O momentum -O adam --steps 300
    """
    _analysis(
        "tune", surface, expr, domain, optimizer,
        _run_section(steps, start, schedule, noise, seed),
        {"lrs": lrs, "objective": objective, "size": size, "dpi": dpi, "theme": theme,
         "title": title},
        output, quiet,
    )  # fmt: skip


@app.command()
def sweep(
    surface: SurfaceArg = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    lrs: Lrs = None,
    objective: Objective = "final",
    steps: Steps = None,
    start: Start = None,
    seed: Seed = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Sweep the learning rate: too small crawls, too large diverges.

    Writes <surface>_sweep.png unless -o is given.

    Example:

    \b
      optviz sweep quadratic -O gd -O momentum --lrs 0.001,0.01,0.1,0.5,1
    """
    _analysis(
        "sweep", surface, expr, domain, optimizer,
        _run_section(steps, start, None, None, seed),
        {"lrs": lrs, "objective": objective, "size": size, "dpi": dpi, "theme": theme,
         "title": title},
        output, quiet,
    )  # fmt: skip


@app.command()
def basins(
    surface: SurfaceArg = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    n: Annotated[int | None, typer.Option("--n", help="grid of n x n starts")] = None,
    steps: Steps = None,
    seed: Seed = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Color every start by the minimum each optimizer reaches from it.

    Writes <surface>_basins.png unless -o is given.

    Example:

    \b
      optviz basins himmelblau -O gd:lr=0.01 -O adam:lr=0.1 --n 100
    """
    _analysis(
        "basins", surface, expr, domain, optimizer,
        _run_section(steps, None, None, None, seed),
        {"n": n, "size": size, "dpi": dpi, "theme": theme, "title": title},
        output, quiet,
    )  # fmt: skip


@app.command()
def curvature(
    surface: SurfaceArg = None,
    expr: Expr = None,
    domain: Domain = None,
    n: Annotated[int | None, typer.Option("--n", help="grid resolution")] = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Map the Hessian: where the surface is a bowl, a saddle or a dome.

    Writes <surface>_curvature.png unless -o is given.

    Example:

    \b
      optviz curvature saddle
    """
    _analysis(
        "curvature", surface, expr, domain, None, {},
        {"n": n, "size": size, "dpi": dpi, "theme": theme, "title": title},
        output, quiet,
    )  # fmt: skip


@app.command()
def bands(
    surface: SurfaceArg = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    seeds: Annotated[int, typer.Option("--seeds", help="number of noisy runs")] = 20,
    steps: Steps = None,
    start: Start = None,
    noise: Noise = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Run one noisy optimizer from many seeds; draw the spread of its loss.

    Writes <surface>_bands.png unless -o is given.

    Example:

    \b
      optviz bands linreg_standardized -O sgd:lr=0.05 --seeds 30
    """
    _analysis(
        "bands", surface, expr, domain, optimizer,
        _run_section(steps, start, None, noise, None),
        {"seeds": seeds, "size": size, "dpi": dpi, "theme": theme, "title": title},
        output, quiet,
    )  # fmt: skip


@app.command()
def phase(
    surface: SurfaceArg = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    x: Annotated[
        str | None,
        typer.Option(
            "--x",
            metavar="NAME:LOW:HIGH[:log]",
            help="the x hyperparameter [default: lr:1e-3:2:log; --net: lr1:0.05:50:log]",
        ),
    ] = None,
    y: Annotated[
        str | None,
        typer.Option(
            "--y",
            metavar="NAME:LOW:HIGH[:log]",
            help="the y hyperparameter [default: momentum:0:0.999; --net: lr2:0.01:2:log]",
        ),
    ] = None,
    n: Annotated[int, typer.Option("--n", help="grid points per side")] = 128,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            metavar="NAME",
            help="rate, loss, steps or diverged [default: rate; --net: loss]",
        ),
    ] = None,
    net: Annotated[
        bool,
        typer.Option("--net", help="map a network's training on the dataset SURFACE names"),
    ] = False,
    hidden: Annotated[
        str, typer.Option("--hidden", metavar="W,W,...", help="--net: hidden layer widths")
    ] = "16",
    activation: Annotated[
        str, typer.Option("--activation", help="--net: tanh, sigmoid, relu or leaky_relu")
    ] = "tanh",
    points: Annotated[int, typer.Option("--points", help="--net: rows of the dataset")] = 64,
    seed: Annotated[int, typer.Option("--seed", help="--net: data and init")] = 0,
    zoom: Annotated[
        str | None,
        typer.Option("--zoom", metavar="X0,X1,Y0,Y1", help="also draw this window beside it"),
    ] = None,
    steps: Steps = None,
    start: Start = None,
    schedule: Schedule = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="local processes [default: every core]")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option("--dask", metavar="ADDRESS", help="run the tiles on this Dask scheduler"),
    ] = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Map how fast an optimizer converges over two of its hyperparameters.

    Each cell runs the optimizer from the same start; diverged cells are flat grey, the
    boundary a black line; on a quadratic the closed-form rate is drawn over the map.
    With --net each cell trains a network (full batch) on the dataset SURFACE names, and
    the axes may be lr1, lr2, ...: the learning rate of one layer. Tiles run on every
    core (or a Dask cluster) and are kept beside the output until it is written, so an
    interrupted map resumes. Writes <surface>_phase.png unless -o.

    Examples:

    \b
      optviz phase elliptic -O momentum --x lr:1e-3:2:log --y momentum:0:0.99 --n 64
      optviz phase moons --net -O gd --x lr1:0.05:50:log --y lr2:0.01:2:log --n 64
    """
    render = {"x": x or ("lr1:0.05:50:log" if net else "lr:1e-3:2:log"),
              "y": y or ("lr2:0.01:2:log" if net else "momentum:0:0.999"),
              "n": n, "metric": metric or ("loss" if net else "rate"), "workers": workers,
              "dask": dask, "size": size, "dpi": dpi, "theme": theme, "title": title}  # fmt: skip
    if zoom is not None:
        render["zoom"] = _numbers(zoom, "--zoom", 4)
    run = _run_section(steps, start, schedule, None, None)
    if not net:
        _analysis("phase", surface, expr, domain, optimizer or ["momentum"], run, render,
                  output, quiet)  # fmt: skip
        return
    from .networks import _widths

    data = surface or "moons"
    out = output or Path(f"{_slug(data)}_phase.png")
    render.update(net=True, dataset=data, hidden=list(_widths(hidden)), activation=activation,
                  points=points, output=str(out))  # fmt: skip
    scene_ = _scene({"optimizers": optimizer or ["gd"], "run": {**run, "seed": seed},
                     "render": {"kind": "phase", **render}})  # fmt: skip
    _execute(scene_, quiet)


def _numbers(text: str, flag: str, count: int) -> list[float]:
    from ..util.errors import ParameterError

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != count:
        raise ParameterError(f"{flag} {text!r} must be {count} numbers separated by commas")
    return values
