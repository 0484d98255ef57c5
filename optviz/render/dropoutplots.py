"""The dropout figure: decision maps with and without dropout, loss over seeds, thinned nets.

The numbers come from :mod:`optviz.nets.dropout`; this module only draws them. matplotlib
is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..nets import dropout
from ..util import check
from ..util.errors import ParameterError
from .initplots import _is_dark, _new_figure
from .line_ends import text_color
from .style import PALETTE, ink, is_dark, themed

EXTENT = (-2.2, 2.2)  # the map's square, widened to hold every training point whole


def _extent(run) -> tuple[float, float]:
    """The map's range on both axes: :data:`EXTENT`, or wider so no point sits on the edge."""
    reach = float(np.abs(run.x_train).max()) + 0.3 if len(run.x_train) else 0.0
    return (min(EXTENT[0], -reach), max(EXTENT[1], reach))


def _class_colors(dark: bool) -> tuple[str, str]:
    return PALETTE[0], PALETTE[1] if dark else PALETTE[5]


def _prob_cmap(dark: bool):
    """Class-0 color -> background -> class-1 color, so 'unsure' fades into the page."""
    from matplotlib.colors import LinearSegmentedColormap

    c0, c1 = _class_colors(dark)
    middle = "#15171c" if dark else "#ffffff"
    return LinearSegmentedColormap.from_list("optviz-prob", [c0, middle, c1])


def _grid(resolution: int, extent: tuple[float, float] = EXTENT):
    axis = np.linspace(*extent, resolution)
    xx, yy = np.meshgrid(axis, axis)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def decision_map(run: dropout.DropoutRun, ax, prob=None, resolution: int = 150, points=True):
    """Fill ``ax`` with the class-1 probability of ``run`` (or ``prob(xy)``), its 0.5 contour
    and the training points; returns the Axes."""
    dark = _is_dark(ax)
    extent = _extent(run)
    xx, yy, xy = _grid(resolution, extent)
    values = (run.predict(xy) if prob is None else prob(xy)).reshape(xx.shape)
    ax.contourf(xx, yy, values, levels=np.linspace(0, 1, 11), cmap=_prob_cmap(dark), alpha=0.75)
    ax.contour(xx, yy, values, levels=[0.5], colors=ink("dark" if dark else "light"), linewidths=2)
    if points:
        colors = np.array(_class_colors(dark))[run.y_train]
        ax.scatter(*run.x_train.T, c=colors, s=40, edgecolors=ink("dark" if dark else "light"))
    ax.set_xlim(extent)
    ax.set_ylim(extent)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    return ax


def _count(k: int, n: int) -> str:
    """``k`` of ``n`` seeds as a sentence says it.

    >>> _count(5, 5), _count(3, 5), _count(1, 1)
    ('all 5 seeds', '3 of 5 seeds', 'its seed')
    """
    if n == 1:
        return "its seed" if k else "no seed"
    return f"all {n} seeds" if k == n else f"{k} of {n} seeds"


