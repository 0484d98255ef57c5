"""Matplotlib and notebook habits: pyplot figures when pyplot is in use, ``ax=``, rich display."""

import subprocess
import sys
import warnings

import matplotlib.pyplot as plt

import optviz as ov
from optviz.render import plots


def test_figures_go_through_pyplot_once_it_is_imported():
    fig = ov.race("quadratic", ["gd", "adam"], steps=10).plot(size="small", dpi=40)
    assert fig.number in plt.get_fignums()  # so plt.show() shows it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Agg says it cannot show; it must not raise
        fig.show()


def test_offscreen_figures_stay_out_of_pyplot():
    before = plt.get_fignums()
    with plots.offscreen():
        fig = ov.race("quadratic", ["gd"], steps=10).plot(size="small", dpi=40)
    assert plt.get_fignums() == before
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"


def test_animations_never_register_a_pyplot_figure():
    before = plt.get_fignums()
    race = ov.race("quadratic", ["gd"], steps=6)
    anim = race.animate(size="small", dpi=30, fps=2, duration=1.0, hold=0)
    assert len(list(anim.frames())) >= 2
    assert plt.get_fignums() == before


def test_the_cli_never_imports_pyplot(tmp_path):
    code = (
        "import sys; from optviz.cli import main\n"
        "args = ['race', 'quadratic', '--steps', '5', '-O', 'gd', '--size', 'small']\n"
        "try:\n    main([*args, '--dpi', '40', '-o', sys.argv[1]])\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    out = tmp_path / "race.png"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, timeout=120)
    assert out.stat().st_size > 0
