"""How each optimizer's path is drawn so that every path stays visible, and how it is named.

Shared by the still plots and the animations:

* every path gets its color, a line style and a ball marker (:mod:`.style`), so color
  is never the only cue;
* a light outline (halo) runs under each path, so a path crossing another cuts a
  visible channel through it instead of merging with it;
* paths are stacked longest first: short or slow paths, which a long one would bury,
  are drawn on top;
* paths that share a line (one runs over a good part of another drawn under it, even at
  another speed) are drawn as a sleeve: the lowest widest, each one above it a few pixels
  narrower and solid, the top one thin and in its own dash pattern, so every color shows
  along the whole shared stretch, the lower ones as thin bands on both sides of the upper
  (not a wide band that buries the rest, nor a striped rope of dashes);
* every ball is the same size, large enough to find from the back of a room; balls that
  share a spot are spread apart by :mod:`.balls`;
* every path is at least :data:`THINNEST` points wide and runs over its halo (a few
  starts of one optimizer too, each as wide as a single path); only a cloud of starts
  (more than :data:`CLOUD`) is drawn thinner and without halo, where halos would wipe
  one another out;
* where dashes fail (a scribble, a shared stretch), each run's marker along its path
  still tells it apart without colour (:mod:`.path_marks`);
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
from . import style

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
COINCIDENT = 0.01  # distance, in domain spans, under which two paths share a line
SHARED = 0.3  # the share of a path's length another covers from which they share a line
SLEEVE_TOP = 1.0  # the top line of a sleeve, in plain line widths: as wide as any path
SLEEVE_STEP = 1.0  # each line under it this much wider (3.3-3.6 px at 100 dpi): ~1.7 px a side
BALL = 10.0  # points: 14 px at 100 dpi, found from the back of a room
THINNEST = 2.2  # points: a line of 3 px at 100 dpi, the thinnest a projector shows well
CLOUD = 9  # more starts of one run than this make a cloud: thinner lines, no halo


class PathStyle(NamedTuple):
    """How one optimizer's path, ball and legend entry look."""

    color: str
    linestyle: Any  # "-" or (offset, dashes)
    marker: str
    zorder: float
    ball_size: float
    halo: bool
    width: float = 1.0  # line width on the map, in plain widths (a sleeve's lines differ)
    shared: bool = False  # part of a sleeve: drawn solid on the map, but for its top line

    @property
    def map_linestyle(self) -> Any:
        """The line style on the map: the lower lines of a sleeve solid (a dash would
        stripe the band), its top line and every other path dashed as in the legend."""
        return "-" if self.shared and self.width > SLEEVE_TOP else self.linestyle


# ----------------------------------------------------------------------------- styles
def path_styles(trajs, colors=None, ball: float = BALL, *, one_map: bool = True) -> list[PathStyle]:
    """One :class:`PathStyle` per trajectory (see the module docs for the rules);
    ``one_map=False`` (one panel each) shares no line: no path covers another.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.05", "momentum:lr=0.05,momentum=0"],
    ...             start=(1.5, 1.0), steps=20)
    >>> [s.width for s in path_styles(r.trajectories)]  # one line: a wide one, a thin on top
    [2.0, 1.0]
    """
    n = len(trajs)
    spans = np.ptp(np.asarray(trajs[0].surface.domain, float), axis=1)
    paths = [_normalized(t, spans) for t in trajs]
    lengths = [_length(p) for p in paths]
    order = sorted(range(n), key=lambda i: (-lengths[i], i))  # longest drawn first
    depth = {i: rank for rank, i in enumerate(order)}
    out = []
    widths, bottoms = _sleeves(paths, order) if one_map else ({}, set())
    for i in range(n):
        color = colors[i % len(colors)] if colors else style.color(i)
        out.append(
            PathStyle(
                color=color,
                linestyle=style.linestyle(i),
                marker=style.marker(i),
                zorder=5.0 + 0.1 * depth[i],
                ball_size=ball,
                halo=(i not in widths or i in bottoms) and not cloud(_starts(trajs[i])),
                width=widths.get(i, 1.0),
                shared=i in widths,
            )
        )
    return out


def _sleeves(paths: list[np.ndarray], order: list[int]) -> tuple[dict[int, float], set[int]]:
    """Line widths (in plain widths) of paths that share a line with one drawn under
    them (see :data:`SHARED`): the ``k`` paths of a shared line, bottom to top, from
    ``SLEEVE_TOP + (k - 1) SLEEVE_STEP`` down to ``SLEEVE_TOP``; and the bottom path of
    each shared line (the only one with a halo: one above would cut the bands under it)."""
    root: dict[int, int] = {}
    above: dict[int, list[int]] = {}
    for rank, i in enumerate(order):
        root[i] = i
        if paths[i].shape[1] != 1:
            continue  # many starts are drawn thin and without outline already
        for j in order[:rank]:
            if paths[j].shape[1] == 1 and _share_a_line(paths[j][:, 0], paths[i][:, 0]):
                root[i] = root[j]
                above.setdefault(root[j], []).append(i)
                break
    out: dict[int, float] = {}
    for bottom, members in above.items():
        for m, i in enumerate([bottom, *members]):
            out[i] = SLEEVE_TOP + (len(members) - m) * SLEEVE_STEP
    return out, set(above)


def _share_a_line(lower: np.ndarray, upper: np.ndarray) -> bool:
    """Whether ``upper`` would hide a good part of ``lower``."""
    return _covered_share(lower, upper) > SHARED


