"""Themes, sizes and the palette shared by every plot and animation.

The palette draws on Paul Tol's and Okabe & Ito's colorblind-safe sets and was chosen
so that its first six colors stay apart (CIELAB distance above 20) for normal vision
and under Machado, Oliveira & Fernandes' (2009) simulation of protanopia and
deuteranopia, with every color at a contrast ratio of at least 2.2 on the light and 2.8
on the dark background (no yellow: it vanishes on a projected white). A race gives
optimizer ``i`` the color ``palette[i]``, line style ``LINESTYLES[i]`` and marker
``MARKERS[i]`` in every plot, so color is never the only cue.

Type is sized for a room: at the 16:9 preset (1280×720 at 100 dpi) no text is under
16 px (12 pt) and titles are at least 22 px.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import numpy as np

from ..util.errors import ParameterError, unknown

PALETTE = (  # in an order where runs seen together do not share a hue, or differ in lightness:
    "#0077BB",  # blue
    "#E69F00",  # orange
    "#EE6677",  # rose
    "#56B4E9",  # sky blue: light beside the blue (rose beside brick red read as one red)
    "#CC3311",  # brick red
    "#AA3377",  # wine
    "#009988",  # teal
    "#999999",  # grey
)

# Line dash patterns (in line widths; None: solid) and ball markers, one per optimizer.
LINESTYLES = (None, (3.2, 1.4), (1.0, 1.3), (4.5, 1.4, 1.0, 1.4), (1.8, 1.8), (6.0, 2.0))
# The landmarks' shapes (a saddle's diamond, a maximum's triangle, a flat point's hexagon)
# come last: a ball of the same shape as the saddle it passed read as the saddle.
MARKERS = ("o", "s", "p", "v", "P", "D", "^", "h")

# Figure sizes in inches; with dpi=100 the 16:9 preset is 1280x720 pixels.
SIZES = {
    "16:9": (12.8, 7.2),
    "4:3": (9.6, 7.2),
    "square": (7.2, 7.2),
    "small": (6.4, 4.8),
}

THEMES = {
    "light": {
        "figure.facecolor": "#ffffff",
        "axes.facecolor": "#ffffff",
        "savefig.facecolor": "#ffffff",
        "axes.edgecolor": "#333333",
        "axes.labelcolor": "#222222",
        "text.color": "#222222",
        "xtick.color": "#333333",
        "ytick.color": "#333333",
        "legend.facecolor": "#ffffff",
        "legend.edgecolor": "#bbbbbb",
        "grid.color": "#dddddd",
    },
    "dark": {
        "figure.facecolor": "#15171c",
        "axes.facecolor": "#15171c",
        "savefig.facecolor": "#15171c",
        "axes.edgecolor": "#c8c8c8",
        "axes.labelcolor": "#e8e8e8",
        "text.color": "#e8e8e8",
        "xtick.color": "#c8c8c8",
        "ytick.color": "#c8c8c8",
        "legend.facecolor": "#23262e",
        "legend.edgecolor": "#555555",
        "grid.color": "#3a3d45",
    },
}

# Contour colormaps chosen so trajectories in PALETTE stay visible over them.
CMAPS = {"light": "Greys_r", "dark": "bone"}

COMMON_RC = {
    "font.size": 14,
    "axes.titlesize": 17,
    "axes.labelsize": 14,
    "xtick.labelsize": 12.5,
    "ytick.labelsize": 12.5,
    "legend.fontsize": 13,
    "legend.title_fontsize": 13,
    "figure.titlesize": 20,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
}


FONT_KEYS = (
    "font.size",
    "axes.titlesize",
    "axes.labelsize",
    "xtick.labelsize",
    "ytick.labelsize",
    "legend.fontsize",
    "legend.title_fontsize",
    "figure.titlesize",
)

# Presets: how a picture is made for a use. "slide": type a room reads from its back
# (at least 18 px at 1280×720), the set-up held 2 s to be read, the end 3 s to be talked over.
PRESETS = {"slide": {"type_px": 18.0, "hold_first": 2.0, "hold": 3.0}}
_TYPE_FLOOR = contextvars.ContextVar("optviz_type_floor", default=0.0)  # points


@contextlib.contextmanager
def type_floor(px: float) -> Iterator[None]:
    """Inside, no text is drawn under ``px`` pixels at the 16:9 preset (1280×720 at
    100 dpi; the same size in points at any other): :func:`themed` raises the theme's
    sizes, :func:`at_least` the sizes code chooses, :func:`raise_type` a figure's texts."""
    token = _TYPE_FLOOR.set(px * 72 / 100)
    try:
        yield
    finally:
        _TYPE_FLOOR.reset(token)


