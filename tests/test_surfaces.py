"""The catalog: every surface loads, its derivatives are right, its stated minima are true
minima with the stated values, and the schema refuses malformed files by file and field."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import optviz as ov
from optviz.catalog import KINDS, Surface, surface_from_spec
from optviz.util.errors import (
    CatalogError,
    ExpressionError,
    OptvizError,
    ParameterError,
    UnknownNameError,
)

NAMES = ov.surfaces()

# Points where a surface is not differentiable, excluded (with a margin) from the
# finite-difference checks: Ackley's minimum is the tip of a cone.
KINKS = {"ackley": [(0.0, 0.0)]}


def _random_points(s: Surface, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo, hi = s.domain[:, 0], s.domain[:, 1]
    p = lo + (hi - lo) * rng.random((n, s.dim))
    for kink in KINKS.get(s.name, []):
        p = p[np.linalg.norm(p - kink, axis=-1) > 0.05 * s.span]
    return p


def _scale(a: np.ndarray) -> float:
    """The largest magnitude over a grid: the surface's own unit for 'small'."""
    return float(np.nanmax(np.abs(a)))


def _grid_points(s: Surface, n: int) -> np.ndarray:
    """An n x n grid of positions over a surface's domain (n points along a curve's)."""
    if s.is_curve:
        return s.profile(n)[0][:, None]
    X, Y, _ = s.grid(n)
    return np.stack([X, Y], -1)


def _five_point(fn, p: np.ndarray, h: float) -> np.ndarray:
    """Fourth-order central differences of fn along x and y (a curve's x): (..., d, *fn's
    shape)."""
    cols = []
    for axis in range(p.shape[-1]):
        e = np.zeros(p.shape[-1])
        e[axis] = h
        d = (-fn(p + 2 * e) + 8 * fn(p + e) - 8 * fn(p - e) + fn(p - 2 * e)) / (12 * h)
        cols.append(d)
    return np.stack(cols, axis=-1)


