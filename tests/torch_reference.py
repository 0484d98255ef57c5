"""torch.optim's paths for tests/test_torch_parity.py: ``python tests/torch_reference.py OUT``.

The test runs this file in a process of its own with ``ATEN_CPU_CAPABILITY=default``,
which torch reads when it is imported: its kernels then round every operation as IEEE
754 says, instead of fusing some multiplies and adds on CPUs that can (AVX2, AVX-512).
The reference is then the same on every CPU, and optviz's numpy port equals it to the
last bit or nearly (a fused multiply-add moves L-BFGS's and Adafactor's paths by up to
1e-9 from some starts: the rounding of the CPU, not the algorithm).

Every path is fed optviz's own float64 gradients, so what differs can only be the update
rule. Cases are keyed ``kind/spec/where``; the test reads them back by the same keys.
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from torch.optim import _muon

import optviz as ov
from optviz.engine import bfloat16
from optviz.nets.data import dataset
from optviz.nets.model import network
from optviz.nets.train import layout

T = torch.optim
STEPS = 200
SURFACES = {  # a ravine, a saddle (escaping along y), several minima; three starts each
    "rosenbrock": [(-1.2, 1.0), (1.5, -0.5), (-0.5, 2.5)],
    "saddle": [(-1.8, 0.05), (1.5, -0.2), (-1.0, 1e-3)],
    "himmelblau": [(-0.3, 0.2), (0.0, -0.5), (4.0, 4.5)],
}


EVERYWHERE = ("rprop", "asgd:lr=0.001,t0=50", "adafactor", "muon", "lbfgs")


def surfaces_of(spec: str) -> list[str]:
    """Where a case runs: each optimizer's first case everywhere, a variant on Rosenbrock."""
    return list(SURFACES) if spec in EVERYWHERE else ["rosenbrock"]


def lbfgs(**kw):
    settings = {"lr": 1, "max_iter": 1, "max_eval": 25, "line_search_fn": "strong_wolfe", **kw}
    return lambda ps: T.LBFGS(ps, **settings)


# (our spec, torch's optimizer for a list of parameters, shape of one start's parameter,
# whether torch needs one optimizer per start); the first case of each optimizer on
# every surface, the variants (other branches of its rule) on Rosenbrock
CASES = [
    ("rprop", lambda ps: T.Rprop(ps, lr=0.01), (2,), False),
    (
        "rprop:lr=0.002,etaminus=0.3,etaplus=1.5,step_size_min=1e-4,step_size_max=0.05",
        lambda ps: T.Rprop(ps, lr=0.002, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05)),
        (2,),
        False,
    ),
    ("asgd:lr=0.001,t0=50", lambda ps: T.ASGD(ps, lr=0.001, t0=50), (2,), False),
    (
        "asgd:lr=0.002,lambd=0.01,alpha=0.5,t0=20,weight_decay=0.1",
        lambda ps: T.ASGD(ps, lr=0.002, lambd=0.01, alpha=0.5, t0=20, weight_decay=0.1),
        (2,),
        False,
    ),
    ("adafactor", lambda ps: T.Adafactor(ps, lr=0.01), (2,), False),
    (
        "adafactor:lr=0.03,beta2_decay=-0.5,eps2=0.01,d=2,weight_decay=0.05",
        lambda ps: T.Adafactor(
            ps, lr=0.03, beta2_decay=-0.5, eps=(None, 0.01), d=2.0, weight_decay=0.05
        ),
        (2,),
        False,
    ),
    ("muon", lambda ps: T.Muon(ps, lr=0.02), (1, 2), False),
    (
        "muon:lr=0.05,weight_decay=0,momentum=0.9,nesterov=false,adjust_lr_fn=match_rms_adamw",
        lambda ps: T.Muon(
            ps,
            lr=0.05,
            weight_decay=0,
            momentum=0.9,
            nesterov=False,
            adjust_lr_fn="match_rms_adamw",
        ),  # fmt: skip
        (1, 2),
        False,
    ),
    ("lbfgs", lbfgs(), (2,), True),
    ("lbfgs:max_iter=20", lbfgs(max_iter=20), (2,), True),  # torch's max_iter and max_eval
    ("lbfgs:lr=0.5,history_size=3", lbfgs(lr=0.5, history_size=3), (2,), True),
    (
        "lbfgs:lr=0.01,max_iter=3,max_eval=3,history_size=10,line_search_fn=none",
        lambda ps: T.LBFGS(ps, lr=0.01, max_iter=3, max_eval=3, history_size=10),
        (2,),
        True,
    ),
]
SCHEDULE = "cosine:min_factor=0.1"
SCHEDULED = [  # under a LambdaLR: Rprop reads lr only at its first step, ASGD a step late
    ("rprop:lr=0.02", lambda ps: T.Rprop(ps, lr=0.02), (2,), False),
    ("asgd:lr=0.001,t0=30", lambda ps: T.ASGD(ps, lr=0.001, t0=30), (2,), False),
    ("adafactor:lr=0.02", lambda ps: T.Adafactor(ps, lr=0.02), (2,), False),
    ("muon:lr=0.02", lambda ps: T.Muon(ps, lr=0.02), (1, 2), False),
    ("lbfgs:lr=0.8", lbfgs(lr=0.8), (2,), True),
]
STATE_STEPS = 40
STATES = {  # spec: torch's state names compared after the last step, on himmelblau
    "rprop": ("prev", "step_size"),
    "asgd:lr=0.001,t0=50": ("eta", "mu", "ax"),
    "adafactor": ("variance",),
    "muon": ("momentum_buffer",),
    "lbfgs": ("func_evals", "n_iter", "t", "H_diag", "d", "prev_flat_grad", "prev_loss"),
}


