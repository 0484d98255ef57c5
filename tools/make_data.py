"""Generate the datasets of the empirical-risk surfaces (run once; the TOML is the source).

    python tools/make_data.py          # rewrites surfaces/{linreg_*,tiny_net}.toml

The rows are drawn from a seeded numpy generator and rounded, so the files are short and
readable; the stated minima are then computed from the rounded rows themselves.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
from polish_minima import polish  # tools/ is on the path when run as a script

from optviz.catalog import surface_from_spec

FOLDER = Path(__file__).resolve().parent.parent / "surfaces"
ROWS = 48


def fmt_rows(values: np.ndarray, digits: int) -> str:
    return "\n".join("  [" + ", ".join(f"{v:.{digits}f}" for v in row) + "]," for row in values)


def minima_block(text: str, guesses: list[tuple[float, float]]) -> str:
    spec = tomllib.loads(text)
    s = surface_from_spec(spec, "generated")
    rows = []
    for g in guesses:
        q = polish(s, np.asarray(g, float))
        rows.append(f"  {{ xy = [{float(q[0])!r}, {float(q[1])!r}], value = {float(s.f(q))!r} }},")
    return "minima = [\n" + "\n".join(rows) + "\n]\n"


def write(
    name: str,
    head: str,
    columns: list[str],
    values: np.ndarray,
    digits: int,
    sample: str,
    guesses: list,
    view: str,
) -> None:
    data = (
        f'\n[data]\ncolumns = {columns!r}\nsample = "{sample}"\nvalues = [\n'
        f"{fmt_rows(values, digits)}\n]\n".replace("'", '"')
    )
    text = head + data
    minima = minima_block(text, guesses)
    (FOLDER / f"{name}.toml").write_text(head + minima + view + data, encoding="utf-8")


def linreg() -> None:
    rng = np.random.default_rng(20240601)
    u1 = rng.normal(0.0, 1.0, ROWS)
    u2 = rng.normal(0.0, 8.0, ROWS)
    u1, u2 = u1 - u1.mean(), u2 - u2.mean()
    t = 2.0 * u1 + 0.25 * u2 + rng.normal(0.0, 0.5, ROWS)
    t = t - t.mean()
    raw = np.round(np.column_stack([u1, u2, t]), 4)
    sample = "(x*u1 + y*u2 - t)**2"
    write(
        "linreg_scaled",
        '''name = "linreg_scaled"
title = "Linear regression, badly scaled features"
kind = "ravine"
description = """
Mean squared error of a two-weight linear model whose second feature is measured on a
scale about ten times larger than the first: the loss is a narrow ravine (condition
number about 115), so the learning rate that keeps y stable leaves x crawling. Compare with
linreg_standardized, the same data after standardizing the features.
"""
domain = [[-1.0, 5.0], [-1.5, 2.0]]
starts = [[-0.5, 1.7]]
''',
        ["u1", "u2", "t"],
        raw,
        4,
        sample,
        [(2.0, 0.25)],
        "\n[view]\nlog_levels = true\nelev = 40.0\nazim = -60.0\n",
    )
    std = raw.copy()
    std[:, :2] = (raw[:, :2] - raw[:, :2].mean(0)) / raw[:, :2].std(0)
    std = np.round(std, 6)
    write(
        "linreg_standardized",
        '''name = "linreg_standardized"
title = "Linear regression, standardized features"
kind = "bowl"
description = """
The data of linreg_scaled with each feature rescaled to mean 0 and standard deviation 1:
the ravine becomes a nearly round bowl and plain gradient descent walks almost straight
to the minimum. Why feature scaling (and batch normalization) helps.
"""
domain = [[-1.0, 5.0], [-1.0, 5.0]]
starts = [[-0.5, 4.5]]
''',
        ["u1", "u2", "t"],
        std,
        6,
        sample,
        [(2.0, 2.0)],
        "\n[view]\nelev = 40.0\nazim = -60.0\n",
    )


def tiny_net() -> None:
    rng = np.random.default_rng(11)
    u = np.sort(rng.uniform(-2.0, 2.0, ROWS))
    t = np.tanh(1.5 * u) + rng.normal(0.0, 0.05, ROWS)
    rows = np.round(np.column_stack([u, t]), 4)
    write(
        "tiny_net",
        '''name = "tiny_net"
title = "A tiny neural network: output = w2 · tanh(w1 · input)"
kind = "plateau"
description = """
The training loss of a one-hidden-unit tanh network, x = w1 (input weight) and
y = w2 (output weight). Near the origin sits a saddle (too small an initialization);
for large |w1| the tanh saturates and the loss is a flat plateau (too large an
initialization); the two minima are mirror images, since (w1, w2) and (-w1, -w2) compute
the same function.
"""
domain = [[-4.0, 4.0], [-2.5, 2.5]]
starts = [[3.6, -2.0], [0.05, -0.05]]
''',
        ["u", "t"],
        rows,
        4,
        "(y*tanh(x*u) - t)**2",
        [(1.5, 1.0), (-1.5, -1.0)],
        "\n[view]\nlog_levels = true\nelev = 35.0\nazim = -120.0\n",
    )


if __name__ == "__main__":
    linreg()
    tiny_net()
