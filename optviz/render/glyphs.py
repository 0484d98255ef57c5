"""Glyphs at each ball: what the optimizer is about to do, drawn from its recorded state.

At the ball of step t the glyphs explain step t+1, from the state the run recorded
(``run(..., keep_state=True)``):

- the **gradient arrow**, :math:`-g` (downhill), dashed in the theme's ink on a light
  outline: the slope is the ground's, not the optimizer's;
- the **velocity arrow**, minus torch's ``momentum_buffer`` (SGD momentum, Nesterov) or
  ``exp_avg`` (Adam's first moment, Lion's momentum), thick and solid in the optimizer's
  colour: the same units as the gradient and the same scale, so a velocity ten times
  the gradient looks ten times longer;
- the **rate box**, for the adaptive rules: its sides are the per-coordinate effective
  learning rate (:func:`optviz.analysis.anatomy.effective_lr`, e.g. Adam's
  :math:`\\eta/(\\sqrt{\\hat v}+\\epsilon)`), so a ravine's steep coordinate gets a thin
  side;
- the **step arrow** of Lion (its sign step), Newton (:math:`-\\eta H^+ g`) and Rprop,
  dotted;
- Rprop's **step-size box**: its half-sides are the step sizes of the two coordinates, in
  the step arrow's scale, so the next step goes from the ball to a corner of the box (or
  to the middle of a side, for a coordinate whose gradient just changed sign); it goes
  when its ball arrives, its sizes still falling (the closing callout says by how much).

Steps (the step arrow and Rprop's box) are drawn as taken, in the map's units: the arrow
ends where the next ball lands, and the box is no larger than the next step's reach (a
box scaled like the arrows would dwarf the steps it bounds).
Scales of the other glyphs: one per kind of glyph for the whole race (so sizes compare
across optimizers and steps), chosen so the 90th percentile of the reaches over the run
(an arrow's length, half a box's larger side) is :data:`TARGET` of the drawn view's
shorter side (the surface's domain); a glyph longer than :data:`CLIP`
times that is cut to it. The legend states each scale ("×0.012": drawn length per unit).
Colours are the optimizer's (the gradient's the theme's ink), outlined as the paths are;
the balls are drawn over the glyphs, and a still's rate boxes under the paths. The key
shows each kind as it is drawn.

Beside a single map the glyph key shares the legend column with the optimizer legend;
:func:`fit_key_column` makes that column as wide as its widest legend, so the map gets
the rest of the width instead of an empty strip beside the legends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..util.errors import ParameterError
from . import geometry
from .glyph_key import (  # noqa: F401  (the key is part of the glyphs' interface)
    BOXES,
    KEY_GID,
    KEY_TITLE,
    KINDS,
    NEUTRAL,
    STYLE,
    add_key,
    emptiest_corner,
    find_key,
    fit_key_column,
    glyph_look,
    key_entries,
    place_key,
)
from .glyph_sizes import (  # noqa: F401  (the sizes are part of the glyphs' interface)
    BOX_CLIP,
    BOX_LEAST_PX,
    BOX_MOST_PX,
    BOX_THIN_PX,
    LEAST_PX,
    at_least_px,
)
from .layout import legend_column
from .paths import run_colors
from .rate_inset import rate_insets

TARGET = 0.12  # 90th-percentile glyph reach, as a fraction of the view's shorter side
STILL_TARGET = 0.08  # the same in a still, which draws glyphs at several steps at once
CLIP = 2.5  # longest reach drawn, in multiples of that


SCALE = {"grad": "arrow", "velocity": "arrow", "box": "box", "step": "step", "sizes": "step"}
HELD = ("velocity", "box")  # lesson glyphs an arrived run keeps (as ghosts). Not Rprop's
# step sizes: they go on falling at the minimum (its y step 310,000x below its peak in
# rprop_ravine), so a box held at its last readable size, left where the ball was, told
# the opposite of the closing callout; it follows the ball and goes when the ball arrives
GHOST = 0.55  # a held glyph's opacity: there, but no longer the ball's next step
HOLD = 0.5  # the held glyph is the last before arriving at least this share of the race's
# 90th-percentile reach: the last one of meaningful size, near where the lesson ends


def holds(raw: dict, kind: str) -> bool:
    """Whether a run drawing the glyphs ``raw`` keeps its ``kind`` glyph once arrived: one
    lesson glyph a run, its box when it draws one (an adaptive rule's lesson is its rates),
    else its velocity. A velocity held beside a box would be an arrow left behind on the
    map, far from the ball at rest, that nothing ties to it."""
    if kind == "velocity" and any(k in raw for k in BOXES):
        return False
    return kind in HELD


def raw_glyphs(traj) -> dict[str, np.ndarray]:
    """The unscaled quantity of each glyph kind, ``(steps+1, n, 2)``, index t shown at ball t.

    Index t holds step t+1's quantities (the last index repeats the last step's).
    """
    from ..analysis.anatomy import effective_lr
    from ..engine.builtin import GD, Lion, Newton, RMSprop, Rprop

    if traj.state is None:
        raise ParameterError("glyphs need the optimizer's state: run or race with keep_state=True")
    s, opt = traj.state, traj.optimizer
    out = {"grad": -s["grad"]}
    moment = s.get("exp_avg", None if isinstance(opt, RMSprop) else s.get("momentum_buffer"))
    if moment is not None:
        out["velocity"] = -moment
    rate = effective_lr(traj)
    if rate is not None and not isinstance(opt, GD | Lion):
        out["box"] = rate
    if isinstance(opt, Lion | Newton | Rprop):
        out["step"] = s["update"]
    if isinstance(opt, Rprop):  # the box whose corners the next step can reach
        out["sizes"] = 2 * s["step_size"]
    nxt = np.minimum(np.arange(traj.steps + 1) + 1, traj.steps)
    return {k: _starts_axis(v[nxt], traj) for k, v in out.items()}


def _starts_axis(v: np.ndarray, traj) -> np.ndarray:
    return v if traj.batched else v[:, None, :]


@dataclass(frozen=True)
class Scales:
    """Drawn length per unit of each glyph group (``arrow``, ``box``, ``step``)."""

    factor: dict[str, float]
    cap: float  # longest drawn reach from the ball, data units

    def of(self, kind: str) -> float:
        return self.factor.get(SCALE[kind], 1.0)


def view_span(race) -> np.ndarray:
    """The drawn view's (x, y) extent, as the map's axes show it (:mod:`.framing`)."""
    from .framing import race_view

    return np.ptp(race_view(race), axis=1)


def scales(race, raws: list[dict[str, np.ndarray]], share: float = TARGET) -> Scales:
    """One scale per glyph group over every optimizer and step of the race, its 90th
    percentile reach ``share`` of the view's shorter side."""
    target = share * float(np.min(view_span(race)))
    factor = {}
    for group in ("arrow", "box", "step"):
        sizes = [
            _size(kind, v).ravel()
            for raw in raws
            for kind, v in raw.items()
            if SCALE[kind] == group
        ]
        sizes = np.concatenate(sizes) if sizes else np.array([])
        sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
        if group == "step":  # a step is drawn as taken: its arrow ends where the next ball
            factor[group] = 1.0  # lands, its box is the reach of the next step
        elif len(sizes):
            factor[group] = target / float(np.percentile(sizes, 90))
    return Scales(factor, CLIP * target)


