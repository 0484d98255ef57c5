"""Reference paths for tests/test_reference_optimizers.py: ``python tests/modern_reference.py OUT``.

The test runs this file in a process of its own with ``ATEN_CPU_CAPABILITY=default``,
which torch reads when it is imported: its kernels then round every operation as IEEE
754 says, instead of fusing some multiplies and adds on CPUs that can. The references
(schedulefree, prodigyopt, pytorch_optimizer, all written in torch) are then the same on
every CPU (with fused multiply-adds Prodigy and MARS move by up to 1e-3 from some
starts: the rounding of the CPU, not the algorithm).

LAPACK (SOAP's eigenbasis and float32 QR), MKL's small matrix products and torch's square
root (not correctly rounded) differ from numpy's in their last bits, which SOAP and SAM
carry far: the reference here calls numpy's for those, as optviz does
(:func:`numpy_linear_algebra`), so the rest of every step is what is compared.

Every path is fed optviz's own float64 gradients (and, for Sophia, the exact Hessian
diagonal on its refresh steps), so what differs can only be the update rule. Cases are
keyed ``kind/spec/where``; the test reads them back by the same keys.
"""

from __future__ import annotations

import contextlib
import io
import sys

import numpy as np
import pytorch_optimizer as po
import schedulefree as sf
import torch
from prodigyopt import Prodigy

import optviz as ov
from optviz.nets.data import dataset
from optviz.nets.model import network
from optviz.nets.train import hessian, layout

STEPS = 200
SURFACES = {  # a ravine, a saddle (escaping along y), several minima; three starts each
    "rosenbrock": [(-1.2, 1.0), (1.5, -0.5), (-0.5, 2.5)],
    "saddle": [(-1.8, 0.05), (1.5, -0.2), (-1.0, 1e-3)],
    "himmelblau": [(-0.3, 0.2), (0.0, -0.5), (4.0, 4.5)],
}


def schedulefree(cls, **kw):
    """A schedulefree optimizer in train mode (its step refuses to run otherwise)."""

    def make(params):
        opt = cls(params, **kw)
        with contextlib.redirect_stdout(io.StringIO()):
            opt.train()
        return opt

    return make


def prodigy(**kw):
    def make(params):
        with contextlib.redirect_stdout(io.StringIO()):  # it prints its weight decay's kind
            return Prodigy(params, **kw)

    return make


def reference(cls, **kw):
    return lambda params: cls(params, **kw)


def sam(**kw):
    return lambda params: po.SAM(params, base_optimizer=torch.optim.SGD, **kw)


