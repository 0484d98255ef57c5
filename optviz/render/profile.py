"""The hill under every path: each run's loss against the distance it has travelled.

A 2-D race's map shows where each ball went; this panel beside it shows each path seen
from the side, unrolled: the loss (the same axis as the loss panel: ``f − f*`` on a log
axis where the minimum is known) against the distance travelled along the path, so the
hill a ball rolls down, the bump it climbs over or the plateau it crosses reads as in
the notes' one-dimensional figures. In an animation each profile grows with its ball,
at the same fractional step.

It is a side panel (:mod:`optviz.render.side_panels`, registered as ``"profile"``:
``race.plot(side=["profile"])``, ``race.animate(side=["profile"])``, ``--profile``) in
three parts: :func:`setup_profile` (what does not move), :func:`plot_profile` (a still's
whole profiles) and :class:`ProfileFrames` (the moving profiles and balls, ``update(s)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import losses, paths, style

TITLE = "the hill under each path"


def distances(traj) -> np.ndarray:
    """The distance each start has travelled along its path by each step, ``(steps + 1, n)``
    in domain units; a step longer than the domain's diagonal counts as that (a run
    blowing up does not stretch the axis), and nothing is travelled after a divergence.

    >>> import optviz as ov
    >>> t = ov.run("quadratic", "gd:lr=0.25", start=(1.0, 0.0), steps=3)  # x halves each step
    >>> distances(t)[:, 0].tolist()
    [0.0, 0.5, 0.75, 0.875]
    """
    xy = np.asarray(traj.xy, float)
    xy = xy if traj.batched else xy[:, None, :]
    step = np.linalg.norm(np.diff(xy, axis=0), axis=-1)
    step = np.minimum(np.nan_to_num(step, nan=0.0, posinf=np.inf), traj.surface.span)
    div = np.atleast_1d(traj.diverged_at)
    after = np.arange(1, len(xy))[:, None] > np.where(div >= 0, div, len(xy))[None]
    step = np.where(after, 0.0, step)
    return np.concatenate([np.zeros((1, xy.shape[1])), np.cumsum(step, axis=0)])


def _curves(race) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each run's (distance, plotted loss), both ``(steps + 1, n)``."""
    axis = losses.loss_axis(race.trajectories)
    out = []
    for traj in race.trajectories:
        y = losses.loss_curve(traj, axis.shift, axis.log, axis.floor)
        out.append((distances(traj), y if y.ndim == 2 else y[:, None]))
    return out


def setup_profile(ax, race, theme: str = "light") -> None:
    """The profile panel's axes: the loss axis of the loss panel, distance along x."""
    axis = losses.loss_axis(race.trajectories)
    ax.set_yscale("log" if axis.log else "linear")
    ax.set_xlabel("distance travelled")
    ax.set_ylabel(axis.name)
    ax.set_title(TITLE)
    ax.grid(True, which="major", lw=0.6)
    curves = _curves(race)
    far = max((float(np.nanmax(d)) for d, _ in curves), default=1.0)
    ax.set_xlim(0, far * 1.02 if far > 0 else 1.0)
    losses.loss_limits(ax, race.trajectories, axis)


def plot_profile(ax, race, theme: str = "light") -> Any:
    """Every run's whole profile on ``ax`` (set up by :func:`setup_profile`), in its colour
    and line style, with its ball where it ended."""
    ink = style.ink(theme)
    styles = paths.path_styles(race.trajectories)
    for (d, y), ps in zip(_curves(race), styles, strict=True):
        many = y.shape[1] > 1
        ax.plot(d, y, color=ps.color, lw=0.9 if many else 2.4, ls=ps.linestyle,
                alpha=0.7 if many else 1.0, zorder=ps.zorder)  # fmt: skip
        last, cols = _last_finite(y), np.arange(y.shape[1])
        ax.plot(d[last, cols], y[last, cols], ls="none", marker=ps.marker, ms=9, mfc=ps.color,
                mec=ink, mew=0.8, zorder=8)  # fmt: skip
    return ax


def _last_finite(y: np.ndarray) -> np.ndarray:
    """Per column, the last index where ``y`` is finite (0 if none)."""
    ok = np.isfinite(y)
    return np.where(ok.any(0), len(y) - 1 - np.argmax(ok[::-1], axis=0), 0)


class ProfileFrames:
    """The profile panel's moving parts: each run's profile so far and a ball at its head,
    at the fractional step ``s`` of the balls on the map."""

    def __init__(self, ax, race, styles: list, theme: str):
        self.ax = ax
        self.log = losses.loss_axis(race.trajectories).log
        ink = style.ink(theme)
        self.parts = []
        for (d, y), ps in zip(_curves(race), styles, strict=True):
            many = y.shape[1] > 1
            line = ax.plot([], [], color=ps.color, lw=0.9 if many else 2.4, ls=ps.linestyle)[0]
            ball = ax.plot([], [], ls="none", marker=ps.marker, ms=9, mfc=ps.color, mec=ink,
                           mew=0.8)[0]  # fmt: skip
            for a in (line, ball):
                a.set_animated(True)
                a.set_in_layout(False)
                a.set_label("_nolegend_")
            line.set_zorder(ps.zorder)
            ball.set_zorder(8)
            self.parts.append((line, ball, d, y))

    def __call__(self, s: float) -> list:
        drawn = []
        for line, ball, d, y in self.parts:
            k = min(int(np.floor(s)), len(d) - 1)
            frac = s - k if k < len(d) - 1 else 0.0
            head_d, head_y = d[k].copy(), y[k].copy()
            if frac > 0:
                head_d = d[k] + frac * (d[k + 1] - d[k])
                with np.errstate(all="ignore"):
                    b = y[k + 1]
                    mid = y[k] * (b / y[k]) ** frac if self.log else y[k] + frac * (b - y[k])
                head_y = np.where(np.isfinite(mid), mid, y[k])
            # a run gone to the floor or blown up keeps its ball where its profile ends
            last = _last_finite(y[: k + 1])
            cols = np.arange(y.shape[1])
            lost = ~np.isfinite(head_y)
            head_d = np.where(lost, d[last, cols], head_d)
            head_y = np.where(lost, y[last, cols], head_y)
            xs = np.vstack([d[: k + 1], head_d, np.full(d.shape[1], np.nan)])
            ys = np.vstack([y[: k + 1], head_y, np.full(d.shape[1], np.nan)])
            line.set_data(xs.T.ravel(), ys.T.ravel())
            ok = np.isfinite(head_y)
            ball.set_data(head_d[ok], head_y[ok])
            drawn += [line, ball]
        return drawn
