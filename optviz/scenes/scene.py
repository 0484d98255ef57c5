"""A scene: what to run and what to draw, checked and ready to render.

:mod:`optviz.scenes.build` makes one from a file or a mapping; :meth:`Scene.render` draws
every render it declares; :meth:`Scene.race` runs it once and keeps the runs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..util.errors import SceneError
from .kinds import ANIMATION_SUFFIXES, RACE_KINDS, Progress


@dataclass(frozen=True)
class Render:
    """One output of a scene: its kind, its file and its (checked) options."""

    kind: str
    output: Path
    options: Mapping[str, Any]

    @property
    def animated(self) -> bool:
        """True when the output's extension asks for an animation."""
        return self.output.suffix.lower() in ANIMATION_SUFFIXES


def _reads_state(r: Render) -> bool:
    """Whether render ``r`` draws from the optimizers' recorded state."""
    from . import render_kinds

    return bool(r.options.get("glyphs")) or "state" in render_kinds.RENDERS[r.kind].needs


@dataclass(frozen=True, eq=False)
class Scene:
    """A checked scene: the surface, optimizers, run settings and the renders to make.

    Build one with :func:`load_scene` (a TOML file) or :func:`scene_from_dict`.
    ``render()`` writes every output and returns the paths; ``race()`` runs (once) the
    race the renders share.
    """

    source: str
    title: str | None = None
    description: str = ""
    surface: Any = None
    optimizers: tuple = ()
    labels: tuple = ()
    overrides: tuple = ()
    """Per optimizer, the ``schedule`` / ``noise`` it uses instead of the run's."""
    steps: int | None = None
    starts: Any = None
    schedule: Any = None
    noise: Any = None
    seed: int | None = None
    lr: str | float | None = None
    renders: tuple[Render, ...] = ()
    metrics: Path | None = None
    reports: dict = field(default_factory=dict)
    """Rows an analysis render reported (e.g. the best learning rates), by output path."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """The checked scene as plain data (what :func:`scene_to_toml` writes back)."""
    claims: tuple[str, ...] = ()
    """What the scene teaches, as claims (``[lesson] claims``), checked by :meth:`verdicts`."""
    callouts: bool = True
    """Draw each claim's key moment on the picture (``[lesson] callouts``)."""
    computed: dict = field(default_factory=dict, repr=False)
    """Results of renders other than the race, by (kind, output) (see ``results.py``)."""

    @functools.cached_property
    def _race(self) -> Any:
        from ..analysis.racing import race

        if self.surface is None or not self.optimizers:
            raise SceneError(f"{self.source}: a race needs a surface and at least one optimizer")
        kwargs = self.run_options(start=self.starts, schedule=self.schedule, noise=self.noise)
        # glyphs and quantities are drawn from the optimizer's state, recorded when asked for
        keep = {"keep_state": True} if any(map(_reads_state, self.renders)) else {}
        if any(r.options.get("sharpness") for r in self.renders):
            keep["sharpness"] = True
        opts, labels = list(self.optimizers), list(self.labels)
        if self.lr is not None:
            from ..analysis.tuning import race_optimizers

            opts, chosen = race_optimizers(self.surface, opts, self.lr, **kwargs)
            labels = [mine or theirs for mine, theirs in zip(labels, chosen or labels, strict=True)]
        if any(self.overrides):  # an optimizer with its own schedule, noise or seed
            from ..engine.runner import Race, run

            runs = [
                run(self.surface, o, **{**kwargs, **own, **keep})
                for o, own in zip(opts, self.overrides, strict=True)
            ]
            result = Race(self.surface, runs)
        else:
            result = race(self.surface, opts, **kwargs, **keep)
        trajectories = [
            t if label is None else replace(t, label=label)
            for t, label in zip(result.trajectories, labels, strict=True)
        ]
        return replace(result, trajectories=trajectories)

    def run_options(self, **given: Any) -> dict[str, Any]:
        """``steps`` and ``seed`` (when the scene sets them) and the ``given`` options
        that are not None, as keyword arguments for the API."""
        options = {"steps": self.steps, "seed": self.seed, **given}
        return {k: v for k, v in options.items() if v is not None}

    def race(self) -> Any:
        """The scene's :class:`~optviz.engine.runner.Race` (run on first use, then kept).

        >>> from optviz.scenes import scene_from_dict
        >>> s = scene_from_dict({"surface": "quadratic", "optimizers": ["gd", "adam"]})
        >>> s.race().names
        ['gd(lr=0.01)', 'adam(lr=0.01)']
        """
        return self._race

    @functools.cached_property
    def _verdicts(self) -> list:
        from ..analysis.claims import check_claims
        from .lessons import evidence

        return check_claims(evidence(self), self.claims) if self.claims else []

    def verdicts(self) -> list:
        """One :class:`~optviz.analysis.claims.Verdict` per claim, checked on what the
        scene's first render draws (computed once, shared with the render).

        >>> from optviz.scenes import scene_from_dict
        >>> s = scene_from_dict({"surface": "quadratic", "optimizers": ["gd:lr=0.6"],
        ...     "run": {"steps": 20, "starts": [1, 1]}, "lesson": {"claims": ["zigzags(gd)"]}})
        >>> [(v.holds, v.callout) for v in s.verdicts()]
        [(True, 'GD zig-zags across the valley')]
        """
        return self._verdicts

    @property
    def has_race(self) -> bool:
        """True when a render draws the race (so there is a results table)."""
        return any(r.kind in RACE_KINDS for r in self.renders) or self.metrics is not None

    def table(self) -> list[dict[str, Any]]:
        """The race's results, one row per optimizer (see :meth:`optviz.Race.table`)."""
        return self.race().table()

    def render(self, progress: Progress | None = None) -> list[Path]:
        """Write every output of the scene (atomically) and return their paths.

        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> from optviz.scenes import scene_from_dict
        >>> s = scene_from_dict({"surface": "quadratic", "render": {"kind": "show",
        ...                      "output": "bowl.png", "size": "small", "dpi": 40}},
        ...                     base=folder)
        >>> [p.name for p in s.render()]
        ['bowl.png']
        """
        from ..util.files import check_writable

        for r in self.renders:  # refuse an unwritable path before any work
            check_writable(r.output)
        if self.metrics is not None:
            check_writable(self.metrics)
        from .rendering import render_one

        written = [render_one(self, r, progress) for r in self.renders]
        if self.metrics is not None:
            from ..analysis import write_metrics

            write_metrics(self.table(), self.metrics)
            written.append(self.metrics)
        return written


# -- loading ---------------------------------------------------------------------------------
