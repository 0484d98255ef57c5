"""Callouts leave the picture in sight: measured on gallery scenes, at each claim's key
step and on the last frame, a callout's box covers no ball, no landmark marker (minimum,
saddle, start ring) and no other callout, stays wholly inside its axes and the figure, and
at most two show at once."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.transforms import Bbox

from optviz.render import callouts
from optviz.render.animate import _Engine
from optviz.scenes.build import load_scene

GALLERY = Path(__file__).resolve().parent.parent / "gallery"
# scenes whose last frame had callouts on balls, on the minimum, on each other or clipped
# (noise_kinds's four 230 px panels are being laid out anew: its labels cannot fit yet)
SAMPLE = ["adaptive_ravine", "newton_saddle", "rosenbrock_race", "momentum_overshoot",
          "plateau", "saddle_escape"]  # fmt: skip


def engine_of(name: str) -> _Engine:
    """The first animated map render of a gallery scene, with its callouts, at its size."""
    scene = load_scene(GALLERY / f"{name}.toml", output_folder="/tmp")
    r = next(r for r in scene.renders if r.kind in ("contour", "panels") and r.animated)
    o = r.options
    anim = scene.race().animate(kind=r.kind, loss=o["loss"] if o["loss"] else False,
                                fps=o["fps"], duration=o["duration"], size=o["size"],
                                dpi=o["dpi"], title=o["title"], theme=o["theme"],
                                callouts=scene.verdicts())  # fmt: skip
    return _Engine(anim)


def ball_boxes(engine) -> list[Bbox]:
    out = []
    for m in engine.movers:
        r = m.ball.get_markersize() / 2 * engine.fig.dpi / 72
        xy = np.c_[m.ball.get_data()].reshape(-1, 2)
        for x, y in m.trail.axes.transData.transform(xy[np.all(np.isfinite(xy), axis=1)]):
            out.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    return out


def marker_boxes(engine) -> list[Bbox]:
    """Landmarks and start rings, as boxes of their marker (less a pixel of antialiasing)."""
    out = []
    for ax in {m.trail.axes for m in engine.movers}:
        for line in ax.lines:
            if line.get_gid() in ("landmark", "starts"):
                r = line.get_markersize() / 2 * engine.fig.dpi / 72 - 1
                xy = np.asarray(line.get_xydata(), float).reshape(-1, 2)
                for x, y in ax.transData.transform(xy[np.all(np.isfinite(xy), axis=1)]):
                    if ax.bbox.contains(x, y):
                        out.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    return out


def problems(engine, s: float) -> list[str]:
    """What the callouts shown at step ``s`` cover or where they stick out."""
    engine.frame(s)
    renderer = engine.canvas.get_renderer()
    _, labels = engine.callouts.update(s, renderer)
    layer = engine.callouts
    kept = sum(1 for item in layer.current(s) if item in layer.finals)  # never pushed off
    most = max(callouts.AT_ONCE, kept)
    assert most <= callouts.FINAL_AT_MOST
    found = [] if len(labels) <= most else [f"{len(labels)} callouts at once"]
    boxes = [lab.get_bbox_patch().get_window_extent(renderer) for lab in labels]
    for lab, box in zip(labels, boxes, strict=True):
        name = f"{lab.get_text()!r} at step {s:g}"
        inner = Bbox.intersection(lab.axes.bbox, engine.fig.bbox)
        if not (box.x0 >= inner.x0 - 0.5 and box.y0 >= inner.y0 - 0.5
                and box.x1 <= inner.x1 + 0.5 and box.y1 <= inner.y1 + 0.5):  # fmt: skip
            found.append(f"{name} sticks out of its axes")
        x, y = lab.axes.transData.transform(lab.xy)  # the leader's end; its other is the box
        if not (inner.x0 - 0.5 <= x <= inner.x1 + 0.5 and inner.y0 - 0.5 <= y <= inner.y1 + 0.5):
            found.append(f"{name}: its leader leaves its axes")
        if any(box.overlaps(b) for b in ball_boxes(engine)):
            found.append(f"{name} covers a ball")
        if any(box.overlaps(b) for b in marker_boxes(engine)):
            found.append(f"{name} covers a landmark or start")
        if any(box.overlaps(other) for other in boxes if other is not box):
            found.append(f"{name} covers another callout")
    return found


@pytest.mark.parametrize("name", SAMPLE)
def test_callouts_cover_nothing_and_stay_in_the_frame(name):
    engine = engine_of(name)
    try:
        assert engine.callouts is not None and engine.callouts.items
        steps = engine.anim.steps
        found = []
        for s in sorted({float(item[0]) for item in engine.callouts.items} | {float(steps)}):
            found += problems(engine, s)
        assert not found, found
    finally:
        engine.close()


def path_points(engine) -> np.ndarray:
    """The trails drawn in the current frame, sampled every pixel (px)."""
    out = []
    for m in engine.movers:
        xy = np.asarray(m.trail.get_xydata(), float).reshape(-1, 2)
        px = m.trail.axes.transData.transform(xy[np.all(np.isfinite(xy), axis=1)])
        for a, b in zip(px[:-1], px[1:], strict=True):
            n = max(int(np.hypot(*(b - a))), 1)
            out.append(a + (b - a) * np.linspace(0, 1, n + 1)[:, None])
    return np.vstack(out) if out else np.zeros((0, 2))


@pytest.mark.parametrize("name", ["glyphs_momentum", "glyphs_adagrad_rmsprop", "plateau"])
def test_the_kept_callouts_leave_the_paths_in_sight(name):
    # "Adagrad: y rate does not climb back" lay over RMSprop's path along the floor, the
    # thing it described; on the held last frame a label goes where no path is
    engine = engine_of(name)
    try:
        s = float(engine.anim.steps)
        engine.frame(s)
        renderer = engine.canvas.get_renderer()
        _, labels = engine.callouts.update(s, renderer)
        trails = path_points(engine)
        boxes = {lab.get_text(): lab.get_bbox_patch().get_window_extent(renderer) for lab in labels}
        covered = {text: int(((trails >= box.min) & (trails <= box.max)).all(axis=1).sum())
                   for text, box in boxes.items()}  # fmt: skip
        assert labels and not any(covered.values()), covered
    finally:
        engine.close()


@pytest.mark.parametrize("name", ["learning_rate", "stability_lines", "normalization_scaled"])
def test_a_leader_stays_in_its_own_panel(name):
    # leaders ran from a diverged ball into the next panel, or below the map through
    # the legend: label and leader end both lie in the callout's own axes
    engine = engine_of(name)
    try:
        steps = engine.anim.steps
        found = []
        for s in sorted({float(item[0]) for item in engine.callouts.items} | {float(steps)}):
            found += [p for p in problems(engine, s) if "axes" in p]
        assert not found, found
    finally:
        engine.close()


# ------------------------------------------------------------------------- wording
def said(surface: str, specs: list[str], start, steps: int, claims: list[str]) -> list[str]:
    import optviz as ov
    from optviz.analysis.claims import check_claims

    race = ov.race(surface, specs, start=start, steps=steps)
    verdicts = check_claims(race, claims)
    assert all(v.holds for v in verdicts)
    return [v.callout for v in verdicts]


def test_a_minimum_is_named_as_the_surface_has_it():
    # one minimum: "the minimum"; two minima of one depth: "a minimum", never "deepest"
    (one,) = said("quadratic", ["gd:lr=0.1"], (1.0, 1.0), 60, ["ends_in(gd)"])
    assert re.fullmatch(r"GD reaches the minimum at step \d+", one), one
    (two,) = said("double_well", ["gd:lr=0.05"], (0.3, 1.5), 60, ["ends_in(gd)"])
    assert re.fullmatch(r"GD reaches a minimum at step \d+", two), two


def test_a_negated_claim_does_not_read_against_the_picture():
    # GD rolls into a well and never comes near the saddle: checked, not written as a
    # headline of what does not happen
    assert said("double_well", ["gd:lr=0.05"], (0.3, 1.5), 60,
                ["not stuck(gd, at=saddle)"]) == [""]  # fmt: skip


def test_numbers_and_quantities_read_as_people_write_them():
    from optviz.analysis.claim_grammar import plain, spoken

    assert [plain(x) for x in (1560.0, 13300.0, 10.6, 0.00979, 4.2e-10)] == [
        "1,600", "13,000", "11", "0.0098", "< 10⁻⁹"
    ]  # fmt: skip
    assert [spoken(n) for n in ("rate_x", "step_size_y", "loss")] == [
        "x rate", "y step size", "loss"
    ]  # fmt: skip
    (text,) = said("rosenbrock", ["adam:lr=0.1"], (-1.2, 1.0), 200, ["falls(adam, by=5)"])
    assert re.fullmatch(r"Adam gets its loss down \([0-9,.]+× lower\) by step 200", text), text


def test_a_callout_of_a_ball_that_left_its_panel_points_inside_that_panel():
    # learning_rate's "diverges" leader ran into the next panel, to another run's ball
    import optviz as ov
    from optviz.analysis.claims import check_claims

    race = ov.race("quadratic", ["gd:lr=0.1", "gd:lr=1.2"], start=(1.5, 1.0), steps=40)
    verdicts = check_claims(race, ["diverges(gd#2)"])
    engine = _Engine(race.animate(kind="panels", fps=2, duration=1, callouts=verdicts))
    try:
        engine.frame(40.0)
        layer = engine.callouts
        ((_, (run, _), label, _),) = layer.items
        ax = layer.run_axes[run]
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        assert x0 <= label.xy[0] <= x1 and y0 <= label.xy[1] <= y1
    finally:
        engine.close()


def test_a_claim_about_two_runs_gives_each_ball_its_own_callout_with_one_leader():
    # himmelblau: "GD and Adam end in different minima" had one leader, to GD alone; a
    # second leader from one box was followed to the wrong ball (beale, narrow_ravine)
    import optviz as ov
    from optviz.analysis.claims import check_claims

    race = ov.race("himmelblau", ["gd:lr=0.01", "adam:lr=0.1"], start=(-0.3, 0.2), steps=100)
    (v,) = check_claims(race, ["ends_apart(gd, adam)"])
    assert v.holds and v.runs == (0, 1) and v.also == "Adam ends in the other minimum"
    fig = race.plot(callouts=[v])
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_gid() == "callout" and t.get_visible()]
    assert sorted(t.get_text().replace("\n", " ") for t in labels) == sorted([v.callout, v.also])
    to_px = ax.transData.transform
    for label in labels:  # each points at its own run's ball, with one leader
        run = 1 if label.get_text().replace("\n", " ") == v.also else 0
        assert np.hypot(*(to_px(label.xy) - to_px(race[run].xy[-1]))) < 30  # fanned: near
        assert not hasattr(label, "second")


def test_the_slower_run_of_faster_is_told_when_it_arrives_or_that_it_has_not():
    import optviz as ov
    from optviz.analysis.claims import check_claims

    race = ov.race("quadratic", ["gd:lr=0.1", "gd:lr=0.01"], start=(1.5, 1.0), steps=60)
    (v,) = check_claims(race, ["faster(gd#1, gd#2)"])
    assert v.holds and v.evidence["b_steps"] == np.inf
    assert v.also == "GD (lr 0.01) has not arrived by step 60"
    race = ov.race("quadratic", ["gd:lr=0.1", "gd:lr=0.05"], start=(1.5, 1.0), steps=200)
    (v,) = check_claims(race, ["faster(gd#1, gd#2)"])
    assert v.also == f"GD (lr 0.05) reaches the minimum at step {int(v.evidence['b_steps'])}"


def test_a_run_out_of_the_view_is_pointed_at_where_it_left():
    # normalization_scaled: "diverges at step 1" pointed at the view's corner, empty space,
    # not at the exit mark where the path leaves the view
    import optviz as ov
    from optviz.analysis.claims import check_claims
    from optviz.render.edge_marks import exit_marks
    from optviz.render.geometry import drawable

    race = ov.race("quadratic", ["gd:lr=1.5"], start=(1.5, 0.3), steps=30)
    (v,) = check_claims(race, ["diverges(gd)"])
    assert v.holds
    fig = race.plot(callouts=[v])
    fig.canvas.draw()
    ax = fig.axes[0]
    (label,) = [t for t in ax.texts if t.get_gid() == "callout" and t.get_visible()]
    xy = drawable(race[0].xy[:, None, :], race.surface)
    mark = exit_marks(xy, np.atleast_1d(race[0].diverged_at), race.surface.domain)[0]
    to_px = ax.transData.transform
    assert np.hypot(*(to_px(label.xy) - to_px(mark))) < 3


def test_a_label_keeps_off_the_corners_of_a_saddles_diamond():
    # newton_saddle: "GD ends in a minimum" touched the saddle's diamond: its corners lie
    # √½ of the marker's size from the centre, past the half-size box labels kept off
    import matplotlib.pyplot as plt

    from optviz.render.callouts import CalloutLayer
    from optviz.render.landmarks import landmark_style

    fig, ax = plt.subplots(dpi=100)
    try:
        (saddle,) = ax.plot([0.0], [0.0], **landmark_style("saddle"))
        saddle.set_gid("landmark")
        (box,) = CalloutLayer._markers(ax)
        centre = ax.transData.transform((0.0, 0.0))
        stroke = (saddle.get_markeredgewidth() + 1.8) / 2  # the outline's white stroke
        corner = (np.sqrt(0.5) * saddle.get_markersize() + stroke) * fig.dpi / 72
        assert np.all(box[0, 2:] - centre >= corner) and np.all(centre - box[0, :2] >= corner)
    finally:
        plt.close(fig)


def test_a_landmark_is_kept_clear_where_it_is_drawn_not_at_its_point():
    # a side view hangs its landmarks under the curve (an offset transform): boxes at the
    # data points let labels cover the marks as drawn
    import matplotlib.pyplot as plt
    from matplotlib.transforms import ScaledTranslation

    from optviz.render.callouts import CalloutLayer
    from optviz.render.landmarks import landmark_style

    fig, ax = plt.subplots(dpi=100)
    try:
        ax.set(xlim=(-1, 1), ylim=(-1, 1))
        (mark,) = ax.plot([0.0], [0.0], **landmark_style("saddle"))
        mark.set_gid("landmark")
        mark.set_transform(ax.transData + ScaledTranslation(0, -0.5, fig.dpi_scale_trans))
        (box,) = CalloutLayer._markers(ax)
        drawn = mark.get_transform().transform((0.0, 0.0))
        assert np.allclose((box[0, :2] + box[0, 2:]) / 2, drawn)
        assert abs(drawn[1] - ax.transData.transform((0.0, 0.0))[1] + 50) < 1e-6
    finally:
        plt.close(fig)


def test_a_label_breaks_into_even_lines_not_a_word_alone():
    # a greedy fill wrapped "GD stops at a / flat / inflection / point: gradient ≈ 0": its
    # longest line 19 characters where 15 do
    from optviz.render.callout_placement import broken_lines

    words = ["GD", "stops", "at", "a", "flat", "inflection", "point:", "gradient", "≈", "0"]
    lines = broken_lines(words, 4).split("\n")
    assert len(lines) == 4 and " ".join(lines) == " ".join(words)
    assert max(map(len, lines)) <= 15, lines


def test_a_leader_is_placed_crossing_no_other_leader_shown_with_it():
    # matyas, sam_sharp_flat: leaders crossed on their way to the balls, a tangle in
    # which each box seemed to point at the other's ball
    from optviz.render.callout_placement import best_offset, crossings, leader_of

    anchor, size, room = np.array([100.0, 100.0]), (40.0, 10.0), (0.0, 0.0, 400.0, 400.0)
    other = np.array([[[110.0, 40.0], [110.0, 160.0]]])  # another label's leader, beside it
    *_, box = best_offset(anchor, size, np.zeros((0, 4)), room)
    assert crossings(leader_of(anchor, box), other) == 1  # the nearest place crosses it
    *_, box = best_offset(anchor, size, np.zeros((0, 4)), room, leaders=other)
    assert crossings(leader_of(anchor, box), other) == 0


def test_leaders_to_balls_fanned_on_one_star_pass_no_other_ball():
    # sam_sharp_flat: GD's label was placed around the moment, and its leader to GD's
    # ball, fanned to the far side of the star, passed SAM's ball and ended beside it
    import optviz as ov
    from optviz.analysis.claims import check_claims
    from optviz.render.balls import balls_of

    race = ov.race("quadratic", ["gd:lr=0.2", "momentum:lr=0.05"], start=(1.0, 1.0), steps=300)
    verdicts = check_claims(race, ["ends_in(gd)", "ends_in(momentum)"])
    fig = race.plot(callouts=verdicts)
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    drawn = [ax.transData.transform(np.c_[b.get_data()])[0] for b in balls_of(ax).balls]
    radius = 6.0 * fig.dpi / 72  # a ball and its edge
    labels = [t for t in ax.texts if t.get_gid() == "callout" and t.get_visible()]
    assert len(labels) == 2
    layer = next(a for a in ax.get_children() if isinstance(a, callouts.CalloutLayer))
    for item in layer.finals:  # each placed around its ball as drawn, not the true point
        anchor = layer._placing_anchor(ax, item)
        assert np.hypot(*(anchor - drawn[item[1][0]])) < 1.0
    for label in labels:
        run = ["GD", "Momentum"].index(label.get_text().split()[0])
        box = label.get_bbox_patch().get_window_extent(renderer)
        tip = ax.transData.transform(label.xy)
        assert np.hypot(*(tip - drawn[run])) < 1.0  # at its own ball, as drawn
        start = np.clip(tip, [box.x0, box.y0], [box.x1, box.y1])
        t = np.linspace(0, 1, 200)[:, None]
        line = start + (tip - start) * t
        for other, at in enumerate(drawn):
            if other != run:
                assert np.hypot(*(line - at).T).min() > radius, (label.get_text(), other)


def test_a_kept_callout_leaves_the_glyphs_drawn_with_it_in_sight():
    # glyphs_adagrad_rmsprop: placed before the glyphs were drawn, Adagrad's callout covered
    # the right half of its rate box on the last frame
    scene = load_scene(GALLERY / "glyphs_adagrad_rmsprop.toml", output_folder="/tmp")
    r = next(r for r in scene.renders if r.kind in ("contour", "panels") and r.animated)
    o = r.options
    anim = scene.race().animate(kind=r.kind, loss=o["loss"] if o["loss"] else False,
                                fps=o["fps"], duration=o["duration"], size=o["size"],
                                dpi=o["dpi"], title=o["title"], theme=o["theme"], glyphs=True,
                                callouts=scene.verdicts())  # fmt: skip
    engine = _Engine(anim)
    try:
        steps = float(engine.anim.steps)
        engine.frame(0.0)
        engine.frame(steps)
        layer = engine.callouts
        found = []
        for item in layer.current(steps):
            label = item[2]
            x0, y0, x1, y1 = layer.box_px[id(label)]
            for line in label.axes.lines:
                if str(line.get_gid()).startswith("glyph-"):
                    xy = np.asarray(line.get_xydata(), float).reshape(-1, 2)
                    px = label.axes.transData.transform(xy[np.all(np.isfinite(xy), axis=1)])
                    inside = (px >= (x0, y0)) & (px <= (x1, y1))
                    if np.any(inside.all(axis=1)):
                        found.append((label.get_text(), line.get_gid()))
        assert not found, found
    finally:
        engine.close()


def _grid(lo: float, hi: float, every: float = 4.0) -> np.ndarray:
    """Path ink filling the square lo..hi (px), sampled every few pixels."""
    g = np.arange(lo, hi + every, every)
    return np.array(np.meshgrid(g, g)).reshape(2, -1).T


def test_a_label_covers_no_path_ink_where_a_clear_spot_is_near_enough():
    # saddle: "the Momentum escapes box lies over SGD's escape path", taken over a clear
    # spot a little farther off
    from optviz.render.callout_placement import best_offset, leader_of

    anchor, size, room = np.array([500.0, 500.0]), (80.0, 20.0), (0.0, 0.0, 1000.0, 1000.0)
    ink = _grid(0.0, 1000.0, 20.0)
    ink = ink[np.hypot(*(ink - anchor).T) < 250]  # paths all round the ball
    # but for a lane to the right a leader runs along crossing none (one across a path
    # counts as nearly as bad as a box over it: test_callout_clearance)
    ink = ink[~((ink[:, 0] > anchor[0]) & (np.abs(ink[:, 1] - anchor[1]) < 8))]
    *_, box = best_offset(anchor, size, np.zeros((0, 4)), room, paths=ink)
    grown = box + np.array([-3.0, -3.0, 3.0, 3.0])
    inside = np.all((ink >= grown[:2]) & (ink <= grown[2:]), axis=1)
    assert not inside.any()
    leader = leader_of(anchor, box)
    assert np.hypot(*(leader[1] - leader[0])) <= 0.25 * np.hypot(1000, 1000)


def test_a_leader_runs_at_most_a_quarter_of_the_map_where_it_can():
    # adaptive_ravine, tiny_net_init: "label far from its ball, leader runs right across
    # the map": a label over some path ink beside its ball reads better
    from optviz.render.callout_placement import best_offset, leader_of

    anchor, size, room = np.array([300.0, 300.0]), (80.0, 20.0), (0.0, 0.0, 600.0, 600.0)
    quarter = 0.25 * np.hypot(600, 600)
    ink = _grid(0.0, 600.0, 8.0)
    ink = ink[np.hypot(*(ink - anchor).T) < quarter + 5]  # paths everywhere within it
    *_, box = best_offset(anchor, size, np.zeros((0, 4)), room, paths=ink)
    leader = leader_of(anchor, box)
    assert np.hypot(*(leader[1] - leader[0])) <= quarter


@pytest.mark.parametrize("name", ["booth", "matyas", "rprop_ravine"])
def test_two_callouts_shown_together_keep_a_gap(name):
    # booth, rprop_ravine, matyas: two callouts stacked edge to edge read as one block
    if name in ("booth", "matyas"):
        import optviz as ov
        from optviz.analysis.claims import check_claims
        from optviz.render import audit
        from optviz.render.animate import animate

        race = audit.lesson_race(name)
        verdicts = check_claims(race, ov.surface(name).lesson.claims)
        engine = _Engine(animate(race, loss=True, callouts=verdicts, fps=10, duration=3))
    else:
        engine = engine_of(name)
    try:
        layer = engine.callouts
        steps = float(engine.anim.steps)
        for s in sorted({*(float(i[0]) for i in layer.items), steps}):
            engine.frame(s)
            now = [layer.box_px[id(i[2])] for i in layer.current(s)]
            for k, a in enumerate(now):
                for b in now[k + 1 :]:
                    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
                    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
                    assert max(dx, dy) >= callouts.GAP_PX - 0.5, (name, s, a, b)
    finally:
        engine.close()
