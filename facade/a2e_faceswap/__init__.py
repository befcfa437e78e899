"""a2e_faceswap: a Python client for A2E's face swap API (https://video.a2e.ai).

    from a2e_faceswap import A2E

    with A2E() as client:                       # A2E_API_KEY from the environment
        result = client.tasks.run(face="face.jpg", video="clip.mp4", download_to="out/")
        print(result.task.status, result.path)

``AsyncA2E`` has the same names, awaited. Errors are in ``a2e_faceswap.errors`` (all re-exported
here); records in ``a2e_faceswap.models``. The local simulator lives in ``a2e_faceswap.testing``
(installed with the ``testing`` extra) and is never imported by ``import a2e_faceswap``.

The names below are imported on first use (PEP 562), so ``import a2e_faceswap`` costs little; the
generated operations are imported on their first call (``_endpoints``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._batch import BatchEvent
    from ._batches import BatchReport, BatchRow
    from ._client import A2E, DEFAULT_TIMEOUT, AsyncA2E
    from ._manifest import Job
    from ._retry import RetryPolicy
    from ._types import NOT_GIVEN, NotGiven
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
        JournalError,
        LocalFileError,
        ManifestError,
        ModerationError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseTooLargeError,
        ServerError,
        TaskFailedError,
        UnreadableResponseError,
        WaitTimeoutError,
        WebhookError,
        WebhookPayloadError,
        WebhookVerificationError,
    )
    from .models import (
        ActiveTask,
        Credits,
        FaceImage,
        Preview,
        Quote,
        RunResult,
        Task,
        TaskPage,
        TaskStatus,
        UploadTarget,
    )

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
    "BatchEvent",
    "BatchReport",
    "BatchRow",
    "CreateOutcomeUnknownError",
    "Credits",
    "FaceImage",
    "InsecureURLError",
    "InsufficientCreditsError",
    "InvalidInputError",
    "Job",
    "JournalError",
    "LocalFileError",
    "ManifestError",
    "ModerationError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Preview",
    "Quote",
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
    "WebhookError",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "__version__",
]

#: Where each public name lives (everything else in ``__all__`` is in ``errors``).
_HOMES = {
    "A2E": "._client",
    "AsyncA2E": "._client",
    "DEFAULT_TIMEOUT": "._client",
    "RetryPolicy": "._retry",
    "NOT_GIVEN": "._types",
    "NotGiven": "._types",
    **dict.fromkeys(
        ("ActiveTask", "FaceImage", "Preview", "RunResult", "Task", "TaskPage", "TaskStatus", "UploadTarget"),
        ".models",
    ),
    **dict.fromkeys(("Credits", "Quote"), ".models"),
    "BatchEvent": "._batch",
    "BatchReport": "._batches",
    "BatchRow": "._batches",
    "Job": "._manifest",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES.get(name, ".errors"), __name__), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
