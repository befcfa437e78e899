"""A batch's journal: one SQLite file (the standard library's ``sqlite3``, WAL) that records each
row's state, so a run killed at any moment can be continued.

States: ``pending`` → ``creating`` (task name, attempt, attempted at; written **before** the create is
sent) → ``created`` (task id) → ``completed`` (result URL) → ``saved`` (result path); or ``failed``
(message, error code, task id if any) or ``doubt`` (a create whose outcome is unknown). Each ``mark_*``
is one committed transaction; the ones money depends on (``creating``, ``created``, uploads) are
synced to disk (``synchronous=FULL``) before they return, the others survive a killed process.

The file holds its schema version (``PRAGMA user_version``), an application id, the batch id and the
credits its runs spent so far (``credits_spent``, with ``balance_seen``, the balance that total was
counted up to when no quote gave a task's cost: kept by the scheduler, ``_batch``). A
file of another batch id or schema version is *foreign*; one that is not SQLite or lacks the tables
is *corrupt*: both are refused with ``JournalError`` and never written. A new journal is built in a
temporary file and moved into place, so a kill while creating leaves no half-made journal.

Rows are known by key (``_manifest``): a later run's rows may be reordered or appended to; a journaled
row missing from the manifest (changed or removed) is refused with its line.

One run at a time: an ``exclusive`` journal (the default) holds a lock on ``<journal>.lock`` until it
is closed (the system drops it when the process dies), so two runs of one batch never both create
a row. The lock sits beside the journal's real file (symlinks to it share one lock) and is never
opened through a symlink nor anything but a regular file. Readers (a report, a status view) open
it with ``exclusive=False``. No lock where ``fcntl`` is missing (Windows).
"""

from __future__ import annotations

import contextlib
import errno
import io
import math
import os
import secrets
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from glob import escape as glob_escape
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from attrs import frozen

from ._download import local_errors
from ._manifest import Row, check_batch_id, new_batch_id
from ._validation import user_path
from .errors import InvalidInputError, JournalError, LocalFileError

__all__ = ["SCHEMA_VERSION", "STATES", "Journal", "RowRecord"]

