"""Landmarks: minima, saddles and maxima drawn as outlines over the paths, under the balls.

A landmark is scenery, the balls are the subject: a ball resting on a saddle or a minimum
covers the landmark's middle, and the outline, drawn larger than a ball, rings it, so the
audience sees both the ball and where it stopped. A minimum's star is drawn with its inner
corners outside a ball (:func:`ringing_star`): a standard star's waist is narrower than a
ball, so a ball on it cut its outline into five loose tips that read as a star of the
ball's colour. Where a ball rests on a landmark, the landmark there is a larger, thick
hollow outline with no fill (:func:`plate_for`): the ball's whole disc and its own shape
are the only thing inside it, plainly on top."""

from __future__ import annotations

import re

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
    "saddle": ("D", 16),  # its sides 5.7 points from the centre: outside a resting ball
    "maximum": ("^", 14),
    "degenerate": ("h", 14),  # a hexagon: a ring read as a start ring, a square as a square marker
    "inflection": ("s", 13),  # a curve's flat point that is neither a minimum nor a maximum
}
LEGEND_NAMES = {"degenerate": "flat point"}  # the key's words; "degenerate" is jargon
LANDMARK_ZORDER = 6.8  # over the paths (5 and up), under start rings, key-moment rings and balls
OVER_ZORDER = 9.5  # a minimum's thin outline again, over the balls (under callouts, 9.7)
OVER_KINDS = ("global minimum", "local minimum")  # the places balls come to rest on
FILL_ZORDER = 4.9  # a global minimum's fill: under every path (5 and up)
PLATE_EDGE = 1.6  # a plate's outline is this much thicker than its landmark's: it rings a ball
GLOBAL_FILL = "#FFEB7A"  # pale gold: bright on grey and dark maps, seen in a white legend,
# far lighter than every ball colour (a saturated gold read as part of the orange ball on it)


def _mark_critical(ax, surface, z: bool = False) -> None:
    mark_landmarks(ax, surface, lifted=z)


NEAR_END = 0.05  # a run that ends this near a landmark (share of the domain's larger side)
# ends at it: the landmark stays on a race's map


def lesson_landmarks(surface, runs=None) -> list:
    """The landmarks a race on ``surface`` marks: the global minima, those a run ends at,
    those of a kind the surface's lesson's claims name (``escapes(sgd, from=saddle)``), and
    of the local minima a claim names those a path comes near; the others stay off
    (six_hump_camel's six saddles and two maxima crowded a map whose lesson needs two
    minima), unless the
    surface asks for all of them (``[view] all_landmarks = true``) or for every minimum
    (``all_minima``). Every landmark when
    ``runs`` is None (a surface shown alone). Points of
    :func:`optviz.catalog.critical.landmarks`.

    >>> import optviz as ov
    >>> r = ov.race("himmelblau", ["gd:lr=0.01"], start=(-0.3, 0.2), steps=100)
    >>> sorted({p.kind for p in lesson_landmarks(r.surface, r.trajectories)})
    ['global minimum']
    """
    from ..catalog.critical import landmarks

    points = list(landmarks(surface).points)
    if runs is None or surface.view.all_landmarks:
        return points
    words = set(re.findall(r"[a-z]+", " ".join(surface.lesson.claims)))
    reach = NEAR_END * float(np.max(np.ptp(np.asarray(surface.domain, float), axis=1)))
    ends = _finite([np.asarray(t.xy, float)[-1] for t in runs])
    paths = _finite([np.asarray(t.xy, float) for t in runs])

    def near(p, pts) -> bool:
        return bool(len(pts)) and float(np.min(np.hypot(*(pts - p.xy).T))) < reach

    def needed(p) -> bool:
        named = p.kind.split()[0] in words and (p.kind != "local minimum" or near(p, paths))
        every_minimum = surface.view.all_minima and p.kind.endswith("minimum")
        return p.kind == "global minimum" or named or near(p, ends) or every_minimum

    return [p for p in points if needed(p)]


def _finite(arrays: list) -> np.ndarray:
    """The finite ``(n, 2)`` points of ``arrays`` (positions of any shape ``(..., 2)``)."""
    xy = np.concatenate([a.reshape(-1, 2) for a in arrays]) if arrays else np.zeros((0, 2))
    return xy[np.isfinite(xy).all(axis=1)]


def mark_landmarks(ax, surface, *, lifted: bool = False, runs=None) -> list:
    """Mark the surface's landmarks (:func:`optviz.catalog.critical.landmarks`) on ``ax``:
    global minima as stars, local minima as thinner stars, saddles as diamonds,
    maxima as triangles, degenerate points as rings; when there are too many, only the
    global minima (the legend names what is drawn: a count of unmarked points, with no
    symbol and nothing on the map, only puzzled readers). Drawn as hollow outlines over
    every path and under the balls (see the module docs), with a global minimum's fill
    under the paths and a minimum's hairline over the balls.
    ``lifted`` puts the markers on the surface of a 3-D axes; with ``runs`` (a race's
    trajectories) only those :func:`lesson_landmarks` keeps. Returns the artists.

    >>> import optviz as ov
    >>> from optviz.render.plots import plot_surface
    >>> ax = plot_surface(ov.surface("rastrigin"), minima=False)
    >>> [a.get_gid() for a in mark_landmarks(ax, ov.surface("rastrigin"))]
    ['landmark', 'landmark-fill', 'landmark-over']
    """
    from ..catalog.critical import LANDMARK_KINDS

    marks = lesson_landmarks(surface, runs)
    drawn = []
    for kind in LANDMARK_KINDS:
        xy = np.array([p.xy for p in marks if p.kind == kind]).reshape(-1, 2)
        if len(xy):
            coords = [xy[:, 0], xy[:, 1]]
            if lifted:
                coords.append(height(surface, xy, lift=0.02))
            label = LEGEND_NAMES.get(kind, kind)
            drawn.append(ax.plot(*coords, **landmark_style(kind), label=label)[0])
    for artist in drawn:
        artist.set_gid("landmark")
    if not lifted:
        drawn += [_filled(ax, a) for a in drawn if a.get_label() == "global minimum"]
        drawn += [_over_balls(ax, a) for a in drawn if a.get_label() in OVER_KINDS]
        if runs is not None and surface.dim == 2:  # a race: its goal off the map, an arrow
            from .goal_arrows import mark_goals

            goals = [p.xy for p in marks if p.kind == "global minimum"]
            mark_goals(ax, surface, goals, avoid=_finite([np.asarray(t.xy, float) for t in runs]))
    return drawn