def _covered_share(lower: np.ndarray, upper: np.ndarray, eps: float = COINCIDENT) -> float:
    """The share of ``lower``'s length that runs along the polyline ``upper``, measured
    at points evenly spaced along ``lower``: within ``eps`` of it, in its direction,
    and on from one point to the next as far along ``upper`` as along ``lower``, for at
    least :data:`SHARED_RUN`. A path that crosses another, brushes it, or scribbles
    over the same spots (two runs of noise) shares no line with it; a long step whose
    end lies on ``upper``, as the shared start does, is not shared along its length.

    >>> down = np.array([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]])  # a long drop, then along
    >>> aside = np.array([[0.0, 1.0], [1.0, 0.0]])  # the same start, then straight across
    >>> _covered_share(down, aside), _covered_share(aside, aside)
    (0.0, 1.0)
    """
    lower, upper = _along(_thin(lower)), _thin(upper)
    if lower is None:
        return 0.0
    spacing = np.linalg.norm(lower[1] - lower[0])
    near, where = _near_along(lower, np.gradient(lower, axis=0), upper, eps)
    linked = np.array([_linked(where[k][near[k]], where[k + 1][near[k + 1]], spacing, eps)
                       for k in range(len(lower) - 1)])  # fmt: skip
    on = np.r_[linked, False] | np.r_[False, linked]
    return float(np.mean(_long_stretches(on, max(3, int(np.ceil(SHARED_RUN / spacing))))))


PARALLEL = 0.8  # |cos| of the angle between two paths' directions where they share a line
SHARED_RUN = 0.05  # domain spans: the shortest stretch along another path that is shared


def _linked(here: np.ndarray, there: np.ndarray, spacing: float, eps: float) -> bool:
    """Whether two places along a path (each a set of candidates, where two points
    ``spacing`` apart along another path lie near it) are ``spacing`` apart along it too
    (to within ``2 eps``, either way): the two paths run together from one to the other.

    >>> _linked(np.array([1.0, 5.0]), np.array([3.0, 5.1]), 0.1, 0.01)
    True
    >>> _linked(np.array([1.0]), np.array([3.0, 5.0]), 0.1, 0.01)
    False
    """
    if not (len(here) and len(there)):
        return False
    advance = np.abs(there[None] - here[:, None])
    return bool((np.abs(advance - spacing) <= 2 * eps).any())


def _long_stretches(flags: np.ndarray, shortest: int) -> np.ndarray:
    """``flags`` with every run of True shorter than ``shortest`` cleared.

    >>> _long_stretches(np.array([1, 1, 0, 1, 1, 1, 0, 1], bool), 3).astype(int).tolist()
    [0, 0, 0, 1, 1, 1, 0, 0]
    """
    edges = np.diff(np.r_[0, flags.astype(int), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = np.zeros_like(flags, bool)
    for a, b in zip(starts, ends, strict=True):
        if b - a >= shortest:
            out[a:b] = True
    return out


def _near_along(points: np.ndarray, heading: np.ndarray, line: np.ndarray, eps: float):
    """For each of ``points`` (heading in ``heading``) and each segment of the polyline
    ``line``: whether the point lies within ``eps`` of the segment and the segment runs
    its way (either sense), and how far along ``line`` the point's foot on it lies.

    >>> line = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    >>> pts = np.array([[0.5, 0.0], [0.5, 0.0]])
    >>> near, where = _near_along(pts, np.array([[1.0, 0.0], [0.0, 1.0]]), line, 0.01)
    >>> near.tolist(), where[0].tolist()
    ([[True, False], [False, False]], [0.5, 1.0])
    """
    if len(line) == 1:
        line = np.concatenate([line, line])
    a, b = line[:-1], line[1:]
    ab = b - a
    length = np.linalg.norm(ab, axis=-1)
    ap = points[:, None, :] - a[None]
    t = np.clip((ap * ab).sum(-1) / np.maximum(length**2, 1e-300), 0.0, 1.0)
    gap = ap - t[..., None] * ab
    with np.errstate(all="ignore"):
        cos = heading @ ab.T / (np.linalg.norm(heading, axis=-1)[:, None] * length[None])
    near = ((gap * gap).sum(-1) < eps * eps) & (np.abs(np.nan_to_num(cos)) >= PARALLEL)
    where = np.r_[0.0, np.cumsum(length)[:-1]][None] + t * length[None]
    return near, where


def _along(path: np.ndarray, count: int = 400) -> np.ndarray | None:
    """``count`` points evenly spaced along the polyline ``path`` (``None``: no length)."""
    seg = np.linalg.norm(np.diff(path, axis=0), axis=-1)
    if seg.sum() == 0:
        return None
    run = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.linspace(0.0, run[-1], count)
    return np.column_stack([np.interp(at, run, path[:, k]) for k in range(path.shape[1])])


def _thin(path: np.ndarray, most: int = 400) -> np.ndarray:
    return path[np.unique(np.linspace(0, len(path) - 1, most).round().astype(int))]


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
    (NaN rows break the line there).

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
    out = outside(path, domain)
    if not out.any():
        return path
    rows: list[np.ndarray] = []
    nan = np.full(2, np.nan)
    for i, p in enumerate(path):
        if i and out[i] != out[i - 1]:  # a segment over the edge: cut it there
            a, b = (path[i - 1], p) if out[i] else (p, path[i - 1])
            rows.append(exit_point(a, b, domain)[0])
        rows.append(nan if out[i] else p)
    return np.array(rows)


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
