"""The glyphs' look and their key: each kind's line width and style, its colour and outline,
and the legend that says in words what each kind means.

The key stands beside a single map at the foot of the legend column, or inside the first
panel in the corner the runs keep out of; :func:`find_key` finds it again by its gid.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import geometry, style
from .layout import legend_column

KINDS = ("grad", "velocity", "box", "step", "sizes")
STYLE = {  # line width and style of each kind; the outline adds 2 points
    "grad": (2.2, (0, (2.4, 1.2))),
    "velocity": (3.6, "-"),
    "box": (2.0, "--"),
    "step": (2.6, ":"),
    "sizes": (1.8, "-."),
}
INKED = ("grad",)  # kinds drawn in the theme's ink on a light outline, not the optimizer's colour


def glyph_look(kind: str, color: str, theme: str) -> tuple[str, list]:
    """The colour and the path effects (outline) of a glyph of ``kind``."""
    from matplotlib import patheffects

    lw, _ = STYLE[kind]
    if kind in INKED:
        color, edge = style.ink(theme), style.halo(theme)
    else:
        edge = style.ink(theme)
    halo = lw + (3.2 if kind in INKED else 2)  # ink on a dark floor needs a wider light rim
    return color, [patheffects.withStroke(linewidth=halo, foreground=edge), patheffects.Normal()]


BOXES = ("box", "sizes")  # drawn as boxes centred on the ball (full side lengths)
NEUTRAL = "0.6"  # a key swatch standing for glyphs drawn in several runs' colours
KEY_GID = "glyph-key"
KEY_TITLE = "the next step"  # each kind to one scale (the docs say which): words, not units
STILL_KEY_TITLE = KEY_TITLE


def key_entries(raws: list[dict], sc, theme: str,
                colors: list[str] | None = None) -> tuple[list, list[str]]:  # fmt: skip
    """The glyph key's handles and labels: each kind drawn in the race, in words (its scale
    ``sc`` is the docs' business: a slide's audience reads what an arrow means)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    # a box's sides in words: "rate per axis" left the dashed box unexplained
    names = {"grad": "downhill (−gradient)", "velocity": "velocity",
             "box": "box sides: x and y rates", "step": "step taken",
             "sizes": "box sides: x and y step sizes"}  # fmt: skip
    handles, labels = [], []
    for kind in KINDS:
        owners = [i for i, raw in enumerate(raws) if kind in raw]
        if not owners:
            continue
        lw, ls = STYLE[kind]
        # one run's colour, or neutral grey when several runs draw it (not the first's)
        one = colors[owners[0]] if colors else style.color(owners[0])  # the runs' colours
        color = one if len(owners) == 1 else NEUTRAL
        color, outline = glyph_look(kind, color, theme)
        if kind in BOXES:  # a box in the key, so it is told from an arrow of its colour
            handles.append(Rectangle((0, 0), 1, 1, fill=False, ec=color, lw=lw, ls=ls,
                                     path_effects=outline))  # fmt: skip
        else:
            handles.append(Line2D([], [], color=color, lw=lw, ls=ls, path_effects=outline))
        labels.append(names[kind])
    return handles, labels


def add_key(layer, fig, panels: list, loss_ax) -> Any:
    """The glyph legend (kinds and scales) of ``layer``, placed by :func:`place_key`."""
    title = KEY_TITLE if layer.animated else STILL_KEY_TITLE
    return place_key(layer.key(), fig, panels, loss_ax, title, race=layer.race)


def place_key(entries: tuple[list, list[str]], fig, panels: list, loss_ax,
              title: str = KEY_TITLE, race: Any = None) -> Any:  # fmt: skip
    """The glyph legend: at the foot of the legend column beside a single map; with one
    panel per optimizer, or a loss panel over the legend column, inside the first panel in
    the corner the runs of ``race`` keep out of (a column beside maps stacked to the
    figure's height would only narrow them; under a loss panel the column has no room);
    otherwise (a loss panel) right of the figure, where it covers no curve and no path.
    In the column or a panel it is an extra artist of its axes, so a legend made before
    or after it does not replace it."""
    from matplotlib.legend import Legend

    handles, labels = entries
    if not handles:
        return None
    # 13 points: 18 px at 100 dpi (12 measured about 15 px tall on a slide)
    look = {"title": title, "framealpha": 0.95, "fontsize": 13, "title_fontsize": 13}
    column = legend_column(fig)
    inside = race is not None and panels and not geometry._is3d(panels[0])
    if column is not None and not (inside and loss_ax is not None):
        legend = Legend(column, handles, labels, loc="lower left", borderaxespad=0.0, **look)
        column.add_artist(legend)
        fit_key_column(fig)
    elif inside and (loss_ax is None or column is not None):
        legend = Legend(panels[0], handles, labels, loc=emptiest_corner(race), **look)
        legend.set_zorder(9)
        panels[0].add_artist(legend)
    else:
        legend = fig.legend(handles, labels, loc="outside right center", **look)
    legend.set_gid(KEY_GID)
    return legend


def emptiest_corner(race, share: float = 0.4) -> str:
    """The corner of the race's view (a ``share`` of its width and height) that holds the
    fewest positions of its runs: where a key hides nothing the picture shows."""
    (x0, x1), (y0, y1) = np.asarray(race.surface.domain, float).reshape(2, 2)
    pts = np.vstack([np.asarray(t.xy, float).reshape(-1, 2) for t in race.trajectories])
    pts = pts[np.isfinite(pts).all(axis=1)]
    u, v = (pts[:, 0] - x0) / (x1 - x0), (pts[:, 1] - y0) / (y1 - y0)
    corners = {"upper right": (u > 1 - share) & (v > 1 - share),
               "upper left": (u < share) & (v > 1 - share),
               "lower right": (u > 1 - share) & (v < share),
               "lower left": (u < share) & (v < share)}  # fmt: skip
    return min(corners, key=lambda c: int(np.count_nonzero(corners[c])))


def find_key(fig) -> Any:
    """The glyph key already in ``fig``, or None."""
    found = fig.findobj(lambda a: a.get_gid() == KEY_GID)
    return found[0] if found else None


def fit_key_column(fig) -> None:
    """Lay ``fig`` out with its legend column as wide as its widest legend (see
    :func:`optviz.render.layout.use_race_layout`)."""
    from .layout import use_race_layout

    use_race_layout(fig)
