"""Compiled tool-parameter schemas, one per distinct schema content.

``get_schema_info(schema)`` returns a :class:`SchemaInfo` built once per distinct schema (keyed by
its canonical JSON). It knows

- ``schema_problems``: why the schema is not a valid JSON Schema (TP401), with paths inside it;
- ``type_problems``: non-standard ``type`` names such as ``dict`` / ``float`` (TP402) and their
  standard replacement;
- ``check(arguments)``: the argument problems (TP301-TP305) of one call, fast when valid.

Arguments are checked against a copy of the schema with non-standard types mapped (``dict`` ->
``object``, ``any`` -> no type, ...), so one TP402 does not cascade into a TP303 per call. When the
schema is still invalid after mapping, argument checks are skipped for that tool.

Fast path: ``fastjsonschema`` says valid/invalid; only invalid arguments go through ``jsonschema``'s
``iter_errors`` to name every problem.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import fastjsonschema
import jsonschema
import orjson
from jsonschema.validators import validator_for

from toolproof.validator.findings import FixSafety
from toolproof.validator.pytypes import PyType, apply_reading, optional_names, read_python_type

STANDARD_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})

# Non-standard type names seen in tool datasets -> the JSON Schema type (None: drop the type).
TYPE_ALIASES: dict[str, str | None] = {
    "dict": "object",
    "map": "object",
    "hashmap": "object",
    "float": "number",
    "double": "number",
    "decimal": "number",
    "int": "integer",
    "long": "integer",
    "str": "string",
    "text": "string",
    "bool": "boolean",
    "list": "array",
    "tuple": "array",
    "set": "array",
    "arraylist": "array",
    "none": "null",
    "nonetype": "null",
    "any": None,
}

_SCHEMA_MAP_KEYWORDS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_KEYWORDS = (
    "additionalProperties",
    "additionalItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SCHEMA_LIST_KEYWORDS = ("anyOf", "oneOf", "allOf", "prefixItems")

_MAX_SCHEMA_PROBLEMS = 5
_CACHE_SIZE = 4096


def json_type(value: Any) -> str:
    """The JSON type name of a Python value parsed from JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def short(value: Any, limit: int = 60) -> str:
    """A short repr of a value for messages."""
    return clip(repr(value), limit)


