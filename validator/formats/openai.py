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
    CallIds,
    ConversionError,
    Record,
    assemble,
    canonical_tools,
    make_call,
    tool_message,
)


def is_legacy_or_string_args(obj: Record) -> bool:
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
            if isinstance(tc, dict) and isinstance(tc.get("function"), dict) and isinstance(tc["function"].get("arguments"), str):
                return True
    return False


def convert(obj: Record) -> Record:
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
        if role == "assistant" and isinstance(m.get("function_call"), dict):
            fc = m.pop("function_call")
            if not isinstance(fc.get("name"), str):
                raise ConversionError("function_call needs a string 'name'", f"{where}.function_call")
            earlier = m.get("tool_calls") or []
            if not isinstance(earlier, list):
                raise ConversionError("tool_calls must be a list", f"{where}.tool_calls")
            m["tool_calls"] = [*earlier, make_call(fc["name"], fc.get("arguments", {}), ids)]
            m.setdefault("content", None)
        elif role == "assistant" and isinstance(m.get("tool_calls"), list):
            calls = []
            for tc in m["tool_calls"]:
                if isinstance(tc, dict) and isinstance(tc.get("function"), dict) and isinstance(tc["function"].get("name"), str):
                    fn = tc["function"]
                    call = make_call(fn["name"], fn.get("arguments", {}), ids, tc.get("id"))
                    call["function"] = {**fn, "arguments": call["function"]["arguments"]}
                    calls.append({**tc, "id": call["id"], "type": tc.get("type", "function"), "function": call["function"]})
                else:
                    calls.append(tc)  # malformed: the linter reports it (TP207)
            m["tool_calls"] = calls
        elif role == "function":
            tm = tool_message(m.get("content", ""), ids, m.get("name") if isinstance(m.get("name"), str) else None)
            m = {**{k: v for k, v in m.items() if k not in ("role", "content", "name")}, **tm}
        elif role == "tool" and "tool_call_id" in m:
            for k, (cid, _n) in enumerate(ids.pending):
                if cid == m["tool_call_id"]:
                    del ids.pending[k]
                    break
        out_msgs.append(m)
    tools = None
    if "tools" in obj:
        tools = canonical_tools(obj["tools"])
    elif "functions" in obj:
        tools = canonical_tools(obj["functions"], "functions")
    return assemble(obj, ("messages", "functions", "tools"), out_msgs, tools)


__all__ = ["convert", "is_legacy_or_string_args"]
