"""A number line under a row of maps is a strip: the maps carry the lesson."""

from __future__ import annotations

from pathlib import Path

import pytest

from optviz.render.animate import _Engine
from optviz.render.sharpness_panel import PANEL_LABEL
from optviz.scenes.build import parse_toml, scene_from_dict

GALLERY = Path(__file__).resolve().parent.parent / "gallery"


# stability_lines' number line was 152 px tall (0.21 of the frame) for one row of marks
# and names, its maps 279 px (0.39): now 88 px and 344 px
def test_a_number_line_under_the_maps_is_a_strip():
    data = parse_toml((GALLERY / "stability_lines.toml").read_text(encoding="utf-8"), "s")
    scene = scene_from_dict(data, base=GALLERY, stem="stability_lines")
    r = scene.renders[0]
    race = scene.race()
    anim = race.animate(kind=r.kind, title=r.options["title"], sharpness=True, fps=2, duration=1)
    engine = _Engine(anim)
    try:
        engine.frame(float(race.trajectories[0].steps))
        fig = engine.fig
        line = next(ax for ax in fig.axes if ax.get_label() == PANEL_LABEL)
        assert getattr(line, "_optviz_number_line", False)
        height = fig.bbox.height
        strip = line.bbox.height / height
        maps = min(ax.bbox.height for ax in engine.panels) / height
    finally:
        engine.close()
    assert 0.08 <= strip <= 0.15, strip  # its marks and names legible, no more
    assert maps >= 0.45, maps


# noise_kinds' four panels each repeated their title in their callout ("GD (noise on the
# gradient σ 0.5) reaches a minimum at step 20", three lines over a fifth of the map)
@pytest.mark.parametrize("stem", ["noise_kinds", "stability_lines"])
def test_a_panels_callouts_leave_the_name_to_its_title(stem):
    from optviz.analysis.claim_grammar import shown_names
    from optviz.render.callouts import CalloutLayer
    from optviz.render.race_figure import plot_race

    data = parse_toml((GALLERY / f"{stem}.toml").read_text(encoding="utf-8"), stem)
    scene = scene_from_dict(data, base=GALLERY, stem=stem)
    race = scene.race()
    fig = plot_race(race, kind="panels", callouts=scene.verdicts(), dpi=50)
    fig.canvas.draw()
    layer = next(a for a in fig.axes[0].artists if isinstance(a, CalloutLayer))
    names = shown_names(race.trajectories)
    texts = [label.get_text() for *_, label, _ in layer.items]
    assert len(texts) >= len(race.trajectories)
    assert not any(t.startswith(n) for t in texts for n in names), texts
