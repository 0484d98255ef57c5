"""A leader names one ball: it passes no other ball, crosses no other leader and does not
run along a path. twin_wells's "Reaches a minimum at step 15" ran down beside ball 2's
trail from above ball 1 (which "Stops at a maximum"), saddle --3d's two leaders crossed,
six_hump_camel's momentum leader ran along momentum's path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optviz.render.callout_placement import crossings

CLEAR_PX = 4.0  # px beyond a ball's radius a leader keeps off every other ball
ALONG_PX = 40.0  # px of a leader beside a path, beyond its own ball's ring, at most
ALONG_GAP_PX = 12.0  # px from a path within which a leader reads as running along it


def lesson_engine(name: str, kind: str):
    """``optviz race NAME`` (``--3d`` for ``kind="3d"``) as an animation engine."""
    from optviz.catalog import surface
    from optviz.scenes import scene_from_dict

    s = surface(name)
    lesson = s.lesson
    data = {
        "surface": name,
        "optimizers": list(lesson.optimizers),
        "run": {"steps": lesson.steps, "starts": lesson.starts.tolist()},
        "render": {"kind": kind, "output": "/tmp/leaders_test.gif", "title": s.lesson_title},
        "lesson": {"claims": list(lesson.claims)},
    }
    scene = scene_from_dict(data, source="optviz", base=Path(), confine=False)
    r = scene.renders[0]
    o = r.options
    anim = scene.race().animate(kind=r.kind, loss=o["loss"] if o["loss"] else False,
                                fps=o["fps"], duration=o["duration"], size=o["size"],
                                dpi=o["dpi"], title=o["title"], theme=o["theme"],
                                callouts=scene.verdicts())  # fmt: skip
    return anim._engine()


def drawn_balls(engine, ax) -> list[tuple[np.ndarray, float]]:
    """Every ball drawn on ``ax`` now: ``(centre px, radius px)``."""
    px = ax.figure.dpi / 72
    out = []
    for b in getattr(engine, "balls", ()):  # a side view's balls
        if b.ax is ax:
            centre, _, shown, _ = b.roll.place(float(engine.anim.steps))
            for p in ax.transData.transform(b.page.to_data(centre[shown]).reshape(-1, 2)):
                out.append((p, b.radius * px))
    for m in getattr(engine, "movers", ()):  # a map's
        if m.trail.axes is ax:
            r = m.ball.get_markersize() / 2 * px
            xy = np.c_[m.ball.get_data()].reshape(-1, 2).astype(float)
            for p in ax.transData.transform(xy[np.all(np.isfinite(xy), axis=1)]):
                out.append((p, r))
    return out


def seg_distance(seg: np.ndarray, p: np.ndarray) -> float:
    a, b = seg
    d = b - a
    t = np.clip((p - a) @ d / max(float(d @ d), 1e-9), 0.0, 1.0)
    return float(np.hypot(*(a + t * d - p)))


def leaders_now(engine) -> list[tuple[str, object, np.ndarray]]:
    """Each shown callout's ``(text, axes, leader)`` on the last frame: its leader as drawn
    (px), from its tip to where it leaves the label's box."""
    s = float(engine.anim.steps)
    engine.frame(s)
    out = []
    for item in engine.callouts.current(s):
        label = item[2]
        ax = label.axes
        tip = ax.transData.transform(label.xy)
        start = label.arrow_patch.get_path().vertices[0]  # drawn in display px
        out.append((label.get_text(), ax, np.array([tip, start])))
    return out


def trails_px(engine, ax) -> np.ndarray:
    """The paths drawn on ``ax`` now, a point every pixel (px)."""
    lines = []
    for b in getattr(engine, "balls", ()):  # a side view's rolled trails
        if b.ax is ax:
            for way in b.roll.rolled_until(float(engine.anim.steps))[0]:
                lines.append(ax.transData.transform(b.page.to_data(way).reshape(-1, 2)))
    for m in getattr(engine, "movers", ()):
        if m.trail.axes is ax:
            xy = np.asarray(m.trail.get_xydata(), float).reshape(-1, 2)
            lines.append(ax.transData.transform(xy[np.all(np.isfinite(xy), axis=1)]))
    out = [np.zeros((0, 2))]
    for px in lines:
        for a, b in zip(px[:-1], px[1:], strict=True):
            n = max(int(np.hypot(*(b - a))), 1)
            out.append(a + (b - a) * np.linspace(0, 1, n + 1)[:, None])
    return np.vstack(out)


def along(leader: np.ndarray, ink: np.ndarray, skip: float) -> float:
    """How many px of ``leader``, beyond ``skip`` px off its tip, lie within
    :data:`ALONG_GAP_PX` of the path points ``ink``."""
    tip, end = leader
    n = max(int(np.hypot(*(end - tip))), 2)
    pts = tip + (end - tip) * np.linspace(0, 1, n + 1)[:, None]
    pts = pts[np.hypot(*(pts - tip).T) > skip]
    if not len(pts) or not len(ink):
        return 0.0
    near = np.array([np.hypot(*(ink - p).T).min() for p in pts]) <= ALONG_GAP_PX
    return float(near.sum()) * np.hypot(*(end - tip)) / n


def measures(engine) -> list[dict]:
    """Per leader shown on the last frame: its least gap (px) to any ball but its own,
    the px it runs along a path, and the other leaders it crosses."""
    shown = leaders_now(engine)
    out = []
    for i, (text, ax, leader) in enumerate(shown):
        balls = drawn_balls(engine, ax)
        tip = leader[0]
        own = min(range(len(balls)), key=lambda k: np.hypot(*(balls[k][0] - tip)))
        gaps = [seg_distance(leader, p) - r for k, (p, r) in enumerate(balls) if k != own]
        others = np.array([b for j, (_, bx, b) in enumerate(shown) if bx is ax and j != i])
        skip = balls[own][1] + 8.0 * ax.figure.dpi / 72  # its ball and the ring around it
        out.append({"text": text, "gap": round(min(gaps, default=np.inf), 1),
                    "along": round(along(leader, trails_px(engine, ax), skip)),
                    "crosses": crossings(leader, others.reshape(-1, 2, 2))})  # fmt: skip
    return out


@pytest.mark.parametrize(("name", "kind"), [("twin_wells", "contour"), ("saddle", "3d"),
                                            ("six_hump_camel", "contour")])  # fmt: skip
def test_a_leader_passes_no_other_ball_crosses_no_leader_and_runs_along_no_path(name, kind):
    engine = lesson_engine(name, kind)
    try:
        found = [m for m in measures(engine)
                 if m["gap"] < CLEAR_PX or m["along"] > ALONG_PX or m["crosses"]]  # fmt: skip
        assert not found, found
    finally:
        engine.close()
