"""The tolerant readers' fast paths for an exact ``str`` (see ``_parsing``'s docstring) give what their
general paths give: a ``str`` subclass skips the fast path, so both paths read the same text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from a2e_faceswap import TaskStatus
from a2e_faceswap import _parsing as parsing
from hypothesis import example, given
from hypothesis import strategies as st


class _Text(str):
    """A ``str`` that is not exactly ``str``: the readers take their general path for it."""

    __slots__ = ()


TIMES = st.datetimes().map(lambda moment: moment.isoformat()) | st.sampled_from(
    ["2024-06-21T03:20:22.436Z", " 2024-06-21T03:20:22Z ", "2024-06-21", "21 June 2024", "", "  ", "x"]
)
TEXTS = st.text() | st.sampled_from(["0", " 0 ", "0.0", "", " ", "\u2003", "processing", " Pendding ", "7"])

READERS: dict[str, Callable[[object], object]] = {
    "text": parsing.text,
    "error_code": parsing.error_code,
    "result_url": parsing.result_url,
    "timestamp": parsing.timestamp,
    "status": TaskStatus.parse,
}


@pytest.mark.parametrize("name", sorted(READERS))
@given(value=TEXTS | TIMES)
@example(value="2024-06-21T03:20:22+02:00")
def test_fast_path_reads_like_the_general_path(name: str, value: str) -> None:
    read = READERS[name]
    assert read(value) == read(_Text(value))
