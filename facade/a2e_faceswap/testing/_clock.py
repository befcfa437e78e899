"""The simulator's clock: simulated time runs ``speed`` times faster than real time, plus manual jumps.

Nothing ticks in the background (the webhook sender, ``_webhooks``, sleeps on it and is woken by
``advance()``). Every record stores the simulated second it was created at, and its
state is worked out from the clock whenever it is read, so a test that advances the clock by an hour
sees an hour's worth of progress on its next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SimClock:
    """Simulated seconds since the simulator was created.

    ``now()`` is ``real elapsed seconds * speed + every advance() so far``. A speed of 0 freezes time
    except for explicit advances, which makes state changes exactly reproducible.
    """

    def __init__(self, speed: float = 60.0, *, epoch: datetime | None = None) -> None:
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed}")
        self._lock = threading.Lock()
        self._speed = float(speed)
        self._real_start = time.monotonic()
        self._offset = 0.0
        self._listeners: list[Callable[[], None]] = []
        #: The wall-clock instant simulated second 0 stands for (used for the records' timestamps).
        self.epoch = (epoch or datetime.now(UTC)).astimezone(UTC)

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"speed must be >= 0, got {value}")
        with self._lock:
            # Re-base so that changing the speed never moves time backwards.
            now_real = time.monotonic()
            self._offset += (now_real - self._real_start) * self._speed
            self._real_start = now_real
            self._speed = float(value)
        self._moved()

    def now(self) -> float:
        """Simulated seconds elapsed since the clock was created."""
        with self._lock:
            return (time.monotonic() - self._real_start) * self._speed + self._offset

    def advance(self, seconds: float) -> None:
        """Move simulated time forward at once (negative values are refused)."""
        if seconds < 0:
            raise ValueError(f"cannot move the clock backwards ({seconds} s)")
        with self._lock:
            self._offset += seconds
        self._moved()

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each ``advance()`` or speed change (the webhook sender sleeps on it)."""
        self._listeners.append(listener)

    def _moved(self) -> None:
        for listener in tuple(self._listeners):
            listener()

    def timestamp(self, sim_seconds: float) -> str:
        """The ISO 8601 UTC text A2E uses (millisecond precision, ``Z`` suffix) for a simulated instant."""
        instant = self.epoch + timedelta(seconds=sim_seconds)
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"

    def __repr__(self) -> str:
        return f"SimClock(speed={self._speed}, now={self.now():.3f})"
