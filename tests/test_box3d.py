"""The 3-D box drawn per camera (render/box3d.py) against matplotlib's own drawing of it:
the same places for the grid, axis lines, ticks and labels over a turn of the camera,
and the same pixels."""

import numpy as np
import pytest
from matplotlib.ticker import MaxNLocator

import optviz as ov
from optviz.render import box3d, plots, style, surface3d

VIEWS = [(elev, azim) for elev in (30, 12, -20) for azim in range(-180, 180, 25)]


def _figure(surface: str = "himmelblau", size=(5, 4), dpi=80):
    with style.themed("light"), plots.offscreen():
        fig = plots.new_figure(size, dpi)
        ax = fig.add_subplot(projection="3d")
        surface3d.plot_surface3d(ov.surface(surface), ax)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):  # as a turning camera keeps them
            if isinstance(axis.get_major_locator(), MaxNLocator):
                axis.set_major_locator(MaxNLocator(nbins=4))
        fig.canvas.draw()
        fig.set_layout_engine("none")  # as in an animation: the axes stays where it is
    return fig, ax


def _matplotlib_layout(ax):
    """Where matplotlib drew the box at its last draw, in display pixels."""
    to_display = ax.transData.transform
    lines, labels = [], []
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        lines.append(to_display(axis.line.get_xydata()))
        lo, hi = sorted(axis.get_view_interval())
        for tick in axis.get_major_ticks():
            loc = tick.get_loc()
            if loc is None or not lo - 1e-9 * (hi - lo) <= loc <= hi + 1e-9 * (hi - lo):
                continue
            lines.append(to_display(tick.tick1line.get_xydata()))
            labels.append(to_display([tick.label1.get_position()])[0])
        labels.append(to_display([axis.label.get_position()])[0])
    axes = (ax.xaxis, ax.yaxis, ax.zaxis)
    grid = [to_display(seg) for axis in axes for seg in axis.gridlines.get_segments()]
    return np.array(grid), np.array(lines), np.array(labels)


@pytest.mark.parametrize("surface", ["himmelblau", "rosenbrock", "saddle"])
def test_the_box_lands_where_matplotlib_puts_it_at_every_camera(surface):
    fig, ax = _figure(surface)
    renderer = fig.canvas.get_renderer()
    decor = box3d.BoxDecor(ax, renderer)
    decor.axes = ax
    assert box3d.supported(ax)
    for elev, azim in VIEWS:
        ax.view_init(elev=elev, azim=azim)
        fig.canvas.draw()  # matplotlib places its box, and sets the camera ax.M
        grid, lines, labels = _matplotlib_layout(ax)
        ours_grid, ours_lines, ours_labels = decor.layout()
        anchors = np.array([anchor for anchor, _ in ours_labels])
        where = f"{surface} elev={elev} azim={azim}"
        np.testing.assert_allclose(ours_grid, grid, atol=1e-6, err_msg=where)
        np.testing.assert_allclose(ours_lines, lines, atol=1e-6, err_msg=where)
        np.testing.assert_allclose(anchors, labels, atol=1e-6, err_msg=where)


def test_the_box_draws_the_pixels_matplotlib_draws():
    fig, ax = _figure("himmelblau", size=(6, 4.5), dpi=100)
    renderer = fig.canvas.get_renderer()
    decor = box3d.BoxDecor(ax, renderer)
    ax.add_artist(decor)
    for elev, azim in ((30, -60), (25, 40), (-15, 130)):
        ax.view_init(elev=elev, azim=azim)
        decor.set_visible(False)
        ax.set_axis_on()
        fig.canvas.draw()
        slow = np.array(fig.canvas.buffer_rgba())[..., :3].astype(int)
        decor.set_visible(True)
        ax.set_axis_off()
        fig.canvas.draw()
        fast = np.array(fig.canvas.buffer_rgba())[..., :3].astype(int)
        ax.set_axis_on()
        decor.set_visible(False)
        ax.set_axis_off()
        fig.canvas.draw()
        bare = np.array(fig.canvas.buffer_rgba())[..., :3].astype(int)
        box = np.abs(slow - bare).max(axis=-1) > 40  # what matplotlib's box draws
        assert box.sum() > 2000  # grid, lines and labels are there
        # a label is pasted at a whole pixel, matplotlib draws it at a fraction of one:
        # seen 3 pixels at a time the pictures agree (a label 2 pixels off fails this)
        differ = np.abs(_blurred(fast) - _blurred(slow)).max(axis=-1) > 45
        assert differ.sum() < 0.02 * box.sum(), (elev, azim, differ.sum(), box.sum())


def _blurred(image):
    """Each pixel the mean of its 3 x 3 neighbourhood."""
    out = np.zeros(image.shape, float)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            out += np.roll(np.roll(image, dy, axis=0), dx, axis=1)
    return out / 9


def test_a_long_axis_label_turns_with_its_axis():
    fig, ax = _figure("himmelblau")
    ax.set_xlabel("parameter one")  # longer than 4 characters: matplotlib turns it
    fig.canvas.draw()
    decor = box3d.BoxDecor(ax, fig.canvas.get_renderer())
    decor.axes = ax
    angles = set()
    for azim in (-60, -30, 0, 30):
        ax.view_init(elev=30, azim=azim)
        fig.canvas.draw()
        sprites = [sprite for _, sprite in decor.layout()[2]]
        angle = round(ax.xaxis.label.get_rotation())  # matplotlib's, this camera
        angle = angle - 360 if angle > 180 else angle
        assert any(s is decor._rotated[(0, angle)] for s in sprites), (azim, angle)
        angles.add(angle)
    assert len(angles) == 4


def test_a_box_laid_out_otherwise_is_left_to_matplotlib():
    fig, ax = _figure("himmelblau")
    assert box3d.supported(ax)
    ax.zaxis.set_ticks_position("lower")
    assert not box3d.supported(ax)
