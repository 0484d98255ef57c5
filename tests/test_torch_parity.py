"""Rprop, ASGD, L-BFGS, Adafactor and Muon equal torch.optim's, on surfaces and networks.

torch is a test dependency. The reference paths come from ``tests/torch_reference.py``,
run once in a process of its own with ``ATEN_CPU_CAPABILITY=default`` (torch without
fused multiply-adds: the same numbers on every CPU). Both sides get optviz's float64
gradients, so what is compared is the update rule: to 1e-10 relative over 200 steps on a
ravine, a saddle and a surface with several minima, three starts at once (each its own
problem, as torch runs it: one parameter each, or one L-BFGS per start), and on the
network trainer, whose parameters torch sees as its weight and bias tensors.
"""

import numpy as np
import pytest
import reference_runs
import torch
from reference_runs import assert_same_path
from torch.optim import _muon
from torch_reference import (
    CASES,
    NET_CASES,
    SCHEDULE,
    SCHEDULED,
    STATE_STEPS,
    STATES,
    STEPS,
    SURFACES,
    net_problem,
    surfaces_of,
)

import optviz as ov
from optviz.engine import bfloat16
from optviz.nets.train import layout, train


@pytest.fixture(scope="module")
def torch_paths(tmp_path_factory):
    return reference_runs.reference_paths("torch_reference.py", tmp_path_factory.mktemp("torch"))


@pytest.mark.parametrize(
    ("spec", "surface_name"), [(c[0], where) for c in CASES for where in surfaces_of(c[0])]
)
def test_trajectories_match_torch_from_several_starts(torch_paths, spec, surface_name):
    ours = ov.run(surface_name, spec, start=np.array(SURFACES[surface_name]), steps=STEPS)
    assert_same_path(ours.xy, torch_paths[f"path/{spec}/{surface_name}"], ours.diverged_at)
    if surface_name != "saddle":  # there, L-BFGS's searches run off along -y² at once
        assert np.all(ours.diverged_at == -1)  # the whole 200 steps were compared


def test_lbfgs_evaluations_are_torchs_closure_calls(torch_paths):
    # every trial point of the line search, at the step that made it, on each start
    starts = np.array(SURFACES["himmelblau"])
    ours = ov.run("himmelblau", "lbfgs", start=starts, steps=STEPS)
    calls = torch_paths["evaluated/lbfgs/himmelblau"]
    for i in range(len(starts)):
        mine = calls[calls[:, 1] == i]
        per_step = np.bincount(mine[:, 0].astype(int), minlength=STEPS + 1)
        np.testing.assert_array_equal(np.diff(ours.evals[:, i]), per_step[1:])
        # torch's first call of a step is at the current point: the gradient the step is
        # given; the others are the line search's, recorded as evaluations
        firsts = np.r_[0, np.cumsum(per_step[1:])][:-1]
        trials = np.delete(mine, firsts, axis=0)
        made = ours.evaluations.of_start(i)
        np.testing.assert_array_equal(made.step, trials[:, 0])
        np.testing.assert_allclose(made.xy, trials[:, 2:], rtol=1e-10)
    assert np.diff(ours.evals, axis=0).max() > 2  # some searches took several trials


@pytest.mark.parametrize("spec", [c[0] for c in SCHEDULED])
def test_schedules_reach_each_optimizer_as_torchs_lambdalr(torch_paths, spec):
    # torch's Rprop reads lr only to size its first steps; ASGD's rate after step t is
    # computed from the rate of step t
    starts = np.array(SURFACES["rosenbrock"])
    ours = ov.run("rosenbrock", spec, start=starts, steps=STEPS, schedule=SCHEDULE)
    theirs = torch_paths[f"scheduled/{spec}/rosenbrock"]
    assert_same_path(ours.xy, theirs, ours.diverged_at)
    assert np.all(ours.diverged_at == -1)


@pytest.mark.parametrize("spec", sorted(STATES))
def test_the_state_is_torchs_under_torchs_names(torch_paths, spec):
    starts = np.array(SURFACES["himmelblau"])
    ours = ov.run("himmelblau", spec, start=starts, steps=STATE_STEPS, keep_state=True)
    for name in STATES[spec]:
        theirs = torch_paths[f"state/{spec}/{name}"]
        mine = np.asarray(ours.state[name][-1], float).reshape(len(starts), -1)
        if name in ("eta", "mu"):  # one number per tensor in torch, per coordinate here
            mine = mine[:, :1]
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-300, err_msg=name)


