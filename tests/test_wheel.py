"""The package a newcomer gets: build the wheel, install it into a fresh environment and
run, from an empty folder, the catalog, a shipped example and the README's first command.

Every other command of the README runs in tests/test_examples.py (in-process, on the
checkout); here what is tested is that the installed copy holds what they need."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("optviz", "surfaces", "gallery", "pyproject.toml", "README.md", "LICENSE")
# the README's first command (the main job), quicker: small pictures, a short animation
MAIN_JOB = "race rosenbrock -O adam:lr=0.1 -O momentum:lr=0.001 --steps 500 -o race.gif"
SMALLER = ["--size", "small", "--dpi", "40", "--duration", "1", "--fps", "4"]


def _clean_env() -> dict[str, str]:
    """The environment without the test run's PYTHONPATH: the wheel's copy must answer."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OPTVIZ_DEBUG")}
    return {**env, "MPLBACKEND": "Agg"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources (no stale build/ folder can leak in)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.gif", "*.png", "*.mp4")
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run([*build, "-q", "-w", out, src], check=True, env=_clean_env(), timeout=600)
    (found,) = out.glob("optviz-*.whl")
    return found


def _site_packages() -> list[str]:
    """The folders the running interpreter imports installed packages from."""
    return [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]


def new_venv(folder: Path) -> Path:
    """A virtual environment that sees this one's packages, and nothing of its base's.

    ``--system-site-packages`` would show the *base* interpreter's packages, not those of
    the virtualenv running the tests: a newcomer's base holds none of optviz's
    dependencies. A ``.pth`` file names this interpreter's own folders instead, after the
    new environment's site-packages, so what is installed there answers first.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    (site,) = (folder / "lib").glob("python*/site-packages")
    (site / "_running_env.pth").write_text("\n".join(_site_packages()) + "\n")
    return folder / "bin" / "python"


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment (dependencies from this one) with the wheel installed."""
    python = new_venv(tmp_path_factory.mktemp("venv"))
    # --ignore-installed: optviz may be installed where the .pth points; without it pip
    # would call the wheel "already satisfied".
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps"]
    pip.append("--ignore-installed")
    subprocess.run([*pip, "--no-index", wheel], check=True, env=_clean_env(), timeout=300)
    return python.parent


def test_the_new_environment_imports_the_dependencies_this_one_has(tmp_path):
    # the old environment (--system-site-packages) found typer only where the base
    # interpreter held it, and then the base's copy, not this environment's
    python = new_venv(tmp_path / "venv")
    code = "import numpy, typer, matplotlib; print(numpy.__file__, typer.__file__)"
    out = subprocess.run([python, "-c", code], env=_clean_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import numpy
    import typer

    assert out.stdout.split() == [numpy.__file__, typer.__file__]


def _run(bin_dir: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [bin_dir / "optviz", *args],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_wheel_holds_the_package_catalog_examples_and_license_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "optviz/__init__.py" in names and "optviz/render/plots.py" in names

    def shipped(folder: str, source: str) -> bool:
        inside = {Path(n).name for n in names if n.startswith(f"optviz/{folder}/")}
        return {n for n in inside if n.endswith(".toml")} == {
            p.name for p in (ROOT / source).glob("*.toml")
        }

    assert shipped("surfaces", "surfaces") and shipped("examples", "gallery")
    assert not [n for n in names if n.startswith(("tests/", "bench/", "tools/", "docs/"))]
    assert not [n for n in names if n.endswith((".gif", ".png", ".pyc"))]
    (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert "MIT License" in zipfile.ZipFile(wheel).read(license_file).decode()
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text and "Classifier: Framework :: Matplotlib" in text


def test_the_installed_copy_is_the_one_that_answers(installed, tmp_path):
    code = "import optviz, sys; print(optviz.__file__)"
    where = subprocess.run(
        [installed / "python", "-c", code],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where).is_relative_to(installed.parent) and "site-packages" in where
    as_module = subprocess.run(
        [installed / "python", "-m", "optviz", "--help"], cwd=tmp_path, env=_clean_env()
    )
    assert as_module.returncode == 0


def test_the_catalog_an_example_and_the_main_job_run_from_an_empty_folder(installed, tmp_path):
    listed = _run(installed, ["list", "surfaces"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "rosenbrock" in listed.stdout and "himmelblau" in listed.stdout
    examples = _run(installed, ["gallery", "--list"], tmp_path)
    assert examples.returncode == 0, examples.stderr
    assert "saddle_escape" in examples.stdout
    scene = _run(installed, ["scene", "saddle_escape"], tmp_path)
    assert scene.returncode == 0, scene.stderr
    assert any(tmp_path.glob("*.gif"))  # rendered into the current folder
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"optviz {MAIN_JOB}" in readme  # the command the README gives a newcomer
    job = _run(installed, [*shlex.split(MAIN_JOB), *SMALLER], tmp_path)
    assert job.returncode == 0, job.stderr
    assert (tmp_path / "race.gif").stat().st_size > 1000
