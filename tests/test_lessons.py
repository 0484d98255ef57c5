"""Defaults that teach: a race with no optimizer, start or step count given shows what the
surface's catalog file says it teaches."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import optviz as ov
from optviz.catalog import surfaces
from optviz.errors import CatalogError
from optviz.optim import optimizer

TINY = ["--size", "small", "--dpi", "40", "--fps", "4", "--duration", "1", "-q"]


def run_cli(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "optviz.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )


def lesson_race(name: str):
    s = ov.surface(name)
    start = s.lesson.starts if len(s.lesson.starts) else None  # the surface's own start
    return ov.race(s, list(s.lesson.optimizers), start=start, steps=s.lesson.steps)


def test_every_lesson_names_real_optimizers_and_starts_in_the_domain():
    taught = 0
    for name in surfaces():
        lesson = ov.surface(name).lesson
        for spec in lesson.optimizers:
            optimizer(spec)  # raises on a bad spec
        dom = ov.surface(name).domain
        assert np.all((lesson.starts >= dom[:, 0]) & (lesson.starts <= dom[:, 1])), name
        taught += bool(lesson.optimizers)
    assert taught >= 4


def test_the_saddle_lesson_is_an_escape():
    race = lesson_race("saddle")
    assert len(race) >= 2
    for traj in race:
        xy = traj.xy if not traj.batched else traj.xy[:, 0]
        # away from the saddle at the origin, down the unstable y direction
        assert np.all(np.abs(xy[-1, ..., 1]) > 1.0), traj.label
        assert np.abs(xy[0, ..., 1]).max() < 0.2  # started near the stable line


@pytest.mark.parametrize("three_d", [False, True])
def test_optviz_race_saddle_with_no_options_escapes(tmp_path, three_d):
    flags = ["--3d"] if three_d else []
    done = run_cli(tmp_path, "race", "saddle", *flags, *TINY, "--metrics", "m.json")
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "m.json").read_text())
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert len(rows) == len(ov.surface("saddle").lesson.optimizers)
    for row in rows:
        assert row["final_loss"] < -1.0, row  # f = x² − y² well below the saddle's 0


def test_plateau_lesson_gd_stalls_and_adaptive_methods_walk_off():
    race = lesson_race("plateau_cliff")
    by_name = {t.name: t for t in race}
    start_x = race[0].xy[0, 0]
    assert abs(by_name["gd"].xy[-1, 0] - start_x) < 0.5
    for name in ("adam", "rmsprop"):
        assert by_name[name].xy[-1, 0] - start_x > 1.0, name


def test_rosenbrock_lesson_stays_in_view():
    race = lesson_race("rosenbrock")
    dom = race.surface.domain
    for traj in race:
        assert np.all((traj.xy >= dom[:, 0]) & (traj.xy <= dom[:, 1])), traj.label


def test_a_bad_lesson_is_a_clear_catalog_error():
    from optviz.catalog import surface_from_spec

    spec = {
        "name": "bowl",
        "title": "Bowl",
        "kind": "bowl",
        "description": "a bowl",
        "expr": "x**2 + y**2",
        "domain": [[-1.0, 1.0], [-1.0, 1.0]],
        "starts": [[0.5, 0.5]],
        "lesson": {"steps": 0},
    }
    with pytest.raises(CatalogError, match=r"lesson\.steps.*>= 1"):
        surface_from_spec(spec, "surfaces/bowl.toml")
    spec["lesson"] = {"camera": 1}
    with pytest.raises(CatalogError, match=r"lesson\.camera.*allowed: optimizers"):
        surface_from_spec(spec, "surfaces/bowl.toml")