def test_asgd_draws_its_averaged_iterate_and_adafactor_muon_have_no_points():
    traj = ov.run("rosenbrock", "asgd:lr=0.001,t0=50", start=(-1.2, 1.0), steps=80)
    ax = traj.points["ax"]
    np.testing.assert_array_equal(ax[:53], traj.xy[:53])  # a copy until step t0 + 2
    np.testing.assert_allclose(ax[80], traj.xy[52:81].mean(axis=0), rtol=1e-12)
    assert ov.run("rosenbrock", "adafactor", steps=3).points is None


def test_muons_newton_schulz_is_torchs_bfloat16_on_a_point():
    # a start is a 1x2 matrix: every rounding of torch's bfloat16 iteration, bit for bit
    rng = np.random.default_rng(0)
    g = rng.standard_normal((400, 1, 2)) * 10 ** rng.uniform(-4, 4, (400, 1, 1))
    coefficients = (_muon.DEFAULT_A, _muon.DEFAULT_B, _muon.DEFAULT_C)
    ours = bfloat16.newton_schulz(g, coefficients, 5, 1e-7)
    for row, mine in zip(g, ours, strict=True):
        theirs = _muon._zeropower_via_newtonschulz(torch.from_numpy(row), coefficients, 5, 1e-7)
        np.testing.assert_array_equal(mine, theirs.double().numpy())
    # and the step it makes is the momentum's direction, about 0.69 long
    lengths = np.linalg.norm(ours, axis=-1)
    assert np.all((lengths > 0.66) & (lengths < 0.73))


# -- the network trainer -----------------------------------------------------------------------
@pytest.mark.parametrize("spec", [c[0] for c in NET_CASES])
def test_network_training_matches_torch(torch_paths, spec):
    net, data, theta0 = net_problem()
    ours = train(net, data, spec, theta0, steps=STEPS)
    theirs = torch_paths[f"net/{spec}/xor"]
    assert ours.diverged_at == -1
    err = np.max(np.abs(ours.params - theirs) / np.maximum(1.0, np.abs(theirs)))
    assert err < 1e-10, f"relative difference {err:.3g}"
    assert ours.evals[-1] == torch_paths[f"calls/{spec}/xor"]
    assert ours.loss[-1] < 0.9 * ours.loss[0]  # it trained


def test_the_network_layout_is_torchs_parameters():
    net, _, theta0 = net_problem()
    lay = layout(net)
    assert [(t.name, t.shape) for t in lay.tensors] == [
        ("0.weight", (3, 2)), ("0.bias", (3,)), ("1.weight", (2, 3)), ("1.bias", (2,)),
    ]  # fmt: skip
    first = net.layers(theta0)[0]
    np.testing.assert_array_equal(lay.tensors[0].of(theta0), first["W"].T)  # (out, in)
    np.testing.assert_array_equal(lay.join(lay.split(theta0)), theta0)


def test_every_optimizer_checked_against_torch_has_a_parity_case():
    # the README's and `optviz list`'s "checked against" column is what these tests hold
    import test_torch_crosscheck as older

    cased = {spec.split(":")[0] for spec, *_ in [*older.CASES, *CASES]} | {"muon"}
    version = ".".join(torch.__version__.split(".")[:2])
    for name in ov.optimizers():
        claim = ov.optimizer(name).checked_against
        if not claim.startswith("torch."):  # today's: tests/test_reference_optimizers.py
            continue
        cls, stated = claim.split()[0], claim.split()[1]
        assert cls.startswith("torch.optim.") and hasattr(torch.optim, cls.split(".")[-1]), name
        assert stated == version, f"{name} claims torch {stated}; the tests run {version}"
        assert name in cased, f"{name} claims {cls} but no test compares them"
    assert {n for n in ov.optimizers() if not ov.optimizer(n).checked_against} <= {
        "lion", "newton",
    }  # fmt: skip


def test_adafactors_step_depends_on_where_the_origin_is():
    # the README's numbers: the same surface and start, moved by (100, 100)
    moved = ov.Surface.from_expr(
        "(1 - (x - 100))**2 + 100*((y - 100) - (x - 100)**2)**2",
        domain=((97, 103), (98, 104)),
    )
    here = ov.run("rosenbrock", "adafactor", start=(-1.2, 1.0), steps=200)
    there = ov.run(moved, "adafactor", start=(98.8, 101.0), steps=200)
    first = [np.linalg.norm(t.xy[1] - t.xy[0]) for t in (here, there)]
    np.testing.assert_allclose(first, [0.0156, 1.41], rtol=5e-3)
    assert round(first[1] / first[0]) == 90
    np.testing.assert_allclose([here.loss[-1], there.loss[-1]], [3.4, 23.7], rtol=1e-2)
    adam = [ov.run(s, "adam", start=p, steps=50).xy for s, p in
            (("rosenbrock", (-1.2, 1.0)), (moved, (98.8, 101.0)))]  # fmt: skip
    np.testing.assert_allclose(adam[1] - 100, adam[0], atol=1e-13)