def test_catalog_size_and_kinds():
    analytic = [n for n in NAMES if ov.surface(n).data is None]
    data = [n for n in NAMES if ov.surface(n).data is not None]
    assert len(analytic) >= 24
    assert {"linreg_scaled", "linreg_standardized", "tiny_net"} <= set(data)
    for kind in KINDS:
        assert len(ov.surfaces(kind)) >= 3, kind
    required = {
        *("quadratic", "elliptic", "rotated_ellipse", "booth", "matyas", "saddle"),
        *("monkey_saddle", "double_well", "rosenbrock", "beale", "long_furrow"),
        *("narrow_ravine", "plateau_cliff", "easom", "himmelblau", "rastrigin", "ackley"),
        *("six_hump_camel", "three_hump_camel", "goldstein_price", "styblinski_tang"),
        *("levi13", "gaussian_wells"),
    }
    assert required <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_surface_loads_and_says_what_it_teaches(name):
    s = ov.surface(name)
    assert s.name == name and s.kind in KINDS
    assert s.title and 40 <= len(s.description) <= 500
    lo, hi = s.domain[:, 0], s.domain[:, 1]
    assert len(s.starts) >= 1
    assert np.all((s.starts >= lo) & (s.starts <= hi)), "starts lie in the domain"
    assert np.all((s.minima >= lo) & (s.minima <= hi)), "minima lie in the domain"
    Z = s.f(_grid_points(s, 40))
    assert Z.shape == (40,) * s.dim and np.all(np.isfinite(Z))
    assert (s.kind == "curve") == s.is_curve == (s.dim == 1)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_and_hessian_match_finite_differences(name):
    s = ov.surface(name)
    p = _random_points(s, 24)
    g, H = s.grad(p), s.hess(p)
    grid = _grid_points(s, 60)
    gscale, hscale = _scale(s.grad(grid)), _scale(s.hess(grid))
    h = 1e-4 * s.span
    g_fd = _five_point(s.f, p, h)
    H_fd = _five_point(s.grad, p, h)  # (n, 2 [component], 2 [direction])
    # Relative error 1e-6 of the gradient's size; on flat points (a plateau) the finite
    # difference is only rounding, so the floor is a tiny fraction of the surface's scale.
    g_err = np.linalg.norm(g_fd - g, axis=-1)
    assert np.all(g_err <= 1e-6 * np.linalg.norm(g, axis=-1) + 1e-9 * gscale), g_err.max()
    H_err = np.linalg.norm(H_fd - H, axis=(-2, -1))
    assert np.all(H_err <= 1e-6 * np.linalg.norm(H, axis=(-2, -1)) + 1e-9 * hscale)
    # The Hessian is symmetric and value_and_grad agrees with f and grad.
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))
    f2, g2 = s.value_and_grad(p)
    np.testing.assert_allclose(f2, s.f(p), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(g2, g, rtol=1e-14, atol=1e-14 * gscale)


@pytest.mark.parametrize("name", [n for n in NAMES if len(ov.surface(n).minima)])
def test_stated_minima_are_minima_with_the_stated_value(name):
    s = ov.surface(name)
    grid = _grid_points(s, 60)
    gscale, hscale = _scale(s.grad(grid)), _scale(s.hess(grid))
    for p, value in zip(s.minima, s.minima_values, strict=True):
        assert abs(float(s.f(p)) - value) <= 1e-12 * max(1.0, abs(value))
        with np.errstate(all="ignore"):
            g = s.grad(p)
        if not np.all(np.isfinite(g)):
            # A kink (Ackley): no gradient; check it is a strict local minimum instead.
            assert tuple(p) in KINKS[name]
            t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
            for r in (1e-6, 1e-3, 1e-1):
                ring = p + r * np.stack([np.cos(t), np.sin(t)], -1)
                assert np.all(s.f(ring) > value)
            continue
        assert np.linalg.norm(g) <= 1e-9 * gscale, (p, g)
        assert np.linalg.eigvalsh(s.hess(p)).min() >= -1e-9 * hscale


@pytest.mark.parametrize("name", [n for n in NAMES if ov.surface(n).min_value is not None])
def test_no_grid_point_is_below_the_stated_global_minimum(name):
    # surfaces that state no minimum are checked below: they really have none
    s = ov.surface(name)
    n = 301 if s.data is not None else 801
    Z = s.f(_grid_points(s, n if s.dim == 2 else n * n))
    assert np.nanmin(Z) >= s.min_value - 1e-12 * max(1.0, abs(s.min_value))


def test_surfaces_without_minima_really_have_none():
    # long_furrow falls forever along x; saddle and monkey saddle are unbounded below.
    for name in ("long_furrow", "saddle", "monkey_saddle"):
        s = ov.surface(name)
        assert len(s.minima) == 0
        assert np.nanmin(s.grid(50)[2]) < float(s.f(s.domain.mean(axis=1)))


# -- facts that the descriptions claim ------------------------------------------------------
def test_long_furrow_has_exactly_zero_curvature_along_its_floor():
    s = ov.surface("long_furrow")
    p = _random_points(s, 50)
    eig = np.linalg.eigvalsh(s.hess(p))
    np.testing.assert_array_equal(eig[:, 0], 0.0)
    assert np.all(eig[:, 1] > 0)


def test_elliptic_condition_number_is_kappa():
    for kappa in (4.0, 25.0, 100.0):
        s = ov.surface("elliptic", kappa=kappa)
        lo, hi = np.linalg.eigvalsh(s.hess([0.3, -0.2]))
        assert hi / lo == pytest.approx(kappa)
    r = ov.surface("rotated_ellipse")
    H = r.hess([0.0, 0.0])
    lo, hi = np.linalg.eigvalsh(H)
    assert hi / lo == pytest.approx(r.params["kappa"])
    assert abs(H[0, 1]) > 0.1  # not axis-aligned


def test_plateau_cliff_plateau_is_flat_and_leans_toward_the_cliff():
    s = ov.surface("plateau_cliff")
    x = np.linspace(-3.0, -1.5, 50)
    g = s.grad(np.stack([x, np.zeros_like(x)], -1))[:, 0]
    assert np.all(g < 0)  # downhill is toward the cliff (+x), never away from it
    assert np.all(np.abs(g) < 1e-3)
    assert np.abs(s.grad([0.0, 0.0])[0]) > 3.0  # the cliff


def test_gaussian_wells_shallow_next_to_deep():
    s = ov.surface("gaussian_wells")
    deep, shallow = sorted(s.minima_values)
    assert deep < shallow < 0 and shallow - deep > 0.5


# -- empirical-risk surfaces ----------------------------------------------------------------
def test_linear_regression_surfaces_closed_form():
    for name in ("linreg_scaled", "linreg_standardized"):
        s = ov.surface(name)
        u1, u2, t = s.data.values.T
        U = np.stack([u1, u2], -1)
        w = np.linalg.lstsq(U, t, rcond=None)[0]
        np.testing.assert_allclose(s.minima[0], w, rtol=1e-10)
        p = _random_points(s, 10)
        np.testing.assert_allclose(s.f(p), np.mean((p @ U.T - t) ** 2, axis=-1), rtol=1e-12)
        np.testing.assert_allclose(s.hess(p[0]), 2 * U.T @ U / len(t), rtol=1e-12)
    cond = {n: np.linalg.cond(ov.surface(n).hess([0.0, 0.0])) for n in ("linreg_scaled",)}
    assert 100 < cond["linreg_scaled"] < 130  # a ravine, as its description says (about 115)
    assert np.linalg.cond(ov.surface("linreg_standardized").hess([0.0, 0.0])) < 1.5  # a bowl
    std = ov.surface("linreg_standardized").data.values[:, :2]
    np.testing.assert_allclose(std.mean(0), 0.0, atol=1e-6)
    np.testing.assert_allclose(std.std(0), 1.0, atol=1e-6)


def test_tiny_net_is_symmetric_with_a_saddle_at_the_origin():
    s = ov.surface("tiny_net")
    u, t = s.data.values.T
    p = _random_points(s, 20)
    expected = np.mean((p[:, 1:2] * np.tanh(p[:, 0:1] * u) - t) ** 2, axis=-1)
    np.testing.assert_allclose(s.f(p), expected, rtol=1e-12)
    np.testing.assert_allclose(s.f(-p), s.f(p), rtol=1e-13)
    np.testing.assert_allclose(s.grad([0.0, 0.0]), 0.0, atol=1e-15)
    lo, hi = np.linalg.eigvalsh(s.hess([0.0, 0.0]))
    assert lo < 0 < hi


def test_full_batch_equals_the_loss_and_blocks_do_not_matter():
    s = ov.surface("tiny_net")
    p = _random_points(s, 5)
    rows = np.tile(np.arange(s.n_samples), (5, 1))
    f, g = s.batch_value_and_grad(p, rows)
    np.testing.assert_allclose(f, s.f(p), rtol=1e-12)
    np.testing.assert_allclose(g, s.grad(p), rtol=1e-12, atol=1e-15)
    # A grid large enough to be evaluated in row blocks gives the same numbers.
    big = np.tile(p, (60_000, 1))
    np.testing.assert_allclose(s.f(big)[:5], s.f(p), rtol=1e-12)
    np.testing.assert_allclose(s.hess(big)[-5:], s.hess(p), rtol=1e-12, atol=1e-15)


def test_batches_of_one_row_are_the_per_sample_loss():
    s = ov.surface("linreg_scaled")
    p = np.array([[1.0, 0.5], [0.0, 0.0]])
    rows = np.array([[3], [7]])
    f, g = s.batch_value_and_grad(p, rows)
    u1, u2, t = s.data.values[[3, 7]].T
    r = p[:, 0] * u1 + p[:, 1] * u2 - t
    np.testing.assert_allclose(f, r**2, rtol=1e-12)
    np.testing.assert_allclose(g, np.stack([2 * r * u1, 2 * r * u2], -1), rtol=1e-12)


# -- parameters ---------------------------------------------------------------------------
def test_with_params_moves_the_minimum():
    s = ov.surface("rosenbrock", a=1.5, b=10)
    np.testing.assert_allclose(s.minima[0], [1.5, 2.25], atol=1e-8)
    assert s.min_value == pytest.approx(0.0, abs=1e-14)
    assert ov.surface("rosenbrock").params["b"] == 100.0  # the catalog copy is unchanged
    # A minimum that moves out of the domain is no longer stated.
    assert len(ov.surface("rosenbrock", a=2.0).minima) == 0
    with pytest.raises(ParameterError, match="no parameter 'c'.*a, b"):
        ov.surface("rosenbrock", c=1.0)
    with pytest.raises(ParameterError):
        ov.surface("rosenbrock", a=float("nan"))


@pytest.mark.parametrize("name", ["rosenbrock", "linreg_scaled"])
def test_a_surface_in_use_pickles_and_computes_the_same_after(name):
    # tiles of a map go to other processes with their surface, compiled cache or not
    import pickle

    s = ov.surface(name)
    xy = np.array([[0.3, -0.2], [1.1, 0.7]])
    before = s.f(xy)  # fills the compiled cache
    again = pickle.loads(pickle.dumps(s))
    assert np.array_equal(again.f(xy), before) and np.array_equal(again.grad(xy), s.grad(xy))
    assert np.array_equal(s.f(xy), before)  # the original keeps its cache


def test_unknown_surface_suggests_a_name():
    with pytest.raises(UnknownNameError, match="did you mean 'rosenbrock'"):
        ov.surface("rosenbrok")
    with pytest.raises(UnknownNameError):
        ov.surfaces("mountain")


def test_from_expr_checks_its_arguments():
    s = Surface.from_expr("x**2 - y**2", domain=(-1, 1, -3, 3), start=(0.5, 0.5), minima=None)
    np.testing.assert_array_equal(s.domain, [[-1, 1], [-3, 3]])
    for bad in [(1, -1, 0, 1), (1, 0), (0, 1, 2), (0, 1, 0, float("inf")), "abcd"]:
        with pytest.raises(ParameterError, match="domain"):
            Surface.from_expr("x", domain=bad)


def test_a_domain_of_two_numbers_makes_a_curve_in_x_alone():
    c = Surface.from_expr("x**3 - 2*x", domain=(-2, 2), start=0.5, minima=[[0.816496580927726]])
    assert (c.kind, c.dim, c.start.tolist(), c.domain.tolist()) == ("curve", 1, [0.5], [[-2, 2]])
    x = np.array([[-1.0], [0.0], [2.0]])
    np.testing.assert_array_equal(c.f(x), x[:, 0] ** 3 - 2 * x[:, 0])
    np.testing.assert_array_equal(c.grad(x), 3 * x**2 - 2)
    np.testing.assert_array_equal(c.hess(x), (6 * x)[..., None])
    assert c.hess(x).shape == (3, 1, 1) and c.f(0.5).shape == ()
    assert abs(c.minima_values[0] - (2 / 3) ** 1.5 + 2 * (2 / 3) ** 0.5) < 1e-15
    with pytest.raises(ExpressionError, match="x alone.*four numbers"):
        Surface.from_expr("x**2 - y**2", domain=(0, 1))  # 'y' needs a surface's domain
    with pytest.raises(ParameterError, match=r"shape \(1,\)"):
        c.f([0.5, 1.0])  # a pair is not a curve's position
    with pytest.raises(ParameterError, match="a curve"):
        c.grid(10)


# -- schema -------------------------------------------------------------------------------
GOOD = {
    "name": "demo",
    "title": "Demo",
    "kind": "bowl",
    "description": "A bowl.",
    "expr": "a*(x**2 + y**2)",
    "params": {"a": 1.0},
    "domain": [[-1.0, 1.0], [-1.0, 1.0]],
    "starts": [[0.5, 0.5]],
    "minima": [{"xy": [0.0, 0.0], "value": 0.0}],
    "view": {"log_levels": True, "zclip": 3.0},
}


def test_a_good_spec_builds():
    s = surface_from_spec(GOOD, "surfaces/demo.toml")
    assert s.view.log_levels and s.view.zclip == 3.0 and s.min_value == 0.0


def _broken(change):
    spec = copy.deepcopy(GOOD)
    change(spec)
    return spec


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.pop("domain"), "domain"),
        (lambda s: s.pop("title"), "title"),
        (lambda s: s.update(colour="red"), "colour"),
        (lambda s: s.update(kind="valley"), "kind"),
        (lambda s: s.update(title=3), "title"),
        (lambda s: s.update(data={"columns": ["u"], "values": [[1], [2]], "sample": "x"}), "expr"),
        (lambda s: s.update(minima=[{"xy": [0, 0], "depth": 1}]), "minima[0]"),
        (lambda s: s.update(minima=[{"xy": [0, "a"], "value": 0}]), "minima[0]"),
        (lambda s: s.update(view={"zoom": 2}), "view.zoom"),
        (lambda s: s.update(view={"log_levels": "yes"}), "view.log_levels"),
        (lambda s: s.update(view={"elev": "high"}), "view.elev"),
        (lambda s: s.update(params="a=1"), "params"),
    ],
)
def test_schema_errors_name_the_file_and_the_field(change, field):
    with pytest.raises(CatalogError) as info:
        surface_from_spec(_broken(change), "surfaces/demo.toml")
    message = str(info.value)
    assert message.startswith("surfaces/demo.toml: ")
    assert f"'{field}'" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(expr="__import__('os')"),
        lambda s: s.update(domain=[[1, -1], [0, 1]]),
        lambda s: s.update(starts=[[0, 1, 2]]),
        lambda s: s.update(params={"a": "one"}),
        lambda s: s.update(params={"sin": 1.0}),
    ],
)
def test_bad_values_inside_fields_name_the_file(change):
    with pytest.raises(CatalogError, match=r"^surfaces/demo\.toml: "):
        surface_from_spec(_broken(change), "surfaces/demo.toml")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"columns": ["u"], "values": [[1.0], [2.0]]}, "data.sample"),
        ({"columns": [], "values": [[1.0]], "sample": "x*u"}, "data.columns"),
        ({"columns": ["x"], "values": [[1.0], [2.0]], "sample": "x"}, "data.columns"),
        ({"columns": ["u"], "values": [[1.0, 2.0]], "sample": "x*u"}, "data.values"),
        ({"columns": ["u"], "values": "many", "sample": "x*u"}, "data.values"),
    ],
)
def test_data_schema_errors(data, field):
    spec = _broken(lambda s: (s.pop("expr"), s.update(data=data)))
    with pytest.raises(CatalogError, match=rf"^surfaces/demo\.toml: field '{field}'"):
        surface_from_spec(spec, "surfaces/demo.toml")


def test_every_error_is_an_optviz_error():
    assert issubclass(CatalogError, OptvizError)
