"""Glyph geometry follows the recorded state: arrow = scaled vector, box = scaled rates."""

import numpy as np
import pytest

import optviz as ov
from optviz.analysis.anatomy import effective_lr
from optviz.render import glyphs
from optviz.render.animate import animate
from optviz.render.framing import race_view

START = (-1.5, 1.5)


@pytest.fixture(scope="module")
def race():
    specs = ["momentum:lr=1e-3", "adam:lr=0.05", "lion:lr=0.02"]
    return ov.race("rosenbrock", specs, start=START, steps=30, keep_state=True)


def pieces(path):
    """Split a NaN-separated polyline into its runs of points."""
    breaks = np.flatnonzero(np.isnan(path[:, 0]))
    runs = [run[~np.isnan(run[:, 0])] for run in np.split(path, breaks)]
    return [run for run in runs if len(run)]


def test_arrows_and_boxes_are_the_scaled_state_of_the_next_step(race):
    layer = glyphs.GlyphLayer(race, _axes(3), ["C0", "C1", "C2"], "light")
    k = 12
    layer.update(float(k))
    sc = layer.scales
    momentum, adam, lion = race.trajectories
    expect = {
        (0, "grad"): -momentum.state["grad"][k + 1],
        (0, "velocity"): -momentum.state["momentum_buffer"][k + 1],
        (1, "velocity"): -adam.state["exp_avg"][k + 1],
        (2, "step"): lion.state["update"][k + 1],
    }
    for (i, kind), vec in expect.items():
        shaft = pieces(np.column_stack(layer.lines[i][kind].get_data()))[0]
        tail, tip = shaft[0], shaft[1]
        np.testing.assert_allclose(tail, race.trajectories[i].xy[k])
        drawn, want = tip - tail, vec * sc.of(kind)
        if np.hypot(*want) > sc.cap:  # cut to the cap, direction kept
            want = want * sc.cap / np.hypot(*want)
        ax = layer.lines[i][kind].axes  # a glyph shorter than LEAST_PX is lengthened to it
        px = np.hypot(*(ax.transData.transform(tail + want) - ax.transData.transform(tail)))
        want = want * max(1.0, glyphs.LEAST_PX * ax.figure.dpi / 100 / px)
        np.testing.assert_allclose(drawn, want, rtol=1e-9, atol=1e-12)
    corners = pieces(np.column_stack(layer.lines[1]["box"].get_data()))[0]
    sides = np.ptp(corners, axis=0)
    np.testing.assert_allclose(sides, effective_lr(adam)[k + 1] * sc.of("box"), rtol=1e-9)
    np.testing.assert_allclose(corners.mean(axis=0)[:2], adam.xy[k], atol=0.6 * sides.max())
    assert set(layer.lines[0]) == {"grad", "velocity"}  # no box at a constant rate
    assert set(layer.lines[2]) == {"grad", "velocity", "step"}


def test_one_scale_per_group_puts_the_90th_percentile_at_the_target(race):
    layer = glyphs.GlyphLayer(race, _axes(3), ["C0", "C1", "C2"], "light")
    arrows = [r[k] for r in layer.raws for k in ("grad", "velocity") if k in r]
    grads = np.concatenate([np.hypot(a[..., 0], a[..., 1]).ravel() for a in arrows])
    (x0, x1), (y0, y1) = race_view(race)  # the drawn view
    target = glyphs.TARGET * min(x1 - x0, y1 - y0)
    p90 = np.percentile(grads[grads > 0], 90)
    np.testing.assert_allclose(layer.scales.of("grad") * p90, target)
    assert layer.scales.of("velocity") == layer.scales.of("grad")
    # a box reaches half its larger side from the ball
    reach = 0.5 * np.max(np.abs(layer.raws[1]["box"]), axis=-1).ravel()
    np.testing.assert_allclose(layer.scales.of("box") * np.percentile(reach, 90), target)


def _axes(n):
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    return [ax] * n


def test_animation_with_glyphs_draws_them_in_2d_and_3d(race):
    for kind in ("contour", "3d"):
        plain = animate(race, kind=kind, duration=0.2, fps=10, size="small", dpi=40)
        drawn = animate(race, kind=kind, glyphs=True, duration=0.2, fps=10, size="small", dpi=40)
        a, b = list(plain.frames()), list(drawn.frames())
        assert len(a) == len(b) and not np.array_equal(a[-1], b[-1])


def test_glyphs_need_the_state():
    r = ov.race("quadratic", ["adam"], steps=5)
    with pytest.raises(ov.OptvizError, match="keep_state"):
        animate(r, glyphs=True)
    with pytest.raises(ov.OptvizError, match="keep_state"):
        r.plot(glyphs=True)


