"""The generated operations the facade uses, with their retry character: one line each. Each generated
module is imported on its first call (see ``Endpoint``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._transport import Endpoint

if TYPE_CHECKING:
    from a2e_api.models import (
        DeleteResponse,
        FaceImageListResponse,
        FaceImageRecordsResponse,
        PreviewResponse,
        TaskListResponse,
        TaskRecordsResponse,
        TaskResponse,
        TaskStatusListResponse,
        UploadUrlResponse,
    )


def _deleted() -> DeleteResponse:
    from a2e_api.models.delete_response import DeleteResponse

    return DeleteResponse(code=0)


# POSTs that spend credits or create records: retried only after a connect error.
ADD_FACE_IMAGE: Endpoint[FaceImageListResponse] = Endpoint.of(
    "faces.add_face_image", "FaceImageListResponse", idempotent=False
)
CREATE_PREVIEW: Endpoint[PreviewResponse] = Endpoint.of(
    "previews.create_preview", "PreviewResponse", idempotent=False
)
CREATE_TASK: Endpoint[TaskResponse] = Endpoint.of("tasks.create_task", "TaskResponse", idempotent=False)
CREATE_UPLOAD_URL: Endpoint[UploadUrlResponse] = Endpoint.of(
    "uploads.create_upload_url", "UploadUrlResponse", idempotent=False
)

# Reads (batch_task_detail is a POST, but only reads) and deletes: safe to send again.
LIST_FACE_IMAGES: Endpoint[FaceImageRecordsResponse] = Endpoint.of(
    "faces.list_face_images", "FaceImageRecordsResponse", idempotent=True
)
GET_PREVIEW_STATUS: Endpoint[PreviewResponse] = Endpoint.of(
    "previews.get_preview_status", "PreviewResponse", idempotent=True
)
GET_TASK: Endpoint[TaskResponse] = Endpoint.of("tasks.get_task", "TaskResponse", idempotent=True)
LIST_TASK_RECORDS: Endpoint[TaskRecordsResponse] = Endpoint.of(
    "tasks.list_task_records", "TaskRecordsResponse", idempotent=True
)
LIST_TASK_STATUSES: Endpoint[TaskStatusListResponse] = Endpoint.of(
    "tasks.list_task_statuses", "TaskStatusListResponse", idempotent=True
)
BATCH_TASK_DETAIL: Endpoint[TaskListResponse] = Endpoint.of(
    "tasks.batch_task_detail", "TaskListResponse", idempotent=True
)
DELETE_TASK: Endpoint[DeleteResponse] = Endpoint.of(
    "tasks.delete_task", "DeleteResponse", idempotent=True, settle=_deleted
)
DELETE_FACE_IMAGE: Endpoint[DeleteResponse] = Endpoint.of(
    "faces.delete_face_image", "DeleteResponse", idempotent=True, settle=_deleted
)
