"""Safe expressions: user text -> checked syntax tree -> sympy -> vectorized numpy.

User text is never given to ``eval``, ``exec`` or sympy's string parser. It is parsed
with :mod:`ast`, every node is checked against a short allow-list (numbers, ``x``,
``y``, declared parameters, a fixed set of math functions and constants, arithmetic),
and the sympy expression is built node by node by this module. Length, nesting depth,
node count, literal size and exponents are bounded, so ``9**9**9**9`` is refused at
once instead of being computed.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from ..util.errors import ExpressionError

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 600
MAX_CALL_DEPTH = 6  # functions and powers inside each other: sin(exp(x**2)) is 3 deep
# The Hessian of a product of k factors that depend on x, y has about k² terms: bound the
# sum of k² over the products of an expression so that deriving it stays well under 1 s.
MAX_PRODUCT_COST = 100
MAX_EXPONENT = 64
MAX_LITERAL = 1e12
MAX_CONSTANT = 1e100
COMPILE_SECONDS = 10.0  # wall-clock bound on reading, deriving and compiling one expression

VARIABLES = ("x", "y")
CURVE_VARIABLES = ("x",)
"""A surface is a function of ``x`` and ``y``; a curve of ``x`` alone."""


@functools.cache
def _real_abs() -> tuple[Any, Any]:
    """``abs`` and its derivative ``sign`` for real arguments.

    sympy's ``Abs`` assumes its argument may be complex: its derivatives then carry
    ``re``/``im`` terms and unevaluated ``Derivative`` objects, and take seconds to build.
    On a real surface ``|z|' = sign(z) z'`` and ``sign' = 0`` (almost everywhere).
    """
    import sympy as sp

    class sgn(sp.Function):  # noqa: N801 - the name printed into generated code
        nargs = 1

        def fdiff(self, argindex: int = 1) -> Any:
            return sp.Integer(0)

        @classmethod
        def eval(cls, z: Any) -> Any:
            return sp.sign(z) if z.is_number else None

    class absval(sp.Function):  # noqa: N801
        nargs = 1

        def fdiff(self, argindex: int = 1) -> Any:
            return sgn(self.args[0])

        @classmethod
        def eval(cls, z: Any) -> Any:
            return sp.Abs(z) if z.is_number else None

    return absval, sgn


def _functions() -> dict[str, Callable]:
    import sympy as sp

    return {
        "sin": sp.sin,
        "cos": sp.cos,
        "tan": sp.tan,
        "exp": sp.exp,
        "log": sp.log,
        "log2": lambda z: sp.log(z, 2),
        "log10": lambda z: sp.log(z, 10),
        "sqrt": sp.sqrt,
        "abs": _real_abs()[0],
        "tanh": sp.tanh,
        "sinh": sp.sinh,
        "cosh": sp.cosh,
        "arctan": sp.atan,
        "atan": sp.atan,
        "arcsin": sp.asin,
        "asin": sp.asin,
        "arccos": sp.acos,
        "acos": sp.acos,
        "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
        "softplus": lambda z: sp.log(1 + sp.exp(z)),
    }


FUNCTION_NAMES = (
    *("sin", "cos", "tan", "exp", "log", "log2", "log10", "sqrt", "abs"),
    *("tanh", "sinh", "cosh", "arctan", "atan", "arcsin", "asin", "arccos", "acos"),
    *("sigmoid", "softplus"),
)
CONSTANT_NAMES = ("pi", "e")

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.UAdd: "+", ast.USub: "-"}
_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _describe(node: ast.AST) -> str:
    """Name a refused node the way the user wrote it."""
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - only used to build a message
        text = type(node).__name__
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"'{text}' ({type(node).__name__})"


def check_identifier(name: str, what: str = "parameter") -> str:
    """Refuse parameter names that would shadow variables, functions or constants."""
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or name.startswith("_")
        or keyword.iskeyword(name)
    ):
        raise ExpressionError(f"{what} name {name!r} is not a plain identifier")
    if name in VARIABLES or name in FUNCTION_NAMES or name in CONSTANT_NAMES:
        raise ExpressionError(f"{what} name '{name}' is reserved (x, y, functions and constants)")
    if name in _numpy_names():
        raise ExpressionError(
            f"{what} name '{name}' is reserved: it names a numpy function or constant"
        )
    return name


@functools.cache
def _numpy_names() -> frozenset[str]:
    """Names the generated numpy code may use, which a parameter must not shadow."""
    import builtins

    import numpy as np

    return frozenset({*dir(np), *dir(builtins), "numpy", "math", "mpmath", "absval", "sgn"})


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def _softplus(z: float) -> float:
    return z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))


# Float64 versions of the functions, to fold constant arguments before sympy sees them.
_FLOAT_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "abs": abs,
    "tanh": math.tanh,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "arctan": math.atan,
    "atan": math.atan,
    "arcsin": math.asin,
    "asin": math.asin,
    "arccos": math.acos,
    "acos": math.acos,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
}
_FLOAT_BINARY: dict[type, Callable[[float, float], float]] = {
    **_ARITHMETIC,
    ast.Pow: math.pow,  # a real result or ValueError, never a complex number
}
# A constant kept exactly (a Rational, pi, 2*pi, sqrt(2)) keeps derivatives tidy; past
# this many digits, or once a function of a constant appears, it becomes a float.
MAX_EXACT_DIGITS = 15


class _Builder:
    """Turn a checked :mod:`ast` tree into a sympy expression, node by node.

    Every method returns ``(sympy expression, float value or None)``: the value of a
    constant subtree, computed in float64 as it is built. A constant that is not finite
    or larger than ``MAX_CONSTANT`` is refused there, before sympy is asked anything
    about it (sympy's assumptions can spend minutes on ``sin(exp(exp(20)))``).
    """

    def __init__(self, params: Mapping[str, Any], variables: tuple[str, ...] = VARIABLES):
        import sympy as sp

        self.sp = sp
        self.functions = _functions()
        self.variables = variables
        self.names = {
            **{v: sp.Symbol(v, real=True) for v in variables},
            "pi": sp.pi,
            "e": sp.E,
        }
        self.values = {"pi": math.pi, "e": math.e}
        for name in params:
            self.names[check_identifier(name)] = sp.Symbol(name, real=True)

    def build(self, node: ast.AST, depth: int = 0) -> tuple[Any, float | None]:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(f"not allowed in an expression: {_describe(node)}")
        return method(node, depth + 1)

    def _Expression(self, node: ast.Expression, depth: int) -> tuple[Any, float | None]:
        return self.build(node.body, depth)

    def _Constant(self, node: ast.Constant, depth: int) -> tuple[Any, float | None]:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"not allowed in an expression: {_describe(node)}")
        # abs() first: math.isfinite(10**400) would raise OverflowError
        if abs(value) > MAX_LITERAL or not math.isfinite(value):
            raise ExpressionError(f"number {_describe(node)} is larger than {MAX_LITERAL:g}")
        if isinstance(value, int):
            return self.sp.Integer(value), float(value)
        # Keep exact rationals for decimals like 0.5 so derivatives stay tidy.
        exact = self.sp.Rational(repr(value)) if len(repr(value)) <= 20 else None
        return self._folded(exact, float(value), node)

    def _Name(self, node: ast.Name, depth: int) -> tuple[Any, float | None]:
        if node.id in self.names:
            return self.names[node.id], self.values.get(node.id)
        own = self.variables
        allowed = ", ".join([*own, *sorted(n for n in self.names if n not in own)])
        if node.id in VARIABLES:  # 'y' in a curve's expression
            raise ExpressionError(
                f"a curve is a function of x alone, but its expression uses '{node.id}'; "
                "give a domain of four numbers (xmin, xmax, ymin, ymax) for a surface in x and y"
            )
        raise ExpressionError(f"unknown name '{node.id}' in expression; allowed: {allowed}")

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> tuple[Any, float | None]:
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator not allowed: {_describe(node)}")
        operand, value = self.build(node.operand, depth)
        if isinstance(node.op, ast.UAdd):
            return operand, value
        return -operand, None if value is None else -value

    def _BinOp(self, node: ast.BinOp, depth: int) -> tuple[Any, float | None]:
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator not allowed: {_describe(node)}; allowed: + - * / **")
        left, left_value = self.build(node.left, depth)
        right, right_value = self.build(node.right, depth)
        if isinstance(node.op, ast.Pow):
            self._check_exponent(right, node)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ExpressionError(f"division by zero in {_describe(node)}")
        value = None
        if left_value is not None and right_value is not None:
            value = self._fold(_FLOAT_BINARY[type(node.op)], node, left_value, right_value)
        if isinstance(node.op, ast.Pow):
            result = self.sp.Pow(left, right)
            self._check_powers(result, node)
        else:
            result = _ARITHMETIC[type(node.op)](left, right)
        if value is not None:
            return self._folded(result, value, node)
        if result.is_number and result.is_finite is False:
            raise ExpressionError(f"constant {_describe(node)} is not finite")
        return result, None

    def _check_exponent(self, exponent: Any, node: ast.AST) -> None:
        if exponent.is_number:
            value = float(exponent)
            if not math.isfinite(value) or abs(value) > MAX_EXPONENT:
                raise ExpressionError(
                    f"exponent in {_describe(node)} is too large; allowed: |exponent| <= "
                    f"{MAX_EXPONENT}"
                )

    def _check_powers(self, result: Any, node: ast.AST) -> None:
        """Refuse ``(x**64)**64``: sympy merges it into ``x**4096`` past the exponent bound."""
        for power in result.atoms(self.sp.Pow):
            exponent = power.exp
            if exponent.is_number and abs(float(exponent)) > MAX_EXPONENT:
                raise ExpressionError(
                    f"powers in {_describe(node)} multiply to an exponent of "
                    f"{float(exponent):g}; allowed: |exponent| <= {MAX_EXPONENT}"
                )

    def _fold(self, fn: Callable[..., float], node: ast.AST, *args: float) -> float:
        try:
            value = fn(*args)
        except (OverflowError, ValueError, ZeroDivisionError):
            raise ExpressionError(f"constant {_describe(node)} is not a finite real") from None
        if isinstance(value, complex) or not math.isfinite(value):
            raise ExpressionError(f"constant {_describe(node)} is not a finite real")
        if abs(value) > MAX_CONSTANT:
            raise ExpressionError(f"constant {_describe(node)} is larger than {MAX_CONSTANT:g}")
        return float(value)

    def _folded(self, exact: Any, value: float, node: ast.AST) -> tuple[Any, float]:
        """The constant ``exact`` if it is small and plain, else its float64 ``value``."""
        if abs(value) > MAX_CONSTANT:
            raise ExpressionError(f"constant {_describe(node)} is larger than {MAX_CONSTANT:g}")
        if exact is not None and _plain(exact):
            return exact, value
        return self.sp.Float(value, 17), value  # 17 digits: prints back to the same double

    def _Call(self, node: ast.Call, depth: int) -> tuple[Any, float | None]:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise ExpressionError(
                f"function {name!r} not allowed; allowed: {', '.join(FUNCTION_NAMES)}"
            )
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(
                f"function '{node.func.id}' takes exactly one argument: {_describe(node)}"
            )
        argument, value = self.build(node.args[0], depth)
        if value is not None:  # a function of a constant: a float, sympy never sees it
            folded = self._fold(_FLOAT_FUNCTIONS[node.func.id], node, value)
            return self._folded(None, folded, node)
        return self.functions[node.func.id](argument), None


def _plain(constant: Any) -> bool:
    """Whether a constant is rationals, pi and e under arithmetic, with few digits."""
    import sympy as sp

    for atom in sp.preorder_traversal(constant):
        if isinstance(atom, sp.Rational):
            if max(abs(atom.p), atom.q) >= 10**MAX_EXACT_DIGITS:
                return False
        elif not isinstance(atom, sp.Add | sp.Mul | sp.Pow | sp.Float) and atom not in (
            sp.pi,
            sp.E,
        ):
            return False
    return True


def parse(
    text: str, params: Mapping[str, Any] | None = None, variables: tuple[str, ...] = VARIABLES
) -> Any:
    """Parse ``text`` into a sympy expression in ``variables`` (``x``, ``y``; a curve's
    ``x`` alone) and ``params``.

    Raises :class:`ExpressionError` naming the offending token for anything that is
    not arithmetic on numbers, variables, parameters, allowed functions and constants.

    >>> parse("x**2 - 3*y")
    x**2 - 3*y
    >>> parse("__import__('os')")
    Traceback (most recent call last):
    ...
    optviz.util.errors.ExpressionError: function '__import__' not allowed; allowed: sin, cos, ...
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be a string, not {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("expression is empty; write one in x and y, e.g. 'x**2 + y**2'")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long; at most {MAX_LENGTH}")
    if "\x00" in text:
        raise ExpressionError("expression contains a NUL character")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(f"cannot parse expression {text[:40]!r}") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ExpressionError(f"expression has {count} syntax nodes; at most {MAX_NODES}")
    deep = _too_deep_call(tree)
    if deep is not None:
        raise ExpressionError(
            f"functions and powers nested more than {MAX_CALL_DEPTH} deep at "
            f"{_describe(deep)}; "
            "exact derivatives of deeper compositions grow too large"
        )

    import sympy  # noqa: F401  (imported before the clock starts: the bound is on the expression)

    def read() -> Any:
        result, _ = _Builder(params or {}, variables).build(tree)
        _check_constants(result, text)
        _check_products(result)
        return result

    return bounded(COMPILE_SECONDS, "reading the expression", read)


def bounded(seconds: float, what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, or :class:`ExpressionError` if it runs longer than ``seconds``.

    The bounds on size, depth and constants keep every accepted expression fast; this is
    the backstop for whatever they miss (sympy's assumptions can expand a polynomial of
    degree 270 while taking a derivative). It holds in any thread, so the command line,
    the explorer's request threads and a notebook get the same bound.
    """
    from ..util.signals import TimeLimit, call_with_time_limit

    try:
        return call_with_time_limit(seconds, fn, *args)
    except TimeLimit:
        raise ExpressionError(
            f"{what} took longer than {seconds:g} s; allowed: expressions whose "
            "derivatives sympy finds quickly (fewer nested functions and powers)"
        ) from None


def _check_products(expr: Any) -> None:
    import sympy as sp

    cost = 0
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Mul):
            k = sum(1 for a in node.args if a.free_symbols)
            cost += k * k
    if cost > MAX_PRODUCT_COST:
        raise ExpressionError(
            f"expression multiplies too many terms in x and y (cost {cost}); allowed: "
            f"{MAX_PRODUCT_COST} (the sum of k² over products of k such factors)"
        )


def _too_deep_call(tree: ast.AST) -> ast.AST | None:
    """The first call or power nested more than ``MAX_CALL_DEPTH`` such nodes deep, if any.

    Powers count like calls: each one multiplies the size of the derivatives below it,
    so a chain of 25 ``**`` costs what 25 nested functions cost.
    """
    stack = [(tree, 0)]
    while stack:
        node, calls = stack.pop()
        if isinstance(node, ast.Call) or (
            isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)
        ):
            calls += 1
            if calls > MAX_CALL_DEPTH:
                return node
        stack.extend((child, calls) for child in ast.iter_child_nodes(node))
    return None


def _check_constants(expr: Any, text: str) -> None:
    """Refuse constant parts that are not finite reals (``log(0)``, ``sqrt(-1)``, 1e300).

    Such constants would only show up later as complex numbers or overflow errors in
    numpy, far from the text that caused them.
    """
    import sympy as sp

    if expr.is_number and not expr.is_finite:
        raise ExpressionError(f"expression {text[:40]!r} is not a finite real number")
    walk = sp.preorder_traversal(expr)
    for node in walk:
        if not node.is_number:
            continue
        walk.skip()  # a constant subtree is judged as a whole
        if node.is_extended_real is False or node.is_finite is False:
            raise ExpressionError(f"constant '{node}' in expression is not a finite real")
        if isinstance(node, sp.Number) and abs(float(node)) > MAX_CONSTANT:
            raise ExpressionError(f"constant in expression is larger than {MAX_CONSTANT:g}")
