"""Rules every still figure keeps: lines told apart without colour and named where they
end, people's words on the picture (no code names, no ``key=value``), one tick format
per axis, no empty cells in a grid of panels."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.text import Text

from optviz import analysis as A
from optviz import nets
from optviz.render import (
    analysis_plots,
    audit,
    bandplots,
    init_figures,
    initplots,
    lesson_maps,
    line_ends,
    phaseplots,
    plots,
    safe_margin,
    scheduleplots,
    style,
    sweepplots,
)
from optviz.render.paths import NAMES

SIX = ["gd", "momentum", "adagrad", "rmsprop", "adam", "lion"]
# what code writes and a slide must not: an optimizer's registry name as a word, a
# setting as key=value, an identifier with an underscore
CODE = re.compile(
    r"\b(" + "|".join(sorted(NAMES, key=len, reverse=True)) + r")\b"
    r"|\w=\S|\b[a-z]+_[a-z_]+\b"
)


def words_on(fig) -> list[str]:
    """Every text a figure shows (titles, labels, legends, notes), laid out."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def code_on(fig) -> list[str]:
    return [w for w in words_on(fig) if CODE.search(w)]


def data_lines(ax) -> list:
    """The lines that draw data: more than one point, with a marker on them."""
    return [
        ln for ln in ax.get_lines()
        if len(ln.get_xdata()) > 1 and ln.get_marker() not in (None, "None", "", "x", "*")
        and ln.get_gid() != "good-window"
    ]  # fmt: skip


@pytest.fixture(scope="module")
def sweep():
    lrs = [0.01, 0.05, 0.2, 0.6, 1.2]
    return A.sweep("quadratic", SIX, lrs=lrs, steps=30, start=(1.0, 1.0))


@pytest.fixture(scope="module")
def sweep_ax(sweep):
    # offscreen: a pyplot figure would be closed after the first test, losing its canvas
    with plots.offscreen():
        ax = sweepplots.plot_sweep(sweep, dpi=100, panels=False)
    ax.figure.canvas.draw()
    return ax


def test_every_sweep_line_has_its_own_marker_and_dash(sweep_ax):
    lines = data_lines(sweep_ax)
    assert len(lines) == len(SIX)
    looks = [
        (ln.get_marker(), str(ln.get_linestyle()), str(ln._unscaled_dash_pattern)) for ln in lines
    ]
    assert len({(m, d) for m, _, d in looks}) == len(SIX), looks


def test_every_sweep_line_is_named_at_its_end_and_names_do_not_overlap(sweep_ax):
    fig = sweep_ax.figure
    renderer = fig.canvas.get_renderer()
    labels = [t for t in sweep_ax.texts if t.get_gid() == "end-label" and t.get_visible()]
    assert sorted(t.get_text() for t in labels) == sorted(
        ["GD", "Momentum (μ 0.9)", "Adagrad", "RMSprop", "Adam", "Lion"]
    )
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    # each name starts just right of its line's last drawn point, at its height unless
    # pushed aside (then a leader line joins them)
    frame = sweep_ax.get_window_extent(renderer)
    for t in labels:
        box = t.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 + 1
    legend = {t.get_text() for t in sweep_ax.get_legend().get_texts()}
    assert not legend & {t.get_text() for t in labels}  # no legend entry for a line


def test_a_best_rate_is_named_at_its_star_not_at_its_lines_end(sweep):
    # "Lion: best lr 0.0079" sat at Lion's worst point, at the end of its line
    best = {key: float(lrs[np.argmin(np.where(np.isfinite(sc), sc, np.inf))])
            for key, lrs, sc in zip(sweep.keys, sweep.lrs, sweep.score, strict=True)}  # fmt: skip
    with plots.offscreen():
        ax = sweepplots.plot_sweep(sweep, best=best, dpi=100, panels=False)
    ax.figure.canvas.draw()
    (names,) = [a for a in ax.artists if isinstance(a, line_ends.EndLabels)]
    renderer = ax.figure.canvas.get_renderer()
    stars = [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in ax.get_lines()
             if ln.get_marker() == "*"]  # fmt: skip
    assert len(stars) == len(best) == len(names.texts)
    for text, leader, end in zip(names.texts, names.leaders, names.ends, strict=True):
        rate = float(text.get_text().rsplit("best rate ", 1)[1])
        star = [p for p in stars if np.allclose(p, end)]
        assert star and np.isclose(end[0], rate, rtol=0.05), text.get_text()  # at its star
        px = ax.transData.transform(star[0])
        box = text.get_window_extent(renderer)
        gap = np.hypot(max(box.x0 - px[0], 0, px[0] - box.x1),
                       max(box.y0 - px[1], 0, px[1] - box.y1))  # fmt: skip
        joined = np.isfinite(leader.get_ydata()).all() and len(leader.get_ydata()) == 2
        assert gap < 40 or joined, (text.get_text(), gap)  # beside it, or a leader to it


def test_a_threshold_is_named_clear_of_a_curve_that_crosses_it_at_the_left():
    # lr_sweep named its 1% line at a fixed place at the left, on Momentum's line there
    fig = plots.new_figure("16:9", 100)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    curve = ax.plot([0.2, 0.2, 1.5, 1.5], [10, 5.3, 5.3, 0], "-", color="C0", lw=2)[0]
    line = ax.axhline(5.0, ls="--")
    label = line_ends.ThresholdLabel(ax, line, "within 1% of the start's gap", fontsize=13)
    ax.add_artist(label)
    fig.canvas.draw()
    box = label.get_window_extent(fig.canvas.get_renderer())
    assert not box.count_contains(line_ends.data_pixels(ax, skip=[line]))
    assert ax.bbox.x0 <= box.x0 and box.x1 <= ax.bbox.x1
    y = ax.transData.transform((0, 5.0))[1]
    assert min(abs(box.y0 - y), abs(box.y1 - y)) < 8  # beside its line
    assert box.x0 < ax.transData.transform((5.0, 0))[0]  # as far left as it is free
    assert curve in ax.get_lines()


def test_a_sweep_draws_the_window_of_rates_that_end_within_one_percent(sweep):
    # lr_sweep's lesson (one rate for GD, over a decade for Adam) was in its caption only
    with plots.offscreen():
        ax = sweepplots.plot_sweep(sweep, dpi=100, panels=False)
    gap = sweep.start_loss - sweep.surface.min_value
    assert gap > 0
    threshold = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [0.01 * gap] * 2]
    assert threshold, "no line at 1% of the start's gap"
    bars = {ln.get_color(): ln for ln in ax.get_lines() if ln.get_gid() == "good-window"}
    for i, (lrs, loss, bad) in enumerate(
        zip(sweep.lrs, sweep.final_loss, sweep.diverged, strict=True)
    ):
        good = lrs[~bad & (loss - sweep.surface.min_value <= 0.01 * gap)]
        color = sweepplots.sweep_looks(sweep)[i]["color"]
        if len(good):  # a plain bar over the good rates (markers a rate apart ran together)
            x0, x1 = bars[color].get_xdata()
            assert x0 < good.min() and good.max() < x1
            assert np.log10(good.min() / x0) < 0.5 and np.log10(x1 / good.max()) < 0.5
            assert bars[color].get_marker() in ("None", "none", "")
        else:
            assert color not in bars
    assert bars, "the sweep should have some good rates"


def test_sweep_colours_hold_one_red_and_stay_apart_for_colour_blind_readers():
    import itertools

    from matplotlib.colors import rgb_to_hsv, to_rgb
    from test_visibility import MACHADO, cielab, linear

    six = [line_ends.look(i)["color"] for i in range(6)]
    reds = [c for c in six if (h := rgb_to_hsv(to_rgb(c)))[1] > 0.3
            and (h[0] < 0.05 or h[0] > 0.8)]  # fmt: skip
    assert len(reds) <= 1, reds  # rose, brick red and wine read as one family
    for vision, sim in MACHADO.items():
        for a, b in itertools.combinations(six, 2):
            assert np.linalg.norm(cielab(sim @ linear(a)) - cielab(sim @ linear(b))) >= 20, (
                vision,
                a,
                b,
            )


