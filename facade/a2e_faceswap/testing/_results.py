"""Result files: deterministic bytes of any size, produced on the fly instead of stored.

Byte ``i`` of the file of resource ``rid`` is ``pattern(rid)[i % PATTERN_SIZE]``, where the pattern is
256 KiB of pseudo-random bytes seeded by the id. Any byte range can be produced without producing what
comes before it, so a 1 GiB download (or its resumption with ``Range``) costs no memory.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Iterator

PATTERN_SIZE = 256 * 1024


@functools.lru_cache(maxsize=64)
def pattern(resource_id: str) -> bytes:
    """The repeating block of a resource's result file."""
    return random.Random(f"a2e-sim-result:{resource_id}").randbytes(PATTERN_SIZE)  # noqa: S311


def iter_bytes(resource_id: str, start: int, end: int, chunk_size: int = PATTERN_SIZE) -> Iterator[bytes]:
    """Bytes ``start`` to ``end`` (exclusive) of the resource's file, in chunks of at most chunk_size."""
    block = pattern(resource_id)
    position = start
    while position < end:
        offset = position % PATTERN_SIZE
        length = min(chunk_size, PATTERN_SIZE - offset, end - position)
        yield block[offset : offset + length]
        position += length


def result_bytes(resource_id: str, size: int) -> bytes:
    """The whole file (for tests comparing a small download)."""
    return b"".join(iter_bytes(resource_id, 0, size))


def result_sha256(resource_id: str, size: int) -> str:
    """sha256 hex digest of the whole file, computed without holding it in memory."""
    digest = hashlib.sha256()
    for chunk in iter_bytes(resource_id, 0, size):
        digest.update(chunk)
    return digest.hexdigest()
