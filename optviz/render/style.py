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

# Tick numbers on a slide-sized frame (7.2 in tall: 16:9 and 4:3): 18.75 px at 1280×720,
# digits 13.7 px tall (at 12.5 pt a room read them as 15 px); :func:`raise_type` holds
# every such figure's tick labels to it, small multiples too. A smaller frame (shown
# scaled up, or a thumbnail) keeps the theme's 12.5 pt: its ticks would run together.
TICK_PT, SMALL_TICK_PT = 13.5, 12.5
SLIDE_HEIGHT_IN = 7.2
# A log axis whose ticks need powers of ten writes them as 10 with a superscript, which
# mathtext draws at 0.7 of the label's size: at 15 pt it is 14.6 px (at 12.5, 12 px).
LOG_TICK_PT, SMALL_LOG_TICK_PT = 15.0, 14.0
# A log axis whose labelled ticks all lie in this range writes them as decimals (0.001,
# 100) at full size, the way a lecture says them; outside it, as powers of ten.
DECIMAL_RANGE = (1e-5, 1e5)

COMMON_RC = {
    "font.size": 14,
    "axes.titlesize": 17,
    "axes.labelsize": 14,
    "xtick.labelsize": SMALL_TICK_PT,
    "ytick.labelsize": SMALL_TICK_PT,
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
    """Raise every text of ``fig`` under the :func:`type_floor` in force to it, and its
    tick labels to :data:`TICK_PT` (:func:`readable_ticks`)."""
    readable_ticks(fig)
    floor = _TYPE_FLOOR.get()
    if not floor:
        return
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)


def readable_ticks(fig) -> None:
    """Tick labels a room reads, whatever size the figure's code gave them: at least
    :data:`TICK_PT` on a slide-sized frame, and every log axis written by one rule
    (:func:`log_formatter`): decimals when its labels all lie in :data:`DECIMAL_RANGE`,
    else powers of ten at :data:`LOG_TICK_PT` (their exponents are superscripts)."""
    slide = fig.get_figheight() >= SLIDE_HEIGHT_IN - 1e-6
    tick, log_tick = (TICK_PT, LOG_TICK_PT) if slide else (SMALL_TICK_PT, SMALL_LOG_TICK_PT)
    for ax in [*fig.axes, *(inset for host in fig.axes for inset in host.child_axes)]:
        for name in ("x", "y"):  # an inset's too: a colour bar's numbers as the axes' numbers
            axis = getattr(ax, f"{name}axis", None)
            if axis is None or getattr(ax, "name", "") == "3d":
                continue
            if axis.get_scale() == "log":
                one_log_style(axis)
            size = log_tick if _powers_of_ten(axis) else tick
            labels = [*axis.get_majorticklabels(), *axis.get_minorticklabels()]
            if any(label.get_fontsize() < size for label in labels):
                ax.tick_params(axis=name, which="both", labelsize=max(size, _largest(labels)))


def one_log_style(axis) -> None:
    """Write ``axis``'s (a log axis) major and minor labels by :func:`log_formatter`,
    keeping which ticks its formatters label."""
    for which in ("major", "minor"):
        inner = getattr(axis, f"get_{which}_formatter")()
        if not getattr(inner, "one_log_style", False):
            getattr(axis, f"set_{which}_formatter")(log_formatter(inner))


def _largest(labels) -> float:
    return max((label.get_fontsize() for label in labels), default=0.0)


def _powers_of_ten(axis) -> bool:
    """Whether ``axis`` draws labels with superscripts (mathtext powers)."""
    if axis.get_scale() != "log":
        return False
    lo, hi = sorted(axis.get_view_interval())
    locs = [v for v in axis.get_majorticklocs() if lo <= v <= hi]
    return any("^" in s for s in axis.get_major_formatter().format_ticks(locs))


