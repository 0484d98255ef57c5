"""Shared by the tests and the doctests in optviz/."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    """Figures go through pyplot once anything has imported it: close them after each test."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
