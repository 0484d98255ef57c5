"""When callouts show (see :mod:`.callouts`): which verdicts are drawn, at which step,
for how long, and which are kept on the last frame.

* at most :data:`AT_ONCE` are on screen at a time while the runs move: the most recent
  moments, and those kept to the end;
* in an animation a callout appears at its key step, stays :data:`LINGER` seconds and
  fades out, unless it is kept on the last frame (one per ball, at most
  :data:`FINAL_AT_MOST`: the first listed, a lesson's headline, then the latest), which
  stay from their moment on and never fade; a still shows those. A callout shows whole
  from its first frame to its last (:data:`FADE` is 0): a box caught half faded in a
  frame read as a glitch.
"""

from __future__ import annotations

import numpy as np

AT_ONCE = 2  # callouts on screen at a time while the runs move (besides those kept)
FINAL_AT_MOST = 4  # callouts kept on the last frame, one per ball: a full-size map holds 4
LINGER = 2.5  # seconds a callout stays after its moment (unless kept to the end)
FADE = 0.0  # of which the last are a fade: none (a 0.5 s fade, then 0.2 s, was caught in
# frames sampled from the race: a faint box, half there, read as a glitch)


VERDICT_FIELDS = ("claim", "holds", "step", "runs", "callout")


def check_callouts(verdicts, race) -> tuple:
    """``verdicts`` as a tuple, each checked to be a verdict of ``race`` (see the module
    docs); a clear error otherwise."""
    from ..util.errors import ParameterError

    if verdicts is None:
        return ()
    if isinstance(verdicts, str) or not hasattr(verdicts, "__iter__"):
        raise ParameterError("callouts must be a list of verdicts (optviz.analysis.check_claims)")
    out = tuple(verdicts)
    n = len(race.trajectories)
    for v in out:
        missing = [f for f in VERDICT_FIELDS if not hasattr(v, f)]
        if missing:
            has_not = ", ".join(missing)
            raise ParameterError(f"callouts: {v!r} is not a verdict (it has no {has_not})")
        if any(not isinstance(r, int | np.integer) or not 0 <= r < n for r in v.runs):
            raise ParameterError(f"callouts: verdict {v.claim!r} names runs {tuple(v.runs)}; "
                                 f"the race has runs 0..{n - 1}")  # fmt: skip
    return out


def shown(verdicts) -> list:
    """The verdicts drawn: those that hold, with a callout and a run to point at."""
    return [v for v in verdicts or () if v.holds and getattr(v, "callout", "") and v.runs]


def moments(verdicts, steps: int) -> list[int]:
    """The key steps of the callouts drawn (a verdict without one: the last step)."""
    return sorted({min(int(steps if v.step is None else v.step), steps) for v in shown(verdicts)})


def key_step(verdict, steps: int) -> int:
    return min(int(steps if verdict.step is None else verdict.step), steps)


class CalloutClock:
    """The timing half of :class:`.callouts.CalloutLayer`: its ``items`` are ``(key step,
    (run, start), label, ring)``; ``steps`` the race's last step; ``negated`` by label id."""

    items: list
    steps: int
    negated: dict

    def _finals(self) -> list:
        """The items kept on the last frame, one per ball, at most :data:`FINAL_AT_MOST`:
        the first listed (a lesson lists its headline first), then the latest, a claim
        stated positively before a negated one ("not zigzags(adam)")."""
        latest = self._per_ball(self.items, self.steps)
        if not latest:
            return []
        head = min(latest, key=self.items.index)
        rest = sorted((item for item in latest if item is not head),
                      key=lambda item: (self.negated[id(item[2])], -item[0],
                                        self.items.index(item)))  # fmt: skip
        return [head, *rest][:FINAL_AT_MOST]

    @staticmethod
    def _per_ball(items, s: float) -> list:
        """Of ``items`` whose moment has come by step ``s``, each ball's latest (the first
        listed of those at one step): a ball's earlier moment gives way to its next."""
        latest: dict[tuple[int, int], tuple] = {}
        for item in items:
            step, ball = item[0], item[1]
            if step <= s and (ball not in latest or step > latest[ball][0]):
                latest[ball] = item
        return list(latest.values())

    def set_timeline(self, frame_steps, fps: float) -> None:
        """The animation's clock: the step each frame shows, ``fps`` frames a second; a
        callout not kept to the end then shows :data:`LINGER` seconds from its moment."""
        self.timeline = np.maximum.accumulate(np.asarray(frame_steps, float))
        self.fps = float(fps)
        self.placed_for = None

    def _seconds(self, s: float) -> float:
        """When step ``s`` is first shown, in seconds from the animation's start."""
        return float(np.searchsorted(self.timeline, s - 1e-9)) / self.fps

    def _age(self, item, s: float) -> float:
        """Seconds item has shown at step ``s`` (0 at its moment; a still has no time)."""
        if self.timeline is None:
            return 0.0 if s >= self.steps else np.inf
        return self._seconds(s) - self._seconds(item[0])

    def _until(self, item) -> float:
        """The last step ``item`` shows at (the end for those kept to the end)."""
        if item in self.finals:
            return float(self.steps)
        if self.timeline is None:
            return float(item[0]) - 0.5  # a still shows only the kept ones
        after = self._seconds(item[0]) + LINGER
        k = min(int(np.ceil(after * self.fps)), len(self.timeline) - 1)
        return float(self.timeline[k])

    def current(self, s: float) -> list:
        """The items shown at step ``s``: each ball's latest moment that has come and not
        yet faded (:data:`LINGER`), or is kept to the end. Those kept show from their
        moment to the end, never pushed off; of the others the most recent fill up to
        :data:`AT_ONCE`. The last step shows the kept ones."""
        if s >= self.steps:
            return [item for item in self.finals if item[0] <= s]
        live = [it for it in self._per_ball(self.items, s)
                if it in self.finals or self._age(it, s) <= LINGER]  # fmt: skip
        live.sort(key=lambda item: (-item[0], self.items.index(item)))
        kept = [item for item in live if item in self.finals]
        others = [item for item in live if item not in self.finals]
        return [*kept, *others[: max(AT_ONCE - len(kept), 0)]]

    def _strength(self, item, s: float) -> float:
        """1, fading to 0 over the last :data:`FADE` seconds of a callout's stay."""
        if item in self.finals or self.timeline is None or FADE <= 0:
            return 1.0
        return float(np.clip((LINGER - self._age(item, s)) / FADE, 0.0, 1.0))
