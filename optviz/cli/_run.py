"""From flags to a checked scene, and from a scene to files with a progress bar."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import typer

from ..util.errors import OptvizError, ParameterError
from ._app import _Interrupted
from .options import _Flags


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
    from ..catalog import surface as catalog_surface

    if not surface or ":" in surface:  # parameters change the lesson's ground
        return None
    try:
        return catalog_surface(surface).lesson
    except OptvizError:
        return None  # reported by the scene, with the rest of the arguments


def _scene(data: dict[str, Any]) -> Any:
    from ..scenes import scene_from_dict

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
    from ..analysis import format_table

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


def _output_folder(folder: Path | None) -> Path | None:
    """``-o DIR``: the folder, created if its parent exists."""
    from ..util.errors import OutputError

    if folder is None:
        return None
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output folder '{folder}' is a file; give a folder")
    try:
        folder.mkdir(exist_ok=True)
    except FileNotFoundError:
        raise OutputError(f"cannot make folder '{folder}': its parent does not exist") from None
    return folder


def _writable(*paths: Path | None) -> None:
    from ..util.files import check_writable

    for path in paths:
        if path is not None:
            check_writable(path)


def _table(what: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    typer.echo(f"{len(rows)} {what}s\n" + "\n".join(lines) + "\n")
