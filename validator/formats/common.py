"""Pieces shared by the converters: the error type, tool and call normalisation, call ids."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from toolproof.validator.errors import ToolproofError

Record = dict[str, Any]


# Tool types other than "function" (OpenAI Assistants / fine-tuning: code_interpreter, file_search,
# retrieval; functionary's code_interpreter): passed through untouched, never re-shaped.
BUILTIN_TOOL_TYPES = frozenset({"code_interpreter", "file_search", "retrieval", "web_search", "web_search_preview", "computer_use_preview"})


@dataclass
class Note:
    """What a converter did to a record (``kind``: a short phrase the commands count and print), or a
    problem it found that is not fatal (``code`` set: a reader finding such as TP407)."""

    kind: str
    path: str = "$"
    code: str | None = None
    message: str = ""


Notes = list[Note]


def note(notes: Notes | None, kind: str, path: str = "$", code: str | None = None, message: str = "") -> None:
    if notes is not None:
        notes.append(Note(kind, path, code, message))


class ConversionError(ToolproofError, ValueError):
    """A record that cannot be converted; ``path`` is a JSON path inside the source record."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path != "$" else self.message


def is_json_data(value: Any) -> bool:
    """True when ``value`` writes as strict JSON that reads back the same (no NaN, no sets, tuples
    as keys or bytes): what a record may hold, as the reader and writers see it. Integers past 64
    bits are fine: the reader keeps them exact (``io.loads_exact``) and the writers fall back to
    ``json`` for them (``cleaner.dumps_line``)."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    try:
        orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):  # a big int, or something only json's round trip tells
        try:
            return bool(json.loads(text) == value)
        except (ValueError, RecursionError):
            return False
    return True


def loads_field(value: Any, field: str) -> Any:
    """A field that may hold JSON text (``tools``, ``answers`` ...): parse it, or raise naming the field."""
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        raise ConversionError(f"field '{field}' is a string but not valid JSON ({e})", f"$.{field}") from None


def canonical_tool(tool: Any, where: str) -> dict[str, Any]:
    """A tool in any common shape -> ``{"type": "function", "function": {name, description, parameters}}``."""
    if isinstance(tool, str):
        tool = loads_field(tool, where.removeprefix("$."))
    if not isinstance(tool, dict):
        raise ConversionError(f"a tool must be an object, got {type(tool).__name__}", where)
    if tool.get("type") == "function" and isinstance(tool.get("function"), dict):
        return tool
    if isinstance(tool.get("type"), str) and tool["type"] != "function" and "function" not in tool and "name" not in tool:
        return tool  # a built-in tool ({"type": "code_interpreter"}): kept as it is
    if isinstance(tool.get("function"), dict) and "name" not in tool:
        return {"type": "function", **tool}
    if not isinstance(tool.get("name"), str):
        raise ConversionError("a tool needs a string 'name'", where)
    return {"type": "function", "function": dict(tool)}


def canonical_tools(value: Any, field: str = "tools") -> list[dict[str, Any]]:
    value = loads_field(value, field)
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ConversionError(f"field '{field}' must be a list of tools, got {type(value).__name__}", f"$.{field}")
    return [canonical_tool(t, f"$.{field}[{i}]") for i, t in enumerate(value)]


def parse_arguments(args: Any) -> Any:
    """Arguments given as JSON text (once or twice encoded) become the object; anything else is kept
    as it is so that the linter can report it (TP203 / TP204)."""
    value = args
    for _ in range(2):
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except ValueError:
            return args
    return value if isinstance(value, dict) else args


class CallIds:
    """Call ids for one record (``call_1``, ``call_2`` ...) and the queue of calls awaiting a result."""

    def __init__(self) -> None:
        self.n = 0
        self.pending: list[tuple[str, str]] = []  # (id, name)

    def new(self, name: str, given: Any = None) -> str:
        self.n += 1
        cid = given if isinstance(given, str) and given else f"call_{self.n}"
        self.pending.append((cid, name))
        return cid

    def take(self, name: str | None = None) -> tuple[str | None, str | None]:
        """The id (and name) of the oldest call without a result (preferring one with ``name``)."""
        if not self.pending:
            return None, None
        if name:
            for k, (cid, n) in enumerate(self.pending):
                if n == name:
                    del self.pending[k]
                    return cid, n
        return self.pending.pop(0)


def make_call(name: Any, arguments: Any, ids: CallIds, given_id: Any = None, notes: Notes | None = None) -> dict[str, Any]:
    if not isinstance(name, str) or not name:
        raise ConversionError("a call needs a string 'name'")
    cid = ids.new(name, given_id)
    args = parse_arguments(arguments)
    if isinstance(arguments, str) and isinstance(args, dict):
        note(notes, "call arguments decoded from JSON text")
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


def call_from_obj(obj: Any, ids: CallIds, where: str, notes: Notes | None = None) -> dict[str, Any]:
    """``{"name", "arguments"}`` / ``{"name", "parameters"}`` / OpenAI ``{"function": {...}}`` -> a structured call."""
    if not isinstance(obj, dict):
        raise ConversionError(f"a call must be an object, got {type(obj).__name__}", where)
    given_id = obj.get("id")
    if isinstance(obj.get("function"), dict) and "name" not in obj:
        obj = obj["function"]
    if not isinstance(obj.get("name"), str):
        raise ConversionError("a call needs a string 'name'", where)
    args = obj.get("arguments", obj.get("parameters", {}))
    return make_call(obj["name"], args, ids, given_id, notes)


def tool_message(content: Any, ids: CallIds, name: str | None = None) -> dict[str, Any]:
    cid, cname = ids.take(name)
    msg: dict[str, Any] = {"role": "tool", "content": content if isinstance(content, str) else json.dumps(content)}
    if cid is not None:
        msg["tool_call_id"] = cid
    if name or cname:
        msg["name"] = name or cname
    return msg


def assemble(obj: Record, consumed: tuple[str, ...], messages: list[Any], tools: list[Any] | None,
             *, keep_order: bool = False) -> Record:
    """The canonical record: ``id`` first, then ``messages``, ``tools``, then the source's other keys.

    ``keep_order`` (a source that already has ``messages``): the source's key order is kept, the new
    ``messages`` / ``tools`` standing where the source's first consumed key stood."""
    if keep_order:
        kept: Record = {}
        for k, v in obj.items():
            if k in consumed or k in ("messages", "tools"):
                if "messages" not in kept:
                    kept["messages"] = messages
                    if tools is not None:
                        kept["tools"] = tools
                continue
            kept[k] = v
        if "messages" not in kept:
            kept["messages"] = messages
        if tools is not None and "tools" not in kept:
            kept["tools"] = tools
        return kept
    out: Record = {}
    if "id" in obj:
        out["id"] = obj["id"]
    out["messages"] = messages
    if tools is not None:
        out["tools"] = tools
    for k, v in obj.items():
        if k not in consumed and k not in out and k not in ("messages", "tools"):
            out[k] = v
    return out


__all__ = [
    "BUILTIN_TOOL_TYPES",
    "CallIds",
    "Note",
    "Notes",
    "note",
    "assemble",
    "ConversionError",
    "Record",
    "call_from_obj",
    "canonical_tool",
    "canonical_tools",
    "loads_field",
    "make_call",
    "parse_arguments",
    "tool_message",
]
