"""Per-record suppression (``"_toolproof": {"ignore": [...]}``) and ``lint --baseline FILE`` (issue 34):
accepted findings are neither reported nor counted; everything else still is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.api import lint

GOOD = {"id": "g", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def no_answer(rid: str | None, text: str = "hello?", **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"messages": [{"role": "user", "content": text}], **extra}
    if rid is not None:
        rec["id"] = rid
    return rec


def _codes(result: Any) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in result.findings]


def test_inline_ignore_drops_that_records_findings_only() -> None:
    recs = [GOOD, no_answer("a", _toolproof={"ignore": ["TP006"]}), no_answer("b", "other")]
    assert _codes(lint(recs, select=["TP006"])) == [(3, "TP006")]
    assert _codes(lint([no_answer("a", _toolproof={"ignore": "no-assistant-turn"})], select=["TP0"])) == []  # by name
    assert _codes(lint([no_answer("a", _toolproof={"ignore": ["TP0"]})], select=["TP006"])) == []  # by prefix
    assert _codes(lint([no_answer("a", _toolproof={"ignore": ["TP3"]})], select=["TP006"])) == [(1, "TP006")]
    assert _codes(lint([no_answer("a", _toolproof={"ignore": 7})], select=["TP006"])) == [(1, "TP006")]  # not a list


def test_inline_ignore_reaches_dataset_rules(tmp_path: Path) -> None:
    dup = {**GOOD, "id": "g2"}
    both = lint([GOOD, dup], select=["TP5"])
    assert [c for _l, c in _codes(both)] and all(line == 2 for line, _c in _codes(both))
    quiet = lint([GOOD, {**dup, "_toolproof": {"ignore": ["TP5"]}}], select=["TP5"])
    assert _codes(quiet) == []
    p = tmp_path / "d.jsonl"  # the same through worker processes (record indexes shifted per byte range)
    n = 1500  # > 64 kB: the workers read two or more byte ranges, so record indexes are shifted
    p.write_text("".join(json.dumps({**GOOD, "id": f"g{i}"}) + "\n" for i in range(n))
                 + json.dumps({**GOOD, "id": "x", "_toolproof": {"ignore": ["TP5"]}}) + "\n")
    assert p.stat().st_size > 1 << 17
    one, two = lint(p, select=["TP5"]), lint(p, select=["TP5"], jobs=2)
    lines = {line for line, _c in _codes(one)}
    assert _codes(one) == _codes(two) and n + 1 not in lines and n in lines


def test_inline_field_is_no_finding_itself() -> None:
    assert _codes(lint([{**GOOD, "_toolproof": {"ignore": ["TP703"]}}])) == []


def _write(p: Path, recs: list[dict[str, Any]]) -> Path:
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return p


def _lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["lint", "--format", "json", "--select", "TP006", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def test_baseline_accepts_todays_findings_and_fails_on_new_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "d.jsonl", [GOOD, no_answer("a"), no_answer(None, "no id here")])
    base = tmp_path / "baseline.json"
    code, rep, err = _lint(capsys, str(data), "--baseline", str(base), "--write-baseline")
    assert code == 0 and len(rep["findings"]) == 2 and "2 finding(s) accepted" in err
    assert json.loads(base.read_text())["toolproof_baseline"] == 1
    code, rep, err = _lint(capsys, str(data), "--baseline", str(base))
    assert code == 0 and rep["findings"] == [] and "2 finding(s) accepted by the baseline" in err
    # records move (a new first line) and a new broken record arrives: only it is reported
    _write(data, [GOOD, {**GOOD, "id": "g0"}, no_answer(None, "no id here"), no_answer("a"), no_answer("new")])
    code, rep, _err = _lint(capsys, str(data), "--baseline", str(base))
    assert code == 1 and [(f["line"], f["id"]) for f in rep["findings"]] == [(5, "new")]
    assert rep["summary"]["errors"] == 1


def test_baseline_counts_each_accepted_finding_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "d.jsonl", [no_answer("a")])
    base = tmp_path / "b.json"
    assert _lint(capsys, str(data), "--baseline", str(base), "--write-baseline")[0] == 0
    _write(data, [no_answer("a"), no_answer("a")])  # the same finding twice: one is new
    code, rep, _ = _lint(capsys, str(data), "--baseline", str(base))
    assert code == 1 and [f["line"] for f in rep["findings"]] == [2]


def test_baseline_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "d.jsonl", [GOOD])
    assert main(["lint", str(data), "--write-baseline"]) == 2
    assert main(["lint", str(data), "--baseline", str(tmp_path / "none.json")]) == 2
    assert "no such baseline file" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{}")
    assert main(["lint", str(data), "--baseline", str(tmp_path / "bad.json")]) == 2
    assert "not a toolproof baseline" in capsys.readouterr().err
    assert main(["lint", str(data), "--baseline", str(data), "--write-baseline"]) == 2  # never over an input
