"""Mutation testing of the money and file machines (``make mutation``; not part of ``make test``).

mutmut names a mutant after its file's path and only knows the layouts ./, src/ and source/, while this
package lives in facade/ and generated/. So this script builds a staging tree, build/mutation/ (src/ holds
a2e_faceswap and a2e_api; tests/ and pyproject.toml beside them), from the working copy or, with
``--rev``, from a commit; runs ``mutmut run`` there on the chosen modules (config: pyproject.toml
[tool.mutmut]); and prints each module's score and its surviving mutants as diffs.

Score = killed / all mutants of the module, where "killed" includes a timeout (the tests noticed) and a
mutant no selected test reaches counts as a survivor. Modules that hold a machine and its I/O drivers
(``_waiting``, ``_retry``, ``_download``, ``_create``) are mutated whole; "errors" is _error_mapping.py
(what counts as a success, and which error an answer stands for).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / "build" / "mutation"
MUTMUT = Path(sys.executable).parent / "mutmut"

#: module label -> (file under src/, mutant-name globs run and counted); "errors" is the error mapping
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "retry": ("a2e_faceswap/_retry.py", ("a2e_faceswap._retry.*",)),
    "paging": ("a2e_faceswap/_paging.py", ("a2e_faceswap._paging.*",)),
    "errors": ("a2e_faceswap/_error_mapping.py", ("a2e_faceswap._error_mapping.*",)),
    "waiting": ("a2e_faceswap/_waiting.py", ("a2e_faceswap._waiting.*",)),
    "download": ("a2e_faceswap/_download.py", ("a2e_faceswap._download.*",)),
    "create": ("a2e_faceswap/_create.py", ("a2e_faceswap._create.*",)),
}

#: mutmut's exit codes (mutmut/stats.py) that mean the tests noticed the mutant
KILLED = {1, 3, 24, -24, 36, 37, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}

#: what goes into the staging tree: (path in the repo, path in the stage)
LAYOUT = (
    ("facade/a2e_faceswap", "src/a2e_faceswap"),
    ("generated/a2e_api", "src/a2e_api"),
    ("tests", "tests"),
    ("pyproject.toml", "pyproject.toml"),
)


@dataclass
class Score:
    module: str
    killed: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)
    other: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.survived)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.killed) / self.total if self.total else 100.0


def _ignore(_directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in {"__pycache__", ".pytest_cache", ".hypothesis"}}


def stage(rev: str | None, layout: tuple[tuple[str, str], ...] = LAYOUT) -> None:
    """Copy ``layout`` into the staging tree (replacing what is there) from the working copy, or from
    commit ``rev``."""
    STAGE.mkdir(parents=True, exist_ok=True)
    for _, target in layout:
        path = STAGE / target
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    if rev is None:
        for source, target in layout:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, STAGE / target, ignore=_ignore)
            else:
                shutil.copy2(path, STAGE / target)
        return
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, *(source for source, _ in layout)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(STAGE / "rev", filter="data")
    for source, target in layout:
        (STAGE / target).parent.mkdir(parents=True, exist_ok=True)
        (STAGE / "rev" / source).rename(STAGE / target)
    shutil.rmtree(STAGE / "rev")


def run_mutmut(globs: list[str], max_children: int) -> None:
    # a test's child process imports the staged (unmutated) package, never the working copy's (the
    # editable install's path), which may be another revision or half edited
    path = os.pathsep.join(p for p in (str(STAGE / "src"), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": path}
    if not (STAGE / "src" / "a2e_faceswap" / "testing" / "pytest_plugin.py").exists():
        # a revision older than the installed package's pytest plugin (entry point a2e_faceswap)
        env["PYTEST_ADDOPTS"] = f"{os.environ.get('PYTEST_ADDOPTS', '')} -p no:a2e_faceswap".strip()
    command = [str(MUTMUT), "run", "--max-children", str(max_children), *globs]
    subprocess.run(command, cwd=STAGE, env=env, check=True)


def scores(labels: list[str]) -> list[Score]:
    result = []
    for label in labels:
        path, globs = MODULES[label]
        meta = json.loads((STAGE / "mutants" / "src" / (path + ".meta")).read_text(encoding="utf-8"))
        score = Score(label)
        for name, code in sorted(meta["exit_code_by_key"].items()):
            if not any(fnmatch(name, g) for g in globs):
                continue
            if code in KILLED:
                score.killed.append(name)
            elif code in SURVIVED or code in NO_TESTS:
                score.survived.append(name)
            else:
                score.other[str(code)] = score.other.get(str(code), 0) + 1
        result.append(score)
    return result


def show(name: str) -> str:
    out = subprocess.run([str(MUTMUT), "show", name], cwd=STAGE, capture_output=True, text=True, check=False)
    return out.stdout.strip()


def report(results: list[Score], diffs: bool) -> str:
    lines = ["| module | killed | mutants | score |", "|---|---:|---:|---:|"]
    for s in results:
        extra = f" (not run: {s.other})" if s.other else ""
        lines.append(f"| {s.module} | {len(s.killed)} | {s.total} | {s.percent:.1f} %{extra} |")
    for s in results:
        if not s.survived:
            continue
        lines += ["", f"## survivors: {s.module}", ""]
        for name in s.survived:
            lines.append(f"- {name}")
            if diffs:
                lines += ["", "```diff", show(name), "```", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", help=f"any of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--rev", help="stage this commit instead of the working copy")
    parser.add_argument("--max-children", type=int, default=2, help="parallel test processes (default 2)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep build/mutation/'s sources and mutants, refresh its tests/"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="with --reuse: run again only the mutants that survived (after adding tests)",
    )
    parser.add_argument("--no-diffs", action="store_true", help="list survivors without their diffs")
    args = parser.parse_args(argv)
    labels: list[str] = list(args.modules) or list(MODULES)
    unknown = [label for label in labels if label not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {list(MODULES)}")
    if not MUTMUT.exists():
        print(f"{MUTMUT} not found: install requirements/mutation.txt (make mutation does)", file=sys.stderr)
        return 2
    names = [g for label in labels for g in MODULES[label][1]]
    if args.reuse and (STAGE / "mutants").exists():
        stage(args.rev, tuple(pair for pair in LAYOUT if pair[0] == "tests"))
        if args.survivors:
            names = [name for score in scores(labels) for name in score.survived]
    else:
        shutil.rmtree(STAGE, ignore_errors=True)
        stage(args.rev)
    if names:
        run_mutmut(names, args.max_children)
    text = report(scores(labels), diffs=not args.no_diffs)
    (STAGE / "report.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"(written to {(STAGE / 'report.md').relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
