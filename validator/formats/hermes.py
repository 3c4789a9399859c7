"""Hermes function calling (NousResearch/Hermes-Function-Calling; NousResearch/hermes-function-calling-v1
on the HF hub) -> canonical.

Two shapes:

- ShareGPT turns (``{"from": "system"|"human"|"gpt"|"tool", "value"}``) with the tools in the system turn
  inside ``<tools>[...]</tools>``, calls as ``<tool_call>{"name", "arguments"}</tool_call>`` blocks in
  ``gpt`` turns and results as ``<tool_response>...</tool_response>`` in ``tool`` turns;
- the prompt-asset text shape of the repository's ``prompt_assets/few_shot.json``:
  ``{"example": "SYSTEM: ... <tools>[...]</tools>\\nUSER: ...\\nASSISTANT:\\n<tool_call>{...}</tool_call>"}``
  (optionally inside a Markdown code fence), read by splitting at the speaker labels.

Both become canonical records: the ``<tools>`` list moves into ``tools``; a ``gpt`` turn made only of
well-formed ``<tool_call>`` blocks becomes structured calls (anything malformed stays text for the linter).
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.formats import sharegpt
from toolproof.validator.formats.common import ConversionError, Notes, Record, note

_SPEAKER = re.compile(r"(?:^|\n)[ \t]*(SYSTEM|USER|ASSISTANT|TOOL|FUNCTION RESPONSE):[ \t]*")
_FENCE = re.compile(r"^\s*```[\w-]*\s*\n?|\n?\s*```\s*$")
_FROM = {"SYSTEM": "system", "USER": "human", "ASSISTANT": "gpt", "TOOL": "tool", "FUNCTION RESPONSE": "tool"}


def _system_text(obj: Record) -> str:
    system = obj.get("system")
    if isinstance(system, str):
        return system
    turns = obj.get("conversations") if isinstance(obj.get("conversations"), list) else obj.get("messages")
    for t in turns if isinstance(turns, list) else []:
        if isinstance(t, dict) and t.get("from", t.get("role")) == "system":
            v = t.get("value", t.get("content"))
            return v if isinstance(v, str) else ""
    return ""


def is_example(obj: Record) -> bool:
    ex = obj.get("example")
    return isinstance(ex, str) and "USER:" in ex and "ASSISTANT:" in ex and "messages" not in obj


def looks_like(obj: Record) -> bool:
    if is_example(obj):
        return True
    return sharegpt.looks_like(obj) and "<tools>" in _system_text(obj)


def split_example(text: str) -> list[dict[str, str]]:
    """``SYSTEM: ...\\nUSER: ...\\nASSISTANT: ...`` -> ShareGPT turns."""
    body = _FENCE.sub("", text).strip()
    marks = list(_SPEAKER.finditer(body))
    if not marks:
        raise ConversionError("no 'SYSTEM:' / 'USER:' / 'ASSISTANT:' labels found", "$.example")
    lead = body[: marks[0].start()].strip()
    if lead:
        raise ConversionError(f"text before the first speaker label: {lead[:60]!r}", "$.example")
    turns = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(body)
        turns.append({"from": _FROM[m.group(1)], "value": body[m.end():end].strip()})
    return turns


def convert(obj: Record, notes: Notes | None = None) -> Record:
    if is_example(obj):
        turns = split_example(obj["example"])
        note(notes, "Hermes prompt text split at its speaker labels")
        src: dict[str, Any] = {k: v for k, v in obj.items() if k != "example"}
        src["conversations"] = turns
        return sharegpt.convert(src, notes)
    return sharegpt.convert(obj, notes)


__all__ = ["convert", "is_example", "looks_like", "split_example"]
