"""Repairs: each one tied to the rule code it repairs, with a safety level.

A repair is a function ``(record, state) -> list[Change]`` that edits a (copied) record in place and
only touches what is broken: a record that needs nothing comes back with no change. ``apply_fixes``
runs the safe repairs (and the unsafe ones when asked) to a fixpoint, bounded.

Detection stays in the rules (``validator/rules``); the cleaner re-runs them on the repaired record
and quarantines whatever is still an error. Calls typed as text are read with the call-syntax
registry (``validator.callsyntax``), the same code the evaluator uses on model output.

Pure Python: no torch / transformers / datasets.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from toolproof.validator.callids import fresh_id, pair_calls, renumber_safe
from toolproof.validator.callsyntax import find_typed_calls, read_tag_block
from toolproof.validator.callsyntax.base import (
    CLOSE_TAG,
    nesting_depth,
    normalize_call,
    parse_call_payload,
    scan_tool_call_tags,
)
from toolproof.validator.findings import FixSafety, json_path
from toolproof.validator.formats.common import is_json_data  # a repair never writes what the reader rejects
from toolproof.validator.io import MAX_NESTING
from toolproof.validator.pytypes import apply_reading, optional_names, read_python_type
from toolproof.validator.schema_cache import describe_reading


@dataclass(frozen=True, slots=True)
class Change:
    """One repair applied to one place of a record."""

    code: str  # the rule code it repairs, e.g. "TP105"
    fix: str  # the repair's name, e.g. "markup-to-tool-calls"
    path: str  # JSON path of what changed (in the repaired record)
    message: str  # what was done, concretely


@dataclass(slots=True)
class FixState:
    """What repairs share while fixing one record."""

    used_call_ids: set[str] = field(default_factory=set)
    next_call: int = 1

    def new_call_id(self) -> str:
        while f"call_{self.next_call}" in self.used_call_ids:
            self.next_call += 1
        cid = f"call_{self.next_call}"
        self.used_call_ids.add(cid)
        self.next_call += 1
        return cid


RepairFunc = Callable[[dict[str, Any], FixState], list[Change]]


@dataclass(frozen=True, slots=True)
class Fix:
    code: str  # rule code repaired
    name: str  # repair name (stable, used in summaries)
    safety: FixSafety
    title: str  # imperative: what the repair does
    func: RepairFunc


FIXES: list[Fix] = []


def _repair(code: str, name: str, safety: FixSafety, title: str) -> Callable[[RepairFunc], RepairFunc]:
    def deco(func: RepairFunc) -> RepairFunc:
        if any(f.name == name for f in FIXES):
            raise ValueError(f"duplicate repair {name}")
        FIXES.append(Fix(code, name, safety, title, func))
        return func

    return deco


# --------------------------------------------------------------------------- helpers


def _messages(record: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    msgs = record.get("messages")
    if not isinstance(msgs, list):
        return []
    return [(i, m) for i, m in enumerate(msgs) if isinstance(m, dict)]


def _assistant_messages(record: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, m) for i, m in _messages(record) if m.get("role") == "assistant"]


def _assistant_calls(record: dict[str, Any]) -> Iterator[tuple[int, int, Any, Any]]:
    """``(message index, call index, call, its "function" value or None)`` for every structured call."""
    for i, m in _assistant_messages(record):
        calls = m.get("tool_calls")
        if not isinstance(calls, list):
            continue
        for j, c in enumerate(calls):
            yield i, j, c, (c.get("function") if isinstance(c, dict) else None)


def _decode_arguments(value: Any) -> dict[str, Any] | None:
    """A JSON string (possibly double-encoded) holding an object -> that object; else None."""
    depth = 0
    while isinstance(value, str) and depth < 3:
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
        depth += 1
    if not isinstance(value, dict) or depth == 0 or nesting_depth(value, MAX_NESTING) > MAX_NESTING:
        return None  # (too deep: never put into a record, as the reader's TP013)
    return value if is_json_data(value) else None


def _canonical_call(call: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}


def _short(value: Any, limit: int = 60) -> str:
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _tool_function(tool: Any) -> dict[str, Any] | None:
    if not isinstance(tool, dict):
        return None
    fn = tool.get("function")
    if isinstance(fn, dict):
        return fn
    if isinstance(tool.get("name"), str):
        return tool
    return None


def _tool_schemas(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    tools = record.get("tools")
    if not isinstance(tools, list):
        return out
    for t in tools:
        fn = _tool_function(t)
        if fn is not None and isinstance(fn.get("name"), str) and isinstance(fn.get("parameters"), dict):
            out.setdefault(fn["name"], fn["parameters"])
    return out


# --------------------------------------------------------------------------- tools


def _tool_entries(record: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any], list[Any]]]:
    """``(index, tool entry, the tools list)`` for every object in the record's ``tools``."""
    tools = record.get("tools")
    if isinstance(tools, list):
        for i, t in enumerate(tools):
            if isinstance(t, dict):
                yield i, t, tools


