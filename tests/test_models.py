"""validator.models and schemas/record.schema.json describe the same canonical record."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from toolproof.validator.models import Record

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "record.schema.json"

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}

GOOD: list[dict[str, Any]] = [
    {
        "id": "r1",
        "tools": [WEATHER_TOOL],
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}],
            },
            {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temp\": 21}"},
            {"role": "assistant", "content": "21 degrees."},
        ],
    },
    {"messages": [{"role": "user", "content": "Tell me a joke"}, {"role": "assistant", "content": "No."}], "source": "x"},
    {
        "id": 17,
        "tools": [WEATHER_TOOL],
        "messages": [{"role": "user", "content": "Weather in Rome?"}],
        "expected_calls": [{"name": "get_weather", "arguments": {"city": "Rome"}}],
        "possible_answer": [{"get_weather": {"city": ["Rome", "rome"]}}],
        "category": "simple",
    },
]


def _bad() -> list[tuple[str, dict[str, Any]]]:
    base = GOOD[0]
    out = []
    r = copy.deepcopy(base)
    r["messages"][0]["role"] = "human"
    out.append(("unknown role", r))
    r = copy.deepcopy(base)
    r["messages"] = []
    out.append(("empty messages", r))
    r = copy.deepcopy(base)
    del r["messages"]
    out.append(("no messages", r))
    r = copy.deepcopy(base)
    r["messages"][2]["tool_calls"][0]["function"]["arguments"] = '{"city": "Paris"}'
    out.append(("arguments as a string", r))
    r = copy.deepcopy(base)
    del r["messages"][2]["tool_calls"][0]["function"]["name"]
    out.append(("call without name", r))
    r = copy.deepcopy(base)
    r["tools"][0] = {"name": "get_weather"}
    out.append(("flat tool", r))
    r = copy.deepcopy(base)
    r["messages"][1]["content"] = 5
    out.append(("content not a string", r))
    return out


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(schema)


def test_shipped_schema_is_valid_json_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("record", GOOD)
def test_good_records_accepted_by_both(record: dict[str, Any], schema_validator: jsonschema.Draft202012Validator) -> None:
    errors = list(schema_validator.iter_errors(record))
    assert not errors, [e.message for e in errors]
    Record.model_validate(record)


@pytest.mark.parametrize(("why", "record"), _bad(), ids=[w for w, _ in _bad()])
def test_bad_records_rejected_by_both(why: str, record: dict[str, Any], schema_validator: jsonschema.Draft202012Validator) -> None:
    assert list(schema_validator.iter_errors(record)), f"schema accepted: {why}"
    with pytest.raises(ValidationError):
        Record.model_validate(record)


def test_extra_fields_are_kept() -> None:
    rec = Record.model_validate(GOOD[1])
    dumped = rec.model_dump(exclude_none=True)
    assert dumped["source"] == "x"
    msg = Record.model_validate({"messages": [{"role": "user", "content": "hi", "weight": 0.5}]}).messages[0]
    assert msg.model_dump()["weight"] == 0.5


def test_model_round_trip_keeps_canonical_fields() -> None:
    rec = Record.model_validate(GOOD[0])
    call = rec.messages[2].tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"
    assert call.function.arguments == {"city": "Paris"}
    assert rec.tools is not None and rec.tools[0].function.parameters == WEATHER_TOOL["function"]["parameters"]
