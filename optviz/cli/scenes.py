"""Commands that work from scene files: scene, explore, gallery."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..scenes.inputs import FLAG_OF_KEY
from ..util.errors import OptvizError, ParameterError
from ._app import app
from ._run import _execute, _output_folder, _render, _shown, _size, _table
from .options import Domain, Expr, Noise, Optimizers, Quiet, Schedule, Seed, Steps


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
      optviz scene saddle_escape schedules -o figures
    """
    from ..scenes import load_scene

    folder = _output_folder(output)
    for scene_ in [load_scene(f, output_folder=folder) for f in files]:  # check all first
        _execute(scene_, quiet)


EXPLORE_FLAGS = FLAG_OF_KEY  # the explorer names fields as its API; its command, as flags


@app.command()
def explore(
    surface: Annotated[
        str | None,
        typer.Argument(
            help="catalog surface (rosenbrock:b=10), or a scene to open: a file (.toml) or "
            "a shipped example's name",
            show_default=False,
            metavar="SURFACE|SCENE",
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

    A shipped example scene opens by name, as with 'optviz scene' (see 'optviz gallery
    --list'), or by its path in a checkout's gallery/.

    Example:

    \b
      optviz explore rosenbrock -O adam:lr=0.1 -O momentum:lr=0.001 --steps 300
      optviz explore rosenbrock_race --no-browser
      optviz explore gallery/rosenbrock_race.toml --no-browser
    """
    from ..explore import initial_state, require

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
    from ..explore.server import Explorer

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
        typer.Option(
            "--check",
            help="render nothing: check every claim of every scene (and, without --only, "
            "of every catalog lesson) on its runs and print the verdicts; in a checkout, "
            "check that the outputs exist too",
        ),
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Render the example scenes: list them, render them into a folder, or re-render
    a checkout's gallery/ in place.

    Example:

    \b
      optviz gallery --list
      optviz gallery --out figures --only saddle_escape
      optviz gallery --check
    """
    from ..scenes.build import examples, load_scene
    from ..util.errors import OutputError, unknown

    if list_:
        _list_examples(examples())
        return
    given = folder
    if folder is not None or out is None:  # a checkout's gallery/, rendered in place
        folder = folder or Path("gallery")
        if not folder.is_dir() and check and given is None:
            folder = None  # outside a checkout: the shipped examples' claims, nothing drawn
        elif not folder.is_dir():
            raise OutputError(
                f"gallery folder '{folder}' does not exist; 'optviz gallery --out DIR' "
                "renders the shipped examples into DIR"
            )
    files = {p.stem: p for p in sorted(folder.glob("*.toml"))} if folder else examples()
    for name in only or ():
        if name not in files:
            raise unknown("gallery scene", name, files)
    target = _output_folder(out)
    # a checkout's files by path (outputs beside them), shipped examples by name
    chosen = [files[n] if folder else n for n in (only or files)]
    scenes = [load_scene(f, output_folder=target) for f in chosen]
    if check:
        problems = _check_claims(scenes, chosen, everything=not only, quiet=quiet)
        _check_gallery(scenes, problems, outputs=folder is not None)
        return
    for i, s in enumerate(scenes, 1):
        if not quiet:  # a line per scene before it renders: a long gallery shows its pace
            typer.echo(f"[{i}/{len(scenes)}] {s.source}:", err=True)
        written = _render(s, quiet)
        if not quiet:
            for path in written:
                typer.echo(f"  wrote {_shown(path)} ({_size(path)})", err=True)


def _list_examples(found: dict[str, Any]) -> None:
    from ..scenes.build import parse_toml

    rows = []
    for name, file in found.items():
        data = parse_toml(file.read_text(encoding="utf-8-sig"), file.name)
        about = data.get("title") or data.get("description") or ""
        about = " ".join(str(about).split())
        rows.append((name, about if len(about) <= 72 else about[:71] + "…"))
    _table("example scene", ("name", "what it shows"), rows)


GALLERY_LIMIT = 2_000_000  # bytes: small enough for a README or a slide


def _check_claims(scenes: list[Any], chosen: list, everything: bool, quiet: bool) -> list[str]:
    """Check every claim of the scenes (and of the catalog's lessons when ``everything``);
    print one row per claim; return a problem naming each false claim and each scene
    that states none."""
    from ..analysis.claims import explain
    from ..scenes.shipped import catalog_lessons

    named = {f"gallery/{Path(str(c)).stem}": s for c, s in zip(chosen, scenes, strict=True)}
    if everything:
        named.update(catalog_lessons())
    rows, problems = [], []
    for name, s in named.items():
        if not s.claims:
            problems.append(f"{name}: states no claims ([lesson] claims = [...])")
        for v in s.verdicts():
            rows.append((name, "holds" if v.holds else "FALSE", v.claim, _evidence(v.evidence)))
            if not v.holds:
                problems.append(f"{name}: {explain(v)}")
    if not quiet:
        _table("claim", ("scene", "verdict", "claim", "evidence"), rows)
    return problems


def _evidence(evidence: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in evidence.items())


def _check_gallery(scenes: list[Any], problems: list[str], outputs: bool) -> None:
    """Fail naming every problem; with ``outputs``, also each missing or oversized output."""
    for s in scenes if outputs else ():
        for r in s.renders:
            if not r.output.is_file():
                problems.append(f"{s.source}: '{r.output.name}' is missing")
            elif r.output.stat().st_size > GALLERY_LIMIT:
                problems.append(f"{s.source}: '{r.output.name}' is larger than 2 MB")
    if problems:
        raise OptvizError(f"{len(problems)} gallery problem(s): " + "; ".join(problems))
    present = ", every output present and at most 2 MB" if outputs else ""
    typer.echo(f"{len(scenes)} scenes: every claim holds{present}")
