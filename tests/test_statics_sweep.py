"""sweep as a room sees it: Adam's "no divergence" said, the best point seen in its star,
a key whose swatches match the bands, the shared x label by its ticks."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from optviz import analysis as A
from optviz.render import plots


@pytest.fixture(scope="module")
def sweep_fig():
    t = A.tune("rosenbrock", ["gd", "momentum", "adam"], start=(-1.2, 1.0), steps=300)
    with plots.offscreen():
        panels = t.plot(panels=True, dpi=100)
    fig = panels.flat[0].figure
    fig.canvas.draw()
    return t, panels, fig


def test_a_panel_without_divergence_says_so(sweep_fig):
    # sweep: the title says Adam's best sits "far below" divergence; its panel had no mark
    t, panels, _ = sweep_fig
    for i, ax in enumerate(panels.flat[: len(t.sweep.keys)]):
        said = [a for a in ax.texts if a.get_gid() == "no-divergence"]
        assert bool(said) == (not t.sweep.diverged[i].any()), t.sweep.keys[i]
    assert any(a.get_gid() == "no-divergence" for a in panels.flat[2].texts)


def test_the_best_rates_point_shows_inside_its_star(sweep_fig):
    # sweep: GD's hollow star hid the 0.003 point it stars
    _, panels, fig = sweep_fig
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)
    h = rgb.shape[0]
    ax = panels.flat[0]
    (star,) = [ln for ln in ax.get_lines() if ln.get_gid() == "best"]
    cx, cy = ax.transData.transform(np.column_stack(star.get_data()))[0]
    fill = np.array(to_rgb(star.get_markeredgecolor())) * 255
    r = 2  # the point's middle: its fill colour, not the star's ink or the page
    patch = rgb[int(h - cy) - r : int(h - cy) + r + 1, int(cx) - r : int(cx) + r + 1]
    assert np.abs(patch - fill).sum(axis=-1).max() < 60, patch.reshape(-1, 3)


def test_the_keys_band_swatches_are_the_bands_colours_and_the_label_is_by_the_ticks(sweep_fig):
    # sweep: a grey swatch keyed coloured bands; "learning rate" sat 45 px under the ticks
    from matplotlib.patches import Patch

    _, panels, fig = sweep_fig
    key = fig.legends[0]
    colours = {to_rgb(p.get_facecolor()) for p in _patches(key) if isinstance(p, Patch)}
    bands = {to_rgb(p.get_facecolor()) for ax in panels.flat for p in ax.patches
             if p.get_gid() == "good-window"}  # fmt: skip
    assert bands and bands <= colours
    renderer = fig.canvas.get_renderer()
    foot = min(t.get_window_extent(renderer).y0 for t in panels.flat[0].get_xticklabels()
               if t.get_text() and t.get_visible())  # fmt: skip
    label = fig._supxlabel.get_window_extent(renderer)
    assert foot - label.y1 <= 22, (foot, label.y1)


def _patches(legend):
    found = []
    for h in legend.legend_handles:
        found += list(h) if isinstance(h, tuple) else [h]
    for child in legend.findobj():
        found.append(child)
    return found
