"""Structure rules (TP002-TP009): the record and message skeleton."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from toolproof.validator.callids import pair_calls, renumber_safe
from toolproof.validator.findings import FixSafety, Hit, json_path
from toolproof.validator.rules._walk import ROLES, view
from toolproof.validator.rules.base import Context, rule
from toolproof.validator.schema_cache import json_type, short

FAMILY = "structure"


@rule("TP002", "record-not-object", family=FAMILY)
def record_not_object(record: Any, ctx: Context) -> Iterator[Hit]:
    """A record that is not a JSON object.

    ## What it does
    Flags records (lines) whose top-level JSON value is an array, string, number, boolean or null.

    ## Why is this bad?
    A training record is an object with `messages` (and usually `tools`); anything else cannot be
    rendered by a chat template, so loaders either crash or silently drop it.

    ## Example
    ```json
    [{"role": "user", "content": "hi"}]
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}
    ```

    ## Fix safety
    No fix: what the value was meant to be is a guess. The record is quarantined.
    """
    if not isinstance(record, dict):
        yield Hit("$", f"record must be a JSON object, got {json_type(record)}")


@rule("TP003", "missing-messages", family=FAMILY)
def missing_messages(record: Any, ctx: Context) -> Iterator[Hit]:
    """A record without a non-empty `messages` list.

    ## What it does
    Flags records whose `messages` key is missing, is not a list, or is an empty list.

    ## Why is this bad?
    The conversation is the training example; without it there is nothing to render or learn.

    ## Example
    ```json
    {"id": "a1", "conversation": [{"role": "user", "content": "hi"}]}
    ```

    ## Use instead
    ```json
    {"id": "a1", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hi!"}]}
    ```

    ## Fix safety
    No fix: converters (`toolproof convert`) handle known other shapes; anything else is quarantined.
    """
    if not isinstance(record, dict):
        return
    if "messages" not in record:
        yield Hit("$", "record has no 'messages'")
        return
    msgs = record["messages"]
    if not isinstance(msgs, list):
        yield Hit("$.messages", f"'messages' must be a list, got {json_type(msgs)}")
    elif not msgs:
        yield Hit("$.messages", "'messages' is empty")


@rule("TP004", "unknown-role", family=FAMILY)
def unknown_role(record: Any, ctx: Context) -> Iterator[Hit]:
    """A message whose `role` is missing or not one of system, user, assistant, tool.

    ## What it does
    Checks every message's `role` against the four roles chat templates render.

    ## Why is this bad?
    Templates either raise on unknown roles or drop the message; ShareGPT names such as `human`,
    `gpt` or `function_call` mean the record was never converted.

    ## Example
    ```json
    {"messages": [{"role": "human", "content": "hi"}, {"role": "gpt", "content": "Hello"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## Fix safety
    No fix here: `toolproof convert` maps known dataset formats.
    """
    for i, m in view(record, ctx).msgs:
        if "role" not in m:
            yield Hit(json_path("messages", i), "message has no 'role'")
            continue
        role = m["role"]
        if role not in ROLES or not isinstance(role, str):
            yield Hit(
                json_path("messages", i, "role"),
                f"role {short(role)} is not one of {list(ROLES)}",
            )


@rule("TP005", "missing-content", family=FAMILY)
def missing_content(record: Any, ctx: Context) -> Iterator[Hit]:
    """A message without string `content` where its role needs one.

    ## What it does
    System, user and tool messages need a string `content`. An assistant message needs a non-empty
    string `content` unless it carries `tool_calls`.

    ## Why is this bad?
    Templates render `None` as the text "None", crash on lists of parts, or render an empty turn the
    model then learns to produce.

    ## Example
    ```json
    {"role": "user", "content": null}
    {"role": "assistant"}
    ```

    ## Use instead
    ```json
    {"role": "user", "content": "What is the weather in Paris?"}
    {"role": "assistant", "content": "It is sunny."}
    ```

    ## Fix safety
    No fix: the missing text cannot be recovered.
    """
    for i, m in view(record, ctx).msgs:
        role = m.get("role")
        if not isinstance(role, str) or role not in ROLES:
            continue  # TP004
        content = m.get("content", None)
        if role != "assistant":
            if "content" not in m:
                yield Hit(_content_path(i, m), f"{role} message has no 'content'")
            elif not isinstance(content, str):
                yield Hit(_content_path(i, m), f"{role} message content must be a string, got {json_type(content)}")
            continue
        if "tool_calls" in m and m["tool_calls"] is not None:
            if not isinstance(m["tool_calls"], list) or not m["tool_calls"]:
                continue  # TP207 / TP201
            if content is not None and not isinstance(content, str):
                yield Hit(_content_path(i, m), f"assistant content must be a string or null, got {json_type(content)}")
            continue
        if "content" not in m or content is None:
            yield Hit(_content_path(i, m), "assistant message has neither content nor tool_calls")
        elif not isinstance(content, str):
            yield Hit(_content_path(i, m), f"assistant content must be a string, got {json_type(content)}")
        elif not content.strip():
            yield Hit(_content_path(i, m), "assistant message has empty content and no tool_calls")


def _content_path(i: int, m: dict[str, Any]) -> str:
    return json_path("messages", i, "content") if "content" in m else json_path("messages", i)


@rule("TP006", "no-assistant-turn", family=FAMILY)
def no_assistant_turn(record: Any, ctx: Context) -> Iterator[Hit]:
    """A conversation with no assistant message.

    ## What it does
    Flags records whose `messages` contain no message with role `assistant`. Test records (with
    `expected_calls` or `possible_answer`) end with the user turn by design and are not flagged.

    ## Why is this bad?
    Fine-tuning trains on assistant tokens only; such a record contributes zero trained tokens
    (TRL's assistant-only loss makes it pure padding) or, with full-sequence loss, teaches the model
    to imitate users.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "What's the weather in Paris?"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "What's the weather in Paris?"},
                  {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}]}
    ```

    ## Fix safety
    No fix: the answer is missing.
    """
    msgs = view(record, ctx).messages
    if not msgs:
        return
    if isinstance(record, dict) and ("expected_calls" in record or "possible_answer" in record):
        return  # a test record: the prompt ends with the user turn, the answer is in expected_calls
    if any(isinstance(m, dict) and m.get("role") == "assistant" for m in msgs):
        return
    roles = [m.get("role") for m in msgs if isinstance(m, dict)]
    yield Hit("$.messages", f"no assistant message among {len(msgs)} messages (roles: {short(roles, 80)})")


@rule("TP007", "orphan-tool-result", family=FAMILY)
def orphan_tool_result(record: Any, ctx: Context) -> Iterator[Hit]:
    """A tool result that answers no earlier tool call.

    ## What it does
    A `tool` message's `tool_call_id` must match the `id` of a call made by an earlier assistant
    message. A tool message without `tool_call_id` needs at least one earlier call.

    ## Why is this bad?
    The model is shown a result for a call it never made: it learns that results appear from
    nowhere, and templates that pair results with calls (by id) fail to render.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Weather?"},
                  {"role": "tool", "tool_call_id": "call_9", "content": "{\\"temp\\": 21}"},
                  {"role": "assistant", "content": "It is 21 degrees."}]}
    ```

    ## Use instead
    Put the assistant message with the matching call (`"id": "call_9"`) before the tool result.

    ## Fix safety
    No fix: the missing call cannot be invented.
    """
    ids: set[str] = set()
    any_call = False
    markup_calls = False
    for i, m in view(record, ctx).msgs:
        role = m.get("role")
        if role == "assistant":
            tcs = m.get("tool_calls")
            if isinstance(tcs, list):
                for call in tcs:
                    any_call = True
                    if isinstance(call, dict) and isinstance(call.get("id"), str):
                        ids.add(call["id"])
            c = m.get("content")
            if isinstance(c, str) and "<tool_call>" in c:
                any_call = markup_calls = True
        elif role == "tool":
            tcid = m.get("tool_call_id")
            if isinstance(tcid, str) and tcid:
                if tcid in ids or (markup_calls and not ids):
                    continue
                if not any_call:
                    yield Hit(json_path("messages", i, "tool_call_id"), f"tool result for '{tcid}' but no earlier assistant call")
                else:
                    yield Hit(
                        json_path("messages", i, "tool_call_id"),
                        f"tool_call_id {short(tcid)} matches no earlier call id (known: {short(sorted(ids), 80)})",
                    )
            elif not any_call:
                yield Hit(json_path("messages", i), "tool result with no earlier assistant call")


@rule("TP008", "duplicate-call-id", family=FAMILY, fix=FixSafety.SAFE)
def duplicate_call_id(record: Any, ctx: Context) -> Iterator[Hit]:
    """Two tool calls in one record share an `id`.

    ## What it does
    Collects the `id` of every structured tool call in the record and flags repeats.

    ## Why is this bad?
    Tool results are matched to calls by id; with a repeated id a result answers two calls and the
    conversation is ambiguous (templates and evaluators pair the wrong result).

    ## Example
    ```json
    {"role": "assistant", "tool_calls": [{"id": "call_1", ...}, {"id": "call_1", ...}]}
    ```

    ## Use instead
    Give every call its own id (`call_1`, `call_2`).

    ## Fix safety
    Safe when every result follows its own call (an agent log that reuses an id for a later call,
    after the first one's result): the later call gets `ID_2` (`ID_3`, ...) and its results follow it.
    No fix when a result arrives while two calls with its id wait for one, or a call gets two
    results: which result belongs to which call is unknown.
    """
    first: dict[str, tuple[int, int]] = {}
    pairing = None
    for i, j, call in view(record, ctx).calls:
        if not isinstance(call, dict):
            continue
        cid = call.get("id")
        if not isinstance(cid, str) or not cid:
            continue
        if cid in first:
            if pairing is None:  # only records with a repeat pay for the pairing
                pairing = pair_calls(record.get("messages"))
            where = json_path("messages", *first[cid][:1], "tool_calls", first[cid][1])
            safe = renumber_safe(pairing, cid)
            yield Hit(json_path("messages", i, "tool_calls", j, "id"),
                      f"call id {short(cid)} already used at {where}"
                      + ("" if safe else " (a result could belong to either call)"),
                      fix=None if safe else FixSafety.NONE)
        else:
            first[cid] = (i, j)


@rule("TP009", "malformed-message", family=FAMILY)
def malformed_message(record: Any, ctx: Context) -> Iterator[Hit]:
    """A message that is not a JSON object.

    ## What it does
    Flags entries of `messages` that are strings, arrays, numbers, booleans or null.

    ## Why is this bad?
    Each message must carry a role and content; a bare string has neither and breaks templates.

    ## Example
    ```json
    {"messages": ["hi", {"role": "assistant", "content": "Hello"}]}
    ```

    ## Use instead
    ```json
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello"}]}
    ```

    ## Fix safety
    No fix: the role of a bare value is a guess.
    """
    msgs = view(record, ctx).messages
    if msgs is None:
        return
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            yield Hit(json_path("messages", i), f"message must be an object, got {json_type(m)} {short(m, 40)}")


__all__ = [
    "duplicate_call_id",
    "malformed_message",
    "missing_content",
    "missing_messages",
    "no_assistant_turn",
    "orphan_tool_result",
    "record_not_object",
    "unknown_role",
]