@_repair("TP406", "wrap-flat-tool", FixSafety.SAFE, "Wrap flat tool definitions as {type, function}")
def wrap_flat_tools(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    for i, t, tools in _tool_entries(record):
        if "function" not in t and isinstance(t.get("name"), str):
            fn = {k: v for k, v in t.items() if k != "type"}
            tools[i] = {"type": "function", "function": fn}
            changes.append(
                Change("TP406", "wrap-flat-tool", json_path("tools", i), f"wrapped flat tool '{t['name']}'")
            )
        elif isinstance(t.get("function"), dict) and "type" not in t:
            tools[i] = {"type": "function", **t}
            changes.append(Change("TP406", "wrap-flat-tool", json_path("tools", i), "added type 'function'"))
    return changes


# Non-standard JSON Schema type names -> standard ones (None: drop the type, anything goes).
SCHEMA_TYPE_MAP: dict[str, str | None] = {
    "dict": "object",
    "map": "object",
    "float": "number",
    "double": "number",
    "tuple": "array",
    "list": "array",
    "int": "integer",
    "long": "integer",
    "str": "string",
    "bool": "boolean",
    "any": None,
}
STANDARD_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})


def map_schema_type(t: str) -> tuple[bool, str | None]:
    """(known, mapped) for a type name: standard names map to themselves (also case-folded)."""
    low = t.strip().lower()
    if low in STANDARD_TYPES:
        return True, low
    if low in SCHEMA_TYPE_MAP:
        return True, SCHEMA_TYPE_MAP[low]
    return False, None


def _fix_schema_node(node: Any, path: list[str | int], changes: list[Change], depth: int = 0) -> None:
    if depth > 64:
        return
    if isinstance(node, list):
        for i, item in enumerate(node):
            _fix_schema_node(item, [*path, i], changes, depth + 1)
        return
    if not isinstance(node, dict):
        return
    py = read_python_type(node.get("type")) if isinstance(node.get("type"), str) and not map_schema_type(node["type"])[0] else None
    if py is not None:  # "int, optional", "List[str]" (validator.pytypes): the reading the schema reader validates with
        t = node["type"]
        new_node = apply_reading(node, py)
        node.clear()
        node.update(new_node)
        changes.append(Change("TP402", "standard-schema-type", json_path(*path, "type"),
                              f"Python-style type '{t}' -> {describe_reading(py)}"))
    elif "type" in node:
        t = node["type"]
        if isinstance(t, str):
            known, mapped = map_schema_type(t)
            if known and mapped != t:
                if mapped is None:
                    del node["type"]
                    changes.append(
                        Change("TP402", "standard-schema-type", json_path(*path, "type"), f"dropped type '{t}'")
                    )
                else:
                    node["type"] = mapped
                    changes.append(
                        Change("TP402", "standard-schema-type", json_path(*path, "type"), f"'{t}' -> '{mapped}'")
                    )
        elif isinstance(t, list) and all(isinstance(x, str) for x in t):
            mapped_list = [map_schema_type(x) for x in t]
            if all(k for k, _ in mapped_list):
                if any(m is None for _, m in mapped_list):
                    del node["type"]
                    changes.append(
                        Change("TP402", "standard-schema-type", json_path(*path, "type"), f"dropped type {t}")
                    )
                else:
                    new: list[str] = []
                    for _, m in mapped_list:
                        if m is not None and m not in new:
                            new.append(m)
                    if new != t:
                        node["type"] = new
                        changes.append(
                            Change("TP402", "standard-schema-type", json_path(*path, "type"), f"{t} -> {new}")
                        )
    req = node.get("required")
    optional = optional_names(node.get("properties")) if isinstance(req, list) else set()
    for key in ("properties", "$defs", "definitions", "patternProperties"):
        sub = node.get(key)
        if isinstance(sub, dict):
            for k, v in sub.items():
                _fix_schema_node(v, [*path, key, k], changes, depth + 1)
    if isinstance(req, list) and optional & set(map(str, req)):
        dropped = [r for r in req if r in optional]
        node["required"] = [r for r in req if r not in optional]
        changes.append(Change("TP402", "standard-schema-type", json_path(*path, "required"),
                              f"{', '.join(map(str, dropped))} typed optional: not required"))
    for key in ("items", "additionalProperties", "not", "prefixItems", "anyOf", "oneOf", "allOf"):
        if key in node and isinstance(node[key], (dict, list)):
            _fix_schema_node(node[key], [*path, key], changes, depth + 1)


