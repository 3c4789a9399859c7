"""validator.schema_cache: compiled parameter schemas, fast path vs jsonschema, no side effects."""

from __future__ import annotations

import copy
import socket

import pytest

from toolproof.validator.schema_cache import clear_cache, get_schema_info

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
        "when": {"type": "string", "format": "date"},
        "days": {"type": "integer", "minimum": 1},
    },
    "required": ["city"],
}


def test_checking_never_modifies_the_arguments() -> None:
    args = {"city": "Paris"}
    assert get_schema_info(WEATHER).check(args) == []
    assert args == {"city": "Paris"}  # no default filled in
    assert get_schema_info(WEATHER).quick_valid(args)
    assert args == {"city": "Paris"}


def test_building_never_modifies_the_schema() -> None:
    schema = {"type": "dict", "properties": {"x": {"type": "float"}}}
    before = copy.deepcopy(schema)
    clear_cache()
    info = get_schema_info(schema)
    assert schema == before
    assert [p.original for p in info.type_problems] == ["dict", "float"]
    assert info.mapped["type"] == "object"


def test_format_is_not_asserted_like_jsonschema() -> None:
    info = get_schema_info(WEATHER)
    assert info.check({"city": "Paris", "when": "next tuesday"}) == []
    assert info.quick_valid({"city": "Paris", "when": "next tuesday"})


def test_fast_path_and_slow_path_agree() -> None:
    info = get_schema_info(WEATHER)
    cases = [
        ({"city": "Paris"}, set()),
        ({"city": "Paris", "unit": "kelvin"}, {"TP304"}),
        ({"unit": "celsius"}, {"TP301"}),
        ({"city": "Paris", "days": 0}, {"TP305"}),
        ({"city": "Paris", "days": "3"}, {"TP303"}),
        ({"city": "Paris", "extra": 1}, {"TP302"}),
        ({"city": 5, "unit": "k", "zz": 1}, {"TP303", "TP304", "TP302"}),
    ]
    for args, codes in cases:
        assert {p.code for p in info.check(args)} == codes, args
        assert info.quick_valid(args) == (not codes), args


def test_same_content_shares_one_compiled_schema() -> None:
    a = get_schema_info(copy.deepcopy(WEATHER))
    b = get_schema_info(copy.deepcopy(WEATHER))
    assert a is b


def test_remote_ref_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("schema checking tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    schema = {"type": "object", "properties": {"a": {"$ref": "https://example.com/schemas/a.json"}}}
    info = get_schema_info(schema)
    assert info.check({"a": 1}) == [] or all(p.code.startswith("TP3") for p in info.check({"a": 1}))


def test_invalid_schema_reports_and_skips_argument_checks() -> None:
    info = get_schema_info({"type": "object", "properties": {"n": {"type": "integer", "minimum": "one"}}})
    assert info.schema_problems and not info.usable
    assert info.check({"n": "anything"}) == []
