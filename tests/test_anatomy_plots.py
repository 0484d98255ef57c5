"""The anatomy figures draw the terms they are given; the CLI writes them or says why not."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import optviz as ov
from optviz.analysis.anatomy import anatomy
from optviz.render.anatomy_plots import plot_anatomy, plot_quantities


def test_arrows_chain_the_terms_head_to_tail_and_end_at_the_step():
    a = anatomy("rosenbrock", "momentum:lr=1e-3,weight_decay=0.5", at=20)
    fig = plot_anatomy(a, size="small", dpi=50)
    arrows = [t for t in fig.axes[0].texts if t.arrow_patch is not None and not t.get_text()]
    segments = [(np.array(t.xyann), np.array(t.xy)) for t in arrows]
    starts = np.cumsum([a.point, *[p.vector for p in a.terms]], axis=0)
    for start, part in zip(starts[:-1], a.terms, strict=True):
        assert any(
            np.allclose(s, start) and np.allclose(e, start + part.vector) for s, e in segments
        )
    assert any(np.allclose(s, a.point) and np.allclose(e, a.point + a.update) for s, e in segments)
    np.testing.assert_allclose(starts[-1], a.point + a.update, atol=1e-12)


def test_quantities_plot_the_effective_rates_and_step_lengths():
    r = ov.race("quadratic", ["adagrad:lr=0.1", "gd:lr=0.1"], start=(1.0, -0.5), steps=20,
                keep_state=True)  # fmt: skip
    rate_ax, speed_ax = plot_quantities(r, size="small", dpi=50).axes
    ada_x = rate_ax.lines[0].get_ydata()
    g = r[0].state["grad"][1:, 0]
    np.testing.assert_allclose(ada_x[1:], 0.1 / (np.sqrt(np.cumsum(g**2)) + 1e-10))
    gd_speed = speed_ax.lines[1].get_ydata()
    np.testing.assert_allclose(gd_speed, np.hypot(1.0, 0.5) * 0.2 * 0.8 ** np.arange(20))


def test_a_furrows_rates_fill_their_own_panels():
    # rates_adagrad_rmsprop: the across panel shared the along panel's range and its top
    # half (rates ten times larger than any across) stood empty
    r = ov.race("long_furrow", ["adagrad:lr=0.08", "rmsprop:lr=0.015"], steps=60,
                keep_state=True)  # fmt: skip
    along, across = plot_quantities(r, size="small", dpi=50).axes[:2]
    for ax in (along, across):
        values = np.concatenate([ln.get_ydata() for ln in ax.lines if len(ln.get_ydata())])
        values = values[np.isfinite(values) & (values > 0)]
        lo, hi = ax.get_ylim()
        shown = np.log(values.max() / values.min()) / np.log(hi / lo)
        assert shown > 0.75, (ax.get_title(), shown)


def test_quantities_show_prodigys_step_size_estimate_d_from_its_state():
    r = ov.race("quadratic", ["prodigy", "adam:lr=0.1"], start=(1.0, -0.5), steps=30,
                keep_state=True)  # fmt: skip
    axes = plot_quantities(r, size="small", dpi=50).axes
    assert len(axes) == 3 and "step-size estimate d" in axes[2].get_title()
    (d,) = axes[2].lines  # Adam estimates nothing
    np.testing.assert_array_equal(d.get_ydata(), r[0].state["d"])
    assert d.get_ydata()[0] == 1e-6 and np.all(np.diff(d.get_ydata()) >= 0)  # d never shrinks
    assert d.get_ydata()[-1] > 1e3 * d.get_ydata()[0]  # and grows from d0 to the right size
    adam = ov.race("quadratic", ["adam:lr=0.1"], steps=3, keep_state=True)
    assert len(plot_quantities(adam, size="small", dpi=50).axes) == 2


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "optviz.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_cli_writes_one_figure_per_optimizer_and_a_walk(tmp_path):
    small = ["--size", "small", "--dpi", "50"]
    two = ["-O", "adam:lr=0.1", "-O", "momentum:lr=0.01"]
    done = cli(
        "anatomy", "narrow_ravine", *two, "--at", "3", *small, "-o", "step.png", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"step_adam.png", "step_momentum.png"}
    walk = ["--at", "3", "--walk", *small, "-o", "walk.gif"]
    done = cli("anatomy", "quadratic", "-O", "adam", *walk, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "walk.gif").n_frames == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "0"], "allowed: a step number >= 1"),
        (["--at", "9", "--steps", "5"], "allowed: 1..5"),
        (["--walk", "--quantities"], "one of --walk and --quantities"),
    ],
)
def test_cli_refuses_bad_steps_in_one_line(tmp_path, args, message):
    done = cli("anatomy", "quadratic", "-O", "adam", *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())
