"""gpt-oss (OpenAI harmony): channels in special tokens; a call is a message addressed to a function::

    <|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Paris"}<|call|>

``analysis`` is reasoning, ``final`` is the answer, a header with ``to=functions.NAME`` (before or
after ``<|channel|>``) is a call whose arguments are the JSON message.

Spec: vLLM ``openai`` tool parser (harmony), SGLang ``gpt-oss``.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    args_object,
    strict_if_clean,
)

_MSG = "<|message|>"
_BOUNDARY = re.compile(r"<\|end\|>|<\|call\|>|<\|return\|>|<\|start\|>")
_TO = re.compile(r"to=(?:functions\.)?([A-Za-z_][\w.\-]*)")


def _messages(text: str) -> list[tuple[str, str]]:
    """(header, body) of every harmony message in ``text``."""
    out: list[tuple[str, str]] = []
    pos = 0
    while True:
        at = text.find(_MSG, pos)
        if at < 0:
            return out
        # the header runs back to the previous boundary token
        head_start = pos
        for m in _BOUNDARY.finditer(text, pos, at):
            head_start = m.end()
        header = text[head_start:at]
        nxt = _BOUNDARY.search(text, at + len(_MSG))
        body_end = nxt.start() if nxt else len(text)
        out.append((header, text[at + len(_MSG) : body_end]))
        pos = body_end


def _read(text: str) -> Reading:
    r = Reading()
    finals: list[str] = []
    for header, body in _messages(text):
        to = _TO.search(header)
        if to and "functions." in header:
            args = args_object(body, f"harmony call to {to.group(1)!r}", empty_ok=True)
            if isinstance(args, str):
                r.errors.append(args)
                continue
            r.calls.append({"name": to.group(1), "arguments": args})
        elif "final" in header:
            finals.append(body.strip())
    r.content = "\n".join(f for f in finals if f)
    return r


def read(text: str, ctx: ReadContext) -> Reading:
    return _read(text)


def strict(text: str) -> list[dict[str, Any]]:
    return strict_if_clean(_read(text or ""))


def _claims(text: str) -> bool:
    return _MSG in text and ("<|channel|>" in text or "to=functions." in text)


FAMILY = Family(
    name="gpt_oss",
    title="gpt-oss harmony (to=functions.NAME)",
    example='<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city": "Paris"}<|call|>',
    read=read,
    strict=strict,
    markers=("<|channel|>", "to=functions."),
    claims=_claims,
    call_markers=(r"to=functions\.",),  # <|channel|> also opens final text and reasoning
    aliases=("openai", "harmony"),
    serving="vLLM openai, SGLang gpt-oss",
)
