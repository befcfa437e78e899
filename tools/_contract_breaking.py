"""Layer 4 of the contract diff: breaking changes between a base revision of the spec and the working copy.

Both documents have every local `$ref` inlined first, so moving or renaming a component schema is not a
change; only what goes over the wire (and the generated client's names) is compared. Descriptions,
summaries and examples are never compared.

The rule: a change is breaking when code written against the base contract can stop working. This project
is a client, so the two sides of an operation are read in opposite directions:

- what the client sends (parameters, request bodies) may accept more, never less: removing a parameter or
  a field, making one required, adding a required one, narrowing a type or an enum, tightening a
  constraint (minimum, maxLength, pattern, ...) are breaking; the reverse is not;
- what the client reads (responses) may promise more, never less: removing a field, making a required
  field optional, widening a type (string -> string|null, integer -> number), adding an enum value,
  adding an alternative to anyOf/oneOf, removing a status or a media type are breaking; adding a field or
  a status, making a field required, narrowing a type are not. Constraints in responses are reported
  but never breaking: the generated models do not check them;
- a type change that is neither a widening nor a narrowing (string -> integer) and any `format` change
  (the generated model's Python type follows the format) break both sides;
- the generated client's names are part of the contract: a removed operation, a renamed operationId, an
  operation moved to another method/path or another tag, a removed or renamed parameter (a rename shows
  as a removal plus an addition), a removed server URL and a changed security requirement are breaking.

Operations are matched by operationId first, then by method and path template (parameter names ignored).
The alternatives of an anyOf/oneOf are matched by the component schema they were written as (`$ref`
name), then by kind (object, array, string, ...); a matched alternative's changes are reported under
`<Name>` (or `<kind>`) in the path, e.g. `get_task 200 <TaskResponse>.data.name`, and an alternative left
without a match is `alternative-added` / `alternative-removed`, named when it is a component schema
(`alternative-added: get_task 200 (BusinessError)`).
Not compared: additionalProperties, readOnly/writeOnly, defaults (reported, never breaking), links,
callbacks.

Each change has an id, `<kind>: <where>` plus ` (<detail>)` when there is one, e.g.
`property-removed: get_task 200 <TaskResponse>.data.name`. Breaking changes fail the layer unless
openapi/CHANGELOG.yaml accepts them:

    accepted:
      - change: "property-removed: get_task 200 <TaskResponse>.data.name"   # the id exactly as printed
        reason: "A2E stopped sending it (reference of 2027-01)."

`*` in `change` matches any text (e.g. `property-removed: * data.name` for every operation returning the
record); no other character is special.
"""

from __future__ import annotations

import enum
import json
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from _contract_common import (
    COMPONENT,
    Json,
    LayerResult,
    Operation,
    inline_refs,
    iter_operations,
    operation_parameters,
)

JSON_MEDIA = "application/json"
MIN_KEYS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
MAX_KEYS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


class Direction(enum.Enum):
    REQUEST = "request"  # the client sends it: narrowing breaks
    RESPONSE = "response"  # the client reads it: widening breaks


@dataclass(frozen=True)
class Change:
    kind: str
    where: str
    detail: str = ""
    breaking: bool = False

    @property
    def id(self) -> str:
        text = f"{self.kind}: {self.where}"
        return f"{text} ({self.detail})" if self.detail else text


# ------------------------------------------------------------------------------------ type algebra
TypeSet = frozenset[str] | None  # None: any JSON value


def _json_type(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _types(schema: dict[str, Json]) -> TypeSet:
    declared = schema.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list):
        return frozenset(str(t) for t in declared)
    values = _enum(schema)
    if values is not None:
        return frozenset(_json_type(json.loads(v)) for v in values)
    if "properties" in schema:
        return frozenset({"object"})
    if "items" in schema:
        return frozenset({"array"})
    return None


def _covers(outer: TypeSet, inner: TypeSet) -> bool:
    if outer is None:
        return True
    if inner is None:
        return False
    return all(t in outer or (t == "integer" and "number" in outer) for t in inner)


def _relation(old: TypeSet, new: TypeSet) -> str:
    widens, narrows = _covers(new, old), _covers(old, new)
    if widens and narrows:
        return "same"
    if widens:
        return "widened"
    return "narrowed" if narrows else "changed"