def _curve_looks(ax, sw) -> dict[str, tuple]:
    """Each curve of a sweep (drawn in the sweep's order): its colour, marker and dashes."""
    lines = data_lines(ax)
    assert len(lines) == len(sw.optimizers)
    return {
        sweepplots.swept_name(opt): (
            ln.get_color(),
            ln.get_marker(),
            str(ln._unscaled_dash_pattern),
        )
        for opt, ln in zip(sw.optimizers, lines, strict=True)
    }


def test_an_optimizer_looks_the_same_in_every_sweep_whatever_its_place_in_the_list():
    # sweep.png drew RMSprop black and Adam red, lr_sweep.png RMSprop teal and Adam black:
    # two slides of one deck contradicted each other
    lrs = [0.01, 0.05, 0.2]
    looks = []
    for opts in (SIX, ["adam", "rmsprop", "gd", "momentum"], ["lion", "gd"]):
        sw = A.sweep("quadratic", opts, lrs=lrs, steps=10, start=(1.0, 1.0))
        with plots.offscreen():
            ax = sweepplots.plot_sweep(sw, dpi=60, panels=False)
        ax.figure.canvas.draw()
        looks.append(_curve_looks(ax, sw))
    for name in ("GD", "Momentum (μ 0.9)", "RMSprop", "Adam", "Lion"):
        seen = {look[name] for look in looks if name in look}
        assert len(seen) == 1, (name, seen)
    assert looks[0]["Lion"][0] != looks[0]["GD"][0]


def test_a_sweep_of_one_optimizer_twice_still_tells_its_lines_apart():
    assert line_ends.identity_slots(["adam", "adam", "gd"]) == [5, 1, 0]
    slots = line_ends.identity_slots(["nesterov", "gd", "adam", "adam", "muon"])
    assert len(set(slots)) == 5 and slots[1] == 0 and slots[2] == 5


def test_no_two_of_the_six_optimizers_are_both_blue():
    from matplotlib.colors import rgb_to_hsv, to_rgb

    hues = [rgb_to_hsv(to_rgb(line_ends.look(k)["color"])) for k in line_ends.IDENTITY.values()]
    blue = [h for h in hues if 0.5 <= h[0] <= 0.68 and h[1] > 0.3]
    assert len(blue) <= 1, blue


@pytest.fixture(scope="module")
def sweep_panels(sweep):
    best = {key: float(lrs[np.argmin(np.where(np.isfinite(sc), sc, np.inf))])
            for key, lrs, sc in zip(sweep.keys, sweep.lrs, sweep.score, strict=True)}  # fmt: skip
    with plots.offscreen():
        panels = sweepplots.plot_sweep(sweep, best=best, dpi=100)
    panels.flat[0].figure.canvas.draw()
    return panels, best


def test_a_sweep_of_six_gives_each_optimizer_a_panel_with_only_its_own_curve(sweep, sweep_panels):
    # six curves on one axes ran together where the rates were too small to move any; grey
    # copies of the other five in every panel, rows of crosses a rate apart (a zigzag) and
    # leaders from 'best 0.0012' across the data were clutter the lesson did not need
    panels, best = sweep_panels
    looks = sweepplots.sweep_looks(sweep)
    for i, panel in enumerate(panels.flat):
        assert panel.get_title() == sweepplots.swept_name(sweep.optimizers[i])
        (mine,) = data_lines(panel)  # one curve drawn in full, in its own look
        assert (mine.get_color(), mine.get_marker()) == (looks[i]["color"], looks[i]["marker"])
        assert not [ln for ln in panel.get_lines() if ln.get_marker() == "x"]
        assert not [t for t in panel.texts if t.get_gid() == "end-label"]
        (star,) = [ln for ln in panel.get_lines() if ln.get_marker() == "*"]
        assert np.isclose(star.get_xdata()[0], best[sweep.keys[i]])
        (words,) = [t.get_text() for t in panel.texts if t.get_gid() == "window-words"]
        assert f"★ {best[sweep.keys[i]]:.2g}" in words
        if sweep.diverged[i].any():
            (block,) = [p for p in panel.patches if p.get_gid() == "diverged"]
            x0 = block.get_x() if hasattr(block, "get_x") else block.get_xy()[0][0]
            lrs = sweep.lrs[i]
            assert lrs[~sweep.diverged[i]].max() < x0 < lrs[sweep.diverged[i]].min()


def test_a_tuned_sweep_keeps_its_best_star_clear_of_the_panel_edges(sweep, sweep_panels):
    # sweep.png's Momentum star at 0.0012 touched the bottom of its panel
    panels, _ = sweep_panels
    renderer = panels.flat[0].figure.canvas.get_renderer()
    for panel in panels.flat:
        (star,) = [ln for ln in panel.get_lines() if ln.get_marker() == "*"]
        frame = panel.get_window_extent(renderer)
        px, py = panel.transData.transform((star.get_xdata()[0], star.get_ydata()[0]))
        radius = star.get_markersize() * 100 / 72 / 2
        assert frame.y0 + radius < py < frame.y1 - radius, panel.get_title()


def test_lr_sweep_and_sweep_run_one_setup_and_agree_on_best_rates_and_windows():
    # lr_sweep said 'GD: one rate' gets 99% down where sweep said no rate does: they ran
    # from different starts for different step counts, said only in small axis text
    from pathlib import Path

    from optviz.scenes.build import load_scene
    from optviz.scenes.results import result

    gallery = Path(__file__).parent.parent / "gallery"
    found = {}
    for name in ("lr_sweep", "sweep"):
        scene = load_scene(gallery / f"{name}.toml", output_folder="/tmp")
        (r,) = [r for r in scene.renders if r.kind in ("sweep", "tune")]
        got = result(scene, r)
        found[name] = getattr(got, "sweep", got)
    a, b = found["lr_sweep"], found["sweep"]
    assert sweepplots.setup_words(a) == sweepplots.setup_words(b)
    common = set(a.keys) & set(b.keys)
    assert {"gd", "momentum", "adam"} <= common
    best = {}
    for sw in (a, b):
        wins = sweepplots.good_windows(sw)
        for i, key in enumerate(sw.keys):
            if key in common:
                kept = np.where(sw.diverged[i], np.inf, sw.final_loss[i])
                span = None if wins[i] is None else sweepplots._span_words(wins[i])
                best.setdefault(key, []).append((float(sw.lrs[i][np.argmin(kept)]), span))
    for key, (one, other) in best.items():
        assert one == other, (key, one, other)


def test_every_panel_says_which_rates_get_99_percent_down_or_that_none_does(sweep, sweep_panels):
    panels, _ = sweep_panels
    for panel, rates in zip(panels.flat, sweepplots.good_windows(sweep), strict=True):
        (words,) = [t.get_text() for t in panel.texts if t.get_gid() == "window-words"]
        shaded = [p for p in panel.patches if p.get_gid() == "good-window"]
        if rates is None:
            assert words.split("  ·  ")[-1] == "no rate gets 99% down" and not shaded
        else:
            assert words.split("  ·  ")[-1].startswith("99% down: ") and len(shaded) == 1
            x0, x1 = shaded[0].get_x(), shaded[0].get_x() + shaded[0].get_width()
            assert x0 < rates.min() and rates.max() < x1


def test_sweep_panels_write_no_text_under_16_px_and_each_log_axis_one_way(sweep_panels):
    from test_log_ticks import assert_one_style

    fig = sweep_panels[0].flat[0].figure
    style.raise_type(fig)  # as writing the figure does
    ticks = {t for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]}
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text() and text not in ticks:
            assert text.get_fontsize() * 100 / 72 >= 16, text.get_text()
            assert not re.search(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]|\\mathdefault|\^", text.get_text()), text
    assert_one_style(fig)  # decimals or powers of ten, never 1e-3 beside 0.01