# (our spec, the reference for a list of parameters, the shape of one start's parameter);
# the first case of each optimizer runs on every surface, its variants (other branches of
# its rule) on Rosenbrock. Prodigy couples all its parameters: one optimizer per start.
CASES = [
    ("adan", reference(po.Adan, lr=0.01), (2,)),
    (
        "adan:lr=0.003,beta1=0.9,beta2=0.8,beta3=0.95,weight_decay=0.05",
        reference(po.Adan, lr=0.003, betas=(0.9, 0.8, 0.95), weight_decay=0.05),
        (2,),
    ),
    (
        "adan:lr=0.02,weight_decay=0.1,weight_decouple=true",
        reference(po.Adan, lr=0.02, weight_decay=0.1, weight_decouple=True),
        (2,),
    ),
    ("ademamix", reference(po.AdEMAMix, lr=0.01), (2,)),
    (
        "ademamix:lr=0.02,beta3=0.99,alpha=2,t_alpha_beta3=50,weight_decay=0.01",
        reference(
            po.AdEMAMix,
            lr=0.02,
            betas=(0.9, 0.999, 0.99),
            alpha=2.0,
            t_alpha_beta3=50,
            weight_decay=0.01,
        ),  # fmt: skip
        (2,),
    ),
    (
        "ademamix:lr=0.01,weight_decay=0.1,weight_decouple=true,fixed_decay=true",
        reference(po.AdEMAMix, lr=0.01, weight_decay=0.1, weight_decouple=True, fixed_decay=True),
        (2,),
    ),
    ("sophia", reference(po.SophiaH, lr=1.0), (2,)),
    (
        "sophia:lr=0.2,p=0.05,update_period=3,beta1=0.9,weight_decay=0.1",
        reference(
            po.SophiaH, lr=0.2, p=0.05, update_period=3, betas=(0.9, 0.99), weight_decay=0.1
        ),  # fmt: skip
        (2,),
    ),
    (
        "sophia:lr=0.1,p=0.1,weight_decay=0.05,weight_decouple=false",
        reference(po.SophiaH, lr=0.1, p=0.1, weight_decay=0.05, weight_decouple=False),
        (2,),
    ),
    ("schedulefree_sgd:lr=1e-3", schedulefree(sf.SGDScheduleFree, lr=1e-3), (2,)),
    (
        "schedulefree_sgd:lr=2e-3,momentum=0.8,weight_decay=0.1,warmup_steps=20,r=0.5",
        schedulefree(
            sf.SGDScheduleFree, lr=2e-3, momentum=0.8, weight_decay=0.1, warmup_steps=20, r=0.5
        ),  # fmt: skip
        (2,),
    ),
    ("schedulefree_adamw", schedulefree(sf.AdamWScheduleFree, lr=0.01), (2,)),
    (
        "schedulefree_adamw:lr=0.05,beta1=0.95,beta2=0.99,weight_decay=0.1,warmup_steps=10",
        schedulefree(
            sf.AdamWScheduleFree, lr=0.05, betas=(0.95, 0.99), weight_decay=0.1, warmup_steps=10
        ),  # fmt: skip
        (2,),
    ),
    ("prodigy", prodigy(lr=1.0), (2,)),
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
        ),  # fmt: skip
        (2,),
    ),
    (
        "prodigy:lr=0.3,weight_decay=0.01,safeguard_warmup=true,beta3=0.9,d0=1e-5",
        prodigy(lr=0.3, weight_decay=0.01, safeguard_warmup=True, beta3=0.9, d0=1e-5),
        (2,),
    ),
    ("soap", reference(po.SOAP, lr=0.01), (1, 2)),
    (
        "soap:lr=0.02,beta1=0.9,beta2=0.99,shampoo_beta=0.9,weight_decay=0,"
        "precondition_frequency=3",
        reference(
            po.SOAP,
            lr=0.02,
            betas=(0.9, 0.99),
            shampoo_beta=0.9,
            weight_decay=0,
            precondition_frequency=3,
        ),  # fmt: skip
        (1, 2),
    ),
    (
        "soap:lr=0.005,normalize_gradient=true,correct_bias=false,max_precondition_dim=1",
        reference(
            po.SOAP, lr=0.005, normalize_gradient=True, correct_bias=False, max_precondition_dim=1
        ),  # fmt: skip
        (1, 2),
    ),
    ("sam:lr=1e-3", sam(lr=1e-3), (2,)),
    (
        "sam:lr=5e-4,rho=0.2,momentum=0.9,weight_decay=0.01,nesterov=true",
        sam(lr=5e-4, rho=0.2, momentum=0.9, weight_decay=0.01, nesterov=True),
        (2,),
    ),
    ("sam:lr=1e-3,rho=0.01,adaptive=true", sam(lr=1e-3, rho=0.01, adaptive=True), (2,)),
    ("mars", reference(po.MARS, lr=0.01), (1, 2)),
    (
        "mars:lr=0.02,beta1=0.9,gamma=0.1,weight_decay=0.1,ams_bound=true",
        reference(
            po.MARS, lr=0.02, betas=(0.9, 0.99), gamma=0.1, weight_decay=0.1, ams_bound=True
        ),  # fmt: skip
        (1, 2),
    ),
    (
        "mars:lr=0.005,lion=true,weight_decay=0.1,weight_decouple=false",
        reference(po.MARS, lr=0.005, mars_type="lion", weight_decay=0.1, weight_decouple=False),
        (1, 2),
    ),
]
ALONE = (Prodigy, po.SAM)  # references that couple all their parameters: one per start
EVERYWHERE = {  # each optimizer's first case
    next(spec for spec, _, _ in CASES if spec.partition(":")[0] == name)
    for name in {spec.partition(":")[0] for spec, _, _ in CASES}
}
SCHEDULE = "cosine:min_factor=0.1"
SCHEDULED = ["adan", "sophia", "schedulefree_adamw", "prodigy", "soap", "mars", "sam:lr=1e-3"]
STATE_STEPS = 40
STATES = {  # spec: the reference's state names compared after the last step, on himmelblau
    "adan": ("exp_avg", "exp_avg_sq", "exp_avg_diff", "previous_grad"),
    "ademamix": ("exp_avg", "exp_avg_sq", "exp_avg_slow"),
    "sophia": ("momentum", "hessian_moment", "hessian"),
    "schedulefree_sgd:lr=1e-3": ("z", "lr_max", "weight_sum"),
    "schedulefree_adamw": ("z", "exp_avg_sq", "lr_max", "weight_sum"),
    "prodigy": (
        "s",
        "p0",
        "exp_avg",
        "exp_avg_sq",
        "d",
        "d_max",
        "d_hat",
        "d_numerator",
        "d_denom",
        "k",
    ),  # fmt: skip
    "soap": ("exp_avg", "exp_avg_sq"),
    "mars": ("exp_avg", "exp_avg_sq", "last_grad"),
}
NET_CASES = [
    ("adan:lr=0.05", reference(po.Adan, lr=0.05)),
    ("ademamix:lr=0.05", reference(po.AdEMAMix, lr=0.05)),
    ("sophia:lr=0.5,p=0.05", reference(po.SophiaH, lr=0.5, p=0.05)),
    ("schedulefree_sgd:lr=0.5", schedulefree(sf.SGDScheduleFree, lr=0.5)),
    ("schedulefree_adamw:lr=0.05", schedulefree(sf.AdamWScheduleFree, lr=0.05)),
    ("prodigy", prodigy(lr=1.0)),
    ("soap:lr=0.05", reference(po.SOAP, lr=0.05)),
    ("soap:lr=0.05,precondition_1d=true", reference(po.SOAP, lr=0.05, precondition_1d=True)),
    ("mars:lr=0.05", reference(po.MARS, lr=0.05)),
    ("mars:lr=0.05,optimize_1d=true", reference(po.MARS, lr=0.05, optimize_1d=True)),
    ("sam:lr=0.5,momentum=0.9", sam(lr=0.5, momentum=0.9)),
]


