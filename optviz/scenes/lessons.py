"""What a scene's claims are checked on: its first render's result, as claims read it.

A race (and a network landscape) is read by :mod:`optviz.analysis.claims` as it is. The
other kinds of render are turned into named runs and their measurements
(:class:`~optviz.analysis.claims.Measured`):

========== ==================================== ============================================
kind       runs, by name                        measurements (along)
========== ==================================== ============================================
show       (the surface: ``has``)
curvature  (the surface: ``has``)
bands      ``noisy`` (every seed a start),      a race: every claim on positions and loss
           ``noise-free``
basins     each optimizer                       ``pieces`` (connected regions of one
                                                ending, each at least 0.1% of the grid),
                                                ``converged`` (share of starts)
sweep,     each optimizer                       ``window`` (decades of rates that end within
tune                                            1% of the start's gap above the floor),
                                                ``best`` (lowest final loss), ``at_smallest``
                                                (share of the gap left at the smallest rate),
                                                ``diverges_from`` (the smallest rate that
                                                diverged), ``margin`` (decades from the best
                                                rate to that one)
init       each scheme (``small``,              ``std``, ``saturation``, ``grad_std``
           ``xavier_normal#2``)                 (layers)
batchnorm  ``plain``, ``batchnorm``             ``loss`` (epochs), ``accuracy``, ``center``
                                                and ``width`` of the nonlinearities' inputs
                                                (recordings)
symmetry   each scheme                          ``spread`` (largest difference between two
                                                neurons' weights), ``loss`` (steps)
dropout    ``plain``, ``dropout``               ``train_loss``, ``test_loss``, ``gap``
                                                (recordings; every seed a start),
                                                ``ensemble_gap`` (mean |full net − average of
                                                100 thinned nets| on the test inputs)
schedules  each schedule's kind                 ``rate`` (the multiplier, steps)
sharpness  each optimizer                       ``sharpness`` and ``ratio`` (over the
                                                stability line, preconditioned where the
                                                line asks; measured steps), ``loss``
                                                (steps)
phase      the optimizer                        ``agreement`` (share of cells where the map
                                                and the closed form agree on divergence),
                                                ``band_gap`` (largest |rate − √β| where the
                                                closed form is √β), ``best_rate`` (zoom's
                                                fastest converging cell), ``gd_best``
                                                (gradient descent's best, (κ−1)/(κ+1)),
                                                ``crossings`` (the most times the edge
                                                crosses one column of the zoom: 1 is one
                                                edge)
========== ==================================== ============================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from .results import RACE_KINDS, init_schemes, result, scheme, symmetry_schemes


def evidence(scene: Any) -> Any:
    """What ``scene``'s claims are checked on (see the table above)."""
    if not scene.renders:
        return scene.race() if scene.optimizers else scene.surface
    r = scene.renders[0]
    if r.kind in RACE_KINDS:
        return scene.race()
    found = result(scene, r)
    adapt = ADAPT.get(r.kind)
    return adapt(scene, r, found) if adapt else found


def _measured(labels, names, series, better, axis="step", surface=None, shown=None) -> Any:
    from ..analysis.claims import Measured

    return Measured(
        tuple(labels),
        tuple(names),
        tuple(shown or labels),
        series,
        better,
        surface=surface,
        axis=axis,
    )


def _shown(optimizers: list, labels: list[str]) -> tuple[str, ...]:
    from ..analysis.claims import shown_optimizers

    return shown_optimizers(optimizers, labels)


def _one(values: list[float]) -> tuple[np.ndarray, ...]:
    """A single measurement per run, as a series of length 1."""
    return tuple(np.array([v], float) for v in values)


def _surface(scene: Any, r: Any, found: Any) -> Any:
    return getattr(found, "surface", found)


def _bands(scene: Any, r: Any, found: Any) -> Any:
    from ..analysis.claims import from_race
    from ..engine.runner import Race

    runs = [replace(found.trajectory, label="noisy"), replace(found.reference, label="noise-free")]
    race = Race(scene.surface, runs)
    m = from_race(race)
    kind = type(found.trajectory.optimizer).__name__
    return replace(
        m, names=("noisy", "noise-free"), shown=(f"noisy {kind}", f"{kind} without noise")
    )