def clip(text: str, limit: int = 200) -> str:
    """Text cut to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class TypeProblem:
    path: tuple[str | int, ...]  # inside the parameters schema, ending at "type" (or its list index)
    original: str
    replacement: Any  # a type name or list; None: drop the type ("any"), or unknown when not fixable
    fixable: bool
    reading: str | None = None  # a Python-style type (validator.pytypes): what it reads as, in words


@dataclass(frozen=True, slots=True)
class ArgProblem:
    code: str  # TP301..TP305
    path: tuple[str | int, ...]  # inside the arguments object
    message: str
    fix: FixSafety | None = None
    data: Any = None


def _map_type(t: str) -> tuple[str | None, bool] | None:
    """None when ``t`` is standard; else (replacement, known)."""
    if t in STANDARD_TYPES:
        return None
    low = t.strip().lower()
    if low in STANDARD_TYPES:
        return low, True
    if low in TYPE_ALIASES:
        return TYPE_ALIASES[low], True
    return None, False


def _walk_types(
    node: Any, path: tuple[str | int, ...], out: list[TypeProblem], depth: int = 0
) -> Any:
    """Collect non-standard types under a schema node; return the node with types mapped
    (the same object when nothing changed, so clean schemas are never copied)."""
    if not isinstance(node, dict) or depth > 64:
        return node
    changed: dict[str, Any] = {}
    t = node.get("type")
    py = read_python_type(t) if isinstance(t, str) and _map_type(t) == (None, False) else None
    if py is not None:  # "int, optional", "List[str]": one reading (validator.pytypes)
        new_node = apply_reading(node, py)
        out.append(TypeProblem(path + ("type",), t, new_node.get("type"), True, describe_reading(py)))
        changed.update({k: v for k, v in new_node.items() if node.get(k, _MISSING) is not v})
        if "type" not in new_node:
            changed["type"] = None
    elif isinstance(t, str):
        m = _map_type(t)
        if m is not None:
            out.append(TypeProblem(path + ("type",), t, m[0], m[1]))
            changed["type"] = m[0]
    elif isinstance(t, list):
        new_list: list[Any] = []
        touched = False
        drop = False
        for i, item in enumerate(t):
            m = _map_type(item) if isinstance(item, str) else None
            if m is None:
                new_list.append(item)
                continue
            touched = True
            out.append(TypeProblem(path + ("type", i), item, m[0], m[1]))
            if m[0] is None:
                drop = True
            elif m[0] not in new_list:
                new_list.append(m[0])
        if touched:
            changed["type"] = None if drop else new_list
    for kw in _SCHEMA_MAP_KEYWORDS:
        sub = node.get(kw)
        if isinstance(sub, dict):
            new_sub = {k: _walk_types(v, path + (kw, k), out, depth + 1) for k, v in sub.items()}
            if any(new_sub[k] is not sub[k] for k in sub):
                changed[kw] = new_sub
    req = node.get("required")
    if isinstance(req, list) and (optional := optional_names(node.get("properties"))) & set(map(str, req)):
        changed["required"] = [r for r in req if r not in optional]  # "optional" in the type: not required
    for kw in _SCHEMA_KEYWORDS:
        sub = node.get(kw)
        if isinstance(sub, dict):
            new = _walk_types(sub, path + (kw,), out, depth + 1)
            if new is not sub:
                changed[kw] = new
    for kw in (*_SCHEMA_LIST_KEYWORDS, "items"):
        sub = node.get(kw)
        if kw == "items" and isinstance(sub, dict):
            new = _walk_types(sub, path + (kw,), out, depth + 1)
            if new is not sub:
                changed[kw] = new
        elif isinstance(sub, list):
            new_items = [_walk_types(v, path + (kw, i), out, depth + 1) for i, v in enumerate(sub)]
            if any(a is not b for a, b in zip(new_items, sub)):
                changed[kw] = new_items
    if not changed:
        return node
    new_node = dict(node)
    for k, v in changed.items():
        if k == "type" and v is None:
            new_node.pop("type", None)
        else:
            new_node[k] = v
    return new_node


_MISSING = object()


def describe_reading(py: PyType) -> str:
    """``'integer', not required, default 10``: a Python-style type's reading, for messages."""
    t = py.schema.get("type")
    words = [json.dumps(t) if t is not None else "any value"]
    words += [f"{k} {json.dumps(v)}" for k, v in py.schema.items() if k != "type"]
    if py.optional:
        words.append("not required")
    if py.has_default:
        words.append(f"default {short(py.default, 40)}")
    return ", ".join(words)