def test_a_sweep_on_one_plot_draws_its_windows_and_nothing_beside_them(sweep_ax):
    """lr_sweep drew rows of crosses, a dotted line per optimizer at its first diverging
    rate and rotated 14 px strip names beside the lesson's windows: a line now stops
    where its rates diverge, and every word is 16 px or more, upright."""
    fig = sweep_ax.figure
    fig.canvas.draw()
    assert not [ln for ln in sweep_ax.get_lines() if ln.get_marker() == "x"]
    xs = [np.atleast_1d(ln.get_xdata()) for ln in sweep_ax.get_lines()]
    assert not [x for x in xs if len(x) == 2 and x[0] == x[1]]  # no vertical lines
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text() and text.get_rotation() == 0:
            continue
        if text.get_visible() and text.get_text():
            assert text in [sweep_ax.yaxis.label], text.get_text()  # only the axis name turns
    words = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert any("stops where its rates diverge" in w for w in words)


def test_a_sweep_shows_no_code_names(sweep_ax):
    assert code_on(sweep_ax.figure) == []


def test_the_code_rule_catches_what_code_writes():
    for text in ("gd(lr=0.05) on Saddle", "legend: rmsprop", "inverse_sqrt", "step_size=100"):
        assert CODE.search(text), text
    for text in ("GD (lr 0.05)", "RMSprop", "inverse square root", "×0.5 every 100 steps"):
        assert not CODE.search(text), text


def test_noise_bands_speak_in_words_and_label_decades_in_one_format():
    b = A.bands("quadratic", "gd:lr=0.1", seeds=4, steps=12, noise="grad=0.3")
    fig = bandplots.plot_bands(b, dpi=60)
    assert code_on(fig) == []
    assert "gradient noise σ 0.3" in fig.get_suptitle()
    from test_log_ticks import assert_one_style, log_label_styles

    style.raise_type(fig)  # as writing the figure does: one style on every log axis
    assert log_label_styles(fig)  # the loss panel's log axis
    assert_one_style(fig)  # noise_bands mixed "1e-4" with "0.01"


def test_schedule_shapes_fill_their_grid_in_words():
    fig = scheduleplots.plot_schedules(steps=60)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    rows, cols = axes[0].get_subplotspec().get_gridspec().get_geometry()
    assert rows * cols == len(axes) == len(scheduleplots.SCHEDULE_SHAPES)
    assert code_on(fig) == []
    assert all(ax.get_xlabel() == "step" for ax in axes)


def test_init_summary_lines_differ_in_marker_and_dash():
    stats = [nets.propagate(k, depth=3, width=12, batch=20) for k in
             ("small", "large", "xavier_normal", "he_normal", "zeros")]  # fmt: skip
    fig = init_figures.init_summary(stats)
    for ax in fig.axes:
        lines = data_lines(ax)
        assert len(lines) >= 4
        looks = {(ln.get_marker(), str(ln._unscaled_dash_pattern)) for ln in lines}
        assert len(looks) == len(lines)


def test_names_pushed_apart_keep_their_order_and_stay_inside():
    want = np.array([50.0, 50.0, 51.0, 300.0])
    size = np.array([[40, 20], [40, 20], [40, 20], [40, 20]], float)
    y = line_ends.spread_apart(want, np.zeros(4), size, 0.0, 320.0)
    assert np.all(np.diff(np.sort(y[:3])) >= 20.0)
    assert np.all(y - 10 >= 0) and np.all(y + 10 <= 320)
    # boxes side by side (no shared columns) are not moved
    y2 = line_ends.spread_apart(want[:2], np.array([0.0, 100.0]), size[:2], 0.0, 320.0)
    np.testing.assert_allclose(y2, want[:2])


def test_phase_map_levels_are_named_upright_inside_and_off_the_boundary():
    from optviz.analysis import phase

    m = phase("elliptic", "momentum", n=24, steps=60, workers=1)
    ax = phaseplots.plot_phase(m, dpi=60)
    ax.figure.canvas.draw()
    labels = [t for t in ax.texts if t.get_gid() == "level-label"]
    assert labels and not [t for t in ax.texts if t.get_gid() != "level-label" and t.get_text()]
    frame = ax.get_window_extent()
    for t in labels:
        assert t.get_rotation() == 0
        box = t.get_window_extent()
        assert frame.x0 < box.x0 and box.x1 < frame.x1 and frame.y0 < box.y0 and box.y1 < frame.y1
    assert phaseplots.CLOSED_NAME in [t.get_text() for t in ax.get_legend().get_texts()]


def test_basins_that_touch_differ_for_red_green_deficient_readers_and_in_pattern():
    import itertools

    from test_visibility import MACHADO, cielab, linear

    first = analysis_plots.BASIN_COLORS[:4]  # Himmelblau's four basins all touch
    for vision, sim in MACHADO.items():
        for a, b in itertools.combinations(first, 2):
            gap = np.linalg.norm(cielab(sim @ linear(a)) - cielab(sim @ linear(b)))
            assert gap >= 30, (vision, a, b)
    assert len(set(analysis_plots.BASIN_HATCHES[:4])) == 4


def test_basins_key_leaves_out_outcomes_no_start_had():
    b = A.basins("quadratic", ["gd:lr=0.1"], n=8, steps=60)
    fig = analysis_plots.plot_basins(b, dpi=40)
    keys = [t.get_text() for t in fig.legends[0].get_texts()]
    assert keys and all(k.endswith("minimum") for k in keys)
    assert code_on(fig) == []


def test_basins_key_names_minima_by_place_on_maps_without_axes_and_says_a_shared_note_once():
    # basins: the key named minima by coordinates ("(−2.81, 3.13)") on panels with no
    # axes, and "every start ends in a minimum" stood under all three panels
    b = A.basins("himmelblau", ["gd:lr=0.01", "gd:lr=0.011"], n=6, steps=300)
    fig = analysis_plots.plot_basins(b, dpi=40)
    keys = [t.get_text() for t in fig.legends[0].get_texts()]
    assert sorted(keys) == sorted(
        f"{v} {h} minimum" for v in ("top", "bottom") for h in ("left", "right")
    )
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert len(notes) == len(set(notes))


def test_names_at_line_ends_read_on_either_background(sweep):
    for theme, darker in (("light", True), ("dark", False)):
        ax = sweepplots.plot_sweep(sweep, dpi=50, theme=theme, panels=False)
        ax.figure.canvas.draw()
        from matplotlib.colors import to_hex

        shown = {to_hex(t.get_color()) for t in ax.texts if t.get_gid() == "end-label"}
        palette = {to_hex(ln.get_color()) for ln in data_lines(ax)}
        assert (shown != palette) == darker  # orange and sky blue darkened on white only


@pytest.fixture(scope="module")
def zoom_figure():
    """A phase map with a zoom window too small to see, drawn once for the tests below."""
    from optviz.analysis import phase

    wide = phase("elliptic", "momentum", n=12, steps=40, workers=1)
    small = phase("elliptic", "momentum", ("lr", 0.05, 0.052, "log"), ("momentum", 0.5, 0.505),
                  n=6, steps=40, workers=1)  # fmt: skip
    with plots.offscreen():
        fig = lesson_maps.plot_zoom(wide, small, dpi=100)
    fig.canvas.draw()
    return fig


def test_a_zoom_frame_is_the_true_window_and_a_tiny_one_gets_a_pointer(zoom_figure):
    # phase_network: a frame enlarged to a room's sight misstated the zoom 5x on each axis
    from matplotlib.patches import Rectangle

    left = zoom_figure.axes[0]
    (frame,) = [p for p in left.patches if isinstance(p, Rectangle)]
    (x0, y0), (x1, y1) = frame.get_bbox().get_points()
    assert (x0, y0, x1, y1) == pytest.approx((0.05, 0.5, 0.052, 0.505), rel=1e-9)
    assert not frame.get_fill()  # a filled spot read as one more cell
    (pointer,) = [t for t in left.texts if t.get_gid() == "zoom-pointer"]
    assert pointer.xy == pytest.approx((np.sqrt(0.05 * 0.052), np.sqrt(0.5 * 0.505)))


