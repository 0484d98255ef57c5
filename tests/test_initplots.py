"""Figures of optviz.render.initplots: structure and pixels, not golden images."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import nets
from optviz.render import init_explorer, initplots, netfigures
from optviz.util.errors import OptvizError, OutputError, ParameterError, UnknownNameError


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3]


def _luminance(rgb: np.ndarray) -> float:
    return float((rgb.astype(float) @ [0.2126, 0.7152, 0.0722]).mean() / 255)


@pytest.fixture(scope="module")
def explorer():
    return init_explorer.init_explorer(
        ["small", "large", "xavier_normal"], depth=4, width=30, batch=60
    )


def test_grid_has_one_axes_per_scheme_and_layer(explorer):
    fig = explorer.grid()
    assert len(fig.axes) == 3 * 4
    assert [ax.get_title() for ax in fig.axes[:4]] == [f"layer {i}" for i in range(1, 5)]


def test_grid_draws_each_scheme_in_its_own_color(explorer):
    fig = explorer.grid(size="small")
    rows = [fig.axes[4 * r] for r in range(3)]
    colors = {tuple(ax.patches[0].get_facecolor()[:3]) for ax in rows}
    assert len(colors) == 3


@pytest.mark.parametrize(("theme", "dark"), [("light", False), ("dark", True)])
def test_theme_sets_the_background(explorer, theme, dark):
    pixels = _pixels(explorer.summary(theme=theme))
    corner = pixels[:5, :5]
    assert (_luminance(corner) < 0.2) if dark else (_luminance(corner) > 0.9)
    assert pixels.shape == (720, 1280, 3)


def test_summary_has_three_panels_and_a_line_per_scheme(explorer):
    fig = explorer.summary()
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert len(ax.lines) == 3
    assert fig.axes[0].get_yscale() == "log"


def test_layer_densities_returns_the_axes_it_was_given(explorer):
    fig = initplots._new_figure("small")
    ax = fig.add_subplot()
    assert explorer.plot("large", ax=ax) is ax
    assert len(ax.lines) == 4
    assert len(explorer.plot("xavier_normal", "gradients", layers=[1, 4]).lines) == 2


def test_saturated_scheme_puts_its_mass_at_the_edges(explorer):
    # N(0, 1) with tanh: the histogram's outer bins hold most of the mass
    stats = explorer["large"]
    binning = initplots._binnings([stats], "activations", 50)[0]
    fractions = initplots._histograms(stats, "activations", binning)
    edges = fractions[:, :2].sum(axis=1) + fractions[:, -2:].sum(axis=1)
    assert np.all(edges > 0.5)


def test_depth_frames_one_per_layer_and_they_change(explorer):
    frames = list(explorer.frames(size="small", dpi=40))
    assert len(frames) == 4
    assert all(f.shape == (192, 256, 3) and f.dtype == np.uint8 for f in frames)
    for before, after in zip(frames, frames[1:], strict=False):
        assert np.any(before != after)


def test_depth_frames_draw_every_layer_so_far(explorer):
    # the frame of layer 4 has more non-background pixels than the frame of layer 1
    frames = list(explorer.frames(size="small", dpi=40, theme="dark"))
    background = frames[0][2, 2]
    ink = [np.any(f != background, axis=2).sum() for f in frames]
    assert ink[-1] > ink[0]


def test_symmetry_figure_says_which_neurons_stay_identical():
    runs = [nets.symmetry_run(k, hidden=(4, 4), steps=10) for k in ("constant", "he_normal")]
    fig = netfigures.symmetry_figure(runs, layer=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert any("one line (lockstep)" in t for t in titles)
    assert any("4 different lines" in t for t in titles)


def test_batchnorm_figure_layout_and_dark_theme():
    plain, bn = nets.batchnorm_pair(depth=3, width=8, epochs=2)
    fig = netfigures.batchnorm_figure(plain, bn, theme="dark", layers=[1, 3])
    assert len(fig.axes) == 1 + 2 * 2
    assert len(fig.axes[0].lines) == 3  # two loss curves and the chance level
    assert len(fig.axes[0].get_legend().get_texts()) == 2
    assert _luminance(_pixels(fig)[:5, :5]) < 0.2


def test_save_writes_png_atomically(explorer, tmp_path):
    path = explorer.save(tmp_path / "grid.png", size="small")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda ex, tmp: ex.save(tmp / "grid.txt"), OutputError),
        (lambda ex, tmp: ex.save(tmp / "missing" / "grid.png"), OutputError),
        (lambda ex, tmp: ex.grid("weights"), UnknownNameError),
        (lambda ex, tmp: ex["he_normal"], UnknownNameError),
        (lambda ex, tmp: ex.plot(layers=[0]), ParameterError),
        (lambda ex, tmp: ex.summary(theme="sepia"), UnknownNameError),
        (lambda ex, tmp: init_explorer.init_explorer([]), ParameterError),
        (lambda ex, tmp: init_explorer.init_explorer(["he"]), UnknownNameError),
        (lambda ex, tmp: initplots.std_by_layer(ex, "mean"), UnknownNameError),
        (lambda ex, tmp: netfigures.symmetry_figure([]), ParameterError),
    ],
)
def test_bad_input_raises_optviz_error(explorer, tmp_path, call, error):
    with pytest.raises(error) as info:
        call(explorer, tmp_path)
    assert isinstance(info.value, OptvizError)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_depth_gif_keeps_the_colors_of_layers_the_first_frame_does_not_show(tmp_path):
    # the first frame draws layer 1 only; a palette taken from it alone turned the deep
    # layers grey. The GIF's last frame must match the rendered one, colors included.
    ex = init_explorer.init_explorer(["small", "xavier_normal"], depth=10, width=30, batch=60)
    out = ex.save(tmp_path / "depth.gif", size="small")
    from PIL import Image, ImageSequence

    with Image.open(out) as im:
        shown = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    drawn = list(ex.frames(size="small"))[-1].astype(int)
    error = np.abs(shown[-1].astype(int) - drawn).max(axis=-1)
    assert np.percentile(error, 99.5) <= 24
    deepest = np.round(255 * np.array(initplots._layer_colors(10, False)[-1][:3]))
    near = np.abs(shown[-1].astype(int) - deepest).max(axis=-1) <= 8
    assert near.sum() >= 50  # the bold newest layer keeps its own color


def test_batchnorm_inputs_share_the_loss_panels_epochs_and_say_what_the_bands_are():
    plain, bn = nets.batchnorm_pair(depth=2, width=8, epochs=3)
    fig = netfigures.batchnorm_figure(plain, bn, layers=[1])
    loss_ax, inputs = fig.axes[0], fig.axes[1:]
    epochs = len(plain.loss)
    for ax in inputs:
        median = ax.get_lines()[0].get_xdata()
        assert median[0] == 0 and median[-1] == pytest.approx(epochs)  # 0 .. last epoch
        assert ax.get_xlabel().split("\n")[0] == loss_ax.get_xlabel() == "epoch"
    # said once, under the bands, in words (the title is one line, at title size)
    said = [ax.get_xlabel() for ax in inputs if "median" in ax.get_xlabel()]
    assert len(said) == 1 and "middle 70% and 96%" in said[0] and "percentile" not in said[0]
    assert "\n" not in fig._suptitle.get_text()


def test_batchnorm_bands_keep_clear_of_their_frame_under_no_grid_and_chance_shows():
    # the band touched the panel's top, white grid lines crossed the bands, tick numbers
    # were 15 px, and the chance line (1 px, grey) lay hidden under the plain net's loss
    plain, bn = nets.batchnorm_pair(depth=2, width=8, epochs=3)
    fig = netfigures.batchnorm_figure(plain, bn, layers=[1, 2])
    loss_ax, inputs = fig.axes[0], fig.axes[1:]
    for ax in inputs:
        lo, hi = ax.get_ylim()
        tops = [c.get_paths()[0].vertices[:, 1] for c in ax.collections]
        assert max(v.max() for v in tops) < hi - 0.05 * (hi - lo)
        assert min(v.min() for v in tops) > lo + 0.05 * (hi - lo)
        assert ax.get_axisbelow() is True
        assert all(t.get_fontsize() * fig.dpi / 72 >= 16 for t in ax.get_yticklabels())
    (chance,) = [ln for ln in loss_ax.get_lines() if ln.get_gid() == "chance"]
    curves = [ln for ln in loss_ax.get_lines() if ln is not chance]
    assert chance.get_linewidth() >= 2 and chance.get_zorder() > max(c.get_zorder() for c in curves)


def _relative_luminance(rgb) -> float:
    c = np.asarray(rgb[:3], float)
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def test_depth_gif_holds_its_first_layer_two_seconds_and_its_counter_reads(tmp_path, monkeypatch):
    # the first frame was shown 0.5 s (one frame at 2 fps), and the "layer 10 of 10"
    # counter took the deepest layer's lime, almost invisible on white
    from matplotlib.colors import to_rgb
    from PIL import Image, ImageSequence

    from optviz.render import initdepth

    figures = []
    make = initdepth._new_figure
    monkeypatch.setattr(
        initdepth, "_new_figure", lambda *a, **k: figures.append(make(*a, **k)) or figures[-1]
    )
    ex = init_explorer.init_explorer(["small", "xavier_normal"], depth=4, width=20, batch=40)
    out = ex.save(tmp_path / "depth.gif", size="small", fps=2, title="Depth")
    with Image.open(out) as im:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
        shown = [f.info["duration"] for f in ImageSequence.Iterator(im)]
    first = next(i for i, f in enumerate(frames) if not np.array_equal(f, frames[0]))
    assert sum(shown[:first]) >= 2000, shown
    assert len(frames) - first == 3  # every deeper layer still gets its own frame
    (fig,) = figures
    head = next(t for t in fig.texts if t.get_text().startswith("layer"))
    ground = _relative_luminance(to_rgb(fig.get_facecolor()))
    ink = _relative_luminance(to_rgb(head.get_color()))
    lo, hi = sorted((ground, ink))
    assert (hi + 0.05) / (lo + 0.05) >= 4.5  # WCAG AA contrast for text


def test_every_layer_color_reads_on_white_and_edge_spikes_clear_the_spines():
    # the deepest layer was viridis' lime (1.7:1 on white) and tanh's saturation spikes
    # sat 2 % of the range from the panel's edges, where they read as its frame
    def luminance(rgb):
        lin = [u / 12.92 if u <= 0.03928 else ((u + 0.055) / 1.055) ** 2.4 for u in rgb[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for color in initplots._layer_colors(10, False):
        assert 1.05 / (luminance(color) + 0.05) >= 3.0
    bins = initplots._Bins(np.linspace(-1.0, 1.0, 41), False)
    lo, hi = bins.lims
    assert min(-1.0 - lo, hi - 1.0) >= 0.05 * (hi - lo)


def test_depth_panels_show_the_saturated_share_as_a_bar_on_one_shared_scale(monkeypatch):
    # init_depth: Xavier with gain 5/3 ("holds", 2 % saturated) was drawn as the same U as
    # N(0, 1) (90 %); no panel had a y scale; "gain 1.67"; then each panel had its own
    # scale (50 %, 4 %, 8 %) and heights could not be compared across them
    from optviz import nets
    from optviz.render import initdepth

    figures = []
    make = initdepth._new_figure
    monkeypatch.setattr(
        initdepth, "_new_figure", lambda *a, **k: figures.append(make(*a, **k)) or figures[-1]
    )
    stats = [nets.propagate("large", depth=3, width=40, batch=50),
             nets.propagate("xavier_normal", depth=3, width=40, batch=50, gain=5 / 3)]  # fmt: skip
    frames, _ = initdepth.depth_animation(stats, size="small", dpi=50)
    list(frames)  # the last layer drawn
    (fig,) = figures
    for ax, s in zip(fig.axes, stats, strict=True):
        (fill,) = [p for p in ax.patches if p.get_gid() == "saturation-gauge"]
        assert np.isclose(fill.get_width(), s.saturation[-1])
        top = max(line.get_ydata().max() for line in ax.get_lines())
        assert top <= ax.get_ylim()[1]  # the saturation spikes (45 %) inside the panel
    assert len({ax.get_ylim() for ax in fig.axes}) == 1  # one height: comparable panels
    assert [t for t in fig.axes[0].get_yticklabels() if t.get_text()]  # its scale, once
    widths = [p.get_width() for ax in fig.axes for p in ax.patches
              if p.get_gid() == "saturation-gauge"]  # fmt: skip
    assert widths[0] > 10 * widths[1]
    assert fig.axes[1].get_title() == "Xavier (gain 5/3)"


def test_depth_frames_write_the_share_of_every_bar_cut_at_the_panels_top(monkeypatch):
    # init_depth: the "small weights fade" spike ran off the top of its axis with no mark,
    # and that spike is the lesson
    from optviz.render import initdepth

    figures = []
    make = initdepth._new_figure
    monkeypatch.setattr(
        initdepth, "_new_figure", lambda *a, **k: figures.append(make(*a, **k)) or figures[-1]
    )
    stats = [nets.propagate(k, depth=6, width=20, batch=50) for k in ("small", "large")]
    frames, _ = initdepth.depth_animation(stats, size="small", dpi=50)
    cut_frames = 0
    for _ in frames:
        (fig,) = figures
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            (bold,) = [ln for ln in ax.get_lines() if ln.get_linewidth() == initdepth.BOLD[1]]
            tall = bold.get_ydata()[bold.get_ydata() > ax.get_ylim()[1]]
            labels = [t for t in ax.texts if t.get_gid() == "cut-bar"]
            assert sorted(t.get_text() for t in labels) == sorted(f"↑ {f:.0%}" for f in tall)
            box = ax.get_window_extent(renderer)
            for t in labels:
                inside = t.get_window_extent(renderer)
                assert box.x0 <= inside.x0 and inside.x1 <= box.x1
                assert box.y0 <= inside.y0 and inside.y1 <= box.y1
            cut_frames += len(tall) > 0
    assert cut_frames >= 3  # the collapse: small weights pile into one bar, layer on layer


def test_a_one_colour_heatmap_says_its_value_and_titles_are_one_line():
    # symmetry: the colour bar stood beside the Xavier map only, so the constant-init
    # map's salmon had no value; two-line titles crowded the maps
    from optviz.render import netfigures

    runs = [nets.symmetry_run(k, hidden=(4,), steps=5) for k in ("constant", "xavier_normal")]
    fig = netfigures.symmetry_figure(runs)
    constant, xavier = fig.axes[0], fig.axes[1]
    assert any(t.get_text().startswith("every weight") for t in constant.texts)
    assert not any(t.get_text().startswith("every weight") for t in xavier.texts)
    assert "\n" not in constant.get_title() and "\n" not in xavier.get_title()


def test_batchnorm_bands_share_one_range_and_the_loss_lines_end_on_a_marker():
    # batchnorm: layer 1 on ±3 beside ±2 below it in one column, and the with-BN loss ran
    # into the right spine with no marker at the last epoch
    from optviz.render import netfigures

    plain, bn = nets.batchnorm_pair(depth=3, width=8, epochs=3)
    fig = netfigures.batchnorm_figure(plain, bn)
    loss_ax, bands = fig.axes[0], fig.axes[1:]
    assert len({ax.get_ylim() for ax in bands}) == 1
    for line in loss_ax.get_lines():
        if line.get_gid() == "chance" or line.get_marker() in (None, "None", ""):
            continue
        assert len(line.get_xdata()) - 1 in line.get_markevery()
