"""A surface's map under its gradient field: the saddle's flow drawn where the
streamlines stop, a colour bar read like the axes."""

from __future__ import annotations

import pytest

from optviz.render import mapplots, plots, style


@pytest.fixture(scope="module")
def saddle_map():
    with plots.offscreen():
        fig = mapplots.show_map("saddle", dpi=100, field="stream")
    style.raise_type(fig)  # as saving does
    fig.canvas.draw()
    return fig


def test_a_saddles_flow_runs_in_along_the_rising_axis_and_out_along_the_falling_one(saddle_map):
    # saddle_field: the streamlines stopped short of the saddle and left its centre empty
    ax = saddle_map.axes[0]
    arrows = [t for t in ax.texts if t.get_gid() == "saddle-flow"]
    assert len(arrows) == 4
    for a in arrows:
        (hx, hy), (tx, ty) = a.xy, a.xyann  # head, tail (data)
        if abs(hy) < 1e-9:  # along x (f = x² − y² rises): into the saddle at (0, 0)
            assert abs(hx) < abs(tx)
        else:  # along y (falls): away from it
            assert abs(hx) < 1e-9 and abs(hy) > abs(ty)


def test_a_maps_colour_bar_reads_like_its_axes_with_no_lone_arrow(saddle_map):
    # saddle_field: the bar's numbers were a size smaller than the axes', and one
    # triangle at its top read as a pointer
    ax = saddle_map.axes[0]
    (bar,) = [c.colorbar for c in ax.collections if getattr(c, "colorbar", None)]
    assert bar.extend == "neither"
    axis_pt = max(t.get_fontsize() for t in ax.get_xticklabels())
    assert min(t.get_fontsize() for t in bar.ax.get_yticklabels()) >= axis_pt


def test_a_lone_key_sits_off_the_map_clear_of_its_numbers_and_the_title(saddle_map):
    # saddle_field: the lone "saddle" key sat in the corner and touched the "2.0" tick;
    # a row of its own under the map then cost the map 65 px
    ax = saddle_map.axes[0]
    key = saddle_map.legends[0].get_window_extent()
    frame = ax.get_window_extent()
    assert key.y0 >= frame.y1 or key.y1 <= frame.y0
    title = saddle_map._suptitle.get_window_extent()
    assert key.x0 >= title.x1 or key.y1 <= title.y0
    assert saddle_map.bbox.x0 <= key.x0 and key.x1 <= saddle_map.bbox.x1
    assert frame.height >= 0.75 * saddle_map.bbox.height


def test_a_maps_colour_bar_is_as_tall_as_the_map(saddle_map):
    # without its arrow the bar kept the arrow's room: 22 px short of the map's top
    ax = saddle_map.axes[0]
    (bar,) = [c.colorbar for c in ax.collections if getattr(c, "colorbar", None)]
    a, b = ax.get_window_extent(), bar.ax.get_window_extent()
    assert abs(a.y1 - b.y1) < 2 and abs(a.y0 - b.y0) < 2
