"""Layer 5: Spectral's `spectral:oas` ruleset reports nothing but the allowed `info-contact`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from _contract_spectral import SPECTRAL, check_spectral
from contract_diff import SPEC, Status

needs_spectral = pytest.mark.skipif(
    not SPECTRAL.exists(), reason="Spectral is not installed (make installs it: npm ci)"
)


@needs_spectral
def test_the_spec_passes_spectral_with_only_info_contact() -> None:
    result = check_spectral(SPEC)
    assert result.status is Status.PASS, result.render()
    assert "info-contact at info" in result.render()
    assert "1 finding(s), 0 failing" in result.render()


@needs_spectral
def test_a_missing_operation_description_fails(spec: dict[str, Any], tmp_path: Path) -> None:
    del spec["paths"]["/api/v1/userFaceSwapTask/{_id}"]["get"]["description"]
    broken = tmp_path / "a2e.yaml"
    broken.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = check_spectral(broken)
    assert result.status is Status.FAIL
    report = result.render()
    assert "operation-description at paths./api/v1/userFaceSwapTask/{_id}.get" in report
    assert "2 finding(s), 1 failing" in report


def test_without_spectral_the_layer_skips_but_fails_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert check_spectral(SPEC, spectral=tmp_path / "spectral").status is Status.SKIP
    monkeypatch.setenv("CI", "true")
    failed = check_spectral(SPEC, spectral=tmp_path / "spectral")
    assert failed.status is Status.FAIL
    assert "make contract-diff` installs it" in failed.render()