def _basins(scene: Any, r: Any, found: Any) -> Any:
    from scipy import ndimage

    pieces, converged = [], []
    least = found.labels[0].size / 1000  # smaller specks are starts on a border
    for lab in found.labels:
        count = 0
        for v in np.unique(lab):
            regions, n = ndimage.label(lab == v)
            count += int(np.sum(np.bincount(regions.ravel())[1:] >= least))
        pieces.append(count)
        converged.append(float(np.mean(lab >= 0)))
    labels = [o.label for o in found.optimizers]
    series = {"pieces": _one(pieces), "converged": _one(converged)}
    better = {"pieces": "lower", "converged": "higher"}
    opts = found.optimizers
    return _measured(
        labels,
        [o.name for o in opts],
        series,
        better,
        surface=scene.surface,
        shown=_shown(opts, labels),
    )


def _learning_rates(scene: Any, r: Any, found: Any) -> Any:
    sweep = getattr(found, "sweep", found)
    surface = scene.surface
    starts = np.atleast_2d(scene.starts if scene.starts is not None else surface.start)
    first = float(np.mean(surface.f(starts)))
    floor = surface.min_value
    finals = np.concatenate([np.ravel(f) for f in sweep.final_loss])
    floor = float(np.nanmin(finals)) if floor is None else floor
    series: dict[str, list] = {
        k: [] for k in ("window", "best", "at_smallest", "diverges_from", "margin")
    }
    for lrs, loss, bad in zip(sweep.lrs, sweep.final_loss, sweep.diverged, strict=True):
        lrs, loss, bad = np.asarray(lrs, float), np.asarray(loss, float), np.asarray(bad, bool)
        good = lrs[~bad & (loss - floor <= 0.01 * (first - floor))]
        kept = np.where(bad, np.inf, loss)
        best = int(np.argmin(kept))
        unstable = lrs[bad]
        series["window"].append(float(np.log10(good.max() / good.min())) if len(good) else 0.0)
        series["best"].append(float(kept[best]))
        series["at_smallest"].append(float((loss[0] - floor) / (first - floor)))
        series["diverges_from"].append(float(unstable.min()) if len(unstable) else np.inf)
        series["margin"].append(float(np.log10(series["diverges_from"][-1] / lrs[best])))
    names = [o.name for o in sweep.optimizers]
    better = {"window": "higher", "best": "lower"}
    return _measured(
        sweep.keys,
        names,
        {k: _one(v) for k, v in series.items()},
        better,
        surface=surface,
        shown=_shown(sweep.optimizers, sweep.keys),
    )


def _init(scene: Any, r: Any, found: Any) -> Any:
    names = [scheme(text)[0] for text in init_schemes(r.options)]
    series = {
        "std": tuple(s.act_std for s in found),
        "saturation": tuple(s.saturation for s in found),
        "grad_std": tuple(s.grad_std for s in found),
    }
    return _measured([s.label for s in found], names, series, {"saturation": "lower"}, "layer")


def _batchnorm(scene: Any, r: Any, found: Any) -> Any:
    runs = list(found)
    median = [np.abs(run.quantiles[..., 2]).max(axis=1) for run in runs]
    width = [(run.quantiles[..., -1] - run.quantiles[..., 0]).max(axis=1) for run in runs]
    series = {
        "loss": tuple(run.loss for run in runs),
        "accuracy": _one([run.final_accuracy for run in runs]),
        "center": tuple(median),
        "width": tuple(width),
    }
    better = {"loss": "lower", "accuracy": "higher"}
    labels = ["without batch norm", "with batch norm"]
    return _measured(labels, ["plain", "batchnorm"], series, better, "epoch")


def _symmetry(scene: Any, r: Any, found: Any) -> Any:
    layer = r.options["layer"] - 1
    series = {
        "spread": tuple(run.spread(layer) for run in found),
        "loss": tuple(run.loss for run in found),
    }
    names = symmetry_schemes(r.options)
    return _measured(names, names, series, {"loss": "lower"})


def _dropout(scene: Any, r: Any, found: Any) -> Any:
    def stacked(which: int, what: Callable) -> np.ndarray:
        return np.stack([what(pair[which]) for pair in found], axis=1)  # (recordings, seeds)

    series = {}
    for metric, what in {
        "train_loss": lambda run: run.train_loss,
        "test_loss": lambda run: run.test_loss,
        "gap": lambda run: run.test_loss - run.train_loss,
        # the full net against the average of a hundred thinned ones, on the test inputs
        "ensemble_gap": lambda run: np.array(
            [np.mean(np.abs(run.ensemble(run.x_test) - run.predict(run.x_test)))]
        ),
    }.items():
        series[metric] = (stacked(0, what), stacked(1, what))
    better = dict.fromkeys(series, "lower")
    labels = ["no dropout", f"dropout p = {r.options['p']:g}"]
    return _measured(labels, ["plain", "dropout"], series, better)


