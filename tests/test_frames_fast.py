"""Cheaper frames: whole-pixel comparison of RGBA-backed frames, a turning camera that
redraws only its axes. Both must give the pictures the slow ways give."""

import numpy as np

import optviz as ov
from optviz.render import animate as A
from optviz.render import gif, paths


def test_rgba_backed_frames_compare_like_plain_rgb():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, (30, 40, 4), dtype=np.uint8)
    b = a.copy()
    b[5, 7, 1] += 1  # one channel of one pixel
    b[20, 33, 3] += 1  # alpha only: not a change of the RGB picture, may count as one
    fast = gif._changed_pixels(a[..., :3], b[..., :3])
    slow = gif._changed_pixels(np.ascontiguousarray(a[..., :3]), b[..., :3].copy())
    assert gif._rgba_words(a[..., :3]) is not None
    assert gif._rgba_words(np.ascontiguousarray(a[..., :3])) is None
    assert slow.sum() == 1 and slow[5, 7]
    assert fast[5, 7] and (fast & ~slow).sum() <= 1


def test_a_turning_camera_draws_what_a_full_redraw_draws():
    race = ov.race("himmelblau", ["gd:lr=0.01", "adam:lr=0.1"], steps=40)
    anim = A.animate(race, kind="3d", rotate=60, size=(5, 4), dpi=60, fps=4, duration=1)
    engine = A._Engine(anim)
    try:
        fast = engine.frame(25.0).astype(int)
        engine.canvas.draw()  # the slow way: the whole figure at the same camera
        engine._rotate = lambda s: None  # ... with the paths drawn over it as in a frame
        slow = engine.frame(25.0).astype(int)
    finally:
        engine.close()
    differ = np.abs(fast - slow).max(axis=-1) > 8
    assert differ.mean() < 0.002, differ.mean()


def _surface_figure(surface: str, azim: float):
    from optviz.render import plots, style, surface3d

    with style.themed("light"), plots.offscreen():
        fig = plots.new_figure((5, 4), 60)
        ax = fig.add_subplot(projection="3d")
        # (at a fixed elevation: a catalog camera's steeper one adds folds to the sample)
        surface3d.plot_surface3d(ov.surface(surface), ax, elev=40, azim=azim)
        fig.canvas.draw()
    return fig, ax


def test_the_surface_picture_fills_the_pixels_the_quads_fill():
    from optviz.render.mesh import MeshPicture

    for surface, azim in (("himmelblau", -60), ("saddle", 150), ("rosenbrock", 20)):
        fig, ax = _surface_figure(surface, azim)
        (quads,) = [c for c in ax.collections if hasattr(c, "optviz_mesh")]
        quads.set_visible(False)
        fig.canvas.draw()
        bare = np.array(fig.canvas.buffer_rgba())[..., :3].astype(int)
        quads.set_visible(True)
        fig.canvas.draw()
        slow = np.array(fig.canvas.buffer_rgba())[..., :3].astype(int)
        quads.set_visible(False)
        ax.add_artist(MeshPicture(*quads.optviz_mesh))
        fig.canvas.draw()
        fast = np.array(fig.canvas.buffer_rgba())[..., :3].astype(int)
        covered = np.abs(slow - bare).max(axis=-1) > 8
        assert covered.mean() > 0.1, (surface, covered.mean())  # the surface is drawn
        differ = np.abs(fast - slow).max(axis=-1) > 8
        # only pixels on the outline and on folds (where the depth buffer and a sort of
        # whole quads disagree) may differ: a few percent of the surface at this small size
        assert differ.mean() < 0.06 * covered.mean(), (surface, differ.mean())


def test_a_turning_camera_shows_the_surface_and_every_path():
    from matplotlib.colors import to_rgb

    race = ov.race("himmelblau", ["gd:lr=0.01", "adam:lr=0.1"], steps=40)
    anim = A.animate(race, kind="3d", rotate=90, size=(5, 4), dpi=60, fps=4, duration=1)
    engine = A._Engine(anim)
    try:
        ax = engine.panels[0]
        img = engine.frame(40.0).astype(int)
        x0, y0, x1, y1 = (round(v) for v in ax.bbox.extents)
        h = img.shape[0]
        inside = img[h - y1 : h - y0, x0:x1]
        face = np.array(engine.fig.get_facecolor()[:3]) * 255
        assert (np.abs(inside - face).max(axis=-1) > 30).mean() > 0.2  # the surface
        for i in range(len(race)):
            color = np.array(to_rgb(paths.run_colors(race.trajectories)[i])) * 255
            assert (np.abs(img - color).max(axis=-1) < 20).sum() > 5, i
    finally:
        engine.close()


def test_the_step_counter_pastes_the_pixels_its_text_draws(monkeypatch):
    from optviz.render.counter import StepCounter

    race = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=1234)
    anim = A.animate(race, loss=True, size=(6.4, 3.6), dpi=70, fps=4, duration=1)
    steps = [0.0, 7.0, 90.5, 1000.0, 1234.0]
    engine = A._Engine(anim)
    try:
        assert engine.counter.cells is not None  # digits are pasted, not laid out
        fast = [engine.frame(s).astype(int) for s in steps]
    finally:
        engine.close()

    def as_text(self, canvas, moving_axes):
        self.text.set_animated(True)
        return False

    monkeypatch.setattr(StepCounter, "prepare", as_text)
    engine = A._Engine(anim)
    try:
        slow = [engine.frame(s).astype(int) for s in steps]
        extent = engine.counter.text.get_window_extent()
    finally:
        engine.close()
    h = fast[0].shape[0]
    rows = slice(h - int(extent.y1) - 3, h - int(extent.y0) + 3)
    cols = slice(max(int(extent.x0) - 3, 0), int(extent.x1) + 3)
    for s, a, b in zip(steps, fast, slow, strict=True):
        assert np.abs(a - b).max() <= 2, s  # the whole frame, counter included
        assert np.abs(a[rows, cols] - a[rows, cols].mean()).max() > 50, s  # it shows text
    # different steps show different digits
    assert np.abs(fast[1][rows, cols] - fast[3][rows, cols]).max() > 50
