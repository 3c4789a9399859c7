"""toolproof.validator.stats.dataset_balance on hand-built records and on the shipped sample; leakage end to end."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from toolproof.cli import main
from toolproof.validator.stats import dataset_balance, format_balance

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": "d", "parameters": {"type": "object", "properties": {}}}}


def _call(name: str, k: int = 1) -> dict[str, Any]:
    return {"id": f"call_{k}", "type": "function", "function": {"name": name, "arguments": {}}}


def _records() -> list[Any]:
    return [
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "tool_calls": [_call("weather")]},
                      {"role": "tool", "tool_call_id": "call_1", "content": "{}"}, {"role": "assistant", "content": "ok"}],
         "tools": [_tool("weather"), _tool("stocks")], "category": "single"},
        {"messages": [{"role": "user", "content": "b"}, {"role": "assistant", "tool_calls": [_call("weather"), _call("stocks", 2)]}],
         "tools": [_tool("weather"), _tool("stocks")], "category": "parallel"},
        {"messages": [{"role": "user", "content": "c"}, {"role": "assistant", "content": "<tool_call>\n{\"name\": \"weather\", \"arguments\": {}}\n</tool_call>"},
                      {"role": "user", "content": "d"}, {"role": "assistant", "content": "plain"}],
         "tools": [_tool("weather"), _tool("email")]},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}], "tools": [_tool("email")], "category": "no_call"},
        {"messages": [{"role": "user", "content": "t"}], "expected_calls": [{"name": "stocks", "arguments": {}}], "tools": [_tool("stocks")]},
        "not a record",
    ]


def test_counts_on_hand_built_records() -> None:
    s = dataset_balance(_records())
    assert s["records"] == 5 and s["not_records"] == 1
    assert s["calls_per_tool"] == {"weather": 3, "stocks": 2}
    assert s["calls"] == 5
    assert s["offered_per_tool"] == {"weather": 3, "stocks": 3, "email": 2}
    assert s["no_call_records"] == 1 and s["no_call_share"] == 0.2
    assert s["call_turns"] == {"single": 3, "parallel": 1}
    assert s["parallel_records"] == 1
    assert s["multi_turn_records"] == 1
    assert s["messages_per_record"]["histogram"] == {"1": 1, "2": 2, "4": 2}
    assert s["messages_per_record"]["max"] == 4 and s["messages_per_record"]["mean"] == 2.6
    assert s["user_turns_per_record"]["histogram"] == {"1": 4, "2": 1}
    assert s["categories"] == {"no_call": 1, "parallel": 1, "single": 1}
    assert any("email" in w and "never called" in w for w in s["warnings"])


def test_warnings_for_lopsided_data() -> None:
    only_calls = [{"messages": [{"role": "user", "content": str(i)}, {"role": "assistant", "tool_calls": [_call("f")]}],
                   "tools": [_tool("f")]} for i in range(10)]
    w = dataset_balance(only_calls)["warnings"]
    assert any("never learns when not to call" in x for x in w)
    assert any("no parallel calls" in x for x in w)
    skewed = [{"messages": [{"role": "user", "content": str(i)},
                            {"role": "assistant", "tool_calls": [_call("big" if i < 40 else f"t{i % 4}")]}]} for i in range(48)]
    assert any("'big' has 40 calls" in x for x in dataset_balance(skewed)["warnings"])
    assert dataset_balance([])["warnings"] == ["the dataset has no records"]


def _args_call(args: Any) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": args}}


def test_calls_holding_values_the_user_did_not_write() -> None:
    said = "Convert 7 km to mi for Boston"
    recs = [
        {"messages": [{"role": "user", "content": said}, {"role": "assistant", "tool_calls": [_args_call(a)]}]}
        for a in [
            {"value": 7.0, "from": "km", "to": "mi"},  # every value written ("7" for 7.0)
            {"city": "boston"},  # case does not matter
            {"units": ["km", "mi"]},  # every list item written
            {"city": "Boston MA"},  # a code ("MA"): a normalisation, reported as info, not counted
            {"value": 7, "formatted": True},  # a boolean is never written
            json.dumps({"value": 8}),  # string-encoded arguments are read; 8 is not written
            {},  # no arguments: not counted
        ]
    ]
    s = dataset_balance(recs)
    assert (s["calls"], s["calls_with_arguments"], s["calls_with_unstated_values"]) == (7, 6, 2)
    assert "calls with arguments: 6, holding a value grounded nowhere the model could see before the call (rule TP703): 2" in format_balance(s)
    # a markup call counts too, against the user turns of its own record only
    markup = {"messages": [{"role": "user", "content": "weather in Oslo"},
                           {"role": "assistant", "content": '<tool_call>{"name": "f", "arguments": {"city": "Paris"}}</tool_call>'}]}
    assert dataset_balance([markup])["calls_with_unstated_values"] == 1


def test_values_from_tool_results_and_free_text_are_not_unstated() -> None:
    """Ids copied from a tool result and a note the model writes are grounded (TP703's judgement)."""
    rec = {"messages": [{"role": "user", "content": "cancel my trip"},
                        {"role": "assistant", "tool_calls": [_args_call({})]},
                        {"role": "tool", "content": '{"reservation_id": "QX12AB"}'},
                        {"role": "assistant", "tool_calls": [_args_call({"id": "QX12AB", "note": "user asked nicely"})]}]}
    assert dataset_balance([rec])["calls_with_unstated_values"] == 0
    rec = copy.deepcopy(rec)
    rec["messages"][3]["tool_calls"][0]["function"]["arguments"]["id"] = "ZZ99ZZ"
    assert dataset_balance([rec])["calls_with_unstated_values"] == 1


def test_sample_clean_vs_dirty_and_text() -> None:
    clean = dataset_balance(json.loads(x) for x in (SAMPLE / "train.clean.jsonl").read_text(encoding="utf-8").splitlines())
    dirty = dataset_balance(json.loads(x) for x in (SAMPLE / "train.dirty.jsonl").read_text(encoding="utf-8").splitlines())
    assert clean["records"] == dirty["records"] == 400
    assert clean["tools_called"] == clean["tools_offered"] >= 30
    assert 0.05 < clean["no_call_share"] < 0.3 and clean["call_turns"]["parallel"] > 20
    assert max(clean["calls_per_tool"].values()) <= 5 * min(clean["calls_per_tool"].values())
    # undeclared-tool defects show up as tools nobody offered
    assert set(dirty["calls_per_tool"]) - set(dirty["offered_per_tool"])
    text = format_balance(clean)
    assert text.startswith("records: 400") and "no-call records:" in text


def test_leakage_end_to_end(tmp_path: Path) -> None:
    train = [json.loads(x) for x in (SAMPLE / "train.clean.jsonl").read_text(encoding="utf-8").splitlines()][:40]
    test = [json.loads(x) for x in (SAMPLE / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    clean_path = tmp_path / "train.jsonl"
    clean_path.write_text("".join(json.dumps(r) + "\n" for r in train), encoding="utf-8")
    report = tmp_path / "r.json"
    assert main(["lint", str(clean_path), "--against", str(SAMPLE / "test.jsonl"), "--format", "json", "-o", str(report)]) == 0
    # inject: a test prompt in different case/spacing, and a near-copy of record 0
    leak = json.loads(json.dumps(train[5]))
    leak["id"] = "leak"
    user = next(i for i, m in enumerate(leak["messages"]) if m["role"] == "user")
    leak["messages"][user]["content"] = "  " + test[7]["messages"][-1]["content"].upper().replace(" ", "   ") + "\n"
    near = json.loads(json.dumps(train[0]))
    near["id"] = "near"
    near["messages"][0]["content"] = "Another system prompt."
    dirty_path = tmp_path / "leaky.jsonl"
    dirty_path.write_text("".join(json.dumps(r) + "\n" for r in [*train, leak, near]), encoding="utf-8")
    assert main(["lint", str(dirty_path), "--against", str(SAMPLE / "test.jsonl"), "--format", "json", "-o", str(report)]) == 1
    found = {(f["code"], f["line"]) for f in json.loads(report.read_text(encoding="utf-8"))["findings"]}
    # the mix rules judge the file (line 0); TP703 is opt-in (its measured precision, bench/precision.py)
    assert found - {("TP702", 0), ("TP704", 0)} == {("TP504", 41), ("TP503", 42)}
    # without --against, leakage is not checked
    assert main(["lint", str(dirty_path), "--format", "json", "-o", str(report), "--ignore", "TP7"]) == 0
    assert {f["code"] for f in json.loads(report.read_text(encoding="utf-8"))["findings"]} == {"TP503"}


def test_data_stats_command(capsys: Any) -> None:
    assert main(["data", "stats", str(SAMPLE / "test.jsonl"), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["records"] == 150 and stats["categories"]["unseen_tool"] > 0
    assert main(["data", "stats", str(SAMPLE / "train.clean.jsonl")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("read as: canonical 400\nrecords: 400")
    assert main(["data", "stats", str(SAMPLE / "missing.jsonl")]) == 2


def test_calls_typed_as_text_are_calls_and_test_sets_have_nothing_to_judge() -> None:
    """A record whose call is JSON in the content makes a call; a test set (no answer turn) gets
    "nothing to judge" instead of a claim about its declines."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    typed = {"messages": [{"role": "user", "content": "Weather in Paris?"},
                          {"role": "assistant", "content": '{"name": "get_weather", "arguments": {"city": "Paris"}}'}],
             "tools": tools}
    s = dataset_balance([typed])
    assert (s["calls"], s["no_call_records"], s["calls_per_tool"]) == (1, 0, {"get_weather": 1})
    test_set = [{"messages": [{"role": "user", "content": f"Weather in city {i}?"}], "tools": tools} for i in range(3)]
    w = dataset_balance(test_set)["warnings"]
    assert any("nothing to judge" in x for x in w)
    assert not any("offers a tool related" in x for x in w)
