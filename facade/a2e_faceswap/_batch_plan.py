"""What a batch would do, found without sending anything: ``plan(manifest)`` (the command's ``--dry-run``).

``plan`` reads and checks the manifest as ``client.batch.run`` does (``_manifest``: every problem with
its line, raised together), keeps the shard's rows, and counts the unique local uploads by content
hash (``_batch.Inputs`` uploads each one once). ``states(journal_path)`` reads an existing journal's
row states without taking its run lock, for progress shown from the first moment of a resumed run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from ._batches import JOURNAL_NAME, _shard
from ._download import local_errors
from ._manifest import Row, check_batch_id, read_manifest, shard_of

__all__ = ["BatchPlan", "plan", "states"]


@frozen
class BatchPlan:
    """The rows of one run (its shard's, when sharded) and the local files it would upload."""

    rows: tuple[Row, ...]
    #: rows in the manifest, every shard
    manifest_rows: int
    #: distinct local files by content: (sha256, one path holding it, size in bytes)
    uploads: tuple[tuple[str, Path, int], ...]

    def quote_body(self) -> dict[str, Any]:
        """A create body to ask A2E's quote for one task (as ``client.batch.run`` asks it)."""
        row = self.rows[0] if self.rows else None
        face = row.face if row is not None and isinstance(row.face, str) else "https://example.com/face.jpg"
        video = (
            row.video if row is not None and isinstance(row.video, str) else "https://example.com/video.mp4"
        )
        return {"name": "quote", "face_url": face, "video_url": video}


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with local_errors("read", path), path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def plan(
    manifest: str | os.PathLike[str],
    *,
    shard: str | tuple[int, int] | None = None,
    batch_id: str | None = None,
    uploads: bool = True,
) -> BatchPlan:
    """The plan of a run of ``manifest`` (``ManifestError`` / ``InvalidInputError`` as ``run`` raises);
    ``uploads=False`` leaves ``BatchPlan.uploads`` empty instead of reading every local file."""
    if batch_id is not None:
        check_batch_id(batch_id)
    where = _shard(shard, batch_id)
    rows = read_manifest(Path(manifest))
    total = len(rows)
    if where is not None:
        rows = [row for row in rows if shard_of(row.key, where[1]) == where[0]]
    seen: dict[str, tuple[str, Path, int]] = {}
    by_path: dict[Path, str] = {}
    for row in rows if uploads else ():
        for source in (row.face, row.video):
            if isinstance(source, Path) and source not in by_path:
                digest = by_path[source] = _digest(source)
                if digest not in seen:
                    seen[digest] = (digest, source, source.stat().st_size)
    return BatchPlan(rows=tuple(rows), manifest_rows=total, uploads=tuple(seen.values()))


def states(
    out_dir: str | os.PathLike[str], journal: str | os.PathLike[str] | None = None
) -> Mapping[str, str]:
    """Row key → state in the batch's existing journal (``{}`` when there is none or it cannot be read:
    the run itself reports why)."""
    from ._journal import Journal
    from .errors import JournalError

    path = Path(journal) if journal is not None else Path(out_dir) / JOURNAL_NAME
    if not path.exists():
        return {}
    try:
        with Journal.open(path, batch_id=None, create=False, exclusive=False) as opened:
            return {record.key: record.state for record in opened.rows()}
    except JournalError:
        return {}
