"""Commands about real networks: init (initialization, batch norm, dropout) and landscape."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..util import defaults
from ..util.errors import ParameterError
from ._app import app
from ._run import _execute, _scene, _shown, _size, _writable
from .options import Dpi, Optimizers, Output, Quiet, Schedule, Seed, Size, Theme, Title

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
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
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
    from ..util.errors import unknown

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
        str,
        typer.Option("--origin", help="pca plane through the start, the mean or every run's end"),
    ] = "start",
    points: Annotated[int, typer.Option("--points", help="rows of a built-in dataset")] = 200,
    resolution: Annotated[
        int, typer.Option("--resolution", help="loss grid points per side of the plane")
    ] = 60,
    seed: Annotated[int, typer.Option("--seed", help="data, init, batches, plane")] = 0,
    fps: Annotated[float, typer.Option("--fps", help="frames per second")] = 20.0,
    duration: Annotated[float, typer.Option("--duration", help="seconds of motion")] = 8.0,
    size: Size = defaults.SIZE,
    dpi: Dpi = defaults.DPI,
    theme: Theme = defaults.THEME,
    title: Title = None,
    sharpness: Annotated[
        bool,
        typer.Option("--sharpness", help="a panel of each run's sharpness and stability line"),
    ] = False,
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
    from ..analysis import format_table, write_metrics
    from ..nets.jobs import prepare

    source = str(data) if data is not None else dataset
    out = output or Path(f"{Path(source).stem}_landscape.gif")
    _writable(out, metrics)
    job = prepare(
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
    look = {"fps": fps, "duration": duration, "size": size, "dpi": dpi, "theme": theme}
    from ..util import budget

    budget.check(landscape_cost(job, out, look, sharpness))
    ls = _render_landscape(job, out, look | {"title": title, "sharpness": sharpness}, quiet)
    if metrics is not None:
        write_metrics(ls.table(), metrics)
    typer.echo(format_table(ls.table()))
    if not quiet:
        for path in (out, metrics) if metrics is not None else (out,):
            typer.echo(f"wrote {_shown(Path(path))} ({_size(Path(path))})", err=True)


def landscape_cost(job: Any, out: Path, look: dict[str, Any], sharpness: bool = False) -> Any:
    """The whole command's cost, the animation's frames and decision maps (and the
    sharpness panel's Lanczos runs) included: what ``optviz landscape`` checks before any
    work."""
    from ..nets.jobs import frames_of
    from ..render.decision_panels import BOUNDARY_RESOLUTION
    from ..render.style import figsize
    from ..render.writers import FIGURE_SUFFIXES, check_fps
    from ..util import budget, check

    fps = check_fps(look["fps"], 120)
    duration = check.number_in(look["duration"], "--duration", 0, 3600, open_low=True)
    dpi = check.number_in(look["dpi"], "--dpi", 10, 600)
    size = look["size"]
    still = out.suffix.lower() in FIGURE_SUFFIXES
    frames = frames_of(fps, duration, still)
    d = job.data
    rows = BOUNDARY_RESOLUTION**2 if d.classes and d.x.shape[1] == 2 else len(d)
    network = job.cost(frames, rows)
    width, height = (round(inches * dpi) for inches in figsize(size))
    drawn = budget.frames(width, height, frames, 2, len(job.runs))
    parts = [network, drawn]
    if sharpness:
        from ..analysis.sharpness import ITERATIONS
        from ..render.landscapeplots import SHARPNESS_POINTS

        # at each measured step, Lanczos takes ITERATIONS Hessian-vector products, each
        # two gradients on every row
        lanczos = 2 * ITERATIONS * min(SHARPNESS_POINTS, job.steps + 1) * len(job.runs)
        parts.append(budget.network(job.runs[0].network.sizes, lanczos, len(d), kept=0))
    return budget.total(network.what, parts, network.knob)


def _render_landscape(job: Any, out: Path, look: dict[str, Any], quiet: bool) -> Any:
    """Train, slice and draw, with a progress bar; Ctrl-C stops it in one line."""
    from ..nets.landscapes import run_job
    from ..render.landscapeplots import save_landscape
    from ._app import _Interrupted
    from ._run import _progress

    try:
        with _progress(quiet) as progress:
            ls = run_job(job, progress)
            frames = (
                None if progress is None else lambda done, total: progress("frames", done, total)
            )
            save_landscape(ls, out, progress=frames, **look)
    except KeyboardInterrupt as exc:
        raise _Interrupted(getattr(exc, "signum", 2)) from None
    return ls


def _stage(progress: Any, what: str) -> Any:
    """The bar's ``progress(what, done, total)`` as one stage's ``progress(done, total)``."""
    if progress is None:
        return None
    return lambda done, total: progress(what, done, total)


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise ParameterError(f"--hidden must be widths like 16,16, not {text!r}") from None
    return widths