def _ensemble_gap(run: Any) -> np.ndarray:
    """The full net against the average of a hundred thinned ones, on the test inputs."""
    x = run.x_test
    return np.array([np.mean(np.abs(run.ensemble(x) - run.predict(x)))])


def _schedules(scene: Any, r: Any, found: Any) -> Any:
    from ..engine.scheduling import schedule

    specs, steps = found
    scheds = [schedule(s) for s in specs]
    series = {"rate": tuple(s.lrs(1.0, steps) for s in scheds)}
    return _measured(specs, [s.kind for s in scheds], series, {})


def _sharpness(scene: Any, r: Any, found: Any) -> Any:
    labels = [run.label for run in found]
    series = {
        "sharpness": tuple(run.sharpness for run in found),
        "ratio": tuple(run.ratio() for run in found),
        "loss": tuple(run.loss for run in found),
    }
    opts = list(scene.optimizers)
    m = _measured(labels, [o.name for o in opts], series, {"loss": "lower"},
                  shown=_shown(opts, labels))  # fmt: skip
    at = tuple(run.at for run in found)
    return replace(m, at={"sharpness": at, "ratio": at})


def _phase(scene: Any, r: Any, found: Any) -> Any:
    wide, zoomed = found
    with np.errstate(invalid="ignore"):
        series = {
            "agreement": _one([_agreement(wide)]),
            "band_gap": _one([_band_gap(wide)]),
            "best_rate": _one([_best_rate(zoomed if zoomed is not None else wide)]),
            "gd_best": _one([_gd_best(scene.surface)]),
            "crossings": _one([_crossings(zoomed if zoomed is not None else wide)]),
        }
    opt = scene.optimizers[0]
    return _measured([opt.label], [opt.name], series, {"best_rate": "lower"},
                     shown=_shown([opt], [opt.label]))  # fmt: skip


def _agreement(m: Any) -> float:
    """Share of cells where the measured map and the closed form agree on divergence."""
    if m.closed_form is None:
        return np.nan
    return float(np.mean(m.diverged == (m.closed_form >= 1)))


def _band_gap(m: Any) -> float:
    """Largest gap between the measured rate and √β where the closed form is √β (heavy
    ball's flat band; ``momentum`` on the y axis)."""
    if m.closed_form is None or m.y_axis.name != "momentum":
        return np.nan
    root = np.sqrt(m.y)[:, None] * np.ones_like(m.closed_form)
    band = ~m.diverged & (np.abs(m.closed_form - root) <= 1e-9)
    return float(np.max(np.abs(m.metrics["rate"] - root)[band])) if band.any() else np.nan


def _crossings(m: Any) -> float:
    """The most times the edge between trained and diverged cells crosses one column of
    the map (1: a single edge; more: tongues and islands)."""
    d = m.diverged.astype(int)
    return float(np.abs(np.diff(d, axis=0)).sum(axis=0).max(initial=0))


def _best_rate(m: Any) -> float:
    rate = np.where(m.diverged, np.nan, m.metrics["rate"])
    return float(np.nanmin(rate)) if np.isfinite(rate).any() else np.nan


def _gd_best(surface: Any) -> float:
    """Gradient descent's best rate on the quadratic around the minimum: (κ − 1)/(κ + 1)."""
    if surface is None or not len(surface.minima):
        return np.nan
    low, high = np.linalg.eigvalsh(surface.hess(surface.minima[0]))
    return float((high - low) / (high + low))


ADAPT: dict[str, Callable[[Any, Any, Any], Any]] = {
    "sharpness": _sharpness,
    "phase": _phase,
    "show": _surface,
    "curvature": _surface,
    "bands": _bands,
    "basins": _basins,
    "sweep": _learning_rates,
    "tune": _learning_rates,
    "init": _init,
    "batchnorm": _batchnorm,
    "symmetry": _symmetry,
    "dropout": _dropout,
    "schedules": _schedules,
}
"""How each kind of render's result is read by claims (none: as it is)."""
