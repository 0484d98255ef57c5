"""The compiled engine gives the numpy engine's trajectories, for every built-in optimizer.

Kernels are compiled once per (surface, rule) and cached on disk, so every test here
shares the few kernels of Rosenbrock (one per rule) and two of Levi N.13.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import optviz as ov
from optviz import analysis
from optviz.engine import kernels, rules, runner
from optviz.engine.final_runs import final_states
from optviz.engine.kernels import store
from optviz.engine.runner import run_final

ROSEN = ov.surface("rosenbrock")
NUMPY_LOOP = runner._loop

# every built-in optimizer the compiled engine runs, and variants that take other branches
SPECS = [
    *(name for name in ov.optimizers() if name != "sgd" and ov.optimizer(name).compiles()),
    "sgd:grad_noise=0",  # exact gradients: SGD's rule without its noise
    "gd:lr=0.001,weight_decay=0.1,momentum=0.5,dampening=0.2",
    "adam:weight_decay=0.05",
    "adagrad:lr_decay=0.01,initial_accumulator_value=0.1",
    "rmsprop:centered=true,momentum=0.5",
    "rmsprop:momentum=0.9,weight_decay=0.01",
    "nadam:decoupled_weight_decay=true,weight_decay=0.1",
    "radam:weight_decay=0.1",
    "lion:weight_decay=0.1",
    "newton:damping=0.5",
    "rprop:lr=0.001,etaminus=0.3,etaplus=1.5,step_size_min=1e-4,step_size_max=0.05",
    "asgd:lr=1e-3,t0=20,lambd=0.01,alpha=0.5,weight_decay=0.1",
    "adan:lr=0.003,weight_decay=0.05",
    "adan:weight_decay=0.1,weight_decouple=true",
    "ademamix:t_alpha_beta3=50,weight_decay=0.01",  # the warm-up's exp and log
    "ademamix:weight_decay=0.1,weight_decouple=true,fixed_decay=true",
    "sophia:lr=0.2,p=0.05,update_period=3,weight_decay=0.1",
    "sophia:weight_decay=0.05,weight_decouple=false",
]


def _starts(surf, n=160):
    lo, hi = surf.domain[:, 0], surf.domain[:, 1]
    starts = np.random.default_rng(7).uniform(lo, hi, size=(n, 2))
    starts[0] = surf.minima[0]  # converged from the start
    starts[1] = hi + 11 * surf.span  # beyond the escape radius: diverges at step 0
    return starts


def _both(monkeypatch, fn):
    """``fn()`` on the numpy engine, then on the compiled one (which must not fall back)."""
    monkeypatch.setenv("OPTVIZ_ENGINE", "numpy")
    monkeypatch.setattr(runner, "_loop", NUMPY_LOOP)
    reference = fn()
    monkeypatch.setenv("OPTVIZ_ENGINE", "compiled")

    def no_numpy(*args):
        raise AssertionError("the numpy loop ran where the compiled engine should")

    monkeypatch.setattr(runner, "_loop", no_numpy)
    return reference, fn()


def _same_trajectory(a, b, rtol=0.0):
    for field in ("xy", "loss", "grad_norm"):
        x, y = getattr(a, field), getattr(b, field)
        if rtol:
            np.testing.assert_allclose(y, x, rtol=rtol, atol=0, equal_nan=True)
        else:
            np.testing.assert_array_equal(y, x, err_msg=field)
    np.testing.assert_array_equal(b.diverged_at, a.diverged_at)
    np.testing.assert_array_equal(b.converged_at, a.converged_at)


@pytest.mark.parametrize("spec", SPECS)
def test_compiled_trajectories_are_bit_identical_on_a_polynomial(monkeypatch, spec):
    # Rosenbrock's value, gradient and Hessian use only + - * and squares, and every rule
    # only + - * / and sqrt (see the test below): IEEE 754 rounds these exactly on every
    # CPU, so the same operations in the same order give the same bits
    starts = _starts(ROSEN)
    if ov.optimizer(spec).shows:  # a run that draws them stays on numpy: compare the ends
        a, b = _both(monkeypatch, lambda: run_final(ROSEN, spec, starts, 150, schedule="cosine"))
        for field in ("final_xy", "final_loss", "converged_at", "diverged_at"):
            np.testing.assert_array_equal(getattr(b, field), getattr(a, field))
        assert a.diverged_at[1] == 0 and np.isfinite(b.final_xy).all()
        return
    a, b = _both(monkeypatch, lambda: ov.run(ROSEN, spec, starts, 150, schedule="cosine"))
    _same_trajectory(a, b)
    assert a.diverged[1] and np.isfinite(b.xy).all()


def test_the_compiled_engine_declines_what_is_not_an_elementwise_rule(monkeypatch):
    # L-BFGS's line search, Adafactor's tensor RMS and Muon's bfloat16 orthogonalization
    # are no rule of one coordinate: they run on numpy, and say why
    reasons = {name: ov.optimizer(name).uncompiled_reason() for name in ov.optimizers()}
    declined = {name for name, why in reasons.items() if why}
    assert {"lbfgs", "adafactor", "muon"} <= declined
    assert {"rprop", "asgd", "adam", "newton"}.isdisjoint(declined)
    assert "line search" in reasons["lbfgs"] and "RMS" in reasons["adafactor"]
    assert "bfloat16" in reasons["muon"]
    # Schedule-Free's rule is one of the kernels', but a run records its average x, which
    # the kernels do not compute: the numpy engine runs it
    for name in ("schedulefree_sgd", "schedulefree_adamw"):
        assert "reports another point" in reasons[name]
    monkeypatch.setenv("OPTVIZ_ENGINE", "compiled")
    job = runner._job(ROSEN, "lbfgs", _starts(ROSEN, 8), 5, None, None, 0, 1e-3, 1e-6, 10.0)
    assert kernels.compiled_loop(job, runner._Final(job.p), runner.NEVER, runner.CURVED) is None


def test_the_rules_use_only_exactly_rounded_operations():
    # numpy evaluates hypot, arctan2, sin, exp ... with the CPU's SIMD code where it has
    # some (AVX-512), numba with the C library: their last bits differ. A rule may call
    # only operations that IEEE 754 rounds exactly; powers only in the per-step constants,
    # which both engines compute with the C library's pow on Python floats.
    import ast
    import inspect

    allowed = {"sqrt", "copysign", "maximum", "absolute", "sign", "where", "lerp", "decay"}
    allowed |= {"filled", "lerp_each", "average_weight"}  # helpers of the rules (rules.HELPERS)
    allowed |= {"power"}  # the C library's pow in both engines (rules.power)
    for fn in (*rules.RULES, *rules.HELPERS):
        tree = ast.parse(inspect.getsource(fn))
        called = {
            getattr(node.func, "id", getattr(node.func, "attr", None))
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
        }
        assert called <= allowed | {"abs", "float"}, (fn.__name__, called - allowed)
        powers = [n for n in ast.walk(tree) if isinstance(getattr(n, "op", None), ast.Pow)]
        assert not powers, fn.__name__
    assert set(rules.ARRAY_FUNCTIONS) <= allowed


QUADRATIC = "a*x**2 + 2*b*x*y + c*y**2 + x - 0.5*y"


@pytest.mark.parametrize(
    "abc",
    [
        (2.0, 0.0, -4.0),  # diagonal saddle
        (1.0, 0.0, 1.0),  # round: every direction is an eigenvector
        (0.0, 1.0, 0.0),  # no diagonal
        (1e-9, 3.0, 1e9),  # badly scaled
        (1.0, 1.0, 1.0),  # singular: one eigenvalue zero
        (0.0, 0.0, 0.0),  # flat: the pseudo-inverse steps nowhere
        (-3.0, 0.5, -1.0),  # a dome
    ],
)
def test_newton_gives_the_same_bits_on_both_engines_for_every_kind_of_hessian(monkeypatch, abc):
    # one expression, the Hessian's entries as parameters: one kernel for every case
    surf = ov.Surface.from_expr(QUADRATIC, params=dict(zip("abc", abc, strict=True)))
    starts = np.random.default_rng(3).uniform(-2, 2, size=(300, 2))
    for spec in ("newton:lr=0.5", "newton:lr=0.5,damping=0.25"):
        a, b = _both(monkeypatch, lambda: ov.run(surf, spec, starts, 3))  # noqa: B023
        _same_trajectory(a, b)


def test_the_2x2_solve_equals_the_eigendecomposition():
    from optviz.engine.builtin import _pinv_solve_eigh, pinv_solve

    rng = np.random.default_rng(0)
    hess = rng.normal(size=(20000, 2, 2)) * rng.choice([1e-6, 1.0, 1e6], size=(20000, 1, 1))
    hess = hess + hess.transpose(0, 2, 1)
    hess[:100, 0, 1] = hess[:100, 1, 0] = 0.0
    hess[50:100, 1, 1] = hess[50:100, 0, 0]
    grads = rng.normal(size=(20000, 2))
    closed, eigh = pinv_solve(hess, grads, 0.1), _pinv_solve_eigh(hess, grads, 0.1)
    scale = np.abs(eigh).max(axis=-1, keepdims=True)
    assert np.all(np.abs(closed - eigh) <= 1e-9 * scale)


def test_a_step_that_overflows_keeps_the_start_where_it_was(monkeypatch):
    starts = _starts(ROSEN, 40)
    a, b = _both(monkeypatch, lambda: ov.run(ROSEN, "gd:lr=0.5", starts, 30, escape=1e300))
    _same_trajectory(a, b)
    assert a.diverged.sum() > 30 and np.isfinite(b.xy).all()


@pytest.mark.parametrize("spec", ["adam:lr=0.05", "newton:damping=1"])
def test_compiled_trajectories_agree_to_1e12_with_transcendentals(monkeypatch, spec):
    s = ov.surface("levi13")  # sines and cosines: numba's libm may differ by an ulp
    starts = _starts(s, 100)
    a, b = _both(monkeypatch, lambda: ov.run(s, spec, starts, 60))
    _same_trajectory(a, b, rtol=1e-12)


def test_final_state_runs_and_rates_per_start_match(monkeypatch):
    # sweeps give each start its own rate; basins keep only the ends
    sweep = lambda: analysis.sweep(ROSEN, ["adam"], lrs=np.logspace(-3, 0, 12), steps=80)  # noqa: E731
    a, b = _both(monkeypatch, sweep)
    np.testing.assert_array_equal(b.score[0], a.score[0])
    np.testing.assert_array_equal(b.final_loss[0], a.final_loss[0])
    starts = _starts(ROSEN)
    a, b = _both(monkeypatch, lambda: run_final(ROSEN, "nesterov:lr=1e-4", starts, 200))
    for field in ("final_xy", "final_loss", "converged_at", "diverged_at"):
        np.testing.assert_array_equal(getattr(b, field), getattr(a, field))
    np.testing.assert_allclose(b.mean_loss, a.mean_loss, rtol=1e-14)


def test_a_final_state_run_keeps_the_trajectorys_tail(monkeypatch):
    # a phase map measures a run's tail without holding the steps before it
    starts = _starts(ROSEN)
    full = ov.run(ROSEN, "momentum:lr=1e-4", starts, 150)
    a, b = _both(monkeypatch, lambda: run_final(ROSEN, "momentum:lr=1e-4", starts, 150,
                                                tail_from=100))  # fmt: skip
    for ends in (a, b):
        assert ends.tail_xy.shape == (51, len(starts), 2)
        np.testing.assert_array_equal(ends.tail_xy, full.xy[100:])
        np.testing.assert_array_equal(ends.final_xy, full.xy[-1])
    np.testing.assert_allclose(b.mean_loss, full.loss.mean(0), rtol=1e-13)
    assert run_final(ROSEN, "gd", starts, 10).tail_xy is None


@pytest.mark.parametrize(
    "name, hyper",
    [
        ("momentum", {"momentum": [0.0, 0.5, 0.9, 0.99]}),  # the rule branches on it
        ("adagrad", {"initial_accumulator_value": [0.0, 0.1, 1.0, 3.0]}),  # the state's start
        ("adam", {"beta1": [0.0, 0.5, 0.9, 0.95], "beta2": [0.9, 0.99, 0.999, 0.99]}),
        ("rprop", {"etaplus": [1.1, 1.2, 1.5, 2.0]}),  # and each start's first step size
        ("asgd", {"t0": [0.0, 10.0, 50.0, 1e6]}),  # its rate's constants read each rate
    ],
)
def test_hyperparameters_per_start_give_each_start_its_own_run(monkeypatch, name, hyper):
    # a phase map's batch: four settings x 16 rates, one kernel on the compiled engine
    starts = _starts(ROSEN, 64)
    starts[1] = starts[2]  # no start beyond the escape radius here
    per_start = {k: np.repeat(v, 16) for k, v in hyper.items()}
    rates = np.tile(np.logspace(-4, -2.5, 16), 4)
    opt = ov.optimizer(name)

    def the_map():
        return final_states(ROSEN, opt, starts, 120, rates=rates, hyper=per_start)

    a, b = _both(monkeypatch, the_map)
    for field in ("final_xy", "final_loss", "converged_at", "diverged_at"):
        np.testing.assert_array_equal(getattr(b, field), getattr(a, field))
    monkeypatch.setenv("OPTVIZ_ENGINE", "numpy")
    monkeypatch.setattr(runner, "_loop", NUMPY_LOOP)
    for k in range(4):  # each group, run on its own with its own hyperparameters
        own = ov.optimizer(opt, **{key: values[k] for key, values in hyper.items()})
        rows = slice(16 * k, 16 * k + 16)
        alone = final_states(ROSEN, own, starts[rows], 120, rates=rates[rows])
        np.testing.assert_array_equal(alone.final_xy, a.final_xy[rows])


def test_a_job_in_blocks_is_judged_whole_when_choosing_the_engine(monkeypatch):
    # a basin map runs in blocks; a compile that no single block pays for pays for the job
    from optviz.engine import final_runs

    monkeypatch.setenv("OPTVIZ_ENGINE", "auto")
    monkeypatch.setattr(final_runs, "EXACT_BLOCK", 2000)
    monkeypatch.setattr(kernels, "_threshold", lambda task: 1_000_000)  # as if cold

    def no_numpy(*args):
        raise AssertionError("the numpy loop ran a job the compiled engine should")

    monkeypatch.setattr(runner, "_loop", no_numpy)
    starts = np.random.default_rng(1).uniform(-1, 1, size=(20_000, 2))
    final_states(ROSEN, ov.optimizer("gd:lr=1e-4"), starts, 100)  # 10 blocks of 200k


def test_small_jobs_noise_and_data_stay_on_numpy(monkeypatch):
    monkeypatch.setenv("OPTVIZ_ENGINE", "auto")
    jobs = [
        runner._job(ROSEN, "adam", _starts(ROSEN, 10), 100, None, None, 0, 1e-3, 1e-6, 10.0),
        runner._job(ROSEN, "sgd", _starts(ROSEN), 10**6, None, None, 0, 1e-3, 1e-6, 10.0),
        runner._job("tiny_net", "adam", np.zeros((100, 2)), 10**6, None, None, 0, 1e-3, 1e-6, 10),
    ]
    for job in jobs:
        assert kernels.compiled_loop(job, runner._Final(job.p), runner.NEVER, runner.CURVED) is None


def test_a_second_process_loads_the_kernel_from_disk():
    code = (
        "import numpy as np, optviz as ov\n"
        "from optviz.engine.kernels import store\n"
        "ov.run('rosenbrock', 'adam', np.zeros((50, 2)), 20)\n"
        "(module,) = store._LOADED.values()\n"
        "print(sum(module.kernel.stats.cache_hits.values()))\n"
    )
    env = {**os.environ, "OPTVIZ_ENGINE": "compiled"}
    for _ in range(2):  # the first run may compile (a fresh cache); the second must not
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


def test_the_cache_folder_skips_what_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("OPTVIZ_KERNEL_CACHE", str(blocker / "kernels"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    store.folder.cache_clear()
    try:
        assert store.folder() == tmp_path / "cache" / "optviz" / "kernels"
    finally:
        store.folder.cache_clear()


def test_an_unknown_engine_is_refused(monkeypatch):
    monkeypatch.setenv("OPTVIZ_ENGINE", "gpu")
    with pytest.raises(ov.OptvizError, match="OPTVIZ_ENGINE='gpu'.*auto, numpy, compiled"):
        ov.run(ROSEN, "adam", _starts(ROSEN, 4), 5)


def test_recording_the_optimizer_state_stays_on_the_numpy_engine(monkeypatch):
    monkeypatch.setenv("OPTVIZ_ENGINE", "compiled")
    traj = ov.run(ROSEN, "adam", _starts(ROSEN, 20), 10, keep_state=True)
    assert traj.state["exp_avg"].shape == (11, 20, 2)
