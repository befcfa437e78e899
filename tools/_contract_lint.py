"""Layer 1 of the contract diff: the spec is valid OpenAPI 3.1 and follows the project's lint rules.

The rules (each problem is printed with the rule's name):

json-compatible       every mapping key is a string and every value plain JSON (a YAML date or timestamp
                      would reach other tools as a datetime object, not as the string A2E sends).
local-refs            every `$ref` points inside the document (the contract is one self-contained file).
https-servers         at least one server, each on https.
bearer-security       a global `security` of exactly one http bearer scheme, and no operation overriding it.
operation-id          every operation has an operationId, snake_case (it is the generated function's
                      module name) and unique.
one-tag               every operation has exactly one tag (the generated sub-package), a lower-case
                      identifier declared with a description in the top-level `tags`.
summary               every operation has a summary (the generated function's docstring).
parameters            every parameter has a description and a schema; every `{name}` of a path template
                      is a required `in: path` parameter and every path parameter is in the template.
json-request-body     a request body is required, is application/json only and its schema is a `$ref` to
                      a component schema (so the generated model has a stable, readable name).
success-envelope      exactly one 2xx response, 200, application/json, whose schema is a `oneOf` of two
                      component `$ref`s: the operation's success envelope (a required integer `code` that
                      is `const: 0`, and a `data` property) and BusinessError (A2E's error envelope under
                      HTTP 200: a required integer `code` with `minimum` 1 or more), so the two are
                      disjoint and a parser tells them apart by `code`. Disjoint through keywords every
                      generator reads: `not` is refused in BusinessError's `code`, because generators
                      that ignore it (openapi-generator, datamodel-code-generator) would see a success
                      body match both alternatives.
success-example-first every 200 has named `examples`: the first a success body (`code` 0; a static mock such
                      as Prism serves the first example, so it must not be an error) and another an error
                      under HTTP 200 (`code` not 0, the busy answer), so both alternatives are shown.
error-responses       statuses are explicit codes (no `default`, no `4XX`); every 4xx/5xx answer is
                      application/json with the ErrorResponse schema; every operation documents 401.
no-response-enums     no `enum` in a schema an answer uses: generated enums reject values they do not
                      know, and A2E adds values (the spec keeps `current_status` an open string for this).
schema-examples       no `example` keyword in Schema Objects (deprecated by OpenAPI 3.1): use `examples`.
property-descriptions every property of every schema has a `description` or is a `$ref`.
examples-used         every entry of components/examples has a summary and an inline `value` and is
                      referenced from outside components/examples (so the examples layer checks it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from _contract_common import (
    Json,
    LayerResult,
    Operation,
    escape_pointer,
    follow,
    iter_operations,
    operation_parameters,
    readable,
)

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
PATH_TEMPLATE = re.compile(r"\{([^}]+)\}")
ERROR_SCHEMA = "#/components/schemas/ErrorResponse"
BUSINESS_ERROR_SCHEMA = "#/components/schemas/BusinessError"
JSON_MEDIA = "application/json"

RULES = (
    "json-compatible",
    "local-refs",
    "https-servers",
    "bearer-security",
    "operation-id",
    "one-tag",
    "summary",
    "parameters",
    "json-request-body",
    "success-envelope",
    "success-example-first",
    "error-responses",
    "no-response-enums",
    "schema-examples",
    "property-descriptions",
    "examples-used",
)

# keywords whose value is a schema, a list of schemas, or a map of schemas
_SUBSCHEMA = ("items", "not", "additionalProperties", "contains", "propertyNames", "if", "then", "else")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


@dataclass(frozen=True)
class LintProblem:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


def _readable(spec: dict[str, Json], problems: list[LintProblem]) -> list[LintProblem]:
    return [
        LintProblem(p.rule, readable(spec, p.where), p.message) if p.where.startswith("/") else p
        for p in problems
    ]


def validate_openapi(spec: dict[str, Json]) -> list[str]:
    """openapi-spec-validator's findings (OpenAPI 3.1 schema and semantic checks), one line each."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    if not str(spec.get("openapi", "")).startswith("3.1"):
        return [f"`openapi: {spec.get('openapi')}`: the contract is written for OpenAPI 3.1"]
    problems: list[str] = []
    try:
        for error in OpenAPIV31SpecValidator(spec).iter_errors():
            path = "/".join(str(part) for part in getattr(error, "path", ()) or ())
            problems.append(f"{path or '(document)'}: {error.message}")
    except Exception as exc:  # the validator raises on documents it cannot walk at all
        problems.append(f"the validator could not walk the document: {type(exc).__name__}: {exc}")
    return problems


