"""Figures of training dynamics in deep nets: symmetric weights that stay symmetric, and
batch normalization keeping every layer's inputs in range."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import nets
from ..util.errors import ParameterError
from . import style
from .initplots import _check_layers, _is_dark, _new_figure, _scheme_color
from .style import PALETTE, themed


def symmetry_figure(
    runs: Sequence[nets.SymmetryRun], layer: int = 1, theme="light", size="16:9", title=None
):
    """Per run (column): the layer's weight matrix after training, and its neurons over time.

    Top: the weights into layer ``layer`` (1-based hidden layer) after the last step,
    one column per neuron; identical columns mean identical neurons. Bottom: the first
    incoming weight of every neuron over the steps, one color per neuron; under zero or
    constant init the lines lie on top of each other.

    >>> runs = [nets.symmetry_run(k, hidden=(3, 3), steps=4) for k in ("constant", "lecun")]
    >>> len(symmetry_figure(runs).axes)  # 2 x 2 panels and one colorbar for the heatmaps
    5
    """
    runs = list(runs)
    if not runs:
        raise ParameterError("no runs to plot; give at least one symmetry_run")
    hidden = len(runs[0].weights) - 1
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= hidden:
        raise ParameterError(f"layer must be a hidden layer in [1, {hidden}], got {layer!r}")
    sources = "x" if layer == 1 else "h"
    with themed(theme):
        fig = _new_figure(size)
        axes = fig.subplots(2, len(runs), squeeze=False, height_ratios=(1, 1.1))
        # one quantity, one scale: the same colours and the same weight axis in every
        # column, so equal weights look equal across the runs
        reach = max(float(np.abs(run.weights[layer - 1][-1]).max()) for run in runs) or 1.0
        for col, run in enumerate(runs):
            w = run.weights[layer - 1]
            fan_in, neurons = w.shape[1:]
            top, bottom = axes[:, col]
            image = top.imshow(w[-1], cmap="RdBu_r", vmin=-reach, vmax=reach, aspect="auto")
            _frame(top)  # the zeros map is near-white on white: framed, it is a map
            if np.ptp(w[-1]) <= 0.01 * reach:  # one colour says its value: the bar is far
                value = f"{float(np.mean(w[-1])):.2g}".replace("-", "−")
                value = value if np.ptp(w[-1]) == 0 else f"≈ {value}"
                top.text((neurons - 1) / 2, (fan_in - 1) / 2, f"every weight {value}",
                         ha="center", va="center", fontsize=16, color="0.2")  # fmt: skip
            if col:
                bottom.sharey(axes[1, 0])
            top.set_xticks(range(neurons), [str(j + 1) for j in range(neurons)])
            top.set_yticks(range(fan_in), [f"from {sources}{i + 1}" for i in range(fan_in)])
            top.set_xlabel(f"neuron (weights after {run.steps} steps)")
            spread = run.spread(layer - 1)[-1]
            top.set_title(f"{nets.LABELS[run.scheme]} init")  # one line: two crowded the maps
            steps = np.arange(run.steps + 1)
            differ = run.spread(layer - 1)[-1] >= 1e-12
            for j in reversed(range(neurons)):  # neuron 1 on top when all coincide
                # where they differ, each its own dashes too: two lines a hair apart (neurons
                # 2 and 4 of Xavier's) showed as one, "8 different lines" as 7
                dashes = style.linestyle(j) if differ else "-"
                bottom.plot(steps, w[:, 0, j], color=_scheme_color(j), lw=2.4, ls=dashes,
                            gid="neuron")  # fmt: skip
            bottom.set_xlabel("gradient step")
            bottom.set_ylabel(f"weight from {sources}1")
            bottom.grid(True, alpha=0.6)
            if spread < 1e-12:
                what = "all stay at 0" if not np.any(w) else "one line (lockstep)"
            else:
                what = f"{neurons} different lines"
            bottom.set_title(
                f"{neurons} neurons, {what}\nloss {run.loss[0]:.2f} → {run.loss[-1]:.2f}",
                fontsize=16,
            )
        hidden = "→".join(map(str, _hidden(runs[0])))
        fig.tight_layout(rect=(0, 0, 0.94, 0.93), h_pad=1.5)  # room for title and colour bar
        fig.colorbar(image, ax=list(axes[0]), fraction=0.03, pad=0.015, label="weight")
        for run, bottom in zip(runs, axes[1], strict=True):
            if run.spread(layer - 1)[-1] >= 1e-12:
                _number_the_neurons(bottom)
        fig.suptitle(
            title
            or f"symmetry: hidden layer {layer} of a 2→{hidden}→1 {runs[0].activation} net "
            "trained by gradient descent"
        )
    return fig


def _frame(ax) -> None:
    """All four sides of ``ax`` drawn: a one-colour map reads as a map, not as a gap."""
    for side in ax.spines.values():
        side.set_visible(True)
        side.set_edgecolor("0.35")
        side.set_linewidth(1.2)


NEURON_PT = 13  # a neuron's number at its line's end: 18 px at 100 dpi


def _number_the_neurons(ax) -> None:
    """Each neuron's number after its line's end, in its colour, the numbers set apart:
    two lines a hair apart (Xavier's neurons 4 and 7) read as one, "8 different lines"
    counted 7; the numbers are the map's columns above."""
    from .line_ends import spread_apart

    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "neuron"][::-1]  # neuron 1 first
    ends = ax.transData.transform([(ln.get_xdata()[-1], ln.get_ydata()[-1]) for ln in lines])
    tall = NEURON_PT * ax.figure.dpi / 72 * 1.35  # a digit's box, not its em
    box = np.tile([tall, tall], (len(lines), 1))
    frame = ax.get_window_extent()
    ys = spread_apart(ends[:, 1], np.zeros(len(lines)), box, frame.y0, frame.y1 + tall)
    to_data = ax.transData.inverted()
    for j, (line, (x, _), y_new) in enumerate(zip(lines, ends, ys, strict=True)):
        at = to_data.transform((x + 12, y_new))
        ax.annotate(str(j + 1), (line.get_xdata()[-1], line.get_ydata()[-1]), xytext=at,
                    textcoords="data", ha="left", va="center", fontsize=NEURON_PT,
                    fontweight="bold", color=line.get_color(), annotation_clip=False,
                    gid="neuron-number",
                    arrowprops={"arrowstyle": "-", "color": line.get_color(), "lw": 1.0,
                                "shrinkA": 0, "shrinkB": 1})  # fmt: skip


