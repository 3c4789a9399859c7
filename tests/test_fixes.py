"""Unit tests of the repairs in validator/fixes.py: each repair, its rule code, and what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolproof.validator.findings import FixSafety
from toolproof.validator.fixes import FIXES, apply_fixes, coerce_value, map_schema_type, parse_markup
from toolproof.validator.rules.base import all_rules

W = {"name": "get_weather", "arguments": {"city": "Paris"}}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "d",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "t": {"type": "number"}, "x": {"type": "boolean"}},
                "required": ["city"],
            },
        },
    }
]


def rec(*messages: dict[str, Any], tools: list[Any] | None = None) -> dict[str, Any]:
    return {"id": "r", "messages": [{"role": "user", "content": "q"}, *messages], "tools": tools if tools is not None else TOOLS}


def asst(content: Any = None, calls: Any = None) -> dict[str, Any]:
    m: dict[str, Any] = {"role": "assistant", "content": content}
    if calls is not None:
        m["tool_calls"] = calls
    return m


def codes(changes: list[Any]) -> set[str]:
    return {c.code for c in changes}


def test_every_repair_names_a_registered_rule_and_matches_its_safety() -> None:
    registered = {r.code: r for r in all_rules()}
    for f in FIXES:
        assert f.code in registered, f.name
        declared = registered[f.code].fix
        # a rule declared "none" must not have a repair; unsafe repairs only for unsafe rules
        assert declared is not FixSafety.NONE or f.code in {"TP101", "TP106", "TP203"}, f.name
        if f.safety is FixSafety.UNSAFE:
            assert declared is FixSafety.UNSAFE, f.name


def test_clean_record_is_returned_as_is() -> None:
    r = rec(asst(None, [{"id": "call_1", "type": "function", "function": W}]))
    out, changes = apply_fixes(r)
    assert changes == [] and out is r


def test_markup_with_text_moves_to_tool_calls_and_keeps_text() -> None:
    r = rec(asst("Checking now.\n<tool_call>\n" + json.dumps(W) + "\n</tool_call>"))
    before = json.dumps(r)
    out, changes = apply_fixes(r)
    assert json.dumps(r) == before  # input untouched
    m = out["messages"][1]
    assert m["content"] == "Checking now."
    assert m["tool_calls"] == [{"id": "call_1", "type": "function", "function": W}]
    assert codes(changes) == {"TP105"}


def test_markup_only_leaves_content_null_and_avoids_used_ids() -> None:
    r = rec(
        asst(None, [{"id": "call_1", "type": "function", "function": W}]),
        {"role": "tool", "tool_call_id": "call_1", "content": "{}"},
        asst("<tool_call>" + json.dumps({"name": "get_weather", "arguments": {"city": "Oslo"}}) + "</tool_call>"),
    )
    out, _ = apply_fixes(r)
    m = out["messages"][3]
    assert m["content"] is None
    assert m["tool_calls"][0]["id"] == "call_2"


def test_final_open_tag_with_complete_json_is_closed() -> None:
    out, changes = apply_fixes(rec(asst("<tool_call>\n" + json.dumps(W))))
    assert out["messages"][1]["tool_calls"][0]["function"] == W
    assert "TP101" in codes(changes)


def test_final_open_tag_with_incomplete_json_is_refused() -> None:
    r = rec(asst('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par'))
    out, changes = apply_fixes(r)
    assert changes == [] and out is r


def test_stray_close_after_complete_json_is_repaired_with_text_kept() -> None:
    out, changes = apply_fixes(rec(asst("Sure: " + json.dumps(W) + "</tool_call>")))
    m = out["messages"][1]
    assert m["content"] == "Sure:"
    assert m["tool_calls"][0]["function"] == W
    assert "TP101" in codes(changes)


def test_nested_open_tags_are_refused() -> None:
    r = rec(asst("<tool_call><tool_call>" + json.dumps(W) + "</tool_call>"))
    assert apply_fixes(r)[1] == []


def test_python_literal_is_read_without_eval() -> None:
    out, changes = apply_fixes(rec(asst("<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Rome', 'x': True}}</tool_call>")))
    assert out["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Rome", "x": True}
    assert {"TP104", "TP105"} <= codes(changes)
    evil = rec(asst("<tool_call>__import__('os').system('echo hi')</tool_call>"))
    assert apply_fixes(evil)[1] == []


def test_arguments_json_string_and_double_encoded() -> None:
    one = rec(asst(None, [{"id": "c", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]))
    two = rec(asst(None, [{"id": "c", "function": {"name": "get_weather", "arguments": json.dumps(json.dumps({"city": "Paris"}))}}]))
    for r in (one, two):
        out, changes = apply_fixes(r)
        call = out["messages"][1]["tool_calls"][0]
        assert call["function"]["arguments"] == {"city": "Paris"} and call["type"] == "function"
        assert codes(changes) == {"TP203"}


@pytest.mark.parametrize("bad", ["{city: Paris", '["a", "b"]', '"just a string"', "12"])
def test_arguments_that_are_not_an_object_are_left(bad: str) -> None:
    r = rec(asst(None, [{"id": "c", "type": "function", "function": {"name": "get_weather", "arguments": bad}}]))
    assert apply_fixes(r)[1] == []


def test_parameters_renamed_in_place() -> None:
    r = rec(asst(None, [{"id": "c", "type": "function", "function": {"name": "get_weather", "parameters": {"city": "X"}}}]))
    out, changes = apply_fixes(r)
    assert list(out["messages"][1]["tool_calls"][0]["function"]) == ["name", "arguments"]
    assert codes(changes) == {"TP205"}


def test_schema_types_are_mapped_recursively() -> None:
    params = {
        "type": "dict",
        "properties": {
            "a": {"type": "float"},
            "b": {"type": "list", "items": {"type": "int"}},
            "c": {"type": "any"},
            "d": {"type": ["str", "null"]},
            "e": {"anyOf": [{"type": "bool"}, {"type": "tuple"}]},
            "f": {"type": "string"},
        },
    }
    r = rec(asst("hi"), tools=[{"type": "function", "function": {"name": "f", "description": "d", "parameters": params}}])
    out, changes = apply_fixes(r)
    p = out["tools"][0]["function"]["parameters"]
    assert p["type"] == "object"
    assert p["properties"]["a"] == {"type": "number"}
    assert p["properties"]["b"] == {"type": "array", "items": {"type": "integer"}}
    assert p["properties"]["c"] == {}
    assert p["properties"]["d"] == {"type": ["string", "null"]}
    assert p["properties"]["e"] == {"anyOf": [{"type": "boolean"}, {"type": "array"}]}
    assert p["properties"]["f"] == {"type": "string"}
    assert codes(changes) == {"TP402"} and len(changes) == 8


def test_unknown_schema_type_is_left_for_the_quarantine() -> None:
    assert map_schema_type("banana") == (False, None)
    r = rec(asst("hi"), tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "banana"}}}])
    assert apply_fixes(r)[1] == []


def test_flat_tool_is_wrapped() -> None:
    flat = {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {}}}
    out, changes = apply_fixes(rec(asst("hi"), tools=[flat]))
    assert out["tools"] == [{"type": "function", "function": flat}]
    assert codes(changes) == {"TP406"}


def test_markup_repeating_structured_calls_is_removed_but_disagreement_is_kept() -> None:
    same = rec(asst("<tool_call>" + json.dumps(W) + "</tool_call>", [{"id": "c", "type": "function", "function": W}]))
    out, changes = apply_fixes(same)
    assert out["messages"][1]["content"] is None and codes(changes) == {"TP106"}
    other = {"name": "get_weather", "arguments": {"city": "Oslo"}}
    differ = rec(asst("<tool_call>" + json.dumps(other) + "</tool_call>", [{"id": "c", "type": "function", "function": W}]))
    assert apply_fixes(differ)[1] == []


def test_unsafe_fixes_only_when_asked() -> None:
    r = rec(asst(None, [{"id": "c", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "P", "days": "3", "t": "12.5", "x": "true", "mood": "ok"}}}]))
    assert apply_fixes(r)[1] == []
    out, changes = apply_fixes(r, unsafe=True)
    assert out["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "P", "days": 3, "t": 12.5, "x": True}
    assert [c.code for c in changes].count("TP303") == 3 and [c.code for c in changes].count("TP302") == 1


@pytest.mark.parametrize(
    ("value", "typ", "expected"),
    [("3", "integer", (True, 3)), ("3.5", "integer", (False, None)), ("12.5", "number", (True, 12.5)),
     ("-4", "number", (True, -4)), ("nan", "number", (False, None)), ("1e999", "number", (False, None)),
     ("true", "boolean", (True, True)), ("False", "boolean", (True, False)), ("yes", "boolean", (False, None)),
     ("3", "string", (False, None))],
)
def test_coercion_is_unambiguous_only(value: str, typ: str, expected: tuple[bool, Any]) -> None:
    assert coerce_value(value, typ) == expected


def test_tag_text_inside_argument_values_is_not_markup() -> None:
    args = {"name": "note", "arguments": {"text": "write </tool_call> literally"}}
    parsed = parse_markup("<tool_call>" + json.dumps(args) + "</tool_call>")
    assert parsed is not None and parsed.calls == [args] and parsed.rest == ""


def test_fixes_reach_a_fixpoint() -> None:
    payload = {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}
    out, changes = apply_fixes(rec(asst("<tool_call>" + json.dumps(payload) + "</tool_call>")))
    assert out["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Paris"}
    again, more = apply_fixes(out)
    assert more == [] and again is out


# ---- properties: repairs never raise, never touch the input, and reach a fixpoint

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(
    ["", "x", "<tool_call>", "</tool_call>", '{"city": "P"}', json.dumps(json.dumps({"a": 1})), "dict", "float", "any", "Paris",
     "<tool_call>" + json.dumps(W) + "</tool_call>", json.dumps(W) + "</tool_call>", "<tool_call>{'name': 'f', 'arguments': {}}",
     "<tool_call>" + json.dumps(W)]))
_json = st.recursive(_scalars, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.sampled_from(
    ["name", "arguments", "parameters", "type", "function", "properties", "items", "content", "id", "role", "x"]), c, max_size=4)), max_leaves=12)
_call = st.fixed_dictionaries({}, optional={"id": _scalars, "type": _scalars, "function": st.fixed_dictionaries(
    {}, optional={"name": st.one_of(st.just("get_weather"), _scalars), "arguments": _json, "parameters": _json})})
_msg = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "tool", "system", "bot"])}, optional={
    "content": _scalars, "tool_calls": st.one_of(st.lists(_call, max_size=3), _json), "tool_call_id": _scalars})
_tool = st.one_of(st.just(TOOLS[0]), st.just(TOOLS[0]["function"]), st.fixed_dictionaries({}, optional={
    "type": _scalars, "function": _json, "name": _scalars, "parameters": _json}), _json)
_record = st.fixed_dictionaries({}, optional={"id": _scalars, "messages": st.one_of(st.lists(st.one_of(_msg, _json), max_size=4), _json),
                                              "tools": st.one_of(st.lists(_tool, max_size=3), _json)})


@settings(max_examples=300, deadline=None)
@given(_record, st.booleans())
def test_repairs_never_raise_and_reach_a_fixpoint(record: dict[str, Any], unsafe: bool) -> None:
    before = json.dumps(record, sort_keys=True)
    out, changes = apply_fixes(record, unsafe=unsafe)
    assert json.dumps(record, sort_keys=True) == before
    assert all(c.code.startswith("TP") and c.path.startswith("$") for c in changes)
    again, more = apply_fixes(out, unsafe=unsafe)
    assert more == [], [c.message for c in more]
    json.dumps(out, allow_nan=False)


# --------------------------------------------------------------------------- TP008 renumber-call-ids (issue 31)


def _c(cid: str, city: str) -> dict[str, Any]:
    return {"id": cid, "type": "function", "function": {"name": "get_weather", "arguments": {"city": city}}}


def _t(cid: str, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": cid, "content": content}


def test_reused_call_id_is_renumbered_and_its_results_follow() -> None:
    # an agent log: the id call_1 is reused for each later call, each result follows its own call
    r = rec(asst(None, [_c("call_1", "Paris")]), _t("call_1", "21"),
            asst(None, [_c("call_1", "Rome"), _c("call_2", "Oslo")]), _t("call_1", "25"), _t("call_2", "9"),
            asst(None, [_c("call_1", "Lima")]), _t("call_1", "30"), asst("Done."))
    out, changes = apply_fixes(r)
    msgs = out["messages"]
    # the first call keeps its id; the later ones get call_1_2, call_1_3; call_2 is untouched
    assert [c["id"] for m in msgs for c in m.get("tool_calls") or []] == ["call_1", "call_1_2", "call_2", "call_1_3"]
    assert [m["tool_call_id"] for m in msgs if m["role"] == "tool"] == ["call_1", "call_1_2", "call_2", "call_1_3"]
    assert [m["content"] for m in msgs if m["role"] == "tool"] == ["21", "25", "9", "30"]  # nothing moved
    assert codes(changes) == {"TP008"} and len(changes) == 2
    assert changes[0].path == "$.messages[3].tool_calls[0].id" and "call_1_2" in changes[0].message
    # idempotent, and deterministic
    assert apply_fixes(out) == (out, [])
    assert apply_fixes(r)[0] == out


def test_renumbered_id_avoids_ids_in_use() -> None:
    r = rec(asst(None, [_c("a", "Paris")]), _t("a", "1"), asst(None, [_c("a_2", "Oslo")]), _t("a_2", "2"),
            asst(None, [_c("a", "Rome")]), _t("a", "3"), asst("Done."))
    out, _ = apply_fixes(r)
    assert [c["id"] for m in out["messages"] for c in m.get("tool_calls") or []] == ["a", "a_2", "a_3"]
    assert out["messages"][6]["tool_call_id"] == "a_3"


@pytest.mark.parametrize(
    "messages",
    [
        # two calls in one message share an id, then a result: it could answer either
        [asst(None, [_c("c1", "Paris"), _c("c1", "Rome")]), _t("c1", "21"), _t("c1", "25")],
        # a second call before the first one's result
        [asst(None, [_c("c1", "Paris")]), asst(None, [_c("c1", "Rome")]), _t("c1", "21"), _t("c1", "25")],
        # a call answered twice, then the id reused: which result is the later call's?
        [asst(None, [_c("c1", "Paris")]), _t("c1", "21"), _t("c1", "25"), asst(None, [_c("c1", "Rome")]), _t("c1", "25")],
    ],
)
def test_ambiguous_reused_ids_are_left_for_the_quarantine(messages: list[dict[str, Any]]) -> None:
    r = rec(*messages, asst("Done."))
    out, changes = apply_fixes(r)
    assert changes == [] and out is r


def test_reused_ids_without_results_are_renumbered() -> None:
    # no result at all: nothing can be misplaced (a test prompt, or calls whose results were cut)
    out, changes = apply_fixes(rec(asst(None, [_c("c1", "Paris"), _c("c1", "Rome")])))
    assert [c["id"] for c in out["messages"][1]["tool_calls"]] == ["c1", "c1_2"] and codes(changes) == {"TP008"}


# --------------------------------------------------------------------------- TP107: the whole content is a JSON call list


@pytest.mark.parametrize(
    "content",
    [
        '[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_weather", "arguments": {"city": "Rome"}}]',
        '```json\n[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_weather", "parameters": {"city": "Rome"}}]\n```',
        '```\n[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_weather", "arguments": {"city": "Rome"}}]\n```\n',
    ],
)
def test_whole_content_json_call_list_becomes_tool_calls(content: str) -> None:
    r = rec(asst(content))
    out, changes = apply_fixes(r)
    m = out["messages"][1]
    assert m["content"] is None
    assert [c["function"] for c in m["tool_calls"]] == [{"name": "get_weather", "arguments": {"city": "Paris"}},
                                                         {"name": "get_weather", "arguments": {"city": "Rome"}}]
    assert [c["id"] for c in m["tool_calls"]] == ["call_1", "call_2"] and codes(changes) == {"TP107"}
    assert apply_fixes(out) == (out, [])  # idempotent


@pytest.mark.parametrize(
    "content",
    [
        'Here you go:\n```json\n[{"name": "get_weather", "arguments": {"city": "Paris"}}]\n```',  # prose beside it
        '```json\n[{"name": "book_taxi", "arguments": {"to": "airport"}}]\n```',  # an undeclared tool
        '```json\n[{"name": "get_weather", "arguments": "city=Paris"}]\n```',  # arguments not an object
        "```json\n[{'name': 'get_weather', 'arguments': {'city': 'Paris'}}]\n```",  # a Python literal, not JSON
    ],
)
def test_fenced_calls_that_are_not_the_whole_exact_content_are_left(content: str) -> None:
    r = rec(asst(content))
    out, changes = apply_fixes(r)
    assert changes == [] and out is r
