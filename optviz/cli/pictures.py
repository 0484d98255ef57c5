"""Commands that draw a race or a surface: list, show, race, anatomy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..util import defaults
from ..util.errors import ParameterError
from ._app import app
from ._run import _execute, _lesson, _run_section, _scene, _shown, _size, _slug, _surface, _table
from .options import (
    Domain,
    Dpi,
    Expr,
    Lr,
    Noise,
    Optimizers,
    Output,
    Preset,
    Quiet,
    Schedule,
    Seed,
    Size,
    Start,
    Steps,
    SurfaceArg,
    Theme,
    Title,
    with_preset,
)

_LISTS = ("surfaces", "optimizers", "schedules", "all")


@app.command("list")
def list_(
    what: Annotated[str, typer.Argument(help="surfaces, optimizers, schedules or all")] = "all",
) -> None:
    """List the catalog's surfaces, the optimizers or the learning-rate schedules.

    Example:

    \b
      optviz list surfaces
    """
    from ..util.errors import unknown

    if what not in _LISTS:
        raise unknown("list", what, _LISTS)
    if what in ("surfaces", "all"):
        from ..catalog import describe as describe_surfaces

        rows = [(r["name"], r["kind"], r["summary"]) for r in describe_surfaces()]
        _table("surface", ("name", "kind", "what it shows"), rows)
    if what in ("optimizers", "all"):
        from ..engine.optim import describe

        rows = [(r["name"], r["summary"], r["reference"], r["checked_against"] or "-")
                for r in describe()]  # fmt: skip
        _table("optimizer", ("name", "what it does", "paper", "checked against"), rows)
    if what in ("schedules", "all"):
        from ..engine.scheduling import describe as describe_schedules

        rows = [(r["name"], r["summary"]) for r in describe_schedules()]
        _table("schedule", ("name", "what it does"), rows)


@app.command()
def show(
    surface: SurfaceArg = None,
    expr: Expr = None,
    domain: Domain = None,
    output: Output = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    field: Annotated[
        str | None,
        typer.Option("--field", metavar="quiver|stream", help="draw the gradient field too"),
    ] = None,
    preset: Preset = None,
    quiet: Quiet = False,
) -> None:
    """Draw a surface: contours and 3-D view with its critical points marked.

    Writes <surface>_show.png in the current folder unless -o is given.

    Example:

    \b
      optviz show himmelblau --field stream -o himmelblau.png
    """
    out = output or Path(f"{_slug(surface)}_show.png")
    scene = _scene(
        {
            "surface": _surface(surface, expr, domain),
            "render": {
                "kind": "show",
                "output": str(out),
                "field": field,
                "size": size,
                "dpi": dpi,
                "theme": theme,
                "title": title,
            },
        }
    )
    with with_preset(preset, {}):
        _execute(scene, quiet)


@app.command()
def race(
    surface: SurfaceArg = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    steps: Steps = None,
    start: Start = None,
    schedule: Schedule = None,
    noise: Noise = None,
    seed: Seed = None,
    lr: Lr = None,
    three_d: Annotated[bool, typer.Option("--3d", help="a 3-D surface view")] = False,
    panels: Annotated[bool, typer.Option("--panels", help="one panel per optimizer")] = False,
    loss: Annotated[bool, typer.Option("--loss", help="add a loss-curve panel")] = False,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile", help="add a panel of each path's loss against the distance travelled"
        ),
    ] = False,
    x: Annotated[
        str,
        typer.Option(
            "--x",
            metavar="steps|evals",
            help="what the loss panel counts along its axis (evals: every loss-and-gradient "
            "evaluation, a line search's trials too; implies --loss)",
        ),
    ] = "steps",
    glyphs: Annotated[
        bool, typer.Option("--glyphs", help="draw each ball's gradient, velocity and rate box")
    ] = False,
    sharpness: Annotated[
        bool,
        typer.Option("--sharpness", help="a panel of sharpness and stability lines"),
    ] = False,
    rotate: Annotated[
        float | None,
        typer.Option("--rotate", metavar="DEGREES", help="turn the 3-D camera (e.g. 90)"),
    ] = None,
    trail: Annotated[
        int | None,
        typer.Option("--trail", metavar="STEPS", help="draw only the last STEPS of each path"),
    ] = None,
    fps: Annotated[float, typer.Option("--fps", help="frames per second")] = 20.0,
    duration: Annotated[float, typer.Option("--duration", help="seconds of motion")] = 6.0,
    hold: Annotated[
        float, typer.Option("--hold", metavar="SECONDS", help="seconds on the last frame")
    ] = defaults.HOLD,
    hold_first: Annotated[
        float,
        typer.Option("--hold-first", metavar="SECONDS", help="seconds on the first frame"),
    ] = defaults.HOLD_FIRST,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    metrics: Annotated[
        Path | None, typer.Option("--metrics", help="also write the results as .csv or .json")
    ] = None,
    output: Output = None,
    preset: Preset = None,
    quiet: Quiet = False,
) -> None:
    """Race optimizers on a surface and render it; then print the results table.

    The output's extension picks the format: .gif .mp4 .webp .apng .html animate,
    .png .svg .pdf draw the whole paths. Writes <surface>_race.gif in the current
    folder unless -o is given. Without -O and --start it races the surface's lesson
    (its catalog file's [lesson]: the optimizers, starts and step count that show what it
    teaches, and its claims, drawn as callouts; every catalog surface has one). With -O,
    the lesson's start is kept unless --start is given, but not its step count: --steps
    or 200. A surface given parameters (rosenbrock:b=10) or an --expr races gd, momentum
    and adam, each at the learning rate tuned for it. The table gives each optimizer's
    final loss, the step it converged at and whether it diverged.

    Example:

    \b
      optviz race rosenbrock -O adam:lr=0.1 -O "momentum:lr=0.001,momentum=0.9" \\
          --steps 300 --loss -o race.gif
    """
    if three_d and panels:
        raise ParameterError("choose one of --3d and --panels")
    kind = "3d" if three_d else "panels" if panels else "contour"
    out = output or Path(f"{_slug(surface)}_race.gif")
    render = {
        "kind": kind,
        "output": str(out),
        "loss": loss or x == "evals",
        "x": x,
        "glyphs": glyphs,
        "sharpness": sharpness,
        "fps": fps,
        "duration": duration,
        "hold": hold,
        "hold_first": hold_first,
        "size": size,
        "dpi": dpi,
        "theme": theme,
        "title": title,
    }
    if rotate is not None:
        render["rotate"] = rotate
    if profile:
        render["profile"] = True
    if trail is not None:
        render["trail"] = trail
    looks = with_preset(preset, render)
    lesson = _lesson(surface) if expr is None else None
    claims = None
    if lesson is not None:  # what the catalog says this surface teaches
        taught = not optimizer and lr is None and bool(lesson.optimizers)
        if taught:
            optimizer = list(lesson.optimizers)
        if not start and len(lesson.starts):
            start = lesson.starts.tolist()  # a start that shows the surface, whoever races
        elif start:
            taught = False
        if taught and steps is None:  # its step count belongs to its optimizers and starts
            steps = lesson.steps
        if taught and steps == lesson.steps and schedule is noise is seed is None:
            claims = list(lesson.claims)  # the very lesson: its claims and their callouts
            if title is None:  # and its caption, the why of what it shows
                from ..catalog import surface as catalog_surface

                render["title"] = catalog_surface(surface).lesson_title
    if not optimizer:  # a fair default: three classics, each at its own tuned rate
        optimizer, lr = list(defaults.OPTIMIZERS), lr or "tuned"
    scene = _scene(
        {
            "surface": _surface(surface, expr, domain),
            "optimizers": optimizer,
            "run": _run_section(steps, start, schedule, noise, seed, lr),
            "render": render,
            "metrics": None if metrics is None else str(metrics),
            "lesson": None if claims is None else {"claims": claims},
        }
    )
    with looks:
        _execute(scene, quiet)


@app.command()
def anatomy(
    surface: SurfaceArg = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    at: Annotated[int, typer.Option("--at", metavar="STEP", help="the step to take apart")] = 1,
    walk: Annotated[
        bool, typer.Option("--walk", help="animate steps 1..STEP, one frame per step")
    ] = False,
    quantities: Annotated[
        bool,
        typer.Option(
            "--quantities", help="instead: each optimizer's rates and step lengths over --steps"
        ),
    ] = False,
    steps: Steps = None,
    start: Annotated[str | None, typer.Option("--start", metavar="X,Y", help="X,Y start")] = None,
    schedule: Schedule = None,
    noise: Noise = None,
    seed: Seed = None,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Take one step of each optimizer apart: its terms as arrows, with their numbers.

    Writes one figure per optimizer (<output>_<optimizer>.png when there are several):
    the raw gradient step, the momentum and gradient terms, weight decay, the adaptive
    scaling and bias correction, and the step actually taken, at step --at. --walk
    animates steps 1..--at (.gif). --quantities draws instead the effective learning
    rate per coordinate and the step length of every optimizer over --steps.

    Example:

    \b
      optviz anatomy narrow_ravine -O adam:lr=0.1 --at 8 -o adam_step.png
    """
    from ..analysis.anatomy import step_anatomy
    from ..analysis.racing import race as run_race
    from ..render import anatomy_plots, writers

    if not optimizer:
        raise ParameterError("give at least one optimizer with -O, e.g. -O adam:lr=0.1")
    if walk and quantities:
        raise ParameterError("choose one of --walk and --quantities")
    checked = _scene(
        {
            "surface": _surface(surface, expr, domain),
            "optimizers": optimizer,
            "run": _run_section(steps, [start] if start else None, schedule, noise, seed),
        }
    )
    if checked.surface.is_curve and not quantities:
        raise ParameterError(
            f"SURFACE: '{checked.surface.name}' is a curve f(x); anatomy draws a step's terms "
            "as arrows on a map in x and y (on a curve: race --glyphs, or anatomy --quantities)"
        )
    if at < 1:
        raise ParameterError(f"--at {at} is not a step; allowed: a step number >= 1")
    n_steps = checked.steps if checked.steps is not None else (defaults.STEPS if quantities else at)
    if not quantities and at > n_steps:
        raise ParameterError(f"--at {at} is past the run's end; allowed: 1..{n_steps}")
    from ..analysis.anatomy import cost
    from ..util import budget

    k = len(checked.optimizers)  # the runs, the replay and every figure or frame, up front
    if quantities:
        what = f"{k} optimizer(s) x {n_steps} steps and their rates"
        budget.check(budget.total(what, [budget.runs(1, n_steps, k), budget.figures(1, k)]))
    else:
        budget.check(cost(k, at, n_steps, walk))
    result = run_race(checked.surface, list(checked.optimizers),
                      **checked.run_options(start=checked.starts, schedule=checked.schedule,
                                            noise=checked.noise, steps=n_steps),
                      keep_state=True)  # fmt: skip
    look = {"size": size, "dpi": dpi, "theme": theme}
    suffix = ".gif" if walk else ".png"
    out = output or Path(f"{_slug(surface)}_{'quantities' if quantities else 'anatomy'}{suffix}")
    if quantities:
        written = [writers.save_figure(anatomy_plots.plot_quantities(result, **look), out)]
    else:
        written = []
        for traj in result.trajectories:
            if traj.batched:
                traj = traj.start(0)
            path = out if len(result) == 1 else out.with_stem(f"{out.stem}_{traj.name}")
            if walk:
                written.append(anatomy_plots.save_anatomy_walk(traj, path, at, **look))
            else:
                step = step_anatomy(traj, at)  # only step --at, not every step before it
                written.append(writers.save_figure(anatomy_plots.plot_anatomy(step, **look), path))
    if not quiet:
        for path in written:
            typer.echo(f"wrote {_shown(path)} ({_size(path)})", err=True)
