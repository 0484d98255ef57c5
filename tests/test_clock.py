"""Pacing people can follow: the first steps get at most a fifth of the frames unless a
callout's moment lies there, a moment is approached slowly and held, the loss panel
moves in step with the map, and ``--preset slide`` holds the first and last pictures and
sets no type under 18 px."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

import optviz as ov
from optviz import cli
from optviz.render import audit, clock, style
from optviz.render.animate import _Engine, animate
from optviz.scenes import load_scene

GALLERY = "gallery/{}.toml"


def scene_race(name: str):
    scene = load_scene(GALLERY.format(name))
    return scene.race()


def fast_start():
    # gd at lr 0.3 on a bowl settles within ~30 of 300 steps, most of it in the first few
    return ov.race("quadratic", ["gd:lr=0.3", "momentum:lr=0.05"], start=(1.5, 1.0), steps=300)


def early_share(steps: np.ndarray, total: int) -> float:
    """The share of frames that show the first 5% of the steps."""
    return float((steps <= clock.EARLY_STEPS * total).mean())


@pytest.mark.parametrize("race", [lambda: scene_race("saddle_escape"), fast_start],
                         ids=["saddle_escape", "fast_start"])  # fmt: skip
def test_the_first_steps_get_at_most_a_fifth_of_the_frames(race):
    race = race()
    steps = race[0].steps
    s = animate(race, fps=20, duration=6).frame_steps()
    assert early_share(s, steps) <= clock.EARLY_FRAMES + 1 / len(s)
    assert s[0] == 0 and s[-1] == steps and np.all(np.diff(s) >= 0)


def test_motion_alone_would_spend_a_third_on_the_start_and_rush_the_rest(monkeypatch):
    # what the rules prevent: a clock of motion alone spends a third of the frames on the
    # first 5% of the steps, and two thirds of the frames see under a quarter of them
    race = scene_race("saddle_escape")
    steps = race[0].steps

    def frames(share: float) -> np.ndarray:
        monkeypatch.setattr(clock, "MOTION_SHARE", share)
        tick = clock._motion_ticks(race.trajectories, steps)
        uncapped = np.concatenate([[0.0], np.cumsum(tick) / tick.sum()])
        return np.interp(np.linspace(0, 1, 120), uncapped, np.arange(steps + 1))

    alone = frames(1.0)
    assert early_share(alone, steps) > 0.3 and alone[80] < steps / 4
    monkeypatch.undo()
    drawn = clock.frame_steps(race.trajectories, 120)
    assert early_share(drawn, steps) <= clock.EARLY_FRAMES + 0.01
    assert drawn[80] >= steps / 3  # the frame two thirds in is a third of the way or more


def test_a_moment_among_the_first_steps_lifts_the_cap_and_is_held():
    race = fast_start()
    anim = animate(race, fps=20, duration=6)
    moment = 3  # within the first 5% of 300 steps
    s = clock.frame_steps(race.trajectories, 120, moments=[moment], hold=20)
    assert early_share(s, 300) > clock.EARLY_FRAMES  # the cap gave way
    assert (s == moment).sum() >= 20  # held a second at 20 fps
    # and approached slowly: more frames before it than without the moment
    plain = anim.frame_steps()
    assert ((s > moment - 2) & (s < moment)).sum() > ((plain > moment - 2) & (plain < moment)).sum()


def test_the_loss_panel_shows_the_same_fractional_step_as_the_map():
    race = ov.race("quadratic", ["gd:lr=0.1", "adam:lr=0.1"], start=(1.5, 1.0), steps=40)
    engine = _Engine(animate(race, loss=True, fps=2, duration=1, size="small", dpi=50))
    try:
        for s in (2.5, 10.25, 33.75):
            engine.frame(s)
            for (_, dot, (_, y), _), m in zip(engine.loss_lines, engine.movers, strict=True):
                (x,) = dot.get_xdata()
                assert x == pytest.approx(s)  # the head of the curve is at the ball's step
                k = int(s)
                between = sorted((y[k, 0], y[k + 1, 0]))
                assert between[0] <= dot.get_ydata()[0] <= between[1]
                head = m.traj.xy[k] + (s - k) * (m.traj.xy[k + 1] - m.traj.xy[k])
                np.testing.assert_allclose(m.heads[0], head)
    finally:
        engine.close()


# ----------------------------------------------------------------------------- slides
def durations(data: bytes) -> list[int]:
    """How long each distinct picture of a GIF stays on screen, in ms."""
    out, prev = [], None
    with Image.open(io.BytesIO(data)) as im:
        for frame in ImageSequence.Iterator(im):
            rgb = np.asarray(frame.convert("RGB"))
            if prev is not None and np.array_equal(rgb, prev):
                out[-1] += frame.info["duration"]
            else:
                out.append(frame.info["duration"])
            prev = rgb
    return out


def test_the_slide_preset_holds_the_set_up_and_the_end(tmp_path):
    out = tmp_path / "slide.gif"
    args = ["race", "quadratic", "-O", "gd:lr=0.1", "--steps", "20", "--preset", "slide",
            "--fps", "10", "--duration", "1", "--size", "small", "--dpi", "40",
            "-o", str(out), "-q"]  # fmt: skip
    assert cli._main(args) == 0
    shown = durations(out.read_bytes())
    assert shown[0] >= 2000 and shown[-1] >= 3000


def test_an_unknown_preset_is_a_clear_error(tmp_path, capsys):
    args = ["race", "quadratic", "--preset", "poster", "-o", str(tmp_path / "x.gif")]
    assert cli._main(args) == 2
    assert "unknown preset 'poster'" in capsys.readouterr().err


def test_the_slide_preset_sets_no_type_under_18_px():
    race = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], start=(-1.2, 1.0), steps=120)
    floor = style.PRESETS["slide"]["type_px"]
    with style.type_floor(floor):
        engine = _Engine(animate(race, loss=True, glyphs=False, fps=2, duration=1))
        try:
            engine.frame(60.0)
            small = smallest_text_px(engine.fig)
        finally:
            engine.close()
        fig = race.plot(loss=True)
        still = smallest_text_px(fig)
        small_frame = smallest_text_px(race.plot(loss=True, size="small"))
    assert small >= floor - 1e-9 and still >= floor - 1e-9 and small_frame >= floor - 1e-9
    default = smallest_text_px(race.plot(loss=True, size="small"))
    assert default < floor  # the rule is the preset's: a small frame's default is smaller


def smallest_text_px(fig) -> float:
    from matplotlib.text import Text

    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    return min(sizes) * fig.dpi / 72


def test_moments_among_the_first_steps_lift_the_cap_only_by_their_approach():
    # plateau: RMSprop and Adam leave the start at steps 1 and 4; motion alone spent 40%
    # of the frames on the first 15 of 300 steps (the frame a third in showed step 6)
    race = scene_race("plateau")
    moments = [1, 4]
    s = clock.frame_steps(race.trajectories, 120, moments=moments)
    allowed = clock.EARLY_FRAMES + clock.APPROACH
    shown_once = len(moments) + 1  # each moment's own frame, and the step on the boundary
    assert early_share(s, 300) <= allowed + shown_once / len(s)
    assert s[40] > clock.EARLY_STEPS * 300  # the frame a third in is past the first steps


def dead_seconds(race, fps: float = 20, duration: float = 6) -> float:
    """Seconds of the animation proper (holds aside) spent on steps where no ball moves."""
    s = animate(race, fps=fps, duration=duration).frame_steps()[:-1]  # the last: its hold
    dead = clock.dead_steps(race.trajectories)
    return float(dead[np.minimum(np.floor(s).astype(int), len(dead) - 1)].sum()) / fps


def settles_early():
    # GD at lr 0.5 on the bowl is at the minimum after one step; Adam's arrives by ~step 12
    return ov.race("quadratic", ["gd:lr=0.5", "adam:lr=0.3"], start=(1.0, 1.0), steps=120)


@pytest.mark.parametrize("race", [settles_early, lambda: audit.lesson_race("easom")],
                         ids=["settles_early", "easom"])  # fmt: skip
def test_steps_where_no_ball_moves_take_at_most_a_second(race):
    race = race()
    dead = clock.dead_steps(race.trajectories)
    assert dead.mean() >= 0.5  # half the steps and more are dead time: the rule has work
    assert dead_seconds(race) <= clock.DEAD_SECONDS + 0.05
    # and the steps where something moves get the rest, in order
    s = animate(race, fps=20, duration=6).frame_steps()
    assert s[0] == 0 and s[-1] == race[0].steps and np.all(np.diff(s) >= 0)


def test_a_ball_jiggling_on_its_resting_spot_is_dead_time_a_ball_rolling_is_not():
    race = settles_early()
    adam = race[1].xy
    dead = clock.dead_steps(race.trajectories)
    near = np.linalg.norm(adam - adam[-1], axis=-1) / 4.0 <= clock.SETTLED  # span 4
    settled = int(np.argmax(np.minimum.accumulate(near[::-1])[::-1]))
    assert dead[:settled].mean() < 0.2 and dead[settled:].all()  # (a turn: a still step)
