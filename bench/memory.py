"""The peak resident memory of the calling process, in MB.

Read from ``VmHWM`` in ``/proc/self/status``: the high-water mark of this process's own
address space, which starts afresh at ``exec``. ``getrusage(RUSAGE_SELF).ru_maxrss`` does
not: Linux keeps it across ``exec``, so a child started by a large benchmark process
reports the parent's size at the fork (a basin map "peaked" at 732 MB that way, the
size of the process that started it). Elsewhere ``ru_maxrss`` is the fallback.
"""

from __future__ import annotations

import resource
import sys


def peak_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    scale = 2**20 if sys.platform == "darwin" else 2**10  # bytes on macOS, kB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
