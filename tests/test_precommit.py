"""The `toolproof-lint` pre-commit hook, run by the real pre-commit in a throwaway repo.

Offline: the hook from .pre-commit-hooks.yaml is used as a `repo: local` hook with
`language: system` and this virtualenv's `toolproof-lint-hook` as entry (a `repo: <path>`
hook would make pre-commit pip-install the package, which needs the network).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"
GOOD = {"id": "a", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
DIRTY = {"id": "b", "messages": [{"role": "user", "content": "hi"}]}  # no assistant turn: TP006


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    assert PRE_COMMIT.exists(), "pre-commit is a dev dependency"
    assert shutil.which("git")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pc-home"),
        HOME=str(tmp_path),
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    r = tmp_path / "repo"
    r.mkdir()
    assert git(r, "init", "-q", env=env).returncode == 0
    (hook,) = [h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "toolproof-lint"]
    assert hook["entry"] == "toolproof-lint-hook" and hook["language"] == "python"
    local = {**hook, "entry": str(BIN / hook["entry"]), "language": "system"}
    (r / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    inst = subprocess.run([str(PRE_COMMIT), "install"], cwd=r, env=env, capture_output=True, text=True, timeout=300)
    assert inst.returncode == 0, inst.stderr
    (r / "README.txt").write_text("not a dataset\n")
    assert git(r, "add", ".", env=env).returncode == 0
    first = git(r, "commit", "-q", "-m", "init", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    return r, env


def test_dirty_file_fails_the_commit_and_names_file_and_line(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    (r / "train.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps(DIRTY) + "\n")
    git(r, "add", "train.jsonl", env=env)
    res = git(r, "commit", "-m", "add data", env=env)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "toolproof lint" in out and "Failed" in out
    assert "train.jsonl:2  TP006 no-assistant-turn" in out
    assert "add data" not in git(r, "log", "--oneline", env=env).stdout


def test_clean_file_passes(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    (r / "train.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "id": "c", "messages": GOOD["messages"][:1] + [{"role": "assistant", "content": "hey"}]}) + "\n")
    (r / "notes.md").write_text("{not json — and not matched by the hook}\n")
    git(r, "add", ".", env=env)
    res = git(r, "commit", "-m", "add clean data", env=env)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "toolproof lint" in out and "Passed" in out
    assert "add clean data" in git(r, "log", "--oneline", env=env).stdout


def test_package_json_and_editor_settings_are_not_linted(repo: tuple[Path, dict[str, str]]) -> None:
    """The hook's default `files:` takes JSON Lines only: other JSON files are not datasets."""
    r, env = repo
    (r / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0"}) + "\n")
    (r / ".vscode").mkdir()
    (r / ".vscode" / "settings.json").write_text('{\n  "editor.tabSize": 2\n}\n')
    git(r, "add", ".", env=env)
    res = git(r, "commit", "-m", "add json config", env=env)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "TP003" not in out and "Failed" not in out


def test_each_hook_run_names_the_files_its_summary_covers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """pre-commit runs the hook once per batch of files; each run's summary says which files it checked."""
    from toolproof.cli import lint_hook

    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    a.write_text(json.dumps(GOOD) + "\n")
    b.write_text(json.dumps(DIRTY) + "\n")
    c.write_text(json.dumps({**GOOD, "id": "z"}) + "\n")
    assert lint_hook([str(a), str(b)]) == 1
    first = capsys.readouterr().out
    assert lint_hook([str(c)]) == 0
    second = capsys.readouterr().out
    last1, last2 = first.strip().splitlines()[-1], second.strip().splitlines()[-1]
    assert str(a) in last1 and str(b) in last1 and str(c) not in last1 and "1 error" in last1
    assert str(c) in last2 and str(a) not in last2 and "All checks passed" in last2
