"""Gemma 4: ``<|tool_call>call:get_weather{city:<|"|>Paris<|"|>,days:3}<tool_call|>``.

Keys are bare, strings sit between ``<|"|>`` delimiters (nothing escaped inside), other values are
bare (``true``, ``false``, ``null``, numbers), and ``{...}`` / ``[...]`` nest; several calls follow
each other without a separator.

Spec: vLLM ``gemma4``: every ``<|tool_call>call:NAME{...}<tool_call|>``; a bare value is a boolean,
``null`` (also ``none`` / ``nil``), an integer, a float when it holds a dot, else the text. The lenient
reader also takes a last call whose end token is missing. FunctionGemma (``<start_function_call>``)
is its own family.
"""

from __future__ import annotations

import math
import re
from typing import Any

from toolproof.validator.callsyntax.base import MAX_DEPTH, Family, ReadContext, Reading, iter_blocks, read_tagged

OPEN, CLOSE = "<|tool_call>", "<tool_call|>"
QUOTE = '<|"|>'
_HEAD = re.compile(r"call:([\w\-.]+)\{")
_SPACE = " \n\t"


class _TooDeep(ValueError):
    pass


def _bare(raw: str) -> Any:
    s = raw.strip()
    if s in ("true", "false"):
        return s == "true"
    if s.lower() in ("null", "none", "nil"):
        return None
    try:
        v: float | int = float(s) if "." in s else int(s)
    except ValueError:
        return s
    return v if not isinstance(v, float) or math.isfinite(v) else s


class _Args:
    """One pass over the text of an argument object (without its outer braces)."""

    def __init__(self, text: str) -> None:
        self.s, self.i, self.n = text, 0, len(text)

    def _string(self) -> str:
        start = self.i + len(QUOTE)
        end = self.s.find(QUOTE, start)
        if end < 0:  # unterminated: the rest of the text
            self.i = self.n
            return self.s[start:]
        self.i = end + len(QUOTE)
        return self.s[start:end]

    def _value(self, stops: str, depth: int) -> Any:
        if self.s.startswith(QUOTE, self.i):
            return self._string()
        c = self.s[self.i]
        if c in "{[":
            if depth >= MAX_DEPTH:
                raise _TooDeep
            self.i += 1
            return self.object("}", depth + 1) if c == "{" else self.array(depth + 1)
        start = self.i
        while self.i < self.n and self.s[self.i] not in stops:
            self.i += 1
        return _bare(self.s[start : self.i])

    def _skip(self, chars: str) -> None:
        while self.i < self.n and self.s[self.i] in chars:
            self.i += 1

    def object(self, close: str | None, depth: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while True:
            self._skip(_SPACE + ",")
            if self.i >= self.n:
                return out
            if self.s[self.i] == close:
                self.i += 1
                return out
            colon = self.s.find(":", self.i)
            if colon < 0:
                self.i = self.n
                return out
            key = self.s[self.i : colon].strip()
            if key.startswith(QUOTE) and key.endswith(QUOTE) and len(key) >= 2 * len(QUOTE):
                key = key[len(QUOTE) : -len(QUOTE)]
            self.i = colon + 1
            self._skip(_SPACE)
            out[key] = self._value(",}]", depth) if self.i < self.n else ""

    def array(self, depth: int) -> list[Any]:
        out: list[Any] = []
        while True:
            self._skip(_SPACE + ",")
            if self.i >= self.n:
                return out
            if self.s[self.i] == "]":
                self.i += 1
                return out
            out.append(self._value(",]", depth))  # always moves on: the stops are skipped or handled above


def parse_args(text: str) -> dict[str, Any] | None:
    """The arguments written between a call's braces; None when nested deeper than MAX_DEPTH."""
    try:
        return _Args(text).object(None)
    except _TooDeep:
        return None


def _call(inner: str, *, closed: bool) -> dict[str, Any] | None:
    """``call:NAME{...}``; without ``closed`` (the lenient reader) the final brace may be missing."""
    m = _HEAD.match(inner)
    if not m:
        return None
    body = inner[m.end() :]
    if body.endswith("}"):
        body = body[:-1]
    elif closed:
        return None
    args = parse_args(body)
    return None if args is None else {"name": m.group(1), "arguments": args}


def _lenient_block(inner: str) -> list[dict[str, Any]] | None:
    c = _call(inner.strip(), closed=False)
    return None if c is None else [c]


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, OPEN, CLOSE, _lenient_block, "not call:NAME{key:value, ...}")


def strict(text: str) -> list[dict[str, Any]]:
    """vLLM's ``extract_tool_calls``: every closed block of the form ``call:NAME{...}``."""
    if not text or OPEN not in text:
        return []
    calls: list[dict[str, Any]] = []
    for _start, inner, _end, _closed in iter_blocks(text, OPEN, CLOSE, unclosed=False):
        c = _call(inner, closed=True)
        if c is not None:
            calls.append(c)
    return calls


FAMILY = Family(
    name="gemma4",
    title='Gemma 4 <|tool_call>call:NAME{key:<|"|>value<|"|>}',
    example='<|tool_call>call:get_weather{city:<|"|>Paris<|"|>}<tool_call|>',
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM gemma4",
)
