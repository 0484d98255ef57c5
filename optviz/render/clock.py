"""The animation's clock: which step each frame shows.

Half the frames are spent where something moves (:func:`motion_clock`): each advances the
paths by about the same share of their visible length, so a fast first stretch is slowed
down; the other half pass the steps evenly, so what happens late (a slow crossing, an
escape, rattling at the end) is not skipped through. Two rules keep that readable:

* the first :data:`EARLY_STEPS` of the steps get at most :data:`EARLY_FRAMES` of the
  frames (a fast start would otherwise take a third of the animation, and the rest, the
  loss panel with it, would sprint), and only the approach (:data:`APPROACH`) more when
  moments lie there;
* a **moment** (a callout's key step: "GD stops", "Adam escapes at step 23") is
  approached slowly, over :data:`APPROACH` of the clock, and held :data:`MOMENT_HOLD`
  seconds (:func:`frame_steps`);
* **dead time**, steps where no ball moves on screen (each stands still, under
  :data:`STILL` a step, or has settled: it stays within :data:`SETTLED` of where it ends,
  a jiggle on its resting spot), gets at most :data:`DEAD_SECONDS` of the animation
  (:func:`dead_steps`): a run that settles at step 5 of 20 left six seconds of a still
  picture on screen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MOTION_SHARE = 0.5  # of the frames spread by motion; the rest by steps, so late events get time too
VISIBLE = 0.05  # a path shorter than this share of the domain hardly moves on screen
EARLY_STEPS = 0.05  # the first steps ...
EARLY_FRAMES = 0.2  # ... get at most this share of the frames
APPROACH = 0.08  # share of the clock spent on the few steps before each moment
MOMENT_HOLD = 1.0  # seconds a moment stays on screen
STILL = 0.002  # domain spans: a step shorter than this moves a ball under ~1 px on a map
SETTLED = 0.03  # domain spans (~20 px): a ball that stays this near its end has settled
DEAD_SECONDS = 1.0  # the most time steps where no ball moves may take (holds aside)


def motion_clock(trajs, moments: Sequence[int] = (), dead: float = 1.0) -> np.ndarray:
    """Where each step falls on the animation's clock, ``(steps + 1,)`` from 0 to 1.

    Each path's per-step travel (in domain spans, a step capped at a quarter span so a
    diverging run does not claim every frame) is taken as a share of its own length, so
    a slow path counts as much as a fast one; a path shorter than ``VISIBLE`` counts in
    proportion. ``MOTION_SHARE`` of the clock follows that motion, the rest the steps;
    then the rules of the module docs (the early cap, the approach to each of
    ``moments``); the steps where no ball moves (:func:`dead_steps`) get at most
    ``dead`` of the clock.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.5"], start=(1.0, 1.0), steps=10)
    >>> motion_clock(r.trajectories)[[0, 1, 10]].round(2).tolist()  # all motion in step 1
    [0.0, 0.55, 1.0]
    """
    steps = trajs[0].steps
    tick = _motion_ticks(trajs, steps)
    moments = sorted({int(t) for t in moments if 0 < int(t) <= steps})
    approached = np.zeros(steps, bool)
    for t in moments:  # slow down into the moment
        width = max(2, round(0.02 * steps))
        tick[max(t - width, 0) : t] += APPROACH / min(width, t)
        approached[max(t - width, 0) : t] = True
    early = max(1, int(np.ceil(EARLY_STEPS * steps)))
    allowed = EARLY_FRAMES + APPROACH * any(t <= early for t in moments)  # one approach
    idle = dead_steps(trajs) & ~approached  # a moment's approach is no dead time
    for _ in range(8):  # each cap gives the other's steps more: both hold after a few rounds
        if steps >= 20:
            tick = _cap_start(tick, early, allowed)
        tick = _cap_dead(tick, idle, dead)
    return np.concatenate([[0.0], np.cumsum(tick) / tick.sum()])


def _motion_ticks(trajs, steps: int) -> np.ndarray:
    """Each step's share of the clock by motion (see :func:`motion_clock`), ``(steps,)``."""
    spans = np.ptp(np.asarray(trajs[0].surface.domain, float), axis=1)
    weight = np.zeros(steps)
    for traj in trajs:
        xy = traj.xy if traj.batched else traj.xy[:, None, :]
        xy = np.nan_to_num(np.asarray(xy, float), nan=0.0, posinf=1e6, neginf=-1e6) / spans
        travel = np.minimum(np.linalg.norm(np.diff(xy, axis=0), axis=-1), 0.25)  # (T, n)
        length = travel.sum(axis=0)
        share = travel / np.where(length > 0, length, 1.0) * np.minimum(length / VISIBLE, 1.0)
        weight += share.mean(axis=1)
    total = weight.sum()
    moving = weight / total if total > 0 else np.full(steps, 1.0 / steps)
    return MOTION_SHARE * moving + (1 - MOTION_SHARE) / steps


