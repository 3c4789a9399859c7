"""BFCL import: records, type mapping, name mapping, expected calls, CLI, and lint cleanliness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.evaluator.bfcl import CATEGORIES, BfclError, data_dir, load_bfcl, map_schema, resolve_categories

BFCL_TYPES = {"dict", "float", "tuple", "any", "int", "str", "bool", "list", "double"}

# Records whose BFCL ground truth contradicts its own function docs (the linter reports them):
# answers outside an enum or of another type, required parameters with no acceptable value,
# parameters the function does not declare.
KNOWN_BFCL_PROBLEMS = {
    "live_multiple_1038-265-0", "live_multiple_507-149-4", "live_multiple_552-153-1", "live_multiple_595-158-1",
    "live_multiple_596-158-2", "live_multiple_731-167-2", "live_multiple_733-167-4", "live_multiple_735-167-6",
    "live_multiple_750-169-5", "live_multiple_756-169-11", "live_multiple_835-178-10", "live_multiple_862-181-3",
    "live_multiple_87-38-4", "live_multiple_871-182-8", "live_multiple_947-197-0", "live_multiple_964-207-0",
    "live_parallel_multiple_2-2-0", "live_simple_106-63-0", "live_simple_112-68-0", "parallel_multiple_21",
    "parallel_multiple_94",
}


def _raw(category: str) -> list[dict[str, Any]]:
    path = data_dir() / f"BFCL_v4_{category}.json"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _types(schema: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("type"), str):
            out.add(schema["type"])
        for k in ("properties",):
            for v in (schema.get(k) or {}).values():
                out |= _types(v)
        if "items" in schema:
            out |= _types(schema["items"])
    return out


@pytest.fixture(scope="module")
def everything() -> list[dict[str, Any]]:
    return load_bfcl(list(CATEGORIES))


def test_every_category_is_imported_completely(everything: list[dict[str, Any]]) -> None:
    by_cat: dict[str, list[str]] = {}
    for r in everything:
        by_cat.setdefault(r["category"], []).append(r["id"])
    assert set(by_cat) == set(CATEGORIES)
    for cat in CATEGORIES:
        assert by_cat[cat] == [q["id"] for q in _raw(cat)], cat


def test_record_shape(everything: list[dict[str, Any]]) -> None:
    for r in everything:
        assert r["messages"] and r["messages"][-1]["role"] == "user", r["id"]
        assert all(t["type"] == "function" and "parameters" in t["function"] for t in r["tools"])
        names = [t["function"]["name"] for t in r["tools"]]
        assert len(names) == len(set(names)), r["id"]
        assert all(n.replace("_", "").replace("-", "").isalnum() for n in names), names
        for t in r["tools"]:
            assert not _types(t["function"]["parameters"]) & BFCL_TYPES, (r["id"], t["function"]["name"])
        assert all(c["name"] in names for c in r["expected_calls"]), r["id"]
        for item in r["possible_answer"]:
            assert set(item) <= set(names), r["id"]
        if r["category"] in ("irrelevance", "live_irrelevance"):
            assert r["expected_calls"] == [] and r["possible_answer"] == []
        else:
            assert len(r["expected_calls"]) == len(r["possible_answer"]) >= 1
        if r["category"] in ("parallel", "parallel_multiple"):
            assert len(r["expected_calls"]) >= 2, r["id"]


def test_messages_are_the_first_turn() -> None:
    raw = _raw("live_simple")
    recs = load_bfcl(["live_simple"])
    for q, r in zip(raw, recs, strict=True):
        assert r["messages"] == q["question"][0]


def test_dotted_names_are_mapped_everywhere() -> None:
    rec = load_bfcl(["simple_python"], limit=3)[1]
    assert rec["id"] == "simple_python_1"
    fn = rec["tools"][0]["function"]
    assert fn["name"] == "math_factorial" and fn["x-bfcl-name"] == "math.factorial"
    assert rec["possible_answer"] == [{"math_factorial": {"number": [5]}}]
    assert rec["expected_calls"] == [{"name": "math_factorial", "arguments": {"number": 5}}]


def test_expected_calls_omit_optional_params_and_take_first_values() -> None:
    rec = load_bfcl(["simple_python"], limit=1)[0]
    # ground truth: base [10], height [5], unit ["units", ""] (optional: may be omitted)
    assert rec["expected_calls"] == [{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}}]
    nested = next(r for r in load_bfcl(["live_multiple"], limit=1))
    assert nested["expected_calls"] == [{"name": "ChaDri_change_drink", "arguments": {
        "drink_id": "latte",
        "new_preferences": {"size": "large", "milk_type": "coconut", "sweetness_level": "extra",
                            "temperature": "hot", "special_instructions": "served boiling hot"}}}]
    for r in load_bfcl(["parallel", "multiple"]):
        for c in r["expected_calls"]:
            assert "" not in c["arguments"].values(), r["id"]


def test_map_schema_recursive() -> None:
    bfcl = {"type": "dict", "properties": {
        "a": {"type": "float"},
        "b": {"type": "tuple", "items": {"type": "integer"}},
        "c": {"type": "any", "description": "x"},
        "d": {"type": "array", "items": {"type": "dict", "properties": {"e": {"type": "float"}}}},
        "f": {"type": "array", "items": {"type": "string"}, "enum": ["x", "y"]},
    }, "required": ["a"]}
    out = map_schema(bfcl)
    assert out["type"] == "object" and out["required"] == ["a"]
    p = out["properties"]
    assert p["a"] == {"type": "number", "x-bfcl-type": "float"}
    assert p["b"]["type"] == "array" and p["b"]["x-bfcl-type"] == "tuple" and p["b"]["items"] == {"type": "integer"}
    assert "type" not in p["c"] and p["c"]["x-bfcl-type"] == "any"
    assert p["d"]["items"]["type"] == "object" and p["d"]["items"]["properties"]["e"]["type"] == "number"
    assert p["f"] == {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}}
    assert bfcl["properties"]["a"] == {"type": "float"}  # input untouched


def test_limit_and_categories() -> None:
    recs = load_bfcl(["parallel", "irrelevance"], limit=4)
    assert [r["category"] for r in recs] == ["parallel"] * 4 + ["irrelevance"] * 4
    assert resolve_categories(["simple", "all"])[0] == "simple_python"
    assert len(resolve_categories(["all"])) == len(CATEGORIES)
    with pytest.raises(BfclError, match="unknown BFCL category 'nope'"):
        load_bfcl(["nope"])


def test_cli_writes_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "bfcl.jsonl"
    assert main(["data", "bfcl", "simple_python", "live_irrelevance", "--limit", "3", "-o", str(out)]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["category"] for r in rows] == ["simple_python"] * 3 + ["live_irrelevance"] * 3
    assert "wrote 6 records" in capsys.readouterr().out
    assert main(["data", "bfcl", "simple_java", "-o", str(out)]) == 2
    assert "unknown BFCL category" in capsys.readouterr().err


def test_import_lints_clean_except_genuine_bfcl_problems(everything: list[dict[str, Any]], tmp_path: Path) -> None:
    data = tmp_path / "bfcl.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in everything), encoding="utf-8")
    report = tmp_path / "lint.json"
    assert main(["lint", str(data), "--format", "json", "-o", str(report)]) == 1
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert {f["id"] for f in errors} == KNOWN_BFCL_PROBLEMS
    # only answer/schema contradictions inside expected_calls: never the tools, never the structure
    assert {f["code"] for f in errors} <= {"TP301", "TP302", "TP303", "TP304"}
    assert all(f["path"].startswith("$.expected_calls") for f in errors)
