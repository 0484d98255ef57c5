"""Animations of a race, drawn fast: background once, only the moving artists per frame.

:func:`animate` returns an :class:`Animation`; nothing is drawn until its frames are
asked for (``.frames()``, ``.save(path)``, or inline display in Jupyter).

How a frame is made (:mod:`.frames`): the figure is drawn once without what moves, and
each frame restores it and draws only the trails, balls, crosses, side panels and step
counter; the writer maps each frame onto one palette chosen once for the animation and
streams it to disk. A 3-D animation with ``rotate`` draws its 3-D axes again every
frame, made cheap to draw first (:func:`.turning.cheap_axes`).

Frames and time: an animation has ``round(duration * fps)`` frames whatever the number
of steps, and they are spent where something moves (:mod:`.clock`): each frame
advances the paths by about the same share of their visible length, so a fast first
stretch is slowed down (the first 5% of the steps get at most a fifth of the frames)
and a converged tail is skipped through; a callout's moment is approached slowly and
held a second; the step counter shows the step actually drawn. Between whole steps the
positions are interpolated. The first frame (the set-up: every ball at its start) is
held ``hold_first`` seconds, by repeating it; the last is held ``hold`` seconds, added by
the writer (``hold_frames = round(hold * fps)`` frame durations): a GIF stores it as a
longer delay on its last frame, MP4 and PNG folders repeat the last frame.
``.n_frames`` counts the frames written (the first frame's repeats included, the last
hold not); ``.frames()`` yields exactly them.

Extra moving artists (say, glyphs of an optimizer's state at each ball) hook in through
``overlays``: callables ``overlay(engine, s)`` run on every frame after the paths are
updated; each returns the artists to draw for step ``s`` (created once, ``animated``).
A caller that needs its own figure around the race (a network's landscape beside its
decision regions) passes ``layout``, a function with :func:`race_figure.race_layout`'s
signature and result.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..util import check, defaults
from ..util.errors import ParameterError
from . import clock, plots, race_figure, side_panels, style
from .callouts import check_callouts
from .frames import _Engine  # noqa: F401  (the engine, where tests find it)
from .writers import check_fps

MAX_FRAMES = 20_000


@dataclass
class Animation:
    """A race to be animated; see :func:`animate` for the options.

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["gd:lr=0.1", "adam:lr=0.1"], start=(1.5, 1.0), steps=30)
    >>> anim = animate(r, fps=10, duration=1.0, hold=1.0, size=(3, 2), dpi=50)
    >>> anim.n_frames, anim.intro_frames, anim.hold_frames  # the first held 2 s by default
    (30, 20, 10)
    >>> frames = list(anim.frames())
    >>> len(frames), frames[0].shape
    (30, (100, 150, 3))
    """

    race: Any
    kind: str = "contour"
    loss: bool | str = False
    fps: float = 20
    duration: float = 6.0
    hold: float = defaults.HOLD
    hold_first: float = defaults.HOLD_FIRST
    size: Any = "16:9"
    dpi: float = 100
    theme: str = "light"
    rotate: float | bool = False
    trail: bool | int = True
    title: str | None = None
    overlays: tuple = ()
    layout: Any = field(default=None, repr=False)
    glyphs: bool = False
    callouts: tuple = ()
    side: tuple = ()
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
        >>> s = animate(r, fps=10, duration=2.0).frame_steps()
        >>> float(s[0]), float(s[-1]), bool(s[3] < 1.0)  # step 1 gets frames, not all
        (0.0, 40.0, True)
        """
        n = max(1, round(self.duration * self.fps))
        hold = round(clock.MOMENT_HOLD * self.fps)
        return clock.frame_steps(self.race.trajectories, n, self.moments(), hold, self.fps)

    def moments(self) -> list[int]:
        """The steps the callouts point at (:mod:`.callouts`): slowed into and held."""
        from .callouts import moments

        return moments(self.callouts, self.steps)

    def _engine(self) -> Any:
        """What draws the frames: the map's engine, or a curve's side view."""
        if self.race.surface.is_curve:
            from .sideanim import SideEngine

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
                callouts=self.callouts,
                side=self.side,
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
    loss: bool | str = False,
    fps: float = 20,
    duration: float = 6.0,
    hold: float = defaults.HOLD,
    hold_first: float = defaults.HOLD_FIRST,
    size: Any = "16:9",
    dpi: float = 100,
    theme: str = "light",
    rotate: float | bool = False,
    trail: bool | int = True,
    title: str | None = None,
    overlays: Any = (),
    glyphs: bool = False,
    sharpness: bool = False,
    callouts: Any = (),
    side: Any = (),
) -> Animation:
    """An animation of ``race``: ``.save(path)`` it or display it in a notebook.

    ``kind``: ``"contour"`` (every optimizer on one contour map, trails growing, legend
    with hyperparameters, step counter), ``"3d"`` (balls rolling on the surface; with
    ``rotate=True`` the camera turns 90° over the animation, or give the degrees) or
    ``"panels"`` (one synchronized panel per optimizer). ``loss=True`` adds a loss panel
    whose curves grow in step (``loss="evals"``: against loss-and-gradient evaluations).
    ``trail``: ``True`` the whole path so far, ``False`` only the balls, an int the last
    that many steps drawn bold and, on a map, the way before them faint (a noisy run's
    last steps read as the way its ball came; the whole path stays in sight).
    ``glyphs=True`` draws at each ball the gradient, velocity, rate box or step of its
    next step (:mod:`optviz.render.glyphs`; the race must be run with
    ``keep_state=True``). ``sharpness=True`` adds a panel of each optimizer's sharpness
    beside its stability line, its curves growing in step (the race must be run with
    ``sharpness=True``). ``callouts``: verdicts of the race's claims
    (:func:`optviz.analysis.check_claims`), each that holds written beside the ball it
    names from its key step on, the clock slowing into that step and holding it
    (:mod:`optviz.render.callouts`). ``side``: more panels beside the map, moving in
    step with it (:mod:`optviz.render.side_panels`). ``size``: a preset of
    :data:`optviz.render.style.SIZES` or ``(width, height)`` inches, times ``dpi``.
    Frames and the final hold: see the module docs.

    >>> import optviz as ov
    >>> r = ov.race("rosenbrock", ["gd:lr=0.001", "adam:lr=0.05"], steps=100)
    >>> animate(r, kind="panels", loss=True, duration=2, fps=10).n_frames  # 2 s held first
    40
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
    if not isinstance(sharpness, bool):
        raise ParameterError(f"sharpness={sharpness!r} must be True or False")
    if sharpness:
        from .sharpness_panel import SharpnessOverlay, sharpness_layout

        if glyphs:
            raise ParameterError("glyphs and a sharpness panel do not go together: pick one")
        if all(t.sharpness is None for t in race.trajectories):
            raise ParameterError("a sharpness panel needs the sharpness: race with sharpness=True")
        layout = sharpness_layout(race_figure.race_layout)
        overlays = (*overlays, SharpnessOverlay())
    from .extras import ExtrasOverlay, has_extras

    if kind != "3d" and any(has_extras(t) for t in race.trajectories):
        overlays = (ExtrasOverlay(), *overlays)  # evaluations and shown points, under glyphs
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
        loss=loss if loss == "evals" else bool(loss),
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
        callouts=check_callouts(callouts, race),
        side=tuple(side_panels.side_panels(side)),
    )
