"""Tolerant readers for the fields whose JSON type or spelling A2E varies. Pure functions: they never
raise, whatever they are given (property-tested).

Each reader tries the value A2E usually sends first (an exact ``str``), with the same result as the
general path below it: every answer goes through them, and they showed in the per-call benchmark."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Epoch values above this are read as milliseconds (1e11 seconds is the year 5138).
_MILLIS_THRESHOLD = 1e11


def text(value: object) -> str | None:
    """A string field: ``None`` for absent, null or blank; numbers are written out; other types ``None``."""
    if type(value) is str:
        return value if value and not value.isspace() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value) if not (isinstance(value, float) and not math.isfinite(value)) else None
    if isinstance(value, str):
        return value if value.strip() else None
    return None


def first_text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first non-blank string among ``keys`` (for fields A2E spells more than one way)."""
    for key in keys:
        found = text(data.get(key))
        if found is not None:
            return found
    return None


def error_code(value: object) -> str | None:
    """A2E's ``error_code`` as text, ``None`` when it means "no error".

    A2E sends ``"0"``, ``0``, ``null`` or ``""`` for "no error" and a string or an integer otherwise.
    Decision: one type (``str | None``) so that ``"1003"`` and ``1003`` compare equal; every zero-like
    value (``0``, ``0.0``, ``"0"``, ``" 0 "``, ``"0.0"``) becomes ``None``. The raw value stays in
    ``raw["error_code"]``.
    """
    if value is None or isinstance(value, bool):
        return None
    if type(value) is str and (value == "0" or not value):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value) or value == 0:
            return None
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        try:
            if float(stripped) == 0:
                return None
        except ValueError:
            pass
        return stripped
    return None


def integer(value: object) -> int | None:
    """A whole number (``duration``, ``count``): ints, integral floats and digit strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def number(value: object) -> float | int | None:
    """A number of unstated unit (``duration``): ints stay ints, finite floats stay floats."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(parsed):
            return None
        return int(parsed) if parsed.is_integer() else parsed
    return None


def timestamp(value: object) -> datetime | None:
    """An aware datetime from an ISO 8601 string (or, failing that, any date text dateutil reads, or
    epoch seconds / milliseconds). Naive values are taken as UTC. Absent, null, "" or garbage → None."""
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass  # blanks around it, or not ISO 8601: the general path
        else:
            return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            seconds = float(value)
            if not math.isfinite(seconds):
                return None
            if abs(seconds) > _MILLIS_THRESHOLD:
                seconds /= 1000.0
            return datetime.fromtimestamp(seconds, tz=UTC)
        if not isinstance(value, str) or not value.strip():
            return None
        stripped = value.strip()
        try:
            # The standard library reads the ISO 8601 text A2E sends ~50x faster than dateutil (a task
            # record has four timestamps: it showed in the per-call benchmark); dateutil for the rest.
            parsed = datetime.fromisoformat(stripped)
        except ValueError:
            from dateutil import parser as _dateutil  # rarely needed: imported then (import time)

            try:
                parsed = _dateutil.isoparse(stripped)
            except (ValueError, OverflowError):
                if not any(ch.isdigit() for ch in stripped):
                    return None
                parsed = _dateutil.parse(stripped)
    except (ValueError, OverflowError, TypeError, OSError, ArithmeticError):
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def result_url(value: object) -> str | None:
    """``result_url``: "" and null both mean "no result yet"."""
    if type(value) is str:
        return value.strip() or None
    found = text(value)
    return found.strip() if found is not None else None


def code(value: object) -> int | None:
    """The envelope ``code`` as an int (A2E documents an integer; a digit string is accepted)."""
    return integer(value)
