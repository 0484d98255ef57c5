"""The animation of a curve's race (:mod:`.sideview`), for the frame engine
(:mod:`.animate`): the figure drawn once, then per frame only what moves."""

from __future__ import annotations

import math

import numpy as np

from . import plots, style
from .counter import StepCounter
from .curveballs import Balls, velocities
from .sidecallouts import SideCallouts
from .sideview import GROUND, check_curve, key_marks, run_styles, side_layout


class SideEngine:
    """Frames of a curve's race for :class:`optviz.render.animate.Animation`: the figure
    drawn once, then per frame only the balls, dots, arcs, arrows, loss curves and step
    counter, blitted onto that background."""

    def __init__(self, anim):
        from .gif import make_palette

        self.anim = anim
        race, theme = anim.race, anim.theme
        check_curve(race, anim.kind)
        with style.themed(theme), plots.offscreen():
            fig, self.panels, self.loss_ax = side_layout(race, anim.loss, anim.size, anim.dpi,
                                                         theme, anim.title)  # fmt: skip
            self.fig, self.canvas = fig, fig.canvas
            self.counter = StepCounter(fig, theme, anim.steps)
            self.canvas.draw()
            fig.set_layout_engine("none")  # positions are final: the balls are placed on them
            found, scale = velocities(race, anim.glyphs)
            self.styles = run_styles(race)
            self.balls = [
                Balls(
                    ax,
                    traj,
                    ps,
                    theme,
                    animated=True,
                    velocity=v,
                    arrow_scale=scale,
                    trail=anim.trail,
                )  # fmt: skip
                for ax, traj, ps, v in zip(
                    self.panels, race.trajectories, self.styles, found, strict=True
                )  # fmt: skip
            ]
            for balls in self.balls:
                balls.roll_marks_off()
            key_marks(fig, self.balls, theme)
            self.losses = None
            if self.loss_ax is not None:  # the map's loss panel, moving in step
                from .side_panels import LOSS

                self.losses = LOSS.frames(self.loss_ax, race, self.styles, theme)
            self.callouts = None
            if anim.callouts:
                self.callouts = SideCallouts(race, anim.callouts, self.balls, theme, True)
                self.callouts.set_timeline(anim.frame_steps(), anim.fps)
            if not self.counter.prepare(self.canvas, [*self.panels, self.loss_ax]):
                self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(fig.bbox)
            bg = np.asarray(self.canvas.buffer_rgba())[..., :3]
            self.palette = make_palette(bg, _scene_colors(self.styles, theme, bg))

    def frame(self, s: float) -> np.ndarray:
        """The frame showing step ``s`` (fractional: between steps)."""
        self.canvas.restore_region(self.background)
        for balls in self.balls:
            for artist in balls.update(s):
                balls.ax.draw_artist(artist)
        if self.callouts is not None:  # rings round the balls, labels over everything
            rings, labels = self.callouts.update(s, self.canvas.get_renderer())
            for artist in [*rings, *labels]:
                artist.axes.draw_artist(artist)
        for artist in self.losses(s) if self.losses is not None else ():
            self.loss_ax.draw_artist(artist)
        k = min(int(math.floor(s)), self.anim.steps)
        self.counter.draw(self.canvas, k)
        return np.array(self.canvas.buffer_rgba())[..., :3]

    def close(self) -> None:
        self.fig.clear()


def _scene_colors(styles, theme: str, bg: np.ndarray) -> np.ndarray:
    """Every colour a frame can show beyond the background's: the runs' colours, the ink,
    white, and their blends with the ground (faded dots, antialiased edges)."""
    from matplotlib.colors import to_rgb

    ink = np.array(to_rgb(style.ink(theme))) * 255
    ground = np.median(bg.reshape(-1, 3), axis=0)
    scene = [ink, (255, 255, 255), (0, 0, 0), np.array(to_rgb(GROUND[theme])) * 255]
    for ps in styles:
        c = np.array(to_rgb(ps.color)) * 255
        scene.append(c)
        for other in (ground, ink, np.array(to_rgb(GROUND[theme])) * 255):
            scene.extend(c + (other - c) * a for a in (0.3, 0.6))
    return np.clip(np.round(scene), 0, 255).astype(np.uint8)
