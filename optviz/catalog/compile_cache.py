"""Compiled surfaces shared by every ``Surface`` made from the same text: one compile per
expression at a time (a second thread asking for it waits and shares the result, or the
refusal), cached; and the mean over a dataset's rows of an empirical-risk surface.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..util.errors import ExpressionError
from . import compiling as _compiling
from . import expressions as _expr

_COMPILING: dict[tuple, list] = {}  # key -> [its lock, threads using it]
_COMPILING_GUARD = threading.Lock()
_REFUSED: dict[tuple, str] = {}  # key -> why it could not be compiled (the latest 128)


def compile_once(*key: Any) -> Any:
    """:func:`_compile`, one thread at a time per expression: a second thread asking for
    the same one waits and shares the result (or the refusal, remembered: a request
    repeated does not spend the time budget again); other expressions do not wait."""
    with _COMPILING_GUARD:
        entry = _COMPILING.setdefault(key, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            if key in _REFUSED:
                raise ExpressionError(_REFUSED[key])
            try:
                return _compile(*key)
            except ExpressionError as exc:
                while len(_REFUSED) >= 128:
                    del _REFUSED[next(iter(_REFUSED))]
                _REFUSED[key] = str(exc)
                raise
    finally:
        with _COMPILING_GUARD:
            entry[1] -= 1
            if not entry[1]:
                del _COMPILING[key]


def variables_of(dim: int) -> tuple[str, ...]:
    """The variables of an expression on ``dim`` axes: ``("x", "y")`` or a curve's ``("x",)``."""
    return _expr.CURVE_VARIABLES if dim == 1 else _expr.VARIABLES


@functools.lru_cache(maxsize=128)
def _compile(expression: str, param_names: tuple, data_key: Any, dim: int = 2) -> Any:
    if data_key is None:
        variables = variables_of(dim)
        sym = _expr.parse(expression, dict.fromkeys(param_names), variables)
        return _compiling.compile_expr(sym, param_names, variables)
    sample, columns, raw = data_key
    values = np.frombuffer(raw).reshape(-1, len(columns))
    names = (*param_names, *columns)
    per_sample = _compiling.compile_expr(_expr.parse(sample, dict.fromkeys(names)), names)
    return MeanOverRows(per_sample, values)


# Largest number of (point, row) pairs evaluated in one numpy call: bounds memory while
# keeping the number of Python-level calls small (one call for the few points of a run,
# one call per few rows for a 1000 x 1000 grid).
_BLOCK = 1 << 20


@dataclass(frozen=True)
class MeanOverRows:
    """Loss, gradient and Hessian of an empirical-risk surface: means over data rows.

    The per-sample functions are evaluated on every (point, row) pair by broadcasting,
    in blocks of rows so that memory stays bounded for large grids. There is no loop
    over points; the loop over row blocks runs once for a few points.
    """

    per_sample: _compiling.Compiled
    values: np.ndarray  # (rows, columns)

    def _mean(self, fn: Any, xy: Any, params: tuple, n_out: int) -> list[np.ndarray]:
        xy = np.asarray(xy, dtype=float)
        shape = xy.shape[:-1]
        x, y = xy[..., 0].reshape(-1, 1), xy[..., 1].reshape(-1, 1)
        rows = len(self.values)
        step = max(1, min(rows, _BLOCK // max(1, x.shape[0])))
        totals = [np.zeros(x.shape[0]) for _ in range(n_out)]
        for lo in range(0, rows, step):
            cols = self.values[lo : lo + step].T  # (columns, block)
            parts = fn(x, y, *params, *cols)
            for total, part in zip(totals, parts, strict=True):
                part = np.broadcast_to(np.asarray(part, dtype=float), (x.shape[0], len(cols[0])))
                total += part.sum(axis=1)
        return [(t / rows).reshape(shape) for t in totals]

    def value(self, xy: Any, params: tuple = ()) -> np.ndarray:
        return self._mean(lambda *a: (self.per_sample.value_fn(*a),), xy, params, 1)[0]

    def grad(self, xy: Any, params: tuple = ()) -> np.ndarray:
        return np.stack(self._mean(self.per_sample.grad_fn, xy, params, 2), axis=-1)

    def value_and_grad(self, xy: Any, params: tuple = ()) -> tuple[np.ndarray, np.ndarray]:
        f, gx, gy = self._mean(self.per_sample.value_and_grad_fn, xy, params, 3)
        return f, np.stack([gx, gy], axis=-1)

    def hess(self, xy: Any, params: tuple = ()) -> np.ndarray:
        hxx, hxy, hyy = self._mean(self.per_sample.hess_fn, xy, params, 3)
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)
