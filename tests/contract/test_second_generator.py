"""The contract through a second generator: datamodel-code-generator's pydantic models.

openapi-python-client (the examples layer) is not the only reader of openapi/a2e.yaml. Generators that
ignore `not` (openapi-generator's python client, datamodel-code-generator) must still tell the two
alternatives of every 200 apart. Here the spec is generated into pydantic v2 models in a temporary
folder (datamodel-code-generator, pinned in requirements/dev.txt) and every documented example is
validated against each alternative separately, as a `oneOf` is: exactly one must accept it, the success
envelope for a body with `code` 0 and BusinessError for the busy answer. Request examples must validate
against their request model. The old form of the union (`not: {const: 0}`) is generated too, to show the
check fails where those generators did.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import contract_diff
import pydantic
import pytest
import yaml
from _contract_common import follow
from contract_diff import SPEC, DocExample, collect_examples

_SPEC = contract_diff.load_spec(SPEC)
EXAMPLES = collect_examples(_SPEC)
RESPONSES = [example for example in EXAMPLES if example.status == 200]
REQUESTS = [
    e
    for e in EXAMPLES
    if e.status is None and e.schema_pointer.endswith("/requestBody/content/application~1json/schema")
]
BUSINESS_ERROR = "BusinessError"


def generate_models(spec: Path, out: Path) -> ModuleType:
    """datamodel-codegen's pydantic v2 models of `spec`, imported from `out`/models.py."""
    target = out / "models.py"
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "datamodel-codegen"),
            "--input",
            str(spec),
            "--input-file-type",
            "openapi",
            "--openapi-scopes",
            "schemas",
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--formatters",
            "builtin",
            "--disable-timestamp",
            "--output",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    name = f"dcg_models_{abs(hash(out))}"
    module_spec = importlib.util.spec_from_file_location(name, target)
    assert module_spec is not None
    assert module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # pydantic resolves the module's forward references through it
    module_spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_models(SPEC, tmp_path_factory.mktemp("dcg"))


def alternatives(example: DocExample) -> list[str]:
    """The component names of the 200's `oneOf`, in order."""
    schema, _ = follow(_SPEC, {"$ref": f"#{example.schema_pointer}"})
    return [alt["$ref"].rsplit("/", 1)[-1] for alt in schema["oneOf"]]


def accepting(models: ModuleType, names: list[str], value: Any) -> list[str]:
    """The alternatives whose generated model validates `value`."""
    accepted = []
    for name in names:
        try:
            getattr(models, name).model_validate(value)
        except pydantic.ValidationError:
            continue
        accepted.append(name)
    return accepted


def expected(example: DocExample, names: list[str]) -> str:
    if example.value.get("code") == 0:
        return next(name for name in names if name != BUSINESS_ERROR)
    return BUSINESS_ERROR


@pytest.mark.parametrize("example", RESPONSES, ids=[example.name for example in RESPONSES])
def test_every_200_example_parses_as_exactly_one_alternative(models: ModuleType, example: DocExample) -> None:
    names = alternatives(example)
    assert len(names) == 2
    assert BUSINESS_ERROR in names
    assert accepting(models, names, example.value) == [expected(example, names)]


def test_the_examples_cover_both_alternatives_of_every_operation() -> None:
    success = {e.operation.operation_id for e in RESPONSES if e.operation and e.value.get("code") == 0}
    busy = {e.operation.operation_id for e in RESPONSES if e.operation and e.value.get("code") != 0}
    assert len(success) == len(busy) == 14


@pytest.mark.parametrize("example", REQUESTS, ids=[example.name for example in REQUESTS])
def test_every_request_example_validates_with_its_model(models: ModuleType, example: DocExample) -> None:
    assert example.model is not None
    getattr(models, example.model).model_validate(example.value)


def test_the_not_form_of_the_union_is_ambiguous_to_this_generator(tmp_path: Path) -> None:
    """The form this spec left: BusinessError's `code` excluding 0 only through `not`."""
    old = contract_diff.load_spec(SPEC)
    code = old["components"]["schemas"]["BusinessError"]["allOf"][1]["properties"]["code"]
    del code["minimum"]
    code["not"] = {"const": 0}
    spec = tmp_path / "a2e.yaml"
    spec.write_text(yaml.safe_dump(old, sort_keys=False))
    old_models = generate_models(spec, tmp_path)
    example = next(e for e in RESPONSES if e.name == "get_task 200 doc_page_09")
    assert accepting(old_models, alternatives(example), example.value) == ["TaskResponse", BUSINESS_ERROR]
