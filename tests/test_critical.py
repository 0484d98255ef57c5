"""Critical points: found by multi-start Newton, classified by Hessian eigenvalues."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import optviz as ov
from optviz.catalog import Surface
from optviz.catalog.critical import (
    CriticalPoint,
    classify,
    critical_points,
    landmarks,
    plain_value,
)
from optviz.util.errors import ParameterError


def _kinds(points):
    return Counter(p.kind for p in points)


def test_himmelblau_four_minima_one_maximum_four_saddles():
    pts = critical_points("himmelblau")
    assert _kinds(pts) == {"minimum": 4, "maximum": 1, "saddle": 4}
    s = ov.surface("himmelblau")
    for p in pts:
        xy = np.array(p.xy)
        assert np.linalg.norm(s.grad(xy)) < 1e-9
        assert p.value == pytest.approx(float(s.f(xy)), abs=1e-12)
        np.testing.assert_allclose(p.eigenvalues, np.linalg.eigvalsh(s.hess(xy)))
    # Known maximum of Himmelblau's function.
    (top,) = [p for p in pts if p.kind == "maximum"]
    np.testing.assert_allclose(top.xy, [-0.270845, -0.923039], atol=1e-6)
    assert top.value == pytest.approx(181.617, abs=1e-3)


def test_saddle_has_one_saddle():
    (p,) = critical_points("saddle")
    assert p.kind == "saddle" and p.xy == (0.0, 0.0)
    assert p.eigenvalues == pytest.approx((-2.0, 2.0))


def test_monkey_saddle_has_one_degenerate_point():
    (p,) = critical_points("monkey_saddle")
    assert p.kind == "degenerate"
    np.testing.assert_allclose(p.xy, [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(p.eigenvalues, 0.0, atol=1e-12)


def test_rosenbrock_one_minimum_at_one_one():
    (p,) = critical_points("rosenbrock")
    assert p.kind == "minimum"
    np.testing.assert_allclose(p.xy, [1.0, 1.0], atol=1e-12)
    # Hessian at (1, 1): [[802, -400], [-400, 200]].
    np.testing.assert_allclose(p.eigenvalues, np.linalg.eigvalsh([[802, -400], [-400, 200]]))


def test_known_counts():
    assert _kinds(critical_points("double_well")) == {"minimum": 2, "saddle": 1}
    assert _kinds(critical_points("styblinski_tang")) == {"minimum": 4, "saddle": 4, "maximum": 1}
    assert _kinds(critical_points("tiny_net")) == {"minimum": 2, "saddle": 1}
    assert _kinds(critical_points("gaussian_wells")) == {"minimum": 2, "saddle": 1}
    assert critical_points("long_furrow") == []  # its floor slopes: no critical point at all


def test_rastrigin_lattice():
    # Inside [-5.12, 5.12]^2 the minima sit near the 11 x 11 integer lattice points.
    minima = [p for p in critical_points("rastrigin") if p.kind == "minimum"]
    assert len(minima) == 121
    xy = np.array([p.xy for p in minima])
    np.testing.assert_allclose(xy, np.round(xy), atol=0.05)


@pytest.mark.parametrize("name", [n for n in ov.surfaces() if len(ov.surface(n).minima)])
def test_every_stated_smooth_minimum_is_found(name):
    s = ov.surface(name)
    found = np.array([p.xy for p in critical_points(s) if p.kind == "minimum"])
    found = found.reshape(-1, s.dim)
    for m in s.minima:
        with np.errstate(all="ignore"):
            if not np.all(np.isfinite(s.grad(m))):
                continue  # Ackley's minimum is a kink: no gradient root to find
        assert len(found), name
        assert np.min(np.linalg.norm(found - m, axis=-1)) < 1e-7 * s.span, (name, m)


def test_sorted_minima_first_by_value_and_cached():
    pts = critical_points("six_hump_camel")
    order = ["minimum", "saddle", "maximum", "degenerate"]
    keys = [(order.index(p.kind), p.value) for p in pts]
    assert keys == sorted(keys)
    assert pts[0].value == pytest.approx(-1.0316284534898772, abs=1e-12)
    assert critical_points("six_hump_camel") == pts  # equal results
    s = ov.surface("six_hump_camel")
    assert critical_points(s) is not critical_points(s)  # a fresh list each time
    with pytest.raises(Exception):  # noqa: B017 - frozen dataclass
        pts[0].kind = "maximum"


def test_expression_surfaces_and_domain_filter():
    s = Surface.from_expr("(x**2 - 1)**2 + y**2", domain=(0.0, 2.0, -1.0, 1.0))
    pts = critical_points(s)
    assert [p.kind for p in pts] == ["minimum", "saddle"]  # (1, 0) and the edge point (0, 0)
    np.testing.assert_allclose(pts[0].xy, [1.0, 0.0], atol=1e-12)
    s = Surface.from_expr("(x**2 - 1)**2 + y**2", domain=(0.2, 2.0, -1.0, 1.0))
    assert [p.kind for p in critical_points(s)] == ["minimum"]  # (-1, 0), (0, 0) are outside


def test_classify():
    assert classify([-1.0, -3.0], 1e-9) == "maximum"
    assert classify([1e-12, 3.0], 1e-9) == "degenerate"
    assert isinstance(critical_points("quadratic")[0], CriticalPoint)


def test_bad_grid_size():
    for n in (1, 0, 10_000, 2.5, True):
        with pytest.raises(ParameterError, match="n="):
            critical_points("quadratic", n=n)


def test_critical_points_on_a_curve_are_named_by_the_first_derivative_where_flat():
    from optviz.catalog import Surface

    def kinds(expr, domain=(-2.0, 2.0)):
        found = critical_points(Surface.from_expr(expr, domain=domain))
        return [(p.kind, round(p.xy[0], 6)) for p in found]

    assert kinds("x**4 - 2*x**2") == [("minimum", -1.0), ("minimum", 1.0), ("maximum", 0.0)]
    # f'' = 0 at each: x⁴ is a flat minimum, -x⁴ a flat maximum, x³ a flat inflection
    assert kinds("x**4") == [("minimum", 0.0)]
    assert kinds("-x**4") == [("maximum", 0.0)]
    assert kinds("x**3 + x**4/10", domain=(-1.0, 1.0)) == [("inflection", 0.0)]
    # the catalog's flat inflection: x²(x + 1.5) is f', a double root at 0
    found = critical_points("flat_inflection")
    assert [(p.kind, p.xy, p.eigenvalues) for p in found] == [
        ("minimum", (-1.5,), (2.25,)),
        ("inflection", (0.0,), (0.0,)),
    ]
    expected = "CriticalPoint(minimum, xy=(-1.5,), value=-0.421875, eigenvalues=(2.25,))"
    assert repr(found[0]) == expected


def test_a_plain_is_marked_flat_not_bumpy_easoms_ripples_are_left_out():
    """Easom's plain: f = -cos x cos y exp(-r²) around (π, π) is 0 to within 1e-2 away
    from the hole, so its ripples (values of -8e-5 to 9e-3 against a hole of -1; 13 in
    its domain [-4, 7.6] x [-0.6, 4.8]) lie in the plain's band and are not marked; the hole is."""
    s = ov.surface("easom")
    every = landmarks(s, faint=True).points
    marked = landmarks(s).points
    assert len(every) == 14
    assert [(m.kind, np.round(m.xy, 6).tolist()) for m in marked] == [
        ("global minimum", [round(np.pi, 6), round(np.pi, 6)])
    ]
    left_out = [m for m in every if m not in marked]
    assert all(abs(m.value) < 0.01 for m in left_out)


def test_a_surface_without_a_plain_keeps_every_landmark():
    for name in ("himmelblau", "six_hump_camel", "goldstein_price"):  # the last: log levels
        s = ov.surface(name)
        assert plain_value(s) is None
        assert landmarks(s).points == landmarks(s, faint=True).points


def test_a_plain_is_the_band_most_of_the_map_falls_in():
    flat_with_hole = Surface.from_expr("-exp(-(x**2 + y**2)*4)", ((-4, 4), (-4, 4)))
    assert abs(plain_value(flat_with_hole)) < 1e-6  # most of the map is 0
    assert plain_value(Surface.from_expr("x**2 + y**2")) is None  # a bowl has none
