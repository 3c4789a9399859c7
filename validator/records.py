"""Small accessors on raw records (plain dicts, possibly malformed), with no rule imports: shared by
rules and by light modules such as ``validator.stats``."""

from __future__ import annotations

from typing import Any


def user_turns(record: Any) -> list[str]:
    """The text of the record's user messages, in order (non-text content left out)."""
    msgs = record.get("messages") if isinstance(record, dict) else None
    return [
        m["content"]
        for m in (msgs if isinstance(msgs, list) else [])
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
    ]