def log_formatter(inner=None):
    """The one way a log axis is written: the ticks ``inner`` (any formatter; by default
    matplotlib's log formatter) labels, as decimals when every labelled tick of the axis
    (major and minor) lies in :data:`DECIMAL_RANGE`, else all as powers of ten
    (``10⁻⁴``, ``2×10⁻²``): never ``1e-3`` beside ``0.01``.

    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot(); ax.set_xscale("log"); _ = ax.set_xlim(1e-5, 20)
    >>> f = log_formatter(); f.set_axis(ax.xaxis)
    >>> f.format_ticks([1e-5, 1e-3, 1.0, 10.0])
    ['0.00001', '0.001', '1', '10']
    >>> _ = ax.set_xlim(1e-9, 1); [s.count("^") for s in f.format_ticks([1e-8, 1.0])]
    [1, 1]
    """
    from matplotlib.ticker import Formatter, LogFormatterSciNotation

    inner = LogFormatterSciNotation() if inner is None else inner

    class OneLogStyle(Formatter):
        one_log_style = True

        def __init__(self):
            self.inner = inner

        def set_axis(self, axis):
            super().set_axis(axis)
            self.inner.set_axis(axis)

        def set_locs(self, locs):
            self.inner.set_locs(locs)

        def format_ticks(self, values):
            labels = self.inner.format_ticks(values)
            decimal = _decimal_axis(self.axis, values, labels)
            write = _decimal if decimal else _power
            return [write(v) if s and v > 0 else "" for v, s in zip(values, labels, strict=True)]

        def __call__(self, x, pos=None):
            return self.format_ticks([x])[0]

    return OneLogStyle()


def _decimal_axis(axis, values, labels) -> bool:
    """Whether the labelled ticks in view, of ``values`` and of the axis's other tick
    kind (major or minor), all lie in :data:`DECIMAL_RANGE`."""
    lo, hi = sorted(axis.get_view_interval()) if axis else (-np.inf, np.inf)
    shown = [v for v, s in zip(values, labels, strict=True) if s and lo <= v <= hi]
    if axis is not None:  # the minor labels must agree with the major ones, and back
        for which in ("major", "minor"):
            formatter = getattr(axis, f"get_{which}_formatter")()
            inner = getattr(formatter, "inner", None)
            if inner is None:
                continue
            locs = [v for v in getattr(axis, f"get_{which}_locator")()() if lo <= v <= hi]
            shown += [v for v, s in zip(locs, inner.format_ticks(locs), strict=True) if s]
    return all(DECIMAL_RANGE[0] * 0.999 <= abs(v) <= DECIMAL_RANGE[1] * 1.001 for v in shown)


def _power(v: float) -> str:
    """``v`` as a power of ten in mathtext: 10⁻⁴, or 2×10⁻² between decades."""
    exponent = int(np.floor(np.log10(v) + 1e-9))
    mantissa = float(f"{v / 10.0**exponent:.3g}")
    power = f"10^{{{exponent}}}".replace("-", "\\minus ")
    if abs(mantissa - 1) < 1e-9:
        return f"$\\mathdefault{{{power}}}$"
    return f"$\\mathdefault{{{mantissa:g}\\times{power}}}$"


def _decimal(v: float) -> str:
    """``v`` written out (0.00005, 20), a minus sign as typeset."""
    text = np.format_float_positional(float(f"{v:.3g}"), trim="-")
    return text.replace("-", "\N{MINUS SIGN}")


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


def ball_edge(color, theme: str) -> str:
    """A ball's edge: the theme's ink, or its halo colour round a ball as dark as the ink
    (a near-black ball with a dark edge vanished on a map's dark minimum).

    >>> ball_edge("#0077BB", "light"), ball_edge("#222222", "light")
    ('#1a1a1a', '#ffffff')
    """
    from matplotlib.colors import to_rgb

    return halo(theme) if float(np.mean(to_rgb(color))) < 0.25 else ink(theme)


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
# for bright ones; the light theme's highest ground stays a pale grey, not the page's
# white (a map grown to fill its frame showed high ground that read as missing data).
CMAP_RANGE = {"light": (0.22, 0.85), "dark": (0.0, 0.5)}


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
