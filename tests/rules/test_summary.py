"""validator.rules.dataset.summarize: the per-record facts dataset rules (TP501-TP503) compare."""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.rules.dataset import SummaryTable, canonical_json, near_digest, summarize, text_digest

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
    s3 = summarize(_structured("weather in rome?"), 1, 2)
    assert s1.near == s2.near != s3.near
    assert s1.turns == s2.turns == ((0, text_digest("weather in paris?")),)
    assert summarize(_structured("Weather in Paris"), 0, 1, turns=False).turns == ()


def test_summary_is_fixed_size() -> None:
    """Digests only: no prompt or calls text is kept, however long the record."""
    s = summarize(_structured("word " * 10_000), 0, 1)
    assert len(s.digest) == len(s.near or b"") == 16
    assert all(len(d) == 16 for _, d in s.turns)


def test_calls_key_same_for_markup_and_structured_and_string_arguments() -> None:
    structured = _structured("x")
    markup = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "<tool_call>" + json.dumps(CALL) + "</tool_call>"}]}
    as_string = _structured("x")
    as_string["messages"][1]["tool_calls"][0]["function"] = {"name": "get_weather", "arguments": json.dumps({"unit": "celsius", "city": "Paris"})}
    keys = {summarize(r, 0, 1).near for r in (structured, markup, as_string)}
    assert len(keys) == 1
    # the key holds the calls and the offered tool names (none here)
    assert keys.pop() == near_digest("x", canonical_json([[["get_weather", {"city": "Paris", "unit": "celsius"}]], []]))
    assert not summarize(structured, 0, 1).no_calls
    assert summarize({"messages": [{"role": "user", "content": "x"}]}, 0, 1).no_calls


def test_same_question_with_another_tool_set_is_not_a_near_duplicate() -> None:
    """An irrelevance set asks the same question with the tool removed: not a near-duplicate (TP503)."""
    def rec(tools: list[str]) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": "I cannot."}],
                "tools": [{"type": "function", "function": {"name": n}} for n in tools]}
    assert summarize(rec(["get_weather"]), 0, 1).near != summarize(rec(["get_news"]), 1, 2).near
    assert summarize(rec(["get_news"]), 0, 1).near == summarize(rec(["get_news"]), 1, 2).near


def test_calls_typed_as_text_count_and_answers_are_turns() -> None:
    """A call typed as JSON in the content is a call (TP107's reading); TP701 counts the turns that
    answer a user turn."""
    tools = [{"type": "function", "function": {"name": "get_weather"}}]
    typed = {"messages": [{"role": "user", "content": "Weather in Paris?"},
                          {"role": "assistant", "content": '{"name": "get_weather", "arguments": {"city": "Paris"}}'},
                          {"role": "tool", "content": "sunny"}, {"role": "assistant", "content": "Sunny."},
                          {"role": "user", "content": "Thanks!"}, {"role": "assistant", "content": "You're welcome."}],
             "tools": tools}
    s = summarize(typed, 0, 1)
    assert (s.no_calls, s.called, s.answers, s.no_call_answers) == (False, ("get_weather",), 2, 1)


def test_ids_and_odd_values() -> None:
    assert summarize({"id": 7, "messages": []}, 0, 1).id == "7"
    assert summarize({"id": True, "messages": []}, 0, 1).id is None
    s = summarize([1, 2], 3, 4)
    assert (s.id, s.near, s.no_calls, s.index) == (None, None, True, 3)
    assert summarize(2**80, 0, 1).digest  # beyond orjson's integer range: still hashed


def test_summary_table_round_trips() -> None:
    recs = [
        _structured("Weather in Paris?", "a"),
        {"id": "\ud800odd", "messages": [{"role": "user", "content": "  "}]},
        [1, 2],
        {"id": 5, "messages": [{"role": "user", "content": "one"}, {"role": "user", "content": "Two"}]},
    ]
    sums = [summarize(r, i, 10 + i) for i, r in enumerate(recs)]
    t = SummaryTable(sums[:2])
    t.extend(SummaryTable(sums[2:]))
    assert len(t) == 4
    assert list(t) == sums
    assert t[-1] == sums[-1] and t[1:3] == sums[1:3]
    assert t.where(3) == "record 3 (line 13)"


def test_near_key_ascii_fast_path_matches_the_pattern() -> None:
    import random

    from toolproof.validator.rules.dataset import _PUNCT, near_key

    rnd = random.Random(5)
    chars = [chr(c) for c in range(128)]
    texts = chars + ["".join(rnd.choice(chars) for _ in range(rnd.randint(0, 12))) for _ in range(5000)]
    texts += ["caf\u00e9, na\u00efve!", "\u0130stanbul?", "a\u00a0b"]  # non-ASCII: the pattern itself
    for t in texts:
        assert near_key(t) == " ".join(_PUNCT.sub(" ", t).split()), repr(t)


def test_mix_facts_and_their_columns() -> None:
    """The mix rules' facts: whether the record trains, parallel calls, near miss, call names; packed
    in the table's columns and read back (through append and the fast extend)."""
    weather = {"type": "function", "function": {"name": "get_weather", "description": "Current weather."}}
    parallel = _structured("Weather in Paris and Rome?")
    parallel["messages"][1]["tool_calls"].append({"id": "c2", "type": "function", "function": {"name": "get\0time", "arguments": {}}})
    near = {"messages": [{"role": "user", "content": "Weather forecast for next week?"}, {"role": "assistant", "content": "No."}],
            "tools": [weather]}
    far = {"messages": [{"role": "user", "content": "What is 6 times 5?"}, {"role": "assistant", "content": "30."}], "tools": [weather]}
    test_record = {"messages": [{"role": "user", "content": "Weather?"}], "tools": [weather], "expected_calls": []}
    sums = [summarize(r, i, i + 1) for i, r in enumerate([parallel, near, far, test_record, _structured("x")])]
    facts = [(s.trains, s.parallel, s.near_miss, s.no_calls, s.called) for s in sums]
    assert facts == [
        (True, True, False, False, ("get_weather", "get\0time")),
        (True, False, True, True, ()),
        (True, False, False, True, ()),
        (False, False, False, True, ()),  # no answer: teaches nothing, never a near miss
        (True, False, False, False, ("get_weather",)),
    ]
    t = SummaryTable(sums[:2])
    t.extend(SummaryTable(sums[2:]))
    assert [t.trains_of(i) for i in range(5)] == [True, True, True, False, True]
    assert t.near_miss_of(1) and not t.near_miss_of(2) and t.parallel_of(0)
    assert t.called_of(0) == ("get_weather", "get?time") and t.called_of(1) == () and t.called_of(4) == ("get_weather",)
