"""L-BFGS with torch's strong Wolfe line search, every start its own problem.

torch's ``LBFGS.step(closure)`` calls the closure a data-dependent number of times: the
line search tries step lengths until one satisfies the strong Wolfe conditions. Here one
start's step is a generator (:func:`_lbfgs_step`, a transcription of torch's ``step`` and
``_strong_wolfe``, operation by operation) that yields each point it wants evaluated and
receives the loss and gradient there. :meth:`LBFGS.step_on` advances the generators of
all starts together and evaluates the points they ask for in one masked call of
:meth:`optviz.engine.problem.Problem.evaluate`: starts whose searches ended simply ask
for nothing more. Every evaluation is recorded, so pictures draw the trial points and
loss panels count evaluations.
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
    summary = "quasi-Newton steps from a history of gradients, with a line search"
    reference = "Liu & Nocedal (1989)"
    checked_against = "torch.optim.LBFGS 2.13"
    uncompiled = "a line search makes a different number of evaluations on every start"
    evaluates = True
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
        rows = _Rows(p, state)  # every start a row; a copy, so the given state stays intact
        losses = np.asarray(problem.loss, float).reshape(-1)
        rates = np.broadcast_to(np.asarray(lr, float).reshape(-1, 1), (rows.n, 1))[:, 0]
        active = np.asarray(problem.active, bool).reshape(-1)
        grads = g.reshape(rows.n, -1)
        searches = {
            i: _lbfgs_step(self.hyper, rows, i, float(losses[i]), grads[i].copy(), rates[i])
            for i in np.flatnonzero(active)
        }
        asked = {i: next(search, None) for i, search in searches.items()}
        asked = {i: x for i, x in asked.items() if x is not None}
        while asked:
            points = rows.x.copy()
            mask = np.zeros(rows.n, dtype=bool)
            for i, x in asked.items():
                points[i], mask[i] = x, True
            f, grad = problem.evaluate(points.reshape(p.shape), mask.reshape(p.shape[:-1]))
            f, grad = np.reshape(f, -1), grad.reshape(rows.n, -1)
            asked = {i: _send(searches[i], (float(f[i]), grad[i].copy())) for i in asked}
            asked = {i: x for i, x in asked.items() if x is not None}
        return rows.x.reshape(p.shape), rows.state(p.shape)


def _send(search: Generator, value: Any) -> np.ndarray | None:
    """The next point ``search`` asks for, or ``None`` when it has finished."""
    try:
        return search.send(value)
    except StopIteration:
        return None


class _Rows:
    """Positions and state of every start as rows (a copy), written as the steps go."""

    def __init__(self, p: np.ndarray, state: LBFGSState):
        self.n = int(np.prod(p.shape[:-1], dtype=int))
        self.x = p.reshape(self.n, -1).copy()
        self.fields = {k: np.array(v, float).reshape(self.n, *np.shape(v)[p.ndim - 1 :])
                       for k, v in state._asdict().items()}  # fmt: skip

    def state(self, shape: tuple) -> LBFGSState:
        batch = shape[:-1]
        return LBFGSState(**{k: v.reshape((*batch, *v.shape[1:])) for k, v in self.fields.items()})


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(a * b))  # a0*b0 + a1*b1 for two coordinates, as torch's dot


def _lbfgs_step(h: dict, rows: _Rows, i: int, loss: float, flat_grad: np.ndarray, lr: float):
    """torch's ``LBFGS.step`` for start ``i`` (``torch/optim/lbfgs.py``): yields the points
    it evaluates, receives ``(loss, gradient)`` there; writes its results into ``rows``."""
    s = rows.fields
    max_iter, max_eval = h["max_iter"], h["max_eval"]
    tolerance_grad, tolerance_change = h["tolerance_grad"], h["tolerance_change"]
    history_size = h["history_size"]
    current_evals = 1  # the closure's first call: the gradient the step was given
    s["func_evals"][i] += 1
    if np.max(np.abs(flat_grad)) <= tolerance_grad:
        return
    d, t = s["d"][i].copy(), float(s["t"][i])
    h_diag, prev_flat_grad = float(s["H_diag"][i]), s["prev_flat_grad"][i].copy()
    prev_loss = float(s["prev_loss"][i])
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        s["n_iter"][i] += 1
        if s["n_iter"][i] == 1:
            d = -flat_grad
            s["n_hist"][i] = 0
            h_diag = 1.0
        else:
            y = flat_grad - prev_flat_grad
            step = d * t
            ys = _dot(y, step)
            if ys > 1e-10:
                _remember(s, i, y, step, 1.0 / ys, history_size)
                h_diag = ys / _dot(y, y)
            d = _two_loop(s, i, flat_grad, h_diag)
        prev_flat_grad = flat_grad.copy()
        prev_loss = loss
        t = min(1.0, 1.0 / float(np.sum(np.abs(flat_grad)))) * lr if s["n_iter"][i] == 1 else lr
        gtd = _dot(flat_grad, d)
        if gtd > -tolerance_change:
            break
        x0 = rows.x[i].copy()
        ls_func_evals = 0
        if h["line_search_fn"] == "strong_wolfe":
            search = _strong_wolfe(x0, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
            loss, flat_grad, t, ls_func_evals = yield from search
            rows.x[i] = x0 + t * d
        else:  # a fixed step, evaluated again unless it is the last iteration
            rows.x[i] = x0 + t * d
            if n_iter != max_iter:
                loss, flat_grad = yield rows.x[i].copy()
                ls_func_evals = 1
        opt_cond = np.max(np.abs(flat_grad)) <= tolerance_grad
        current_evals += ls_func_evals
        s["func_evals"][i] += ls_func_evals
        if n_iter == max_iter or current_evals >= max_eval or opt_cond:
            break
        if np.max(np.abs(d * t)) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
            break
    s["d"][i], s["t"][i], s["H_diag"][i] = d, t, h_diag
    s["prev_flat_grad"][i], s["prev_loss"][i] = prev_flat_grad, prev_loss


def _remember(s: dict, i: int, y: np.ndarray, step: np.ndarray, ro: float, size: int) -> None:
    """Append the pair ``(y, s)`` to start ``i``'s history, dropping the oldest when full."""
    k = int(s["n_hist"][i])
    if k == size:
        for name in ("old_dirs", "old_stps", "ro"):
            s[name][i, :-1] = s[name][i, 1:].copy()
        k -= 1
    s["old_dirs"][i, k], s["old_stps"][i, k], s["ro"][i, k] = y, step, ro
    s["n_hist"][i] = k + 1


def _two_loop(s: dict, i: int, flat_grad: np.ndarray, h_diag: float) -> np.ndarray:
    """The L-BFGS direction ``-H g`` from start ``i``'s history (torch's two loops)."""
    k = int(s["n_hist"][i])
    dirs, stps, ro = s["old_dirs"][i], s["old_stps"][i], s["ro"][i]
    al = np.zeros(k)
    q = -flat_grad
    for j in range(k - 1, -1, -1):
        al[j] = _dot(stps[j], q) * ro[j]
        q = q + (-al[j]) * dirs[j]
    r = q * h_diag
    for j in range(k):
        be_j = _dot(dirs[j], r) * ro[j]
        r = r + (al[j] - be_j) * stps[j]
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
