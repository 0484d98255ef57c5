"""Cross-check against torch.optim: our trajectories are the ones a PyTorch user gets.

torch's CPU build is a test dependency: these checks run wherever the tests run. Both
sides get the same gradients (our surface's exact ones, in float64), so what is compared
is the update rule, the hyperparameters and the learning-rate schedule.
"""

import numpy as np
import pytest
import torch

import optviz as ov

pytestmark = pytest.mark.usefixtures("torch64")  # torch's scalars in float64


STEPS = 200
ROSENBROCK = ov.surface("rosenbrock")
BEALE = ov.Surface.from_expr(
    "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
    domain=((-4.5, 4.5), (-4.5, 4.5)),
    name="beale",
)
SURFACES = {"rosenbrock": (ROSENBROCK, (-1.2, 1.0)), "beale": (BEALE, (1.0, 1.5))}

# (our spec, torch class name, torch keyword arguments)
CASES = [
    ("gd:lr=1e-3", "SGD", {}),
    ("sgd:lr=1e-3,grad_noise=0", "SGD", {}),  # the rule; its noise is optviz's
    ("gd:lr=1e-3,weight_decay=0.1", "SGD", {"weight_decay": 0.1}),
    ("momentum:lr=1e-3", "SGD", {"momentum": 0.9}),
    (
        "momentum:lr=1e-3,momentum=0.8,dampening=0.5,weight_decay=0.05",
        "SGD",
        {"momentum": 0.8, "dampening": 0.5, "weight_decay": 0.05},
    ),
    ("nesterov:lr=1e-3", "SGD", {"momentum": 0.9, "nesterov": True}),
    ("gd:lr=1e-3,momentum=0.5,nesterov=true", "SGD", {"momentum": 0.5, "nesterov": True}),
    ("adagrad:lr=0.1", "Adagrad", {}),
    (
        "adagrad:lr=0.2,lr_decay=0.01,initial_accumulator_value=0.1,weight_decay=0.01",
        "Adagrad",
        {"lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01},
    ),
    ("adadelta:lr=1.0", "Adadelta", {}),
    (
        "adadelta:lr=0.5,rho=0.95,eps=1e-5,weight_decay=0.01",
        "Adadelta",
        {"rho": 0.95, "eps": 1e-5, "weight_decay": 0.01},
    ),
    ("rmsprop:lr=0.01", "RMSprop", {}),
    ("rmsprop:lr=0.01,centered=true", "RMSprop", {"centered": True}),
    ("rmsprop:lr=1e-3,momentum=0.9", "RMSprop", {"momentum": 0.9}),
    (  # lr small enough that this path does not amplify rounding (fma) differences
        "rmsprop:lr=3e-4,alpha=0.9,momentum=0.5,centered=true,weight_decay=0.01",
        "RMSprop",
        {"alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01},
    ),
    ("adam:lr=0.05", "Adam", {}),
    ("adam:lr=0.05,beta1=0.8,beta2=0.99,eps=1e-6", "Adam", {"betas": (0.8, 0.99), "eps": 1e-6}),
    ("adam:lr=0.05,weight_decay=0.1", "Adam", {"weight_decay": 0.1}),
    (
        "adam:lr=0.05,weight_decay=0.1,decoupled_weight_decay=true",
        "Adam",
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("amsgrad:lr=0.05", "Adam", {"amsgrad": True}),
    (
        "adam:lr=0.05,amsgrad=true,weight_decay=0.05",
        "Adam",
        {"amsgrad": True, "weight_decay": 0.05},
    ),
    ("adamw:lr=0.05", "AdamW", {}),
    (
        "adamw:lr=0.05,weight_decay=0.2,amsgrad=true",
        "AdamW",
        {"weight_decay": 0.2, "amsgrad": True},
    ),
    ("nadam:lr=0.05", "NAdam", {}),
    (
        "nadam:lr=0.05,momentum_decay=0.01,weight_decay=0.1",
        "NAdam",
        {"momentum_decay": 0.01, "weight_decay": 0.1},
    ),
    (
        "nadam:lr=0.05,weight_decay=0.1,decoupled_weight_decay=true",
        "NAdam",
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("radam:lr=1e-3", "RAdam", {}),
    (
        "radam:lr=1e-3,beta2=0.99,weight_decay=0.1",
        "RAdam",
        {"betas": (0.9, 0.99), "weight_decay": 0.1},
    ),
    (
        "radam:lr=1e-3,weight_decay=0.1,decoupled_weight_decay=true",
        "RAdam",
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("adamax:lr=0.05", "Adamax", {}),
    (
        "adamax:lr=0.05,beta1=0.8,weight_decay=0.1",
        "Adamax",
        {"betas": (0.8, 0.999), "weight_decay": 0.1},
    ),
]


def torch_path(surf, start, cls, kwargs, lr, steps, factors=None):
    """The positions torch.optim visits, fed our surface's exact float64 gradients."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], lr=lr, **kwargs)
    sched = None
    if factors is not None:
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda t: float(factors[min(t, len(factors) - 1)])
        )
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.from_numpy(surf.grad(p.detach().numpy()))
        opt.step()
        if sched is not None:
            sched.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def assert_same_path(ours, theirs):
    scale = np.maximum(1.0, np.abs(theirs))
    err = np.max(np.abs(ours - theirs) / scale)
    assert err < 1e-10, f"relative difference {err:.3g}"


@pytest.mark.parametrize("surface_name", sorted(SURFACES))
@pytest.mark.parametrize(("spec", "cls", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_torch(spec, cls, kwargs, surface_name):
    surf, start = SURFACES[surface_name]
    opt = ov.optimizer(spec)
    traj = ov.run(surf, opt, start=start, steps=STEPS)
    assert traj.diverged_at == -1  # a finite path, so the comparison means something
    assert_same_path(traj.xy, torch_path(surf, start, cls, kwargs, opt.lr, STEPS))


SCHEDULED = [
    ("adam:lr=0.05", "Adam", {}, "cosine:min_factor=0.1"),
    ("momentum:lr=1e-3", "SGD", {"momentum": 0.9}, "onecycle"),
    ("rmsprop:lr=0.01,centered=true", "RMSprop", {"centered": True}, "warmup:steps=20,then=linear"),
    ("adagrad:lr=0.2", "Adagrad", {}, "cyclic:period=40,low=0.2"),
    ("nadam:lr=0.05", "NAdam", {}, "multistep:milestones=50;120,gamma=0.5"),
    ("radam:lr=1e-3", "RAdam", {}, "inverse_sqrt:warmup=10"),
]


@pytest.mark.parametrize(
    ("spec", "cls", "kwargs", "sched"), SCHEDULED, ids=[c[3] for c in SCHEDULED]
)
def test_scheduled_trajectory_matches_torch_lambdalr(spec, cls, kwargs, sched):
    surf, start = SURFACES["rosenbrock"]
    opt, schedule = ov.optimizer(spec), ov.schedule(sched)
    traj = ov.run(surf, opt, start=start, steps=STEPS, schedule=schedule)
    assert traj.diverged_at == -1
    factors = schedule.factors(STEPS)
    assert_same_path(traj.xy, torch_path(surf, start, cls, kwargs, opt.lr, STEPS, factors))


def torch_factors(make, steps):
    """Learning rates a torch scheduler gives steps 0..steps-1, for a base rate of 1."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros(1)
        opt.step()
        sched.step()
    return np.array(rates)


S = torch.optim.lr_scheduler
N = 300
SCHEDULERS = [
    ("step:step_size=40,gamma=0.5", lambda o: S.StepLR(o, step_size=40, gamma=0.5)),
    ("multistep:milestones=30;100;250,gamma=0.3", lambda o: S.MultiStepLR(o, [30, 100, 250], 0.3)),
    ("exponential:gamma=0.98", lambda o: S.ExponentialLR(o, gamma=0.98)),
    ("cosine", lambda o: S.CosineAnnealingLR(o, T_max=N)),
    (
        "linear:start_factor=0.5,end_factor=0.1,total=200",
        lambda o: S.LinearLR(o, start_factor=0.5, end_factor=0.1, total_iters=200),
    ),
    (
        "cyclic:period=60,low=0.1",
        lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=30, cycle_momentum=False),
    ),
    ("onecycle", lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=N, cycle_momentum=False)),
    (
        "onecycle:pct_start=0.25,div_factor=10,final_div_factor=100",
        lambda o: S.OneCycleLR(
            o,
            max_lr=1.0,
            total_steps=N,
            pct_start=0.25,
            div_factor=10,
            final_div_factor=100,
            cycle_momentum=False,
        ),
    ),
    (
        "warmup:steps=20,then=cosine",
        lambda o: S.SequentialLR(
            o,
            [
                S.LinearLR(o, start_factor=1 / 20, end_factor=1.0, total_iters=19),
                S.CosineAnnealingLR(o, T_max=N - 20),
            ],
            milestones=[20],
        ),
    ),
]


def test_cosine_with_a_shorter_total_follows_torch_then_holds_its_minimum():
    # torch's CosineAnnealingLR swings back up after T_max; ours stays at the minimum
    theirs = torch_factors(lambda o: S.CosineAnnealingLR(o, T_max=150, eta_min=0.2), N)
    ours = ov.schedule("cosine:min_factor=0.2,total=150").factors(N)
    np.testing.assert_allclose(ours[:151], theirs[:151], rtol=1e-9)
    np.testing.assert_array_equal(ours[150:], 0.2)
    assert theirs[-1] > 0.9


@pytest.mark.parametrize(("spec", "make"), SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_schedule_factors_match_torch_schedulers(spec, make):
    ours = ov.schedule(spec).factors(N)
    np.testing.assert_allclose(ours, torch_factors(make, N), rtol=1e-9, atol=1e-14)


# -- curves: the same rules on positions (..., 1) ------------------------------------------
CURVES = {"shallow_then_deep": [-2.0], "flat_inflection": [1.2]}  # a bump; a flat point
CURVE_CASES = [
    ("gd:lr=1e-2", "SGD", {}),
    ("momentum:lr=1e-2", "SGD", {"momentum": 0.9}),
    ("nesterov:lr=1e-2", "SGD", {"momentum": 0.9, "nesterov": True}),
    ("rmsprop:lr=0.01", "RMSprop", {}),
    ("rmsprop:lr=1e-3,momentum=0.9,centered=true", "RMSprop", {"momentum": 0.9, "centered": True}),
    ("adam:lr=0.05", "Adam", {}),
    ("adam:lr=0.05,weight_decay=0.1,amsgrad=true", "Adam", {"weight_decay": 0.1, "amsgrad": True}),
    ("adagrad:lr=0.1", "Adagrad", {}),
    ("adadelta:lr=1.0", "Adadelta", {}),
    ("adamw:lr=0.05", "AdamW", {}),
    ("nadam:lr=0.05", "NAdam", {}),
    ("radam:lr=1e-3", "RAdam", {}),
    ("adamax:lr=0.05", "Adamax", {}),
]


@pytest.mark.parametrize("curve", sorted(CURVES))
@pytest.mark.parametrize(("spec", "cls", "kwargs"), CURVE_CASES, ids=[c[0] for c in CURVE_CASES])
def test_trajectory_on_a_curve_matches_torch(spec, cls, kwargs, curve):
    surf, start = ov.surface(curve), CURVES[curve]
    opt = ov.optimizer(spec)
    traj = ov.run(surf, opt, start=start, steps=STEPS)
    assert traj.xy.shape == (STEPS + 1, 1) and traj.diverged_at == -1
    assert np.ptp(traj.xy) > 1e-3  # the ball moved: the comparison means something
    assert_same_path(traj.xy, torch_path(surf, start, cls, kwargs, opt.lr, STEPS))


def test_many_starts_on_a_curve_step_as_torch_steps_each_alone():
    surf = ov.surface("shallow_then_deep")
    starts = np.array([[-2.0], [-0.5], [0.4], [1.9]])
    traj = ov.run(surf, "momentum:lr=0.01,momentum=0.9", start=starts, steps=STEPS)
    assert traj.xy.shape == (STEPS + 1, 4, 1)
    for i, start in enumerate(starts):
        theirs = torch_path(surf, start, "SGD", {"momentum": 0.9}, 0.01, STEPS)
        assert_same_path(traj.xy[:, i], theirs)