def check_validity(spec: dict[str, Json], origin: str = "openapi/a2e.yaml") -> LayerResult:
    result = LayerResult(f"1. spec validity ({origin})")
    # (check, its problems, what follows their count, what a clean run says)
    checks: list[tuple[str, Sequence[object], str, str]] = [
        ("openapi-spec-validator", validate_openapi(spec), "", "valid OpenAPI 3.1"),
        ("lint", lint_spec(spec), " (rules: tools/_contract_lint.py)", f"clean ({len(RULES)} rules)"),
    ]
    for check, problems, rules, clean in checks:
        if not problems:
            result.note(f"{check}: {clean}")
            continue
        result.fail(f"{check}: {len(problems)} problem(s){rules}")
        for problem in problems:
            result.fail(f"  {problem}")
    return result


def lint_spec(spec: dict[str, Json]) -> list[LintProblem]:
    """Every violation of the rules listed in this module's docstring."""
    problems: list[LintProblem] = []
    for check in (_json_compatible, _local_refs, _servers, _security, _operations, _schemas, _examples_used):
        problems += _guarded(check.__name__.strip("_"), partial(check, spec))
    return _readable(spec, problems)


def _guarded(where: str, check: Callable[[], list[LintProblem]]) -> list[LintProblem]:
    """Run one check; a document too malformed for it gives a problem instead of a crash."""
    try:
        return check()
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        message = (
            f"check stopped on a malformed document ({type(exc).__name__}: {exc}); fix the findings above"
        )
        return [LintProblem("lint", where, message)]


