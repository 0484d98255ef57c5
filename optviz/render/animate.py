"""Animations of a race, drawn fast: background once, only the moving artists per frame.

:func:`animate` returns an :class:`Animation`; nothing is drawn until its frames are
asked for (``.frames()``, ``.save(path)``, or inline display in Jupyter).

How a frame is made: the figure (contours or 3-D mesh, colorbar, labels, legend) is
drawn once with every moving artist marked ``animated`` (so it is left out), and the
Agg canvas is copied. Each frame restores that copy (``restore_region``), updates the
trails, balls, crosses, loss curves and step counter, draws only them
(``draw_artist``), and hands the RGB buffer to the writer, which maps it onto one
palette chosen once for the animation and streams it to disk. The one exception is a
3-D animation with ``rotate``: the camera moves, so the background is redrawn per frame.

Frames and time: an animation has ``round(duration * fps)`` frames whatever the number
of steps. Frame ``k`` shows step ``k * steps / (n_frames - 1)``: rounded to a whole
step when there are more steps than frames, and interpolated between steps when there
are fewer (so a short run still moves smoothly). ``.n_frames`` counts those frames;
``.frames()`` yields exactly them. The ``hold`` on the last frame is added by the
writer (``hold_frames = round(hold * fps)`` frame durations): a GIF stores it as a
longer delay on its last frame, MP4 and PNG folders repeat the last frame.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError
from . import plots, style

STILL_SUFFIXES = (".png", ".svg", ".pdf")
MAX_FRAMES = 20_000


@dataclass
class Animation:
    """A race to be animated; see :func:`animate` for the options.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.1", "adam:lr=0.1"], start=(1.5, 1.0), steps=30)
    >>> anim = animate(r, fps=10, duration=1.0, size=(3, 2), dpi=50)
    >>> anim.n_frames, anim.hold_frames
    (10, 10)
    >>> frames = list(anim.frames())
    >>> len(frames), frames[0].shape
    (10, (100, 150, 3))
    """

    race: Any
    kind: str = "contour"
    loss: bool = False
    fps: float = 20
    duration: float = 6.0
    hold: float = 1.0
    size: Any = "16:9"
    dpi: float = 100
    theme: str = "light"
    rotate: float | bool = False
    trail: bool | int = True
    title: str | None = None
    _cached_gif: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def n_frames(self) -> int:
        """Frames of the animation proper (the hold on the last one is not counted)."""
        return max(1, round(self.duration * self.fps))

    @property
    def hold_frames(self) -> int:
        """How many frame durations the last frame stays on screen beyond its own."""
        return round(self.hold * self.fps)

    @property
    def steps(self) -> int:
        return self.race.trajectories[0].steps

    def frame_steps(self) -> np.ndarray:
        """The (possibly fractional) step shown by each frame.

        >>> import optviz as ov
        >>> r = ov.race("quadratic", ["gd"], start=(1.0, 1.0), steps=4)
        >>> animate(r, fps=4, duration=2.0).frame_steps().round(2).tolist()  # interpolated
        [0.0, 0.57, 1.14, 1.71, 2.29, 2.86, 3.43, 4.0]
        >>> animate(r, fps=2, duration=1.5).frame_steps().tolist()  # whole steps
        [0.0, 2.0, 4.0]
        """
        n, steps = self.n_frames, self.steps
        if n == 1:
            return np.array([float(steps)])
        s = np.arange(n) * (steps / (n - 1))
        return np.round(s) if steps >= n - 1 else s

    def frames(self) -> Iterator[np.ndarray]:
        """Yield every frame as an ``(H, W, 3)`` uint8 RGB array."""
        engine = _Engine(self)
        try:
            for s in self.frame_steps():
                yield engine.frame(s)
        finally:
            engine.close()

    def save(self, path: str | os.PathLike, progress=None) -> Path:
        """Write the animation; the format comes from the extension.

        ``.gif`` (default), ``.mp4``, ``.webp``, ``.apng``, ``.html``, or a folder of PNG
        frames (path ending in ``/`` or without extension): see
        :func:`optviz.render.writers.save_frames`. A still-image extension saves the
        final state: ``.png`` is exactly the last frame; ``.svg`` and ``.pdf`` are the
        equivalent static plot (:func:`optviz.render.plots.plot_race`), as vectors.
        ``progress(done, total)`` is called after each frame.
        """
        from .writers import save_figure, save_frames

        text = os.fspath(path)
        suffix = Path(text).suffix.lower()
        if suffix in (".svg", ".pdf"):
            fig = plots.plot_race(
                self.race,
                kind=self.kind,
                loss=self.loss,
                size=self.size,
                dpi=self.dpi,
                theme=self.theme,
                title=self.title,
            )
            return save_figure(fig, text)
        engine = _Engine(self)
        try:
            if suffix == ".png":
                frames: Any = iter([engine.frame(float(self.steps))])
            else:
                frames = (engine.frame(s) for s in self.frame_steps())
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
            from .writers import write_gif

            engine = _Engine(self)
            try:
                buf = io.BytesIO()
                frames = (engine.frame(s) for s in self.frame_steps())
                write_gif(buf, frames, self.fps, self.hold_frames, engine.palette)
            finally:
                engine.close()
            self._cached_gif = buf.getvalue()
        return self._cached_gif

    def _repr_html_(self) -> str:
        import base64

        data = base64.b64encode(self.gif()).decode("ascii")
        return f"<img src='data:image/gif;base64,{data}' alt='optviz animation'>"

    def _repr_png_(self) -> bytes:
        from PIL import Image

        engine = _Engine(self)
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
    hold: float = 1.0,
    size: Any = "16:9",
    dpi: float = 100,
    theme: str = "light",
    rotate: float | bool = False,
    trail: bool | int = True,
    title: str | None = None,
) -> Animation:
    """An animation of ``race``: ``.save(path)`` it or display it in a notebook.

    ``kind``: ``"contour"`` (every optimizer on one contour map, trails growing, legend
    with hyperparameters, step counter), ``"3d"`` (balls rolling on the surface; with
    ``rotate=True`` the camera turns 90° over the animation, or give the degrees) or
    ``"panels"`` (one synchronized panel per optimizer). ``loss=True`` adds a loss panel
    whose curves grow in step. ``trail``: ``True`` the whole path so far, ``False`` only
    the balls, an int the last that many steps. ``size``: a preset of
    :data:`optviz.render.style.SIZES` or ``(width, height)`` inches, times ``dpi``.
    Frames and the final hold: see the module docs.

    >>> import optviz as ov
    >>> r = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=100)
    >>> animate(r, kind="panels", loss=True, duration=2, fps=10).n_frames
    20
    """
    from ..runner import Race, Trajectory

    if isinstance(race, Trajectory):
        race = Race(race.surface, [race])
    if not isinstance(race, Race):
        raise ParameterError(f"animate needs a Race or Trajectory, not {type(race).__name__}")
    plots.check_kind(kind)
    style.check_theme(theme)
    style.figsize(size)
    _positive("fps", fps, 120)
    _positive("duration", duration, 3600)
    if not (_number(hold) and 0 <= hold <= 3600):
        raise ParameterError(f"hold={hold!r} must be seconds in [0, 3600]")
    if round(duration * fps) > MAX_FRAMES:
        raise ParameterError(f"duration × fps is {duration * fps:g} frames; at most {MAX_FRAMES}")
    if not (_number(dpi) and 10 <= dpi <= 600):
        raise ParameterError(f"dpi={dpi!r} must be a number in [10, 600]")
    if not (isinstance(rotate, bool) or _number(rotate)):
        raise ParameterError(f"rotate={rotate!r} must be True/False or degrees")
    if not (isinstance(trail, bool) or (isinstance(trail, int) and trail >= 0)):
        raise ParameterError(f"trail={trail!r} must be True, False or a number of steps >= 0")
    return Animation(
        race,
        kind=kind,
        loss=bool(loss),
        fps=fps,
        duration=duration,
        hold=hold,
        size=size,
        dpi=dpi,
        theme=theme,
        rotate=rotate,
        trail=trail,
        title=title,
    )


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _positive(name: str, v, top: float) -> None:
    if not (_number(v) and 0 < v <= top):
        raise ParameterError(f"{name}={v!r} must be a number in (0, {top:g}]")


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
    trail: Any
    ball: Any
    cross: Any


class _Engine:
    """Builds the figure once and renders frames by blitting onto its background."""

    def __init__(self, anim: Animation):
        self.anim = anim
        self.theme = anim.theme
        race = anim.race
        with style.themed(self.theme), plots.offscreen():  # frames, never a window
            self.fig, self.panels, self.loss_ax = plots.race_layout(
                race, anim.kind, anim.loss, anim.size, anim.dpi, anim.theme, anim.title
            )
            self.movers: list[_Mover] = []
            self.loss_lines: list[tuple[Any, Any, np.ndarray]] = []
            for i, traj in enumerate(race.trajectories):
                axes = self.panels[i] if anim.kind == "panels" else self.panels[0]
                self.movers.append(self._mover(axes, traj, style.color(i)))
                if self.loss_ax is not None:
                    self.loss_lines.append(self._loss_line(traj, style.color(i)))
            self._starts()
            plots.legend(self.fig, race, self.loss_ax, self.panels, anim.kind)
            self.counter = self._counter()
            self.canvas = self.fig.canvas
            self.canvas.draw()
            self.fig.set_layout_engine("none")  # positions are final: never re-layout
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            self.palette = self._palette()
        self.rotating = anim.kind == "3d" and anim.rotate is not False
        if self.rotating:
            ax = self.panels[0]
            self.azim0, self.elev = ax.azim, ax.elev
            self.turn = 90.0 if anim.rotate is True else float(anim.rotate)

    # -- building -------------------------------------------------------------------
    def _mover(self, ax, traj, color: str) -> _Mover:
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
        ms = 6 if many else 11
        empty: list = [[], [], []] if three else [[], []]
        trail = ax.plot(*empty, color=color, lw=1.0 if many else 2.4, alpha=0.8 if many else 1)[0]
        ball = ax.plot(*empty, ls="none", marker="o", ms=ms, mfc=color, mec=ink, mew=1.0)[0]
        cross = ax.plot(*empty, ls="none", marker="X", ms=ms * 1.5, mfc=color, mec=ink, mew=1.2)[0]
        cross.set_clip_on(False)  # it sits on the domain's edge: show all of it
        for artist in (trail, ball, cross):
            artist.set_in_layout(False)  # empty until the first frame: not for layout
            artist.set_animated(True)
            artist.set_label("_nolegend_")
            artist.set_zorder(8)
        return _Mover(traj, color, xy, z, div, cross_xy, trail, ball, cross)

    def _starts(self) -> None:
        """Start markers are static: draw them into the background."""
        ink = style.ink(self.theme)
        for m in self.movers:
            ax = m.trail.axes
            start = m.xy[0]
            coords = [start[:, 0], start[:, 1]]
            if m.z is not None:
                coords.append(m.z[0])
            ms = 4 if len(start) > 1 else 7
            ax.plot(*coords, ls="none", marker="o", ms=ms, mfc=ink, mec=m.color, mew=1.5, zorder=7)

    def _loss_line(self, traj, color: str):
        axis = plots.loss_axis(self.anim.race.trajectories)
        y = plots.loss_curve(traj, axis.shift, axis.log)
        y = y if y.ndim == 2 else y[:, None]
        line = self.loss_ax.plot([], [], color=color, lw=0.9 if y.shape[1] > 1 else 2.2)[0]
        dot = self.loss_ax.plot([], [], ls="none", marker="o", ms=7, mfc=color, mec="none")[0]
        for a in (line, dot):
            a.set_in_layout(False)
            a.set_animated(True)
            a.set_zorder(8)
        return line, dot, y

    def _counter(self):
        box = {
            "boxstyle": "round,pad=0.3",
            "fc": style.THEMES[self.theme]["legend.facecolor"],
            "ec": "none",
            "alpha": 0.85,
        }
        if self.anim.kind == "contour":
            ax = self.panels[0]
            text = ax.text(
                0.02, 0.975, "", transform=ax.transAxes, va="top", ha="left", bbox=box, zorder=9
            )
        else:
            text = self.fig.text(0.01, 0.985, "", va="top", ha="left", bbox=box)
        text.set_in_layout(False)
        text.set_animated(True)
        text.set_fontfamily("monospace")
        return text

    def _palette(self):
        """One palette for the whole animation: scene colors first, then the background's.

        The scene colors are every optimizer's color, the theme's ink and background,
        and their blends (what antialiased edges of lines and markers produce).
        """
        from matplotlib.colors import to_rgb

        from .writers import make_palette

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
            self._rotate(s)
        self.canvas.restore_region(self.background)
        k = int(math.floor(s))
        for m in self.movers:
            self._update(m, s, k)
            for artist in (m.trail, m.ball, m.cross):
                artist.axes.draw_artist(artist)
        for line, dot, y in self.loss_lines:
            self._update_loss(line, dot, y, s, k)
            self.loss_ax.draw_artist(line)
            self.loss_ax.draw_artist(dot)
        steps = self.anim.steps
        self.counter.set_text(f"step {k:>{len(str(steps))}d} / {steps}")
        self.fig.draw_artist(self.counter)
        return np.array(np.asarray(self.canvas.buffer_rgba())[..., :3])

    def _rotate(self, s: float) -> None:
        ax = self.panels[0]
        frac = s / max(self.anim.steps, 1)
        ax.view_init(elev=self.elev, azim=self.azim0 + self.turn * frac)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

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
        if m.z is None:
            m.trail.set_data(path[:, 0], path[:, 1])
            m.ball.set_data(head[alive, 0], head[alive, 1])
            m.cross.set_data(m.cross_xy[gone, 0], m.cross_xy[gone, 1])
        else:
            m.trail.set_data_3d(path[:, 0], path[:, 1], zpath)
            m.ball.set_data_3d(head[alive, 0], head[alive, 1], zhead[alive])
            zc = plots.height(m.traj.surface, m.cross_xy[gone], lift=0.02)
            m.cross.set_data_3d(m.cross_xy[gone, 0], m.cross_xy[gone, 1], zc)

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
