"""Glaive function-calling v2 (glaiveai/glaive-function-calling-v2) records -> canonical.

Shape::

    {"system": "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\\n{\\n  \\"name\\": ...}\\n\\n{...}",
     "chat": "USER: ...\\n\\n\\nASSISTANT: <functioncall> {\\"name\\": \\"f\\", \\"arguments\\": '{\\"x\\": 1}'} <|endoftext|>\\n\\n\\n
              FUNCTION RESPONSE: {...}\\n\\n\\nASSISTANT: ... <|endoftext|>"}

The function definitions are JSON objects written one after another in the system text; calls are
``<functioncall> {...}`` in assistant text with ``arguments`` as a *single-quoted* JSON string (not
valid JSON as a whole); ``FUNCTION RESPONSE:`` turns are tool results; ``<|endoftext|>`` ends turns.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from toolproof.validator.formats.common import (
    CallIds,
    ConversionError,
    Notes,
    Record,
    assemble,
    canonical_tool,
    is_json_data,
    make_call,
    note,
    tool_message,
)

CONSUMED = ("system", "chat")
EOT = "<|endoftext|>"
_SPEAKER = re.compile(r"(?:^|\n)\s*(USER|ASSISTANT|FUNCTION RESPONSE|SYSTEM):[ \t]?")
_CALL_MARK = "<functioncall>"
# {"name": "f", "arguments": '{...}'}  -- the arguments string in single quotes, up to the last '}
_QUOTED_ARGS = re.compile(r"^\{\s*\"name\"\s*:\s*\"([^\"]+)\"\s*,\s*\"arguments\"\s*:\s*'(.*)'\s*\}$", re.S)


def parse_system(text: str) -> tuple[str, list[dict[str, Any]]]:
    """(instruction text, tool definitions) from Glaive's system field."""
    body = text.strip()
    if body.upper().startswith("SYSTEM:"):
        body = body[len("SYSTEM:"):].strip()
    start = body.find("{")
    if start < 0:
        return body, []
    instruction = body[:start].strip()
    tools = []
    dec = json.JSONDecoder()
    pos = start
    k = 0
    while pos < len(body):
        while pos < len(body) and body[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(body):
            break
        try:
            fn, pos = dec.raw_decode(body, pos)
        except ValueError as e:
            raise ConversionError(f"function definition {k} in the system text is not valid JSON ({e})", "$.system") from None
        tools.append(canonical_tool(fn, f"$.system (function {k})"))
        k += 1
    return instruction, tools


def parse_call(payload: str, where: str) -> tuple[str, Any]:
    """(name, arguments) from a ``<functioncall>`` payload."""
    text = payload.strip()
    try:
        obj = json.loads(text)
    except ValueError:
        m = _QUOTED_ARGS.match(text)
        if m:
            name, arg_text = m.group(1), m.group(2)
            try:
                return name, json.loads(arg_text)
            except ValueError:
                try:
                    return name, json.loads(arg_text.replace("\\'", "'"))
                except ValueError:
                    return name, arg_text  # kept as text: the linter reports TP204
        try:
            obj = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise ConversionError(f"<functioncall> payload is neither JSON nor Glaive's quoted form: {text[:80]!r}", where) from None
        if not is_json_data(obj):  # a set, tuple key, bytes...: no JSON record can hold it as written
            raise ConversionError(f"<functioncall> payload is a Python literal that is not JSON data: {text[:80]!r}", where) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        raise ConversionError("<functioncall> payload needs a string 'name'", where)
    return obj["name"], obj.get("arguments", obj.get("parameters", {}))


def split_chat(chat: str) -> list[tuple[str, str]]:
    marks = list(_SPEAKER.finditer(chat))
    if not marks:
        raise ConversionError("no 'USER:' / 'ASSISTANT:' turns found", "$.chat")
    lead = chat[: marks[0].start()].strip()
    if lead:
        raise ConversionError(f"text before the first speaker: {lead[:60]!r}", "$.chat")
    turns = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(chat)
        turns.append((m.group(1), chat[m.end() : end].replace(EOT, "").strip()))
    return turns


def convert(obj: Record, notes: Notes | None = None) -> Record:
    chat = obj.get("chat")
    if not isinstance(chat, str):
        raise ConversionError("Glaive record needs a string 'chat'", "$.chat")
    system = obj.get("system")
    try:
        instruction, tools = parse_system(system) if isinstance(system, str) else ("", [])
    except ConversionError as e:  # the record is still readable; the broken tool list is its own finding
        body = system.strip() if isinstance(system, str) else ""
        instruction = body[len("SYSTEM:"):].strip() if body.upper().startswith("SYSTEM:") else body
        tools = []
        note(notes, "unparseable tool list in the system prompt", "$.system", "TP407", e.message)
    if tools:
        note(notes, "tools read from the system prompt (glaive)")
    ids = CallIds()
    messages: list[dict[str, Any]] = []
    if instruction:
        messages.append({"role": "system", "content": instruction})
    for k, (speaker, text) in enumerate(split_chat(chat)):
        where = f"$.chat (turn {k + 1}, {speaker})"
        if speaker == "USER":
            messages.append({"role": "user", "content": text})
        elif speaker == "SYSTEM":
            messages.append({"role": "system", "content": text})
        elif speaker == "FUNCTION RESPONSE":
            messages.append(tool_message(text, ids))
        elif _CALL_MARK in text:
            before, _, payload = text.partition(_CALL_MARK)
            name, args = parse_call(payload, where)
            msg: dict[str, Any] = {"role": "assistant", "content": before.strip() or None,
                                   "tool_calls": [make_call(name, args, ids, None, notes)]}
            note(notes, "<functioncall> text read as structured calls")
            messages.append(msg)
        else:
            messages.append({"role": "assistant", "content": text})
    return assemble(obj, CONSUMED, messages, tools)


def looks_like(obj: Record) -> bool:
    return isinstance(obj.get("chat"), str)


__all__ = ["convert", "looks_like", "parse_call", "parse_system", "split_chat"]
