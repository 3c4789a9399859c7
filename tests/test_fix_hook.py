"""The `toolproof-fix` pre-commit hook, run by the real pre-commit in a temporary git repo (offline)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from test_clean_invariants import GOOD, asst, call, rec, user

from toolproof.cli import fix_hook

VENV_BIN = Path(sys.executable).parent
REPO_ROOT = Path(__file__).resolve().parents[1]


def _git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def test_fix_hook_entry_point(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "d.jsonl"
    # a canonical file (its calls carry argument objects) with one string-argument record: a defect to fix
    bad = rec("f", [user("q"), asst(None, [call("get_weather", '{"city": "P"}')])])
    p.write_text(json.dumps(GOOD) + "\n" + json.dumps(bad) + "\n")
    assert fix_hook([str(p)]) == 1
    assert f"Fixing {p}" in capsys.readouterr().out
    assert fix_hook([str(p)]) == 0


def test_fix_leaves_an_openai_file_as_it_is(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # every call's arguments are JSON text: OpenAI's fine-tuning format, not a defect to rewrite
    p = tmp_path / "d.jsonl"
    text = json.dumps(rec("f", [user("q"), asst(None, [call("get_weather", '{"city": "P"}')])])) + "\n"
    p.write_text(text)
    assert fix_hook([str(p)]) == 0
    assert "read as openai 1" in capsys.readouterr().out and p.read_text() == text


def test_hooks_are_declared_for_jsonl_only() -> None:
    """A pattern that also takes .json would lint package.json and editor settings as datasets."""
    import re

    hooks = {h["id"]: h for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    h = hooks["toolproof-fix"]
    assert h["entry"] == "toolproof-fix-hook" and h["language"] == "python"
    for h in hooks.values():
        assert h["files"] == r"\.jsonl$"
        assert re.search(h["files"], "data/train.jsonl")
        assert not re.search(h["files"], "package.json") and not re.search(h["files"], ".vscode/settings.json")


def test_pre_commit_rewrites_a_fixable_file_fails_once_then_passes(tmp_path: Path) -> None:
    pre_commit = VENV_BIN / "pre-commit"
    entry = VENV_BIN / "toolproof-fix-hook"
    assert pre_commit.exists() and entry.exists() and shutil.which("git")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(tmp_path),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    assert _git(repo, "init", "-q", env=env).returncode == 0
    config = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": "toolproof-fix",
                        "name": "toolproof fix",
                        "entry": str(entry),
                        "language": "system",
                        "files": r"\.(jsonl|json)$",
                    }
                ],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    data = repo / "train.jsonl"
    fixable = rec("f", [user("q"), asst(None, [call("get_weather", '{"city": "P"}')])])
    data.write_text(json.dumps(GOOD) + "\n" + json.dumps(fixable) + "\n")
    original = data.read_text()
    (repo / "notes.txt").write_text("not a dataset\n")
    install = subprocess.run([str(pre_commit), "install"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    _git(repo, "add", ".", env=env)
    first = _git(repo, "commit", "-m", "add data", env=env)
    assert first.returncode != 0, first.stdout + first.stderr
    assert "Fixing train.jsonl" in first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout + first.stderr
    fixed = data.read_text()
    assert fixed != original
    lines = fixed.splitlines()
    assert lines[0] == json.dumps(GOOD)  # the clean line keeps its bytes
    assert json.loads(lines[1])["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "P"}
    _git(repo, "add", ".", env=env)
    second = _git(repo, "commit", "-m", "add data", env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _git(repo, "log", "--oneline", env=env).stdout.count("\n") == 1
