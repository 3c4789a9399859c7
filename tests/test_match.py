"""Matcher semantics, case by case: structural (expected_calls) and BFCL (possible_answer)."""

from __future__ import annotations

from typing import Any

import pytest

from toolproof.evaluator.match import match, standard_schema, standardize_string


def _tool(name: str, props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": "d",
            "parameters": {"type": "object", "properties": props, "required": required or []}}}


WEATHER = _tool("get_weather", {"city": {"type": "string"}, "days": {"type": "number"},
                                "count": {"type": "integer"}}, ["city"])
TIME = _tool("get_time", {"tz": {"type": "string"}}, ["tz"])


def c(name: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "arguments": args}


def rec(expected: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": "r", "tools": tools if tools is not None else [WEATHER, TIME], "expected_calls": expected}


STRUCTURAL = [
    ("exact", [c("get_weather", city="Paris")], [c("get_weather", city="Paris")], None),
    ("int_equals_float_for_number", [c("get_weather", city="P", days=5.0)], [c("get_weather", city="P", days=5)], None),
    ("float_for_integer_is_type_error", [c("get_weather", city="P", count=5.0)], [c("get_weather", city="P", count=5)], "type_error"),
    ("string_for_number", [c("get_weather", city="P", days="5")], [c("get_weather", city="P", days=5)], "type_error"),
    ("bool_is_not_int", [c("get_weather", city="P", count=True)], [c("get_weather", city="P", count=1)], "type_error"),
    ("wrong_value", [c("get_weather", city="London")], [c("get_weather", city="Paris")], "value_error"),
    ("string_case_matters", [c("get_weather", city="paris")], [c("get_weather", city="Paris")], "value_error"),
    ("wrong_name", [c("get_time", tz="UTC")], [c("get_weather", city="Paris")], "wrong_func_name"),
    ("missing_arg", [c("get_weather")], [c("get_weather", city="Paris")], "missing_required"),
    ("extra_arg", [c("get_weather", city="Paris", days=3)], [c("get_weather", city="Paris")], "unexpected_param"),
    ("no_call", [], [c("get_weather", city="Paris")], "no_call"),
    ("unexpected_call", [c("get_weather", city="Paris")], [], "unexpected_call"),
    ("nothing_expected_nothing_made", [], [], None),
    ("parallel_any_order", [c("get_time", tz="UTC"), c("get_weather", city="Paris")],
     [c("get_weather", city="Paris"), c("get_time", tz="UTC")], None),
    ("parallel_multiset_duplicates", [c("get_weather", city="Paris"), c("get_weather", city="Paris")],
     [c("get_weather", city="Paris"), c("get_weather", city="Rome")], "value_error"),
    ("wrong_count", [c("get_weather", city="Paris")], [c("get_weather", city="Paris"), c("get_time", tz="UTC")], "wrong_count"),
    ("nested_equal", [c("get_weather", city="P", opts={"a": [1, 2.0]})], [c("get_weather", city="P", opts={"a": [1, 2]})], None),
    ("nested_list_order", [c("get_weather", city="P", opts=[2, 1])], [c("get_weather", city="P", opts=[1, 2])], "value_error"),
    ("args_not_object", [{"name": "get_weather", "arguments": "Paris"}], [c("get_weather", city="Paris")], "type_error"),
]


@pytest.mark.parametrize("pred,exp,err", [s[1:] for s in STRUCTURAL], ids=[s[0] for s in STRUCTURAL])
def test_structural(pred: list[dict[str, Any]], exp: list[dict[str, Any]], err: str | None) -> None:
    v = match(pred, rec(exp))
    assert v.correct is (err is None), v
    assert v.error_type == err
    if err:
        assert v.detail


# ---- BFCL semantics -------------------------------------------------------------------------

AREA = {"name": "calc_area", "description": "d", "parameters": {"type": "dict", "properties": {
    "base": {"type": "integer"}, "height": {"type": "float"}, "unit": {"type": "string"},
    "dims": {"type": "array", "items": {"type": "integer"}},
    "opts": {"type": "dict", "properties": {"mode": {"type": "string"}, "k": {"type": "integer"}}},
}, "required": ["base"]}}
HOUR = {"name": "get_hour", "description": "d", "parameters": {"type": "dict", "properties": {
    "city": {"type": "string"}}, "required": ["city"]}}


def bfcl(pa: list[dict[str, Any]], funcs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": "b", "tools": funcs or [AREA, HOUR], "possible_answer": pa}


ANS = [{"calc_area": {"base": [10], "height": [5.0, ""], "unit": ["units", "cm", ""], "dims": [[1, 2], ""],
                      "opts": [{"mode": ["fast"], "k": [3, ""]}, ""]}}]

BFCL = [
    ("minimal", [c("calc_area", base=10)], ANS, None),
    ("all_params", [c("calc_area", base=10, height=5.0, unit="cm", dims=[1, 2], opts={"mode": "fast", "k": 3})], ANS, None),
    ("int_for_float_ok", [c("calc_area", base=10, height=5)], ANS, None),
    ("float_for_int_rejected", [c("calc_area", base=10.0)], ANS, "type_error"),
    ("bool_for_int_rejected", [c("calc_area", base=True)], [{"calc_area": {"base": [1]}}], "type_error"),
    ("string_normalised", [c("calc_area", base=10, unit="  C-M. ")], ANS, None),
    ("string_quote_normalised", [c("get_hour", city="O'Hare")], [{"get_hour": {"city": ['O"Hare']}}], None),
    ("string_other_value", [c("calc_area", base=10, unit="inch")], ANS, "value_error"),
    ("missing_required_from_doc", [c("calc_area", height=5.0)], ANS, "missing_required"),
    ("omittable_only_with_empty", [c("calc_area", height=5.0)], [{"calc_area": {"base": [10, ""], "height": [5.0]}}], "missing_required"),
    ("answer_param_not_omittable", [c("calc_area", base=10)], [{"calc_area": {"base": [10], "height": [5.0]}}], "missing_required"),
    ("param_outside_answer", [c("calc_area", base=10, height=5.0)], [{"calc_area": {"base": [10]}}], "unexpected_param"),
    ("param_outside_doc", [c("calc_area", base=10, colour="red")], ANS, "unexpected_param"),
    ("wrong_name", [c("get_hour", city="x")], ANS, "wrong_func_name"),
    ("dotted_name_as_underscore", [c("math_hypot", x=1)],
     [{"math.hypot": {"x": [1]}}], None),
    ("list_ordered", [c("calc_area", base=10, dims=[2, 1])], ANS, "value_error"),
    ("list_item_type", [c("calc_area", base=10, dims=["1", "2"])], [{"calc_area": {"base": [10], "dims": [[1, 2]]}}], "type_error"),
    # BFCL quirk kept: with "" among the answers the nested type check passes, the value check fails
    ("list_item_type_omittable", [c("calc_area", base=10, dims=["1", "2"])], ANS, "value_error"),
    ("dict_key_by_key", [c("calc_area", base=10, opts={"mode": "FAST"})], ANS, None),
    ("dict_wrong_value", [c("calc_area", base=10, opts={"mode": "slow"})], ANS, "value_error"),
    ("dict_unknown_key", [c("calc_area", base=10, opts={"mode": "fast", "z": 1})], ANS, "value_error"),
    ("dict_missing_key", [c("calc_area", base=10, opts={"k": 3})], ANS, "value_error"),
    ("no_call", [], ANS, "no_call"),
    ("irrelevance_no_call", [], [], None),
    ("irrelevance_with_call", [c("get_hour", city="x")], [], "unexpected_call"),
    ("parallel_order_free", [c("get_hour", city="Rome"), c("calc_area", base=10)],
     [ANS[0], {"get_hour": {"city": ["Rome"]}}], None),
    ("parallel_count_exact", [c("calc_area", base=10)], [ANS[0], {"get_hour": {"city": ["Rome"]}}], "wrong_count"),
    ("parallel_same_function", [c("get_hour", city="Rome"), c("get_hour", city="Paris")],
     [{"get_hour": {"city": ["Paris"]}}, {"get_hour": {"city": ["Rome"]}}], None),
    ("parallel_not_twice_same", [c("get_hour", city="Rome"), c("get_hour", city="Rome")],
     [{"get_hour": {"city": ["Paris", "Rome"]}}, {"get_hour": {"city": ["Rome"]}}], None),
    ("parallel_one_wrong", [c("get_hour", city="Rome"), c("get_hour", city="Oslo")],
     [{"get_hour": {"city": ["Paris"]}}, {"get_hour": {"city": ["Rome"]}}], "value_error"),
    ("variable_string_for_int", [c("calc_area", base="n")], [{"calc_area": {"base": ["n"]}}], None),
]


@pytest.mark.parametrize("pred,pa,err", [s[1:] for s in BFCL], ids=[s[0] for s in BFCL])
def test_bfcl(pred: list[dict[str, Any]], pa: list[dict[str, Any]], err: str | None) -> None:
    v = match(pred, bfcl(pa))
    assert v.correct is (err is None), v
    assert v.error_type == err


def test_bfcl_json_schema_types_are_understood() -> None:
    """Records converted to JSON Schema (object/number) get the same BFCL verdicts."""
    tools = [{"type": "function", "function": {"name": "calc_area", "parameters": standard_schema(AREA["parameters"])}}]
    assert tools[0]["function"]["parameters"]["type"] == "object"
    assert match([c("calc_area", base=10, height=5)], bfcl(ANS, tools)).correct
    assert match([c("calc_area", base=10.0)], bfcl(ANS, tools)).error_type == "type_error"


def test_possible_answer_wins_over_expected_calls() -> None:
    r = bfcl(ANS)
    r["expected_calls"] = [c("calc_area", base=10, unit="units")]
    assert match([c("calc_area", base=10, unit="CM")], r).correct


def test_standardize_string_is_bfcls() -> None:
    assert standardize_string("April 1, 2024") == standardize_string("april 1 2024") == "april12024"
    assert standardize_string("a_b-c/d*e^f.g") == "abcdefg"
    assert standardize_string("it's") == 'it"s'


def test_schema_violations_reported_but_not_fatal() -> None:
    v = match([c("get_weather", city=5)], rec([c("get_weather", city=5)]))
    assert v.correct
    assert v.schema_violations and "city" in v.schema_violations[0]
    v = match([c("nope", a=1)], rec([c("get_weather", city="P")]))
    assert v.error_type == "wrong_func_name"
    assert any("not one of the offered tools" in s for s in v.schema_violations)
    assert match([c("get_weather", city="P")], rec([c("get_weather", city="P")])).schema_violations == []


def test_never_raises_on_junk() -> None:
    for pred in ([None], ["x"], [{"arguments": {}}], [{"name": 3, "arguments": []}]):
        v = match(pred, rec([c("get_weather", city="P")]))
        assert not v.correct
        v = match(pred, bfcl(ANS))
        assert not v.correct
    assert match([], {"id": "x"}).correct  # nothing expected, nothing made


def test_bfcl_types_kept_by_the_importer() -> None:
    """evaluator.bfcl maps BFCL types to JSON Schema and keeps the original in x-bfcl-type."""
    tool = {"type": "function", "function": {"name": "math_f", "x-bfcl-name": "math.f", "parameters": {
        "type": "object", "properties": {
            "xs": {"type": "array", "x-bfcl-type": "tuple", "items": {"type": "number", "x-bfcl-type": "float"}},
            "v": {"x-bfcl-type": "any"}},
        "required": ["xs"]}}}
    pa = [{"math_f": {"xs": [[1.0, 2.5]], "v": ["a b", ""]}}]
    rec = {"id": "x", "tools": [tool], "possible_answer": pa}
    assert match([c("math_f", xs=[1.0, 2.5], v="A-B")], rec).correct  # 'any' compares as a string
    assert match([c("math.f", xs=[1.0, 2.5])], rec).correct  # the original dotted name
    assert match([c("math_f", xs=[1, 2.5])], rec).error_type == "type_error"  # nested ints are not floats (BFCL)
    assert match([c("math_f", xs=[2.5, 1.0])], rec).error_type == "value_error"
