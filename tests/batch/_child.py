"""One batch run in a child process, for tests/batch/test_runs.py (which kills some with SIGKILL).

``python tests/batch/_child.py MANIFEST OUT_DIR OPTIONS_JSON``: the client comes from the environment
(``A2E_BASE_URL`` / ``A2E_API_KEY``, see ``Simulator.env()``); OPTIONS_JSON holds the client's
``timeout`` and ``settle_window`` and the keywords of ``client.batch.run``. Prints the report's exit
code and counts as one JSON line and exits with the exit code.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from a2e_faceswap import A2E, RetryPolicy


def main(argv: list[str]) -> int:
    manifest, out_dir, raw = argv
    options: dict[str, Any] = json.loads(raw)
    policy = RetryPolicy(
        settle_window=options.pop("settle_window"), initial_delay=0.01, max_delay=0.1, jitter=0.0
    )
    with A2E(timeout=options.pop("timeout"), retry_policy=policy) as client:
        report = client.batch.run(manifest, out_dir, **options)
    print(json.dumps({"exit_code": report.exit_code, "counts": dict(report.counts)}), flush=True)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
