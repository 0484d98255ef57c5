"""Loss panels fit the curves, draw the numerical floor as a band and a divergence as
an arrow with its step, in the still plot and in the animation."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text

import optviz as ov
from optviz.render import loss_plot, loss_tags, losses, race_figure, start_marks
from optviz.render.animate import _Engine, animate

SMALL = dict(size="small", dpi=40)


def loss_axes(race):
    """The loss axes of the still race plot and of the animation's engine."""
    fig = race_figure.plot_race(race, loss=True, **SMALL)
    engine = _Engine(animate(race, loss=True, fps=2, duration=1, **SMALL))
    return [fig.axes[-1], engine.loss_ax]


@pytest.mark.parametrize(
    ("surface", "specs", "steps"),
    [
        ("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05", "momentum:lr=0.001"], 120),
        ("quadratic", ["gd:lr=0.1", "adam:lr=0.1", "newton"], 60),
        ("himmelblau", ["gd:lr=0.01"], 40),
    ],
)
def test_the_loss_axis_spans_the_data_within_a_decade(surface, specs, steps):
    race = ov.race(surface, specs, steps=steps)
    f_star = race.surface.min_value
    gaps = np.concatenate([t.loss - f_star for t in race.trajectories])
    floor = losses.LOSS_FLOOR * max(1.0, abs(f_star))
    above = gaps[gaps > floor]
    low = gaps.min() if gaps.min() > floor else floor  # a curve that reaches the floor
    for ax in loss_axes(race):
        bottom, top = ax.get_ylim()
        assert low / 10 <= bottom <= low
        assert above.max() <= top <= 10 * above.max()


def test_a_run_at_the_numerical_floor_ends_on_a_labelled_band():
    race = ov.race("quadratic", ["gd:lr=0.1", "adam:lr=0.1"], start=(1.0, 1.0), steps=300)
    gd = race.trajectories[0]
    assert gd.loss[-1] < 1e-50  # far below rounding: (1 - 2 lr)^2t
    for ax in loss_axes(race):
        bands = [p for p in ax.patches if p.get_label() == "numerical floor"]
        assert len(bands) == 1
        top = bands[0].get_path().transformed(bands[0].get_transform()).get_extents().y1
        assert top == pytest.approx(ax.transData.transform((0, losses.LOSS_FLOOR))[1])
        assert "numerical floor" in [t.get_text() for t in ax.texts]
    line = loss_plot.plot_loss(race).get_lines()[0]
    y = line.get_ydata()
    first = int(np.argmax(gd.loss <= losses.LOSS_FLOOR))
    assert y[first] == losses.LOSS_FLOOR  # the curve enters the band ...
    assert np.isnan(y[first + 1 :]).all()  # ... and does not lie along it
    np.testing.assert_allclose(y[:first], gd.loss[:first], rtol=1e-12)


def test_a_run_above_the_floor_has_no_band():
    race = ov.race("rosenbrock", ["gd:lr=0.001"], steps=50)
    ax = loss_plot.plot_loss(race)
    assert not [p for p in ax.patches if p.get_label() == "numerical floor"]


def _ceiling_step(traj) -> int:
    """The first step whose loss passes the axis's ceiling (100 times the start's)."""
    return int(np.argmax(traj.loss > losses.CEILING * traj.loss[0]))


def test_a_diverged_run_ends_at_the_ceiling_with_its_step():
    # sgd at 1.5 on ½(x² + 5y²) climbs a decade every step or two: drawn to the end it
    # spanned 25 decades and pressed gd's curve flat; it ends at the ceiling instead
    race = ov.race("elliptic", ["sgd:lr=1.5", "gd:lr=0.05"], steps=60)
    sgd = race.trajectories[0]
    k, j = int(sgd.diverged_at), _ceiling_step(sgd)
    assert 0 < j < k < 60
    ax = loss_plot.plot_loss(race)
    (note,) = [t for t in ax.texts if "diverge" in t.get_text()]
    assert note.get_text().replace("\n", " ") == f"↑ diverges, off the scale at step {j}"
    assert note.xy[0] == j
    y = ax.get_lines()[0].get_ydata()
    assert np.isfinite(y[: j + 1]).all() and np.isnan(y[j + 1 :]).all()  # no flat line
    assert y[j] == pytest.approx(losses.CEILING * sgd.loss[0])
    lo, hi = np.log10(ax.get_ylim())
    assert hi - np.log10(y[j]) < 1.5  # the axis ends near the ceiling, not 20 decades up
    assert not [t for t in ax.texts if t is not note and "diverge" in t.get_text()]  # gd fine


