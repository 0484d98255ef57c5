"""Careless and hostile input: every mistake is a one-line OptvizError (CLI: exit 2).

Each case here once ended in a numpy, sympy or Pillow internal error, a silent wrong
answer, or a traceback.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

import optviz
from optviz import Surface, surface
from optviz.render.writers import save_figure
from optviz.util.errors import OptvizError, ParameterError


@pytest.fixture(scope="module")
def quad() -> Surface:
    return surface("quadratic")


API_MISTAKES = {
    "race(S, None)": lambda s: optviz.race(s, None),
    "race(S, 5)": lambda s: optviz.race(s, 5),
    "tune_steps=-1": lambda s: optviz.race(s, ["gd"], lr="tuned", tune_steps=-1),
    "tune_steps=0": lambda s: optviz.race(s, ["gd"], lr="tuned", tune_steps=0),
    "Adam(lr=10**400)": lambda s: optviz.optimizer("adam", lr=10**400),
    "from_expr params=5": lambda s: Surface.from_expr("x*x", params=5),
    "f('a')": lambda s: s.f("a"),
    "grad([])": lambda s: s.grad([]),
    "hess(None)": lambda s: s.hess(None),
    "f([1, 2, 3])": lambda s: s.f([1, 2, 3]),
    "value_and_grad([[1, 2, 3]])": lambda s: s.value_and_grad([[1.0, 2.0, 3.0]]),
    "rosenbrock b=1e308": lambda s: surface("rosenbrock", b=1e308),
    "elliptic kappa=1e300": lambda s: surface("elliptic", kappa=1e300),
    "domain under float resolution": lambda s: Surface.from_expr(
        "x**2", domain=(1e10, 1.0000000000000001e10, 0, 1)
    ),
    "values overflow on the domain": lambda s: Surface.from_expr("exp(x)", domain=(0, 1e3, 0, 1)),
}


@pytest.mark.parametrize("case", API_MISTAKES)
def test_api_mistakes_are_one_line_optviz_errors(quad, case):
    with pytest.raises(OptvizError) as info:
        API_MISTAKES[case](quad)
    message = str(info.value)
    assert "\n" not in message and 10 < len(message) < 300, message


def test_surface_methods_still_take_points_and_batches(quad):
    # the shape check must not cost the runner its arrays or change the numbers
    xy = np.array([[1.0, 2.0], [0.5, -1.0]])
    assert quad.f(xy).shape == (2,)
    assert quad.f([1, 2]) == pytest.approx(float(quad.f(np.array([1.0, 2.0]))))
    assert quad.grad(np.zeros((3, 4, 2))).shape == (3, 4, 2)


def test_parameter_bound_is_the_literal_bound():
    # 1e12 is allowed as a literal in an expression, so it is allowed as a parameter
    s = surface("elliptic", kappa=1e6)
    assert s.params["kappa"] == 1e6
    with pytest.raises(ParameterError, match="kappa"):
        surface("elliptic", kappa=2e12)


def test_tune_steps_names_itself(quad):
    with pytest.raises(ParameterError, match="tune_steps=-1"):
        optviz.race(quad, ["gd"], lr="tuned", tune_steps=-1)


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "optviz.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


CLI_MISTAKES = {
    "fps 0.001": ("race", "quadratic", "-O", "gd", "--fps", "0.001", "-o", "a.gif"),
    "bad math title": ("race", "quadratic", "-O", "gd", "--title", "$x^{$", "-o", "a.png"),
    "huge title": ("race", "quadratic", "-O", "gd", "--title", "a" * 100_000, "-o", "a.png"),
    "rosenbrock b=1e308": ("show", "rosenbrock:b=1e308", "-o", "a.png"),
    "elliptic kappa=1e300": ("show", "elliptic:kappa=1e300", "-o", "a.png"),
    "400-digit literal": ("show", "--expr", "1" + "0" * 400 + "*x", "-o", "a.png"),
    "sympy-costly constant": ("show", "--expr", "sin(exp(exp(20)))*x", "-o", "a.png"),
    "narrow domain": ("show", "quadratic", "--domain", "1e10,1.0000000000000001e10,0,1"),
}


@pytest.mark.parametrize("case", CLI_MISTAKES)
def test_cli_mistakes_exit_2_with_one_line(tmp_path, case):
    done = _cli(*CLI_MISTAKES[case], cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("optviz: error: "), done.stderr
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_long_gif_hold_is_split_over_empty_frames():
    # a GIF delay is 16 bits of 1/100 s: an hour's hold at 0.1 fps must still add up
    from PIL import Image

    from optviz.render.gif import write_gif

    frames = [np.full((4, 4, 3), 60 * i, np.uint8) for i in range(3)]
    buf = io.BytesIO()
    write_gif(buf, iter(frames), fps=0.1, hold_frames=360)
    image = Image.open(io.BytesIO(buf.getvalue()))
    durations = []
    for i in range(image.n_frames):
        image.seek(i)
        durations.append(image.info["duration"])
    assert sum(durations) == (3 + 360) * 10_000  # ms: 363 frame periods of 10 s
    assert max(durations) <= 655_350


@pytest.mark.parametrize("suffix", [".svg", ".pdf"])
def test_vector_figures_are_reproducible(tmp_path, suffix):
    race = optviz.race("himmelblau", ["gd", "adam"], steps=20)
    paths = []
    for k in range(2):
        path = tmp_path / f"race{k}{suffix}"
        save_figure(race.plot(size="small", dpi=50), path)
        paths.append(path.read_bytes())
    assert paths[0] == paths[1]
    text = paths[0][:4000].decode("latin-1")
    assert "CreationDate" not in text and "<dc:date>" not in text
