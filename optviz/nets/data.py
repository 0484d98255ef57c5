"""Small 2-D datasets for real networks: five built-in shapes and the user's CSV.

Every built-in set is drawn from ``numpy.random.default_rng([seed, 11, k])`` (``k`` the
set's index), so the same name, size, noise and seed give the same rows. Inputs are
centred and roughly within [-1.5, 1.5]², the range where a Xavier-initialized tanh
layer is neither linear nor saturated.

A CSV holds one row per sample: the feature columns, then the label column. A label
column of whole numbers is a class (classification, cross-entropy); any other number
is a real target (regression, mean squared error). An optional first line of column
names is skipped.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..util import check
from ..util.errors import ParameterError, unknown

DATASETS = ("moons", "circles", "spiral", "xor", "blobs")
MAX_ROWS = 100_000
MAX_FEATURES = 64
MAX_CLASSES = 32
MAX_CSV_BYTES = 64 * 2**20
SPLITS = {"train": (), "test": (1,)}  # the extra entropy of each sample's generator


@dataclass(frozen=True, eq=False)
class Data:
    """Inputs ``x`` ``(n, features)`` and targets ``y``: class indices ``(n,)`` (int) for
    classification, real values ``(n,)`` for regression.

    Checked when made, whoever makes it: finite inputs, 3 to :data:`MAX_ROWS` rows, 1 to
    :data:`MAX_FEATURES` features, one target per row; ``classes`` 0 (a real target) or
    2 to :data:`MAX_CLASSES`, with every label a whole number in ``0..classes-1``.

    >>> Data("d", [[0.0], [1.0], [2.0]], [0, 1, 2], 2)
    Traceback (most recent call last):
    ...
    optviz.util.errors.ParameterError: data 'd': labels must be whole numbers in 0..1 (classes=2)
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    classes: int  # 0 for a real target

    def __post_init__(self):
        name = str(self.name)[:60]
        classes = check.whole(self.classes, f"data '{name}': classes", 0, MAX_CLASSES)
        if classes == 1:
            raise ParameterError(f"data '{name}': classes must be 0 (a real target) or >= 2")
        x = _numbers(self.x, f"data '{name}': x")
        if x.ndim != 2 or not 3 <= len(x) <= MAX_ROWS or not 1 <= x.shape[1] <= MAX_FEATURES:
            raise ParameterError(
                f"data '{name}': x must be (rows, features) with 3 to {MAX_ROWS} rows and "
                f"1 to {MAX_FEATURES} features, not shape {x.shape}"
            )
        y = _numbers(self.y, f"data '{name}': y")
        if y.shape != (len(x),):
            raise ParameterError(
                f"data '{name}': y must hold one target per row, shape ({len(x)},), not {y.shape}"
            )
        if classes:
            if not np.all((y == np.round(y)) & (y >= 0) & (y < classes)):
                raise ParameterError(
                    f"data '{name}': labels must be whole numbers in 0..{classes - 1} "
                    f"(classes={classes})"
                )
            y = y.astype(np.int64)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "classes", classes)

    @property
    def task(self) -> str:
        return "classify" if self.classes else "regress"

    @property
    def outputs(self) -> int:
        """Width of the network's last layer: one logit per class, or one value."""
        return self.classes if self.classes else 1

    def __len__(self) -> int:
        return len(self.x)


def _numbers(values, what: str) -> np.ndarray:
    """``values`` as a finite float array, or a one-line :class:`ParameterError`."""
    if isinstance(values, str | bytes):
        raise ParameterError(f"{what} must be an array of numbers, not text")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{what} must be an array of numbers") from None
    if not np.all(np.isfinite(array)):
        raise ParameterError(f"{what} must hold finite numbers only")
    return array


