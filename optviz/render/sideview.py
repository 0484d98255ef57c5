"""The side view of a curve: each optimizer a ball rolling on ``f(x)``, as in the notes.

The curve is drawn in profile over a light ground. Each optimizer is a ball that sits
*on* the curve, tangent to it on the page whatever the axes' scales (:mod:`.rolling`
places it), with a spoke that turns by the distance it has rolled. Past positions stay
on the curve as dots that fade with age; a step long enough to jump is an arc from
point to point (the notes' bouncing steps), and the ball flies along it. With
``glyphs=True`` an arrow along the curve shows the ball's velocity (minus the momentum
buffer, or Adam's first moment; the race must keep its state).

Several optimizers get one panel each, side by side with the same axes (small
multiples): balls that start together would hide each other on one curve, offsets
would lift them off the curve (the one thing the picture must not do), and with shared
axes the eye still compares where each one is. One optimizer gets the whole frame.

This module lays the view out: the panels, the curve over its ground, its landmarks and
the key. A still (:func:`plot_side`, :mod:`.sidestill`) shows the motion as a strobe:
translucent balls at a few steps spread by how far the balls move, numbered by step,
over the dots and arcs of the whole run. An animation is drawn by :class:`SideEngine`
(:mod:`.sideanim`) with the frame engine's clock, counter, palette and writers
(:mod:`.animate`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import curveballs, paths, plots, rolling, style
from .line_ends import text_color

EDGE_ROOM = 0.05  # of the domain's width, the curve drawn past each end: room for a ball
MAX_NUMBERED = curveballs.NUMBERED  # starts a panel numbers (more: smaller balls, unnumbered)
PANEL_ASPECT = 1.5  # the width/height a profile reads best at, for choosing the grid
GROUND = {"light": "#ece8df", "dark": "#2a2f38"}
CURVE = {"light": "#3d3d3d", "dark": "#d8d8d8"}
# the curve's ink when a run's colour is close to it (RMSprop's near-black on the light
# theme, its light grey on the dark one): a mid grey its trail, dots and arcs stand out on
CURVE_ALT = {"light": "#8a8275", "dark": "#7d8594"}
CURVE_APART = 100.0  # the least RGB distance (0-255 a channel) between the curve and a run
# a landmark over the trail and the dots, under the balls: a ball resting on it shows
# where it rests, the star's points ringing it as on a map
LANDMARK_ZORDER = 5.5


VIEWS = ("side", "contour", "panels")  # a curve's race: from the side, whatever it is called


def check_curve(race, kind: str) -> None:
    """Refuse a view a curve does not have, in one line."""
    from ..util.errors import ParameterError, unknown

    if kind not in (*VIEWS, "3d"):
        raise unknown("plot kind", kind, VIEWS)
    if kind == "3d":
        raise ParameterError(
            f"'{race.surface.name}' is a curve f(x): it has no 3-D view; its race is drawn "
            "from the side (leave out --3d)"
        )


# ----------------------------------------------------------------------------- the figure
def side_layout(race, loss: bool, size, dpi: float, theme: str, title):
    """The side view without its balls: ``(fig, panels, loss_ax)``, one profile panel
    per optimizer (sharing their axes) and a loss panel when ``loss``."""
    fig = plots.new_figure(size, dpi)
    n = len(race.trajectories)
    rows, cols = grid_shape(n, fig.get_size_inches(), loss)
    outer = fig.add_gridspec(1, 2 if loss else 1, width_ratios=[2.2, 1] if loss else None)
    inner = outer[0].subgridspec(rows, cols)
    panels: list = []
    curve = curve_ink(theme, paths.run_colors(race.trajectories))
    for i, traj in enumerate(race.trajectories):
        share = {"sharex": panels[0], "sharey": panels[0]} if panels else {}
        ax = fig.add_subplot(inner[i // cols, i % cols], **share)
        draw_curve(ax, race.surface, theme, landmarks=True, ink=curve)
        if n > 1:
            ink = text_color(paths.run_colors(race.trajectories)[i], fig.get_facecolor())
            ax.set_title(paths.readable(traj), color=ink, fontweight="bold")
        if i % cols:
            ax.set_ylabel("")
            ax.tick_params(labelleft=False)
        if i // cols < rows - 1 and i + cols < n:
            ax.set_xlabel("")
        panels.append(ax)
    loss_ax = None
    if loss:
        from .losses import setup_loss_axes

        loss_ax = fig.add_subplot(outer[1])
        setup_loss_axes(loss_ax, race.trajectories, theme=theme)
    heading = race.surface.title or race.surface.name if title is None else title
    if n == 1 and title is None:
        heading = f"{heading}\n{paths.readable(race.trajectories[0])}"
    starts = starts_line(race)
    if starts:
        heading = f"{heading}\n{starts}"
    fig.suptitle(heading)
    fig.get_layout_engine().set(wspace=0.06)  # the x labels of panels side by side apart
    landmark_legend(fig, panels[0])
    return fig, panels, loss_ax


def starts_line(race) -> str:
    """What the numbered balls of a race with several starts are ("ball 1 starts at
    x = 0, ball 2 at x = 0.02"); empty for one start (or too many to number)."""
    x0 = np.asarray(race.trajectories[0].xy, float)[0].reshape(-1)
    if not 1 < len(x0) <= MAX_NUMBERED:
        return ""
    at = [f"ball {i + 1} at x = {x:.3g}" for i, x in enumerate(x0)]
    return at[0].replace(" at ", " starts at ", 1) + ", " + ", ".join(at[1:])


def grid_shape(n: int, inches, loss: bool) -> tuple[int, int]:
    """Rows and columns for ``n`` profile panels: the largest panels of about
    ``PANEL_ASPECT``, an empty cell costing a quarter of a panel's size (a slide with a
    hole in it reads as unfinished).

    >>> [grid_shape(n, (12.8, 7.2), False) for n in (1, 2, 3, 4)]
    [(1, 1), (1, 2), (1, 3), (2, 2)]
    """
    w, h = inches
    w *= 2.2 / 3.2 if loss else 1.0  # the loss panel takes a share of the width

    def score(cols: int) -> float:
        rows = -(-n // cols)
        empty = rows * cols - n
        return min(w / cols / PANEL_ASPECT, h / rows) * (1 - 0.25 * empty)

    cols = max(range(1, n + 1), key=lambda c: (round(score(c), 6), -c))
    return -(-n // cols), cols


def curve_span(surface) -> tuple[float, float]:
    """The x a curve's panel spans: its domain and :data:`EDGE_ROOM` more on each side,
    so a ball at the domain's end stays whole in its panel.

    >>> import optviz as ov
    >>> curve_span(ov.Surface.from_expr("x**2", domain=(-1, 1)))
    (-1.1, 1.1)
    """
    lo, hi = (float(v) for v in surface.domain[0])
    pad = EDGE_ROOM * (hi - lo)
    return lo - pad, hi + pad


def curve_ink(theme: str, colors) -> str:
    """The colour the curve is drawn in: its theme's ink, or a mid grey when a run's
    colour is within :data:`CURVE_APART` of that ink, so the run's trail, dots and arcs
    do not vanish into the line they lie on.

    >>> curve_ink("light", ["#0077BB"]), curve_ink("light", ["#0077BB", "#222222"])
    ('#3d3d3d', '#8a8275')
    """
    from matplotlib.colors import to_rgb

    def apart(a, b) -> float:
        return 255 * float(np.linalg.norm(np.subtract(to_rgb(a), to_rgb(b))))

    near = any(apart(CURVE[theme], c) < CURVE_APART for c in colors)
    return CURVE_ALT[theme] if near else CURVE[theme]


def draw_curve(ax, surface, theme: str = "light", *, landmarks: bool = True,
               ink: str | None = None):  # fmt: skip
    """``surface``'s curve in profile on ``ax`` over a light ground (in ``ink``, the
    theme's by default), its landmarks marked on it; limits with room above for the
    balls. Returns ``ax``."""
    lo, hi = curve_span(surface)
    x = np.linspace(lo, hi, 800)
    with np.errstate(all="ignore"):
        fx = surface.f(x[:, None])
    bottom, top = curve_limits(surface)
    ax.fill_between(x, fx, bottom, color=GROUND[theme], lw=0, zorder=1)
    ax.plot(x, fx, color=ink or CURVE[theme], lw=rolling.CURVE_WIDTH, zorder=3, gid="curve",
            solid_capstyle="round", label="_nolegend_")  # fmt: skip
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom, top)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    if landmarks:
        mark_curve_landmarks(ax, surface)
    return ax


def curve_limits(surface) -> tuple[float, float]:
    """The f(x) a side view spans: the curve's range over its domain, a little ground
    under it and room above it for the balls and their arcs."""
    fx = surface.profile(800)[1]
    finite = fx[np.isfinite(fx)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = hi - lo or 1.0
    # above: a ball resting on the highest point (a plateau's start) with its callout's
    # ring stays clear of the frame's corner
    return lo - 0.2 * span, hi + 0.2 * span


def mark_curve_landmarks(ax, surface) -> list:
    """Minima, maxima and flat points marked on the curve, centred at ``(x*, f(x*))``:
    the point of the curve they name (hung under the curve, they read as points below it,
    at a lower f). A ball resting there covers the mark's middle, its points around it."""
    from ..catalog.critical import LANDMARK_KINDS, landmarks
    from .landmarks import landmark_style

    marks = landmarks(surface)
    drawn = []
    for kind in LANDMARK_KINDS:
        xs = [p.xy[0] for p in marks.of_kind(kind)]
        if not xs:
            continue
        kw = landmark_style(kind) | {"zorder": LANDMARK_ZORDER}
        with np.errstate(all="ignore"):
            ys = surface.f(np.array(xs)[:, None])
        (line,) = ax.plot(xs, ys, label=kind, **kw)
        line.set_gid("landmark")
        drawn.append(line)
    return drawn


def landmark_legend(fig, ax):
    """The landmarks' key in one row under the figure, at its right (the step counter
    keeps the left corner)."""
    marks = [line for line in ax.get_lines() if line.get_gid() == "landmark"]
    if not marks:
        return None
    labels = [line.get_label() for line in marks]
    return fig.legend(marks, labels, loc="outside lower right", ncol=len(marks))


def key_marks(fig, balls: list, theme: str) -> None:
    """Add the marks a still or animation draws beyond the landmarks to their key: "one
    step (a jump)" for the dashed arcs of long steps and "turned back" for the ticks
    under the curve where a swing turned, each when some ball draws it; the key keeps
    its lower right corner (the layout is final by now)."""
    from matplotlib.lines import Line2D

    ink = style.ink(theme)
    extra = []
    if any(b.roll.arcs for b in balls):
        dash = Line2D([], [], color=ink, lw=curveballs.ARC_WIDTH, ls=(0, (2.4, 1.6)))
        extra.append((dash, "one step (a jump)"))
    if any(len(t) for b in balls for t in b.turn_steps):
        tick = Line2D([], [], ls="none", marker="|", ms=12, mew=curveballs.TICK_WIDTH,
                      color=ink)  # fmt: skip
        extra.append((tick, "turned back"))
    if not extra:
        return
    handles, labels = [h for h, _ in extra], [t for _, t in extra]
    anchor = (0.995, 0.005)
    for old in list(fig.legends):
        handles = [*old.legend_handles, *handles]
        labels = [*(t.get_text() for t in old.get_texts()), *labels]
        box = old.get_window_extent(fig.canvas.get_renderer()).transformed(
            fig.transFigure.inverted()
        )
        anchor = (box.x1, box.y0)
        old.remove()
    fig.legend(handles, labels, loc="lower right", bbox_to_anchor=anchor, ncol=len(handles),
               borderaxespad=0.0)  # fmt: skip
    fig.canvas.draw()  # an animation's background is taken from the last draw


def run_styles(race) -> list:
    # one panel per run: no path shares a line with another (and a curve's 1-D paths have
    # no side to lay a lane on)
    return paths.path_styles(race.trajectories, one_map=False)


def side_on(race, ax=None, *, theme: str = "light"):
    """The race on one axes (``race.plot(ax=ax)`` of a curve): the curve, each run's
    positions as dots in its colour and marker, and where it ended; returns the axes."""
    style.check_theme(theme)
    with style.themed(theme):
        if ax is None:
            ax = plots.new_figure("small").add_subplot()
        trajs = plots._trajectories(race)
        draw_curve(ax, trajs[0].surface, theme)
        ink = style.ink(theme)
        for traj, ps in zip(trajs, paths.path_styles(trajs, one_map=False), strict=True):
            x = np.asarray(traj.xy, float)[..., 0]
            with np.errstate(all="ignore"):
                fx = traj.surface.f(x[..., None])
            ax.plot(x.ravel(), fx.ravel(), ls="none", marker=ps.marker, ms=4, color=ps.color,
                    alpha=0.5, zorder=4)  # fmt: skip
            ax.plot(np.ravel(x[-1]), np.ravel(fx[-1]), ls="none", marker=ps.marker, ms=11,
                    mfc=ps.color, mec=ink, mew=1.0, zorder=6,
                    label=paths.readable(traj))  # fmt: skip
        # the optimizers only: on one small Axes a longer key would cover the curve
        entries = [(h, t) for h, t in zip(*ax.get_legend_handles_labels(), strict=True)
                   if h.get_gid() != "landmark"]  # fmt: skip
        ax.legend(*zip(*entries, strict=True), loc="best", framealpha=0.9)
    return ax


def show_curve(surface, *, size: Any = "16:9", dpi: float = 100, theme: str = "light",
               title: str | None = None):  # fmt: skip
    """A curve alone: its profile with minima, maxima and flat points marked and named."""
    with style.themed(style.check_theme(theme)):
        fig = plots.new_figure(size, dpi)
        ax = fig.add_subplot()
        draw_curve(ax, surface, theme)
        fig.suptitle(surface.title or surface.name if title is None else title)
        landmark_legend(fig, ax)
    return fig