def test_a_zoom_connector_over_the_maps_data_is_dropped_one_stays():
    # phase_network: the lower connector ran across the trained cells at the lower right
    from types import SimpleNamespace

    import matplotlib.pyplot as plt

    x, y = np.linspace(0, 1, 20), np.linspace(0, 1, 20)
    diverged = np.add.outer(y, x) > 1.0  # the upper right diverged, the lower left trained
    phase = SimpleNamespace(x=x, y=y, diverged=diverged)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.8, 7.2))
    for ax in (left, right):
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    upper = ((0.6, 0.8), (0.0, 1.0))  # runs right over the diverged corner
    lower = ((0.6, 0.2), (0.0, 0.0))  # runs right along the foot, over trained cells
    kept = lesson_maps._connectors(left, right, phase, (upper, lower))
    assert kept == [upper]
    everywhere = SimpleNamespace(x=x, y=y, diverged=np.zeros_like(diverged))
    assert len(lesson_maps._connectors(left, right, everywhere, (upper, lower))) == 1
    plt.close(fig)


def test_the_zoom_connectors_strike_no_tick_label():
    """The connectors land on the zoom's left corners, where its end ticks' numbers sit
    (a window from 0.3 to 0.9 is ticked at both ends): no number a connector crosses is drawn."""
    from matplotlib.patches import ConnectionPatch

    from optviz.analysis import phase

    wide = phase("elliptic", "momentum", n=6, steps=20, workers=1)
    small = phase("elliptic", "momentum", ("lr", 0.02, 0.2, "log"), ("momentum", 0.3, 0.9),
                  n=5, steps=20, workers=1)  # fmt: skip
    with plots.offscreen():
        fig = lesson_maps.plot_zoom(wide, small, dpi=60)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    right = fig.axes[1]
    labels = [t for t in right.get_yticklabels() if t.get_visible() and t.get_text()]
    assert len(labels) >= 2
    lo, hi = right.get_ylim()
    for patch in [a for a in fig.artists if isinstance(a, ConnectionPatch)]:
        path = patch.get_path().interpolated(200)
        pts = patch.get_transform().transform(path.vertices)
        for label in labels:
            box = label.get_window_extent(renderer)
            assert not box.count_contains(pts), label.get_text()


def test_names_at_line_ends_cover_no_data_and_have_no_halo(sweep_ax):
    """A name hides nothing: no opaque box behind it, and no line's point or marker under
    it (the old names sat on a white halo that erased other optimizers' markers)."""
    renderer = sweep_ax.figure.canvas.get_renderer()
    labels = [t for t in sweep_ax.texts if t.get_gid() == "end-label" and t.get_visible()]
    leaders = [ln for ln in sweep_ax.get_lines() if len(ln.get_xdata()) == 2
               and ln.get_linewidth() == 1.0]  # fmt: skip
    data = line_ends.data_pixels(sweep_ax, skip=leaders)
    for t in labels:
        assert t.get_bbox_patch() is None, t.get_text()
        box = t.get_window_extent(renderer)
        under = (data[:, 0] > box.x0) & (data[:, 0] < box.x1)
        under &= (data[:, 1] > box.y0) & (data[:, 1] < box.y1)
        assert not under.any(), (t.get_text(), data[under][:3])


@pytest.mark.parametrize("name, field", [("saddle", "stream"), ("six_hump_camel", None)])
def test_a_surface_at_a_glance_keeps_its_key_inside_the_frame(name, field, tmp_path):
    """The key below the map was cut by the frame's bottom edge (saddle_field), once
    saving raised its type to the slide's floor."""
    from optviz.render.surface3d import show_surface
    from optviz.render.writers import save_figure

    fig = show_surface(name, field=field, dpi=100, title="A title as long as a slide's title")
    save_figure(fig, tmp_path / "still.png", dpi=100)  # as the gallery writes it
    assert audit.words_outside(fig) == []
    assert fig.legends  # a figure legend: the layout makes its room


def test_words_outside_sees_a_cut_legend_and_ignores_undrawn_ticks():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=60)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_xlim(0.2, 0.8)  # ticks at 0 and 1 exist but are not drawn
    assert audit.words_outside(fig) == []
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))
    assert audit.words_outside(fig) == ["a line"]


@pytest.fixture(scope="module")
def saddle_bands_fig():
    b = A.bands("saddle", "gd:lr=0.05", seeds=8, steps=60, noise="grad=0.3", start=(-1.8, 0.0))
    fig = bandplots.plot_bands(b, dpi=100)
    fig.canvas.draw()
    return fig


def test_exit_markers_are_whole_and_no_note_covers_the_paths(saddle_bands_fig):
    left = saddle_bands_fig.axes[0]
    frame = left.get_window_extent()
    exits = [ln for ln in left.get_lines() if isinstance(ln.get_marker(), tuple)]
    assert exits
    for ln in exits:
        x, y = left.transData.transform(np.column_stack([ln.get_xdata(), ln.get_ydata()]))[0]
        r = ln.get_markersize() * saddle_bands_fig.dpi / 72 / 2
        assert frame.x0 + r <= x <= frame.x1 - r and frame.y0 + r <= y <= frame.y1 - r
    notes = [t for t in left.texts if t.get_text() and t.get_gid() != "exit-count"]
    paths = np.concatenate([left.transData.transform(np.column_stack(ln.get_data()))
                            for ln in left.get_lines() if len(ln.get_xdata()) > 2])  # fmt: skip
    for note in notes:  # the exits' counts at the edge; a note names a mark, off the paths
        assert note.get_gid() == "plain-end"
        box = Text.get_window_extent(note)
        assert not box.count_contains(paths), note.get_text()
    key = left.get_legend()  # under the map, off the paths
    saddle_bands_fig.canvas.draw()
    assert key.get_window_extent().y1 <= frame.y0
    assert any("left the view" in t.get_text() for t in key.get_texts())


def test_a_narrow_fan_is_framed_and_its_ends_sit_between_the_minimums_fill_and_outline():
    # over the fill and the paths (seen), under the star's outline (which thirty ends hid)
    from optviz.render.landmarks import FILL_ZORDER, LANDMARK_ZORDER

    b = A.bands("quadratic", "gd:lr=0.1", seeds=6, steps=40, noise="grad=0.05", start=(0.5, 0.5))
    left = bandplots.plot_bands(b, dpi=60).axes[0]
    (x0, x1), (y0, y1) = b.trajectory.surface.domain
    lo, hi = left.get_xlim()
    assert hi - lo < 0.7 * (x1 - x0)  # zoomed to the fan
    ends = [ln for ln in left.get_lines() if ln.get_marker() == "o" and len(ln.get_xdata()) == 6]
    # noise_bands: thirty ends still hid the star under its thin outline: a band map's
    # landmarks are filled and drawn over the ends
    assert ends and ends[0].get_zorder() > FILL_ZORDER
    marks = [ln for ln in left.get_lines() if ln.get_gid() == "landmark"]
    assert marks and all(m.get_zorder() > ends[0].get_zorder() for m in marks)
    assert all(m.get_markerfacecolor() not in ("none", "None") for m in marks)
    assert LANDMARK_ZORDER  # (the race maps keep their outlines over the balls)


def test_init_schemes_with_the_same_numbers_both_show():
    """He normal lay under Xavier (gain 5/3) in every panel: equal values now sit side by
    side, each marker at least half its width from every other line's at that layer."""
    stats = [nets.propagate(k, depth=3, width=12, batch=20) for k in ("he_normal", "he_normal")]
    fig = init_figures.init_summary(stats)
    fig.canvas.draw()
    for ax in fig.axes:
        a, b = (ax.transData.transform(np.column_stack([ln.get_xdata(), ln.get_ydata()]))
                for ln in data_lines(ax))  # fmt: skip
        r = data_lines(ax)[0].get_markersize() * fig.dpi / 72
        assert np.all(np.hypot(*(a - b).T) >= r / 2), ax.get_title()


def test_symmetry_heatmaps_and_weight_plots_share_one_scale():
    """The constant init's 0.497 showed darker than Xavier's 1.0: each heatmap had its own
    colour scale and each weight plot its own y range."""
    from optviz.render.netfigures import symmetry_figure

    runs = [nets.symmetry_run(k, hidden=(4,), steps=5) for k in ("zeros", "constant", "lecun")]
    fig = symmetry_figure(runs)
    heat = [ax for ax in fig.axes if ax.images]
    assert len(heat) == 3 and len({ax.images[0].get_clim() for ax in heat}) == 1
    curves = [ax for ax in fig.axes if ax.get_xlabel() == "gradient step"]
    assert len({ax.get_ylim() for ax in curves}) == 1
    assert audit.words_outside(fig) == []
    assert "every weight 0" in [t.get_text() for t in heat[0].texts]


