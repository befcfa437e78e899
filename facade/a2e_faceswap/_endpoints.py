"""The generated operations the facade uses, with their retry character (one line each)."""

from __future__ import annotations

from a2e_api.api.faces import add_face_image, delete_face_image, list_face_images
from a2e_api.api.previews import create_preview, get_preview_status
from a2e_api.api.tasks import (
    batch_task_detail,
    create_task,
    delete_task,
    get_task,
    list_task_records,
    list_task_statuses,
)
from a2e_api.api.uploads import create_upload_url
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

from ._transport import Endpoint


def _deleted() -> DeleteResponse:
    return DeleteResponse(code=0)


# POSTs that spend credits or create records: retried only after a connect error.
ADD_FACE_IMAGE = Endpoint(
    "add_face_image",
    add_face_image.sync_detailed,
    add_face_image.asyncio_detailed,
    FaceImageListResponse,
    False,
)
CREATE_PREVIEW = Endpoint(
    "create_preview", create_preview.sync_detailed, create_preview.asyncio_detailed, PreviewResponse, False
)
CREATE_TASK = Endpoint(
    "create_task", create_task.sync_detailed, create_task.asyncio_detailed, TaskResponse, False
)
CREATE_UPLOAD_URL = Endpoint(
    "create_upload_url",
    create_upload_url.sync_detailed,
    create_upload_url.asyncio_detailed,
    UploadUrlResponse,
    False,
)

# Reads (batch_task_detail is a POST, but only reads) and deletes: safe to send again.
LIST_FACE_IMAGES = Endpoint(
    "list_face_images",
    list_face_images.sync_detailed,
    list_face_images.asyncio_detailed,
    FaceImageRecordsResponse,
    True,
)
GET_PREVIEW_STATUS = Endpoint(
    "get_preview_status",
    get_preview_status.sync_detailed,
    get_preview_status.asyncio_detailed,
    PreviewResponse,
    True,
)
GET_TASK = Endpoint("get_task", get_task.sync_detailed, get_task.asyncio_detailed, TaskResponse, True)
LIST_TASK_RECORDS = Endpoint(
    "list_task_records",
    list_task_records.sync_detailed,
    list_task_records.asyncio_detailed,
    TaskRecordsResponse,
    True,
)
LIST_TASK_STATUSES = Endpoint(
    "list_task_statuses",
    list_task_statuses.sync_detailed,
    list_task_statuses.asyncio_detailed,
    TaskStatusListResponse,
    True,
)
BATCH_TASK_DETAIL = Endpoint(
    "batch_task_detail",
    batch_task_detail.sync_detailed,
    batch_task_detail.asyncio_detailed,
    TaskListResponse,
    True,
)
DELETE_TASK = Endpoint(
    "delete_task", delete_task.sync_detailed, delete_task.asyncio_detailed, DeleteResponse, True, _deleted
)
DELETE_FACE_IMAGE = Endpoint(
    "delete_face_image",
    delete_face_image.sync_detailed,
    delete_face_image.asyncio_detailed,
    DeleteResponse,
    True,
    _deleted,
)
