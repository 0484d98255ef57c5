"""Commands that analyse a surface over many runs: tune, sweep, basins, curvature, bands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import app
from ._run import _execute, _run_section, _scene, _slug, _surface
from .options import (
    DEFAULT_OPTIMIZERS,
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
            or (list(DEFAULT_OPTIMIZERS) if kind in ("tune", "sweep") else None),
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
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
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
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
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
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
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
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
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
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
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
