"""How each optimizer's path is drawn so that every path stays visible, and how it is named.

Shared by the still plots and the animations:

* every path gets its color, a line style and a ball marker, so color is never the only
  cue; they follow the optimizer (:func:`run_looks`): GD is the same blue in every race,
  and a figure that shows one optimizer several times (other settings) gives each run
  a hue of its own;
* a light outline (halo) runs under each path, so a path crossing another cuts a
  visible channel through it instead of merging with it;
* paths are stacked by their ink, then longest first: a dotted or dashed line, whose
  gaps let what is under it show, goes over a solid one (a solid zig-zag over a dotted
  path hid it where they cross); among lines alike, short or slow paths, which a long
  one would bury, are drawn on top;
* paths that share a line (one runs along another for a stretch, even at another
  speed) are drawn side by side along that stretch only, like the lines of a transit map
  (:mod:`.lanes`), a light channel between them: each shifted
  across the line by a few points, in its own width and dash pattern, so every colour
  and every dash shows there; off the shared stretch every path runs where it is;
* every ball is the same size, large enough to find from the back of a room; balls that
  share a spot are spread apart by :mod:`.balls`;
* every path is at least :data:`THINNEST` points wide and runs over its halo (a few
  starts of one optimizer too, each as wide as a single path); only a cloud of starts
  (more than :data:`CLOUD`) is drawn thinner and without halo, where halos would wipe
  one another out;
* where dashes fail (a scribble, a shared stretch), each run's marker along its path
  still tells it apart without colour (:mod:`.path_marks`);
* where a path goes over the same small area again and again (a run settled on a
  minimum, loops round it, or a zig-zag piling up), those later passes are drawn thin
  and faint (:func:`revisits`, :data:`FAINT_WIDTH`, :data:`FAINT_ALPHA`), under the
  target's fill: the first pass stays readable, and the star and ball it circles stay
  in sight instead of drowning in a solid blob of the path's colour;
* a path is drawn only inside the view (:func:`in_view`): where it leaves, its trail
  ends on the edge (the edge mark of :mod:`.balls` says where it went), so a diverging
  run does not paint a column along the edge with its jumps from side to side.

Labels people read: ``Adam (lr 0.1)``, ``Momentum (lr 0.001, μ 0.9)``; how a rate was
chosen (tuning) goes in a subtitle (:func:`chosen_note`), not in every label.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..engine.table import tuned_how
from ..util import symbols
from . import lanes, style

NAMES = {
    "gd": "GD",
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adam": "Adam",
    "adamw": "AdamW",
    "adamax": "Adamax",
    "amsgrad": "AMSGrad",
    "nadam": "NAdam",
    "radam": "RAdam",
    "adagrad": "Adagrad",
    "adadelta": "Adadelta",
    "rmsprop": "RMSprop",
    "lion": "Lion",
    "newton": "Newton",
    "rprop": "Rprop",
    "asgd": "ASGD",
    "lbfgs": "L-BFGS",
    "adafactor": "Adafactor",
    "muon": "Muon",
    "adan": "Adan",
    "ademamix": "AdEMAMix",
    "sophia": "Sophia",
    "schedulefree_sgd": "Schedule-Free SGD",
    "schedulefree_adamw": "Schedule-Free AdamW",
    "prodigy": "Prodigy",
    "sam": "SAM",
    "soap": "SOAP",
    "mars": "MARS",
}
SYMBOLS = symbols.SYMBOLS  # how a legend writes a hyperparameter: "μ 0.9"
LANE = 5.2  # points between the middles of two paths side by side: a line (2.6) and a light
# channel of 2.6 (3.6 px) between them, as the lines of a transit map; at 1 pt (3.6) the
# lanes read as one striped band from the back of a room
BALL = 10.0  # points: 14 px at 100 dpi, found from the back of a room
THINNEST = 2.2  # points: a line of 3 px at 100 dpi, the thinnest a projector shows well
CLOUD = 9  # more starts of one run than this make a cloud: thinner lines, no halo
CELL = 0.02  # domain spans (~13 px on a map): the area whose revisits are counted
REVISITS = 1  # visits a cell had before: a stretch there is a revisit (the second pass on)
FAINT_WIDTH = 1.8  # points (2.5 px): a revisit's line; at 1.5 faded it read as 1 px
FAINT_ALPHA = 0.55
FAINT_CASING = 1.2  # points: its thin halo, the whole width over the line's
FAINT_ZORDER = 4.8  # under every full path (5 and up) and a target's fill (4.9)


class PathStyle(NamedTuple):
    """How one optimizer's path, ball and legend entry look."""

    color: str
    linestyle: Any  # "-" or (offset, dashes)
    marker: str
    zorder: float
    ball_size: float
    halo: bool
    width: float = 1.0  # line width on the map, in plain widths
    lane: tuple | None = None  # per step: points across the line, where it shares one (Lanes)
    under: float | None = None  # the zorder of the lowest path it shares a line with
    faint: tuple | None = None  # per step: whether it revisits a dense area (:func:`revisits`)

    @property
    def map_linestyle(self) -> Any:
        """The line style on the map: the legend's, on shared stretches too."""
        return self.linestyle

    @property
    def shared(self) -> bool:
        """Whether the path shares a stretch with another (and is drawn beside it there)."""
        return self.lane is not None

    @property
    def halo_zorder(self) -> float:
        """Where its outline is drawn: under its own line and, where it shares a line,
        under the lines beside it too (an outline over them would cut into them)."""
        return min(self.zorder, self.zorder if self.under is None else self.under) - 0.05


