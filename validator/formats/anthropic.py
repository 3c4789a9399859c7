"""Anthropic Messages API traces (``POST /v1/messages`` request bodies, with the reply appended) -> canonical.

Shape (docs.anthropic.com, "Messages" and "Tool use")::

    {"system": "..." | [{"type": "text", "text": "..."}],
     "tools": [{"name": "get_weather", "description": "...", "input_schema": {"type": "object", ...}}],
     "messages": [{"role": "user", "content": "..."},
                  {"role": "assistant", "content": [{"type": "thinking", "thinking": "..."},
                                                    {"type": "text", "text": "..."},
                                                    {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {...}}]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "..."},
                                               {"type": "text", "text": "..."}]}]}

``system`` becomes a system message; ``tool_use`` blocks become structured calls (``input`` is already an
object); each ``tool_result`` block becomes a ``tool`` message linked by ``tool_use_id`` (``is_error`` kept);
``thinking`` becomes ``reasoning_content``; tools' ``input_schema`` becomes ``parameters``. Tools with a
``type`` of their own (server tools such as ``web_search_20250305``, ``bash_20250124``) are kept as they are.
Image and document blocks are kept whole under ``content_parts``.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.formats.common import (
    ConversionError,
    Notes,
    Record,
    assemble,
    note,
)

_MARK_BLOCKS = frozenset({"tool_use", "tool_result", "thinking", "redacted_thinking"})


def _blocks(content: Any) -> list[Any]:
    return content if isinstance(content, list) else []


def looks_like(obj: Record) -> bool:
    msgs = obj.get("messages")
    if not isinstance(msgs, list):
        return False
    tools = obj.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and "input_schema" in t for t in tools):
        return True
    for m in msgs:
        if isinstance(m, dict) and any(isinstance(b, dict) and isinstance(b.get("type"), str) and b["type"] in _MARK_BLOCKS for b in _blocks(m.get("content"))):
            return True
    roles = {m.get("role") for m in msgs if isinstance(m, dict)}
    return "system" in obj and bool(roles) and roles <= {"user", "assistant"}


def _text(content: Any, where: str) -> tuple[str, list[Any]]:
    """(joined text, non-text blocks) of a string or a list of blocks."""
    if isinstance(content, str):
        return content, []
    if content is None:
        return "", []
    if not isinstance(content, list):
        raise ConversionError(f"content must be a string or a list of blocks, got {type(content).__name__}", where)
    texts, other = [], []
    for k, b in enumerate(content):
        if not isinstance(b, dict) or not isinstance(b.get("type"), str):
            raise ConversionError("a content block must be an object with a string 'type'", f"{where}[{k}]")
        if b["type"] == "text":
            if not isinstance(b.get("text"), str):
                raise ConversionError("a text block needs a string 'text'", f"{where}[{k}].text")
            texts.append(b["text"])
        else:
            other.append(b)
    return "\n".join(texts), other


def _tool(t: Any, where: str) -> Any:
    if not isinstance(t, dict):
        raise ConversionError(f"a tool must be an object, got {type(t).__name__}", where)
    if isinstance(t.get("type"), str) and t["type"] != "custom":
        return t  # a server / client tool of Anthropic's own (web search, bash, ...): kept
    if not isinstance(t.get("name"), str):
        raise ConversionError("a tool needs a string 'name'", where)
    fn = {k: v for k, v in t.items() if k not in ("input_schema", "type")}
    fn["parameters"] = t.get("input_schema", {"type": "object", "properties": {}})
    return {"type": "function", "function": fn}


def convert(obj: Record, notes: Notes | None = None) -> Record:
    msgs = obj.get("messages")
    if not isinstance(msgs, list):
        raise ConversionError("Anthropic record needs a 'messages' list", "$.messages")
    out: list[dict[str, Any]] = []
    if "system" in obj:
        text, _other = _text(obj["system"], "$.system")
        if text:
            out.append({"role": "system", "content": text})
    names: dict[str, str] = {}
    for i, m in enumerate(msgs):
        where = f"$.messages[{i}]"
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            raise ConversionError("a message must be an object with role 'user' or 'assistant'", where)
        role, content = m["role"], m.get("content")
        rest = {k: v for k, v in m.items() if k not in ("role", "content")}
        if isinstance(content, str):
            out.append({"role": role, "content": content, **rest})
            continue
        blocks = _blocks(content)
        if not isinstance(content, list):
            raise ConversionError(f"content must be a string or a list of blocks, got {type(content).__name__}", f"{where}.content")
        texts: list[str] = []
        thinking: list[str] = []
        calls: list[dict[str, Any]] = []
        other: list[Any] = []
        for k, b in enumerate(blocks):
            bw = f"{where}.content[{k}]"
            if not isinstance(b, dict) or not isinstance(b.get("type"), str):
                raise ConversionError("a content block must be an object with a string 'type'", bw)
            kind = b["type"]
            if kind == "text":
                if not isinstance(b.get("text"), str):
                    raise ConversionError("a text block needs a string 'text'", f"{bw}.text")
                texts.append(b["text"])
            elif kind == "thinking" and role == "assistant":
                if isinstance(b.get("thinking"), str):
                    thinking.append(b["thinking"])
            elif kind == "redacted_thinking":
                note(notes, "redacted thinking blocks dropped (their text is encrypted)")
            elif kind == "tool_use" and role == "assistant":
                if not isinstance(b.get("name"), str) or not b["name"]:
                    raise ConversionError("a tool_use block needs a string 'name'", f"{bw}.name")
                cid = b.get("id") if isinstance(b.get("id"), str) and b.get("id") else f"call_{len(names) + 1}"
                names[cid] = b["name"]
                calls.append({"id": cid, "type": "function", "function": {"name": b["name"], "arguments": b.get("input", {})}})
            elif kind == "tool_result" and role == "user":
                result, parts = _text(b.get("content"), f"{bw}.content")
                tm: dict[str, Any] = {"role": "tool", "content": result}
                if isinstance(b.get("tool_use_id"), str):
                    tm["tool_call_id"] = b["tool_use_id"]
                    if b["tool_use_id"] in names:
                        tm["name"] = names[b["tool_use_id"]]
                if b.get("is_error"):
                    tm["is_error"] = True
                if parts:
                    tm["content_parts"] = parts
                out.append(tm)
            elif kind in ("tool_use", "tool_result", "thinking"):
                raise ConversionError(f"a {kind} block in a {role!r} message", bw)
            else:
                other.append(b)
        if role == "user" and not texts and not other and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in blocks):
            continue  # only tool results: no user turn
        msg: dict[str, Any] = {"role": role, "content": "\n".join(texts) if texts or not calls else None}
        if thinking:
            msg["reasoning_content"] = "\n".join(thinking)
        if calls:
            msg["tool_calls"] = calls
        if other:
            msg["content_parts"] = other
            note(notes, "image / document blocks kept aside under content_parts")
        out.append({**msg, **rest})
    note(notes, "Anthropic content blocks read as messages and tool calls")
    tools = None
    if obj.get("tools") is not None:
        if not isinstance(obj["tools"], list):
            raise ConversionError("'tools' must be a list", "$.tools")
        tools = [_tool(t, f"$.tools[{k}]") for k, t in enumerate(obj["tools"])]
    return assemble(obj, ("messages", "tools", "system"), out, tools, keep_order=True)


__all__ = ["convert", "looks_like"]
