"""L-BFGS with torch's strong Wolfe line search, every start its own problem.

torch's ``LBFGS.step(closure)`` calls the closure a data-dependent number of times: the
line search tries step lengths until one satisfies the strong Wolfe conditions. Here the
iterations of a step (the two-loop direction, the stopping tests) run on every start at
once, as arrays; each start's line search is a generator (:func:`_strong_wolfe`, torch's
``_strong_wolfe`` operation by operation) that yields each point it wants evaluated and
receives the loss and gradient there. The searches of all starts advance together and
the points they ask for are evaluated in one masked call of
:meth:`optviz.engine.problem.Problem.evaluate`: a start whose search has ended asks for
nothing more. Every evaluation is recorded, so pictures draw the trial points and loss
panels count evaluations.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, NamedTuple

import numpy as np

from ..util.errors import ParameterError
from .optim import Optimizer, check_range, register


class LBFGSState(NamedTuple):
    """torch's state of the first parameter, one row per start (``n_hist``: how many of
    the ``history_size`` rows of ``old_dirs``, ``old_stps`` and ``ro`` hold pairs, oldest
    first)."""

    func_evals: np.ndarray
    n_iter: np.ndarray
    d: np.ndarray
    t: np.ndarray
    old_dirs: np.ndarray
    old_stps: np.ndarray
    ro: np.ndarray
    n_hist: np.ndarray
    H_diag: np.ndarray  # noqa: N815 - torch's name
    prev_flat_grad: np.ndarray
    prev_loss: np.ndarray


@register
class LBFGS(Optimizer):
    r"""Limited-memory BFGS with a strong Wolfe line search, as ``torch.optim.LBFGS``.

    From the last ``history_size`` pairs :math:`s_i = p_{i+1} - p_i`,
    :math:`y_i = g_{i+1} - g_i` (kept where :math:`y_i^\top s_i > 10^{-10}`), the two-loop
    recursion applies an approximate inverse Hessian to the gradient:

    .. math::  d_t = -H_t g_t, \quad H_t \approx (\nabla^2 f)^{-1}, \quad
               H^0_t = \frac{y^\top s}{y^\top y} I, \qquad
               p_{t+1} = p_t + \tau_t d_t

    The step length :math:`\tau_t` starts at ``lr`` (at the very first iteration
    :math:`\min(1, 1/\lVert g\rVert_1)\,\mathrm{lr}`) and the line search brackets and
    zooms with cubic interpolation until :math:`f(p + \tau d) \le f(p) + c_1 \tau g^\top d`
    and :math:`|g(p + \tau d)^\top d| \le c_2 |g^\top d|` (:math:`c_1 = 10^{-4}`,
    :math:`c_2 = 0.9`). Each trial costs one loss-and-gradient evaluation, which a run
    records (``Trajectory.evaluations``, ``Trajectory.evals``) and pictures draw as ticks
    along the step. Liu & Nocedal (1989); the line search is Nocedal & Wright (2006),
    Algorithms 3.5-3.6, as ported by torch from minFunc.

    One step of optviz is one call of torch's ``step(closure)``, which first evaluates the
    current point (the gradient the step is given) and then runs up to ``max_iter``
    iterations within ``max_eval`` evaluations. Two defaults differ from torch's so that a
    step is one iteration and the line search runs: ``max_iter=1`` (torch: 20, which
    reaches Rosenbrock's minimum in two steps and draws them as two long jumps), with
    ``max_eval=25`` (torch's default for its 20 iterations; torch's ``max_iter * 5 // 4``
    would allow one evaluation per step and never move), and
    ``line_search_fn="strong_wolfe"`` (torch: none, a fixed step of ``lr``). Set them to
    torch's values to get torch's defaults: the trajectory is the same.

    Every start is its own problem (torch would flatten n starts into one problem of
    2n dimensions), and on the network trainer all weights and biases form one vector,
    as torch flattens them. The recorded state (``keep_state=True``) is torch's, per start,
    except the histories ``old_dirs``, ``old_stps`` and ``ro``, which only the last state
    holds.
    """

    name = "lbfgs"
    display_name = "L-BFGS"
    summary = "quasi-Newton steps from a history of gradients, with a line search"
    reference = "Liu & Nocedal (1989)"
    checked_against = "torch.optim.LBFGS 2.13"
    uncompiled = "a line search makes a different number of evaluations on every start"
    evaluates = True
    evaluations_are = "line-search trials"
    defaults = {
        "lr": 1.0,
        "max_iter": 1,
        "max_eval": 25,
        "tolerance_grad": 1e-7,
        "tolerance_change": 1e-9,
        "history_size": 100,
        "line_search_fn": "strong_wolfe",
    }
    choices = {"line_search_fn": ("strong_wolfe", "none")}
    state_names = {
        "func_evals": "func_evals",
        "n_iter": "n_iter",
        "d": "d",
        "t": "t",
        "H_diag": "H_diag",
        "prev_flat_grad": "prev_flat_grad",
        "prev_loss": "prev_loss",
    }

    def validate(self) -> None:
        super().validate()
        for key in ("max_iter", "max_eval", "history_size"):
            check_range(self, key, self.hyper[key] >= 1, ">= 1")
        check_range(self, "history_size", self.history_size <= 10_000, "<= 10000")
        for key in ("tolerance_grad", "tolerance_change"):
            check_range(self, key, self.hyper[key] >= 0, ">= 0")

    def extra_evaluations(self) -> int:
        return max(self.max_eval, self.max_iter)

    def init(self, params: np.ndarray) -> LBFGSState:
        batch, dim = params.shape[:-1], params.shape[-1]
        m = self.history_size
        zeros = np.zeros(batch)
        return LBFGSState(
            func_evals=zeros.copy(),
            n_iter=zeros.copy(),
            d=np.zeros(params.shape),
            t=np.full(batch, np.nan),
            old_dirs=np.zeros((*batch, m, dim)),
            old_stps=np.zeros((*batch, m, dim)),
            ro=np.zeros((*batch, m)),
            n_hist=zeros.copy(),
            H_diag=np.ones(batch),
            prev_flat_grad=np.zeros(params.shape),
            prev_loss=np.full(batch, np.nan),
        )

    def step(self, p, g, state, lr, t, hess=None):
        raise ParameterError(
            "lbfgs evaluates the loss at trial points: it steps on a problem (run, race, "
            "the network trainer or step_on), not from a gradient alone"
        )

    def step_on(self, p, g, state, lr, t, problem):
        """torch's ``LBFGS.step`` on every start (``torch/optim/lbfgs.py``): the iterations
        run on all starts still iterating at once, each start's line search on its own."""
        n = int(np.prod(p.shape[:-1], dtype=int))
        x = p.reshape(n, -1).copy()
        s = {
            k: np.array(v, float).reshape(n, *np.shape(v)[p.ndim - 1 :])
            for k, v in state._asdict().items()
        }  # fmt: skip (a copy: state stays intact)
        loss = np.array(problem.loss, float).reshape(n)
        grad = g.reshape(n, -1).copy()
        rate = np.broadcast_to(np.asarray(lr, float).reshape(-1), (n,))
        active = np.asarray(problem.active, bool).reshape(n)
        s["func_evals"][active] += 1  # the closure's first call: the gradient given here
        current = np.ones(n)
        going = active & ~(np.max(np.abs(grad), axis=-1) <= self.tolerance_grad)
        n_iter = 0
        while going.any() and n_iter < self.max_iter:
            n_iter += 1
            s["n_iter"][going] += 1
            self._direction(s, grad, going)
            s["prev_flat_grad"][going], s["prev_loss"][going] = grad[going], loss[going]
            first = np.minimum(1.0, 1.0 / np.sum(np.abs(grad), axis=-1)) * rate
            s["t"][going] = np.where(s["n_iter"] == 1, first, rate)[going]
            gtd = _dot(grad, s["d"])
            going &= ~(gtd > -self.tolerance_change)  # no descent: this step ends here
            x0 = x.copy()
            evals = np.zeros(n)
            if self.line_search_fn == "strong_wolfe":
                found = _searches(x0, s, loss, grad, gtd, self.max_eval - current, going, problem)
                for i, (f_i, g_i, t_i, evals_i) in found.items():
                    loss[i], grad[i], s["t"][i], evals[i] = f_i, g_i, t_i, evals_i
                    x[i] = x0[i] + t_i * s["d"][i]
            else:  # a fixed step, evaluated again unless it is the last iteration
                x[going] = x0[going] + s["t"][going, None] * s["d"][going]
                if n_iter != self.max_iter and going.any():
                    f, g_new = problem.evaluate(x.reshape(p.shape), going.reshape(p.shape[:-1]))
                    loss[going], grad[going] = np.reshape(f, n)[going], g_new.reshape(n, -1)[going]
                    evals[going] = 1
            current += evals
            s["func_evals"] += evals
            going &= ~self._done(s, loss, grad, current, n_iter)
        return x.reshape(p.shape), LBFGSState(
            **{k: v.reshape((*p.shape[:-1], *v.shape[1:])) for k, v in s.items()}
        )

    def _direction(self, s: dict, grad: np.ndarray, going: np.ndarray) -> None:
        """The step direction of the starts ``going``: ``-g`` at their first iteration,
        else the two-loop recursion over their history, once it takes the last pair."""
        first = going & (s["n_iter"] == 1)
        s["d"][first], s["n_hist"][first], s["H_diag"][first] = -grad[first], 0, 1.0
        later = going & ~first
        if not later.any():
            return
        y = grad - s["prev_flat_grad"]
        step = s["d"] * s["t"][:, None]
        ys = _dot(y, step)
        keep = later & (ys > 1e-10)
        if keep.any():
            _remember(s, keep, y, step, 1.0 / ys, self.history_size)
            s["H_diag"][keep] = (ys / _dot(y, y))[keep]
        rows = np.flatnonzero(later)
        s["d"][rows] = _two_loop(s, rows, grad[rows])

    def _done(self, s, loss, grad, current, n_iter) -> np.ndarray:
        """Where torch's iterations stop: enough of them or of evaluations, a vanishing
        gradient, or no progress in the position or the loss."""
        return (
            (n_iter == self.max_iter)
            | (current >= self.max_eval)
            | (np.max(np.abs(grad), axis=-1) <= self.tolerance_grad)
            | (np.max(np.abs(s["d"] * s["t"][:, None]), axis=-1) <= self.tolerance_change)
            | (np.abs(loss - s["prev_loss"]) < self.tolerance_change)
        )


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)  # a0*b0 + a1*b1 for two coordinates, as torch's dot