def _show_types(types: TypeSet) -> str:
    return "|".join(sorted(types)) if types is not None else "any"


def _breaks(relation: str, direction: Direction) -> bool:
    if relation == "changed":
        return True
    if relation == "narrowed":
        return direction is Direction.REQUEST
    return relation == "widened" and direction is Direction.RESPONSE


def _enum(schema: dict[str, Json]) -> frozenset[str] | None:
    if "const" in schema:
        return frozenset({json.dumps(schema["const"], sort_keys=True)})
    values = schema.get("enum")
    if isinstance(values, list):
        return frozenset(json.dumps(v, sort_keys=True) for v in values)
    return None


def _show_values(values: frozenset[str]) -> str:
    shown = []
    for raw in sorted(values):
        value = json.loads(raw)
        shown.append(value if isinstance(value, str) else raw)
    return ", ".join(shown)


def _flatten(schema: Json) -> dict[str, Json]:
    """`schema` with its `allOf` merged in: properties united (shared ones combined), required united."""
    if not isinstance(schema, dict):
        return {}
    if not isinstance(schema.get("allOf"), list):
        return schema
    merged: dict[str, Json] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in (_flatten(p) for p in schema["allOf"]):
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                props = dict(merged.get("properties") or {})
                for name, sub in value.items():
                    props[name] = {"allOf": [props[name], sub]} if name in props else sub
                merged["properties"] = props
            elif key == "required" and isinstance(value, list):
                merged["required"] = sorted(set(merged.get("required") or []) | set(value))
            elif key == "type" and "type" in merged:
                mine, theirs = _types({"type": merged["type"]}), _types({"type": value})
                if mine is not None and theirs is not None:
                    merged["type"] = sorted(mine & theirs)
            else:
                merged.setdefault(key, value)
    return merged


def _alternatives(schema: dict[str, Json]) -> list[dict[str, Json]] | None:
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return [_flatten(s) for s in schema[key]]
    return None


def _kind(schema: dict[str, Json]) -> str:
    types = _types(schema)
    return _show_types(types - {"null"} if types is not None else None) or "null"


def _by_name(alternatives: list[dict[str, Json]]) -> dict[str, dict[str, Json]]:
    """The alternatives that are a component schema, by its name (names met more than once left out)."""
    names = [alt.get(COMPONENT) for alt in alternatives]
    return {
        name: alt
        for name, alt in zip(names, alternatives, strict=True)
        if isinstance(name, str) and names.count(name) == 1
    }


def _count(more: list[dict[str, Json]], fewer: list[dict[str, Json]], kind: str) -> str:
    """Detail of an added or removed alternative: its component names when that is unambiguous."""
    names = [alt.get(COMPONENT) for alt in more]
    if not fewer and all(isinstance(name, str) for name in names):
        return ", ".join(sorted(str(name) for name in names))
    return f"{len(more) - len(fewer)} x {kind}"


