"""Fuzzing the networks' inputs: CSV files and ``optviz landscape`` arguments.

Every outcome is a result or one OptvizError line (exit 2 on the command line): never a
traceback, an internal error or an out-of-memory. The command-line cases run in a child
process under an address-space limit and a per-case time limit, as tests/test_fuzz_cli.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optviz import nets
from optviz.nets.data import Data, load_csv
from optviz.util.errors import OptvizError

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip

CELL = st.one_of(
    st.integers(-5, 5).map(str),
    st.floats(-1e3, 1e3).map(lambda v: f"{v:.3g}"),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "1e309", "-1e400", "1" * 400, "", " ",
                     "abc", "0x10", "1_0", "\u0663", "\x00", "1e-320", "3.", ".5", "+2"]),
)  # fmt: skip
ROW = st.lists(CELL, min_size=0, max_size=5).map(",".join)
LINES = st.one_of(
    ROW,
    st.sampled_from(["# a comment", "", "x,y,label", "\ufeff1,2,0", "1,2,0\r", "1;2;0"]),
)
CSV = st.lists(LINES, min_size=0, max_size=12).map("\n".join)
# mostly well-formed files, so that the path past the parser (classes, Data, a landscape)
# is reached as well
GOOD = st.builds(
    lambda rows, cols, kind: _table(rows, cols, kind),
    st.integers(0, 8),
    st.integers(1, 4),
    st.sampled_from(["classes", "one class", "many classes", "real"]),
)


def _table(rows: int, cols: int, kind: str) -> str:
    rng = np.random.default_rng(rows * 10 + cols)
    x = rng.normal(size=(rows, cols))
    label = {
        "classes": rng.integers(0, 3, rows),
        "one class": np.zeros(rows, int),
        "many classes": np.arange(rows) * 7,
        "real": rng.normal(size=rows),
    }[kind]
    return "\n".join(",".join(f"{v:.4g}" for v in (*r, y)) for r, y in zip(x, label, strict=True))


@settings(max_examples=150, **SETTINGS)
@given(st.one_of(CSV, GOOD), st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_random_csv_files_give_data_or_one_line(tmp_path_factory, text, encoding):
    path = tmp_path_factory.mktemp("csv") / "d.csv"
    path.write_bytes(text.encode(encoding, "replace"))
    try:
        data = load_csv(path)
    except OptvizError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(data, Data) and np.all(np.isfinite(data.x))
    assert len(data.x) == len(data.y) >= 3
    try:  # a tiny landscape on whatever was read
        ls = nets.landscape(data, ["gd:lr=0.1"], steps=2, hidden=(2,), resolution=4)
    except OptvizError as exc:
        assert "\n" not in str(exc)
        return
    assert np.all(np.isfinite(ls.xy[0]))


CHILD = textwrap.dedent(
    r"""
    import contextlib, io, os, resource, signal, sys, tempfile
    LIMIT = 6 * 2**30  # address space: the memory budget then allows 0.8 of it
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["OPTVIZ_WORK"] = "10"  # accepted cases stay short; refusals are what is tested
    # a small job unless an option below says otherwise (the last value given wins)
    SMALL = ["--steps", "5", "--points", "20", "--resolution", "5", "--fps", "2",
             "--duration", "1", "--hidden", "3"]

    from hypothesis import HealthCheck, given, settings, strategies as st
    from optviz.cli import _main

    class TooSlow(BaseException):
        pass

    def _expire(signum, frame):
        raise TooSlow

    signal.signal(signal.SIGALRM, _expire)
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "d.csv"), "w") as f:
        f.write("\n".join(f"{i % 7},{i % 5},{i % 3}" for i in range(30)))

    OPTIONS = {
        "-O": st.sampled_from(["gd", "adam:lr=0.1", "sgd:batch_size=4", "newton", "lion",
                               "momentum:lr=1e9", "adam:lr=nan", "nope", "sgd:lr=1e6"]),
        "--hidden": st.sampled_from(["2", "3,3", "", "0", "x", "4096", "4096,4096", "1e3",
                                     ",,", "-1", "2," * 20, "9" * 30]),
        "--activation": st.sampled_from(["tanh", "relu", "sigmoid", "leaky_relu", "relu6"]),
        "--init": st.sampled_from(["xavier_normal", "zeros", "large", "he", ""]),
        "--steps": st.sampled_from(["0", "1", "3", "-1", "x", "100000", "1e9"]),
        "--points": st.sampled_from(["4", "10", "3", "100000", "-5", "1e9"]),
        "--resolution": st.sampled_from(["4", "5", "3", "400", "1000"]),
        "--plane": st.sampled_from(["pca", "random", "final", "pcb"]),
        "--origin": st.sampled_from(["start", "mean", "end"]),
        "--batch-size": st.sampled_from(["1", "2", "0", "-3", "1000000"]),
        "--schedule": st.sampled_from(["cosine", "step:gamma=0.5", "nope", "warmup"]),
        "--seed": st.sampled_from(["0", "1", "-1", "1" * 30]),
        "--fps": st.sampled_from(["2", "0", "1e9", "nan"]),
        "--duration": st.sampled_from(["0.5", "1", "0", "-1", "1e9"]),
        "--title": st.sampled_from(["a", "{" * 100, "$x^{$", "$" + "{" * 60, "$x$"]),
        "--data": st.sampled_from([os.path.join(folder, "d.csv"), "/nonexistent.csv",
                                   folder, "/dev/null"]),
        "--batchnorm": st.just(None),
    }
    ARGV = st.builds(
        lambda dataset, opts, out: ["landscape", dataset, *SMALL,
                                    *[x for k, v in opts for x in ((k,) if v is None else (k, v))],
                                    "--size", "small", "--dpi", "30", "-q", "-o", out],
        st.sampled_from(["xor", "moons", "spiral", "blobs", "moon", ""]),
        st.lists(st.sampled_from(sorted(OPTIONS)).flatmap(
            lambda k: OPTIONS[k].map(lambda v: (k, v))), max_size=5),
        st.sampled_from(["o.png", "o.gif", "o.txt"]),
    )

    @settings(max_examples=int(sys.argv[1]), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(ARGV)
    def fuzz(argv):
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stderr(err), \
                contextlib.redirect_stdout(io.StringIO()):
            os.chdir(tmp)
            signal.setitimer(signal.ITIMER_REAL, 90)
            try:
                code = _main(argv)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                os.chdir("/")
        text = err.getvalue()
        assert code in (0, 2), (argv, code, text[-300:])
        assert "internal error" not in text and "out of memory" not in text, (argv, text)
        if code == 2:
            assert len(text.strip().splitlines()) == 1, (argv, text)

    fuzz()
    print("ok")
    """
)


def test_fuzz_landscape_arguments_under_limits():
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "40"], capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
