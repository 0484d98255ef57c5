"""The ``optviz`` command line, thin over the Python API.

Every command that draws something builds a :class:`optviz.scene.Scene` from its flags
(the same object a scene file gives) and renders it, so a command line and a scene file
can say the same things and are checked by the same code.

Errors are one line on stderr and exit code 2, never a traceback; Ctrl-C is one line
and exit code 130. Nothing heavy is imported at module level: ``optviz --help`` stays
fast.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ._signals import STOP_SIGNALS
from .errors import OptvizError, ParameterError

app = typer.Typer(
    name="optviz",
    help=(
        "Run optimizers side by side on 2-D test surfaces and render what they do.\n\n"
        "Every command's --help shows an example. Errors exit with code 2.\n\n"
        "Example:\n\n\b\n  optviz race rosenbrock -O adam:lr=0.1 -O momentum:lr=0.001 -o race.gif"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"optviz {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    """Run optimizers side by side on 2-D test surfaces and render what they do."""


# -- shared options ------------------------------------------------------------------------
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
    typer.Option("--expr", metavar="EXPR", help='your own surface in x and y, e.g. "x**2 - y**2"'),
]
Domain = Annotated[
    str | None,
    typer.Option(
        "--domain",
        metavar="X0,X1,Y0,Y1",
        help="xmin,xmax,ymin,ymax (default for --expr: -2,2,-2,2)",
    ),
]
DEFAULT_OPTIMIZERS = ("gd", "momentum", "adam")
"""What race, tune and sweep compare when no -O is given."""

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
        "--steps", help="steps per optimizer [default: 200; basins: 500]", show_default=False
    ),
]
Start = Annotated[
    list[str] | None,
    typer.Option(
        "--start", metavar="X,Y", help="X,Y start; repeat for several (default: the surface's)"
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
    from ._check import text

    return None if value is None else text(value, "--title")


Title = Annotated[
    str | None,
    typer.Option("--title", metavar="TEXT", help="figure title", callback=_title),
]
Quiet = Annotated[bool, typer.Option("-q", "--quiet", help="no progress bar or messages")]
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


# -- building and running scenes --------------------------------------------------------------
def _surface(surface: str | None, expr: str | None, domain: str | None) -> Any:
    if surface is not None and expr is not None:
        raise ParameterError("give a SURFACE or --expr, not both")
    if surface is None and expr is None:
        raise ParameterError(
            "missing SURFACE: give a catalog name (see 'optviz list surfaces') or --expr"
        )
    spec: dict[str, Any] = {"expr": expr} if expr is not None else {"name": surface}
    if domain is not None:
        spec["domain"] = domain
    return spec


def _slug(surface: str | None) -> str:
    if surface is None:
        return "custom"
    return re.sub(r"[^A-Za-z0-9_-]+", "_", surface.partition(":")[0]).strip("_") or "custom"


def _lesson(surface: str | None) -> Any:
    """The lesson defaults of a catalog surface (``None`` for anything else)."""
    from .catalog import surface as catalog_surface

    if not surface or ":" in surface:  # parameters change the lesson's ground
        return None
    try:
        return catalog_surface(surface).lesson
    except OptvizError:
        return None  # reported by the scene, with the rest of the arguments


def _scene(data: dict[str, Any]) -> Any:
    from .scene import scene_from_dict

    clean = {k: v for k, v in data.items() if v is not None}
    for key in ("run", "render"):
        if key in clean:
            clean[key] = {k: v for k, v in clean[key].items() if v is not None}
    lr = clean.get("run", {}).get("lr")
    if isinstance(lr, str) and lr != "tuned":  # --lr 0.05: a number, as typed
        clean["run"]["lr"] = _number_or_text(lr)
    # the user typed the paths: they may point anywhere
    return scene_from_dict(clean, source="optviz", base=Path(), flags=_Flags(), confine=False)


def _number_or_text(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _run_section(steps, start, schedule, noise, seed, lr=None) -> dict[str, Any]:
    return {
        "steps": steps,
        "starts": start or None,
        "schedule": schedule,
        "noise": noise,
        "seed": seed,
        "lr": lr,
    }


class Stopped(BaseException):
    """A stop signal turned into an exception, so temporary files are removed on the way out.

    Not a KeyboardInterrupt: typer turns those into a silent exit code.
    """

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame: Any) -> None:
    raise Stopped(signum)


class _Interrupted(Exception):
    """Ctrl-C during a render (typer would turn a KeyboardInterrupt into a silent exit)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum


def _render(scene: Any, quiet: bool) -> list[Path]:
    try:
        with _progress(quiet) as progress:
            return scene.render(progress)
    except KeyboardInterrupt as exc:
        raise _Interrupted(getattr(exc, "signum", signal.SIGINT)) from None


def _execute(scene: Any, quiet: bool) -> None:
    """Render a scene with a progress bar, then print its results."""
    written = _render(scene, quiet)
    _report(scene, written, quiet)


def _report(scene: Any, written: list[Path], quiet: bool) -> None:
    from .analysis import format_table

    if scene.has_race:
        typer.echo(format_table(scene.table()))
    for rows in getattr(scene, "reports", {}).values():
        typer.echo(format_table(rows))
    if not quiet:
        for path in written:
            typer.echo(f"wrote {_shown(path)} ({_size(path)})", err=True)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _size(path: Path) -> str:
    size = path.stat().st_size if path.is_file() else 0
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"


class _progress:
    """A progress bar on stderr (``progress(what, done, total)``), or nothing if quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        if self.quiet:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(stderr=True)
        if not console.is_terminal:  # no bar in logs and pipes
            return None
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.bar.__enter__()
        return self.update

    def update(self, what: str, done: int, total: int | None) -> None:
        if what not in self.tasks:
            self.tasks[what] = self.bar.add_task(what, total=None)
        self.bar.update(self.tasks[what], completed=done, total=total or None)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


# -- commands ----------------------------------------------------------------------------------
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
    from .errors import unknown

    if what not in _LISTS:
        raise unknown("list", what, _LISTS)
    if what in ("surfaces", "all"):
        from .catalog import describe as describe_surfaces

        rows = [(r["name"], r["kind"], r["summary"]) for r in describe_surfaces()]
        _table("surface", ("name", "kind", "what it shows"), rows)
    if what in ("optimizers", "all"):
        from .optim import describe

        rows = [(r["name"], r["summary"], r["reference"]) for r in describe()]
        _table("optimizer", ("name", "what it does", "reference"), rows)
    if what in ("schedules", "all"):
        from .scheduling import describe as describe_schedules

        rows = [(r["name"], r["summary"]) for r in describe_schedules()]
        _table("schedule", ("name", "what it does"), rows)


def _table(what: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    typer.echo(f"{len(rows)} {what}s\n" + "\n".join(lines) + "\n")


@app.command()
def show(
    surface: SurfaceArg = None,
    expr: Expr = None,
    domain: Domain = None,
    output: Output = None,
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
    title: Title = None,
    field: Annotated[
        str | None,
        typer.Option("--field", metavar="quiver|stream", help="draw the gradient field too"),
    ] = None,
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
    glyphs: Annotated[
        bool, typer.Option("--glyphs", help="draw each ball's gradient, velocity and rate box")
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
    hold: Annotated[float, typer.Option("--hold", help="seconds on the last frame")] = 1.5,
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
    title: Title = None,
    metrics: Annotated[
        Path | None, typer.Option("--metrics", help="also write the results as .csv or .json")
    ] = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Race optimizers on a surface and render it; then print the results table.

    The output's extension picks the format: .gif .mp4 .webp .apng .html animate,
    .png .svg .pdf draw the whole paths. Writes <surface>_race.gif in the current
    folder unless -o is given. Without -O, --start or --steps it uses the surface's
    lesson (its catalog file's [lesson]: the optimizers, starts and steps that show what
    it teaches); a surface without one races gd, momentum and adam, each at the
    learning rate tuned for it. The table gives each optimizer's final loss,
    the step it converged at and whether it diverged.

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
        "loss": loss,
        "glyphs": glyphs,
        "fps": fps,
        "duration": duration,
        "hold": hold,
        "size": size,
        "dpi": dpi,
        "theme": theme,
        "title": title,
    }
    if rotate is not None:
        render["rotate"] = rotate
    if trail is not None:
        render["trail"] = trail
    lesson = _lesson(surface) if expr is None else None
    if lesson is not None:  # what the catalog says this surface teaches
        if not optimizer and lesson.optimizers and lr is None:
            optimizer = list(lesson.optimizers)
        if not start and len(lesson.starts):
            start = lesson.starts.tolist()
        steps = steps or lesson.steps
    if not optimizer:  # a fair default: three classics, each at its own tuned rate
        optimizer, lr = list(DEFAULT_OPTIMIZERS), lr or "tuned"
    scene = _scene(
        {
            "surface": _surface(surface, expr, domain),
            "optimizers": optimizer,
            "run": _run_section(steps, start, schedule, noise, seed, lr),
            "render": render,
            "metrics": None if metrics is None else str(metrics),
        }
    )
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
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
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
    from .anatomy import walk as walk_steps
    from .racing import race as run_race
    from .render import anatomy_plots, writers

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
    if at < 1:
        raise ParameterError(f"--at {at} is not a step; allowed: a step number >= 1")
    n_steps = checked.steps if checked.steps is not None else (200 if quantities else at)
    if not quantities and at > n_steps:
        raise ParameterError(f"--at {at} is past the run's end; allowed: 1..{n_steps}")
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
                step = walk_steps(traj, at)[-1]
                written.append(writers.save_figure(anatomy_plots.plot_anatomy(step, **look), path))
    if not quiet:
        for path in written:
            typer.echo(f"wrote {_shown(path)} ({_size(path)})", err=True)


@app.command()
def scene(
    files: Annotated[
        list[str],
        typer.Argument(
            help="scene files (TOML), or names of shipped examples (see 'optviz gallery --list')",
            show_default=False,
            metavar="FILE.toml|NAME...",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="DIR",
            help="write every output into DIR (by its file name) instead of beside the scene",
        ),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Render everything a scene file declares (outputs go beside the file).

    A shipped example named without a path renders into the current folder. A scene
    writes only inside its own folder; -o DIR puts its outputs elsewhere. The format
    is in docs/scenes.md; every flag of 'optviz race' has a field.

    Example:

    \b
      optviz scene saddle_escape
      optviz scene my_scene.toml -o figures
    """
    from .scene import load_scene

    folder = _output_folder(output)
    for scene_ in [load_scene(f, output_folder=folder) for f in files]:  # check all first
        _execute(scene_, quiet)


