"""Records that are fine must get no finding from any default record rule (false-positive guard).
Each call's values are written in the conversation (else TP703 rightly reports them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolproof.validator.context import build_context
from toolproof.validator.rules.base import all_rules

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "lat": {"type": "number"},
            },
            "required": ["city"],
        },
    },
}
EMAIL = {
    "type": "function",
    "function": {
        "name": "send_email",
        "description": "Send an email.",
        "parameters": {
            "type": "object",
            "properties": {"to": {"type": "string"}, "body": {"type": "string"}},
            "required": ["to", "body"],
        },
    },
}


def _call(name: str, args: dict[str, Any], cid: str) -> dict[str, Any]:
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


CLEAN: dict[str, dict[str, Any]] = {
    "email body mentioning <tool_call> in user message and argument": {
        "tools": [EMAIL],
        "messages": [
            {"role": "user", "content": "Email bob: 'wrap calls in <tool_call>{\"name\": 1}</tool_call> <tool_call>', or a stray </tool_call>"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("send_email", {"to": "bob", "body": "wrap calls in <tool_call>{\"name\": 1}</tool_call> <tool_call>"}, "c1")],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "sent <tool_call>"},
            {"role": "assistant", "content": "Done."},
        ],
    },
    "assistant with text and structured calls": {
        "tools": [WEATHER],
        "messages": [
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {
                "role": "assistant",
                "content": "Let me look both up.",
                "tool_calls": [_call("get_weather", {"city": "Paris"}, "c1"), _call("get_weather", {"city": "Rome"}, "c2")],
            },
            {"role": "tool", "tool_call_id": "c2", "content": "{\"temp\": 25}"},
            {"role": "tool", "tool_call_id": "c1", "content": "{\"temp\": 21}"},
            {"role": "assistant", "content": "Paris 21, Rome 25."},
        ],
    },
    "multi-turn with tool results": {
        "tools": [WEATHER, EMAIL],
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [_call("get_weather", {"city": "Paris", "unit": "celsius"}, "c1")]},
            {"role": "tool", "tool_call_id": "c1", "content": "21"},
            {"role": "assistant", "content": "21 C."},
            {"role": "user", "content": "Email it to ann."},
            {"role": "assistant", "content": None, "tool_calls": [_call("send_email", {"to": "ann", "body": "21 C"}, "c2")]},
            {"role": "tool", "tool_call_id": "c2", "content": "ok"},
            {"role": "assistant", "content": "Sent."},
        ],
    },
    "plain-text answer with no call (irrelevance)": {
        "tools": [WEATHER],
        "messages": [{"role": "user", "content": "Tell me a joke."}, {"role": "assistant", "content": "I can only check the weather."}],
    },
    "omitted optional arguments": {
        "tools": [WEATHER],
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": [_call("get_weather", {"city": "Oslo"}, "c1")]},
        ],
    },
    "integer where the schema says number": {
        "tools": [WEATHER],
        "messages": [
            {"role": "user", "content": "Weather in Paris at latitude 48?"},
            {"role": "assistant", "content": None, "tool_calls": [_call("get_weather", {"city": "Paris", "lat": 48}, "c1")]},
        ],
    },
    "test-set record with expected calls": {
        "id": "t1",
        "tools": [WEATHER],
        "messages": [{"role": "user", "content": "Weather in Lima?"}, {"role": "assistant", "content": "Checking."}],
        "expected_calls": [{"name": "get_weather", "arguments": {"city": "Lima"}}],
        "category": "simple",
    },
}


@pytest.mark.parametrize("name", list(CLEAN))
def test_clean_record_has_no_findings(name: str) -> None:
    record = json.loads(json.dumps(CLEAN[name]))
    ctx = build_context(record, 0, {})
    found = [
        f"{r.code} {h.path}: {h.message}"
        for r in all_rules()
        if r.scope == "record" and r.default_enabled
        for h in r.func(record, ctx)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", list(CLEAN))
def test_quick_path_accepts_clean_records(name: str) -> None:
    """The fused fast path recognises ordinary clean records (else it would save nothing)."""
    from toolproof.validator.rules.quick import quick_clean

    record = json.loads(json.dumps(CLEAN[name]))
    if "<tool_call>" in json.dumps([m.get("content") for m in record["messages"] if m["role"] == "assistant"]):
        pytest.fail("clean fixtures must not hold markup in assistant content")
    assert quick_clean(record, build_context(record, 0, {}))
