"""The canonical record (TRL / Hugging Face chat templates; docs/ARCHITECTURE.md): ``messages`` with
``role`` / ``content`` (a string or null), assistant ``tool_calls`` whose ``function.arguments`` is an
*object*, ``tool`` messages, and ``tools`` as ``[{"type": "function", "function": {name, description,
parameters}}]``. HF-hub datasets in this shape: e.g. NousResearch/hermes-function-calling-v1 after TRL's
own conversion, and what ``toolproof convert`` writes. Read as it is: no conversion.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.formats.common import Notes, Record


def looks_like(obj: Record) -> bool:
    msgs = obj.get("messages")
    if not isinstance(msgs, list):
        return False
    first = msgs[0] if msgs else None
    return not (isinstance(first, dict) and "from" in first and "role" not in first)


def convert(obj: Record, notes: Notes | None = None) -> Any:
    return obj


__all__ = ["convert", "looks_like"]
