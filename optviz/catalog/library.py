"""Surfaces: a 2-D landscape (or a 1-D curve) with exact derivatives, a domain, starts,
minima and view hints.

A surface comes from the catalog (one TOML file per surface in ``surfaces/``,
data rather than code, read by :mod:`optviz.catalog.entries`) or from an expression
typed by the user. Either way it is parsed safely (:mod:`optviz.catalog.expressions`),
differentiated with sympy and evaluated with numpy over positions of shape ``(..., 2)``.

A curve ``f(x)`` is a surface of kind ``curve`` with one variable: its domain is one
interval ``((a, b),)`` and its positions have shape ``(..., 1)``, its gradient
``(..., 1)`` and its Hessian ``(..., 1, 1)``, so every optimizer runs on it unchanged.

Empirical-risk surfaces carry a small dataset: their loss is the mean over the rows of
a per-sample loss, so a stochastic optimizer can sample real mini-batches from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..util.check import finite, positions
from ..util.display import Preview, drawing
from ..util.errors import ParameterError
from . import compiling as _compiling
from . import expressions as _expr
from .compile_cache import compile_once, variables_of

KINDS = ("bowl", "saddle", "ravine", "plateau", "multi-minima", "curve")
CURVE = "curve"
"""The kind of a 1-D surface ``f(x)``; every other kind is a function of ``x`` and ``y``."""


@dataclass(frozen=True)
class View:
    """How a surface is best drawn.

    ``log_levels``: contour levels spaced logarithmically above the minimum (for
    surfaces like Rosenbrock whose interesting part is a thin valley); ``area_levels``:
    levels at equal shares of the map, each shade covering as much ground (for a surface
    whose values crowd around one level, a flat point's, whose shape even levels draw as
    one grey field); ``zclip``: the
    largest value drawn in 3-D (taller parts are clipped); ``elev``/``azim``: the 3-D
    camera angles in degrees; ``levels``: number of contour levels; ``axes``: the names
    of the two coordinates (``("w1", "w2")`` for a network's two weights); ``whole``: a
    race's map shows the whole domain, not just where its runs go (for a surface whose
    shape is the lesson, a monkey saddle's three valleys); ``keep_camera``: a race's 3-D
    view keeps ``elev``/``azim`` (when oblique and hiding no ball and no landmark), not a
    camera chosen from the runs (for a surface whose
    shape the chosen camera flattens: Rosenbrock's banana read as a straight trough);
    ``all_landmarks``: a race's map marks every critical point, not only those its lesson
    needs (:func:`optviz.render.landmarks.lesson_landmarks`); ``all_minima``: a race's map
    marks every minimum, local ones too, not only those its runs come near (for a lesson
    about which basin a run ends in: styblinski_tang's four corners of three depths);
    ``falls_on``: the surface
    falls on past the view's edge (no minimum to mark: long_furrow), so a race's map points
    an arrow at the lowest point of its edge (:mod:`optviz.render.goal_arrows`).
    """

    log_levels: bool = False
    area_levels: bool = False
    whole: bool = False
    keep_camera: bool = False
    all_landmarks: bool = False
    all_minima: bool = False
    falls_on: bool = False
    zclip: float | None = None
    elev: float = 35.0
    azim: float = -60.0
    levels: int = 30
    axes: tuple[str, str] = ("x", "y")


@dataclass(frozen=True, eq=False)
class Lesson:
    """What a race on the surface shows when the user names no optimizer, start or step
    count (the ``[lesson]`` table of its catalog file): ``optimizers`` as specs such as
    ``"gd:lr=0.05"``, ``starts`` ``(n, 2)`` (``(n, 1)`` on a curve), ``steps``, and
    ``claims``, what the race shows, checked on its runs (:mod:`optviz.analysis.claims`),
    and ``caption``, a line under the surface's title that says why the picture looks as
    it does where a room would otherwise read it as luck ("gradient ≈ 19 000 here: ...").
    A race's 3-D camera is chosen from its runs (:mod:`optviz.render.camera3d`); the view's
    camera shows the surface alone.
    """

    optimizers: tuple[str, ...] = ()
    starts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    steps: int | None = None
    claims: tuple[str, ...] = ()
    caption: str = ""


@dataclass(frozen=True)
class Dataset:
    """Rows of named columns; the surface's loss is the mean of ``sample`` over rows."""

    columns: tuple[str, ...]
    values: np.ndarray  # (rows, columns)
    sample: str

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True, eq=False)
class Surface(Preview):
    """A 2-D test surface ``f(x, y)``, or a curve ``f(x)``, with exact gradient and Hessian.

    Positions are float arrays of shape ``(..., 2)``: ``f`` returns ``(...)``, ``grad``
    ``(..., 2)`` and ``hess`` ``(..., 2, 2)``. On a curve (``kind="curve"``, ``dim`` 1)
    the last axis has length 1: positions ``(..., 1)``, ``grad`` ``(..., 1)``, ``hess``
    ``(..., 1, 1)``.

    >>> s = Surface.from_expr("x**2 + 3*y**2")
    >>> float(s.f([1.0, 1.0])), s.grad([1.0, 1.0]).tolist()
    (4.0, [2.0, 6.0])
    >>> c = Surface.from_expr("x**3 - 3*x", domain=(-2, 2))
    >>> c.kind, c.dim, c.grad([[2.0], [0.0]]).tolist(), c.hess([1.0]).tolist()
    ('curve', 1, [[9.0], [-3.0]], [[6.0]])
    """

    name: str
    expression: str
    domain: np.ndarray  # ((xmin, xmax), (ymin, ymax)); a curve's ((xmin, xmax),)
    title: str = ""
    kind: str = "custom"
    description: str = ""
    params: Mapping[str, float] = field(default_factory=dict)
    starts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    minima: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    minima_values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    view: View = field(default_factory=View)
    lesson: Lesson = field(default_factory=Lesson)
    data: Dataset | None = None
    references: str = ""

    def __getstate__(self) -> dict:
        # compiled functions do not pickle: another process compiles them again
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_compiled")}

    @property
    def lesson_title(self) -> str | None:
        """The lesson race's title: the surface's, and under it the lesson's caption
        (``None`` without one: the race keeps its usual title)."""
        if not self.lesson.caption:
            return None
        return f"{self.title or self.name}\n{self.lesson.caption}"

    # -- evaluation ---------------------------------------------------------------
    @property
    def dim(self) -> int:
        """How many variables: 2 for a surface, 1 for a curve (the domain's rows)."""
        return len(self.domain)

    @property
    def is_curve(self) -> bool:
        return self.dim == 1

    @property
    def _compiled(self) -> Any:
        # Not functools.cached_property: before Python 3.12 it holds one lock for every
        # Surface, so any surface's first use waited behind another's slow compile.
        found = self.__dict__.get("_compiled_functions")
        if found is None:
            key = (self.expression, tuple(self.params), self._data_key, self.dim)
            found = compile_once(*key)
            self.__dict__["_compiled_functions"] = found  # frozen: set as a cache is
        return found

    @property
    def _sample_compiled(self) -> _compiling.Compiled:
        return self._compiled.per_sample

    @property
    def _data_key(self) -> Any:
        return (
            None
            if self.data is None
            else (self.data.sample, self.data.columns, self.data.values.tobytes())
        )

    @property
    def _args(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.params.values())

    def f(self, xy: Any) -> np.ndarray:
        """Loss at positions ``xy`` of shape ``(..., 2)`` (a curve's ``(..., 1)``)."""
        return self._compiled.value(positions(xy, dim=self.dim), self._args)

    def grad(self, xy: Any) -> np.ndarray:
        """Gradient ``(..., 2)`` at ``xy`` (a curve's ``(..., 1)``)."""
        return self._compiled.grad(positions(xy, dim=self.dim), self._args)

    def hess(self, xy: Any) -> np.ndarray:
        """Hessian ``(..., 2, 2)`` at ``xy`` (a curve's ``(..., 1, 1)``)."""
        return self._compiled.hess(positions(xy, dim=self.dim), self._args)

    def value_and_grad(self, xy: Any) -> tuple[np.ndarray, np.ndarray]:
        """Loss and gradient at ``xy``, sharing subexpressions."""
        return self._compiled.value_and_grad(positions(xy, dim=self.dim), self._args)

    # -- empirical risk -----------------------------------------------------------
    @property
    def n_samples(self) -> int:
        """Number of data rows (0 for an analytic surface)."""
        return 0 if self.data is None else len(self.data)

    def batch_value_and_grad(self, xy: np.ndarray, rows: np.ndarray) -> tuple:
        """Mini-batch loss and gradient: the mean over ``rows`` of the per-sample loss.

        ``xy`` is ``(n, 2)`` and ``rows`` an integer array ``(n, b)``: start ``i`` uses the
        data rows ``rows[i]``.
        """
        if self.data is None:
            raise ParameterError(
                f"surface '{self.name}' has no data; mini-batches need an empirical-risk surface"
            )
        xy = np.asarray(xy, dtype=float)
        cols = self.data.values[rows]  # (n, b, columns)
        args = (*self._args, *np.moveaxis(cols, -1, 0))
        fn = self._sample_compiled
        x, y = xy[..., 0:1], xy[..., 1:2]  # broadcast against the batch axis
        f, gx, gy = fn.value_and_grad_fn(x, y, *args)
        shape = cols.shape[:-1]
        f, gx, gy = (np.broadcast_to(np.asarray(a, float), shape) for a in (f, gx, gy))
        return f.mean(-1), np.stack([gx.mean(-1), gy.mean(-1)], -1)

    # -- facts ----------------------------------------------------------------------
    @property
    def summary(self) -> str:
        """The description's first clause, short enough for a table row.

        >>> from optviz.catalog import surface
        >>> surface("himmelblau").summary
        'Four equally deep minima, one maximum and four saddles between them'
        """
        return _summary(self.description)

    @property
    def min_value(self) -> float | None:
        """The global minimum value where it is known, else ``None``."""
        return float(self.minima_values.min()) if len(self.minima_values) else None

    @property
    def start(self) -> np.ndarray:
        """The default start ``(2,)`` (a curve's ``(1,)``): the first stated start, or a
        corner of the domain (a curve's left fifth)."""
        if len(self.starts):
            return self.starts[0].copy()
        fractions = np.array([0.2, 0.8])[: self.dim]
        return self.domain[:, 0] + fractions * np.ptp(self.domain, axis=1)

    @property
    def span(self) -> float:
        """Diagonal length of the domain (a curve's interval length): the scale for
        distances and tolerances."""
        return float(np.linalg.norm(np.ptp(self.domain, axis=1)))

    def profile(self, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
        """A curve's ``(x, f(x))`` at ``n`` evenly spaced points over its domain.

        >>> x, fx = Surface.from_expr("x**2", domain=(-1, 1)).profile(3)
        >>> x.tolist(), fx.tolist()
        ([-1.0, 0.0, 1.0], [1.0, 0.0, 1.0])
        """
        if not self.is_curve:
            raise ParameterError(
                f"'{self.name}' is a surface in x and y; only a curve has a profile"
            )
        x = np.linspace(*self.domain[0], n)
        with np.errstate(all="ignore"):
            return x, self.f(x[:, None])

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(X, Y, Z)`` on an ``n`` x ``n`` grid over the domain (``X[i, j]`` varies in j)."""
        if self.is_curve:
            raise ParameterError(
                f"'{self.name}' is a curve: it has a profile (x, f(x)), not a grid over x and y"
            )
        (x0, x1), (y0, y1) = self.domain
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        with np.errstate(all="ignore"):
            Z = self.f(np.stack([X, Y], -1))
        return X, Y, Z

    def with_params(self, **params: float) -> Surface:
        """The same surface with some parameters changed (minima are re-located)."""
        if not params:
            return self
        bad = sorted(set(params) - set(self.params))
        if bad:
            known = ", ".join(self.params) or "none"
            raise ParameterError(
                f"surface '{self.name}' has no parameter '{bad[0]}'; parameters: {known}"
            )
        new = {**self.params, **{k: _parameter(k, v) for k, v in params.items()}}
        moved = replace(self, params=new)
        _check_scale(moved)
        return _relocate_minima(moved)

    @classmethod
    def from_expr(
        cls,
        text: str,
        domain: Any = ((-2.0, 2.0), (-2.0, 2.0)),
        *,
        params: Mapping[str, float] | None = None,
        name: str | None = None,
        start: Any = None,
        minima: Any = None,
    ) -> Surface:
        """A surface from an expression in ``x`` and ``y``, or a curve from one in ``x``
        alone: a domain of two numbers ``(a, b)`` makes a curve (kind ``curve``).

        >>> s = Surface.from_expr("x**2 - y**2", domain=((-2, 2), (-2, 2)))
        >>> s.hess([0.0, 0.0]).tolist()
        [[2.0, 0.0], [0.0, -2.0]]
        >>> Surface.from_expr("x**4 - 3*x**2 + x", domain=(-2.2, 2.2)).kind
        'curve'
        """
        if params is not None and not isinstance(params, Mapping):
            raise ParameterError(
                f"params must be a mapping of names to numbers, e.g. {{'a': 1.0}}, "
                f"not {type(params).__name__}"
            )
        params = {_expr.check_identifier(k): _parameter(k, v) for k, v in (params or {}).items()}
        box = parse_domain(domain)
        dim = len(box)
        _expr.parse(text, params, variables_of(dim))  # refuse bad text before anything else
        surface = cls(
            name=name or text,
            title=text,
            expression=text,
            domain=box,
            kind=CURVE if dim == 1 else "custom",
            params=params,
            starts=_points(start, "start", dim) if start is not None else np.zeros((0, dim)),
        )
        surface._compiled  # noqa: B018 - compile now so errors surface here
        _check_scale(surface)
        if minima is not None:
            points = _points(minima, "minima", dim)
            surface = replace(surface, minima=points, minima_values=surface.f(points))
        elif dim == 1:
            surface = replace(surface, minima=np.zeros((0, 1)))
        return surface

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Filled contours on ``ax`` (or a new Axes; the mesh on a 3-D Axes); returns the
        Axes (see :func:`optviz.render.views.surface_on` for the options)."""
        return drawing("views.surface_on")(self, ax, **kwargs)

    def _preview(self) -> Any:
        return drawing("views.preview")(self)

    def __repr__(self) -> str:
        return f"Surface({self.name!r}, kind={self.kind!r}, expression={self.expression!r})"


# -- helpers ----------------------------------------------------------------------------
def _summary(description: str) -> str:
    words = " ".join(description.split())
    first = re.split(r"[:;.](?:\s|$)", words, maxsplit=1)[0]
    return first if len(first) <= 80 else first[:79].rsplit(" ", 1)[0] + "…"


# Parameters obey the same bound as literals in expressions; a surface whose values pass
# MAX_VALUE on its domain cannot be drawn (contour levels, colour scales overflow).
MAX_PARAMETER = _expr.MAX_LITERAL
MAX_VALUE = 1e100


def _parameter(name: str, value: Any) -> float:
    number = finite(value, f"parameter '{name}'")
    if abs(number) > MAX_PARAMETER:
        raise ParameterError(
            f"parameter '{name}'={number:g} is too large; allowed: |value| <= {MAX_PARAMETER:g}"
        )
    return number


def _check_scale(surface: Surface) -> None:
    """Refuse a surface whose values overflow on its domain (sampled on a 9 x 9 grid; a
    curve at 81 points)."""
    z = surface.profile(81)[1] if surface.is_curve else surface.grid(9)[2]
    finite_z = np.abs(z[np.isfinite(z)])
    if finite_z.size == 0 or finite_z.max() > MAX_VALUE:
        peak = f"{finite_z.max():.3g}" if finite_z.size else "no finite value"
        raise ParameterError(
            f"surface '{surface.name}' reaches {peak} on its domain; allowed: finite values "
            f"up to {MAX_VALUE:g} (use smaller parameters or a smaller domain)"
        )


def parse_domain(domain: Any) -> np.ndarray:
    """Check a domain ``((xmin, xmax), (ymin, ymax))`` or ``(xmin, xmax, ymin, ymax)``,
    or a curve's ``(xmin, xmax)``: the result is ``(2, 2)``, or ``(1, 2)`` for a curve.

    >>> parse_domain((-2.2, 2.2)).tolist()
    [[-2.2, 2.2]]
    """
    try:
        arr = np.asarray(domain, dtype=float)
        arr = arr.reshape(-1, 2) if arr.size in (2, 4) else arr.reshape(2, 2)
    except (TypeError, ValueError):
        raise ParameterError(
            f"domain {domain!r} must be four numbers: xmin, xmax, ymin, ymax "
            "(or two, xmin, xmax, for a curve in x alone)"
        ) from None
    if not np.all(np.isfinite(arr)) or np.any(arr[:, 1] <= arr[:, 0]):
        bounds = "xmin < xmax" if len(arr) == 1 else "xmin < xmax and ymin < ymax"
        raise ParameterError(f"domain {arr.ravel().tolist()} must be finite with {bounds}")
    span = np.ptp(arr, axis=1)
    if np.any(span > 1e6):
        raise ParameterError("domain is wider than 1e6; allowed: a span of at most 1e6")
    # a grid of a few thousand distinct points must fit between the bounds
    scale = np.maximum(np.abs(arr).max(axis=1), 1e-3)
    if np.any(span < MIN_RELATIVE_SPAN * scale):
        raise ParameterError(
            f"domain {arr.ravel().tolist()} is too narrow for floating point; allowed: each "
            f"side at least {MIN_RELATIVE_SPAN:g} x max(|bound|, 0.001) wide"
        )
    return arr


MIN_RELATIVE_SPAN = 1e-9


def _points(value: Any, what: str, dim: int = 2) -> np.ndarray:
    """Points ``(n, dim)`` from one point or a list of them (a curve's: ``[x]`` each)."""
    words = "x, y pairs" if dim == 2 else "[x] points (a curve's positions have shape (1,))"
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be {words}, not {value!r}") from None
    if arr.shape == (dim,) or (dim == 1 and arr.ndim == 0):  # one point; a curve's: a number
        arr = arr.reshape(1, dim)
    if arr.ndim != 2 or arr.shape[1] != dim or not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what} must be finite {words}, not {value!r}")
    return arr


def _relocate_minima(surface: Surface) -> Surface:
    """Follow each stated minimum to the new parameters; drop those that vanished."""
    from scipy.optimize import minimize

    kept = []
    for point in surface.minima:
        with np.errstate(all="ignore"):
            res = minimize(
                lambda p: float(surface.f(p)),
                point,
                jac=lambda p: surface.grad(p),
                hess=lambda p: surface.hess(p),
                method="trust-exact",
                options={"gtol": 1e-12},
            )
        lo, hi = surface.domain[:, 0], surface.domain[:, 1]
        if res.success and np.all((res.x >= lo) & (res.x <= hi)):
            kept.append(res.x)
    pts = np.array(kept).reshape(-1, surface.dim)
    return replace(surface, minima=pts, minima_values=surface.f(pts))