def _hidden(run: nets.SymmetryRun) -> list[int]:
    return [w.shape[2] for w in run.weights[:-1]]


SMALL_TICKS = 13  # points: 18 px at 100 dpi, the small panels' numbers read on a slide
BAND_ROOM = 0.08  # of a band panel's span, free above and below the widest band


def batchnorm_figure(
    plain: nets.BatchNormRun,
    bn: nets.BatchNormRun,
    theme="light",
    size="16:9",
    layers=None,
    title=None,
):
    """Loss curves with and without batch norm, and the inputs to each nonlinearity over time.

    Left: mean training loss per epoch. Right, one row per hidden layer (1-based
    ``layers``, default all), against the same epochs: the 2-15-50-85-98th percentiles
    of the inputs to the layer's nonlinearity on a fixed probe batch over training,
    without BN (middle) and with BN (right), as in Ioffe & Szegedy's figure 1.

    >>> plain, bn = nets.batchnorm_pair(depth=2, width=8, epochs=2)
    >>> len(batchnorm_figure(plain, bn).axes)
    5
    """
    from matplotlib.colors import to_rgb
    from matplotlib.ticker import MaxNLocator

    depth = plain.quantiles.shape[1]
    chosen = _check_layers(layers, depth)
    with themed(theme):
        fig = _new_figure(size)
        grid = fig.add_gridspec(len(chosen), 3, width_ratios=(1.25, 1, 1))
        loss_ax = fig.add_subplot(grid[:, 0])
        dark = _is_dark(loss_ax)
        colors = (PALETTE[6], PALETTE[1] if dark else PALETTE[5])
        alphas = (0.3, 0.6) if dark else (0.2, 0.45)
        # told apart without colour too: solid with circles, dashed with squares
        dashes = ("-", (0, (5.0, 2.0)))
        marks = ("o", "s")
        for run, c, ls, mk in zip((plain, bn), colors, dashes, marks, strict=True):
            epochs = np.arange(1, len(run.loss) + 1)
            name = "with BN" if run.batchnorm else "without BN"
            label = f"{name} (accuracy {run.final_accuracy:.0%})"
            # the last epoch marked too, whole on the spine: the line ran into it unmarked
            every = max(1, len(epochs) // 10)
            marked = sorted({*range(0, len(epochs), every), len(epochs) - 1})
            loss_ax.plot(epochs, run.loss, color=c, lw=2.5, label=label, ls=ls, marker=mk, ms=7,
                         markevery=marked, clip_on=False)  # fmt: skip
        chance = np.log(3)
        # over the curves, as wide as a path: the plain net's loss lies on it and hid it
        loss_ax.axhline(chance, color="0.3", ls=(0, (4, 3)), lw=2, zorder=3, gid="chance")
        last = len(plain.loss)
        loss_ax.text(last, chance - 0.02, "chance", ha="right", va="top", fontsize=13, color="0.3")
        loss_ax.set_xlabel("epoch")
        loss_ax.set_xlim(0, last)  # the band panels' time axis, from the start
        loss_ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        loss_ax.set_ylabel("training loss (cross-entropy)")
        loss_ax.set_ylim(bottom=0)
        loss_ax.legend(loc="lower left")
        loss_ax.grid(True, alpha=0.6)
        loss_ax.set_title("loss")
        band_axes = []
        for row, layer in enumerate(chosen):
            axes = [fig.add_subplot(grid[row, 1 + i]) for i in range(2)]
            band_axes += axes
            for ax, run, c, ls in zip(axes, (plain, bn), colors, dashes, strict=True):
                q = run.quantiles[:, layer]
                x = record_epochs(run)  # the loss panel's axis: one time scale across the figure
                ax.fill_between(x, q[:, 0], q[:, 4], color=c, alpha=alphas[0], lw=0)
                ax.fill_between(x, q[:, 1], q[:, 3], color=c, alpha=alphas[1], lw=0)
                # darker than its bands: a magenta median on its magenta band was lost
                deep = tuple(0.5 * np.array(to_rgb(c)))
                ax.plot(x, q[:, 2], color=deep, lw=2.4, ls=ls, gid="median")
                ax.grid(True, alpha=0.6)
                ax.set_axisbelow(True)  # the grid under the bands, not white lines over them
                ax.tick_params(labelsize=SMALL_TICKS)
                ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
                if row == 0:
                    ax.set_title("without BN" if not run.batchnorm else "with BN")
                if row < len(chosen) - 1:
                    ax.set_xticklabels([])
                elif run.batchnorm:
                    ax.set_xlabel("epoch")
                else:  # what the bands are, once, under them
                    ax.set_xlabel(f"epoch\ninputs to each {run.activation}: median line,\n"
                                  "middle 70% and 96% bands", fontsize=13)  # fmt: skip
            axes[0].set_ylabel(f"layer {layer + 1}", fontsize=SMALL_TICKS)
        # one range for every layer: ±3 beside ±2 in one column compared nothing
        low = min(ax.get_ylim()[0] for ax in band_axes)
        high = max(ax.get_ylim()[1] for ax in band_axes)
        room = BAND_ROOM * (high - low)  # no band touches its panel's top or foot
        for ax in band_axes:
            ax.set_ylim(low - room, high + room)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))  # −2, 0, 2
        head = title or (
            f"batch normalization: {depth}-layer {plain.activation} net, 3-class spiral, "
            "same init and SGD"
        )
        fig.suptitle(head, fontsize=17)  # one line: what the bands are is under them
        fig.tight_layout()
    return fig


def record_epochs(run) -> np.ndarray:
    """When ``run``'s inputs were recorded, in epochs (its loss is one value per epoch):
    every epoch takes the same number of steps, the last record is at the last step.

    >>> from types import SimpleNamespace
    >>> record_epochs(SimpleNamespace(record_steps=np.array([0, 6, 12, 60]), loss=np.ones(5)))
    array([0. , 0.5, 1. , 5. ])
    """
    steps = np.asarray(run.record_steps, float)
    return steps * len(run.loss) / max(steps[-1], 1.0)
