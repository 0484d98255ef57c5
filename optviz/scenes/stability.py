"""The ``sharpness`` scene: networks trained full-batch, their sharpness against the step.

Gradient descent drives a network's sharpness up until it reaches ``2/lr``, then holds it
there while the loss goes on falling, in spikes (Cohen et al., 2021): this trains the
scene's optimizers on one network and measures the sharpness along each run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

HIDDEN = (32, 32)


def study(scene: Any, o: Mapping[str, Any]) -> list[Any]:
    """Each optimizer's :class:`~optviz.analysis.sharpness.SharpnessRun`."""
    from ..analysis.sharpness import along_run
    from ..nets.data import dataset
    from ..nets.model import network
    from ..nets.train import train

    seed = scene.seed or 0
    data = dataset(o["dataset"], n=o["points"], seed=seed)
    regress = o["target"] == "values"
    if regress:
        data = replace(data, y=data.y.astype(float), classes=0)
    net = network(data.x.shape[1], data.outputs, hidden=o["hidden"] or HIDDEN,
                  activation=o["activation"] or "tanh", classify=not regress)  # fmt: skip
    theta0 = net.init(seed=seed, gain=o["gain"])
    steps = scene.steps or 200
    runs = []
    for opt, label in zip(scene.optimizers, scene.labels, strict=True):
        run = train(net, data, opt, theta0, steps, lr_schedule=scene.schedule, seed=seed,
                    label=label)  # fmt: skip
        runs.append(along_run(run, data.x, data.y, points=o["measured"]))
    return runs


def sharpness_figure(
    scene: Any, o: Mapping[str, Any], look: Mapping[str, Any], runs: list | None = None
) -> tuple:
    """The figure and the report's rows (``runs``: the :func:`study` already made)."""
    from ..render.sharpnessplots import plot_sharpness_runs

    runs = study(scene, o) if runs is None else runs
    rows = [_row(r) for r in runs]
    names = [opt.name for opt in scene.optimizers]  # each run in its optimizer's colour
    return plot_sharpness_runs(runs, names=names, **look), rows


def _row(r: Any) -> dict[str, Any]:
    """What the scene reports: where the sharpness ended against its line."""
    half = r.at >= r.at[-1] / 2
    ratio = r.ratio()
    return {
        "optimizer": r.label,
        "first_sharpness": float(r.sharpness[0]),
        "last_sharpness": float(r.sharpness[-1]),
        "line_last": float(r.line_at()[-1]),
        "second_half_ratio_min": float(np.min(ratio[half])),
        "second_half_ratio_max": float(np.max(ratio[half])),
        "final_loss": float(r.loss[-1]),
    }
