""">>> recipients (functionary v3, meetkai/functionary-medium-v3.0 and small-v3.2)::

    >>>all
    Let me check.>>>get_weather
    {"city": "Paris"}

``all`` is text for the user; every other recipient is a call whose arguments are the JSON that
follows its line. Spec: functionary's ``v3.llama3`` template and its parser.
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

_SEG = re.compile(r">>>([A-Za-z_][\w.\-]*)[ \t]*\n?")


def _segments(text: str) -> list[tuple[str, str, int]]:
    ms = list(_SEG.finditer(text))
    return [(m.group(1), text[m.end() : ms[k + 1].start() if k + 1 < len(ms) else len(text)], m.start()) for k, m in enumerate(ms)]


def _read(text: str, strict: bool) -> Reading:
    r = Reading()
    content: list[str] = []
    for name, body, at in _segments(text):
        if name == "all":
            content.append(body.strip())
            continue
        args = args_object(body, f">>>{name} at offset {at}", empty_ok=True)
        if isinstance(args, str):
            r.errors.append(args)
            continue
        r.calls.append({"name": name, "arguments": args})
    if r.calls:
        r.content = "\n".join(c for c in content if c)
    return r


def read(text: str, ctx: ReadContext) -> Reading:
    return _read(text, strict=False)


def strict(text: str) -> list[dict[str, Any]]:
    return strict_if_clean(_read(text or "", strict=True))


def _claims(text: str) -> bool:
    return text.lstrip().startswith(">>>") and _SEG.match(text.lstrip()) is not None


FAMILY = Family(
    name="functionary_v3",
    title="functionary v3 >>>recipient",
    example='>>>get_weather\n{"city": "Paris"}',
    read=read,
    strict=strict,
    markers=(">>>",),
    claims=_claims,
    aliases=("functionary_v3.llama3", "functionary"),
    serving="functionary v3.llama3",
)
