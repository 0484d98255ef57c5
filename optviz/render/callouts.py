"""Callouts: a claim's key moment written on the picture, beside the ball it names.

A verdict (:mod:`optviz.analysis.claims`: ``claim``, ``holds``, ``step``, ``runs``,
``callout``) that holds is drawn as a short label ("GD stops: gradient = 0", "Adam
escapes at step 23") with a thin, neutral leader (the text's colour, faint: not a path)
to where the run it names was at its key step, ending at the edge of a ring of that run's
colour there.

Callouts explain a picture; they must not hide it, so:

* few show at a time, and those kept to the last frame stay from their moment on
  (:mod:`.callout_timing`: when);
* a label goes in empty space (:func:`.callout_placement.best_offset`: where): wholly
  inside its axes, over no ball, landmark marker (minimum, saddle, start ring) or other
  callout on screen with it while it shows, then over as little of the drawn paths as it
  can (a label must not hide the path it describes), near rather than across the map; a
  long label is broken into lines to fit. Its leader runs from the label to a point in
  the same axes, so it never leaves them;
* the ring marks where the ball was at the moment; once the moment has passed and the
  ball rests near there (a stop, an ending), the ring and leader follow the ball as it is
  drawn, so the ring is around the ball, not beside it; once the ball has gone on (or
  left the view), the ring is dropped and the leader keeps to the place of the moment: a
  ring left behind would read as a second ball.

What a label keeps clear of, and where the balls are, is read from the picture by
:mod:`.callout_scenery`.

Anything with those attributes is a verdict here: the render layer reads no claim.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.text import Text

from . import style
from .callout_placement import GAP_PX, broken_lines, leader_of, placement
from .callout_scenery import CalloutScenery, _marker_reach  # noqa: F401  (plots reads it)
from .callout_timing import (  # noqa: F401  (the callouts' interface, re-exported)
    AT_ONCE,
    FINAL_AT_MOST,
    CalloutClock,
    check_callouts,
    key_step,
    moments,
    shown,
)
from .geometry import _is3d
from .turning import flat_plot

CALLOUT_PT = 14.0  # 19 px at 100 dpi
RING_PT = 17.0  # the ring at the key moment, around a ball of 10 points
RING_ZORDER = 7.2  # over the paths, under the balls (a ring must not hide a fanned ball)
FOLLOW = 3.0  # ball diameters: a ring follows its ball once the ball rests this near the moment
LEADER_LW = 1.1  # points: thinner than any path (paths are 2 points and more)
LEADER_ALPHA = 0.6  # of the theme's text colour: a pointer, not a line of the picture
MARGIN = 4.0  # points kept between a label and the edge of its axes
WIDEST = 0.6  # of its axes' width: a wider label is broken into two lines

LABEL_OVER_LABEL = 3  # times a label's cover of another label counts against a spot


class CalloutLayer(CalloutScenery, CalloutClock, Artist):
    """The callouts of a race on its axes (``axes[i]``: where run ``i`` is drawn).

    In a still the layer is an artist of the first axes that places the labels when it
    is drawn (before them); an animation tells it its clock (:meth:`set_timeline`) and
    calls :meth:`update` each frame and draws what it returns.
    """

    def __init__(self, race, verdicts, axes: list, colors: list[str], theme: str,
                 animated: bool, loss_panel: bool = True):  # fmt: skip
        super().__init__()
        self.race, self.run_axes, self.colors, self.theme = race, axes, colors, theme
        self.steps = race.trajectories[0].steps
        self.items = []
        self.negated: dict[int, bool] = {}  # by label: the claim says what does not happen
        for v, run, text in one_ball_each(shown(verdicts), len(race.trajectories), loss_panel):
            text = _unnamed(text, race, run) if len({id(a) for a in axes}) > 1 else text
            label, ring = self._artists(axes[run], text, colors[run], animated)
            start = int(v.evidence.get("start_index", 0))  # the start the claim is about
            self.items.append((key_step(v, self.steps), (run, start), label, ring))
            self.negated[id(label)] = str(v.claim).lstrip().startswith("not ")
        self.finals = self._finals()
        self.timeline: np.ndarray | None = None  # each frame's step, and frames a second
        self.fps = 1.0
        self.placed_for: Any = None
        self._exits: dict[tuple, np.ndarray] = {}  # see _exit
        self.box_px: dict[int, np.ndarray] = {}  # by label: its box (px)
        self.text_px: dict[int, np.ndarray] = {}  # by label: where its text is anchored (px)
        self.moving: list = []  # see reserve
        self.set_gid("callout")
        self.set_zorder(RING_ZORDER - 0.05)  # a still: placed before its rings are drawn
        self.set_in_layout(False)
        self.set_animated(animated)

    def _artists(self, ax, text: str, color: str, animated: bool):
        from matplotlib.patheffects import withStroke

        face = style.THEMES[self.theme]["legend.facecolor"]
        label = ax.annotate(
            text,
            xy=(0, 0),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=style.at_least(CALLOUT_PT),
            color=style.ink(self.theme),
            bbox={"boxstyle": "round,pad=0.3", "fc": face, "ec": color, "lw": 2.0, "alpha": 0.94},
            arrowprops={  # neutral and thin: a leader in the run's colour reads as its path
                "arrowstyle": "-",
                "color": style.ink(self.theme),
                "alpha": LEADER_ALPHA,
                "lw": LEADER_LW,
                "shrinkA": 0,
                "shrinkB": RING_PT / 2,  # it ends at the ring's edge (see _point_at)
            },  # fmt: skip
            annotation_clip=False,
            zorder=9.7,
        )
        # on a 3-D axes a flat marker at the projected point, as the balls
        plot = flat_plot(ax) if _is3d(ax) else ax.plot
        ring = plot([], [], ls="none", marker="o", ms=RING_PT, mfc="none", mec=color, mew=2.4,
                    zorder=RING_ZORDER)[0]  # fmt: skip
        ring.set_path_effects([withStroke(linewidth=4.4, foreground=style.halo(self.theme))])
        ring.set_clip_on(False)  # a moment on the view's edge (an exit): the whole ring
        for a in (label, ring):
            a.set_in_layout(False)
            a.set_animated(animated)
            a.set_gid("callout")
            a.set_label("_nolegend_")
        return label, ring

    # -- where -------------------------------------------------------------------------
    def _placing_anchor(self, ax, item) -> np.ndarray:
        """Where a label is placed around (px): its ball at the moment; for one kept to the
        end whose ball rests there, the ball as drawn at the end (fanned out from others),
        where its leader will point: placed around the moment, the leader to a ball fanned
        to the far side passed another's ball and ended beside it."""
        step, (run, start), _, _ = item
        key = ax.transData.transform(self._position(ax, run, step, start))
        if item not in self.finals or _is3d(ax):
            return key
        fanned, whose = self._fanned_px(ax, self.steps)
        if (run, start) not in whose:
            return key
        end = fanned[whose.index((run, start))]
        reach = FOLLOW * 10.0 * ax.figure.dpi / 72
        return end if np.hypot(*(end - key)) <= reach else key

    def _room(self, ax) -> np.ndarray:
        """Where a label may go: its axes inside the figure, less a margin (px); an axes
        drawn without a frame (the 3-D view, shaped to its surface) lends its labels its
        whole layout cell."""
        fig = ax.figure
        x0, y0, x1, y1 = ax.bbox.extents
        if not ax.axison and ax.get_subplotspec() is not None:
            cell = ax.get_position(original=True).transformed(fig.transFigure)
            x0, y0, x1, y1 = (
                np.minimum(cell.p0, [x0, y0]).tolist() + np.maximum(cell.p1, [x1, y1]).tolist()
            )
        fx0, fy0, fx1, fy1 = fig.bbox.extents
        m = MARGIN * fig.dpi / 72
        return np.array([max(x0, fx0) + m, max(y0, fy0) + m, min(x1, fx1) - m,
                         min(y1, fy1) - m])  # fmt: skip

    def _size(self, label, ax, renderer) -> tuple[float, float]:
        """The label's box (px, its text and padding), broken into lines first where
        wider than :data:`WIDEST` of its axes."""
        pad = self._pad(label, ax)
        extent = Text.get_window_extent(label, renderer)  # the text alone, not its leader
        room = WIDEST * ax.bbox.width - 2 * pad
        words = label.get_text().replace("\n", " ").split(" ")
        lines = 1
        while extent.width > room and lines < min(len(words), 4):
            lines += 1
            label.set_text(broken_lines(words, lines))
            extent = Text.get_window_extent(label, renderer)
        return extent.width + 2 * pad, extent.height + 2 * pad

    @staticmethod
    def _pad(label, ax) -> float:
        """Between the text and the edge of its box, the edge's line included (px)."""
        return 0.3 * label.get_fontsize() * ax.figure.dpi / 72 + 2.0

    def _anchor_now(self, item, s: float) -> tuple[np.ndarray, bool]:
        """Where ``item``'s ring and leader point at step ``s`` (2-D data), and whether its
        ring is drawn: where its ball was at the moment; after it, while the ball rests
        within :data:`FOLLOW` diameters of there (a stop, an ending), the ball as drawn
        (fanned out from others), so the ring is around it; once the ball has gone on, the
        leader keeps to the place of the moment and the ring is dropped: left there, it
        would read as a second ball (on a 3-D view too: saddle --3d's rings left mid-path
        read as extra balls)."""
        step, (run, start), _, _ = item
        ax = self.run_axes[run]
        key = self._position(ax, run, step, start)
        if s <= step:
            return key, True
        at = min(int(np.floor(s)), self.steps)
        now = self._position(ax, run, at, start)
        to_px = ax.transData.transform
        reach = FOLLOW * 10.0 * ax.figure.dpi / 72  # a ball is about 10 points across
        if not self._in_view(ax, run, at, start) or np.hypot(*(to_px(now) - to_px(key))) > reach:
            return key, False
        if _is3d(ax):  # its balls are placed by the camera: the ring stays on the moment
            return key, True
        drawn = self._drawn_balls(ax, run)
        if not len(drawn):
            return now, True
        near = np.hypot(*(to_px(drawn) - to_px(now)).T)
        return (drawn[int(np.argmin(near))] if near.min() <= reach else now), True

    def _point_at(self, item, at) -> None:
        """Point ``item``'s leader and ring at ``at`` (2-D data), its text where placed."""
        _, (run, _), label, ring = item
        ax = self.run_axes[run]
        label.xy = (float(at[0]), float(at[1]))
        ring.set_data([label.xy[0]], [label.xy[1]])
        label.arrowprops["shrinkB"] = ring.get_markersize() / 2 + 1.0  # at the ring's edge
        text = self.text_px.get(id(label))
        if text is not None:
            label.xyann = tuple((text - ax.transData.transform(at)) / (ax.figure.dpi / 72))
        self._aim(label)

    def _aim(self, label) -> None:
        """Start ``label``'s leader at its text's point nearest the ball, so that it leaves
        the box where it was placed to (:func:`.callout_placement.leader_of`): from the
        text's middle, matplotlib's default, it left twin_wells's "Reaches a minimum" box
        right above the other ball and ran down past it."""
        box = self.box_px.get(id(label))
        if box is None:
            return
        pad = self._pad(label, label.axes)
        lo, hi = box[:2] + pad, box[2:] - pad  # the text's extent in its box
        tip = label.axes.transData.transform(label.xy)
        # read once by matplotlib from arrowprops["relpos"], then kept here
        label._arrow_relpos = tuple(np.clip((tip - lo) / np.maximum(hi - lo, 1.0), 0.0, 1.0))

    def place(self, renderer) -> None:
        """Choose each label's place (once per layout: the axes do not move per frame):
        each avoids the labels placed before it that show at the same time; of a few
        orders (the kept ones first, then by moment; and each label first once), the one
        whose labels cost least together (placed one by one, the first label took the
        only free spot beside the second's ball: adaptive_ravine)."""
        token = tuple(tuple(ax.bbox.bounds) for ax in dict.fromkeys(self.run_axes))
        if token == self.placed_for or not self.items:
            return
        base = [*self.finals, *sorted((i for i in self.items if i not in self.finals),
                                      key=lambda i: i[0])]  # fmt: skip
        fixed = {id(item[2]): self._surroundings(item, renderer) for item in base}
        best = None
        for order in _orders(base):
            chosen, cost = self._placed_in(order, fixed)
            if best is None or cost < best[1]:
                best = (chosen, cost)
        for item in base:
            self._put(item, fixed[id(item[2])][0], *best[0][id(item[2])])
        self.placed_for = token

    def _surroundings(self, item, renderer) -> tuple:
        """What placing ``item``'s label needs that other labels do not change: where it
        points from (px), what it keeps off, the paths drawn while it shows, its size, until
        when it shows, and the other balls its leader passes clear of."""
        step, (run, start), label, ring = item
        ax = self.run_axes[run]
        until = self._until(item)
        boxes = [self._seen_balls(ax, item), *self._markers(ax), *self._edge_notes(ax),
                 *self._texts(ax, renderer), *self._moving_px(ax, item)]  # fmt: skip
        drawn = self._paths_px(ax, self.steps if item in self.finals else until)
        label.xy = tuple(self._position(ax, run, step, start))
        ring.set_data([label.xy[0]], [label.xy[1]])
        return (
            self._placing_anchor(ax, item),
            np.vstack(boxes),
            drawn,
            self._shapes(label, ax, renderer),
            until,
            self._other_balls(ax, item),
        )

    def _shapes(self, label, ax, renderer) -> list[tuple[str, tuple]]:
        """The label's texts to try, each with its box's size (px): as :meth:`_size` breaks
        it, and a one-line label of four words or more also in two lines (saddle's 417 px
        "Momentum escapes the saddle at step 42" fitted nowhere off the paths)."""
        words = label.get_text().replace("\n", " ").split(" ")
        size = self._size(label, ax, renderer)  # broken into lines where wide
        shapes = [(label.get_text(), size)]
        if "\n" not in shapes[0][0] and len(words) >= 4:
            label.set_text(broken_lines(words, 2))
            shapes.append((label.get_text(), self._size(label, ax, renderer)))
            label.set_text(shapes[0][0])
        return shapes

    def _placed_in(self, order, fixed) -> tuple[dict, tuple]:
        """Each label's ``(ha, va, box)`` placed in ``order``, and their summed cost."""
        placed: list[tuple] = []  # (axes, box, from step, to step, leader)
        chosen, total = {}, None
        gap = GAP_PX * np.array([-1.0, -1.0, 1.0, 1.0])  # kept clear around each label
        for item in order:
            step, (run, _), label, _ = item
            ax = self.run_axes[run]
            anchor, boxes, drawn, shapes, until, balls = fixed[id(label)]
            together = [p for p in placed if p[0] is ax and p[2] <= until and step <= p[3]]
            # a label over a label reads as one garbled box: its cover counts thrice
            boxes = np.vstack([boxes, *[(p[1] + gap)[None] for p in together] * LABEL_OVER_LABEL])
            tried = []
            for k, (text, size) in enumerate(shapes):  # one line where it costs no more
                (_, ha, va, box), cost = placement(anchor, size, boxes, self._room(ax),
                                                   ax.figure.dpi / 72, drawn,
                                                   [p[4] for p in together],
                                                   balls)  # fmt: skip
                tried.append(((*cost[:-1], cost[-1] + k), (ha, va, box, text)))
            cost, (ha, va, box, text) = min(tried, key=lambda t: t[0])
            chosen[id(label)] = (ha, va, box, text)
            placed.append((ax, box, step, until, leader_of(anchor, box)))
            total = cost if total is None else tuple(np.add(total, cost))
        return chosen, total

    def _put(self, item, anchor, ha: str, va: str, box: np.ndarray, text: str) -> None:
        """Set ``item``'s label, ``text``, in ``box`` (px), aligned ``ha``, ``va``."""
        label = item[2]
        label.set_text(text)
        pad = self._pad(label, label.axes)  # the text sits inside the box by its padding
        text_at = np.array([
            {"left": box[0] + pad, "right": box[2] - pad}.get(ha, (box[0] + box[2]) / 2),
            {"bottom": box[1] + pad, "top": box[3] - pad}.get(va, (box[1] + box[3]) / 2),
        ])  # fmt: skip
        label.xyann = tuple((text_at - anchor) / (label.figure.dpi / 72))  # points
        self.text_px[id(label)] = text_at
        self.box_px[id(label)] = box
        label.set_ha(ha)
        label.set_va(va)

    def update(self, s: float, renderer) -> tuple[list, list]:
        """The rings (drawn under the balls) and the labels (over them) shown at step
        ``s`` (see :meth:`current`), a fading one fainter."""
        self.place(renderer)
        if _is3d(self.run_axes[0]) and self.items:  # a turning camera moves the points
            for step, (run, start), label, ring in self.items:
                label.xy = tuple(self._position(self.run_axes[run], run, step, start))
                ring.set_data([label.xy[0]], [label.xy[1]])
                self._aim(label)
        now = self.current(s)
        ringless = set()
        for item in now:
            at, ringed = self._anchor_now(item, s)
            if not _is3d(self.run_axes[item[1][0]]):
                self._point_at(item, at)
            if not ringed:
                ringless.add(id(item[2]))
            _fade(item[2], item[3], self._strength(item, s))
        rings = [item[3] for item in now
                 if id(item[2]) not in ringless and not self._on_landmark(item)]  # fmt: skip
        return rings, [item[2] for item in now]

    def _on_landmark(self, item) -> bool:
        """Whether ``item``'s ring would lie on a landmark's outline (a ball resting in a
        minimum): there the outline rings the ball, and a ring over it would hide it."""
        label = item[2]
        ax = label.axes
        at = ax.transData.transform(label.xy)
        reach = (RING_PT / 2 + 2) * ax.figure.dpi / 72
        for box in self._markers(ax):
            centres = (box[:, :2] + box[:, 2:]) / 2
            radii = (box[:, 2] - box[:, 0]) / 2
            if np.any(np.hypot(*(centres - at).T) < radii + reach - 6 * ax.figure.dpi / 72):
                return True
        return False

    def draw(self, renderer) -> None:
        """A still (its last step): place the labels and show the kept ones; the axes
        draws them after this layer."""
        if self.get_visible():
            from .balls import balls_of

            self.place(renderer)
            for ax in dict.fromkeys(self.run_axes):  # where the balls are drawn (fanned out)
                layout = balls_of(ax)
                if layout is not None and not _is3d(ax):
                    layout.place()
            now = self.current(self.steps)
            ringless = set()
            for item in now:
                at, ringed = self._anchor_now(item, float(self.steps))
                if not _is3d(self.run_axes[item[1][0]]):
                    self._point_at(item, at)
                self._aim(item[2])
                if not ringed:
                    ringless.add(id(item[2]))
            shown_now = {id(item[2]) for item in now}
            ringed = {id(item[2]) for item in now
                      if id(item[2]) not in ringless and not self._on_landmark(item)}  # fmt: skip
            for _, _, label, ring in self.items:
                label.set_visible(id(label) in shown_now)
                ring.set_visible(id(label) in ringed)
        self.stale = False


