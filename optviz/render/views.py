"""Axes-level views behind the results' own methods and notebook previews.

``race.plot(ax=ax)``, ``trajectory.plot()`` and ``surface.plot()`` draw on one Axes and
return it (as seaborn's axes-level functions do); notebooks show surfaces, trajectories
and races through :func:`preview`, a small figure built from the same plots.
"""

from __future__ import annotations

from typing import Any

from . import loss_plot, plots, style, surface3d


def race_on(race, ax=None, *, theme: str = "light", loss: bool = False, **surface_options: Any):
    """A race (or a trajectory) on one Axes, ``ax`` or a new one: its surface (contours,
    or the mesh on a 3-D Axes) and every path, with a legend; ``loss=True`` draws the
    loss curves instead. Returns the Axes.

    >>> import optviz as ov
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> r = ov.race("quadratic", ["gd", "adam"], steps=5)
    >>> race_on(r, ax) is ax, [t.get_text() for t in ax.get_legend().get_texts()]
    (True, ['GD (lr 0.01)', 'Adam (lr 0.01)'])
    """
    style.check_theme(theme)
    if race.surface.is_curve and not loss:  # a curve's race, from the side
        from .sideview import side_on

        return side_on(race, ax, theme=theme)
    with style.themed(theme):
        if ax is None:
            ax = plots.new_figure("small").add_subplot()
        if loss:
            loss_plot.plot_loss(race, ax, theme=theme)
        else:
            # the landmarks every race view marks (saddles, global and local minima)
            surface_on(race.surface, ax, theme=theme, **{"critical": True, **surface_options})
            plots.plot_trajectories(race, ax, theme=theme)
        # the optimizers only: on one small Axes a longer key would cover the map
        entries = [(h, t) for h, t in zip(*ax.get_legend_handles_labels(), strict=True)
                   if h.get_gid() != "landmark"]  # fmt: skip
        ax.legend(*zip(*entries, strict=True), loc="best", framealpha=0.9)
    return ax


def surface_on(surface, ax=None, *, theme: str = "light", **options: Any):
    """``surface`` on one Axes: its mesh on a 3-D Axes, else filled contours.

    >>> import optviz as ov
    >>> surface_on(ov.surface("saddle")).name
    'rectilinear'
    """
    if surface.is_curve:  # a curve in profile, its landmarks marked
        from .sideview import draw_curve

        with style.themed(theme):
            ax = ax if ax is not None else plots.new_figure("small").add_subplot()
            return draw_curve(ax, surface, theme)
    if ax is not None and ax.name == "3d":
        return surface3d.plot_surface3d(surface, ax, theme=theme, **options)
    return plots.plot_surface(surface, ax, theme=theme, **options)


def preview(result: Any, theme: str = "light"):
    """A small Figure of a surface, a trajectory or a race, for a notebook.

    >>> import optviz as ov
    >>> fig = preview(ov.surface("himmelblau"))
    >>> fig.axes[0].get_title()
    "Himmelblau's function"
    """
    with style.themed(theme):
        fig = plots.new_figure("small", dpi=80)
        ax = fig.add_subplot()
        if hasattr(result, "xy") or hasattr(result, "trajectories"):
            race_on(result, ax, theme=theme)
            surface = result.surface
        else:
            surface_on(result, ax, theme=theme, colorbar=True, critical=True)
            surface = result
        ax.set_title(surface.title or surface.name)
    return fig
