"""Layer 5 of the contract diff: Spectral's OpenAPI ruleset (`spectral:oas`) finds nothing to report.

Spectral is an npm tool, pinned in package.json / package-lock.json and installed by `make` (`npm ci`
into node_modules/, a stamp target of `make contract-diff` and `make pytest`). The ruleset is
openapi/spectral.yaml, `spectral:oas` unchanged. The layer fails on any error or warning except those in
ALLOWED; infos and hints are listed without failing. Without node_modules/.bin/spectral (a run outside
make) the layer is skipped with a hint, except under CI (CI set), where it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from _contract_common import ROOT, LayerResult, Status, display_path

SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
RULESET = ROOT / "openapi" / "spectral.yaml"
ALLOWED = frozenset({"info-contact"})
"""Findings the contract keeps: A2E names no contact for its API, so `info` has none."""
SEVERITIES = ("error", "warning", "info", "hint")
TIMEOUT = 120.0


def check_spectral(spec: Path, spectral: Path = SPECTRAL, ruleset: Path = RULESET) -> LayerResult:
    result = LayerResult(f"5. spectral ({display_path(ruleset)})")
    if not spectral.exists():
        message = f"{display_path(spectral)} is not installed: `make contract-diff` installs it (npm ci)"
        if os.environ.get("CI"):
            result.fail(message)
        else:
            result.status = Status.SKIP
            result.note(message)
        return result
    command = [str(spectral), "lint", "--format", "json", "--ruleset", str(ruleset), str(spec)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        findings = json.loads(proc.stdout)
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        result.fail(f"spectral did not run: {type(exc).__name__}: {exc}")
        return result
    if not isinstance(findings, list):
        result.fail(f"spectral answered something else than a list of findings: {proc.stdout[:200]!r}")
        return result
    failing = 0
    for finding in findings:
        severity = SEVERITIES[finding.get("severity", 0)] if finding.get("severity") in range(4) else "?"
        rule = str(finding.get("code"))
        where = ".".join(str(part) for part in finding.get("path") or []) or "(document)"
        line = f"{severity:8} {rule} at {where}: {finding.get('message')}"
        if severity in ("error", "warning") and rule not in ALLOWED:
            failing += 1
            result.fail(line)
        else:
            result.note(f"{line} (allowed)" if rule in ALLOWED else line)
    summary = f"spectral:oas: {len(findings)} finding(s), {failing} failing"
    if failing:
        result.fail(summary)
    else:
        result.note(f"{summary} (allowed: {', '.join(sorted(ALLOWED))})")
    return result