def _size(kind: str, v: np.ndarray) -> np.ndarray:
    # how far a glyph reaches from its ball: an arrow its length, a box (centred on the
    # ball) half its larger side
    if kind in BOXES:
        return 0.5 * np.max(np.abs(v), axis=-1)
    return np.hypot(v[..., 0], v[..., 1])


def scaled(kind: str, v: np.ndarray, sc: Scales) -> np.ndarray:
    """Glyph vectors (arrows) or sides (boxes) in data units, cut at the cap."""
    out = v * sc.of(kind)
    size = _size(kind, out)
    cap = sc.cap * (BOX_CLIP / CLIP if kind in BOXES else 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(size > cap, cap / size, 1.0)
    return out * shrink[..., None]


# -- geometry ------------------------------------------------------------------------------
def arrow_path(tails: np.ndarray, vecs: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """NaN-separated polyline of arrows (shaft and two barbs) from ``tails`` along ``vecs``.

    ``norm``: the view's (x, y) spans, so heads keep their shape on a stretched view.
    """
    parts = []
    for tail, vec in zip(tails, vecs, strict=True):
        if not (np.all(np.isfinite(tail)) and np.all(np.isfinite(vec))) or not vec.any():
            continue
        tip = tail + vec
        u = vec / norm
        length = np.hypot(*u)
        head = min(0.35 * length, 0.025) / length
        barbs = [tip + _rotate(-u * head, a) * norm for a in (0.45, -0.45)]
        parts += [tail, tip, [np.nan, np.nan], barbs[0], tip, barbs[1], [np.nan, np.nan]]
    return np.array(parts, dtype=float).reshape(-1, 2)


def box_path(centres: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """NaN-separated polyline of axis-aligned boxes with the given full side lengths."""
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]) * 0.5
    parts = []
    for c, s in zip(centres, sides, strict=True):
        if np.all(np.isfinite(c)) and np.all(np.isfinite(s)) and s.any():
            parts += [*(c + corners * s), [np.nan, np.nan]]
    return np.array(parts, dtype=float).reshape(-1, 2)


ARRIVED = 0.02  # of the view's shorter side: a ball this near a minimum has arrived


def arrival_step(xy: np.ndarray, surface, span: np.ndarray) -> np.ndarray:
    """Per run of ``xy`` ``(steps+1, n, 2)``, the first step from which the ball stays
    within :data:`ARRIVED` of the view's ``span`` from a known minimum to the end (``inf``
    if it never settles).
    Its gradient arrow ends there: at the star there is no next step to explain, and an
    arrow lengthened to be seen would only cover the star and the ball; its lesson glyphs
    are held where they were largest (:meth:`GlyphLayer._held`)."""
    minima = np.asarray(getattr(surface, "minima", np.zeros((0, 2))), float).reshape(-1, 2)
    out = np.full(xy.shape[1], np.inf)
    if not len(minima):
        return out
    tol = ARRIVED * float(np.min(span))
    gap = np.linalg.norm(xy[:, :, None, :] - minima[None, None], axis=-1).min(axis=-1)
    near = np.isfinite(gap) & (gap < tol)
    for j in range(xy.shape[1]):
        away = np.flatnonzero(~near[:, j])
        first = away[-1] + 1 if len(away) else 0
        if first < len(xy):
            out[j] = first
    return out


def _rotate(v: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


# -- drawing -------------------------------------------------------------------------------
class GlyphLayer:
    """The glyphs of a race on its axes: ``update(s, k)`` moves them to step ``s``.

    Used by the animation engine (its artists are animated and drawn per frame) and by
    :func:`draw_static` (glyphs at a few steps along each path).
    """

    def __init__(self, race, axes: list, colors: list[str], theme: str, animated: bool = True):
        self.race, self.theme = race, theme
        self.raws = [raw_glyphs(t) for t in race.trajectories]
        self.scales = scales(race, self.raws, TARGET if animated else STILL_TARGET)
        self.animated = animated  # a still's many glyphs along each path keep their lengths
        self.norm = view_span(race)
        self.xy = [
            geometry.drawable(t.xy if t.batched else t.xy[:, None, :], race.surface)
            for t in race.trajectories
        ]
        self.div = [np.atleast_1d(t.diverged_at) for t in race.trajectories]
        self.arrived = [arrival_step(xy, race.surface, self.norm) for xy in self.xy]
        self._held_at: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        self.lines: list[dict[str, Any]] = []
        for i, (ax, raw, color) in enumerate(zip(axes, self.raws, colors, strict=True)):
            lines = {k: self._line(ax, k, color, animated) for k in KINDS if k in raw}
            for kind, line in lines.items():
                line.set_gid(f"glyph-{i}-{kind}")
            self.lines.append(lines)

    def _line(self, ax, kind: str, color: str, animated: bool):
        lw, ls = STYLE[kind]
        color, outline = glyph_look(kind, color, self.theme)
        three = geometry._is3d(ax)
        line = ax.plot(*([[]] * (3 if three else 2)), color=color, lw=lw, ls=ls)[0]
        line.set_path_effects(outline)
        line.set_solid_capstyle("round")
        line.set_label("_nolegend_")
        # an animation's glyphs over the paths (they surround only the ball, ahead of its
        # trail); a still's under them: a still draws each path whole, and its glyphs at
        # several steps (a step arrow lies on the path it explains) would hide it
        line.set_zorder(8 if animated else 4.5)
        line.set_in_layout(False)
        line.set_animated(animated)
        return line

    @property
    def artists(self) -> list:
        return [line for lines in self.lines for line in lines.values()]

    def geometry(self, i: int, s: float, ax=None) -> dict[str, np.ndarray]:
        """Polylines (``(m, 2)``, NaN-separated) of trajectory ``i``'s glyphs at step ``s``;
        on a 2-D ``ax``, none shorter than :data:`LEAST_PX` (:func:`at_least_px`)."""
        xy, raw = self.xy[i], self.raws[i]
        steps = len(xy) - 1
        k = min(int(np.floor(s)), steps)
        head = xy[k] + (s - k) * (xy[k + 1] - xy[k]) if k < steps and s > k else xy[k]
        alive = ~((self.div[i] >= 0) & (self.div[i] <= s)) & (self.arrived[i] > s)
        head = np.where(alive[:, None], head, np.nan)
        out = {}
        for kind, v in raw.items():
            vec = scaled(kind, v[k], self.scales)
            if holds(raw, kind):  # an arrived run keeps its lesson glyph, as it was at its largest
                at, vec = self._held(i, kind, s, head, vec)
            else:
                at = head
            if ax is not None and not geometry._is3d(ax):
                vec = at_least_px(ax, at, vec, box=kind in BOXES)
            out[kind] = box_path(at, vec) if kind in BOXES else arrow_path(at, vec, self.norm)
        return out

    def held(self, i: int, s: float) -> np.ndarray:
        """Which runs of trajectory ``i`` have arrived by step ``s`` (not diverged): their
        lesson glyphs are held, as ghosts (:data:`HELD`)."""
        gone = (self.div[i] >= 0) & (self.div[i] <= s)
        return (self.arrived[i] <= s) & ~gone

    def _held(self, i: int, kind: str, s: float, head: np.ndarray, vec: np.ndarray):
        """Where and how large trajectory ``i``'s ``kind`` glyph is drawn at step ``s``: a run
        that has arrived keeps its last glyph of meaningful size (:data:`HOLD`) before
        arriving, at the ball's place then: the held last frame still shows the lesson."""
        held = self.held(i, s)
        if not held.any():
            return head, vec
        at, vec = head.copy(), vec.copy()
        steps, v = self._held_steps(i, kind)
        for j in np.flatnonzero(held):
            at[j], vec[j] = self.xy[i][steps[j], j], v[steps[j], j]
        return at, vec

    def _held_steps(self, i: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Per start of trajectory ``i``, the step whose ``kind`` glyph it holds once
        arrived, and the scaled glyphs ``(steps+1, n, 2)``: the same in every frame, so
        found once."""
        if (i, kind) not in self._held_at:
            v = scaled(kind, self.raws[i][kind], self.scales)
            reach = np.where(np.isfinite(_size(kind, v)), _size(kind, v), -1.0)
            least = HOLD * self.scales.cap / CLIP  # of the race's 90th-percentile reach
            steps = np.zeros(v.shape[1], int)
            for j in np.flatnonzero(np.isfinite(self.arrived[i])):
                before = reach[: max(int(self.arrived[i][j]), 1), j]
                clear = self._clear_of_end(i, j, v[: len(before), j], 0.5 * least)
                # the last of meaningful size clear of the end; else the last clear of it
                # (drawn at least LEAST_PX); else the one that leaves most of the goal in sight
                big = np.flatnonzero((before >= least) & (clear >= 0))
                big = big if len(big) else np.flatnonzero(clear >= 0)
                steps[j] = int(big[-1]) if len(big) else int(np.argmax(clear))
            self._held_at[i, kind] = steps, v
        return self._held_at[i, kind]

    def _clear_of_end(self, i: int, j: int, v: np.ndarray, room: float) -> np.ndarray:
        """Per step, how far (data units, negative: not at all) the arrow drawn there
        keeps clear of where start ``j`` of run ``i`` ends, beyond ``room``: an arrow held
        over the ball at rest (and the star it rests on) hid the goal. Boxes are not held
        (:meth:`_held`)."""
        at = self.xy[i][: len(v), j]
        offset = at - self.xy[i][-1, j]
        lines = self.lines[i] if i < len(self.lines) else {}
        ax = next(iter(lines.values())).axes if lines and self.animated else None
        if ax is not None and not geometry._is3d(ax):  # as drawn: at least LEAST_PX
            ok = np.isfinite(at).all(-1) & np.isfinite(v).all(-1)
            v = v.copy()
            v[ok] = at_least_px(ax, at[ok], v[ok])
        return np.linalg.norm(offset, axis=-1) - np.hypot(v[:, 0], v[:, 1]) - room

    def update(self, s: float, k: int | None = None) -> list:
        """Move every glyph to step ``s``; return the artists to draw."""
        surface = self.race.surface
        for i, lines in enumerate(self.lines):
            ax = next(iter(lines.values())).axes if lines and self.animated else None
            for kind, path in self.geometry(i, s, ax).items():
                line = lines[kind]
                if geometry._is3d(line.axes):
                    z = _heights(surface, path)
                    line.set_data_3d(path[:, 0], path[:, 1], z)
                else:
                    line.set_data(path[:, 0], path[:, 1])
                if holds(self.raws[i], kind):  # a held glyph is a ghost: the ball moved on
                    line.set_alpha(GHOST if self.held(i, s).all() else None)
        return self.artists

    def key(self) -> tuple[list, list[str]]:
        """Legend handles and labels, each label with its scale."""
        return key_entries(self.raws, self.scales, self.theme, run_colors(self.race.trajectories))


class GlyphOverlay:
    """The glyphs as an animation overlay (``animate(..., glyphs=True)`` adds one).

    Built on an engine's first frame, on its axes: the glyph lines are animated artists
    drawn each frame; the balls are drawn again over them, so a glyph never hides its
    ball. The key is part of the figure when :func:`with_key`'s layout built it; otherwise it
    is added here and drawn each frame.
    """

    def __init__(self):
        self.engine: Any = None

    def __call__(self, engine, s: float) -> list:
        if self.engine is not engine:  # a new engine (each save or frames() makes one)
            movers = engine.movers
            axes = [m.trail.axes for m in movers]
            self.layer = GlyphLayer(engine.anim.race, axes, [m.color for m in movers], engine.theme)
            self.key = None
            if find_key(engine.fig) is None:
                self.key = add_key(self.layer, engine.fig, engine.panels, engine.loss_ax)
                if self.key is not None:
                    self.key.set_animated(True)
            self.insets = rate_insets(self.layer, find_key(engine.fig))
            if getattr(engine, "callouts", None) is not None:  # labels off the glyphs
                engine.callouts.reserve(lambda run, s, ax: self.layer.geometry(run, s, ax))
                engine.callouts.reserve(lambda run, s, ax: inset_boxes(self.insets, ax))
            self.engine = engine
        key = [] if self.key is None else [self.key]
        insets = [inset.update(s) for inset in self.insets]
        return [*self.layer.update(s), *key, *(m.ball for m in self.engine.movers), *insets]


def inset_boxes(insets: list, ax) -> dict:
    """The rate insets on ``ax``, each as the two corners (data) of its box with its step
    labels: a callout keeps off them as off a glyph (Adagrad's callout once covered its
    inset's rate line)."""
    renderer = ax.figure.canvas.get_renderer()
    out = {}
    for i, inset in enumerate(insets):
        if inset.ax not in ax.child_axes:
            continue
        box = inset.ax.get_tightbbox(renderer)
        out[f"inset {i}"] = ax.transData.inverted().transform([[box.x0, box.y0], [box.x1, box.y1]])
    return out


def _heights(surface, path: np.ndarray) -> np.ndarray:
    z = np.full(len(path), np.nan)
    ok = np.isfinite(path).all(axis=1)
    if ok.any():
        z[ok] = geometry.height(surface, path[ok], lift=0.015)
    return z


# -- the layout with the key in place -----------------------------------------------------
COUNTER = 0.045  # of the height: the animation's step counter in the lower left corner


def with_key(layout):
    """``layout`` (a function like :func:`optviz.render.race_figure.race_layout`, asked for a
    legend column) with the glyph key in place: the layout an animation with glyphs
    uses, so the key is laid out with the rest and drawn once."""

    def glyph_layout(race, kind: str, loss: bool, size, dpi: float, theme: str, title, **more):
        fig, panels, loss_ax = layout(race, kind, loss, size, dpi, theme, title, legend_column=True,
                                      **more)  # fmt: skip
        raws = [raw_glyphs(t) for t in race.trajectories]
        entries = key_entries(raws, scales(race, raws), theme, run_colors(race.trajectories))
        place_key(entries, fig, panels, loss_ax, race=race)
        # the map grows to the foot: keep the counter's corner free (a 3-D view has no
        # frame: the animation keeps the corner free only where the surface reaches it)
        if legend_column(fig) is not None and kind != "3d":
            fig.get_layout_engine().set(rect=(0, COUNTER, 1, 1 - COUNTER))
        return fig, panels, loss_ax

    return glyph_layout


def draw_static(race, fig, panels: list, loss_ax, kind: str, theme: str, at: int = 4) -> GlyphLayer:
    """Glyphs at ``at`` evenly spaced steps along each path of a static race figure."""
    axes = panels if kind == "panels" else [panels[0]] * len(race.trajectories)
    colors = run_colors(race.trajectories)
    steps = race.trajectories[0].steps
    marks = np.unique(np.linspace(0, max(steps - 1, 0), at).round().astype(int))
    for s in marks:
        layer = GlyphLayer(race, axes, colors, theme, animated=False)
        layer.update(float(s))
    add_key(layer, fig, panels, loss_ax)
    return layer
