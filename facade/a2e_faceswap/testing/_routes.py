"""The simulator's API operations: one handler per operationId of the contract, in ``HANDLERS``.

A handler gets the authenticated request (``ApiCall``), checks what the contract leaves to the server
(a refused request raises ``Refusal``), and returns the ``data`` of the success envelope; the pipeline
around it (``_app``) does the rest. Which operations exist, and their methods and paths, is the spec's
to say (``_spec``); a test checks that ``HANDLERS`` has exactly those.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from a2e_faceswap.testing._faults import Fault, FaultKind
from a2e_faceswap.testing._spec import operations
from a2e_faceswap.testing._state import Account, Refusal, SimState
from a2e_faceswap.testing._stats import SimStats


@dataclass
class ApiCall:
    """One authenticated API request, as a handler sees it."""

    state: SimState
    stats: SimStats
    account: Account
    query: QueryParams
    path: Mapping[str, Any]
    body: Any
    fault: Fault | None

    @property
    def fails(self) -> bool:
        """Whether the task or preview this request creates is bound to end ``failed``."""
        return self.fault is not None and self.fault.kind is FaultKind.TASK_FAILURE


def _string(body: Mapping[str, Any], name: str, *, required: bool = True, max_length: int = 0) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise Refusal(400, f"'{name}' is required")
        return None
    if not isinstance(value, str) or (required and not value):
        raise Refusal(400, f"'{name}' must be a non-empty string")
    if max_length and len(value) > max_length:
        raise Refusal(400, f"'{name}' is longer than {max_length} characters")
    return value


def _required(body: Mapping[str, Any], name: str) -> str:
    value = _string(body, name)
    assert value is not None
    return value


def _number(body: Mapping[str, Any], name: str, minimum: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise Refusal(400, f"'{name}' must be a number >= {minimum:g}")
    return float(value)


def _query_int(query: QueryParams, name: str, low: int, high: int | None = None) -> int:
    raw = query.get(name)
    if raw is None:
        raise Refusal(400, f"query parameter '{name}' is required")
    try:
        value = int(raw)
    except ValueError:
        raise Refusal(400, f"query parameter '{name}' must be an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise Refusal(400, f"query parameter '{name}' must be {bound}")
    return value


# faces ---------------------------------------------------------------------
def _add_face_image(call: ApiCall) -> Any:
    face_url = _required(call.body, "face_url")
    call.state.check_media_url(face_url, "face_url")
    return call.state.add_face(call.account, face_url)


def _list_face_images(call: ApiCall) -> Any:
    return call.state.faces(call.account)


def _delete_face_image(call: ApiCall) -> Any:
    call.state.delete_face(call.account, call.path["_id"])
    return None


# previews ------------------------------------------------------------------
def _create_preview(call: ApiCall) -> Any:
    face_url = _required(call.body, "face_url")
    video_url = _required(call.body, "video_url")
    call.state.check_media_url(face_url, "face_url")
    call.state.check_media_url(video_url, "video_url")
    return call.state.create_preview(call.account, face_url, video_url, fail=call.fails)


def _get_preview_status(call: ApiCall) -> Any:
    preview_id = call.query.get("_id")
    if not preview_id:
        raise Refusal(400, "query parameter '_id' is required")
    return call.state.preview(call.account, preview_id)


# tasks ---------------------------------------------------------------------
def _create_task(call: ApiCall) -> Any:
    body = call.body
    for name in ("name", "face_url", "video_url"):
        _string(body, name)
    _string(body, "cover_url", required=False)
    _string(body, "webhook_url", required=False, max_length=2048)
    _string(body, "webhook_token", required=False, max_length=256)
    if body.get("model_version") not in (None, "v1", "v2"):
        raise Refusal(400, "'model_version' must be 'v1' or 'v2'")
    call.state.check_media_url(body["face_url"], "face_url")
    call.state.check_media_url(body["video_url"], "video_url")
    data, name = call.state.create_task(call.account, body, fail=call.fails)
    call.stats.record_task(name)
    return data


def _list_task_records(call: ApiCall) -> Any:
    page = _query_int(call.query, "pageNum", 1)
    page_size = _query_int(call.query, "pageSize", 1, 100)
    return call.state.task_records(call.account, page, page_size)


def _list_task_statuses(call: ApiCall) -> Any:
    return call.state.task_statuses(call.account)


def _batch_task_detail(call: ApiCall) -> Any:
    ids = call.body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise Refusal(400, "'ids' must be a non-empty list of task ids")
    return call.state.batch_detail(call.account, ids)


def _get_task(call: ApiCall) -> Any:
    return call.state.task(call.account, call.path["_id"])


def _delete_task(call: ApiCall) -> Any:
    call.state.delete_task(call.account, call.path["_id"])
    return None


# uploads -------------------------------------------------------------------
def _create_upload_url(call: ApiCall) -> Any:
    body = call.body
    key = _required(body, "key")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise Refusal(400, "'key' is not valid Unicode text") from None
    for name in ("bucket", "urlPrefix", "cdnDomain", "contentType"):
        _string(body, name, required=False)
    expires = _number(body, "expiresIn", 60)
    if expires is not None and not expires.is_integer():  # JSON Schema counts 60.0 as an integer
        raise Refusal(400, "'expiresIn' must be an integer >= 60")
    for name in ("fileSize", "contentLength"):
        _number(body, name, 0)  # the PUT enforces the upload limit
    return call.state.create_upload(call.account, body)


# account -------------------------------------------------------------------
def _get_remaining_coins(call: ApiCall) -> Any:
    """The balance in the shape third-party clients read: ``{coins, diamonds}`` (no diamonds here)."""
    return {"coins": call.state.balance(call.account), "diamonds": 0}


def _quote_generation(call: ApiCall) -> Any:
    """The credits one of its POST routes would spend (the simulator's ``costs``, 0 for a route they
    leave free); a route it does not serve is the reference's 400 "unsupported endpoint". Spends nothing.

    ASSUMED answer shape: A2E documents none. ``{credits, generationRequestValidated}`` is this project's
    guess (the spec's QuoteResponse example), not something A2E was seen to send."""
    endpoint = _required(call.body, "endpoint").strip()
    if endpoint[:5].upper() == "POST ":
        endpoint = endpoint[5:].strip()
    if not isinstance(call.body.get("requestBody"), dict):
        raise Refusal(400, "'requestBody' must be a JSON object")
    served = next((op.id for op in operations() if op.method == "POST" and op.path == endpoint), None)
    if served is None:
        raise Refusal(400, f"unsupported endpoint {endpoint!r}: the simulator prices only its POST routes")
    return {"credits": call.state.costs.get(served, 0), "generationRequestValidated": False}


#: The handler of every API operation, by operationId.
HANDLERS: dict[str, Callable[[ApiCall], Any]] = {
    "add_face_image": _add_face_image,
    "list_face_images": _list_face_images,
    "delete_face_image": _delete_face_image,
    "create_preview": _create_preview,
    "get_preview_status": _get_preview_status,
    "create_task": _create_task,
    "list_task_records": _list_task_records,
    "list_task_statuses": _list_task_statuses,
    "batch_task_detail": _batch_task_detail,
    "get_task": _get_task,
    "delete_task": _delete_task,
    "create_upload_url": _create_upload_url,
    "get_remaining_coins": _get_remaining_coins,
    "quote_generation": _quote_generation,
}