def test_neurons_that_differ_differ_in_dashes_too_so_none_hides_another():
    # symmetry: two of Xavier's 8 lines ran a hair apart, so "8 different lines" showed 7
    from optviz.render.netfigures import symmetry_figure

    runs = [nets.symmetry_run(k, hidden=(6,), steps=5) for k in ("constant", "lecun")]
    fig = symmetry_figure(runs)
    lockstep, differ = [ax for ax in fig.axes if ax.get_xlabel() == "gradient step"]
    assert {str(ln._unscaled_dash_pattern) for ln in lockstep.get_lines()} == {"(0, None)"}
    lines = [ln for ln in differ.get_lines() if ln.get_gid() == "neuron"]
    assert len(lines) == 6
    assert len({(ln.get_color(), str(ln._unscaled_dash_pattern)) for ln in lines}) == 6
    # lines next in line (a pair most likely to lie close) never share their dashes
    dashes = [str(ln._unscaled_dash_pattern) for ln in lines]
    assert all(a != b for a, b in zip(dashes, dashes[1:], strict=False))


def test_the_show_maps_key_draws_each_landmark_as_the_map_does_and_large():
    # show_surface: the key's global minimum was a hollow star beside gold ones on the map,
    # and the maxima's 14-point triangles were the least visible marks
    from optviz.render import landmarks, mapplots

    with plots.offscreen():
        fig = mapplots.show_map("six_hump_camel", dpi=100)
    (key,) = fig.legends
    entries = dict(zip([t.get_text() for t in key.get_texts()], key.legend_handles, strict=True))
    assert entries["global minimum"].get_markerfacecolor() == landmarks.GLOBAL_FILL
    assert entries["local minimum"].get_markerfacecolor() == "none"
    ax = fig.axes[0]
    marks = [ln for ln in ax.get_lines() if ln.get_gid() == "landmark"]
    assert {ln.get_label() for ln in marks} >= {"maximum", "saddle"}
    assert all(ln.get_markersize() >= mapplots.SHOWN_AT_LEAST for ln in marks)


def _looks(lines) -> set:
    return {(ln.get_marker(), str(ln._unscaled_dash_pattern)) for ln in lines}


def test_batchnorm_and_dropout_settings_differ_without_colour():
    """With and without BN, with and without dropout: told apart by dash or marker."""
    from optviz.nets import dropout
    from optviz.render import netfigures
    from optviz.render.dropoutplots import dropout_figure

    plain, bn = nets.batchnorm_pair(depth=3, width=8, epochs=2)
    loss = netfigures.batchnorm_figure(plain, bn, layers=[1]).axes[0]
    assert len(_looks(loss.lines[:2])) == 2
    pairs = dropout.seed_study([0], hidden=(8, 8), steps=20)
    fig = dropout_figure(pairs, thinned=2, ensemble=4, resolution=20)
    loss = next(ax for ax in fig.axes if ax.get_ylabel() == "cross-entropy")
    test = [ln for ln in loss.lines if len(ln.get_xdata()) and ln.get_linestyle() == "-"]
    assert len({ln.get_marker() for ln in test}) == 2  # one marker per setting
    assert loss.get_yscale() == "log"
    assert audit.words_outside(fig) == []


def test_dropout_is_one_slide_the_lesson_panel_the_largest_its_lines_named_not_keyed():
    # seven panels, 240 px maps, twenty loss curves and a key over the lowest of them
    from optviz.nets import dropout
    from optviz.render.dropoutplots import dropout_figure

    pairs = dropout.seed_study([0, 1], hidden=(8, 8), steps=20)
    fig = dropout_figure(pairs, ensemble=4, resolution=20)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    loss = next(ax for ax in fig.axes if ax.get_ylabel() == "cross-entropy")
    maps = [ax for ax in fig.axes if ax is not loss]
    assert len(maps) == 2 and loss.get_legend() is None
    # dropout: the maps (their borders are what a room remembers) were 330 px, narrower
    # than the loss panel
    assert all(m.bbox.width > 1.2 * loss.bbox.width for m in maps)
    assert all(min(m.bbox.width, m.bbox.height) >= 380 for m in maps)  # at 1280x720
    drawn = [ln for ln in loss.get_lines() if ln.get_gid() != "end-label" and len(ln.get_xdata())]
    assert len([ln for ln in drawn if ln.get_marker() not in ("None", None)]) == 4
    named = sorted(t.get_text() for t in loss.texts if t.get_gid() == "end-label")
    assert named == sorted(
        f"{s}: {w}" for s in ("no dropout", "dropout") for w in ("test", "train")
    )
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text():
            box = text.get_window_extent(renderer)
            assert box.x0 >= 20 and box.x1 <= fig.bbox.width - 20, text.get_text()
            assert text.get_fontsize() * 100 / 72 >= 16, text.get_text()
    words = " ".join(words_on(fig))
    assert "random units off" in words


def test_curvature_kinds_differ_in_pattern_as_well_as_colour():
    """Bowl, dome and saddle had near-equal greys and no pattern."""
    c = A.curvature("six_hump_camel", n=30, critical=False)
    ax = analysis_plots.plot_curvature(c, dpi=40)
    from matplotlib.contour import ContourSet

    sets = [cs for cs in ax.collections if isinstance(cs, ContourSet)]
    hatched = {h for cs in sets for h in cs.hatches if h}
    kinds = ("convex", "concave", "saddle")
    assert len({analysis_plots.CURVATURE_HATCHES[k] for k in kinds}) == 3
    assert {analysis_plots.CURVATURE_HATCHES[k] for k in kinds} - {""} <= hatched
    keys = {p.get_label().split(":")[0]: p.get_hatch() for p in ax.get_legend().get_patches()}
    assert len({keys[w] for w in ("bowl", "dome", "saddle")}) == 3


def test_a_zoom_keys_its_lessons_line_alone_and_frames_a_small_window_once(zoom_figure):
    # phase_momentum had four line encodings (formula contours, formula edge, measured
    # edge, GD's best): the title's "white line" was lost among them
    from matplotlib.patches import Rectangle

    fig = zoom_figure
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    assert lesson_maps.GD_NAME in names
    assert phaseplots.CLOSED_NAME not in names and phaseplots.EDGE_NAME not in names
    for ax in fig.axes[:2]:
        dashed = [c for c in ax.collections if c.get_gid() != "gd-best"
                  and any(ls[1] is not None for ls in np.atleast_1d(c.get_linestyle())
                          if isinstance(ls, tuple))]  # fmt: skip
        assert not dashed and not [t for t in ax.texts if t.get_gid() == "level-label"]
    frames = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and not p.get_fill()]
    assert len(frames) == 1  # one frame, not two nested ones


