"""A conversation under another key: ``traj`` (tau-bench), ``conversation``, ``dialog``, ``chat``, ...

Agent logs and benchmark dumps keep the conversation beside their own fields
(``{"task_id", "reward", "traj": [...]}``). :func:`message_key` finds the key whose value is a
message list (every item an object with a ``role``, or ShareGPT's ``from`` / ``value``); the
registry (``validator.formats``) then reads the record as if that list were ``messages`` (or
``conversations``) with the dialect it detects there, keeps the other fields, and says which key it
read. A record with a list of objects that are not messages gets an error naming that key
(:func:`list_like_key`), never a bare "missing messages".
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.formats.common import Record

# Tried first, in this order; any other key holding a message list is found after them.
PREFERRED_KEYS = ("traj", "trajectory", "conversation", "dialog", "dialogue", "chat", "turns", "history", "thread")
STANDARD_KEYS = ("messages", "conversations")
NOT_CONVERSATIONS = frozenset({"tools", "functions", "answers", "expected_calls", "possible_answer"})


def _message_list(value: Any) -> str | None:
    """``messages`` (OpenAI-style items) or ``conversations`` (ShareGPT items) when ``value`` is one."""
    if not isinstance(value, list) or not value or not all(isinstance(m, dict) for m in value):
        return None
    if all(isinstance(m.get("role"), str) for m in value):
        return "messages"
    if all("from" in m and "value" in m for m in value):
        return "conversations"
    return None


def message_key(obj: Record) -> tuple[str, str] | None:
    """``(key, "messages" | "conversations")`` for the key that holds the conversation, else None
    (also None when the record has ``messages`` / ``conversations`` itself)."""
    if any(k in obj for k in STANDARD_KEYS):
        return None
    keys = [k for k in PREFERRED_KEYS if k in obj] + [k for k in obj if k not in PREFERRED_KEYS and k not in NOT_CONVERSATIONS]
    for k in keys:
        kind = _message_list(obj[k])
        if kind is not None:
            return k, kind
    return None


def looks_like(obj: Record) -> bool:
    return message_key(obj) is not None


def unnest(obj: Record, key: str, kind: str) -> Record:
    """The record with ``key``'s list as ``kind``, where ``key`` stood (the other keys kept in order)."""
    return {(kind if k == key else k): v for k, v in obj.items()}


def list_like_key(obj: Record) -> str | None:
    """A hint for a record no dialect reads: the key holding a list of objects, and their keys."""
    for k, v in obj.items():
        if isinstance(v, list) and v and all(isinstance(m, dict) for m in v):
            item_keys = sorted({str(x) for m in v for x in m})[:6]
            return (f"key '{k}' holds a list of {len(v)} objects (keys: {', '.join(item_keys)}): if it is the "
                    "conversation, each message needs a 'role' (or ShareGPT 'from' / 'value')")
    return None


__all__ = ["PREFERRED_KEYS", "list_like_key", "looks_like", "message_key", "unnest"]