def _bad_patterns(node: Any, path: tuple[str | int, ...], out: list[tuple[tuple[str | int, ...], str]], depth: int = 0) -> None:
    """Regexes jsonschema would choke on while validating (``pattern``, ``patternProperties``)."""
    if depth > 64:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                try:
                    re.compile(v)
                except (re.error, RecursionError, OverflowError) as e:
                    out.append((path + (k,), f"'pattern' {short(v)} is not a valid regular expression: {e}"))
            elif k == "patternProperties" and isinstance(v, dict):
                for p in v:
                    try:
                        re.compile(p)
                    except (re.error, RecursionError, OverflowError) as e:
                        out.append((path + (k, p), f"patternProperties key {short(p)} is not a valid regular expression: {e}"))
            if k not in ("enum", "const", "default", "examples"):
                _bad_patterns(v, path + (k,), out, depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _bad_patterns(v, path + (i,), out, depth + 1)


_COERCE_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def _coercion(value: Any, expected: Any) -> tuple[bool, Any]:
    """(True, coerced) when a string argument converts unambiguously to the one expected type."""
    if not isinstance(value, str):
        return False, None
    if isinstance(expected, list):
        if len(expected) != 1:
            return False, None
        expected = expected[0]
    if expected in ("number", "integer") and _COERCE_NUMBER.match(value):
        num = float(value)
        if expected == "integer":
            if num.is_integer() and abs(num) < 2**53:
                return True, int(num)
            return False, None
        if num != num or num in (float("inf"), float("-inf")):
            return False, None
        return True, int(num) if re.fullmatch(r"\s*[-+]?\d+\s*", value) else num
    if expected == "boolean" and value.strip().lower() in ("true", "false"):
        return True, value.strip().lower() == "true"
    return False, None


def _arg_name(path: tuple[str | int, ...]) -> str:
    if not path:
        return "arguments"
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return f"argument '{out}'"


@dataclass
class SchemaInfo:
    """Everything toolproof needs to know about one distinct parameters schema."""

    schema: Any
    schema_problems: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)
    type_problems: list[TypeProblem] = field(default_factory=list)
    usable: bool = False  # argument checks possible
    mapped: Any = None
    _validator: Any = None
    _fast: Callable[[Any], Any] | None = None
    _props: dict[str, Any] | None = None  # top-level properties, when unknown keys are to be flagged
    _patterns: list[re.Pattern[str]] = field(default_factory=list)

    def unknown_keys(self, args: dict[str, Any]) -> list[str]:
        props = self._props
        if props is None:
            return []
        out = []
        for k in args:
            if k in props:
                continue
            if self._patterns and any(p.search(k) for p in self._patterns):
                continue
            out.append(k)
        return out

    def quick_valid(self, args: Any) -> bool:
        """True only when :meth:`check` would return no problem (fast path only; False = look closer)."""
        if not self.usable or not isinstance(args, dict):
            return True
        props = self._props
        if props is not None and not props.keys() >= args.keys() and self.unknown_keys(args):
            return False  # (the set test in C first: nearly every call names declared keys only)
        if self._fast is None:
            return False
        try:
            self._fast(args)
        except Exception:  # noqa: BLE001
            return False
        return True

    def check(self, args: Any) -> list[ArgProblem]:
        """Problems of one arguments object (empty when valid or when the schema is unusable)."""
        if not self.usable or not isinstance(args, dict):
            return []
        unknown = self.unknown_keys(args) if self._props is not None else []
        if self._fast is not None and not unknown:
            try:
                self._fast(args)
                return []
            except fastjsonschema.JsonSchemaValueException:
                pass
            except Exception:  # noqa: BLE001 - fall back to jsonschema
                pass
        problems: list[ArgProblem] = []
        seen: set[tuple[str, tuple[str | int, ...], str]] = set()

        def add(p: ArgProblem) -> None:
            key = (p.code, p.path, p.message if p.code == "TP301" else "")
            if key not in seen:
                seen.add(key)
                problems.append(p)

        for k in unknown:
            add(ArgProblem("TP302", (k,), f"{_arg_name((k,))} is not a parameter of this tool", data={"argument": k}))
        try:
            for err in self._validator.iter_errors(args):
                for p in self._from_error(err):
                    add(p)
        except Exception:  # noqa: BLE001 - a schema jsonschema cannot run: report what we have
            pass
        return problems

    def _from_error(self, err: jsonschema.ValidationError) -> Iterator[ArgProblem]:
        path = tuple(err.absolute_path)
        kw = err.validator
        inst = err.instance
        if kw == "required":
            req = err.validator_value if isinstance(err.validator_value, list) else []
            if isinstance(inst, dict):
                for r in req:
                    if isinstance(r, str) and r not in inst:
                        yield ArgProblem(
                            "TP301",
                            path,
                            f"missing required {_arg_name(path + (r,))}",
                            data={"argument": r},
                        )
            return
        if kw in ("additionalProperties", "unevaluatedProperties"):
            schema = err.schema if isinstance(err.schema, dict) else {}
            props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
            pats = schema.get("patternProperties") if isinstance(schema.get("patternProperties"), dict) else {}
            if isinstance(inst, dict):
                for k in inst:
                    if k in props or any(re.search(p, k) for p in pats):
                        continue
                    yield ArgProblem(
                        "TP302", path + (k,), f"{_arg_name(path + (k,))} is not allowed by the schema", data={"argument": k}
                    )
            return
        if kw == "type":
            expected = err.validator_value
            ok, coerced = _coercion(inst, expected)
            exp = " or ".join(expected) if isinstance(expected, list) else str(expected)
            yield ArgProblem(
                "TP303",
                path,
                f"{_arg_name(path)} must be {exp}, got {json_type(inst)} {short(inst)}",
                fix=FixSafety.UNSAFE if ok else FixSafety.NONE,
                data={"coerced": coerced} if ok else None,
            )
            return
        if kw == "enum":
            yield ArgProblem(
                "TP304", path, f"{_arg_name(path)} must be one of {short(err.validator_value, 200)}, got {short(inst)}"
            )
            return
        yield ArgProblem("TP305", path, f"{_arg_name(path)}: {clip(err.message)} ('{kw}')")