def dropout_figure(
    pairs: Sequence[tuple[dropout.DropoutRun, dropout.DropoutRun]],
    theme: str = "light",
    size="16:9",
    thinned: int = 3,
    ensemble: int = 100,
    resolution: int = 150,
    title: str | None = None,
):
    """Dropout at a glance, from :func:`optviz.nets.dropout.seed_study` pairs ``(plain, dropped)``.

    Top left: the decision maps of the first pair without and with dropout (class-1
    probability; black line = 0.5). Top right: train (dashed) and test (solid) loss of
    every pair, so the reader sees the effect on all seeds, not one. Bottom: ``thinned``
    thinned networks of the dropout run (random masks, one per panel) and the average of
    ``ensemble`` of them, with the full net's 0.5 line dashed on top.

    >>> pairs = dropout.seed_study([0, 1], hidden=(8, 8), steps=20)
    >>> len(dropout_figure(pairs, thinned=2, ensemble=5, resolution=20).axes)
    6
    """
    pairs = list(pairs)
    if not pairs:
        raise ParameterError("no runs to plot; give at least one (plain, dropped) pair")
    thinned = check.whole(thinned, "thinned", 1, 6)
    ensemble = check.whole(ensemble, "ensemble", 1, 10_000)
    plain, dropped = pairs[0]
    widths = "→".join(str(layer["W"].shape[1]) for layer in plain.params[:-1])
    cols = max(thinned + 1, 4)
    with themed(theme):
        fig = _new_figure(size)
        grid = fig.add_gridspec(2, cols)
        # apart from the class colors: dropout's colour never means "class 1" too
        classes = _class_colors(is_dark(theme))
        c_plain = PALETTE[6]
        c_drop = next(c for c in (PALETTE[1], PALETTE[2], PALETTE[4]) if c not in classes)
        for col, run in enumerate((plain, dropped)):
            ax = decision_map(run, fig.add_subplot(grid[0, col]), resolution=resolution)
            name = f"dropout (p = {run.p:g})" if run.p else "no dropout"
            ax.set_title(
                f"{name}\nloss: train {run.train_loss[-1]:.2f}, test {run.test_loss[-1]:.2f}",
                fontsize=14,  # 19 px: the two numbers fit over a map of a quarter's width
                color=text_color(c_drop if run.p else c_plain, ax.get_facecolor()),
            )
        loss_ax = fig.add_subplot(grid[0, 2:])
        # the settings differ in marker too (circle, square), not in colour only; a log
        # axis shows the training loss falling, not lying flat on the floor
        settings = (((p for p, _ in pairs), c_plain, "o"), ((d for _, d in pairs), c_drop, "s"))
        for runs, c, mk in settings:
            for run in runs:
                every = max(1, len(run.steps) // 8)
                mark = {"marker": mk, "ms": 6, "markevery": every, "mec": "white", "mew": 0.6}
                loss_ax.plot(run.steps, run.test_loss, color=c, lw=1.8, alpha=0.85, **mark)
                loss_ax.plot(run.steps, run.train_loss, color=c, lw=1.5, ls="--", alpha=0.85,
                             **mark)  # fmt: skip
        gaps = [np.median([pair[i].gap for pair in pairs]) for i in (0, 1)]
        loss_ax.plot([], [], color=c_plain, lw=2, marker="o",
                     label=f"no dropout (median gap {gaps[0]:.2f})")  # fmt: skip
        loss_ax.plot([], [], color=c_drop, lw=2, marker="s",
                     label=f"dropout (median gap {gaps[1]:.2f})")  # fmt: skip
        loss_ax.plot([], [], color="grey", lw=1.5, label="test")
        loss_ax.plot([], [], color="grey", lw=1.5, ls="--", label="train")
        loss_ax.set_xlabel("training step (Adam)")
        loss_ax.set_ylabel("cross-entropy")
        loss_ax.set_yscale("log")
        lowest = min(float(np.min(r.train_loss)) for pair in pairs for r in pair)
        loss_ax.set_ylim(bottom=max(lowest, 1e-12) / 15)  # room for the key, no more
        loss_ax.grid(True, alpha=0.6)
        loss_ax.legend(loc="lower left", ncols=2)  # under the falling training losses: empty
        shrunk = sum(d.gap < p.gap for p, d in pairs)  # what these runs show, counted
        seeds = _count(shrunk, len(pairs))
        loss_ax.set_title(f"dropout: a smaller test − train loss gap on {seeds}", fontsize=15)

        masks = dropped.thinned(thinned, seed=1)
        for i, m in enumerate(masks):
            ax = fig.add_subplot(grid[1, i])
            decision_map(dropped, ax, lambda xy, m=m: dropped.predict(xy, m), resolution)
            kept = sum(int((mask > 0).sum()) for mask in m)
            total = sum(mask.size for mask in m)
            ax.set_title(f"thinned net {i + 1}\n({kept} of {total} units)", fontsize=16)
        ax = fig.add_subplot(grid[1, thinned])
        decision_map(dropped, ax, lambda xy: dropped.ensemble(xy, ensemble), resolution)
        xx, yy, xy = _grid(resolution, _extent(dropped))
        full = dropped.predict(xy).reshape(xx.shape)
        full_line = ax.contour(xx, yy, full, levels=[0.5], colors=c_drop, linewidths=3,
                               linestyles=[(0, (3, 2))])  # fmt: skip
        from matplotlib import patheffects

        full_line.set(path_effects=[patheffects.Stroke(linewidth=5, foreground="white"),
                                    patheffects.Normal()])  # fmt: skip
        ax.set_title(f"average of {ensemble} thinned\n≈ full net (dashed)", fontsize=16)
        head = title or (
            f"dropout: 2→{widths}→2 {plain.activation} net, {len(plain.y_train)} noisy moons "
            "(10% labels flipped), Adam; same data and init"
        )
        if title is None:  # what these runs show, counted, not what dropout usually does
            head += f"\ndropout shrinks the train–test loss gap on {_count(shrunk, len(pairs))}"
        fig.suptitle(head, fontsize=17)
        fig.tight_layout()
    return fig
