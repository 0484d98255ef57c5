"""Contour levels that show a surface's shape (:mod:`optviz.render.levels`)."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.catalog import surface_from_spec
from optviz.render.levels import levels_of
from optviz.util.errors import CatalogError


def bands(z: np.ndarray, levels: np.ndarray) -> np.ndarray:
    return np.bincount(np.clip(np.digitize(z.ravel(), levels) - 1, 0, len(levels) - 2))


def test_a_flat_point_shows_its_valleys_in_many_shades():
    """x³ − 3xy² crowds its values around 0 near the flat point: even levels drew the
    middle of the map as one or two grey bands and the three valleys did not read."""
    s = ov.surface("monkey_saddle")
    assert s.view.area_levels
    x, y = np.meshgrid(np.linspace(-1.25, 1.5, 160), np.linspace(-0.6, 0.6, 80))
    z = s.f(np.stack([x, y], axis=-1))
    levels = levels_of(s, z)
    counts = bands(z, levels)
    assert counts.max() <= 2.0 * z.size / (len(levels) - 1)  # no band takes a large share
    near = np.hypot(x, y) < 0.5  # around the flat point: six sectors, many shades
    assert len(np.unique(np.digitize(z[near], levels))) >= 8


def test_area_levels_is_a_switch():
    spec = {"name": "cubic", "title": "Cubic", "kind": "saddle", "description": "a cubic",
            "expr": "x**3 - 3*x*y**2", "domain": [[-1.0, 1.0], [-1.0, 1.0]],
            "starts": [[0.5, 0.5]], "view": {"area_levels": 1}}  # fmt: skip
    with pytest.raises(CatalogError, match=r"view\.area_levels.*true or false"):
        surface_from_spec(spec, "surfaces/cubic.toml")


def test_a_plain_is_hatched_as_one_clean_region():
    # Easom's plain left a white crown round the hole (drawn in the plain's shade, steeper
    # than "flat") and stipple islands on its faint bumps: one region, no specks, no holes
    # but the hole itself
    from scipy import ndimage

    from optviz.render.levels import plain_mask

    s = ov.surface("easom")
    X, Y, Z = s.grid(300)
    mask = plain_mask(s, X, Y, Z)
    assert ndimage.label(mask)[1] == 1
    holes, n = ndimage.label(~mask)
    assert n == 1  # the hole, and nothing else unhatched
    (hole,) = [ndimage.center_of_mass(holes == 1)]
    xy = np.array([X[0, 0] + (X[0, -1] - X[0, 0]) * hole[1] / 299,
                   Y[0, 0] + (Y[-1, 0] - Y[0, 0]) * hole[0] / 299])  # fmt: skip
    np.testing.assert_allclose(xy, [np.pi, np.pi], atol=0.2)
    assert Z[~mask].max() < 0.02 * Z.min()  # unhatched only in the shaded hole (under -0.02)


def test_a_plateau_lesson_marks_its_plateau_and_not_its_minimum():
    # a saturated sigmoid's plateau slopes gently through many shades (no band crowds
    # the map), so it went unmarked: the surface's kind says the plateau is the lesson
    from optviz.render.levels import plain_mask

    s = ov.surface("sigmoid_neuron")
    X, Y, Z = s.grid(300)
    mask = plain_mask(s, X, Y, Z)
    assert mask is not None

    def at(x, y):
        return mask[np.argmin(abs(Y[:, 0] - y)), np.argmin(abs(X[0] - x))]

    assert at(-2.0, 5.5)  # the saturated plateau the lesson's GD stalls on
    assert not at(*s.minima[0])  # the minimum's floor is flat, but it is no plateau


def test_a_plain_is_one_calm_light_tint_not_a_stipple():
    # Easom's stippled plain covered most of the map, busy and prone to moiré on a projector
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb

    from optviz.render.levels import mark_plain

    s = ov.surface("easom")
    X, Y, Z = s.grid(120)
    fig, ax = plt.subplots()
    tint = mark_plain(ax, s, X, Y, Z)
    assert not any(tint.hatches)  # no stipple, no hatch lines
    (color,) = {tuple(np.round(c[:3], 3)) for c in tint.get_facecolor()}
    assert np.dot(color, [0.299, 0.587, 0.114]) > 0.75  # light
    assert tint.get_alpha() <= 0.6  # the shades under it still read
    (key,) = [p for p in ax.patches if p.get_label() == "flat: gradient ≈ 0"]
    np.testing.assert_allclose(to_rgb(key.get_facecolor()), color, atol=1e-3)  # the same wash
    plt.close(fig)
