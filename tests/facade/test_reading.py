"""The bounded answer reader and the attempt deadline, sans I/O (``_reading``); the hostile-server
tests of the same rules are in tests/hostile/test_transport.py and test_waits.py."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest
from a2e_faceswap._reading import ERROR_LIMIT, SUCCESS_LIMIT, BodyReader, Deadline, attempt_limit
from a2e_faceswap.errors import APITimeoutError, UnreadableResponseError

MIB = 1024 * 1024


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def _reader(status: int = 200, encoding: str | None = None, deadline: float | None = None) -> BodyReader:
    headers = httpx.Headers({"Content-Encoding": encoding} if encoding else {})
    return BodyReader(httpx.Response(status, headers=headers), "get_task", Deadline(deadline))


def test_reader_keeps_the_first_64k_of_an_error_body_and_asks_to_stop() -> None:
    reader = _reader(500, "gzip")
    packed = gzip.compress(b"e" * MIB)
    stops = [reader.feed(packed[i : i + 4096], 0.0) for i in range(0, len(packed), 4096)]
    assert True in stops
    assert reader.body() == b"e" * ERROR_LIMIT


def test_reader_drops_bytes_after_the_end_of_a_compressed_stream() -> None:
    reader = _reader(200, "deflate, gzip")  # gzip applied last: undone first
    reader.feed(gzip.compress(_deflate(b'{"code": 0}', -zlib.MAX_WBITS)) + b"\0" * MIB, 0.0)
    assert reader.body() == b'{"code": 0}'


def test_reader_bounds_raw_bytes_too() -> None:
    reader = _reader(200, "gzip")
    reader.feed(gzip.compress(b"{}"), 0.0)

    def flood() -> None:
        for _ in range(SUCCESS_LIMIT // MIB + 2):
            reader.feed(b"\0" * MIB, 0.0)

    with pytest.raises(UnreadableResponseError) as caught:
        flood()
    assert type(caught.value).__name__ == "ResponseTooLargeError"


def test_reader_checks_the_deadline_between_chunks() -> None:
    reader = _reader(200, deadline=10.0)
    reader.feed(b"{", 9.9)
    with pytest.raises(APITimeoutError):
        reader.feed(b"}", 10.0)


def test_an_attempt_is_bounded_by_the_longest_part_of_its_timeout() -> None:
    assert attempt_limit(httpx.Timeout(60.0, connect=10.0)) == 60.0
    assert attempt_limit(httpx.Timeout(None, connect=5.0)) == 5.0
    assert attempt_limit(httpx.Timeout(None)) is None
    assert attempt_limit(2.5) == 2.5
    deadline = Deadline.start(httpx.Timeout(60.0, connect=10.0), now=100.0)
    assert deadline.phases(httpx.Timeout(60.0, connect=10.0), 155.0) == httpx.Timeout(5.0, connect=5.0)
    assert deadline.limit(None, 150.0) == 10.0
    assert deadline.limit(3.0, 150.0) == 3.0
