"""The contract diff CI runs (`make contract-diff`): five layers, each with a readable report.

    python tools/contract_diff.py [--base REV] [--only LAYER ...] [--spec FILE] [--generated DIR]
                                  [--changelog FILE]

1. validity  openapi/a2e.yaml is valid OpenAPI 3.1 (openapi-spec-validator) and follows the project's
             lint rules: json-compatible, local-refs, https-servers, bearer-security, operation-id,
             one-tag, summary, parameters, json-request-body, success-envelope, error-responses,
             no-response-enums, schema-examples, property-descriptions, examples-used (each explained in
             tools/_contract_lint.py).
2. drift     regenerating the spec into a temporary folder (tools/generate.py) gives generated/ byte for
             byte, STAMP.json included; otherwise a unified diff per file, each file named.
3. examples  every example of the spec validates against its schema (JSON Schema 2020-12, OpenAPI 3.1
             dialect, $refs resolved) and parses with the generated client, round trip included
             (tools/_contract_examples.py).
4. breaking  the changes between the spec at a base revision and the working copy, breaking or not
             (rules in tools/_contract_breaking.py). Default base: the newest commit that changed
             openapi/a2e.yaml to something other than the working copy, i.e. the previous version of
             the spec; with none (first version) the layer passes. Breaking changes fail unless
             openapi/CHANGELOG.yaml accepts them with a reason:

                 accepted:
                   - change: "property-removed: get_task 200 <TaskResponse>.data.name"   # as printed
                     reason: "A2E stopped sending it."

5. spectral  Spectral's OpenAPI ruleset (`spectral:oas`, openapi/spectral.yaml; Spectral pinned in
             package.json, installed by make with npm ci) reports no error and no warning other than
             `info-contact` (tools/_contract_spectral.py). Skipped with a hint when not installed,
             except under CI.

Every layer runs; the exit status is 1 if any failed, 2 on a usage error, else 0. A layer that cannot
run for reasons outside the contract (git missing, shallow clone without the spec's history) is reported
as SKIP and does not fail; an explicit --base that cannot be read fails.

The functions below are importable (tests call them with dicts and paths); main() is only argument parsing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from _contract_breaking import (
    Accepted,
    Change,
    ChangelogError,
    Direction,
    GitError,
    compare_schemas,
    compare_specs,
    describe,
    find_base_revision,
    is_shallow,
    judge_changes,
    load_changelog,
    parse_changelog,
    read_at,
)
from _contract_common import (
    CHANGELOG,
    GENERATED,
    ROOT,
    SPEC,
    SPEC_IN_REPO,
    Json,
    LayerResult,
    SpecError,
    Status,
    display_path,
    inline_refs,
    load_spec,
    load_spec_text,
)
from _contract_drift import Drift, FileDrift, check_drift, compare_trees
from _contract_examples import DocExample, check_example, check_examples, collect_examples, survives
from _contract_lint import RULES, LintProblem, check_validity, lint_spec, validate_openapi
from _contract_spectral import check_spectral

__all__ = [
    "CHANGELOG",
    "GENERATED",
    "LAYERS",
    "ROOT",
    "RULES",
    "SPEC",
    "SPEC_IN_REPO",
    "Accepted",
    "Change",
    "ChangelogError",
    "Direction",
    "DocExample",
    "Drift",
    "FileDrift",
    "GitError",
    "LayerResult",
    "LintProblem",
    "SpecError",
    "Status",
    "check_breaking",
    "check_drift",
    "check_example",
    "check_examples",
    "check_spectral",
    "check_validity",
    "collect_examples",
    "compare_schemas",
    "compare_specs",
    "compare_trees",
    "find_base_revision",
    "inline_refs",
    "judge_changes",
    "lint_spec",
    "load_changelog",
    "load_spec",
    "main",
    "parse_changelog",
    "run",
    "summarise",
    "survives",
    "validate_openapi",
]

LAYERS = ("validity", "drift", "examples", "breaking", "spectral")


def check_breaking(
    spec: Path = SPEC,
    base: str | None = None,
    repo: Path = ROOT,
    spec_in_repo: str = SPEC_IN_REPO,
    changelog: Path = CHANGELOG,
) -> LayerResult:
    """Layer 4: compare `spec` with `spec_in_repo` at `base` (default: its previous version) in `repo`."""
    title = "4. breaking changes"
    result = LayerResult(title)
    try:
        current = spec.read_bytes()
        head = load_spec_text(current.decode("utf-8"), display_path(spec))
        accepted = load_changelog(changelog)
    except (OSError, UnicodeDecodeError, SpecError, ChangelogError) as exc:
        result.fail(str(exc))
        return result
    try:
        rev = base if base is not None else find_base_revision(repo, spec_in_repo, current)
        if rev is None:
            if is_shallow(repo):
                result.status = Status.SKIP
                result.note(f"shallow clone: no earlier version of {spec_in_repo} in the fetched history;")
                result.note("run `git fetch --unshallow` (or pass --base REV / make contract-diff BASE=REV)")
            else:
                result.note(
                    f"no earlier version of {spec_in_repo} in git history (first version): nothing to compare"
                )
            return result
        base_spec = load_spec_text(read_at(repo, rev, spec_in_repo).decode("utf-8"), f"{spec_in_repo}@{rev}")
    except GitError as exc:
        if base is not None:
            result.fail(str(exc))
        else:
            result.status = Status.SKIP
            result.note(f"cannot find the previous version of {spec_in_repo}: {exc}")
            result.note("pass --base REV (make contract-diff BASE=REV) to compare with a given revision")
        return result
    except (SpecError, UnicodeDecodeError) as exc:
        result.fail(f"the base version cannot be read: {exc}")
        return result
    head_name = (
        "the working copy" if spec.resolve() == (repo / spec_in_repo).resolve() else display_path(spec)
    )
    title = f"{title} ({spec_in_repo} at {rev[:12]} -> {head_name})"
    try:
        changes = compare_specs(base_spec, head)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        result.fail(f"cannot compare a malformed document: {type(exc).__name__}: {exc}")
        return result
    judged = judge_changes(changes, accepted, title, display_path(changelog))
    judged.lines.insert(0, f"base: {describe(repo, rev)}")
    return judged


def run(
    layers: Sequence[str] = LAYERS,
    spec: Path = SPEC,
    generated: Path = GENERATED,
    base: str | None = None,
    changelog: Path = CHANGELOG,
    repo: Path = ROOT,
) -> list[LayerResult]:
    """Run the chosen layers, in order, each to its end; one result per layer."""
    results: list[LayerResult] = []
    document: dict[str, Json] | None = None
    failure = ""
    try:
        document = load_spec(spec)
    except SpecError as exc:
        failure = str(exc)
    for layer in layers:
        if layer == "drift":
            results.append(check_drift(generated, spec))
        elif layer == "breaking":
            results.append(check_breaking(spec, base, repo, SPEC_IN_REPO, changelog))
        elif layer == "spectral":
            results.append(check_spectral(spec))
        elif document is None:
            broken = LayerResult(f"{LAYERS.index(layer) + 1}. {layer}")
            broken.fail(failure)
            results.append(broken)
        elif layer == "validity":
            results.append(check_validity(document, display_path(spec)))
        elif layer == "examples":
            results.append(check_examples(document))
        else:
            raise ValueError(f"unknown layer {layer!r}; choose from {', '.join(LAYERS)}")
    return results


def summarise(results: Sequence[LayerResult]) -> str:
    counts = {status: sum(1 for r in results if r.status is status) for status in Status}
    failed = [r.name.split(" (")[0] for r in results if r.failed]
    passed, failed_count, skipped = (counts[s] for s in (Status.PASS, Status.FAIL, Status.SKIP))
    line = f"contract diff: {passed} passed, {failed_count} failed, {skipped} skipped"
    return f"{line} -- FAILED: {'; '.join(failed)}" if failed else line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="contract_diff.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--base", help="git revision of the spec to compare with (default: its previous version)"
    )
    parser.add_argument(
        "--only", nargs="+", choices=LAYERS, default=list(LAYERS), help="run only these layers"
    )
    parser.add_argument("--spec", type=Path, default=SPEC, help="the OpenAPI document (default: %(default)s)")
    parser.add_argument("--generated", type=Path, default=GENERATED, help="the tree to check for drift")
    parser.add_argument("--changelog", type=Path, default=CHANGELOG, help="accepted breaking changes")
    args = parser.parse_args(argv)
    if args.generated.resolve() != GENERATED.resolve():
        sys.path.insert(0, str(args.generated))  # the examples layer parses with that tree's package
    results = run(args.only, args.spec, args.generated, args.base, args.changelog)
    for result in results:
        print(result.render(), end="\n\n")
    print(summarise(results))
    return 1 if any(result.failed for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
