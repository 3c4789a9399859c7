"""The per-core fast paths of `lint` give the results of the general code they shortcut.

Each fast path (the one-pass canonical dialect check, TP703's incremental grounds and ASCII word
splitting, the slot-descriptor constructors, the spool's tuple encoding, ``escape_text``'s
printable-ASCII pass) is compared with the general path on hand-written inputs, the odd cases
included (camelCase, leading zeros, percent across parts, tabs, non-ASCII).
"""

from __future__ import annotations

import dataclasses
import pickle
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolproof.validator import formats
from toolproof.validator.engine import FindingSpool
from toolproof.validator.findings import Finding, FixSafety, Hit, Severity, pack_findings, unpack_findings
from toolproof.validator.formats import DIALECTS, detect_format
from toolproof.validator.grounding import (
    _CAMEL,
    _NUMBER_WORD,
    _WORD,
    Grounds,
    _number_words,
    _part_words,
    record_ungrounded,
    words,
)
from toolproof.validator.rules.dataset import RecordSummary, near_key, prompt_key
from toolproof.validator.safeio import escape_text


def _loop_detect(obj: Any) -> str:
    """detect_format without the fast path: each dialect's detector in order."""
    for d in DIALECTS.values():
        try:
            if d.looks_like(obj):
                return d.name
        except (TypeError, AttributeError, KeyError, IndexError):  # as detect_format: a detector that raises says no
            continue
    return "unknown"


_CALL = {"type": "function", "function": {"name": "f", "arguments": {"a": 1}}}
_TOOL = {"type": "function", "function": {"name": "f", "description": "F.", "parameters": {"type": "object"}}}


@pytest.mark.parametrize(
    "record",
    [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [_CALL]}],
         "tools": [_TOOL]},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]},
        {"messages": []},
        # string arguments (OpenAI), legacy fields, content parts, Anthropic shapes, ShareGPT
        {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{}"}}]}]},
        {"messages": [{"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}]},
        {"messages": [{"role": "function", "name": "f", "content": "1"}]},
        {"functions": [], "messages": [{"role": "user", "content": "hi"}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "value": "hi"}]}]},
        {"system": "s", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]},
        {"tools": [{"name": "f", "input_schema": {"type": "object"}}], "messages": [{"role": "user", "content": "x"}]},
        {"tools": [{"type": "code_interpreter"}], "messages": [{"role": "user", "content": "x"}]},
        {"messages": [{"from": "human", "value": "hi"}]},
        {"conversations": [{"from": "human", "value": "hi"}]},
        {"messages": ["not an object"]},
        {"messages": [{"role": ["unhashable"], "content": "x"}]},
        {"messages": [{"role": "assistant", "tool_calls": "not a list"}]},
    ],
)
def test_detect_format_fast_path_agrees_with_the_detectors(record: dict[str, Any]) -> None:
    assert detect_format(record) == _loop_detect(record)


def test_fast_path_answers_only_canonical() -> None:
    plain = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}
    assert formats._plain_canonical(plain)
    assert not formats._plain_canonical({**plain, "system": "s"})  # left to the Anthropic detector


def _old_words(text: str) -> list[str]:
    if text == text.lower():
        return _WORD.findall(text)
    return [w.lower() for w in _WORD.findall(_CAMEL.sub(" ", text))]


@pytest.mark.parametrize(
    "text",
    ["Lima", "getWeatherNow", "HTTPServer", "snake_case_name", "New York", "iPhone 15", "A", "", "Über Straße",
     "x1Y", "ALLCAPS", "tab\there", "Dr. Who's 2nd", "İstanbul", "٣ apples"],
)
def test_words_as_the_regex_split(text: str) -> None:
    assert words(text) == _old_words(text)


@pytest.mark.parametrize(
    "text",
    ["five apples and Twenty pears", "fivefive five_star FIVE.", "one1 one", "ſix", "a dozen eggs, half a pie",
     "no numbers here", "Zero-one"],
)
def test_number_words_as_the_regex(text: str) -> None:
    assert _number_words(text) == _NUMBER_WORD.findall(text)


def test_part_words_as_the_regex() -> None:
    text = "flights for 007 and 0 boss glass gas users_list café 00"
    ws = set(_WORD.findall(text))
    ws |= {w[:-1] for w in ws if len(w) > 3 and w.endswith("s") and not w.endswith("ss")}
    ws |= {w.lstrip("0") or "0" for w in ws if w.isdigit()}
    assert _part_words(text) == frozenset(ws)


_NUMBER_WITHOUT_LOOKAHEAD = re.compile(
    r"(?<![\d.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])(\s?(?:%|percent\b|per cent\b))?", re.IGNORECASE
)


@pytest.mark.parametrize("text", ["1,000.50 and -3 and +4", "5% of 1.5", "v1.2.3", "10 per cent", "x12y", "٣ and 4"])
def test_text_numbers_regex_unchanged(text: str) -> None:
    from toolproof.validator.grounding import _NUMBER

    assert [m.group(0) for m in _NUMBER.finditer(text)] == [m.group(0) for m in _NUMBER_WITHOUT_LOOKAHEAD.finditer(text)]


