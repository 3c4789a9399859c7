"""The decode loops the call-syntax families share (validator/callsyntax/base.py): tagged blocks,
strict JSON blocks, call-token sections, lenient argument objects, JSON after a prefix."""

from __future__ import annotations

from typing import Any

import pytest

from toolproof.validator.callsyntax.base import (
    Budget,
    ReadContext,
    Reading,
    args_object,
    call_sections,
    read_bare_json,
    read_json_after,
    read_tagged,
    section_start,
    strict_if_clean,
    strict_json_call,
    strict_json_items,
    strict_json_object,
    strict_json_tagged,
    strict_tagged,
)

F = {"name": "f", "arguments": {"a": 1}}


def _ctx(text: str) -> ReadContext:
    return ReadContext(budget=Budget(len(text)))


def _body(inner: str) -> list[dict[str, Any]] | str | None:
    """A block body for the loops: ``ok`` is a call, ``err`` its own error, ``empty`` an empty
    list, anything else None."""
    s = inner.strip()
    if s == "ok":
        return [{"name": "f", "arguments": {}}]
    if s == "err":
        return "my own error"
    if s == "empty":
        return []
    return None


OK = {"name": "f", "arguments": {}}

READ_TAGGED = [
    # text, calls, content, errors
    ("no tags", [], "", []),
    ("say <b>ok</b> more", [OK], "say  more", []),
    ("<b>ok</b><b>ok", [OK, OK], "", []),  # a final unclosed block is read
    ("<b>bad</b>", [], "", ["<b> at offset 0: what"]),
    ("<b>empty</b>", [], "", ["<b> at offset 0: what"]),  # [] and None are the same miss
    ("x<b>err</b><b>ok</b>", [OK], "x", ["<b> at offset 1: my own error"]),
]


@pytest.mark.parametrize(("text", "calls", "content", "errors"), READ_TAGGED)
def test_read_tagged(text: str, calls: list[dict[str, Any]], content: str, errors: list[str]) -> None:
    r = read_tagged(text, "<b>", "</b>", _body, "what")
    assert (r.calls, r.content, r.errors) == (calls, content, errors)


STRICT_TAGGED = [
    ("", []),
    ("no tags", []),
    ("<b>ok</b> and <b>ok</b>", [OK, OK]),
    ("<b>ok</b><b>ok", []),  # unclosed voids the output
    ("<b>ok</b><b>empty</b>", []),
    ("<b>ok</b><b>bad</b>", []),
]


@pytest.mark.parametrize(("text", "calls"), STRICT_TAGGED)
def test_strict_tagged(text: str, calls: list[dict[str, Any]]) -> None:
    assert strict_tagged(text, "<b>", "</b>", _body) == calls


STRICT_JSON = [
    ('{"name": "f", "arguments": {"a": 1}}', F),
    ('{"name": "f", "arguments": "{}"}', None),
    ('{"name": "f", "parameters": {}}', None),
    ('{"name": 1, "arguments": {}}', None),
    ('[{"name": "f", "arguments": {}}]', None),
    ("{bad", None),
    ("[" * 5000 + "]" * 5000, None),  # too deep for json: refused, not raised
]


@pytest.mark.parametrize(("s", "call"), STRICT_JSON)
def test_strict_json_call(s: str, call: dict[str, Any] | None) -> None:
    assert strict_json_call(s) == call


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ('<b>{"name": "f", "arguments": {"a": 1}}</b><b>{"name": "f", "arguments": {"a": 1}}', [F, F]),
        ('<b>{"name": "f", "arguments": {"a": 1}}</b><b>{bad', []),
        ("<b></b>", []),
        ("plain", []),
    ],
)
def test_strict_json_tagged(text: str, calls: list[dict[str, Any]]) -> None:
    assert strict_json_tagged(text, "<b>", "</b>") == calls


def test_strict_json_items() -> None:
    assert strict_json_items([F, F]) == [F, F]
    assert strict_json_items([F, {"name": "g"}]) == []
    assert strict_json_items([]) == []


def test_strict_if_clean() -> None:
    assert strict_if_clean(Reading(calls=[F])) == [F]
    assert strict_if_clean(Reading(calls=[F], errors=["one block failed"])) == []


def test_strict_json_object() -> None:
    assert strict_json_object('{"a": 1}') == {"a": 1}
    assert strict_json_object("[1]") is None
    assert strict_json_object("") is None


SECTIONS = [
    ("", []),
    ("[c]f|{}[/c]", [(0, "f", "{}", True)]),
    ("x[c]f|{}[/c][c]g|1[/all]", [(1, "f", "{}", True), (12, "g", "1", False)]),  # unclosed: cut at the stop token
    ("[c]no separator[/c]", []),
]


@pytest.mark.parametrize(("text", "sections"), SECTIONS)
def test_call_sections(text: str, sections: list[tuple[int, str, str, bool]]) -> None:
    assert call_sections(text, "[c]", "[/c]", "[/all]", "|") == sections


@pytest.mark.parametrize(
    ("text", "at"), [("", -1), ("ab[all][c]", 2), ("ab[c][all][c]", 2), ("[c]", 0), ("[all]", 0)]
)
def test_section_start(text: str, at: int) -> None:
    assert section_start(text, "[all]", "[c]") == at


ARGS = [
    # raw, empty_ok, result
    ('{"a": 1}', False, {"a": 1}),
    ('  {"a": 1}\n', False, {"a": 1}),
    ("", True, {}),
    ("  ", True, {}),
    ("", False, "W: arguments are not JSON: "),
    ("[1]", True, "W: arguments are not an object"),
    ("{bad", False, "W: arguments are not JSON: "),
]


@pytest.mark.parametrize(("raw", "empty_ok", "want"), ARGS)
def test_args_object(raw: str, empty_ok: bool, want: dict[str, Any] | str) -> None:
    got = args_object(raw, "W", empty_ok=empty_ok)
    if isinstance(want, str):
        assert isinstance(got, str) and got.startswith(want)
    else:
        assert got == want


def test_read_bare_json() -> None:
    text = 'before {"name": "f", "arguments": {"a": 1}} after'
    r = read_bare_json(text, _ctx(text))
    assert (r.calls, r.content) == ([F], "before  after")
    r = read_bare_json("just prose", _ctx("just prose"))
    assert (r.calls, r.content, r.errors) == ([], "", [])


JSON_AFTER = [
    # text, keep, calls, content, first error
    ('lead <T>[{"name": "f", "arguments": {"a": 1}}]', 0, [F], "lead", None),
    ("no tag", 0, [], "", None),
    ("x <T> nothing", 0, [], "", "<T> at offset 2: missing"),
    ('say T[{"name": "f", "arguments": {"a": 1}}]', 1, [F], "say", None),  # the tag's last char opens the JSON
]


@pytest.mark.parametrize(("text", "keep", "calls", "content", "error"), JSON_AFTER)
def test_read_json_after(text: str, keep: int, calls: list[dict[str, Any]], content: str, error: str | None) -> None:
    tag = "T[" if keep else "<T>"
    r = read_json_after(text, _ctx(text), tag, "label", "missing", keep=keep)
    assert (r.calls, r.content) == (calls, content)
    assert (r.errors[0] if r.errors else None) == error
