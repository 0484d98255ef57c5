"""Final-state runs keep only each start's end, with the same arithmetic as ``run``."""

import subprocess
import sys

import numpy as np
import pytest

import optviz as ov
from optviz.engine import final_runs
from optviz.engine.runner import lowest_eigenvalue, run_final


@pytest.mark.parametrize("spec", ["gd:lr=0.01", "adam:lr=0.1", "newton", "lion:lr=0.05"])
def test_run_final_equals_the_end_of_run(spec):
    s = ov.surface("himmelblau")
    starts = np.random.default_rng(1).uniform(-6, 6, size=(300, 2))
    starts[0] = (900.0, 900.0)  # far outside: diverges at step 0
    full = ov.run(s, spec, starts, 120)
    end = run_final(s, spec, starts, 120)
    np.testing.assert_array_equal(end.final_xy, full.xy[-1])
    np.testing.assert_array_equal(end.final_loss, full.loss[-1])
    np.testing.assert_array_equal(end.converged_at, full.converged_at)
    np.testing.assert_array_equal(end.diverged_at, full.diverged_at)
    np.testing.assert_allclose(end.mean_loss, full.loss.mean(0), rtol=1e-13)
    assert end.diverged_at[0] == 0 and full.converged.any()


def test_run_final_keeps_a_start_whose_step_overflows_where_it_was():
    s = ov.Surface.from_expr("x**4 + y**4", domain=((-2, 2), (-2, 2)))
    full = ov.run(s, "gd:lr=1e10", [[1.0, 1.0], [0.0, 0.0]], 5, escape=1e300)
    end = run_final(s, "gd:lr=1e10", [[1.0, 1.0], [0.0, 0.0]], 5, escape=1e300)
    assert full.diverged_at[0] > 0 and np.isfinite(full.xy[-1, 0]).all()
    np.testing.assert_array_equal(end.final_xy, full.xy[-1])
    np.testing.assert_array_equal(end.diverged_at, full.diverged_at)


def test_final_states_hold_no_view_of_a_history():
    s = ov.surface("himmelblau")
    res = final_runs.final_states(s, ov.optimizer("gd:lr=0.01"), np.zeros((50, 2)), 30)
    for arr in (res.final_xy, res.final_loss, res.mean_loss):
        assert arr.base is None or arr.base.size == arr.size


def test_lowest_eigenvalue_matches_eigvalsh():
    h = np.random.default_rng(3).normal(size=(500, 2, 2))
    h = h + np.swapaxes(h, -1, -2)
    np.testing.assert_allclose(lowest_eigenvalue(h), np.linalg.eigvalsh(h)[:, 0], atol=1e-12)


def test_listing_the_catalog_does_not_import_sympy():
    code = (
        "import sys, io, contextlib\n"
        "from optviz.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try: app(['list', 'surfaces'])\n"
        "    except SystemExit: pass\n"
        "assert 'rosenbrock' in out.getvalue(), out.getvalue()\n"
        "print('sympy' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
