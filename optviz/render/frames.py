"""The frame engine of an animation (:mod:`.animate`): the figure built once, each frame
drawn by restoring its background and drawing only what moves.

How a frame is made: the figure (contours or 3-D mesh, colorbar, labels, legend) is
drawn once with every moving artist marked ``animated`` (so it is left out), and the
Agg canvas is copied. Each frame restores that copy (``restore_region``), updates the
trails, balls (placed by :mod:`.balls`), crosses, side panels and step counter, draws
only them (``draw_artist``) and returns the RGB buffer. A 3-D animation with ``rotate``
draws its 3-D axes again every frame over the rest of the figure drawn once
(:func:`.turning.cheap_axes`).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import (
    balls,
    clock,
    edge_marks,
    lanes,
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
from .geometry import _is3d, projected
from .layout import part_titled_rows
from .path_marks import add_marks


@dataclass
class _Mover:
    """The moving artists of one trajectory on one axes."""

    traj: Any
    color: str
    xy: np.ndarray  # (T+1, n, 2) drawable positions
    z: np.ndarray | None  # (T+1, n) heights on a 3-D axes
    div: np.ndarray  # (n,) step of divergence or -1
    cross_xy: np.ndarray  # (n, 2) where each start left the domain
    halo: Any  # the light outline under the trail (None: not drawn)
    trail: Any
    ball: Any  # placed with the other balls of its axes (:class:`.balls.BallLayout`)
    cross: Any
    heads: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # the balls' true places
    gone: list = field(default_factory=list)  # the starts outside the view (:mod:`.balls`)
    marks: Any = None  # the run's identity marks along its path on a map (:mod:`.path_marks`)
    tail: Any = None  # a short trail's earlier steps, faint (:func:`.paths.faint_look`), on a map
    lane: np.ndarray | None = None  # (T+1,) points across its line where it shares one
    faint: Any = None  # its revisits of dense ground, thin and faint (:func:`.paths.revisits`)
    faint_steps: np.ndarray | None = None  # (T,) which steps are drawn so

    @property
    def lines(self) -> tuple:
        """Trail, cross and (if drawn) halo: what the path, the crosses and the path
        again are drawn with."""
        return (self.trail, self.cross) + (() if self.halo is None else (self.halo,))

    @property
    def artists(self) -> tuple:
        """The moving artists in drawing order."""
        lines = (self.trail, self.ball, self.cross)
        lines = lines if self.halo is None else (self.halo, *lines)
        lines = lines if self.faint is None else (self.faint, *lines)
        return lines if self.tail is None else (self.tail, *lines)


HEAD_STEPS = 2  # the step into the newest point and the one on to the ball: never faint


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
            self.movers: list[_Mover] = []
            self.styles = paths.path_styles(race.trajectories, one_map=anim.kind != "panels",
                                            full=paths.zigzag_runs(anim.callouts),
                                            view=_map_view(self.panels[0]))  # fmt: skip
            for i, (traj, ps) in enumerate(zip(race.trajectories, self.styles, strict=True)):
                axes = self.panels[i] if anim.kind == "panels" else self.panels[0]
                self.movers.append(self._mover(axes, traj, ps, i))
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

    def _mover(self, ax, traj, ps: paths.PathStyle, i: int) -> _Mover:
        surface = traj.surface
        xy = traj.xy if traj.batched else traj.xy[:, None, :]
        xy = plots.drawable(xy, surface)
        div = np.atleast_1d(traj.diverged_at)
        # where the drawn path leaves the view, inside the edge (not where it diverged)
        cross_xy = edge_marks.exit_marks(xy, div, surface.domain)
        many = paths.cloud(xy.shape[1])  # a cloud of starts: thinner, translucent
        three = plots._is3d(ax)
        z = plots.height(surface, xy, lift=0.01) if three else None
        ink = style.ink(self.theme)
        ms = ps.ball_size
        lw = paths.line_width(2.6, many) * ps.width
        # a turning camera projects each path once per frame itself and draws it flat:
        # a 3-D line projects (with masked arrays) for each of a path's four artists
        plot = turning.flat_plot(ax) if three and self.rotating else ax.plot
        empty: list = [[], [], []] if three and not self.rotating else [[], []]
        halo = None
        if ps.halo:
            halo = plot(
                *empty,
                color=style.halo(self.theme),
                lw=paths.halo_width(lw),
                alpha=0.85,
                solid_capstyle="round",
            )[0]
        alpha = 0.8 if many else 1
        trail = plot(*empty, color=ps.color, lw=lw, ls=ps.map_linestyle, alpha=alpha)[0]
        # balls are placed in pixels (fanned out where they meet): flat markers on a 3-D axes
        flat = turning.flat_plot(ax) if three else ax.plot
        edge = style.ball_edge(ps.color, self.theme)
        ball = flat([], [], ls="none", marker=ps.marker, ms=ms, mfc=ps.color, mec=edge, mew=1.0)[0]
        cross = plot(*empty, ls="none", marker="X", ms=ms * 1.4, mfc=ps.color, mec=ink, mew=1.2)[0]
        cross.set_clip_on(False)  # it sits on the domain's edge: show all of it
        mover = _Mover(traj, ps.color, xy, z, div, cross_xy, halo, trail, ball, cross)
        if ps.lane is not None:  # beside the paths it shares a line with (:mod:`.lanes`)
            mover.lane = np.asarray(ps.lane, float)
        if ps.faint is not None and self.anim.trail is True:
            flags = np.asarray(ps.faint, bool)
            mover.faint_steps = np.r_[flags, flags[-1:]]  # the head's step after the last too
            mover.faint = plot(*empty, color=ps.color, **paths.faint_look(self.theme))[0]
        if not three and not isinstance(self.anim.trail, bool):  # the way before it, faint
            mover.tail = plot(*empty, color=ps.color, **paths.faint_look(self.theme))[0]
        one_map = self.anim.kind != "panels" and len(self.anim.race.trajectories) > 1
        if one_map and not self.rotating:  # (a turning camera would move them every frame)
            mover.marks = add_marks(ax, xy, ps.color, ps.marker, self.theme, heights=z,
                                    lane=ps.lane)  # fmt: skip
            if mover.marks is not None:
                if not isinstance(self.anim.trail, bool):  # a short trail: its own marks
                    mover.marks.memory = float(self.anim.trail)
                mover.marks.set_animated(True)
                mover.marks.set_gid(f"optimizer-{i}")
        for artist in mover.artists:
            artist.set_in_layout(False)  # empty until the first frame: not for layout
            artist.set_animated(True)
            artist.set_label("_nolegend_")
            artist.set_gid(f"optimizer-{i}")
            artist.set_zorder(8 + ps.zorder / 10)  # balls and crosses over every trail
        if halo is not None:
            halo.set_zorder(ps.halo_zorder)
        if mover.tail is not None:
            mover.tail.set_zorder(paths.FAINT_ZORDER)
        if mover.faint is not None:
            mover.faint.set_zorder(paths.FAINT_ZORDER)
        trail.set_zorder(ps.zorder)
        return mover

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
            self._update(m, s, k)
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

    def _update(self, m: _Mover, s: float, k: int) -> None:
        steps = len(m.xy) - 1
        k = min(k, steps)
        frac = s - k
        head = m.xy[k]
        zhead = m.z[k] if m.z is not None else None
        if frac > 0 and k < steps:
            head = head + frac * (m.xy[k + 1] - head)
            if m.z is not None:
                zhead = zhead + frac * (m.z[k + 1] - zhead)
        trail = self.anim.trail
        first = 0 if trail is True else max(0, k - int(trail))
        gone = (m.div >= 0) & (m.div <= s)
        alive = ~gone
        if trail is False:
            first = k + 1  # the trail is only the head itself: nothing to draw
        if m.tail is not None:  # a short trail: bold, the whole way before it faint
            # (a noisy run's last steps read as the way the ball came; the rest stays in sight)
            older = _polyline(_laned(m, m.xy[: first + 1], 0), None, m.traj.surface.domain)[0]
            m.tail.set_data(older[:, 0], older[:, 1])
            _keep_lane(m, m.tail, older)
        if m.marks is not None:  # the marks on the trail drawn bold, none where it fades
            m.marks.since, m.marks.upto = first, s
        path = np.concatenate([m.xy[first : k + 1], head[None]], axis=0)  # (t, n, 2)
        zpath = None if m.z is None else np.concatenate([m.z[first : k + 1], zhead[None]])
        domain = None if m.z is not None else m.traj.surface.domain  # a map: ends at its edge
        path = _laned(m, path, first, s)
        if m.faint is not None:  # revisits of dense ground: their own thin, faint line
            steps_drawn = m.faint_steps[first : first + len(path) - 1].copy()
            steps_drawn[-HEAD_STEPS:] = False  # the newest steps reach the ball full and haloed
            path, thin = paths.split_faint(path, steps_drawn)
            zthin = None
            if zpath is not None:
                zpath, zthin = paths.split_faint(zpath, steps_drawn)
            thin, zthin = _polyline(thin, zthin, domain)
            _set_line(m.faint, thin[:, :2], zthin, self.rotating)
        path, zpath = _polyline(path, zpath, domain)
        for line in (m.trail, m.halo):
            _keep_lane(m, line, path)
        path = path[:, :2]
        heads, crosses = head[alive], m.cross_xy[gone]
        surface = m.traj.surface
        if m.z is None:
            m.heads = heads
            m.gone = edge_marks.gone_from_view(m.xy, k, head, surface.domain, alive)
        else:
            m.heads = np.column_stack([heads, zhead[alive]])
            zcrosses = plots.height(surface, crosses, lift=0.02)
            if not self.rotating:
                for line, (xy, z) in zip(m.lines, [(path, zpath), (crosses, zcrosses),
                                                   (path, zpath)], strict=False):  # fmt: skip
                    line.set_data_3d(xy[:, 0], xy[:, 1], z)
                return
            # a turning camera: project the path and crosses at once, draw flat
            parts = [np.column_stack(p) for p in ((path, zpath), (crosses, zcrosses))]
            flat = projected(m.trail.axes, np.concatenate(parts))
            path, crosses = np.split(flat[:, :2], [len(path)])
        for line, xy in zip(m.lines, [path, crosses, path], strict=False):
            line.set_data(xy[:, 0], xy[:, 1])

    def close(self) -> None:
        self.fig.clear()


def _map_view(ax):
    """A 2-D map's box ``[[x0, x1], [y0, y1]]`` (``None`` for a 3-D axes)."""
    if getattr(ax, "name", "") == "3d":
        return None
    return [sorted(ax.get_xlim()), sorted(ax.get_ylim())]


