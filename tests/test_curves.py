"""Curves f(x) wherever a surface is taken: every optimizer runs on positions (..., 1), the
compiled engine declines them for the numpy one, and every interface takes a curve."""

from __future__ import annotations

import numpy as np
import pytest

import optviz as ov
from optviz.util.errors import OptvizError


@pytest.mark.parametrize("name", ov.optimizers())
def test_every_optimizer_steps_on_a_curve_as_it_does_on_each_coordinate(name):
    # every rule runs on positions (..., 1), each start on its own; an elementwise rule on a
    # curve x ↦ f(x) equals the x coordinate of the separable surface f(x) + y² with y at its
    # minimum (y never moves); a rule on the whole vector (L-BFGS, Adafactor, Muon) need not
    curve = ov.Surface.from_expr("x**4 - 3*x**2 - x", domain=(-2.1, 2.1))
    flat = ov.Surface.from_expr("x**4 - 3*x**2 - x + y**2", domain=(-2.1, 2.1, -1, 1))
    opt = ov.optimizer(name)
    starts = np.array([[-2.0], [0.5], [1.9]])
    t = ov.run(curve, opt, start=starts, steps=25)
    assert t.xy.shape == (26, 3, 1) and t.loss.shape == (26, 3) and np.isfinite(t.xy).all()
    if name == "sgd":  # its gradient noise draws one number per coordinate and start
        return
    for i, start in enumerate(starts):
        alone = ov.run(curve, opt, start=start, steps=25)
        np.testing.assert_allclose(t.xy[:, i], alone.xy, rtol=1e-12, atol=1e-12)
    if opt.rule is None:  # not elementwise: the vector's own rule
        return
    twin = ov.run(flat, opt, start=np.column_stack([starts, np.zeros(3)]), steps=25)
    np.testing.assert_allclose(t.xy[..., 0], twin.xy[..., 0], rtol=1e-12, atol=1e-12)


def test_the_compiled_engine_declines_a_curve_and_the_numpy_engine_runs_it(monkeypatch):
    starts = np.linspace(-2.0, 2.0, 400)[:, None]
    expected = ov.run("shallow_then_deep", "adam:lr=0.05", start=starts, steps=50)
    monkeypatch.setenv("OPTVIZ_ENGINE", "compiled")
    t = ov.run("shallow_then_deep", "adam:lr=0.05", start=starts, steps=50)
    np.testing.assert_array_equal(t.xy, expected.xy)


def test_a_curve_takes_a_number_or_an_x_and_refuses_a_pair():
    t = ov.run("parabola", "gd:lr=0.25", start=1.0, steps=2)
    assert t.xy.tolist() == [[1.0], [0.5], [0.25]]
    with pytest.raises(OptvizError, match=r"shape \(1,\) or \(n, 1\) \(the surface is a curve\)"):
        ov.run("parabola", "gd", start=(1.0, 0.0))
    with pytest.raises(OptvizError, match="domain"):
        ov.Surface.from_expr("x**2", domain=(1.0, -1.0))


def test_a_scene_file_takes_a_curve_by_name_or_expression():
    by_name = ov.scene_from_dict({"surface": "parabola", "optimizers": ["gd:lr=0.25"],
                                  "run": {"steps": 2, "starts": [1.0]}})  # fmt: skip
    assert by_name.race()[0].xy.tolist() == [[1.0], [0.5], [0.25]]
    expr = ov.scene_from_dict({
        "surface": {"expr": "x**4 - 3*x**2 + x", "domain": [-2.2, 2.2], "minima": [[-1.3]]},
        "optimizers": ["gd:lr=0.01"],
        "run": {"steps": 3, "starts": [[1.0], [-1.0]]},
    })  # fmt: skip
    assert expr.surface.kind == "curve" and expr.race()[0].xy.shape == (4, 2, 1)
    with pytest.raises(OptvizError, match=r"run.starts\[0\]': must be \[x\]"):
        ov.scene_from_dict({"surface": "parabola", "optimizers": ["gd"],
                            "run": {"starts": [[1.0, 2.0]]}})  # fmt: skip
    with pytest.raises(OptvizError, match="no 'basins' picture"):
        ov.scene_from_dict({"surface": "parabola", "optimizers": ["gd"],
                            "render": {"kind": "basins", "output": "b.png"}})  # fmt: skip


