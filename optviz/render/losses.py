"""Loss panels: the axis and the curves on it (:func:`optviz.render.loss_plot.plot_loss`
draws them; the notes at the ends of curves that leave the panel are in
:mod:`optviz.render.loss_notes`).

``f − f*`` is drawn on a log axis where the surface's minimum is known. Two things on
such an axis are not results and are drawn as what they are: the numerical floor
(differences at or below ``LOSS_FLOOR`` relative to the loss's size are rounding, so a
curve that reaches it ends there, on a labelled grey band) and divergence (the curve
ends at the step the run blew up, with an arrow up and ``diverged at step k``, instead
of a flat line at the frozen value that reads as "stuck").
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import style
from .loss_means import (  # noqa: F401  (what saws and how it is averaged, named here too)
    MEAN_STEPS,
    RAW_STYLE,
    mean_window,
    oscillates,
    running_mean,
    turn_share,
)

LOSS_FLOOR = 1e-16  # f − f* below this, relative to max(1, |f*|), is rounding
FLOOR_LABEL = "numerical floor"
ABOVE_MIN = "loss above the minimum"  # f − f*, said in words
ABOVE_LOW = "loss above the map's lowest"  # f − min f over the domain, where f* is unknown
SPAN_FOR_LOG = 10.0  # a loss (above the map's lowest) spanning over a decade goes on a log axis
MARGIN = 0.06  # room above and below the curves on a log axis, as a share of its decades
HEADROOM = 10.0  # at most this factor (log) of room above the curves, for a legend
DIVERGED_RISE = 26  # points: how far the arrow of a diverged run points up
FLOOR_ROOM = 9.0  # the band under the floor spans this factor: room for its label (< a decade)


X_LABELS = {"steps": "step", "evals": "evaluations"}
"""What a loss panel counts along its horizontal axis, and how it is labelled."""


def loss_x(loss) -> str:
    """The horizontal axis a render's ``loss`` option asks for: ``"evals"`` counts
    loss-and-gradient evaluations (a line search's trials too), anything else steps."""
    return "evals" if loss == "evals" else "steps"


def x_values(traj, x: str = "steps") -> np.ndarray:
    """Where each of ``traj``'s losses sits along the panel, shaped like ``traj.loss``:
    its step, or the evaluations used to reach it (:attr:`Trajectory.evals`)."""
    if x == "evals":
        return np.asarray(traj.evals, float)
    steps = np.arange(len(traj.loss), dtype=float)
    return np.broadcast_to(steps.reshape(-1, *[1] * (np.ndim(traj.loss) - 1)), np.shape(traj.loss))


class LossAxis(NamedTuple):
    """How to draw losses: subtract ``shift``, label ``name``, log scale or not, and the
    numerical ``floor`` of a log axis."""

    shift: float
    name: str
    log: bool
    floor: float = LOSS_FLOOR
    ceiling: float = np.inf


def loss_axis(trajectories) -> LossAxis:
    """``f − f*`` on a log axis where the minimum is known; the raw loss on a log axis
    while it stays positive; otherwise (a surface unbounded below, or negative losses)
    the raw loss on a linear axis, since a log axis would invent a floor.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd"], steps=2)
    >>> loss_axis(r.trajectories)
    LossAxis(shift=0.0, name='loss above the minimum', log=True, floor=1e-16, ceiling=400.0)
    """
    surface = trajectories[0].surface
    if surface.min_value is not None:
        shift = surface.min_value
        floor = LOSS_FLOOR * max(1.0, abs(shift))
        return LossAxis(shift, ABOVE_MIN, True, floor, ceiling(trajectories, shift))
    lows = [np.nanmin(np.where(np.isfinite(t.loss), t.loss, np.nan)) for t in trajectories]
    low = np.nanmin(lows) if np.isfinite(lows).any() else 0.0
    log = bool(low > 0)
    if not log:  # unbounded below (a furrow's slope): above the map's lowest, if it spans
        shift = _domain_low(surface)  # decades (a ratio of speeds shows only on a log axis)
        highs = [np.nanmax(np.where(np.isfinite(t.loss), t.loss, np.nan)) for t in trajectories]
        if shift < low and (np.nanmax(highs) - shift) > SPAN_FOR_LOG * (low - shift):
            floor = LOSS_FLOOR * max(1.0, abs(shift))
            return LossAxis(shift, ABOVE_LOW, True, floor, ceiling(trajectories, shift))
    return LossAxis(0.0, "loss", log, ceiling=ceiling(trajectories, 0.0) if log else np.inf)


def _domain_low(surface, n: int = 121) -> float:
    """The lowest loss on an ``n`` x ``n`` grid over ``surface``'s 2-D domain (``-inf``
    for any other)."""
    dom = np.asarray(surface.domain, float)
    if dom.shape != (2, 2):
        return -np.inf
    xs, ys = (np.linspace(lo, hi, n) for lo, hi in dom)
    z = np.asarray(surface.f(np.stack(np.meshgrid(xs, ys), axis=-1)), float)
    z = z[np.isfinite(z)]
    return float(z.min()) if len(z) else -np.inf


CEILING = 100.0  # a log loss axis reaches this factor over the highest starting loss


def ceiling(trajectories, shift: float) -> float:
    """Where a log loss axis stops: :data:`CEILING` times the highest starting loss (a
    run that blows up climbs a decade a step; drawn to the end it squeezes every other
    curve into a flat line), ``inf`` where no start is known."""
    starts = [
        np.ravel(np.asarray(t.loss, float))[: np.size(t.loss[0])] - shift for t in trajectories
    ]
    starts = np.concatenate(starts)
    starts = starts[np.isfinite(starts) & (starts > 0)]
    return float(CEILING * starts.max()) if len(starts) else np.inf


def loss_curve(traj, shift: float, log: bool, floor: float = LOSS_FLOOR,
               ceiling: float = np.inf) -> np.ndarray:  # fmt: skip
    """The plotted loss, ``(steps + 1,)`` or ``(steps + 1, n)``: shifted; non-finite
    values and every step after a divergence dropped (NaN); on a log axis a stretch at
    or below ``floor`` is drawn as one point on the floor, where the curve enters it,
    and a curve that rises past ``ceiling`` ends there (marked by
    :func:`.loss_notes.diverged_note`).

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.5"], start=(1.0, 1.0), steps=3)  # exact in 1 step
    >>> loss_curve(r.trajectories[0], 0.0, True).tolist()
    [2.0, 1e-16, nan, nan]
    """
    y = np.asarray(traj.loss, float) - shift
    y = np.where(np.isfinite(y), y, np.nan)
    div = np.atleast_1d(traj.diverged_at)
    last = np.where(div >= 0, div, len(y)).reshape(y.shape[1:])  # () or (n,)
    steps = np.arange(len(y)).reshape(-1, *([1] * (y.ndim - 1)))
    y = np.where(steps > last, np.nan, y)
    if not log:
        return y
    over = np.nan_to_num(y, nan=-np.inf) > ceiling
    was = np.concatenate([np.zeros_like(over[:1]), np.cumsum(over, axis=0)[:-1] > 0])
    y = np.where(was, np.nan, np.where(over, ceiling, y))
    under = y <= floor
    before = np.concatenate([np.zeros_like(under[:1]), under[:-1]])
    return np.where(under, np.where(before, np.nan, floor), y)


# ----------------------------------------------------------------------------- noise
def mean_note(trajs, axis: LossAxis) -> str:
    """What the thick lines of noisy runs are (see :func:`mean_window`), in plain words;
    ``""`` when none is averaged."""
    windows = {mean_window(t, loss_curve(t, axis.shift, axis.log, axis.floor, axis.ceiling))
               for t in trajs}  # fmt: skip
    windows.discard(0)
    return f"thick: average of the last {max(windows)} steps" if windows else ""


def label_axes(ax, trajs, axis: LossAxis, x: str = "steps") -> None:
    """The loss axes' labels: what each axis shows in a few words (on two lines where
    the panel is too short for one) and, when noisy runs are averaged, what their thick
    lines are: beside the step label on a wide panel, over a tall one as its title."""
    import matplotlib as mpl

    note = mean_note(trajs, axis)
    width, height = ax.get_position().size * ax.figure.get_size_inches() * 72
    wide = width > height
    ax.set_xlabel(f"{X_LABELS[x]}    ({note})" if note and wide else X_LABELS[x])
    if note and not wide:  # a title no wider than the panel: a narrow one takes two lines
        size = mpl.rcParams["font.size"]
        ax.set_title(note if len(note) * 0.55 * size <= width else _two_lines(note), loc="left",
                     fontsize=size)  # fmt: skip
    name = axis.name
    if len(name) * 0.55 * mpl.rcParams["font.size"] > 0.95 * height:  # too long for one line
        name = _two_lines(name)
    ax.set_ylabel(name)


def _two_lines(text: str) -> str:
    """``text`` broken at the space nearest its middle.

    >>> _two_lines("loss above the minimum")
    'loss above\\nthe minimum'
    """
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "\n" + text[cut + 1 :]


def loss_limits(ax, trajs, axis: LossAxis) -> None:
    """y limits that fit the curves: a little room around them, no empty decades; room
    under the floor for its band when a curve reaches it, and above the curves for the
    arrow of a diverged run."""
    ys = _curve_values(trajs, axis)
    if not len(ys):
        return
    rise = any(not t.batched and np.atleast_1d(t.diverged_at)[0] >= 0 for t in trajs)
    rise = rise or bool(ys.max() >= axis.ceiling)  # a curve cut at the ceiling: its arrow
    if axis.log:
        lo, hi = ys.min(), max(ys.max(), ys.min() * 10)
        room = max(1.6, (hi / lo) ** MARGIN)  # a flat curve at the top is off its edge
        bottom = axis.floor / FLOOR_ROOM if lo <= axis.floor else lo / room
        top = hi * room
        if rise:  # the arrow and its text inside the axes, over the highest curve
            top = max(top, hi * (hi / bottom) ** _stretch(_note_room(ax, _cut_room(trajs, axis))))
        ax.set_ylim(bottom, top)
    else:
        lo, hi = ys.min(), max(ys.max(), ys.min() + 1e-12)
        pad = 0.05 * (hi - lo)
        top = hi + pad
        if rise:
            top = max(top, hi + (hi - lo + pad) * _stretch(_note_room(ax)))
        ax.set_ylim(lo - pad, top)


def _cut_room(trajs, axis: LossAxis) -> str:
    """How the notes of curves cut at the ceiling sit: ``"beside"`` where every such
    curve ends before :data:`CUT_BESIDE` of the panel (the note at its level, to its
    right), ``"over"`` where some ends later, ``""`` where none is cut (an arrow)."""
    places = []
    for t in trajs:
        y = loss_curve(t, axis.shift, axis.log, axis.floor, axis.ceiling)
        hit = np.flatnonzero(np.ravel(y) >= axis.ceiling)
        places += [h / max(np.size(y) - 1, 1) for h in hit]
    if not places:
        return ""
    return "beside" if max(places) < CUT_BESIDE else "over"


CUT_BESIDE = 0.55  # a curve cut before this share of the panel has its note beside its end
CUT_RISE = 3.0  # points: the note over a curve cut at the ceiling sits this far above it


def _note_room(ax, cut: str = "") -> float:
    """The fraction of ``ax``'s height that a diverged run's arrow and the text at its
    head take (so they stay inside the axes, off other axes' labels); at most half."""
    import matplotlib as mpl

    size = mpl.rcParams["font.size"]
    points = {"beside": 0.6 * size, "over": CUT_RISE + 4 + size}.get(cut, DIVERGED_RISE + size)
    tall = ax.get_position().height * ax.figure.get_size_inches()[1] * 72
    return min(0.5, points / max(tall, 1e-9))


def _stretch(f: float) -> float:
    """How much to add to a span so that the addition is the fraction ``f`` of the whole."""
    return f / (1 - f)


def _curve_values(trajs, axis: LossAxis) -> np.ndarray:
    """The values the axis fits: each curve as drawn bold (a sawing run's running mean:
    its faint raw spikes, a context, do not stretch the axis by decades)."""
    out = []
    for t in trajs:
        y = loss_curve(t, axis.shift, axis.log, axis.floor, axis.ceiling)
        window = 0 if t.batched else mean_window(t, y)
        out.append((running_mean(y, window) if window else y).ravel())
    ys = np.concatenate(out)
    return ys[np.isfinite(ys)]


def floored(trajs, axis: LossAxis) -> bool:
    """Whether some curve reaches the numerical floor."""
    if not axis.log:
        return False
    return any(np.any(np.asarray(t.loss, float) - axis.shift <= axis.floor) for t in trajs)


def floor_band(ax, axis: LossAxis, theme: str = "light", trajs=(), x: str = "steps"):
    """The numerical floor as a grey band from the bottom of the axes up to it, named
    in a bottom corner inside the axes (off the tick labels under it), the one no curve
    of ``trajs`` reaches the floor under (off the marks at their ends); once per axes.
    Returns the band."""
    for patch in ax.patches:
        if patch.get_gid() == FLOOR_LABEL:
            return patch
    grey = style.THEMES[style.check_theme(theme)]["grid.color"]
    band = ax.axhspan(axis.floor * 1e-6, axis.floor, color=grey, alpha=0.9, lw=0, zorder=0.5)
    band.set_label(FLOOR_LABEL)
    band.set_gid(FLOOR_LABEL)
    # on a box of the band's grey, over the grid lines that would cross its letters
    box = dict(fc=grey, ec="none", pad=1.0)
    side = _floor_label_side(ax, axis, trajs, x)
    ax.text(0.98 if side == "right" else 0.02, 0.02, FLOOR_LABEL, transform=ax.transAxes,
            ha=side, va="bottom", bbox=box, color=style.ink(theme), alpha=0.8, zorder=2.1,
            gid=FLOOR_LABEL)  # fmt: skip
    return band


def _floor_label_side(ax, axis: LossAxis, trajs, x: str) -> str:
    """``"right"``, or ``"left"`` when a curve reaches the floor under where the label
    would sit on the right (its head's mark would cover the text) and not on the left."""
    import matplotlib as mpl

    wide = ax.get_position().width * ax.figure.get_size_inches()[0] * 72
    label = min(0.5, (0.6 * len(FLOOR_LABEL) * mpl.rcParams["font.size"] + 24) / max(wide, 1))
    lo, hi = ax.get_xlim()
    at = []  # where curves first reach the floor, as fractions of the x range
    for t in trajs:
        y = (np.asarray(t.loss, float) - axis.shift).reshape(len(t.loss), -1)
        steps = np.broadcast_to(x_values(t, x).reshape(len(t.loss), -1), y.shape)
        for j in range(y.shape[1]):  # a curve ends (its head's mark) where it first does
            hit = np.flatnonzero(y[:, j] <= axis.floor)
            if len(hit):
                at.append((steps[hit[0], j] - lo) / max(hi - lo, 1e-12))
    at = np.asarray(at)
    if np.any(at >= 1 - label) and not np.any(at <= label):
        return "left"
    return "right"


def setup_loss_axes(
    ax, trajs, axis: LossAxis | None = None, theme: str = "light", x: str = "steps"
) -> None:
    """Scale, labels, grid, limits and the floor band of a loss axes for ``trajs``;
    ``x``: what the horizontal axis counts (:data:`X_LABELS`)."""
    axis = axis or loss_axis(trajs)
    ax.set_yscale("log" if axis.log else "linear")
    label_axes(ax, trajs, axis, x)
    ax.grid(True, which="major", lw=0.6)
    ax.set_xlim(0, max(max(float(np.max(x_values(t, x))) for t in trajs), 1))
    loss_limits(ax, trajs, axis)
    if axis.log:  # powers of ten only: never "1" beside "0.01" and "1e-06"
        from matplotlib.ticker import LogFormatterSciNotation, NullFormatter

        ax.set_ylim(*whole_decades(*ax.get_ylim()))
        ax.yaxis.set_major_locator(decade_locator())
        ax.yaxis.set_major_formatter(LogFormatterSciNotation())
        ax.yaxis.set_minor_formatter(NullFormatter())
    if floored(trajs, axis):
        floor_band(ax, axis, theme, trajs, x)
    room_for_heads(ax)


LEAST_TICKS = 3  # labelled powers of ten on a log loss axis, however short it is
MOST_TICKS = 6


def decade_ticks(lo: float, hi: float) -> np.ndarray:
    """Every k-th power of ten between ``lo`` and ``hi`` (multiples of k, so 1 is one
    where it is in range), k the least stride that keeps at most :data:`MOST_TICKS` of
    them: matplotlib's own locator keeps two labels on a short axis.

    >>> decade_ticks(1e-17, 30).tolist()
    [1e-16, 1e-12, 1e-08, 0.0001, 1.0]
    """
    first, last = int(np.ceil(np.log10(lo) - 1e-9)), int(np.floor(np.log10(hi) + 1e-9))
    stride = max(1, -(-max(last - first, 0) // (MOST_TICKS - 1)))
    start = -(-first // stride) * stride
    return 10.0 ** np.arange(start, last + 1, stride, dtype=float)


def whole_decades(lo: float, hi: float) -> tuple[float, float]:
    """``(lo, hi)`` widened out to powers of ten until :data:`LEAST_TICKS` of them are on
    the axis (a curve that falls one decade gets three labels, not one).

    >>> whole_decades(0.3, 8.0), whole_decades(1e-17, 30.0)
    ((0.1, 10.0), (1e-17, 30.0))
    """
    if len(decade_ticks(lo, hi)) >= LEAST_TICKS:
        return lo, hi
    first, last = np.floor(np.log10(lo) + 1e-9), np.ceil(np.log10(hi) - 1e-9)
    first = min(first, last - (LEAST_TICKS - 1))
    return float(10.0**first), float(10.0**last)


def decade_locator():
    """A locator of :func:`decade_ticks` at the axis's current limits."""
    from matplotlib.ticker import Locator

    class Decades(Locator):
        def __call__(self):
            return self.tick_values(*self.axis.get_view_interval())

        def tick_values(self, vmin, vmax):
            lo, hi = sorted((vmin, vmax))
            return decade_ticks(max(lo, 1e-300), max(hi, 1e-300))

    return Decades()


HEAD_ROOM = 12.0  # points: the widest mark drawn on a curve's end (a head's dot of 8, a tag)


def room_for_heads(ax) -> None:
    """Keep room in the layout for the marks on the curves' ends at the panel's right
    edge: an invisible mark of :data:`HEAD_ROOM` there, counted by the layout (the heads
    themselves are drawn over the edge, not clipped, but the figure's edge cuts them
    when the panel reaches it)."""
    from matplotlib.transforms import blended_transform_factory

    for line in ax.get_lines():
        if line.get_gid() == "room-for-heads":
            line.remove()
    where = blended_transform_factory(ax.transData, ax.transAxes)
    ax.plot([ax.get_xlim()[1]], [0.5], transform=where, ls="none", marker="s", ms=HEAD_ROOM,
            alpha=0.0, clip_on=False, gid="room-for-heads", label="_nolegend_")  # fmt: skip


CORNERS = {  # legend location: the (x0, y0, x1, y1) axes-fraction box it covers
    "upper right": (0.45, None, 1.0, 1.0),
    "lower left": (0.0, 0.0, 0.55, None),
    "lower right": (0.45, 0.0, 1.0, None),
    "upper left": (0.0, None, 0.55, 1.0),
}


def free_corner(ax, trajs, entries: int, x: str = "steps") -> str:
    """The legend corner of the loss axes that covers the fewest curve points; when
    every corner is busy, some headroom (never a whole extra decade) is added above."""
    tall = min(0.1 + 0.075 * entries, 0.6)
    pts = []
    for t in trajs:
        y = _shifted(ax, t)
        step = x_values(t, x).ravel()
        pts.append(ax.transLimits.transform(ax.transScale.transform(np.c_[step, y])))
    xy = np.concatenate(pts)
    xy = xy[np.isfinite(xy).all(axis=1)]

    def busy(box) -> int:
        x0, y0, x1, y1 = box
        y0 = 1 - tall if y0 is None else y0
        y1 = tall if y1 is None else y1
        return int(
            ((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)).sum()
        )

    counts = {loc: busy(box) for loc, box in CORNERS.items()}
    best = min(counts, key=lambda loc: (counts[loc], list(CORNERS).index(loc)))
    if counts[best] > 0.01 * len(xy):
        lo, hi = ax.get_ylim()
        if ax.get_yscale() == "log":
            top = max(hi, _curve_values(trajs, loss_axis(trajs)).max(initial=lo) * HEADROOM)
            ax.set_ylim(lo, min(lo * (hi / lo) ** (1 / (1 - tall)), top))
        else:
            ax.set_ylim(lo, lo + (hi - lo) / (1 - tall))
        return "upper right"
    return best


def _shifted(ax, traj) -> np.ndarray:
    log = ax.get_yscale() == "log"
    raw = ax.get_ylabel().replace("\n", " ") not in (ABOVE_MIN, ABOVE_LOW)  # the raw loss
    axis = LossAxis(0.0, "loss", log) if raw else loss_axis([traj])
    return loss_curve(traj, axis.shift, log, axis.floor, axis.ceiling).ravel()
