"""Small accessors on raw records (plain dicts, possibly malformed), with no rule imports: shared by
rules and by light modules such as ``validator.stats``."""

from __future__ import annotations

import json
from typing import Any

import orjson


def user_turns(record: Any) -> list[str]:
    """The text of the record's user messages, in order (non-text content left out)."""
    msgs = record.get("messages") if isinstance(record, dict) else None
    return [
        m["content"]
        for m in (msgs if isinstance(msgs, list) else [])
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
    ]


def canonical_json(value: Any) -> bytes:
    """Canonical JSON (sorted keys, compact). Never raises on parsed JSON values."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr, ensure_ascii=False).encode()


def body_json(record: Any) -> bytes:
    """The canonical JSON of a record without its ``"id"``: what makes two records the same record
    (TP501's digest). The reader computes it once per record and the duplicate-key check counts on it."""
    if isinstance(record, dict) and "id" in record:
        record = {k: v for k, v in record.items() if k != "id"}
    return canonical_json(record)
