"""Regenerate generated/ from openapi/a2e.yaml, deterministically.

    python tools/generate.py                 # rewrite generated/ in place
    python tools/generate.py --out DIR       # write a fresh tree to DIR (used by the drift check)

The tree is: generated/a2e_api/ (openapi-python-client output, post-processed by its pinned ruff hooks),
generated/a2e_api/openapi.yaml (the contract itself, shipped so the simulator can validate against it) and
generated/STAMP.json (generator version, ruff version, spec sha256). Nothing in it depends on the time,
the machine or the path it was written to, so two runs give identical bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "a2e.yaml"
CONFIG = ROOT / "openapi" / "generator.yaml"
GENERATED = ROOT / "generated"
PACKAGE = "a2e_api"


def stamp(spec: Path) -> dict[str, str]:
    return {
        "generator": f"openapi-python-client {version('openapi-python-client')}",
        "ruff": f"ruff {version('ruff')}",
        "spec": "openapi/a2e.yaml",
        "spec_sha256": hashlib.sha256(spec.read_bytes()).hexdigest(),
    }


def generate(out: Path, spec: Path = SPEC) -> None:
    """Write a complete generated tree for `spec` into `out` (created or replaced)."""
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory(prefix="a2e-gen-") as tmp:
        target = Path(tmp) / PACKAGE
        proc = subprocess.run(
            [
                str(bindir / "openapi-python-client"),
                "generate",
                "--path",
                str(spec),
                "--config",
                str(CONFIG),
                "--meta",
                "none",
                "--output-path",
                str(target),
                "--fail-on-warning",
            ],
            env={**env, "RUFF_CACHE_DIR": str(Path(tmp) / "ruff-cache")},
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not (target / "__init__.py").exists():
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"openapi-python-client failed on {spec}")
        shutil.rmtree(target / ".ruff_cache", ignore_errors=True)
        shutil.copyfile(spec, target / "openapi.yaml")
        (target / "py.typed").write_text("# Marker file for PEP 561\n")
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        shutil.copytree(target, out / PACKAGE)
        (out / "STAMP.json").write_text(json.dumps(stamp(spec), indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GENERATED, help="where to write (default: generated/)")
    parser.add_argument("--spec", type=Path, default=SPEC, help="the OpenAPI document")
    args = parser.parse_args()
    generate(args.out, args.spec)
    print(f"generated {args.out} from {args.spec}")


if __name__ == "__main__":
    main()