# ----------------------------------------------------------------------------- styles
def path_styles(
    trajs, colors=None, ball: float = BALL, *, one_map: bool = True, full=(), view=None
) -> list[PathStyle]:
    """One :class:`PathStyle` per trajectory (see the module docs for the rules);
    ``one_map=False`` (one panel each) shares no line: no path covers another. The runs
    in ``full`` (their zig-zag is the lesson: :func:`zigzag_runs`) draw no revisit faint.
    ``view``: the map's box ``[[x0, x1], [y0, y1]]`` where it shows less than the domain
    (what shares a line is measured on the map as drawn).

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.05", "momentum:lr=0.05,momentum=0"],
    ...             start=(1.5, 1.0), steps=20)
    >>> [s.lane[5] for s in path_styles(r.trajectories)]  # one line: side by side, 5.2 pt apart
    [-2.6, 2.6]
    """
    n = len(trajs)
    looks = run_looks(trajs)
    spans = np.ptp(np.asarray(trajs[0].surface.domain, float), axis=1)
    paths = [_normalized(t, spans) for t in trajs]
    lengths = [_length(p) for p in paths]
    inks = [round(ink(look["linestyle"]), 1) for look in looks]
    order = sorted(range(n), key=lambda i: (-inks[i], -lengths[i], i))  # solid, long first
    depth = {i: rank for rank, i in enumerate(order)}
    if one_map and view is not None:  # shared lines as drawn: in spans of the view
        seen = np.ptp(np.asarray(view, float), axis=1)
        shifts, partners = lanes.lanes([_normalized(t, seen) for t in trajs], order, LANE)
    elif one_map:
        shifts, partners = lanes.lanes(paths, order, LANE)
    else:
        shifts, partners = {}, {}
    out = []
    for i in range(n):
        color = colors[i % len(colors)] if colors else looks[i]["color"]
        under = min((5.0 + 0.1 * depth[j] for j in partners.get(i, ())), default=None)
        out.append(
            PathStyle(
                color=color,
                linestyle=looks[i]["linestyle"],
                marker=looks[i]["marker"],
                zorder=5.0 + 0.1 * depth[i],
                ball_size=ball,
                halo=not cloud(_starts(trajs[i])),
                lane=tuple(shifts[i].tolist()) if i in shifts else None,
                under=under,
                faint=None if i in full else _faint(paths[i]),
            )
        )
    return out


def zigzag_runs(verdicts) -> set[int]:
    """The runs whose zig-zag a claim that holds names (``zigzags(gd, across=y)``): the
    zig-zag is the lesson, so its last swings, piling up near the target, are drawn as
    full as its first (not as faint revisits).

    >>> from optviz.analysis.claim_grammar import Verdict
    >>> zigzag_runs([Verdict("zigzags(gd)", True, {}, 9, (0,), ""),
    ...              Verdict("not zigzags(adam)", True, {}, None, (1,), ""),
    ...              Verdict("zigzags(sgd)", False, {}, None, (2,), "")])
    {0}
    """
    return {
        r
        for v in verdicts
        if v.holds and v.claim.strip().startswith("zigzags(")
        for r in v.runs[:1]
    }