# ------------------------------------------------------------------------------- schema comparison
class _SchemaDiff:
    def __init__(self, prefix: str, direction: Direction, out: list[Change]) -> None:
        self.prefix = prefix
        self.direction = direction
        self.out = out

    def add(self, kind: str, path: str, detail: str, breaking: bool) -> None:
        where = f"{self.prefix} {path}" if path else self.prefix
        self.out.append(Change(kind, where, detail, breaking))

    def compare(self, old: Json, new: Json, path: str = "") -> None:
        old, new = _flatten(old), _flatten(new)
        old_alts, new_alts = _alternatives(old), _alternatives(new)
        if old_alts is None and new_alts is None:
            self._single(old, new, path)
            return
        olds, news = list(old_alts or [old]), list(new_alts or [new])
        suffix = len(olds) > 1 or len(news) > 1
        # alternatives written as the same component schema are paired by its name, the rest by kind
        old_named, new_named = _by_name(olds), _by_name(news)
        for name in sorted(old_named.keys() & new_named.keys()):
            olds.remove(old_named[name])
            news.remove(new_named[name])
            self._single(old_named[name], new_named[name], f"{path}<{name}>" if suffix else path)
        by_kind_old, by_kind_new = defaultdict(list), defaultdict(list)
        for alt in olds:
            by_kind_old[_kind(alt)].append(alt)
        for alt in news:
            by_kind_new[_kind(alt)].append(alt)
        for kind in sorted(by_kind_old.keys() | by_kind_new.keys()):
            was, now = by_kind_old.get(kind, []), by_kind_new.get(kind, [])
            sub = f"{path}<{kind}>" if suffix else path
            if len(was) == 1 and len(now) == 1:
                self._single(was[0], now[0], sub)
                continue
            if len(was) > len(now):
                narrowed = self.direction is Direction.REQUEST
                self.add("alternative-removed", path, _count(was, now, kind), narrowed)
            elif len(now) > len(was):
                widened = self.direction is Direction.RESPONSE
                self.add("alternative-added", path, _count(now, was, kind), widened)

    def _single(self, old: dict[str, Json], new: dict[str, Json], path: str) -> None:
        old_types, new_types = _types(old), _types(new)
        relation = _relation(old_types, new_types)
        if relation != "same":
            detail = f"{_show_types(old_types)} -> {_show_types(new_types)}"
            self.add(f"type-{relation}", path, detail, _breaks(relation, self.direction))
        self._enum(old, new, path)
        if old.get("format") != new.get("format"):
            detail = f"{old.get('format', 'none')} -> {new.get('format', 'none')}"
            self.add("format-changed", path, detail, True)
        self._constraints(old, new, path)
        if old.get("default") != new.get("default"):
            detail = f"{json.dumps(old.get('default'))} -> {json.dumps(new.get('default'))}"
            self.add("default-changed", path, detail, False)
        if _has("object", old_types, old) and _has("object", new_types, new):
            self._properties(old, new, path)
        if _has("array", old_types, old) and _has("array", new_types, new):
            self.compare(old.get("items", {}), new.get("items", {}), f"{path}[]")

    def _enum(self, old: dict[str, Json], new: dict[str, Json], path: str) -> None:
        was, now = _enum(old), _enum(new)
        if was == now:
            return
        request = self.direction is Direction.REQUEST
        if now is None:
            self.add("enum-widened", path, "no longer restricted", not request)
        elif was is None:
            self.add("enum-narrowed", path, f"now only {_show_values(now)}", request)
        else:
            if was - now:
                self.add("enum-narrowed", path, f"removed {_show_values(was - now)}", request)
            if now - was:
                self.add("enum-widened", path, f"added {_show_values(now - was)}", not request)

    def _constraints(self, old: dict[str, Json], new: dict[str, Json], path: str) -> None:
        for key in (*MIN_KEYS, *MAX_KEYS, "pattern", "multipleOf", "uniqueItems"):
            was, now = old.get(key), new.get(key)
            if was == now:
                continue
            if key == "uniqueItems":
                relation = "narrowed" if now else "widened"
            elif now is None:
                relation = "widened"
            elif was is None:
                relation = "narrowed"
            elif key in MIN_KEYS:
                relation = "narrowed" if now > was else "widened"
            elif key in MAX_KEYS:
                relation = "narrowed" if now < was else "widened"
            else:
                relation = "changed"
            breaking = self.direction is Direction.REQUEST and relation != "widened"
            self.add(
                f"constraint-{relation}", path, f"{key} {json.dumps(was)} -> {json.dumps(now)}", breaking
            )

    def _properties(self, old: dict[str, Json], new: dict[str, Json], path: str) -> None:
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
        request = self.direction is Direction.REQUEST
        for name in old_props:
            sub = f"{path}.{name}" if path else str(name)
            if name not in new_props:
                self.add("property-removed", sub, "", True)
                continue
            if name in new_req and name not in old_req:
                self.add("property-became-required", sub, "", request)
            elif name in old_req and name not in new_req:
                self.add("property-became-optional", sub, "", not request)
            self.compare(old_props[name], new_props[name], sub)
        for name in new_props:
            if name in old_props:
                continue
            sub = f"{path}.{name}" if path else str(name)
            if name in new_req:
                self.add("property-added-required", sub, "", request)
            else:
                self.add("property-added", sub, "", False)


def _has(json_type: str, types: TypeSet, schema: dict[str, Json]) -> bool:
    if types is None:
        return ("properties" in schema) if json_type == "object" else ("items" in schema)
    return json_type in types


