"""Python-style parameter types in tool declarations, read as JSON Schema (TP402).

APIGen / xLAM tool lists (and the datasets built from them: LLaMA-Factory's demos, Hammer, ...)
write a parameter's type the way a Python docstring does: ``"int, optional"``, ``"str, default='x'"``,
``"List[str]"``, ``"Dict[str, Any]"``, ``"Optional[float]"``, ``"Union[int, str]"``. It is a
documented convention, so the type has one JSON Schema reading:

- the base name maps like any alias (``int`` -> ``integer``, ``float`` -> ``number``, ``Dict`` ->
  ``object``, ``Any`` -> no type); ``List[T]`` / ``Tuple[...]`` / ``Set[T]`` -> ``array`` with
  ``items`` from ``T`` when it has one; ``Union[A, B]`` / ``A | B`` -> a type list;
- ``optional`` (or ``Optional[T]``) means "not required";
- ``default=X`` (or ``default X``) gives the parameter's ``default`` (a Python literal when it reads
  as one, else the text).

Anything else (an unknown name, a modifier that is neither) gives None: no reading, no repair.
The schema reader (``validator.schema_cache``) validates calls against this reading and the repair
(``fixes.standard_schema_types``) writes it into the declaration, so both agree.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

# Base names (lower-cased) -> JSON Schema type; None: any value (no type)
BASE_TYPES: dict[str, str | None] = {
    "str": "string", "string": "string", "text": "string",
    "int": "integer", "integer": "integer", "long": "integer",
    "float": "number", "double": "number", "number": "number", "decimal": "number",
    "bool": "boolean", "boolean": "boolean",
    "dict": "object", "object": "object", "map": "object", "mapping": "object",
    "list": "array", "array": "array", "tuple": "array", "set": "array", "sequence": "array",
    "none": "null", "nonetype": "null", "null": "null",
    "any": None,
}
_ARRAYS = frozenset({"list", "array", "tuple", "set", "sequence"})
_DEFAULT = re.compile(r"default\s*(?:=|:|\s)\s*(.*)\Z", re.IGNORECASE | re.DOTALL)
MAX_LEN = 200


@dataclass(frozen=True)
class PyType:
    """One reading: the schema keywords to set (``type`` absent = any value), optional, default."""

    schema: dict[str, Any]
    optional: bool = False
    has_default: bool = False
    default: Any = None


def _split_top(text: str, sep: str) -> list[str] | None:
    """``text`` split on ``sep`` outside brackets and quotes; None when the brackets do not pair."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                return None
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth or quote:
        return None
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _type_schema(text: str, depth: int = 0) -> tuple[dict[str, Any], bool] | None:
    """(schema keywords, optional) for a type expression (no modifiers), or None."""
    if depth > 8 or not text:
        return None
    alts = _split_top(text, "|")
    if alts is not None and len(alts) > 1:
        return _union(alts, depth)
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\[(.*)\])?", text, re.DOTALL)
    if m is None:
        return None
    name, inner = m.group(1).rsplit(".", 1)[-1].lower(), m.group(2)
    if inner is not None:
        args = _split_top(inner, ",")
        if args is None or not all(args):
            return None
        if name == "optional" and len(args) == 1:
            got = _type_schema(args[0], depth + 1)
            return (got[0], True) if got is not None else None
        if name == "union":
            return _union(args, depth)
        if name == "literal":
            return _literal(args)
    if name not in BASE_TYPES:
        return None
    base = BASE_TYPES[name]
    schema: dict[str, Any] = {} if base is None else {"type": base}
    if inner is not None and name in _ARRAYS and name != "tuple":
        item = _type_schema(inner.strip(), depth + 1)
        if item is None:
            return None
        if item[0]:
            schema["items"] = item[0]
    elif inner is not None and base not in ("object", "array"):
        return None  # int[...]: not a type expression
    return schema, False


def _union(alts: list[str], depth: int) -> tuple[dict[str, Any], bool] | None:
    types: list[str] = []
    optional = False
    for a in alts:
        got = _type_schema(a, depth + 1)
        if got is None:
            return None
        t = got[0].get("type")
        if t is None:
            return {}, optional  # Any among them: any value
        if t == "null":
            optional = True
            continue
        if t not in types:
            types.append(t)
    if not types:
        return {"type": "null"}, False
    return ({"type": types[0]} if len(types) == 1 else {"type": types}), optional


def _literal(args: list[str]) -> tuple[dict[str, Any], bool] | None:
    try:
        values = [ast.literal_eval(a) for a in args]
    except (ValueError, SyntaxError):
        return None
    return {"enum": values}, False


def _default_value(text: str) -> Any:
    """A Python literal (``'x'``, ``10``, ``None``, ``True``) when the text reads as one, else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def read_python_type(text: Any) -> PyType | None:
    """The JSON Schema reading of a Python-style type string, or None (see the module doc)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LEN:
        return None
    parts = _split_top(text.strip(), ",")
    if not parts or not parts[0]:
        return None
    # "Tuple[int, int], optional": the first part holds the whole bracketed type
    got = _type_schema(parts[0])
    if got is None:
        return None
    schema, optional = got
    has_default, default = False, None
    for mod in parts[1:]:
        low = mod.lower()
        d = _DEFAULT.match(mod)
        if low == "optional":
            optional = True
        elif low == "required":
            continue
        elif d is not None and d.group(1).strip():
            has_default, default = True, _default_value(d.group(1).strip())
            optional = True  # a parameter with a default may be left out
        else:
            return None
    return PyType(schema, optional, has_default, default)


def apply_reading(node: dict[str, Any], reading: PyType) -> dict[str, Any]:
    """``node`` (a parameter's schema) with the reading's keywords: its type replaced (or dropped for
    any value), ``items`` / ``enum`` / ``default`` added where the node has none. A new dict."""
    out = {k: v for k, v in node.items() if k != "type"}
    for k, v in reading.schema.items():
        if k == "type" or k not in out:
            out[k] = v
    if reading.has_default and "default" not in out:
        out["default"] = reading.default
    return out


def optional_names(properties: Any) -> set[str]:
    """The properties whose Python-style type says they may be left out (``optional``, a default)."""
    if not isinstance(properties, dict):
        return set()
    out = set()
    for k, v in properties.items():
        if isinstance(v, dict):
            r = read_python_type(v.get("type"))
            if r is not None and r.optional:
                out.add(k)
    return out


__all__ = ["BASE_TYPES", "PyType", "apply_reading", "optional_names", "read_python_type"]
