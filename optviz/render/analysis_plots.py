"""Maps of a surface from :mod:`optviz.analysis.surveys`: basins and curvature.

Learning-rate sweeps are in :mod:`.sweepplots`, noise bands in :mod:`.bandplots`.
:func:`plot_curvature` takes ``ax=None``, draws on it and returns it; :func:`plot_basins`
builds a themed Figure on the Agg canvas and returns it. Optimizer ``i`` gets
:func:`optviz.render.style.color` ``(i)`` as everywhere else.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style
from .landmarks import mark_critical, mark_minima
from .paths import optimizer_name
from .plots import level_ylabel, new_figure

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


def _point(xy) -> str:
    """A point as a slide writes it, with true minus signs, as the axes do.

    >>> _point((-2.805, 3.131))
    '(−2.81, 3.13)'
    """
    return "({}, {})".format(*(f"{v + 0.0:.3g}".replace("-", "−") for v in xy))  # no "−0"


def place_names(points, domain) -> list[str]:
    """Each point named by where it lies in ``domain`` ("top left", "centre"), as a slide
    on maps without axes can say it; by its coordinates where two share a place.

    >>> place_names([(3, 2), (-2.8, 3.1), (-3.8, -3.3), (3.6, -1.9)], ((-5, 5), (-5, 5)))
    ['top right', 'top left', 'bottom left', 'bottom right']
    >>> place_names([(1, 1), (1.5, 1)], ((-5, 5), (-5, 5)))
    ['at (1, 1)', 'at (1.5, 1)']
    """
    (x0, x1), (y0, y1) = domain

    def third(v, lo, hi, words):
        return words[min(2, max(0, int(3 * (v - lo) / (hi - lo))))]

    names = []
    for x, y in points:
        row = third(y, y0, y1, ("bottom", "", "top"))
        col = third(x, x0, x1, ("left", "", "right"))
        names.append(" ".join(w for w in (row, col) if w) or "centre")
    if len(set(names)) < len(names):
        return [f"at {_point(p)}" for p in points]
    return names


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
        notes = [_outcome_note({v: np.mean(lab == v) for v in (-1, -2)}) for lab in labels]
        for i, (ax, lab, opt) in enumerate(zip(axes, labels, basins.optimizers, strict=False)):
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
            _fill_basins(ax, lab, table, (x0, x1, y0, y1))
            _hatch_basins(ax, lab, k, (x0, x1, y0, y1))
            if k:
                mark_minima(ax, basins.minima, size=16)
            ax.set_title(optimizer_name(opt), fontsize=17)
            # a note all panels share is said once, under the middle one
            once = len(set(notes)) == 1 and n_opt > 1
            if not once or i == min(n_opt, cols) // 2:
                note = f"{notes[i]}, in every panel" if once else notes[i]
                ax.text(0.5, -0.02, note, transform=ax.transAxes, ha="center", va="top",
                        fontsize=style.at_least(13))  # fmt: skip
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect(_filling_aspect(fig, rows, cols, x1 - x0, y1 - y0))
        for ax in axes[n_opt:]:
            ax.set_visible(False)
        # named by place: the maps have no axes to read coordinates from
        places = place_names(basins.minima, surface.domain) if k else []
        handles = [
            Patch(fc=c, hatch=h, ec="white", lw=0, label=f"{where} minimum")
            for c, h, where in zip(_minimum_colors(k), BASIN_HATCHES, places, strict=False)
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


def _fill_basins(ax, lab: np.ndarray, table: np.ndarray, extent: tuple) -> None:
    """Each outcome's region filled in its colour with smooth borders, over the grid's
    cells: a sliver a cell or two wide was a staircase of 160-cell pixels."""
    x0, x1, y0, y1 = extent
    ny, nx = lab.shape
    xs, ys = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    for v in np.unique(lab):
        ax.contourf(xs, ys, (lab == v).astype(float), levels=[0.5, 1.5],
                    colors=[tuple(table[v + 2])], antialiased=True)  # fmt: skip


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
        level_ylabel(ax, yname)
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
