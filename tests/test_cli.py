"""The command line: every command, every error path, and outputs that survive failures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import optviz as ov
from optviz import cli
from optviz.analysis import read_metrics
from optviz.util import defaults

TINY = ["--size", "small", "--dpi", "30"]
FAST_ANIMATION = [*TINY, "--fps", "5", "--duration", "1", "--hold", "0"]
COMMANDS = ["list", "show", "race", "scene", "gallery", "tune", "sweep", "basins"]
COMMANDS += ["curvature", "bands", "init"]


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("optviz: error: "), err
    assert "Traceback" not in err
    return lines[0]


# -- list, help --------------------------------------------------------------------------------
def test_list_shows_every_name_with_its_kind(optviz):
    code, out, _ = optviz("list")
    assert code == 0
    names = re.findall(r"^(\S+)\s", out, flags=re.M)
    for name in [*ov.surfaces(), *ov.optimizers(), *ov.schedules()]:
        assert name in names, name
    rosen = next(line for line in out.splitlines() if line.startswith("rosenbrock "))
    assert ov.surface("rosenbrock").kind in rosen.split()


@pytest.mark.parametrize("what", ["surfaces", "optimizers", "schedules"])
def test_list_one_kind(optviz, what):
    code, out, _ = optviz("list", what)
    assert code == 0
    first = out.splitlines()[0]
    expected = {"surfaces": ov.surfaces, "optimizers": ov.optimizers, "schedules": ov.schedules}
    assert first == f"{len(expected[what]())} {what}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_shows_an_example(optviz, command):
    code, out, _ = optviz(command, "--help")
    assert code == 0
    assert "Example:" in out
    assert re.search(rf"^\s+optviz {command}\b", out, flags=re.M), out


def test_help_without_a_command(optviz):
    code, out, _ = optviz()
    assert code == 0 and "Commands:" in out and "race" in out


def test_version(optviz):
    code, out, _ = optviz("--version")
    assert code == 0 and out.strip() == f"optviz {ov.__version__}"


def test_importing_the_cli_loads_nothing_heavy():
    code = "import sys, optviz.cli; print([m for m in ('matplotlib', 'sympy', 'scipy') " \
           "if m in sys.modules])"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- race --
HELD = round(defaults.HOLD_FIRST * 5)  # frames repeating the first at FAST_ANIMATION's 5 fps


def test_race_writes_a_gif_and_prints_the_results(optviz, tmp_path):
    code, out, err = optviz(
        "race", "quadratic", "-O", "gd:lr=0.1", "-O", "gd:lr=1.5", "--start", "1,0",
        "--steps", "30", *FAST_ANIMATION, "-o", "q.gif",
    )  # fmt: skip
    assert code == 0, err
    gif = Image.open(tmp_path / "q.gif")
    assert gif.size == (192, 144) and gif.n_frames == 5 + HELD  # the first frame held
    header, slow, fast = out.strip().splitlines()
    assert header.split()[:3] == ["optimizer", "lr", "final_loss"]
    # GD on x² + y² multiplies x by (1 - 2 lr) per step: 0.8^30 converges, -2^t diverges
    assert slow.startswith("gd(lr=0.1)") and float(slow.split()[2]) == pytest.approx(
        0.8**60, rel=1e-3
    )
    assert fast.startswith("gd(lr=1.5)") and fast.split()[-1] != "-"  # diverged_at is set
    assert "wrote q.gif" in err


def test_the_newest_optimizers_race_together_each_with_its_own_picture(optviz, tmp_path):
    # evaluations (L-BFGS's trials, SAM's ghost), a shown point (Schedule-Free's y) and
    # per-tensor rules (Adafactor) in one race, from the command line
    names = ["lbfgs", "rprop", "adafactor", "schedulefree_adamw", "sam"]
    code, out, err = optviz("race", "rosenbrock", *[a for n in names for a in ("-O", n)],
                            "--steps", "40", *FAST_ANIMATION, "-o", "new.gif")  # fmt: skip
    assert code == 0, err
    assert Image.open(tmp_path / "new.gif").n_frames > 1
    rows = out.strip().splitlines()[1:]
    assert [r.split("(")[0] for r in rows] == names
    # L-BFGS reaches the minimum within the 40 steps; at their default rates the rest do not
    assert float(rows[0].split()[2]) < 1e-6 < 1e-2 < min(float(r.split()[2]) for r in rows[1:])


def test_race_default_output_name_and_static_formats(optviz, tmp_path):
    code, _, err = optviz("race", "quadratic", "-O", "gd", "--steps", "5", *FAST_ANIMATION)
    assert code == 0, err
    assert (tmp_path / "quadratic_race.gif").is_file()
    for suffix in (".png", ".svg", ".pdf"):
        code, _, err = optviz(
            "race", "saddle", "-O", "gd", "--steps", "5", *TINY, "-o", "s" + suffix
        )
        assert code == 0, err
        assert (tmp_path / f"s{suffix}").stat().st_size > 0


def test_race_flags_reach_the_run(optviz, tmp_path):
    code, _, err = optviz(
        "race", "rosenbrock:b=10", "-O", "momentum:lr=0.002,momentum=0.8", "-O", "adam:lr=0.05",
        "--steps", "40", "--start", "-1.5,2", "--start", "0.5,-0.5",
        "--schedule", "step:step_size=10,gamma=0.5", "--noise", "grad=0.1", "--seed", "7",
        "--metrics", "m.json", "-o", "r.png", *TINY,
    )  # fmt: skip
    assert code == 0, err
    same = ov.race(
        ov.surface("rosenbrock", b=10),
        ["momentum:lr=0.002,momentum=0.8", "adam:lr=0.05"],
        start=[[-1.5, 2.0], [0.5, -0.5]],
        steps=40,
        schedule="step:step_size=10,gamma=0.5",
        noise="grad=0.1",
        seed=7,
    )
    rows = read_metrics(tmp_path / "m.json")
    expected = [float(np.median(t.loss[-1])) for t in same]
    assert [r["median_final_loss"] for r in rows] == pytest.approx(expected, rel=1e-12)


def test_race_with_an_expression_and_tuned_rates(optviz, tmp_path):
    code, out, err = optviz(
        "race", "--expr", "x**2 + 10*y**2", "--domain", "-2,2,-1,1", "-O", "gd", "--lr", "tuned",
        "--steps", "20", "--start", "1.5,0.5", "-o", "e.png", *TINY,
    )  # fmt: skip
    assert code == 0, err
    assert "tuned" in out and (tmp_path / "e.png").is_file()


def test_3d_and_panels_animations(optviz, tmp_path):
    for flag, name in (("--3d", "a.gif"), ("--panels", "b.gif")):
        code, _, err = optviz("race", "saddle", "-O", "gd", "-O", "adam", "--steps", "10", flag,
                              "--loss", *FAST_ANIMATION, "-o", name)  # fmt: skip
        assert code == 0, err
        assert Image.open(tmp_path / name).n_frames == 5 + HELD  # the first frame held


def test_quiet_prints_the_table_only(optviz):
    code, out, err = optviz("race", "quadratic", "-O", "gd", "--steps", "3", *TINY, "-o", "q.png",
                            "--quiet")  # fmt: skip
    assert code == 0 and err == "" and out.startswith("optimizer")


# -- the other commands --
def png_size(path: Path) -> tuple[int, int]:
    return Image.open(path).size


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["show", "himmelblau"], "himmelblau_show.png"),
        (["show", "saddle", "--field", "stream"], "saddle_show.png"),
        (["show", "--expr", "x**3 - 3*x + y**2", "--domain", "-2,2,-2,2"], "custom_show.png"),
        # values from 3 to ~1e308 and overflow: drawn, not crashed
        (["show", "--expr", "exp(exp(exp(x))) + y**2", "--domain", "-2,2,-2,2"], "custom_show.png"),
        (["curvature", "saddle", "--n", "20"], "saddle_curvature.png"),
        (["sweep", "quadratic", "-O", "gd", "--lrs", "0.1,0.5,1.5", "--steps", "20"],
         "quadratic_sweep.png"),
        (["tune", "quadratic", "-O", "gd", "-O", "adam", "--lrs", "0.01,0.1,0.5", "--steps", "20"],
         "quadratic_tune.png"),
        (["basins", "himmelblau", "-O", "gd:lr=0.01", "--n", "8", "--steps", "50"],
         "himmelblau_basins.png"),
        (["bands", "quadratic", "-O", "gd:lr=0.1", "--seeds", "4", "--noise", "grad=0.5",
          "--steps", "20"], "quadratic_bands.png"),
        (["init", "--scheme", "small", "--scheme", "xavier_normal", "--depth", "3", "--width",
          "20"], "init.png"),
        (["init", "--view", "summary", "--depth", "3", "--width", "20"], "init_summary.png"),
        (["init", "--view", "symmetry", "--steps", "5"], "init_symmetry.png"),
        (["init", "--view", "batchnorm", "--depth", "2", "--width", "8"], "init_batchnorm.png"),
        # init --view dropout (trains 20 networks, the slowest figure) is the README's
        # example, run by test_examples
    ],
)  # fmt: skip
def test_figure_commands_write_their_default_output(optviz, tmp_path, args, output):
    code, _, err = optviz(*args, *TINY)
    assert code == 0, err
    assert png_size(tmp_path / output) == (192, 144)


def test_race_without_optimizers_races_three_classics_at_tuned_rates(optviz, tmp_path):
    # every catalog surface has a lesson; given parameters, its ground is not the lesson's
    code, out, err = optviz("race", "quadratic:a=1", "--steps", "20", *FAST_ANIMATION)
    assert code == 0, err
    rows = [line for line in out.splitlines() if "tuned" in line]
    assert [row.split("(")[0] for row in rows] == ["gd", "momentum", "adam"]
    assert (tmp_path / "quadratic_race.gif").exists()


def test_tune_prints_the_best_rate(optviz):
    # GD on x² + y² lands on the minimum in one step at lr = 0.5
    code, out, err = optviz("tune", "quadratic", "-O", "gd", "--lrs", "0.1,0.3,0.5,0.7",
                            "--steps", "10", "--start", "1,0", *TINY)  # fmt: skip
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("gd"))
    assert row.split()[1] == "0.5"


def test_init_animation(optviz, tmp_path):
    code, _, err = optviz("init", "--depth", "3", "--width", "20", "--fps", "5", *TINY,
                          "-o", "depth.gif")  # fmt: skip
    assert code == 0, err
    assert Image.open(tmp_path / "depth.gif").n_frames >= 3


SCENE = """
title = "tiny"
surface = "quadratic"
optimizers = ["gd:lr=0.1"]
[run]
steps = 5
starts = [1.0, 0.0]
[lesson]
claims = ["falls(gd, by=9)"]  # x ← 0.8·x: the loss x² falls 0.8^-10 = 9.3 times
[render]
size = "small"
dpi = 30
fps = 5
duration = 1
"""


def test_scene_and_gallery_commands(optviz, tmp_path):
    folder = tmp_path / "gallery"
    folder.mkdir()
    (folder / "tiny.toml").write_text(SCENE)
    code, _, err = optviz("gallery", "--check", "--only", "tiny")
    assert code == 2 and "'tiny.gif' is missing" in one_error_line(err)
    code, out, err = optviz("scene", folder / "tiny.toml")
    assert code == 0, err
    assert Image.open(folder / "tiny.gif").n_frames == 5 + HELD  # the first frame held
    assert out.splitlines()[1].startswith("gd(lr=0.1)")
    before = (folder / "tiny.gif").read_bytes()
    code, _, err = optviz("gallery", "--only", "tiny")
    assert code == 0, err
    assert (folder / "tiny.gif").read_bytes() == before  # same scene, same bytes
    code, out, _ = optviz("gallery", "--check", "--only", "tiny")
    assert code == 0 and out.splitlines()[-1].startswith("1 scenes: every claim holds")
    assert "gallery/tiny  holds    falls(gd, by=9)" in out
    code, _, err = optviz("gallery", "--only", "tinny")
    assert code == 2 and "did you mean 'tiny'" in one_error_line(err)


def test_a_scene_file_and_the_same_flags_give_the_same_race(optviz, tmp_path):
    (tmp_path / "s.toml").write_text(
        'surface = "rosenbrock"\nmetrics = "a.json"\noptimizers = ["adam:lr=0.05", "gd:lr=0.001"]\n'
        '[run]\nsteps = 30\nstarts = [[-1, 1]]\nnoise = "grad=0.3"\nseed = 3\n'
        '[render]\noutput = "a.png"\nsize = "small"\ndpi = 30\n'
    )
    assert optviz("scene", "s.toml")[0] == 0
    code, _, err = optviz("race", "rosenbrock", "-O", "adam:lr=0.05", "-O", "gd:lr=0.001",
                          "--steps", "30", "--start", "-1,1", "--noise", "grad=0.3", "--seed", "3",
                          "--metrics", "b.json", "-o", "b.png", *TINY)  # fmt: skip
    assert code == 0, err
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads(
        (tmp_path / "b.json").read_text()
    )


# -- errors --
ERRORS = [
    (["race", "rosenbrok", "-O", "gd"], "unknown surface 'rosenbrok'; did you mean 'rosenbrock'?"),
    (["race", "quadratic", "-O", "adm"], "-O/--optimizer: unknown optimizer 'adm'; did you mean"),
    (["race", "quadratic", "-O", "gd", "--schedule", "cosin"], "did you mean 'cosine'?"),
    (["race", "quadratic", "-O", "adam:lr=fast"], "adam: lr must be a number, not 'fast'"),
    (["race", "quadratic", "-O", "adam:beta1=2"], "beta1=2.0 is out of range"),
    (["race", "quadratic", "-O", "adam:bta1=0.5"], "did you mean 'beta1'?"),
    (["race", "--expr", "x**2 + __import__('os')", "-O", "gd"], "--expr: "),
    (["race", "--expr", "x**", "-O", "gd"], "--expr: "),
    (["race", "--expr", "x**2", "--domain", "1,-1,0,1", "-O", "gd"], "--domain: domain"),
    (["race", "--expr", "x**2", "--domain", "a,b", "-O", "gd"], "--domain: must be numbers"),
    (["race", "quadratic", "-O", "gd", "--start", "1"], "--start: must be [x, y], not 1 number"),
    (
        ["race", "quadratic", "-O", "gd", "--noise", "grad=-1"],
        "--noise grad: must be a number >= 0",
    ),
    (["race", "quadratic", "-O", "gd", "--steps", "-1"], "--steps: must be a whole number >= 0"),
    (["race", "quadratic", "-O", "gd", "--steps", "many"], "Invalid value for '--steps'"),
    (["race", "quadratic", "-O", "gd", "--theme", "drak"], "--theme: unknown value 'drak'"),
    (["race", "quadratic", "-O", "gd", "--lr", "best"], "--lr: must be 'tuned' or a number"),
    (["race", "quadratic", "-O", "gd", "--3d", "--panels"], "choose one of --3d and --panels"),
    (["race", "quadratic", "-O", "gd", "-o", "x.txt"], "-o/--output: 'x.txt': kind 'contour'"),
    (["race", "quadratic", "-O", "gd", "-o", "no/such/dir/x.gif"], "folder 'no/such/dir' does"),
    (["race", "quadratic", "-O", "gd", "-o", "."], "writes .png, .svg, .pdf, .gif"),
    (["basins", "quadratic"], "-O/--optimizer: missing"),
    (["race", "-O", "gd"], "missing SURFACE"),
    (["race", "quadratic", "--expr", "x", "-O", "gd"], "give a SURFACE or --expr, not both"),
    (["race", "quadratic", "--bogus"], "No such option: --bogus"),
    (["list", "optimisers"], "unknown list 'optimisers'; did you mean 'optimizers'?"),
    (["show", "quadratic", "-o", "q.gif"], "kind 'show' writes .png, .svg, .pdf"),
    (["show", "quadratic", "--field", "arrows"], "--field: unknown value 'arrows'; known: quiver"),
    (["bands", "quadratic", "-O", "gd", "-O", "adam"], "kind 'bands' takes one optimizer"),
    (["init", "--view", "grd"], "unknown view 'grd'; did you mean 'grid'?"),
    (["init", "--scheme", "he_nromal"], "--scheme: unknown init scheme 'he_nromal'"),
    (["init", "--view", "batchnorm", "--gain", "2"], "--gain: not used by kind 'batchnorm'"),
    (["scene", "missing.toml"], "scene file 'missing.toml' does not exist"),
    (["nope"], "No such command 'nope'"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_errors_are_one_line_with_exit_code_2(optviz, tmp_path, args, message):
    code, out, err = optviz(*args)
    line = one_error_line(err)
    assert code == 2, err
    assert message in line, line
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".gif", ".png")]


def test_a_scene_with_a_wrong_field(optviz, tmp_path):
    (tmp_path / "s.toml").write_text(
        'surface = "quadratic"\noptimizers = ["gd"]\n[run]\nstep = 3\n'
    )
    code, _, err = optviz("scene", "s.toml")
    assert code == 2
    assert one_error_line(err) == (
        "optviz: error: s.toml: field 'run.step': unknown field; did you mean 'steps'? "
        "allowed: steps, starts, "
        "schedule, noise, seed, lr"
    )


def test_a_real_process_fails_in_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "optviz.cli", "race", "rosenbrock", "-O", "adm"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[2])},
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("optviz: error: -O/--optimizer: unknown optimizer 'adm'; did")
    assert proc.stderr.count("\n") == 1


# -- failed renders leave existing files alone --
@pytest.fixture
def precious(tmp_path):
    def make(name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(b"an earlier render")
        return path

    return make


def no_leftovers(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_interrupted_animation_keeps_the_old_gif(optviz, precious, tmp_path, monkeypatch):
    from optviz.render import animate

    path = precious("race.gif")
    real = animate._Engine.frame
    drawn = []

    def frame_then_interrupt(self, s):
        drawn.append(s)
        if len(drawn) == 4:
            raise KeyboardInterrupt
        return real(self, s)

    monkeypatch.setattr(animate._Engine, "frame", frame_then_interrupt)
    code, out, err = optviz("race", "quadratic", "-O", "gd", "--steps", "20", *FAST_ANIMATION,
                            "-o", "race.gif")  # fmt: skip
    assert code == 130 and len(drawn) == 4
    assert one_error_line(err) == "optviz: error: interrupted; no output was written or changed"
    assert path.read_bytes() == b"an earlier render"
    no_leftovers(tmp_path)


def test_disk_full_mid_figure_keeps_the_old_png(optviz, precious, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    path = precious("race.png")

    def half_written(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise OSError(28, "No space left on device", str(fname))

    monkeypatch.setattr(Figure, "savefig", half_written)
    code, _, err = optviz("race", "quadratic", "-O", "gd", "--steps", "5", *TINY, "-o", "race.png")
    assert code == 2
    assert "No space left on device" in one_error_line(err)
    assert path.read_bytes() == b"an earlier render"
    no_leftovers(tmp_path)


def test_a_bug_mid_render_is_one_line_and_keeps_the_old_file(
    optviz, precious, tmp_path, monkeypatch
):
    from optviz.render import surface3d

    path = precious("q_show.png")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(surface3d, "show_surface", broken)
    code, _, err = optviz("show", "quadratic", "-o", "q_show.png")
    assert code == 1
    assert "internal error (ZeroDivisionError" in one_error_line(err)
    assert path.read_bytes() == b"an earlier render"


def test_an_unwritable_output_fails_before_any_work(optviz, tmp_path, monkeypatch):
    import importlib

    run_module = importlib.import_module("optviz.analysis.racing")
    calls = []
    monkeypatch.setattr(run_module, "race", lambda *a, **k: calls.append(a))
    (tmp_path / "taken.gif").mkdir()
    for out in (tmp_path / "missing" / "x.gif", "taken.gif"):
        code, _, err = optviz("race", "quadratic", "-O", "gd", "-o", out)
        assert code == 2
        assert re.search("folder .* does not exist|is a folder", one_error_line(err))
    assert calls == []


def test_every_command_takes_its_picture_defaults_from_the_one_declaration():
    import inspect

    import typer

    from optviz.analysis import racing
    from optviz.scenes import render_kinds, schema
    from optviz.util import defaults

    declared = {"size": defaults.SIZE, "dpi": defaults.DPI, "theme": defaults.THEME}
    group = typer.main.get_command(cli.app)
    seen = 0
    for name, command in group.commands.items():
        for param in command.params:
            if param.name in declared:
                assert param.default == declared[param.name], (name, param.name)
                seen += 1
    assert seen >= 30  # size, dpi and theme of ten commands
    for field, value in declared.items():
        assert getattr(schema.Render(), field) == value
    holds = {"hold": defaults.HOLD, "hold_first": defaults.HOLD_FIRST}
    from optviz.render.animate import animate

    for field, value in holds.items():  # the command line, scene files and the API agree
        assert next(p for p in group.commands["race"].params if p.name == field).default == value
        assert getattr(render_kinds.Contour(), field) == value
        assert inspect.signature(animate).parameters[field].default == value
    signature = inspect.signature(racing.race).parameters
    assert signature["optimizers"].default == defaults.OPTIMIZERS
    assert signature["steps"].default == defaults.STEPS