@_repair("TP402", "standard-schema-type", FixSafety.SAFE, "Map non-standard schema types to JSON Schema types")
def standard_schema_types(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    for i, t, _ in _tool_entries(record):
        if isinstance(t.get("function"), dict):
            params = t["function"].get("parameters")
            base: list[str | int] = ["tools", i, "function", "parameters"]
        else:
            params = t.get("parameters")
            base = ["tools", i, "parameters"]
        if isinstance(params, dict):
            _fix_schema_node(params, base, changes)
    return changes


# --------------------------------------------------------------------------- structured calls


@_repair("TP008", "renumber-call-ids", FixSafety.SAFE, "Give each later call that reuses an id its own id; its results follow it")
def renumber_call_ids(record: dict[str, Any], state: FixState) -> list[Change]:
    """The first call keeps its id; each later call with the same id gets ``ID_2``, ``ID_3`` ... and
    the results paired with it (``validator.callids``) take the new id. Ids whose pairing is in doubt
    are left for the quarantine."""
    msgs = record.get("messages")
    pairing = pair_calls(msgs)
    seen: set[str] = set()
    renamed: dict[int, str] = {}  # position in pairing.calls -> new id
    for k, (_i, _j, cid) in enumerate(pairing.calls):
        if cid in seen and renumber_safe(pairing, cid):
            renamed[k] = fresh_id(cid, state.used_call_ids)
        seen.add(cid)
    if not renamed:
        return []
    assert isinstance(msgs, list)
    changes: list[Change] = []
    for k, new in renamed.items():
        i, j, cid = pairing.calls[k]
        msgs[i]["tool_calls"][j]["id"] = new
        answered = [t for t, pos in pairing.results.items() if pos == k]
        for t in answered:
            msgs[t]["tool_call_id"] = new
        changes.append(Change("TP008", "renumber-call-ids", json_path("messages", i, "tool_calls", j, "id"),
                              f"reused call id {_short(cid)} -> {_short(new)}"
                              + (f" (and the result at {', '.join(json_path('messages', t) for t in answered)})" if answered else "")))
    return changes


def _arguments_change(call: dict[str, Any], i: int, j: int, code: str, name: str, message: str) -> Change:
    """The change record of a repair to call ``j`` of message ``i``'s arguments; the repaired call
    also gets the ``"type": "function"`` it may lack."""
    call.setdefault("type", "function")
    return Change(code, name, json_path("messages", i, "tool_calls", j, "function", "arguments"), message)


@_repair("TP205", "parameters-to-arguments", FixSafety.SAFE, "Rename `parameters` to `arguments` in calls")
def parameters_to_arguments(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    for i, j, c, fn in _assistant_calls(record):
        if isinstance(fn, dict) and "parameters" in fn and "arguments" not in fn:
            c["function"] = {("arguments" if k == "parameters" else k): v for k, v in fn.items()}
            changes.append(_arguments_change(c, i, j, "TP205", "parameters-to-arguments", "renamed 'parameters' to 'arguments'"))
    return changes


@_repair("TP203", "decode-arguments", FixSafety.SAFE, "Decode `arguments` given as a JSON string")
def decode_arguments(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    for i, j, c, fn in _assistant_calls(record):
        if not isinstance(fn, dict) or not isinstance(fn.get("arguments"), str):
            continue
        decoded = _decode_arguments(fn["arguments"])
        if decoded is None:
            continue  # TP204 / TP203 with no fix: left for the quarantine
        before = fn["arguments"]
        fn["arguments"] = decoded
        changes.append(_arguments_change(c, i, j, "TP203", "decode-arguments", f"decoded JSON string {_short(before)}"))
    return changes


# --------------------------------------------------------------------------- markup in content


@dataclass(slots=True)
class MarkupParse:
    calls: list[dict[str, Any]]  # flat {"name", "arguments"}
    rest: str  # the text outside the markup, stripped
    codes: list[str]  # which problems were repaired: TP101 / TP104 / TP105


def _find_json_call_before(text: str, lo: int, hi: int) -> tuple[int, list[dict[str, Any]], str] | None:
    """A complete call right before offset ``hi`` (a stray close tag), starting after ``lo``."""
    seg = text[lo:hi].rstrip()
    if not seg.endswith("}"):
        return None
    tries = 0
    for mt in re.finditer(r"\{", seg):
        tries += 1
        if tries > 64:
            break
        res = parse_call_payload(seg[mt.start() :])
        if res.ok and res.kind is not None:
            return lo + mt.start(), res.calls, res.kind
    return None


def parse_markup(text: str) -> MarkupParse | None:
    """Read every ``<tool_call>`` block of an assistant text, repairing what is safely repairable:
    a final open tag whose JSON is complete, a complete JSON call followed by a stray close tag,
    Python-literal dicts. None when any block cannot be read (the record is then not repaired).
    """
    scan = scan_tool_call_tags(text)
    if not scan.has_markup:
        return None
    if any(p.kind == "nested_open" for p in scan.problems):
        return None
    codes: list[str] = ["TP105"]
    spans: list[tuple[int, int, list[dict[str, Any]]]] = []
    for bi, b in enumerate(scan.blocks):
        if not b.closed:
            if bi != len(scan.blocks) - 1:
                return None
            res = parse_call_payload(b.inner)
            if not res.ok or res.kind != "json":
                return None  # only a complete JSON call may close an open final tag
            if "TP101" not in codes:
                codes.append("TP101")
        else:
            res = read_tag_block(b.inner)
            if not res.ok:
                return None
        if res.kind == "python_literal" and "TP104" not in codes:
            codes.append("TP104")
        spans.append((b.start, b.end, res.calls))
    stray = sorted(p.offset for p in scan.problems if p.kind == "stray_close")
    for off in stray:
        lo = 0
        for _s, e, _ in spans:
            if e <= off:
                lo = max(lo, e)
        found = _find_json_call_before(text, lo, off)
        if found is None:
            return None
        start, calls, kind = found
        if kind != "json":
            return None
        spans.append((start, off + len(CLOSE_TAG), calls))
        if "TP101" not in codes:
            codes.append("TP101")
    spans.sort(key=lambda s: s[0])
    calls_out: list[dict[str, Any]] = []
    for _, _, calls in spans:
        for c in calls:
            if not isinstance(c.get("arguments"), dict) or not is_json_data(c["arguments"]):
                return None
            calls_out.append({"name": c["name"], "arguments": c["arguments"]})
    pieces: list[str] = []
    pos = 0
    for s, e, _ in spans:
        pieces.append(text[pos:s])
        pos = max(pos, e)
    pieces.append(text[pos:])
    rest = "".join(pieces)
    rest = re.sub(r"\n{3,}", "\n\n", rest).strip()
    return MarkupParse(calls_out, rest, codes)


def _flat_structured(calls: list[Any]) -> list[dict[str, Any]] | None:
    out: list[dict[str, Any]] = []
    for c in calls:
        n = normalize_call(c)
        if n is None:
            return None
        out.append(n)
    return out


@_repair("TP105", "markup-to-tool-calls", FixSafety.SAFE, "Move `<tool_call>` markup into structured tool_calls")
def markup_to_tool_calls(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    for i, m in _assistant_messages(record):
        content = m.get("content")
        if not isinstance(content, str) or "tool_call>" not in content:
            continue
        existing = m.get("tool_calls")
        if existing is not None and existing != []:
            continue  # structured calls present: drop-repeated-markup decides
        parsed = parse_markup(content)
        if parsed is None:
            continue
        new_calls = [_canonical_call(c, state.new_call_id()) for c in parsed.calls]
        m["content"] = parsed.rest or None
        m["tool_calls"] = new_calls
        names = ", ".join(c["name"] for c in parsed.calls)
        for code in parsed.codes:
            msg = {
                "TP105": f"moved {len(new_calls)} call(s) ({names}) from markup to tool_calls",
                "TP101": "closed an unbalanced tag around a complete JSON call",
                "TP104": "read a Python-literal call with ast.literal_eval",
            }[code]
            changes.append(Change(code, "markup-to-tool-calls", json_path("messages", i, "tool_calls"), msg))
    return changes


@_repair("TP106", "drop-repeated-markup", FixSafety.SAFE, "Remove markup that repeats the structured calls")
def drop_repeated_markup(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    for i, m in _assistant_messages(record):
        content = m.get("content")
        existing = m.get("tool_calls")
        if not isinstance(content, str) or "tool_call>" not in content:
            continue
        if not isinstance(existing, list) or not existing:
            continue
        parsed = parse_markup(content)
        if parsed is None:
            continue
        flat = _flat_structured(existing)
        if flat is None or flat != parsed.calls:
            continue  # markup says something else: not ours to choose
        m["content"] = parsed.rest or None
        changes.append(
            Change(
                "TP106",
                "drop-repeated-markup",
                json_path("messages", i, "content"),
                f"removed markup repeating {len(flat)} structured call(s)",
            )
        )
    return changes


def _tool_names(record: dict[str, Any]) -> set[str] | None:
    names: set[str] = set()
    for t in record.get("tools") or [] if isinstance(record.get("tools"), list) else []:
        fn = _tool_function(t)
        if fn is not None and isinstance(fn.get("name"), str):
            names.add(fn["name"])
    return names or None


@_repair("TP107", "typed-calls-to-tool-calls", FixSafety.SAFE, "Move calls typed as text (any call syntax) into structured tool_calls")
def typed_calls_to_tool_calls(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    names = _tool_names(record)
    for i, m in _assistant_messages(record):
        content = m.get("content")
        if not isinstance(content, str):
            continue
        found = find_typed_calls(content, names)
        if found is None or not found.calls or not found.exact:
            continue
        if not all(is_json_data(c["arguments"]) for c in found.calls):
            continue
        existing = m.get("tool_calls")
        if existing is not None and existing != []:
            flat = _flat_structured(existing) if isinstance(existing, list) else None
            if flat != found.calls:
                continue  # they say something else: not ours to choose
            m["content"] = found.content or None
            changes.append(Change("TP107", "typed-calls-to-tool-calls", json_path("messages", i, "content"),
                                  f"removed {found.family} text repeating {len(flat)} structured call(s)"))
            continue
        m["content"] = found.content or None
        m["tool_calls"] = [_canonical_call(c, state.new_call_id()) for c in found.calls]
        names_s = ", ".join(c["name"] for c in found.calls)
        changes.append(Change("TP107", "typed-calls-to-tool-calls", json_path("messages", i, "tool_calls"),
                              f"moved {len(found.calls)} call(s) ({names_s}) typed in {found.family} syntax to tool_calls"))
    return changes


# --------------------------------------------------------------------------- unsafe


_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")


def coerce_value(value: str, schema_type: str) -> tuple[bool, Any]:
    """Unambiguous string -> typed value: "3" for integer, "12.5" for number, "true" for boolean."""
    s = value.strip()
    if schema_type == "integer" and _INT_RE.fullmatch(s):
        return True, int(s)
    if schema_type == "number":
        if _INT_RE.fullmatch(s):
            return True, int(s)
        if _FLOAT_RE.fullmatch(s):
            f = float(s)
            if math.isfinite(f):
                return True, f
    if schema_type == "boolean" and s.lower() in ("true", "false"):
        return True, s.lower() == "true"
    return False, None


def _iter_structured_calls(record: dict[str, Any]) -> list[tuple[int, int, dict[str, Any]]]:
    out: list[tuple[int, int, dict[str, Any]]] = []
    for i, j, _c, fn in _assistant_calls(record):
        if isinstance(fn, dict) and isinstance(fn.get("name"), str) and isinstance(fn.get("arguments"), dict):
            out.append((i, j, fn))
    return out


@_repair("TP303", "coerce-argument-type", FixSafety.UNSAFE, "Coerce unambiguous strings to the schema's type")
def coerce_argument_types(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    schemas = _tool_schemas(record)
    for i, j, fn in _iter_structured_calls(record):
        props = schemas.get(fn["name"], {}).get("properties")
        if not isinstance(props, dict):
            continue
        args = fn["arguments"]
        for k, v in list(args.items()):
            ps = props.get(k)
            if not isinstance(v, str) or not isinstance(ps, dict) or not isinstance(ps.get("type"), str):
                continue
            ok, new = coerce_value(v, ps["type"])
            if ok:
                args[k] = new
                changes.append(
                    Change(
                        "TP303",
                        "coerce-argument-type",
                        json_path("messages", i, "tool_calls", j, "function", "arguments", k),
                        f"{json.dumps(v)} -> {json.dumps(new)}",
                    )
                )
    return changes


@_repair("TP302", "drop-unknown-argument", FixSafety.UNSAFE, "Drop arguments the tool's schema does not declare")
def drop_unknown_arguments(record: dict[str, Any], state: FixState) -> list[Change]:
    changes: list[Change] = []
    schemas = _tool_schemas(record)
    for i, j, fn in _iter_structured_calls(record):
        schema = schemas.get(fn["name"])
        if schema is None:
            continue
        props = schema.get("properties")
        if not isinstance(props, dict) or schema.get("additionalProperties") not in (None, False):
            continue
        args = fn["arguments"]
        for k in [k for k in args if k not in props]:
            del args[k]
            changes.append(
                Change(
                    "TP302",
                    "drop-unknown-argument",
                    json_path("messages", i, "tool_calls", j, "function", "arguments", k),
                    f"dropped argument '{k}' not in the schema of '{fn['name']}'",
                )
            )
    return changes


# --------------------------------------------------------------------------- driver


def fix_for(code: str) -> list[Fix]:
    """The repairs that address a rule code."""
    return [f for f in FIXES if f.code == code]


def _collect_call_ids(record: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for _, m in _messages(record):
        calls = m.get("tool_calls")
        if isinstance(calls, list):
            for c in calls:
                if isinstance(c, dict) and isinstance(c.get("id"), str):
                    ids.add(c["id"])
        if isinstance(m.get("tool_call_id"), str):
            ids.add(m["tool_call_id"])
    return ids


def copy_record(record: Any) -> Any:
    """A deep copy of a JSON value (faster than copy.deepcopy for parsed JSON)."""
    try:
        return orjson.loads(orjson.dumps(record))
    except (TypeError, orjson.JSONEncodeError, orjson.JSONDecodeError):
        return json.loads(json.dumps(record))


def apply_fixes(
    record: dict[str, Any], *, unsafe: bool = False, max_rounds: int = 4
) -> tuple[dict[str, Any], list[Change]]:
    """Apply the safe repairs (and the unsafe ones with ``unsafe``) until nothing changes.

    Returns ``(repaired_copy, changes)``; the input record is never modified. With no change the
    original object itself is returned.
    """
    if not isinstance(record, dict):
        return record, []
    work = copy_record(record)
    state = FixState(used_call_ids=_collect_call_ids(work))
    changes: list[Change] = []
    for _ in range(max_rounds):
        round_changes: list[Change] = []
        for f in FIXES:
            if f.safety is FixSafety.UNSAFE and not unsafe:
                continue
            round_changes.extend(f.func(work, state))
        if not round_changes:
            break
        changes.extend(round_changes)
    if not changes:
        return record, []
    return work, changes


__all__ = [
    "FIXES",
    "Change",
    "Fix",
    "FixState",
    "MarkupParse",
    "apply_fixes",
    "coerce_value",
    "copy_record",
    "fix_for",
    "map_schema_type",
    "parse_markup",
]
