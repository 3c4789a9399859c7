"""A fused fast path: one walk that proves a record clean for every rule in ``QUICK_CODES``.

Running 30-odd rule functions per record costs more than parsing it. Most records in a real
dataset are clean, so the engine may first call :func:`quick_clean`: when it returns True, none
of the rules in :data:`QUICK_CODES` can report anything for this record and they need not run.
When it returns False (anything unusual: markup in content, a string ``arguments``, an unknown
tool, a schema problem, ...) the engine runs the rules as usual. It is conservative by design:
False never means "dirty", only "look closer".

The property ``quick_clean(r) => no rule in QUICK_CODES fires on r`` is tested with hypothesis
(``tests/test_rules_hypothesis.py``) and on every rule case file.
"""

from __future__ import annotations

from typing import Any

import orjson

from toolproof.validator.callsyntax import might_hold_calls
from toolproof.validator.rules.base import Context
from toolproof.validator.schema_cache import get_schema_info

# The record rules this check covers (all default record rules of the structure, markup, calls,
# arguments and tooldefs families). Rules added later are not covered: the engine runs them.
QUICK_CODES = frozenset(
    {
        "TP002", "TP003", "TP004", "TP005", "TP006", "TP007", "TP008", "TP009",
        "TP101", "TP102", "TP103", "TP104", "TP105", "TP106",
        "TP107",
        "TP201", "TP202", "TP203", "TP204", "TP205", "TP206", "TP207", "TP208",
        "TP301", "TP302", "TP303", "TP304", "TP305",
        "TP401", "TP402", "TP403", "TP404", "TP405", "TP406",
    }
)  # fmt: skip

_ROLES = frozenset(("system", "user", "assistant", "tool"))


# What a clean tool list maps each tool name to: its parameters' SchemaInfo, or one of these.
_NO_PARAMS = object()  # the tool has no "parameters": any arguments object is fine
_NULL_PARAMS = object()  # "parameters": null: look closer
_EMPTY: dict[str, Any] = {}  # the tool table of a record without tools


def _args_ok(tools: dict[str, Any], name: Any, args: Any) -> bool:
    if not isinstance(name, str) or not name.strip():
        return False
    entry = tools.get(name)
    if entry is None or not isinstance(args, dict):
        return False
    if entry is _NO_PARAMS:
        return True
    if entry is _NULL_PARAMS:
        return False
    return entry.quick_valid(args)  # type: ignore[no-any-return]


_MISS = object()
_TOOLS_CACHE: dict[bytes, Any] = {}
_TOOLS_CACHE_SIZE = 4096


def _check_tools(tools_val: list[Any]) -> dict[str, Any] | None:
    """Tool name -> the SchemaInfo of its parameters (or _NO_PARAMS / _NULL_PARAMS); None when a tool
    is not clean. For a clean list this is the record's tool table (``Context.tools``) compiled."""
    infos: dict[str, Any] = {}
    for t in tools_val:
        if type(t) is not dict or t.get("type") != "function":
            return None
        fn = t.get("function")
        if type(fn) is not dict:
            return None
        name = fn.get("name")
        if type(name) is not str or not name.strip() or name in infos:
            return None
        desc = fn.get("description")
        if type(desc) is not str or not desc.strip():
            return None
        info: Any = _NO_PARAMS
        if "parameters" in fn:
            params = fn["parameters"]
            if params is None:
                info = _NULL_PARAMS
            else:
                info = get_schema_info(params)
                if info.schema_problems or info.type_problems:
                    return None
        infos[name] = info
    return infos


_NOT_CLEAN: tuple[None, tuple[str, ...], bool] = (None, (), False)


def _tools_entry(tools_val: list[Any]) -> tuple[dict[str, Any] | None, tuple[str, ...], bool]:
    """(:func:`_check_tools`, the tool names sorted, whether no tool has an Anthropic
    ``input_schema`` beside its function), cached by the tools' JSON."""
    try:
        key = orjson.dumps(tools_val)
    except (TypeError, orjson.JSONEncodeError):  # not plain JSON (library use): no cache
        return _entry(tools_val)
    hit = _TOOLS_CACHE.get(key, _MISS)
    if hit is _MISS:
        hit = _entry(tools_val)
        if len(_TOOLS_CACHE) >= _TOOLS_CACHE_SIZE:
            _TOOLS_CACHE.clear()
        _TOOLS_CACHE[key] = hit
    return hit  # type: ignore[no-any-return]


def _entry(tools_val: list[Any]) -> tuple[dict[str, Any] | None, tuple[str, ...], bool]:
    infos = _check_tools(tools_val)
    if infos is None:
        return _NOT_CLEAN
    return infos, tuple(sorted(infos)), not any("input_schema" in t for t in tools_val)


def quick_clean(record: Any, ctx: Context) -> bool:
    """True only when no rule in :data:`QUICK_CODES` would report anything for ``record``.

    (``ctx`` is the record's context from ``build_context``; the check does not need it.)
    """
    return quick_clean_record(record)


