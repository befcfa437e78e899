"""What the simulator remembers: accounts (one per token) with their credits, face images, previews,
tasks and uploads; and how a preview's or task's state follows from the simulated clock.

Every method takes the state's lock; the app calls in from the server thread while tests read and
change things from theirs. Wire shapes follow the doc pages, quirks included: ``faild_message`` (sic),
``error_code`` as a string, ``result_url`` "" until completed, ``faild_message`` null in lists but ""
in the detail answer, and a status list whose ``error_code`` is null.
"""

from __future__ import annotations

import hmac
import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote, unquote

from a2e_faceswap.testing._clock import SimClock

if TYPE_CHECKING:
    from a2e_faceswap.testing._webhooks import WebhookSender

ID_PATTERN = re.compile(r"[0-9a-f]{24}")

INITIALIZED = "initialized"
SENT = "sent"
PROCESSING = "processing"
COMPLETED = "completed"
FAILED = "failed"
#: Share of a job's duration spent in each state before the last one.
_SENT_AT = 0.1
_PROCESSING_AT = 0.2

DEFAULT_FAILURE_CODE = "500"
DEFAULT_FAILURE_MESSAGE = "face swap failed (simulated failure)"
_Record = TypeVar("_Record")


class Refusal(Exception):
    """The simulator refuses a request: the error answer's HTTP status, A2E envelope code and message."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = status if code is None else code
        self.message = message


@dataclass
class SimFace:
    id: str
    face_url: str
    user_id: str
    created: float

    def wire(self, clock: SimClock) -> dict[str, Any]:
        stamp = clock.timestamp(self.created)
        return {
            "face_url": self.face_url,
            "_id": self.id,
            "user_id": self.user_id,
            "createdAt": stamp,
            "updatedAt": stamp,
        }


@dataclass
class SimJob:
    """A preview or a task: it moves initialized -> sent -> processing -> completed | failed."""

    id: str
    user_id: str
    face_url: str
    video_url: str
    created: float
    duration: float
    #: (error_code, message) when the job is bound to fail.
    failure: tuple[str, str] | None = None

    def status(self, now: float) -> str:
        elapsed = now - self.created
        if elapsed >= self.duration:
            return FAILED if self.failure else COMPLETED
        if elapsed >= self.duration * _PROCESSING_AT:
            return PROCESSING
        if elapsed >= self.duration * _SENT_AT:
            return SENT
        return INITIALIZED

    def changed_at(self, now: float) -> float:
        """Simulated instant of the last state change at ``now``."""
        elapsed = now - self.created
        for share in (1.0, _PROCESSING_AT, _SENT_AT):
            if elapsed >= self.duration * share:
                return self.created + self.duration * share
        return self.created

    def failure_fields(self, status: str, empty: str | None) -> tuple[str, str | None]:
        if status == FAILED and self.failure is not None:
            return self.failure
        return "0", empty


@dataclass
class SimPreview(SimJob):
    def result_url(self, status: str, base_url: str) -> str:
        return f"{base_url}/results/{self.id}.jpg" if status == COMPLETED else ""

    def wire(self, clock: SimClock, base_url: str, *, full: bool) -> dict[str, Any]:
        status = self.status(clock.now())
        error_code, message = self.failure_fields(status, None)
        data: dict[str, Any] = {
            "_id": self.id,
            "current_status": status,
            "result_url": self.result_url(status, base_url),
            "faild_message": message,
            "error_code": error_code,
        }
        if full:
            data.update(face_url=self.face_url, video_url=self.video_url, user_id=self.user_id)
        return data


TaskShape = Literal["add", "record", "detail"]


@dataclass
class SimTask(SimJob):
    name: str = ""
    cover_url: str | None = None
    model_version: str | None = None
    video_seconds: int = 0
    sequence: int = 0
    webhook_url: str | None = None
    webhook_token: str | None = None

    def result_url(self, status: str, base_url: str) -> str:
        return f"{base_url}/results/{self.id}.mp4" if status == COMPLETED else ""

    def wire(self, clock: SimClock, base_url: str, shape: TaskShape) -> dict[str, Any]:
        now = clock.now()
        status = self.status(now)
        # The detail page shows "" for "no failure message", the records page null.
        error_code, message = self.failure_fields(status, "" if shape == "detail" else None)
        data: dict[str, Any] = {
            "name": self.name,
            "video_url": self.video_url,
            "duration": self.video_seconds,
            "face_url": self.face_url,
            "current_status": status,
            "result_url": self.result_url(status, base_url),
            "error_code": error_code,
            "faild_message": message,
            "_id": self.id,
            "createdAt": clock.timestamp(self.created),
            "updatedAt": clock.timestamp(self.changed_at(now)),
        }
        if shape != "add":
            reached_processing = status not in (INITIALIZED, SENT)
            data["initialized_time"] = clock.timestamp(self.created)
            data["processing_time"] = (
                clock.timestamp(self.created + self.duration * _PROCESSING_AT) if reached_processing else None
            )
            data["completed_time"] = (
                clock.timestamp(self.created + self.duration) if status == COMPLETED else None
            )
        return data

    def status_item(self, clock: SimClock, base_url: str) -> dict[str, Any]:
        status = self.status(clock.now())
        return {
            "current_status": status,
            "result_url": self.result_url(status, base_url),
            "error_code": None,
            "faild_message": None,
            "_id": self.id,
        }


@dataclass
class Upload:
    key: str
    signature: str
    content_type: str | None
    size: int | None
    expires: float
    data: bytes | None = None
    stored_type: str = "application/octet-stream"


@dataclass
class Account:
    token: str
    user_id: str
    credits: int
    faces: dict[str, SimFace] = field(default_factory=dict)
    previews: dict[str, SimPreview] = field(default_factory=dict)
    tasks: dict[str, SimTask] = field(default_factory=dict)


class SimState:
    """Accounts and their records. ``base_url`` is set once the server knows its port."""

    def __init__(
        self,
        *,
        seed: int,
        clock: SimClock,
        task_seconds: float,
        preview_seconds: float,
        costs: dict[str, int],
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.task_seconds = task_seconds
        self.preview_seconds = preview_seconds
        self.costs = costs
        self.base_url = ""
        #: Simulated seconds an upload URL lives when the request names no ``expiresIn``.
        self.upload_expires_in = 3600
        # Reproducible from the seed on purpose: nothing here is a secret worth protecting.
        self._ids = random.Random(f"{seed}:ids")  # noqa: S311
        self._tokens = random.Random(f"{seed}:tokens")  # noqa: S311
        self._secret = random.Random(f"{seed}:secret").randbytes(16)  # noqa: S311
        self._accounts: dict[str, Account] = {}
        #: Every preview and task ever created, by id (results stay downloadable after a delete).
        self._jobs: dict[str, SimJob] = {}
        #: Every upload, by full object key.
        self._uploads: dict[str, Upload] = {}
        self._failures: deque[tuple[str, str]] = deque()
        self._sequence = 0
        #: Sends the webhook of each task created with a ``webhook_url`` (set by the simulator).
        self.webhooks: WebhookSender | None = None

    # ------------------------------------------------------------------ accounts
    def add_account(self, credits: int) -> str:
        with self.lock:
            token = f"sk_sim_{self._tokens.getrandbits(128):032x}"
            user_id = self.new_id()
            self._accounts[token] = Account(token, user_id, credits)
            return token

    def account(self, token: str | None) -> Account:
        """The account of a bearer token, or a 401."""
        if not token:
            raise Refusal(401, "missing bearer token: send 'Authorization: Bearer <token>'")
        with self.lock:
            account = self._accounts.get(token)
        if account is None:
            raise Refusal(401, "invalid or expired API token")
        return account

    def account_of(self, token: str) -> Account:
        with self.lock:
            try:
                return self._accounts[token]
            except KeyError:
                raise KeyError("no account with this token in the simulator") from None

    def balance(self, account: Account) -> int:
        with self.lock:
            return account.credits

    def charge(self, account: Account, operation: str) -> None:
        cost = self.costs.get(operation, 0)
        if account.credits < cost:
            raise Refusal(
                402, f"insufficient credits: {operation} costs {cost}, the balance is {account.credits}"
            )
        account.credits -= cost

    # ------------------------------------------------------------------ helpers
    def new_id(self) -> str:
        with self.lock:
            return f"{self._ids.getrandbits(96):024x}"

    def check_media_url(self, url: str, field_name: str) -> None:
        """URLs on the simulator itself must be CDN URLs of finished uploads."""
        if not self.base_url or not url.startswith(self.base_url + "/"):
            return
        rest = url[len(self.base_url) + 1 :]
        if rest.startswith("r2/put/"):
            raise Refusal(400, f"{field_name} is an upload URL; pass the cdnUrl of the upload instead")
        if rest.startswith("cdn/"):
            key = unquote(rest[len("cdn/") :].partition("?")[0])
            with self.lock:
                upload = self._uploads.get(key)
            if upload is None or upload.data is None:
                raise Refusal(400, f"{field_name} points at an upload that was never completed")

    def queue_failure(self, error_code: str, message: str) -> None:
        with self.lock:
            self._failures.append((error_code, message))

    # ------------------------------------------------------------------ faces
    def add_face(self, account: Account, face_url: str) -> list[dict[str, Any]]:
        with self.lock:
            face = SimFace(self.new_id(), face_url, account.user_id, self.clock.now())
            account.faces[face.id] = face
            return self.faces(account)

    def faces(self, account: Account) -> list[dict[str, Any]]:
        with self.lock:
            return [face.wire(self.clock) for face in reversed(account.faces.values())]

    def delete_face(self, account: Account, face_id: str) -> None:
        with self.lock:
            _owned(account.faces, face_id, "face image", remove=True)

    # ------------------------------------------------------------------ previews
    def create_preview(
        self, account: Account, face_url: str, video_url: str, *, fail: bool
    ) -> dict[str, Any]:
        with self.lock:
            self.charge(account, "create_preview")
            failure = (DEFAULT_FAILURE_CODE, DEFAULT_FAILURE_MESSAGE) if fail else None
            preview = SimPreview(
                self.new_id(),
                account.user_id,
                face_url,
                video_url,
                self.clock.now(),
                self.preview_seconds,
                failure,
            )
            account.previews[preview.id] = preview
            self._jobs[preview.id] = preview
            return preview.wire(self.clock, self.base_url, full=True)

    def preview(self, account: Account, preview_id: str) -> dict[str, Any]:
        with self.lock:
            preview = _owned(account.previews, preview_id, "preview")
            return preview.wire(self.clock, self.base_url, full=False)

    # ------------------------------------------------------------------ tasks
    def create_task(
        self, account: Account, body: dict[str, Any], *, fail: bool
    ) -> tuple[dict[str, Any], str]:
        with self.lock:
            self.charge(account, "create_task")
            if self._failures:
                failure: tuple[str, str] | None = self._failures.popleft()
            else:
                failure = (DEFAULT_FAILURE_CODE, DEFAULT_FAILURE_MESSAGE) if fail else None
            task_id = self.new_id()
            self._sequence += 1
            task = SimTask(
                task_id,
                account.user_id,
                body["face_url"],
                body["video_url"],
                self.clock.now(),
                self.task_seconds,
                failure,
                name=body["name"],
                cover_url=body.get("cover_url"),
                model_version=body.get("model_version"),
                video_seconds=3 + int(task_id[-2:], 16) % 28,
                sequence=self._sequence,
                webhook_url=body.get("webhook_url") or None,
                webhook_token=body.get("webhook_token") or None,
            )
            account.tasks[task.id] = task
            self._jobs[task.id] = task
            record = task.wire(self.clock, self.base_url, "add")  # the answer: the task as created
            if task.webhook_url and self.webhooks is not None:
                self.webhooks.track(task)
            return record, task.name

    def task(self, account: Account, task_id: str) -> dict[str, Any]:
        with self.lock:
            task = _owned(account.tasks, task_id, "task")
            return task.wire(self.clock, self.base_url, "detail")

    def webhook_record(self, task: SimTask) -> dict[str, Any]:
        """The task's detail record now, for a webhook's payload."""
        with self.lock:
            return task.wire(self.clock, self.base_url, "detail")

    def delete_task(self, account: Account, task_id: str) -> None:
        with self.lock:
            _owned(account.tasks, task_id, "task", remove=True)

    def task_records(self, account: Account, page: int, page_size: int) -> dict[str, Any]:
        with self.lock:
            newest_first = sorted(account.tasks.values(), key=lambda t: (t.created, t.sequence), reverse=True)
            start = (page - 1) * page_size
            rows = [
                t.wire(self.clock, self.base_url, "record") for t in newest_first[start : start + page_size]
            ]
            return {"rows": rows, "count": len(newest_first)}

    def task_statuses(self, account: Account) -> list[dict[str, Any]]:
        with self.lock:
            now = self.clock.now()
            return [
                task.status_item(self.clock, self.base_url)
                for task in reversed(account.tasks.values())
                if task.status(now) not in (COMPLETED, FAILED)
            ]

    def batch_detail(self, account: Account, ids: list[str]) -> list[dict[str, Any]]:
        for task_id in ids:
            _check_id(task_id, "task")
        with self.lock:
            found = [account.tasks[i] for i in dict.fromkeys(ids) if i in account.tasks]
            return [task.wire(self.clock, self.base_url, "record") for task in found]

    def all_tasks(self, account: Account) -> list[dict[str, Any]]:
        with self.lock:
            return [task.wire(self.clock, self.base_url, "detail") for task in account.tasks.values()]

    # ------------------------------------------------------------------ results
    def result_media_type(self, resource_id: str, extension: str) -> str | None:
        """Media type of a completed job's result file, or None when there is no such file (yet)."""
        with self.lock:
            job = self._jobs.get(resource_id)
            if job is None or job.status(self.clock.now()) != COMPLETED:
                return None
        if isinstance(job, SimTask) and extension == "mp4":
            return "video/mp4"
        if isinstance(job, SimPreview) and extension == "jpg":
            return "image/jpeg"
        return None

    # ------------------------------------------------------------------ uploads
    def create_upload(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.charge(account, "create_upload_url")
            prefix = body.get("urlPrefix") or "adam2eve"
            key = f"{prefix}/sim/user/{account.user_id}/{body['key']}"
            size = body.get("contentLength", body.get("fileSize"))
            expires_in = int(body.get("expiresIn") or self.upload_expires_in)
            signature = hmac.new(self._secret, key.encode(), "sha256").hexdigest()[:32]
            self._uploads[key] = Upload(
                key,
                signature,
                body.get("contentType"),
                int(size) if size is not None else None,
                self.clock.now() + expires_in,
            )
            quoted = _quote_key(key)
            return {
                "uploadUrl": f"{self.base_url}/r2/put/{quoted}?sig={signature}",
                "cdnUrl": f"{self.base_url}/cdn/{quoted}",
                "key": key,
                "bucket": body.get("bucket") or "3days-apac",
                "expiresIn": expires_in,
            }

    def pending_upload(self, key: str, signature: str | None) -> Upload:
        """The upload a PUT may fill, or a 403 (unknown key, wrong signature, expired)."""
        with self.lock:
            upload = self._uploads.get(key)
            if upload is None or signature is None or not hmac.compare_digest(upload.signature, signature):
                raise Refusal(403, "signature does not match: request a new upload URL")
            if self.clock.now() > upload.expires:
                raise Refusal(403, "the upload URL has expired: request a new one")
            return upload

    def store_upload(self, upload: Upload, data: bytes, content_type: str) -> None:
        with self.lock:
            upload.data = data
            upload.stored_type = content_type or "application/octet-stream"

    def uploaded(self, key: str) -> Upload | None:
        with self.lock:
            upload = self._uploads.get(key)
            return upload if upload is not None and upload.data is not None else None


def _check_id(value: str, what: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise Refusal(400, f"invalid {what} id {value[:40]!r}: expected 24 hexadecimal characters")
    return value


def _owned(records: dict[str, _Record], record_id: str, what: str, *, remove: bool = False) -> _Record:
    """The account's record with this id (taken out with ``remove``): a 400 for a malformed id, a 404
    for one the account does not have."""
    _check_id(record_id, what)
    record = records.pop(record_id, None) if remove else records.get(record_id)
    if record is None:
        raise Refusal(404, f"{what} {record_id} not found")
    return record


def _quote_key(key: str) -> str:
    """The key as a URL path; "." and ".." segments are escaped so clients do not resolve them away."""
    return "/".join(
        segment.replace(".", "%2E") if segment in (".", "..") else quote(segment, safe="")
        for segment in key.split("/")
    )