def test_a_group_of_starts_gets_one_arrow_for_its_divergences():
    # ½(x² + 25y²) with gd at lr 0.1: on y = 0 the rate is under 2 / 1 (they converge),
    # off it 25 × 0.1 > 2 (they diverge)
    starts = np.array([[1.0, 0.0], [2.0, 0.0], [1.0, 0.5], [2.0, 1.0]])
    race = ov.race("elliptic", ["gd:lr=0.1"], start=starts, steps=60)
    (traj,) = race.trajectories
    div = np.asarray(traj.diverged_at)
    assert (div[:2] == -1).all() and (div[2:] > 0).all()
    ax = loss_plot.plot_loss(race)
    (note,) = [t for t in ax.texts if "diverged" in t.get_text()]
    k = int(div[2:].min())
    assert note.get_text().replace("\n", " ") in (
        f"2 of 4 diverged, first at step {k}",
        f"↑ 2 of 4 diverged, first at step {k}",
    )
    assert note.xy[0] <= k
    engine = _Engine(animate(race, loss=True, fps=2, duration=1, **SMALL))
    try:
        notes = [n for *_, n in engine.loss_lines if n is not None]
        one_line = [n.get_text().replace("\n", " ") for n in notes]  # a narrow panel wraps it
        assert one_line == [note.get_text().replace("\n", " ")]
    finally:
        engine.close()


def test_the_animation_shows_the_divergence_from_its_step_on():
    race = ov.race("elliptic", ["sgd:lr=1.5"], steps=40)
    k = _ceiling_step(race.trajectories[0])
    engine = _Engine(animate(race, loss=True, fps=2, duration=1, **SMALL))
    try:
        (note,) = [n for *_, n in engine.loss_lines]
        assert note.get_animated()
        assert note.get_text().replace("\n", " ") == f"↑ diverges, off the scale at step {k}"
        before, after = engine.frame(k - 1.0), engine.frame(float(k))
        box = note.get_window_extent(engine.canvas.get_renderer())
        h = before.shape[0]
        rows = slice(int(h - box.y1), int(h - box.y0))
        cols = slice(int(box.x0), int(box.x1))
        assert (before[rows, cols] != after[rows, cols]).any()  # the text appears at k
    finally:
        engine.close()


@pytest.fixture(scope="module")
def camel_race():
    # four kinds of landmark: the widest legend row under the figure
    return ov.race("six_hump_camel", ["gd:lr=0.01", "adam:lr=0.05"], steps=40)


def _undrawn_tick_labels(fig) -> list:
    """Tick labels outside their axis's view: kept by matplotlib, never drawn."""
    out = []
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            drawn = {id(t) for t in axis._update_ticks()}
            out += [label for t in axis.get_major_ticks() + axis.get_minor_ticks()
                    if id(t) not in drawn for label in (t.label1, t.label2)]  # fmt: skip
    return out


@pytest.mark.parametrize(
    ("kind", "size"),
    [("contour", s) for s in ("16:9", "4:3", "square", "small")]
    + [("3d", "small"), ("panels", "small"), ("panels", "16:9")],
)
def test_the_step_counter_touches_no_tick_label_and_no_legend(camel_race, kind, size):
    engine = _Engine(animate(camel_race, kind=kind, loss=True, fps=2, duration=1, size=size))
    try:
        engine.frame(40.0)
        renderer = engine.canvas.get_renderer()
        counter = engine.counter.text.get_window_extent(renderer).padded(2)
        ticks = [t for t in engine.loss_ax.get_xticklabels() if t.get_text()]
        lo = engine.loss_ax.get_xlim()[0]
        first = min(ticks, key=lambda t: abs(t.get_position()[0] - lo))
        assert first.get_text() == "0"
        assert not counter.overlaps(first.get_window_extent(renderer))
        texts = [t for t in engine.fig.findobj(Text) if t.get_visible() and t.get_text()]
        texts = [t for t in texts if t not in _undrawn_tick_labels(engine.fig)]
        boxes = [t.get_window_extent(renderer) for t in texts if t is not engine.counter.text]
        boxes += [legend.get_window_extent(renderer) for legend in engine.fig.legends]
        assert not [b for b in boxes if counter.overlaps(b)]
    finally:
        engine.close()


