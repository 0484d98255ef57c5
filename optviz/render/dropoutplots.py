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
from .sweepplots import plain_log_ticks

EXTENT = (-2.2, 2.2)  # the map's range when there are no points to frame
TEST_SHOWN = 200  # test points drawn on a map: enough to see where they fall, not a blanket
TEST_RING_S, TEST_RING_LW = 44.0, 2.0  # a test point's ring: 9 px across, 3 px stroke


def _extent(run) -> tuple[tuple[float, float], tuple[float, float]]:
    """The map's range along x and along y: the training and shown test points, 0.3
    beyond them (a square around the farthest point left the lower half empty)."""
    xy = np.concatenate([run.x_train, run.x_test[_shown(run)]])
    if not len(xy):
        return EXTENT, EXTENT
    lo, hi = xy.min(0) - 0.3, xy.max(0) + 0.3
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _class_colors(dark: bool) -> tuple[str, str]:
    return PALETTE[0], PALETTE[1] if dark else PALETTE[5]


def _prob_cmap(dark: bool):
    """Class-0 color -> background -> class-1 color, so 'unsure' fades into the page."""
    from matplotlib.colors import LinearSegmentedColormap

    c0, c1 = _class_colors(dark)
    middle = "#15171c" if dark else "#ffffff"
    return LinearSegmentedColormap.from_list("optviz-prob", [c0, middle, c1])


