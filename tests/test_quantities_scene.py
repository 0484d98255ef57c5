"""The quantities panel as a scene kind: it plots the rates torch's rules give, and the
gallery scene shows its lesson (Adagrad's rate only shrinks, RMSprop's recovers)."""

from __future__ import annotations

import numpy as np
import pytest
from test_type_sizes import too_small

import optviz as ov
from optviz.scenes import load_scene, scene_from_dict

SCENE = "gallery/rates_adagrad_rmsprop.toml"


def rendered_figures(spec_or_path, tmp_path, monkeypatch, collect) -> list:
    figures = collect(monkeypatch)
    if isinstance(spec_or_path, dict):
        scene = scene_from_dict(spec_or_path, base=tmp_path)
    else:
        scene = load_scene(spec_or_path, output_folder=tmp_path)
    paths = scene.render()
    assert all(p.is_file() and p.parent == tmp_path for p in paths)
    return figures


@pytest.fixture(scope="module")
def gallery(tmp_path_factory, collect_saved_figures):
    mp = pytest.MonkeyPatch()
    try:
        figs = rendered_figures(SCENE, tmp_path_factory.mktemp("q"), mp, collect_saved_figures)
    finally:
        mp.undo()
    assert len(figs) == 1
    return figs[0]


def _series(fig):
    """(x rates, y rates, step lengths) per optimizer, in the order drawn: a furrow's
    rates along and across in panels of their own."""
    along_ax, across_ax, speed_ax = fig.axes[:3]

    def series(ax):  # the plotted series, not the short leaders from a line to its name
        return [ln.get_ydata() for ln in ax.get_lines() if len(ln.get_xdata()) > 2]

    return series(along_ax), series(across_ax), series(speed_ax)


def test_the_panel_plots_the_rates_of_the_rules(gallery):
    # Adagrad: lr / (sqrt(sum of squared gradients) + eps); RMSprop:
    # lr / (sqrt(E[g^2]) + eps) with E[g^2] <- alpha E[g^2] + (1 - alpha) g^2 (torch's)
    scene = load_scene(SCENE)
    race = ov.race(scene.surface, list(scene.optimizers), steps=scene.steps)
    adagrad, rmsprop = race.trajectories
    xs, ys, speeds = _series(gallery)

    def grads(traj):
        return traj.surface.grad(traj.xy[:-1])  # the gradient each step was given

    sum_sq = np.cumsum(grads(adagrad) ** 2, axis=0)
    want = 0.08 / (np.sqrt(sum_sq) + 1e-10)
    np.testing.assert_allclose(xs[0][1:], want[:, 0], rtol=1e-9)
    np.testing.assert_allclose(ys[0][1:], want[:, 1], rtol=1e-9)
    avg, rates = np.zeros(2), []
    for g in grads(rmsprop):
        avg = 0.99 * avg + 0.01 * g**2
        rates.append(0.015 / (np.sqrt(avg) + 1e-8))
    np.testing.assert_allclose(xs[1][1:], np.array(rates)[:, 0], rtol=1e-9)
    np.testing.assert_allclose(ys[1][1:], np.array(rates)[:, 1], rtol=1e-9)
    for traj, drawn in zip(race.trajectories, speeds, strict=True):
        np.testing.assert_allclose(drawn, np.hypot(*np.diff(traj.xy, axis=0).T), rtol=1e-9)


def test_the_gallery_scene_shows_its_lesson(gallery):
    xs, ys, speeds = _series(gallery)
    for rate in (xs[0][1:], ys[0][1:]):  # Adagrad: a sum only grows, its rate only shrinks
        assert np.all(np.diff(rate) <= 0)
    low = int(np.argmin(ys[1][1:]))  # RMSprop's rate across: down, then back up
    assert 0 < low < 100 and ys[1][-1] > 3 * ys[1][1:][low]
    assert speeds[1][-1] > 3 * speeds[0][-1]  # and its steps keep their length


def test_the_furrows_coordinates_are_named_along_and_across_in_words(gallery):
    # the title spoke of the rate "across the furrow" while its lines said "x" and "y",
    # and the step panel's title was the notation |Δθ_t|
    from matplotlib.text import Text

    words = [t.get_text() for t in gallery.findobj(Text) if t.get_text()]
    assert not [w for w in words if w.endswith(", x") or w.endswith(", y") or "Delta" in w]
    # rates_adagrad_rmsprop: "furrow", "along" and "across" were used without saying
    # which way each is on the map; each now has its panel, titled with its axis
    along, across = (ax.get_title() for ax in gallery.axes[:2])
    assert "along the furrow" in along and "x: its flat floor" in along
    assert "across" in across and "y: up its steep walls" in across


def test_every_panel_ends_where_its_data_does(gallery):
    # rates_adagrad_rmsprop: the x axes ran to ~420 for 300 steps to fit names at the ends
    for ax in gallery.axes[:3]:
        last = max(ln.get_xdata()[-1] for ln in ax.get_lines() if len(ln.get_xdata()) > 2)
        assert ax.get_xlim()[1] <= 1.06 * last, ax.get_title()


def test_the_panel_is_readable(gallery):
    assert too_small(gallery) == []


def test_quantities_take_no_animation_fields(tmp_path):
    spec = {
        "surface": "quadratic",
        "optimizers": ["adam"],
        "render": {"kind": "quantities", "fps": 10, "output": "q.png"},
    }
    with pytest.raises(ov.OptvizError, match="render.fps': not used by kind 'quantities'"):
        scene_from_dict(spec, base=tmp_path)
    spec["render"] = {"kind": "quantities", "output": "q.gif"}
    with pytest.raises(ov.OptvizError, match="kind 'quantities' writes .png"):
        scene_from_dict(spec, base=tmp_path)
    assert not list(tmp_path.iterdir())
