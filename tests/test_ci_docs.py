"""CI and docs (issue 34): the GitHub Actions workflow and pre-commit snippets of docs/CI.md and the
README are valid and their `toolproof` commands run; `--format github` never writes line 0; a LICENSE
file holds the Apache-2.0 text pyproject names."""

from __future__ import annotations

import glob
import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolproof.cli import main

ROOT = Path(__file__).resolve().parents[1]
CI_MD = ROOT / "docs" / "CI.md"


def _yaml_blocks(path: Path) -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)]


def _workflow() -> dict[Any, Any]:
    (wf,) = [b for b in _yaml_blocks(CI_MD) if isinstance(b, dict) and "jobs" in b]
    return wf


def _call(i: int) -> dict[str, Any]:
    return {"id": f"c{i}", "messages": [
        {"role": "user", "content": f"Weather in city {i}?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": f"city {i}"}}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "sunny"},
        {"role": "assistant", "content": "Sunny."}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}


def _mix_dataset(path: Path) -> Path:
    """25 training records, every one a call and none a decline: TP701 (a whole-file finding, line 0)."""
    path.write_text("".join(json.dumps(_call(i)) + "\n" for i in range(25)))
    return path


def test_github_format_puts_whole_file_findings_on_the_file_not_line_0(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    p = _mix_dataset(tmp_path / "d.jsonl")
    main(["lint", str(p), "--format", "github", "--select", "TP7"])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("::")]
    assert any("TP701" in ln for ln in lines), lines
    assert all("line=0" not in ln for ln in lines), lines
    whole = [ln for ln in lines if "TP701" in ln]
    assert all(ln.startswith(("::warning file=", "::error file=", "::notice file=")) and ",title=" in ln for ln in whole)


def test_workflow_lints_to_sarif_and_uploads_it() -> None:
    wf = _workflow()
    assert wf["permissions"]["security-events"] == "write"
    steps = wf["jobs"]["lint"]["steps"]
    upload = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert len(upload) == 1 and upload[0]["if"] == "always()"
    sarif_runs = [s["run"] for s in steps if "--format sarif" in s.get("run", "")]
    assert len(sarif_runs) == 1 and f"-o {upload[0]['with']['sarif_file']}" in sarif_runs[0]
    pc = wf["jobs"]["pre-commit"]["steps"]
    assert any(str(s.get("uses", "")).startswith("pre-commit/action@") for s in pc)


def _toolproof_commands(wf: dict[Any, Any]) -> list[str]:
    return [s["run"] for job in wf["jobs"].values() for s in job["steps"]
            if str(s.get("run", "")).startswith("toolproof ")]


def test_workflow_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    _mix_dataset(tmp_path / "data" / "train.jsonl")
    (tmp_path / "data" / "broken.jsonl").write_text(json.dumps({"id": "b", "messages": [{"role": "user", "content": "x"}]}) + "\n")
    cmds = _toolproof_commands(_workflow())
    assert len(cmds) == 2
    for cmd in cmds:
        argv = [a for part in shlex.split(cmd)[1:] for a in (sorted(glob.glob(part)) if "*" in part else [part])]
        assert main(argv) == 1, cmd  # the broken record is an error: the job fails, as documented
    sarif = json.loads((tmp_path / "toolproof.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert "::error file=data/broken.jsonl,line=1," in capsys.readouterr().out


def test_pre_commit_snippets_name_real_hooks_and_no_unexplained_placeholder() -> None:
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<org>" not in readme
    snippets = [b for b in _yaml_blocks(CI_MD) if isinstance(b, dict) and "repos" in b]
    readme_block = yaml.safe_load(re.search(r"### pre-commit and CI\n\n```yaml\n(.*?)```", readme, flags=re.S).group(1))
    tags = subprocess.run(["git", "-C", str(ROOT), "tag"], capture_output=True, text=True).stdout.split()
    for repo in [*readme_block, *(r for b in snippets for r in b["repos"])]:
        assert {h["id"] for h in repo["hooks"]} <= hooks
        if repo["repo"] != "local":
            # a rev is a tag that exists or REV, explained on the page as a commit sha to pin
            assert repo["rev"] in tags or repo["rev"] == "REV", repo
    assert "full commit sha" in readme and "full commit sha" in CI_MD.read_text()
    assert "OWNER" in readme and "OWNER" in CI_MD.read_text() and "the account" in readme


def test_license_file_is_apache_2() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "Apache-2.0" in (ROOT / "pyproject.toml").read_text()
