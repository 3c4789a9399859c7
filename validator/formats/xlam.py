"""xLAM (APIGen: Salesforce/xlam-function-calling-60k, Salesforce/xlam-irrelevance-7.5k) records -> canonical.

Shape::

    {"id": 7, "query": "...",
     "tools": "[{\\"name\\": \\"f\\", \\"description\\": \\"...\\",
                \\"parameters\\": {\\"x\\": {\\"type\\": \\"int\\", \\"description\\": \\"...\\", \\"default\\": 3}}}]",
     "answers": "[{\\"name\\": \\"f\\", \\"arguments\\": {\\"x\\": 5}}]"}

``tools`` / ``answers`` are JSON text (or already lists). xLAM parameters are a flat mapping of
parameter -> ``{type, description, default}`` with Python type names (``str``, ``int``, ``List[str]``,
``str, optional``); they become a JSON Schema object (a parameter is required unless it has a default
or its type says ``optional``). The irrelevance variant (``answers`` is ``[]``: no tool fits the query)
becomes a test record: the user turn and ``expected_calls: []``.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.formats.common import (
    CallIds,
    ConversionError,
    Notes,
    Record,
    assemble,
    call_from_obj,
    loads_field,
    note,
)

CONSUMED = ("query", "tools", "answers")

_SIMPLE = {
    "str": "string", "string": "string", "int": "integer", "integer": "integer", "float": "number",
    "number": "number", "double": "number", "bool": "boolean", "boolean": "boolean",
    "list": "array", "array": "array", "tuple": "array", "set": "array", "dict": "object", "object": "object",
}
_GENERIC = re.compile(r"^(\w+)\s*\[(.*)\]$")


def _split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def type_schema(t: str) -> tuple[dict[str, Any], bool]:
    """A Python-ish type string -> (JSON Schema fragment, optional?)."""
    parts = _split_top(t.strip())
    optional = any(p.lower() == "optional" for p in parts[1:])
    base = parts[0] if parts else ""
    m = re.match(r"^Optional\s*\[(.*)\]$", base, re.I)
    if m:
        optional = True
        base = m.group(1).strip()
    m = _GENERIC.match(base)
    if m:
        outer, inner = m.group(1).lower(), m.group(2)
        if outer in ("list", "set", "tuple", "sequence"):
            args = _split_top(inner)
            same = args and (outer != "tuple" or len(set(args)) == 1)
            items = type_schema(args[0])[0] if same else {}
            out: dict[str, Any] = {"type": "array"}
            if items:
                out["items"] = items
            return out, optional
        if outer in ("dict", "mapping"):
            return {"type": "object"}, optional
        if outer == "union":
            opts = [x for x in _split_top(inner) if x.lower() not in ("none", "nonetype")]
            if len(opts) < len(_split_top(inner)):
                optional = True
            return (type_schema(opts[0])[0] if opts else {}), optional
    mapped = _SIMPLE.get(base.lower())
    if mapped:
        return {"type": mapped}, optional
    return ({"x-xlam-type": base} if base else {}), optional


def parameters_schema(params: Any, where: str) -> dict[str, Any]:
    if params is None:
        return {"type": "object", "properties": {}}
    if not isinstance(params, dict):
        raise ConversionError(f"parameters must be an object, got {type(params).__name__}", where)
    if params.get("type") == "object" or isinstance(params.get("properties"), dict):
        return params  # already JSON Schema
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, spec in params.items():
        if not isinstance(spec, dict):
            raise ConversionError(f"parameter {name!r} must be an object", f"{where}.{name}")
        prop: dict[str, Any] = {}
        optional = "default" in spec
        if isinstance(spec.get("type"), str):
            frag, opt = type_schema(spec["type"])
            prop.update(frag)
            optional = optional or opt
        for k, v in spec.items():
            if k != "type":
                prop[k] = v
        props[name] = prop
        if not optional:
            required.append(name)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def convert(obj: Record, notes: Notes | None = None) -> Record:
    query = obj.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ConversionError("xLAM record needs a non-empty string 'query'", "$.query")
    raw_tools = loads_field(obj.get("tools"), "tools") or []
    if isinstance(raw_tools, dict):
        raw_tools = [raw_tools]
    if not isinstance(raw_tools, list):
        raise ConversionError("field 'tools' must be a list", "$.tools")
    tools = []
    for i, t in enumerate(raw_tools):
        where = f"$.tools[{i}]"
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise ConversionError("a tool needs a string 'name'", where)
        fn = {k: v for k, v in t.items() if k != "parameters"}
        fn["parameters"] = parameters_schema(t.get("parameters"), f"{where}.parameters")
        tools.append({"type": "function", "function": fn})
    answers = loads_field(obj.get("answers"), "answers")
    if isinstance(answers, dict):
        answers = [answers]
    if not isinstance(answers, list):
        raise ConversionError("field 'answers' must be a list of calls", "$.answers")
    if not answers:  # the irrelevance variant: no tool fits, the right answer calls nothing
        note(notes, "empty answers (irrelevance) read as a test record with expected_calls []")
        out = assemble(obj, CONSUMED, [{"role": "user", "content": query}], tools)
        out["expected_calls"] = []
        return out
    ids = CallIds()
    calls = [call_from_obj(a, ids, f"$.answers[{i}]", notes) for i, a in enumerate(answers)]
    messages = [{"role": "user", "content": query}, {"role": "assistant", "content": None, "tool_calls": calls}]
    if isinstance(obj.get("answers"), str) or isinstance(obj.get("tools"), str):
        note(notes, "query / tools / answers JSON text read as a record")
    return assemble(obj, CONSUMED, messages, tools)


def looks_like(obj: Record) -> bool:
    return "query" in obj and "answers" in obj


__all__ = ["convert", "looks_like", "parameters_schema", "type_schema"]
