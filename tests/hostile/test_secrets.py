"""The token never shows (issue 9, rows 9 and 10): the scrubber finds it in every form it travels in,
a careless token is cleaned or refused at construction, and a server echoing it reaches no error,
repr, log line or CLI output."""

from __future__ import annotations

import base64
import json
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from a2e_faceswap import (
    A2E,
    A2EError,
    APIError,
    AsyncA2E,
    AuthenticationError,
    InvalidInputError,
    RetryPolicy,
    ServerError,
    TaskFailedError,
    UnreadableResponseError,
    WaitTimeoutError,
    _logging,
)
from a2e_faceswap.cli import app
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from tests.facade.support import Clients
from tests.hostile._server import Conn, HostileServer, Request, envelope

#: Tokens of printable characters (what construction accepts), long enough to be a token.
tokens = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=8, max_size=40)
texts = st.text(max_size=60)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _encodings(token: str) -> list[str]:
    raw = token.encode()
    b64 = [
        encode(prefix + raw).decode()
        for prefix in (b"", b"u:", b"Bearer ")
        for encode in (base64.b64encode, base64.urlsafe_b64encode)
    ]
    return [
        token,
        f"Bearer {token}",
        repr(token),
        json.dumps(token),
        json.dumps(token, ensure_ascii=False),
        repr(json.dumps(token)),
        token.encode("unicode_escape").decode(),
        quote(token),
        quote(token, safe=""),
        quote_plus(token),
        *b64,
        *(form.rstrip("=") for form in b64),
    ]


def _overlaps_marker(token: str) -> bool:
    """Whether ``[redacted]`` itself could spell part of ``token`` (a test artefact, not a leak)."""
    marker = "[redacted]"
    return token in marker or any(
        marker.endswith(token[:k]) or marker.startswith(token[-k:]) for k in range(1, 11)
    )


def _no_form_of(token: str, text: str) -> None:
    """None of the searchable forms of ``token`` is left in ``text``."""
    assert token not in text
    for form in (json.dumps(token)[1:-1], quote(token, safe=""), quote(token)):
        assert form not in text
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        assert encode(token.encode()).decode().rstrip("=")[:-1] not in text


@PROPERTY
@given(token=tokens, before=texts, after=texts, which=st.integers(min_value=0))
def test_scrub_masks_every_encoding_of_any_token(token: str, before: str, after: str, which: int) -> None:
    forms = _encodings(token)
    form = forms[which % len(forms)]
    assume(not _overlaps_marker(token))
    text = before + form + after
    assert form not in _logging.scrub(text, token)
    _no_form_of(token, _logging.scrub(text, token))
    scrubbed = _logging.scrub_bytes(text.encode(), token)
    assert form.encode() not in scrubbed
    _no_form_of(token, scrubbed.decode("utf-8", "replace"))


def _json_values() -> st.SearchStrategy[object]:
    leaves = st.none() | st.booleans() | st.integers() | texts
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
        max_leaves=8,
    )


def _plant(value: object, token: str, where: int) -> object:
    """``value`` with ``token`` inside its ``where``-th string (or as a new field)."""
    strings: list[str] = []

    def walk(node: object) -> object:
        if isinstance(node, str):
            strings.append(node)
            return (
                node[: len(node) // 2] + token + node[len(node) // 2 :] if len(strings) - 1 == where else node
            )
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return node

    planted = walk(value)
    return planted if where < len(strings) else {"faild_message": f"bad token {token}", "data": planted}


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _u_escaped(char: str) -> str:
    """``char`` as JSON ``\\uXXXX`` (a surrogate pair past the BMP)."""
    if ord(char) <= 0xFFFF:
        return f"\\u{ord(char):04x}"
    return json.dumps(char, ensure_ascii=True)[1:-1]


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in [k, *_strings(v)]]
    return []


@PROPERTY
@given(
    token=tokens,
    value=_json_values(),
    where=st.integers(min_value=0, max_value=8),
    ascii_only=st.booleans(),
    escape_every=st.integers(min_value=1, max_value=5),
)
def test_scrub_bytes_masks_any_token_in_any_json_body(
    token: str, value: object, where: int, ascii_only: bool, escape_every: int
) -> None:
    assume(not _overlaps_marker(token))
    body = json.dumps(_plant(value, token, where), ensure_ascii=ascii_only)
    # A server may also escape any of the token's characters as \uXXXX.
    spelled = "".join(
        _u_escaped(c) if i % escape_every == 0 else json.dumps(c)[1:-1] for i, c in enumerate(token)
    )
    assert json.loads(f'"{spelled}"') == token
    respelled = body.replace(json.dumps(token, ensure_ascii=ascii_only)[1:-1], spelled, 1)
    for text in {body, respelled}:
        if text is respelled and not _is_json(text):
            continue  # the replace hit the inside of an escape (the token "00000000" in "\u0010...")
        scrubbed = _logging.scrub_bytes(text.encode(), token)
        assert token.encode() not in scrubbed
        parsed = json.loads(scrubbed)  # still JSON: the transport parses it next
        assert not any(token in s for s in _strings(parsed))
        assert "[redacted]" in scrubbed.decode()
        assert _logging.scrub(text, token) == scrubbed.decode()