def test_the_lessons_line_is_the_boldest_and_its_note_crosses_no_line():
    from matplotlib.contour import ContourSet

    from optviz.analysis import phase

    # phase_momentum's window, coarse: the note sat across the lines it named
    wide = phase("elliptic", "momentum", ("lr", 1e-3, 2, "log"), ("momentum", 0, 0.99),
                 n=16, steps=120, workers=1)  # fmt: skip
    zoom = phase("elliptic", "momentum", ("lr", 0.02, 0.2, "log"), ("momentum", 0.3, 0.9),
                 n=24, steps=120, workers=1)  # fmt: skip
    with plots.offscreen():
        zoom_figure = lesson_maps.plot_zoom(wide, zoom, dpi=100)
    right = zoom_figure.axes[1]
    zoom_figure.canvas.draw()
    lines = [c for c in right.collections if isinstance(c, ContourSet)]
    (gd,) = [c for c in lines if c.get_gid() == "gd-best"]
    assert max(np.atleast_1d(gd.get_linewidth())) >= max(
        max(np.atleast_1d(c.get_linewidth())) for c in lines
    )
    (note,) = [t for t in right.texts if t.get_gid() == "gd-note"]
    assert "white line" in note.get_text()
    box = Text.get_window_extent(note)  # the words, not their arrow
    for c in lines:
        for path in c.get_paths():
            xy = right.transData.transform(path.vertices)
            hits = (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (
                xy[:, 1] < box.y1)  # fmt: skip
            assert not hits.any(), c.get_gid()


def test_a_long_stability_formula_leaves_the_key_to_its_number():
    from optviz.render.sharpnessplots import _line_label

    assert _line_label("(2+2β₁)/((1−β₁)·lr)", [9500.0, 9500.0]) == "stability line = 9,500"
    lr = [0.004, 0.004]  # "with 38 = (2+2β₁)/(1−β₁)" in the key was jargon: the caption says it
    label = _line_label("(2+2β₁)/((1−β₁)·lr)", [9500.0, 9500.0], lr)
    assert label == "stability line = 9,500" and "β" not in label
    assert _line_label("2/lr", [10.0, 10.0]) == "stability line 2/lr = 10"


def test_a_loss_spike_that_climbs_over_many_steps_gets_its_guide():
    # edge_of_stability's loss rose 1.24x over 80 steps about step 2800 (under 1.01x a
    # step), adaptive_edge_of_stability's 1.14x over 4 steps at 838: neither got a guide
    from optviz.render.sharpnessplots import spike_steps

    steps = np.arange(3001)
    loss = 0.03 * np.exp(-steps / 3000)
    loss *= 1 + 0.24 * np.exp(-(((steps - 2800) / 30.0) ** 2))  # the slow bump
    loss[[836, 837, 838, 839]] *= [1.03, 1.08, 1.14, 1.06]  # the short one
    assert np.max(loss[1:] / loss[:-1]) < 1.1  # no single step jumps
    (short, slow) = spike_steps(loss)
    assert short == 838 and 2700 < slow < 2800


def test_loss_spikes_are_tied_to_the_sharpness_by_guides_through_both_panels():
    # edge_of_stability: nothing tied the loss's spikes to the sharpness's falls, and
    # markers every 250 steps on the sharpness marked nothing
    from optviz.analysis.sharpness import SharpnessRun
    from optviz.render.sharpnessplots import plot_sharpness_runs, spike_steps

    loss = np.geomspace(1, 1e-3, 301)
    loss[[100, 101, 220]] *= 4  # two spikes, the first ringing for two steps
    at = np.arange(0, 301, 10)
    run = SharpnessRun("GD", at, np.linspace(1, 9, len(at)), loss, np.full(300, 0.2), None)
    assert spike_steps(loss) == [100, 220]
    with plots.offscreen():
        fig = plot_sharpness_runs([run], dpi=60)
    for ax in fig.axes[:2]:
        guides = [ln for ln in ax.get_lines() if ln.get_gid() == "spike guide"]
        assert sorted(ln.get_xdata()[0] for ln in guides) == [100, 220]
    curves = [ln for ln in fig.axes[1].get_lines() if len(ln.get_xdata()) == len(at)]
    assert curves and all(ln.get_marker() in (None, "None", "") for ln in curves)
    assert "a spike in the loss" in [t.get_text() for t in fig.axes[1].get_legend().get_texts()]


@pytest.fixture(scope="module")
def saddle_bands():
    return A.bands("saddle", "gd:lr=0.05", seeds=12, steps=60, noise="grad=0.3", start=(-1.8, 0.0))


def test_runs_that_left_the_view_are_counted_at_their_exits(saddle_bands):
    # 33 arrows stacked at one spot read as 3; now one arrow per exit and its count
    with plots.offscreen():
        fig = bandplots.plot_bands(saddle_bands, dpi=100)
    fig.canvas.draw()
    left = fig.axes[0]
    counts = [int(t.get_text().split()[0]) for t in left.texts if t.get_gid() == "exit-count"]
    (x0, x1), (y0, y1) = saddle_bands.trajectory.surface.domain
    end = saddle_bands.trajectory.xy[-1]
    gone = int((~((end[:, 0] >= x0) & (end[:, 0] <= x1) & (end[:, 1] >= y0)
                  & (end[:, 1] <= y1))).sum())  # fmt: skip
    assert gone > 0 and sum(counts) == gone
    assert len(counts) <= 2  # the two ways out of the saddle, up and down
    key = [t.get_text() for t in left.get_legend().get_texts()]
    assert f"{gone} of 12 left the view" in key
    assert "\n" not in left.get_title() and "\n" not in fig.axes[1].get_title()


def test_every_mark_on_a_band_map_is_keyed_and_a_landmark_rings_what_rests_on_it(saddle_bands):
    # bands: the saddle diamond, the end circles and the end square had no key;
    # noise_bands: the minimum's star lay under thirty end circles and the square
    from optviz.render.landmarks import BALL_CLEARANCE, LANDMARK_ZORDER

    with plots.offscreen():
        fig = bandplots.plot_bands(saddle_bands, dpi=100)
    left = fig.axes[0]
    key = [t.get_text() for t in left.get_legend().get_texts()]
    assert {"start", "a seed ends", "without noise", "saddle"} <= set(key), key
    # bands: a square inside the diamond read as clutter: the end on a landmark is said
    (end,) = [t for t in left.texts if t.get_gid() == "plain-end"]
    # named by the landmark it rests on: "ends here" pointed into the seeds' pile of ends
    assert "without noise" in end.get_text() and "ends at the saddle" in end.get_text()
    assert not [ln for ln in left.get_lines() if ln.get_gid() == "plain-end"]
    dots = [ln for ln in left.get_lines() if ln.get_label() == "a seed ends"]
    assert dots and all(d.get_markersize() * 100 / 72 >= 12 for d in dots)  # were 6 px
    assert BALL_CLEARANCE and LANDMARK_ZORDER


def test_a_maps_corner_numbers_are_both_written_and_do_not_touch():
    # bands and saddle_field: "−2.0" and "−2.0" nearly touched at the lower left corner;
    # dropping the x one then left the axis without its first number
    from optviz.render import mapplots, style

    with plots.offscreen():
        fig = mapplots.show_map("saddle", dpi=100)
    style.raise_type(fig)  # the numbers at the size saving gives them
    fig.canvas.draw()
    ax = fig.axes[0]
    x0, y0 = ax.get_xlim()[0], ax.get_ylim()[0]
    (xlab,) = [t for t, v in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
               if np.isclose(v, x0)]  # fmt: skip
    (ylab,) = [t for t, v in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)
               if np.isclose(v, y0)]  # fmt: skip
    a, b = xlab.get_window_extent(), ylab.get_window_extent()
    assert xlab.get_text() and ylab.get_text()
    assert a.y1 <= b.y0 - 3 or a.x0 >= b.x1 + 3  # px apart


def test_a_loss_without_floor_is_on_a_linear_axis_down_to_the_maps_lowest(saddle_bands):
    # bands: a symmetric-log axis of negative losses puzzled
    with plots.offscreen():
        fig = bandplots.plot_bands(saddle_bands, dpi=60)
    fig.canvas.draw()
    right = fig.axes[1]
    assert right.get_yscale() == "linear"
    shown = [t.get_text() for t in right.get_yticklabels() if t.get_text()]
    assert "0" in shown and "−1" in shown and not [s for s in shown if "10^" in s], shown
    assert right.get_ylim()[0] == pytest.approx(-4.0, abs=0.5)  # -y² on the map's y = ±2


def test_every_still_keeps_its_title_clear_of_the_top_edge(saddle_bands, sweep):
    # the titles of bands, noise_bands and schedule_shapes started 4 px from the top
    with plots.offscreen():
        figures = [
            bandplots.plot_bands(saddle_bands, dpi=100),
            scheduleplots.plot_schedules(["constant", "cosine"], steps=40, dpi=100),
            sweepplots.plot_sweep(sweep, dpi=100, panels=False).figure,
            sweepplots.plot_sweep(sweep, dpi=100).flat[0].figure,
            analysis_plots.plot_basins(A.basins("quadratic", ["gd:lr=0.1"], n=6, steps=30)),
        ]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        height = fig.bbox.height
        tops = [height - t.get_window_extent(renderer).y1
                for t in fig.findobj(Text) if t.get_visible() and t.get_text()]  # fmt: skip
        assert min(tops) >= 8, (fig.get_suptitle() or fig.axes[0].get_title(), min(tops))