EXPLORE_FLAGS = {
    "surface": "SURFACE",
    "expr": "--expr",
    "domain": "--domain",
    "optimizers": "-O/--optimizer",
    "start": "--start",
    "steps": "--steps",
    "schedule": "--schedule",
    "noise": "--noise",
    "seed": "--seed",
}


def _output_folder(folder: Path | None) -> Path | None:
    """``-o DIR``: the folder, created if its parent exists."""
    from .errors import OutputError

    if folder is None:
        return None
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output folder '{folder}' is a file; give a folder")
    try:
        folder.mkdir(exist_ok=True)
    except FileNotFoundError:
        raise OutputError(f"cannot make folder '{folder}': its parent does not exist") from None
    return folder


@app.command()
def explore(
    surface: Annotated[
        str | None,
        typer.Argument(
            help="catalog surface (rosenbrock:b=10), or a scene file (.toml) to open",
            show_default=False,
            metavar="SURFACE|SCENE.toml",
        ),
    ] = None,
    optimizer: Optimizers = None,
    expr: Expr = None,
    domain: Domain = None,
    steps: Steps = None,
    start: Annotated[
        str | None,
        typer.Option("--start", metavar="X,Y", help="X,Y start (default: the surface's)"),
    ] = None,
    schedule: Schedule = None,
    noise: Noise = None,
    seed: Seed = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="port on 127.0.0.1 [default: a free one]", show_default=False),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="print the URL but do not open a browser")
    ] = False,
) -> None:
    """Explore in the browser: click a start, drag learning rates, watch the race live.

    Serves a page on 127.0.0.1 until Ctrl-C; the first line printed is its URL, with
    a private token. Needs the explorer's extra: pip install "optviz[explore]".

    Example:

    \b
      optviz explore rosenbrock -O adam:lr=0.1 -O momentum:lr=0.001 --steps 300
      optviz explore gallery/rosenbrock_race.toml --no-browser
    """
    from .explore import initial_state, require

    require("starlette", "uvicorn")
    if surface is not None and expr is not None:
        raise ParameterError("give a SURFACE or --expr, not both")
    try:
        state = initial_state(
            surface,
            optimizer,
            expr=expr,
            domain=domain,
            start=start,
            steps=steps,
            schedule=schedule,
            noise=noise,
            seed=seed,
        )
    except OptvizError as exc:  # the explorer names fields as its API; here, as flags
        key, sep, why = str(exc).partition(": ")
        flag = EXPLORE_FLAGS.get(key)
        raise type(exc)(f"{flag}: {why}" if sep and flag else str(exc)) from None
    from .explore.server import Explorer

    served = Explorer(state, port=port)
    typer.echo(served.url)
    typer.echo("optviz explore: serving on 127.0.0.1 only; Ctrl-C stops it", err=True)
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, [served.url]).start()
    served.run()


