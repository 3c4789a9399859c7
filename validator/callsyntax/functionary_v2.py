"""functionary v2: ``<|recipient|>NAME\n<|content|>{json}`` turns separated by ``<|from|>assistant``;
recipient ``all`` is text for the user.

Spec: functionary's ``v2`` template and its parser.
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
    strip_end_tokens,
)

_TURN = re.compile(r"<\|recipient\|>\s*([^\n<]+?)\s*\n?<\|content\|>(.*?)(?=<\|from\|>|<\|recipient\|>|<\|stop\|>|\Z)", re.DOTALL)


def _read(text: str) -> Reading:
    r = Reading()
    content: list[str] = []
    for m in _TURN.finditer(strip_end_tokens(text)):
        name, body = m.group(1), m.group(2).strip()
        if name == "all":
            content.append(body)
            continue
        args = args_object(body, f"<|recipient|>{name}", empty_ok=True)
        if isinstance(args, str):
            r.errors.append(args)
            continue
        r.calls.append({"name": name, "arguments": args})
    if r.calls:
        r.content = "\n".join(c for c in content if c)
    elif "<|recipient|>" in text and not r.errors and not content:
        r.errors.append("<|recipient|> without a <|content|> part")
    return r


def read(text: str, ctx: ReadContext) -> Reading:
    return _read(text)


def strict(text: str) -> list[dict[str, Any]]:
    return strict_if_clean(_read(text or ""))


FAMILY = Family(
    name="functionary_v2",
    title="functionary v2 <|recipient|>",
    example='<|recipient|>get_weather\n<|content|>{"city": "Paris"}',
    read=read,
    strict=strict,
    markers=("<|recipient|>",),
    serving="functionary v2",
)