def _shown(run) -> slice:
    """The test points a map draws: every k-th, at most :data:`TEST_SHOWN` (the first
    ones were all of one class)."""
    return slice(None, None, max(1, -(-len(run.x_test) // TEST_SHOWN)))


def _deep(color: str) -> str:
    """``color`` darkened to a luminance of 0.3 at most: gold titles read on white.

    >>> _deep("#976900"), _deep("#000000")
    ('#6c4b00', '#000000')
    """
    from matplotlib.colors import to_hex, to_rgb

    rgb = np.array(to_rgb(color))
    luminance = float(rgb @ [0.2126, 0.7152, 0.0722])
    return to_hex(rgb * min(1.0, 0.3 / max(luminance, 1e-6)))


def _grid(resolution: int, extent=(EXTENT, EXTENT)):
    xx, yy = np.meshgrid(np.linspace(*extent[0], resolution), np.linspace(*extent[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def decision_map(run: dropout.DropoutRun, ax, prob=None, resolution: int = 150, points=True):
    """Fill ``ax`` with the class-1 probability of ``run`` (or ``prob(xy)``), its 0.5 contour,
    the training points (dots) and test points (rings, on which the test loss is scored);
    returns the Axes. The fill is pale: dots of a class's colour on its own full colour
    were lost."""
    dark = _is_dark(ax)
    extent = _extent(run)
    xx, yy, xy = _grid(resolution, extent)
    values = (run.predict(xy) if prob is None else prob(xy)).reshape(xx.shape)
    ax.contourf(xx, yy, values, levels=np.linspace(0, 1, 11), cmap=_prob_cmap(dark), alpha=0.4)
    ax.contour(xx, yy, values, levels=[0.5], colors=ink("dark" if dark else "light"), linewidths=2)
    if points:
        palette = np.array(_class_colors(dark))
        tests = _shown(run)
        # rings a projector keeps: 7 px rings of 1 px vanished on the pale fill
        ax.scatter(*run.x_test[tests].T, s=TEST_RING_S, facecolors="none",
                   linewidths=TEST_RING_LW, edgecolors=palette[run.y_test[tests]],
                   zorder=3, gid="test-points")  # fmt: skip
        ax.scatter(*run.x_train.T, c=palette[run.y_train], s=64,
                   edgecolors=ink("dark" if dark else "light"), zorder=4)  # fmt: skip
    ax.set_xlim(extent[0])
    ax.set_ylim(extent[1])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_box_aspect(1)  # a square filled by the points' box: moons stretched, no empty half
    return ax


def _median_pair(pairs):
    """The pair whose run without dropout has the median gap (the lower of the middle two).

    >>> from types import SimpleNamespace as R
    >>> pairs = [(R(gap=g), None) for g in (3.0, 1.0, 2.0)]
    >>> _median_pair(pairs)[0].gap
    2.0
    """
    order = sorted(range(len(pairs)), key=lambda i: pairs[i][0].gap)
    return pairs[order[(len(pairs) - 1) // 2]]


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
    thinned: int = 0,
    ensemble: int = 100,
    resolution: int = 150,
    title: str | None = None,
):
    """Dropout on one slide, from :func:`optviz.nets.dropout.seed_study` pairs ``(plain, dropped)``.

    Left, the largest: train (dashed) and test (solid) loss without and with dropout, the
    median over the pairs with the range of the seeds shaded, each line named at its end.
    Right: the decision maps of the first pair (class-1 probability; black line = 0.5),
    without and with dropout; on the latter the 0.5 line of the average of ``ensemble``
    thinned networks is dashed (it lies on the full net's) and ``thinned`` single thinned
    networks' lines are drawn thin.

    >>> pairs = dropout.seed_study([0, 1], hidden=(8, 8), steps=20)
    >>> len(dropout_figure(pairs, ensemble=5, resolution=20).axes)
    3
    """
    pairs = list(pairs)
    if not pairs:
        raise ParameterError("no runs to plot; give at least one (plain, dropped) pair")
    thinned = check.whole(thinned, "thinned", 0, 6)
    ensemble = check.whole(ensemble, "ensemble", 1, 10_000)
    # the maps show the seed of the median gap without dropout: the left panel's
    # headline is a median, so its maps are the typical run, named by its seed
    plain, dropped = _median_pair(pairs)
    with themed(theme):
        fig = _new_figure(size)
        loss_at, map_at = _layout(fig)
        # apart from the class colors: dropout's colour never means "class 1" too
        classes = _class_colors(is_dark(theme))
        c_plain = PALETTE[6]
        c_drop = next(c for c in (PALETTE[1], PALETTE[2], PALETTE[4]) if c not in classes)
        loss_ax = fig.add_subplot(loss_at)
        _loss_panel(loss_ax, pairs, c_plain, c_drop)
        maps = []
        for col, run in enumerate((plain, dropped)):
            ax = decision_map(run, fig.add_subplot(map_at[col]), resolution=resolution)
            name = f"dropout (p = {run.p:g})" if run.p else "no dropout"
            name += f", seed {run.seed}" if len(pairs) > 1 else ""
            ax.set_title(
                f"{name}\nloss: train {run.train_loss[-1]:.2f}, test {run.test_loss[-1]:.2f}",
                fontsize=15,
                color=_deep(text_color(c_drop if run.p else c_plain, ax.get_facecolor())),
            )
            ax.set_anchor("N")  # level with the loss panel's top; the key goes under
            maps.append(ax)
        _thinned_lines(ax, dropped, thinned, ensemble, resolution, c_drop)
        _map_key(fig, maps, ensemble, c_drop)
        shrunk = sum(d.gap < p.gap for p, d in pairs)  # what these runs show, counted
        widths = "→".join(str(layer["W"].shape[1]) for layer in plain.params[:-1])
        head = title or (
            f"dropout: 2→{widths}→2 {plain.activation} net, {len(plain.y_train)} noisy moons "
            "(10% labels flipped), Adam"
        )
        if title is None:  # what these runs show, counted, not what dropout usually does
            head += (f"\nsame data and init: dropout shrinks the train–test loss gap on "
                     f"{_count(shrunk, len(pairs))}")  # fmt: skip
        fig.suptitle(head, fontsize=20)  # where the layout makes room for it
    return fig


WIDE = 1.5  # a frame this much wider than tall holds the loss panel and both maps in a row


def _layout(fig):
    """Where the loss panel and the two maps go, with margins a later tight layout keeps
    (24 px and more from every edge): in a row on a wide frame (16:9); on a narrower one
    (4:3) the loss panel across the top and the maps under it, where a row squeezed the
    maps' titles and keys into one another."""
    width, height = fig.get_size_inches()
    if width / height >= WIDE:
        # the maps the widest: their borders are what a room remembers
        grid = fig.add_gridspec(1, 3, width_ratios=(1.0, 1.3, 1.3), left=0.07, right=0.985,
                                top=0.8, bottom=0.1, wspace=0.08)  # fmt: skip
        return grid[0, 0], (grid[0, 1], grid[0, 2])
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1), left=0.1, right=0.96, top=0.85,
                            bottom=0.15, hspace=0.75, wspace=0.3)  # fmt: skip
    return grid[0, :], (grid[1, 0], grid[1, 1])


def _loss_panel(ax, pairs, c_plain: str, c_drop: str) -> None:
    """Median train and test loss of each setting over the seeds, their range shaded, each
    line named at its end: four lines, not one per seed (twenty ran into bars)."""
    from .line_ends import label_ends

    lines, names = [], []
    for k, (setting, c, mk) in enumerate((("no dropout", c_plain, "o"), ("dropout", c_drop, "s"))):
        runs = [pair[k] for pair in pairs]
        steps = runs[0].steps
        for what, ls in (("test", "-"), ("train", "--")):
            curves = np.array([getattr(r, f"{what}_loss") for r in runs])
            if len(runs) > 1:
                ax.fill_between(steps, curves.min(0), curves.max(0), color=c, alpha=0.15, lw=0)
            every = max(1, len(steps) // 8)
            lines += ax.plot(steps, np.median(curves, 0), color=c, lw=2.6, ls=ls, marker=mk,
                             ms=7, markevery=every, mec="white", mew=0.7)  # fmt: skip
            names.append(f"{setting}: {what}")
    ax.set_yscale("log")
    plain_log_ticks(ax, "y")  # whole decades, one style
    ax.set_xlabel("training step (Adam)")
    ax.set_ylabel("cross-entropy")
    ax.grid(True, alpha=0.6)
    gaps = [np.median([pair[i].gap for pair in pairs]) for i in (0, 1)]
    many = len(pairs) > 1
    note = f"median of {len(pairs)} seeds, shaded: their range" if many else "one seed"
    ax.set_title(f"test − train gap: {gaps[0]:.2f} → {gaps[1]:.2f} with dropout\n({note})",
                 fontsize=15)  # fmt: skip
    label_ends(ax, lines, names)


def _thinned_lines(ax, run, thinned: int, ensemble: int, resolution: int, color: str) -> None:
    """On ``run``'s map: the 0.5 line of the average of ``ensemble`` thinned networks,
    dashed (it lies on the full net's black line), and ``thinned`` single ones, thin."""
    from matplotlib import patheffects

    xx, yy, xy = _grid(resolution, _extent(run))
    for m in run.thinned(thinned, seed=1) if thinned else []:
        ax.contour(xx, yy, run.predict(xy, m).reshape(xx.shape), levels=[0.5], colors=color,
                   linewidths=1.0, alpha=0.7)  # fmt: skip
    mean = run.ensemble(xy, ensemble).reshape(xx.shape)
    line = ax.contour(xx, yy, mean, levels=[0.5], colors=color, linewidths=3,
                      linestyles=[(0, (3, 2))])  # fmt: skip
    line.set(path_effects=[patheffects.Stroke(linewidth=5, foreground="white"),
                           patheffects.Normal()])  # fmt: skip


def _map_key(fig, maps, ensemble: int, color: str) -> None:
    """One key under both maps for what they draw: three-line captions under each map
    were legend material set as body text."""
    from matplotlib.lines import Line2D

    dark = _is_dark(maps[0])
    line = ink("dark" if dark else "light")
    mid = "0.45"
    handles = [
        Line2D([], [], ls="none", marker="o", ms=9, mfc=mid, mec=line, label="training point"),
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=9,
            mfc="none",
            mec=mid,
            mew=TEST_RING_LW,
            label="test point",
        ),  # fmt: skip
        Line2D([], [], color=line, lw=2, label="the net's 50–50 border"),
        Line2D(
            [],
            [],
            color=color,
            lw=3,
            ls=(0, (3, 2)),
            label=f"right: average of {ensemble} nets with random units off",
        ),  # fmt: skip
    ]
    for ax in maps:  # the maps' places, square and anchored (a draw would set the loss
        ax.apply_aspect()  # panel's end labels before the caller's last change)
    left = maps[0].get_position()
    right = maps[-1].get_position()
    key = fig.legend(handles=handles, loc="upper center", ncols=2, frameon=False, fontsize=14,
               bbox_to_anchor=((left.x0 + right.x1) / 2, left.y0 - 0.015),
               columnspacing=1.2, handletextpad=0.4)  # fmt: skip
    key.set_gid("map-key")
