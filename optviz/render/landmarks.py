"""Landmarks: minima, saddles and maxima marked under the paths, outlined over the balls."""

from __future__ import annotations

import numpy as np

from .geometry import height

CRITICAL_MARKERS = {
    "minimum": ("*", 15),
    "maximum": ("^", 10),
    "saddle": ("D", 8),
    "degenerate": ("o", 8),
}


LANDMARK_MARKERS = {  # (marker, size): a minimum is the goal, the biggest
    "global minimum": ("*", 14),
    "local minimum": ("*", 13),
    "saddle": ("D", 7),
    "maximum": ("^", 8),
    "degenerate": ("o", 7),
    "inflection": ("s", 7),  # a curve's flat point that is neither a minimum nor a maximum
}


def _mark_critical(ax, surface, z: bool = False) -> None:
    mark_landmarks(ax, surface, lifted=z)


def mark_landmarks(ax, surface, *, lifted: bool = False) -> list:
    """Mark the surface's landmarks (:func:`optviz.catalog.critical.landmarks`) on ``ax``:
    global minima as filled stars, local minima as hollow ones, saddles as diamonds,
    maxima as triangles, degenerate points as dots; when there are too many, only the
    global minima and, for the legend, an entry counting the rest. Drawn small and
    outlined under every path (paths are the subject; landmarks the scenery).
    ``lifted`` puts the markers on the surface of a 3-D axes. Returns the artists.

    >>> import optviz as ov
    >>> from optviz.render.plots import plot_surface
    >>> ax = plot_surface(ov.surface("rastrigin"), minima=False)
    >>> [a.get_label() for a in mark_landmarks(ax, ov.surface("rastrigin"))]
    ['global minimum', '+ 440 other critical points']
    """
    from ..catalog.critical import LANDMARK_KINDS, landmarks

    marks = landmarks(surface)
    drawn = []
    for kind in LANDMARK_KINDS:
        xy = np.array([p.xy for p in marks.of_kind(kind)]).reshape(-1, 2)
        if len(xy):
            coords = [xy[:, 0], xy[:, 1]]
            if lifted:
                coords.append(height(surface, xy, lift=0.02))
            drawn.append(ax.plot(*coords, **landmark_style(kind), label=kind)[0])
            _outline_above_balls(ax, coords, kind)
    if marks.left_out:
        empty = [[], [], []] if lifted else [[], []]
        drawn.append(
            ax.plot(*empty, ls="none", label=f"+ {marks.left_out} other critical points")[0]
        )
    for artist in drawn:
        artist.set_gid("landmark")
    return drawn


LANDMARK_OUTLINE_ZORDER = 9.5  # above every ball and cross (8 + a tenth of a path's order)


def _outline_above_balls(ax, coords: list, kind: str) -> None:
    """The landmark's outline again, hollow and above the balls: a ball resting on a
    saddle or a minimum would otherwise hide the very point it stopped at. Black on a
    white stroke, it shows on every ball colour and on both themes; the animation draws
    it after the balls in every frame (it is found by its gid, ``landmark-outline``)."""
    from matplotlib.patheffects import withStroke

    kw = landmark_style(kind)
    kw.update(mfc="none", mec="black", mew=1.0, zorder=LANDMARK_OUTLINE_ZORDER)
    kw["path_effects"] = [withStroke(linewidth=2.2, foreground="white")]
    (outline,) = ax.plot(*coords, **kw, label="_nolegend_")
    outline.set_gid("landmark-outline")
    outline.set_in_layout(False)


def landmark_outlines(ax) -> list:
    """The hollow landmark outlines of :func:`mark_landmarks` on ``ax``."""
    return [a for a in ax.get_lines() if a.get_gid() == "landmark-outline"]


def landmark_style(kind: str) -> dict:
    """Line2D keywords of a landmark's marker: black outlines on a white fill, a hollow
    star for a local minimum (white on a black outline, seen on dark and light ground)."""
    from matplotlib.patheffects import withStroke

    marker, size = LANDMARK_MARKERS[kind]
    kw = dict(ls="none", marker=marker, ms=size, mfc="white", mec="black", mew=1.0, zorder=4.5)
    if kind == "local minimum":
        kw.update(
            mfc="none",
            mec="white",
            mew=1.2,
            path_effects=[withStroke(linewidth=3.2, foreground="black")],
        )
    return kw


def mark_minima(ax, xy: np.ndarray, size: float = 15) -> None:
    """White stars at the known minima ``xy`` (n, 2), labelled for a legend."""
    ax.plot(
        *np.asarray(xy).T,
        ls="none",
        marker="*",
        ms=size,
        mfc="white",
        mec="black",
        mew=1.0,
        zorder=4,
        label="minimum",
    )


def mark_critical(ax, points, *, surface=None, counts: bool = False) -> None:
    """Mark critical points by kind on ``ax``, labelled for a legend.

    ``points`` have ``.xy`` and ``.kind``; give ``surface`` on a 3-D axes to lift each
    marker onto the surface; ``counts`` adds how many of each kind to the label.
    """
    for kind, (marker, size) in CRITICAL_MARKERS.items():
        xy = np.array([p.xy for p in points if p.kind == kind]).reshape(-1, 2)
        if not len(xy):
            continue
        coords = [xy[:, 0], xy[:, 1]]
        if surface is not None:
            coords.append(height(surface, xy, lift=0.02))
        ax.plot(
            *coords,
            ls="none",
            marker=marker,
            ms=size,
            mfc="white",
            mec="black",
            mew=1.0,
            zorder=6,
            label=f"{kind} ({len(xy)})" if counts else kind,
        )
