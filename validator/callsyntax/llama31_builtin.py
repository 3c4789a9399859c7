"""Llama 3.1 built-in tools: ``<|python_tag|>brave_search.call(query="...")``: a call to the tool
named before ``.call``, its keyword arguments JSON values.

Spec: llama.cpp ``common_chat_parse_llama_3_1`` with built-in tools (``common/chat-parser.cpp``:
after ``<|python_tag|>``, ``(\\w+)\\s*.\\s*call(``, then ``NAME=JSON`` pairs separated by commas and a
closing parenthesis; the call is named ``NAME`` without ``.call``) and Meta's Llama 3.1 model card
(built-in ``brave_search``, ``wolfram_alpha`` and ``code_interpreter``, which llama.cpp also
serves as ``python``). The lenient reader falls back to Python-literal arguments; the strict one is
llama.cpp's (JSON values only, the closing parenthesis required).
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    MAX_DEPTH,
    Family,
    ReadContext,
    Reading,
    nesting_depth,
    parse_pythonic,
    strip_end_tokens,
)

TAG = "<|python_tag|>"
_HEAD = re.compile(r"\s*(\w+)\s*\.\s*call\(")
_ARG = re.compile(r"\s*(\w+)\s*=\s*")
_CLAIM = re.compile(r"<\|python_tag\|>\s*\w+\s*\.\s*call\(")
_DECODER = json.JSONDecoder()


def _json_call(body: str) -> tuple[dict[str, Any] | None, str]:
    """llama.cpp's reading of ``NAME.call(k=JSON, ...)`` at the start of ``body``: (call, "") or
    (None, why)."""
    m = _HEAD.match(body)
    if not m:
        return None, "no NAME.call( after the tag"
    args: dict[str, Any] = {}
    pos = m.end()
    while True:
        a = _ARG.match(body, pos)
        if not a:
            break
        try:
            value, pos = _DECODER.raw_decode(body, a.end())
        except (ValueError, RecursionError) as e:
            return None, f"argument {a.group(1)!r} is not JSON: {e}"
        args[a.group(1)] = value
        while pos < len(body) and body[pos].isspace():
            pos += 1
        if not body.startswith(",", pos):
            break
        pos += 1
    if not body[pos:].lstrip().startswith(")"):
        return None, "the call is never closed with ')'"
    if nesting_depth(args) > MAX_DEPTH:
        return None, f"arguments nested deeper than {MAX_DEPTH}"
    return {"name": m.group(1), "arguments": args}, ""


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    at = text.find(TAG)
    if at < 0:
        return r
    body = strip_end_tokens(text[at + len(TAG) :]).strip()
    call, why = _json_call(body)
    if call is None:  # Python literals (single quotes, True/None) as a model may write them
        got = parse_pythonic(body) or []
        if len(got) == 1 and got[0]["name"].endswith(".call"):
            call = {"name": got[0]["name"][: -len(".call")].strip(), "arguments": got[0]["arguments"]}
    if call is None:
        r.errors.append(f"{TAG} at offset {at}: {why}")
        return r
    r.calls = [call]
    r.content = text[:at].strip()
    return r


def strict(text: str) -> list[dict[str, Any]]:
    at = text.find(TAG) if text else -1
    if at < 0:
        return []
    call, _why = _json_call(strip_end_tokens(text[at + len(TAG) :]))
    return [call] if call is not None else []


def _claims(text: str) -> bool:
    return _CLAIM.search(text) is not None


FAMILY = Family(
    name="llama31_builtin",
    title="Llama 3.1 built-in tools <|python_tag|>NAME.call(...)",
    example='<|python_tag|>get_weather.call(city="Paris")',
    read=read,
    strict=strict,
    markers=(TAG,),
    claims=_claims,
    aliases=("llama3.1_builtin", "llama_3_x_builtin"),
    serving="llama.cpp llama_3_x with built-in tools",
)