def dead_steps(trajs) -> np.ndarray:
    """Per step ``t`` (from ``t`` to ``t + 1``), whether no ball moves on screen: each
    travels under :data:`STILL`, has settled (stays within :data:`SETTLED` of its last
    place from ``t`` on) or has left the map (diverged).

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.5"], start=(1.0, 1.0), steps=10)
    >>> dead_steps(r.trajectories).astype(int).tolist()  # at the minimum after one step
    [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    """
    spans = np.ptp(np.asarray(trajs[0].surface.domain, float), axis=1)
    dead = np.ones(trajs[0].steps, bool)
    for traj in trajs:
        xy = traj.xy if traj.batched else traj.xy[:, None, :]
        xy = np.asarray(xy, float) / spans  # (T+1, n, 2)
        with np.errstate(invalid="ignore"):
            travel = np.linalg.norm(np.diff(xy, axis=0), axis=-1)  # (T, n); NaN: gone
            off = np.linalg.norm(xy - xy[-1], axis=-1)  # from its last place
        off = np.where(np.isfinite(off), off, np.inf)
        settled = np.maximum.accumulate(off[::-1], axis=0)[::-1][:-1] <= SETTLED
        with np.errstate(invalid="ignore"):
            still = ~(travel >= STILL) | settled  # (a NaN step: gone, still)
        dead &= still.all(axis=1)
    return dead


def _cap_dead(tick: np.ndarray, dead: np.ndarray, allowed: float) -> np.ndarray:
    """``tick`` with its ``dead`` steps scaled down to ``allowed`` of the whole, if they
    had more (and something moves elsewhere)."""
    head, rest = tick[dead].sum(), tick[~dead].sum()
    if allowed >= 1 or head <= allowed * (head + rest) or rest <= 0:
        return tick
    out = tick.copy()
    out[dead] *= allowed * rest / (1 - allowed) / head
    return out


def _cap_start(tick: np.ndarray, early: int, allowed: float = EARLY_FRAMES) -> np.ndarray:
    """``tick`` with its first ``early`` steps scaled down to ``allowed`` of the whole,
    if they had more."""
    head, rest = tick[:early].sum(), tick[early:].sum()
    allowed = min(allowed, 0.9)
    if head <= allowed * (head + rest) or rest <= 0:
        return tick
    out = tick.copy()
    out[:early] *= allowed * rest / (1 - allowed) / head
    return out


def frame_steps(trajs, frames: int, moments: Sequence[int] = (), hold: int = 0,
                fps: float | None = None) -> np.ndarray:  # fmt: skip
    """The (possibly fractional) step shown by each of ``frames`` frames, spread by
    :func:`motion_clock`, each of ``moments`` then shown ``hold`` frames more; at
    ``fps`` frames a second, the steps where no ball moves take at most
    :data:`DEAD_SECONDS`.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.1"], start=(1.0, 1.0), steps=40)
    >>> s = frame_steps(r.trajectories, 10, moments=[20], hold=3)
    >>> len(s), int((s == 20).sum()) >= 4, float(s[-1])
    (14, True, 40.0)
    """
    steps = trajs[0].steps
    if frames <= 1 or steps == 0:
        return np.array([float(steps)])
    dead = 1.0 if fps is None else min(1.0, DEAD_SECONDS * fps / frames)
    clock = motion_clock(trajs, moments, dead)
    s = np.interp(np.linspace(0.0, 1.0, frames), clock, np.arange(steps + 1, dtype=float))
    s[-1] = steps  # exactly the last step, whatever the rounding of the clock
    # a moment at the last step is held by the last frame's own hold
    held = [float(t) for t in sorted(set(moments)) if 0 <= t < steps for _ in range(hold + 1)]
    return np.sort(np.concatenate([s, held])) if held else s