def dataset(
    name: str,
    n: int = 200,
    noise: float | None = None,
    seed: int = 0,
    *,
    flip: float = 0.0,
    split: str = "train",
) -> Data:
    """Built-in dataset ``name`` (one of :data:`DATASETS`) with ``n`` points.

    ``noise`` is the standard deviation of the Gaussian jitter added to the inputs
    (default: a level where the classes still separate but touch). ``flip``: the share
    of labels changed to another class at random (label noise). ``split``: ``"train"``
    or ``"test"``, two independent samples of the same distribution for one ``seed``.

    >>> d = dataset("xor", n=8, seed=1)
    >>> d.x.shape, d.classes, sorted(set(d.y.tolist()))
    ((8, 2), 2, [0, 1])
    """
    if name not in DATASETS:
        raise unknown("dataset", name, DATASETS)
    n = check.whole(n, "n", 4, MAX_ROWS)
    seed = check.seed(seed)
    if noise is None:
        noise = DEFAULT_NOISE[name]
    noise = _check_noise(noise)
    flip = check.number_in(flip, "flip", 0.0, 0.5)
    if not isinstance(split, str) or split not in SPLITS:
        raise unknown("split", split, SPLITS)
    rng = np.random.default_rng([seed, 11, DATASETS.index(name), *SPLITS[split]])
    x, y = _MAKERS[name](n, rng)
    x = x + noise * rng.standard_normal(x.shape)
    classes = int(y.max()) + 1
    if flip:  # drawn last, so a set without label noise is the same with or without it
        flipped = rng.random(n) < flip
        y = np.where(flipped, (y + rng.integers(1, classes, n)) % classes, y)
    return Data(name, x, y.astype(np.int64), classes)


def _check_noise(noise) -> float:
    try:
        value = float(noise)
    except (TypeError, ValueError):
        raise ParameterError(f"noise must be a number in [0, 1], got {noise!r}") from None
    if isinstance(noise, bool) or not (math.isfinite(value) and 0 <= value <= 1):
        raise ParameterError(f"noise must be a number in [0, 1], got {noise!r}")
    return value


def _labels(n: int, k: int) -> np.ndarray:
    """``n`` labels, the ``k`` classes as equal as ``n`` allows, in blocks."""
    return np.repeat(np.arange(k), -(-n // k))[:n]


def _moons(n, rng):
    y = _labels(n, 2)
    t = rng.uniform(0.0, np.pi, n)
    x = np.where(
        (y == 0)[:, None],
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)]),
    )
    return (x - [0.5, 0.25]) * 1.2, y


def _circles(n, rng):
    y = _labels(n, 2)
    t = rng.uniform(0.0, 2 * np.pi, n)
    r = np.where(y == 0, 1.2, 0.5)
    return np.column_stack([r * np.cos(t), r * np.sin(t)]), y


def _spiral(n, rng):
    y = _labels(n, 3)
    r = rng.uniform(0.1, 1.0, n)
    theta = y * (2 * np.pi / 3) + 4.0 * r
    return 1.4 * np.column_stack([r * np.sin(theta), r * np.cos(theta)]), y


def _xor(n, rng):
    x = rng.uniform(-1.2, 1.2, (n, 2))
    x = x + 0.15 * np.sign(x)  # a small gap around the axes, so each quadrant is a cluster
    return x, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int)


def _blobs(n, rng):
    y = _labels(n, 3)
    centres = 1.0 * np.array([[0.0, 1.0], [-0.87, -0.5], [0.87, -0.5]])
    return centres[y], y


_MAKERS = {"moons": _moons, "circles": _circles, "spiral": _spiral, "xor": _xor, "blobs": _blobs}
DEFAULT_NOISE = {"moons": 0.15, "circles": 0.12, "spiral": 0.05, "xor": 0.1, "blobs": 0.35}


# ---------------------------------------------------------------- CSV


