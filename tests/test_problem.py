"""What a step may ask beyond its gradient: evaluations elsewhere, the layout, other points."""

from typing import NamedTuple

import numpy as np
import pytest

import optviz as ov
import optviz.engine.optim as engine
from optviz.engine.final_runs import final_states
from optviz.engine.problem import EvaluationLog, Layout, SurfaceProblem, Tensor
from optviz.util.errors import ParameterError

QUADRATIC = ov.Surface.from_expr("x**2 + 3*y**2", minima=[(0.0, 0.0)])


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(engine, "_REGISTRY", dict(engine._REGISTRY))


def test_evaluate_gives_the_masked_active_starts_and_records_them():
    p = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, -1.0]])
    log = EvaluationLog(2)
    problem = SurfaceProblem(QUADRATIC, p, log=log)
    problem.active[2] = False  # a frozen start asks nothing
    problem.begin(4, QUADRATIC.f(p))
    f, g = problem.evaluate(p * 2, mask=np.array([True, False, True]))
    np.testing.assert_array_equal(f, [16.0, np.nan, np.nan])
    np.testing.assert_array_equal(g[0], [4.0, 12.0])
    assert np.isnan(g[1:]).all()
    made = log.result()
    np.testing.assert_array_equal(made.step, [4])
    np.testing.assert_array_equal(made.start, [0])
    np.testing.assert_array_equal(made.xy, [[2.0, 2.0]])
    np.testing.assert_array_equal(made.counts(5, 3)[4], [1, 0, 0])
    np.testing.assert_array_equal(made.totals(5, 3)[:, 0], [0, 1, 2, 3, 5, 6])


def test_a_single_start_evaluates_without_a_batch():
    problem = SurfaceProblem(QUADRATIC, np.array([1.0, 2.0]))
    f, g = problem.evaluate(np.array([1.0, 1.0]))
    assert f.shape == () and float(f) == 4.0
    np.testing.assert_array_equal(g, [2.0, 6.0])


class ProbeState(NamedTuple):
    ghost: np.ndarray


def test_a_users_step_can_evaluate_elsewhere_and_show_a_point(registry):
    # a SAM-like step: the gradient at p + rho g/|g|, that point drawn as a ghost
    @ov.register
    class Probe(ov.Optimizer):
        name = "probe"
        defaults = {"lr": 0.1, "rho": 0.05}
        shows = {"ghost": "ascent point"}

        def init(self, params):
            return ProbeState(params.copy())

        def step_on(self, p, g, state, lr, t, problem):
            norm = np.linalg.norm(g, axis=-1, keepdims=True)
            ghost = p + self.rho * g / norm
            _, g_there = problem.evaluate(ghost)
            return p - lr * g_there, ProbeState(ghost)

    starts = np.array([[1.0, 1.0], [-1.0, 0.5]])
    traj = ov.run(QUADRATIC, "probe", start=starts, steps=5)
    np.testing.assert_array_equal(traj.evals[:, 0], [0, 2, 4, 6, 8, 10])
    assert len(traj.evaluations) == 10
    ghost = traj.points["ghost"]
    np.testing.assert_array_equal(ghost[0], starts)  # every shown point starts at the start
    g = QUADRATIC.grad(traj.xy[2])
    expected = traj.xy[2] + 0.05 * g / np.linalg.norm(g, axis=-1, keepdims=True)
    np.testing.assert_allclose(ghost[3], expected, rtol=1e-14)
    np.testing.assert_array_equal(traj.evaluations.of_start(1).xy[2], ghost[3, 1])
    one = traj.start(1)
    assert one.points["ghost"].shape == (6, 2) and one.evals[-1] == 10
    assert not ov.optimizer("probe").compiles()


class AverageState(NamedTuple):
    mean: np.ndarray