SCHEMA_VERSION: Final = 1
#: "a2eB": tells our journal from any other SQLite file.
APPLICATION_ID: Final = 0x61326542
STATES: Final = ("pending", "creating", "created", "completed", "saved", "failed", "doubt")
#: Seconds a write waits for another connection's lock before giving up.
BUSY_TIMEOUT: Final = 10.0
SHOWN_LINES: Final = 20

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (
    key TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    face TEXT NOT NULL,
    video TEXT NOT NULL,
    name TEXT,
    output TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    task_name TEXT,
    attempted_at TEXT,
    task_id TEXT,
    result_url TEXT,
    result_path TEXT,
    message TEXT,
    code TEXT
);
CREATE INDEX rows_state ON rows (state);
CREATE TABLE uploads (content_hash TEXT PRIMARY KEY, url TEXT NOT NULL, uploaded_at TEXT NOT NULL);
"""
_TABLES = frozenset({"meta", "rows", "uploads"})
_FIELDS = (
    "key, line, face, video, name, output, state, attempt, task_name, attempted_at, task_id, "
    "result_url, result_path, message, code"
)
# sqlite3 error codes that are the file system's fault, not the journal's
_LOCAL_CODES = frozenset({3, 8, 10, 13, 14})  # PERM, READONLY, IOERR, FULL, CANTOPEN
_BUSY_CODES = frozenset({5, 6})  # BUSY, LOCKED


@frozen
class RowRecord:
    """One row as the journal holds it (``face`` / ``video``: the URL or the absolute path)."""

    key: str
    line: int
    face: str
    video: str
    name: str | None
    output: str
    state: str
    attempt: int
    task_name: str | None
    attempted_at: datetime | None
    task_id: str | None
    result_url: str | None
    result_path: str | None
    message: str | None
    code: str | None


class Journal:
    """An open journal (see the module docstring). Use ``Journal.open``; close it, or use ``with``.
    Safe to call from several threads (one connection, one lock)."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path, batch_id: str, run_lock: io.BufferedRandom | None
    ) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self._run_lock = run_lock
        self.path = path
        self.batch_id = batch_id

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        batch_id: str | None,
        create: bool = True,
        exclusive: bool = True,
    ) -> Journal:
        """The journal at ``path``; a new one (with ``batch_id``, or a random one) when there is none
        and ``create``. ``batch_id`` given and another one stored: ``JournalError`` (foreign).
        ``exclusive``: refuse (``JournalError``) while another run has it open."""
        path = _journal_path(path)
        if batch_id is not None:
            batch_id = check_batch_id(batch_id)
        if not _exists(path):
            if not create:
                raise JournalError(f"no batch journal at {str(path)!r}")
            _build(path, batch_id or new_batch_id())
        with _errors(path, "open"):
            connection = sqlite3.connect(
                f"{path.as_uri()}?mode=rw",
                uri=True,
                timeout=BUSY_TIMEOUT,
                isolation_level=None,
                check_same_thread=False,
            )
        run_lock = None
        try:
            stored = _identify(connection, path)  # reads only: a foreign file is left as it is
            if batch_id is not None and stored != batch_id:
                raise JournalError(
                    f"{str(path)!r} is the journal of batch {stored!r}, not {batch_id!r}: it is left as it "
                    "is (use another output folder or journal path, or that batch id)"
                )
            run_lock = _run_lock(path) if exclusive else None
            with _errors(path, "open"):
                mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                connection.execute("PRAGMA synchronous=NORMAL")
            if str(mode).lower() != "wal":
                raise JournalError(f"the journal {str(path)!r} cannot use WAL mode (got {mode!r})")
        except BaseException:
            connection.close()
            if run_lock is not None:
                run_lock.close()
            raise
        return cls(connection, path, stored, run_lock)

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._run_lock is not None:
                self._run_lock.close()  # drops the lock

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- the rows

    def sync_rows(self, rows: Sequence[Row]) -> None:
        """Store this run's rows: new keys as ``pending``, known keys' line and fields updated. A
        journaled key this run does not pass is refused (its row was changed or removed)."""
        with self._transaction() as db:
            known = dict(db.execute("SELECT key, line FROM rows").fetchall())
            given = {row.key for row in rows}
            by_line = {row.line: row.key for row in rows}
            gone = sorted((line, key) for key, line in known.items() if key not in given)
            if gone:
                problems = [
                    f"line {line}: "
                    + ("changed" if by_line.get(line, key) not in known else "removed")
                    + f" since the journal recorded it (row key {key})"
                    for line, key in gone
                ]
                more = len(problems) - SHOWN_LINES
                raise JournalError(
                    f"the manifest no longer matches the journal {str(self.path)!r} (rows may be appended, "
                    "never changed or removed; use a new output folder or journal for another batch):\n  "
                    + "\n  ".join(problems[:SHOWN_LINES] + ([f"... and {more} more"] if more > 0 else []))
                )
            db.executemany(
                "INSERT INTO rows (key, line, face, video, name, output, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (key) DO UPDATE SET "
                "line = excluded.line, face = excluded.face, video = excluded.video, name = excluded.name, "
                "output = excluded.output",
                [(r.key, r.line, str(r.face), str(r.video), r.name, r.output) for r in rows],
            )

    def rows(self, states: Iterable[str] | None = None) -> list[RowRecord]:
        """Every row (or those in ``states``), by line."""
        query = f"SELECT {_FIELDS} FROM rows"  # noqa: S608 (fixed names; values are bound)
        wanted: list[str] = []
        if states is not None:
            wanted = list(states)
            query += f" WHERE state IN ({', '.join('?' * len(wanted))})"
        with self._reading() as db:
            found = db.execute(query + " ORDER BY line, key", wanted).fetchall()
        return [self._record(values) for values in found]

    def counts(self) -> dict[str, int]:
        """The number of rows in each state (every state named, 0 included)."""
        with self._reading() as db:
            found = dict(db.execute("SELECT state, count(*) FROM rows GROUP BY state").fetchall())
        return {state: int(found.pop(state, 0)) for state in STATES} | found

    # ---------------------------------------------------------------- state changes (one transaction each)

    def mark_creating(self, key: str, name: str, attempt: int, at: datetime) -> None:
        self._mark(
            key,
            "state = 'creating', task_name = ?, attempt = ?, attempted_at = ?, task_id = NULL, "
            "result_url = NULL, result_path = NULL, message = NULL, code = NULL",
            (name, attempt, _iso(at)),
            durable=True,
        )

    def mark_created(self, key: str, task_id: str) -> None:
        self._mark(key, "state = 'created', task_id = ?, message = NULL", (task_id,), durable=True)

    def mark_completed(self, key: str, result_url: str) -> None:
        self._mark(key, "state = 'completed', result_url = ?", (result_url,))

    def mark_saved(self, key: str, path: str | os.PathLike[str]) -> None:
        self._mark(key, "state = 'saved', result_path = ?, message = NULL", (os.fspath(path),))

    def mark_failed(self, key: str, message: str, code: str | None, task_id: str | None = None) -> None:
        self._mark(
            key,
            "state = 'failed', message = ?, code = ?, task_id = coalesce(?, task_id)",
            (message, code, task_id),
        )

    def mark_doubt(self, key: str, reason: str) -> None:
        self._mark(key, "state = 'doubt', message = ?", (reason,), durable=True)

    def mark_pending(self, key: str) -> None:
        """A create known never to have been applied: the row is sent again (same attempt, same name)."""
        self._mark(
            key,
            "state = 'pending', task_name = NULL, attempted_at = NULL, task_id = NULL, message = NULL, "
            "code = NULL",
            (),
        )

    def retry_failed(self) -> int:
        """Failed rows back to ``pending`` with the next attempt (so a new task name); how many."""
        with self._transaction(durable=True) as db:
            cursor = db.execute(
                "UPDATE rows SET state = 'pending', attempt = attempt + 1, task_name = NULL, "
                "attempted_at = NULL, task_id = NULL, result_url = NULL, result_path = NULL, "
                "message = NULL, code = NULL WHERE state = 'failed'"
            )
            return int(cursor.rowcount)

    # ---------------------------------------------------------------- the batch's spending

    def credits_spent(self) -> float:
        """The credits this batch's runs spent, as last recorded (0 before any)."""
        return self._amount("credits_spent", "credits spent", signed=False) or 0.0

    def balance_seen(self) -> float | None:
        """The balance ``credits_spent`` was counted up to (None: not counted from the balance)."""
        return self._amount("balance_seen", "balance seen", signed=True)

    def record_spent(self, total: float, balance: float | None) -> None:
        """Record what the batch's runs spent so far, and the balance it was counted up to (synced: it
        is written before a create is sent)."""
        with self._transaction(durable=True) as db:
            db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('credits_spent', ?)",
                (repr(max(0.0, float(total))),),
            )
            db.execute("DELETE FROM meta WHERE name = 'balance_seen'")
            if balance is not None:
                db.execute(
                    "INSERT INTO meta (name, value) VALUES ('balance_seen', ?)", (repr(float(balance)),)
                )

    def _amount(self, name: str, what: str, *, signed: bool) -> float | None:
        with self._reading() as db:
            found = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        if found is None:
            return None
        try:
            value = float(found[0])
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and (signed or value >= 0)):
            raise JournalError(f"the journal {str(self.path)!r} is corrupt ({what} {found[0]!r})")
        return value

    # ---------------------------------------------------------------- uploads (by content hash)

    def upload_for(self, content_hash: str) -> str | None:
        with self._reading() as db:
            found = db.execute("SELECT url FROM uploads WHERE content_hash = ?", (content_hash,)).fetchone()
        return None if found is None else str(found[0])

    def record_upload(self, content_hash: str, url: str) -> None:
        with self._transaction(durable=True) as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads (content_hash, url, uploaded_at) VALUES (?, ?, ?)",
                (content_hash, url, _iso(datetime.now(UTC))),
            )

    # ---------------------------------------------------------------- plumbing

    def _mark(self, key: str, assignments: str, values: tuple[Any, ...], *, durable: bool = False) -> None:
        with self._transaction(durable=durable) as db:
            cursor = db.execute(f"UPDATE rows SET {assignments} WHERE key = ?", (*values, key))  # noqa: S608
            if cursor.rowcount != 1:
                raise JournalError(f"no row {key!r} in the journal {str(self.path)!r}")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _errors(self.path, "read"):
            yield self._db

    @contextlib.contextmanager
    def _transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock, _errors(self.path, "write"):
            db = self._db
            db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # also after a COMMIT that failed (disk full): never left open
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise

    def _record(self, values: tuple[Any, ...]) -> RowRecord:
        try:
            fields = list(values)
            fields[9] = _parse_time(fields[9])
            record = RowRecord(*fields)
            ok = record.state in STATES and isinstance(record.line, int) and isinstance(record.attempt, int)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise JournalError(f"the journal {str(self.path)!r} is corrupt (row {str(values[0])[:40]!r})")
        return record


