"""The rows of a batch: read from a manifest file or given as ``Job`` objects, every row checked
before anything is sent.

A manifest is CSV (a header naming ``face`` and ``video``, optionally ``name`` and ``output``) or
JSON Lines (one object a line with the same keys), chosen by the extension (``.csv``; ``.jsonl`` /
``.ndjson``), else by its first character (``{`` is JSON Lines). UTF-8, a BOM accepted; blank lines
are skipped. ``face`` and ``video`` are http(s) URLs or local files (relative ones are relative to
the manifest's folder, or to the current directory for jobs given in code); a local file must look
like media, by its first bytes or its extension (``MEDIA_SUFFIXES``), so a manifest from elsewhere
cannot upload a key or a config file.

A row's ``key`` is the first 16 hex digits of the SHA-256 of its face, video and output as written
(blanks around a cell stripped), NUL-separated: never its position, so reordering a manifest keeps
every key and changing a row's output gives it another. Its task name is ``task_name(batch id, key,
attempt)``. Refused, all together in one ``ManifestError`` naming each line: a missing or unknown
column, an empty face/video, a bad URL, a local file that is missing or unreadable, an output that
is absolute, leaves the folder (``..``), has an empty part, a part starting with ``.`` or a control
character, or names the report (``report.csv``); two rows writing one output (compared ignoring
case and Unicode normalisation), and exact duplicate rows (same key).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from attrs import frozen

from ._download import local_errors
from ._validation import check_http_url, media_source, read_head, user_path
from .errors import InvalidInputError, LocalFileError, ManifestError

__all__ = [
    "COLUMNS",
    "Job",
    "Row",
    "check_batch_id",
    "new_batch_id",
    "read_manifest",
    "rows_from_jobs",
    "shard_of",
    "task_name",
]

COLUMNS = ("face", "video", "name", "output")
REQUIRED = ("face", "video")
#: Outputs that would overwrite what the batch itself writes into the output folder.
RESERVED_OUTPUTS = frozenset({"report.csv"})
MAX_PART_BYTES = 255
_MEDIA_EXTENSIONS = (
    "jpg jpeg png webp gif bmp heic heif avif tif tiff mp4 m4v mov webm mkv avi flv wmv mpg mpeg 3gp ts"
)
#: A local file with one of these extensions is taken as media whatever its first bytes say.
MEDIA_SUFFIXES = frozenset(f".{extension}" for extension in _MEDIA_EXTENSIONS.split())
#: Problems shown in ``str(ManifestError)``; ``problems`` keeps them all.
BATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")

Source = str | Path


@frozen
class Job:
    """One swap given in code: ``face`` into ``video`` (each an http(s) URL or a local file).
    ``output``: the result's file name inside the output folder (default ``<row key>.mp4``)."""

    face: str | os.PathLike[str]
    video: str | os.PathLike[str]
    name: str | None = None
    output: str | None = None


@frozen
class Row:
    """One checked row (see the module docstring). ``face`` / ``video``: a URL (``str``) or an
    absolute ``Path``; ``output``: a relative file name inside the output folder."""

    line: int
    key: str
    face: Source
    video: Source
    name: str | None
    output: str


def check_batch_id(value: object) -> str:
    """A batch id goes into every task name: 1 to 32 letters, digits, ``-`` or ``_``."""
    if not isinstance(value, str) or BATCH_ID.fullmatch(value) is None:
        shown = repr(value)[:60]
        raise InvalidInputError(
            f"batch id must be 1 to 32 letters, digits, '-' or '_' (starting with a letter or digit), "
            f"got {shown}"
        )
    return value


def new_batch_id() -> str:
    """A new batch's id when none is given: 12 random hex digits."""
    return secrets.token_hex(6)


def task_name(batch_id: str, key: str, attempt: int) -> str:
    return f"a2e-batch-{batch_id}-{key}-{attempt}"


def shard_of(key: str, shards: int) -> int:
    """The shard (0 to ``shards`` - 1) a row key belongs to."""
    if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
        raise InvalidInputError(f"the number of shards must be an int >= 1, got {shards!r}")
    return int(key, 16) % shards


def row_key(face: str, video: str, output: str) -> str:
    text = "\0".join((face, video, output)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:16]


# ------------------------------------------------------------------ reading a manifest file


