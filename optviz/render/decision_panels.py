"""A landscape's small panels: each run's decision regions on the training data at a
step (classification), or its prediction against the target (regression).

Separate from :mod:`.landscapeplots`, which lays out the plane, the loss and these
panels: what a network predicts over its data is its own picture, with its own
colours and grid (whose size the cost checks read).
"""

from __future__ import annotations

import numpy as np

from . import style

# blue, orange, teal first: they stay apart without red-green vision (no red beside a green)
CLASS_COLORS = ("#4477AA", "#EE7733", "#44AA99", "#AA3377", "#CCBB44", "#66CCEE", "#BBBBBB")
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
TINT = 0.28  # share of a class color in its region's fill
BOUNDARY_RESOLUTION = 90


def _tints(theme: str, k: int) -> np.ndarray:
    """Region fills ``(k, 3)`` in 0..1: each class color blended into the background."""
    from matplotlib.colors import to_rgb

    ground = np.array(to_rgb(style.THEMES[theme]["axes.facecolor"]))
    colors = np.array([to_rgb(CLASS_COLORS[i % len(CLASS_COLORS)]) for i in range(k)])
    return ground + TINT * (colors - ground)


class _Boundaries:
    """Decision regions (or a regression's fit) of each run on its small panel."""

    def __init__(self, ls, axes, theme: str, animated: bool):
        self.ls, self.axes, self.theme = ls, axes, theme
        x = ls.data.x
        self.two_d = x.shape[1] == 2
        lo, hi = x.min(axis=0), x.max(axis=0)
        pad = 0.08 * (hi - lo)
        self.box = np.stack([lo - pad, hi + pad], axis=1)
        self.images, self.points = [], []
        for i, ax in enumerate(axes):
            self._panel(i, ax, animated)

    def _panel(self, i: int, ax, animated: bool) -> None:
        # "Momentum · Xavier normal": what tells the runs apart goes on its own line, so
        # neighbouring small panels' titles do not run into each other
        title = ax.get_label().replace(" · ", "\n")
        ax.set_title(title, color=style.color(i), fontsize=16, fontweight="bold")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor(style.color(i))
            spine.set_linewidth(2.5)
        if not (self.two_d and self.ls.data.classes):
            self._regression_panel(ax, animated)
            return
        (x0, x1), (y0, y1) = self.box
        blank = np.zeros((BOUNDARY_RESOLUTION, BOUNDARY_RESOLUTION, 3))
        image = ax.imshow(blank, origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
                          interpolation="nearest", animated=animated)  # fmt: skip
        self.images.append(image)
        marks = []
        d = self.ls.data
        for c in range(d.classes):
            pts = d.x[d.y == c]
            color = CLASS_COLORS[c % len(CLASS_COLORS)]
            marks.append(ax.plot(pts[:, 0], pts[:, 1], ls="none", ms=3.5, mew=0.4, mfc=color,
                                 mec=style.ink(self.theme), animated=animated,
                                 marker=CLASS_MARKERS[c % len(CLASS_MARKERS)])[0])  # fmt: skip
        self.points.append(marks)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)

    def _regression_panel(self, ax, animated: bool) -> None:
        d = self.ls.data
        ax.set_xlabel("target", fontsize=12)
        ax.set_ylabel("prediction", fontsize=12)
        lo, hi = float(d.y.min()), float(d.y.max())
        ax.plot([lo, hi], [lo, hi], color=style.ink(self.theme), lw=1, alpha=0.6)
        dots = ax.plot(d.y, d.y, ls="none", marker="o", ms=3, animated=animated,
                       mfc=CLASS_COLORS[0], mec="none")[0]  # fmt: skip
        self.images.append(None)
        self.points.append([dots])
        pad = 0.25 * (hi - lo + 1e-12)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(lo - pad, hi + pad)

    def _grid(self) -> np.ndarray:
        (x0, x1), (y0, y1) = self.box
        n = BOUNDARY_RESOLUTION
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return np.column_stack([X.ravel(), Y.ravel()])

    def draw(self, step: int) -> list:
        """Set every panel to the weights of ``step``; return the artists to draw."""
        artists: list = []
        if not self.axes:  # no small panels: the map is the picture
            return artists
        grid = self._grid() if self.images and self.images[0] is not None else None
        for i, run in enumerate(self.ls.runs):
            theta = run.params[min(step, run.steps)][None]
            if self.images[i] is None:  # regression: prediction per row
                with np.errstate(all="ignore"):
                    pred = run.network.outputs(theta, self.ls.data.x)[0, :, 0]
                self.points[i][0].set_ydata(pred)
            else:
                with np.errstate(all="ignore"):
                    label = run.network.outputs(theta, grid)[0].argmax(axis=1)
                tints = _tints(self.theme, self.ls.data.classes)
                n = BOUNDARY_RESOLUTION
                self.images[i].set_data(tints[label].reshape(n, n, 3))
                artists.append(self.images[i])
            artists.extend(self.points[i])
        return artists