# ----------------------------------------------------------------------------------- document-wide
def _walk(node: Json, pointer: str = "") -> Iterator[tuple[str, Json]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{escape_pointer(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


def _json_compatible(spec: dict[str, Json]) -> list[LintProblem]:
    problems = []
    for pointer, node in _walk(spec):
        if isinstance(node, dict):
            for key in node:
                if not isinstance(key, str):
                    problems.append(
                        LintProblem(
                            "json-compatible", pointer or "/", f"key {key!r} is not a string; quote it"
                        )
                    )
        elif isinstance(node, dt.date | dt.datetime):
            problems.append(
                LintProblem("json-compatible", pointer, f"{node!r} is a YAML date, not a string; quote it")
            )
        elif not isinstance(node, str | int | float | bool | list | type(None)):
            problems.append(LintProblem("json-compatible", pointer, f"{type(node).__name__} is not JSON"))
    return problems


def _local_refs(spec: dict[str, Json]) -> list[LintProblem]:
    problems = []
    for pointer, node in _walk(spec):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            try:
                follow(spec, {"$ref": node["$ref"]})
            except KeyError as exc:
                problems.append(LintProblem("local-refs", pointer, str(exc.args[0])))
    return problems


def _servers(spec: dict[str, Json]) -> list[LintProblem]:
    servers = spec.get("servers")
    if not isinstance(servers, list) or not servers:
        return [LintProblem("https-servers", "/servers", "no server declared")]
    return [
        LintProblem("https-servers", f"/servers/{i}", f"{server.get('url')!r} is not https")
        for i, server in enumerate(servers)
        if not (isinstance(server, dict) and str(server.get("url", "")).startswith("https://"))
    ]


def _security(spec: dict[str, Json]) -> list[LintProblem]:
    problems = []
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    security = spec.get("security")
    if not (isinstance(security, list) and len(security) == 1 and isinstance(security[0], dict)):
        problems.append(
            LintProblem("bearer-security", "/security", "expected exactly one global requirement")
        )
    else:
        for name in security[0] or {"(none)": []}:
            scheme = schemes.get(name) if isinstance(schemes, dict) else None
            if not (
                isinstance(scheme, dict)
                and scheme.get("type") == "http"
                and str(scheme.get("scheme", "")).lower() == "bearer"
            ):
                problems.append(
                    LintProblem("bearer-security", "/security", f"{name!r} is not an http bearer scheme")
                )
    for op in iter_operations(spec):
        if "security" in op.node:
            problems.append(LintProblem("bearer-security", op.label, "overrides the global bearer security"))
    return problems


# -------------------------------------------------------------------------------------- operations
def _operations(spec: dict[str, Json]) -> list[LintProblem]:
    problems: list[LintProblem] = []
    declared_tags = {
        tag.get("name"): tag for tag in spec.get("tags") or [] if isinstance(tag, dict) and "name" in tag
    }
    seen_ids: dict[str, str] = {}
    for op in iter_operations(spec):
        problems += _operation_id(op, seen_ids)
        problems += _tag(op, declared_tags)
        if not str(op.node.get("summary") or "").strip():
            problems.append(LintProblem("summary", op.label, "no summary"))
        problems += _guarded(op.label, partial(_parameters, spec, op))
        problems += _guarded(op.label, partial(_request_body, spec, op))
        problems += _guarded(op.label, partial(_responses, spec, op))
    problems += _guarded(BUSINESS_ERROR_SCHEMA, partial(_business_error, spec))
    return problems


def _operation_id(op: Operation, seen: dict[str, str]) -> list[LintProblem]:
    op_id = op.operation_id
    if op_id is None:
        return [LintProblem("operation-id", op.route, "no operationId")]
    problems = []
    if not SNAKE_CASE.match(op_id):
        problems.append(LintProblem("operation-id", op.route, f"operationId {op_id!r} is not snake_case"))
    if op_id in seen:
        problems.append(LintProblem("operation-id", op.route, f"operationId {op_id!r} also on {seen[op_id]}"))
    seen[op_id] = op.route
    return problems


def _tag(op: Operation, declared: dict[Any, Json]) -> list[LintProblem]:
    tags = op.node.get("tags")
    if not (isinstance(tags, list) and len(tags) == 1):
        return [LintProblem("one-tag", op.label, f"expected exactly one tag, found {tags!r}")]
    tag = tags[0]
    if not (isinstance(tag, str) and SNAKE_CASE.match(tag)):
        return [LintProblem("one-tag", op.label, f"tag {tag!r} is not a lower-case identifier")]
    entry = declared.get(tag)
    if not (isinstance(entry, dict) and str(entry.get("description") or "").strip()):
        return [LintProblem("one-tag", op.label, f"tag {tag!r} is not declared with a description")]
    return []


def _parameters(spec: dict[str, Json], op: Operation) -> list[LintProblem]:
    problems = []
    params = operation_parameters(spec, op)
    for (location, name), param in params.items():
        where = f"{op.label} {location} parameter {name!r}"
        if not str(param.get("description") or "").strip():
            problems.append(LintProblem("parameters", where, "no description"))
        if not isinstance(param.get("schema"), dict):
            problems.append(LintProblem("parameters", where, "no schema"))
        if location == "path" and param.get("required") is not True:
            problems.append(LintProblem("parameters", where, "path parameters must be required"))
    in_template = set(PATH_TEMPLATE.findall(op.path))
    declared = {name for (location, name) in params if location == "path"}
    for name in sorted(in_template - declared):
        problems.append(
            LintProblem("parameters", op.label, f"path template names {{{name}}} but no parameter")
        )
    for name in sorted(declared - in_template):
        problems.append(LintProblem("parameters", op.label, f"path parameter {name!r} is not in {op.path}"))
    return problems


def _component_schema_ref(schema: Json) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref.count("/") == 3:
        return ref
    return None


def _request_body(spec: dict[str, Json], op: Operation) -> list[LintProblem]:
    if "requestBody" not in op.node:
        return []
    body, _ = follow(spec, op.node["requestBody"])
    where = f"{op.label} request body"
    if not isinstance(body, dict):
        return [LintProblem("json-request-body", where, "is not an object")]
    problems = []
    if body.get("required") is not True:
        problems.append(LintProblem("json-request-body", where, "is not `required: true`"))
    content = body.get("content") or {}
    if list(content) != [JSON_MEDIA]:
        problems.append(
            LintProblem("json-request-body", where, f"media types {list(content)}, want [{JSON_MEDIA}]")
        )
    media = content.get(JSON_MEDIA)
    if isinstance(media, dict) and _component_schema_ref(media.get("schema")) is None:
        problems.append(LintProblem("json-request-body", where, "schema is not a $ref to a component schema"))
    return problems


def merged_object(spec: dict[str, Json], schema: Json) -> tuple[dict[str, Json], set[str]]:
    """Properties and required names of an object schema, through `$ref` and `allOf`."""
    schema, _ = follow(spec, schema)
    properties: dict[str, Json] = {}
    required: set[str] = set()
    if not isinstance(schema, dict):
        return properties, required
    for part in schema.get("allOf") or []:
        part_props, part_required = merged_object(spec, part)
        properties.update(part_props)
        required |= part_required
    properties.update(schema.get("properties") or {})
    required |= set(schema.get("required") or [])
    return properties, required


def _responses(spec: dict[str, Json], op: Operation) -> list[LintProblem]:
    responses = op.node.get("responses")
    if not isinstance(responses, dict):
        return [LintProblem("success-envelope", op.label, "no responses")]
    problems = []
    statuses = [str(status) for status in responses]
    for status in statuses:
        if not re.fullmatch(r"[1-5][0-9][0-9]", status):
            problems.append(
                LintProblem("error-responses", op.label, f"status {status!r} is not an explicit code")
            )
    success = [status for status in statuses if status.startswith("2")]
    if success != ["200"]:
        problems.append(LintProblem("success-envelope", op.label, f"2xx statuses {success}, want ['200']"))
    if "401" not in statuses:
        problems.append(LintProblem("error-responses", op.label, "no 401 (every operation needs the token)"))
    for status, raw in responses.items():
        status = str(status)
        response, _ = follow(spec, raw)
        content = response.get("content") if isinstance(response, dict) else None
        media = content.get(JSON_MEDIA) if isinstance(content, dict) else None
        schema = media.get("schema") if isinstance(media, dict) else None
        where = f"{op.label} {status}"
        if status == "200":
            problems += _success_union(spec, where, schema)
            problems += _success_examples(spec, where, media)
        elif status[:1] in ("4", "5") and not (
            isinstance(schema, dict) and schema.get("$ref") == ERROR_SCHEMA
        ):
            problems.append(
                LintProblem("error-responses", where, f"answer is not {JSON_MEDIA} with {ERROR_SCHEMA}")
            )
    return problems


def _is_zero(value: Json) -> bool:
    return type(value) is int and value == 0


def _integer_code(spec: dict[str, Json], schema: Json) -> dict[str, Json] | None:
    """The schema of a required integer `code` of an object schema (None: there is none)."""
    properties, required = merged_object(spec, schema)
    code, _ = follow(spec, properties.get("code"))
    if "code" in required and isinstance(code, dict) and code.get("type") == "integer":
        return code
    return None


def _success_union(spec: dict[str, Json], where: str, schema: Json) -> list[LintProblem]:
    """The 200 answer: `oneOf` the success envelope and BusinessError, each a component `$ref`."""
    alternatives = schema.get("oneOf") if isinstance(schema, dict) else None
    refs = [_component_schema_ref(alt) for alt in alternatives] if isinstance(alternatives, list) else []
    if len(refs) != 2 or None in refs:
        message = (
            f"{JSON_MEDIA} schema is not a oneOf of two component $refs "
            f"(the success envelope and {BUSINESS_ERROR_SCHEMA})"
        )
        return [LintProblem("success-envelope", where, message)]
    if BUSINESS_ERROR_SCHEMA not in refs:
        message = f"the oneOf lacks {BUSINESS_ERROR_SCHEMA} (A2E's errors under HTTP 200)"
        return [LintProblem("success-envelope", where, message)]
    success = [ref for ref in refs if ref != BUSINESS_ERROR_SCHEMA]
    if len(success) != 1:
        message = f"both alternatives are {BUSINESS_ERROR_SCHEMA}; one must be the success envelope"
        return [LintProblem("success-envelope", where, message)]
    ref = success[0]
    code = _integer_code(spec, {"$ref": ref})
    if code is None:
        return [LintProblem("success-envelope", where, f"{ref} has no required integer `code`")]
    problems = []
    if not _is_zero(code.get("const")):
        message = f"{ref}: `code` is not `const: 0`, so it overlaps {BUSINESS_ERROR_SCHEMA}"
        problems.append(LintProblem("success-envelope", where, message))
    if "data" not in merged_object(spec, {"$ref": ref})[0]:
        problems.append(LintProblem("success-envelope", where, f"{ref} has no `data` property"))
    return problems


def _success_examples(spec: dict[str, Json], where: str, media: Json) -> list[LintProblem]:
    """The 200's named examples: a success body first, an error under HTTP 200 among the others."""
    examples = media.get("examples") if isinstance(media, dict) else None
    if not isinstance(examples, dict) or not examples:
        return [LintProblem("success-example-first", where, "no named `examples`")]
    codes = []
    for raw in examples.values():
        example, _ = follow(spec, raw)
        value = example.get("value") if isinstance(example, dict) else None
        codes.append(value.get("code") if isinstance(value, dict) else None)
    problems = []
    if not _is_zero(codes[0]):
        message = "the first example is not a success body (`code` 0); a static mock serves the first"
        problems.append(LintProblem("success-example-first", where, message))
    if not any(type(code) is int and code != 0 for code in codes[1:]):
        message = "no later example of an error under HTTP 200 (`code` not 0, e.g. the busy answer)"
        problems.append(LintProblem("success-example-first", where, message))
    return problems


def _business_error(spec: dict[str, Json]) -> list[LintProblem]:
    """BusinessError, if any operation exists: a required integer `code` with `minimum` >= 1, no `not`."""
    if next(iter_operations(spec), None) is None:
        return []
    where = BUSINESS_ERROR_SCHEMA.removeprefix("#")
    try:
        follow(spec, {"$ref": BUSINESS_ERROR_SCHEMA})
    except KeyError:
        return [LintProblem("success-envelope", where, "missing (A2E's error envelope under HTTP 200)")]
    code = _integer_code(spec, {"$ref": BUSINESS_ERROR_SCHEMA})
    if code is None:
        return [LintProblem("success-envelope", where, "has no required integer `code`")]
    problems = []
    minimum = code.get("minimum")
    if not (type(minimum) is int and minimum >= 1):
        message = "`code` has no `minimum` of 1 or more, so it overlaps the success envelopes' `code: 0`"
        problems.append(LintProblem("success-envelope", where, message))
    if "not" in code:
        message = "`code` uses `not`, which generators ignore; exclude 0 with `minimum: 1`"
        problems.append(LintProblem("success-envelope", where, message))
    return problems


# ---------------------------------------------------------------------------------------- schemas
def iter_schemas(spec: dict[str, Json]) -> Iterator[tuple[str, dict[str, Json]]]:
    """Every Schema Object written in the document (not following $refs), with its JSON pointer."""

    def walk(node: Json, pointer: str) -> Iterator[tuple[str, dict[str, Json]]]:
        if not isinstance(node, dict):
            return
        yield pointer, node
        for key in _SUBSCHEMA:
            if key in node:
                yield from walk(node[key], f"{pointer}/{key}")
        for key in _SUBSCHEMA_LISTS:
            for index, sub in enumerate(node.get(key) or []):
                yield from walk(sub, f"{pointer}/{key}/{index}")
        for key in _SUBSCHEMA_MAPS:
            for name, sub in (node.get(key) or {}).items():
                yield from walk(sub, f"{pointer}/{key}/{escape_pointer(str(name))}")

    for pointer, node in _walk(spec):
        if not isinstance(node, dict):
            continue
        segments = pointer.split("/")
        # a `schema` member of a parameter, media type or header; not a property or example data named so
        if segments[-1] == "schema" and not {"properties", "examples", "example", "value"} & set(segments):
            yield from walk(node, pointer)
    for name, schema in ((spec.get("components") or {}).get("schemas") or {}).items():
        yield from walk(schema, f"/components/schemas/{escape_pointer(str(name))}")


def _schemas(spec: dict[str, Json]) -> list[LintProblem]:
    problems = []
    for pointer, schema in iter_schemas(spec):
        if "example" in schema:
            problems.append(
                LintProblem(
                    "schema-examples", pointer, "`example` is deprecated in 3.1 schemas; use `examples`"
                )
            )
        for name, prop in (schema.get("properties") or {}).items():
            if (
                isinstance(prop, dict)
                and "$ref" not in prop
                and not str(prop.get("description") or "").strip()
            ):
                problems.append(
                    LintProblem("property-descriptions", f"{pointer}/properties/{name}", "no description")
                )
    problems += _response_enums(spec)
    return problems


def _response_enums(spec: dict[str, Json]) -> list[LintProblem]:
    problems: list[LintProblem] = []
    reported: set[str] = set()

    def visit(schema: Json, pointer: str, where: str, active: frozenset[str]) -> None:
        schema, pointer = follow(spec, schema, pointer)
        if not isinstance(schema, dict) or pointer in active:
            return
        if "enum" in schema and pointer not in reported:
            reported.add(pointer)
            problems.append(
                LintProblem("no-response-enums", pointer, f"enum in an answer ({where}); use an open string")
            )
        active = active | {pointer}
        for key in _SUBSCHEMA:
            if key in schema:
                visit(schema[key], f"{pointer}/{key}", where, active)
        for key in _SUBSCHEMA_LISTS:
            for index, sub in enumerate(schema.get(key) or []):
                visit(sub, f"{pointer}/{key}/{index}", where, active)
        for key in _SUBSCHEMA_MAPS:
            for name, sub in (schema.get(key) or {}).items():
                visit(sub, f"{pointer}/{key}/{escape_pointer(str(name))}", where, active)

    for op in iter_operations(spec):
        op_pointer = f"/paths/{escape_pointer(op.path)}/{op.method}"
        for status, raw in (op.node.get("responses") or {}).items():
            response, at = follow(spec, raw, f"{op_pointer}/responses/{status}")
            for media_type, media in ((response or {}).get("content") or {}).items():
                if isinstance(media, dict) and "schema" in media:
                    schema_pointer = f"{at}/content/{escape_pointer(str(media_type))}/schema"
                    visit(media["schema"], schema_pointer, f"{op.label} {status} {media_type}", frozenset())
    return problems


def _examples_used(spec: dict[str, Json]) -> list[LintProblem]:
    examples = (spec.get("components") or {}).get("examples") or {}
    used = {
        node["$ref"]
        for pointer, node in _walk(spec)
        if isinstance(node, dict)
        and isinstance(node.get("$ref"), str)
        and not pointer.startswith("/components/examples/")
    }
    problems = []
    for name, example in examples.items():
        where = f"/components/examples/{name}"
        if not (isinstance(example, dict) and str(example.get("summary") or "").strip()):
            problems.append(LintProblem("examples-used", where, "no summary"))
        if not (isinstance(example, dict) and "value" in example):
            problems.append(LintProblem("examples-used", where, "no inline `value`"))
        if f"#{where}" not in used:
            problems.append(LintProblem("examples-used", where, "referenced nowhere, so never checked"))
    return problems