def surfaces_of(spec: str) -> list[str]:
    """Where a case runs: each optimizer's first case everywhere, a variant on Rosenbrock."""
    return list(SURFACES) if spec in EVERYWHERE else ["rosenbrock"]


def maker(spec: str):
    return next((make, shape) for s, make, shape in CASES if s == spec)


def net_problem():
    """The network of the trainer's parity tests: 2-3-2 tanh on 40 rows of XOR."""
    net = network(2, 2, hidden=(3,))
    return net, dataset("xor", n=40), net.init(seed=1)


class Run:
    """``make`` stepping ``starts``: one parameter of ``shape`` per start (one optimizer
    per start for a reference in ALONE), fed ``grad(points)`` and, for Sophia on its
    refresh steps, ``diagonal(points)``."""

    def __init__(self, starts, make, shape, grad, diagonal=None, factors=None):
        self.grad, self.diagonal, self.shape = grad, diagonal, shape
        self.params = [torch.tensor(np.array(s, float).reshape(shape)).requires_grad_()
                       for s in starts]  # fmt: skip
        self.opts = [make(self.params)]
        if isinstance(self.opts[0], ALONE):
            self.opts = [make([p]) for p in self.params]
        self.scheds = [] if factors is None else [
            torch.optim.lr_scheduler.LambdaLR(o, lambda t: float(factors[min(t, len(factors) - 1)]))
            for o in self.opts
        ]  # fmt: skip

    def closure(self, params):
        def evaluate():
            at = self.positions()
            for p, g in zip(self.params, self.grad(at), strict=True):
                if any(p is q for q in params):
                    p.grad = torch.from_numpy(np.array(g, float).reshape(self.shape))

        return evaluate

    def positions(self):
        return np.array([p.detach().numpy().reshape(-1).copy() for p in self.params])

    def step(self, t):
        for p, g in zip(self.params, self.grad(self.positions()), strict=True):
            p.grad = torch.from_numpy(np.array(g, float).reshape(self.shape))
        for opt in self.opts:
            if isinstance(opt, po.SAM):  # its closure: the gradient where it moved them
                opt.step(self.closure(opt.param_groups[0]["params"]))
            elif isinstance(opt, po.SophiaH) and (t - 1) % opt.update_period == 0:
                diagonal = self.diagonal(self.positions())
                opt.step(hessian=[torch.from_numpy(np.array(h, float)) for h in diagonal])
            else:
                opt.step()
        for sched in self.scheds:
            sched.step()

    def averaged(self):
        """The points the reference evaluates (Schedule-Free's x), each flat."""
        return np.array([v.detach().numpy().reshape(-1).copy()
                         for v in _averaged(self.opts[0], self.params)])  # fmt: skip

    def path(self, steps):
        """Positions ``(steps + 1, n, d)`` and the points the reference evaluates (its
        averaged x, or the positions); NaN from where the reference stops (it may raise
        on a path that has run off to infinity, which optviz freezes earlier)."""
        out = np.full((2, steps + 1, *self.positions().shape), np.nan)
        out[:, 0] = self.positions(), self.averaged()
        with np.errstate(all="ignore"):
            try:
                for t in range(1, steps + 1):
                    self.step(t)
                    out[:, t] = self.positions(), self.averaged()
            except (RuntimeError, ValueError):
                pass
        return out

    def state(self, names):
        out = {}
        for name in names:
            rows = []
            for i, p in enumerate(self.params):
                opt = self.opts[i if len(self.opts) > 1 else 0]
                value = opt.state[p][name] if name in opt.state[p] else opt.param_groups[0][name]
                rows.append(np.asarray(torch.as_tensor(value), float).reshape(-1))
            out[name] = np.array(rows)
        return out


