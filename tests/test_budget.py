"""The cost model: estimates that match what runs take, refusals before any work starts."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

import optviz
from optviz import analysis, nets
from optviz.util import budget
from optviz.util.errors import BudgetError


@pytest.fixture(scope="module", autouse=True)
def _warm():
    for name in ("himmelblau", "quadratic"):  # compile once, outside the timed refusals
        optviz.surface(name).f([0.0, 0.0])


@pytest.fixture
def eight_gib(monkeypatch):
    monkeypatch.setenv("OPTVIZ_MEMORY", "8G")


def _refused_fast(call) -> str:
    """The call is refused before its work: it allocated next to nothing of the GBs it
    would need (traced by tracemalloc, which numpy reports to), whatever the machine's
    speed."""
    tracemalloc.start()
    try:
        with pytest.raises(BudgetError) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6, f"{peak / 1e6:.0f} MB allocated before the refusal"
    message = str(info.value)
    assert "\n" not in message
    assert "OPTVIZ_MEMORY" in message or "OPTVIZ_WORK" in message
    return message


def test_a_race_counts_every_optimizer_before_running(eight_gib):
    # 100 starts x 1e6 steps kept 3.2 GB per optimizer: once under an 8 GiB history check,
    # three of them (and the drawing) peaked past 10 GB
    starts = np.zeros((100, 2))
    three = ["gd", "momentum", "adam"]
    message = _refused_fast(lambda: optviz.race("himmelblau", three, starts, steps=1_000_000))
    assert "3 optimizers x 100 start(s) x 1000000 steps" in message and "-O" in message


def test_a_single_run_of_the_same_size_fits(eight_gib, monkeypatch):
    monkeypatch.setenv("OPTVIZ_WORK", "1h")  # its 2 minutes of work are not the point here
    cost = budget.runs(100, 1_000_000, drawn=False)
    assert budget.check(cost) is cost  # 3.2 GB of history, no drawing


def test_the_run_estimate_matches_what_a_race_holds():
    # measured in a fresh process: resident memory held by a race's histories
    code = textwrap.dedent(
        """
        import os, numpy as np, optviz
        from optviz.util import budget
        def resident():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        s = optviz.surface("himmelblau"); s.f([0.0, 0.0])
        optviz.race(s, ["gd"], start=np.zeros((4, 2)), steps=10)  # warm every code path
        before = resident()
        starts = np.random.default_rng(0).uniform(-4, 4, (2000, 2))
        race = optviz.race(s, ["gd:lr=0.001", "adam:lr=0.01"], start=starts, steps=1000)
        held = resident() - before
        estimate = budget.runs(2000, 1000, 2, drawn=False).memory - budget.BASE_BYTES
        print(held / estimate)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    ratio = float(out.stdout.strip() or "nan")
    assert 0.8 < ratio < 1.2, out.stderr


def test_symmetry_run_of_wide_layers_is_refused_before_allocating():
    # 2-4096-4096-1 kept 101 snapshots of a 16.8M-weight net (13 GiB), and a copy to stack
    message = _refused_fast(lambda: nets.symmetry_run("constant", hidden=(4096, 4096)))
    assert "2-4096-4096-1" in message and "hidden" in message


def test_symmetry_run_estimate_counts_the_snapshots():
    cost = budget.network((2, 8, 8, 1), steps=100, batch=64, kept=101)
    weights = 2 * 8 + 8 + 8 * 8 + 8 + 8 * 1 + 1
    assert cost.memory - budget.BASE_BYTES >= 101 * weights * 8


def test_basins_work_is_bounded(monkeypatch):
    monkeypatch.setenv("OPTVIZ_WORK", "30")
    message = _refused_fast(lambda: analysis.basins("himmelblau", ["gd"], n=2000, steps=1000))
    assert "--n" in message and "OPTVIZ_WORK" in message


def test_work_is_seconds_of_one_core(monkeypatch):
    for text, seconds in [("90", 90), ("10m", 600), ("2h", 7200), ("1.5s", 1.5)]:
        monkeypatch.setenv("OPTVIZ_WORK", text)
        assert budget.work_budget() == seconds
    for text in ("lots", "0", "-5", "1e999"):
        monkeypatch.setenv("OPTVIZ_WORK", text)
        with pytest.raises(BudgetError, match="OPTVIZ_WORK"):
            budget.work_budget()
    monkeypatch.delenv("OPTVIZ_WORK")
    assert budget.work_budget() == budget.MAX_SECONDS


def test_a_race_counts_the_cost_of_every_step():
    # one start for a million steps: ~100 us of calls per step, so minutes, not the
    # "a million point-steps" that once passed as small
    message = _refused_fast(lambda: optviz.race("quadratic", ["gd"], steps=1_000_000))
    assert "--steps" in message and "OPTVIZ_WORK" in message


def test_animation_frames_held_by_pillow_are_counted(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTVIZ_MEMORY", "1G")
    race = optviz.race("quadratic", ["gd"], steps=5)
    anim = race.animate(fps=60, duration=100, dpi=200)
    _refused_fast(lambda: anim.save(tmp_path / "a.webp"))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8G", 8 * 2**30), ("500M", 500 * 2**20), ("123456", 123456), ("1.5GiB", 1.5 * 2**30)],
)
def test_budget_sizes(monkeypatch, text, expected):
    monkeypatch.setenv("OPTVIZ_MEMORY", text)
    assert budget.memory_budget() == expected


def test_budget_fraction_and_mistakes(monkeypatch):
    monkeypatch.setenv("OPTVIZ_MEMORY", "0.25")
    assert budget.memory_budget() == pytest.approx(0.25 * budget.machine_memory())
    monkeypatch.setenv("OPTVIZ_MEMORY", "lots")
    with pytest.raises(BudgetError, match="8G, 500M"):
        budget.memory_budget()
    monkeypatch.delenv("OPTVIZ_MEMORY")
    assert budget.memory_budget() <= budget.DEFAULT_FRACTION * budget.machine_memory()
