"""tools/contract_diff.py as CI runs it: a subprocess, a readable report, an exit status."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from contract_diff import ROOT, main

SCRIPT = ROOT / "tools" / "contract_diff.py"
MODEL = "a2e_api/models/face_swap_task.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_the_repository_passes_every_layer() -> None:
    proc = _run()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for title in ("1. spec validity", "2. drift", "3. examples", "4. breaking changes"):
        assert title in proc.stdout
    # in a shallow clone the breaking layer is skipped, never failed
    assert proc.stdout.splitlines()[-1].startswith("contract diff: ")
    assert ", 0 failed," in proc.stdout.splitlines()[-1]


def test_a_broken_spec_fails_with_a_readable_report(spec: dict[str, Any], tmp_path: Path) -> None:
    del spec["paths"]["/api/v1/userFaceSwapTask/{_id}"]["get"]["operationId"]
    del spec["components"]["schemas"]["FaceSwapTask"]["properties"]["name"]
    broken = tmp_path / "a2e.yaml"
    broken.write_text(yaml.safe_dump(spec, sort_keys=False))
    proc = _run("--spec", str(broken), "--only", "validity", "breaking")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"== 1. spec validity ({broken}): FAIL ==" in out
    assert "[operation-id] GET /api/v1/userFaceSwapTask/{_id}: no operationId" in out
    assert "BREAKING  property-removed: list_task_records 200 <TaskRecordsResponse>.data.rows[].name" in out
    assert "BREAKING  operation-renamed: GET /api/v1/userFaceSwapTask/{_id} (get_task -> None)" in out
    assert out.rstrip().endswith(
        "contract diff: 0 passed, 2 failed, 0 skipped -- FAILED: 1. spec validity; 4. breaking changes"
    )


def test_a_hand_edited_tree_fails_drift_and_examples(generated_tree: Path, tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    shutil.copytree(generated_tree, copy)
    model = copy / MODEL
    model.write_text(model.read_text().replace('d.pop("_id")', 'd.pop("id")'))
    proc = _run("--generated", str(copy), "--only", "drift", "examples")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"changed: {copy}/{MODEL}" in proc.stdout
    # the examples layer parsed with the edited package, which no longer reads `_id`
    assert f"parsed with {copy}/a2e_api/__init__.py" in proc.stdout
    assert "the generated client raised KeyError: 'id'" in proc.stdout


def test_main_is_callable_in_process_and_rejects_unknown_layers(capsys: Any) -> None:
    assert main(["--only", "validity"]) == 0
    assert "contract diff: 1 passed, 0 failed, 0 skipped" in capsys.readouterr().out
    proc = _run("--only", "everything")
    assert proc.returncode == 2
    assert "invalid choice: 'everything'" in proc.stderr
