"""Static plots: the numbers they draw, their colors and markers, themes and sizes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex, to_rgb
from PIL import Image

import optviz as ov
from optviz.render import geometry, loss_plot, losses, paths, plots, race_figure, style, surface3d
from optviz.render.paths import readable
from optviz.util.errors import ParameterError, UnknownNameError


def png_pixels(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor=fig.get_facecolor())
    return np.asarray(Image.open(buf).convert("RGB"))


@pytest.fixture(scope="module")
def race():
    return ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=80)


def test_loss_curve_is_the_closed_form():
    # gd on x² + y² (quadratic bowl) from (1, 0): x_t = (1 - 2 lr)^t, f = x_t²
    r = ov.race("quadratic", ["gd:lr=0.1"], start=(1.0, 0.0), steps=12)
    assert r.surface.min_value == 0.0
    line = loss_plot.plot_loss(r).get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), 0.64 ** np.arange(13), rtol=1e-12)
    assert line.axes.get_yscale() == "log"
    assert to_hex(line.get_color()) == to_hex(style.color(0))


def test_loss_is_shifted_by_the_known_minimum_and_floored():
    s = ov.Surface.from_expr("x**2 + y**2 + 5", minima=[(0, 0)])
    r = ov.race(s, ["newton"], start=(1.0, 1.0), steps=3)
    ys = loss_plot.plot_loss(r).get_lines()[0].get_ydata()
    assert ys[0] == pytest.approx(2.0)  # f − f* with f* = 5
    # Newton lands exactly on the minimum: the curve ends on the floor (5e-16: relative
    # to |f*|), nothing is drawn along it
    assert ys[1] == pytest.approx(5 * losses.LOSS_FLOOR)
    assert np.isnan(ys[2:]).all()


def test_log_levels_are_geometric_above_the_minimum():
    ros = ov.surface("rosenbrock")
    _, _, Z = ros.grid(100)
    levels = plots.levels_of(ros, Z, 20)
    gaps = levels[1:] - levels[0]
    ratios = gaps[1:] / gaps[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    bowl = ov.surface("quadratic")
    _, _, Z = bowl.grid(100)
    assert not bowl.view.log_levels
    np.testing.assert_allclose(np.diff(plots.levels_of(bowl, Z, 10)), np.ptp(Z) / 10)


def test_trajectories_draw_the_path_in_the_race_colors(race):
    ax = plots.plot_trajectories(race, plots.plot_surface(race.surface, n=60))
    names = [readable(t) for t in race]
    lines = [line for line in ax.get_lines() if line.get_label() in names]
    assert [p.get_label() for p in lines] == names
    for i, (line, traj) in enumerate(zip(lines, race, strict=True)):
        assert to_hex(line.get_color()) == to_hex(paths.run_colors(race.trajectories)[i])
        drawn = np.c_[line.get_xdata(), line.get_ydata()]
        drawn = drawn[np.isfinite(drawn).all(axis=1)]  # the rest: revisits, a faint line
        points = np.reshape(traj.xy, (-1, 2))
        np.testing.assert_allclose(drawn[:2], points[:2])  # its first pass, whole
        gap = np.abs(drawn[:, None] - points[None]).max(axis=-1).min(axis=1)
        assert gap.max() < 1e-9  # and only points the run visited


def test_diverged_start_gets_a_cross_where_it_left_the_domain():
    r = ov.race("quadratic", ["gd:lr=1.3"], start=[[0.5, 0.3], [0.0, 0.0]], steps=60)
    traj = r[0]
    assert traj.diverged.tolist() == [True, False]
    ax = plots.plot_trajectories(r)
    crosses = [line for line in ax.get_lines() if line.get_marker() == "X"]
    assert len(crosses) == 1
    xy = np.c_[crosses[0].get_xdata(), crosses[0].get_ydata()]
    expect = plots.inside(traj.xy[traj.diverged_at[0], 0], r.surface)
    np.testing.assert_allclose(xy, [expect])
    (x0, x1), (y0, y1) = r.surface.domain
    assert np.isclose(xy[0, 0], [x0, x1]).any() or np.isclose(xy[0, 1], [y0, y1]).any()


def test_far_diverged_paths_are_clipped_to_a_drawable_box():
    far = np.array([[0.0, 0.0], [1e200, -1e300], [np.inf, np.nan]])
    out = plots.drawable(far, ov.surface("quadratic"))
    box = geometry.view_box(ov.surface("quadratic"))
    assert np.all(np.isfinite(out))
    assert np.all((out >= box[:, 0]) & (out <= box[:, 1]))


def test_3d_trajectories_sit_on_the_surface(race):
    ax = plots.plot_trajectories(race, surface3d.plot_surface3d(race.surface, n=30))
    line = next(line for line in ax.get_lines() if line.get_label() == readable(race[1]))
    x, y, z = line.get_data_3d()
    np.testing.assert_allclose(z, plots.height(race.surface, np.c_[x, y], lift=0.01))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=2, max_size=20))
def test_squash_keeps_order_and_stays_under_zclip(zs):
    ros = ov.surface("rosenbrock")
    lo, hi = plots._zrange(ros)
    z = np.sort(np.array(zs))
    out = plots.squash(ros, z)
    assert np.all(np.diff(out) >= 0)
    assert np.all(out <= hi + 1e-9)
    small = z[(z >= lo) & (z - lo < 0.1 * (hi - lo))]  # nearly exact low down
    np.testing.assert_allclose(plots.squash(ros, small), small, rtol=0.01, atol=1e-9)


@pytest.mark.parametrize(("theme", "dark"), [("dark", True), ("light", False)])
def test_race_figure_theme_and_size(race, theme, dark):
    fig = race_figure.plot_race(race, loss=True, theme=theme, size="4:3", dpi=40)
    img = png_pixels(fig)
    assert img.shape == (288, 384, 3)  # 9.6 x 7.2 in at 40 dpi
    luminance = img[:3, :3].reshape(-1, 3).mean(0) @ [0.2126, 0.7152, 0.0722]
    assert (luminance < 60) if dark else (luminance > 200)


def test_every_plot_of_a_race_uses_the_same_colors(race):
    fig = race_figure.plot_race(race, kind="panels", loss=True, size="small", dpi=50)
    img = png_pixels(fig).astype(float)
    for i in range(len(race)):
        target = np.array(to_rgb(paths.run_colors(race.trajectories)[i])) * 255
        assert (np.linalg.norm(img - target, axis=-1) < 20).sum() > 30
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == [readable(t) for t in race]


def test_legend_names_every_optimizer_with_its_hyperparameters(race):
    fig = race_figure.plot_race(race, size="small", dpi=50)
    legends = [*(ax.get_legend() for ax in fig.axes if ax.get_legend()), *fig.legends]
    texts = [t.get_text() for legend in legends for t in legend.texts]
    assert texts == ["GD (lr 0.001)", "Adam (lr 0.05)", "global minimum"]


def test_show_surface_marks_critical_points_by_kind():
    fig = surface3d.show_surface(ov.surface("himmelblau"), size="small", dpi=40)
    contour = fig.axes[0]
    marks = [line for line in contour.get_lines() if line.get_gid() == "landmark"]
    by_kind = {line.get_label(): len(line.get_xdata()) for line in marks}
    assert by_kind == {"global minimum": 4, "saddle": 4, "maximum": 1}
    # outlines over the paths (5 and up), under the start rings and balls: a ball on a
    # landmark covers only its middle, a path under one loses only a thin line
    assert all(m.get_markerfacecolor() == "none" for m in marks)
    assert all(5.5 < m.get_zorder() < 6.9 for m in marks)
    # nothing else: the global minimum's pale fill (under the paths) and hairline (over the balls)
    others = {line.get_gid() for line in contour.get_lines() if line not in marks}
    assert others == {"landmark-fill", "landmark-over"}
    assert any(ax.name == "3d" for ax in fig.axes)


def test_gradient_field_points_downhill():
    ax = plots.plot_surface(ov.surface("quadratic"), field="quiver", n=40)
    q = next(c for c in ax.collections if type(c).__name__ == "Quiver")
    xy = q.XY
    uv = np.c_[q.U, q.V]
    # on a bowl centred at 0 the negative gradient points inward
    inward = np.einsum("ij,ij->i", xy, uv)
    assert np.all(inward[np.linalg.norm(xy, axis=1) > 0.1] < 0)
    plots.plot_surface(ov.surface("saddle"), field="stream", n=40)


def test_bad_arguments_are_clear_errors(race):
    with pytest.raises(UnknownNameError, match="field"):
        plots.plot_surface(ov.surface("quadratic"), field="arrows")
    with pytest.raises(UnknownNameError, match="plot kind"):
        race_figure.plot_race(race, kind="surface")
    with pytest.raises(UnknownNameError, match="size"):
        race_figure.plot_race(race, size="21:9")
    with pytest.raises(ParameterError, match="dpi"):
        race_figure.plot_race(race, dpi=0)
    with pytest.raises(ParameterError, match="Race or Trajectory"):
        plots.plot_trajectories([1, 2])


def test_loss_axis_is_log_above_a_known_minimum_and_linear_when_unbounded_below():
    bowl = ov.race("quadratic", ["gd:lr=0.1"], start=(1.0, 1.0), steps=20)
    saddle = ov.race("saddle", ["gd:lr=0.1"], start=(-1.0, 0.5), steps=20)  # f → −∞
    assert loss_plot.plot_loss(bowl).get_yscale() == "log"
    ax = loss_plot.plot_loss(saddle)
    assert ax.get_yscale() == "linear" and ax.get_ylabel() == "loss"
    # the raw loss is drawn, not a loss shifted so that its last value sits on a floor
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), saddle[0].loss)
    fig = race_figure.plot_race(saddle, loss=True, size="small", dpi=40)
    assert [a.get_yscale() for a in fig.axes if a.get_xlabel() == "step"] == ["linear"]


@pytest.mark.parametrize("name", ["linreg_standardized", "sigmoid_neuron", "quadratic"])
def test_a_level_axis_name_keeps_off_its_tick_labels(name):
    # "w2" was centred where "y" is, so it ran into the tick "3.5" and read "w23.5"
    from optviz.render import audit, race_figure

    fig = race_figure.plot_race(audit.lesson_race(name), loss=True)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    label = ax.yaxis.label.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    ticks = [b for b in boxes if ax.bbox.y0 <= (b.y0 + b.y1) / 2 <= ax.bbox.y1]  # drawn ones
    assert ticks and label.width > 0
    assert label.x1 < min(t.x0 for t in ticks), (name, ax.get_ylabel())


def test_a_surface_map_keys_its_colours_as_its_axes_and_dashes_no_contour():
    """show_surface: colour-bar numbers 15 px beside 19 px axis numbers, an arrow at one
    end of the bar, and negative levels dashed with nothing saying so."""
    from optviz.render import plots as _plots
    from optviz.render import style

    fig = _plots.new_figure("16:9", 100)
    ax = _plots.plot_surface("six_hump_camel", ax=fig.add_subplot(), critical=True,
                             colorbar=True)  # fmt: skip
    style.raise_type(fig)
    fig.canvas.draw()
    (bar,) = ax.child_axes
    size = {t.get_fontsize() for t in ax.get_yticklabels()}
    assert {t.get_fontsize() for t in bar.get_yticklabels()} == size
    (filled,) = [c for c in ax.collections if getattr(c, "colorbar", None)]
    assert filled.colorbar.extend == "neither"
    for c in ax.collections:
        for style_ in getattr(c, "get_linestyles", lambda: [])():
            assert style_[1] is None, style_  # solid: no dash pattern
