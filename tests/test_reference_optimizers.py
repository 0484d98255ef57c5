"""Today's optimizers equal their reference implementations, on surfaces and networks.

The references (schedulefree, prodigyopt, pytorch_optimizer) are test dependencies. Both
sides get the same gradients (ours, in float64), so what is compared is the update rule:
to 1e-10 relative over 200 steps on a ravine, a saddle and a surface with several
minima, several starts at once (each its own parameter, or its own optimizer where the
reference couples all parameters), and on the network trainer.
"""

import contextlib
import io

import numpy as np
import pytest
import pytorch_optimizer as po
import schedulefree as sf
import torch
from prodigyopt import Prodigy

import optviz as ov
from optviz.nets.data import dataset
from optviz.nets.model import network
from optviz.nets.train import hessian, train

STEPS = 200
SURFACES = {  # a ravine, a saddle (escaping along y), several minima; three starts each
    "rosenbrock": [(-1.2, 1.0), (1.5, -0.5), (-0.5, 2.5)],
    "saddle": [(-1.8, 0.05), (1.5, -0.2), (-1.0, 1e-3)],
    "himmelblau": [(-0.3, 0.2), (0.0, -0.5), (4.0, 4.5)],
}


@pytest.fixture(autouse=True)
def float64_scalars():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def schedulefree(cls, **kw):
    """A schedulefree optimizer in train mode (its step refuses to run otherwise)."""

    def make(params):
        opt = cls(params, **kw)
        with contextlib.redirect_stdout(io.StringIO()):
            opt.train()
        return opt

    return make


def sophia(**kw):
    return lambda ps: po.SophiaH(ps, **kw)


def prodigy(**kw):
    def make(params):
        with contextlib.redirect_stdout(io.StringIO()):  # it prints its weight decay's kind
            return Prodigy(params, **kw)

    return make


# (our spec, the reference's optimizer for a list of parameters); the references that
# couple all their parameters (ALONE) get one optimizer per start
ALONE = (Prodigy,)
CASES = [
    ("adan", lambda ps: po.Adan(ps, lr=0.01)),
    (
        "adan:lr=0.003,beta1=0.9,beta2=0.8,beta3=0.95,weight_decay=0.05",
        lambda ps: po.Adan(ps, lr=0.003, betas=(0.9, 0.8, 0.95), weight_decay=0.05),
    ),
    (
        "adan:lr=0.02,weight_decay=0.1,weight_decouple=true",
        lambda ps: po.Adan(ps, lr=0.02, weight_decay=0.1, weight_decouple=True),
    ),
    ("ademamix", lambda ps: po.AdEMAMix(ps, lr=0.01)),
    (
        "ademamix:lr=0.02,beta3=0.99,alpha=2,t_alpha_beta3=50,weight_decay=0.01",
        lambda ps: po.AdEMAMix(
            ps, lr=0.02, betas=(0.9, 0.999, 0.99), alpha=2.0, t_alpha_beta3=50, weight_decay=0.01
        ),
    ),
    (
        "ademamix:lr=0.01,weight_decay=0.1,weight_decouple=true",
        lambda ps: po.AdEMAMix(ps, lr=0.01, weight_decay=0.1, weight_decouple=True),
    ),
    ("sophia", sophia(lr=1.0)),
    (
        "sophia:lr=0.2,p=0.05,update_period=3,beta1=0.9,weight_decay=0.1",
        sophia(lr=0.2, p=0.05, update_period=3, betas=(0.9, 0.99), weight_decay=0.1),
    ),
    (
        "sophia:lr=0.1,p=0.1,weight_decay=0.05,weight_decouple=false",
        sophia(lr=0.1, p=0.1, weight_decay=0.05, weight_decouple=False),
    ),
    ("schedulefree_sgd:lr=1e-3", schedulefree(sf.SGDScheduleFree, lr=1e-3)),
    (
        "schedulefree_sgd:lr=2e-3,momentum=0.8,weight_decay=0.1,warmup_steps=20,r=0.5",
        schedulefree(
            sf.SGDScheduleFree, lr=2e-3, momentum=0.8, weight_decay=0.1, warmup_steps=20, r=0.5
        ),
    ),
    ("schedulefree_adamw", schedulefree(sf.AdamWScheduleFree, lr=0.01)),
    (
        "schedulefree_adamw:lr=0.05,beta1=0.95,beta2=0.99,weight_decay=0.1,warmup_steps=10",
        schedulefree(
            sf.AdamWScheduleFree, lr=0.05, betas=(0.95, 0.99), weight_decay=0.1, warmup_steps=10
        ),
    ),
    ("prodigy", prodigy(lr=1.0)),
    (
        "prodigy:lr=0.5,beta1=0,beta2=0.99,weight_decay=0.1,decouple=false,"
        "use_bias_correction=true,growth_rate=1.05,d_coef=0.5",
        prodigy(
            lr=0.5,
            betas=(0.0, 0.99),
            weight_decay=0.1,
            decouple=False,
            use_bias_correction=True,
            growth_rate=1.05,
            d_coef=0.5,
        ),
    ),
    (
        "prodigy:lr=0.3,weight_decay=0.01,safeguard_warmup=true,beta3=0.9,d0=1e-5",
        prodigy(lr=0.3, weight_decay=0.01, safeguard_warmup=True, beta3=0.9, d0=1e-5),
    ),
]