def test_rprops_step_is_drawn_as_taken_and_ends_at_its_boxs_corner():
    race = ov.race("elliptic", ["rprop:lr=0.05"], steps=30, keep_state=True)
    layer = glyphs.GlyphLayer(race, _axes(1), ["C0"], "light")
    assert layer.scales.of("step") == layer.scales.of("sizes") == 1.0
    k = 8  # diagonal steps, each far longer than LEAST_PX: drawn as they are
    layer.update(float(k))
    shaft = pieces(np.column_stack(layer.lines[0]["step"].get_data()))[0]
    traj = race.trajectories[0]
    np.testing.assert_allclose(shaft[1], traj.xy[k + 1], atol=1e-12)  # where the next ball lands
    box = pieces(np.column_stack(layer.lines[0]["sizes"].get_data()))[0]
    assert np.min(np.hypot(*(box - shaft[1]).T)) < 1e-12  # at a corner of the box


def test_a_ball_that_has_arrived_keeps_its_lesson_glyph_as_a_ghost_of_meaningful_size():
    race = ov.race("elliptic", ["gd:lr=0.07", "adam:lr=0.2,beta1=0.5"], steps=32, keep_state=True)
    layer = glyphs.GlyphLayer(race, _axes(2), ["C0", "C1"], "light")
    gd_at, adam_at = (float(a[0]) for a in layer.arrived)
    assert gd_at == np.inf  # still walking the floor at the end
    assert 10 < adam_at < 32
    adam = race.trajectories[1]
    tol = glyphs.ARRIVED * min(layer.norm)  # of the view the map shows
    assert np.hypot(*adam.xy[int(adam_at) :].T).max() < tol <= np.hypot(*adam.xy[int(adam_at) - 1])
    for s, shown in ((adam_at - 1, True), (adam_at, False), (32.0, False)):
        layer.update(s)
        drawn = layer.lines[1]["grad"].get_data()[0]
        assert (len(drawn) > 0 and np.isfinite(drawn).any()) == shown, s
    line = layer.lines[1]["box"]
    layer.update(adam_at - 1)
    assert line.get_alpha() is None
    layer.update(32.0)  # held: the rates, Adam's lesson, as a ghost
    xy = np.column_stack(line.get_data())
    assert line.get_alpha() == glyphs.GHOST and np.isfinite(xy).all(axis=1).any()
    # a velocity is held only by a run without a box: Adam's would be left behind on the map
    assert not np.isfinite(np.column_stack(layer.lines[1]["velocity"].get_data())).any()
    assert np.isfinite(layer.lines[0]["grad"].get_data()[0]).any()  # GD's glyphs stay
    race = ov.race("elliptic", ["momentum:lr=0.03,momentum=0.8"], steps=50, keep_state=True)
    heavy = glyphs.GlyphLayer(race, _axes(1), ["C1"], "light")
    arrived = float(heavy.arrived[0][0])
    vel = glyphs.scaled("velocity", heavy.raws[0]["velocity"][:, 0], heavy.scales)
    reach = np.hypot(*vel[: int(arrived)].T)
    least = glyphs.HOLD * heavy.scales.cap / glyphs.CLIP
    xy_run = race.trajectories[0].xy
    clear = np.hypot(*(xy_run[: int(arrived)] - xy_run[-1]).T) >= reach + 0.5 * least
    largest = np.flatnonzero((reach >= least) & clear)[-1]
    heavy.update(50.0)  # held: the last velocity of meaningful size, at its place
    line = heavy.lines[0]["velocity"]
    xy = np.column_stack(line.get_data())
    assert line.get_alpha() == glyphs.GHOST
    assert np.allclose(xy[0], xy_run[largest]), (xy[0], xy_run[largest])


def test_a_callout_covers_no_rate_inset():
    """glyphs_adagrad_rmsprop: Adagrad's callout sat over its rate inset's line; a
    callout's box and an inset's box (with its step labels) do not overlap."""
    from optviz.render.animate import _Engine
    from optviz.scenes import load_scene
    from optviz.scenes.rendering import callouts

    scene = load_scene("glyphs_adagrad_rmsprop")
    race = scene.race()
    anim = race.animate(kind="panels", glyphs=True, callouts=callouts(scene), fps=2, duration=1)
    engine = _Engine(anim)
    try:
        engine.frame(0.0)  # the glyphs (and insets) are set up on the first frame
        engine.frame(float(race.trajectories[0].steps))
        renderer = engine.fig.canvas.get_renderer()
        insets = [a for ax in engine.fig.axes for a in ax.child_axes
                  if a.get_gid() == "rate-inset"]  # fmt: skip
        assert len(insets) == 2
        layer = engine.callouts
        boxes = [layer.box_px[id(label)] for _, _, label, _ in layer.items
                 if label.get_visible() and id(label) in layer.box_px]  # fmt: skip
        assert boxes
        for inset in insets:
            t = inset.get_tightbbox(renderer)
            for x0, y0, x1, y1 in boxes:
                assert x1 <= t.x0 or x0 >= t.x1 or y1 <= t.y0 or y0 >= t.y1, ((x0, y0, x1, y1), t)
    finally:
        engine.close()
