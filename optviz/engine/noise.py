"""Noise: the notes' ways of escaping a saddle point, all seeded.

- ``grad``: Gaussian noise of this standard deviation added to every gradient;
- ``update``: Gaussian noise added to the parameters after every step;
- ``input``: the gradient is taken at parameters perturbed by Gaussian noise;
- ``batch``: on an empirical-risk surface, each step's gradient is the mean over a
  random mini-batch of this many data rows (drawn without replacement, per start);
- ``anneal``: standard deviations shrink as ``sigma / t**anneal`` (Neelakantan et al.,
  2015, use 0.55).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from ..util.check import parse_options
from ..util.errors import ParameterError, unknown


@dataclass(frozen=True)
class Noise:
    """Gaussian noise on gradient, update or input, and mini-batch sampling.

    >>> Noise.parse("grad=0.5,batch=8")
    Noise(grad=0.5, update=0.0, input=0.0, batch=8, anneal=0.0)
    """

    grad: float = 0.0
    update: float = 0.0
    input: float = 0.0
    batch: int | None = None
    anneal: float = 0.0
    # SGD's own gradient noise stands in for mini-batches where the surface has no data.
    grad_only_without_data: bool = False

    def __post_init__(self) -> None:
        for f in ("grad", "update", "input", "anneal"):
            value = getattr(self, f)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (math.isfinite(value) and value >= 0)
            ):
                raise ParameterError(f"noise {f}={value!r} must be a finite number >= 0")
        if self.batch is not None and (
            isinstance(self.batch, bool) or not isinstance(self.batch, int) or self.batch < 1
        ):
            raise ParameterError(f"noise batch={self.batch!r} must be a whole number >= 1")

    def __repr__(self) -> str:
        return (
            f"Noise(grad={self.grad}, update={self.update}, input={self.input}, "
            f"batch={self.batch}, anneal={self.anneal})"
        )

    @classmethod
    def parse(cls, spec: str | Noise | dict | None) -> Noise | None:
        """``"grad=0.5,update=0.1,batch=8"`` (or a dict, or a Noise) to a Noise."""
        if spec is None or isinstance(spec, Noise):
            return spec
        if isinstance(spec, str):
            spec = parse_options(spec, "noise")
        if not isinstance(spec, dict):
            raise ParameterError(f"noise must be like 'grad=0.5,batch=8', not {spec!r}")
        allowed = ("grad", "update", "input", "batch", "anneal")
        values: dict[str, Any] = {}
        for key, value in spec.items():
            if key not in allowed:
                raise unknown("noise kind", key, allowed)
            try:
                values[key] = int(value) if key == "batch" else float(value)
            except (TypeError, ValueError):
                raise ParameterError(f"noise {key}={value!r} must be a number") from None
        return cls(**values)

    def merged(self, other: Noise | None) -> Noise:
        """This noise with every field that ``other`` sets (non-default) taking over."""
        if other is None:
            return self
        changes = {
            f.name: getattr(other, f.name)
            for f in fields(Noise)
            if getattr(other, f.name) != f.default
        }
        if "grad" in changes:  # gradient noise asked for explicitly applies everywhere
            changes["grad_only_without_data"] = other.grad_only_without_data
        return replace(self, **changes)

    def scale(self, t: int) -> float:
        """Factor on every standard deviation at step ``t`` (1-based)."""
        return t**-self.anneal if self.anneal else 1.0

    def applied(self, has_data: bool) -> Noise:
        """The noise a run on a surface with (or without) data rows really draws.

        Mini-batches need data rows; SGD's own gradient noise only stands in for them
        where there are none.

        >>> sgd = Noise(grad=1.0, batch=4, grad_only_without_data=True)
        >>> sgd.applied(has_data=True).describe(), sgd.applied(has_data=False).describe()
        ('batch=4', 'grad=1')
        """
        grad = 0.0 if (self.grad_only_without_data and has_data) else self.grad
        return replace(self, grad=grad, batch=self.batch if has_data else None)

    def describe(self) -> str:
        """``"grad=0.5, batch=8"``: the kinds of noise set, in words a title can carry."""
        parts = [
            f"{f}={getattr(self, f):g}" for f in ("grad", "update", "input") if getattr(self, f)
        ]
        if self.batch:
            parts.append(f"batch={self.batch}")
        if parts and self.anneal:
            parts.append(f"anneal={self.anneal:g}")
        return ", ".join(parts) or "none"

    @property
    def is_zero(self) -> bool:
        return not (self.grad or self.update or self.input or self.batch)


def batch_rows(rng: np.random.Generator, n_starts: int, n_rows: int, batch: int) -> np.ndarray:
    """Row indices ``(n_starts, batch)``: a sample without replacement for each start."""
    keys = rng.random((n_starts, n_rows))
    if batch >= n_rows:
        return np.argsort(keys, axis=1)
    # the batch smallest of n_rows uniform keys: a uniform sample without replacement
    return np.argpartition(keys, batch - 1, axis=1)[:, :batch]
