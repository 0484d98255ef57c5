"""Networks under the one cost model: oversized requests refused before any training, in
one line naming the knob; divergence drawn as data; CSV files refused at the first limit;
every public function of optviz.nets refusing bad arguments with a one-line OptvizError."""

from __future__ import annotations

import contextlib
import io
import tracemalloc

import numpy as np
import pytest

import optviz
from optviz import nets
from optviz.cli import _main
from optviz.nets import dropout
from optviz.nets.data import MAX_ROWS, Data, load_csv
from optviz.nets.jobs import prepare
from optviz.util import budget
from optviz.util.errors import BudgetError, OptvizError


def _cli(*argv: str) -> tuple[int, str]:
    """Run the command line in this process: (exit code, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = _main(list(argv))
    return code, err.getvalue()


@pytest.fixture
def no_training(monkeypatch):
    """Training fails the test: a refusal must come before it."""

    def train(*args, **kwargs):
        raise AssertionError("a network was trained before the refusal")

    monkeypatch.setattr("optviz.nets.landscapes.train", train)


@pytest.fixture(scope="module")
def csv64(tmp_path_factory):
    """A CSV of 200 rows of 64 features and a label, and one of 32 classes."""
    folder = tmp_path_factory.mktemp("csv")
    rng = np.random.default_rng(0)
    wide = np.column_stack([rng.normal(size=(200, 64)), rng.integers(0, 2, 200)])
    np.savetxt(folder / "f64.csv", wide, delimiter=",", fmt="%.4g")
    classes = np.column_stack([rng.normal(size=(4000, 2)), rng.integers(0, 32, 4000)])
    np.savetxt(folder / "classes32.csv", classes, delimiter=",", fmt="%.4g")
    return folder


@pytest.mark.parametrize(
    ("args", "knob"),
    [
        (["moons", "--hidden", "4096", "--steps", "300"], "--hidden"),
        (["moons", "--points", "100000", "--hidden", "64,64"], "--points"),
        (["moons", "-O", "newton", "--hidden", "12,12", "--points", "100000"], "-O newton"),
        (["moons", "--hidden", "2048", "--resolution", "400", "--steps", "10"], "--resolution"),
        (["moons", *["-O", "adam"] * 16], "-O"),
    ],
)
def test_oversized_landscapes_are_refused_before_training(no_training, tmp_path, args, knob):
    code, err = _cli("landscape", *args, "-o", str(tmp_path / "x.gif"))
    assert code == 2, err
    assert err.count("\n") == 1 and "internal error" not in err
    assert knob in err
    assert not list(tmp_path.iterdir())


def test_newton_on_64_features_and_32_classes_are_refused(no_training, csv64, tmp_path):
    out = str(tmp_path / "x.gif")
    code, err = _cli("landscape", "--data", str(csv64 / "f64.csv"), "-O", "newton",
                     "--hidden", "4", "-o", out)  # fmt: skip
    assert code == 2 and "-O newton" in err and err.count("\n") == 1
    code, err = _cli("landscape", "--data", str(csv64 / "classes32.csv"), "--hidden", "4096",
                     "-o", out)  # fmt: skip
    assert code == 2 and "OPTVIZ_" in err and "out of memory" not in err
    assert not list(tmp_path.iterdir())


def test_every_dimension_at_its_maximum_is_refused(no_training, tmp_path):
    rows = tmp_path / "max.csv"
    features = ",".join(f"{v:.3f}" for v in np.random.default_rng(1).normal(size=64))
    rows.write_text("\n".join(f"{features},{i % 32}" for i in range(MAX_ROWS)))
    code, err = _cli("landscape", "--data", str(rows), "--hidden", ",".join(["4096"] * 2),
                     "--steps", "100000", "--resolution", "400", *["-O", "adam"] * 8,
                     "-o", str(tmp_path / "x.gif"))  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "internal error" not in err


def test_the_estimate_counts_every_part_of_a_landscape():
    job = prepare("moons", ["gd", "adam"], hidden=(8,), steps=100, n=50, resolution=10)
    base = job.cost().seconds
    more_steps = prepare("moons", ["gd", "adam"], hidden=(8,), steps=200, n=50, resolution=10)
    finer = prepare("moons", ["gd", "adam"], hidden=(8,), steps=100, n=50, resolution=40)
    newton = prepare("moons", ["gd", "newton"], hidden=(8,), steps=100, n=50, resolution=10)
    assert more_steps.cost().seconds > 1.5 * base
    per_point = 50 * budget.Layers((2, 8, 2)).madds * budget.MADD_S  # a pass over 50 rows
    assert finer.cost().seconds > base + (40**2 - 10**2) * per_point
    assert newton.cost().seconds > 10 * base  # 2d gradients a step for the Hessian
    assert job.cost(frames=100, frame_rows=8100).seconds > base
    # the history of every run is held: (steps + 1) x parameters x 8 bytes each
    assert job.cost().memory >= 2 * 101 * job.runs[0].network.dim * 8


def test_an_accepted_landscape_shows_progress():
    seen = []
    nets.landscape("xor", ["gd"], steps=20, hidden=(3,), n=20, resolution=5,
                   progress=lambda what, done, total: seen.append((what, done, total)))  # fmt: skip
    stages = {what.split(" (")[0] for what, _, _ in seen}
    assert "loss on the plane" in stages and any(s.startswith("training") for s in stages)
    assert all(0 < done <= total for _, done, total in seen)


def test_divergence_is_drawn_not_an_internal_error(tmp_path):
    out, metrics = tmp_path / "d.png", tmp_path / "m.json"
    code, err = _cli("landscape", "moons", "--activation", "relu", "-O", "sgd:lr=1e6",
                     "--steps", "50", "--points", "60", "--resolution", "12", "--size", "small",
                     "--dpi", "40", "-o", str(out), "--metrics", str(metrics), "-q")  # fmt: skip
    assert code == 0, err
    from optviz.analysis import read_metrics

    (row,) = read_metrics(metrics)
    assert row["diverged_at"] is not None and int(row["diverged_at"]) <= 5


def test_a_run_that_escapes_freezes_where_it_was():
    ls = nets.landscape("moons", ["gd:lr=1e12", "adam:lr=1e9"], steps=5, hidden=(4,), n=30,
                        resolution=5)  # fmt: skip
    for run in ls.runs:
        assert run.diverged_at == 0
        np.testing.assert_array_equal(run.params, np.broadcast_to(run.params[0], run.params.shape))
    assert ls.plane.kind == "random"  # no path to take principal directions from


def test_a_title_of_braces_is_drawn_or_refused_in_one_line(tmp_path):
    small = ["xor", "--steps", "3", "--points", "20", "--hidden", "3", "--resolution", "5",
             "--size", "small", "--dpi", "30", "--fps", "2", "--duration", "1", "-q"]  # fmt: skip
    code, err = _cli("landscape", *small, "--title", "{" * 100, "-o", str(tmp_path / "t.gif"))
    assert code == 0, err
    # between dollar signs the braces are math text: matplotlib's parser recursed to death
    code, err = _cli("landscape", *small, "--title", "$" + "{" * 100 + "$",
                     "-o", str(tmp_path / "u.gif"))  # fmt: skip
    assert code == 2 and "math text" in err and err.count("\n") == 1
    assert not (tmp_path / "u.gif").exists()


# -- CSV files ----------------------------------------------------------------------------------
def _peak_while(call) -> int:
    """Peak bytes Python and numpy allocated while ``call`` ran (it must raise an OptvizError)."""
    tracemalloc.start()
    try:
        with pytest.raises(OptvizError) as info:
            call()
        return tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


def test_a_60_mb_line_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "line.csv"
    path.write_bytes(b"1," * 30_000_000 + b"0\n")
    peak, message = _peak_while(lambda: load_csv(path))
    assert "line 1: longer than" in message
    assert peak < 2**20  # was 1.47 GB: the whole file read, then split


def test_millions_of_short_lines_stop_at_the_row_limit(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(b"1,0\n" * 16_600_000)
    peak, message = _peak_while(lambda: load_csv(path))
    assert f"more than {MAX_ROWS} rows" in message
    assert peak < 64 * 2**20  # was 1.24 GB; the rows kept are 100,000 x 2 floats


# -- the API refuses in one line -------------------------------------------------------------
def _data(x, y, classes=2):
    return lambda: Data("hand", x, y, classes)


API_MISTAKES = {
    "hidden=16": lambda: optviz.landscape("xor", hidden=16, steps=2),
    "hidden=None": lambda: optviz.landscape("xor", hidden=None, steps=2),
    "hidden=(16, 'x')": lambda: optviz.landscape("xor", hidden=(16, "x"), steps=2),
    "optimizers=5": lambda: optviz.landscape("xor", 5, steps=2),
    "optimizers=[]": lambda: optviz.landscape("xor", [], steps=2),
    "ends=(0,)": lambda: optviz.landscape("xor", ["gd", "adam"], plane="final", ends=(0,)),
    "ends=(0, 5)": lambda: optviz.landscape("xor", ["gd", "adam"], plane="final", ends=(0, 5)),
    "ends='ab'": lambda: optviz.landscape("xor", ["gd", "adam"], plane="final", ends="ab"),
    "ends=(1, 1)": lambda: optviz.landscape("xor", ["gd", "adam"], plane="final", ends=(1, 1)),
    "ends=None": lambda: optviz.landscape("xor", ["gd", "adam"], plane="final", ends=None),
    "plane=[]": lambda: optviz.landscape("xor", plane=[]),
    "activation=None": lambda: optviz.landscape("xor", activation=None),
    "init=[[]]": lambda: optviz.landscape("xor", ["gd"], init=[[]]),
    "batchnorm='yes'": lambda: optviz.landscape("xor", batchnorm="yes"),
    "resolution=2.5": lambda: optviz.landscape("xor", resolution=2.5),
    "n=None": lambda: optviz.landscape("xor", n=None),
    "dataset=5": lambda: optviz.landscape(5),
    "labels out of range": _data(np.zeros((5, 2)), [0, 1, 2, 3, 7]),
    "negative labels": _data(np.zeros((5, 2)), [0, 1, -1, 1, 0]),
    "fractional labels": _data(np.zeros((5, 2)), [0, 1, 0.5, 1, 0]),
    "no rows": _data(np.zeros((0, 2)), np.zeros(0)),
    "3-D inputs": _data(np.zeros((5, 2, 2)), [0, 1, 0, 1, 0]),
    "mismatched lengths": _data(np.zeros((5, 2)), [0, 1, 0]),
    "NaN inputs": _data(np.full((5, 2), np.nan), [0, 1, 0, 1, 0]),
    "text inputs": _data("abc", [0, 1, 0]),
    "one class": _data(np.zeros((5, 2)), [0, 0, 0, 0, 0], classes=1),
    "classes=2.5": _data(np.zeros((5, 2)), [0, 1, 0, 1, 0], classes=2.5),
    "train_dropout(hidden=5)": lambda: dropout.train_dropout(hidden=5),
    "symmetry_run(hidden=None)": lambda: nets.symmetry_run(hidden=None),
    "propagate(depth=None)": lambda: nets.propagate(depth=None),
    "dataset(flip=1)": lambda: nets.dataset("moons", flip=1),
    "dataset(split='dev')": lambda: nets.dataset("moons", split="dev"),
    "dataset(split=[])": lambda: nets.dataset("moons", split=[]),
    "load_csv(5)": lambda: nets.load_csv(5),
    "progress=5": lambda: optviz.landscape("xor", steps=2, progress=5),
    "train_dropout(n_train=None)": lambda: dropout.train_dropout(n_train=None),
    "seed_study(seeds=5)": lambda: dropout.seed_study(5),
    "propagate(scheme=[])": lambda: nets.propagate([]),
    "init_weights(gain=None)": lambda: nets.init_weights("small", 2, 2, None),
    "toy_regression(n=-1)": lambda: nets.toy_regression(-1),
    "dropout_mask(rng=5)": lambda: dropout.dropout_mask((2, 2), 0.5, 5),
}


@pytest.mark.parametrize("name", sorted(API_MISTAKES))
def test_public_functions_refuse_in_one_line(name):
    with pytest.raises(OptvizError) as info:
        API_MISTAKES[name]()
    assert "\n" not in str(info.value)


def test_hand_made_data_trains_like_built_in_data():
    d = nets.dataset("xor", n=30)
    mine = Data("mine", d.x.tolist(), d.y.astype(float).tolist(), 2)
    a = nets.landscape(d, ["gd"], steps=5, hidden=(3,), resolution=4)
    b = nets.landscape(mine, ["gd"], steps=5, hidden=(3,), resolution=4)
    np.testing.assert_array_equal(a.params[0], b.params[0])


# -- the other network experiments ------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda: dropout.seed_study(range(10_000)),
        lambda: nets.batchnorm_pair(depth=50, width=1024),
        lambda: nets.propagate(depth=10, width=4096, batch=600),
        lambda: nets.propagate(depth=200, width=4096, batch=30),  # 27 GB of weights
    ],
)
def test_network_experiments_check_their_cost_first(call):
    with pytest.raises(BudgetError, match="OPTVIZ_(WORK|MEMORY)"):
        call()


def test_a_landscape_checks_the_title_it_is_given(tmp_path):
    ls = nets.landscape("xor", ["gd"], steps=3, hidden=(2,), n=10, resolution=4)
    for title in ("$x^{$", "$" + "{" * 100 + "$"):
        with pytest.raises(OptvizError, match="math text"):
            ls.plot(title=title)
        with pytest.raises(OptvizError, match="math text"):
            ls.save(tmp_path / "x.png", title=title)
    assert not list(tmp_path.iterdir())


def test_a_landscape_stops_on_ctrl_c_in_one_line(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    # a job of about half a minute, accepted: the signal arrives while it trains
    args = ["landscape", "moons", "--steps", "5000", "-o", "x.gif"]
    proc = subprocess.Popen([sys.executable, "-m", "optviz.cli", *args], cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(4.0)
    proc.send_signal(signal.SIGINT)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "optviz: error: interrupted; no output was written or changed"
    ]
    assert not list(tmp_path.iterdir())


def test_a_signal_an_earlier_run_received_does_not_turn_an_error_into_an_interrupt():
    import signal

    from optviz.cli import _app

    _app._SIGNALS_RECEIVED.append(signal.SIGTERM)  # as a stopped run in this process left it
    try:
        code, err = _cli("landscape", "moons", *["-O", "adam"] * 16)
    finally:
        _app._SIGNALS_RECEIVED.clear()
    assert code == 2 and "interrupted" not in err
