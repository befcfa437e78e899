"""a2e_faceswap: a Python client for A2E's face swap API (https://video.a2e.ai).

    from a2e_faceswap import A2E

    with A2E() as client:                       # A2E_API_KEY from the environment
        result = client.tasks.run(face="face.jpg", video="clip.mp4", download_to="out/")
        print(result.task.status, result.path)

``AsyncA2E`` has the same names, awaited. Errors are in ``a2e_faceswap.errors`` (all re-exported
here); records in ``a2e_faceswap.models``. The local simulator lives in ``a2e_faceswap.testing``
(installed with the ``testing`` extra) and is never imported by ``import a2e_faceswap``.
"""

from ._client import A2E, DEFAULT_TIMEOUT, AsyncA2E
from ._retry import RetryPolicy
from ._transport import NOT_GIVEN, NotGiven
from ._version import __version__
from .errors import (
    A2EError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CreateOutcomeUnknownError,
    InsecureURLError,
    InsufficientCreditsError,
    InvalidInputError,
    LocalFileError,
    ModerationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TaskFailedError,
    UnreadableResponseError,
    WaitTimeoutError,
)
from .models import ActiveTask, FaceImage, Preview, RunResult, Task, TaskPage, TaskStatus, UploadTarget

__all__ = [
    "A2E",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "A2EError",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "ActiveTask",
    "AsyncA2E",
    "AuthenticationError",
    "BadRequestError",
    "CreateOutcomeUnknownError",
    "FaceImage",
    "InsecureURLError",
    "InsufficientCreditsError",
    "InvalidInputError",
    "LocalFileError",
    "ModerationError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Preview",
    "RateLimitError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RunResult",
    "ServerError",
    "Task",
    "TaskFailedError",
    "TaskPage",
    "TaskStatus",
    "UnreadableResponseError",
    "UploadTarget",
    "WaitTimeoutError",
    "__version__",
]