def test_a_reported_point_is_recorded_in_place_of_the_iterate(registry):
    # Polyak averaging as a Schedule-Free-like optimizer: gradients at the iterate p, the
    # run records (and judges) the running mean, and draws p beside it
    @ov.register
    class Averaged(ov.Optimizer):
        name = "averaged"
        defaults = {"lr": 0.1}
        shows = {"iterate": "where gradients are taken"}

        def init(self, params):
            return AverageState(params.copy())

        def step(self, p, g, state, lr, t, hess=None):
            new = p - lr * g
            return new, AverageState(state.mean + (new - state.mean) / (t + 1))

        def reported(self, p, state):
            return state.mean

        def shown(self, p, state):
            return {"iterate": p}

    traj = ov.run(QUADRATIC, "averaged", start=(1.0, 1.0), steps=4)
    plain = ov.run(QUADRATIC, "gd:lr=0.1", start=(1.0, 1.0), steps=4)
    np.testing.assert_array_equal(traj.points["iterate"], plain.xy)
    np.testing.assert_allclose(traj.xy[4], plain.xy.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(traj.loss, QUADRATIC.f(traj.xy), rtol=1e-15)

    class ReportingGD(ov.GD):  # a rule the kernels know, but a point they would not record
        def reported(self, p, state):
            return 2 * p

    assert "reports another point" in ReportingGD().uncompiled_reason()


def test_layout_splits_and_joins_torch_shaped_tensors():
    lay = Layout((Tensor("w", (3, 2), 0, transposed=True), Tensor("b", (3,), 6)))
    flat = np.arange(2 * 9.0).reshape(2, 9)  # two points of a 9-parameter model
    w, b = lay.split(flat)
    assert w.shape == (2, 3, 2) and b.shape == (2, 3)
    np.testing.assert_array_equal(w[1], flat[1, :6].reshape(2, 3).T)
    np.testing.assert_array_equal(lay.join([w, b]), flat)
    assert lay.dim == 9 and Layout.point(2, matrix=True).tensors[0].shape == (1, 2)


def test_lbfgs_steps_each_start_as_its_own_problem():
    starts = np.array([[-1.2, 1.0], [1.5, -0.5], [0.3, 2.0]])
    batched = ov.run("rosenbrock", "lbfgs", start=starts, steps=40)
    for i, s in enumerate(starts):
        alone = ov.run("rosenbrock", "lbfgs", start=s, steps=40)
        np.testing.assert_array_equal(batched.xy[:, i], alone.xy)
        np.testing.assert_array_equal(batched.evals[:, i], alone.evals)
        np.testing.assert_array_equal(batched.evaluations.of_start(i).xy, alone.evaluations.xy)
    assert np.all(batched.converged)


def test_lbfgs_runs_with_rates_and_hyperparameters_per_start():
    # a sweep gives each start its own rate, a phase map its own history size
    starts = np.tile([[-1.2, 1.0]], (4, 1))
    rates = np.array([1.0, 0.5, 1.0, 0.5])
    ends = final_states(ov.surface("rosenbrock"), ov.optimizer("lbfgs"), starts, 30,
                        rates=rates, hyper={"history_size": [2, 2, 5, 5]})  # fmt: skip
    for i in range(4):
        spec = f"lbfgs:lr={rates[i]},history_size={[2, 2, 5, 5][i]}"
        alone = ov.run("rosenbrock", spec, start=starts[i], steps=30)
        np.testing.assert_array_equal(ends.final_xy[i], alone.xy[-1])


def test_optimizers_that_evaluate_refuse_a_gradient_alone():
    opt = ov.optimizer("lbfgs")
    p = np.zeros(2)
    with pytest.raises(ParameterError, match="trial points"):
        opt.step(p, p, opt.init(p), 1.0, 1)
    with pytest.raises(ParameterError, match="line_search_fn.*allowed: strong_wolfe, none"):
        ov.optimizer("lbfgs:line_search_fn=backtracking")
    with pytest.raises(ParameterError, match="must be a word"):
        ov.optimizer("lbfgs", line_search_fn=1.0)
    with pytest.raises(ParameterError, match="etaminus"):
        ov.optimizer("rprop:etaminus=1.5")
    with pytest.raises(ParameterError, match="d=0.5"):
        ov.optimizer("adafactor:d=0.5")
    assert ov.optimizer("lbfgs:line_search_fn=none").spec == "lbfgs:lr=1.0,line_search_fn=none"


def test_a_frozen_start_makes_no_more_evaluations():
    # the saddle's line search runs off to -infinity at once; the start stops there
    traj = ov.run("saddle", "lbfgs", start=np.array([[-1.8, 0.05], [-1.8, 0.0]]), steps=20)
    assert traj.diverged_at[0] > 0 and traj.diverged_at[1] == -1
    made = traj.evaluations.of_start(0)
    assert made.step.max() <= traj.diverged_at[0]
    assert traj.evals[-1, 0] == traj.evals[traj.diverged_at[0], 0] + 20 - traj.diverged_at[0]


def test_the_network_trainer_counts_evaluations():
    from optviz.nets.data import dataset
    from optviz.nets.model import network
    from optviz.nets.train import train

    net = network(2, 2, hidden=(3,))
    data = dataset("xor", n=20)
    run = train(net, data, "lbfgs", net.init(seed=2), steps=15)
    assert run.evals[0] == 0 and np.all(np.diff(run.evals) >= 1) and run.evals[-1] > 15
    plain = train(net, data, "adam", net.init(seed=2), steps=15)
    np.testing.assert_array_equal(plain.evals, np.arange(16))
