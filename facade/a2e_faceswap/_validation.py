"""Input checks run before any request: each raises ``InvalidInputError`` (a ``ValueError``), except
a local file that exists but cannot be read: ``LocalFileError`` (an ``OSError``).

Ids are 24 hex digits (``ID_PATTERN``, the contract's ``pattern``); URLs must be ones httpx can send.
``answered_id`` holds an id from an answer to the same format, and blames the server.
"""

from __future__ import annotations

import errno
import ipaddress
import math
import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .errors import InsecureURLError, InvalidInputError, LocalFileError, UnreadableResponseError

__all__ = [
    "GLOBAL_BASE_URL",
    "ID_PATTERN",
    "REGIONS",
    "MediaSource",
    "answered_id",
    "check_deadline",
    "check_http_url",
    "check_id",
    "check_ids",
    "check_model_version",
    "check_name",
    "check_page",
    "check_page_size",
    "check_request_timeout",
    "check_webhook_token",
    "check_webhook_url",
    "is_id",
    "is_loopback_host",
    "media_source",
    "read_head",
    "resolve_base_url",
    "user_path",
]

GLOBAL_BASE_URL = "https://video.a2e.ai"
REGIONS = {"global": GLOBAL_BASE_URL, "cn": "https://video.a2e.com.cn"}
MAX_PAGE_SIZE = 100
MAX_WEBHOOK_URL = 2048
MAX_WEBHOOK_TOKEN = 256
#: The one id format (openapi/a2e.yaml's id ``pattern`` is its lowercase form).
ID_PATTERN = re.compile(r"[0-9a-fA-F]{24}")

MediaSource = str | Path


def is_id(value: object) -> bool:
    """Whether ``value`` is an A2E id: 24 hex digits (a MongoDB ObjectId; A2E answers 400 to others)."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def check_id(value: object, what: str) -> str:
    """An id the caller gave, blanks stripped and lowercased (ObjectIds ignore case; A2E writes them in
    lowercase, as the contract's ``pattern`` says)."""
    if not isinstance(value, str) or not is_id(value.strip()):
        # Not echoed: what was pasted where an id belongs may be the API token.
        got = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(f"{what} must be an A2E id (24 hex digits), got {got}")
    return value.strip().lower()


def answered_id(value: object, what: str) -> str:
    """An id A2E gave (a record's ``id``) about to go into a URL: one that is not an id is the server's
    fault, ``UnreadableResponseError``, not the caller's (nor httpx's ``InvalidURL``)."""
    if not isinstance(value, str) or not is_id(value):
        got = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        raise UnreadableResponseError(f"the {what} id A2E answered is not an id (24 hex digits): {got}")
    return value.lower()


def check_ids(values: object, what: str) -> list[str]:
    """A list of ids, duplicates removed (order kept). A bare string is refused (it would be split)."""
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise InvalidInputError(f"{what} must be a list of ids, got {type(values).__name__}")
    return list(dict.fromkeys(check_id(v, what[:-1] if what.endswith("s") else what) for v in values))


def check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"name must be a non-empty string, got {value!r}")
    return value