def _filled(ax, outline):
    """The global minimum's star filled pale gold, under every path (gid
    ``landmark-fill``): on a grey or dark map it stands out from the hollow local minima,
    and a path through it stays whole."""
    fill = ax.plot(*outline.get_data(), ls="none", marker=outline.get_marker(),
                   ms=outline.get_markersize(), mfc=GLOBAL_FILL, mec="none", zorder=FILL_ZORDER,
                   label="_nolegend_")[0]  # fmt: skip
    fill.set_gid("landmark-fill")
    return fill


def legend_face(ax, kind: str) -> str:
    """The face a legend draws ``kind``'s marker with: the global minimum's fill where it
    is filled (an artist of its own, under the paths), else none."""
    filled = any(a.get_gid() == "landmark-fill" for a in ax.get_lines())
    return GLOBAL_FILL if filled and kind == "global minimum" else "none"


def _over_balls(ax, under):
    """A thin copy of the minimum's outline ``under``, drawn over the balls: where balls
    rest on a minimum (fanned out, or a square's corners on its arms) they cover parts
    of the outline under them, and the star must still read as a star. The balls'
    layout clips it to outside every drawn ball (:class:`.balls.BallLayout`): a line
    across a ball read as the ball hidden under the star (gid ``landmark-over``: no
    legend entry, not a landmark of its own)."""
    from matplotlib.patheffects import withStroke

    local = under.get_label() == "local minimum"
    ink, stroke = ("white", "black") if local else ("black", "white")
    over = ax.plot(*under.get_data(), ls="none", marker=under.get_marker(),
                   ms=under.get_markersize(), mfc="none", mec=ink, mew=0.8,
                   zorder=OVER_ZORDER, label="_nolegend_")[0]  # fmt: skip
    over.set_path_effects([withStroke(linewidth=1.2, foreground=stroke)])
    over.set_gid("landmark-over")
    return over


def plate_for(ax, line, zorder: float):
    """The landmark of ``line`` as drawn where a ball rests on it: a thick hollow outline
    in the landmark's colours, larger than the landmark, round the ball (gid
    ``landmark-rest``: drawn as a landmark, named in no legend). The landmark itself and
    its fill are taken off there (:meth:`.balls.BallLayout.place`): a ball on a filled
    star read as under it, an orange ball on the gold fill as part of the star; ringed by
    an outline with nothing over or round it but the map, the ball is plainly on top. A
    global minimum's outline is gold on black, its fill's colour: the legend's star."""
    from matplotlib.patheffects import withStroke

    ink = GLOBAL_FILL if line.get_label() == "global minimum" else line.get_markeredgecolor()
    stroke = "black" if ink == GLOBAL_FILL else line.get_path_effects()[0]._gc["foreground"]
    width = PLATE_EDGE * line.get_markeredgewidth()
    plate = ax.plot([], [], ls="none", marker=line.get_marker(), ms=line.get_markersize(),
                    mfc="none", mec=ink, mew=width, zorder=zorder,
                    label="_nolegend_")[0]  # fmt: skip
    plate.set_path_effects([withStroke(linewidth=width + 2.4, foreground=stroke)])
    plate.set_gid("landmark-rest")
    plate.set_in_layout(False)
    return plate


def size_plate(plate, line, seats, reaches) -> None:
    """Draw ``plate`` (of :func:`plate_for`) at the landmarks ``seats`` (``(k, 3)`` px) of
    ``line``, its arms reaching ``reaches`` (px) from their centres (the largest: one
    marker size for all), or nowhere."""
    from .fans import unit_reach

    seats = np.asarray(seats, float).reshape(-1, 3)
    if not len(seats):
        plate.set_data([], [])
        return
    ax = plate.axes
    xy = ax.transData.inverted().transform(seats[:, :2])
    stroke = (line.get_markeredgewidth() + 1.8) / 2
    size = (max(reaches) * 72 / ax.figure.dpi - stroke) / unit_reach(line)
    plate.set_markersize(max(size, line.get_markersize()))
    plate.set_data(xy[:, 0], xy[:, 1])


def landmark_style(kind: str) -> dict:
    """Line2D keywords of a landmark's marker: a hollow outline, black on a white stroke
    (seen on dark and light ground and on every ball colour); a local minimum's thinner,
    white on a black stroke; the global one is also filled pale gold under the paths
    (:func:`_filled`), so it stands out on every map (a grey map made the two alike)."""
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
