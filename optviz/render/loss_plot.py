"""The loss panel of a race: loss (or ``f - f*``) versus step, one colour per optimizer,
each start's curve numbered as its ring on the map.

Separate from :mod:`.plots`, which draws surfaces and paths on the map: every figure
with a loss panel (side panels, side views, landscapes, sharpness) draws it through
:func:`plot_loss`, and the loss axis it uses lives in :mod:`.losses`, the notes at the
ends of curves that leave the panel in :mod:`.loss_notes`.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (the doctest's)

from . import loss_notes, loss_tags, losses
from .losses import LossAxis, loss_axis, loss_curve
from .plots import _axes, _trajectories


def plot_loss(
    race, ax=None, *, log: bool = True, colors=None, theme: str = "light", x: str = "steps"
):
    """Loss versus step (``x="evals"``: versus loss-and-gradient evaluations), one color
    per optimizer (``f − f*`` on a log axis when the surface's minimum is known), the
    floor and divergences drawn as themselves (see the module docs). Multi-start runs
    draw every start thin.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.1"], start=(1.0, 0.0), steps=5)
    >>> line = plot_loss(r).get_lines()[0]
    >>> np.allclose(line.get_ydata(), 0.64 ** np.arange(6))  # (1 - 2 lr)^(2t)
    True
    """
    from . import paths

    trajs = _trajectories(race)
    ax = _axes(ax, theme)
    axis = loss_axis(trajs) if log else LossAxis(0.0, "loss", False)
    tags: list = []  # the start numbers at the curves' heads
    for traj, ps in zip(trajs, paths.path_styles(trajs, colors), strict=True):
        y = loss_curve(traj, axis.shift, axis.log, axis.floor, axis.ceiling)
        steps = losses.x_values(traj, x)
        if traj.batched:
            ax.plot(steps, y, color=ps.color, lw=0.8, alpha=0.6)
            ax.lines[-y.shape[1]].set_label(paths.readable(traj))
            heads = loss_tags.curve_heads(y, steps, len(y) - 1)
            for tag, head in zip(loss_tags.start_tags(y.shape[1]), heads, strict=False):
                if head is not None:
                    tags.append(loss_tags.tag_text(ax, tag, head, ps.color, theme, before=True))
        else:
            window = losses.mean_window(traj, y)
            if window:  # a noisy run: its raw loss faint, under its running mean
                ax.plot(steps, y, color=ps.color, label="_nolegend_", **losses.RAW_STYLE)
                y = losses.running_mean(y, window)
            ax.plot(steps, y, color=ps.color, lw=2.2, zorder=ps.zorder, label=paths.readable(traj))
        loss_notes.diverged_note(ax, traj, y, ps.color, theme, x)  # one for a group of starts
    losses.setup_loss_axes(ax, trajs, axis, theme, x)
    loss_tags.spread_tags(ax, tags)  # on the final limits
    return ax
