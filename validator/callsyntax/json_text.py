"""Bare JSON calls anywhere in the text: ``{"name": ..., "arguments": {...}}`` (or ``parameters``,
the OpenAI ``{"type": "function", "function": ...}`` shape, a list of calls, a ``tool_calls``
wrapper, a Python-literal dict). Only an object with a string ``name`` and an arguments object
counts, so prose and unrelated JSON yield no call.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax import llama3_json
from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, read_bare_json


def read(text: str, ctx: ReadContext) -> Reading:
    return read_bare_json(text, ctx)


def strict(text: str) -> list[dict[str, Any]]:
    return llama3_json.strict(text)


FAMILY = Family(
    name="json",
    title="Bare JSON call object(s)",
    example='{"name": "get_weather", "arguments": {"city": "Paris"}}',
    read=read,
    strict=strict,
    aliases=("bare_json",),
    serving="vLLM llama3_json without the tag",
)
