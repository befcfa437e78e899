"""Small types shared by the whole package: the "argument left out" sentinel and the timeout argument."""

from __future__ import annotations

import httpx

__all__ = ["NOT_GIVEN", "NotGiven", "TimeoutArg"]


class NotGiven:
    """Marks an argument left out (``None`` already means "no timeout")."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
#: A per-call timeout: seconds, an ``httpx.Timeout``, ``None`` (no limit), or left out (the client's).
TimeoutArg = float | httpx.Timeout | None | NotGiven
