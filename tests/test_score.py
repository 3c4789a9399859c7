"""`toolproof score` through the CLI, and score_predictions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.evaluator.score import score_predictions

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "w", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "number"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "description": "t", "parameters": {
        "type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}}]


def _rec(rid: str, cat: str, expected: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": rid, "category": cat, "messages": [{"role": "user", "content": "q"}], "tools": TOOLS,
            "expected_calls": expected}


RECORDS = [
    _rec("a", "simple", [{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}]),
    _rec("b", "simple", [{"name": "get_time", "arguments": {"tz": "UTC"}}]),
    _rec("c", "parallel", [{"name": "get_time", "arguments": {"tz": "UTC"}},
                           {"name": "get_weather", "arguments": {"city": "Rome"}}]),
    _rec("d", "irrelevance", []),
    _rec("e", "simple", [{"name": "get_time", "arguments": {"tz": "CET"}}]),
]
PREDS = [
    {"id": "a", "output": '```json\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3.0}}\n```'},
    {"id": "b", "output": '<tool_call>\n{"name": "get_time", "arguments": {"tz": "GMT"}}\n</tool_call>'},
    {"id": "c", "calls": [{"name": "get_weather", "arguments": {"city": "Rome"}},
                          {"name": "get_time", "arguments": {"tz": "UTC"}}]},
    {"id": "d", "output": "I can't check that."},
    {"id": "zzz", "output": "stray"},
]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_score_predictions_library() -> None:
    s = score_predictions(PREDS, RECORDS)
    assert (s.n, s.correct) == (5, 3)
    assert s.accuracy == pytest.approx(0.6)
    assert s.per_category["simple"] == {"n": 3, "correct": 1, "accuracy": pytest.approx(1 / 3)}
    assert s.per_category["parallel"]["correct"] == 1 and s.per_category["irrelevance"]["correct"] == 1
    assert s.errors == {"missing_prediction": 1, "value_error": 1}
    assert s.missing == ["e"] and s.unknown == ["zzz"]
    assert s.parsers["fenced"] == {"outputs": 1, "correct": 1}
    assert s.parsers["hermes"] == {"outputs": 1, "correct": 0}
    assert s.parsers["given"]["outputs"] == 1
    # tags-only would miss the fenced answer; calls-given examples are not re-extracted
    assert s.hermes_only_accuracy == pytest.approx(1 / 5)
    # strict (serving parser): only the plain-text irrelevance answer is right; "given" calls are not re-read
    assert s.strict_accuracy == pytest.approx(1 / 5) and s.strict_correct == 1
    assert [e.strict_correct for e in s.examples] == [False, False, None, True, None]


def test_score_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "test.jsonl", RECORDS)
    preds = _write(tmp_path / "preds.jsonl", PREDS)
    out = tmp_path / "verdicts.jsonl"
    assert main(["score", str(preds), "--data", str(data), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "accuracy: 60.0% (3/5)" in text
    assert "missing predictions (counted wrong): 1: e" in text
    assert "value_error" in text and "fenced" in text
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d", "e"]
    assert set(rows[0]) >= {"id", "correct", "error_type", "calls", "parser"}
    assert rows[0]["parser"] == "fenced" and rows[0]["correct"] is True
    assert rows[1]["error_type"] == "value_error"
    assert rows[4]["correct"] is False and rows[4]["error_type"] == "missing_prediction"


def test_score_cli_named_parser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "test.jsonl", RECORDS)
    preds = _write(tmp_path / "preds.jsonl", PREDS)
    assert main(["score", str(preds), "--data", str(data), "--parser", "hermes", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["correct"] == 2  # the fenced answer is no longer read
    assert s["errors"]["no_call"] == 1


@pytest.mark.parametrize(
    "content,needle",
    [
        ('{"id": "a", "output": "x"}\n{"id": "b", "output": \n', "preds.jsonl:2: invalid JSON"),
        ('{"output": "x"}\n', "preds.jsonl:1: field 'id' is missing"),
        ('{"id": "a"}\n', "preds.jsonl:1: needs field 'output'"),
        ('{"id": "a", "output": 5}\n', "preds.jsonl:1: field 'output' must be a string"),
        ('[1, 2]\n', "preds.jsonl: item 0"),
    ],
)
def test_score_cli_bad_predictions(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, needle: str) -> None:
    data = _write(tmp_path / "test.jsonl", RECORDS)
    (tmp_path / "preds.jsonl").write_text(content)
    assert main(["score", str(tmp_path / "preds.jsonl"), "--data", str(data)]) == 2
    assert needle in capsys.readouterr().err


def test_score_cli_bad_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    preds = _write(tmp_path / "preds.jsonl", PREDS)
    bad = tmp_path / "test.jsonl"
    bad.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps({"id": "x", "messages": []}) + "\n")
    assert main(["score", str(preds), "--data", str(bad)]) == 2
    assert "test.jsonl:2: field 'expected_calls'" in capsys.readouterr().err
    assert main(["score", str(preds), "--data", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
