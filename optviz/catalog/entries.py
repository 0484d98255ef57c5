"""The catalog: one TOML file per surface in ``surfaces/``, read and checked into a
:class:`~optviz.catalog.library.Surface` (data rather than code). Listing the catalog
reads the files only: no expression is parsed or differentiated, so it does not import
sympy.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..util.check import finite
from ..util.errors import CatalogError, ExpressionError, OptvizError, unknown
from ..util.shipped import data_folder
from . import expressions as _expr
from .library import (
    CURVE,
    KINDS,
    Dataset,
    Lesson,
    Surface,
    View,
    _points,
    _summary,
    parse_domain,
    variables_of,
)

_FIELDS = {
    "name": str,
    "title": str,
    "kind": str,
    "description": str,
    "expr": str,
    "params": dict,
    "domain": list,
    "starts": list,
    "minima": list,
    "view": dict,
    "lesson": dict,
    "data": dict,
    "references": str,
}
_REQUIRED = ("name", "title", "kind", "description", "domain", "starts")


def _catalog_files() -> dict[str, Any]:
    folder = data_folder("surfaces")
    return {p.name[: -len(".toml")]: p for p in folder.iterdir() if p.name.endswith(".toml")}


def surfaces(kind: str | None = None) -> list[str]:
    """Names of the catalog's surfaces, optionally of one ``kind``.

    >>> "rosenbrock" in surfaces()
    True
    """
    if kind is not None and kind not in KINDS:
        raise unknown("surface kind", kind, KINDS)
    names = sorted(_catalog_files())
    return [n for n in names if kind is None or _read_entry(n)["kind"] == kind]


def describe() -> list[dict[str, str]]:
    """One row per catalog surface: name, kind, summary (for ``optviz list``).

    Reads the TOML files only: no expression is parsed or differentiated, so listing
    the catalog does not import sympy.
    """
    rows = []
    for name in surfaces():
        spec = _read_entry(name)
        rows.append(
            {"name": spec["name"], "kind": spec["kind"], "summary": _summary(spec["description"])}
        )
    return rows


def surface(name: str | Surface, **params: float) -> Surface:
    """Load a catalog surface by name, optionally overriding parameters.

    >>> s = surface("rosenbrock", b=10)
    >>> s.minima.round(6).tolist(), s.min_value
    ([[1.0, 1.0]], 0.0)
    """
    if isinstance(name, Surface):
        return name.with_params(**params)
    files = _catalog_files()
    if not isinstance(name, str) or name not in files:
        raise unknown("surface", name, files)
    return load_catalog(name).with_params(**params)


@functools.cache
def load_catalog(name: str) -> Surface:
    return surface_from_spec(_read_entry(name), f"surfaces/{name}.toml")


@functools.cache
def _read_entry(name: str) -> dict[str, Any]:
    """A catalog file's TOML with its fields checked, expressions not yet parsed."""
    path = _catalog_files()[name]
    label = f"surfaces/{name}.toml"
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{label}: malformed TOML: {exc}") from None
    _check_fields(spec, label)
    return spec


def _check_fields(spec: Mapping[str, Any], label: str) -> None:
    """Check the names, presence and types of a catalog mapping's fields, and its kind."""

    def fail(field_name: str, why: str) -> CatalogError:
        return CatalogError(f"{label}: field '{field_name}': {why}")

    for key in spec:
        if key not in _FIELDS:
            raise fail(key, f"unknown field; allowed: {', '.join(_FIELDS)}")
    for key in _REQUIRED:
        if key not in spec:
            raise fail(key, "missing")
    for key, typ in _FIELDS.items():
        if key in spec and not isinstance(spec[key], typ):
            raise fail(key, f"must be a {typ.__name__}")
    if spec["kind"] not in KINDS:
        raise fail("kind", f"'{spec['kind']}' is not one of {', '.join(KINDS)}")
    if ("expr" in spec) == ("data" in spec):
        raise fail("expr", "give exactly one of 'expr' or a [data] table")


def surface_from_spec(spec: Mapping[str, Any], label: str) -> Surface:
    """Validate a catalog mapping (a parsed TOML file) and build its Surface."""

    def fail(field_name: str, why: str) -> CatalogError:
        return CatalogError(f"{label}: field '{field_name}': {why}")

    _check_fields(spec, label)
    try:
        params = {k: finite(v, f"parameter '{k}'") for k, v in spec.get("params", {}).items()}
        domain = parse_domain(spec["domain"])
        dim = len(domain)
        _check_curve_kind(spec, dim, fail)
        starts = _points(spec["starts"], "starts", dim)
        data = _dataset(spec["data"], label) if "data" in spec else None
        text = spec.get("expr") or (data.sample if data else "")
        names = (*params, *(data.columns if data else ()))
        _expr.parse(text, dict.fromkeys(names), variables_of(dim))
    except CatalogError:
        raise
    except OptvizError as exc:
        raise CatalogError(f"{label}: {exc}") from None
    minima, values = _minima(spec.get("minima", []), fail, dim)
    view = _view(spec.get("view", {}), fail)
    lesson = _lesson(spec.get("lesson", {}), fail, dim)
    return Surface(
        name=spec["name"],
        title=spec["title"],
        kind=spec["kind"],
        description=spec["description"].strip(),
        expression=text,
        params=params,
        domain=domain,
        starts=starts,
        minima=minima,
        minima_values=values,
        view=view,
        lesson=lesson,
        data=data,
        references=spec.get("references", ""),
    )