def test_schedule_panels_keep_their_words_off_the_side_edges_and_three_numbers_an_axis():
    # schedule_shapes: "warm-up + cosine" ended 8 px from the frame; ten panels' ticks crowded
    with plots.offscreen():
        fig = scheduleplots.plot_schedules(dpi=100)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text()]  # fmt: skip
    assert min(b.x0 for b in boxes) >= 12 and min(fig.bbox.width - b.x1 for b in boxes) >= 12
    for ax in fig.axes:
        assert len(ax.get_xticks()) == 3 and len(ax.get_yticks()) == 3


def test_a_momentum_phase_map_draws_gds_best_rate_and_stars_the_fastest_cell(zoom_figure):
    # phase_momentum's lesson (momentum beats GD's best, (κ−1)/(κ+1)) was in its caption only
    from optviz.analysis import phase

    m = phase("elliptic", "momentum", n=6, steps=40, workers=1)
    assert np.isclose(lesson_maps.gd_best_rate(m), 24 / 26)  # curvatures 1 and 25
    right = zoom_figure.axes[1]
    (star,) = [ln for ln in right.get_lines() if ln.get_gid() == "fastest-cell"]
    texts = [t.get_text() for t in right.texts if t.get_gid() == "gd-note"]
    note = texts[0].replace("\n", " ") if texts else ""
    assert "GD at its best (29 steps" in note and "fastest" in note
    assert star.get_marker() == "*"
    legend = [t.get_text() for t in zoom_figure.legends[0].get_texts()]
    assert lesson_maps.GD_NAME in legend


def test_a_surface_shown_without_3d_fills_the_frame_and_writes_true_minus_signs():
    # saddle_field and show_surface: a 3-D inset of a third of the frame left the rest
    # empty, and the colour bar wrote "-1.5" beside axes that write "−1.5"
    from optviz.render import mapplots

    with plots.offscreen():
        fig = mapplots.show_map("saddle", dpi=100, field="stream")
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_window_extent()
    assert box.width * box.height >= 0.6 * fig.bbox.width * fig.bbox.height
    (bar,) = ax.child_axes  # the colour bar, an inset as tall as the map
    ticks = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert any(t.startswith("−") for t in ticks) and not any("-" in t for t in ticks), ticks


