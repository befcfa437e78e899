"""Run a snippet in a fresh Python process and measure its peak memory growth.

A pytest worker's peak RSS is already high from earlier tests, so growth is measured in a child: the
snippet's ``setup`` runs first (imports, building a client), then the peak RSS is read, then ``body``
runs, then the peak is read again. The child prints one JSON line: the growth in bytes and whatever the
body put in ``result`` (a JSON-serialisable value).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

__all__ = ["run_child"]

_TEMPLATE = """
import json, resource, sys
{setup}
_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = None
{body}
_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stdout.write("\\n" + json.dumps({{"growth": (_after - _before) * 1024, "result": result}}) + "\\n")
"""


def run_child(
    setup: str, body: str, *, timeout: float = 60, user: int | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``setup`` then ``body`` in a new interpreter; ``{"growth": bytes, "result": ...}``.

    ``user``: run as this uid (and its gid), e.g. to test file permissions when the tests run as root.
    """
    code = _TEMPLATE.format(setup=textwrap.dedent(setup), body=textwrap.dedent(body))
    preexec = None
    if user is not None:
        uid = user

        def preexec() -> None:
            os.setgid(uid)
            os.setuid(uid)

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=preexec,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise AssertionError(f"child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
