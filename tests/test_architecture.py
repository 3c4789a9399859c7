"""The layer rule, enforced: validator <- trainer <- evaluator <- toolproof, and no import cycles.

The contracts live in pyproject.toml (``[tool.importlinter]``). import-linter (grimp) finds a
package's modules by walking its folder, and in the repository the parts sit beside ``toolproof/``
rather than inside it; so the checks run on a copy laid out the way the wheel installs it
(``toolproof/validator``, ``toolproof/trainer``, ...), built from pyproject's package-dir mapping.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def installed_layout(dest: Path) -> Path:
    """Copy the packages to ``dest`` the way the wheel lays them out; returns ``dest``."""
    mapping = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package, folder in sorted(mapping.items(), key=lambda kv: kv[0].count(".")):  # parents first
        shutil.copytree(ROOT / folder, dest / package.replace(".", "/"), ignore=ignore, dirs_exist_ok=True)
    return dest


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with pyproject's contracts, run from ``tree`` (import-linter imports from the cwd)."""
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={str(PYPROJECT)!r}, no_cache=True, no_logo=True))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed_layout(tmp_path_factory.mktemp("layout"))


def test_the_layout_copy_holds_every_module(tree: Path) -> None:
    for part in ("validator", "trainer", "evaluator"):
        here = {p.relative_to(ROOT / part) for p in (ROOT / part).rglob("*.py") if "__pycache__" not in p.parts}
        there = {p.relative_to(tree / "toolproof" / part) for p in (tree / "toolproof" / part).rglob("*.py")}
        assert here and here == there


def test_import_contracts_hold(tree: Path) -> None:
    res = lint_imports(tree)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "5 kept, 0 broken" in res.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a lower layer importing a higher one, even inside a function
        ("validator/engine.py", "def _x():\n    from toolproof.trainer.models import load\n", "toolproof.validator is not allowed to import toolproof.trainer"),
        ("trainer/tokens.py", "from toolproof.evaluator import run\n", "toolproof.trainer is not allowed to import toolproof.evaluator"),
        ("evaluator/score.py", "def _x():\n    import toolproof.compare\n", "toolproof.evaluator is not allowed to import toolproof.compare"),
        # the toolproof package itself belongs to the top layer
        ("validator/findings.py", "def _x():\n    from toolproof import __version__\n", "toolproof.validator.findings is not allowed to import toolproof"),
        # commands share helpers through toolproof.commands._common, never through the CLI that loads them
        ("commands/lint.py", "def _x():\n    from toolproof.cli import main\n", "toolproof.commands is not allowed to import toolproof.cli"),
        # inside the validator: a rule or a call syntax never reaches an executor; a call syntax never a rule
        ("validator/rules/arguments.py", "def _x():\n    from toolproof.validator import engine\n", "toolproof.validator.rules is not allowed to import toolproof.validator.engine"),
        ("validator/callsyntax/base.py", "def _x():\n    import toolproof.validator.rules\n", "toolproof.validator.callsyntax.base -> toolproof.validator.rules"),
    ],
)
def test_a_wrong_arrow_breaks_the_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    tree = installed_layout(tmp_path)
    with (tree / "toolproof" / module).open("a", encoding="utf-8") as f:
        f.write("\n\n" + line)
    res = lint_imports(tree)
    assert res.returncode == 1
    assert broken in res.stdout


def import_graph(tree: Path) -> dict[str, set[str]]:
    """Module -> the toolproof modules it imports (anywhere in the file), from grimp."""
    code = (
        "import json, grimp; g = grimp.build_graph('toolproof', cache_dir=None); "
        "print(json.dumps({m: sorted(g.find_modules_directly_imported_by(m)) for m in g.modules}))"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, timeout=120, check=True)
    graph: dict[str, list[str]] = json.loads(res.stdout)
    return {m: {d for d in deps if d in graph} for m, deps in graph.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_file_level_import_cycles(tree: Path) -> None:
    graph = import_graph(tree)
    assert "toolproof.validator.cleaner" in graph and "toolproof.trainer.rules" in graph
    assert cycles(graph) == []


def test_a_new_cycle_is_found(tmp_path: Path) -> None:
    tree = installed_layout(tmp_path)
    with (tree / "toolproof" / "validator" / "findings.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef _x():\n    from toolproof.validator import engine\n")
    found = cycles(import_graph(tree))
    assert any("toolproof.validator.findings" in c and "toolproof.validator.engine" in c for c in found)


def _modules(tree: Path) -> set[str]:
    out = set()
    for py in (tree / "toolproof").rglob("*.py"):
        parts = py.relative_to(tree).with_suffix("").parts
        out.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def unresolved_imports(tree: Path) -> list[str]:
    """``file: module`` for each ``import toolproof.x`` / ``from toolproof.x import ...`` (anywhere in a
    file) naming a module that does not exist (import-linter skips those silently)."""
    import ast

    modules = _modules(tree)
    bad = []
    for py in sorted((tree / "toolproof").rglob("*.py")):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            bad += [f"{py.relative_to(tree)}: {n}" for n in names if n.split(".")[0] == "toolproof" and n not in modules]
    return bad


def test_every_internal_import_names_a_module_that_exists(tree: Path, tmp_path: Path) -> None:
    assert unresolved_imports(tree) == []
    stale = installed_layout(tmp_path)
    with (stale / "toolproof" / "commands" / "lint.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef _x():\n    from toolproof.validator.rules.template import load_model_error\n")
    assert unresolved_imports(stale) == ["toolproof/commands/lint.py: toolproof.validator.rules.template"]