def test_a_name_sits_right_of_its_line_end_when_markers_are_sparse_and_leaders_touch_it():
    # rates_adagrad_rmsprop: every point counted as a marker disc pushed each name off its
    # end, and its leader ran to the far corner of the name's box, into empty space
    with plots.offscreen():
        fig = plots.new_figure("small", 100)
    ax = fig.add_subplot()
    x = np.arange(301.0)
    lines = [ax.plot(x, 1 + 0.001 * x, marker="o", ms=9, markevery=(0, 37))[0],
             ax.plot(x, 1 + 0.001 * x + 0.002, marker="s", ms=9, markevery=(5, 37))[0]]  # fmt: skip
    line_ends.room_right(ax, lines, ["first", "second"])
    names = line_ends.label_ends(ax, lines, ["first", "second"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    end = ax.transData.transform((300.0, 1.3))
    box = names.texts[0].get_window_extent(renderer)
    assert box.x0 > end[0] and box.y0 - 2 <= end[1] <= box.y1 + 2  # right of it, level
    for text, leader in zip(names.texts, names.leaders, strict=True):
        ys = leader.get_ydata()
        if len(ys) == 2 and np.isfinite(ys).all():  # a leader ends on its name's box
            tip = ax.transData.transform((leader.get_xdata()[1], ys[1]))
            b = text.get_window_extent(renderer)
            assert b.x0 - 2 <= tip[0] <= b.x1 + 2 and b.y0 - 2 <= tip[1] <= b.y1 + 2


def test_init_summary_says_what_saturated_means_and_draws_no_pale_line():
    from matplotlib.colors import to_hex

    stats = [nets.propagate(k, depth=3, width=12, batch=20) for k in
             ("small", "large", "xavier_normal", "xavier_normal", "he_normal")]  # fmt: skip
    fig = init_figures.init_summary(stats)
    assert "|tanh| > 0.99" in fig.axes[2].get_title()
    shown = {to_hex(ln.get_color()) for ln in data_lines(fig.axes[0])}
    assert len(shown) == 5 and "#56b4e9" not in shown  # He was a thin sky-blue dotted line


def test_lines_drawn_on_one_another_are_named_together():
    # init_summary: N(0, 0.01²), Xavier and He all lay on 0 in the saturation panel: 2 of 5 seen
    stats = [nets.propagate(k, depth=3, width=12, batch=20) for k in
             ("small", "large", "xavier_normal")]  # fmt: skip
    fig = init_figures.init_summary(stats)
    notes = [t.get_text() for t in fig.axes[2].texts if t.get_gid() == "coinciding-note"]
    assert notes == ["2 lines at 0:\nN(0, 0.01²), Xavier"], notes
    assert initplots.coinciding([np.array([0.9, 0.8]), np.array([0.0, 0.0])], log=False) == []
    # on a log axis: 10 % apart is together, a factor of 1.5 is not
    together = initplots.coinciding([np.ones(3), 1.1 * np.ones(3), 1.5 * np.ones(3)], log=True)
    assert together == [[0, 1]]


def test_init_schemes_make_no_orange_red_pair():
    from matplotlib.colors import rgb_to_hsv, to_rgb

    hsv = [rgb_to_hsv(to_rgb(initplots._scheme_color(i))) for i in range(5)]
    hues = [h for h, saturation, _ in hsv if saturation > 0.3]
    warm = [h for h in hues if h < 0.15 or h > 0.9]  # orange, red, rose
    assert len(warm) == 1, hues


def test_init_grid_writes_full_size_numbers_and_a_scale_under_every_column():
    stats = [nets.propagate(k, depth=4, width=12, batch=20) for k in ("small", "large")]
    fig = init_figures.init_grid(stats)
    safe_margin.keep_inside(fig)  # as saved: the title where the layout made room for it
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text():
            assert not re.search(r"⁻|·10", text.get_text()), text.get_text()  # no exponent
            box = text.get_window_extent(renderer)
            assert min(box.x0, box.y0) >= 20 and box.x1 <= fig.bbox.width - 20, text.get_text()
            assert fig.bbox.height - box.y1 >= 20, text.get_text()
    bottom = fig.axes[-4:]
    assert all([t.get_text() for t in ax.get_xticklabels() if t.get_text()] for ax in bottom)
    notes = [t.get_text() for ax in fig.axes[4:] for t in ax.texts]
    assert all("at ±1" in n for n in notes) or not any("at ±1" in n for n in notes)


def test_init_grid_shows_collapse_and_saturation_on_one_height_in_few_wide_columns():
    # init_grid: 40 panels of 75 px, each histogram on its own height, so the N(0, 0.01²)
    # collapse was a spike as tall as a normal hump and saturation hairlines at the edges
    stats = [nets.propagate(k, depth=10, width=40, batch=40) for k in ("small", "large")]
    fig = init_figures.init_grid(stats)
    fig.canvas.draw()
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    assert len(axes) == 2 * init_figures.GRID_COLUMNS
    rows = [axes[: len(axes) // 2], axes[len(axes) // 2 :]]
    assert all(len({ax.get_ylim() for ax in row}) == 1 for row in rows)  # one height a row
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        width = ax.get_window_extent(renderer).width
        assert width >= 150, width
        (bars,) = ax.patches
        edges = bars.get_data().edges
        x0, x1 = ax.get_xlim()
        bin_px = width * (edges[1] - edges[0]) / (x1 - x0)
        assert bin_px >= 8, bin_px  # an edge bar is a bar, not a border
    small, large = axes[: len(axes) // 2], axes[len(axes) // 2 :]
    cut = [t.get_text() for t in small[-1].texts if t.get_gid() == "cut-bar"]
    assert cut == ["100%"]  # the collapse: all of the last layer in one bar, said
    assert any("σ ≈ 0" in t.get_text() for t in small[-1].texts if t.get_gid() == "cell-note")
    top = large[-1].get_ylim()[1]
    heights = large[-1].patches[0].get_data().values
    assert heights[0] > 0.7 * top and heights[-1] > 0.7 * top  # saturation: two tall bars


def test_the_run_without_noise_ends_on_a_mark_above_the_seeds_end_balls(saddle_bands):
    # noise_bands: 30 end balls hid where the full-batch path ends
    with plots.offscreen():
        left = bandplots.plot_bands(saddle_bands, dpi=60).axes[0]
    (end,) = [t for t in left.texts if t.get_gid() == "plain-end"]
    np.testing.assert_allclose(end.xy, saddle_bands.reference.xy[-1])
    balls = [ln for ln in left.get_lines() if ln.get_marker() == "o"]
    assert all(end.get_zorder() > b.get_zorder() for b in balls)


def test_no_spike_guide_in_the_runs_first_stretch():
    # adaptive_edge_of_stability: the first guide stood at step 0 and marked no spike (a
    # blip as the fast first fall settled)
    from optviz.analysis.claim_measures import SPIKE_APART
    from optviz.render.sharpnessplots import spike_steps

    steps = np.arange(3001)
    loss = 0.08 * np.exp(-steps / 3000)
    loss[:10] = np.geomspace(0.5, 0.08, 10)
    loss[20:24] *= 1.3  # the settling blip
    loss[1500:1504] *= 2.0  # a spike
    assert spike_steps(loss) == [1500]
    assert all(t >= SPIKE_APART * len(loss) for t in spike_steps(loss))


def test_a_first_climb_far_past_the_line_is_named():
    # adaptive_edge_of_stability: the first peak (11 000 over a line at 9 500) read as noise
    from types import SimpleNamespace

    from optviz.render.sharpnessplots import plot_sharpness_runs

    at = np.arange(0, 1000, 10)
    sharp = np.minimum(at / 40.0, 9.0)
    sharp[40:45] = [10.5, 13.0, 12.0, 9.5, 8.0]  # the first climb, past the line at 10
    line = SimpleNamespace(values=np.full(1000, 10.0), formula="2/lr")
    run = SimpleNamespace(loss=np.geomspace(1, 0.01, 1000), at=at, sharpness=sharp,
                          preconditioned=False, label="GD", lr=np.full(1000, 0.2),
                          line=line)  # fmt: skip
    with plots.offscreen():
        fig = plot_sharpness_runs([run], dpi=100)
    (note,) = [t for t in fig.axes[1].texts if t.get_gid() == "overshoot"]
    assert note.xy == pytest.approx((at[41], 13.0))
    ylabel = fig.axes[1].get_ylabel()
    assert "rescaled" not in ylabel


def test_a_field_maps_key_is_off_the_map_and_its_levels_are_bold_and_few():
    # saddle_field: the lone key sat in the map's corner over streamline arrows, and the
    # level lines were half-transparent grey hairlines on the grey fill
    from matplotlib.contour import ContourSet

    from optviz.render import mapplots

    with plots.offscreen():
        fig = mapplots.show_map("saddle", dpi=100, field="stream")
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_legend() is None and fig.legends
    key, frame = fig.legends[0].get_window_extent(), ax.get_window_extent()
    assert key.y1 <= frame.y0 or key.y0 >= frame.y1  # under the map or over it
    (levels,) = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    widths = np.atleast_1d(levels.get_linewidth())
    shown = widths[widths > 0]
    assert 3 <= len(shown) <= 12 and shown.min() * 100 / 72 >= 2.0  # px at 100 dpi
    assert levels.get_alpha() >= 0.8


def test_the_spike_guides_drawn_are_the_spikes_the_claim_counts():
    # edge_of_stability drew 4 guides but claimed spikes(at_least=5): the claim counted a
    # spike ringing for a few steps as several and missed one climbing over many steps;
    # adaptive_edge_of_stability drew a guide on the frame's edge at the run's last steps
    from optviz.analysis.claims import Measured, check_claims
    from optviz.analysis.sharpness import SharpnessRun
    from optviz.render.sharpnessplots import plot_sharpness_runs

    steps = np.arange(3001)
    loss = 0.03 * np.exp(-steps / 3000)
    loss[400:408] *= [1.3, 1.8, 0.9, 1.4, 0.95, 1.3, 1.0, 1.2]  # one spike, ringing
    loss *= 1 + 0.3 * np.exp(-(((steps - 2000) / 30.0) ** 2))  # one slow spike
    loss[2990:] *= 2.0  # cut off by the run's end: no spike a reader can see
    at = np.arange(0, 3001, 100)
    run = SharpnessRun("GD", at, np.linspace(1, 9, len(at)), loss, np.full(3000, 0.2), None)
    with plots.offscreen():
        fig = plot_sharpness_runs([run], dpi=40)
    guides = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "spike guide"]
    m = Measured(("gd",), ("gd",), ("GD",), {"loss": (loss,)}, {"loss": "lower"})
    (seen,) = check_claims(m, ["spikes(gd, by=1.1)"])
    assert seen.evidence["spikes"] == len(guides) == 2
    assert max(ln.get_xdata()[0] for ln in guides) < 2900


def test_init_summarys_words_say_the_factors_its_figure_shows():
    # the description said "a thousandfold" where the figure fell nearly a millionfold
    # (activations 0.2 -> 3e-7, gradients 1 -> 1e-6); its claims' by= give the floors
    import tomllib
    from pathlib import Path

    scene = tomllib.loads((Path(__file__).parents[1] / "gallery/init_summary.toml").read_text())
    words = " ".join(scene["description"].split())
    small, large = (nets.propagate(k, "tanh") for k in ("small", "large"))
    span = lambda v: float(np.max(v) / np.min(v))  # noqa: E731
    assert 5e5 <= span(small.act_std) < 1e6 and 5e5 <= span(small.grad_std) < 1e6
    assert "shrink nearly a millionfold" in words and "gradients nearly a millionfold" in words
    assert 1e4 <= span(large.grad_std) < 1e5 and "grow tens of thousands of times" in words
    assert "thousandfold" not in words


def test_a_band_that_leaves_the_loss_panels_foot_is_marked_where_it_leaves():
    # bands: the median and the band left the loss panel's foot at -4 with no mark that
    # they went on, as if the loss had stopped there
    from optviz.analysis import bands
    from optviz.render.bandplots import plot_bands

    found = bands("saddle", "gd:lr=0.05", seeds=8, steps=60, start=(-1.8, 0.0), noise="grad=0.3")
    with plots.offscreen():
        fig = plot_bands(found, dpi=40)
    right = fig.axes[1]
    bottom = right.get_ylim()[0]
    marks = {ln.get_gid(): ln.get_xdata()[0] for ln in right.get_lines()
             if str(ln.get_gid()).startswith("exit below")}  # fmt: skip
    median = next(ln for ln in right.get_lines() if ln.get_label() == "median")
    first_out = int(np.flatnonzero(median.get_ydata() < bottom)[0])
    assert marks["exit below: median"] == first_out
    assert "exit below: words" in [t.get_gid() for t in right.texts]


def test_init_grid_draws_each_row_on_the_lowest_height_that_holds_its_bars():
    # init_grid: on one 0-50% height for all rows Xavier's histograms (10% a bin at most)
    # were flat slivers, and their narrowing layer by layer was read from the numbers
    stats = [nets.propagate(k, depth=10, width=40, batch=40) for k in ("large", "xavier_normal")]
    fig = init_figures.init_grid(stats)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    large, xavier = axes[: len(axes) // 2], axes[len(axes) // 2 :]
    assert large[0].get_ylim()[1] > 2 * xavier[0].get_ylim()[1]
    for ax in xavier:
        top = ax.get_ylim()[1]
        assert ax.patches[0].get_data().values.max() <= top
    peak = max(ax.patches[0].get_data().values.max() for ax in xavier)
    assert peak > 0.5 * xavier[0].get_ylim()[1]  # the tallest bar at least half the height


def test_the_first_four_init_schemes_have_a_hue():
    # init_grid: the gain-5/3 row was drawn in black, read as an axis or a missing colour
    from matplotlib.colors import rgb_to_hsv, to_rgb

    saturations = [rgb_to_hsv(to_rgb(initplots._scheme_color(i)))[1] for i in range(4)]
    assert min(saturations) > 0.3, saturations