@app.command()
def gallery(
    list_: Annotated[
        bool, typer.Option("--list", help="list the shipped example scenes and stop")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="render the shipped examples into DIR"),
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--folder", help="folder of scene files to re-render in place [default: gallery]"
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="render only this scene; repeatable")
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="render nothing; check scenes load and outputs exist"),
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Render the example scenes: list them, render them into a folder, or re-render
    a checkout's gallery/ in place.

    Example:

    \b
      optviz gallery --list
      optviz gallery --out figures --only saddle_escape
    """
    from .errors import OutputError, unknown
    from .scene import examples, load_scene

    if list_:
        _list_examples(examples())
        return
    if folder is not None or out is None:  # a checkout's gallery/, rendered in place
        folder = folder or Path("gallery")
        if not folder.is_dir():
            raise OutputError(
                f"gallery folder '{folder}' does not exist; 'optviz gallery --out DIR' "
                "renders the shipped examples into DIR"
            )
        files = {p.stem: p for p in sorted(folder.glob("*.toml"))}
    else:
        files = examples()
    for name in only or ():
        if name not in files:
            raise unknown("gallery scene", name, files)
    target = _output_folder(out)
    # a checkout's files by path (outputs beside them), shipped examples by name
    chosen = [files[n] if folder else n for n in (only or files)]
    scenes = [load_scene(f, output_folder=target) for f in chosen]
    if check:
        _check_gallery(scenes)
        return
    for s in scenes:
        if not quiet:
            typer.echo(f"{s.source}:", err=True)
        written = _render(s, quiet)
        if not quiet:
            for path in written:
                typer.echo(f"  wrote {_shown(path)} ({_size(path)})", err=True)


def _list_examples(found: dict[str, Any]) -> None:
    from .scene import parse_toml

    rows = []
    for name, file in found.items():
        data = parse_toml(file.read_text(encoding="utf-8-sig"), file.name)
        about = data.get("title") or data.get("description") or ""
        about = " ".join(str(about).split())
        rows.append((name, about if len(about) <= 72 else about[:71] + "…"))
    _table("example scene", ("name", "what it shows"), rows)


GALLERY_LIMIT = 2_000_000  # bytes: small enough for a README or a slide


def _check_gallery(scenes: list[Any]) -> None:
    problems = []
    for s in scenes:
        for r in s.renders:
            if not r.output.is_file():
                problems.append(f"{s.source}: '{r.output.name}' is missing")
            elif r.output.stat().st_size > GALLERY_LIMIT:
                problems.append(f"{s.source}: '{r.output.name}' is larger than 2 MB")
    if problems:
        raise OptvizError(f"{len(problems)} gallery problem(s): " + "; ".join(problems))
    typer.echo(f"{len(scenes)} scenes, all outputs present and at most 2 MB")


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


_VIEWS = {
    "grid": "init",
    "summary": "init",
    "batchnorm": "batchnorm",
    "symmetry": "symmetry",
    "dropout": "dropout",
}


@app.command()
def init(
    scheme: Annotated[
        list[str] | None,
        typer.Option("--scheme", help="init scheme; repeat to compare (e.g. small, he_normal)"),
    ] = None,
    activation: Annotated[
        str | None, typer.Option("--activation", help="tanh, sigmoid, relu or leaky_relu")
    ] = None,
    depth: Annotated[int | None, typer.Option("--depth", help="number of layers")] = None,
    width: Annotated[int | None, typer.Option("--width", help="units per layer")] = None,
    gain: Annotated[float | None, typer.Option("--gain", help="gain of Xavier/LeCun")] = None,
    gradients: Annotated[
        bool, typer.Option("--gradients", help="back-propagated gradients, not activations")
    ] = False,
    view: Annotated[
        str,
        typer.Option("--view", help="grid (histograms), summary, batchnorm, symmetry or dropout"),
    ] = "grid",
    steps: Annotated[int | None, typer.Option("--steps", help="training steps (symmetry)")] = None,
    seed: Seed = None,
    fps: Annotated[float | None, typer.Option("--fps", help="layers per second")] = None,
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
    title: Title = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Weight initialization in a deep net: activations and gradients layer by layer.

    A .png/.svg/.pdf output draws a grid of histograms (schemes x layers); .gif/.mp4
    animates going one layer deeper per frame. --view batchnorm trains a net with and
    without batch normalization; --view symmetry shows zero/constant init keeping
    neurons identical; --view dropout trains an over-sized net with and without dropout
    over five seeds. Writes init.png unless -o is given.

    Example:

    \b
      optviz init --scheme small --scheme xavier_normal --activation tanh -o init.gif
    """
    from .errors import unknown

    if view not in _VIEWS:
        raise unknown("view", view, _VIEWS)
    out = output or Path(f"init_{view}.png" if view != "grid" else "init.png")
    render: dict[str, Any] = {
        "kind": _VIEWS[view],
        "output": str(out),
        "activation": activation,
        "depth": depth,
        "width": width,
        "gain": gain,
        "fps": fps,
        "size": size,
        "dpi": dpi,
        "theme": theme,
        "title": title,
        "schemes": scheme or None,
    }
    if gradients:
        render["quantity"] = "gradients"
    if view == "summary":
        render["view"] = "summary"
    if view == "batchnorm" and scheme:
        render["schemes"], render["scheme"] = None, scheme[0]
    _execute(_scene({"run": {"seed": seed, "steps": steps}, "render": render}), quiet)


