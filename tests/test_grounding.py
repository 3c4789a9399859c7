"""validator.grounding: number and word normalisation, relatedness, and the per-call grounding check
shared by rule TP703 and `data stats`."""

from __future__ import annotations

from typing import Any

import pytest

from toolproof.validator.grounding import (
    Grounds,
    canonical_number,
    content_words,
    record_ungrounded,
    related,
    text_numbers,
    ungrounded_values,
    words,
)
from toolproof.validator.stats import dataset_balance


@pytest.mark.parametrize(
    ("value", "canon"),
    [(1000, "1000"), (1000.0, "1000"), ("1,000", "1000"), ("1000.50", "1000.5"), (0.05, "0.05"), (-3, "-3"),
     (True, None), ("abc", None), (float("nan"), None), (None, None)],
)
def test_canonical_number(value: Any, canon: str | None) -> None:
    assert canonical_number(value) == canon


def test_text_numbers_forms() -> None:
    nums = text_numbers("Send 1,000 at 5% or 12 percent, on 2022-03-15, five times, v2.5")
    assert {"1000", "5", "0.05", "12", "0.12", "2022", "3", "15", "2.5"} <= nums
    assert "1" not in nums and "100" not in nums  # "1,000" is one number, not 1 and 000


def test_words_split_snake_and_camel_case() -> None:
    assert words("getWeatherForecast user_id HTTPServer") == ["get", "weather", "forecast", "user", "id", "http", "server"]
    assert content_words("Please get me the weather forecasts for Paris") == {"weather", "forecast", "pari"}


def test_related_uses_name_description_and_parameter_names() -> None:
    weather = {"name": "get_weather", "description": "Current conditions.", "parameters": {"properties": {"city": {}}}}
    loan = {"name": "calculate_loan_payment", "description": "Monthly payment of a loan."}
    assert related("What's the forecast for next week's weather?", [weather, loan]) == ["get_weather"]
    assert related("Which city is the capital of Austria?", [weather, loan]) == ["get_weather"]  # parameter name
    assert related("What is 6 times 5?", [weather, loan]) == []
    assert related("Can you please help me with the information?", [weather, loan]) == []  # stop words only


@pytest.mark.parametrize(
    ("text", "value", "grounded"),
    [
        ("Send 1,000 dollars", 1000.0, True),
        ("Send 1,000 dollars", 100, False),
        ("a 15% tip", 0.15, True),
        ("a 15% tip", 15, True),
        ("five nights", 5, True),
        ("coordinates of Paris", 48.8566, False),
        ("to JOHN  smith", "John Smith", True),
        ("to John Smith", "John Smith, Esq.", False),
        ("play simon & garfunkel", "Simon and Garfunkel", True),
        ("new york style", "new_york", True),
        ("12.5 km please", "12.5 km", True),
        ("12.5 km please", "12.5 kilometres", True),  # unit words are not facts
        ("today", "2022-03-15", False),
        ("born 1990-05-15", "1990-05-15", True),
        ("budget 1,000", "1000 USD", True),
        ("anything", "", True),
        ("meet at 10 AM", "10:00", True),
        ("call at 3:30pm", "15:30", True),
        ("translate it from French", "fr", False),  # not inside a longer word
        ("translate it from fr", "FR", True),
        ("我想吃甜椒炒饭", "甜椒", True),  # no spaces between words in Chinese
    ],
)
def test_grounds(text: str, value: Any, grounded: bool) -> None:
    assert (not ungrounded_values({"v": value}, Grounds(text))) is grounded


def test_choices_and_schema() -> None:
    schema = {"type": "object", "properties": {"unit": {"enum": ["metric", "imperial"]}, "days": {"default": 3},
                                               "opts": {"type": "array", "items": {"enum": ["a1", "b2"]}}}}
    args = {"unit": "metric", "days": 3, "flag": True, "none": None, "opts": ["a1", "zz"], "days2": 3}
    assert ungrounded_values(args, Grounds("nothing"), schema) == [(("opts", 1), "zz"), (("days2",), 3)]
    # without choices (data stats: what the user wrote), enum members, defaults and booleans count too
    missing = {p for p, _ in ungrounded_values(args, Grounds("nothing"), schema, choices=False)}
    assert missing == {("unit",), ("days",), ("flag",), ("none",), ("opts", 0), ("opts", 1), ("days2",)}


def _call(name: str, args: Any, cid: str = "c1") -> dict[str, Any]:
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


def test_record_ungrounded_paths_and_order() -> None:
    rec = {
        "messages": [
            {"role": "system", "content": "Today is 2024-05-01."},
            {"role": "user", "content": "Track my last order"},
            {"role": "assistant", "tool_calls": [_call("last_order", {"since": "2024-05-01"})]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"order": "A-77"}'},
            {"role": "assistant", "tool_calls": [_call("track", {"order": "A-77", "carrier": "DHL"}, "c2")]},
            {"role": "user", "content": "DHL"},  # after the call: does not ground it
        ]
    }
    got = [(p, n, m) for p, n, m in record_ungrounded(rec)]
    assert got == [
        (("messages", 2, "tool_calls", 0, "function", "arguments"), "last_order", []),
        (("messages", 4, "tool_calls", 0, "function", "arguments"), "track", [(("carrier",), "DHL")]),
    ]
    # user words only (data stats): the system date and the tool result do not count
    assert [bool(m) for _, _, m in record_ungrounded(rec, roles=("user",))] == [True, True]


def test_record_ungrounded_odd_values_never_raise() -> None:
    for rec in [None, 1, "x", [], {"messages": "x"}, {"messages": [1, {"role": "assistant", "tool_calls": [1, {"function": 2}]}]},
                {"messages": [{"role": "assistant", "tool_calls": [_call("f", "{not json")]}]}]:
        assert list(record_ungrounded(rec, expected=True)) == []
    string_args = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [_call("f", '{"a": "y"}')]}]}
    assert [m for _, _, m in record_ungrounded(string_args)] == [[(("a",), "y")]]


def test_stats_counts_with_the_same_check() -> None:
    """`data stats`' unstated-value count is the grounding check against the user's words."""
    recs = [
        {"messages": [{"role": "user", "content": "Age? born 1990-05-15"},
                      {"role": "assistant", "tool_calls": [_call("age", {"born": "1990-05-15", "today": "2022-03-15"})]}]},
        {"messages": [{"role": "user", "content": "Send 1,000 USD"},
                      {"role": "assistant", "tool_calls": [_call("pay", {"amount": 1000.0})]}]},
    ]
    s = dataset_balance(recs)
    flagged = sum(bool(m) for r in recs for _, _, m in record_ungrounded(r, roles=("user",), choices=False))
    assert s["calls_with_unstated_values"] == flagged == 1
