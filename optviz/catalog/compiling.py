"""Compiled expressions: a checked sympy expression -> its derivatives -> vectorized numpy.

:mod:`.expressions` turns user text into a sympy expression it has checked; this module
derives it and lambdifies value, gradient and Hessian, under the same wall-clock bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..util.errors import ExpressionError
from . import expressions as _expressions
from .expressions import VARIABLES, _real_abs, bounded


@dataclass(frozen=True)
class Compiled:
    """Vectorized numpy functions of one expression, over positions ``(..., d)``.

    ``d`` is 2 for a surface (``x``, ``y``) and 1 for a curve (``x``). ``value(xy)`` has
    shape ``(...)``, ``grad(xy)`` ``(..., d)``, ``hess(xy)`` ``(..., d, d)``;
    ``value_and_grad`` shares subexpressions between the two. The Hessian functions
    return the upper triangle row by row (``fxx, fxy, fyy``; a curve's ``fxx``).
    """

    value_fn: Callable
    grad_fn: Callable
    hess_fn: Callable
    value_and_grad_fn: Callable
    dim: int = 2

    def _coords(self, xy: Any) -> tuple[Any, list]:
        import numpy as np

        xy = np.asarray(xy, dtype=float)
        return xy, [xy[..., i] for i in range(self.dim)]

    def value(self, xy: Any, params: tuple = ()) -> Any:
        xy, coords = self._coords(xy)
        return _broadcast(self.value_fn(*coords, *params), xy.shape[:-1])

    def grad(self, xy: Any, params: tuple = ()) -> Any:
        xy, coords = self._coords(xy)
        parts = self.grad_fn(*coords, *params)
        return _stack(parts, xy.shape[:-1])

    def value_and_grad(self, xy: Any, params: tuple = ()) -> tuple[Any, Any]:
        xy, coords = self._coords(xy)
        f, *g = self.value_and_grad_fn(*coords, *params)
        shape = xy.shape[:-1]
        return _broadcast(f, shape), _stack(g, shape)

    def hess(self, xy: Any, params: tuple = ()) -> Any:
        import numpy as np

        xy, coords = self._coords(xy)
        upper = iter(self.hess_fn(*coords, *params))
        d = self.dim
        out = np.empty((*xy.shape[:-1], d, d))  # filled in place: one pass, no stacking
        for i in range(d):
            for j in range(i, d):
                out[..., i, j] = next(upper)
                if j > i:
                    out[..., j, i] = out[..., i, j]
        return out


def _broadcast(a: Any, shape: tuple) -> Any:
    import numpy as np

    # Constant parts of a derivative come back as Python scalars: give them the shape.
    return np.broadcast_to(np.asarray(a, dtype=float), shape).copy()


def _stack(parts: Any, shape: tuple) -> Any:
    import numpy as np

    out = np.empty((*shape, len(parts)))
    for i, part in enumerate(parts):
        out[..., i] = part  # broadcasts constant parts, no intermediate copies
    return out


def derivatives(expr: Any, variables: tuple[str, ...] = VARIABLES) -> tuple[Any, list, list]:
    """Return ``(f, [fx, fy], [fxx, fxy, fyy])`` as sympy expressions (a curve's
    ``(f, [fx], [fxx])``): the Hessian's upper triangle, row by row."""
    import sympy as sp

    symbols = [sp.Symbol(v, real=True) for v in variables]
    grad = [sp.diff(expr, v) for v in symbols]
    n = len(symbols)
    hess = [sp.diff(grad[i], symbols[j]) for i in range(n) for j in range(i, n)]
    # |z| and sign(z) are piecewise: their second derivative is 0 almost everywhere.
    hess = [h.replace(sp.DiracDelta, lambda *a: sp.Integer(0)) for h in hess]
    return expr, grad, hess


def _cse(exprs: Any) -> Any:
    import sympy as sp

    # Temporaries start with "_", which no variable or parameter name may.
    return sp.cse(exprs, order="none", list=False, symbols=sp.numbered_symbols("_t"))


def compile_expr(
    expr: Any, param_names: tuple[str, ...] = (), variables: tuple[str, ...] = VARIABLES
) -> Compiled:
    """Lambdify ``expr``, its gradient and its Hessian, sharing subexpressions."""
    import numpy as np
    import sympy as sp

    symbols = tuple(sp.Symbol(v, real=True) for v in variables)
    args = (*symbols, *(sp.Symbol(p, real=True) for p in param_names))
    absval, sgn = _real_abs()
    namespace = {absval.__name__: np.abs, sgn.__name__: np.sign}

    def lam(e: Any) -> Callable:
        # order="none": sympy's canonical ordering of the shared terms costs seconds on
        # deeply nested expressions and buys nothing here.
        return sp.lambdify(args, e, modules=[namespace, "numpy"], cse=_cse)

    def derive() -> Compiled:
        f, grad, hess = derivatives(expr, variables)
        return Compiled(lam(f), lam(grad), lam(hess), lam([f, *grad]), len(variables))

    try:
        seconds = _expressions.COMPILE_SECONDS
        return bounded(seconds, "deriving and compiling the expression", derive)
    except (TypeError, ValueError, NotImplementedError, SyntaxError) as exc:
        # A derivative numpy cannot express; a one-line error, not a printer traceback.
        raise ExpressionError(f"cannot compile the derivatives of {expr}: {exc}"[:200]) from None
