"""The wheel installs one import name, ``toolproof``, and works beside packages named like its parts.

PyPI has packages called ``trainer``, ``validator`` and ``schemas``; toolproof's parts install as
``toolproof.trainer`` etc., so installing one of those next to toolproof must not break it. The
wheel is built offline from a copy of the sources, installed with ``pip --target`` into a folder
that also holds impostor top-level packages, and run from a scratch venv outside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
IMPOSTORS = ("trainer", "validator", "evaluator", "schemas")


def _run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)  # type: ignore[call-overload,no-any-return]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the sources (the build writes build/ and *.egg-info beside them)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in sorted(set(PACKAGE_DIR.values())):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    res = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)])
    assert res.returncode == 0, res.stdout + res.stderr
    (whl,) = out.glob("toolproof-*.whl")
    return whl


def test_the_wheel_holds_only_the_toolproof_package_and_every_module(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    version = wheel.name.split("-")[1]
    assert tops == {"toolproof", f"toolproof-{version}.dist-info"}
    for package, folder in PACKAGE_DIR.items():
        for py in (ROOT / folder).rglob("*.py"):  # every module, subpackages included (a package left out
            if "__pycache__" in py.parts:  # of pyproject's list would be missing from the wheel)
                continue
            assert f"{package.replace('.', '/')}/{py.relative_to(ROOT / folder).as_posix()}" in names, py
    assert "toolproof/trainer/templates/chatml_tools.jinja" in names
    assert "toolproof/schemas/record.schema.json" in names
    meta = zipfile.ZipFile(wheel).read(f"toolproof-{version}.dist-info/METADATA").decode()
    assert f"Version: {version}" in meta


def test_installed_toolproof_works_beside_packages_named_like_its_parts(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    res = _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)])
    assert res.returncode == 0, res.stdout + res.stderr
    for name in IMPOSTORS:  # e.g. `pip install trainer` (Coqui TTS) beside toolproof
        (target / name).mkdir()
        (target / name / "__init__.py").write_text(f"raise ImportError('impostor {name}: not toolproof')\n")
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)]).returncode == 0
    python = str(venv / "bin" / "python")
    # The scratch venv sees the installed folder first, then this environment's third-party libraries
    # (pydantic, orjson, rich, ...) as plain path entries: no editable-install hooks from this checkout.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])}
    work = tmp_path / "work"
    work.mkdir()
    ok = {"id": "a", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    bad = {"id": "b", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": 3}]}
    (work / "ok.jsonl").write_text(json.dumps(ok) + "\n", encoding="utf-8")
    (work / "bad.jsonl").write_text(json.dumps(ok) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")

    where = _run(
        [python, "-c", "import toolproof, toolproof.validator, toolproof.trainer, toolproof.evaluator; "
         "print(toolproof.__file__); print(toolproof.validator.__file__); print(toolproof.__version__)"],
        cwd=work, env=env,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    lines = where.stdout.splitlines()
    assert lines[0] == str(target / "toolproof" / "__init__.py")
    assert lines[1] == str(target / "toolproof" / "validator" / "__init__.py")
    assert lines[2] == wheel.name.split("-")[1]
    impostor = _run([python, "-c", "import trainer"], cwd=work, env=env)
    assert "impostor trainer" in impostor.stderr  # the impostor is there, and importable by its own name

    version = _run([python, "-m", "toolproof", "--version"], cwd=work, env=env)
    assert version.returncode == 0 and version.stdout.startswith("toolproof "), version.stderr
    clean = _run([python, "-m", "toolproof", "lint", "ok.jsonl"], cwd=work, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    dirty = _run([python, "-m", "toolproof", "lint", "bad.jsonl", "--format", "json"], cwd=work, env=env)
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    report = json.loads(dirty.stdout)
    assert {(f["line"], f["code"]) for f in report["findings"]} and all(f["line"] == 2 for f in report["findings"])
    rules = _run([python, "-m", "toolproof", "rules"], cwd=work, env=env)
    assert rules.returncode == 0 and "TP601" in rules.stdout  # the trainer's rules register from the wheel too