def _set_line(line, xy: np.ndarray, z: np.ndarray | None, rotating: bool) -> None:
    """Give ``line`` its points: on a map or a turning camera's flat view (projected
    here), or on a still 3-D axes."""
    if z is None:
        line.set_data(xy[:, 0], xy[:, 1])
    elif not rotating:
        line.set_data_3d(xy[:, 0], xy[:, 1], z)
    else:
        flat = projected(line.axes, np.column_stack([xy, z])) if len(xy) else np.zeros((0, 2))
        line.set_data(flat[:, 0], flat[:, 1])


def _laned(m: _Mover, path: np.ndarray, first: int, s: float | None = None) -> np.ndarray:
    """``path`` ``(t, 1, 2)``, the stretch of ``m``'s path from step ``first`` (and its
    head at step ``s``), with its lane's shift as a third column; as it is without one."""
    if m.lane is None:
        return path
    k = first + len(path) - (1 if s is None else 2)
    lane = m.lane[first : k + 1]
    if s is not None:
        lane = np.r_[lane, np.interp(s, np.arange(len(m.lane)), m.lane)]
    return np.concatenate([path, lane.reshape(-1, 1, 1)], axis=2)


def _keep_lane(m: _Mover, line, path: np.ndarray) -> None:
    """Draw ``line`` (``path``, its third column its lane's shift) beside the paths
    ``m`` shares a line with (:class:`.lanes.Lanes`)."""
    if line is not None and m.lane is not None:
        lanes.keep_lane(line, path[:, 2])


def _polyline(path: np.ndarray, z: np.ndarray | None, domain=None):
    """``(t, n, 2)`` paths (and ``(t, n)`` heights) as one NaN-broken polyline; with a
    ``domain`` (a map) only the parts inside it (:func:`.paths.in_view`)."""
    t, n, _ = path.shape
    if domain is not None:
        return _nan_joined([paths.in_view(path[:, j], domain) for j in range(n)]), None
    if n == 1:
        return path[:, 0], (z[:, 0] if z is not None else None)
    joined = np.full((n, t + 1, 2), np.nan)
    joined[:, :t] = np.swapaxes(path, 0, 1)
    zj = None
    if z is not None:
        zj = np.full((n, t + 1), np.nan)
        zj[:, :t] = z.T
        zj = zj.ravel()
    return joined.reshape(-1, 2), zj


def _nan_joined(parts: list[np.ndarray]) -> np.ndarray:
    """Polylines ``(t_i, 2)`` as one, broken by a NaN row between them."""
    if len(parts) == 1:
        return parts[0]
    gap = np.full((1, parts[0].shape[1]), np.nan)
    return np.concatenate([x for p in parts for x in (p, gap)][:-1])
