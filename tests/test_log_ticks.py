"""One rule for every log axis a figure draws: its labels are all decimals (0.001, 1, 100)
when they all lie in the decimal range, else all powers of ten with superscripts; never
"1e-3" beside "0.01", never "10⁻⁴" beside "0.1"."""

from __future__ import annotations

import pytest
from test_scene_titles import KINDS, _figure_of

import optviz as ov
from optviz.render import race_figure, style

DECIMAL = "decimal"
POWER = "power of ten"
E_NOTATION = "1e-3 notation"


def _style(label: str) -> str:
    if "^" in label:
        return POWER
    return E_NOTATION if "e" in label.lower() else DECIMAL


def log_label_styles(fig) -> dict[str, set[str]]:
    """For every drawn 2-D log axis of ``fig``: the styles of its visible labels."""
    fig.canvas.draw()
    styles = {}
    for i, ax in enumerate(fig.axes):
        if getattr(ax, "name", "") == "3d":
            continue
        for name in ("x", "y"):
            axis = getattr(ax, f"{name}axis")
            if axis.get_scale() != "log":
                continue
            lo, hi = sorted(axis.get_view_interval())
            ticks = [*axis.get_major_ticks(), *axis.get_minor_ticks()]
            labels = [
                t.label1.get_text() or t.label2.get_text() for t in ticks
                if lo <= t.get_loc() <= hi and (t.label1.get_visible() or t.label2.get_visible())
            ]  # fmt: skip
            styles[f"axes {i} {name}"] = {_style(s) for s in labels if s}
    return styles


def assert_one_style(fig) -> None:
    styles = log_label_styles(fig)
    for where, kinds in styles.items():
        assert len(kinds) <= 1, (where, kinds)
        assert E_NOTATION not in kinds, where


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_still_writes_each_log_axis_one_way(kind, monkeypatch):
    fig = _figure_of(kind, KINDS[kind], monkeypatch)
    style.raise_type(fig)  # as writing the figure does
    assert_one_style(fig)


def test_a_sweep_over_five_decades_of_rates_writes_them_one_way(monkeypatch):
    """Rates from 0.0001 to 1 and losses far below: each axis keeps to one style."""
    spec = {"surface": "quadratic", "render": {"lrs": [1e-4, 1e-3, 0.01, 0.1, 1.0]},
            "opt": ["gd", "adam"]}  # fmt: skip
    fig = _figure_of("sweep", spec, monkeypatch)
    style.raise_type(fig)
    styles = log_label_styles(fig)
    assert styles, "the sweep draws log axes"
    assert_one_style(fig)


@pytest.mark.parametrize(
    ("steps", "expect"), [(12, DECIMAL), (400, POWER)]
)  # a fall of a decade or two is said in decimals, one of many decades in powers
def test_a_loss_panel_writes_its_decades_one_way(steps, expect):
    race = ov.race("quadratic", ["gd:lr=0.05", "adam:lr=0.1"], start=(1.0, 1.0), steps=steps)
    fig = race_figure.plot_race(race, loss=True, size="small", dpi=40)
    assert_one_style(fig)
    loss_y = log_label_styles(fig)[f"axes {len(fig.axes) - 1} y"]
    assert loss_y == {expect}


def test_any_formatter_of_a_log_axis_is_brought_to_the_rule():
    """A figure's code writing "1e-4" and "0.01" itself is rewritten when the figure is."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(6, 4), dpi=50)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_yscale("log")
    ax.set_ylim(1e-8, 10)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    assert len(log_label_styles(fig)["axes 0 y"]) > 1  # as the code wrote it: mixed
    style.raise_type(fig)
    assert log_label_styles(fig)["axes 0 y"] == {POWER}
