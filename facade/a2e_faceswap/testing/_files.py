"""The simulator's routes outside the API: the upload PUT, the CDN copy of uploads and the result files.

A ``Range`` that cannot be read (``bytes=5-2``) is ignored (200, the whole file), one past the end is a
416. Fault handling around these routes is the pipeline's (``_app``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response

from a2e_faceswap._webhook_app import read_bounded
from a2e_faceswap.testing._answers import Chunked, Dropped
from a2e_faceswap.testing._faults import Fault, FaultKind
from a2e_faceswap.testing._results import iter_bytes
from a2e_faceswap.testing._server import ConnectionRegistry
from a2e_faceswap.testing._state import Refusal, SimState

PREVIEW_RESULT_SIZE = 16 * 1024
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


def _not_found() -> Response:
    return Response(b"Not Found", status_code=404, media_type="text/plain")


async def bounded_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with a 413 as soon as it is known to exceed ``limit`` bytes (see
    ``read_bounded``)."""
    body = await read_bounded(request, limit)
    if body is None:
        raise Refusal(413, f"the {what} is larger than the limit of {limit} bytes")
    return body


async def store_upload(state: SimState, request: Request, limit: int) -> Response:
    """The PUT of an upload URL: signature, content type and size checked, then the bytes stored."""
    key = request.path_params["key"]
    upload = state.pending_upload(key, request.query_params.get("sig"))
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if upload.content_type and content_type != upload.content_type.lower():
        sent = content_type or "(none)"
        raise Refusal(400, f"Content-Type {sent!r} does not match the signed {upload.content_type!r}")
    data = await bounded_body(request, limit, "upload")
    if upload.size is not None and len(data) != upload.size:
        raise Refusal(400, f"the upload has {len(data)} bytes, the signed size is {upload.size}")
    state.store_upload(upload, data, content_type)
    return Response(b"", status_code=200, headers={"ETag": f'"{uuid.uuid4().hex}"'})


def cdn_file(state: SimState, key: str) -> Response:
    upload = state.uploaded(key)
    if upload is None or upload.data is None:
        return _not_found()
    return Response(upload.data, media_type=upload.stored_type)


def result_file(
    state: SimState,
    request: Request,
    fault: Fault | None,
    *,
    task_size: int,
    ranges: bool,
    connections: ConnectionRegistry,
) -> Response:
    """A completed job's result (``task_size`` bytes for a task's mp4), streamed; ``fault`` may drop the
    connection once the request is read, or cut the body off halfway."""
    resource_id, _, extension = request.path_params["name"].partition(".")
    media_type = state.result_media_type(resource_id, extension)
    if media_type is None:
        return _not_found()
    size = task_size if extension == "mp4" else PREVIEW_RESULT_SIZE
    start, end, status = 0, size, 200
    etag = f'"{resource_id}-{size}"'
    headers = {"content-type": media_type, "etag": etag}
    wanted = None
    if ranges:
        headers["accept-ranges"] = "bytes"
        # If-Range: the range only if the file is still the one the client saw (else the whole file)
        if_range = request.headers.get("if-range")
        if if_range is None or if_range.strip() == etag:
            wanted = byte_range(request.headers.get("range"), size)
    if isinstance(wanted, str):
        return Response(b"", status_code=416, headers={"content-range": f"bytes */{size}"})
    if wanted is not None:
        start, end = wanted
        status = 206
        headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
    headers["content-length"] = str(end - start)
    if fault is not None and fault.kind is FaultKind.APPLIED_THEN_RESET:
        return Dropped(connections)
    cut_off = fault is not None and fault.kind is FaultKind.RESET_MID_BODY
    stream_end = start + (end - start) // 2 if cut_off else end

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in iter_bytes(resource_id, start, stream_end):
            yield chunk

    return Chunked(status, headers, chunks(), connections=connections, cut_off=cut_off)


def byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end) of a single ``bytes=`` range, "unsatisfiable", or None to send the whole file.

    As RFC 9110 says, a range that cannot be read (not digits, several ranges, ``bytes=5-2``) is ignored:
    the whole file is sent. A range starting past the end (or an empty suffix ``-0``) is unsatisfiable.
    """
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = int(last) + 1 if last else size
        if last and end <= start:  # bytes=5-2
            return None
    else:
        start, end = max(0, size - int(last)), size
        if int(last) == 0:
            return "unsatisfiable"
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size)
