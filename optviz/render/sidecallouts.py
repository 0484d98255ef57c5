"""Callouts on the side view of a curve: each beside the ball of the run it names, in
that run's panel, broken into lines that fit the room beside the curve's walls, and kept
off the curve, the jumps' arcs and the trail rolled so far."""

from __future__ import annotations

import numpy as np
from matplotlib.text import Text

from .callout_placement import broken_lines
from .callouts import CalloutLayer
from .curveballs import CROSS_ROOM
from .landmarks import LANDMARK_ZORDER
from .paths import run_colors

INK_PT = 5.0  # points around the curve's and trails' ink that a label keeps off
INK_WEIGHT = 2  # times the cover of that ink counts against a spot
CALLOUT_WIDEST = 0.42  # of its panel's width: a wider callout is broken into more lines


class SideCallouts(CalloutLayer):
    """Callouts (:class:`.callouts.CalloutLayer`) on the side view: each beside the ball
    of the run it names, in that run's panel, at its key step, with its ring around the
    ball (larger than a map's ball)."""

    def __init__(self, race, verdicts, balls: list, theme: str, animated: bool):
        self.balls = balls  # one per run: where each ball is at any step
        colors = run_colors(race.trajectories)
        super().__init__(race, verdicts, [b.ax for b in balls], colors, theme, animated)
        for _, (run, _start), _label, ring in self.items:
            ring.set_markersize(2 * balls[run].radius + 8)
            # over the ball and the landmark it may rest on (the ring names the ball)
            ring.set_zorder(LANDMARK_ZORDER - 0.05)
        for item in self._at_crosses():
            _, (run, start), label, _ = item
            note = balls[run].exits[start]
            if note.get_text() and "the view" not in label.get_text():
                label.set_text(f"{label.get_text()}: {note.get_text()}")
        for _, (run, start), label, _ in self.items:
            # a callout that tells where the ball left makes the note at its cross a second
            # step for one story; a callout that tells only its fate ("diverges") keeps it
            if "the view" in label.get_text():
                balls[run].exits[start].set_text("")

    def _at_crosses(self) -> list:
        """Per ball that left the view, the callout shown longest at its cross (the last
        one, a final first): it tells the note's words too, since two boxes side by side at
        the frame's edge cross each other (the callout's leader runs through the note)."""
        out = {}
        for item in sorted(self.items, key=lambda i: (i in self.finals, i[0])):
            step, (run, start), _, _ = item
            if 0 <= self.balls[run].roll.left_at[start] <= step:
                out[(run, start)] = item
        return list(out.values())

    def _size(self, label, ax, renderer) -> tuple[float, float]:
        """The label's box (px), broken into as many lines (up to 4) as it takes to be at
        most :data:`CALLOUT_WIDEST` of its panel wide: a panel's empty room is beside the
        curve's walls, narrower than a map's, and a wide label has nowhere to go but over
        the balls at the bottom of the curve."""
        pad = self._pad(label, ax)
        room = CALLOUT_WIDEST * ax.bbox.width - 2 * pad
        words = _phrases(_minus_signs(label.get_text()).replace("\n", " ").split(" "))
        for lines in range(1, min(len(words), 4) + 1):
            label.set_text(broken_lines(words, lines))
            extent = Text.get_window_extent(label, renderer)  # the text alone
            if extent.width <= room:
                break
        return extent.width + 2 * pad, extent.height + 2 * pad

    def _position(self, ax, run: int, step: int, start: int = 0) -> np.ndarray:
        """Where the ball is at ``step``; a ball out of the view is at its cross, where
        it left (a run diverging far away is called out there)."""
        b = self.balls[run]
        centre, _, shown, _ = b.roll.place(float(step))
        if not shown[start] and 0 <= b.roll.left_at[start] <= step:
            return b.page.to_data(b.roll.edge_points(CROSS_ROOM)[start])
        i = start if shown[start] or not shown.any() else int(np.argmax(shown))
        return b.page.to_data(centre[i])

    def _ball_radius_px(self, ax) -> float:
        return next(b for b in self.balls if b.ax is ax).radius * ax.figure.dpi / 72

    def _balls_px(self, ax, step: int) -> np.ndarray:
        """The balls at ``step`` in pixels, and a still's strobe: each ghost ball and the
        step number over it (a label must cover neither)."""
        b = next(b for b in self.balls if b.ax is ax)
        centre, _, shown, _ = b.roll.place(float(step))
        end, _, at_end, _ = b.roll.place(float(b.roll.steps))
        ghosts = np.vstack([np.array(b.ghosts).reshape(-1, 2), end[at_end]])
        numbers = ghosts + np.array([0.0, 2 * b.radius])  # the step numbers over them
        pts = np.vstack([centre[shown], ghosts, numbers])
        return ax.transData.transform(b.page.to_data(pts).reshape(-1, 2))

    def _paths_px(self, ax, until: float) -> np.ndarray:
        """What a label must not hide on a side view (px, every couple of pixels along
        it): the curve itself (the ground the balls roll on), the arcs of the jumps made
        by step ``until`` and the trail rolled by then, counted again over the curve (the
        way a ball came is what the lesson is about; the rest of the curve is scenery)."""
        from .callout_placement import dense as _dense

        every = 2.0 * ax.figure.dpi / 72
        out = [np.zeros((0, 2))]
        for line in ax.get_lines():
            if line.get_gid() == "curve":
                pts = ax.transData.transform(np.asarray(line.get_xydata(), float))
                out.append(_evenly(pts[np.isfinite(pts).all(1)], every))
        for b in self.balls:
            if b.ax is ax:
                arcs, _ = b.roll.arcs_until(float(until))
                for way in [*arcs, *b.roll.rolled_until(float(until))[0]]:
                    out.append(_dense(ax.transData.transform(b.page.to_data(way)), every))
        return np.vstack(out)

    def _ink(self, ax) -> np.ndarray:
        """Small boxes (px) over the curve and, to the end of the run, the trails, jumps
        and turning ticks on ``ax``: the label of a side view covers none of them. As
        boxes they weigh like balls (a path under a label is counted lighter, and a
        label would rather graze the curve than stand a little farther off, where the
        room between the walls is empty)."""
        half = INK_PT * ax.figure.dpi / 72
        pts = self._paths_px(ax, self.steps)
        ticks = [np.zeros((0, 2))]
        for b in self.balls:
            if b.ax is ax:
                ticks.append(_segments_px(ax, b.ticks.get_segments()))
        ticks = np.vstack(ticks)
        # a tick is short: a label's corner on it hides where a swing turned back, so it
        # keeps twice the room (momentum_swing's label beside the lanes grazed one)
        boxes = np.vstack(
            [np.c_[pts - half, pts + half], np.c_[ticks - 2 * half, ticks + 2 * half]]
        )
        # counted twice: a box over the curve's wall hides the ground the lesson is on,
        # worse than a leader grazing a step number (momentum_swing's longer "reaches the
        # minimum at step 32" sat over the wall beside the settled ball)
        return np.vstack([boxes] * INK_WEIGHT)

    def _edge_notes(self, ax) -> list:
        """The "left the view at step k" notes beside the crosses (px boxes), and the ink
        of the curve, the trails, the jumps and the turning ticks (:meth:`_ink`)."""
        renderer = ax.figure.canvas.get_renderer()
        out = [self._ink(ax)]
        for b in self.balls:
            if b.ax is not ax:
                continue
            for note, k in zip(b.exits, b.roll.left_at, strict=True):
                if k < 0 or not note.get_text():
                    continue
                was = note.get_visible()
                note.set_visible(True)
                out.append(np.array(note.get_window_extent(renderer).extents)[None])
                note.set_visible(was)
        return out


