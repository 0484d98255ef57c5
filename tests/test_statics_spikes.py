"""edge_of_stability: every spike guide says how tall its spike is, so the small fourth
one reads as small, not as a guide at nothing."""

from __future__ import annotations

import numpy as np

from optviz.render import plots


def test_each_spike_guide_names_its_rise():
    from optviz.analysis.sharpness import SharpnessRun
    from optviz.render.sharpnessplots import plot_sharpness_runs, spike_steps

    steps = np.arange(3001)
    loss = 0.08 * np.exp(-steps / 1500) + 1e-3
    loss[400:410] *= 16.0  # three tall spikes and a bump, as edge_of_stability's run
    loss[1150:1160] *= 6.0
    loss[1500:1510] *= 3.0
    loss[2780:2830] *= 1.2
    at = np.arange(0, 3001, 100)
    run = SharpnessRun("GD", at, np.linspace(1, 9, len(at)), loss, np.full(3000, 0.2), None)
    with plots.offscreen():
        fig = plot_sharpness_runs([run], dpi=100)
    fig.canvas.draw()
    left = fig.axes[0]
    starts = spike_steps(loss)
    assert len(starts) == 4
    words = [t for t in left.texts if t.get_gid() == "spike-rise"]
    assert len(words) == len(starts)
    rises = sorted(float(t.get_text().lstrip("×")) for t in words)
    np.testing.assert_allclose(rises, [1.2, 3.0, 6.0, 16.0], rtol=0.06)
    frame = left.get_window_extent()
    for t in words:
        box = t.get_window_extent()
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1 and box.x1 <= frame.x1 + 40
