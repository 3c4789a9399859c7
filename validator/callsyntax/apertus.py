"""Apertus: ``<|tools_prefix|>[{"get_weather": {"city": "Paris"}}, ...]<|tools_suffix|>``: a JSON list
of one-key objects, the tool's name mapped to its arguments; the suffix may be missing.

Spec: vLLM ``apertus``. Its strict reader decodes the first JSON value after the first prefix (text
after it is content); where that value does not decode, vLLM falls back to a partial-JSON parse of a
cut-off output, which this reader does not mirror: such an output has no calls here.
"""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.callsyntax.base import (
    MAX_DEPTH,
    Family,
    ReadContext,
    Reading,
    args_object,
    nesting_depth,
    read_tagged,
)

OPEN, CLOSE = "<|tools_prefix|>", "<|tools_suffix|>"
_DECODER = json.JSONDecoder()


def _first_value(body: str) -> tuple[Any, str] | None:
    """The JSON value at the start of ``body`` (leading white space skipped) and the text after it."""
    s = body.lstrip()
    try:
        value, end = _DECODER.raw_decode(s)
    except (ValueError, RecursionError):
        return None
    if nesting_depth(value) > MAX_DEPTH:
        return None
    return value, s[end:]


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _block_calls(body: str) -> list[dict[str, Any]] | str:
    got = _first_value(body)
    if got is None:
        return "the body is not JSON"
    calls: list[dict[str, Any]] = []
    for item in _items(got[0]):
        if not isinstance(item, dict) or not item:
            return 'an item is not an object {"NAME": {arguments}}'
        for name, raw in item.items():  # vLLM reads the first key only; a second one is a second call
            args = args_object(raw, name) if isinstance(raw, str) else raw
            if not isinstance(args, dict):
                return args if isinstance(args, str) else f"{name}: arguments are not an object"
            calls.append({"name": name, "arguments": args})
    return calls


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, OPEN, CLOSE, _block_calls, "no call inside")


def strict(text: str) -> list[dict[str, Any]]:
    """vLLM's ``extract_tool_calls``: the first value after the first prefix; each non-empty object
    in it is a call (its first key the name, that key's value the arguments, whatever JSON it is)."""
    at = text.find(OPEN) if text else -1
    if at < 0:
        return []
    body = text[at + len(OPEN) :]
    close = body.find(CLOSE)
    got = _first_value(body if close < 0 else body[:close])
    if got is None:
        return []
    return [
        {"name": name, "arguments": args}
        for item in _items(got[0])
        if isinstance(item, dict) and item
        for name, args in [next(iter(item.items()))]
    ]


FAMILY = Family(
    name="apertus",
    title="Apertus <|tools_prefix|>[{name: {...}}]",
    example='<|tools_prefix|>[{"get_weather": {"city": "Paris"}}]<|tools_suffix|>',
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM apertus",
)