class Both:
    """torch's Muon for the matrices and AdamW for the vectors, as its docstring pairs them."""

    def __init__(self, params, lr=0.02, adamw_lr=1e-3):
        self.muon = T.Muon([p for p in params if p.ndim == 2], lr=lr)
        self.adamw = T.AdamW([p for p in params if p.ndim == 1], lr=adamw_lr)

    def step(self):
        self.muon.step()
        self.adamw.step()


NET_CASES = [
    ("rprop", lambda ps: T.Rprop(ps, lr=0.01)),
    ("asgd:lr=0.05,t0=20", lambda ps: T.ASGD(ps, lr=0.05, t0=20)),
    ("adafactor:lr=0.05", lambda ps: T.Adafactor(ps, lr=0.05)),
    ("lbfgs", lbfgs()),
    ("muon", Both),
]


def net_problem():
    """The network of the trainer's parity tests: 2-3-2 tanh on 40 rows of XOR."""
    net = network(2, 2, hidden=(3,))
    return net, dataset("xor", n=40), net.init(seed=1)


class TorchRun:
    """``make`` stepping ``starts`` on ``surf``: one parameter per start (one optimizer per
    start where ``alone``), optviz's gradients, a closure for L-BFGS."""

    def __init__(self, surf, starts, make, shape, alone, factors=None):
        self.surf, self.shape = surf, shape
        self.params = [
            torch.tensor(s, dtype=torch.float64).reshape(shape).requires_grad_() for s in starts
        ]
        groups = [[p] for p in self.params] if alone else [self.params]
        self.opts = [make(g) for g in groups]
        self.scheds = [] if factors is None else [
            T.lr_scheduler.LambdaLR(o, lambda t: float(factors[min(t, len(factors) - 1)]))
            for o in self.opts
        ]  # fmt: skip
        self.evaluated = []  # (step, start, x, y) of every closure call

    def closure(self, group, step):
        def evaluate():
            for p in group:
                x = p.detach().numpy().reshape(2).copy()
                f, g = self.surf.value_and_grad(x)
                p.grad = torch.from_numpy(np.asarray(g, float).reshape(self.shape))
                start = next(i for i, q in enumerate(self.params) if q is p)
                self.evaluated.append((step, start, *x))
            return torch.tensor(float(f))

        return evaluate

    def path(self, steps):
        """Positions ``(steps + 1, n, 2)``; NaN from where torch stops (it raises on some
        paths that have run off to infinity, which optviz freezes earlier)."""
        out = np.full((steps + 1, len(self.params), 2), np.nan)
        out[0] = self.positions()
        try:
            for step in range(1, steps + 1):
                self.step(step)
                out[step] = self.positions()
        except (IndexError, RuntimeError):
            pass
        return out

    def step(self, step):
        for opt in self.opts:
            group = opt.param_groups[0]["params"]
            if isinstance(opt, T.LBFGS):
                opt.step(self.closure(group, step))
            else:
                self.closure(group, step)()
                opt.step()
        for sched in self.scheds:
            sched.step()

    def positions(self):
        return np.array([p.detach().numpy().reshape(2).copy() for p in self.params])

    def state(self, names):
        out = {}
        for name in names:
            rows = []
            for i, p in enumerate(self.params):
                opt = self.opts[i if len(self.opts) > 1 else 0]
                rows.append(np.asarray(torch.as_tensor(opt.state[p][name]), float).reshape(-1))
            out[name] = np.array(rows)
        return out


