"""``a2e-faceswap webhook listen`` (print verified webhook deliveries, to debug an integration) and the
receiver behind ``batch --webhook-listen HOST:PORT``.

Both serve ``webhooks.Listener`` (the ``webhooks`` extra: starlette, uvicorn; imported only here, when
the command runs). ``listen`` prints one line per verified event on stdout (``--json``: one JSON object
a line), says where it listens on stderr, and stops on Ctrl-C with exit 130. A delivery with a wrong
or missing token is answered 401 and printed nowhere but in a warning on stderr; neither the webhook
token nor the API key is ever printed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._cli_support import register_secret, scrub
from ..cli import install_hint
from ..errors import InvalidInputError
from ._problems import ExitCode, UsageProblem
from ._session import session_of

if TYPE_CHECKING:
    from ..webhooks import Listener, WebhookEvent

__all__ = ["batch_listener", "batch_token", "listen", "parse_host_port"]

#: how often the printing loop looks up (Ctrl-C is seen at once anyway)
_TICK = 0.5


def parse_host_port(value: str, option: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6; port 0 picks a free one)."""
    host, sep, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UsageProblem(
            f"{option} must be HOST:PORT, got {value!r}", "e.g. 127.0.0.1:8787 (port 0: any free port)"
        )
    return host, int(port)


@contextmanager
def _serving(listener: Listener, where: str) -> Iterator[Listener]:
    """``listener`` started (a missing extra or a port in use is a usage problem), stopped after."""
    try:
        listener.start()
    except ImportError as error:
        raise UsageProblem(
            f"the webhook receiver needs the 'webhooks' extra ({error.name} is missing)",
            install_hint("cli", "webhooks"),
        ) from error
    except RuntimeError as error:
        raise UsageProblem(f"{error}", f"is another program listening on {where}?") from error
    try:
        yield listener
    finally:
        listener.close()


def batch_token(api_key: str, batch_id: str) -> str:
    """The webhook token of batch ``batch_id``: the same in every run of the batch (a resumed run
    receives the deliveries of the tasks an earlier run made, also after the folder moved), another for
    another batch or API key. Derived (HMAC-SHA256 keyed with the API key), so it is kept nowhere and
    tells nothing of the key."""
    if not api_key:
        raise InvalidInputError("the batch's webhook token is derived from the API key: none is set")
    message = b"a2e-faceswap batch webhook\0" + batch_id.encode()
    digest = hmac.new(api_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii")


@contextmanager
def batch_listener(
    listen: str | None, url: str | None, api_key: str, batch_id: str | None
) -> Iterator[tuple[Listener | None, str | None]]:
    """For ``batch``: a listener on ``listen`` with the batch's token (``batch_token``; a random one
    when the batch's id cannot be known, never printed), and the ``webhook_url`` its creates carry
    (``url``, else the listener's own address)."""
    if listen is None:
        if url is not None:
            raise UsageProblem("--webhook-url needs --webhook-listen", "give the HOST:PORT it reaches")
        yield None, None
        return
    host, port = parse_host_port(listen, "--webhook-listen")
    from ..webhooks import Listener

    token = batch_token(api_key, batch_id) if batch_id is not None else secrets.token_urlsafe(24)
    register_secret(token)
    with _serving(Listener(token, host=host, port=port), listen) as listener:
        print(scrub(f"receiving webhooks on {listener.url}", api_key), file=sys.stderr)
        yield listener, url


def _record(event: WebhookEvent) -> dict[str, Any]:
    task = event.task
    return {
        "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "task_id": event.task_id,
        "event": event.event,
        "status": None if event.status is None else str(event.status),
        "result_url": None if task is None else task.result_url,
    }


def _line(record: dict[str, Any]) -> str:
    if record["task_id"] is None:
        return f"{record['received_at']} unreadable delivery (verified; the body could not be read)"
    text = f"{record['received_at']} {record['event'] or '?'} task {record['task_id']}"
    if record["status"]:
        text += f" status {record['status']}"
    if record["result_url"]:
        text += f" result {record['result_url']}"
    return text


def listen(
    ctx: typer.Context,
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, metavar="P", help="Port to listen on (0: any free one)."),
    ],
    token: Annotated[
        str,
        typer.Option(
            "--token",
            envvar="A2E_WEBHOOK_TOKEN",
            metavar="T",
            help="The webhook_token your tasks were created with (default: $A2E_WEBHOOK_TOKEN). "
            "Never printed.",
            show_default=False,
        ),
    ],
    host: Annotated[str, typer.Option("--host", metavar="H", help="Address to listen on.")] = "127.0.0.1",
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object a line (JSON Lines).")] = False,
) -> None:
    """Print A2E's verified webhook deliveries, one line each, until Ctrl-C (to debug an integration)."""
    session = session_of(ctx)
    lines = json_lines or session.out.json_mode
    mask = session.secret() or ""
    with session.guard("webhook listen"):
        if not token.strip():
            raise UsageProblem("--token must not be empty", "give the webhook_token of your tasks")
        register_secret(token)
        from ..webhooks import Listener

        received: queue.Queue[WebhookEvent] = queue.Queue()
        listener = Listener(token, host=host, port=port, on_event=received.put)
        try:
            with _serving(listener, f"{host}:{port}"):
                session.out.note(f"listening on {listener.url} (Ctrl-C to stop)")
                while True:
                    try:
                        event = received.get(timeout=_TICK)
                    except queue.Empty:
                        continue
                    record = _record(event)
                    text = json.dumps(record, ensure_ascii=False) if lines else _line(record)
                    sys.stdout.write(scrub(scrub(text, mask), token) + "\n")
                    sys.stdout.flush()
        except KeyboardInterrupt:
            session.out.note("stopped")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
