"""``make mutation``'s setup names files that exist: the modules tools/mutation.py scores are the ones
mutmut mutates (pyproject's ``[tool.mutmut] only_mutate``), and its test selection exists. A module
renamed without its entry there would be scored on no mutants at all."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _mutation_tool() -> Any:
    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "tools" / "mutation.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_every_scored_module_is_mutated_and_every_named_path_exists() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    mutated = set(config["only_mutate"])
    scored = {f"src/{path}" for path, _ in _mutation_tool().MODULES.values()}
    assert scored <= mutated, sorted(scored - mutated)
    for staged in mutated:  # src/ in the staging tree is facade/ (and generated/) here
        assert (ROOT / "facade" / staged.removeprefix("src/")).is_file(), staged
    for selected in config["pytest_add_cli_args_test_selection"]:
        assert (ROOT / selected).exists(), selected
