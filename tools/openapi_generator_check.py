"""By-hand check (not part of `make test`: it needs a JRE): openapi-generator's python client reads the
contract, i.e. every 200 example of openapi/a2e.yaml parses as exactly one alternative of its `oneOf`.

    python -m venv /tmp/oag && /tmp/oag/bin/pip install openapi-generator-cli pydantic python-dateutil \\
        urllib3 typing-extensions pyyaml
    /tmp/oag/bin/python tools/openapi_generator_check.py [--spec FILE] [--out DIR]

It runs `openapi-generator-cli generate -g python` (found next to the running interpreter) into --out
(default build/openapi-generator-python, gitignored),
then, for every operation, feeds each 200 example to the generated `<Operation>200Response.from_json`,
whose oneOf counts matching alternatives ("Multiple matches found" when a body fits both). Prints one
line per example and exits 1 if any failed. Last result: see docs/contract.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "oag_client"


def _follow(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _response_types(out: Path) -> dict[str, str]:
    """operationId -> the generated class of its 200 answer, read from the generated api modules."""
    found: dict[str, str] = {}
    pattern = re.compile(r"def (\w+)_with_http_info\(.*?_response_types_map[^{]*\{(.*?)\}", re.S)
    for module in (out / PACKAGE / "api").glob("*_api.py"):
        for match in pattern.finditer(module.read_text()):
            answer = re.search(r"'200': \"(\w+)\"", match.group(2))
            if answer:
                found[match.group(1)] = answer.group(1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "openapi" / "a2e.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "openapi-generator-python")
    args = parser.parse_args()
    cli = Path(sys.executable).parent / "openapi-generator-cli"
    subprocess.run(
        [
            *(str(cli), "generate", "-g", "python", "-i", str(args.spec), "-o", str(args.out)),
            f"--additional-properties=packageName={PACKAGE}",
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(args.out))
    models = importlib.import_module(f"{PACKAGE}.models")
    types = _response_types(args.out)
    spec = yaml.safe_load(args.spec.read_text())
    failed = 0
    total = 0
    for item in spec["paths"].values():
        for op in item.values():
            media = _follow(spec, op["responses"]["200"])["content"]["application/json"]
            for name, raw in (media.get("examples") or {}).items():
                total += 1
                value = _follow(spec, raw)["value"]
                try:
                    parsed = getattr(models, types[op["operationId"]]).from_json(json.dumps(value))
                    got = type(getattr(parsed, "actual_instance", parsed)).__name__
                    print(f"ok    {op['operationId']:22} {name:12} -> {got}")
                except Exception as exc:  # whatever the generated code raises is the finding
                    failed += 1
                    print(f"FAIL  {op['operationId']:22} {name:12} {str(exc)[:200]}")
    print(f"{total - failed} of {total} 200 examples parsed by openapi-generator's python client")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
