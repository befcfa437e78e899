"""Shared pieces of the contract diff: paths, spec loading, $ref handling and the layer result type."""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "a2e.yaml"
SPEC_IN_REPO = "openapi/a2e.yaml"
GENERATED = ROOT / "generated"
CHANGELOG = ROOT / "openapi" / "CHANGELOG.yaml"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Json = Any
"""A value read from JSON or YAML: dict, list, str, int, float, bool or None."""


class Status(enum.Enum):
    PASS = "PASS"  # noqa: S105 (a verdict, not a password)
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass
class LayerResult:
    """What one layer of the contract diff found. `lines` is the readable report, without the title."""

    name: str
    status: Status = Status.PASS
    lines: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    def fail(self, line: str) -> None:
        self.status = Status.FAIL
        self.lines.append(line)

    def note(self, line: str) -> None:
        self.lines.append(line)

    def render(self) -> str:
        body = "\n".join(f"  {line}" for line in self.lines)
        head = f"== {self.name}: {self.status.value} =="
        return f"{head}\n{body}" if body else head


class SpecError(Exception):
    """The spec (or a revision of it) cannot be read at all."""


def load_spec_text(text: str, origin: str) -> dict[str, Json]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{origin} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{origin} is not a YAML mapping")
    return data


def load_spec(path: Path) -> dict[str, Json]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc}") from exc
    return load_spec_text(text, str(path))


def display_path(path: Path) -> str:
    """`path` relative to the repository when it is inside it (shorter reports), else as given."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------- $refs
def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_get(document: Json, pointer: str) -> Json:
    """The node at a local JSON pointer (`#/components/schemas/X` or `/components/...`)."""
    node = document
    path = pointer.removeprefix("#").removeprefix("/")
    for raw in path.split("/") if path else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(f"$ref {pointer!r} does not resolve")
    return node


def follow(document: Json, node: Json, pointer: str = "") -> tuple[Json, str]:
    """Follow `$ref` chains from `node`; return the target and its JSON pointer (`pointer` if no $ref)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#"):
            raise KeyError(f"$ref {ref!r} is not local to the document")
        if ref in seen:
            raise KeyError(f"$ref cycle through {ref!r}")
        seen.add(ref)
        pointer = ref.removeprefix("#")
        node = pointer_get(document, ref)
    return node, pointer


SCHEMA_PREFIX = "#/components/schemas/"
COMPONENT = "x-component"
"""Key `inline_refs(..., mark=True)` adds to an inlined component schema: the component's name."""


def inline_refs(document: dict[str, Json], *, mark: bool = False) -> dict[str, Json]:
    """A copy of `document` with every local `$ref` replaced by (a copy of) its target.

    Sibling keywords of a `$ref` (3.1 allows them) are laid over the target. A `$ref` met again while
    it is being expanded (a recursive schema) is left as is, so the result is always finite. With
    `mark`, a `$ref` to a component schema leaves the component's name under the `COMPONENT` key of the
    copy (so that the alternatives of an anyOf/oneOf can still be told apart by name).
    """

    def expand(node: Json, active: frozenset[str]) -> Json:
        if isinstance(node, list):
            return [expand(item, active) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#") and ref not in active:
            target = expand(copy.deepcopy(pointer_get(document, ref)), active | {ref})
            siblings = {k: expand(v, active) for k, v in node.items() if k != "$ref"}
            if not isinstance(target, dict):
                return target
            name = ref.removeprefix(SCHEMA_PREFIX)
            named = {COMPONENT: name} if mark and ref.startswith(SCHEMA_PREFIX) and "/" not in name else {}
            return {**target, **siblings, **named}
        return {key: expand(value, active) for key, value in node.items()}

    result = expand(document, frozenset())
    assert isinstance(result, dict)
    return result


# ---------------------------------------------------------------------------------------- operations
@dataclass(frozen=True)
class Operation:
    method: str  # lower case, as in the document
    path: str
    node: dict[str, Json]
    path_item: dict[str, Json]

    @property
    def operation_id(self) -> str | None:
        value = self.node.get("operationId")
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        """operationId when there is one, else `METHOD /path`."""
        return self.operation_id or f"{self.method.upper()} {self.path}"

    @property
    def route(self) -> str:
        return f"{self.method.upper()} {self.path}"


def iter_operations(spec: dict[str, Json]) -> Iterator[Operation]:
    paths = spec.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            node = item.get(method)
            if isinstance(node, dict):
                yield Operation(method, str(path), node, item)


def operation_parameters(spec: dict[str, Json], op: Operation) -> dict[tuple[str, str], dict[str, Json]]:
    """Effective parameters of `op` keyed by (in, name): path-item level ones, overridden by its own."""
    found: dict[tuple[str, str], dict[str, Json]] = {}
    for source in (op.path_item.get("parameters"), op.node.get("parameters")):
        for raw in source if isinstance(source, list) else []:
            param, _ = follow(spec, raw)
            if isinstance(param, dict):
                found[(str(param.get("in")), str(param.get("name")))] = param
    return found


def readable(spec: dict[str, Json], pointer: str) -> str:
    """A JSON pointer as people read it: `/paths/~1a~1b/get/x` -> `<operationId> x`."""
    parts = pointer.lstrip("/").split("/")
    if len(parts) >= 3 and parts[0] == "paths":
        path = parts[1].replace("~1", "/").replace("~0", "~")
        node = (spec.get("paths") or {}).get(path)
        op = node.get(parts[2]) if isinstance(node, dict) else None
        if isinstance(op, dict):
            name = op.get("operationId") or f"{parts[2].upper()} {path}"
            return " ".join([str(name), "/".join(parts[3:])]).strip()
        return " ".join([path, "/".join(parts[2:])]).strip()
    return "/".join(parts)
