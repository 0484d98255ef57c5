"""Learning-rate schedules as small multiples, named in words a slide uses.

The plots of surfaces, paths and losses are in :mod:`optviz.render.plots`.
"""

from __future__ import annotations

from typing import Any

from ..util.errors import ParameterError
from . import style
from .plots import _grid_shape, new_figure

SCHEDULE_SHAPES = (
    "constant",
    "step:step_size=100,gamma=0.5",
    "multistep:milestones=80;160;240,gamma=0.5",
    "exponential:gamma=0.99",
    "linear:end_factor=0.05",
    "inverse_sqrt:warmup=20",
    "cosine",
    "cyclic:period=100,low=0.1",
    "onecycle",
    "warmup:steps=30,then=cosine",
)
"""One of each kind of schedule, with options that show its shape over 300 steps."""


def schedule_words(sched) -> tuple[str, str]:
    """A schedule's name and settings as a slide says them, not as code spells them,
    short enough for one line under a small panel's name (one row's notes wrapped
    unevenly, one line beside two).

    >>> from optviz.engine.scheduling import schedule
    >>> schedule_words(schedule("step:step_size=100,gamma=0.5"))
    ('step decay', '×0.5 every 100 steps')
    >>> schedule_words(schedule("warmup:steps=30,then=cosine"))
    ('warm-up + cosine', 'warm-up over 30 steps')
    """
    o = {**_SCHEDULE_DEFAULTS.get(sched.kind, {}), **sched.options}
    g = lambda v: f"{v:g}" if isinstance(v, float | int) else str(v)  # noqa: E731
    words = {
        "constant": lambda: ("constant", "the optimizer's rate"),
        "step": lambda: ("step decay", f"×{g(o['gamma'])} every {g(o['step_size'])} steps"),
        "multistep": lambda: ("multi-step decay",
                              f"×{g(o['gamma'])} at {', '.join(map(g, o['milestones']))}"),
        "exponential": lambda: ("exponential decay", f"×{g(o['gamma'])} every step"),
        "linear": lambda: ("linear decay",
                           f"from {g(o['start_factor'])}× to {g(o['end_factor'])}×"),
        "inverse_sqrt": lambda: ("inverse square root",
                                 f"warm-up {g(o['warmup'])}, then 1/√t"),
        "cosine": lambda: ("cosine decay", f"half a cosine to {g(o['min_factor'])}×"),
        "cyclic": lambda: ("cyclic",
                           f"{g(o['low'])}×–1×, {g(o['period'])}-step cycle"),
        "onecycle": lambda: ("one-cycle", f"up for {o['pct_start']:.0%}, then down"),
        "warmup": lambda: (f"warm-up + {_SCHEDULE_NAMES.get(o['then'], o['then'])}",
                           f"warm-up over {g(o['steps'])} steps"),
    }  # fmt: skip
    if sched.kind in words:
        return words[sched.kind]()
    return sched.kind, ", ".join(f"{k} {g(v)}" for k, v in o.items())


_SCHEDULE_DEFAULTS = {
    "step": {"step_size": 100, "gamma": 0.1},
    "multistep": {"milestones": (100, 200), "gamma": 0.1},
    "exponential": {"gamma": 0.99},
    "linear": {"start_factor": 1.0, "end_factor": 0.0},
    "inverse_sqrt": {"warmup": 1},
    "cosine": {"min_factor": 0.0},
    "cyclic": {"period": 100, "low": 0.1},
    "onecycle": {"pct_start": 0.3},
    "warmup": {"steps": 10, "then": "constant"},
}
_SCHEDULE_NAMES = {"constant": "constant", "cosine": "cosine", "linear": "linear decay"}


def _wrapped(text: str, room: float, points: float) -> list[str]:
    """``text`` broken at spaces into lines that fit ``room`` pixels at ``points``."""
    import textwrap

    return textwrap.wrap(text, max(int(room / (0.52 * points * 100 / 72)), 8))


def plot_schedules(
    specs: Any = SCHEDULE_SHAPES,
    *,
    steps: int = 300,
    size: Any = "16:9",
    theme: str = "light",
    dpi: float = 100,
    title: str | None = None,
):
    """Small multiples: each schedule's learning-rate multiplier against the step.

    >>> fig = plot_schedules(["constant", "cosine"], steps=50, size="small", dpi=50)
    >>> [ax.get_title().split()[0] for ax in fig.axes]
    ['constant', 'cosine']
    """
    from ..engine.scheduling import schedule

    scheds = [schedule(s) for s in ([specs] if isinstance(specs, str) else specs)]
    if not scheds:
        raise ParameterError("give at least one schedule, e.g. 'cosine'")
    style.check_theme(theme)
    with style.themed(theme):
        fig = new_figure(size, dpi)
        rows, cols = _grid_shape(len(scheds), fig, False, aspect=1.6, full=0.75)
        room = fig.bbox.width / cols * 0.92  # a cell's width, less the gap to the next
        named = [schedule_words(s) for s in scheds]
        notes = [_wrapped(note, room, NOTE_PT) for _, note in named]
        pad = 8 + 1.3 * NOTE_PT * max(map(len, notes))  # points: a line is 1.25 sizes high
        for i, sched in enumerate(scheds):
            ax = fig.add_subplot(rows, cols, i + 1)
            sched.plot(steps, ax=ax, color=style.color(5))
            ax.set_ylim(0, 1.08)
            # the kind over its settings, every kind at one height: each row reads as a row
            ax.set_title(named[i][0], fontsize=17, pad=pad)
            ax.annotate("\n".join(notes[i]), (0.5, 1.0), xycoords="axes fraction",
                        xytext=(0, pad - 3),
                        textcoords="offset points", ha="center", va="top", fontsize=NOTE_PT,
                        linespacing=1.25)  # fmt: skip
            ax.grid(True, lw=0.5)
            # three numbers an axis: at slide size the ten small panels' ticks crowded
            ax.set_xticks([0, steps // 2, steps])
            ax.set_yticks([0, 0.5, 1])
            ax.set_ylabel("" if i % cols else "× the optimizer's rate", fontsize=LABEL_PT)
            ax.set_xlabel("step")  # every row: a reader's eye lands on any of them
        fig.suptitle(title or f"Learning-rate schedules over {steps} steps")
        # a right-column title ended 8 px from the frame: room round every panel's words
        # (the layout does not count a title wider than its panel: the right column's
        # overhang is kept inside by a frame narrower on the right)
        fig.get_layout_engine().set(w_pad=EDGE_PAD, h_pad=EDGE_PAD, rect=(0, 0, 0.98, 1))
    return fig


LABEL_PT = 16  # the rotated y label: at 14 it was 15 px, under the slide's 16
NOTE_PT = 14  # a panel's settings under its name: 19 px, read from the back as 18
EDGE_PAD = 0.16  # inches: 16 px at 100 dpi kept round each panel and its titles
