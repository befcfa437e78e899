"""Layer 4: breaking changes between two versions of the spec, the changelog, and finding the base."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from contract_diff import (
    Accepted,
    Change,
    ChangelogError,
    Direction,
    Status,
    check_breaking,
    compare_schemas,
    compare_specs,
    find_base_revision,
    judge_changes,
    load_changelog,
    parse_changelog,
)

Spec = dict[str, Any]
GitRepo = Callable[..., str]
TASK = "/api/v1/userFaceSwapTask/{_id}"
RECORDS = "/api/v1/userFaceSwapTask/records"


def _schemas(spec: Spec) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _props(spec: Spec, schema: str) -> dict[str, Any]:
    props: dict[str, Any] = _schemas(spec)[schema]["properties"]
    return props


def _params(spec: Spec) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = spec["paths"][RECORDS]["get"]["parameters"]
    return params


def _rename_get_task_path(spec: Spec) -> None:
    item = spec["paths"][TASK]
    spec["paths"]["/api/v1/userFaceSwapTask/detail/{_id}"] = {"get": item.pop("get")}


def _add_required_field(spec: Spec) -> None:
    _props(spec, "CreateTaskRequest")["priority"] = {"type": "integer", "description": "x"}
    _schemas(spec)["CreateTaskRequest"]["required"].append("priority")


def _add_string_alternative(spec: Spec) -> None:
    data = _schemas(spec)["FaceImageRecordsResponse"]["allOf"][1]["properties"]["data"]
    data["anyOf"].append({"type": "string"})


# (case, how the working copy differs from the base, the change id, is it breaking)
CASES: list[tuple[str, Callable[[Spec], Any], str, bool]] = [
    # ------------------------------------------------------------------ breaking
    (
        "removed response field",
        lambda s: _props(s, "FaceSwapTask").pop("name"),
        "property-removed: get_task 200 <TaskResponse>.data.name",
        True,
    ),
    (
        "newly required parameter",
        lambda s: _params(s).append(
            {"name": "sort", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        "parameter-added-required: list_task_records query sort",
        True,
    ),
    (
        "removed operation",
        lambda s: s["paths"][TASK].pop("delete"),
        "operation-removed: delete_task (DELETE /api/v1/userFaceSwapTask/{_id})",
        True,
    ),
    (
        "narrowed request enum",
        lambda s: _props(s, "CreateTaskRequest")["model_version"].update(enum=["v1"]),
        "enum-narrowed: create_task body model_version (removed v2)",
        True,
    ),
    (
        "response type change",
        lambda s: _props(s, "FaceSwapTask")["duration"].update(type="string"),
        "type-changed: get_task 200 <TaskResponse>.data.duration (integer|null -> string)",
        True,
    ),
    (
        "narrowed request type",
        lambda s: _props(s, "UploadUrlRequest")["fileSize"].update(type="integer"),
        "type-narrowed: create_upload_url body fileSize (number -> integer)",
        True,
    ),
    (
        "widened response type",
        lambda s: _props(s, "FaceImage")["face_url"].update(type=["string", "null"]),
        "type-widened: add_face_image 200 <FaceImageListResponse>.data[].face_url (string -> null|string)",
        True,
    ),
    (
        "renamed operationId",
        lambda s: s["paths"][TASK]["get"].update(operationId="fetch_task"),
        "operation-renamed: GET /api/v1/userFaceSwapTask/{_id} (get_task -> fetch_task)",
        True,
    ),
    (
        "renamed parameter",
        lambda s: _params(s)[0].update(name="page"),
        "parameter-removed: list_task_records query pageNum",
        True,
    ),
    (
        "request field made required",
        lambda s: _schemas(s)["CreateTaskRequest"]["required"].append("cover_url"),
        "property-became-required: create_task body cover_url",
        True,
    ),
    (
        "required request field added",
        _add_required_field,
        "property-added-required: create_task body priority",
        True,
    ),
    (
        "removed request field",
        lambda s: _props(s, "UploadUrlRequest").pop("cdnDomain"),
        "property-removed: create_upload_url body cdnDomain",
        True,
    ),
    (
        "response field made optional",
        lambda s: _schemas(s)["FaceSwapTask"]["required"].remove("current_status"),
        "property-became-optional: get_task 200 <TaskResponse>.data.current_status",
        True,
    ),
    (
        "removed response status",
        lambda s: s["paths"][TASK]["get"]["responses"].pop("404"),
        "response-status-removed: get_task 404",
        True,
    ),
    (
        "tighter request constraint",
        lambda s: _params(s)[1]["schema"].update(maximum=50),
        "constraint-narrowed: list_task_records query pageSize (maximum 100 -> 50)",
        True,
    ),
    ("removed server", lambda s: s["servers"].pop(1), "server-removed: https://video.a2e.com.cn", True),
    (
        "moved operation",
        _rename_get_task_path,
        "operation-moved: get_task"
        " (GET /api/v1/userFaceSwapTask/{_id} -> GET /api/v1/userFaceSwapTask/detail/{_id})",
        True,
    ),
    (
        "other tag",
        lambda s: s["paths"][TASK]["get"].update(tags=["faces"]),
        "operation-tag-changed: get_task (tasks -> faces)",
        True,
    ),
    (
        "format on a response timestamp",
        lambda s: _schemas(s)["Timestamp"].update(format="date-time"),
        "format-changed: get_task 200 <TaskResponse>.data.createdAt (none -> date-time)",
        True,
    ),
    (
        "response alternative added",
        _add_string_alternative,
        "alternative-added: list_face_images 200 <FaceImageRecordsResponse>.data (1 x string)",
        True,
    ),
    (
        "removed field of the 200 error alternative",
        lambda s: _schemas(s)["BusinessError"]["allOf"][1]["properties"].pop("data"),
        "property-removed: get_task 200 <BusinessError>.data",
        True,
    ),
    (
        "removed response header",
        lambda s: s["components"]["responses"]["TooManyRequests"].pop("headers"),
        "response-header-removed: get_task 429 header Retry-After",
        True,
    ),
    (
        "operation security",
        lambda s: s["paths"][TASK]["get"].update(security=[]),
        "security-changed: get_task",
        True,
    ),
    # -------------------------------------------------------------- not breaking
    (
        "optional request field added",
        lambda s: _props(s, "CreateTaskRequest").update(priority={"type": "integer"}),
        "property-added: create_task body priority",
        False,
    ),
    (
        "response field added",
        lambda s: _props(s, "FaceSwapTask").update(thumbnail_url={"type": "string"}),
        "property-added: get_task 200 <TaskResponse>.data.thumbnail_url",
        False,
    ),
    (
        "operation added",
        lambda s: s["paths"][RECORDS].update(
            post=copy.deepcopy(s["paths"][RECORDS]["get"]) | {"operationId": "x"}
        ),
        "operation-added: x (POST /api/v1/userFaceSwapTask/records)",
        False,
    ),
    (
        "response status added",
        lambda s: s["paths"][TASK]["get"]["responses"].update(
            {"402": {"$ref": "#/components/responses/PaymentRequired"}}
        ),
        "response-status-added: get_task 402",
        False,
    ),
    (
        "widened request type",
        lambda s: _props(s, "UploadUrlRequest")["expiresIn"].update(type="number"),
        "type-widened: create_upload_url body expiresIn (integer -> number)",
        False,
    ),
    (
        "widened request enum",
        lambda s: _props(s, "CreateTaskRequest")["model_version"].update(enum=["v1", "v2", "v3"]),
        "enum-widened: create_task body model_version (added v3)",
        False,
    ),
    (
        "narrowed response type",
        lambda s: _props(s, "FaceSwapTask")["duration"].update(type="integer"),
        "type-narrowed: get_task 200 <TaskResponse>.data.duration (integer|null -> integer)",
        False,
    ),
    (
        "response field made required",
        lambda s: _schemas(s)["FaceSwapTask"]["required"].append("name"),
        "property-became-required: get_task 200 <TaskResponse>.data.name",
        False,
    ),
    (
        "request field made optional",
        lambda s: _schemas(s)["CreateTaskRequest"]["required"].remove("name"),
        "property-became-optional: create_task body name",
        False,
    ),
    (
        "looser request constraint",
        lambda s: _params(s)[1]["schema"].update(maximum=200),
        "constraint-widened: list_task_records query pageSize (maximum 100 -> 200)",
        False,
    ),
    (
        "tighter response constraint",
        lambda s: _props(s, "TaskRecordsPage")["count"].update(minimum=1),
        "constraint-narrowed: list_task_records 200 <TaskRecordsResponse>.data.count (minimum 0 -> 1)",
        False,
    ),
    (
        "new default",
        lambda s: _params(s)[1]["schema"].update(default=20),
        "default-changed: list_task_records query pageSize (10 -> 20)",
        False,
    ),
    (
        "server added",
        lambda s: s["servers"].append({"url": "https://a2e.example"}),
        "server-added: https://a2e.example",
        False,
    ),
]


@pytest.mark.parametrize(("case", "change", "change_id", "breaking"), CASES, ids=[c[0] for c in CASES])
def test_each_change_is_found_and_judged(
    spec: Spec, case: str, change: Callable[[Spec], Any], change_id: str, breaking: bool
) -> None:
    head = copy.deepcopy(spec)
    change(head)
    changes = {c.id: c for c in compare_specs(spec, head)}
    assert change_id in changes, sorted(changes)
    assert changes[change_id].breaking is breaking
    result = judge_changes(list(changes.values()), [], "4. breaking changes")
    assert result.failed is any(c.breaking for c in changes.values())
    assert ("BREAKING  " if breaking else "ok        ") + change_id in result.render()


def test_the_same_spec_has_no_change(spec: Spec) -> None:
    assert compare_specs(spec, copy.deepcopy(spec)) == []


def test_moving_a_schema_and_rewording_is_no_change(spec: Spec) -> None:
    old_ref, new_ref = '"#/components/schemas/FaceSwapTask"', '"#/components/schemas/Task"'
    text = json.dumps(spec)
    assert old_ref in text
    head = json.loads(text.replace(old_ref, new_ref))
    head["components"]["schemas"]["Task"] = head["components"]["schemas"].pop("FaceSwapTask")
    head["components"]["schemas"]["Task"]["description"] = "Reworded."
    head["paths"][TASK]["get"]["summary"] = "Reworded."
    assert old_ref not in json.dumps(head)
    assert compare_specs(spec, head) == []


def test_non_breaking_additions_are_reported_and_pass(spec: Spec) -> None:
    head = copy.deepcopy(spec)
    _props(head, "FaceSwapTask")["thumbnail_url"] = {"type": "string", "description": "x"}
    _props(head, "CreateTaskRequest")["priority"] = {"type": "integer", "description": "x"}
    head["servers"].append({"url": "https://a2e.example"})
    changes = compare_specs(spec, head)
    assert changes
    assert not any(change.breaking for change in changes)
    result = judge_changes(changes, [], "4. breaking changes")
    assert result.status is Status.PASS
    report = result.render()
    assert f"{len(changes)} non-breaking change(s):" in report
    assert "ok        property-added: create_task body priority" in report
    assert "ok        property-added: batch_task_detail 200 <TaskListResponse>.data[].thumbnail_url" in report


def test_the_changelog_accepts_a_listed_change_and_still_fails_an_unlisted_one(spec: Spec) -> None:
    head = copy.deepcopy(spec)
    head["paths"][TASK].pop("delete")
    _params(head).append({"name": "sort", "in": "query", "required": True, "schema": {"type": "string"}})
    changes = compare_specs(spec, head)
    removed = "operation-removed: delete_task (DELETE /api/v1/userFaceSwapTask/{_id})"
    accepted = parse_changelog(
        yaml.safe_dump({"accepted": [{"change": removed, "reason": "A2E retired it."}]})
    )

    result = judge_changes(changes, accepted, "4. breaking changes")
    assert result.failed
    report = result.render()
    assert f"accepted  {removed}" in report
    assert "reason: A2E retired it." in report
    assert "1 breaking change(s) not accepted" in report
    assert "BREAKING  parameter-added-required: list_task_records query sort" in report
    assert '- change: "parameter-added-required: list_task_records query sort"' in report

    both = [*accepted, Accepted("parameter-added-required: list_task_records query sort", "Needed now.")]
    assert judge_changes(changes, both, "4. breaking changes").status is Status.PASS


def test_a_wildcard_accepts_the_same_change_in_every_operation(spec: Spec) -> None:
    head = copy.deepcopy(spec)
    _props(head, "FaceSwapTask").pop("name")
    changes = compare_specs(spec, head)
    assert {c.id for c in changes} == {
        "property-removed: create_task 200 <TaskResponse>.data.name",
        "property-removed: list_task_records 200 <TaskRecordsResponse>.data.rows[].name",
        "property-removed: batch_task_detail 200 <TaskListResponse>.data[].name",
        "property-removed: get_task 200 <TaskResponse>.data.name",
    }
    flat_only = [Accepted("property-removed: *.data.name", "Gone.")]
    assert judge_changes(changes, flat_only, "t").failed
    everywhere = [Accepted("property-removed: *.data*.name", "Gone.")]
    assert judge_changes(changes, everywhere, "t").status is Status.PASS
    # `[]` and `{}` in ids are plain text, not patterns
    assert not Accepted("property-removed: *.data[].nam", "x").matches(changes[2])
    assert Accepted("property-removed: batch_task_detail 200 <TaskListResponse>.data[].name", "x").matches(
        changes[2]
    )


def _without_business_error(spec: Spec) -> Spec:
    """`spec` before BusinessError: each 200 a `$ref` to its success envelope, `code` any integer."""
    old = copy.deepcopy(spec)
    for item in old["paths"].values():
        for op in item.values():
            media = op["responses"]["200"]["content"]["application/json"]
            media["schema"] = media["schema"]["oneOf"][0]
            media["examples"].pop("busy_code")
    for name, schema in _schemas(old).items():
        if name.endswith("Response") and name != "ErrorResponse":
            schema["allOf"][1]["properties"]["code"].pop("const")
    del _schemas(old)["BusinessError"]
    del old["components"]["examples"]["BusyAnswer"]
    return old


def test_the_200_error_alternative_is_named_and_accepted_by_the_project_changelog(spec: Spec) -> None:
    from contract_diff import CHANGELOG

    old = _without_business_error(spec)
    operations = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    changes = compare_specs(old, spec)
    assert sorted(c.id for c in changes if c.breaking) == sorted(
        f"alternative-added: {op} 200 (BusinessError)" for op in operations
    )
    # the success envelope is still compared with its old self (by name), so its changes are seen
    harmless = {c.id for c in changes if not c.breaking}
    assert len(harmless) == len(operations) == 14
    assert "enum-narrowed: get_task 200 <TaskResponse>.code (now only 0)" in harmless
    accepted = load_changelog(CHANGELOG)
    assert judge_changes(changes, accepted, "4. breaking changes").status is Status.PASS
    # the project's entry accepts exactly that, not some other alternative added to a 200
    other = Change("alternative-added", "list_face_images 200 <FaceImageRecordsResponse>.data", "1 x string")
    assert not any(entry.matches(other) for entry in accepted)

    back = {c.id: c.breaking for c in compare_specs(spec, old)}
    assert back["alternative-removed: get_task 200 (BusinessError)"] is False
    assert back["enum-widened: get_task 200 <TaskResponse>.code (no longer restricted)"] is True


def test_alternatives_without_a_component_name_are_still_paired_by_kind() -> None:
    old = {"oneOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "string"}]}
    new = {"oneOf": [{"type": "object", "properties": {}}, {"type": "string", "maxLength": 3}]}
    changes = {c.id: c.breaking for c in compare_schemas(old, new, "op 200", Direction.RESPONSE)}
    assert changes == {
        "property-removed: op 200 <object>.a": True,
        "constraint-narrowed: op 200 <string> (maxLength null -> 3)": False,
    }


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("accepted: {}", "`accepted` must be a list"),
        ("accepted:\n  - change: x\n", "exactly the keys `change` and `reason`"),
        ("accepted:\n  - {change: x, reason: y, when: z}\n", "exactly the keys `change` and `reason`"),
        ("accepted:\n  - {change: x, reason: ' '}\n", "`reason` must say why"),
        ("accepted:\n  - {change: '', reason: y}\n", "`change` must be a change id"),
        ("accepted:\n  - {change: x, reason: y}\n  - {change: x, reason: z}\n", "'x' is listed twice"),
        ("others: []", "single key `accepted`"),
        ("accepted: [", "not valid YAML"),
    ],
)
def test_a_malformed_changelog_is_refused(text: str, error: str) -> None:
    with pytest.raises(ChangelogError, match=error.replace("(", r"\(").replace("[", r"\[")):
        parse_changelog(text)


def test_the_project_changelog_is_well_formed() -> None:
    from contract_diff import CHANGELOG

    for entry in load_changelog(CHANGELOG):
        assert entry.reason


def test_request_and_response_directions_are_opposite() -> None:
    old = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}
    new = {"type": "object", "properties": {"a": {"type": ["string", "null"]}}}
    request = {c.id: c.breaking for c in compare_schemas(old, new, "op body", Direction.REQUEST)}
    response = {c.id: c.breaking for c in compare_schemas(old, new, "op 200", Direction.RESPONSE)}
    assert request == {
        "property-became-optional: op body a": False,
        "type-widened: op body a (string -> null|string)": False,
    }
    assert response == {
        "property-became-optional: op 200 a": True,
        "type-widened: op 200 a (string -> null|string)": True,
    }
    widened_enum = compare_schemas({"enum": ["a"]}, {"enum": ["a", "b"]}, "x", Direction.RESPONSE)
    assert [(c.id, c.breaking) for c in widened_enum] == [("enum-widened: x (added b)", True)]


# ------------------------------------------------------------------------------------ base revision
def _text(spec: Spec) -> str:
    return yaml.safe_dump(spec, sort_keys=False)


def test_base_is_the_previous_version_of_the_spec(spec: Spec, git_repo: tuple[Path, GitRepo]) -> None:
    repo, commit = git_repo
    first = commit(_text(spec), "first")
    path = repo / "openapi" / "a2e.yaml"
    assert find_base_revision(repo, "openapi/a2e.yaml", path.read_bytes()) is None
    result = check_breaking(path, repo=repo, changelog=repo / "none.yaml")
    assert result.status is Status.PASS
    assert "no earlier version of openapi/a2e.yaml in git history (first version)" in result.render()

    head = copy.deepcopy(spec)
    _props(head, "FaceSwapTask").pop("name")
    second = commit(_text(head), "second")
    (repo / "unrelated.txt").write_text("x")
    subprocess.run(["git", "-C", str(repo), "add", "unrelated.txt"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "unrelated"], check=True)
    assert find_base_revision(repo, "openapi/a2e.yaml", path.read_bytes()) == first

    result = check_breaking(path, repo=repo, changelog=repo / "none.yaml")
    assert result.failed
    report = result.render()
    assert f"openapi/a2e.yaml at {first[:12]} -> the working copy" in report
    assert f"base: {first[:7]} first" in report
    assert "BREAKING  property-removed: get_task 200 <TaskResponse>.data.name" in report

    (repo / "changelog.yaml").write_text(
        'accepted:\n  - change: "property-removed: *.data*.name"\n    reason: Gone.\n'
    )
    assert check_breaking(path, repo=repo, changelog=repo / "changelog.yaml").status is Status.PASS

    path.write_text(_text(spec))  # an uncommitted edit: the base is now the committed version
    assert find_base_revision(repo, "openapi/a2e.yaml", path.read_bytes()) == second
    assert (
        check_breaking(path, base=first, repo=repo, changelog=repo / "none.yaml")
        .render()
        .endswith("no change to the wire contract")
    )


def test_an_unreadable_base_fails_and_a_missing_repository_skips(spec: Spec, tmp_path: Path) -> None:
    path = tmp_path / "a2e.yaml"
    path.write_text(_text(spec))
    skipped = check_breaking(path, repo=tmp_path, changelog=tmp_path / "none.yaml")
    assert skipped.status is Status.SKIP
    assert "is not a git work tree" in skipped.render()
    assert "pass --base REV" in skipped.render()

    failed = check_breaking(path, base="no-such-rev", changelog=tmp_path / "none.yaml")
    assert failed.failed
    assert "cannot read openapi/a2e.yaml at 'no-such-rev'" in failed.render()


def test_a_shallow_clone_without_history_skips_with_advice(
    spec: Spec, git_repo: tuple[Path, GitRepo], tmp_path: Path
) -> None:
    repo, commit = git_repo
    commit(_text(spec), "first")
    head = copy.deepcopy(spec)
    _props(head, "FaceSwapTask").pop("name")
    commit(_text(head), "second")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    result = check_breaking(clone / "openapi" / "a2e.yaml", repo=clone, changelog=clone / "none.yaml")
    assert result.status is Status.SKIP
    assert "shallow clone" in result.render()
    assert "git fetch --unshallow" in result.render()


def test_change_ids_read_well() -> None:
    assert (
        Change("property-removed", "get_task 200 data.name", breaking=True).id
        == "property-removed: get_task 200 data.name"
    )
    assert Change("type-changed", "x", "a -> b").id == "type-changed: x (a -> b)"