def _journal_path(path: object) -> Path:
    text = os.fspath(path) if isinstance(path, str | os.PathLike) else None
    if not isinstance(text, str) or not text.strip() or "\0" in text:
        raise InvalidInputError(f"the journal must be a file path, got {str(path)[:80]!r}")
    return user_path(text).absolute()


def _exists(path: Path) -> bool:
    """Whether a journal file is there (an empty file counts as none); not a regular file: refused."""
    with local_errors("read the journal", path):
        try:
            info = path.stat()
        except FileNotFoundError:
            return False
    if not stat.S_ISREG(info.st_mode):
        raise JournalError(f"the journal path {str(path)!r} is not a regular file")
    return info.st_size > 0


def _run_lock(path: Path) -> io.BufferedRandom | None:
    """The open, locked ``<journal>.lock`` (our process id written in it), or ``JournalError`` naming
    the process that holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    real = path.resolve()  # one lock per journal file, however many symlinks lead to it
    name = real.with_name(real.name + ".lock")
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    with local_errors("lock the journal", name):
        try:
            fd = os.open(name, flags, 0o644)  # never through a symlink, never blocked by a FIFO
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
            fd = -1
    if fd < 0 or not stat.S_ISREG(os.fstat(fd).st_mode):
        if fd >= 0:
            os.close(fd)
        raise JournalError(f"the journal's lock {str(name)!r} is not a regular file: it is left as it is")
    handle = os.fdopen(fd, "r+b")  # kept open: closing it unlocks
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read(20).decode("ascii", "replace").strip() or "unknown"
            raise JournalError(
                f"the journal {str(path)!r} is in use by another run (process {holder}): wait for it to "
                "end, or stop it"
            ) from None
        with _errors(name, "lock"):
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()).encode())
            handle.flush()
    except BaseException:
        handle.close()
        raise
    return handle


def _build(path: Path, batch_id: str) -> None:
    """A new journal, made aside and linked into place (never over a file another run made meanwhile).
    What a run killed while building left (``.<name>.*.new``, older than a minute) is removed."""
    _sweep(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    try:
        with _errors(path, "create"):
            connection = sqlite3.connect(temporary, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(f"PRAGMA application_id={APPLICATION_ID}")
                connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                connection.execute("BEGIN")
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    connection.execute(statement)
                connection.executemany(
                    "INSERT INTO meta (name, value) VALUES (?, ?)",
                    [("batch_id", batch_id), ("created_at", _iso(datetime.now(UTC)))],
                )
                connection.execute("COMMIT")
            finally:
                connection.close()
            try:
                os.link(temporary, path)
            except FileExistsError:
                if path.stat().st_size == 0:  # an empty file stands for no journal
                    os.replace(temporary, path)
            except OSError:  # no hard links on this file system
                if not _exists(path):
                    os.replace(temporary, path)
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _sweep(path: Path) -> None:
    cutoff = datetime.now(UTC).timestamp() - 60
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f".{glob_escape(path.name)}.*.new*"):
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()


def _identify(connection: sqlite3.Connection, path: Path) -> str:
    """The batch id of the journal behind ``connection``; reads only."""
    shown = repr(str(path))
    try:
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if application != APPLICATION_ID or not tables >= _TABLES:
            raise JournalError(
                f"{shown} is not an a2e-faceswap batch journal (an SQLite file without the journal's tables):"
                " it is left as it is"
            )
        if version != SCHEMA_VERSION:
            raise JournalError(
                f"{shown} is a batch journal of schema version {version}, this version reads "
                f"{SCHEMA_VERSION}: it is left as it is"
            )
        found = connection.execute("SELECT value FROM meta WHERE name = 'batch_id'").fetchone()
    except sqlite3.Error as error:
        raise _converted(error, path, "read") from None
    if found is None or not isinstance(found[0], str):
        raise JournalError(f"the journal {shown} is corrupt (no batch id)")
    return found[0]


@contextlib.contextmanager
def _errors(path: Path, what: str) -> Iterator[None]:
    with local_errors(f"{what} the journal", path):
        try:
            yield
        except sqlite3.Error as error:
            raise _converted(error, path, what) from None


def _converted(error: sqlite3.Error, path: Path, what: str) -> Exception:
    shown = repr(str(path))
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _LOCAL_CODES:
        return LocalFileError(f"cannot {what} the journal {shown}: {error}", filename=str(path))
    if primary in _BUSY_CODES:
        return JournalError(f"the journal {shown} is locked by another process ({error})")
    if isinstance(error, sqlite3.DatabaseError) and primary in (11, 26, None):  # CORRUPT, NOTADB
        return JournalError(
            f"{shown} is not a readable batch journal (corrupt: {error}): it is left as it is"
        )
    return JournalError(f"cannot {what} the journal {shown}: {error}")


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _parse_time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    return datetime.fromisoformat(value)
