"""Recorded optimizer state (``run(keep_state=True)``) against torch.optim's own state.

Both sides get the same float64 gradients; after every one of 60 steps on Rosenbrock
each of torch's state tensors must equal the array recorded under the same name.
"""

import numpy as np
import pytest
import torch

import optviz as ov

STEPS = 60
ROSENBROCK = ov.surface("rosenbrock")
START = (-1.2, 1.0)

# (our spec, torch class, torch keyword arguments)
CASES = [
    ("momentum:lr=1e-3", "SGD", {"momentum": 0.9}),
    ("momentum:lr=1e-3,dampening=0.3,weight_decay=0.1", "SGD",
     {"momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    ("nesterov:lr=1e-3", "SGD", {"momentum": 0.9, "nesterov": True}),
    ("gd:lr=1e-3", "SGD", {}),
    ("adagrad:lr=0.1,initial_accumulator_value=0.2", "Adagrad", {"initial_accumulator_value": 0.2}),
    ("adadelta:lr=1.0,weight_decay=0.01", "Adadelta", {"weight_decay": 0.01}),
    ("rmsprop:lr=0.01", "RMSprop", {}),
    ("rmsprop:lr=1e-3,momentum=0.9,centered=true", "RMSprop", {"momentum": 0.9, "centered": True}),
    ("adam:lr=0.05", "Adam", {}),
    ("amsgrad:lr=0.05,weight_decay=0.1", "Adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("adamw:lr=0.05", "AdamW", {}),
    ("nadam:lr=0.05", "NAdam", {}),
    ("radam:lr=1e-3", "RAdam", {}),
    ("adamax:lr=0.05", "Adamax", {}),
]  # fmt: skip

BOOKKEEPING = {"step", "mu_product"}  # torch's counters, not vectors of the parameters


pytestmark = pytest.mark.usefixtures("torch64")  # torch's scalars in float64


def torch_states(cls, kwargs, lr, steps):
    """torch's state dict (and gradient, step taken) after each step, fed our gradients."""
    p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], lr=lr, **kwargs)
    states = []
    for _ in range(steps):
        before = p.detach().numpy().copy()
        p.grad = torch.from_numpy(ROSENBROCK.grad(before))
        opt.step()
        state = {k: v.numpy().copy() for k, v in opt.state[p].items() if k not in BOOKKEEPING}
        state["grad"] = p.grad.numpy().copy()
        state["update"] = p.detach().numpy() - before
        states.append(state)
    return states


def close(ours, theirs):
    scale = np.maximum(1.0, np.abs(theirs))
    return np.max(np.abs(ours - theirs) / scale) < 1e-10


@pytest.mark.parametrize(("spec", "cls", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_recorded_state_equals_torch_state_at_every_step(spec, cls, kwargs):
    opt = ov.optimizer(spec)
    traj = ov.run(ROSENBROCK, opt, start=START, steps=STEPS, keep_state=True)
    assert traj.diverged_at == -1
    theirs = torch_states(cls, kwargs, opt.lr, STEPS)
    assert set(traj.state) == set(theirs[0]) | {"grad", "update"}
    for name, arr in traj.state.items():
        assert arr.shape == (STEPS + 1, 2)
        for t in range(1, STEPS + 1):
            assert close(arr[t], theirs[t - 1][name]), (name, t, arr[t], theirs[t - 1][name])


def test_state_before_the_first_step_is_the_initial_state():
    traj = ov.run(ROSENBROCK, "adagrad:initial_accumulator_value=0.3", START, 3, keep_state=True)
    np.testing.assert_array_equal(traj.state["sum"][0], [0.3, 0.3])
    np.testing.assert_array_equal(traj.state["grad"][0], [0.0, 0.0])
    np.testing.assert_array_equal(traj.state["update"][0], [0.0, 0.0])


def test_lion_state_follows_its_paper():
    # torch.optim has no Lion: check exp_avg against the paper's rule, m_t = b2·m + (1-b2)·g
    traj = ov.run(ROSENBROCK, "lion:lr=1e-3", START, STEPS, keep_state=True)
    m, g = traj.state["exp_avg"], traj.state["grad"]
    for t in range(1, STEPS + 1):
        np.testing.assert_allclose(m[t], 0.99 * m[t - 1] + 0.01 * g[t], rtol=1e-12)
        np.testing.assert_allclose(g[t], ROSENBROCK.grad(traj.xy[t - 1]), rtol=1e-12)
        c = 0.9 * m[t - 1] + 0.1 * g[t]
        np.testing.assert_allclose(traj.state["update"][t], -1e-3 * np.sign(c), rtol=1e-9)


def test_batched_state_is_the_state_of_each_start():
    starts = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 2.0]])
    both = ov.run(ROSENBROCK, "rmsprop:momentum=0.5", starts, 20, keep_state=True)
    for i, start in enumerate(starts):
        one = ov.run(ROSENBROCK, "rmsprop:momentum=0.5", start, 20, keep_state=True)
        for name in one.state:
            np.testing.assert_allclose(both.start(i).state[name], one.state[name], rtol=1e-12)


def test_a_registered_optimizer_declares_its_state_names():
    from collections import namedtuple

    Velocity = namedtuple("Velocity", "vel")

    class Heavy(ov.Optimizer):
        name = "heavy_for_state_test"
        defaults = {"lr": 0.01}
        state_names = {"vel": "momentum_buffer"}

        def init(self, params):
            return Velocity(np.zeros_like(params))

        def step(self, p, g, state, lr, t, hess=None):
            vel = 0.5 * state.vel + g
            return p - lr * vel, Velocity(vel)

    traj = ov.run(ROSENBROCK, Heavy(lr=1e-3), START, 5, keep_state=True)
    b, g = traj.state["momentum_buffer"], traj.state["grad"]
    np.testing.assert_allclose(b[1:], 0.5 * b[:-1] + g[1:])
    np.testing.assert_allclose(traj.state["update"][1:], -1e-3 * b[1:])


def test_state_is_not_kept_unless_asked():
    assert ov.run(ROSENBROCK, "adam", START, 3).state is None
    with pytest.raises(ov.OptvizError, match="keep_state"):
        ov.run(ROSENBROCK, "adam", START, 3, keep_state="yes")