def load_csv(path: str | Path) -> Data:
    """Read ``path``: numeric feature columns, then the label column (see the module docs).

    The file is read line by line and refused at the first limit it crosses, before the
    rest is read: every problem is one :class:`ParameterError` naming the file, the line
    and what is allowed (a missing file, a non-numeric cell, rows of different lengths,
    fewer than two columns or three rows, a non-finite value, a single class, too many
    rows, columns, classes or characters in a line).
    """
    if not isinstance(path, str | os.PathLike):
        raise ParameterError(f"a data file is a path to a CSV file, not {check._short(path)}")
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"data file '{path}' does not exist (give a CSV file)")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise ParameterError(f"data file '{path}' is over {MAX_CSV_BYTES // 2**20} MiB")
    try:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            table = _read_table(path, lines)
    except UnicodeDecodeError:
        raise ParameterError(f"data file '{path}' is not UTF-8 text") from None
    except OSError as exc:
        raise ParameterError(f"data file '{path}' cannot be read: {exc.strerror}") from None
    x, label = table[:, :-1], table[:, -1]
    if np.all(label == np.round(label)):
        values, y = np.unique(label, return_inverse=True)
        if len(values) < 2:
            raise ParameterError(f"data file '{path}': the label column has a single class")
        if len(values) > MAX_CLASSES:
            raise ParameterError(
                f"data file '{path}': {len(values)} classes; at most {MAX_CLASSES} "
                "(a real target needs non-whole values)"
            )
        return Data(path.stem, x, y.astype(np.int64), len(values))
    return Data(path.stem, x, label, 0)


MAX_LINE = 8192  # characters in one line: 65 long numbers, or a header of long names
MAX_LINES = 2 * MAX_ROWS  # lines of any kind, blank lines and comments included


def _read_table(path: Path, lines) -> np.ndarray:
    """The numbers of the file, ``(rows, columns)``, growing a buffer as rows come."""
    table, rows, width = np.empty((0, 0)), 0, None
    for number in range(1, MAX_LINES + 2):
        line = lines.readline(MAX_LINE + 1)
        if not line:
            break
        if number > MAX_LINES:
            raise ParameterError(f"data file '{path}': more than {MAX_LINES} lines")
        if len(line) > MAX_LINE:
            raise ParameterError(
                f"data file '{path}', line {number}: longer than {MAX_LINE} characters"
            )
        values = _parse_line(path, number, line, header=rows == 0 and width is None)
        if values is None:
            continue
        if not len(values):  # a header of column names
            width = 0
            continue
        if rows == 0:
            width = len(values)
            if not 2 <= width <= MAX_FEATURES + 1:
                raise ParameterError(
                    f"data file '{path}': need 1 to {MAX_FEATURES} feature columns and a "
                    f"label column, line {number} has {width} columns"
                )
        elif len(values) != width:
            raise ParameterError(
                f"data file '{path}', line {number}: {len(values)} columns, expected {width}"
            )
        if rows == MAX_ROWS:
            raise ParameterError(f"data file '{path}': more than {MAX_ROWS} rows")
        if rows == len(table):
            table = np.resize(table, (max(64, 2 * rows), width))
        table[rows] = values
        rows += 1
    if rows < 3:
        if width is None or width == 0 and rows == 0:
            raise ParameterError(
                f"data file '{path}': need 1 to {MAX_FEATURES} feature columns and a label "
                "column, and at least 3 rows of numbers"
            )
        raise ParameterError(f"data file '{path}': need at least 3 rows of numbers")
    return table[:rows]


def _parse_line(path: Path, number: int, line: str, header: bool) -> np.ndarray | None:
    """The numbers of one line; None for a blank or comment line; empty for a header."""
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    try:
        values = np.array(line.split(","), dtype=float)  # as float() reads each cell, in C
    except ValueError:
        if header:  # column names, before any row of numbers
            return np.zeros(0)
        raise ParameterError(
            f"data file '{path}', line {number}: every cell must be a number, got {_shown(line)}"
        ) from None
    if not np.isfinite(values).all():
        raise ParameterError(f"data file '{path}', line {number}: values must be finite")
    return values


def _shown(line: str) -> str:
    text = repr(line.rstrip("\r\n"))
    return text if len(text) <= 80 else text[:77] + "..."
