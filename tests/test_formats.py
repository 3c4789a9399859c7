"""Converters into the canonical record, `toolproof convert`, and the HF / Parquet round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.formats import ConversionError, convert_record, detect_format, to_hf_dataset
from toolproof.validator.formats.glaive import parse_call
from toolproof.validator.formats.hf import from_hf_row
from toolproof.validator.formats.xlam import type_schema

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


def _fixture(name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]


def _calls(rec: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(tc["function"]["name"], tc["function"]["arguments"]) for m in rec["messages"] for tc in m.get("tool_calls") or []]


def _lint_errors(path: Path, tmp: Path) -> list[dict[str, Any]]:
    report = tmp / (path.stem + ".lint.json")
    main(["lint", str(path), "--format", "json", "-o", str(report)])
    return [f for f in json.loads(report.read_text(encoding="utf-8"))["findings"] if f["severity"] == "error"]


# ------------------------------------------------------------------------------ detection


@pytest.mark.parametrize(("name", "expected"), [
    ("sharegpt.jsonl", {"sharegpt", "hermes"}), ("xlam.jsonl", {"xlam"}), ("glaive.jsonl", {"glaive"}), ("openai.jsonl", {"openai"}),
])
def test_detect_format_on_fixtures(name: str, expected: set[str]) -> None:
    # the ShareGPT fixture holds one Hermes record (tools in <tools> in the system turn)
    found = [detect_format(r) for r in _fixture(name)]
    assert set(found) == expected
    assert all((d == "hermes") == ("<tools>" in json.dumps(r)) for d, r in zip(found, _fixture(name), strict=True))


def test_canonical_records_pass_through_unchanged() -> None:
    rec = json.loads((FIXTURES.parent / "sample" / "train.clean.jsonl").read_text(encoding="utf-8").splitlines()[0])
    out, source = convert_record(rec)
    assert source == "canonical" and out is rec
    assert detect_format([1]) == "unknown" and detect_format({"text": "x"}) == "unknown"
    with pytest.raises(ConversionError, match="unrecognised record shape"):
        convert_record({"text": "hello"})
    with pytest.raises(ConversionError, match="unknown format"):
        convert_record(rec, "yaml-chat")


# ------------------------------------------------------------------------------ ShareGPT


def test_sharegpt_function_call_and_observation() -> None:
    rec, src = convert_record(_fixture("sharegpt.jsonl")[0])
    assert src == "sharegpt"
    roles = [m["role"] for m in rec["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    assert _calls(rec) == [("get_current_weather", {"location": "Boston, MA"})]
    call_id = rec["messages"][2]["tool_calls"][0]["id"]
    assert rec["messages"][3]["tool_call_id"] == call_id
    assert rec["tools"][0]["type"] == "function" and rec["tools"][0]["function"]["name"] == "get_current_weather"
    assert "conversations" not in rec and "system" not in rec


def test_sharegpt_parallel_calls_split_the_observation() -> None:
    rec, _ = convert_record(_fixture("sharegpt.jsonl")[1])
    assert _calls(rec) == [("get_stock_price", {"symbol": "AAPL"}), ("get_stock_price", {"symbol": "MSFT"})]
    tools_msgs = [m for m in rec["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tools_msgs] == ["call_1", "call_2"]
    assert json.loads(tools_msgs[1]["content"]) == {"price": 415.1}


def test_sharegpt_hermes_style() -> None:
    rec, _ = convert_record(_fixture("sharegpt.jsonl")[3])
    assert rec["id"] == "hermes-1"
    assert _calls(rec) == [("get_stock_price", {"symbol": "TSLA"})]
    assert [t["function"]["name"] for t in rec["tools"]] == ["get_stock_price"]
    assert rec["messages"][3] == {"role": "tool", "content": '{"price": 251.2}', "tool_call_id": "call_1", "name": "get_stock_price"}
    # malformed markup stays text (the linter reports it) rather than being guessed
    broken = {"conversations": [{"from": "human", "value": "x"}, {"from": "gpt", "value": "<tool_call>{'name': 'f'}</tool_call>"}]}
    out, _ = convert_record(broken)
    assert out["messages"][1] == {"role": "assistant", "content": "<tool_call>{'name': 'f'}</tool_call>"}


def test_sharegpt_errors_name_the_turn() -> None:
    with pytest.raises(ConversionError) as e:
        convert_record(_fixture("sharegpt.jsonl")[4])
    assert e.value.path == "$.conversations[1].value" and "not valid JSON" in e.value.message
    with pytest.raises(ConversionError, match="unknown speaker 'narrator'"):
        convert_record({"conversations": [{"from": "narrator", "value": "x"}]})


# ------------------------------------------------------------------------------ xLAM


def test_xlam_parallel_answers_and_schema() -> None:
    rows = _fixture("xlam.jsonl")
    rec, src = convert_record(rows[1])
    assert src == "xlam" and rec["id"] == 1
    assert rec["messages"][0] == {"role": "user", "content": rows[1]["query"]}
    assert _calls(rec) == [("find_n_largest_numbers", {"nums": [4, 9, 1, 7, 12], "n": 3}), ("is_palindrome", {"text": "racecar"})]
    params = {t["function"]["name"]: t["function"]["parameters"] for t in rec["tools"]}
    assert params["find_n_largest_numbers"]["properties"]["nums"]["type"] == "array"
    assert params["find_n_largest_numbers"]["properties"]["nums"]["items"] == {"type": "integer"}
    assert params["find_n_largest_numbers"]["required"] == ["nums", "n"]
    assert params["is_palindrome"]["required"] == ["text"]  # "bool, optional" with a default
    first, _ = convert_record(rows[0])
    assert "required" not in first["tools"][0]["function"]["parameters"]  # has a default


def test_xlam_type_strings() -> None:
    assert type_schema("str") == ({"type": "string"}, False)
    assert type_schema("int, optional") == ({"type": "integer"}, True)
    assert type_schema("List[Dict[str, int]]") == ({"type": "array", "items": {"type": "object"}}, False)
    assert type_schema("Optional[float]") == ({"type": "number"}, True)
    assert type_schema("Tuple[str, str]") == ({"type": "array", "items": {"type": "string"}}, False)
    assert type_schema("Union[int, None]") == ({"type": "integer"}, True)
    assert type_schema("Callable") == ({"x-xlam-type": "Callable"}, False)


def test_xlam_errors() -> None:
    with pytest.raises(ConversionError) as e:
        convert_record(_fixture("xlam.jsonl")[2])
    assert e.value.path == "$.answers"
    # the irrelevance variant (empty answers) is a test record that expects no call
    rec, src = convert_record({"query": "hi", "tools": "[]", "answers": "[]"})
    assert src == "xlam" and rec["expected_calls"] == [] and rec["messages"] == [{"role": "user", "content": "hi"}]


# ------------------------------------------------------------------------------ Glaive


def test_glaive_calls_responses_and_tools() -> None:
    rec, src = convert_record(_fixture("glaive.jsonl")[0])
    assert src == "glaive"
    assert [t["function"]["name"] for t in rec["tools"]] == ["get_exchange_rate", "calculate_tip"]
    assert _calls(rec) == [("get_exchange_rate", {"base_currency": "USD", "target_currency": "EUR"}),
                           ("calculate_tip", {"bill_amount": 40, "tip_percentage": 15})]
    roles = [m["role"] for m in rec["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user", "assistant", "tool", "assistant"]
    assert rec["messages"][3]["tool_call_id"] == rec["messages"][2]["tool_calls"][0]["id"]
    assert all("<|endoftext|>" not in (m.get("content") or "") for m in rec["messages"])
    assert rec["messages"][-1]["content"] == "The tip would be $6."


def test_glaive_no_functions_and_bad_payload() -> None:
    rows = _fixture("glaive.jsonl")
    rec, _ = convert_record(rows[1])
    assert rec["tools"] == [] and [m["role"] for m in rec["messages"]] == ["system", "user", "assistant"]
    with pytest.raises(ConversionError, match="neither JSON nor Glaive's quoted form"):
        convert_record(rows[3])


def test_glaive_payload_forms() -> None:
    assert parse_call('{"name": "f", "arguments": \'{"q": "rock \'n\' roll"}\'}', "$") == ("f", {"q": "rock 'n' roll"})
    assert parse_call('{"name": "f", "arguments": {"a": 1}}', "$") == ("f", {"a": 1})
    assert parse_call("{'name': 'f', 'arguments': {'a': True}}", "$") == ("f", {"a": True})
    # a Python literal holding a set is no JSON data: a clear conversion error, not a record no writer can write
    with pytest.raises(ConversionError, match="not JSON data"):
        parse_call("{'name': 'f', 'arguments': {'a': {1, 2}}}", "$.chat")


# ------------------------------------------------------------------------------ OpenAI


def test_openai_current_and_legacy() -> None:
    rows = _fixture("openai.jsonl")
    cur, src = convert_record(rows[0])
    assert src == "openai"
    assert _calls(cur) == [("get_current_weather", {"location": "San Francisco, CA", "unit": "fahrenheit"})]
    assert cur["messages"][2]["tool_calls"][0]["id"] == "call_abc123" and cur["parallel_tool_calls"] is False
    legacy, _ = convert_record(rows[1])
    assert "functions" not in legacy and legacy["tools"][0]["function"]["name"] == "get_stock_price"
    asst = legacy["messages"][1]
    assert "function_call" not in asst and asst["tool_calls"][0]["function"]["arguments"] == {"symbol": "MSFT"}
    assert legacy["messages"][2] == {"role": "tool", "content": '{"price": 415.1}', "tool_call_id": asst["tool_calls"][0]["id"],
                                     "name": "get_stock_price"}
    assert legacy["messages"][3]["weight"] == 1
    bad = {"messages": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{oops"}}]}]}
    out, _ = convert_record(bad)
    assert out["messages"][0]["tool_calls"][0]["function"]["arguments"] == "{oops"  # left for TP204


# ------------------------------------------------------------------------------ the command


@pytest.mark.parametrize(("name", "good", "bad"), [
    ("sharegpt.jsonl", 4, [5]), ("xlam.jsonl", 2, [3]), ("glaive.jsonl", 3, [4]), ("openai.jsonl", 3, []),
])
def test_convert_command_outputs_lint_clean(name: str, good: int, bad: list[int], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    rc = main(["convert", str(FIXTURES / name), "-o", str(out)])
    assert rc == (1 if bad else 0)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == good
    q = tmp_path / "out.quarantine.jsonl"
    if bad:
        qrows = [json.loads(x) for x in q.read_text(encoding="utf-8").splitlines()]
        assert [r["line"] for r in qrows] == bad
        for r in qrows:
            assert r["file"].endswith(name) and r["record"] and r["findings"][0]["message"]
            assert r["findings"][0]["name"] == "unreadable-record" and r["findings"][0]["code"] == "TP012"
        captured = capsys.readouterr()
        assert f"quarantined {len(bad)} record(s)" in captured.out
        assert f"{name}:{bad[0]}:" in captured.err
    else:
        assert not q.exists()
    assert _lint_errors(out, tmp_path) == []


def test_convert_quarantines_invalid_json_lines(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    good = _fixture("xlam.jsonl")[0]
    src.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({"text": "?"}) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["convert", str(src), "-o", str(out), "--from", "auto"]) == 1
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["findings"][0]["code"]) for r in q] == [(2, "TP001"), (3, None)]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_convert_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert main(["convert", str(FIXTURES / "xlam.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--from", "yaml-chat"]) == 2
    assert main(["convert", str(tmp_path), "-o", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "unknown format 'yaml-chat'" in err and "save_to_disk" in err


def test_forced_format_mismatch_is_quarantined(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    assert main(["convert", str(FIXTURES / "openai.jsonl"), "-o", str(out), "--from", "xlam"]) == 1
    assert out.read_text(encoding="utf-8") == ""
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(q) == 3 and all("query" in r["findings"][0]["message"] for r in q)


# ------------------------------------------------------------------------------ HF datasets / Parquet


def _two_records() -> list[dict[str, Any]]:
    def rec(rid: str, name: str, args: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        return {"id": rid, "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}]},
        ], "tools": [{"type": "function", "function": {"name": name, "description": "d", "parameters": {"type": "object", "properties": props}}}]}

    return [rec("a", "weather", {"city": "Paris", "unit": "celsius"}, {"city": {"type": "string"}, "unit": {"type": "string"}}),
            rec("b", "physics", {"charge": 2, "permittivity": 8.854e-12}, {"charge": {"type": "integer"}, "permittivity": {"type": "number"}})]


def test_to_hf_dataset_keeps_argument_keys_apart(tmp_path: Path) -> None:
    records = _two_records()
    ds = to_hf_dataset(records)
    rows = ds.to_list()
    args0 = json.loads(rows[0]["messages"][1]["tool_calls"][0]["function"]["arguments"])
    assert args0 == {"city": "Paris", "unit": "celsius"}  # no "charge": null padding
    assert [from_hf_row(r) for r in rows] == records  # exact, tiny floats included
    ds.save_to_disk(str(tmp_path / "ds"))
    out = tmp_path / "back.jsonl"
    assert main(["convert", str(tmp_path / "ds"), "-o", str(out)]) == 0
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == records


def test_naive_arrow_padding_is_removed_on_read(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    records = _two_records()
    naive = Dataset.from_list(records)  # merges argument keys: {"city", "unit", "charge", "permittivity"}
    padded = naive[0]["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert padded.get("charge", "absent") is None  # the pitfall is real in this datasets version
    DatasetDict({"train": naive, "test": naive.select([1])}).save_to_disk(str(tmp_path / "dd"))
    naive.to_parquet(str(tmp_path / "naive.parquet"))
    # several splits are never merged (issue 31): one is named
    assert main(["convert", str(tmp_path / "dd"), "-o", str(tmp_path / "all.jsonl")]) == 2
    for src, n in ((tmp_path / "dd@train", 2), (tmp_path / "naive.parquet", 2)):
        out = tmp_path / f"{src.name}.jsonl"
        assert main(["convert", str(src), "-o", str(out)]) == 0
        rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        assert len(rows) == n
        assert rows[0]["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris", "unit": "celsius"}
        assert rows[0]["tools"][0]["function"]["parameters"]["properties"] == {"city": {"type": "string"}, "unit": {"type": "string"}}
        assert "tool_calls" not in rows[0]["messages"][0]
        assert _lint_errors(out, tmp_path) == []
    out = tmp_path / "only_test.jsonl"
    assert main(["convert", str(tmp_path / "dd"), "-o", str(out), "--split", "test"]) == 0
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["id"] == "b"


# ------------------------------------------------------------------------------ robustness

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["USER: hi\n\nASSISTANT: <functioncall> {'name': 1}", "<tool_call>{}</tool_call>", "[{\"name\": 1}]", "{"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["from", "value", "role", "content", "name", "arguments", "parameters", "function", "tool_calls",
                         "function_call", "type", "id", "x"]), inner, max_size=5),
    max_leaves=20,
)
_records = st.dictionaries(
    st.sampled_from(["conversations", "messages", "system", "tools", "query", "answers", "chat", "functions", "id"]),
    _json, min_size=1, max_size=5,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records, st.sampled_from(["auto", "sharegpt", "xlam", "glaive", "openai"]))
def test_convert_record_only_raises_conversion_error(obj: dict[str, Any], fmt: str) -> None:
    try:
        out, source = convert_record(obj, fmt)
    except ConversionError as e:
        assert str(e)
        return
    assert isinstance(out, dict) and source in ("canonical", "sharegpt", "xlam", "glaive", "openai", "alpaca", "conversation-key")
    json.dumps(out)  # still JSON