# ----------------------------------------------------------------------------- starts
def _tag_positions(ax, gid=None) -> dict[str, tuple]:
    """The start numbers drawn on ``ax``: text -> where it points (data coordinates)."""
    out = {}
    for t in ax.texts:
        if t.get_text().isdigit() and (gid is None or t.get_gid() == gid):
            out.setdefault(t.get_text(), []).append(tuple(np.round(t.xy, 9)))
    return out


@pytest.fixture(scope="module")
def two_starts():
    return ov.race(
        "quadratic", ["gd:lr=0.1", "gd:lr=0.3"], start=[(1.0, 0.5), (-0.5, 1.0)], steps=6
    )


def test_each_start_is_numbered_on_the_map_and_at_the_end_of_its_loss_curves(two_starts):
    engine = _Engine(animate(two_starts, loss=True, fps=2, duration=1, **SMALL))
    on_map = _tag_positions(engine.panels[0], gid="start-tag")
    assert on_map == {"1": [(1.0, 0.5)], "2": [(-0.5, 1.0)]}  # the run's order
    drawn = [a for a in engine.side_frames[0](6.0) if isinstance(a, Text)]  # the last step
    axis = losses.loss_axis(two_starts.trajectories)
    for run, traj in enumerate(two_starts.trajectories):
        tags = [t for t in drawn if t.get_color() == engine.styles[run].color]
        y = losses.loss_curve(traj, axis.shift, axis.log, axis.floor)
        # start j's number sits at the last point of start j's curve (distinct curves)
        assert sorted((t.get_text(), t.xy) for t in tags) == [
            (str(j + 1), (6.0, float(y[-1, j]))) for j in range(2)
        ]
    still = loss_plot.plot_loss(two_starts)
    assert sorted(_tag_positions(still)) == ["1", "2"]


def test_a_single_start_or_a_cloud_carries_no_numbers():
    one = ov.race("quadratic", ["gd:lr=0.1"], start=(1.0, 0.5), steps=3)
    assert not _tag_positions(loss_plot.plot_loss(one))
    assert loss_tags.start_tags(loss_tags.MAX_TAGGED_STARTS + 1) == []


def test_a_cloud_of_starts_draws_its_loss_without_numbers():
    cloud = ov.race(
        "quadratic", ["gd:lr=0.1"], start=np.linspace(-1, 1, 24).reshape(12, 2), steps=3
    )
    assert not _tag_positions(loss_plot.plot_loss(cloud))


