"""Captions and scenes that say only what their pictures show: the numbers a caption gives
are the runs' own, a path the caption calls straight does not swing across, and a scene's
paths and callouts do not hide one another. Measured on the runs, never on fixed results."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from optviz.analysis.claims import check_claims
from optviz.catalog import surface, surfaces
from optviz.render.callout_timing import shown
from optviz.scenes import load_scene
from optviz.scenes.shipped import lesson_scene

GALLERY = Path(__file__).resolve().parents[1] / "gallery"
HIDDEN = 0.03  # of the view's span: a point this near another path is drawn under it
ALONG = re.compile(r"momentum[^;]*\b(?:along|cuts)\b")  # "momentum ... cuts along the floor"
RATIO = re.compile(r"(\d+(?:\.\d+)?)×")  # "2.6×" (a ratio), not "19,000 × rate" (a product)


def _lessons_with_captions() -> list[str]:
    return [s for s in surfaces() if not surface(s).is_curve and surface(s).lesson.caption]


def _steps(xy: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.diff(xy.reshape(xy.shape[0], -1), axis=0), axis=1)


def _under(a: np.ndarray, b: np.ndarray) -> float:
    """The share of path ``a``'s points (after its start) that lie on path ``b``."""
    both = np.concatenate([a, b])
    span = float(np.max(both.max(0) - both.min(0)))
    gaps = np.min(np.linalg.norm(a[1:, None] - b[None], axis=-1), axis=1)
    return float(np.mean(gaps < HIDDEN * span))


@pytest.mark.parametrize("name", _lessons_with_captions())
def test_a_ratio_in_a_caption_is_the_one_its_claims_compute(name):
    ratios = [float(r) for r in RATIO.findall(surface(name).lesson.caption)]
    if not ratios:
        return
    computed = [v.evidence["ratio"] for v in lesson_scene(name).verdicts() if "ratio" in v.evidence]
    for r in ratios:  # within 5%: "3×" for 2.64 is not the same claim
        assert any(abs(r - c) <= 0.05 * c for c in computed), (name, r, computed)


@pytest.mark.parametrize("name", _lessons_with_captions())
def test_momentum_that_swings_across_is_said_to(name):
    """A momentum run that turns back across the valley again and again (not in a
    steady zig-zag: its swings die out) is not a ball that "cuts" or "speeds" straight
    along the floor: its caption says it swings."""
    caption = surface(name).lesson.caption
    if not ALONG.search(caption):
        return
    scene = lesson_scene(name)
    (verdict,) = check_claims(scene.race(), ["zigzags(momentum, at_least=2)"])
    if verdict.evidence["reversals"] >= 5:
        assert "swing" in caption, (name, verdict.evidence)


def test_goldstein_price_caption_arithmetic_is_the_runs():
    scene = lesson_scene("goldstein_price")
    caption = surface("goldstein_price").lesson.caption
    found = re.search(
        r"GD's first step is huge \(slope ([\d,]+)\): it lands in the deepest", caption
    )
    assert found and caption.endswith("Adam in a local one"), caption
    gradient = float(found[1].replace(",", ""))
    race = scene.race()
    gd, adam = race.trajectories
    start_gradient = float(np.linalg.norm(race.surface.grad(gd.xy[0].reshape(-1, 2))))
    assert gradient == round(start_gradient, -3)
    # "huge": GD's first stride is many times Adam's, from the same start
    assert _steps(gd.xy)[0] > 10 * _steps(adam.xy)[0], (_steps(gd.xy)[0], _steps(adam.xy)[0])
    gd_end, adam_end = (float(race.surface.f(t.xy[-1].reshape(-1, 2))[0]) for t in (gd, adam))
    lowest = float(race.surface.minima_values.min())
    assert abs(gd_end - lowest) < 0.1 < adam_end - lowest, (gd_end, adam_end)


def test_tiny_net_adam_is_never_behind_gd():
    """The caption has GD crawl and Adam walk: from the first step on, GD is never the
    lower of the two (from w2 = -2 GD fixed w2 at once and led for ninety steps)."""
    gd, adam = lesson_scene("tiny_net").race().trajectories
    lead = np.asarray(gd.loss).ravel()[2:] < np.asarray(adam.loss).ravel()[2:]
    assert not lead.any(), np.flatnonzero(lead)[:10]


def test_rotated_ellipse_gd_runs_down_the_valley_without_zig_zags():
    """GD beside Adam at the same rate: it arrives, and not by bouncing across."""
    race = lesson_scene("rotated_ellipse").race()
    zigzag, faster = check_claims(race, ["zigzags(gd, at_least=3)", "faster(gd, adam)"])
    assert not zigzag.holds and faster.holds, (zigzag.evidence, faster.evidence)


def test_lbfgs_and_adam_paths_apart():
    gd_like = load_scene(GALLERY / "lbfgs_line_search.toml").race().trajectories
    lbfgs, adam = (t.xy.reshape(t.xy.shape[0], -1) for t in gd_like)
    assert _under(adam, lbfgs) < 0.3


def test_landscape_spiral_paths_apart():
    from optviz.nets import landscape

    spec = tomllib.loads((GALLERY / "landscape_spiral.toml").read_text())
    look = spec["render"]
    ls = landscape(look["dataset"], spec["optimizers"], steps=spec["run"]["steps"],
                   seed=spec["run"]["seed"], hidden=look["hidden"], activation=look["activation"],
                   origin=look["origin"], resolution=4)  # fmt: skip
    sgd, momentum, adam = (np.asarray(p) for p in ls.xy)
    assert _under(sgd, momentum) < 0.3 and _under(sgd, adam) < 0.3


@pytest.mark.parametrize(("scene", "needed"), [("newton_saddle", 2), ("ball_rolling_3d", 3)])
def test_one_callout_for_the_runs_that_do_the_same(scene, needed):
    """Two runs that end in the same minimum need one callout between them, not two
    side by side (the second was pushed to the frame's bottom edge): Newton's stop and
    the gradient methods' arrival; the two stopped in the shallow well and momentum's
    escape and arrival."""
    verdicts = load_scene(GALLERY / f"{scene}.toml").verdicts()
    assert all(v.holds for v in verdicts)
    assert len(shown(verdicts)) <= needed, [v.callout for v in shown(verdicts)]
