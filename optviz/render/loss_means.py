"""Loss curves that saw up and down, drawn as a running mean over their faint raw loss.

A few curves that turn up and down every step or two on a log axis make one wedge, a
hatch, where the panel should show who gets lower: noisy runs (:data:`NOISY_TURNS`)
and oscillating ones (:func:`oscillates`) are drawn bold as the mean of their last
steps (:func:`mean_window`, :func:`running_mean`), the raw loss faint under it
(:data:`RAW_STYLE`), and the axis says what bold means
(:func:`optviz.render.losses.mean_note`).
"""

from __future__ import annotations

import numpy as np

NOISY_TURNS = 0.15  # a curve that turns (down to up or back) on this share of its steps saws
MEAN_SHARE = 0.1  # a noisy run's running mean spans this share of its steps (as claims do) ...
MEAN_STEPS = (5, 50)  # ... within these bounds


def mean_window(traj, y: np.ndarray) -> int:
    """Over how many steps a run's loss curve ``y`` is averaged where drawn: a run whose
    curve saws up and down draws its raw loss faint under a running mean, since a few
    such curves on a log axis make one wedge, a hatch. Sawing is either noise (a run
    with noisy gradients, :class:`~optviz.engine.noise.Noise`, whose curve turns on
    :data:`NOISY_TURNS` of its steps) or an oscillation (:func:`oscillates`: up and
    down nearly every step over a stretch, visibly); 0 for every other run (its curve
    is what it did, step by step).

    >>> import optviz as ov
    >>> r = ov.race("quadratic", ["sgd:lr=0.1,grad_noise=1", "gd:lr=0.1"], steps=300)
    >>> [mean_window(t, t.loss) for t in r.trajectories]
    [30, 0]
    """
    noise = getattr(traj, "noise", None)
    noisy = noise is not None and bool(noise.grad or noise.update or noise.input)
    if not (noisy and turn_share(y) >= NOISY_TURNS) and not oscillates(y):
        return 0
    low, high = MEAN_STEPS
    return int(np.clip(round(len(y) * MEAN_SHARE), low, high))


OSCILLATING_RUN = (20, 0.1)  # steps, share of them: the shortest stretch that oscillates ...
TOOTH = (0.15, 0.03)  # ... with teeth this high on average: decades on a log axis, else of
# its range (a tooth: a turn, as high as the lower of the two steps that make it)
HATCH_STEPS = 60  # a curve of fewer steps has room in its panel for each swing: drawn as it is


def oscillates(y: np.ndarray) -> bool:
    """Whether a curve of ``y`` ``(steps + 1[, n])`` of :data:`HATCH_STEPS` steps or
    more oscillates: over a stretch of :data:`OSCILLATING_RUN` steps, its teeth (turns
    from up to down or back, each as high as the lower of its two steps) average
    :data:`TOOTH` a step (in decades where ``y`` is positive, as a log axis draws it;
    else as a share of its range). A curve that turns every step or two by a decade
    draws as a hatch; a slow swing, or small wiggles, draw as what they are.

    >>> steps = np.arange(100.0)
    >>> oscillates(np.exp(-steps / 20) * (1 + 0.8 * (-1) ** steps)), oscillates(np.exp(-steps / 20))
    (True, False)
    """
    y = np.asarray(y, float)
    y = y if y.ndim == 2 else y[:, None]
    least, share = OSCILLATING_RUN
    run = max(least, round(share * len(y)))
    if len(y) - 1 < HATCH_STEPS:
        return False
    for col in y.T:
        v = col[np.isfinite(col)]
        log = bool(len(v)) and v.min() > 0
        v = np.log10(v) if log else v / max(float(np.ptp(v)) if len(v) else 0.0, 1e-300)
        d = np.diff(v)
        if len(d) < run + 1:
            continue
        turns = np.sign(d[1:]) * np.sign(d[:-1]) < 0
        teeth = np.where(turns, np.minimum(np.abs(d[1:]), np.abs(d[:-1])), 0.0)
        if np.convolve(teeth, np.ones(run) / run, "valid").max() >= TOOTH[0 if log else 1]:
            return True
    return False


def turn_share(y: np.ndarray) -> float:
    """The share of steps at which curves ``y`` ``(steps + 1[, n])`` turn from falling to
    rising or back (NaN and flat steps left out), the largest over the curves.

    >>> turn_share(np.array([1.0, 3.0, 2.0, 4.0, 3.0])), turn_share(np.arange(5.0))
    (1.0, 0.0)
    """
    y = np.asarray(y, float)
    y = y if y.ndim == 2 else y[:, None]
    shares = [0.0]
    for col in y.T:
        d = np.sign(np.diff(col[np.isfinite(col)]))
        d = d[d != 0]
        if len(d) > 1:
            shares.append(float(np.mean(d[1:] != d[:-1])))
    return max(shares)


def running_mean(y: np.ndarray, window: int) -> np.ndarray:
    """The mean of each curve of ``y`` over its last ``window`` values (fewer at the
    start; NaN left out), NaN where ``y`` is: the curve is the mean loss a run had then,
    from what it had done so far (never from steps still to come).

    >>> running_mean(np.array([4.0, 2.0, 6.0, np.nan]), 2).tolist()
    [4.0, 3.0, 4.0, nan]
    """
    y = np.asarray(y, float)
    ok = np.isfinite(y)
    pad = np.zeros((1, *y.shape[1:]))
    total = np.concatenate([pad, np.cumsum(np.where(ok, y, 0.0), axis=0)])
    count = np.concatenate([pad, np.cumsum(ok, axis=0)])
    lag = np.maximum(np.arange(1, len(y) + 1) - window, 0)
    k = np.arange(1, len(y) + 1)
    with np.errstate(all="ignore"):
        mean = (total[k] - total[lag]) / (count[k] - count[lag])
    return np.where(ok, mean, np.nan)


RAW_STYLE = dict(lw=0.8, alpha=0.2, ls="-", marker="none", zorder=4)
"""How a sawing run's raw loss is drawn under its running mean: faint, thin and plain,
so the means carry the panel (raw curves of 1.2 points at 0.3 cluttered it)."""
