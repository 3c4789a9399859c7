""">>> recipients (functionary v3, meetkai/functionary-medium-v3.0 and small-v3.2)::

    >>>all
    Let me check.>>>get_weather
    {"city": "Paris"}

``all`` is text for the user; every other recipient is a call whose arguments are the JSON that
follows its line. Spec: functionary's ``v3.llama3`` template and its parser, and llama.cpp
``common_chat_parse_functionary_v3_2`` (``common/chat-parser.cpp``), which reads ``>>>NAME\n{``
anywhere in the output (text before it is content) and ``>>>python\n`` followed by raw code as a
``python`` call with the code as ``code``. ``auto`` takes an output for this family when it starts
with ``>>>`` or holds a ``>>>NAME`` line other than ``>>>all`` (:data:`CALL_LINE`); an output that
starts with a bare ``NAME\n{`` (the template's prompt ended in ``>>>``) is read only when this family
is named, not by ``auto``.
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
#: A recipient line that is a call (``all`` is text): what ``auto`` and the markup table look for.
CALL_LINE = r">>>(?!all\b)[A-Za-z_][\w.\-]*[ \t]*\n"
_CALL_LINE = re.compile(CALL_LINE)


def _segments(text: str) -> list[tuple[str, str, int]]:
    ms = list(_SEG.finditer(text))
    return [(m.group(1), text[m.end() : ms[k + 1].start() if k + 1 < len(ms) else len(text)], m.start()) for k, m in enumerate(ms)]


#: llama.cpp's ``function_regex_start_only``: the output starts with a recipient whose ``>>>`` was
#: the end of the prompt.
_START_ONLY = re.compile(r"(?:\w+\n\{|python\n|all\n)")


def _lead(text: str) -> str:
    """The text before the first recipient (llama.cpp: content)."""
    at = text.find(">>>")
    return text if at < 0 else text[:at]


def _read(text: str, strict: bool) -> Reading:
    r = Reading()
    if _START_ONLY.match(text):
        text = ">>>" + text
    content: list[str] = [_lead(text).strip()]
    for name, body, at in _segments(text):
        if name == "all":
            content.append(body.strip())
            continue
        if name == "python" and not body.lstrip().startswith("{"):
            r.calls.append({"name": "python", "arguments": {"code": body.strip()}})
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
    if text.lstrip().startswith(">>>") and _SEG.match(text.lstrip()) is not None:
        return True
    return _CALL_LINE.search(text) is not None


FAMILY = Family(
    name="functionary_v3",
    title="functionary v3 >>>recipient",
    example='>>>get_weather\n{"city": "Paris"}',
    read=read,
    strict=strict,
    markers=(">>>",),
    claims=_claims,
    call_markers=(CALL_LINE,),  # ">>>all" is text for the user; ">>> x" a Python prompt
    aliases=("functionary_v3.llama3", "functionary"),
    serving="functionary v3.llama3, llama.cpp functionary_v3_2",
)