def _unnamed(text: str, race, run: int) -> str:
    """``text`` without the run's name in front, where each run has a panel whose title
    names it: four panels' callouts repeating "GD (noise on the gradient σ 0.5)" covered
    a fifth of each map."""
    from ..analysis.claim_grammar import shown_names

    name = shown_names(race.trajectories)[run]
    after = next((s for s in (" ", ": ") if text.startswith(name + s)), None)
    rest = text[len(name) + len(after) :] if after else ""
    return rest[:1].upper() + rest[1:] if rest else text


def words_of(verdict, loss_panel: bool) -> tuple[str, str]:
    """A verdict's ``(callout, also)`` for a picture with or without a loss panel: without
    one, its map words where it has them (``on_map``), so a callout quotes only what the
    picture shows ("Momentum gets its loss down (1,000× lower)" could not be checked on a
    map; "Momentum settles near the minimum by step 21" can)."""
    on_map = getattr(verdict, "on_map", ())
    if not loss_panel and on_map:
        return on_map[0], on_map[1]
    return verdict.callout, getattr(verdict, "also", "")


def one_ball_each(verdicts, runs: int, loss_panel: bool = True) -> list[tuple]:
    """``(verdict, run, text)`` of each callout drawn (in words for a picture with or
    without a loss panel, :func:`words_of`): a verdict's own, at its first run;
    and where it compares two runs and gives the second words of its own (``also``), those
    at the second, unless another verdict speaks of that run already. One callout points
    at one ball: a second leader from "Adam arrives first" was followed to the other
    run's ball, read as Adam's."""
    own = {v.runs[0] for v in verdicts}
    out = []
    for v in verdicts:
        text, also = words_of(v, loss_panel)
        if 0 <= v.runs[0] < runs:
            out.append((v, v.runs[0], text))
        if also and len(v.runs) > 1 and 0 <= v.runs[1] < runs and v.runs[1] not in own:
            own.add(v.runs[1])
            out.append((v, v.runs[1], also))
    return out


def _orders(items: list) -> list[list]:
    """The orders in which labels are tried: every one of up to three; of more, ``items``
    as given and each label first once."""
    if len(items) <= 3:
        return [list(p) for p in itertools.permutations(items)]
    return [items, *([items[k], *items[:k], *items[k + 1 :]] for k in range(1, len(items)))]


def _fade(label, ring, alpha: float) -> None:
    """Draw a callout at ``alpha`` of its full strength (text, box, leader and ring)."""
    label.set_alpha(alpha)
    label.get_bbox_patch().set_alpha(0.94 * alpha)
    if label.arrow_patch is not None:
        label.arrow_patch.set_alpha(LEADER_ALPHA * alpha)
    ring.set_alpha(alpha)


def add_callouts(race, verdicts, axes: list, colors: list[str], theme: str,
                 loss_panel: bool = True) -> CalloutLayer | None:  # fmt: skip
    """A still's callouts (see the module docs), or None when no verdict is shown;
    ``loss_panel``: whether the still draws one (see :func:`words_of`)."""
    if not shown(verdicts):
        return None
    layer = CalloutLayer(race, verdicts, axes, colors, theme, animated=False,
                         loss_panel=loss_panel)  # fmt: skip
    axes[0].add_artist(layer)
    return layer
