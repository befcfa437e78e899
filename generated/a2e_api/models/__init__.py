"""Contains all the data models used in inputs/outputs"""

from .add_face_image_request import AddFaceImageRequest
from .batch_detail_request import BatchDetailRequest
from .business_error import BusinessError
from .create_preview_request import CreatePreviewRequest
from .create_task_request import CreateTaskRequest
from .create_task_request_model_version import CreateTaskRequestModelVersion
from .delete_response import DeleteResponse
from .envelope import Envelope
from .error_response import ErrorResponse
from .face_image import FaceImage
from .face_image_list_response import FaceImageListResponse
from .face_image_page import FaceImagePage
from .face_image_records_response import FaceImageRecordsResponse
from .face_swap_preview import FaceSwapPreview
from .face_swap_task import FaceSwapTask
from .face_swap_task_status import FaceSwapTaskStatus
from .preview_response import PreviewResponse
from .quote_request import QuoteRequest
from .quote_request_request_body import QuoteRequestRequestBody
from .quote_response import QuoteResponse
from .remaining_coins import RemainingCoins
from .remaining_coins_response import RemainingCoinsResponse
from .task_list_response import TaskListResponse
from .task_records_page import TaskRecordsPage
from .task_records_response import TaskRecordsResponse
from .task_response import TaskResponse
from .task_status_list_response import TaskStatusListResponse
from .upload_url import UploadUrl
from .upload_url_request import UploadUrlRequest
from .upload_url_response import UploadUrlResponse

__all__ = (
    "AddFaceImageRequest",
    "BatchDetailRequest",
    "BusinessError",
    "CreatePreviewRequest",
    "CreateTaskRequest",
    "CreateTaskRequestModelVersion",
    "DeleteResponse",
    "Envelope",
    "ErrorResponse",
    "FaceImage",
    "FaceImageListResponse",
    "FaceImagePage",
    "FaceImageRecordsResponse",
    "FaceSwapPreview",
    "FaceSwapTask",
    "FaceSwapTaskStatus",
    "PreviewResponse",
    "QuoteRequest",
    "QuoteRequestRequestBody",
    "QuoteResponse",
    "RemainingCoins",
    "RemainingCoinsResponse",
    "TaskListResponse",
    "TaskRecordsPage",
    "TaskRecordsResponse",
    "TaskResponse",
    "TaskStatusListResponse",
    "UploadUrl",
    "UploadUrlRequest",
    "UploadUrlResponse",
)