def compare_schemas(old: Json, new: Json, where: str, direction: Direction) -> list[Change]:
    """Changes between two (already $ref-inlined) schemas at `where`, read in `direction`."""
    out: list[Change] = []
    _SchemaDiff(where, direction, out).compare(old, new)
    return out


# ---------------------------------------------------------------------------- document comparison
def _route_key(op: Operation) -> tuple[str, str]:
    return op.method, re.sub(r"\{[^}]*\}", "{}", op.path)


def _match_operations(
    base: list[Operation], head: list[Operation]
) -> tuple[list[tuple[Operation, Operation]], list[Operation], list[Operation]]:
    pairs: list[tuple[Operation, Operation]] = []
    head_by_id = {op.operation_id: op for op in head if op.operation_id}
    left_base, left_head = [], list(head)
    for op in base:
        match = head_by_id.get(op.operation_id) if op.operation_id else None
        if match is not None and match in left_head:
            pairs.append((op, match))
            left_head.remove(match)
        else:
            left_base.append(op)
    head_by_route = {_route_key(op): op for op in left_head}
    removed = []
    for op in left_base:
        match = head_by_route.pop(_route_key(op), None)
        if match is None:
            removed.append(op)
        else:
            pairs.append((op, match))
            left_head.remove(match)
    return pairs, removed, left_head


def compare_specs(base: dict[str, Json], head: dict[str, Json]) -> list[Change]:
    """Every change from `base` to `head`, breaking or not, in document order, each id once."""
    base, head = inline_refs(base, mark=True), inline_refs(head, mark=True)
    changes: list[Change] = []
    base_urls = [s.get("url") for s in base.get("servers") or [] if isinstance(s, dict)]
    head_urls = [s.get("url") for s in head.get("servers") or [] if isinstance(s, dict)]
    changes += [
        Change("server-removed", str(url), breaking=True) for url in base_urls if url not in head_urls
    ]
    changes += [Change("server-added", str(url)) for url in head_urls if url not in base_urls]

    pairs, removed, added = _match_operations(list(iter_operations(base)), list(iter_operations(head)))
    for op in removed:
        changes.append(Change("operation-removed", f"{op.label} ({op.route})", breaking=True))
    for old, new in pairs:
        changes += _compare_operation(base, head, old, new)
    for op in added:
        changes.append(Change("operation-added", f"{op.label} ({op.route})"))
    unique: dict[str, Change] = {}
    for change in changes:
        unique.setdefault(change.id, change)
    return list(unique.values())


def _security(spec: dict[str, Json], op: Operation) -> str:
    return json.dumps(op.node.get("security", spec.get("security")), sort_keys=True)


def _compare_operation(
    base: dict[str, Json], head: dict[str, Json], old: Operation, new: Operation
) -> list[Change]:
    label = new.label
    changes: list[Change] = []
    if _route_key(old) != _route_key(new):
        changes.append(Change("operation-moved", label, f"{old.route} -> {new.route}", True))
    if old.operation_id != new.operation_id:
        changes.append(
            Change("operation-renamed", new.route, f"{old.operation_id} -> {new.operation_id}", True)
        )
    old_tag, new_tag = (old.node.get("tags") or [None])[0], (new.node.get("tags") or [None])[0]
    if old_tag != new_tag:
        changes.append(Change("operation-tag-changed", label, f"{old_tag} -> {new_tag}", True))
    if _security(base, old) != _security(head, new):
        changes.append(Change("security-changed", label, "", True))
    changes += _compare_parameters(base, head, old, new)
    changes += _compare_request_body(old, new)
    changes += _compare_responses(old, new)
    return changes


def _compare_parameters(
    base: dict[str, Json], head: dict[str, Json], old: Operation, new: Operation
) -> list[Change]:
    changes: list[Change] = []
    was, now = operation_parameters(base, old), operation_parameters(head, new)
    for key, param in was.items():
        where = f"{new.label} {key[0]} {key[1]}"
        if key not in now:
            changes.append(Change("parameter-removed", where, breaking=True))
            continue
        if now[key].get("required") is True and param.get("required") is not True:
            changes.append(Change("parameter-became-required", where, breaking=True))
        elif param.get("required") is True and now[key].get("required") is not True:
            changes.append(Change("parameter-became-optional", where))
        changes += compare_schemas(param.get("schema"), now[key].get("schema"), where, Direction.REQUEST)
    for key, param in now.items():
        if key not in was:
            where = f"{new.label} {key[0]} {key[1]}"
            required = param.get("required") is True
            changes.append(
                Change("parameter-added-required" if required else "parameter-added", where, "", required)
            )
    return changes