class Reference:
    """``make`` stepping starts ``(n, d)`` on a problem: one parameter per start, fed the
    gradients ``grad(points)`` gives (and, for Sophia, the Hessian's diagonal
    ``diagonal(points)`` on its refresh steps)."""

    def __init__(self, starts, make, grad, diagonal=None, factors=None):
        self.grad, self.diagonal = grad, diagonal
        self.params = [torch.tensor(s, dtype=torch.float64).requires_grad_() for s in starts]
        self.opts = [make(self.params)]
        if isinstance(self.opts[0], ALONE):
            self.opts = [make([p]) for p in self.params]
        self.scheds = []
        if factors is not None:
            self.scheds = [
                torch.optim.lr_scheduler.LambdaLR(
                    o, lambda t: float(factors[min(t, len(factors) - 1)])
                )
                for o in self.opts
            ]

    def positions(self):
        return np.array([p.detach().numpy().copy() for p in self.params])

    def step(self, t):
        for p, g in zip(self.params, self.grad(self.positions()), strict=True):
            p.grad = torch.from_numpy(np.array(g, dtype=float))
        for opt in self.opts:
            if isinstance(opt, po.SophiaH) and (t - 1) % opt.update_period == 0:
                diagonal = self.diagonal(self.positions())
                opt.step(hessian=[torch.from_numpy(np.array(h)) for h in diagonal])
            else:
                opt.step()
        for sched in self.scheds:
            sched.step()

    def path(self, steps):
        out = [self.positions()]
        for t in range(1, steps + 1):
            self.step(t)
            out.append(self.positions())
        return np.array(out)


def on_surface(surf, starts, make, factors=None):
    def diagonal(points):
        return np.diagonal(surf.hess(points), axis1=-2, axis2=-1)

    return Reference(starts, make, surf.grad, diagonal, factors)


def assert_same_path(ours, theirs, diverged_at=-1):
    """Equal to 1e-10 relative up to where our run froze a start that escaped."""
    ours, theirs = ours.reshape(len(ours), -1, ours.shape[-1]), theirs.reshape(ours.shape)
    for i, stop in enumerate(np.broadcast_to(diverged_at, ours.shape[1])):
        last = len(ours) if stop < 0 else stop + 1
        a, b = ours[:last, i], theirs[:last, i]
        err = np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))
        assert err < 1e-10, f"start {i}: relative difference {err:.3g}"


def iterate(traj):
    """Where our run took its gradients (Schedule-Free's y)."""
    return traj.xy


@pytest.mark.parametrize("surface_name", sorted(SURFACES))
@pytest.mark.parametrize(("spec", "make"), CASES, ids=[c[0] for c in CASES])
def test_trajectories_match_the_reference_from_several_starts(spec, make, surface_name):
    surf, starts = ov.surface(surface_name), np.array(SURFACES[surface_name])
    ours = ov.run(surf, spec, start=starts, steps=STEPS)
    theirs = on_surface(surf, starts, make).path(STEPS)
    assert_same_path(iterate(ours), theirs, ours.diverged_at)
    if surface_name != "saddle":
        assert np.all(ours.diverged_at == -1)  # the whole 200 steps were compared
    assert np.abs(theirs[-1] - theirs[0]).max() > 1e-3  # and the reference moved


# -- the network trainer -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def net_problem():
    data = dataset("xor", n=40)
    net = network(2, 2, hidden=(3,))
    return net, data, net.init(seed=1)


NET_CASES = [
    ("adan:lr=0.05", lambda ps: po.Adan(ps, lr=0.05)),
    ("ademamix:lr=0.05", lambda ps: po.AdEMAMix(ps, lr=0.05)),
    ("sophia:lr=0.5,p=0.05", sophia(lr=0.5, p=0.05)),
    ("schedulefree_sgd:lr=0.5", schedulefree(sf.SGDScheduleFree, lr=0.5)),
    ("schedulefree_adamw:lr=0.05", schedulefree(sf.AdamWScheduleFree, lr=0.05)),
    ("prodigy", prodigy(lr=1.0)),
]


@pytest.mark.parametrize(("spec", "make"), NET_CASES, ids=[c[0] for c in NET_CASES])
def test_network_training_matches_the_reference(net_problem, spec, make):
    net, data, theta0 = net_problem
    ours = train(net, data, spec, theta0, steps=STEPS)

    def grad(points):
        return [net.loss_and_grad(points[0], data.x, data.y)[1]]

    def diagonal(points):
        return [np.diagonal(hessian(net, points[0], data.x, data.y))]

    theirs = Reference(theta0[None], make, grad, diagonal).path(STEPS)[:, 0]
    assert ours.diverged_at == -1
    assert_same_path(ours.params[:, None], theirs[:, None])
    assert ours.loss[-1] < 0.8 * ours.loss[0]  # it trained
