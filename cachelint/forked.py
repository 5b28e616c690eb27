"""Run a function in a forked child process and collect the bytes it returns.

For work that is cheap to describe but long to do, such as stat-ing half the files of a warm
run: the child shares the parent's memory as it was at the fork, so nothing is sent to it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

can_fork = hasattr(os, "fork")


def start(fn: Callable[..., bytes], *args: object) -> Callable[[], bytes | None]:
    """Call `fn(*args)` in a child; the function returned waits for its bytes (None when the
    child could not be started or failed: the caller then does the work itself)."""
    try:
        r, w = os.pipe()
        pid = os.fork()
    except OSError:
        return lambda: None
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        status = 1
        try:
            os.close(r)
            data = fn(*args)
            with os.fdopen(w, "wb") as out:
                out.write(len(data).to_bytes(8, "little") + data)
            status = 0
        finally:
            os._exit(status)
    os.close(w)

    def result() -> bytes | None:
        with os.fdopen(r, "rb") as f:
            got = f.read()
        _, status = os.waitpid(pid, 0)
        size = int.from_bytes(got[:8], "little")
        if status != 0 or len(got) != 8 + size:
            return None
        return got[8:]

    return result