def test_a_divergence_mid_panel_keeps_its_note_inside_the_frame():
    """The learning-rate scene's lr 0.45 diverges at step 18 of 40: its note, begun at
    the arrow, ran off the frame's right edge."""
    from optviz.scenes import load_scene

    race = load_scene("learning_rate").race()
    k = int(race.trajectories[3].diverged_at)
    assert 0.3 < k / race.trajectories[3].steps < 0.6
    engine = _Engine(animate(race, kind="panels", loss=True, fps=2, duration=1))
    note = next(n for *_, n in engine.loss_lines if n is not None)
    box = note.get_window_extent(engine.fig.canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= engine.fig.bbox.width


# ----------------------------------------------------------------------------- ends, styles
@pytest.fixture(scope="module")
def three_runs():
    return ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05", "momentum:lr=0.001"], steps=40)


def test_the_markers_at_the_first_and_last_step_are_whole(three_runs):
    # a head on the panel's edge was cut in half by the axes: it is drawn over the edge,
    # whole, and inside the frame
    engine = _Engine(animate(three_runs, loss=True, fps=2, duration=1, size="16:9"))
    try:
        fig = engine.fig
        frame = fig.bbox
        half = 8 / 2 * fig.dpi / 72  # the head's dot: 8 points across
        for s in (0.0, float(three_runs.trajectories[0].steps)):
            engine.frame(s)
            for _line, dot, *_ in engine.loss_lines:
                assert not dot.get_clip_on()
                for x, y in engine.loss_ax.transData.transform(np.column_stack(dot.get_data())):
                    assert frame.x0 + half <= x <= frame.x1 - half
                    assert frame.y0 + half <= y <= frame.y1 - half
    finally:
        engine.close()


def test_each_loss_curve_has_its_paths_dash_and_marker(three_runs):
    from optviz.render import paths

    engine = _Engine(animate(three_runs, loss=True, fps=2, duration=1, **SMALL))
    try:
        styles = paths.path_styles(three_runs.trajectories)
        drawn = [line for line, *_ in engine.loss_lines]
        for line, ps in zip(drawn, styles, strict=True):
            solid = ps.linestyle == "-"
            assert (line.get_linestyle() == "-") == solid
            assert line.get_marker() == ps.marker
        assert len({str(line._dash_pattern) for line in drawn}) == len(drawn)  # no two alike
    finally:
        engine.close()


@pytest.fixture(scope="module")
def noisy_race():
    """Noisy SGD beside plain GD on a bowl: only the noisy run's curve saws."""
    return ov.race(
        "quadratic", ["sgd:lr=0.1,grad_noise=1", "gd:lr=0.05"], start=(0.5, 0.35), steps=150
    )


def _trailing_mean(y: np.ndarray, window: int) -> np.ndarray:
    return np.array([y[max(0, k - window + 1) : k + 1].mean() for k in range(len(y))])


def test_a_noisy_run_draws_its_running_mean_over_its_faint_raw_loss(noisy_race):
    # a few noisy curves on a log axis made one wedge: each is its mean over the last
    # steps (never the steps to come), the raw loss drawn faint under it
    from matplotlib.colors import same_color

    from optviz.render import paths

    sgd, gd = noisy_race.trajectories
    sgd_color, gd_color = paths.run_colors(noisy_race.trajectories)  # each in its own look
    assert not same_color(sgd_color, gd_color)
    raw, smooth = sgd.loss, gd.loss  # f* = 0
    window = losses.mean_window(sgd, raw)
    assert losses.MEAN_STEPS[0] <= window <= losses.MEAN_STEPS[1]
    assert losses.mean_window(gd, smooth) == 0
    mean = _trailing_mean(raw, window)
    late = slice(window, None)  # past the first window, it does smooth
    assert np.min(mean[late]) > np.min(raw[late]) and np.max(mean[late]) < np.max(raw[late])
    still = race_figure.plot_race(noisy_race, loss=True, **SMALL).axes[-1]
    engine = _Engine(animate(noisy_race, loss=True, fps=2, duration=1, **SMALL))
    try:
        engine.frame(float(sgd.steps))
        for ax in (still, engine.loss_ax):
            labels = " ".join([ax.get_xlabel(), ax.get_ylabel(), ax.get_title(loc="left")])
            labels = labels.replace("\n", " ")  # a narrow panel breaks its note in two
            assert labels.count(f"thick: average of the last {window} steps") == 1
            blue = [ln for ln in ax.get_lines() if same_color(ln.get_color(), sgd_color)]
            faint = [ln for ln in blue if (ln.get_alpha() or 1) < 0.5]
            bold = [ln for ln in blue if (ln.get_alpha() or 1) == 1 and len(ln.get_ydata()) > 2]
            assert len(faint) == 1 and faint[0].get_linewidth() < bold[0].get_linewidth()
            np.testing.assert_allclose(np.asarray(faint[0].get_ydata())[: len(raw)], raw)
            np.testing.assert_allclose(np.asarray(bold[0].get_ydata())[: len(raw)], mean)
            orange = [ln for ln in ax.get_lines() if same_color(ln.get_color(), gd_color)]
            assert all((ln.get_alpha() or 1) == 1 for ln in orange)  # plain GD: as it ran
    finally:
        engine.close()


def test_an_oscillating_loss_is_drawn_as_its_mean_and_a_steady_one_as_it_is():
    # momentum in ball_rolling_3d and momentum_overshoot, SAM in sam_sharp_flat: a curve
    # that turns every step or two by a decade drew as a hatch; no noise, yet it saws
    from types import SimpleNamespace

    plain = SimpleNamespace(noise=None)  # a run without noise
    k = np.arange(151.0)
    decay = np.exp(-k / 30)
    saw = decay * np.where(k % 2 == 0, 1.0, 0.2)  # down and up every step by 0.7 decades
    ragged = decay * np.where(k % 3 == 0, 0.1, 1.0)  # a dip every third step, a decade deep
    swing = decay * (1.2 + np.cos(k / 8))  # a slow swing: each one shows as it is
    assert losses.mean_window(plain, saw) > 0 and losses.mean_window(plain, ragged) > 0
    assert losses.mean_window(plain, decay) == 0 and losses.mean_window(plain, swing) == 0
    assert losses.mean_window(plain, decay * (1 + 0.01 * (-1) ** k)) == 0  # a tremor
    assert losses.mean_window(plain, saw[:50]) == 0  # 50 steps: each tooth has room
    assert losses.mean_window(plain, saw[:71]) > 0  # 70 (momentum_overshoot's): a hatch


@pytest.fixture(scope="module")
def sam_race():
    """``sam_sharp_flat``: momentum's loss, in the sharp well, and SAM's, thrown about by
    its look uphill, go up and down every step."""
    from optviz.scenes import load_scene

    return load_scene("gallery/sam_sharp_flat.toml").race()


def test_the_oscillating_run_of_a_scene_is_drawn_bold_as_its_mean(sam_race):
    engine = _Engine(animate(sam_race, loss=True, fps=2, duration=1, **SMALL))
    try:
        engine.frame(float(sam_race[0].steps))
        frames = engine.side_frames[0]
        assert len(frames.raws) >= 1  # each sawing run's raw loss, faint
        assert all((raw[0].get_alpha() or 1) <= 0.25 for raw in frames.raws)
        ax = engine.loss_ax
        labels = " ".join([ax.get_xlabel(), ax.get_ylabel(), ax.get_title(loc="left")])
        labels = labels.replace("\n", " ")  # a narrow panel breaks its note in two
        assert "thick: average of the last" in labels  # the panel says what thick means
        assert "mean" not in ax.get_ylabel()  # the axis's name stays short
    finally:
        engine.close()


def test_start_numbers_at_heads_that_meet_stand_apart():
    # two runs of the same steps end every start at the same loss: their numbers stood
    # on one another ("2" over "2"); each stands clear of the others, in a frame and a still
    race = ov.race(
        "quadratic",
        ["gd:lr=0.1", "momentum:lr=0.1,momentum=0"],
        start=[(1.0, 0.5), (-0.5, 1.0)],
        steps=6,
    )
    engine = _Engine(animate(race, loss=True, fps=2, duration=1, size="16:9", dpi=100))
    try:
        drawn = [a for a in engine.side_frames[0](6.0) if isinstance(a, Text)]
        engine.fig.canvas.draw()
        _assert_apart(drawn, engine.fig.canvas.get_renderer())
    finally:
        engine.close()
    still = loss_plot.plot_loss(race)
    still.figure.canvas.draw()
    tags = [t for t in still.texts if t.get_text() in ("1", "2")]
    _assert_apart(tags, still.figure.canvas.get_renderer())


def _assert_apart(tags, renderer) -> None:
    assert len(tags) == 4
    boxes = [t.get_window_extent(renderer) for t in tags]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


@pytest.fixture(scope="module")
def two_start_race():
    """``sam_sharp_flat`` as it was drawn: GD and SAM from two starts, four heads."""
    import tomllib

    from optviz.scenes import scene_from_dict

    with open("gallery/sam_sharp_flat.toml", "rb") as f:
        data = tomllib.load(f)
    data["run"]["starts"] = [[-1.55, 0.65], [1.55, 0.45]]
    data["surface"]["domain"] = [-1.75, 1.75, -1.2, 1.2]
    data["lesson"]["claims"] = []
    data["render"]["output"] = "race.gif"
    return scene_from_dict(data).race()


@pytest.mark.parametrize("step", [0.0, 23.0, 80.0, 150.0])  # the contact sheet's frames
def test_start_numbers_at_the_heads_stay_inside_the_panel(two_start_race, step):
    # sam_sharp_flat, tiny_net_init at the first frame: every head at the top left, the
    # four numbers stacked up over the panel's top into the title, and left of the axis
    engine = _Engine(animate(two_start_race, loss=True, fps=2, duration=1, size="16:9", dpi=100))
    try:
        drawn = [a for a in engine.side_frames[0](step) if isinstance(a, Text)]
        engine.fig.canvas.draw()
        renderer = engine.fig.canvas.get_renderer()
        _assert_apart(drawn, renderer)
        panel = engine.loss_ax.bbox
        for tag in drawn:
            box = tag.get_window_extent(renderer)
            assert panel.x0 <= box.x0 and box.x1 <= panel.x1 + 12, (tag.get_text(), box, panel)
            assert panel.y0 <= box.y0 and box.y1 <= panel.y1, (tag.get_text(), box, panel)
    finally:
        engine.close()


def test_a_diverged_note_stays_inside_a_squat_loss_panel():
    # a wide, short panel under maps: the arrow and its text above the curve that blew up
    # must stay inside it, off the maps' axis labels over it
    import matplotlib.pyplot as plt

    race = ov.race("elliptic", ["sgd:lr=1.5", "gd:lr=0.05"], steps=60)
    fig, ax = plt.subplots(figsize=(12.8, 1.6), dpi=100)
    try:
        loss_plot.plot_loss(race, ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        (note,) = [t for t in ax.texts if "diverge" in t.get_text()]
        box, panel = note.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert panel.y0 <= box.y0 and box.y1 <= panel.y1 + 1
        assert panel.x0 <= box.x0 and box.x1 <= panel.x1
    finally:
        plt.close(fig)


def test_a_start_number_keeps_off_a_landmark_at_its_start():
    # the landmarks are drawn over the trails and so over the numbers: a start on a
    # saddle had its "1" half under the diamond
    import matplotlib.pyplot as plt

    from optviz.render.callouts import _marker_reach
    from optviz.render.landmarks import landmark_style

    race = ov.race("quadratic", ["gd:lr=0.1"], start=[(0.0, 0.0), (1.0, 0.5)], steps=3)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    try:
        ax.set_xlim(-2, 2)
        ax.set_ylim(-2, 2)
        (saddle,) = ax.plot([0.0], [0.0], **landmark_style("saddle"), gid="landmark")
        start_marks.mark_starts(ax, race.trajectories, "light")
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        (one,) = [t for t in ax.texts if t.get_gid() == "start-tag" and t.get_text() == "1"]
        box = one.get_bbox_patch().get_window_extent(renderer)
        centre = ax.transData.transform((0.0, 0.0))
        reach = _marker_reach(saddle) * fig.dpi / 72
        apart = max(box.x0 - centre[0], centre[0] - box.x1, box.y0 - centre[1], centre[1] - box.y1)
        assert apart >= reach - 0.5
    finally:
        plt.close(fig)


def test_the_floor_label_sits_inside_the_panel_off_a_curve_ending_on_the_floor():
    # GD at lr 0.45 reaches the floor at step 9 of 10: the label moves to the
    # other bottom corner, and stays over the axes' bottom (off the step tick labels)
    import matplotlib.pyplot as plt

    race = ov.race("quadratic", ["gd:lr=0.01", "gd:lr=0.45"], start=(1.0, 0.5), steps=10)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    try:
        loss_plot.plot_loss(race, ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        (label,) = [t for t in ax.texts if t.get_text() == losses.FLOOR_LABEL]
        box, panel = label.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert panel.y0 <= box.y0 and panel.x0 <= box.x0 and box.x1 <= panel.x1
        y = losses.loss_curve(
            race.trajectories[1], 0.0, True, losses.loss_axis(race.trajectories).floor
        )
        end = ax.transData.transform((np.flatnonzero(np.isfinite(y))[-1], 1.0))[0]
        assert not box.x0 - 8 <= end <= box.x1 + 8
    finally:
        plt.close(fig)
