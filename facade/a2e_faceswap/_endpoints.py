"""The generated operations the facade calls, one line each with its retry character.

``Endpoint`` names one generated module (``a2e_api.api.<module>``), its success model and whether it
may be sent again. The generated module is imported on the first call (``import a2e_faceswap`` stays
light), then kept.

* ``idempotent``: sending it twice does no harm (GET, DELETE, the read-only POSTs batchDetail and
  quote). Others (the POSTs that spend credits or create records) are resent only when nothing can
  have been applied.
* ``settle``: for a DELETE, a 404 met on a *retry* means an earlier attempt was applied; the call then
  returns ``settle()`` instead of raising.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from a2e_api.models import (
        DeleteResponse,
        FaceImageListResponse,
        FaceImageRecordsResponse,
        PreviewResponse,
        QuoteResponse,
        RemainingCoinsResponse,
        TaskListResponse,
        TaskRecordsResponse,
        TaskResponse,
        TaskStatusListResponse,
        UploadUrlResponse,
    )
    from a2e_api.types import Response

__all__ = ["Endpoint", "Loaded"]

S = TypeVar("S")


@dataclass(frozen=True)
class Loaded(Generic[S]):
    """An endpoint's generated functions and success model, once imported."""

    sync: Callable[..., Response[Any]]
    asyncio: Callable[..., Awaitable[Response[Any]]]
    success: type[S]


class Endpoint(Generic[S]):
    """One generated operation; see the module docstring."""

    __slots__ = ("_module", "_success_name", "idempotent", "loaded", "name", "settle")

    def __init__(
        self, module: str, success: str, *, idempotent: bool, settle: Callable[[], S] | None = None
    ) -> None:
        self._module = module
        self._success_name = success
        self.name = module.rpartition(".")[2]
        self.idempotent = idempotent
        self.settle = settle
        self.loaded: Loaded[S] | None = None

    @classmethod
    def of(
        cls, module: str, success: str, *, idempotent: bool, settle: Callable[[], S] | None = None
    ) -> Endpoint[S]:
        """``Endpoint.of("tasks.get_task", "TaskResponse", idempotent=True)``."""
        return cls(module, success, idempotent=idempotent, settle=settle)

    def load(self) -> Loaded[S]:
        if self.loaded is None:
            module = importlib.import_module(f"a2e_api.api.{self._module}")
            success = getattr(module, self._success_name)
            self.loaded = Loaded(module.sync_detailed, module.asyncio_detailed, success)
        return self.loaded

    def __repr__(self) -> str:
        return f"Endpoint({self._module!r}, {self._success_name!r}, idempotent={self.idempotent})"


def _deleted() -> DeleteResponse:
    from a2e_api.models.delete_response import DeleteResponse

    return DeleteResponse(code=0)


def _write(module: str, success: str) -> Endpoint[Any]:
    return Endpoint.of(module, success, idempotent=False)


def _read(module: str, success: str, settle: Callable[[], Any] | None = None) -> Endpoint[Any]:
    return Endpoint.of(module, success, idempotent=True, settle=settle)


# POSTs that spend credits or create records
ADD_FACE_IMAGE: Endpoint[FaceImageListResponse] = _write("faces.add_face_image", "FaceImageListResponse")
CREATE_PREVIEW: Endpoint[PreviewResponse] = _write("previews.create_preview", "PreviewResponse")
CREATE_TASK: Endpoint[TaskResponse] = _write("tasks.create_task", "TaskResponse")
CREATE_UPLOAD_URL: Endpoint[UploadUrlResponse] = _write("uploads.create_upload_url", "UploadUrlResponse")
# reads (batch_task_detail is a POST that only reads) and deletes
LIST_FACE_IMAGES: Endpoint[FaceImageRecordsResponse] = _read(
    "faces.list_face_images", "FaceImageRecordsResponse"
)
GET_PREVIEW_STATUS: Endpoint[PreviewResponse] = _read("previews.get_preview_status", "PreviewResponse")
GET_TASK: Endpoint[TaskResponse] = _read("tasks.get_task", "TaskResponse")
LIST_TASK_RECORDS: Endpoint[TaskRecordsResponse] = _read("tasks.list_task_records", "TaskRecordsResponse")
LIST_TASK_STATUSES: Endpoint[TaskStatusListResponse] = _read(
    "tasks.list_task_statuses", "TaskStatusListResponse"
)
BATCH_TASK_DETAIL: Endpoint[TaskListResponse] = _read("tasks.batch_task_detail", "TaskListResponse")
DELETE_TASK: Endpoint[DeleteResponse] = _read("tasks.delete_task", "DeleteResponse", _deleted)
DELETE_FACE_IMAGE: Endpoint[DeleteResponse] = _read("faces.delete_face_image", "DeleteResponse", _deleted)
# the account's credits: a read, and a POST that prices a request without creating or charging anything
GET_REMAINING_COINS: Endpoint[RemainingCoinsResponse] = _read(
    "account.get_remaining_coins", "RemainingCoinsResponse"
)
QUOTE_GENERATION: Endpoint[QuoteResponse] = _read("account.quote_generation", "QuoteResponse")