def read_manifest(path: str | os.PathLike[str]) -> list[Row]:
    """Every row of the manifest at ``path``, checked (see the module docstring). A manifest that
    cannot be read is ``LocalFileError``; anything wrong with its content, ``ManifestError``."""
    path = user_path(path).absolute()
    try:
        read_head(path, "manifest", 0)  # missing, a folder, a FIFO: refused (never blocks)
    except LocalFileError:
        raise
    except InvalidInputError as error:
        raise ManifestError([(0, str(error))]) from None
    with local_errors("read the manifest", path):
        data = path.read_bytes()
    return parse_manifest(data, path.parent, path.suffix.lower())


def parse_manifest(data: bytes, base: Path, suffix: str = "") -> list[Row]:
    """The rows of a manifest's bytes; local paths are relative to ``base``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ManifestError([(line, "the manifest is not UTF-8 text")]) from None
    first = text.lstrip()[:1]
    if suffix in (".jsonl", ".ndjson") or (suffix != ".csv" and first == "{"):
        cells, problems = _jsonl_cells(text)
    elif suffix != ".csv" and first == "[":
        raise ManifestError([(1, "a JSON array is not JSON Lines: write one object a line")])
    else:
        cells, problems = _csv_cells(text)
    if not cells and not problems:
        problems.append((0, "the manifest has no rows"))
    return _checked(cells, base, problems)


_Cells = list[tuple[int, dict[str, object]]]


def _csv_cells(text: str) -> tuple[_Cells, list[tuple[int, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out: _Cells = []
    header: list[str] | None = None
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            return out, [(reader.line_num, f"not valid CSV ({error})")]
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in record]
            problems = _header_problems(header, line)
            if problems:
                return out, problems
            continue
        if len(record) > len(header):
            return out, [(line, f"{len(record)} cells, the header names {len(header)}")]
        out.append((line, dict(zip(header, record, strict=False))))
    return out, []


def _header_problems(header: list[str], line: int) -> list[tuple[int, str]]:
    problems = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown)
        problems.append((line, f"unknown column {shown} (the columns are {', '.join(COLUMNS)})"))
    doubled = sorted({name for name in header if header.count(name) > 1 and name in COLUMNS})
    if doubled:
        problems.append((line, f"column {', '.join(doubled)} named twice"))
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        problems.append((line, f"no {' or '.join(missing)} column in the header"))
    return problems


def _jsonl_cells(text: str) -> tuple[_Cells, list[tuple[int, str]]]:
    out: _Cells = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as error:
            problems.append((number, f"not a JSON object ({str(error)[:80]})"))
            continue
        if not isinstance(value, dict):
            problems.append((number, f"not a JSON object (a {type(value).__name__})"))
            continue
        out.append((number, value))
    return out, problems


# ------------------------------------------------------------------ jobs given in code


def rows_from_jobs(jobs: Iterable[Job | Mapping[str, object]], base: Path) -> list[Row]:
    """The rows of jobs given in code (``Job`` or mappings with the manifest's keys), checked the same
    way; line ``n`` is the ``n``-th job and relative paths are relative to ``base``."""
    cells: _Cells = []
    problems: list[tuple[int, str]] = []
    try:
        for number, job in enumerate(jobs, start=1):
            if isinstance(job, Job):
                cells.append(
                    (number, {"face": job.face, "video": job.video, "name": job.name, "output": job.output})
                )
            elif isinstance(job, Mapping):
                cells.append((number, dict(job)))
            else:
                problems.append((number, f"a job must be a Job or a mapping, got {type(job).__name__}"))
    except TypeError:
        raise ManifestError([(0, f"jobs must be an iterable of Job, got {type(jobs).__name__}")]) from None
    return _checked(cells, Path(base).absolute(), problems)


# ------------------------------------------------------------------ the checks every row goes through


def _checked(cells: _Cells, base: Path, problems: list[tuple[int, str]]) -> list[Row]:
    rows: list[Row] = []
    sources: dict[tuple[str, str], Source | InvalidInputError] = {}  # (what, as written) -> checked
    keys: dict[str, int] = {}
    outputs: dict[str, int] = {}
    for line, cell in cells:
        row_problems: list[str] = []
        unknown = sorted(str(k)[:40] for k in cell if k not in COLUMNS)
        if unknown:
            row_problems.append(
                f"unknown key {', '.join(map(repr, unknown))} (the keys are {', '.join(COLUMNS)})"
            )
        written: dict[str, str] = {}
        checked: dict[str, Source] = {}
        for what in REQUIRED:
            value = cell.get(what)
            text = _written(value, what, required=True, problems=row_problems)
            if text is None:
                continue
            written[what] = text
            if (what, text) not in sources:
                sources[what, text] = _source(value if isinstance(value, os.PathLike) else text, what, base)
            result = sources[what, text]
            if isinstance(result, InvalidInputError):
                row_problems.append(str(result))
            else:
                checked[what] = result
        name = _written(cell.get("name"), "name", required=False, problems=row_problems)
        output_text = _written(cell.get("output"), "output", required=False, problems=row_problems)
        if output_text is not None:
            refusal = _output_problem(output_text)
            if refusal:
                row_problems.append(refusal)
        if row_problems or len(checked) < 2:
            problems.extend((line, text) for text in row_problems)
            continue
        key = row_key(written["face"], written["video"], output_text or "")
        if key in keys:
            problems.append((line, f"the same face, video and output as line {keys[key]}"))
            continue
        keys[key] = line
        output = output_text.replace("\\", "/") if output_text else f"{key}.mp4"
        folded = _folded("/".join(PurePosixPath(output).parts))
        if folded in outputs:
            problems.append((line, f"output {output!r} is also line {outputs[folded]}'s output"))
            continue
        outputs[folded] = line
        rows.append(Row(line, key, checked["face"], checked["video"], name, output))
    problems.extend(_nested_outputs(outputs))
    if problems:
        raise ManifestError(problems)
    return rows


def _written(value: object, what: str, *, required: bool, problems: list[str]) -> str | None:
    """The cell as written (blanks stripped); ``None`` when empty (a problem when ``required``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"empty {what}")
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, os.PathLike) and what in REQUIRED:
        text = os.fspath(value)
        if isinstance(text, str) and text.strip():
            return text
    problems.append(f"{what} must be a string, got {type(value).__name__}")
    return None


