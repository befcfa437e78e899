"""Layer 3 of the contract diff: every example in the spec validates against its schema and parses.

Examples checked:
- media-type `examples` (and `example`) of request bodies and responses, `$ref`s to components/examples
  followed: validated against the media type's schema, then parsed with the generated client: request
  bodies with `a2e_api.models.<Schema>.from_dict`, responses with the operation module's
  `_parse_response`, which must give the response's model (not None, not another status's model);
  for a 200 (`oneOf` the success envelope and BusinessError) that is the alternative the example
  validates against, so documented bodies must parse as the success model and error bodies as
  BusinessError;
- parameter-level `example` / `examples`: validated against the parameter's schema;
- schema-level `examples` anywhere in the document (component schemas, properties, parameters):
  validated against that schema; those of a component schema with a generated model are parsed with
  `a2e_api.models.<Schema>.from_dict` too.

Validation is JSON Schema 2020-12 with the OpenAPI 3.1 dialect (openapi-schema-validator's OAS31Validator,
formats checked), `$ref`s resolved inside the document. After parsing, `to_dict()` must give back every key
of the example, recursively, with the same scalar values (a sanity check of the generated models).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from _contract_common import Json, LayerResult, Operation, escape_pointer, follow, iter_operations, readable
from _contract_lint import iter_schemas

SPEC_URI = "urn:a2e-faceswap:contract"
SCHEMA_PREFIX = "#/components/schemas/"
PACKAGE = "a2e_api"
SERVER = "https://video.a2e.ai"


@dataclass(frozen=True)
class DocExample:
    """One example of the spec and what it must satisfy."""

    name: str  # readable and unique, e.g. "get_task 200 doc_page_09"
    value: Json
    schema_pointer: str  # JSON pointer (no '#') of the schema the value must validate against
    model: str | None = None  # component schema name whose generated model must parse the value
    operation: Operation | None = None  # for response examples: parse with this operation's module
    status: int | None = None


def _media_examples(spec: dict[str, Json], media: dict[str, Json], name: str) -> Iterator[tuple[str, Json]]:
    if "example" in media:
        yield name, media["example"]
    for key, raw in (media.get("examples") or {}).items():
        example, _ = follow(spec, raw)
        if isinstance(example, dict) and "value" in example:
            yield f"{name} {key}", example["value"]


def collect_examples(spec: dict[str, Json]) -> list[DocExample]:
    """Every example written in `spec`, in document order."""
    found: list[DocExample] = []
    for op in iter_operations(spec):
        op_pointer = f"/paths/{escape_pointer(op.path)}/{op.method}"
        if "requestBody" in op.node:
            body, at = follow(spec, op.node["requestBody"], f"{op_pointer}/requestBody")
            for media_type, media in ((body or {}).get("content") or {}).items():
                if not isinstance(media, dict):
                    continue
                model = _model_name(media.get("schema"))
                pointer = f"{at}/content/{escape_pointer(str(media_type))}/schema"
                for name, value in _media_examples(spec, media, f"{op.label} request"):
                    found.append(DocExample(name, value, pointer, model=model))
        for status, raw in (op.node.get("responses") or {}).items():
            response, at = follow(spec, raw, f"{op_pointer}/responses/{status}")
            for media_type, media in ((response or {}).get("content") or {}).items():
                if not isinstance(media, dict):
                    continue
                pointer = f"{at}/content/{escape_pointer(str(media_type))}/schema"
                schema = media.get("schema")
                for name, value in _media_examples(spec, media, f"{op.label} {status}"):
                    model = _model_name(schema) or _matching_alternative(spec, schema, value)
                    found.append(DocExample(name, value, pointer, model, op, int(status)))
    found += _parameter_examples(spec)
    for pointer, schema in iter_schemas(spec):
        examples = schema.get("examples")
        if not isinstance(examples, list):
            continue
        component = pointer.removeprefix("/components/schemas/")
        model = component if "/" not in component and _is_object(schema) else None
        for index, value in enumerate(examples):
            found.append(DocExample(f"{readable(spec, pointer)} #{index}", value, pointer, model=model))
    return found


def _parameter_examples(spec: dict[str, Json]) -> list[DocExample]:
    """Parameter-level `example` / `examples` (each parameter once, however many operations share it)."""
    found: list[DocExample] = []
    seen: set[str] = set()
    for op in iter_operations(spec):
        item_pointer = f"/paths/{escape_pointer(op.path)}"
        for source, at in ((op.path_item, item_pointer), (op.node, f"{item_pointer}/{op.method}")):
            for index, raw in enumerate(source.get("parameters") or []):
                param, pointer = follow(spec, raw, f"{at}/parameters/{index}")
                if not isinstance(param, dict) or pointer in seen:
                    continue
                seen.add(pointer)
                name = f"{op.label} {param.get('in')} parameter {param.get('name')}"
                for label, value in _media_examples(spec, param, name):
                    found.append(DocExample(label, value, f"{pointer}/schema"))
    return found


def _is_object(schema: dict[str, Json]) -> bool:
    """Whether the generator makes a model class of this component schema (objects do; scalars do not)."""
    return schema.get("type") == "object" or "properties" in schema or "allOf" in schema


def _model_name(schema: Json) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX) and "/" not in ref[len(SCHEMA_PREFIX) :]:
        return ref[len(SCHEMA_PREFIX) :]
    return None


def _matching_alternative(spec: dict[str, Json], schema: Json, value: Json) -> str | None:
    """For a `oneOf`/`anyOf` of component schemas (a 200: success envelope or BusinessError), the one
    component `value` validates against; None when it is not such a union or not exactly one matches."""
    alternatives = next(
        (schema[key] for key in ("oneOf", "anyOf") if isinstance(schema, dict) and key in schema), None
    )
    names = [_model_name(alt) for alt in alternatives] if isinstance(alternatives, list) else []
    matching = [
        name
        for name in names
        if name is not None and not schema_errors(spec, f"/components/schemas/{escape_pointer(name)}", value)
    ]
    return matching[0] if len(matching) == 1 else None


# ------------------------------------------------------------------------------------------ checks
def schema_errors(spec: dict[str, Json], pointer: str, value: Json) -> list[str]:
    """Why `value` does not validate against the schema at `pointer` (empty: it validates)."""
    from openapi_schema_validator import OAS31Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    validator = OAS31Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, format_checker=OAS31Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(value), key=lambda error: list(error.absolute_path))
    return [line for error in errors for line in _error_lines(error)]


def _error_lines(error: Any, indent: str = "") -> list[str]:
    """One line per problem; a failed oneOf/anyOf lists what is wrong for each alternative, by name."""
    where = f"{indent}at {_json_path(error.absolute_path)}"
    alternatives = error.validator_value
    if error.validator not in ("oneOf", "anyOf") or not error.context or not isinstance(alternatives, list):
        return [f"{where}: {error.message}"]
    lines = [f"{where}: matches none of the {len(alternatives)} {error.validator} alternatives"]
    for sub in sorted(error.context, key=lambda e: (e.schema_path[0], list(e.absolute_path))):
        index = sub.schema_path[0]
        label = _model_name(alternatives[index]) or f"alternative {index}"
        nested = _error_lines(sub, indent + "  ")
        lines.append(f"{indent}  {label}: {nested[0].lstrip()}")
        lines += nested[1:]
    return lines


def _json_path(parts: Any) -> str:
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def survives(example: Json, dumped: Json, path: str = "$") -> list[str]:
    """What of `example` did not come back from `to_dict()`: missing keys, changed values."""
    if isinstance(example, dict):
        if not isinstance(dumped, dict):
            return [f"{path}: came back as {type(dumped).__name__}, not an object"]
        lost: list[str] = []
        for key, value in example.items():
            if key not in dumped:
                lost.append(f"{path}.{key}: key lost by to_dict()")
            else:
                lost += survives(value, dumped[key], f"{path}.{key}")
        return lost
    if isinstance(example, list):
        if not (isinstance(dumped, list) and len(dumped) == len(example)):
            return [f"{path}: the list came back as {dumped!r}"]
        return [line for i, item in enumerate(example) for line in survives(item, dumped[i], f"{path}[{i}]")]
    if type(example) is not type(dumped) or example != dumped:
        return [f"{path}: {example!r} came back as {dumped!r}"]
    return []


def _models() -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.models")


def parse_errors(example: DocExample) -> list[str]:
    """Why the generated client cannot parse `example` (empty: it parses and round-trips)."""
    if example.model is None:
        return []
    model = getattr(_models(), example.model, None)
    if model is None:
        return [f"no generated model {PACKAGE}.models.{example.model}"]
    try:
        if example.operation is not None and example.status is not None:
            parsed = _parse_response(example.operation, example.status, example.value)
        else:
            parsed = model.from_dict(example.value)
    except Exception as exc:  # anything the generated code raises is a finding
        return [f"the generated client raised {type(exc).__name__}: {exc}"]
    if not isinstance(parsed, model):
        wanted = f"parsed as {type(parsed).__name__}, want {PACKAGE}.models.{example.model}"
        try:  # why the wanted model did not come out (a union's parser swallows the reason)
            model.from_dict(example.value)
        except Exception as exc:
            wanted += f" ({example.model}.from_dict raised {type(exc).__name__}: {exc})"
        return [wanted]
    return [f"round trip: {line}" for line in survives(example.value, parsed.to_dict())]


def _parse_response(op: Operation, status: int, body: Json) -> object:
    import httpx

    tags = op.node.get("tags") or ["default"]
    module = importlib.import_module(f"{PACKAGE}.api.{tags[0]}.{op.operation_id}")
    client = importlib.import_module(f"{PACKAGE}.client").Client(base_url=SERVER)
    parsed: object = module._parse_response(client=client, response=httpx.Response(status, json=body))
    return parsed


def check_example(spec: dict[str, Json], example: DocExample) -> list[str]:
    """Every problem of one example: schema validation first, then parsing with the generated client."""
    try:
        problems = schema_errors(spec, example.schema_pointer, example.value)
    except Exception as exc:  # an unresolvable schema is reported, not raised
        return [f"cannot validate against {example.schema_pointer}: {type(exc).__name__}: {exc}"]
    if example.operation is not None and example.model is None:
        problems.append("matches no single component schema of the answer, so no model to parse it with")
    return problems + parse_errors(example)


def check_examples(spec: dict[str, Json]) -> LayerResult:
    result = LayerResult("3. examples (validate against the spec, parse with the generated client)")
    try:
        package = importlib.import_module(PACKAGE)
    except ImportError as exc:
        result.fail(f"cannot import the generated package {PACKAGE}: {exc}")
        return result
    try:
        examples = collect_examples(spec)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        result.fail(f"cannot collect the examples of a malformed document: {type(exc).__name__}: {exc}")
        return result
    if not examples:
        result.fail("the spec holds no examples at all")
        return result
    failed = 0
    for example in examples:
        problems = check_example(spec, example)
        if problems:
            failed += 1
            result.fail(f"{example.name}:")
            for problem in problems:
                result.fail(f"  {problem}")
    parsed = sum(1 for example in examples if example.model is not None)
    where = getattr(package, "__file__", None) or PACKAGE
    summary = f"{len(examples)} examples, {parsed} of them parsed with {where}"
    if failed:
        result.fail(f"{failed} of {summary} have problems")
    else:
        result.note(f"{summary}: all valid and parsed")
    return result
