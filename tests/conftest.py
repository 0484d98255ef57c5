import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402

import pytest  # noqa: E402 - after choosing the backend
from hypothesis import settings  # noqa: E402

# CI replays the same examples each run, so a red run is a change, not a new draw; a
# developer's run draws new ones (the fuzzers in child processes always replay theirs)
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _collect_saved_figures(monkeypatch, *, save: bool = True) -> list:
    """Make ``writers.save_figure`` also append each figure it gets to the returned list
    (and, with ``save=False``, write nothing)."""
    from optviz.render import writers

    figures, original = [], writers.save_figure

    def keep(fig, path, dpi=None):
        figures.append(fig)
        return original(fig, path, dpi) if save else path

    monkeypatch.setattr(writers, "save_figure", keep)
    return figures


@pytest.fixture(scope="session")
def collect_saved_figures():
    """``collect_saved_figures(monkeypatch, save=True)``: the list of every figure saved
    from then on (a function, so module-scoped fixtures can use their own MonkeyPatch)."""
    return _collect_saved_figures


@pytest.fixture
def optviz(capsys, tmp_path, monkeypatch):
    """Run ``optviz ARGS`` in-process in a temporary folder: (exit code, stdout, stderr).

    The command line's own code path (typer, the error handler, the exit codes) without
    a new interpreter per command; tests of signals, memory limits and import hygiene
    start a process of their own instead.
    """
    from optviz import cli

    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli._main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def torch64():
    """torch, with float64 as its default dtype and one thread for the test, then restored.

    torch keeps optimizer scalars (NAdam's momentum product, step counts) in the default
    dtype: float64 makes a comparison one of algorithms, not of float32 bookkeeping. Set
    per test, never at import, so no other test runs under it.
    """
    import torch

    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    yield torch
    torch.set_default_dtype(dtype)
    torch.set_num_threads(threads)


@pytest.fixture
def recolor_run(monkeypatch):
    """``recolor_run(i, color)``: draw run ``i`` of every race in ``color`` (a probe colour
    whose pixels a test counts), wherever its colour is used."""
    from optviz.render import paths

    looks = paths.run_looks
    chosen: dict[int, str] = {}

    def probed(trajs):
        out = looks(trajs)
        for i, color in chosen.items():
            if i < len(out):
                out[i] = {**out[i], "color": color}
        return out

    monkeypatch.setattr(paths, "run_looks", probed)

    def recolor(i: int, color: str) -> str:
        chosen[i] = color
        return color

    return recolor