def _source(value: str | os.PathLike[str], what: str, base: Path) -> Source | InvalidInputError:
    """The checked URL or absolute path, or why not (an unreadable file's ``LocalFileError`` becomes
    one of the manifest's problems)."""
    if isinstance(value, str) and "://" in value:
        try:
            return check_http_url(value, what)
        except InvalidInputError as error:
            return error
    try:
        source = media_source(base / user_path(value), what)
        if isinstance(source, Path) and not _looks_like_media(source, what):
            return InvalidInputError(
                f"{what}: {str(source)[:200]!r} is neither an image nor a video (by its first bytes or its "
                "extension): a manifest never uploads other files"
            )
        return source
    except InvalidInputError as error:
        return error
    except LocalFileError as error:
        return InvalidInputError(str(error))


def _looks_like_media(path: Path, what: str) -> bool:
    """A manifest may come from elsewhere: its local files must look like media, so that a row cannot
    upload a key, a config file or ``/proc/self/environ`` (which holds the API token)."""
    from ._uploads import sniff_content_type

    try:
        real = path.resolve()  # a symlink "face.jpg" to a key is judged by what it leads to
    except (OSError, RuntimeError):
        real = path
    if {path.suffix.lower(), real.suffix.lower()} <= MEDIA_SUFFIXES:
        return True
    return sniff_content_type(read_head(path, what)[1]) != "application/octet-stream"


def _output_problem(output: str) -> str | None:
    shown = repr(output[:80])
    if any(unicodedata.category(ch).startswith("C") for ch in output):
        return f"output {shown} has a control character"
    if PureWindowsPath(output).drive or output.startswith(("/", "\\")):
        return f"output {shown} must be a relative file name, not an absolute path"
    if output.endswith(("/", "\\")):
        return f"output {shown} must name a file, not a folder"
    parts = output.replace("\\", "/").split("/")
    if ".." in parts:
        return f"output {shown} leaves the output folder"
    if any(not part.strip() for part in parts):
        return f"output {shown} has an empty part"
    if any(part.startswith(".") for part in parts):
        return f"output {shown} is hidden (a part starts with '.')"
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_PART_BYTES for part in parts):
        return f"output {shown} has a part longer than {MAX_PART_BYTES} bytes"
    if "/".join(parts).casefold() in RESERVED_OUTPUTS:
        return f"output {shown} is the name of the batch's report"
    return None


def _folded(output: str) -> str:
    """An output as a case- and normalisation-insensitive file system sees it (macOS, Windows)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", output).casefold())


def _nested_outputs(outputs: dict[str, int]) -> list[tuple[int, str]]:
    """An output that is also another's folder ("a.mp4" and "a.mp4/b.mp4")."""
    problems = []
    for output, line in outputs.items():
        parts = output.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in outputs:
                problems.append((line, f"output's folder {folder!r} is line {outputs[folder]}'s output"))
                break
    return problems