def check_page(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInputError(f"page must be an int >= 1, got {value!r}")
    return value


def check_page_size(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PAGE_SIZE:
        raise InvalidInputError(f"page_size must be an int from 1 to {MAX_PAGE_SIZE}, got {value!r}")
    return value


def check_http_url(value: object, what: str, *, https_only: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty URL string, got {value!r}")
    value = value.strip()
    need = "an https:// URL" if https_only else "an http(s):// URL"
    shown = value[:80] + ("…" if len(value) > 80 else "")
    try:  # what httpx would refuse when sending (a NUL, "https://[::1/a", a bad port, 64 KiB+) fails here
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port
        httpx.URL(value)
    except (ValueError, httpx.InvalidURL) as exc:
        raise InvalidInputError(f"{what} must be {need}, got {shown!r} ({exc})") from None
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme.lower() not in schemes or not host:
        raise InvalidInputError(f"{what} must be {need}, got {shown!r}")
    return value


def check_webhook_url(value: object) -> str:
    # https, as A2E asks; plain http only to a loopback host (a local receiver, e.g. the simulator's tests)
    loopback = isinstance(value, str) and value.strip().lower().startswith("http://")
    url = check_http_url(value, "webhook_url", https_only=not loopback)
    if loopback and not is_loopback_host(urlsplit(url).hostname or ""):
        raise InvalidInputError("webhook_url must be an https:// URL (http only to a loopback host)")
    if len(url) > MAX_WEBHOOK_URL:
        raise InvalidInputError(f"webhook_url must be at most {MAX_WEBHOOK_URL} characters, got {len(url)}")
    return url


def check_webhook_token(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError("webhook_token must be a non-empty string")
    if len(value) > MAX_WEBHOOK_TOKEN:
        raise InvalidInputError(
            f"webhook_token must be at most {MAX_WEBHOOK_TOKEN} characters, got {len(value)}"
        )
    return value


def check_model_version(value: object) -> str:
    """One of the contract's model versions (its enum, imported on first use)."""
    from a2e_api.models.create_task_request_model_version import CreateTaskRequestModelVersion

    try:
        return CreateTaskRequestModelVersion(str(value) if isinstance(value, str) else "").value
    except ValueError:
        allowed = ", ".join(repr(v.value) for v in CreateTaskRequestModelVersion)
        raise InvalidInputError(f"model_version must be one of {allowed}, got {value!r}") from None


def check_deadline(value: object) -> float | None:
    """A number of seconds > 0, or ``None`` (no deadline)."""
    if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or not value > 0):
        raise InvalidInputError(f"deadline must be a number of seconds > 0 or None, got {value!r}")
    return None if value is None else float(value)


def user_path(value: str | os.PathLike[str]) -> Path:
    """``value`` as a path, ``~`` expanded; left as it is when that cannot be done (no such user or home
    directory, a NUL byte), for the check that uses it to refuse with our error."""
    path = Path(value)
    try:
        return path.expanduser()
    except (RuntimeError, ValueError):
        return path


def media_source(value: object, what: str) -> MediaSource:
    """A URL (returned as ``str``) or a readable local file (returned as ``Path``, to upload first).

    A string with ``://`` is a URL and must be http(s); anything else is a path and must be a regular
    file this process can read (``read_head``).
    """
    if isinstance(value, str) and "://" in value:
        return check_http_url(value, what)
    if isinstance(value, str | os.PathLike) and str(value).strip():
        path = user_path(value)
        try:
            read_head(path, what)
        except InvalidInputError as error:
            raise InvalidInputError(f"{error} ({what} must be an http(s) URL or an existing file)") from None
        return path
    raise InvalidInputError(f"{what} must be an http(s) URL or a path to an existing file, got {value!r}")


def read_head(path: Path, what: str, size: int = 16) -> tuple[int, bytes]:
    """The size and first ``size`` bytes of the local file ``path``, checked by opening it for reading
    (``os.access`` says yes to root whatever the mode). A name that is not a regular file (missing, a
    directory, a FIFO, a device) is ``InvalidInputError``; a file that cannot be read is ``LocalFileError``.
    Never blocks (a FIFO is opened non-blocking, then refused)."""
    shown = str(path)
    missing = f"{what}: no such file: {shown!r}"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except ValueError:  # a NUL in the path
        raise InvalidInputError(missing) from None
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP):
            raise InvalidInputError(missing) from None
        raise _unreadable(what, shown, error) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise InvalidInputError(f"{what} must be a regular file, got {kind}: {shown!r}")
        return info.st_size, os.read(fd, size)
    except OSError as error:
        raise _unreadable(what, shown, error) from None
    finally:
        os.close(fd)


def _unreadable(what: str, shown: str, error: OSError) -> LocalFileError:
    return LocalFileError(
        f"{what}: cannot read {shown!r}: {error.strerror or error}", filename=shown, errno=error.errno
    )


def check_request_timeout(value: object) -> float | httpx.Timeout | None:
    if value is None or isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return float(value)
    raise InvalidInputError(
        f"timeout must be a number of seconds > 0, an httpx.Timeout or None, got {value!r}"
    )


def is_loopback_host(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 and ::1."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, region: str | None, env_base_url: str | None) -> str:
    """Explicit ``base_url`` > explicit ``region`` > ``A2E_BASE_URL`` > the global server.

    Refuses anything but https, except plain http to a loopback host (a local simulator).
    """
    if base_url is None and region is not None:
        if region not in REGIONS:
            raise InvalidInputError(f"region must be one of {sorted(REGIONS)}, got {region!r}")
        base_url = REGIONS[region]
    if base_url is None:
        base_url = env_base_url or GLOBAL_BASE_URL
    if not isinstance(base_url, str):
        raise InvalidInputError(f"base_url must be a string, got {base_url!r}")
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"base_url must be an https:// URL, got {base_url!r}")
    if parts.query or parts.fragment:
        raise InvalidInputError(f"base_url must not have a query or fragment, got {base_url!r}")
    if scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureURLError(
            f"refusing plain http to {parts.hostname}: the API token would travel unencrypted "
            "(use https, or a loopback host such as 127.0.0.1 for a local simulator)"
        )
    return base_url.strip().rstrip("/")
