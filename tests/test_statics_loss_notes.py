"""Loss panels' notes: a note beside a curve cut at the ceiling stays under the axis's
top and clear of the curve's end."""

from __future__ import annotations

from pathlib import Path

from optviz.render import loss_plot, plots
from optviz.scenes import load_scene

GALLERY = Path(__file__).resolve().parents[1] / "gallery"


def test_a_note_beside_a_cut_curve_hangs_under_the_top_clear_of_its_end():
    # normalization_scaled: "↑ diverges, off the scale at step 1" stood over the axis's top
    # and touched the orange mark at the curve's end
    race = load_scene(GALLERY / "normalization_scaled.toml").race()
    with plots.offscreen():
        ax = loss_plot.plot_loss(race)
    fig = ax.figure
    fig.canvas.draw()
    (note,) = [t for t in ax.texts if "off the scale" in t.get_text()]
    box = note.get_window_extent()
    end = ax.transData.transform(note.xy)
    assert box.y1 <= ax.bbox.y1 + 2, (box.y1, ax.bbox.y1)
    assert box.x0 >= end[0] + 16, (box.x0, end[0])
