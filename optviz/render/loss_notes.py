"""The notes at the ends of loss curves that leave the panel: a run that diverged gets
an arrow up and ``diverged at step k`` (not a flat line at its frozen value, which reads
as "stuck"), a curve cut at the axis's ceiling ``↑ off the scale at step k``. The axis
keeps room for them (:func:`optviz.render.losses.loss_limits`).
"""

from __future__ import annotations

import numpy as np

from . import style
from .losses import CUT_BESIDE, CUT_RISE, DIVERGED_RISE, _two_lines, x_values

BESIDE_GAP = 14  # points from a cut curve's end to its note: past the head's mark


def diverged_note(ax, traj, y: np.ndarray, color, theme: str = "light", x: str = "steps"):
    """An arrow up from the end of a diverged run's curve ``y`` and ``diverged at step
    k``; ``None`` for a run that did not diverge. A run of many starts (``y`` of shape
    ``(steps + 1, n)``) gets one arrow for the group, from the curve that diverged
    first, and ``m of n diverged, first at step k``. The text leans away from the nearer
    edge, and is centred on the arrow mid-panel (where it would run off either way)."""
    div = np.atleast_1d(traj.diverged_at)
    gone = np.flatnonzero(div >= 0)
    if not len(gone):
        return _off_scale_note(ax, traj, y, color, theme, x)
    first = int(gone[np.argmin(div[gone])])
    k = int(div[first])
    curve = y[:, first] if y.ndim == 2 else y
    finite = np.flatnonzero(np.isfinite(curve[: k + 1]))
    if not len(finite):
        return None
    end = int(finite[-1])
    if len(div) > 1:
        text = f"{len(gone)} of {len(div)} diverged, first at step {k}"
    elif _cut(traj, first, end):  # the curve ends before the divergence: say where
        text = f"diverges, off the scale at step {end}"
    else:
        text = f"diverged at step {k}"
    return _arrow_up(ax, traj, curve, first, end, text, color, theme, x)


STOPPED_SHARE = 0.8  # a run whose place stops changing before this share of its steps


def stopped_note(ax, traj, y: np.ndarray, theme: str = "light", x: str = "steps"):
    """``stops: its change < 1e-9`` (its stopping tolerance) from the step where a single
    run stopped moving well before its end (L-BFGS's stopping test): its flat line at
    1e-10 read as a floor without a name. ``None`` for a run that moves on, has many
    starts, or ends on the numerical floor (the band names that)."""
    xy = np.asarray(traj.xy, float)
    xy = xy[:, None] if xy.ndim == 2 else xy  # one start: (steps + 1, 2)
    if y.ndim != 1 or xy.shape[1] != 1:
        return None
    moved = np.flatnonzero(np.abs(np.diff(xy[:, 0], axis=0)).max(axis=-1) > 0)
    stop = int(moved[-1]) + 1 if len(moved) else 0
    if stop >= STOPPED_SHARE * (len(y) - 1) or not np.isfinite(y[stop:]).all():
        return None
    from matplotlib.transforms import offset_copy

    tol = getattr(traj.optimizer, "tolerance_change", None)
    tol_words = f"{tol:.0e}".replace("e-0", "e-") if tol else ""
    # short lines: the words sit over the flat line, right of the fall, in a narrow panel
    words = f"stops: its\nchange < {tol_words}" if tol else "stops moving"
    at = x_values(traj, x)
    # right-aligned at the curve's end, over its flat line: a narrow panel holds it there
    over = offset_copy(ax.transData, fig=ax.figure, x=-4, y=6, units="points")
    return ax.annotate(words, (at[stop], y[stop]), xytext=(at[-1], y[stop]), textcoords=over,
                       ha="right", va="bottom", fontsize=style.at_least(13),
                       color=style.ink(theme), annotation_clip=False, zorder=9,
                       gid="stopped")  # fmt: skip


def _off_scale_note(ax, traj, y: np.ndarray, color, theme: str, x: str):
    """``off the scale at step k`` with an arrow up, for a single run's curve cut at
    the axis's ceiling though the run did not diverge; ``None`` for any other."""
    if y.ndim != 1 or not np.isfinite(y).any():
        return None
    end = int(np.flatnonzero(np.isfinite(y))[-1])
    if end == len(y) - 1 or not y[end] > y[0] or not _cut(traj, 0, end):
        return None  # the curve runs to the end, ends on the floor, or its run stopped
    return _arrow_up(ax, traj, y, 0, end, f"off the scale at step {end}", color, theme, x)


def _wider_than_panel(ax, text: str) -> bool:
    """Whether ``text`` on one line is (by an estimate) wider than ``ax``'s cell."""
    import matplotlib as mpl

    fig = ax.figure
    spec = ax.get_subplotspec()
    cell = spec.get_position(fig).width if spec is not None else ax.get_position().width
    size = mpl.rcParams["font.size"] * fig.dpi / 72
    return len(text) * 0.6 * size > cell * fig.bbox.width - 4 * size


def _cut(traj, first: int, end: int) -> bool:
    """Whether the curve (start ``first``) ends at ``end`` at the axis's ceiling: its
    run's loss goes on, finite, after it."""
    loss = np.asarray(traj.loss, float)
    loss = loss[:, first] if loss.ndim == 2 else loss
    return end + 1 < len(loss) and bool(np.isfinite(loss[end + 1]))


def _arrow_up(ax, traj, curve, first: int, end: int, text: str, color, theme: str, x: str):
    """The note at the end of a curve that stops rising on the panel: a curve cut at the
    axis's ceiling gets ``↑ text`` just over its end (the top of the panel is near: no
    room for an arrow), one that ends at a divergence an arrow up and the text at its
    head."""
    xs = x_values(traj, x)
    xs = xs[:, first] if xs.ndim == 2 else xs
    where = xs[end] / max(xs[-1], 1e-12)  # the arrow's place along the panel, 0..1
    lean = "left" if where < 0.3 else "center" if where <= 0.6 else "right"
    if _cut(traj, first, end):  # beside its end (at the panel's top: no room over it)
        beside = where < CUT_BESIDE
        if beside and _wider_than_panel(ax, f"↑ {text}"):  # it runs right from the
            # panel's left edge: on two lines it stays inside a narrow panel at the
            # frame's right (one line ran off the frame, its step number lost)
            text = _two_lines(text)
        # beside: hung from the end's level, clear of its head's mark (centred on it, the
        # words stood over the axis's top and touched the mark)
        return ax.annotate(f"↑ {text}", xy=(xs[end], curve[end]),
                           xytext=(BESIDE_GAP, 0) if beside else (0, CUT_RISE),
                           textcoords="offset points",
                           ha="left" if beside else lean, va="top" if beside else "bottom",
                           color=style.ink(theme), annotation_clip=False, zorder=9)  # fmt: skip
    # a vertical arrow up from the curve's end, the text beside its head: starting there
    # near the left edge, centred on it mid-panel, ending there near the right edge
    return ax.annotate(
        text,
        xy=(xs[end], curve[end]),
        xytext=(0, DIVERGED_RISE),
        textcoords="offset points",
        ha=lean,
        va="center",
        color=style.ink(theme),
        arrowprops=dict(
            arrowstyle="<|-",  # the head at the text: up, away from the curve
            color=color,
            lw=2.2,
            shrinkA=2,
            shrinkB=0,
            mutation_scale=12,
            relpos=({"left": 0.0, "center": 0.5, "right": 1.0}[lean], 0.5),
        ),
        annotation_clip=False,
        zorder=9,
    )