def run_looks(trajs) -> list[dict]:
    """Each run's ``color``, ``linestyle`` and ``marker``, by its optimizer's identity
    (:func:`.line_ends.identity_slots`): the same optimizer looks the same in every race
    and line plot, and runs of one optimizer (other settings) each get a look of their
    own. On a dark theme the near-black look is drawn light.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["adam", "gd", "gd:lr=0.5"], steps=2)
    >>> [look["color"] for look in run_looks(r.trajectories)]
    ['#8833EE', '#0077BB', '#E69F00']
    """
    from matplotlib import rcParams
    from matplotlib.colors import to_rgb

    from .line_ends import LINE_COLORS, identity_slots

    dark = float(np.mean(to_rgb(rcParams["axes.facecolor"]))) < 0.5
    out = []
    for k in identity_slots([t.optimizer.name for t in trajs]):
        color = LINE_COLORS[k % len(LINE_COLORS)]
        color = on_dark(color) if dark else color
        out.append({"color": color, "linestyle": style.linestyle(k), "marker": style.marker(k)})
    return out


def on_dark(color: str) -> str:
    """``color`` as a run is drawn on a dark ground: a near-black look drawn light grey.

    >>> on_dark("#222222"), on_dark("#0077BB")
    ('#DDDDDD', '#0077BB')
    """
    from matplotlib.colors import to_rgb

    return "#DDDDDD" if float(np.mean(to_rgb(color))) < 0.25 else color


def ink(linestyle) -> float:
    """The share of a line's length a ``linestyle`` inks: 1 solid, less dashed or dotted.

    >>> ink("-"), round(ink((0, (1.0, 1.3))), 2)
    (1.0, 0.43)
    """
    if not isinstance(linestyle, tuple):
        return 1.0
    dashes = np.asarray(linestyle[1], float)
    return float(dashes[::2].sum() / dashes.sum())


def run_colors(trajs) -> list[str]:
    """Each run's colour (:func:`run_looks`), for what names a run beside its path."""
    return [look["color"] for look in run_looks(trajs)]


def _faint(path: np.ndarray) -> tuple | None:
    """:func:`revisits` of a single start's path ``(T+1, 1, 2)`` (spans), ``None`` if
    none (a cloud of starts is drawn thin already; a curve's side view has no map)."""
    if path.shape[1] != 1 or path.shape[-1] != 2:
        return None
    flags = revisits(path[:, 0])
    return tuple(flags.tolist()) if flags.any() else None


def revisits(path: np.ndarray, cell: float = CELL, shortest: int = 3) -> np.ndarray:
    """Per step of ``path`` ``(T+1, 2)`` (in domain spans), whether it goes over ground
    the path has covered densely before: most of the step lies in cells of side ``cell``
    the path had entered :data:`REVISITS` times and more before (a pass, however slow,
    is one visit: the second pass over a place and those after it are revisits).
    Stretches shorter than ``shortest`` steps, either way, are left as their neighbours
    are (no flicker between full and faint).

    >>> t = np.linspace(0, 6 * np.pi, 300)  # three loops round one circle: the first full
    >>> flags = revisits(np.c_[0.1 * np.cos(t), 0.1 * np.sin(t)])
    >>> bool(flags[:95].any()), round(float(flags[105:].mean()), 2)
    (False, 1.0)
    """
    from .lanes import _long_stretches

    path = np.asarray(path, float)
    steps = len(path) - 1
    if steps < 1:
        return np.zeros(0, bool)
    a, b = path[:-1], path[1:]
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    seen = path[np.isfinite(path).all(axis=1)]
    if not len(seen) or np.ptp(seen, axis=0).max() < 4 * cell:  # it never gets far: no
        return np.zeros(steps, bool)  # first pass to keep, a jitter on a spot is all it is
    length = np.where(ok, np.linalg.norm(b - a, axis=1), 0.0)
    length = np.minimum(np.nan_to_num(length), 0.25)  # a diverging jump: no ground covered
    count = np.where(ok, np.maximum(1, np.ceil(2 * length / cell)), 0).astype(int)
    seg = np.repeat(np.arange(steps), count)
    if not len(seg):
        return np.zeros(steps, bool)
    within = np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count) + 0.5
    at = a[seg] + (within / count[seg])[:, None] * (b[seg] - a[seg])
    # cells centred on the axes: a path along a line of symmetry (y = 0, to 1e-10 either
    # side) would otherwise hop between the two cells that meet there at every step
    cells = np.floor(at / cell + 0.5).astype(np.int64)
    key = (cells[:, 0] - cells[:, 0].min()) * (1 << 31) + (cells[:, 1] - cells[:, 1].min())
    enters = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])  # each visit to a cell
    order = np.lexsort((enters, key[enters]))
    k = key[enters][order]
    rank = np.arange(len(k)) - np.maximum.accumulate(np.where(np.r_[True, k[1:] != k[:-1]],
                                                              np.arange(len(k)), 0))  # fmt: skip
    earlier = np.empty(len(enters), int)
    earlier[order] = rank  # how many times the path was in this cell before this visit
    visit = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1
    dense = np.bincount(seg, weights=earlier[visit] >= REVISITS, minlength=steps)
    flags = dense / np.maximum(count, 1) >= 0.5
    smooth = ~_long_stretches(~_long_stretches(flags, shortest), shortest)
    smooth[: int(np.argmax(flags)) if flags.any() else steps] = False  # the first pass: full
    return smooth