def _searches(x0, s, loss, grad, gtd, max_ls, going, problem) -> dict:
    """The strong Wolfe search of every start ``going``, their trials evaluated together:
    ``{start: (loss, gradient, step length, evaluations)}``."""
    shape = (*problem.batch, x0.shape[-1])
    searches = {
        i: _strong_wolfe(x0[i], float(s["t"][i]), s["d"][i], float(loss[i]), grad[i].copy(),
                         float(gtd[i]), max_ls=int(max_ls[i]))
        for i in np.flatnonzero(going)
    }  # fmt: skip
    found, asked = {}, {}
    for i, search in searches.items():
        _advance(search, None, i, asked, found)
    while asked:
        points, mask = x0.copy(), np.zeros(len(x0), dtype=bool)
        for i, point in asked.items():
            points[i], mask[i] = point, True
        f, g = problem.evaluate(points.reshape(shape), mask.reshape(shape[:-1]))
        f, g = np.reshape(f, -1), g.reshape(len(x0), -1)
        for i in list(asked):
            _advance(searches[i], (float(f[i]), g[i].copy()), i, asked, found)
    return found


def _advance(search: Generator, value: Any, i: int, asked: dict, found: dict) -> None:
    """Send ``value`` to start ``i``'s search: it asks for another point, or has found one."""
    try:
        asked[i] = search.send(value)
    except StopIteration as end:
        asked.pop(i, None)
        found[i] = end.value


