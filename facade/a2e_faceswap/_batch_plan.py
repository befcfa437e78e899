"""What a batch would do, found without sending anything: ``plan(jobs)`` (``client.batch.plan``, the
command's ``--dry-run``), and the steps ``client.batch.run`` shares with it.

``select`` reads and checks the rows (``_manifest``: every problem with its line, raised together) and
keeps the shard's; ``plan`` adds the unique local uploads by content hash (``file_digest``: a local
file used by many rows is uploaded once). ``states``, ``stored_batch_id`` and ``stored_spending`` read
an existing journal (its row states, its batch id, what its runs spent) without taking its run lock:
for progress shown from the first moment of a resumed run, the command's webhook token and the dry
run's budget; ``unrecorded_spending`` is the one rule by which a run and the dry run count what a
stopped run spent after its last balance reading.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from ._download import local_errors
from ._manifest import Job, Row, check_batch_id, read_manifest, rows_from_jobs, shard_of
from ._validation import user_path
from .errors import InvalidInputError

if TYPE_CHECKING:
    from ._journal import Journal

__all__ = [
    "JOURNAL_NAME",
    "BatchPlan",
    "Jobs",
    "file_digest",
    "journal_path",
    "manifest_path",
    "plan",
    "quote_body",
    "select",
    "states",
    "stored_batch_id",
    "stored_spending",
    "unrecorded_spending",
]

JOURNAL_NAME = ".a2e-batch.sqlite"
_PLACEHOLDER_FACE = "https://example.com/face.jpg"
_PLACEHOLDER_VIDEO = "https://example.com/video.mp4"


def parse_shard(shard: object, batch_id: str | None) -> tuple[int, int] | None:
    """``"K/N"`` or ``(K, N)`` with 0 <= K < N; a shard needs the batch id every machine shares."""
    if shard is None:
        return None
    if isinstance(shard, str):
        k, _, n = shard.partition("/")
        shard = (int(k), int(n)) if k.isdigit() and n.isdigit() else None
    if not (isinstance(shard, tuple) and len(shard) == 2 and all(isinstance(v, int) for v in shard)):
        raise InvalidInputError(f"shard must be 'K/N' or (K, N), got {shard!r}")
    k, n = shard
    if not 0 <= k < n:
        raise InvalidInputError(f"shard K/N needs 0 <= K < N, got {k}/{n}")
    if batch_id is None:
        raise InvalidInputError("a shard needs the batch id shared by every machine (batch_id=...)")
    return k, n


def select(jobs: Jobs, shard: object = None, batch_id: str | None = None) -> tuple[list[Row], int]:
    """The checked rows of this run (its shard's), and how many rows the jobs hold in all."""
    if batch_id is not None:
        check_batch_id(batch_id)
    where = parse_shard(shard, batch_id)
    if isinstance(jobs, BatchPlan):  # checked already: its rows (its shard's) as they are
        rows, total = list(jobs.rows), jobs.manifest_rows
    elif isinstance(jobs, str | os.PathLike):
        rows = read_manifest(Path(jobs))
        total = len(rows)
    else:
        rows = rows_from_jobs(jobs, Path.cwd())
        total = len(rows)
    if where is not None:
        rows = [row for row in rows if shard_of(row.key, where[1]) == where[0]]
    return rows, total


def quote_body(rows: Sequence[Row]) -> dict[str, Any]:
    """A create body to ask A2E's quote for one task (only its pricing fields matter to A2E)."""
    row = rows[0] if rows else None
    face = row.face if row is not None and isinstance(row.face, str) else _PLACEHOLDER_FACE
    video = row.video if row is not None and isinstance(row.video, str) else _PLACEHOLDER_VIDEO
    return {"name": "quote", "face_url": face, "video_url": video}


@frozen
class BatchPlan:
    """The rows of one run (its shard's, when sharded) and the local files it would upload."""

    rows: tuple[Row, ...]
    #: rows in the manifest, every shard
    manifest_rows: int
    #: distinct local files by content: (sha256, one path holding it, size in bytes)
    uploads: tuple[tuple[str, Path, int], ...]
    #: the manifest file the rows were read from (None: jobs given in code)
    manifest: Path | None = None

    def quote_body(self) -> dict[str, Any]:
        """A create body to ask A2E's quote for one task (as ``client.batch.run`` asks it)."""
        return quote_body(self.rows)


#: A manifest's path, jobs given in code, or the ``BatchPlan`` of either (checked once, not again).
Jobs = str | os.PathLike[str] | BatchPlan | Iterable[Job | Mapping[str, Any]]


def file_digest(path: Path) -> str:
    """The SHA-256 of a local file's content (read in 1 MiB chunks; failures are ``LocalFileError``)."""
    digest = hashlib.sha256()
    with local_errors("read", path), path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def plan(
    jobs: Jobs,
    *,
    shard: str | tuple[int, int] | None = None,
    batch_id: str | None = None,
    uploads: bool = True,
) -> BatchPlan:
    """The plan of a run of ``jobs`` (``ManifestError`` / ``InvalidInputError`` as ``run`` raises);
    ``uploads=False`` leaves ``BatchPlan.uploads`` empty instead of reading every local file."""
    rows, total = select(jobs, shard, batch_id)
    seen: dict[str, tuple[str, Path, int]] = {}
    by_path: dict[Path, str] = {}
    for row in rows if uploads else ():
        for source in (row.face, row.video):
            if isinstance(source, Path) and source not in by_path:
                digest = by_path[source] = file_digest(source)
                if digest not in seen:
                    seen[digest] = (digest, source, source.stat().st_size)
    return BatchPlan(
        rows=tuple(rows), manifest_rows=total, uploads=tuple(seen.values()), manifest=manifest_path(jobs)
    )


def manifest_path(jobs: Jobs) -> Path | None:
    """The manifest file ``jobs`` come from, if any."""
    if isinstance(jobs, BatchPlan):
        return jobs.manifest
    return Path(jobs) if isinstance(jobs, str | os.PathLike) else None


def journal_path(out_dir: str | os.PathLike[str], journal: str | os.PathLike[str] | None) -> Path:
    """Where a batch's journal is: ``journal`` if given, else ``out_dir/.a2e-batch.sqlite`` (``~``
    expanded, as the run does)."""
    return user_path(journal) if journal is not None else user_path(out_dir) / JOURNAL_NAME


@contextlib.contextmanager
def _existing_journal(
    out_dir: str | os.PathLike[str], journal: str | os.PathLike[str] | None
) -> Iterator[Journal | None]:
    """The batch's journal opened for reading beside a run, or ``None`` when there is none or it
    cannot be read (the run itself then reports why)."""
    from ._journal import Journal
    from .errors import JournalError

    path = journal_path(out_dir, journal)
    if not path.exists():
        yield None
        return
    try:
        opened = Journal.open(path, batch_id=None, create=False, exclusive=False)
    except JournalError:
        yield None
        return
    with opened:
        yield opened


def stored_batch_id(
    out_dir: str | os.PathLike[str], journal: str | os.PathLike[str] | None = None
) -> str | None:
    """The id kept in the batch's existing journal (``None``: no journal, or one that cannot be read)."""
    with _existing_journal(out_dir, journal) as opened:
        return None if opened is None else opened.batch_id


def unrecorded_spending(seen: float | None, coins: float | None) -> float:
    """What was spent after the balance ``seen`` an earlier run last counted up to, read as ``coins``
    now (a run stopped before its next reading); a balance that rose counts nothing."""
    return 0.0 if seen is None or coins is None else max(0.0, seen - coins)


def stored_spending(
    out_dir: str | os.PathLike[str], journal: str | os.PathLike[str] | None, balance: float | None
) -> float:
    """The credits the batch's earlier runs spent, counted as a run would with ``balance`` read now
    (0 when there is no journal, or one that cannot be read: the run itself reports why)."""
    from .errors import JournalError

    try:
        with _existing_journal(out_dir, journal) as opened:
            if opened is None:
                return 0.0
            return opened.credits_spent() + unrecorded_spending(opened.balance_seen(), balance)
    except JournalError:
        return 0.0


def states(
    out_dir: str | os.PathLike[str], journal: str | os.PathLike[str] | None = None
) -> Mapping[str, str]:
    """Row key → state in the batch's existing journal (``{}`` when there is none or it cannot be read:
    the run itself reports why)."""
    from .errors import JournalError

    try:
        with _existing_journal(out_dir, journal) as opened:
            return {} if opened is None else {record.key: record.state for record in opened.rows()}
    except JournalError:
        return {}
