"""SARIF 2.1.0 output, validated against the official OASIS schema shipped in schemas/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from toolproof.cli import main

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "sarif-2.1.0.json"
DIRTY = [
    {"id": "a", "messages": [{"role": "user", "content": "weather?"},
                             {"role": "assistant", "content": "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"}],
     "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]},
    {"id": "b", "messages": [{"role": "user", "content": "hi"}]},
]


def sarif_for(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any], Path]:
    d = tmp_path / "data"
    d.mkdir()
    p = d / "train set.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + "\n".join([json.dumps(DIRTY[0]), "{broken", json.dumps(DIRTY[1])]).encode() + b"\n")
    monkeypatch.chdir(tmp_path)
    code = main(["lint", "data/train set.jsonl", "--format", "sarif"])
    out = capsys.readouterr().out
    return code, json.loads(out), p


def test_sarif_validates_against_the_official_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, log, _ = sarif_for(tmp_path, capsys, monkeypatch)
    assert code == 1
    schema = json.loads(SCHEMA.read_text())
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    # the schema is strict: an invalid log does fail
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(cls(schema).iter_errors(broken))


def test_sarif_rules_and_results(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, log, _ = sarif_for(tmp_path, capsys, monkeypatch)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert run["tool"]["driver"]["name"] == "toolproof"
    assert {"TP001", "TP010", "TP105", "TP006"} <= set(ids)
    tp001 = rules[ids.index("TP001")]
    assert tp001["name"] == "invalid-json"
    assert tp001["shortDescription"]["text"].startswith("A record")
    assert "## Why is this bad?" in tp001["help"]["markdown"]
    assert tp001["defaultConfiguration"]["level"] == "error"
    results = run["results"]
    got = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert {("TP010", 1), ("TP001", 2), ("TP105", 1), ("TP006", 3)} <= got
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uri"] == "data/train%20set.jsonl" and art["uriBaseId"] == "%SRCROOT%"
        assert r["level"] in ("error", "warning")
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith(f"record[{r['properties']['record']}]")
    tp105 = next(r for r in results if r["ruleId"] == "TP105")
    assert tp105["properties"]["jsonPath"] == "$.messages[1].content"
    assert tp105["properties"]["recordId"] == "a"
    assert tp105["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "record[0].messages[1].content"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
