"""Today's optimizers equal their reference implementations, on surfaces and networks.

The references (schedulefree, prodigyopt, pytorch_optimizer) are test dependencies. Their
paths come from ``tests/modern_reference.py``, run once in a process of its own with
``ATEN_CPU_CAPABILITY=default`` (torch without fused multiply-adds: the same numbers on
every CPU). Both sides get optviz's float64 gradients, so what is compared is the update
rule: to 1e-10 relative over 200 steps on a ravine, a saddle and a surface with several
minima, three starts at once (each its own parameter, or its own optimizer where the
reference couples all its parameters), and on the network trainer.
"""

import numpy as np
import pytest
import reference_runs
from modern_reference import (
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
from reference_runs import assert_same_path

import optviz as ov
from optviz.nets.train import train


@pytest.fixture(scope="module")
def reference_paths(tmp_path_factory):
    return reference_runs.reference_paths(
        "modern_reference.py", tmp_path_factory.mktemp("reference")
    )


@pytest.mark.parametrize(
    ("spec", "surface_name"), [(c[0], where) for c in CASES for where in surfaces_of(c[0])]
)
def test_trajectories_match_the_reference_from_several_starts(reference_paths, spec, surface_name):
    ours = ov.run(surface_name, spec, start=np.array(SURFACES[surface_name]), steps=STEPS)
    theirs = reference_paths[f"path/{spec}/{surface_name}"]
    # a run records the point the optimizer evaluates (Schedule-Free's average x, what
    # the reference's eval() switches to) and shows where it takes gradients (y)
    assert_same_path(ours.xy, reference_paths[f"x/{spec}/{surface_name}"], ours.diverged_at)
    assert_same_path((ours.points or {}).get("y", ours.xy), theirs, ours.diverged_at)
    if surface_name != "saddle":
        assert np.all(ours.diverged_at == -1)  # the whole 200 steps were compared
    assert np.abs(theirs[-1] - theirs[0]).max() > 1e-3  # and the reference moved


@pytest.mark.parametrize("spec", SCHEDULED)
def test_schedules_reach_each_optimizer_as_a_lambdalr(reference_paths, spec):
    starts = np.array(SURFACES["rosenbrock"])
    ours = ov.run("rosenbrock", spec, start=starts, steps=STEPS, schedule=SCHEDULE)
    assert_same_path(ours.xy, reference_paths[f"scheduled/{spec}/rosenbrock"], ours.diverged_at)
    assert np.all(ours.diverged_at == -1)


@pytest.mark.parametrize("spec", sorted(STATES))
def test_the_state_is_the_references_under_its_names(reference_paths, spec):
    starts = np.array(SURFACES["himmelblau"])
    ours = ov.run("himmelblau", spec, start=starts, steps=STATE_STEPS, keep_state=True)
    for name in STATES[spec]:
        theirs = reference_paths[f"state/{spec}/{name}"]
        mine = np.asarray(ours.state[name][-1], float).reshape(len(starts), -1)
        mine = mine[:, : theirs.shape[1]]  # a number per start, kept in every coordinate
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-300, err_msg=name)


def test_every_optimizer_checked_against_a_package_has_a_parity_case():
    # the README's and `optviz list`'s "checked against" column is what these tests hold
    import importlib
    from importlib.metadata import version

    cased = {spec.split(":")[0] for spec, *_ in CASES}
    packages = {"schedulefree": "schedulefree", "prodigyopt": "prodigyopt",
                "pytorch_optimizer": "pytorch-optimizer"}  # fmt: skip
    claimed = set()
    for name in ov.optimizers():
        claim = ov.optimizer(name).checked_against
        if not claim or claim.startswith("torch."):  # torch's: tests/test_torch_parity.py
            continue
        where, stated = claim.split()[0], claim.split()[1]
        module, cls = where.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), cls), name
        assert stated == version(packages[module]), f"{name} claims {module} {stated}"
        assert name in cased, f"{name} claims {where} but no test compares them"
        claimed.add(name)
    assert claimed == {"adan", "ademamix", "sophia", "schedulefree_sgd", "schedulefree_adamw",
                       "prodigy", "sam", "soap", "mars"}  # fmt: skip


# -- the network trainer -----------------------------------------------------------------------
@pytest.mark.parametrize("spec", [c[0] for c in NET_CASES])
def test_network_training_matches_the_reference(reference_paths, spec):
    net, data, theta0 = net_problem()
    ours = train(net, data, spec, theta0, steps=STEPS)
    assert ours.diverged_at == -1
    theirs = reference_paths[f"net/{spec}/xor"]
    assert_same_path(ours.params[:, None], theirs[:, None])
    assert ours.loss[-1] < 0.8 * ours.loss[0]  # it trained