def _media_where(prefix: str, media_type: str) -> str:
    return prefix if media_type == JSON_MEDIA else f"{prefix} {media_type}"


def _compare_request_body(old: Operation, new: Operation) -> list[Change]:
    where = f"{new.label} body"
    was, now = old.node.get("requestBody"), new.node.get("requestBody")
    if not isinstance(was, dict) and not isinstance(now, dict):
        return []
    if not isinstance(now, dict):
        return [Change("request-body-removed", where, breaking=True)]
    if not isinstance(was, dict):
        required = now.get("required") is True
        return [
            Change("request-body-added-required" if required else "request-body-added", where, "", required)
        ]
    changes: list[Change] = []
    if now.get("required") is True and was.get("required") is not True:
        changes.append(Change("request-body-became-required", where, breaking=True))
    changes += _compare_content(was, now, where, Direction.REQUEST)
    return changes


def _compare_content(was: Json, now: Json, where: str, direction: Direction) -> list[Change]:
    """The media types of a request body or response: removed ones break, kept ones are compared."""
    changes: list[Change] = []
    old_content, new_content = was.get("content") or {}, now.get("content") or {}
    for media_type, media in old_content.items():
        if media_type not in new_content:
            changes.append(Change("media-type-removed", f"{where} {media_type}", breaking=True))
            continue
        changes += compare_schemas(
            (media or {}).get("schema"),
            (new_content[media_type] or {}).get("schema"),
            _media_where(where, media_type),
            direction,
        )
    changes += [Change("media-type-added", f"{where} {m}") for m in new_content if m not in old_content]
    return changes


def _compare_responses(old: Operation, new: Operation) -> list[Change]:
    changes: list[Change] = []
    was, now = old.node.get("responses") or {}, new.node.get("responses") or {}
    for status, response in was.items():
        where = f"{new.label} {status}"
        if status not in now:
            changes.append(Change("response-status-removed", where, breaking=True))
            continue
        old_resp, new_resp = response or {}, now[status] or {}
        for header in old_resp.get("headers") or {}:
            if header not in (new_resp.get("headers") or {}):
                changes.append(Change("response-header-removed", f"{where} header {header}", breaking=True))
        for header in new_resp.get("headers") or {}:
            if header not in (old_resp.get("headers") or {}):
                changes.append(Change("response-header-added", f"{where} header {header}"))
        changes += _compare_content(old_resp, new_resp, where, Direction.RESPONSE)
    changes += [Change("response-status-added", f"{new.label} {s}") for s in now if s not in was]
    return changes


# ------------------------------------------------------------------------------------------ changelog
class ChangelogError(Exception):
    """openapi/CHANGELOG.yaml cannot be read or does not follow its format."""


@dataclass(frozen=True)
class Accepted:
    change: str  # a change id, `*` matching any text
    reason: str

    def matches(self, change: Change) -> bool:
        pattern = ".*".join(re.escape(part) for part in self.change.split("*"))
        return re.fullmatch(pattern, change.id) is not None


