"""The frame engine of an animation (:mod:`.animate`): the figure built once, each frame
drawn by restoring its background and drawing only what moves.

How a frame is made: the figure (contours or 3-D mesh, colorbar, labels, legend) is
drawn once with every moving artist marked ``animated`` (so it is left out), and the
Agg canvas is copied. Each frame restores that copy (``restore_region``), updates the
trails, balls (placed by :mod:`.balls`), crosses, side panels and step counter, draws
only them (``draw_artist``) and returns the RGB buffer. A 3-D animation with ``rotate``
draws its 3-D axes again every frame over the rest of the figure drawn once
(:func:`.turning.cheap_axes`). Each run's own artists (its trail, ball and crosses) are
built and moved by :mod:`.movers`.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np

from . import (
    balls,
    clock,
    edge_marks,
    losses,
    paths,
    plots,
    race_figure,
    side_panels,
    start_marks,
    style,
    turning,
)
from .camera3d import covers
from .counter import StepCounter
from .geometry import _is3d
from .layout import part_titled_rows
from .movers import Mover, build_mover, move


class _Engine:
    """Builds the figure once and renders frames by blitting onto its background."""

    def __init__(self, anim: Any):  # an animate.Animation
        self.anim = anim
        self.theme = anim.theme
        race = anim.race
        self.rotating = anim.kind == "3d" and anim.rotate is not False
        with contextlib.ExitStack() as scope:
            scope.enter_context(style.themed(self.theme))
            scope.enter_context(plots.offscreen())  # frames, never a window
            if self.rotating:  # every frame draws the surface: as one picture, not quads
                scope.enter_context(plots.surfaces_as_pictures())
            layout = anim.layout or race_figure.race_layout  # a caller may build its own figure
            more = {"side": anim.side} if anim.side else {}  # (a caller's layout may take none)
            self.fig, self.panels, self.loss_ax = layout(
                race, anim.kind, anim.loss, anim.size, anim.dpi, anim.theme, anim.title, **more
            )
            if self.rotating:
                turning.room_to_turn(self.fig)
            self.movers: list[Mover] = []
            self.styles = paths.path_styles(race.trajectories, one_map=anim.kind != "panels",
                                            full=paths.zigzag_runs(anim.callouts),
                                            view=_map_view(self.panels[0]))  # fmt: skip
            for i, (traj, ps) in enumerate(zip(race.trajectories, self.styles, strict=True)):
                axes = self.panels[i] if anim.kind == "panels" else self.panels[0]
                self.movers.append(build_mover(axes, traj, ps, i, anim, self.rotating))
            self.side_frames = self._side_frames()
            self._starts()
            self.places = self._ball_layouts()
            self.callouts = None
            if anim.callouts:
                from .callouts import CalloutLayer

                axes = [m.trail.axes for m in self.movers]
                colors = [m.color for m in self.movers]
                panel = self.loss_ax is not None  # the words of a loss, or of a map alone
                self.callouts = CalloutLayer(
                    race, anim.callouts, axes, colors, self.theme, animated=True, loss_panel=panel
                )
                self.callouts.set_timeline(anim.frame_steps(), anim.fps)
            race_figure.legend(self.fig, race, self.loss_ax, self.panels, anim.kind,
                               x=losses.loss_x(anim.loss))  # fmt: skip
            self.landmarks = self._landmarks_over_trails()
            self.counter = StepCounter(self.fig, self.theme, anim.steps)
            style.raise_type(self.fig)  # a preset's floor, on texts sized by their code
            self.canvas = self.fig.canvas
            self.canvas.draw()
            self._clear_counter_corner()
            part_titled_rows(self.fig)  # a grid of panels: titles clear of the row above
            self.fig.set_layout_engine("none")  # positions are final: never re-layout
            moving = [*self.panels, *side_panels.side_axes(self.fig).values(), self.loss_ax]
            if not self.counter.prepare(self.canvas, moving):
                self.canvas.draw()  # the counter is drawn every frame: not in the background
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            self.palette = self._palette()
        if self.rotating:
            ax = self.panels[0]
            self.azim0, self.elev = ax.azim, ax.elev
            self.turn = 90.0 if anim.rotate is True else float(anim.rotate)
            self.clock = clock.motion_clock(race.trajectories, anim.moments())
            with style.themed(self.theme):
                turning.cheap_axes(ax)
                self.static = self._drawn_without(ax)

    # -- building -------------------------------------------------------------------
    def _clear_counter_corner(self) -> None:
        """Lay the figure out again above the step counter's strip when the counter
        would sit on a panel's tick labels or a legend (a map that fills its frame
        reaches the lower-left corner)."""
        engine = self.fig.get_layout_engine()
        if engine is None or not hasattr(engine, "set"):
            return
        renderer = self.canvas.get_renderer()
        counter = self.counter.text.get_window_extent(renderer)
        # (a 3-D view's box is not drawn: only its surface and texts count, see covers)
        covered = any(covers(ax, counter, renderer) for ax in self.fig.axes if ax.get_visible())
        legends = [leg.get_window_extent(renderer) for leg in self.fig.legends]
        if not covered and not any(box.overlaps(counter) for box in legends):
            return
        strip = (counter.y1 + 2) / self.fig.bbox.height
        x0, y0, w, h = engine.get().get("rect", (0, 0, 1, 1))
        if y0 < strip:
            engine.set(rect=(x0, strip, w, h - (strip - y0)))
            self.canvas.draw()

    def _landmarks_over_trails(self) -> list:
        """The maps' landmark outlines (and a still camera's 3-D view's), left out of the
        background and drawn each frame after the trails, as a still draws them (a trail
        looping over the minimum buried its star; the global minimum's fill too, over the
        paths and under their marks). Marked after the legend is made, so its
        samples stay in the background."""
        marks = [a for ax in self.panels if not (_is3d(ax) and self.rotating)
                 for a in ax.get_lines()
                 if a.get_gid() in ("landmark", "landmark-rest", "landmark-over")
                 or a.get_gid() == "landmark-fill"]  # fmt: skip
        for artist in marks:
            artist.set_animated(True)
        return marks

    def _starts(self) -> None:
        """Start markers are static: draw them into the background (one ring per start)."""
        trajs = self.anim.race.trajectories
        if self.anim.kind == "panels":
            for ax, traj in zip(self.panels, trajs, strict=True):
                start_marks.mark_starts(ax, [traj], self.theme)
        else:
            start_marks.mark_starts(self.panels[0], trajs, self.theme)

    def _ball_layouts(self) -> list:
        """Per axes: the layout that places its balls and, on a map, the marks of balls
        that left the view (:mod:`.balls`)."""
        out = []
        for ax in dict.fromkeys(m.trail.axes for m in self.movers):
            movers = [m for m in self.movers if m.trail.axes is ax]
            layout = balls.BallLayout(ax, [m.ball for m in movers], self.theme)
            layout.set_animated(True)
            layout.trails = [m.traj.xy for m in movers]  # a ball on a landmark: its side
            moving = np.unique(self.anim.frame_steps())
            moving = moving[moving > 0]  # the start's fan closes over 8 moving frames at least
            eight = float(moving[min(7, len(moving) - 1)]) if len(moving) else 1.0
            layout.collapse = min(eight, 0.1 * self.anim.steps)  # (a short one: a tenth)
            edges = None
            if not plots._is3d(ax):
                names = paths.short_names([m.traj for m in movers])
                colors = [m.color for m in movers]
                edges = edge_marks.EdgeMarks(ax, colors, self.theme, animated=True, names=names)
            out.append((movers, layout, edges))
        return out

    def _side_frames(self) -> list:
        """Each side panel's ``update(s)`` (:mod:`.side_panels`), the loss panel's first."""
        axes = side_panels.side_axes(self.fig)
        if self.loss_ax is not None:  # (a caller's own layout names it only so)
            axes.setdefault("loss", self.loss_ax)
        chosen = side_panels.side_panels(self.anim.side, self.anim.loss)
        race = self.anim.race
        return [p.frames(axes[p.name], race, self.styles, self.theme) for p in chosen]

    @property
    def loss_lines(self) -> list:
        """The loss panel's ``(line, dot, curves, note)`` per run (empty without one)."""
        loss = [f for f in self.side_frames if isinstance(f, side_panels.LossFrames)]
        return loss[0].lines if loss else []

    def _palette(self):
        """One palette for the whole animation: scene colors first, then the background's.

        The scene colors are every optimizer's color, the theme's ink and background,
        and their blends (what antialiased edges of lines and markers produce).
        """
        from matplotlib.colors import to_rgb

        from .gif import make_palette

        bg = np.asarray(self.canvas.buffer_rgba())[..., :3]
        face = np.array(to_rgb(style.THEMES[self.theme]["figure.facecolor"])) * 255
        ink = np.array(to_rgb(style.ink(self.theme))) * 255
        ground = np.median(bg.reshape(-1, 3), axis=0)
        scene = [ink, face, (255, 255, 255), (0, 0, 0)]
        for m in self.movers:
            c = np.array(to_rgb(m.color)) * 255
            scene.append(c)
            for other in (ground, ink):
                scene.extend(c + (other - c) * a for a in (0.3, 0.6))
        for overlay in self.anim.overlays:  # an overlay's translucent colors, e.g. bands
            scene.extend(getattr(overlay, "colors", lambda: [])())
        colors = np.clip(np.round(scene), 0, 255).astype(np.uint8)
        return make_palette(bg, colors)

    # -- drawing --------------------------------------------------------------------
    def frame(self, s: float) -> np.ndarray:
        """Render the frame showing step ``s`` (fractional: interpolated)."""
        if self.rotating:
            self._rotate(s)  # the canvas holds the new background
        else:
            self.canvas.restore_region(self.background)
        k = int(math.floor(s))
        for m in self.movers:
            move(m, s, k, self.anim.trail, self.rotating)
        for _, layout, _ in self.places:
            layout.step = s  # the fan at the start closes over the first steps
        marks = self._place_balls()
        rings: list = []
        labels: list = []
        if self.callouts is not None:
            rings, labels = self.callouts.update(s, self.canvas.get_renderer())
        movers = sorted(self.movers, key=lambda m: m.trail.get_zorder())
        # the paths in zorder across runs (the outlines of paths side by side under both
        # lines), then the rings of callouts, then the balls over them
        lines = [a for m in movers for a in m.artists if a is not m.ball]
        for artist in sorted(lines, key=lambda a: a.get_zorder()):
            artist.axes.draw_artist(artist)
        for artist in self.landmarks:  # the target's fill over every path: it stays in sight
            if artist.get_gid() == "landmark-fill":
                artist.axes.draw_artist(artist)
        for m in movers:  # each run's marks over every trail: its shape on every stretch
            if m.marks is not None:
                m.marks.axes.draw_artist(m.marks)
        for overlay in self.anim.overlays:  # glyphs, evaluations: under the stars and balls
            for artist in overlay(self, s):
                (artist.axes or self.fig).draw_artist(artist)
        under = [a for a in self.landmarks if a.get_gid() in ("landmark", "landmark-rest")]
        for artist in under:  # over the trails, under the rings and balls
            artist.axes.draw_artist(artist)
        over = [a for a in self.landmarks if a.get_gid() == "landmark-over"]  # a minimum's hairline
        for artist in [*rings, *(m.ball for m in movers), *over, *marks]:
            artist.axes.draw_artist(artist)
        for update in self.side_frames:  # at the same (fractional) step as the balls
            for artist in update(s):
                artist.axes.draw_artist(artist)
        for label in labels:  # callouts over everything, glyph boxes and side panels too
            label.axes.draw_artist(label)
        self.counter.draw(self.canvas, min(k, self.anim.steps))
        # a contiguous copy of the RGBA buffer is ~50x cheaper than gathering RGB out of it;
        # the RGB view into it is what callers see, the encoder compares whole pixels
        return np.array(self.canvas.buffer_rgba())[..., :3]

    def _place_balls(self) -> list:
        """Place every axes' balls where they are drawn; return the badges and edge marks."""
        drawn = []
        for movers, layout, edges in self.places:
            layout.set_positions([m.heads for m in movers])
            drawn += layout.place()
            if edges is not None:
                drawn += edges.update([m.gone for m in movers])
        return drawn

    def _rotate(self, s: float) -> None:
        ax = self.panels[0]
        frac = float(np.interp(s, np.arange(len(self.clock)), self.clock))  # even in time
        ax.view_init(elev=self.elev, azim=self.azim0 + self.turn * frac)
        # only the turning axes are drawn again, over everything else drawn once
        self.canvas.restore_region(self.static)
        self.fig.draw_artist(ax)
        for artist in self.overlapping:
            self.fig.draw_artist(artist)

    def _drawn_without(self, ax) -> Any:
        """The figure drawn once without ``ax``: what stays put while the camera turns."""
        ax.set_visible(False)
        self.canvas.draw()
        static = self.canvas.copy_from_bbox(self.fig.bbox)
        ax.set_visible(True)
        # figure-level labels over the axes are drawn again on top of them
        renderer = self.canvas.get_renderer()
        self.overlapping = [
            a
            for a in [*self.fig.legends, *self.fig.texts]
            if not a.get_animated() and a.get_window_extent(renderer).overlaps(ax.bbox)
        ]
        return static

    def close(self) -> None:
        self.fig.clear()


def _map_view(ax):
    """A 2-D map's box ``[[x0, x1], [y0, y1]]`` (``None`` for a 3-D axes)."""
    if getattr(ax, "name", "") == "3d":
        return None
    return [sorted(ax.get_xlim()), sorted(ax.get_ylim())]
