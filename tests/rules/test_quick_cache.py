"""quick_clean caches the tools verdict by the tools' JSON: the cached answer is the uncached one."""

from __future__ import annotations

import copy
from typing import Any

from toolproof.validator.context import build_context
from toolproof.validator.rules import quick


def _record(tools: list[Any]) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "ok"},
            {"role": "assistant", "content": "done"},
        ],
        "tools": tools,
    }


GOOD = [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}]


def test_cached_verdicts_match_uncached() -> None:
    bad_type = copy.deepcopy(GOOD)
    bad_type[0]["function"]["parameters"]["properties"]["a"]["type"] = "int"
    no_desc = copy.deepcopy(GOOD)
    del no_desc[0]["function"]["description"]
    float_vs_int = copy.deepcopy(GOOD)
    float_vs_int[0]["function"]["parameters"]["properties"]["a"] = {"type": "number"}
    for tools, want in ((GOOD, True), (bad_type, False), (no_desc, False), (float_vs_int, True)):
        quick._TOOLS_CACHE.clear()
        for _ in range(3):  # first call fills the cache, the next ones read it
            rec = _record(copy.deepcopy(tools))
            assert quick.quick_clean(rec, build_context(rec, 0, {})) is want
    # a record whose arguments break the (cached, valid) schema is still looked at closely
    rec = _record(copy.deepcopy(GOOD))
    rec["messages"][1]["tool_calls"][0]["function"]["arguments"] = {"a": "x"}
    assert not quick.quick_clean(rec, build_context(rec, 0, {}))


def test_non_json_tools_are_checked_without_the_cache() -> None:
    tools = copy.deepcopy(GOOD)
    tools[0]["function"]["parameters"]["properties"]["a"]["default"] = 2**80  # orjson cannot dump it
    rec = _record(tools)
    assert quick.quick_clean(rec, build_context(rec, 0, {}))
