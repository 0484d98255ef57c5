import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402 - after choosing the backend


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
