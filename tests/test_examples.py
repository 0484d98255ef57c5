"""Every ``optviz`` command the README shows, and every example in every ``--help``, runs.

Each runs in its own empty folder, at a small picture size where the command takes the
options (the same work otherwise), and must exit 0, write the file it names (or, without
``-o``, some file), and have no run diverge unless its text says one should. Commands run
in-process through the command line's own entry point (one test each, so they spread
over the test workers); ``explore``, which serves until stopped, runs as a process.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer

from optviz.cli import app

ROOT = Path(__file__).resolve().parent.parent

# picture size and counts only: the same lesson, fewer pixels, frames, grid points, seeds
SMALLER = {"--size": "small", "--dpi": "40", "--duration": "1", "--fps": "4"}
FEWER = {"--only": "saddle_escape", "--n": "24", "--seeds": "6", "--resolution": "12"}
TIMING = ("--fps", "--duration")
STILL = (".png", ".svg", ".pdf")
OUTPUTS = ("-o", "--output", "--out", "--metrics")
PRINTS_ONLY = ("list", "--list", "--help", "--check", "explore")


class Example:
    """One command as the reader sees it, with the words around it."""

    def __init__(self, line: str, text: str, where: str):
        self.args = shlex.split(line, comments=True)
        self.text, self.where = text, where

    def __repr__(self) -> str:
        return f"{self.where}: {shlex.join(self.args)}"

    def outputs(self) -> list[str]:
        return [self.args[i + 1] for i, a in enumerate(self.args[:-1]) if a in OUTPUTS]

    @property
    def may_diverge(self) -> bool:
        return "diverg" in self.text.lower()


def _commands(block: str) -> list[str]:
    """The ``optviz ...`` lines of a shell block, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", block)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if "&& optviz " in line:  # "pip install . && optviz race ..."
            line = "optviz " + line.split("&& optviz ", 1)[1]
        if line.startswith("optviz "):
            found.append(line)
    return found


def readme_examples() -> list[Example]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [
        Example(line, line, "README")
        for block in re.findall(r"```bash\n(.*?)```", readme, re.S)
        for line in _commands(block)
    ]


def help_examples() -> list[Example]:
    """The examples in the app's and every command's help (the text ``--help`` prints)."""
    group = typer.main.get_command(app)
    helps = {"optviz": group.help, **{n: c.help for n, c in group.commands.items()}}
    found = []
    for name, text in helps.items():
        example = text.split("Example", 1)[1]
        found += [Example(line, text, f"optviz {name} --help") for line in _commands(example)]
    return found


def _flags(command: str) -> set[str]:
    group = typer.main.get_command(app)
    return {opt for p in group.commands[command].params for opt in p.opts}


def smaller(example: Example) -> list[str]:
    """The example at a small picture size, where its command takes the options, and
    with fewer grid points and seeds than it asks for (the counts only)."""
    args = example.args
    still = any(o.endswith(STILL) for o in example.outputs()) or "--view" in args
    flags = _flags(args[1])
    args = [FEWER[args[i - 1]] if i and args[i - 1] in FEWER else a for i, a in enumerate(args)]
    extra = [
        part
        for flag, value in {**SMALLER, **FEWER}.items()
        if flag in flags and flag not in args and not (still and flag in TIMING)
        for part in (flag, value)
    ]
    return [*args[1:], *extra]


def _prepare(example: Example, folder: Path) -> None:
    """Put in the folder what the text asks the reader to bring: its files and data."""
    for arg in example.args:
        if (ROOT / arg).is_file() and "/" in arg:  # gallery/rosenbrock_race.toml
            (folder / arg).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / arg, folder / arg)
        elif arg.endswith(".csv") and arg not in example.outputs():  # --data points.csv
            rng = np.random.default_rng(0)
            label = np.repeat([0, 1], 30)
            xy = rng.normal(size=(60, 2)) + 2.0 * label[:, None]
            rows = [f"{x:.4f},{y:.4f},{c}" for (x, y), c in zip(xy, label, strict=True)]
            (folder / arg).write_text("\n".join(rows) + "\n")


def _serve_once(command: list[str], folder: Path) -> subprocess.CompletedProcess:
    """Start the explorer, fetch the page at the URL it prints, stop it."""
    import httpx

    proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = proc.stdout.readline().decode().strip()
        status = httpx.get(url, timeout=60).status_code if url.startswith("http") else None
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    code = 0 if status == 200 else 1
    return subprocess.CompletedProcess(command, code, url, err.decode() + f" page: {status}")


def diverged(stdout: str) -> list[str]:
    """Rows of the printed results tables whose ``diverged_at`` is a step."""
    rows, at = [], None
    for line in stdout.splitlines():
        if "diverged_at" in line:
            at = line.index("diverged_at")
        elif at is not None and len(line) > at and line.strip():
            if line[at:].split()[0] != "-":
                rows.append(line.strip())
        else:
            at = None
    return rows


def test_the_table_reader_finds_diverged_rows():
    table = (
        "optimizer       lr  final_loss  converged_at  diverged_at\n"
        "Adam (lr 0.1)  0.1  1e-9        40            -\n"
        "GD (lr 10)      10  inf         -             3\n"
    )
    assert diverged(table) == ["GD (lr 10)      10  inf         -             3"]
    assert diverged(table.replace(" 3\n", " -\n")) == []


EXAMPLES = list({tuple(e.args): e for e in readme_examples() + help_examples()}.values())


def test_the_examples_cover_the_readme_and_every_command():
    assert sum(e.where == "README" for e in EXAMPLES) >= 25
    assert {e.args[1] for e in EXAMPLES} >= set(typer.main.get_command(app).commands)


@pytest.mark.parametrize("example", EXAMPLES, ids=[shlex.join(e.args[1:])[:80] for e in EXAMPLES])
def test_every_readme_and_help_example_runs_and_nothing_diverges_unasked(example, optviz, tmp_path):
    _prepare(example, tmp_path)
    brought = set(tmp_path.rglob("*"))
    if example.args[1] == "explore":
        command = [sys.executable, "-m", "optviz.cli", *smaller(example), "--no-browser"]
        result = _serve_once(command, tmp_path)
        code, out, err = result.returncode, result.stdout, result.stderr
    else:
        code, out, err = optviz(*smaller(example))
    assert code == 0, f"{example}: exit {code}: {err.strip()[-300:]}"
    wrote = set(tmp_path.rglob("*")) - brought
    missing = [o for o in example.outputs() if not (tmp_path / o).exists()]
    printed = any(a in PRINTS_ONLY for a in example.args[1:])
    assert not missing and (printed or wrote), f"{example}: wrote no {missing or 'file'}"
    assert example.may_diverge or not diverged(out), f"{example}: diverged: {diverged(out)}"