def test_sharpness_and_newton_on_a_curve_are_its_second_derivative():
    t = ov.run("twin_wells", "gd:lr=0.01", start=[0.5], steps=3, sharpness=True)
    x = t.xy[:, 0]
    np.testing.assert_allclose(t.sharpness, 12 * x**2 - 4)  # f'' of x⁴ − 2x²
    newton = ov.run("parabola", "newton", start=[1.7], steps=1)
    assert newton.xy[-1, 0] == 0.0  # one Newton step lands on a parabola's minimum


def test_optviz_list_shows_the_curves_with_their_kind(capsys):
    from optviz import cli

    with pytest.raises(SystemExit):
        cli.main(["list", "surfaces"])
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    curves = {r[0] for r in rows if len(r) > 1 and r[1] == "curve"}
    assert curves == {"parabola", "shallow_then_deep", "plateau_drop", "twin_wells",
                      "flat_inflection"}  # fmt: skip


def test_a_curve_previews_in_a_notebook_and_draws_on_a_given_axes():
    from matplotlib.figure import Figure

    race = ov.race("shallow_then_deep", ["gd:lr=0.01", "momentum:lr=0.01"], steps=30)
    ax = Figure().add_subplot()
    assert race.plot(ax=ax) is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "GD (lr 0.01)", "Momentum (lr 0.01, μ 0.9)"]  # fmt: skip
    assert race._repr_png_()[:4] == b"\x89PNG" and ov.surface("parabola")._repr_png_()
    curve = [line for line in ax.get_lines() if line.get_gid() == "curve"][0]
    x, fx = curve.get_data()
    np.testing.assert_allclose(fx, x**4 - 3 * x**2 - x)


# -- claims on a curve ---------------------------------------------------------------------
def _heavy_ball(mu: float, lr: float = 0.01, x0: float = -2.0, steps: int = 150) -> np.ndarray:
    """Heavy-ball momentum on x² by hand (torch's buffer: b = μ b + g, x -= lr b)."""
    x, b, out = x0, 0.0, [x0]
    for t in range(steps):
        g = 2 * x
        b = g if t == 0 else mu * b + g
        x = x - lr * b
        out.append(x)
    return np.array(out)


def test_swings_counts_the_passes_across_the_minimum_a_heavy_ball_makes():
    from optviz.analysis.claims import check_claims

    too_much, settles = "momentum:lr=0.01,momentum=0.98", "momentum:lr=0.01,momentum=0.75"
    race = ov.race("parabola", [too_much, settles], start=[-2.0], steps=150)
    x = _heavy_ball(0.98)
    np.testing.assert_allclose(race[0].xy[:, 0], x, rtol=1e-12, atol=1e-15)
    far = 0.02 * race.surface.span  # a pass counts once the ball is this far past
    sides = np.sign(x)[np.abs(x) > far]
    passes = int(np.sum(sides[1:] != sides[:-1]))
    assert passes == 7
    swung, settled, short = check_claims(race, [
        "swings(momentum#1, at_least=7)", "swings(momentum#2, at_least=1)",
        "swings(momentum#1, at_least=8)"])  # fmt: skip
    assert swung.holds and swung.evidence["swings"] == passes
    assert swung.evidence["farthest_past"] == pytest.approx(x.max() / race.surface.span)
    assert not settled.holds and not short.holds


def test_curve_claims_name_flat_points_and_refuse_a_y_axis():
    from optviz.analysis.claims import ClaimError, check_claims

    race = ov.race("flat_inflection", ["gd:lr=0.1", "momentum:lr=0.1"], start=[1.2], steps=150)
    stuck, counted, rolled = check_claims(race, [
        "stuck(gd, at=inflection)", "has(minimum=1, inflection=1, maximum=0)",
        "ends_in(momentum)"])  # fmt: skip
    assert stuck.holds and counted.holds and rolled.holds
    assert stuck.callout == "GD stops at a flat inflection point: gradient ≈ 0"
    with pytest.raises(ClaimError, match="a curve f\\(x\\) has x alone, not y"):
        check_claims(race, ["zigzags(gd, across=y)"])
