"""OpenAI chat fine-tuning JSONL -> canonical.

Current shape: ``{"messages": [..., {"role": "assistant", "tool_calls": [{"id", "type": "function",
"function": {"name", "arguments": "<JSON text>"}}]}, {"role": "tool", "tool_call_id", "content"}],
"tools": [{"type": "function", "function": {...}}], "parallel_tool_calls": false}``.

Legacy shape: ``{"messages": [..., {"role": "assistant", "function_call": {"name", "arguments": "<JSON
text>"}}, {"role": "function", "name", "content"}], "functions": [{name, description, parameters}]}``.

Arguments given as JSON text become objects (text that does not parse as an object is kept, so the
linter reports it); ``function_call`` becomes ``tool_calls``; ``function`` messages become ``tool``
messages linked to their call; ``functions`` become canonical ``tools``. Other keys (``weight``,
``parallel_tool_calls``, ...) are kept.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.formats.common import (
    BUILTIN_TOOL_TYPES,
    CallIds,
    ConversionError,
    Notes,
    Record,
    assemble,
    canonical_tools,
    make_call,
    note,
    tool_message,
)


def _text_parts(content: Any) -> bool:
    return isinstance(content, list) and bool(content) and all(
        isinstance(p, dict) and isinstance(p.get("type"), str) and "value" not in p for p in content
    )


def looks_like(obj: Record, string_args: bool = True) -> bool:
    """A ``messages`` record that uses what OpenAI's format allows and the canonical one does not:
    string arguments, the legacy function fields, content-part lists, tools of other types.

    ``string_args=False``: string arguments alone do not make a record OpenAI (the reader passes this
    for a file whose other records carry argument objects: there a string is a canonical record's
    defect, TP203, not the OpenAI convention)."""
    if is_legacy_or_string_args(obj, string_args):
        return True
    tools = obj.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and isinstance(t.get("type"), str) and t["type"] in BUILTIN_TOOL_TYPES for t in tools):
        return True
    msgs = obj.get("messages")
    return isinstance(msgs, list) and any(isinstance(m, dict) and _text_parts(m.get("content")) for m in msgs)


def is_legacy_or_string_args(obj: Record, string_args: bool = True) -> bool:
    if "functions" in obj:
        return True
    msgs = obj.get("messages")
    for m in msgs if isinstance(msgs, list) else []:
        if not isinstance(m, dict):
            continue
        if "function_call" in m or m.get("role") == "function":
            return True
        calls = m.get("tool_calls")
        for tc in calls if isinstance(calls, list) else []:
            if string_args and isinstance(tc, dict) and isinstance(tc.get("function"), dict) and isinstance(tc["function"].get("arguments"), str):
                return True
    return False


def _join_parts(m: dict[str, Any], where: str, notes: Notes | None) -> dict[str, Any]:
    parts = m["content"]
    texts, other = [], []
    for k, p in enumerate(parts):
        if not isinstance(p, dict):
            raise ConversionError(f"a content part must be an object, got {type(p).__name__}", f"{where}.content[{k}]")
        if p.get("type") == "text":
            if not isinstance(p.get("text"), str):
                raise ConversionError("a text part needs a string 'text'", f"{where}.content[{k}].text")
            texts.append(p["text"])
        else:
            other.append(p)
    m = {**m, "content": "\n".join(texts) if texts else ("" if m.get("role") != "assistant" else None)}
    note(notes, "content-part lists joined into text")
    if other:
        m["content_parts"] = other
        note(notes, "non-text content parts (images, audio, files) kept aside under content_parts")
    return m


def convert(obj: Record, notes: Notes | None = None) -> Record:
    msgs = obj.get("messages")
    if not isinstance(msgs, list):
        raise ConversionError("OpenAI record needs a 'messages' list", "$.messages")
    ids = CallIds()
    out_msgs: list[Any] = []
    for i, m in enumerate(msgs):
        where = f"$.messages[{i}]"
        if not isinstance(m, dict):
            out_msgs.append(m)  # the linter reports it (TP009)
            continue
        m = dict(m)
        role = m.get("role")
        if isinstance(m.get("content"), list):
            m = _join_parts(m, where, notes)
        if role == "assistant" and isinstance(m.get("function_call"), dict):
            fc = m.pop("function_call")
            if not isinstance(fc.get("name"), str):
                raise ConversionError("function_call needs a string 'name'", f"{where}.function_call")
            earlier = m.get("tool_calls") or []
            if not isinstance(earlier, list):
                raise ConversionError("tool_calls must be a list", f"{where}.tool_calls")
            m["tool_calls"] = [*earlier, make_call(fc["name"], fc.get("arguments", {}), ids, None, notes)]
            m.setdefault("content", None)
            note(notes, "legacy function_call read as tool_calls")
        elif role == "assistant" and isinstance(m.get("tool_calls"), list):
            calls = []
            for tc in m["tool_calls"]:
                if isinstance(tc, dict) and isinstance(tc.get("function"), dict) and isinstance(tc["function"].get("name"), str):
                    fn = tc["function"]
                    call = make_call(fn["name"], fn.get("arguments", {}), ids, tc.get("id"), notes)
                    call["function"] = {**fn, "arguments": call["function"]["arguments"]}
                    calls.append({**tc, "id": call["id"], "type": tc.get("type", "function"), "function": call["function"]})
                else:
                    calls.append(tc)  # malformed: the linter reports it (TP207)
            m["tool_calls"] = calls
        elif role == "function":
            tm = tool_message(m.get("content", ""), ids, m.get("name") if isinstance(m.get("name"), str) else None)
            m = {**{k: v for k, v in m.items() if k not in ("role", "content", "name")}, **tm}
            note(notes, "legacy role 'function' read as role 'tool'")
        elif role == "tool" and "tool_call_id" in m:
            for k, (cid, _n) in enumerate(ids.pending):
                if cid == m["tool_call_id"]:
                    del ids.pending[k]
                    break
        elif role == "tool" and ids.pending:  # linked by name only: the call it answers gets its id
            cid, _n = ids.take(m.get("name") if isinstance(m.get("name"), str) else None)
            if cid is not None:
                m["tool_call_id"] = cid
        out_msgs.append(m)
    tools = None
    if "tools" in obj:
        tools = canonical_tools(obj["tools"])
    elif "functions" in obj:
        tools = canonical_tools(obj["functions"], "functions")
        note(notes, "legacy functions read as tools")
    return assemble(obj, ("messages", "functions", "tools"), out_msgs, tools, keep_order=True)


__all__ = ["convert", "is_legacy_or_string_args", "looks_like"]
