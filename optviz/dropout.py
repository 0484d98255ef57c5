"""Dropout moved to :mod:`optviz.nets.dropout`; this name is kept so old imports work."""

from .nets import dropout as _dropout


def __getattr__(name: str):
    return getattr(_dropout, name)
