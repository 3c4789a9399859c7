"""`toolproof lint`, `toolproof rules`, `toolproof rule`: formats, exit codes, config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main

GOOD = {"id": "g1", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
BOM = b"\xef\xbb\xbf"


def dataset(tmp_path: Path, name: str = "d.jsonl", bom: bool = True, bad: bool = True) -> Path:
    lines = [json.dumps(GOOD), "{not json" if bad else json.dumps(GOOD), json.dumps({**GOOD, "id": "g3"})]
    p = tmp_path / name
    p.write_bytes((BOM if bom else b"") + ("\n".join(lines) + "\n").encode())
    return p


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


SEL = "TP001,TP010"


def test_json_format_exact_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = dataset(tmp_path)
    code, out, _ = run(capsys, "lint", str(p), "--format", "json", "--select", SEL)
    assert code == 1
    rep: dict[str, Any] = json.loads(out)
    assert list(rep) == ["version", "files", "findings", "summary", "errors"]
    assert rep["version"] == 1
    # records per dialect: two canonical, one that did not parse
    assert rep["files"] == [{"path": str(p), "records": 3, "dialects": {"canonical": 2, "unread": 1}}]
    assert rep["findings"] == [
        {"file": str(p), "line": 1, "record": 0, "id": "g1", "code": "TP010", "name": "byte-order-mark", "severity": "warning",
         "path": "$", "message": "file starts with a UTF-8 byte-order mark", "fix": "safe"},
        {"file": str(p), "line": 2, "record": 1, "id": None, "code": "TP001", "name": "invalid-json", "severity": "error",
         "path": "$", "message": rep["findings"][1]["message"], "fix": "none"},
    ]
    assert rep["findings"][1]["message"].startswith("invalid JSON:")
    assert rep["summary"] == {"records": 3, "records_with_errors": 1, "errors": 1, "warnings": 1, "by_code": {"TP001": 1, "TP010": 1}}


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "lint", str(dataset(tmp_path, "a.jsonl", bom=False, bad=False)), "--select", SEL)[0] == 0
    assert run(capsys, "lint", str(dataset(tmp_path, "b.jsonl", bom=True, bad=False)), "--select", SEL)[0] == 0  # warning only
    assert run(capsys, "lint", str(dataset(tmp_path, "c.jsonl")), "--select", SEL)[0] == 1
    code, _, err = run(capsys, "lint", str(tmp_path / "a.jsonl"), "--select", "TP77")
    assert code == 2 and "TP77" in err
    code, _, err = run(capsys, "lint", str(tmp_path / "a.jsonl"), "--input-format", "yaml")
    assert code == 2 and "yaml" in err
    code, _, err = run(capsys, "lint", str(tmp_path / "a.jsonl"), "--jobs", "0")
    assert code == 2


def test_text_format_grouped_with_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = dataset(tmp_path)
    q = dataset(tmp_path, "e.jsonl", bom=False)
    code, out, _ = run(capsys, "lint", str(p), str(q), "--select", SEL)
    assert code == 1
    lines = out.splitlines()
    assert f"{p}:1  TP010 byte-order-mark  file starts with a UTF-8 byte-order mark [*]" in lines
    assert any(line.startswith(f"{p}:2  TP001 invalid-json  invalid JSON:") for line in lines)
    assert any(line.startswith(f"{q}:2  TP001 invalid-json") for line in lines)
    assert lines.index(next(x for x in lines if x.startswith(f"{q}:"))) > lines.index(next(x for x in lines if x.startswith(f"{p}:2")))
    assert any(line.split()[:4] == ["TP001", "invalid-json", "error", "2"] for line in lines)  # summary table row
    assert "Found 2 error(s) and 1 warning(s); 2 of 6 record(s) have errors; 2 file(s) checked." in out
    assert "\x1b[" not in out  # not a TTY: no colour codes


def test_text_format_on_clean_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", str(dataset(tmp_path, bom=False, bad=False)), "--select", SEL)
    assert code == 0 and "All checks passed: 3 record(s) in 1 file(s)." in out


def test_github_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "x,y.jsonl"
    p.write_bytes(BOM + b'{"messages": []}\n{"a":\n')
    code, out, _ = run(capsys, "lint", str(p), "--format", "github", "--select", SEL)
    assert code == 1
    lines = out.splitlines()
    esc = str(p).replace(",", "%2C")
    assert lines[0] == f"::warning file={esc},line=1,title=TP010 byte-order-mark::file starts with a UTF-8 byte-order mark"
    assert lines[1].startswith(f"::error file={esc},line=2,title=TP001 invalid-json::invalid JSON: truncated")


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "report.json"
    code, out, err = run(capsys, "lint", str(dataset(tmp_path)), "--format", "json", "--output", str(out_file), "--select", SEL)
    assert code == 1 and out == ""
    assert json.loads(out_file.read_text())["summary"]["errors"] == 1
    assert str(out_file) in err


def test_config_from_nearest_pyproject(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    proj = tmp_path / "proj"
    sub = proj / "data" / "deep"
    sub.mkdir(parents=True)
    (proj / "pyproject.toml").write_text('[tool.toolproof]\nselect = ["TP001", "TP010"]\nseverity = {"byte-order-mark" = "error"}\n')
    p = dataset(sub, bad=False)
    monkeypatch.chdir(sub)
    code, out, _ = run(capsys, "lint", str(p), "--format", "json")
    rep = json.loads(out)
    assert code == 1 and rep["findings"][0]["severity"] == "error"
    # per-file-ignores relative to the config's folder
    (proj / "pyproject.toml").write_text('[tool.toolproof]\nselect = ["TP0"]\nper-file-ignores = {"data/**/*.jsonl" = ["TP010"]}\n')
    code, out, _ = run(capsys, "lint", str(p), "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []
    # --config points elsewhere
    other = tmp_path / "other.toml"
    other.write_text('[tool.toolproof]\nselect = ["TP0"]\nignore = ["invalid-json"]\n')
    code, out, _ = run(capsys, "lint", str(dataset(sub, "bad.jsonl")), "--format", "json", "--config", str(other))
    assert code == 0 and [f["code"] for f in json.loads(out)["findings"]] == ["TP010"]


def test_bad_config_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text('[tool.toolproof]\nselect = ["TP001"]\nseverity = {"TP001" = "fatal"}\n')
    code, _, err = run(capsys, "lint", str(dataset(tmp_path)), "--config", str(cfg))
    assert code == 2 and str(cfg) in err and "fatal" in err
    cfg.write_text('[tool.toolproof]\nignore = ["no-such-rule"]\n')
    code, _, err = run(capsys, "lint", str(dataset(tmp_path)), "--config", str(cfg))
    assert code == 2 and "no-such-rule" in err and str(cfg) in err
    cfg.write_text("[tool.toolproof\n")
    code, _, err = run(capsys, "lint", str(dataset(tmp_path)), "--config", str(cfg))
    assert code == 2 and "invalid TOML" in err


def test_jobs_flag_same_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "many.jsonl"
    p.write_text("\n".join(json.dumps({**GOOD, "id": i}) if i % 13 else "{x" for i in range(2000)) + "\n")
    _, one, _ = run(capsys, "lint", str(p), "--format", "json")
    _, two, _ = run(capsys, "lint", str(p), "--format", "json", "--jobs", "2")
    assert one == two and json.loads(one)["summary"]["by_code"]["TP001"] == 154


def test_rules_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["code", "name", "severity", "fix", "summary"]
    assert any(line.split()[:4] == ["TP001", "invalid-json", "error", "none"] for line in lines)
    assert any(line.split()[:4] == ["TP010", "byte-order-mark", "warning", "safe"] for line in lines)
    code, out, _ = run(capsys, "rules", "--format", "json")
    rules = json.loads(out)
    codes = [r["code"] for r in rules]
    assert codes == sorted(codes) and {"TP001", "TP010"} <= set(codes)
    assert set(rules[0]) >= {"code", "name", "severity", "fix", "summary"}


def test_rule_docs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rule", "TP001")
    assert code == 0 and out.startswith("# TP001 invalid-json") and "## Why is this bad?" in out
    code, out2, _ = run(capsys, "rule", "invalid-json")
    assert out2 == out
    code, out, _ = run(capsys, "rule", "tp010", "--format", "json")
    assert json.loads(out)["name"] == "byte-order-mark"
    code, _, err = run(capsys, "rule", "invalid-jsn")
    assert code == 2 and "did you mean invalid-json" in err


def test_lint_does_not_import_the_training_stack(tmp_path: Path) -> None:
    import subprocess
    import sys

    p = dataset(tmp_path)
    code = (
        "import sys\nfrom toolproof.cli import main\n"
        f"rc = main(['lint', {str(p)!r}, '--format', 'json', '--output', {str(tmp_path / 'r.json')!r}])\n"
        "heavy = [m for m in ('torch', 'transformers', 'datasets', 'trl', 'peft') if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.stdout.strip().splitlines()[-1] == "1 []", res.stdout + res.stderr