def _segments_px(ax, segments) -> np.ndarray:
    """Points every couple of pixels along line segments given in data units."""
    from .callout_placement import dense

    every = 2.0 * ax.figure.dpi / 72
    out = [dense(ax.transData.transform(np.asarray(seg, float)), every) for seg in segments]
    return np.vstack([np.zeros((0, 2)), *out])


def _phrases(words: list[str]) -> list[str]:
    """``words`` with a bracketed phrase kept as one ("(μ 0.98)", "(lr 0.01)") and an
    equation too ("x = −0.67,"): a line break inside either would part a name from its
    number ("Ends at x / = -0.67")."""
    out: list[str] = []
    open_ = joining = False
    for w in words:
        if (open_ or joining or w == "=") and out:
            out[-1] += " " + w
        else:
            out.append(w)
        open_ = (open_ or "(" in w) and ")" not in w
        joining = w == "="
    return out


def _minus_signs(text: str) -> str:
    """``text`` with a hyphen before a number set as a minus sign ("x = −0.67"): a hyphen
    is shorter and sits lower, and a line may break after it."""
    import re

    return re.sub(r"(?<![\w.])-(?=\.?\d)", "\u2212", text)


def _evenly(px: np.ndarray, every: float) -> np.ndarray:
    """Points along the polyline ``px`` ``(t, 2)`` about ``every`` apart (a densely sampled
    curve counts by its length, as a path does)."""
    if len(px) < 2:
        return px
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))])
    at = np.arange(0.0, along[-1] + every / 2, every)
    return np.column_stack([np.interp(at, along, px[:, 0]), np.interp(at, along, px[:, 1])])
