"""The entry point of the initialization figures: the deep nets run once, every view of them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import nets
from ..util.errors import OutputError, ParameterError, unknown
from .init_figures import init_grid, init_histograms, init_summary
from .initdepth import depth_animation, depth_frames
from .initplots import (
    ANIMATION_SUFFIXES,
    DEFAULT_SCHEMES,
    IMAGE_SUFFIXES,
    layer_densities,
)
from .writers import save_figure, save_frames

HOLD_SECONDS = 2.0
"""How long the depth animation shows its first and its last layer: a slide's hold."""


def frames_for(seconds: float, fps: float) -> int:
    """Whole frames that last at least ``seconds`` at ``fps``.

    >>> frames_for(2.0, 2.0), frames_for(2.0, 3.0)
    (4, 6)
    """
    return max(int(np.ceil(seconds * fps - 1e-9)), 1)


def held_first(frames: Iterable[np.ndarray], count: int) -> Iterator[np.ndarray]:
    """``frames`` with the first one shown ``count`` times in all.

    >>> [int(f[0]) for f in held_first(iter([np.array([1]), np.array([2])]), 3)]
    [1, 1, 1, 2]
    """
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        return
    for _ in range(count):
        yield first
    yield from frames


@dataclass(frozen=True, eq=False)
class InitExplorer:
    """Deep-net statistics for several init schemes, and every view of them.

    Build it with :func:`init_explorer`, or from your own :func:`optviz.nets.propagate`
    results (e.g. one scheme with two gains): ``InitExplorer((s1, s2))``.
    """

    stats: tuple[nets.LayerStats, ...]

    def __post_init__(self):
        if not self.stats:
            raise ParameterError("InitExplorer needs at least one scheme")

    def __getitem__(self, scheme: str) -> nets.LayerStats:
        for s in self.stats:
            if scheme in (s.scheme, s.label):
                return s
        raise unknown("scheme in this explorer", scheme, [s.scheme for s in self.stats])

    def table(self) -> list[dict]:
        """One row per (scheme, layer): activation mean/std, gradient std, saturation."""
        return [
            {
                "scheme": s.label,
                "layer": layer + 1,
                "act_mean": float(s.act_mean[layer]),
                "act_std": float(s.act_std[layer]),
                "grad_std": float(s.grad_std[layer]),
                "saturation": float(s.saturation[layer]),
            }
            for s in self.stats
            for layer in range(s.depth)
        ]

    def plot(self, scheme: str | None = None, kind: str = "activations", ax=None, **kwargs):
        """Overlaid per-layer histograms of one scheme (default the first); returns the Axes."""
        stats = self.stats[0] if scheme is None else self[scheme]
        return layer_densities(stats, kind, ax, **kwargs)

    def histograms(self, scheme: str | None = None, **kwargs):
        """Forward and backward histograms of one scheme; returns the Figure."""
        return init_histograms(self.stats[0] if scheme is None else self[scheme], **kwargs)

    def grid(self, kind: str = "activations", **kwargs):
        """Schemes × layers grid of histograms; returns the Figure."""
        return init_grid(self.stats, kind, **kwargs)

    def summary(self, **kwargs):
        """Std and saturation by layer, one line per scheme; returns the Figure."""
        return init_summary(self.stats, **kwargs)

    def frames(self, kind: str = "activations", **kwargs) -> Iterator[np.ndarray]:
        """The depth animation as RGB frames (see :func:`depth_frames`)."""
        return depth_frames(self.stats, kind, **kwargs)

    def save(
        self,
        path: str | os.PathLike,
        kind: str = "activations",
        theme: str = "light",
        size="16:9",
        fps: float = 2.0,
        title: str | None = None,
    ) -> Path:
        """Write the grid figure (.png/.svg/.pdf) or the depth animation (.gif/.mp4/.webp).

        The file is written atomically; returns its path.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return save_figure(self.grid(kind, theme=theme, size=size, title=title), path)
        if suffix in ANIMATION_SUFFIXES:
            frames, palette = depth_animation(self.stats, kind, theme, size, title=title)
            depth = max(s.depth for s in self.stats)
            hold = frames_for(HOLD_SECONDS, fps)
            shown = held_first(frames, hold)  # the room reads layer 1 before layer 2 arrives
            save_frames(path, shown, fps, n_frames=depth + hold, hold_frames=hold, palette=palette)
            return path
        allowed = ", ".join(IMAGE_SUFFIXES + ANIMATION_SUFFIXES)
        raise OutputError(f"cannot write '{path}': unknown extension; allowed: {allowed}")


def init_explorer(
    schemes: str | Iterable[str] = DEFAULT_SCHEMES,
    activation: str = "tanh",
    depth: int = 10,
    width: int = 500,
    batch: int = 256,
    seed: int = 0,
    gain: float = 1.0,
) -> InitExplorer:
    """Run a ``depth`` x ``width`` net once per init scheme and return an explorer.

    Every scheme sees the same standard-normal inputs and upstream gradient (see
    :func:`optviz.nets.propagate`); ``gain`` applies to the Xavier and LeCun schemes.

    >>> ex = init_explorer(["small", "xavier_normal"], depth=3, width=20, batch=50)
    >>> [round(float(s.act_std[-1]), 3) for s in ex.stats]
    [0.0, 0.407]
    >>> len(ex.grid().axes)
    6
    """
    if isinstance(schemes, str):
        schemes = [schemes]
    schemes = list(schemes)
    if not schemes:
        raise ParameterError(f"give at least one init scheme; known: {', '.join(nets.SCHEMES)}")
    for scheme in schemes:
        nets.check_scheme(scheme)
    return InitExplorer(
        tuple(nets.propagate(k, activation, depth, width, batch, seed, gain) for k in schemes)
    )
