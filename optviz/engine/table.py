"""Results as a small table: rows of dicts that print, show as HTML and save.

:class:`Table` is what ``race.table()`` returns. It stays a sequence of dicts (index
it, iterate it, compare it with a list), prints as aligned text, shows as an HTML table
in a notebook, converts with :meth:`Table.to_pandas` when pandas is installed, and
saves as CSV or JSON. :func:`race_table` computes a race's rows from its trajectories.

This module sits below the runner: it reads trajectories by their attributes and
imports nothing that runs or draws.
"""

from __future__ import annotations

import csv
import html
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..util.errors import OptvizError, OutputError
from ..util.files import atomic_path


class Table(Sequence):
    """Rows of dicts with a text, HTML and pandas face.

    >>> t = Table([{"optimizer": "gd", "final_loss": 0.5}, {"optimizer": "adam"}])
    >>> t[0]["final_loss"], len(t), t.columns
    (0.5, 2, ['optimizer', 'final_loss'])
    >>> print(t)
    optimizer  final_loss
    gd         0.5
    adam       -
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]] = ()):
        self.rows = [dict(r) for r in rows]

    @property
    def columns(self) -> list[str]:
        """Every key of every row, in order of first appearance."""
        return _keys(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        return Table(self.rows[i]) if isinstance(i, slice) else self.rows[i]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Table | list | tuple):
            return self.rows == [dict(r) for r in other]
        return NotImplemented

    __hash__ = None  # rows change; so would the hash

    def __str__(self) -> str:
        return format_table(self.rows)

    def __repr__(self) -> str:
        return format_table(self.rows)

    def _repr_html_(self) -> str:
        return html_table(self.rows)

    def to_pandas(self):
        """A :class:`pandas.DataFrame` with one row per row (pandas is optional)."""
        try:
            import pandas as pd
        except ImportError:
            raise OptvizError(
                "to_pandas() needs pandas, which is not installed: pip install pandas"
            ) from None
        return pd.DataFrame(self.rows, columns=self.columns)

    def save(self, path: Any) -> None:
        """Write the rows to ``path``, ``.csv`` or ``.json`` (see :func:`write_metrics`)."""
        write_metrics(self.rows, path)


# -- a race's rows -----------------------------------------------------------------------------
TUNED = " tuned: "
"""Between an optimizer's label and how its rate was tuned, in a tuned race's labels."""


def tuned_how(label: str | None, optimizer: Any) -> str | None:
    """How ``optimizer``'s rate was tuned, read from its trajectory's ``label``.

    ``None`` when the label is not a tuned race's own (a given rate, or the user's label).

    >>> from optviz.engine.optim import optimizer
    >>> tuned_how("gd(lr=0.02) tuned: final loss after 200 steps", optimizer("gd:lr=0.02"))
    'final loss after 200 steps'
    """
    own, sep, how = (label or "").partition(TUNED)
    return how if sep and own == optimizer.label else None


def race_table(race: Any) -> Table:
    """One row per optimizer of ``race``: how it ended, and where.

    A race from one start gives ``optimizer`` (label), ``lr``, ``final_loss``,
    ``nearest_minimum`` (index into ``surface.minima``, ``None`` when the surface states
    none), ``distance`` (to it), ``converged_at`` and ``diverged_at`` (step, ``None`` if
    never). A race from n starts aggregates over them and says so in its keys:
    ``starts``, ``median_final_loss`` (a diverged start counts as +inf),
    ``most_common_minimum`` with ``fraction_at_it``, ``median_distance``,
    ``fraction_converged``, ``median_steps_to_converge`` (over the converged starts),
    ``fraction_diverged`` and ``median_diverged_at`` (over the diverged starts). Both
    end with ``lr_chosen`` (``given``, or ``tuned: <objective> after <n> steps``) and
    ``spec``, the text that builds the optimizer again (``optviz.optimizer(spec)``).

    >>> from optviz import race
    >>> row = race_table(race("quadratic", ["gd:lr=0.25"], start=(1.0, 0.0), steps=3))[0]
    >>> row["final_loss"], row["nearest_minimum"], row["distance"]  # x_t = 0.5**t
    (0.015625, 0, 0.125)
    """
    return Table({**_row(t), **_origin(t)} for t in race.trajectories)


def _origin(t: Any) -> dict[str, Any]:
    """How the optimizer's rate was chosen, and the spec that builds it again."""
    how = tuned_how(t.label, t.optimizer)
    return {"lr_chosen": f"tuned: {how}" if how else "given", "spec": t.optimizer.spec}


