"""Hermes 2 Pro's function tag: ``<function name="get_weather">{"city": "Paris"}</function>``.

Spec: llama.cpp ``common_chat_parse_hermes_2_pro`` (``common/chat-parser.cpp``), whose open
pattern takes ``<function=NAME>`` (read by :mod:`llama31`) and ``<function name="NAME">`` besides
``<tool_call>``: the JSON object after the tag is the arguments, then ``</function>``. NousResearch's
Hermes 2 Pro template writes ``<tool_call>`` blocks; some fine-tunes write this tag instead. The
strict reader (llama.cpp's) wants every call closed and its arguments one JSON object.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, remove_spans
from toolproof.validator.callsyntax.llama31 import function_calls

MARKER = "<function name="
_OPEN = re.compile(r"<function name=\"([^\"\n]+)\">\s*(?=\{)")


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    r.calls, spans, r.errors = function_calls(text, strict=False, opener=_OPEN)
    if r.calls:
        r.content = remove_spans(text, spans)
    elif not r.errors:
        r.errors.append(f'{MARKER}"..."> without a JSON object after it')
    return r


def strict(text: str) -> list[dict[str, Any]]:
    if not text or MARKER not in text:
        return []
    calls, _spans, errors = function_calls(text, strict=True, opener=_OPEN)
    return [] if errors else calls


FAMILY = Family(
    name="hermes_function",
    title='Hermes 2 Pro <function name="NAME">{json}</function>',
    example='<function name="get_weather">{"city": "Paris"}</function>',
    read=read,
    strict=strict,
    markers=(MARKER,),
    aliases=("hermes_2_pro_function",),
    serving="llama.cpp hermes_2_pro",
)