@app.command()
def landscape(
    dataset: Annotated[
        str,
        typer.Argument(
            help="moons, circles, spiral, xor or blobs (or use --data FILE.csv)",
            show_default=False,
            metavar="DATASET",
        ),
    ] = "moons",
    optimizer: Optimizers = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="FILE.csv", help="your data: features, then a label"),
    ] = None,
    hidden: Annotated[
        str, typer.Option("--hidden", metavar="W,W,...", help="hidden layer widths")
    ] = "16,16",
    activation: Annotated[
        str, typer.Option("--activation", help="tanh, sigmoid, relu or leaky_relu")
    ] = "tanh",
    init: Annotated[
        list[str] | None,
        typer.Option("--init", help="init scheme; repeat to give each run its own"),
    ] = None,
    batchnorm: Annotated[
        bool, typer.Option("--batchnorm", help="batch normalization after hidden layers")
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", help="mini-batch rows (default: full batch; sgd: its own)"),
    ] = None,
    steps: Annotated[int, typer.Option("--steps", help="training steps per run")] = 300,
    schedule: Schedule = None,
    plane: Annotated[str, typer.Option("--plane", help="pca, random or final")] = "pca",
    origin: Annotated[
        str, typer.Option("--origin", help="pca plane through the start or the mean")
    ] = "start",
    points: Annotated[int, typer.Option("--points", help="rows of a built-in dataset")] = 200,
    resolution: Annotated[
        int, typer.Option("--resolution", help="loss grid points per side of the plane")
    ] = 60,
    seed: Annotated[int, typer.Option("--seed", help="data, init, batches, plane")] = 0,
    fps: Annotated[float, typer.Option("--fps", help="frames per second")] = 20.0,
    duration: Annotated[float, typer.Option("--duration", help="seconds of motion")] = 8.0,
    size: Size = "16:9",
    dpi: Dpi = 100,
    theme: Theme = "light",
    title: Title = None,
    metrics: Annotated[
        Path | None, typer.Option("--metrics", help="final loss and accuracy as .csv or .json")
    ] = None,
    output: Output = None,
    quiet: Quiet = False,
) -> None:
    """Train a real network with each optimizer and race them on a plane of its weights.

    The picture: the loss on a plane through weight space (PCA of the paths, random
    filter-normalized directions, or through the end points), each path projected onto
    it, the true training loss beside the plane's loss under the ball, and each run's
    decision regions. .gif .mp4 .webp .apng .html animate; .png .svg .pdf draw the end.
    Writes <dataset>_landscape.gif unless -o is given. Without -O: sgd, momentum, adam.

    Example:

    \b
      optviz landscape spiral -O sgd:lr=0.1 -O momentum:lr=0.1 -O adam:lr=0.01 \\
          --hidden 16,16 --activation tanh --init xavier_normal --steps 300 -o out.gif
    """
    from . import nets
    from .analysis import format_table, write_metrics
    from .render.landscapeplots import save_landscape

    source = str(data) if data is not None else dataset
    out = output or Path(f"{Path(source).stem}_landscape.gif")
    _writable(out, metrics)
    ls = nets.landscape(
        source,
        optimizer or ["sgd:lr=0.1", "momentum:lr=0.1", "adam:lr=0.01"],
        steps=steps,
        seed=seed,
        hidden=_widths(hidden),
        activation=activation,
        init=(init[0] if len(init) == 1 else init) if init else "xavier_normal",
        batchnorm=batchnorm,
        batch_size=batch_size,
        schedule=schedule,
        plane=plane,
        origin=origin,
        n=points,
        resolution=resolution,
    )
    written = [save_landscape(ls, out, fps=fps, duration=duration, size=size, dpi=dpi,
                              theme=theme, title=title)]  # fmt: skip
    if metrics is not None:
        write_metrics(ls.table(), metrics)
        written.append(metrics)
    typer.echo(format_table(ls.table()))
    if not quiet:
        for path in written:
            typer.echo(f"wrote {_shown(Path(path))} ({_size(Path(path))})", err=True)


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise ParameterError(f"--hidden must be widths like 16,16, not {text!r}") from None
    return widths


