"""`convert --to openai|sharegpt|llamafactory|trl|axolotl` (issue 34): each writer follows its format's
spec and is lossless: canonical -> X -> canonical gives the record back. Records written here from the
formats' specs (OpenAI fine-tuning chat format, LLaMA-Factory data/README.md, TRL / Axolotl messages+tools)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.formats import read_record
from toolproof.validator.formats.writers import WRITERS, WriteError, dataset_info, write_record

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                           "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "description": "Time in a zone",
                                         "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}}


def _call(cid: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


SINGLE = {"id": "single", "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [_call("call_1", "get_weather", {"city": "Paris"})]},
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temp\": 21}"},
    {"role": "assistant", "content": "21 C."}], "tools": [WEATHER], "category": "simple"}
PARALLEL = {"id": "parallel", "messages": [
    {"role": "user", "content": "Weather in Oslo and the time in UTC?"},
    {"role": "assistant", "content": None, "tool_calls": [_call("call_1", "get_weather", {"city": "Oslo"}),
                                                          _call("call_2", "get_time", {"tz": "UTC"})]},
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "-3 C"},
    {"role": "tool", "tool_call_id": "call_2", "name": "get_time", "content": "12:00"},
    {"role": "assistant", "content": "-3 C and noon."}], "tools": [WEATHER, TIME]}
MULTI_TURN = {"id": "multi", "messages": [
    {"role": "user", "content": "Time in UTC?"},
    {"role": "assistant", "content": None, "tool_calls": [_call("tz_a", "get_time", {"tz": "UTC"})]},
    {"role": "tool", "tool_call_id": "tz_a", "name": "get_time", "content": "12:00"},
    {"role": "assistant", "content": "Noon."},
    {"role": "user", "content": "And the weather in Rome?"},
    {"role": "assistant", "content": None, "tool_calls": [_call("w_b", "get_weather", {"city": "Rome", "unit": "c"})]},
    {"role": "tool", "tool_call_id": "w_b", "name": "get_weather", "content": "18"},
    {"role": "assistant", "content": "18 C."}], "tools": [WEATHER, TIME]}
NO_CALL = {"id": "decline", "messages": [
    {"role": "user", "content": "Tell me a joke."}, {"role": "assistant", "content": "No tool needed: knock knock."}],
    "tools": [WEATHER]}
RECORDS = [SINGLE, PARALLEL, MULTI_TURN, NO_CALL]


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["id"])
def test_round_trip_is_lossless(fmt: str, rec: dict[str, Any]) -> None:
    before = copy.deepcopy(rec)
    written = json.loads(json.dumps(write_record(rec, fmt)))  # through JSON text, as a file holds it
    back = read_record(written, WRITERS[fmt].reader)
    assert back.ok, back.error
    assert back.obj == rec
    assert rec == before  # the writer never alters its input


def test_openai_has_string_arguments_and_a_tool_call_id_on_every_tool_message() -> None:
    rec = copy.deepcopy(PARALLEL)
    for m in rec["messages"]:
        m.pop("tool_call_id", None)  # what 45 tool messages of the cleaned sample look like
        m.pop("name", None) if m["role"] == "tool" else None
    out = write_record(rec, "openai")
    calls = out["messages"][1]["tool_calls"]
    assert all(isinstance(c["function"]["arguments"], str) for c in calls)
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Oslo"}
    assert [m["tool_call_id"] for m in out["messages"] if m["role"] == "tool"] == ["call_1", "call_2"]


def test_openai_refuses_a_tool_message_that_answers_no_call() -> None:
    rec = {"messages": [{"role": "user", "content": "x"}, {"role": "tool", "content": "y"},
                        {"role": "assistant", "content": "z"}]}
    with pytest.raises(WriteError, match="tool_call_id"):
        write_record(rec, "openai")


def test_sharegpt_layout_follows_llamafactory() -> None:
    out = write_record(PARALLEL, "sharegpt")
    assert [t["from"] for t in out["conversations"]] == ["human", "function_call", "observation", "gpt"]
    assert json.loads(out["conversations"][1]["value"]) == [{"name": "get_weather", "arguments": {"city": "Oslo"}},
                                                            {"name": "get_time", "arguments": {"tz": "UTC"}}]
    assert json.loads(out["conversations"][2]["value"]) == ["-3 C", "12:00"]
    assert json.loads(out["tools"]) == [WEATHER["function"], TIME["function"]]
    assert write_record(SINGLE, "sharegpt")["system"] == "Be brief."
    entry = dataset_info("train.jsonl")["train"]
    assert entry["formatting"] == "sharegpt" and entry["columns"]["tools"] == "tools"
    assert entry["tags"]["function_tag"] == "function_call" and entry["tags"]["observation_tag"] == "observation"


def test_sharegpt_refuses_text_beside_calls() -> None:
    rec = copy.deepcopy(SINGLE)
    rec["messages"][2]["content"] = "Let me look."
    with pytest.raises(WriteError, match="text and calls"):
        write_record(rec, "sharegpt")


def _write(tmp: Path, recs: list[dict[str, Any]]) -> Path:
    p = tmp / "canon.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return p


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_cli_convert_to_and_back(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, RECORDS)
    out = tmp_path / f"{fmt}.jsonl"
    assert main(["convert", str(src), "-o", str(out), "--to", fmt]) == 0
    printed = capsys.readouterr().out
    assert f"converted {len(RECORDS)} record(s)" in printed and f"as {fmt}" in printed
    back = tmp_path / "back.jsonl"
    assert main(["convert", str(out), "-o", str(back), "--from", WRITERS[fmt].reader]) == 0
    assert [json.loads(line) for line in back.read_text().splitlines()] == RECORDS


def test_cli_llamafactory_writes_dataset_info_beside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, RECORDS)
    assert main(["convert", str(src), "-o", str(tmp_path / "tools.jsonl"), "--to", "llamafactory"]) == 0
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert info["tools"]["file_name"] == "tools.jsonl"
    assert main(["convert", str(src), "-o", str(tmp_path / "more.jsonl"), "--to", "llamafactory"]) == 0
    assert json.loads((tmp_path / "dataset_info.json").read_text()) == info  # an existing file is never rewritten
    assert '"more": {' in capsys.readouterr().out  # its entry is printed instead


def test_cli_quarantines_what_the_target_cannot_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = copy.deepcopy(SINGLE)
    rec["messages"][2]["content"] = "Let me look."
    src = _write(tmp_path, [rec, NO_CALL])
    out = tmp_path / "sg.jsonl"
    assert main(["convert", str(src), "-o", str(out), "--to", "sharegpt"]) == 1
    assert len(out.read_text().splitlines()) == 1
    q = [json.loads(line) for line in (tmp_path / "sg.quarantine.jsonl").read_text().splitlines()]
    assert q[0]["id"] == "single" and "cannot be written as sharegpt" in q[0]["findings"][0]["message"]
    assert "cannot be written as sharegpt" in capsys.readouterr().err


def test_sharegpt_refuses_what_it_would_lose() -> None:
    rec = copy.deepcopy(SINGLE)
    rec["messages"][4]["reasoning_content"] = "thinking..."
    with pytest.raises(WriteError, match="reasoning_content"):
        write_record(rec, "sharegpt")
    assert write_record(rec, "openai")["messages"][4]["reasoning_content"] == "thinking..."  # kept where it fits
    swapped = copy.deepcopy(PARALLEL)  # results in the other order than the calls: the reader pairs by order
    swapped["messages"][2], swapped["messages"][3] = swapped["messages"][3], swapped["messages"][2]
    with pytest.raises(WriteError, match="oldest open one"):
        write_record(swapped, "sharegpt")
    partial = copy.deepcopy(PARALLEL)  # two calls, one answered, then the answer
    del partial["messages"][3]
    with pytest.raises(WriteError, match="JSON list|open calls"):
        partial["messages"][2]["content"] = '["a", "b"]'
        write_record(partial, "sharegpt")


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_written_record_reads_back_identical_or_is_refused(fmt: str) -> None:
    """Variations of the records above: a writer either loses nothing or refuses (never a silent loss)."""
    variants = []
    for rec in RECORDS:
        for k in range(len(rec["messages"])):
            for change in ({"reasoning_content": "r"}, {"content": ""}, {"content": "text"}, {"name": "n"}, {"weight": 0}):
                v = copy.deepcopy(rec)
                v["messages"][k].update(change)
                variants.append(v)
    outcomes = Counter()
    for v in variants:
        try:
            written = json.loads(json.dumps(write_record(v, fmt)))
        except WriteError:
            outcomes["refused"] += 1
            continue
        back = read_record(written, WRITERS[fmt].reader)
        assert back.ok and back.obj == _empty_text_beside_calls_as_null(v, fmt), (fmt, v, back.obj)
        outcomes["identical"] += 1
    assert outcomes["identical"] > 0


def _empty_text_beside_calls_as_null(rec: dict[str, Any], fmt: str) -> dict[str, Any]:
    """sharegpt's one documented change: "" beside calls reads back as null (a call turn holds no text)."""
    if WRITERS[fmt].reader != "sharegpt":
        return rec
    out = copy.deepcopy(rec)
    for m in out["messages"]:
        if m.get("tool_calls") and m.get("content") == "":
            m["content"] = None
    return out