def quick_clean_record(record: Any) -> bool:
    """:func:`quick_clean` without a context: for a clean tool list the context's tool table is
    the cached compiled one, so the engine need not build a context for a clean record."""
    return quick_walk(record) is not None


class CleanWalk:
    """What the fast path's walk saw of a clean record, for the dataset summary (``summarize``)
    so it need not walk the record again: each call as ``[name, arguments]`` in order, the user
    turns as ``(message index, text)``, the assistant turns answering a user turn and those of them
    without a call, whether a turn makes two or more calls, the offered tool names sorted.
    ``exact`` is False when a call has a shape the summary reads its own way (then it walks).
    ``plain``: the record is canonical as it stands, so reading it (``formats.read_record``) would
    detect the canonical dialect and return it unchanged: ``tools`` present, no top-level
    ``functions`` or ``system`` field, no legacy ``function_call``, no ``input_schema`` on a tool
    (the reader may skip the dialect detection)."""

    __slots__ = ("calls", "prompts", "answers", "no_call_answers", "parallel", "tool_names", "exact", "plain")

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []
        self.prompts: list[tuple[int, str]] = []
        self.answers = 0
        self.no_call_answers = 0
        self.parallel = False
        self.tool_names: tuple[str, ...] = ()
        self.exact = True
        self.plain = False


def quick_walk(record: Any) -> CleanWalk | None:
    """One walk of ``record``: None unless it is proven clean for every rule in :data:`QUICK_CODES`
    (see :func:`quick_clean`); for a clean record, what the walk saw (:class:`CleanWalk`)."""
    if type(record) is not dict:
        return None
    walk = CleanWalk()
    # --- tools (TP401-TP406, TP208) and their compiled schemas
    tools_val = record.get("tools")
    tools: dict[str, Any] = _EMPTY
    plain = False  # (a record without "tools" may hold them in its system prompt: the reader moves them)
    if tools_val is not None:
        if type(tools_val) is not list:
            return None
        tools, walk.tool_names, plain = _tools_entry(tools_val)  # type: ignore[assignment]
        if tools is None:
            return None
        plain = plain and "functions" not in record and "system" not in record
    # --- messages (TP002-TP009, TP101-TP107, TP201-TP208, TP301-TP305)
    msgs = record.get("messages")
    if type(msgs) is not list or not msgs:
        return None
    ids: set[str] = set()
    any_call = False
    any_assistant = False
    after_user = False
    calls = walk.calls
    for mi, m in enumerate(msgs):
        if type(m) is not dict:
            return None
        role = m.get("role")
        if type(role) is not str or role not in _ROLES:
            return None
        if plain and "function_call" in m:
            plain = False
        content = m.get("content")
        if role == "assistant":
            any_assistant = True
            tcs = m.get("tool_calls")
            if tcs is None:
                if type(content) is not str or not content.strip() or "tool_call>" in content or might_hold_calls(content):
                    return None  # (a call typed as text: TP101-TP107 look closer)
                if after_user:
                    walk.answers += 1
                    walk.no_call_answers += 1
                    after_user = False
                continue
            if type(tcs) is not list or not tcs:
                return None
            if content is not None and (type(content) is not str or "tool_call>" in content or might_hold_calls(content)):
                return None
            for call in tcs:
                if type(call) is not dict:
                    return None
                fn = call.get("function")
                if type(fn) is not dict or "arguments" not in fn:
                    return None
                name, args = fn.get("name"), fn["arguments"]
                if not _args_ok(tools, name, args):
                    return None
                if "name" in call:
                    walk.exact = False  # a name beside "function": the summary's reader decides
                calls.append([name, args])
                any_call = True
                cid = call.get("id")
                if type(cid) is str and cid:
                    if cid in ids:
                        return None
                    ids.add(cid)
            if len(tcs) >= 2:
                walk.parallel = True
            if after_user:
                walk.answers += 1
                after_user = False
        else:
            if type(content) is not str:
                return None
            if role == "tool":
                tcid = m.get("tool_call_id")
                if type(tcid) is str and tcid:
                    if tcid not in ids:
                        return None
                elif not any_call:
                    return None
            elif role == "user":
                walk.prompts.append((mi, content))
                after_user = True
    if not any_assistant:
        return None
    walk.plain = plain
    # --- expected_calls (TP202, TP206, TP207, TP3xx)
    if "expected_calls" in record and record["expected_calls"] is not None:
        ecs = record["expected_calls"]
        if type(ecs) is not list:
            return None
        for ec in ecs:
            if type(ec) is not dict or "name" not in ec:
                return None
            args = ec.get("arguments", {})
            if not _args_ok(tools, ec["name"], args):
                return None
        if ecs and not calls:
            walk.exact = False  # a test record's answer: the summary reads it
    return walk


__all__ = ["QUICK_CODES", "CleanWalk", "quick_clean", "quick_clean_record", "quick_walk"]