_FAST_DRAFTS = (jsonschema.Draft4Validator, jsonschema.Draft6Validator, jsonschema.Draft7Validator)


def _has_remote_ref(node: Any, depth: int = 0) -> bool:
    """A ``$ref`` that is not local (fastjsonschema would fetch it over the network)."""
    if depth > 64:
        return True
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
            return True
        return any(_has_remote_ref(v, depth + 1) for v in node.values())
    if isinstance(node, list):
        return any(_has_remote_ref(v, depth + 1) for v in node)
    return False


def _build(schema: Any) -> SchemaInfo:
    info = SchemaInfo(schema=schema)
    if isinstance(schema, bool):
        info.mapped = schema
        info.usable = True
        info._validator = jsonschema.Draft7Validator(schema)
        return info
    if not isinstance(schema, dict):
        info.schema_problems.append(((), f"parameters must be a JSON Schema object, got {json_type(schema)}"))
        return info
    mapped = _walk_types(schema, (), info.type_problems)
    info.mapped = mapped
    top = mapped.get("type")
    if top is not None and top != "object" and not (isinstance(top, list) and "object" in top):
        info.schema_problems.append((("type",), f"parameters must describe an object (type 'object'), got {short(top)}"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls = validator_for(mapped, default=jsonschema.Draft7Validator)
        meta = cls(cls.META_SCHEMA)
        for err in meta.iter_errors(mapped):
            if len(info.schema_problems) >= _MAX_SCHEMA_PROBLEMS:
                break
            info.schema_problems.append((tuple(err.absolute_path), clip(err.message)))
    except Exception as e:  # noqa: BLE001 - e.g. unhashable $schema, recursion
        info.schema_problems.append(((), f"schema could not be checked: {clip(str(e), 120)}"))
        return info
    _bad_patterns(mapped, (), info.schema_problems)
    if info.schema_problems:
        return info
    try:
        info._validator = cls(mapped)
    except Exception:  # noqa: BLE001
        return info
    if cls in _FAST_DRAFTS and not _has_remote_ref(mapped):
        try:
            # never fill defaults into the data (use_default) nor assert formats (jsonschema does not)
            info._fast = fastjsonschema.compile(mapped, use_default=False, use_formats=False)
        except Exception:  # noqa: BLE001 - unsupported by fastjsonschema: slow path only
            info._fast = None
    props = mapped.get("properties")
    extra = mapped.get("additionalProperties", None)
    if isinstance(props, dict) and (extra is None or extra is False):
        info._props = props
        pats = mapped.get("patternProperties")
        if isinstance(pats, dict):
            info._patterns = [re.compile(p) for p in pats]
    info.usable = True
    return info


_CACHE: OrderedDict[bytes, SchemaInfo] = OrderedDict()


def schema_key(schema: Any) -> bytes:
    """The schema's JSON bytes, used as the cache key (key order is kept: sorting costs more than
    the rare duplicate entry it would save)."""
    try:
        return orjson.dumps(schema)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(schema, sort_keys=True, default=repr).encode()


def get_schema_info(schema: Any) -> SchemaInfo:
    """The (cached) :class:`SchemaInfo` for a parameters schema. Never raises."""
    key = schema_key(schema)
    info = _CACHE.get(key)
    if info is not None:
        _CACHE.move_to_end(key)
        return info
    try:
        info = _build(copy.deepcopy(schema))
    except Exception as e:  # noqa: BLE001 - last resort: an unusable schema, reported as TP401
        info = SchemaInfo(schema=schema, schema_problems=[((), f"schema could not be checked: {clip(str(e), 120)}")])
    _CACHE[key] = info
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return info


def clear_cache() -> None:
    _CACHE.clear()


__all__ = [
    "ArgProblem",
    "clip",
    "STANDARD_TYPES",
    "SchemaInfo",
    "TYPE_ALIASES",
    "TypeProblem",
    "clear_cache",
    "get_schema_info",
    "json_type",
    "schema_key",
    "short",
]
