"""A bound on how long a test's code may run: a termination check, never a speed goal."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def ends_within(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the block once it has run `seconds` (the main thread only):
    code that would run for minutes fails the test instead of hanging the suite."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
