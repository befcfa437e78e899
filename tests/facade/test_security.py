"""The token never leaks (logs at debug, reprs, errors), never travels over plain http to a remote host
and is only sent to the API's own origin; configuration from the environment."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from a2e_faceswap import (
    A2E,
    AsyncA2E,
    AuthenticationError,
    InsecureURLError,
    InvalidInputError,
    UnreadableResponseError,
)
from a2e_faceswap._logging import RedactingFilter, RequestLog
from a2e_faceswap._validation import REGIONS
from a2e_faceswap.testing import FaultKind

from tests.facade.conftest import Env, MakeApi
from tests.facade.support import FACE, VIDEO, unwrap

CANARY = "sk_canary_5f1e0c7d9b2a4e6f8a1b3c5d7e9f0a2b"


def _everything_logged(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    out, err = capfd.readouterr()
    return caplog.text + "\n".join(repr(r.__dict__) for r in caplog.records) + out + err


async def test_canary_token_never_appears_in_logs_reprs_or_errors(
    make_api: MakeApi,
    env: Env,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("A2E_LOG", "debug")
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    token = env.sim.add_account(credits=100)
    api = make_api(api_key=token)
    face = tmp_path / "face.jpg"
    face.write_bytes(b"\xff\xd8\xff face")
    result = await api.tasks.run(face=face, video=VIDEO, download_to=tmp_path, poll_interval=0.01)
    errors: list[BaseException] = []
    env.sim.faults.script("get_task", [FaultKind.MALFORMED_JSON])
    with pytest.raises(UnreadableResponseError) as unreadable:
        await api.tasks.get(result.task.id)
    errors.append(unreadable.value)
    wrong = make_api(api_key=CANARY)
    with pytest.raises(AuthenticationError) as rejected:
        await wrong.tasks.get(result.task.id)
    errors.append(rejected.value)
    before = sum(env.sim.stats.requests.values())
    with pytest.raises(InvalidInputError) as pasted:  # the token pasted where an id belongs
        await api.tasks.get(token)
    assert "24 hex digits" in str(pasted.value)  # not an id, and not echoed (see texts below)
    assert sum(env.sim.stats.requests.values()) == before  # refused before anything was sent

    texts = [
        _everything_logged(caplog, capfd),
        repr(api),
        str(api),
        repr(wrong),
        repr(api.with_options(timeout=3)),
    ]
    texts.append(repr(unwrap(api)._api) + repr(unwrap(api)._api.config))
    for error in errors:
        texts += [str(error), repr(error)]
        response = getattr(error, "response", None)
        assert isinstance(response, httpx.Response)
        texts.append(repr(response.request.headers))
    texts += [str(pasted.value), repr(pasted.value)]
    for text in texts:
        assert token not in text
        assert CANARY not in text
    logged = texts[0]
    assert "'Authorization': '[redacted]'" in logged or "'authorization': '[redacted]'" in logged
    assert "request GET" in logged
    assert "retrying" not in logged


def test_a2e_log_turns_on_a_redacting_handler(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("a2e_faceswap")
    monkeypatch.setenv("A2E_LOG", "info")
    A2E(api_key=CANARY, base_url="https://video.a2e.ai").close()
    assert logger.level == logging.INFO
    assert logger.handlers
    handler = logger.handlers[0]
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    logger.info("header was Bearer %s", CANARY)
    logger.info("an id that is really the token: %s", CANARY)  # a client was given it: masked too
    err = capfd.readouterr().err
    assert "Bearer [redacted]" in err
    assert "an id that is really the token: [redacted]" in err
    assert CANARY not in err
    logger.setLevel(logging.NOTSET)


@pytest.mark.parametrize("cls", [A2E, AsyncA2E])
@pytest.mark.parametrize(
    "url", ["http://video.a2e.ai", "http://10.0.0.5:8080", "http://127.example.com", "http://[2001:db8::1]"]
)
def test_plain_http_to_a_remote_host_is_refused(cls: type[A2E | AsyncA2E], url: str) -> None:
    with pytest.raises(InsecureURLError) as caught:
        cls(api_key=CANARY, base_url=url)
    assert isinstance(caught.value, ValueError)
    assert CANARY not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9",
        "http://127.8.9.10",
        "http://localhost:8080/",
        "http://[::1]:8080",
        "https://x.example",
    ],
)
def test_plain_http_to_loopback_and_https_anywhere_are_allowed(url: str) -> None:
    with A2E(api_key=CANARY, base_url=url) as client:
        assert client.base_url == url.rstrip("/")


def test_the_token_is_only_sent_to_the_api_origin() -> None:
    with A2E(api_key=CANARY, base_url="https://video.a2e.ai") as client:
        auth = client._api.auth  # the httpx.Auth sent with each API request
    signed = next(
        auth.auth_flow(httpx.Request("GET", "https://video.a2e.ai/api/v1/userFaceSwapTask/records"))
    )
    assert signed.headers["Authorization"] == f"Bearer {CANARY}"
    for other in ("https://cdn.a2e.ai/result.mp4", "http://video.a2e.ai/x", "https://video.a2e.ai:8443/x"):
        unsigned = next(auth.auth_flow(httpx.Request("GET", other)))
        assert "Authorization" not in unsigned.headers
    assert CANARY not in repr(auth)


def test_configuration_from_the_environment(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.sim.env().items():
        monkeypatch.setenv(name, value)
    with A2E() as client:
        assert client.base_url == env.sim.base_url
        assert client.tasks.create(face=FACE, video=VIDEO).id
    with A2E(base_url="https://other.example") as explicit:
        assert explicit.base_url == "https://other.example"
    with A2E(region="cn") as china:
        assert china.base_url == REGIONS["cn"] == "https://video.a2e.com.cn"
    monkeypatch.delenv("A2E_BASE_URL")
    with A2E() as default, A2E(region="global") as global_:
        assert default.base_url == global_.base_url == "https://video.a2e.ai"
        assert default.max_retries == 2


def test_the_request_log_masks_the_token_in_urls(caplog: pytest.LogCaptureFixture) -> None:
    log = RequestLog(CANARY)
    caplog.set_level(logging.DEBUG, logger="a2e_faceswap")
    request = httpx.Request(
        "GET", f"https://video.a2e.ai/api/v1/userFaceSwapTask/{CANARY}", headers={"Authorization": CANARY}
    )
    log.request(request)
    log.response(httpx.Response(400, request=request))
    assert len(caplog.records) == 2
    assert CANARY not in caplog.text
    assert "/userFaceSwapTask/[redacted]" in caplog.text
