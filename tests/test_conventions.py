"""Matplotlib and notebook habits: pyplot figures when pyplot is in use, ``ax=``, rich display."""

import base64
import io
import re
import subprocess
import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

import optviz as ov
from optviz.render import plots


def test_every_test_dependency_is_imported_as_a_requirement_and_torch_is_set_per_test():
    # a skip when torch is missing would silently drop every cross-check; torch's default
    # dtype set at import would leak into every test that runs after the module loads
    from pathlib import Path

    for path in Path(__file__).parent.glob("*.py"):
        if path.name == Path(__file__).name:  # this test names what it looks for
            continue
        text = path.read_text(encoding="utf-8")
        assert "importorskip" not in text, path.name
        assert ".skip(" not in text and "mark.skip" not in text, path.name
        for line in text.splitlines():
            if "set_default_dtype" in line or "set_num_threads" in line:
                assert line.startswith(" "), f"{path.name}: {line.strip()} at module level"


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


# -- ax= and what comes back -------------------------------------------------------------------
def test_race_plot_draws_on_the_axes_it_is_given():
    race = ov.race("himmelblau", ["gd:lr=0.01", "adam:lr=0.1"], steps=20)
    fig, (left, right) = plt.subplots(1, 2)
    assert race.plot(ax=left) is left
    assert race.plot(ax=right, loss=True) is right
    paths = [line for line in left.lines if len(line.get_xdata()) == 21]
    named = [line.get_label() for line in paths if not line.get_label().startswith("_")]
    assert len(named) == 2  # one legend entry per optimizer, naming its path
    assert set(named) <= {t.get_text() for t in left.get_legend().get_texts()}
    np.testing.assert_array_equal(paths[0].get_xdata(), race[0].xy[:, 0])  # the true path
    assert right.get_yscale() == "log" and len(right.lines) >= 2
    assert len(fig.axes) == 2  # nothing added beside them


def test_trajectory_and_surface_plot_return_their_axes():
    traj = ov.run("quadratic", "gd:lr=0.25", start=(1.0, 0.0), steps=4)
    ax = traj.plot()
    line = next(line for line in ax.lines if len(line.get_xdata()) == 5)
    np.testing.assert_allclose(line.get_xdata(), 0.5 ** np.arange(5))  # x_t = (1 - 2 lr)^t
    surf = ov.surface("saddle")
    assert surf.plot(ax=ax) is ax


# -- notebook display --------------------------------------------------------------------------
def test_previews_are_pngs_drawn_once(monkeypatch):
    from optviz.render import views

    calls = []
    real = views.preview
    monkeypatch.setattr(views, "preview", lambda r: calls.append(r) or real(r))
    race = ov.race("quadratic", ["gd", "adam"], steps=10)
    for result in (ov.surface("himmelblau"), race, race[0]):
        png = result._repr_png_()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert result._repr_png_() is png  # kept, not drawn again
    html = race._repr_html_()  # the same PNG beside the table
    assert html.count("data:image/png;base64,") == 1 and "<table" in html
    assert len(calls) == 3
    assert plt.get_fignums() == []  # previews never wait for plt.show()


def test_analysis_results_preview_as_their_own_plot():
    from optviz.analysis import curvature, tune

    tuning = tune("quadratic", ["gd"], steps=20, lrs=[0.1, 0.3])
    assert tuning._repr_png_()[:4] == b"\x89PNG"
    assert curvature("saddle", n=20, critical=False)._repr_png_()[:4] == b"\x89PNG"
    assert "<table" in tuning.rows._repr_html_() and tuning.rows[0]["best_lr"] == 0.3


# -- the table ---------------------------------------------------------------------------------
def test_race_table_is_rows_text_and_html():
    race = ov.race("quadratic", ["gd:lr=0.25", "adam:lr=0.1"], start=(1.0, 0.0), steps=3)
    table = race.table()
    assert len(table) == 2 and table[0]["final_loss"] == 0.015625  # (1/2)^(2·3)
    assert [row["optimizer"] for row in table] == race.names
    assert table == [dict(row) for row in table] and table[:1] == [table[0]]
    lines = str(table).splitlines()
    assert lines[0].split()[:3] == ["optimizer", "lr", "final_loss"]
    assert len(lines) == 3
    assert lines[0].index("final_loss") == lines[1].index("0.01562")  # columns aligned
    html = table._repr_html_()
    assert html.count("<tr>") == 3 and html.count("<th>") == len(table.columns)


def test_table_cells_are_escaped_in_html():
    from optviz.engine.table import Table

    html = Table([{"optimizer": "<b>x</b>", "lr": 0.5}])._repr_html_()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_to_pandas_without_pandas_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if it were not installed
    table = ov.race("quadratic", ["gd"], steps=3).table()
    with pytest.raises(ov.OptvizError, match="needs pandas.*pip install pandas"):
        table.to_pandas()


def test_to_pandas_keeps_rows_and_columns():
    table = ov.race("quadratic", ["gd:lr=0.25", "adam"], start=(1.0, 0.0), steps=3).table()
    frame = table.to_pandas()
    assert list(frame.columns) == table.columns
    assert frame["final_loss"].tolist() == [row["final_loss"] for row in table]


# -- the html player ---------------------------------------------------------------------------
def test_html_output_is_a_self_contained_player(tmp_path):
    from html.parser import HTMLParser

    from PIL import Image

    out = tmp_path / "race.html"
    race = ov.race("quadratic", ["gd", "adam"], steps=8)
    anim = race.animate(size="small", dpi=30, fps=4, duration=1.0, hold=0.5)
    anim.save(out)
    page = out.read_text(encoding="utf-8")

    class Page(HTMLParser):
        tags: list = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

    parser = Page()
    parser.feed(page)
    ids = {attrs.get("id"): (tag, attrs) for tag, attrs in parser.tags}
    assert ids["play"][0] == "button" and ids["step"][1]["type"] == "range"
    assert ids["step"][1]["max"] == str(anim.n_frames - 1)  # the slider spans every frame
    srcs = [src for src in re.findall(r'"(data:image/png;base64,[^"]+)"', page)]
    assert len(srcs) == anim.n_frames  # every frame in the script, painted on the canvas
    first = Image.open(io.BytesIO(base64.b64decode(srcs[0].split(",", 1)[1])))
    size = (int(ids["frame"][1]["width"]), int(ids["frame"][1]["height"]))
    assert first.size == size  # the first whole; later ones the rectangle that changed
    for src in srcs[1:]:
        patch = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert patch.size[0] <= size[0] and patch.size[1] <= size[1]
    assert f'"hold": {anim.hold_frames}' in page and anim.hold_frames >= 2  # >= 0.5 s at 4 fps
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from a network
