"""Fuzz the command line's option strings and expressions under time and memory limits.

The cases run in one child process with an address-space limit (``resource.setrlimit``)
and a per-case wall-clock limit. Each must end in a result (exit 0) or a one-line
OptvizError (exit 2): never an internal error, a traceback, a MemoryError or a timeout.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    r"""
    import contextlib, io, os, resource, signal, sys, tempfile
    LIMIT = 6 * 2**30  # address space: the budget then allows 0.8 of it
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
    os.environ["MPLBACKEND"] = "Agg"

    from hypothesis import HealthCheck, given, settings, strategies as st

    from optviz.catalog import Surface
    from optviz.cli import _main
    from optviz.util.errors import OptvizError

    class TooSlow(BaseException):
        pass

    def _expire(signum, frame):
        raise TooSlow

    signal.signal(signal.SIGALRM, _expire)

    @contextlib.contextmanager
    def limited(seconds):
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    NUMBER = st.one_of(
        st.sampled_from(["0", "-1", "1", "0.5", "3", "1e308", "-1e308", "nan", "inf",
                         "1e-320", "abc", "", " ", "1,2", "0x10", "1_000", "\u0663", "1e12",
                         "1" + "0" * 400]),
        st.floats().map(repr),
        st.integers(-10**6, 10**6).map(str),
    )
    OPTIMIZER = st.builds(
        lambda name, pairs: name + (":" + ",".join(f"{k}={v}" for k, v in pairs) if pairs else ""),
        st.sampled_from(["gd", "adam", "sgd", "momentum", "newton", "lion", "rmsprop", "adm"]),
        st.lists(st.tuples(st.sampled_from(["lr", "beta1", "momentum", "eps", "nesterov", "q"]),
                           NUMBER), max_size=2),
    )
    SURFACE = st.builds(
        lambda name, pair: name + (f":{pair[0]}={pair[1]}" if pair else ""),
        st.sampled_from(["quadratic", "rosenbrock", "himmelblau", "elliptic", "nope"]),
        st.none() | st.tuples(st.sampled_from(["a", "b", "kappa", "zz"]), NUMBER),
    )
    TOKENS = st.lists(st.sampled_from(
        ["x", "y", "pi", "e", "sin", "exp", "log", "sqrt", "tanh", "abs", "(", ")", "+", "-",
         "*", "/", "**", "2", "64", "0.5", "1e300", "1e-300", "exp(exp(", "__import__", ","]),
        min_size=1, max_size=16).map("".join)
    TITLE = st.text(max_size=30) | st.sampled_from(["$x^{$", r"$\frac{1}{2}$", "a" * 400, "$"])
    OPTIONS = {
        "-O": OPTIMIZER,
        "--steps": st.sampled_from(["0", "1", "5", "20", "-3", "1e3", "x", "10000000"]),
        "--start": st.builds(lambda a, b: f"{a},{b}", NUMBER, NUMBER),
        "--domain": st.lists(NUMBER, min_size=1, max_size=5).map(",".join),
        "--fps": NUMBER,
        "--duration": st.sampled_from(["0.5", "1", "0", "-1", "1e9", "x"]),
        "--dpi": st.sampled_from(["10", "30", "0", "-5", "abc", "1e9", "601"]),
        "--size": st.sampled_from(["small", "16:9", "huge", "3x2", ""]),
        "--title": TITLE,
        "--schedule": st.sampled_from(["cosine", "step:gamma=0.5", "nope", "cosine:t=-1"]),
        "--noise": st.sampled_from(["grad=0.1", "grad=-1", "batch=2.7", "loud=1", "grad=nan"]),
        "--seed": NUMBER,
        "--theme": st.sampled_from(["dark", "light", "neon"]),
    }
    ARGV = st.builds(
        lambda surface, expr, opts, out: ["race", *(["--expr", expr] if expr else [surface]),
                                          *[x for kv in opts for x in kv], "-q", "-o", out],
        SURFACE,
        st.none() | TOKENS,
        st.lists(st.sampled_from(sorted(OPTIONS)).flatmap(
            lambda k: OPTIONS[k].map(lambda v: (k, v))), max_size=4),
        st.sampled_from(["out.png", "out.gif", "out.txt", "/nonexistent/x.png", "."]),
    )
    SETTINGS = dict(deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

    def check_argv(argv):
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stderr(err), \
                contextlib.redirect_stdout(io.StringIO()), limited(60):
            os.chdir(tmp)
            code = _main(argv)
            os.chdir("/")
        text = err.getvalue()
        assert code in (0, 2), (argv, code, text[-300:])
        assert "internal error" not in text and "out of memory" not in text, (argv, text)
        if code == 2:
            assert len(text.strip().splitlines()) == 1, (argv, text)

    @settings(max_examples=int(sys.argv[1]), **SETTINGS)
    @given(ARGV)
    def fuzz_cli(argv):
        check_argv(argv)

    @settings(max_examples=int(sys.argv[2]), **SETTINGS)
    @given(TOKENS)
    def fuzz_expressions(text):
        with limited(15):
            try:
                Surface.from_expr(text).f([[0.5, 0.5]])
            except OptvizError as exc:
                assert "\n" not in str(exc), text

    for argv in (["race", "quadratic", "-O", "gd", "--steps", "5", "-q", "-o", "out.png"],
                 ["race", "quadratic", "--fps", "0.001", "-q", "-o", "out.gif"]):
        check_argv(argv)  # the harness itself: one accepted, one refused
    fuzz_expressions()
    fuzz_cli()
    print("ok")
    """
)


def test_fuzz_cli_options_and_expressions_under_limits():
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "40", "150"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
