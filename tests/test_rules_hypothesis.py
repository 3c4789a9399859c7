"""Rules never raise: random JSON values and random near-valid records through every rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolproof.validator.context import build_context
from toolproof.validator.findings import Hit
from toolproof.validator.formats import read_record
from toolproof.validator.rules.base import Context, all_rules
from toolproof.validator.rules.dataset import facts, summarize
from toolproof.validator.rules.quick import QUICK_CODES, quick_clean, quick_walk

RECORD_RULES = [r for r in all_rules() if r.scope == "record" and r.default_enabled]
DATASET_RULES = [r for r in all_rules() if r.scope == "dataset" and r.default_enabled]

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

NAMES = ["get_weather", "send_email", "search", ""]
TYPES = ["object", "string", "number", "integer", "boolean", "array", "null", "dict", "float", "tuple", "any", "str", "foo", "String"]

schemas = st.recursive(
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), max_size=3), json_values),
            "enum": st.one_of(st.lists(scalars, max_size=3), json_values),
            "pattern": st.sampled_from(["^[a-z]+$", "[a-", "(", "\\d+", 5]),
            "minimum": st.one_of(st.integers(), st.text(max_size=3)),
            "required": st.one_of(st.lists(st.sampled_from(["city", "a", "b"]), max_size=3), json_values),
            "$ref": st.sampled_from(["#", "#/definitions/x", "#/properties/a", "http://example.invalid/s.json", "#/nope"]),
            "$schema": st.sampled_from(["http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2020-12/schema", "bogus", 3]),
            "format": st.sampled_from(["date", "email", "uri"]),
        },
    ),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(TYPES),
            "properties": st.dictionaries(st.sampled_from(["city", "a", "b", "type"]), st.one_of(children, json_values), max_size=3),
            "items": st.one_of(children, st.lists(children, max_size=2), json_values),
            "additionalProperties": st.one_of(st.booleans(), children),
            "anyOf": st.lists(children, max_size=2),
            "patternProperties": st.dictionaries(st.sampled_from(["^a", "[", "x"]), children, max_size=2),
            "definitions": st.dictionaries(st.sampled_from(["x"]), children, max_size=1),
            "required": st.lists(st.sampled_from(["city", "a", "b"]), max_size=3),
        },
    ),
    max_leaves=8,
)

FRAGMENTS = [
    "<tool_call>",
    "</tool_call>",
    '{"name": "get_weather", "arguments": {"city": "Paris"}}',
    "{'name': 'search', 'arguments': {'q': True}}",
    '[{"name": "a", "arguments": {}}]',
    '{"arguments": {}}',
    "text ",
    '"',
    "'",
    "{",
    "\n",
]
markup_text = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)

arguments = st.one_of(
    st.dictionaries(st.sampled_from(["city", "a", "b", "unit"]), json_values, max_size=3),
    st.dictionaries(st.sampled_from(["city", "a"]), json_values, max_size=2).map(json.dumps),
    st.text(max_size=10),
    json_values,
)
functions = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(NAMES), json_values),
        "arguments": arguments,
        "parameters": json_values,
    },
)
calls = st.one_of(
    st.fixed_dictionaries(
        {"function": st.one_of(functions, json_values)},
        optional={"id": st.one_of(st.sampled_from(["c1", "c2"]), json_values), "type": st.just("function")},
    ),
    functions,
    json_values,
)
messages = st.one_of(
    st.fixed_dictionaries(
        {"role": st.one_of(st.sampled_from(["system", "user", "assistant", "tool", "human"]), json_values)},
        optional={
            "content": st.one_of(markup_text, st.none(), json_values),
            "tool_calls": st.one_of(st.lists(calls, max_size=3), json_values),
            "tool_call_id": st.one_of(st.sampled_from(["c1", "c2", "c3"]), json_values),
            "name": json_values,
        },
    ),
    json_values,
)
tools = st.one_of(
    st.fixed_dictionaries(
        {"function": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "name": st.one_of(st.sampled_from(NAMES), json_values),
                    "description": st.one_of(st.text(max_size=5), json_values),
                    "parameters": st.one_of(schemas, json_values),
                },
            ),
            json_values,
        )},
        optional={"type": st.one_of(st.just("function"), json_values)},
    ),
    st.fixed_dictionaries({"name": st.sampled_from(NAMES)}, optional={"parameters": schemas}),
    json_values,
)
records = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.sampled_from(["a", "b"]), json_values),
        "messages": st.one_of(st.lists(messages, max_size=5), json_values),
        "tools": st.one_of(st.lists(tools, max_size=3), json_values),
        "expected_calls": st.one_of(st.lists(st.one_of(functions, json_values), max_size=2), json_values),
    },
)


def _run_all(record: Any, index: int = 0) -> None:
    ctx = build_context(record, index, {})
    fired = []
    for r in RECORD_RULES:
        for h in r.func(record, ctx):
            assert isinstance(h, Hit), r.code
            assert isinstance(h.path, str) and h.path.startswith("$"), (r.code, h.path)
            assert isinstance(h.message, str) and h.message, r.code
            fired.append(r.code)
    # the fused fast path may only call a record clean when no covered rule fires
    if quick_clean(record, build_context(record, index, {})):
        assert not [c for c in fired if c in QUICK_CODES], fired
        # and what its walk saw gives the dataset summary the general walk gives
        walk = quick_walk(record)
        assert walk is not None
        assert facts(record, True, walk) == facts(record, True)
        if walk.plain:  # and the reader may take it as it stands
            reading = read_record(record)
            assert reading.dialect == "canonical" and reading.obj is record and not reading.notes


@SETTINGS
@given(json_values)
def test_rules_never_raise_on_json_values(value: Any) -> None:
    _run_all(value)
    summarize(value, 0, 1)


@SETTINGS
@given(records)
def test_rules_never_raise_on_near_valid_records(record: dict[str, Any]) -> None:
    _run_all(record)


@SETTINGS
@given(st.lists(st.one_of(records, json_values), max_size=5))
def test_dataset_rules_never_raise(recs: list[Any]) -> None:
    summaries = [summarize(r, i, i + 1) for i, r in enumerate(recs)]
    ctx = Context(options={})
    for r in DATASET_RULES:
        for i, h in r.func(summaries, ctx):
            assert 0 <= i < len(recs)
            assert isinstance(h, Hit)


def test_deep_and_recursive_schemas_do_not_raise() -> None:
    deep: dict[str, Any] = {"type": "object"}
    node = deep
    for _ in range(300):
        child: dict[str, Any] = {"type": "dict"}
        node["properties"] = {"a": child}
        node = child
    for params in (deep, {"$ref": "#"}, {"type": "object", "properties": {"a": {"$ref": "#"}}}, {"$ref": "http://example.invalid/x"}):
        record = {
            "tools": [{"type": "function", "function": {"name": "f", "description": "d", "parameters": params}}],
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"a": {"a": 1}}}}]},
            ],
        }
        _run_all(record)


BASE_RECORD: dict[str, Any] = {
    "id": "r1",
    "tools": [
        {"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}, "n": {"type": "integer", "maximum": 5}},
            "required": ["city"]}}},
        {"type": "function", "function": {"name": "send_email", "description": "Mail.", "parameters": {
            "type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]}}},
    ],
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "n": 2}}},
            {"id": "c2", "type": "function", "function": {"name": "send_email", "arguments": {"to": "a"}}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "21"},
        {"role": "tool", "tool_call_id": "c2", "content": "ok"},
        {"role": "assistant", "content": "21 degrees."},
    ],
    "expected_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, prefix + (i,)))
    return out


ALL_PATHS = [p for p in _paths(BASE_RECORD) if p]
REPLACEMENTS = st.one_of(
    json_values,
    st.sampled_from(["", " ", "c1", "c3", "assistant", "tool", "get_wether", "dict", "float", "<tool_call>", '{"city": "Paris"}',
                     "function", 7, 7.5, True, None, [], {}]),
)


@st.composite
def mutated_records(draw: st.DrawFn) -> dict[str, Any]:
    record = json.loads(json.dumps(BASE_RECORD))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent: Any = record
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(REPLACEMENTS)
        except (KeyError, IndexError, TypeError):
            pass
    return record


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_records())
def test_quick_clean_is_exact_on_mutated_records(record: dict[str, Any]) -> None:
    _run_all(record)


def test_base_record_is_quick_clean() -> None:
    record = json.loads(json.dumps(BASE_RECORD))
    assert quick_clean(record, build_context(record, 0, {}))
    walk = quick_walk(record)
    assert walk is not None and walk.exact and walk.parallel and walk.answers == 1
    assert facts(record, True, walk) == facts(record, True)


def test_quick_walk_leaves_odd_call_shapes_to_the_summary() -> None:
    """A call with a top-level "name" beside "function", and a test record answered only by its
    expected_calls, are read by the summary's own walk (the fast path's reading would differ)."""
    record = json.loads(json.dumps(BASE_RECORD))
    record["messages"][2]["tool_calls"][0]["name"] = "send_email"
    walk = quick_walk(record)
    assert walk is not None and not walk.exact
    assert facts(record, True, walk) == facts(record, True)
    test = {"tools": record["tools"], "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Sure."}],
            "expected_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}
    walk = quick_walk(test)
    assert walk is not None and not walk.exact
    assert facts(test, True, walk)[9] == ("get_weather",)


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.pop("tools"),  # tools may sit in the system prompt: the reader looks
        lambda r: r.update(system="Be brief."),  # Anthropic's top-level system field
        lambda r: r.update(functions=[]),  # OpenAI's legacy functions list
        lambda r: r["messages"][1].update(function_call={"name": "get_weather", "arguments": "{}"}),
        lambda r: r["tools"][0].update(input_schema={"type": "object"}),
    ],
)
def test_quick_walk_is_plain_only_where_reading_changes_nothing(change: Any) -> None:
    record = json.loads(json.dumps(BASE_RECORD))
    walk = quick_walk(record)
    assert walk is not None and walk.plain
    change(record)
    walk = quick_walk(record)
    assert walk is None or not walk.plain