def _check_curve_kind(spec: Mapping[str, Any], dim: int, fail: Any) -> None:
    """A curve (one interval as its domain) is of kind ``curve``, and only a curve is."""
    if (dim == 1) != (spec["kind"] == CURVE):
        why = (
            "a domain of one interval [xmin, xmax] is a curve: kind = 'curve'"
            if dim == 1
            else "kind 'curve' needs a domain of one interval [xmin, xmax]"
        )
        raise fail("kind" if dim == 1 else "domain", why)
    if dim == 1 and "data" in spec:
        raise fail("data", "a curve has no [data] table; write its expression in x")


def _minima(entries: list, fail: Any, dim: int = 2) -> tuple[np.ndarray, np.ndarray]:
    points, values = [], []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) - {"xy", "value"} or "xy" not in entry:
            point = "[x, y]" if dim == 2 else "[x]"
            raise fail(f"minima[{i}]", f"must be a table with 'xy' = {point} and 'value'")
        try:
            points.append(_points(entry["xy"], f"minima[{i}].xy", dim)[0])
            values.append(
                finite(entry.get("value", math.nan), f"minima[{i}].value")
                if "value" in entry
                else math.nan
            )
        except OptvizError as exc:
            raise fail(f"minima[{i}]", str(exc)) from None
    return np.array(points).reshape(-1, dim), np.array(values, dtype=float)


def _lesson(spec: dict, fail: Any, dim: int = 2) -> Lesson:
    allowed = ("optimizers", "starts", "steps", "claims", "caption")
    for key in spec:
        if key not in allowed:
            raise fail(f"lesson.{key}", f"unknown; allowed: {', '.join(allowed)}")
    opts = spec.get("optimizers", [])
    if not isinstance(opts, list) or not all(isinstance(o, str) and o for o in opts):
        raise fail("lesson.optimizers", 'must be a list of specs such as "gd:lr=0.05"')
    steps = spec.get("steps")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise fail("lesson.steps", "must be a whole number >= 1")
    try:
        starts = _points(spec["starts"], "lesson.starts", dim) if "starts" in spec else None
    except OptvizError as exc:
        raise fail("lesson.starts", str(exc)) from None
    claims = spec.get("claims", [])
    if not isinstance(claims, list) or not all(isinstance(c, str) and c for c in claims):
        raise fail("lesson.claims", 'must be a list of claims such as "stuck(gd, at=saddle)"')
    caption = spec.get("caption", "")
    if not isinstance(caption, str) or "\n" in caption.strip():
        raise fail("lesson.caption", "must be one line of text")
    starts = np.zeros((0, dim)) if starts is None else starts
    return Lesson(tuple(opts), starts, steps, tuple(c.strip() for c in claims), caption.strip())


FLAGS = (
    "log_levels",
    "area_levels",
    "whole",
    "keep_camera",
    "all_landmarks",
    "all_minima",
    "falls_on",
)


def _view(spec: dict, fail: Any) -> View:
    allowed = set(View.__dataclass_fields__)
    for key, value in spec.items():
        if key not in allowed:
            raise fail(f"view.{key}", f"unknown; allowed: {', '.join(sorted(allowed))}")
        if key in FLAGS and not isinstance(value, bool):
            raise fail(f"view.{key}", "must be true or false")
        if key == "axes":
            names = value if isinstance(value, list) else None
            if not names or len(names) != 2 or not all(isinstance(n, str) and 0 < len(n) <= 20
                                                        for n in names):  # fmt: skip
                raise fail("view.axes", 'must be two short names, e.g. ["w1", "w2"]')
            continue
        if key not in FLAGS and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise fail(f"view.{key}", "must be a number")
    if "axes" in spec:
        spec = {**spec, "axes": tuple(spec["axes"])}
    return View(**spec)


def _dataset(spec: dict, label: str) -> Dataset:
    columns = spec.get("columns")
    values = spec.get("values")
    sample = spec.get("sample")
    if not isinstance(sample, str):
        raise CatalogError(f"{label}: field 'data.sample': must be an expression string")
    if not (isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns)):
        raise CatalogError(f"{label}: field 'data.columns': must be a list of names")
    for c in columns:
        try:
            _expr.check_identifier(c, "data column")
        except ExpressionError as exc:
            raise CatalogError(f"{label}: field 'data.columns': {exc}") from None
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise CatalogError(f"{label}: field 'data.values': must be rows of numbers") from None
    if arr.ndim != 2 or arr.shape[1] != len(columns) or len(arr) < 2:
        raise CatalogError(
            f"{label}: field 'data.values': must be at least 2 rows of {len(columns)} numbers"
        )
    return Dataset(tuple(columns), arr, sample)
