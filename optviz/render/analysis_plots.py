"""Maps of a surface from :mod:`optviz.analysis.surveys`: basins, curvature, noise bands.

Learning-rate sweeps are in :mod:`.sweepplots`. :func:`plot_curvature` takes ``ax=None``,
draws on it and returns it; figure-level ones (:func:`plot_basins`, :func:`plot_bands`) build
a themed Figure on the Agg canvas and return it. Optimizer ``i`` gets
:func:`optviz.render.style.color` ``(i)`` as everywhere else.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .landmarks import mark_critical, mark_minima
from .losses import LOSS_FLOOR
from .paths import optimizer_name
from .plots import new_figure, plot_surface

# Basins: a color per minimum (the palette without its grey), then the two outcomes.
NOT_CONVERGED_COLOR = "#d4d4d4"
DIVERGED_COLOR = "#1b1b1b"
CURVATURE_COLORS = {
    "convex": "#56B4E9",  # sky blue: a bowl
    "concave": "#E69F00",  # orange: a dome
    "saddle": "#CC79A7",  # reddish purple: up one way, down the other
    "flat": "#e2e2e2",  # light grey: no curvature in some direction
}
# told apart without colour too (their greys are alike): a pattern per kind
CURVATURE_HATCHES = {"convex": "", "concave": "///", "saddle": "..", "flat": "\\\\"}
CURVATURE_WORDS = {  # the key says the shape, then how the surface bends there
    "convex": "bowl: curves up both ways",
    "concave": "dome: curves down both ways",
    "saddle": "saddle: up one way, down the other",
    "flat": "flat one way",
}


def _new_axes(ax, size, theme: str, dpi: float = 100):
    if ax is not None:
        return ax
    with style.themed(theme):
        return new_figure(size, dpi).add_subplot()


# basins touch each other: the four colors farthest apart (CIELAB) for normal vision and
# under simulated protanopia and deuteranopia come first (no orange beside brick red)
BASIN_COLORS = ("#E69F00", "#56B4E9", "#EE6677", "#AA3377", "#0077BB", "#009988", "#CC3311")
BASIN_HATCHES = ("", "//", "..", "\\\\", "xx", "oo", "--")  # a second cue for each basin


def _minimum_colors(k: int) -> list[str]:
    return [BASIN_COLORS[i % len(BASIN_COLORS)] for i in range(k)]


# -- basins ----------------------------------------------------------------------------------------
def plot_basins(
    basins,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
    contours: bool = True,
):
    """One panel per optimizer: every start colored by the minimum it reaches.

    >>> from optviz.analysis import basins
    >>> fig = plot_basins(basins("quadratic", ["gd:lr=0.1"], n=8, steps=20), dpi=40)
    >>> len(fig.axes)
    1
    """
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    style.check_theme(theme)
    surface, labels = basins.surface, basins.labels
    k = len(basins.minima)
    table = np.array(
        [to_rgb(DIVERGED_COLOR), to_rgb(NOT_CONVERGED_COLOR)]
        + [to_rgb(c) for c in _minimum_colors(k)]
    )
    (x0, x1), (y0, y1) = surface.domain
    n_opt = len(labels)
    with style.themed(theme):
        fig = new_figure(size, dpi)
        rows, cols = _panel_grid(n_opt, fig)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        if contours:
            X, Y, Z = surface.grid(200)
            from .plots import levels_of

            levs = levels_of(surface, Z, 14)
        for ax, lab, opt in zip(axes, labels, basins.optimizers, strict=False):
            ax.imshow(
                table[lab + 2],
                extent=(x0, x1, y0, y1),
                origin="lower",
                interpolation="nearest",
                aspect="auto",
            )
            if contours:
                ax.contour(
                    X,
                    Y,
                    np.where(np.isfinite(Z), Z, levs[-1]),
                    levels=levs,
                    colors="white",
                    linewidths=0.5,
                    alpha=0.45,
                )
            _hatch_basins(ax, lab, k, (x0, x1, y0, y1))
            if k:
                mark_minima(ax, basins.minima, size=16)
            share = {v: np.mean(lab == v) for v in (-1, -2)}
            ax.set_title(optimizer_name(opt), fontsize=17)
            ax.text(0.5, -0.02, _outcome_note(share), transform=ax.transAxes, ha="center",
                    va="top", fontsize=style.at_least(13))  # fmt: skip
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect(_filling_aspect(fig, rows, cols, x1 - x0, y1 - y0))
        for ax in axes[n_opt:]:
            ax.set_visible(False)
        handles = [
            Patch(fc=c, hatch=h, ec="white", lw=0, label=f"minimum at ({m[0]:.3g}, {m[1]:.3g})")
            for c, h, m in zip(_minimum_colors(k), BASIN_HATCHES, basins.minima, strict=False)
        ]
        # an outcome no start had is not in the key (its share is in each panel's note)
        if np.any(labels == -1):
            handles.append(
                Patch(color=NOT_CONVERGED_COLOR, label=f"not within {basins.radius:.2g} of one")
            )
        if np.any(labels == -2):
            handles.append(Patch(color=DIVERGED_COLOR, label="diverged"))
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncol=min(len(handles), 4),
            frameon=False,
            fontsize=style.at_least(13),
        )
        n = labels.shape[-1]
        fig.suptitle(
            title
            or f"Basins of attraction on {surface.title or surface.name}: {basins.steps} steps"
            f" from {n}×{n} starts"
        )
    return fig


def _outcome_note(share: dict) -> str:
    """Under a basin panel: how many starts did not end in a minimum."""
    if not share[-1] and not share[-2]:
        return "every start ends in a minimum"
    return f"not converged {share[-1]:.0%} · diverged {share[-2]:.0%}"


def _hatch_basins(ax, lab: np.ndarray, k: int, extent: tuple) -> None:
    """Hatch each minimum's basin in its own pattern over its colour: basins that touch
    differ in pattern too, for a reader who cannot tell the two colours apart."""
    _hatch_regions(ax, lab, BASIN_HATCHES[:k], extent)


def _hatch_regions(ax, lab: np.ndarray, hatches, extent: tuple) -> None:
    """Hatch the cells of ``lab`` equal to ``i`` with ``hatches[i]`` (white, over their
    colour; an empty pattern leaves a region plain)."""
    import matplotlib as mpl

    x0, x1, y0, y1 = extent
    ny, nx = lab.shape
    xs, ys = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    with mpl.rc_context({"hatch.color": "#ffffff", "hatch.linewidth": 1.0}):
        for i, hatch in enumerate(hatches):
            if hatch and np.any(lab == i):
                fill = ax.contourf(xs, ys, (lab == i).astype(float), levels=[0.5, 1.5],
                                   colors="none", hatches=[hatch])  # fmt: skip
                fill.set_edgecolor("#ffffff")
                fill.set_linewidth(0)


STRETCH = 1.15  # how far a map may stretch to fill its slot: a little, shapes stay true
HEADROOM_PX = 170  # at 100 dpi: the title, panel titles, notes and legend around the maps


def _filling_aspect(fig, rows: int, cols: int, dx: float, dy: float):
    """The aspect of a map in a ``rows`` x ``cols`` grid: true shape stretched at most
    ``STRETCH`` towards the shape of its slot (so a row of square maps under a 16:9
    title leaves no wide empty band), or ``"auto"`` for a very long domain."""
    if not 0.25 <= dx / dy <= 4:
        return "auto"
    width, height = fig.get_size_inches() * fig.dpi
    slot = (height - HEADROOM_PX * fig.dpi / 100) / rows / (width / cols)
    return float(np.clip(slot * dx / dy, 1 / STRETCH, STRETCH))


def _panel_grid(n: int, fig) -> tuple[int, int]:
    w, h = fig.get_size_inches()
    best = None
    for rows in range(1, n + 1):
        cols = -(-n // rows)
        side = min(w / cols, (h * 0.82) / rows)  # room for the title and the legend
        if best is None or side > best[0] + 1e-9:
            best = (side, rows, cols)
    return best[1], best[2]


# -- curvature -------------------------------------------------------------------------------------
def plot_curvature(
    curv,
    ax=None,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
    legend: bool = True,
):
    """The domain shaded by curvature kind, contour lines over it, critical points marked.

    >>> from optviz.analysis import curvature
    >>> ax = plot_curvature(curvature("saddle", n=20, critical=False), dpi=40)
    >>> ax.get_title()
    "Curvature of Saddle x² − y²: signs of the Hessian's eigenvalues"
    """
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    from ..analysis import CURVATURE_KINDS

    style.check_theme(theme)
    surface = curv.surface
    (x0, x1), (y0, y1) = surface.domain
    table = np.array([to_rgb(CURVATURE_COLORS[k]) for k in CURVATURE_KINDS])
    with style.themed(theme):
        ax = _new_axes(ax, size, theme, dpi)
        ax.imshow(
            table[curv.kind],
            extent=(x0, x1, y0, y1),
            origin="lower",
            interpolation="nearest",
            aspect="auto",
            alpha=0.85,
        )
        hatches = [CURVATURE_HATCHES.get(k, "") for k in CURVATURE_KINDS]
        _hatch_regions(ax, np.asarray(curv.kind), hatches, (x0, x1, y0, y1))
        X, Y, Z = surface.grid(200)
        from .plots import levels_of

        levs = levels_of(surface, Z, 12)  # fewer, all solid: a hint of the shape, no more
        ax.contour(
            X,
            Y,
            np.where(np.isfinite(Z), Z, levs[-1]),
            levels=levs,
            colors="#303030",
            linewidths=0.7,
            alpha=0.5,
            linestyles="solid",
        )
        shares = curv.fractions()
        percent = dict(zip(shares, whole_percents(list(shares.values())), strict=True))
        handles = [
            Patch(
                fc=CURVATURE_COLORS[k],
                hatch=CURVATURE_HATCHES.get(k, ""),
                ec="white",
                lw=0,
                label=f"{CURVATURE_WORDS.get(k, k)} {percent[k]}%",
            )
            for k, share in shares.items()
            if share >= 0.005  # a kind that is nowhere is not in the key
        ]
        mark_critical(ax, curv.critical, counts=True)
        handles += ax.get_legend_handles_labels()[0]
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        xname, yname = surface.view.axes
        ax.set_xlabel(xname)
        ax.set_ylabel(yname, rotation=0, labelpad=10)
        ax.set_aspect(_map_aspect(ax, (x1 - x0) / (y1 - y0), legend))
        if legend:  # under the map, in rows: the map keeps the frame's width
            ax.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.1),
                borderaxespad=0.0,
                frameon=False,
                ncols=3,
            )
        ax.set_title(
            title
            or f"Curvature of {surface.title or surface.name}: signs of the Hessian's eigenvalues"
        )
    return ax


def whole_percents(shares: list[float]) -> list[int]:
    """``shares`` (summing to 1) as whole percents that sum to 100: each rounded down,
    the points left over going to the largest remainders.

    >>> whole_percents([0.405, 0.125, 0.47]), whole_percents([1 / 3] * 3)
    ([41, 12, 47], [34, 33, 33])
    """
    exact = np.asarray(shares, float) * 100
    out = np.floor(exact).astype(int)
    left = int(round(exact.sum())) - int(out.sum())
    for i in np.argsort(-(exact - out), kind="stable")[: max(left, 0)]:
        out[i] += 1
    return [int(v) for v in out]


def _map_aspect(ax, shape: float, legend: bool):
    """``"equal"``, or ``"auto"`` where the map's true shape is within :data:`STRETCH` of
    the room it has (the figure less its title, labels and a legend at the side): a map
    that keeps its shape to the letter would leave bands of empty page above and below."""
    if not 0.25 <= shape <= 4:
        return "auto"
    w, h = ax.figure.get_size_inches()
    room = (w * 0.92) / (h * (0.7 if legend else 0.84))  # a key goes under the map
    return "auto" if 1 / STRETCH <= shape / room <= STRETCH else "equal"


# -- noise bands -----------------------------------------------------------------------------------
def plot_bands(
    bands,
    *,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
    color: int = 0,
):
    """Left: the seeds' paths on the contour and the noise-free path; right: the loss
    band (median and quantiles over the seeds) and the noise-free loss.

    >>> from optviz.analysis import bands
    >>> fig = plot_bands(bands("quadratic", "gd:lr=0.1", seeds=4, steps=10), dpi=40)
    >>> len(fig.axes)
    2
    """
    style.check_theme(theme)
    traj, ref = bands.trajectory, bands.reference
    surface = traj.surface
    c = style.color(color)
    ink = style.ink(theme)
    # log axis of f - f* where the minimum is known, of the loss where it stays positive,
    # else the loss on a symmetric-log axis (a surface unbounded below, like a saddle,
    # whose runs fall without end: a linear axis squashes every step before the fall)
    shift = surface.min_value or 0.0
    finite = np.concatenate([traj.loss.ravel(), ref.loss.ravel()])
    finite = finite[np.isfinite(finite)]
    log = surface.min_value is not None or bool(len(finite) and finite.min() > 0)
    floor = LOSS_FLOOR if log else -np.inf
    ylabel = "loss above the minimum" if surface.min_value is not None else "loss"
    # the noise the runs drew, not the one asked for (SGD's gradient noise is off
    # where the surface has data rows and mini-batches take its place)
    noise = traj.noise.applied(surface.n_samples > 0)
    plain = "full batch" if noise.batch else "without noise"
    with style.themed(theme):
        fig = new_figure(size, dpi)
        left, right = fig.subplots(1, 2, width_ratios=[1.25, 1.0])  # the map carries it
        plot_surface(surface, left, theme=theme, lines=True, critical=True)
        xy = traj.xy
        k = xy.shape[1]
        alpha = float(np.clip(16.0 / k, 0.45, 0.8))  # many paths, each still seen
        for i in range(k):
            left.plot(xy[:, i, 0], xy[:, i, 1], color=c, lw=2.2, alpha=alpha, zorder=3)
        left.set_title(f"{k} seeds · dashed, ending at ■: {plain}")
        _band_ends(left, traj, c, ink)
        left.plot(ref.xy[:, 0], ref.xy[:, 1], ls=(0, (3.0, 1.5)), color=ink, lw=2.4, zorder=4)
        # where the run without noise ends, over the seeds' end balls that hid it
        left.plot(*ref.xy[-1], "s", ms=10, mfc=ink, mec="white", mew=1.5, zorder=8.4,
                  gid="plain-end")  # fmt: skip
        left.plot(*ref.xy[0], "o", ms=11, mfc="white", mec="black", mew=1.5, zorder=5)
        _frame_the_action(left, np.concatenate([xy.reshape(-1, 2), ref.xy.reshape(-1, 2)]),
                          surface.domain)  # fmt: skip
        steps = np.arange(traj.steps + 1)
        med, lo, hi = (np.maximum(v - shift, floor) for v in bands.loss_band())
        ql, qh = bands.quantiles
        right.fill_between(
            steps, lo, hi, color=c, alpha=0.3, lw=0, label=f"{ql:.0%}–{qh:.0%} of {k} seeds"
        )
        right.plot(steps, med, color=c, lw=2.5, label="median")
        right.plot(steps, np.maximum(ref.loss - shift, floor), ls=(0, (3.0, 1.5)), color=ink,
                   lw=2.2, label=plain)  # fmt: skip
        if log:
            right.set_yscale("log")
            _decades(right)
        else:
            right.set_yscale("symlog", linthresh=1.0)
            _plain_numbers(right)
        right.set_xlabel("step")
        right.set_ylabel(ylabel)
        right.grid(True, alpha=0.5)
        right.legend(loc="best", framealpha=0.95)
        head = "loss: the seeds' median and spread"
        right.set_title(head if log else f"{head}\nno bottom: it falls below 0 without end")
        name = optimizer_name(traj.optimizer)
        fig.suptitle(title or f"{name}, {noise_words(noise)}, on {surface.title or surface.name}")
    return fig


def noise_words(noise) -> str:
    """The noise of a run as a title says it: ``gradient noise σ 0.3``, ``batches of 4``.

    >>> from optviz.engine.noise import Noise
    >>> noise_words(Noise.parse("grad=0.3")), noise_words(Noise.parse("batch=4,update=0.1"))
    ('gradient noise σ 0.3', 'update noise σ 0.1, batches of 4')
    """
    kinds = {"grad": "gradient noise", "update": "update noise", "input": "input noise"}
    parts = [
        f"{words} σ {getattr(noise, f):.3g}" for f, words in kinds.items() if getattr(noise, f)
    ]
    if noise.batch:
        parts.append(f"batches of {noise.batch}")
    if parts and noise.anneal:
        parts.append(f"shrinking as 1/t^{noise.anneal:g}")
    return ", ".join(parts) or "no noise"


def _frame_the_action(ax, pts: np.ndarray, domain, pad: float = 0.12) -> None:
    """Zoom ``ax`` (a map of ``domain``) to the square around the points ``pts`` when
    they span less than 70% of its side, so a fan of paths is not a strip in a corner; a run
    that left the domain keeps the whole map."""
    (x0, x1), (y0, y1) = domain
    pts = pts[np.isfinite(pts).all(axis=1)]
    inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
    if not len(pts) or not inside.all():
        return
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    side = max(hi - lo) * (1 + 2 * pad)
    if side >= 0.7 * min(x1 - x0, y1 - y0):
        return
    mid = (lo + hi) / 2
    cx = float(np.clip(mid[0], x0 + side / 2, x1 - side / 2))
    cy = float(np.clip(mid[1], y0 + side / 2, y1 - side / 2))
    ax.set_xlim(cx - side / 2, cx + side / 2)
    ax.set_ylim(cy - side / 2, cy + side / 2)


def _band_ends(ax, traj, color: str, ink: str) -> None:
    """Where each seed ends: a dot inside the map; a run that left it, an arrowhead on
    the edge where it went out, and how many did so."""
    xy = traj.xy[-1].reshape(-1, 2)
    div = np.atleast_1d(traj.diverged_at)
    if np.any(div >= 0):  # a diverged run: its last finite place
        xy = xy.copy()
        for i in np.flatnonzero(div >= 0):
            xy[i] = traj.xy[max(div[i] - 1, 0), i]
    (x0, x1), (y0, y1) = traj.surface.domain
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    # the ends are the lesson (where noise leaves the runs): above the minimum's star
    ax.plot(*xy[inside].T, "o", color=color, ms=7, mec="white", mew=0.9, zorder=7.0, alpha=0.85)
    out = xy[~inside & np.isfinite(xy).all(axis=1)]
    if not len(out):
        return
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.array([(x1 - x0) / 2, (y1 - y0) / 2])
    rel = (out - centre) / half
    # a marker's width inside the edge: whole, not cut by the axes' frame
    edge = centre + rel / np.abs(rel).max(axis=1, keepdims=True) * half * 0.95
    for (ex, ey), (rx, ry), n in exit_marks(edge, rel, 0.12 * float(half.min())):
        marker = (3, 0, np.degrees(np.arctan2(ry, rx)) - 90)  # a triangle pointing out
        ax.plot(ex, ey, marker=marker, ms=16, color=color, mec="white", mew=1.2, zorder=8.5)
        # the count beside its arrow, white on dark, over the balls: "33 of 40" is seen
        inward = -np.sign([rx, ry]) * (np.abs([rx, ry]) == np.abs([rx, ry]).max())
        ax.annotate(f"{n}", (ex, ey), xytext=(18 * inward[0] + 20 * (inward[0] == 0),
                    18 * inward[1]), textcoords="offset points", ha="center", va="center",
                    fontsize=14, fontweight="bold", color="white", zorder=9, gid="exit-count",
                    bbox={"boxstyle": "round,pad=0.25", "fc": "#1b1b1b", "ec": "white",
                          "lw": 1.0})  # fmt: skip
    # said under the map's title, not in a box over the paths' ends
    ax.set_title(f"{ax.get_title()}\n▲ at the edge: {len(out)} of {len(xy)} runs left the view")


def exit_marks(edge: np.ndarray, rel: np.ndarray, near: float) -> list:
    """The exits of runs that left the view, merged: exits on one side within ``near`` of
    each other become one mark at their mean place with their count (33 arrows stacked at
    one spot read as one).

    >>> e = np.array([[0.0, 1.9], [0.05, 1.9], [0.0, -1.9]]); r = e / 1.9
    >>> [(np.round(p, 3).tolist(), int(n)) for p, _, n in exit_marks(e, r, 0.2)]
    [([0.025, 1.9], 2), ([0.0, -1.9], 1)]
    """
    side = np.argmax(np.abs(rel), axis=1) * 2 + (
        rel[np.arange(len(rel)), np.argmax(np.abs(rel), axis=1)] > 0
    )
    marks = []
    for s in dict.fromkeys(side.tolist()):
        idx = np.flatnonzero(side == s)
        along = edge[idx, 1 - s // 2]  # the coordinate along that side
        order = idx[np.argsort(along)]
        group = [order[0]]
        for j in order[1:]:
            if abs(edge[j, 1 - s // 2] - edge[group[-1], 1 - s // 2]) > near:
                marks.append((edge[group].mean(axis=0), rel[group].mean(axis=0), len(group)))
                group = []
            group.append(j)
        marks.append((edge[group].mean(axis=0), rel[group].mean(axis=0), len(group)))
    return marks


def _plain_numbers(ax) -> None:
    """A symmetric-log axis labelled 1, 0, −1, −10, −100: not 10⁰, 0, −10⁰."""
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}".replace("-", "−")))


def _decades(ax) -> None:
    """A log axis labelled at its decades only, all in one format (10⁻², not 0.01)."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
    ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    ax.yaxis.set_minor_formatter(NullFormatter())