def on_surface(name, make, shape, factors=None):
    surf = ov.surface(name)

    def grad(points):
        return surf.value_and_grad(points)[1]

    def diagonal(points):
        return np.diagonal(surf.hess(points), axis1=-2, axis2=-1)

    return Run(SURFACES[name], make, shape, grad, diagonal, factors)


def net_path(make):
    """The network trained by ``make`` on torch's parameters (its weights and biases, as
    optviz's layout cuts them), fed optviz's gradients; the weights it evaluates (x)."""
    net, data, theta0 = net_problem()
    lay = layout(net)
    params = [torch.tensor(np.ascontiguousarray(v)).requires_grad_() for v in lay.split(theta0)]
    opt = make(params)

    def flat(values):
        return lay.join([np.asarray(v.detach().numpy(), float) for v in values])

    def set_grads():
        g = net.loss_and_grad(flat(params), data.x, data.y)[1]
        for p, part in zip(params, lay.split(g), strict=True):
            p.grad = torch.from_numpy(np.ascontiguousarray(part))

    path = [theta0]
    for t in range(1, STEPS + 1):
        set_grads()
        if isinstance(opt, po.SAM):
            opt.step(set_grads)
        elif isinstance(opt, po.SophiaH) and (t - 1) % opt.update_period == 0:
            h = np.diagonal(hessian(net, flat(params), data.x, data.y))
            opt.step(hessian=[torch.from_numpy(np.ascontiguousarray(v)) for v in lay.split(h)])
        else:
            opt.step()
        path.append(flat(_averaged(opt, params)))
    return np.array(path)


def _averaged(opt, params):
    """Schedule-Free's x of each parameter, where ``eval()`` would move it (computed on a
    copy: ``eval()`` then ``train()`` is no exact round trip); else the parameters."""
    if not isinstance(opt, sf.SGDScheduleFree | sf.AdamWScheduleFree):
        return params
    group = opt.param_groups[0]
    beta = group["momentum"] if "momentum" in group else group["betas"][0]
    return [p.detach().clone().lerp_(opt.state[p]["z"], 1 - 1 / beta) if opt.state[p] else p
            for p in params]  # fmt: skip