def _writable(*paths: Path | None) -> None:
    from ._io import check_writable

    for path in paths:
        if path is not None:
            check_writable(path)


# -- entry point -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    """Run the command line; errors become one line on stderr and exit code 2.

    SIGINT, SIGTERM and SIGHUP raise :class:`Stopped` wherever the work is, so the
    temporary file of an unfinished output is removed; the exit code is 128 + signal.
    """
    previous = {s: signal.signal(s, _raise_stopped) for s in STOP_SIGNALS}
    try:
        code = _main(argv)
    except (KeyboardInterrupt, Stopped) as exc:  # outside _main's handlers, or while printing
        code = _stopped(exc)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    sys.exit(code)


def _stopped(exc: BaseException) -> int:
    """Print the one line for a stop signal; return 128 + its number."""
    signum = signal.SIGINT
    for _ in range(10):  # click wraps the KeyboardInterrupt in an Abort
        if exc is None or hasattr(exc, "signum"):
            signum = getattr(exc, "signum", signum)
            break
        exc = exc.__cause__ or exc.__context__
    _fail("interrupted; no output was written or changed")
    return 128 + int(signum)


def _main(argv: list[str] | None) -> int:
    import warnings

    if not os.environ.get("OPTVIZ_DEBUG"):  # library warnings are not for the terminal
        warnings.simplefilter("ignore")
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="optviz", standalone_mode=False)
        if result == 130:  # typer's answer to a KeyboardInterrupt: say so in one line
            return _stopped(None)
        return result if isinstance(result, int) else 0
    except OptvizError as exc:
        return _fail(str(exc))
    except (KeyboardInterrupt, Stopped, _Interrupted, typer.Abort) as exc:
        return _stopped(exc)
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except MemoryError:
        return _fail("out of memory; try fewer steps, starts or frames")
    except Exception as exc:
        # click's exceptions (typer may vendor its own click): match them by class name
        names = {cls.__name__ for cls in type(exc).__mro__}
        ctx = getattr(exc, "ctx", None)
        if "NoArgsIsHelpError" in names:
            typer.echo(ctx.get_help() if ctx else str(exc))
            return 0
        if "UsageError" in names:
            where = ctx.command_path if ctx else "optviz"
            return _fail(f"{exc.format_message()} (see '{where} --help')")
        if "ClickException" in names:
            return _fail(exc.format_message())
        if os.environ.get("OPTVIZ_DEBUG"):
            raise
        return _fail(
            f"internal error ({type(exc).__name__}: {exc}); "
            "please report it (set OPTVIZ_DEBUG=1 for the traceback)",
            code=1,
        )


def _fail(message: str, code: int = 2) -> int:
    line = " ".join(str(message).split())
    typer.echo(f"optviz: error: {line}", err=True)
    return code


if __name__ == "__main__":
    main()
