"""Landmarks: minima, saddles and maxima drawn as outlines over the paths, under the balls.

A landmark is scenery, the balls are the subject: a ball resting on a saddle or a minimum
covers the landmark's middle, and the outline, drawn larger than a ball, rings it, so the
audience sees both the ball and where it stopped. A minimum's star is drawn with its inner
corners outside a ball (:func:`ringing_star`): a standard star's waist is narrower than a
ball, so a ball on it cut its outline into five loose tips that read as a star of the
ball's colour."""

from __future__ import annotations

import numpy as np

from .geometry import height

CRITICAL_MARKERS = {
    "minimum": ("*", 15),
    "maximum": ("^", 10),
    "saddle": ("D", 8),
    "degenerate": ("o", 8),
}


BALL_CLEARANCE = 6.5  # points from a landmark's centre to its outline's nearest line: a
# ball (10 points across, its edge and the outline's white stroke) fits inside


def ringing_star(points: int = 5, waist: float = 0.55):
    """A star marker whose inner corners lie ``waist`` of the way out to its tips
    (matplotlib's ``*`` has 0.38): at a size of ``2 * BALL_CLEARANCE / waist`` points and
    more its outline passes outside a ball resting on its centre, so the ball sits in the
    star and the whole outline stays in sight.

    >>> from matplotlib.path import Path
    >>> v = ringing_star().vertices[:-1]
    >>> round(float(abs(v).max()), 6), round(float(min(np.hypot(*v.T))), 6)
    (1.0, 0.55)
    """
    from matplotlib.path import Path

    angles = np.pi / 2 + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, 1.0, waist)
    verts = np.c_[radii * np.cos(angles), radii * np.sin(angles)]
    return Path(np.vstack([verts, verts[:1]]), closed=True)


LANDMARK_MARKERS = {  # (marker, size in points): larger than a ball (10), so they ring it
    "global minimum": (ringing_star(waist=0.55), 24),  # its waist 6.6 points from the centre
    "local minimum": (ringing_star(waist=0.62), 21),  # stubbier and white: not the global one
    "saddle": ("D", 13),
    "maximum": ("^", 14),
    "degenerate": ("o", 13),
    "inflection": ("s", 13),  # a curve's flat point that is neither a minimum nor a maximum
}
LANDMARK_ZORDER = 6.8  # over the paths (5 and up), under start rings, key-moment rings and balls


def _mark_critical(ax, surface, z: bool = False) -> None:
    mark_landmarks(ax, surface, lifted=z)


def mark_landmarks(ax, surface, *, lifted: bool = False) -> list:
    """Mark the surface's landmarks (:func:`optviz.catalog.critical.landmarks`) on ``ax``:
    global minima as stars, local minima as thinner stars, saddles as diamonds,
    maxima as triangles, degenerate points as rings; when there are too many, only the
    global minima (the legend names what is drawn: a count of unmarked points, with no
    symbol and nothing on the map, only puzzled readers). Drawn as hollow outlines under
    every path and ball (see the module docs).
    ``lifted`` puts the markers on the surface of a 3-D axes. Returns the artists.

    >>> import optviz as ov
    >>> from optviz.render.plots import plot_surface
    >>> ax = plot_surface(ov.surface("rastrigin"), minima=False)
    >>> [a.get_label() for a in mark_landmarks(ax, ov.surface("rastrigin"))]
    ['global minimum']
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
    for artist in drawn:
        artist.set_gid("landmark")
    return drawn


def landmark_style(kind: str) -> dict:
    """Line2D keywords of a landmark's marker: a hollow outline, black on a white stroke
    (seen on dark and light ground and on every ball colour); a local minimum's outline
    thinner, white on a black stroke, so the global one stands out."""
    from matplotlib.patheffects import withStroke

    marker, size = LANDMARK_MARKERS[kind]
    local = kind == "local minimum"
    ink, stroke, width = ("white", "black", 1.2) if local else ("black", "white", 1.6)
    kw = dict(ls="none", marker=marker, ms=size, mfc="none", mec=ink, mew=width)
    kw["zorder"] = LANDMARK_ZORDER
    kw["path_effects"] = [withStroke(linewidth=width + 1.8, foreground=stroke)]
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