def at_least(points: float) -> float:
    """A font size in points, raised to the :func:`type_floor` in force."""
    return max(points, _TYPE_FLOOR.get())


def raise_type(fig) -> None:
    """Raise every text of ``fig`` under the :func:`type_floor` in force to it."""
    floor = _TYPE_FLOOR.get()
    if not floor:
        return
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)


def color(i: int) -> str:
    """Color of the ``i``-th optimizer of a race (cycles after 8)."""
    return PALETTE[i % len(PALETTE)]


def linestyle(i: int):
    """Line style of the ``i``-th optimizer: ``"-"`` or ``(0, dashes)``."""
    dashes = LINESTYLES[i % len(LINESTYLES)]
    return "-" if dashes is None else (0, dashes)


def marker(i: int) -> str:
    """Ball marker of the ``i``-th optimizer."""
    return MARKERS[i % len(MARKERS)]


def halo(theme: str) -> str:
    """The outline drawn under each path so that paths crossing it stay apart."""
    return "#ffffff" if not is_dark(theme) else THEMES["dark"]["axes.facecolor"]


def figsize(size: str | tuple[float, float]) -> tuple[float, float]:
    """Resolve a size preset name or a ``(width, height)`` in inches."""
    if isinstance(size, str):
        if size not in SIZES:
            raise unknown("size", size, SIZES)
        return SIZES[size]
    width, height = size
    if not (0 < width <= 40 and 0 < height <= 40):
        raise ParameterError(f"figure size {size!r} must be two numbers in (0, 40] inches")
    return float(width), float(height)


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise unknown("theme", theme, THEMES)
    return theme


@contextlib.contextmanager
def themed(theme: str = "light") -> Iterator[None]:
    """Context in which new matplotlib figures use ``theme``."""
    import matplotlib as mpl

    rc = {**COMMON_RC, **THEMES[check_theme(theme)]}
    rc.update({key: at_least(rc[key]) for key in FONT_KEYS})
    with mpl.rc_context(rc):
        yield


def is_dark(theme: str) -> bool:
    return check_theme(theme) == "dark"


def ink(theme: str) -> str:
    """The theme's foreground color (text, marker edges)."""
    return "#f2f2f2" if is_dark(theme) else "#1a1a1a"


def contour_line(theme: str) -> str:
    """Color of the thin contour lines drawn over the filled contours."""
    return "#000000" if is_dark(theme) else "#ffffff"


# The part of each colormap used for filled contours: the light theme keeps the deepest
# grey light enough for dark paths, the dark theme keeps the highest ground dark enough
# for bright ones.
CMAP_RANGE = {"light": (0.22, 0.98), "dark": (0.0, 0.5)}


# 3-D surfaces: muted, low ground light (where the paths run), high ground a soft slate
CMAP3D = {
    "light": ("#f1ede3", "#cfd3c8", "#8e9baa"),
    "dark": ("#5b636e", "#3a424d", "#20262e"),
}


def cmap3d(theme: str = "light"):
    """The muted colormap of 3-D surfaces (shaded by a light source when drawn)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(f"optviz-3d-{theme}", CMAP3D[check_theme(theme)])


def cmap(theme: str = "light"):
    """The contour colormap of ``theme``, trimmed so every PALETTE color stays visible."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    lo, hi = CMAP_RANGE[check_theme(theme)]
    base = colormaps[CMAPS[theme]]
    return ListedColormap(base(np.linspace(lo, hi, 256)), name=f"optviz-{theme}")
