"""Animations of a race, drawn fast: background once, only the moving artists per frame.

:func:`animate` returns an :class:`Animation`; nothing is drawn until its frames are
asked for (``.frames()``, ``.save(path)``, or inline display in Jupyter).

How a frame is made: the figure (contours or 3-D mesh, colorbar, labels, legend) is
drawn once with every moving artist marked ``animated`` (so it is left out), and the
Agg canvas is copied. Each frame restores that copy (``restore_region``), updates the
trails, balls, crosses, loss curves and step counter, draws only them
(``draw_artist``), and hands the RGB buffer to the writer, which maps it onto one
palette chosen once for the animation and streams it to disk. The one exception is a
3-D animation with ``rotate``: the camera moves, so the 3-D axes is drawn again every
frame over the rest of the figure drawn once, made cheap to draw first
(:func:`.turning.cheap_axes`: its surface one picture, its box from label pictures made once,
its paths and markers projected once per frame).

Frames and time: an animation has ``round(duration * fps)`` frames whatever the number
of steps, and they are spent where something moves (:func:`motion_clock`): each frame
advances the paths by about the same share of their visible length, so a fast first
stretch is slowed down and a converged tail is skipped through; the step counter shows
the step actually drawn. Between whole steps the positions are interpolated. The first
frame (the set-up: every ball at its start) is held ``hold_first`` seconds, by
repeating it; the last is held ``hold`` seconds, added by the writer
(``hold_frames = round(hold * fps)`` frame durations): a GIF stores it as a longer delay
on its last frame, MP4 and PNG folders repeat the last frame. ``.n_frames`` counts the
frames written (the first frame's repeats included, the last hold not); ``.frames()``
yields exactly them.

Extra moving artists (say, glyphs of an optimizer's state at each ball) hook in through
``overlays``: callables ``overlay(engine, s)`` run on every frame after the paths are
updated; each returns the artists to draw for step ``s`` (created once, ``animated``).
A caller that needs its own figure around the race (a network's landscape beside its
decision regions) passes ``layout``, a function with :func:`race_figure.race_layout`'s
signature and result.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..util import check
from ..util.errors import ParameterError
from . import landmarks, losses, paths, plots, race_figure, style, turning
from .counter import StepCounter
from .geometry import projected
from .writers import check_fps

MAX_FRAMES = 20_000


@dataclass
class Animation:
    """A race to be animated; see :func:`animate` for the options.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.1", "adam:lr=0.1"], start=(1.5, 1.0), steps=30)
    >>> anim = animate(r, fps=10, duration=1.0, hold=1.0, size=(3, 2), dpi=50)
    >>> anim.n_frames, anim.intro_frames, anim.hold_frames
    (15, 5, 10)
    >>> frames = list(anim.frames())
    >>> len(frames), frames[0].shape
    (15, (100, 150, 3))
    """

    race: Any
    kind: str = "contour"
    loss: bool = False
    fps: float = 20
    duration: float = 6.0
    hold: float = 1.5
    hold_first: float = 0.5
    size: Any = "16:9"
    dpi: float = 100
    theme: str = "light"
    rotate: float | bool = False
    trail: bool | int = True
    title: str | None = None
    overlays: tuple = ()
    layout: Any = field(default=None, repr=False)
    glyphs: bool = False
    _cached_gif: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def n_frames(self) -> int:
        """Frames written: the held first frame's repeats and the animation proper (the
        hold on the last one is not counted)."""
        return self.intro_frames + len(self.frame_steps())

    @property
    def intro_frames(self) -> int:
        """How many times the first frame is repeated to hold it ``hold_first`` seconds."""
        return round(self.hold_first * self.fps)

    @property
    def hold_frames(self) -> int:
        """How many frame durations the last frame stays on screen beyond its own."""
        return round(self.hold * self.fps)

    @property
    def steps(self) -> int:
        return self.race.trajectories[0].steps

    def frame_steps(self) -> np.ndarray:
        """The (possibly fractional) step shown by each frame of the animation proper,
        spread by :func:`motion_clock` so that frames go where the paths move.

        >>> import optviz as ov
        >>> r = ov.race("quadratic", ["gd:lr=0.4"], start=(1.0, 1.0), steps=40)
        >>> s = animate(r, fps=5, duration=2.0).frame_steps()
        >>> float(s[0]), float(s[-1]), bool((s[1:5] < 1.0).all())  # step 1 gets frames
        (0.0, 40.0, True)
        """
        n, steps = max(1, round(self.duration * self.fps)), self.steps
        if n == 1 or steps == 0:
            return np.array([float(steps)])
        clock = motion_clock(self.race.trajectories)
        s = np.interp(np.linspace(0.0, 1.0, n), clock, np.arange(steps + 1, dtype=float))
        s[-1] = steps  # exactly the last step, whatever the rounding of the clock
        return s

    def _engine(self) -> Any:
        """What draws the frames: the map's engine, or a curve's side view."""
        if self.race.surface.is_curve:
            from .sideview import SideEngine

            return SideEngine(self)
        return _Engine(self)

    def frames(self) -> Iterator[np.ndarray]:
        """Yield every frame as an ``(H, W, 3)`` uint8 RGB array."""
        engine = self._engine()
        try:
            yield from self._stream(engine)
        finally:
            engine.close()

    def _stream(self, engine) -> Iterator[np.ndarray]:
        steps = self.frame_steps()
        first = engine.frame(steps[0])
        for _ in range(self.intro_frames):
            yield first
        yield first
        for s in steps[1:]:
            yield engine.frame(s)

    def _check_cost(self, suffix: str) -> None:
        """Refuse, before the first frame, an animation over the memory or work budget."""
        from ..util import budget

        width, height = (round(inches * self.dpi) for inches in style.figsize(self.size))
        n = 1 if suffix == ".png" else self.n_frames
        kept = n if suffix in (".webp", ".apng") else 2  # Pillow holds every frame
        budget.check(budget.frames(width, height, n, kept))

    def save(self, path: str | os.PathLike, progress=None) -> Path:
        """Write the animation; the format comes from the extension.

        ``.gif`` (default), ``.mp4``, ``.webp``, ``.apng``, ``.html``, or a folder of PNG
        frames (path ending in ``/`` or without extension): see
        :func:`optviz.render.writers.save_frames`. A still-image extension saves the
        final state: ``.png`` is exactly the last frame; ``.svg`` and ``.pdf`` are the
        equivalent static plot (:func:`optviz.render.race_figure.plot_race`), as vectors.
        ``progress(done, total)`` is called after each frame.
        """
        from .writers import save_figure, save_frames

        text = os.fspath(path)
        suffix = Path(text).suffix.lower()
        if suffix in (".svg", ".pdf"):
            fig = race_figure.plot_race(
                self.race,
                kind=self.kind,
                loss=self.loss,
                size=self.size,
                dpi=self.dpi,
                theme=self.theme,
                title=self.title,
                glyphs=self.glyphs,
            )
            return save_figure(fig, text)
        self._check_cost(suffix)
        engine = self._engine()
        try:
            if suffix == ".png":
                frames: Any = iter([engine.frame(float(self.steps))])
            else:
                frames = self._stream(engine)
            return save_frames(
                text,
                frames,
                self.fps,
                n_frames=1 if suffix == ".png" else self.n_frames,
                hold_frames=self.hold_frames,
                progress=progress,
                palette=engine.palette,
            )
        finally:
            engine.close()

    def gif(self) -> bytes:
        """The animation as GIF bytes (kept, so a notebook shows it without re-rendering)."""
        if self._cached_gif is None:
            from .gif import write_gif

            engine = self._engine()
            try:
                buf = io.BytesIO()
                frames = self._stream(engine)
                write_gif(buf, frames, self.fps, self.hold_frames, engine.palette)
            finally:
                engine.close()
            self._cached_gif = buf.getvalue()
        return self._cached_gif

    def _repr_html_(self) -> str:
        import base64

        data = base64.b64encode(self.gif()).decode("ascii")
        return f"<img src='data:image/gif;base64,{data}' alt='optviz animation'>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        """The GIF for a notebook, and its last frame as the PNG a static viewer shows.

        One bundle, so IPython does not call ``_repr_png_`` too and draw the figure
        again: the PNG is read back from the GIF's last frame.
        """
        from PIL import Image

        last = Image.open(io.BytesIO(self.gif()))
        last.seek(last.n_frames - 1)
        buf = io.BytesIO()
        last.convert("RGB").save(buf, format="PNG")
        return {"text/html": self._repr_html_(), "image/png": buf.getvalue()}

    def _repr_png_(self) -> bytes:
        from PIL import Image

        engine = self._engine()
        try:
            last = engine.frame(float(self.steps))
        finally:
            engine.close()
        buf = io.BytesIO()
        Image.fromarray(last).save(buf, format="PNG")
        return buf.getvalue()

    def __repr__(self) -> str:
        return (
            f"Animation({self.race!r}, kind={self.kind!r}, frames={self.n_frames}, "
            f"fps={self.fps}, hold={self.hold})"
        )


def animate(
    race,
    *,
    kind: str = "contour",
    loss: bool = False,
    fps: float = 20,
    duration: float = 6.0,
    hold: float = 1.5,
    hold_first: float = 0.5,
    size: Any = "16:9",
    dpi: float = 100,
    theme: str = "light",
    rotate: float | bool = False,
    trail: bool | int = True,
    title: str | None = None,
    overlays: Any = (),
    glyphs: bool = False,
) -> Animation:
    """An animation of ``race``: ``.save(path)`` it or display it in a notebook.

    ``kind``: ``"contour"`` (every optimizer on one contour map, trails growing, legend
    with hyperparameters, step counter), ``"3d"`` (balls rolling on the surface; with
    ``rotate=True`` the camera turns 90° over the animation, or give the degrees) or
    ``"panels"`` (one synchronized panel per optimizer). ``loss=True`` adds a loss panel
    whose curves grow in step. ``trail``: ``True`` the whole path so far, ``False`` only
    the balls, an int the last that many steps. ``glyphs=True`` draws at each ball the
    gradient, velocity, rate box or step of its next step (:mod:`optviz.render.glyphs`;
    the race must be run with ``keep_state=True``). ``size``: a preset of
    :data:`optviz.render.style.SIZES` or ``(width, height)`` inches, times ``dpi``.
    Frames and the final hold: see the module docs.

    >>> import optviz as ov
    >>> r = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=100)
    >>> animate(r, kind="panels", loss=True, duration=2, fps=10).n_frames  # 0.5 s held first
    25
    """
    from ..engine.runner import Race, Trajectory

    if isinstance(race, Trajectory):
        race = Race(race.surface, [race])
    if not isinstance(race, Race):
        raise ParameterError(f"animate needs a Race or Trajectory, not {type(race).__name__}")
    curve = race.surface.is_curve  # drawn from the side (:mod:`.sideview`)
    if curve:
        from .sideview import check_curve

        check_curve(race, kind)
    else:
        plots.check_kind(kind)
    style.check_theme(theme)
    style.figsize(size)
    check_fps(fps, 120)
    check.number_in(duration, "duration", 0, 3600, open_low=True)
    for name, value in (("hold", hold), ("hold_first", hold_first)):
        check.number_in(value, f"{name} (seconds)", 0, 3600)
    overlays = tuple(overlays)
    if not isinstance(glyphs, bool):
        raise ParameterError(f"glyphs={glyphs!r} must be True or False")
    layout = None  # the race's own
    if glyphs and curve:  # the side view draws each ball's velocity itself
        if any(t.state is None for t in race.trajectories):
            raise ParameterError("glyphs need the optimizer's state: race with keep_state=True")
    elif glyphs:
        from .glyphs import GlyphOverlay, with_key

        layout = with_key(race_figure.race_layout)  # the glyph key laid out beside the legend
        if any(t.state is None for t in race.trajectories):
            raise ParameterError("glyphs need the optimizer's state: race with keep_state=True")
        overlays = (*overlays, GlyphOverlay())
    if not all(callable(o) for o in overlays):
        raise ParameterError("overlays must be callables overlay(engine, step) -> artists")
    if round(duration * fps) > MAX_FRAMES:
        raise ParameterError(f"duration × fps is {duration * fps:g} frames; at most {MAX_FRAMES}")
    check.number_in(dpi, "dpi", 10, 600)
    if not isinstance(rotate, bool):
        check.finite(rotate, "rotate (True, False or degrees)")
    if not (isinstance(trail, bool) or (isinstance(trail, int) and trail >= 0)):
        raise ParameterError(f"trail={trail!r} must be True, False or a number of steps >= 0")
    return Animation(
        race,
        kind=kind,
        loss=bool(loss),
        fps=fps,
        duration=duration,
        hold=hold,
        hold_first=hold_first,
        size=size,
        dpi=dpi,
        theme=theme,
        rotate=rotate,
        trail=trail,
        title=title,
        overlays=overlays,
        glyphs=glyphs,
        layout=layout,
    )


MOTION_SHARE = 0.9  # of the frames spread by motion; the rest by steps (time still passes)
VISIBLE = 0.05  # a path shorter than this share of the domain hardly moves on screen


def motion_clock(trajs) -> np.ndarray:
    """Where each step falls on the animation's clock, ``(steps + 1,)`` from 0 to 1.

    Each path's per-step travel (in domain spans, a step capped at a quarter span so a
    diverging run does not claim every frame) is taken as a share of its own length, so
    a slow path counts as much as a fast one; a path shorter than ``VISIBLE`` counts in
    proportion. ``MOTION_SHARE`` of the clock follows that motion, the rest the steps.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.5"], start=(1.0, 1.0), steps=10)
    >>> motion_clock(r.trajectories)[[0, 1, 10]].round(2).tolist()  # all motion in step 1
    [0.0, 0.91, 1.0]
    """
    steps = trajs[0].steps
    spans = np.ptp(np.asarray(trajs[0].surface.domain, float), axis=1)
    weight = np.zeros(steps)
    for traj in trajs:
        xy = traj.xy if traj.batched else traj.xy[:, None, :]
        xy = np.nan_to_num(np.asarray(xy, float), nan=0.0, posinf=1e6, neginf=-1e6) / spans
        travel = np.minimum(np.linalg.norm(np.diff(xy, axis=0), axis=-1), 0.25)  # (T, n)
        length = travel.sum(axis=0)
        share = travel / np.where(length > 0, length, 1.0) * np.minimum(length / VISIBLE, 1.0)
        weight += share.mean(axis=1)
    total = weight.sum()
    moving = weight / total if total > 0 else np.full(steps, 1.0 / steps)
    tick = MOTION_SHARE * moving + (1 - MOTION_SHARE) / steps
    return np.concatenate([[0.0], np.cumsum(tick) / tick.sum()])


# ----------------------------------------------------------------------------- engine
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
    ball: Any
    cross: Any

    @property
    def lines(self) -> tuple:
        """Trail, ball, cross and (if drawn) halo: what the path, the heads, the crosses
        and the path again are drawn with."""
        return (self.trail, self.ball, self.cross) + (() if self.halo is None else (self.halo,))

    @property
    def artists(self) -> tuple:
        """The moving artists in drawing order."""
        lines = (self.trail, self.ball, self.cross)
        return lines if self.halo is None else (self.halo, *lines)


class _Engine:
    """Builds the figure once and renders frames by blitting onto its background."""

    def __init__(self, anim: Animation):
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
            self.fig, self.panels, self.loss_ax = layout(
                race, anim.kind, anim.loss, anim.size, anim.dpi, anim.theme, anim.title
            )
            if self.rotating:
                turning.room_to_turn(self.fig)
            self.movers: list[_Mover] = []
            self.loss_lines: list[tuple[Any, Any, np.ndarray, Any]] = []
            self.styles = paths.path_styles(race.trajectories)
            for i, (traj, ps) in enumerate(zip(race.trajectories, self.styles, strict=True)):
                axes = self.panels[i] if anim.kind == "panels" else self.panels[0]
                self.movers.append(self._mover(axes, traj, ps, i))
                if self.loss_ax is not None:
                    self.loss_lines.append(self._loss_line(traj, ps))
            self._starts()
            # landmark outlines go over the balls: drawn every frame after them
            self.outlines = [a for ax in self.panels for a in landmarks.landmark_outlines(ax)]
            for outline in self.outlines:
                outline.set_animated(True)
            race_figure.legend(self.fig, race, self.loss_ax, self.panels, anim.kind)
            self.counter = StepCounter(self.fig, self.theme, anim.steps)
            self.canvas = self.fig.canvas
            self.canvas.draw()
            self._clear_counter_corner()
            self.fig.set_layout_engine("none")  # positions are final: never re-layout
            if not self.counter.prepare(self.canvas, [*self.panels, self.loss_ax]):
                self.canvas.draw()  # the counter is drawn every frame: not in the background
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            self.palette = self._palette()
        if self.rotating:
            ax = self.panels[0]
            self.azim0, self.elev = ax.azim, ax.elev
            self.turn = 90.0 if anim.rotate is True else float(anim.rotate)
            self.clock = motion_clock(race.trajectories)
            with style.themed(self.theme):
                flat = turning.cheap_axes(ax)
                self.outlines = [flat.get(a, a) for a in self.outlines]
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
        drawn = [ax.get_tightbbox(renderer) for ax in self.fig.axes if ax.get_visible()]
        drawn += [leg.get_window_extent(renderer) for leg in self.fig.legends]
        if not any(box is not None and box.overlaps(counter) for box in drawn):
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
        gone = np.maximum(div, 0)
        cross_xy = plots.inside(
            (traj.xy if traj.batched else traj.xy[:, None, :])[gone, np.arange(len(div))],
            surface,
        )
        many = xy.shape[1] > 1
        three = plots._is3d(ax)
        z = plots.height(surface, xy, lift=0.01) if three else None
        ink = style.ink(self.theme)
        ms = ps.ball_size * (0.55 if many else 1.0)
        lw = 1.0 if many else 2.6
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
        trail = plot(*empty, color=ps.color, lw=lw, ls=ps.linestyle, alpha=0.8 if many else 1)[0]
        ball = plot(*empty, ls="none", marker=ps.marker, ms=ms, mfc=ps.color, mec=ink, mew=1.0)[0]
        cross = plot(*empty, ls="none", marker="X", ms=ms * 1.4, mfc=ps.color, mec=ink, mew=1.2)[0]
        cross.set_clip_on(False)  # it sits on the domain's edge: show all of it
        mover = _Mover(traj, ps.color, xy, z, div, cross_xy, halo, trail, ball, cross)
        for artist in mover.artists:
            artist.set_in_layout(False)  # empty until the first frame: not for layout
            artist.set_animated(True)
            artist.set_label("_nolegend_")
            artist.set_gid(f"optimizer-{i}")
            artist.set_zorder(8 + ps.zorder / 10)  # balls and crosses over every trail
        if halo is not None:
            halo.set_zorder(ps.zorder - 0.05)
        trail.set_zorder(ps.zorder)
        return mover

    def _starts(self) -> None:
        """Start markers are static: draw them into the background (one ring per start)."""
        trajs = self.anim.race.trajectories
        if self.anim.kind == "panels":
            for ax, traj in zip(self.panels, trajs, strict=True):
                plots.mark_starts(ax, [traj], self.theme)
        else:
            plots.mark_starts(self.panels[0], trajs, self.theme)

    def _loss_line(self, traj, ps: paths.PathStyle):
        axis = plots.loss_axis(self.anim.race.trajectories)
        y = plots.loss_curve(traj, axis.shift, axis.log, axis.floor)
        # "diverged at step k", shown from step k on
        note = losses.diverged_note(self.loss_ax, traj, y, ps.color, self.theme)
        y = y if y.ndim == 2 else y[:, None]
        many = y.shape[1] > 1
        # solid: a dash pattern on an oscillating loss reads as noise; the marker tells apart
        line = self.loss_ax.plot([], [], color=ps.color, lw=0.9 if many else 2.4)[0]
        dot = self.loss_ax.plot(
            [],
            [],
            ls="none",
            marker=ps.marker,
            ms=8,
            mfc=ps.color,
            mec=style.ink(self.theme),
            mew=0.8,
        )[0]
        for a in (line, dot, note):
            if a is not None:
                a.set_in_layout(False)
                a.set_animated(True)
        line.set_zorder(8)
        dot.set_zorder(8)
        return line, dot, y, note

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
        for m in sorted(self.movers, key=lambda m: m.trail.get_zorder()):
            self._update(m, s, k)
            for artist in m.artists:
                artist.axes.draw_artist(artist)
        for outline in self.outlines:
            outline.axes.draw_artist(outline)
        for line, dot, y, note in self.loss_lines:
            self._update_loss(line, dot, y, s, k)
            self.loss_ax.draw_artist(line)
            self.loss_ax.draw_artist(dot)
            if note is not None and k >= note.xy[0]:
                self.loss_ax.draw_artist(note)
        for overlay in self.anim.overlays:
            for artist in overlay(self, s):
                (artist.axes or self.fig).draw_artist(artist)
        self.counter.draw(self.canvas, min(k, self.anim.steps))
        # a contiguous copy of the RGBA buffer is ~50x cheaper than gathering RGB out of it;
        # the RGB view into it is what callers see, the encoder compares whole pixels
        return np.array(self.canvas.buffer_rgba())[..., :3]

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
        path = np.concatenate([m.xy[first : k + 1], head[None]], axis=0)  # (t, n, 2)
        zpath = None if m.z is None else np.concatenate([m.z[first : k + 1], zhead[None]])
        path, zpath = _polyline(path, zpath)
        balls, crosses = head[alive], m.cross_xy[gone]
        if m.z is not None:
            zcrosses = plots.height(m.traj.surface, crosses, lift=0.02)
            parts = [(path, zpath), (balls, zhead[alive]), (crosses, zcrosses)]
            if not self.rotating:
                for line, (xy, z) in zip(m.lines, [*parts, parts[0]], strict=False):
                    line.set_data_3d(xy[:, 0], xy[:, 1], z)
                return
            # a turning camera: project the path, balls and crosses at once, draw flat
            flat = projected(m.trail.axes, np.concatenate([np.column_stack(p) for p in parts]))
            path, balls, crosses = np.split(flat[:, :2], [len(path), len(path) + len(balls)])
        for line, xy in zip(m.lines, [path, balls, crosses, path], strict=False):
            line.set_data(xy[:, 0], xy[:, 1])

    def _update_loss(self, line, dot, y: np.ndarray, s: float, k: int) -> None:
        k = min(k, len(y) - 1)
        part = y[: k + 1]
        steps = np.arange(k + 1, dtype=float)
        if part.shape[1] == 1:
            line.set_data(steps, part[:, 0])
            dot.set_data([k], part[-1:, 0])
        else:
            xs = np.concatenate(
                [np.tile(steps[:, None], (1, part.shape[1])), np.full((1, part.shape[1]), np.nan)]
            )
            ys = np.concatenate([part, np.full((1, part.shape[1]), np.nan)])
            line.set_data(xs.T.ravel(), ys.T.ravel())
            dot.set_data(np.full(part.shape[1], k), part[-1])

    def close(self) -> None:
        self.fig.clear()


def _polyline(path: np.ndarray, z: np.ndarray | None):
    """``(t, n, 2)`` paths (and ``(t, n)`` heights) as one NaN-broken polyline."""
    t, n, _ = path.shape
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
