"""Layer 2: generation is deterministic, generated/ matches it, and a hand edit is caught and named."""

from __future__ import annotations

import shutil
from pathlib import Path

from contract_diff import GENERATED, Drift, FileDrift, check_drift, compare_trees
from generate import generate

MODEL = "a2e_api/models/face_swap_task.py"


def _copy(tree: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "generated"
    shutil.copytree(tree, copy)
    return copy


def test_generating_twice_gives_identical_trees(generated_tree: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again)
    assert compare_trees(generated_tree, again) == []
    assert (again / "STAMP.json").read_bytes() == (generated_tree / "STAMP.json").read_bytes()


def test_the_committed_tree_is_what_the_generator_writes(generated_tree: Path) -> None:
    assert compare_trees(generated_tree, GENERATED) == []


def test_a_hand_edit_fails_the_layer_with_a_diff_naming_the_file(
    generated_tree: Path, tmp_path: Path
) -> None:
    copy = _copy(generated_tree, tmp_path)
    model = copy / MODEL
    model.write_text(model.read_text().replace('field_id = d.pop("_id")', 'field_id = d.pop("id")'))
    result = check_drift(copy)
    assert result.failed
    report = result.render()
    assert f"changed: {copy}/{MODEL}" in report
    assert f"--- {copy}/{MODEL}" in report
    assert f"+++ {copy}/{MODEL} (regenerated)" in report
    assert '-        field_id = d.pop("id")' in report
    assert '+        field_id = d.pop("_id")' in report
    assert "run `make generate`" in report


def test_an_edited_stamp_is_drift(generated_tree: Path, tmp_path: Path) -> None:
    copy = _copy(generated_tree, tmp_path)
    stamp = copy / "STAMP.json"
    stamp.write_text(
        stamp.read_text().replace("openapi-python-client 0.29.1", "openapi-python-client 0.30.0")
    )
    drifts = compare_trees(generated_tree, copy)
    assert [(d.kind, d.path) for d in drifts] == [(Drift.CHANGED, "STAMP.json")]


def test_added_and_removed_files_are_named(generated_tree: Path, tmp_path: Path) -> None:
    copy = _copy(generated_tree, tmp_path)
    (copy / "a2e_api" / "models" / "extra.py").write_text("x = 1\n")
    (copy / "a2e_api" / "py.typed").unlink()
    assert compare_trees(generated_tree, copy) == [
        FileDrift(Drift.ADDED, "a2e_api/models/extra.py"),
        FileDrift(Drift.REMOVED, "a2e_api/py.typed"),
    ]


def test_line_endings_alone_are_drift(generated_tree: Path, tmp_path: Path) -> None:
    copy = _copy(generated_tree, tmp_path)
    init = copy / "a2e_api" / "__init__.py"
    init.write_bytes(init.read_bytes().replace(b"\n", b"\r\n"))
    [drift] = compare_trees(generated_tree, copy)
    assert drift.path == "a2e_api/__init__.py"
    assert drift.kind is Drift.CHANGED


def test_bytecode_caches_are_not_drift(generated_tree: Path, tmp_path: Path) -> None:
    copy = _copy(generated_tree, tmp_path)
    cache = copy / "a2e_api" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "client.cpython-311.pyc").write_bytes(b"\0")
    assert compare_trees(generated_tree, copy) == []


def test_a_missing_tree_fails(tmp_path: Path) -> None:
    result = check_drift(tmp_path / "nowhere")
    assert result.failed
    assert "is not a directory" in result.render()