def split_faint(values: np.ndarray, faint: np.ndarray):
    """``values`` ``(t, ...)`` at the points of a path, and ``faint`` ``(t - 1,)`` per
    step between them: the points of the full stretches and of the faint ones, each with
    the other's points NaN (a point joining the two is in both).

    >>> full, thin = split_faint(np.arange(5.0), np.array([0, 1, 1, 0], bool))
    >>> full.tolist(), thin.tolist()
    ([0.0, 1.0, nan, 3.0, 4.0], [nan, 1.0, 2.0, 3.0, nan])
    """
    values = np.asarray(values, float)
    faint = np.asarray(faint, bool)
    before, after = np.r_[faint[:1], faint], np.r_[faint, faint[-1:]]
    full_pt = ~before | ~after
    faint_pt = before | after
    if len(faint):  # the ends belong to their one step
        full_pt[0], faint_pt[0] = not faint[0], bool(faint[0])
        full_pt[-1], faint_pt[-1] = not faint[-1], bool(faint[-1])
    shape = (-1,) + (1,) * (values.ndim - 1)
    nan = np.full_like(values, np.nan)
    return (np.where(full_pt.reshape(shape), values, nan),
            np.where(faint_pt.reshape(shape), values, nan))  # fmt: skip


def _normalized(traj, spans: np.ndarray) -> np.ndarray:
    """Positions ``(T+1, n, 2)`` in domain spans, finite (diverged runs clipped)."""
    xy = traj.xy if traj.batched else traj.xy[:, None, :]
    xy = np.nan_to_num(np.asarray(xy, float), nan=0.0, posinf=1e6, neginf=-1e6) / spans
    return np.clip(xy, -1e3, 1e3)


def _length(path: np.ndarray) -> float:
    steps = np.minimum(np.linalg.norm(np.diff(path, axis=0), axis=-1), 1.0)
    return float(steps.sum(axis=0).mean())


def in_view(path: np.ndarray, domain) -> np.ndarray:
    """A path ``(t, 2)`` as drawn on a 2-D map: the parts inside ``domain``, each
    segment that crosses its edge cut at the edge, and the jumps outside it left out
    (NaN rows break the line there). Columns after the first two (a lane's shift) go
    along, interpolated at a cut.

    >>> in_view(np.array([[0.0, 0], [0.5, 0], [3, 0], [-3, 0], [0, 0.75]]), [[-1, 1], [-1, 1]])
    array([[ 0.  ,  0.  ],
           [ 0.5 ,  0.  ],
           [ 1.  ,  0.  ],
           [  nan,   nan],
           [  nan,   nan],
           [-1.  ,  0.5 ],
           [ 0.  ,  0.75]])
    """
    from .geometry import exit_point, outside

    path = np.asarray(path, float)
    out = outside(path[:, :2], domain)
    if not out.any():
        return path
    rows: list[np.ndarray] = []
    nan = np.full(path.shape[1], np.nan)
    for i, p in enumerate(path):
        if i and out[i] != out[i - 1]:  # a segment over the edge: cut it there
            a, b = (path[i - 1], p) if out[i] else (p, path[i - 1])
            rows.append(exit_point(a, b, domain)[0])
        rows.append(nan if out[i] else p)
    return np.array(rows)


