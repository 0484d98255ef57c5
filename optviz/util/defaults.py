"""What a request gets for what it does not say.

One declaration that the Python API (:func:`optviz.run`, :func:`optviz.race`), the scene
schema, the command line and the explorer all read, so their defaults cannot drift apart.
Plain constants: the command line reads them without importing anything heavy.
"""

STEPS = 200
"""Steps of a run or a race."""

OPTIMIZERS = ("gd", "momentum", "adam")
"""What a race, a tuning and a sweep compare when no optimizer is named."""

SIZE = "16:9"
DPI = 100
"""A picture's shape and pixels per inch: 16:9 at 100 dpi is 1280x720."""

THEME = "light"

HOLD_FIRST = 2.0
HOLD = 3.0
"""Seconds an animation holds its first picture (the set-up: title, legend, starts) and its
last (the outcome): long enough to read from the back of a room."""
