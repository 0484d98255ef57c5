"""Polish the stated minima of the analytic catalog surfaces to full float64 precision.

Each stated minimum is refined with Newton steps on the exact gradient and Hessian
(after a trust-region start), and its value recomputed. Prints the result; with
``--write`` rewrites the ``minima = [...]`` block of each TOML file in place.

    python tools/polish_minima.py [--write] [name ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from optviz.catalog.entries import load_catalog, surfaces
from optviz.catalog.library import Surface

FOLDER = Path(__file__).resolve().parent.parent / "surfaces"


def tidy(v: float, rel: float = 2e-15) -> float:
    """Snap to a short decimal when it is equal to float precision (3.0, not 2.9999...)."""
    for digits in range(0, 13):
        r = round(v, digits)
        if abs(r - v) <= rel * max(1.0, abs(v)):
            return r + 0.0
    return v


def polish(surface: Surface, p: np.ndarray) -> np.ndarray:
    res = minimize(
        lambda q: float(surface.f(q)),
        p,
        jac=surface.grad,
        hess=surface.hess,
        method="trust-exact",
        options={"gtol": 1e-13},
    )
    q = res.x
    for _ in range(8):  # plain Newton: quadratic convergence to float precision
        g, H = surface.grad(q), surface.hess(q)
        if not np.all(np.isfinite(g)) or np.linalg.cond(H) > 1e14:
            break
        q = q - np.linalg.solve(H, g)
    return q


def _smooth(surface: Surface, p: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(surface.grad(p))))


def block(surface: Surface, points: np.ndarray) -> str:
    rows = []
    for p in points:
        coords = [tidy(float(c)) for c in p]  # x, y (a curve's x alone)
        v = tidy(float(surface.f(np.array(coords))), rel=1e-13)
        v = 0.0 if abs(v) < 1e-15 else v
        rows.append(f"{{ xy = [{', '.join(repr(c) for c in coords)}], value = {v!r} }}")
    if len(rows) == 1:
        return f"minima = [{rows[0]}]\n"
    return "minima = [\n" + "".join(f"  {r},\n" for r in rows) + "]\n"


def rewrite(path: Path, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if line.startswith("minima = ["))
    j = (
        i
        if lines[i].rstrip().endswith("]") and lines[i].count("[") == lines[i].count("]")
        else (next(k for k in range(i + 1, len(lines)) if lines[k].rstrip() == "]"))
    )
    lines[i : j + 1] = [text]
    path.write_text("".join(lines), encoding="utf-8")


def main(argv: list[str]) -> None:
    write = "--write" in argv
    names = [a for a in argv if not a.startswith("--")] or surfaces()
    for name in names:
        s = load_catalog(name)
        if not len(s.minima):
            continue
        with np.errstate(all="ignore"):
            # A minimum at a kink (Ackley's) has no gradient to polish with: keep it.
            pts = np.array([polish(s, p) if _smooth(s, p) else p for p in s.minima])
        text = block(s, pts)
        print(f"# {name}\n{text}")
        if write and s.data is None:
            rewrite(FOLDER / f"{name}.toml", text)


if __name__ == "__main__":
    main(sys.argv[1:])