def faint_look(theme: str) -> dict:
    """Line2D keywords of a path's revisits: thin, faint, on a thin halo of its own (a
    faded line on a dark map without one read as a hairline)."""
    from matplotlib.patheffects import Normal, Stroke

    casing = Stroke(linewidth=FAINT_WIDTH + FAINT_CASING, foreground=style.halo(theme))
    return dict(lw=FAINT_WIDTH, alpha=FAINT_ALPHA, solid_capstyle="round",
                path_effects=[casing, Normal()])  # fmt: skip


def halo_width(linewidth: float) -> float:
    return linewidth + 3.0


def line_width(width: float, many: bool) -> float:
    """A path's line width in points: ``width``, a cloud of starts (``many``, see
    :func:`cloud`) thinner; never under :data:`THINNEST`."""
    return max(0.6 * width if many else width, THINNEST)


def cloud(starts: int) -> bool:
    """Whether ``starts`` paths of one run make a cloud (drawn thin, without halo)."""
    return starts > CLOUD


def _starts(traj) -> int:
    return int(np.shape(traj.xy)[1]) if traj.batched else 1


def legend_handle(ps: PathStyle, theme: str, lw: float = 2.6):
    """A legend entry that shows the color, the line style and the marker."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        color=ps.color,
        lw=lw,
        ls=ps.linestyle,
        marker=ps.marker,
        ms=9,
        mec=style.ink(theme),
        mew=0.8,
    )


def start_points(trajs) -> np.ndarray:
    """The distinct start positions of a race, ``(k, 2)``."""
    starts = [np.asarray(t.xy[0], float).reshape(-1, 2) for t in trajs]
    return np.unique(np.round(np.concatenate(starts), 12), axis=0)


def start_marker_style(theme: str) -> dict:
    """One neutral ring per start, whatever the number of optimizers leaving it."""
    return dict(ls="none", marker="o", ms=13, mfc="none", mec=style.ink(theme), mew=1.6, zorder=6.9)


# ----------------------------------------------------------------------------- labels


def readable(traj) -> str:
    """The legend text of a trajectory: ``Adam (lr 0.1)``; a label the user gave is kept.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["adam:lr=0.1", "momentum:lr=0.001,momentum=0.9"], steps=2)
    >>> [readable(t) for t in r.trajectories]
    ['Adam (lr 0.1)', 'Momentum (lr 0.001, μ 0.9)']
    """
    opt = traj.optimizer
    own = getattr(opt, "label", None)
    if traj.label and traj.label != own and tuned_how(traj.label, opt) is None:
        return traj.label
    return optimizer_name(opt)


def short_names(trajs) -> list[str]:
    """Each trajectory's name as a note on the map says it: ``Adam``, or its legend text
    where two share a name.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["adam:lr=0.1", "gd", "gd:lr=0.5"], steps=2)
    >>> short_names(r.trajectories)
    ['Adam', 'GD (lr 0.01)', 'GD (lr 0.5)']
    """
    names = [NAMES.get(t.optimizer.name, t.optimizer.name) for t in trajs]
    return [readable(t) if names.count(n) > 1 else n for t, n in zip(trajs, names, strict=True)]


def optimizer_name(opt) -> str:
    """An optimizer named as the legends name it: ``Momentum (lr 0.005, μ 0.9)``.

    >>> import optviz as ov
    >>> optimizer_name(ov.optimizer("momentum:lr=0.005"))
    'Momentum (lr 0.005, μ 0.9)'
    """
    name = NAMES.get(opt.name, opt.name)
    items = [f"{SYMBOLS.get(k, k)} {_number(v)}" for k, v in opt.changed.items()]
    if opt.name in ("momentum", "nesterov") and "momentum" not in opt.changed:
        items.append(f"μ {_number(opt.hyper['momentum'])}")  # the heavy ball's point
    return f"{name} ({', '.join(items)})" if items else name


def chosen_note(trajs) -> str | None:
    """How the learning rates were chosen, once for the figure (``None``: given)."""
    for t in trajs:
        how = tuned_how(t.label, t.optimizer)
        if how:
            return f"learning rates tuned: {how}"
    return None


def _number(v: Any) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)
