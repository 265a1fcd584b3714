"""A thread of the embedded scheduler that does one piece of work whenever it is woken: rendering and sending
the announcements a request has just recorded, without waiting for the next tick.

It replaced a one-off APScheduler job added at each wake-up, which failed in two ways. A wake-up that came
while the previous job still ran was skipped ("maximum number of running instances reached"), so the notices
it asked for waited for the next tick. And a scheduler shut down while such a job ran failed to remove it
afterwards (a ``JobLookupError`` logged from APScheduler's thread). Here, a wake-up during a run makes the
thread run once more afterwards; several wake-ups while it waits or runs make one run; ``stop`` lets a run
in progress finish and joins the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Waker:
    """Runs ``work`` in a thread of its own once per wake-up, wake-ups that come before it starts coalesced."""

    def __init__(self, work: Callable[[], None], name: str) -> None:
        self._work = work
        self._wanted = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Waker:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Ask for one run of the work, after the one in progress if there is one; never waits."""
        self._wanted.set()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop once the run in progress (if any) ends, running no other; ``True`` when the thread ended
        within ``timeout`` seconds."""
        self._stopping = True
        self._wanted.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping:
                return
            self._wanted.clear()
            try:
                self._work()
            except Exception:  # the work logs its own failures; the next tick does it again
                continue
