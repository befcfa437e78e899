"""Base install: what ``pip install .`` brings into a fresh venv, and what the ``cli`` extra adds.

A new venv in a temporary directory (``python -m venv``, this interpreter's Python), then ``pip install
.`` from this tree (pip builds the wheel with hatchling in its isolated build environment; the
registries only), then ``pip install '.[cli]'``. Each step lists the distributions that appeared
(names, count, size of their installed files); the venv's own seed (pip) is not counted. The target:
the base install holds httpx, attrs, python-dateutil and what they need, none of the command's
packages. The venv comes from ``_harness.fresh_venv``, shared with the import-time figure.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from _harness import ROOT, Figure, fresh_venv, pip_install, venv_env

#: the base install must bring these (with their own dependencies) ...
CLIENT = frozenset({"httpx", "attrs", "python-dateutil"})
#: ... and none of these (the command's: typer, rich, and what typer pulls in)
COMMAND = frozenset({"typer", "rich", "click", "pydantic", "pydantic-core", "shellingham"})

_INVENTORY = """
import importlib.metadata as metadata, json, os
rows = {}
for dist in metadata.distributions():
    files = [dist.locate_file(f) for f in dist.files or ()]
    size = sum(os.path.getsize(f) for f in files if os.path.isfile(f))
    rows[dist.metadata["Name"].lower().replace("_", "-")] = [dist.version, size]
print(json.dumps(rows))
"""

Inventory = dict[str, tuple[str, int]]


def inventory(python: Path) -> Inventory:
    """Every distribution installed for ``python``: name -> (version, bytes of its installed files)."""
    out = subprocess.run(
        [str(python), "-c", _INVENTORY],
        capture_output=True,
        text=True,
        check=True,
        env=venv_env(),
        timeout=60,
    )
    return {name: (version, size) for name, (version, size) in json.loads(out.stdout).items()}


def _added(before: Inventory, after: Inventory) -> Inventory:
    return {name: after[name] for name in sorted(after.keys() - before.keys())}


def _describe(packages: Inventory) -> str:
    size = sum(size for _, size in packages.values()) / (1 << 20)
    names = ", ".join(f"{name} {version}" for name, (version, _) in packages.items())
    return f"{len(packages)} packages, {size:.1f} MiB: {names}"


def measure() -> list[Figure]:
    with fresh_venv() as python:
        seed = inventory(python)
        try:
            pip_install(python, str(ROOT))
            base = inventory(python)
            pip_install(python, f"{ROOT}[cli]")
            full = inventory(python)
        except subprocess.CalledProcessError as error:
            failure = (error.stderr or "").strip().splitlines()[-1:] or [f"exit {error.returncode}"]
            return [Figure("base install (pip install .)", 0, "packages", "client only", False, failure[0])]
    installed, extra = _added(seed, base), _added(base, full)
    wrong = sorted(COMMAND & installed.keys())
    missing = sorted(CLIENT - installed.keys())
    met = not wrong and not missing
    problem = f" (command packages: {', '.join(wrong)})" if wrong else ""
    problem += f" (missing: {', '.join(missing)})" if missing else ""
    return [
        _figure("base install (pip install .)", installed, "client only, no typer/rich", met, problem),
        _figure("the cli extra adds ('.[cli]')", extra, "(for scale)", None),
    ]


def _figure(name: str, packages: Inventory, target: str, met: bool | None, problem: str = "") -> Figure:
    return Figure(
        name, len(packages), "packages", target, met, _describe(packages) + problem, {"packages": packages}
    )


if __name__ == "__main__":
    for figure in measure():
        print(f"{figure.name}: {figure.value:g} {figure.unit}; {figure.detail}")
