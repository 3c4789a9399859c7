"""Small helpers shared by the rule families: lenient accessors that never raise, and a
per-record memo on the Context so several rules share one scan of a record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from toolproof.validator.rules.base import Context
from toolproof.validator.schema_cache import SchemaInfo, get_schema_info

T = TypeVar("T")

ROLES = ("system", "user", "assistant", "tool")


def memo(ctx: Context, key: str, record: Any, compute: Callable[[], T]) -> T:
    """Compute once per (context, record): rules of one record check share the result.

    The cached value is tied to the record object's identity, so a different record checked with
    the same context recomputes.
    """
    try:
        cache = ctx.__dict__["_toolproof_memo"]
    except KeyError:
        cache = ctx.__dict__["_toolproof_memo"] = {}
    except AttributeError:  # a Context without __dict__: no memo
        return compute()
    hit = cache.get(key)
    if hit is not None and hit[0] is record:
        return hit[1]  # type: ignore[no-any-return]
    value = compute()
    cache[key] = (record, value)
    return value


@dataclass(slots=True)
class RecordView:
    """One pass over a record's messages, shared by the rules of one record check."""

    messages: list[Any] | None = None  # the messages list when it is a list
    msgs: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # messages that are objects
    assistants: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    calls: list[tuple[int, int, Any]] = field(default_factory=list)  # entries of list-valued tool_calls
    functions: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)  # call["function"] dicts


_EMPTY = RecordView()


def _build_view(record: Any) -> RecordView:
    msgs = messages_of(record)
    if msgs is None:
        return _EMPTY
    v = RecordView(messages=msgs)
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            continue
        v.msgs.append((i, m))
        if m.get("role") != "assistant":
            continue
        v.assistants.append((i, m))
        tcs = m.get("tool_calls")
        if isinstance(tcs, list):
            for j, call in enumerate(tcs):
                v.calls.append((i, j, call))
                if isinstance(call, dict):
                    fn = call.get("function")
                    if isinstance(fn, dict):
                        v.functions.append((i, j, fn))
    return v


def schema_info(ctx: Context, record: Any, schema: Any) -> SchemaInfo:
    """The compiled info of a parameters schema, looked up once per schema object per record."""
    table: dict[int, SchemaInfo] = memo(ctx, "schemas", record, dict)
    info = table.get(id(schema))
    if info is None:
        info = table[id(schema)] = get_schema_info(schema)
    return info


def view(record: Any, ctx: Context) -> RecordView:
    """The record's :class:`RecordView`, built once per record check."""
    return memo(ctx, "view", record, lambda: _build_view(record))


def messages_of(record: Any) -> list[Any] | None:
    """The record's messages list, or None when the record/messages are malformed."""
    if not isinstance(record, dict):
        return None
    msgs = record.get("messages")
    return msgs if isinstance(msgs, list) else None


def iter_messages(record: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, message) for every message that is an object."""
    msgs = messages_of(record)
    if msgs is None:
        return
    for i, m in enumerate(msgs):
        if isinstance(m, dict):
            yield i, m


def iter_assistant(record: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, m in iter_messages(record):
        if m.get("role") == "assistant":
            yield i, m


def iter_tool_calls(record: Any) -> Iterator[tuple[int, int, Any]]:
    """(message index, call index, call) for each entry of each assistant ``tool_calls`` list."""
    for i, m in iter_assistant(record):
        tcs = m.get("tool_calls")
        if isinstance(tcs, list):
            for j, call in enumerate(tcs):
                yield i, j, call


def iter_functions(record: Any) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(message index, call index, function dict) for well-formed structured calls."""
    for i, j, call in iter_tool_calls(record):
        if isinstance(call, dict):
            fn = call.get("function")
            if isinstance(fn, dict):
                yield i, j, fn


def has_structured_calls(msg: dict[str, Any]) -> bool:
    tcs = msg.get("tool_calls")
    return isinstance(tcs, list) and len(tcs) > 0


__all__ = [
    "ROLES",
    "RecordView",
    "view",
    "has_structured_calls",
    "iter_assistant",
    "iter_functions",
    "iter_messages",
    "iter_tool_calls",
    "memo",
    "schema_info",
    "messages_of",
]