@pytest.mark.parametrize(
    "parts",
    [
        ["You are helpful.", "Book 2 seats for Friday", "{\"ok\": true}", "Now five more flights"],
        ["Price is 5", "% off", "then 10"],  # a percent across parts: numbers read from the whole text
        ["  ", "only whitespace before", "", "3:30 pm meeting"],
    ],
)
def test_grounds_from_a_previous_turn(parts: list[str]) -> None:
    for k in range(len(parts) + 1):
        whole = Grounds.of_parts(parts)
        prev = Grounds.of_parts(parts[:k])
        _ = prev.word_set, prev.numbers  # filled: the later grounds reuse them
        later = Grounds.of_parts(parts[k:], prev)
        assert later.text == whole.text
        assert later.word_set == whole.word_set
        assert later.numbers == whole.numbers
        assert later.clock_times == whole.clock_times


def test_record_ungrounded_over_several_turns() -> None:
    rec = {
        "messages": [
            {"role": "user", "content": "Flights to Lima for 2 people"},
            {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": {"to": "Lima", "n": 2, "x": "Perth"}}}]},
            {"role": "tool", "content": "found 3 flights"},
            {"role": "user", "content": "and Perth"},
            {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": {"to": "Perth", "n": 3, "d": "flight"}}}]},
        ]
    }
    got = [(path, name, missing) for path, name, missing in record_ungrounded(rec)]
    assert got == [
        (("messages", 1, "tool_calls", 0, "function", "arguments"), "f", [(("x",), "Perth")]),
        (("messages", 4, "tool_calls", 0, "function", "arguments"), "f", []),
    ]


def test_constructors_keep_the_dataclass_behaviour() -> None:
    f = Finding("TP1", "n", Severity.ERROR, "f.jsonl", 1, 0, None, "$", "m")
    assert f.fix is FixSafety.NONE and f.data is None
    assert f == Finding(code="TP1", name="n", severity=Severity.ERROR, file="f.jsonl", line=1, record=0, id=None,
                        path="$", message="m")
    assert dataclasses.replace(f, line=3).line == 3
    assert pickle.loads(pickle.dumps(f)) == f
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.line = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Finding("TP1")  # type: ignore[call-arg]
    assert Hit("$", "m", data=1) == Hit(path="$", message="m", fix=None, severity=None, data=1)
    s = RecordSummary(index=1, line=2, id=None, digest=b"d")
    assert (s.near, s.no_calls, s.turns, s.called) == (None, True, (), ())


def test_spool_reads_back_what_it_was_given() -> None:
    fs = [Finding("TP703", "x", Severity.WARNING, "a.jsonl", i + 1, i, f"id{i}", f"$.p[{i}]", "m", FixSafety.SAFE,
                  {"value": (i, [i], {"k": None})}) for i in range(2500)]
    sp = FindingSpool(lambda f: f.record)
    for f in fs:
        sp.append(f)
    back = list(sp)
    sp.close()
    assert back == fs
    assert [f.data for f in back] == [f.data for f in fs]  # data is not part of ==
    assert all(type(f.severity) is Severity and type(f.fix) is FixSafety for f in back)


def test_spool_moves_packed_blocks_when_reading_them_back() -> None:
    """A ``--jobs N`` worker's block goes into the spool packed and comes out moved to its place in the
    file; blocks appended out of key order clear ``monotonic`` (the engine then sorts)."""
    def block(n: int, line0: int) -> list[Finding]:
        return [Finding("TP703", "x", Severity.WARNING, "a.jsonl", line0 + i + 1, i, None, "$", "m") for i in range(n)]

    sp = FindingSpool(lambda f: f.record)
    sp.append(block(1, 0)[0])  # one own finding, record 0
    sp.append_packed(pack_findings(block(3, 0)), (10, 1), 1, 3)  # records 1..3, lines 11..13
    sp.append_packed(pack_findings([]), (99, 99), None, None)  # an empty block changes nothing
    assert sp.monotonic
    back = list(sp)
    assert [(f.line, f.record) for f in back] == [(1, 0), (11, 1), (12, 2), (13, 3)]
    assert back[1:] == [f.moved(10, 1) for f in block(3, 0)]
    assert unpack_findings(pack_findings(block(2, 0)), 5, 7) == [f.moved(5, 7) for f in block(2, 0)]
    sp.append_packed(pack_findings(block(2, 0)), (0, 0), 0, 1)  # goes back to record 0
    assert not sp.monotonic
    assert len(list(sp)) == 6
    sp.close()


@pytest.mark.parametrize(
    ("text", "shown"),
    [("plain text", "plain text"), ("tab\there", "tab\there"), ("a\nb", "a\\nb"), ("bell\x07", "bell\\x07"),
     ("del\x7f", "del\\x7f"), ("rtl\u202etxt", "rtl\\u202etxt"), ("café", "café")],
)
def test_escape_text(text: str, shown: str) -> None:
    assert escape_text(text) == shown


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(max_codepoint=127), st.sampled_from(["é", "ß", "İ", "\u2028", "\xa0"])), max_size=40))
def test_prompt_keys_as_the_regex(text: str) -> None:
    """TP503's keys by byte tables (ASCII) give what the punctuation regex and str methods give."""
    punct = re.compile(r"[^\w\s]+")
    low = " ".join(text.split()).lower()
    want = " ".join(punct.sub(" ", low).split())
    assert near_key(low) == want
    assert prompt_key(text) == want


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=126), max_size=30))
def test_ascii_words_word_by_word_as_the_regex(text: str) -> None:
    """ASCII text is split word by word (the camelCase pattern only on words with an inner capital)."""
    assert words(text) == _old_words(text)
