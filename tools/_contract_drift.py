"""Layer 2 of the contract diff: regenerating from the spec gives exactly the committed generated/ tree."""

from __future__ import annotations

import difflib
import enum
import tempfile
from dataclasses import dataclass
from pathlib import Path

from _contract_common import GENERATED, SPEC, LayerResult, display_path

# Local by-products of importing or linting the tree; never part of what the generator writes.
IGNORED_DIRS = frozenset({"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
MAX_DIFF_LINES = 120  # per file, so that a big drift still gives a readable report


class Drift(enum.Enum):
    CHANGED = "changed"
    ADDED = "added"  # in the compared tree only: nothing the generator writes
    REMOVED = "removed"  # written by the generator but missing from the compared tree


@dataclass(frozen=True)
class FileDrift:
    kind: Drift
    path: str  # relative to the tree, posix
    diff: tuple[str, ...] = ()


def tree_files(root: Path) -> dict[str, Path]:
    """Every file under `root` keyed by its posix path relative to `root`, by-products left out."""
    files: dict[str, Path] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if IGNORED_DIRS & set(rel.parts) or path.suffix in IGNORED_SUFFIXES or not path.is_file():
            continue
        files[rel.as_posix()] = path
    return files


def _text(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8", errors="replace").splitlines(keepends=True)


def compare_trees(expected: Path, actual: Path, label: str = "generated") -> list[FileDrift]:
    """Byte-for-byte comparison of `actual` against the freshly generated `expected` tree.

    Diffs are labelled `<label>/<file>` (what is on disk) and `<label>/<file> (regenerated)`.
    """
    want = tree_files(expected)
    have = tree_files(actual)
    drifts: list[FileDrift] = []
    for rel in sorted(want.keys() | have.keys()):
        if rel not in have:
            drifts.append(FileDrift(Drift.REMOVED, rel))
        elif rel not in want:
            drifts.append(FileDrift(Drift.ADDED, rel))
        elif want[rel].read_bytes() != have[rel].read_bytes():
            diff = difflib.unified_diff(
                _text(have[rel]), _text(want[rel]), f"{label}/{rel}", f"{label}/{rel} (regenerated)"
            )
            lines = tuple(line.rstrip("\n") for line in diff)
            if not lines:  # same text, different bytes (line endings, encoding)
                lines = ("(the text is the same; the bytes differ: line endings or encoding)",)
            drifts.append(FileDrift(Drift.CHANGED, rel, lines))
    return drifts


def report_drift(drifts: list[FileDrift], label: str, result: LayerResult) -> None:
    if not drifts:
        result.note(f"{label}/ is exactly what the generator writes")
        return
    result.fail(f"{label}/ differs from a fresh `make generate` in {len(drifts)} file(s):")
    for drift in drifts:
        if drift.kind is Drift.REMOVED:
            result.fail(f"  removed: {label}/{drift.path} (the generator writes it; it is missing)")
        elif drift.kind is Drift.ADDED:
            result.fail(f"  added:   {label}/{drift.path} (the generator does not write it)")
        else:
            result.fail(f"  changed: {label}/{drift.path}")
    for drift in drifts:
        if drift.diff:
            shown = drift.diff[:MAX_DIFF_LINES]
            result.fail("")
            result.lines.extend(f"    {line}" for line in shown)
            if len(drift.diff) > len(shown):
                result.fail(
                    f"    ... {len(drift.diff) - len(shown)} more diff lines for {label}/{drift.path}"
                )
    result.fail("")
    result.fail("generated/ is never edited by hand: change openapi/a2e.yaml (or openapi/generator.yaml),")
    result.fail("run `make generate` and commit the spec and generated/ together.")


def check_drift(generated: Path = GENERATED, spec: Path = SPEC) -> LayerResult:
    """Regenerate `spec` into a temporary folder and compare it with the tree at `generated`."""
    from generate import generate  # tools/generate.py, next to this module

    label = display_path(generated)
    result = LayerResult(f"2. drift ({label}/ against a fresh generation from {display_path(spec)})")
    if not generated.is_dir():
        result.fail(f"{generated} is not a directory")
        return result
    with tempfile.TemporaryDirectory(prefix="a2e-drift-") as tmp:
        fresh = Path(tmp) / "generated"
        try:
            generate(fresh, spec)
        except SystemExit as exc:
            result.fail(f"the generator failed: {exc}")
            return result
        report_drift(compare_trees(fresh, generated, label), label, result)
    return result
