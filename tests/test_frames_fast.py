"""Cheaper frames: whole-pixel comparison of RGBA-backed frames, a turning camera that
redraws only its axes. Both must give the pictures the slow ways give."""

import numpy as np

import optviz as ov
from optviz.render import animate as A
from optviz.render import writers


def test_rgba_backed_frames_compare_like_plain_rgb():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, (30, 40, 4), dtype=np.uint8)
    b = a.copy()
    b[5, 7, 1] += 1  # one channel of one pixel
    b[20, 33, 3] += 1  # alpha only: not a change of the RGB picture, may count as one
    fast = writers._changed_pixels(a[..., :3], b[..., :3])
    slow = writers._changed_pixels(np.ascontiguousarray(a[..., :3]), b[..., :3].copy())
    assert writers._rgba_words(a[..., :3]) is not None
    assert writers._rgba_words(np.ascontiguousarray(a[..., :3])) is None
    assert slow.sum() == 1 and slow[5, 7]
    assert fast[5, 7] and (fast & ~slow).sum() <= 1


def test_a_turning_camera_draws_what_a_full_redraw_draws():
    race = ov.race("himmelblau", ["gd:lr=0.01", "adam:lr=0.1"], steps=40)
    anim = A.animate(race, kind="3d", rotate=60, size=(5, 4), dpi=60, fps=4, duration=1)
    engine = A._Engine(anim)
    try:
        fast = engine.frame(25.0).astype(int)
        engine.canvas.draw()  # the slow way: the whole figure at the same camera
        engine.background = engine.canvas.copy_from_bbox(engine.fig.bbox)
        engine.rotating = False
        slow = engine.frame(25.0).astype(int)
    finally:
        engine.close()
    differ = np.abs(fast - slow).max(axis=-1) > 8
    assert differ.mean() < 0.002, differ.mean()
