"""The command uses the client as a library user would: public modules, plus ``_cli_support``.

Every import in ``a2e_faceswap/_cli/`` and ``a2e_faceswap/cli.py`` is read with ``ast`` (relative ones
resolved): a module of the package whose name has a private part is refused, unless it is the command's
own (``_cli``) or the one documented internal module (``_cli_support``, whose docstring says why).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import a2e_faceswap
import pytest

PACKAGE = Path(a2e_faceswap.__file__).parent
SUPPORT = "a2e_faceswap._cli_support"
#: private modules the command may import: its own, and the documented one
ALLOWED = ("a2e_faceswap._cli", SUPPORT)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """The full name of every module (or module attribute) ``source`` imports, as ``module`` would."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)  # `from .. import _x`


def _private(part: str) -> bool:
    return part == "__main__" or (part.startswith("_") and not part.endswith("__"))


def private_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """The package's private modules ``source`` imports that the command may not."""
    return [
        name
        for name in _imported(source, module, is_package)
        if name.split(".")[0] == "a2e_faceswap"
        and not any(name == home or name.startswith(f"{home}.") for home in ALLOWED)
        and any(_private(part) for part in name.split(".")[1:])
    ]


def _command_files() -> list[Path]:
    return [PACKAGE / "cli.py", *sorted((PACKAGE / "_cli").glob("*.py"))]


@pytest.mark.parametrize("path", _command_files(), ids=lambda path: path.name)
def test_the_command_imports_no_private_module_but_the_documented_one(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert private_imports(source, _module_name(path), path.name == "__init__.py") == []


def test_the_check_refuses_what_the_command_used_to_import() -> None:
    module = "a2e_faceswap._cli._session"
    for line, refused in (
        ("from .._client import A2E, clean_token", "a2e_faceswap._client"),
        ("from .._validation import check_name", "a2e_faceswap._validation"),
        ("from .. import _logging", "a2e_faceswap._logging"),
        ("from a2e_faceswap.testing.__main__ import main", "a2e_faceswap.testing.__main__"),
        ("import a2e_faceswap._download", "a2e_faceswap._download"),
        ("from a2e_faceswap.testing._simulator import Simulator", "a2e_faceswap.testing._simulator"),
    ):
        assert refused in private_imports(line, module), line
    allowed = (
        "from .. import A2E, __version__, errors\nfrom ..models import Task\nfrom ..cli import PROG\n"
        "from .._cli_support import scrub\nfrom ._problems import Problem\n"
        "from a2e_faceswap.testing import Simulator\n"
    )
    assert private_imports(allowed, module) == []


def test_the_documented_module_says_why_the_command_needs_it() -> None:
    import a2e_faceswap._cli_support as support

    doc = support.__doc__ or ""
    assert "command" in doc
    for name in support.__all__:
        assert f"``{name}``" in doc, f"{name} is re-exported without a word on why"


def _texts(source: str) -> Iterator[str]:
    """The string constants of ``source`` but its docstrings (and the parts of its f-strings)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


def test_the_program_name_is_written_once() -> None:
    """Messages name the command through ``cli.PROG``; ``install_hint`` names the distribution."""
    written = {
        (path.name, text)
        for path in _command_files()
        for text in _texts(path.read_text(encoding="utf-8"))
        if "a2e-faceswap" in text
    }
    assert {name for name, _ in written} == {"cli.py"}, written
    assert ("cli.py", "a2e-faceswap") in written