def _row(t: Any) -> dict[str, Any]:
    minima = t.surface.minima
    final_xy, final_loss = np.asarray(t.xy[-1]), np.asarray(t.loss[-1], dtype=float)
    nearest, distance = _nearest(final_xy, minima)
    opt = t.optimizer
    how = tuned_how(t.label, opt)
    row: dict[str, Any] = {
        "optimizer": opt.label if how else t.label,  # how the rate was chosen: its own column
        "lr": float(opt.lr),
    }
    diverged = np.asarray(t.diverged)
    converged = np.asarray(t.converged) & ~diverged
    if not t.batched:
        row.update(
            final_loss=float(final_loss),
            nearest_minimum=None if nearest is None else int(nearest),
            distance=None if distance is None else float(distance),
            converged_at=int(t.converged_at) if t.converged else None,
            diverged_at=int(t.diverged_at) if t.diverged else None,
        )
        return row
    losses = np.where(diverged, np.inf, final_loss)
    row.update(starts=int(len(losses)), median_final_loss=float(np.median(losses)))
    if nearest is None:
        row.update(most_common_minimum=None, fraction_at_it=None, median_distance=None)
    else:
        kept = nearest[~diverged]
        top = Counter(kept.tolist()).most_common(1)
        row.update(
            most_common_minimum=int(top[0][0]) if top else None,
            fraction_at_it=top[0][1] / len(losses) if top else 0.0,
            median_distance=float(np.median(distance[~diverged])) if top else None,
        )
    row.update(
        fraction_converged=float(converged.mean()),
        median_steps_to_converge=_median_or_none(np.asarray(t.converged_at)[converged]),
        fraction_diverged=float(diverged.mean()),
        median_diverged_at=_median_or_none(np.asarray(t.diverged_at)[diverged]),
    )
    return row


def _nearest(xy: np.ndarray, minima: np.ndarray) -> tuple[Any, Any]:
    """Index of the nearest of ``minima`` and the distance to it, for ``xy`` (..., 2)."""
    if not len(minima):
        return None, None
    d = np.linalg.norm(xy[..., None, :] - minima, axis=-1)
    return d.argmin(-1), d.min(-1)


def _median_or_none(values: np.ndarray) -> float | None:
    return float(np.median(values)) if len(values) else None


# -- text and HTML -----------------------------------------------------------------------------
def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as aligned text: one header line, one line per row (``-`` for None).

    >>> print(format_table([{"optimizer": "gd", "final_loss": 0.0123456, "diverged_at": None}]))
    optimizer  final_loss  diverged_at
    gd         0.01235     -
    """
    if not rows:
        return "(no rows)"
    keys = _keys(rows)
    cells = [[_cell(row.get(k)) for k in keys] for row in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = [keys, *cells]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def html_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as an HTML ``<table>``: the same cells as the text, numbers right-aligned.

    >>> html_table([{"optimizer": "<gd>", "final_loss": 0.5}])
    '<table class="optviz-table"><thead><tr><th>optimizer</th><th>final_loss</th></tr>...'
    """
    keys = _keys(rows)
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join("<tr>" + "".join(_html_cell(row.get(k)) for k in keys) + "</tr>" for row in rows)
    return (
        f'<table class="optviz-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _html_cell(value: Any) -> str:
    numeric = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    align = ' style="text-align: right"' if numeric else ""
    return f"<td{align}>{html.escape(_cell(value))}</td>"


def _keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return list(keys)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# -- files -------------------------------------------------------------------------------------
def write_metrics(rows: Sequence[Mapping[str, Any]], path: Any) -> None:
    """Write rows to ``path``: ``.csv`` (a header and one line per row) or ``.json`` (a list).

    The file is written atomically. JSON has no infinity: a non-finite number is written
    as ``null`` (the row's ``diverged_at`` says why); CSV writes ``inf`` / ``nan``.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> write_metrics([{"optimizer": "gd", "final_loss": 0.5}], path)
    >>> read_metrics(path)
    [{'optimizer': 'gd', 'final_loss': 0.5}]
    """
    kind = _metrics_kind(path)
    rows = [dict(r) for r in rows]
    with atomic_path(path) as tmp:
        if kind == "json":
            clean = [{k: _json_value(v) for k, v in r.items()} for r in rows]
            tmp.write_text(json.dumps(clean, indent=2) + "\n", encoding="utf-8")
        else:
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=_keys(rows), lineterminator="\n")
                writer.writeheader()
                for r in rows:
                    writer.writerow({k: "" if v is None else v for k, v in r.items()})


def read_metrics(path: Any) -> list[dict[str, Any]]:
    """Read a file written by :func:`write_metrics` (numbers come back as numbers)."""
    kind = _metrics_kind(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            if kind == "json":
                return json.load(fh)
            return [{k: _csv_value(v) for k, v in r.items()} for r in csv.DictReader(fh)]
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot read metrics file '{path}': {exc}") from None


def _metrics_kind(path: Any) -> str:
    suffix = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
    if suffix not in ("csv", "json"):
        raise OutputError(f"metrics file '{path}' must end in .csv or .json")
    return suffix


def _json_value(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _csv_value(text: str) -> Any:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
