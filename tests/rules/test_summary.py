"""validator.rules.dataset.summarize: the per-record facts dataset rules (TP501-TP503) compare."""

from __future__ import annotations

import json

from validator.rules.dataset import summarize

CALL = {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}


def _structured(prompt: str, rid: str = "a") -> dict:
    return {
        "id": rid,
        "messages": [
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": CALL}]},
        ],
    }


def test_digest_ignores_id_and_key_order() -> None:
    a = _structured("Weather in Paris?", "a")
    b = json.loads(json.dumps(_structured("Weather in Paris?", "b"), sort_keys=True))
    c = _structured("Weather in Rome?", "a")
    sa, sb, sc = summarize(a, 0, 1), summarize(b, 1, 2), summarize(c, 2, 3)
    assert sa.digest == sb.digest
    assert sa.digest != sc.digest
    assert (sa.id, sb.id, sa.line, sb.index) == ("a", "b", 1, 1)


def test_prompt_is_normalised_user_text() -> None:
    s1 = summarize(_structured("  Weather in\n PARIS? "), 0, 1)
    s2 = summarize(_structured("weather in paris?"), 1, 2)
    assert s1.prompt == s2.prompt == "weather in paris?"


def test_calls_key_same_for_markup_and_structured_and_string_arguments() -> None:
    structured = _structured("x")
    markup = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "<tool_call>" + json.dumps(CALL) + "</tool_call>"}]}
    as_string = _structured("x")
    as_string["messages"][1]["tool_calls"][0]["function"] = {"name": "get_weather", "arguments": json.dumps({"unit": "celsius", "city": "Paris"})}
    keys = {summarize(r, 0, 1).calls for r in (structured, markup, as_string)}
    assert len(keys) == 1
    assert json.loads(keys.pop()) == [["get_weather", {"city": "Paris", "unit": "celsius"}]]


def test_ids_and_odd_values() -> None:
    assert summarize({"id": 7, "messages": []}, 0, 1).id == "7"
    assert summarize({"id": True, "messages": []}, 0, 1).id is None
    s = summarize([1, 2], 3, 4)
    assert (s.id, s.prompt, s.calls, s.index) == (None, "", "[]", 3)
    assert summarize(2**80, 0, 1).digest  # beyond orjson's integer range: still hashed