def net_path(make, steps, closure_based):
    """The network trained by ``make`` on torch's parameters (optviz's gradients), and the
    number of closure calls."""
    net, data, theta0 = net_problem()
    lay = layout(net)
    params = [torch.tensor(np.ascontiguousarray(v)).requires_grad_() for v in lay.split(theta0)]
    opt = make(params)
    calls = []

    def flat():
        return lay.join([p.detach().numpy() for p in params])

    def closure():
        f, g = net.loss_and_grad(flat(), data.x, data.y)
        for p, part in zip(params, lay.split(g), strict=True):
            p.grad = torch.from_numpy(np.ascontiguousarray(part))
        calls.append(1)
        return torch.tensor(f)

    path = [flat()]
    for _ in range(steps):
        if closure_based:
            opt.step(closure)
        else:
            closure()
            opt.step()
        path.append(flat())
    return np.array(path), len(calls)


def ours_newton_schulz(grad, coefficients, steps, eps):
    ours = bfloat16.newton_schulz(grad.detach().numpy(), coefficients, steps, eps)
    return torch.from_numpy(ours).to(torch.bfloat16)


def reference() -> dict[str, np.ndarray]:
    torch.set_default_dtype(torch.float64)  # ASGD's eta and mu, and every step count
    out = {}
    for spec, make, shape, alone in CASES:
        for name in surfaces_of(spec):
            run = TorchRun(ov.surface(name), SURFACES[name], make, shape, alone)
            out[f"path/{spec}/{name}"] = run.path(STEPS)
            if alone:
                out[f"evaluated/{spec}/{name}"] = np.array(run.evaluated)
    factors = ov.schedule(SCHEDULE).factors(STEPS)
    for spec, make, shape, alone in SCHEDULED:
        run = TorchRun(ov.surface("rosenbrock"), SURFACES["rosenbrock"], make, shape, alone,
                       factors)  # fmt: skip
        out[f"scheduled/{spec}/rosenbrock"] = run.path(STEPS)
    for spec, names in STATES.items():
        _, make, shape, alone = next(c for c in CASES if c[0] == spec)
        run = TorchRun(ov.surface("himmelblau"), SURFACES["himmelblau"], make, shape, alone)
        run.path(STATE_STEPS)
        for key, value in run.state(names).items():
            out[f"state/{spec}/{key}"] = value
    # torch's bfloat16 matrix products sum in an order of its kernels' own, which a numpy
    # emulation cannot follow on every CPU: torch's Muon gets optviz's Newton-Schulz
    # (tested against torch's own on points, where it is exact), so the rest of its step
    # is what the network case compares
    _muon._zeropower_via_newtonschulz = ours_newton_schulz
    for spec, make in NET_CASES:
        path, calls = net_path(make, STEPS, "lbfgs" in spec)
        out[f"net/{spec}/xor"], out[f"calls/{spec}/xor"] = path, np.array(calls)
    return out


if __name__ == "__main__":
    np.savez(sys.argv[1], **reference())
