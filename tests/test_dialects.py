"""Dialects (validator.formats): detection, each dialect read by its own spec, tools in system prompts,
pythonic calls, and the commands that read through the one detection. Records are written here from
each dialect's published shape (never copied from real datasets)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolproof.cli import main
from toolproof.validator.formats import DIALECTS, FORMATS, detect_format, read_record
from toolproof.validator.formats.pythonic import PythonicError, parse_calls
from toolproof.validator.formats.systools import find_system_tools
from toolproof.validator.io import iter_records

WEATHER = {"name": "get_weather", "description": "Weather for a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
WRAPPED = {"type": "function", "function": WEATHER}

CANONICAL = {"messages": [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "{\"temp\": 21}"},
    {"role": "assistant", "content": "21 degrees."}], "tools": [WRAPPED]}

OPENAI = {"messages": [
    {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}, {"type": "image_url", "image_url": {"url": "p.png"}}]},
    {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "21"},
    {"role": "assistant", "content": "21 degrees.", "weight": 1}], "tools": [WRAPPED, {"type": "code_interpreter"}],
    "parallel_tool_calls": False}

OPENAI_LEGACY = {"functions": [WEATHER], "messages": [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
    {"role": "function", "name": "get_weather", "content": "21"},
    {"role": "assistant", "content": "21 degrees."}]}

ANTHROPIC = {"system": [{"type": "text", "text": "Be brief."}],
             "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": WEATHER["parameters"]}],
             "messages": [
                 {"role": "user", "content": "Weather in Paris?"},
                 {"role": "assistant", "content": [{"type": "thinking", "thinking": "Call the tool."},
                                                   {"type": "text", "text": "Checking."},
                                                   {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "21"}]}]},
                 {"role": "assistant", "content": "21 degrees."}]}

LF_V1 = {"messages": [
    {"role": "system", "content": [{"type": "text", "value": "Use tools."}]},
    {"role": "user", "content": [{"type": "text", "value": "Circles of radius 1 and 2?"}]},
    {"role": "assistant", "content": [{"type": "reasoning", "value": "Two calls."},
                                      {"type": "tool_call", "value": "{\"name\": \"area\", \"arguments\": {\"r\": 1}}"},
                                      {"type": "tool_call", "value": "{\"name\": \"area\", \"arguments\": {\"r\": 2}}"}]},
    {"role": "tool", "content": [{"type": "text", "value": "[{\"name\": \"area\", \"content\": \"3.14\"}, {\"name\": \"area\", \"content\": \"12.57\"}]"}]},
    {"role": "assistant", "content": [{"type": "text", "value": "3.14 and 12.57."}], "loss_weight": 1.0}],
    "tools": json.dumps([{"type": "function", "function": {"name": "area", "parameters": {"type": "object", "properties": {"r": {"type": "number"}}}}}])}

SHAREGPT = {"conversations": [
    {"from": "human", "value": "Weather in Paris?"},
    {"from": "function_call", "value": "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"},
    {"from": "observation", "value": "21"},
    {"from": "gpt", "value": "21 degrees."}], "tools": json.dumps([WEATHER])}

HERMES = {"conversations": [
    {"from": "system", "value": "You are a function calling AI model. <tools>[" + json.dumps(WEATHER) + "]</tools> Call them."},
    {"from": "human", "value": "Weather in Paris?"},
    {"from": "gpt", "value": "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"},
    {"from": "tool", "value": "<tool_response>\n{\"temp\": 21}\n</tool_response>"},
    {"from": "gpt", "value": "21 degrees."}]}

HERMES_TEXT = {"example": "```\nSYSTEM: You have access to functions.\n<tools>[" + json.dumps(WEATHER)
               + "]</tools>\nUSER: Weather in Paris?\nASSISTANT:\n<tool_call>\n{\"arguments\": {\"city\": \"Paris\"}, "
               "\"name\": \"get_weather\"}\n</tool_call>\n```"}

TOOLACE = {"system": "You are an expert in composing functions.\nHere is a list of functions in JSON format that you can invoke:\n"
           + json.dumps([{"name": "Market Trends API", "description": "Trends.", "parameters": {"type": "object", "properties": {"country": {"type": "string"}}}}])
           + ".\nShould you decide to return the function call(s), put them in the format of [func1(params_name=params_value)]",
           "conversations": [
               {"from": "user", "value": "Market trends in the US?"},
               {"from": "assistant", "value": "[Market Trends API(country=\"us\")]"},
               {"from": "tool", "value": "[{\"name\": \"Market Trends API\", \"results\": {}}]"},
               {"from": "assistant", "value": "Here they are."}]}

XLAM = {"id": 1, "query": "Weather in Paris?", "tools": json.dumps([{"name": "get_weather", "description": "d",
        "parameters": {"city": {"type": "str", "description": "c"}}}]),
        "answers": json.dumps([{"name": "get_weather", "arguments": {"city": "Paris"}}])}

GLAIVE = {"system": "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
          + json.dumps(WEATHER, indent=2),
          "chat": "USER: Weather in Paris?\n\n\nASSISTANT: <functioncall> {\"name\": \"get_weather\", \"arguments\": '{\"city\": \"Paris\"}'} "
                  "<|endoftext|>\n\n\nFUNCTION RESPONSE: {\"temp\": 21}\n\n\nASSISTANT: 21 degrees. <|endoftext|>"}


def _calls(rec: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(c["function"]["name"], c["function"]["arguments"]) for m in rec["messages"] for c in m.get("tool_calls") or []]


def _tool_names(rec: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in rec.get("tools") or [] if "function" in t]


# ------------------------------------------------------------------------------ registry and detection


@pytest.mark.parametrize(("rec", "dialect"), [
    (CANONICAL, "canonical"), (OPENAI, "openai"), (OPENAI_LEGACY, "openai"), (ANTHROPIC, "anthropic"),
    (LF_V1, "llamafactory-v1"), (SHAREGPT, "sharegpt"), (HERMES, "hermes"), (HERMES_TEXT, "hermes"),
    (TOOLACE, "toolace"), (XLAM, "xlam"), (GLAIVE, "glaive"), ({"text": "hi"}, "unknown"), ([1], "unknown"),
])
def test_detection(rec: Any, dialect: str) -> None:
    assert detect_format(rec) == dialect


def test_registry_is_one_table_with_specs() -> None:
    assert FORMATS == ("auto", *DIALECTS)
    assert {"canonical", "openai", "anthropic", "llamafactory-v1", "sharegpt", "hermes", "toolace", "xlam", "glaive", "alpaca",
            "conversation-key"} == set(DIALECTS)
    for d in DIALECTS.values():
        assert d.spec and d.title


# ------------------------------------------------------------------------------ each dialect by its spec


def test_openai_string_arguments_content_parts_and_builtin_tools() -> None:
    r = read_record(OPENAI)
    assert r.ok and r.dialect == "openai"
    assert _calls(r.obj) == [("get_weather", {"city": "Paris"})]
    user = r.obj["messages"][0]
    assert user["content"] == "Weather in Paris?" and user["content_parts"] == [OPENAI["messages"][0]["content"][1]]
    assert {"type": "code_interpreter"} in r.obj["tools"]  # passed through untouched
    assert r.obj["messages"][3]["weight"] == 1 and r.obj["parallel_tool_calls"] is False
    kinds = {n.kind for n in r.notes}
    assert "call arguments decoded from JSON text" in kinds and not any(n.code for n in r.notes)
    assert list(r.obj) == ["messages", "tools", "parallel_tool_calls"]  # the source's key order


def test_openai_legacy_function_fields() -> None:
    r = read_record(OPENAI_LEGACY)
    assert r.ok and r.dialect == "openai"
    assert _calls(r.obj) == [("get_weather", {"city": "Paris"})]
    tool = r.obj["messages"][2]
    assert tool["role"] == "tool" and tool["tool_call_id"] == r.obj["messages"][1]["tool_calls"][0]["id"]
    assert _tool_names(r.obj) == ["get_weather"] and "functions" not in r.obj


def test_openai_tool_message_linked_by_name() -> None:
    rec = {"messages": [{"role": "user", "content": "a"},
                        {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{}"}}, {"function": {"name": "g", "arguments": "{}"}}]},
                        {"role": "tool", "name": "g", "content": "1"}, {"role": "tool", "name": "f", "content": "2"}]}
    out = read_record(rec).obj
    ids = {c["function"]["name"]: c["id"] for c in out["messages"][1]["tool_calls"]}
    assert out["messages"][2]["tool_call_id"] == ids["g"] and out["messages"][3]["tool_call_id"] == ids["f"]


def test_anthropic_blocks() -> None:
    r = read_record(ANTHROPIC)
    assert r.ok and r.dialect == "anthropic"
    msgs = r.obj["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "assistant"]
    assert msgs[2]["reasoning_content"] == "Call the tool." and msgs[2]["content"] == "Checking."
    assert _calls(r.obj) == [("get_weather", {"city": "Paris"})]
    assert msgs[3] == {"role": "tool", "content": "21", "tool_call_id": "toolu_1", "name": "get_weather"}
    assert r.obj["tools"] == [{"type": "function", "function": {"name": "get_weather", "description": "Weather.",
                                                                  "parameters": WEATHER["parameters"]}}]


def test_llamafactory_v1_parts() -> None:
    r = read_record(LF_V1)
    assert r.ok and r.dialect == "llamafactory-v1"
    msgs = r.obj["messages"]
    assert msgs[0] == {"role": "system", "content": "Use tools."}
    assert msgs[2]["reasoning_content"] == "Two calls." and msgs[2]["content"] is None
    assert _calls(r.obj) == [("area", {"r": 1}), ("area", {"r": 2})]
    tools = [m for m in msgs if m["role"] == "tool"]  # one message with a result per call -> two
    assert [t["content"] for t in tools] == ["3.14", "12.57"]
    assert [t["tool_call_id"] for t in tools] == [c["id"] for c in msgs[2]["tool_calls"]]
    assert msgs[-1] == {"role": "assistant", "content": "3.14 and 12.57.", "loss_weight": 1.0}
    assert _tool_names(r.obj) == ["area"]


def test_llamafactory_v1_unknown_part_is_not_read() -> None:
    bad = {"messages": [{"role": "user", "content": [{"type": "text", "value": "a"}]},
                        {"role": "assistant", "content": [{"type": "hologram", "value": "x"}]}]}
    r = read_record(bad)
    assert not r.ok and r.dialect == "llamafactory-v1" and r.obj is None
    assert r.error is not None and r.error.path == "$.messages[1].content[0].type" and "hologram" in r.error.message


def test_sharegpt_hermes_and_hermes_text() -> None:
    share = read_record(SHAREGPT).obj
    assert _calls(share) == [("get_weather", {"city": "Paris"})] and _tool_names(share) == ["get_weather"]
    for rec in (HERMES, HERMES_TEXT):
        r = read_record(rec)
        assert r.ok and r.dialect == "hermes"
        assert _calls(r.obj) == [("get_weather", {"city": "Paris"})] and _tool_names(r.obj) == ["get_weather"]
        system = r.obj["messages"][0]
        assert system["role"] == "system" and "<tools>" not in system["content"]  # moved into tools
    assert read_record(HERMES).obj["messages"][3]["content"] == "{\"temp\": 21}"


def test_toolace_system_tools_and_pythonic_calls() -> None:
    r = read_record(TOOLACE)
    assert r.ok and r.dialect == "toolace"
    assert _tool_names(r.obj) == ["Market Trends API"]
    assert _calls(r.obj) == [("Market Trends API", {"country": "us"})]
    assert "Here is a list of functions" not in r.obj["messages"][0]["content"]
    assert "tools read from the system prompt (toolace)" in {n.kind for n in r.notes}


def test_toolace_empty_call_list_is_kept_for_the_linter() -> None:
    rec = {**TOOLACE, "conversations": [{"from": "human", "value": "x"}, {"from": "function_call", "value": "[]"},
                                        {"from": "gpt", "value": "done"}]}
    r = read_record(rec)
    assert r.ok and r.obj["messages"][2] == {"role": "assistant", "content": None, "tool_calls": []}  # TP201


def test_xlam_and_irrelevance_and_glaive() -> None:
    x = read_record(XLAM).obj
    assert _calls(x) == [("get_weather", {"city": "Paris"})] and x["id"] == 1
    irr = read_record({**XLAM, "answers": "[]"}).obj
    assert irr["expected_calls"] == [] and [m["role"] for m in irr["messages"]] == ["user"]
    g = read_record(GLAIVE).obj
    assert _calls(g) == [("get_weather", {"city": "Paris"})] and _tool_names(g) == ["get_weather"]


def test_glaive_broken_tool_list_is_a_finding_not_a_lost_record() -> None:
    rec = {**GLAIVE, "system": "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n{\"name\": "}
    r = read_record(rec)
    assert r.ok and [n.code for n in r.notes if n.code] == ["TP407"]


# ------------------------------------------------------------------------------ tools in system prompts


@pytest.mark.parametrize(("text", "wording"), [
    ("Hi <tools>[" + json.dumps(WEATHER) + "]</tools> bye", "hermes"),
    ("Hi <tools>" + json.dumps(WEATHER) + "\n" + json.dumps({**WEATHER, "name": "g"}) + "</tools>", "hermes"),
    ("You are a helpful assistant with access to the following functions. Use them if required -\n" + json.dumps(WEATHER), "glaive"),
    ("Here is a list of functions in JSON format that you can invoke:\n[" + json.dumps(WEATHER) + "]. Answer.", "toolace"),
    ("Tools you may use: [" + json.dumps(WRAPPED) + "]\nBe brief.", "json-list"),
])
def test_system_tools_found(text: str, wording: str) -> None:
    found = find_system_tools(text)
    assert found is not None and found.error is None and found.wording == wording
    assert found.tools[0]["function"]["name"] == "get_weather"
    assert json.dumps(WEATHER) not in found.rest and "get_weather" not in found.rest


def test_system_tools_absent_or_broken() -> None:
    assert find_system_tools("Be brief. Lists like [1, 2] are not tools.") is None
    assert find_system_tools("The XML tags <tools></tools> hold nothing here.") is None
    broken = find_system_tools("<tools>[{\"name\": \"f\", </tools>")
    assert broken is not None and broken.error and "not a JSON tool list" in broken.error
    assert find_system_tools("Here is a list of functions in JSON format that you can invoke:\nnone today").error


def test_pythonic_calls() -> None:
    assert parse_calls('[f(a=1, b="x"), Market Trends API(country="us", n=[1, 2])]') == [
        {"name": "f", "arguments": {"a": 1, "b": "x"}},
        {"name": "Market Trends API", "arguments": {"country": "us", "n": [1, 2]}}]
    assert parse_calls('[Send SMS (Custom)(otp="1")]') == [{"name": "Send SMS (Custom)", "arguments": {"otp": "1"}}]
    assert parse_calls("[]") == []
    for bad in ("[f(1)]", "[f(a=x)]", "[f(a=1]", "[f(**k)]"):
        with pytest.raises(PythonicError):
            parse_calls(bad)


# ------------------------------------------------------------------------------ the commands


def _write(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _lint(path: Path, tmp: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    report = tmp / "report.json"
    # the mix rules (TP70x: what the whole set teaches) are about balance, not about reading
    rc = main(["lint", str(path), "--format", "json", "-o", str(report), "--ignore", "TP70", *extra])
    return rc, json.loads(report.read_text(encoding="utf-8"))


def test_lint_reads_openai_as_openai(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path / "openai.jsonl", [OPENAI, OPENAI_LEGACY])
    rc, rep = _lint(p, tmp_path)
    assert rc == 0  # no error: every finding the OpenAI records could get is allowed by its spec
    codes = {f["code"] for f in rep["findings"]}
    assert not codes & {"TP203", "TP004", "TP005", "TP405"}, rep["findings"]
    assert rep["files"][0]["dialects"] == {"openai": 2}
    assert main(["lint", str(p)]) in (0, 1)
    assert f"{p}: read as openai (2 records)" in capsys.readouterr().out
    # --input-format canonical reads the same file as canonical: then string arguments are TP203
    _, rep = _lint(p, tmp_path, "--input-format", "canonical")
    assert "TP203" in {f["code"] for f in rep["findings"]}


def test_string_arguments_in_a_canonical_file_stay_defects(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(CANONICAL))
    bad["messages"][1]["tool_calls"][0]["function"]["arguments"] = "{\"city\": \"Paris\"}"
    p = _write(tmp_path / "d.jsonl", [CANONICAL, bad])
    _, rep = _lint(p, tmp_path)
    assert [(f["code"], f["record"]) for f in rep["findings"] if f["code"] == "TP203"] == [("TP203", 1)]
    assert rep["files"][0]["dialects"] == {"canonical": 2}


def test_lint_code_interpreter_calls(tmp_path: Path) -> None:
    rec = {"tools": [WRAPPED, {"type": "code_interpreter"}], "messages": [
        {"role": "user", "content": "Remove 3 from [1, 3]"},
        {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "python", "arguments": "l = [1, 3]\nl.remove(3)"}}]},
        {"role": "tool", "name": "python", "content": "[1]"},
        {"role": "assistant", "content": "[1]"}]}
    p = _write(tmp_path / "f.jsonl", [rec])
    _, rep = _lint(p, tmp_path)
    assert [f["code"] for f in rep["findings"]] == ["TP208"]
    out = tmp_path / "o.jsonl"
    assert main(["convert", str(p), "-o", str(out)]) == 0
    assert {"type": "code_interpreter"} in json.loads(out.read_text())["tools"]


def test_lint_toolace_names_the_closest_declared_tool(tmp_path: Path) -> None:
    cut = {**TOOLACE, "conversations": [{"from": "human", "value": "Trends?"},
                                        {"from": "function_call", "value": "{\"name\": \"API\", \"arguments\": {\"country\": \"us\"}}"},
                                        {"from": "observation", "value": "{}"}, {"from": "gpt", "value": "ok"}]}
    p = _write(tmp_path / "t.jsonl", [TOOLACE, cut])
    _, rep = _lint(p, tmp_path)
    assert [(f["code"], f["record"], f["message"]) for f in rep["findings"]] == [
        ("TP206", 1, "'API' is not declared; did you mean 'Market Trends API'?")]


def test_lint_reports_unparseable_system_tools_and_unreadable_records(tmp_path: Path) -> None:
    broken_tools = {**HERMES, "conversations": [{"from": "system", "value": "<tools>[{\"name\": </tools>"}, *HERMES["conversations"][1:]]}
    unreadable = {"conversations": [{"from": "human", "value": "hi"}, {"from": "narrator", "value": "?"}]}
    p = _write(tmp_path / "h.jsonl", [broken_tools, unreadable])
    _, rep = _lint(p, tmp_path)
    got = {(f["code"], f["record"]) for f in rep["findings"]}
    assert ("TP407", 0) in got and ("TP012", 1) in got
    assert [f for f in rep["findings"] if f["record"] == 1] == [f for f in rep["findings"] if f["code"] == "TP012"]
    assert rep["files"][0]["dialects"] == {"hermes": 1, "unread": 1}


def test_convert_counts_per_dialect_and_never_converts_what_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_v1 = {"messages": [{"role": "user", "content": [{"type": "hologram", "value": "x"}]}]}
    p = _write(tmp_path / "mixed.jsonl", [LF_V1, bad_v1, SHAREGPT, ANTHROPIC])
    out = tmp_path / "o.jsonl"
    assert main(["convert", str(p), "-o", str(out)]) == 1
    text = capsys.readouterr().out
    assert "llamafactory-v1: read 2, converted 1, quarantined 1" in text
    assert "sharegpt: read 1, converted 1, quarantined 0" in text and "anthropic: read 1, converted 1" in text
    assert len(out.read_text().splitlines()) == 3
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text().splitlines()]
    assert [(r["line"], r["findings"][0]["code"], r["record"]) for r in q] == [(2, "TP012", bad_v1)]
    assert main(["convert", str(p), "-o", str(out), "--allow-unread"]) == 0
    # --input-format forces a dialect
    assert main(["convert", str(p), "-o", str(out), "--input-format", "sharegpt"]) == 1


def test_clean_quarantines_unreadable_records_whole_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_v1 = {"messages": [{"role": "user", "content": [{"type": "hologram", "value": "x"}]}]}
    p = _write(tmp_path / "d.jsonl", [CANONICAL, bad_v1])
    out = tmp_path / "o.jsonl"
    assert main(["clean", str(p), "-o", str(out)]) == 1
    text = capsys.readouterr().out
    assert "read as: canonical 1, unread 1" in text and "(1 could not be read)" in text
    q = [json.loads(x) for x in (tmp_path / "o.quarantine.jsonl").read_text().splitlines()]
    assert q[0]["record"] == bad_v1 and q[0]["findings"][0]["code"] == "TP012"
    assert main(["clean", str(p), "-o", str(out), "--allow-unread"]) == 0


def test_data_stats_counts_calls_of_every_dialect_and_refuses_zero_for_unread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path / "v1.jsonl", [LF_V1, TOOLACE])
    assert main(["data", "stats", str(p), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["calls"] == 3 and stats["read_as"] == {"llamafactory-v1": 1, "toolace": 1} and stats["unread"] == 0
    bad = _write(tmp_path / "bad.jsonl", [{"messages": [{"role": "user", "content": [{"type": "hologram", "value": "x"}]}]}])
    assert main(["data", "stats", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "calls: 0" not in out and "no record could be read" in out
    mixed = _write(tmp_path / "mixed.jsonl", [CANONICAL, {"conversations": [{"from": "narrator", "value": "?"}]}])
    assert main(["data", "stats", str(mixed)]) == 1
    assert "1 record(s) could not be read" in capsys.readouterr().out
    assert main(["data", "stats", str(mixed), "--allow-unread"]) == 0


def test_iter_records_reports_dialect_and_notes(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.jsonl", [GLAIVE, XLAM])
    rs = list(iter_records(p))
    assert [r.source_format for r in rs] == ["glaive", "xlam"]
    assert "tools read from the system prompt (glaive)" in rs[0].notes


def test_fix_leaves_other_dialects_and_reports_unreadable_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = {"conversations": [{"from": "human", "value": "hi"}, {"from": "narrator", "value": "?"}]}
    p = _write(tmp_path / "d.jsonl", [SHAREGPT, broken])
    before = p.read_bytes()
    assert main(["fix", str(p)]) == 0
    out = capsys.readouterr().out
    assert "TP012 [unreadable-record] $.conversations[1].from: cannot be read as sharegpt" in out
    assert "read as sharegpt 1, unread 1 (records)" in out and p.read_bytes() == before


def test_help_names_every_dialect(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in (["lint", "--help"], ["clean", "--help"], ["convert", "--help"]):
        assert main(cmd) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert all(name in text for name in DIALECTS), (cmd, text)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(
        ["text", "tool_call", "tool_use", "tool_result", "function", "code_interpreter", "[f(a=1)]", "<tools>[]</tools>"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["messages", "conversations", "role", "from", "value", "content", "type", "tools", "name",
                         "arguments", "tool_calls", "function", "system", "query", "answers", "chat", "example", "input"]),
        inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=_JSON, fmt=st.sampled_from(FORMATS))
def test_reading_never_raises(value: Any, fmt: str) -> None:
    r = read_record(value, fmt)
    if r.error is not None:
        assert r.obj is None and r.error.message
    if r.ok and r.dialect not in (None, "canonical"):
        assert isinstance(r.obj, dict) and isinstance(r.obj.get("messages"), list)


# ------------------------------------------------------------------------------ issue 31: common layouts


WJSON = '[{"name": "get_weather", "arguments": {"city": "Paris"}}]'


def test_tools_as_a_list_of_json_strings_are_decoded() -> None:
    rec = {**CANONICAL, "tools": [json.dumps(WRAPPED), json.dumps(WEATHER)]}
    r = read_record(rec)
    assert r.ok and r.dialect == "canonical" and r.obj["tools"] == [WRAPPED, WRAPPED]
    assert [n.kind for n in r.notes] == ["tools decoded from JSON strings"]
    assert read_record(CANONICAL).obj is CANONICAL  # records with tool objects: untouched, the same object


def test_alpaca_with_system_history_and_calls_in_output() -> None:
    rec = {"instruction": "Weather in Paris?", "input": "Use Celsius.", "output": WJSON, "system": "Be brief.",
           "history": [["Hi", "Hello!"]], "tools": json.dumps([WEATHER]), "source": "x"}
    r = read_record(rec)
    assert r.ok and r.dialect == "alpaca"
    assert r.obj == {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                  {"role": "assistant", "content": "Hello!"},
                                  {"role": "user", "content": "Weather in Paris?\n\nUse Celsius."},
                                  {"role": "assistant", "content": WJSON}],
                     "tools": [WRAPPED], "source": "x"}
    # a history of role messages does not make an Alpaca record a conversation under another key
    with_roles = read_record({"instruction": "q", "output": "a", "history": [{"role": "user", "content": "x"}]})
    assert with_roles.dialect == "alpaca" and not with_roles.ok
    bad = read_record({"instruction": "q", "output": "a", "history": [["only one"]]})
    assert not bad.ok and bad.error is not None and bad.error.path == "$.history[0]"


def test_alpaca_calls_in_output_are_repaired_by_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"instruction": "Weather in Paris?", "input": "", "output": f"```json\n{WJSON}\n```",
                               "tools": [WEATHER]}) + "\n")
    out = tmp_path / "o.jsonl"
    assert main(["clean", str(src), "-o", str(out)]) == 0
    rec = json.loads(out.read_text())
    assert rec["messages"][-1]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": {"city": "Paris"}}
    assert "read as: alpaca 1" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["traj", "conversation", "dialog", "chat", "my_turns"])
def test_a_conversation_under_another_key_is_found_and_named(key: str) -> None:
    rec = {"task_id": 7, key: OPENAI["messages"], "tools": OPENAI["tools"], "reward": 1.0}
    r = read_record(rec)
    assert r.ok and r.dialect == "conversation-key", r.error
    assert f"conversation read from '{key}' (as openai)" in [n.kind for n in r.notes]
    direct = read_record({"messages": OPENAI["messages"], "tools": OPENAI["tools"]})
    assert r.obj["messages"] == direct.obj["messages"] and r.obj["task_id"] == 7 and r.obj["reward"] == 1.0
    assert key not in r.obj


def test_a_sharegpt_conversation_under_another_key() -> None:
    rec = {"dialog": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]}
    r = read_record(rec)
    assert r.ok and r.dialect == "conversation-key"
    assert r.obj["messages"] == [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]


def test_unknown_shape_names_the_key_that_looks_like_a_message_list() -> None:
    r = read_record({"id": 1, "turns": [{"speaker": "user", "text": "hi"}, {"speaker": "bot", "text": "yo"}]})
    assert not r.ok and r.error is not None
    assert "key 'turns' holds a list of 2 objects (keys: speaker, text)" in r.error.message


def test_new_layouts_can_be_named(tmp_path: Path) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text(json.dumps({"traj": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}) + "\n")
    assert [r.source_format for r in iter_records(src, "conversation-key")] == ["conversation-key"]
    assert [r.ok for r in iter_records(src, "alpaca")] == [False]  # named wrongly: not read, with the reason
