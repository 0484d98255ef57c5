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


def _loss_key(kind: str):
    import numpy as np

    import optviz as ov
    from optviz.render.animate import _Engine, animate

    race = ov.race("quadratic", ["sgd:lr=0.1,grad_noise=1", "sgd:lr=0.05,grad_noise=1"],
                   start=(0.5, 0.35), steps=30)  # fmt: skip
    engine = _Engine(animate(race, kind=kind, loss=True, fps=2, duration=1, size="16:9", dpi=50))
    try:
        frame = engine.frame(30.0)
        (loss,) = [f for f in engine.side_frames if hasattr(f, "key")]
        key = loss.key
        names = [t.get_text() for t in key.get_texts()] if key is not None else None
        drawn = key is not None and key.get_window_extent().width > 0
        return names, drawn, np.asarray(frame)
    finally:
        engine.close()


def test_a_loss_panel_keys_runs_named_only_in_the_maps_titles():
    # schedules, schedulefree_cosine: three styles of loss line and no word for which is
    # which (the runs named only in the maps' titles, one map per run)
    names, drawn, _ = _loss_key("panels")
    assert names is not None and len(names) == 2 and len(set(names)) == 2, names
    assert drawn
    names, _, _ = _loss_key("contour")  # one map: its legend names the runs already
    assert names is None


def test_a_run_that_stops_moving_is_said_to_stop_over_its_flat_line():
    # lbfgs_line_search: L-BFGS ran flat along 1e-10 from evaluation 70 with no word (its
    # stopping test, change < tolerance_change, ended it), unlike a curve on the floor
    from optviz.render.animate import _Engine, animate

    race = load_scene(GALLERY / "lbfgs_line_search.toml").race()
    engine = _Engine(animate(race, loss="evals", fps=2, duration=1, size="16:9", dpi=100))
    try:
        engine.frame(float(len(race.trajectories[0].loss) - 1))
        notes = [n for *_, n in engine.loss_lines if n is not None and n.get_gid() == "stopped"]
        (note,) = notes  # L-BFGS's, not Adam's
        assert "1e-9" in note.get_text()
        ax = note.axes
        box = note.get_window_extent(engine.canvas.get_renderer())
        fall = ax.transData.transform(note.xy)
        assert box.x0 >= fall[0] and box.x1 <= engine.fig.bbox.width and box.y0 >= fall[1]
    finally:
        engine.close()