def numpy_linear_algebra():
    """torch's eigh, QR, small matrix and dot products, sums and square roots: numpy's.

    LAPACK's results (SOAP's eigenbasis, its float32 QR) depend on the build in their last
    bits; MKL's matrix and dot products and torch's sums (Prodigy's) add in their kernels'
    own order, MKL's with fused multiply-adds whatever torch's CPU capability; torch's
    square root is faithfully but not correctly rounded (1 in 80 float64 results, 1 in 6
    float32 ones, is the other neighbour of the root), and SOAP's near-empty directions
    and SAM's float32 norm carry that last bit far. Here products and sums add in order,
    as optviz adds them (on 2x2 matrices MKL does the same), and roots are correctly
    rounded, as numpy's are.
    """

    tensor_sum = torch.Tensor.sum

    def eigh(a, UPLO="L"):  # noqa: N803 - torch's name
        w, v = np.linalg.eigh(a.detach().numpy(), UPLO=UPLO)
        return torch.from_numpy(w), torch.from_numpy(v)

    def qr(a, mode="reduced"):
        q, r = np.linalg.qr(a.detach().numpy(), mode=mode)
        return torch.from_numpy(q), torch.from_numpy(r)

    def tensordot(a, b, dims):
        left, right = (list(d) for d in dims)
        a, b = a.detach().numpy(), b.detach().numpy()
        keep_a = [i for i in range(a.ndim) if i not in left]
        keep_b = [i for i in range(b.ndim) if i not in right]
        a2 = np.transpose(a, keep_a + left).reshape(-1, int(np.prod([a.shape[i] for i in left])))
        b2 = np.transpose(b, right + keep_b).reshape(a2.shape[1], -1)
        out = np.sum(a2[:, :, None] * b2[None, :, :], axis=1)
        shape = [a.shape[i] for i in keep_a] + [b.shape[i] for i in keep_b]
        return torch.from_numpy(np.ascontiguousarray(out.reshape(shape)))

    def matmul(a, b):
        return tensordot(a, b, ([a.ndim - 1], [0]))

    def dot(a, b):
        return torch.from_numpy(np.asarray(np.sum(a.detach().numpy() * b.detach().numpy())))

    def total(t, *args, **kwargs):
        if args or kwargs:  # along an axis: rows of two or three, summed in order as here
            return tensor_sum(t, *args, **kwargs)
        return torch.from_numpy(np.asarray(np.sum(t.detach().numpy())))

    def sqrt(t):
        return torch.from_numpy(np.asarray(np.sqrt(t.detach().numpy())))

    def sqrt_(t):
        return t.copy_(sqrt(t))

    def foreach_sqrt(ts):
        return [sqrt(t) for t in ts]

    def foreach_sqrt_(ts):
        for t in ts:
            sqrt_(t)

    torch.linalg.eigh, torch.linalg.qr, torch.tensordot = eigh, qr, tensordot
    torch.Tensor.__matmul__ = matmul
    torch.dot, torch.Tensor.sum = dot, total
    torch.sqrt = torch.Tensor.sqrt = sqrt
    torch.Tensor.sqrt_ = sqrt_
    torch._foreach_sqrt, torch._foreach_sqrt_ = foreach_sqrt, foreach_sqrt_


def paths() -> dict[str, np.ndarray]:
    torch.set_default_dtype(torch.float64)
    numpy_linear_algebra()
    out = {}
    for spec, make, shape in CASES:
        for name in surfaces_of(spec):
            out[f"path/{spec}/{name}"], out[f"x/{spec}/{name}"] = on_surface(
                name, make, shape
            ).path(STEPS)
    factors = ov.schedule(SCHEDULE).factors(STEPS)
    for spec in SCHEDULED:
        run = on_surface("rosenbrock", *maker(spec), factors)
        out[f"scheduled/{spec}/rosenbrock"] = run.path(STEPS)[1]  # the evaluated points
    for spec, names in STATES.items():
        run = on_surface("himmelblau", *maker(spec))
        run.path(STATE_STEPS)
        for key, value in run.state(names).items():
            out[f"state/{spec}/{key}"] = value
    for spec, make in NET_CASES:
        out[f"net/{spec}/xor"] = net_path(make)
    return out


if __name__ == "__main__":
    np.savez(sys.argv[1], **paths())