@PROPERTY
@given(token=tokens, text=texts)
def test_scrub_leaves_text_without_the_token_as_it_is(token: str, text: str) -> None:
    assume(token not in text and "\\u" not in text and "\\" not in text)
    assert _logging.scrub(text, token) == text
    assert _logging.scrub_bytes(text.encode(), token) == text.encode()


def test_scrub_bytes_returns_the_same_object_when_nothing_is_there() -> None:
    body = json.dumps({"code": 0, "data": {"_id": "a" * 24, "url": "https://cdn.example/x.mp4"}}).encode()
    assert _logging.scrub_bytes(body, "sk_live_0123456789abcdef") is body
    text = body.decode()
    assert _logging.scrub(text, "sk_live_0123456789abcdef") is text
    escaped = json.dumps({"name": "任务 50%", "url": "https://cdn.example/a%20b.mp4"}).encode()
    assert _logging.scrub_bytes(escaped, "sk_live_0123456789abcdef") is escaped


# ------------------------------------------------------------------ row 9: a careless token

TOKEN = "sk_hostile_secret_7f3a9c2e41b8d5"
TASK_ID = "0123456789abcdef01234567"
MakeClient = Callable[..., AsyncA2E]


def _leaks(token: str, text: str) -> list[str]:
    """The forms of ``token`` found in ``text`` (raw, repr / JSON escaped, percent, base64)."""
    forms = {
        token,
        repr(token)[1:-1],
        json.dumps(token)[1:-1],
        quote(token, safe=""),
        quote(token),
        token.encode("unicode_escape").decode(),
    }
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(token.encode()).decode()[: 8 * len(token.encode()) // 6])
    return sorted(form for form in forms if form in text)


@pytest.fixture
def make_client(clients: Clients) -> MakeClient:
    def make(base_url: str, api_key: str = TOKEN, **options: Any) -> AsyncA2E:
        options.setdefault("retry_policy", RetryPolicy(max_retries=1, initial_delay=0.01, jitter=0.0))
        return clients.make(api_key=api_key, base_url=base_url, **options)

    return make


def _task(**fields: Any) -> dict[str, Any]:
    return {"_id": TASK_ID, "name": "job", "current_status": "processing", "result_url": "", **fields}


def _records_task(request: Request, conn: Conn) -> None:
    conn.respond(200, envelope(_task()))


async def test_a_pasted_token_loses_its_blanks_and_bearer_prefix(make_client: MakeClient) -> None:
    pasted = [f"  Bearer {TOKEN}\n", f"bearer\t{TOKEN}", f"\r\n{TOKEN} \t", f"BEARER  {TOKEN}"]
    with HostileServer(_records_task) as server:
        for key in pasted:
            await make_client(server.url, api_key=key).tasks.get(TASK_ID)
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {TOKEN}"] * len(pasted)


@pytest.mark.parametrize("cls", [A2E, AsyncA2E])
@pytest.mark.parametrize("bad", ["\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u200b", "\xe9"])
def test_a_token_with_a_control_or_non_ascii_character_is_refused_at_construction(
    cls: type[A2E | AsyncA2E], bad: str
) -> None:
    token = TOKEN[:10] + bad + TOKEN[10:]
    with pytest.raises(InvalidInputError) as caught:
        cls(api_key=token, base_url="http://127.0.0.1:9")
    texts = [str(caught.value), repr(caught.value), "".join(traceback.format_exception(caught.value))]
    assert "API key" in str(caught.value)
    for text in texts:
        assert not _leaks(token, text)
        assert TOKEN[:10] not in text
        assert TOKEN[10:] not in text


def _cli(args: list[str], env: dict[str, str | None]) -> Result:
    base: dict[str, str | None] = {"A2E_API_KEY": None, "A2E_BASE_URL": None, "A2E_LOG": None}
    return CliRunner().invoke(app, args, env={**base, **env})


_OUTPUTS = [[], ["--json"], ["--debug"], ["--debug", "--json"]]


@pytest.mark.parametrize("bad", ["\n", "\r", "\x00"])
def test_the_cli_never_shows_a_token_with_a_control_character(bad: str) -> None:
    token = TOKEN[:10] + bad + TOKEN[10:]
    with HostileServer(_records_task) as server:
        results = []
        for extra in _OUTPUTS:
            command = [*extra, "tasks", "get", TASK_ID]
            results.append(_cli(["--api-key", token, *command], {"A2E_BASE_URL": server.url}))
            if bad != "\x00":  # an environment variable cannot hold a NUL
                results.append(_cli(command, {"A2E_BASE_URL": server.url, "A2E_API_KEY": token}))
    for result in results:
        output = result.stdout + result.stderr
        assert not _leaks(token, output), output
        assert TOKEN[:10] not in output
        assert TOKEN[10:] not in output
        assert result.exit_code == 2, output  # refused before anything was sent
        assert "control character" in output
    assert server.requests == []


# ------------------------------------------------------------------ row 10: a server echoing the token


def _echoes(token: str) -> str:
    """``token`` the ways a careless server may echo it."""
    encoded = base64.b64encode(token.encode()).decode()
    return f"bad key {token} ({quote(token, safe='')}, {encoded}, Bearer {token})"


def _u_spelled(token: str) -> str:
    """``token`` in JSON with every other character as ``\\uXXXX``."""
    return "".join(f"\\u{ord(c):04x}" if i % 2 else c for i, c in enumerate(token))


def _echo_server(status: str) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        if request.path == "/result.mp4":  # a download from the same (hostile) host
            conn.respond(200, b"data", [("Content-Encoding", TOKEN)], content_type="video/mp4")
            return
        record = _task(current_status=status, faild_message=_echoes(TOKEN), error_code="1001")
        spelled = b'"name": "job ' + _u_spelled(TOKEN).encode() + b'"'
        body = envelope(record).replace(b'"name": "job"', spelled)
        conn.respond(200, body, [("X-Echo", TOKEN)])

    return handler


def _texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    task = getattr(error, "task", None)
    if task is not None:
        texts += [repr(task), str(task), repr(dict(task.raw))]
    response = getattr(error, "response", None)
    if response is not None:
        texts += [response.text, repr(response)]
    return texts


@pytest.mark.parametrize("status", ["failed", f"processing {TOKEN}"])
async def test_a_server_echoing_the_token_shows_it_in_no_error_repr_or_log(
    make_client: MakeClient,
    status: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("A2E_LOG", "debug")
    caplog.set_level(logging.DEBUG)
    with HostileServer(_echo_server(status)) as server:
        api = make_client(server.url)
        task = await api.tasks.get(TASK_ID)
        expected = TaskFailedError if status == "failed" else WaitTimeoutError
        # A failed task ends the wait at the first poll; the long timeout only keeps a loaded CI
        # machine's slow first answer from turning it into a wait timeout.
        timeout = 10.0 if expected is TaskFailedError else 0.3
        with pytest.raises(expected) as caught:
            await api.tasks.wait(TASK_ID, poll_interval=0.05, timeout=timeout)
        with pytest.raises(A2EError) as download:
            await api.tasks.download(f"{server.url}/result.mp4", tmp_path)
    out, err = capfd.readouterr()
    texts = [repr(task), str(task), repr(dict(task.raw)), *_texts(caught.value), caplog.text, out, err]
    texts += _texts(download.value)
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        assert not _leaks(TOKEN, text), text
    assert "[redacted]" in repr(task)  # the echo came, masked
    assert task.name == "job [redacted]"


def _error_server(request: Request, conn: Conn) -> None:
    echo = _echoes(TOKEN).encode()
    if request.path.endswith("0000000000000000000000aa"):
        conn.respond(401, json.dumps({"code": 401, "msg": _echoes(TOKEN), "trace_id": TOKEN}).encode())
    elif request.path.endswith("0000000000000000000000bb"):
        conn.respond(502, b"<html>" + echo + b"</html>", content_type="text/html")
    else:
        conn.respond(200, b"not json: " + echo + b" \\u0041" + _u_spelled(TOKEN).encode())


@pytest.mark.parametrize(
    ("task_id", "expected"),
    [
        ("0000000000000000000000aa", AuthenticationError),
        ("0000000000000000000000bb", ServerError),
        ("0000000000000000000000cc", UnreadableResponseError),
    ],
)
async def test_an_error_answer_echoing_the_token_shows_it_nowhere(
    make_client: MakeClient, task_id: str, expected: type[APIError], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with HostileServer(_error_server) as server:
        api = make_client(server.url, max_retries=0)
        with pytest.raises(expected) as caught:
            await api.tasks.get(task_id)
    error = caught.value
    texts = [
        *_texts(error),
        error.message,
        str(error.trace_id),
        str(getattr(error, "snippet", "")),
        caplog.text,
    ]
    for text in texts:
        assert not _leaks(TOKEN, text), text
    assert "[redacted]" in str(error) + str(getattr(error, "snippet", ""))


def test_the_cli_never_shows_a_token_the_server_echoes() -> None:
    results = []
    with HostileServer(_echo_server("failed")) as server:
        for extra in _OUTPUTS:
            for command in (["tasks", "get", TASK_ID], ["tasks", "wait", TASK_ID, "--poll", "0.05"]):
                args = [*extra, *command]
                results.append(_cli(["--api-key", TOKEN, *args], {"A2E_BASE_URL": server.url}))
                results.append(_cli(args, {"A2E_BASE_URL": server.url, "A2E_API_KEY": TOKEN}))
    assert {result.exit_code for result in results} == {0, 1}
    for result in results:
        output = result.stdout + result.stderr
        assert not _leaks(TOKEN, output), output
    assert any("[redacted]" in result.stdout + result.stderr for result in results)