def _remember(s: dict, keep: np.ndarray, y, step, ro, size: int) -> None:
    """Append the pairs ``(y, s)`` of the starts ``keep`` to their histories (oldest first),
    dropping the oldest where a history is full."""
    full = keep & (s["n_hist"] == size)
    for name in ("old_dirs", "old_stps", "ro"):
        s[name][full, :-1] = s[name][full, 1:]
    s["n_hist"][full] -= 1
    rows, slot = np.flatnonzero(keep), s["n_hist"][keep].astype(int)
    s["old_dirs"][rows, slot], s["old_stps"][rows, slot] = y[keep], step[keep]
    s["ro"][rows, slot] = ro[keep]
    s["n_hist"][keep] += 1


def _two_loop(s: dict, rows: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``-H g`` for the starts ``rows`` from their histories (torch's two loops: newest to
    oldest, then back); a start with a shorter history skips the slots it has not."""
    k = s["n_hist"][rows]
    dirs, stps, ro = s["old_dirs"][rows], s["old_stps"][rows], s["ro"][rows]
    longest = int(k.max())
    ragged = bool(np.any(k != longest))  # else no start skips a slot: no masks needed
    al = np.zeros((len(rows), max(longest, 1)))
    q = -grad
    for j in range(longest - 1, -1, -1):
        al[:, j] = _dot(stps[:, j], q) * ro[:, j]
        moved = q + (-al[:, j, None]) * dirs[:, j]
        if ragged:
            al[:, j] = np.where(j < k, al[:, j], 0.0)
            moved = np.where((j < k)[:, None], moved, q)
        q = moved
    r = q * s["H_diag"][rows, None]
    for j in range(longest):
        moved = r + (al[:, j] - _dot(dirs[:, j], r) * ro[:, j])[:, None] * stps[:, j]
        r = np.where((j < k)[:, None], moved, r) if ragged else moved
    return r


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through two points with their slopes, within bounds."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """torch's ``_strong_wolfe``: yields each trial point ``x + t d`` and receives
    ``(f, g)`` there; returns ``(f, g, t, evaluations)`` of the accepted point."""
    d_norm = float(np.max(np.abs(d)))
    f_new, g_new = yield x + t * d
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = yield x + t * d
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])  # fmt: skip
        t, insuf_progress = _away_from_ends(t, bracket, insuf_progress)
        f_new, g_new = yield x + t * d
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Armijo fails, or no lower than the low end: the new point is the high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _away_from_ends(t: float, bracket: list, insuf_progress: bool) -> tuple[float, bool]:
    """torch's safeguard: a trial too near an end of the bracket twice in a row (or at
    or beyond an end) moves a tenth of the bracket inside it."""
    eps = 0.1 * (max(bracket) - min(bracket))
    if min(max(bracket) - t, t - min(bracket)) < eps:
        if insuf_progress or t >= max(bracket) or t <= min(bracket):
            if abs(t - max(bracket)) < abs(t - min(bracket)):
                t = max(bracket) - eps
            else:
                t = min(bracket) + eps
            return t, False
        return t, True
    return t, False
