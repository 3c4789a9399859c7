"""Invariants of `toolproof clean` on a varied dirty fixture (every repair and quarantine reason).

- lint(clean(x)) has no error-level finding;
- clean(clean(x)) == clean(x), byte for byte;
- a record with no finding passes through with the same messages, tools, calls and id;
- records in == written + quarantined + duplicates dropped, for every input (broken lines too).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from toolproof.validator.cleaner import CleanError, clean
from toolproof.validator.engine import lint_paths
from toolproof.validator.io import sniff_binary

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}
ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two numbers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "integer"}, "exact": {"type": "boolean"}},
            "required": ["a", "b"],
        },
    },
}
FLAT_ADD = ADD["function"]
ODD_TYPES = {
    "type": "function",
    "function": {
        "name": "store",
        "description": "Store things",
        "parameters": {
            "type": "dict",
            "properties": {
                "key": {"type": "str"},
                "count": {"type": "int"},
                "ratio": {"type": "float"},
                "flag": {"type": "bool"},
                "tags": {"type": "list", "items": {"type": "str"}},
                "pair": {"type": "tuple"},
                "blob": {"type": "any"},
            },
            "required": ["key"],
        },
    },
}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def call(name: str, args: Any, cid: str = "call_1", **kw: Any) -> dict[str, Any]:
    fn: dict[str, Any] = {"name": name, **kw}
    if args is not None:
        fn["arguments"] = args
    return {"id": cid, "type": "function", "function": fn}


def asst(content: str | None = None, calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {"role": "assistant", "content": content}
    if calls is not None:
        m["tool_calls"] = calls
    return m


def tool(cid: str, content: str, name: str = "get_weather") -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": cid, "name": name, "content": content}


def rec(rid: str | None, messages: list[dict[str, Any]], tools: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {}
    if rid is not None:
        r["id"] = rid
        if messages and messages[0].get("role") == "user":  # distinct prompts: no accidental duplicates
            messages = [user(f"{messages[0]['content']} [{rid}]"), *messages[1:]]
    r["messages"] = messages
    r["tools"] = tools if tools is not None else [WEATHER]
    r.update(extra)
    return r


W_PARIS = {"name": "get_weather", "arguments": {"city": "Paris"}}
TAG = "<tool_call>\n{}\n</tool_call>"


def tagged(payload: str) -> str:
    return TAG.format(payload)


GOOD = rec(
    "good-1",
    [
        user("Weather in Paris?"),
        asst(None, [call("get_weather", {"city": "Paris"})]),
        tool("call_1", '{"temp": 18}'),
        asst("It is 18 degrees in Paris."),
    ],
    category="simple",
)

# (label, record-or-raw-line, expected: "unchanged" | "repaired" | "quarantined" | "duplicate")
CASES: list[tuple[str, Any, str]] = [
    ("good", GOOD, "unchanged"),
    ("good-no-id", rec(None, [user("Weather in Rome?"), asst(None, [call("get_weather", {"city": "Rome"})])]), "unchanged"),
    ("good-text-only", rec("good-2", [user("Hi"), asst("Hello! How can I help?")]), "unchanged"),
    (
        "markup-with-text",
        rec("markup-1", [user("Weather in Paris?"), asst("Let me check.\n" + tagged(json.dumps(W_PARIS)))]),
        "repaired",
    ),
    ("markup-only", rec("markup-2", [user("Weather in Paris?"), asst(tagged(json.dumps(W_PARIS)))]), "repaired"),
    (
        "markup-two-calls",
        rec(
            "markup-3",
            [
                user("Paris and Oslo?"),
                asst(tagged(json.dumps(W_PARIS)) + "\n" + tagged(json.dumps({"name": "get_weather", "arguments": {"city": "Oslo"}}))),
            ],
        ),
        "repaired",
    ),
    (
        "final-open-tag",
        rec("open-1", [user("Weather in Paris?"), asst("<tool_call>\n" + json.dumps(W_PARIS))]),
        "repaired",
    ),
    (
        "stray-close",
        rec("stray-1", [user("Weather in Paris?"), asst(json.dumps(W_PARIS) + "\n</tool_call>")]),
        "repaired",
    ),
    (
        "python-literal",
        rec("py-1", [user("Weather in Rome?"), asst(tagged("{'name': 'get_weather', 'arguments': {'city': 'Rome', 'unit': 'c'}}"))]),
        "repaired",
    ),
    (
        "arguments-string",
        rec("argstr-1", [user("Weather in Paris?"), asst(None, [call("get_weather", '{"city": "Paris"}')])]),
        "repaired",
    ),
    (
        "arguments-double-encoded",
        rec("argstr-2", [user("Weather in Lima?"), asst(None, [call("get_weather", json.dumps(json.dumps({"city": "Lima"})))])]),
        "repaired",
    ),
    (
        "parameters-for-arguments",
        rec("params-1", [user("Weather in Paris?"), asst(None, [call("get_weather", None, parameters={"city": "Paris"})])]),
        "repaired",
    ),
    (
        "odd-schema-types",
        rec("types-1", [user("Store x"), asst(None, [call("store", {"key": "x", "count": 2})])], tools=[ODD_TYPES]),
        "repaired",
    ),
    (
        "flat-tools",
        rec("flat-1", [user("1+2?"), asst(None, [call("add", {"a": 1, "b": 2})])], tools=[FLAT_ADD]),
        "repaired",
    ),
    (
        "markup-repeats-calls",
        rec(
            "repeat-1",
            [user("Weather in Paris?"), asst(tagged(json.dumps(W_PARIS)), [call("get_weather", {"city": "Paris"})])],
        ),
        "repaired",
    ),
    (
        "reused-call-id",  # an agent log reusing an id after the first call's result: renumbered (issue 31)
        rec("reuse-1", [user("Weather in Paris, then Rome?"), asst(None, [call("get_weather", {"city": "Paris"})]),
                        tool("call_1", '{"temp": 18}'), asst(None, [call("get_weather", {"city": "Rome"})]),
                        tool("call_1", '{"temp": 20}'), asst("18 and 20 degrees.")]),
        "repaired",
    ),
    ("exact-duplicate", GOOD, "duplicate"),
    (
        "duplicate-id",
        rec("markup-1", [user("Weather in Bern?"), asst(None, [call("get_weather", {"city": "Bern"})])]),
        "repaired",  # only its id: suffixed
    ),
    # ---- quarantined
    ("empty-calls", rec("q-empty", [user("Weather?"), asst(None, [])]), "quarantined"),
    (
        "reused-call-id-ambiguous",  # two calls wait for one id when a result comes: it could answer either
        rec("q-reuse", [user("Weather in Paris and Rome?"), asst(None, [call("get_weather", {"city": "Paris"}),
                                                                        call("get_weather", {"city": "Rome"})]),
                        tool("call_1", '{"temp": 18}'), tool("call_1", '{"temp": 20}'), asst("18 and 20 degrees.")]),
        "quarantined",
    ),
    (
        "undeclared-tool",
        rec("q-undeclared", [user("Book a taxi"), asst(None, [call("book_taxi", {"to": "airport"})])]),
        "quarantined",
    ),
    ("missing-required", rec("q-required", [user("Weather?"), asst(None, [call("get_weather", {"unit": "c"})])]), "quarantined"),
    (
        "enum-violation",
        rec("q-enum", [user("Weather in Paris in K?"), asst(None, [call("get_weather", {"city": "Paris", "unit": "kelvin"})])]),
        "quarantined",
    ),
    (
        "unparseable-arguments",
        rec("q-unparseable", [user("Weather in Paris?"), asst(None, [call("get_weather", "{city: Paris")])]),
        "quarantined",
    ),
    ("no-assistant", rec("q-noasst", [user("Weather in Paris?")]), "quarantined"),
    (
        "orphan-tool-result",
        rec("q-orphan", [user("Weather in Paris?"), tool("call_9", "{}"), asst("Sunny.")]),
        "quarantined",
    ),
    ("broken-json", '{"id": "q-broken", "messages": [', "quarantined"),
    ("not-an-object", "[1, 2, 3]", "quarantined"),
    (
        "nested-tags",
        rec("q-nested", [user("Weather?"), asst("<tool_call><tool_call>" + json.dumps(W_PARIS) + "</tool_call>")]),
        "quarantined",
    ),
    (
        "markup-disagrees",
        rec(
            "q-disagree",
            [user("Weather in Paris?"), asst(tagged(json.dumps(W_PARIS)), [call("get_weather", {"city": "Oslo"})])],
        ),
        "quarantined",
    ),
    ("empty-tag", rec("q-emptytag", [user("Weather?"), asst("<tool_call>\n</tool_call>")]), "quarantined"),
    ("bad-payload", rec("q-payload", [user("Weather?"), asst(tagged("get_weather(city='Paris')"))]), "quarantined"),
    (
        "type-mismatch",
        rec("u-coerce", [user("1.5 + 2?"), asst(None, [call("add", {"a": "1.5", "b": "2", "exact": "true"})])], tools=[ADD]),
        "quarantined",  # repaired only with --unsafe-fixes
    ),
    (
        "unknown-argument",
        rec("u-unknown", [user("Weather in Paris?"), asst(None, [call("get_weather", {"city": "Paris", "mood": "happy"})])]),
        "quarantined",  # repaired only with --unsafe-fixes
    ),
]
TRUNCATED = '{"id": "q-truncated", "messages": [{"role": "user", "content": "hi"}'


def dirty_lines() -> list[str]:
    lines = [c[1] if isinstance(c[1], str) else json.dumps(c[1]) for c in CASES]
    return lines


def write_dirty(path: Path, *, bom: bool = True, truncated: bool = True) -> Path:
    text = "\n".join(dirty_lines()) + "\n"
    if truncated:
        text += TRUNCATED  # no newline: the file ends mid-record
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def read_jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def dirty(tmp_path: Path) -> Path:
    return write_dirty(tmp_path / "train.dirty.jsonl")


def test_fixture_covers_every_outcome() -> None:
    kinds = {c[2] for c in CASES}
    assert kinds == {"unchanged", "repaired", "quarantined", "duplicate"}


def test_outcomes_match_expectations(dirty: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean.jsonl"
    res = clean([dirty], out)
    q = read_jsonl(tmp_path / "clean.quarantine.jsonl")
    q_ids = {e["id"] for e in q}
    written = {r["id"] for r in read_jsonl(out)}
    for label, value, expected in CASES:
        rid = value.get("id") if isinstance(value, dict) else None
        if expected == "quarantined" and rid is not None:
            assert rid in q_ids, f"{label} should be quarantined"
            assert rid not in written, label
        if expected == "repaired":
            assert rid in written and rid not in q_ids, f"{label} should be repaired"
    assert res.duplicates_dropped == 1
    assert res.quarantined == sum(1 for c in CASES if c[2] == "quarantined") + 1  # + the truncated line
    assert res.repaired == sum(1 for c in CASES if c[2] == "repaired")
    assert res.unchanged == sum(1 for c in CASES if c[2] == "unchanged")


def test_lint_of_clean_output_has_no_errors(dirty: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean.jsonl"
    clean([dirty], out)
    result = lint_paths([out])
    errors = [f for f in result.findings if f.severity.value == "error"]
    assert errors == [], [f.to_dict() for f in errors]
    assert result.records > 0


def test_lint_of_unsafe_clean_output_has_no_errors(dirty: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean.jsonl"
    res = clean([dirty], out, unsafe_fixes=True)
    assert res.repairs["TP303 coerce-argument-type"] == 3
    assert res.repairs["TP302 drop-unknown-argument"] == 1
    errors = [f for f in lint_paths([out]).findings if f.severity.value == "error"]
    assert errors == []


def test_clean_is_idempotent_byte_for_byte(dirty: Path, tmp_path: Path) -> None:
    once = tmp_path / "once.jsonl"
    twice = tmp_path / "twice.jsonl"
    clean([dirty], once)
    res2 = clean([once], twice)
    assert once.read_bytes() == twice.read_bytes()
    assert res2.repaired == 0 and res2.quarantined == 0 and res2.duplicates_dropped == 0
    assert res2.unchanged == res2.records_in


def test_record_without_findings_passes_through(dirty: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean.jsonl"
    clean([dirty], out)
    by_id = {r["id"]: r for r in read_jsonl(out)}
    for label, value, expected in CASES:
        if expected != "unchanged" or not isinstance(value, dict) or "id" not in value:
            continue
        if label == "duplicate-id":
            continue
        got = by_id[value["id"]]
        assert got == value, label
    no_id = [c[1] for c in CASES if c[0] == "good-no-id"][0]
    derived = [r for r in by_id.values() if r["id"] == "train.dirty:2"]
    assert derived and {k: v for k, v in derived[0].items() if k != "id"} == no_id


def test_every_record_is_accounted_for(dirty: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean.jsonl"
    res = clean([dirty], out)
    n_lines = len(dirty_lines()) + 1
    assert res.records_in == n_lines
    assert len(read_jsonl(out)) == res.written
    assert len(read_jsonl(tmp_path / "clean.quarantine.jsonl")) == res.quarantined
    assert res.records_in == res.written + res.quarantined + res.duplicates_dropped


def _fragments() -> list[str]:
    return dirty_lines() + [TRUNCATED, "", "   ", "not json at all", '"a string"', "null", "{}", "\x00{}"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(range(len(_fragments()))), min_size=0, max_size=14), st.booleans())
@example(picks=[len(_fragments()) - 1], bom=False)  # only a NUL line: refused as binary (drawn by chance once)
@example(picks=[len(_fragments()) - 1], bom=True)  # the same after a BOM: quarantined
def test_random_line_mixes_are_accounted_for(tmp_path: Path, picks: list[int], bom: bool) -> None:
    frags = _fragments()
    src = tmp_path / "mix.jsonl"
    text = "\n".join(frags[i] for i in picks)
    src.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    out = tmp_path / "mix.clean.jsonl"
    out.unlink(missing_ok=True)  # tmp_path is shared by the examples: an earlier one may have written it
    if sniff_binary(src.read_bytes()[:8192]):  # mostly NUL lines: refused as binary, nothing written
        with pytest.raises(CleanError, match="not a text dataset"):
            clean([src], out)
        assert not out.exists()
        return
    res = clean([src], out)
    nonblank = sum(1 for i in picks if frags[i].strip())
    assert res.records_in == nonblank
    assert res.records_in == res.written + res.quarantined + res.duplicates_dropped
    assert len(read_jsonl(out)) == res.written
    assert len(read_jsonl(tmp_path / "mix.clean.quarantine.jsonl")) == res.quarantined
    again = tmp_path / "mix.again.jsonl"
    clean([out], again)
    assert again.read_bytes() == out.read_bytes()


def test_random_records_keep_every_invariant(tmp_path: Path) -> None:
    from test_fixes import _record  # the record strategy of the repair property tests

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(_record, min_size=1, max_size=6))
    def check(records: list[dict[str, Any]]) -> None:
        src = tmp_path / "rand.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in records))
        out = tmp_path / "rand.clean.jsonl"
        res = clean([src], out)
        assert res.records_in == len(records) == res.written + res.quarantined + res.duplicates_dropped
        errors = [f.to_dict() for f in lint_paths([out]).findings if f.severity.value == "error"]
        assert errors == []
        again = tmp_path / "rand.again.jsonl"
        clean([out], again)
        assert again.read_bytes() == out.read_bytes()

    check()