def parse_changelog(text: str, origin: str = "openapi/CHANGELOG.yaml") -> list[Accepted]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChangelogError(f"{origin} is not valid YAML: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) - {"accepted"}:
        raise ChangelogError(f"{origin}: expected a mapping with the single key `accepted`")
    entries = data.get("accepted")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ChangelogError(f"{origin}: `accepted` must be a list")
    accepted: list[Accepted] = []
    for index, entry in enumerate(entries):
        where = f"{origin}: accepted[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"change", "reason"}:
            raise ChangelogError(f"{where}: expected exactly the keys `change` and `reason`")
        change, reason = entry["change"], entry["reason"]
        if not (isinstance(change, str) and change.strip()):
            raise ChangelogError(f"{where}: `change` must be a change id as printed by the report")
        if not (isinstance(reason, str) and reason.strip()):
            raise ChangelogError(f"{where}: `reason` must say why the breaking change is acceptable")
        if any(other.change == change for other in accepted):
            raise ChangelogError(f"{where}: {change!r} is listed twice")
        accepted.append(Accepted(change.strip(), reason.strip()))
    return accepted


def load_changelog(path: Path) -> list[Accepted]:
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChangelogError(f"cannot read {path}: {exc}") from exc
    return parse_changelog(text, str(path))


def judge_changes(
    changes: list[Change],
    accepted: list[Accepted],
    title: str,
    changelog_name: str = "openapi/CHANGELOG.yaml",
) -> LayerResult:
    """The layer's verdict: fails when a breaking change is not accepted by the changelog."""
    result = LayerResult(title)
    unaccepted = [c for c in changes if c.breaking and not any(a.matches(c) for a in accepted)]
    allowed = [
        (c, next(a for a in accepted if a.matches(c))) for c in changes if c.breaking and c not in unaccepted
    ]
    harmless = [c for c in changes if not c.breaking]
    if not changes:
        result.note("no change to the wire contract")
    if unaccepted:
        result.fail(f"{len(unaccepted)} breaking change(s) not accepted in {changelog_name}:")
        for change in unaccepted:
            result.fail(f"  BREAKING  {change.id}")
    if allowed:
        result.note(f"{len(allowed)} breaking change(s) accepted in {changelog_name}:")
        for change, entry in allowed:
            result.note(f"  accepted  {change.id}")
            result.note(f"            reason: {entry.reason}")
    if harmless:
        result.note(f"{len(harmless)} non-breaking change(s):")
        for change in harmless:
            result.note(f"  ok        {change.id}")
    if unaccepted:
        result.fail("")
        result.fail(f"If these breaks are intended, accept each one in {changelog_name}:")
        result.fail("  accepted:")
        for change in unaccepted:
            result.fail(f"    - change: {json.dumps(change.id)}")
            result.fail('      reason: "<why clients can live with it>"')
    return result


# ------------------------------------------------------------------------------------------------ git
class GitError(Exception):
    """The base revision cannot be read from git (no git, not a repository, unknown revision...)."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise GitError("git is not installed")
    return subprocess.run([git, "-C", str(repo), *args], capture_output=True, check=False)


def _stderr(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stderr.decode("utf-8", errors="replace").strip()


def ensure_repository(repo: Path) -> None:
    proc = _git(repo, "rev-parse", "--is-inside-work-tree")
    if proc.returncode != 0 or proc.stdout.strip() != b"true":
        raise GitError(f"{repo} is not a git work tree ({_stderr(proc) or 'no .git'})")


def is_shallow(repo: Path) -> bool:
    proc = _git(repo, "rev-parse", "--is-shallow-repository")
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def read_at(repo: Path, rev: str, spec_in_repo: str) -> bytes:
    """The bytes of `spec_in_repo` (a path relative to the repository root) at revision `rev`."""
    proc = _git(repo, "show", f"{rev}:{spec_in_repo}")
    if proc.returncode != 0:
        raise GitError(f"cannot read {spec_in_repo} at {rev!r}: {_stderr(proc)}")
    return proc.stdout


def find_base_revision(repo: Path, spec_in_repo: str, current: bytes) -> str | None:
    """The newest commit that changed `spec_in_repo` to something other than `current`, if any."""
    ensure_repository(repo)
    if _git(repo, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        return None  # no commit yet
    proc = _git(repo, "log", "--format=%H", "--", spec_in_repo)
    if proc.returncode != 0:
        raise GitError(f"git log failed: {_stderr(proc)}")
    for sha in proc.stdout.decode().split():
        shown = _git(repo, "show", f"{sha}:{spec_in_repo}")
        if shown.returncode == 0 and shown.stdout != current:
            return sha
    return None


def describe(repo: Path, rev: str) -> str:
    proc = _git(repo, "log", "-1", "--format=%h %s", rev)
    text = proc.stdout.decode("utf-8", errors="replace").strip() if proc.returncode == 0 else rev
    return text if len(text) <= 72 else text[:69] + "..."
