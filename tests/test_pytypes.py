"""Python-style parameter types (APIGen / xLAM tool lists) read as JSON Schema (issue 31)."""

from __future__ import annotations

from typing import Any

import pytest

from toolproof.validator.fixes import apply_fixes
from toolproof.validator.pytypes import PyType, read_python_type
from toolproof.validator.schema_cache import get_schema_info


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("int, optional", PyType({"type": "integer"}, optional=True)),
        ("str, optional", PyType({"type": "string"}, optional=True)),
        ("str, default='x'", PyType({"type": "string"}, optional=True, has_default=True, default="x")),
        ("int, default=10", PyType({"type": "integer"}, optional=True, has_default=True, default=10)),
        ("bool, default: True", PyType({"type": "boolean"}, optional=True, has_default=True, default=True)),
        ("float", PyType({"type": "number"})),
        ("Dict", PyType({"type": "object"})),
        ("Dict[str, Any]", PyType({"type": "object"})),
        ("List[str]", PyType({"type": "array", "items": {"type": "string"}})),
        ("List[List[int]], optional", PyType({"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}, optional=True)),
        ("Tuple[int, int]", PyType({"type": "array"})),
        ("Optional[float]", PyType({"type": "number"}, optional=True)),
        ("Union[int, str]", PyType({"type": ["integer", "string"]})),
        ("int | None", PyType({"type": "integer"}, optional=True)),
        ("Any", PyType({})),
        ("Literal['a', 'b']", PyType({"enum": ["a", "b"]})),
    ],
)
def test_python_types_read_as_json_schema(text: str, expected: PyType) -> None:
    assert read_python_type(text) == expected


@pytest.mark.parametrize("text", ["foo", "str, sometimes", "List[foo]", "int[3]", "List[str", "", "x" * 300, 3, None])
def test_what_is_not_a_python_type_has_no_reading(text: Any) -> None:
    assert read_python_type(text) is None


def _record(props: dict[str, Any], required: list[str] | None, args: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"type": "dict", "properties": props}
    if required is not None:
        params["required"] = required
    return {"id": "r", "tools": [{"type": "function", "function": {"name": "f", "description": "d", "parameters": params}}],
            "messages": [{"role": "user", "content": "q"},
                         {"role": "assistant", "content": None,
                          "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": args}}]}]}


def test_repair_writes_the_reading_into_the_declaration_and_is_idempotent() -> None:
    props = {"q": {"type": "str"}, "page": {"type": "int, optional", "default": "1"},
             "kind": {"type": "str, default='previous'"}, "tags": {"type": "List[str]"}}
    r = _record(props, ["q", "page"], {"q": "x"})
    out, changes = apply_fixes(r)
    params = out["tools"][0]["function"]["parameters"]
    assert params == {"type": "object", "required": ["q"], "properties": {
        "q": {"type": "string"},
        "page": {"type": "integer", "default": "1"},  # an existing default is kept as written
        "kind": {"type": "string", "default": "previous"},
        "tags": {"type": "array", "items": {"type": "string"}},
    }}
    assert {c.code for c in changes} == {"TP402"}
    assert any(c.path.endswith(".required") and "page" in c.message for c in changes)
    assert apply_fixes(out) == (out, [])


def test_schema_reader_validates_calls_with_the_same_reading() -> None:
    # the reader (what TP301-TP305 check against) agrees with the repair: "page" is not required,
    # "tags" must be a list of strings
    r = _record({"q": {"type": "str"}, "page": {"type": "int, optional"}, "tags": {"type": "List[str]"}}, ["q", "page"], {})
    params = r["tools"][0]["function"]["parameters"]
    fixed = apply_fixes(r)[0]["tools"][0]["function"]["parameters"]
    info = get_schema_info(params)
    assert info.mapped == fixed
    assert all(tp.fixable for tp in info.type_problems)
