"""Llama 4 pythonic calls: ``<|python_start|>[get_weather(city="Paris")]<|python_end|>`` (the tags
are optional; without them the text is a plain pythonic list).

Spec: vLLM ``llama4_pythonic``.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax import pythonic
from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, remove_spans, strip_end_tokens

START, END = "<|python_start|>", "<|python_end|>"


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    body = text.replace(START, " " * len(START)).replace(END, " " * len(END))  # offsets kept
    calls, spans = pythonic.read_lists(body, ctx)
    if not calls:
        inner = strip_end_tokens(body).strip()
        got = pythonic.strict_list(inner)
        if got:
            calls, spans = got, [(0, len(body))]
    if calls:
        r.calls = calls
        r.content = remove_spans(body, spans)
    return r


def strict(text: str) -> list[dict[str, Any]]:
    s = strip_end_tokens(text or "").strip()
    if s.startswith(START):
        s = s[len(START) :]
    if s.endswith(END):
        s = s[: -len(END)]
    return pythonic.strict_list(s)


FAMILY = Family(
    name="llama4_pythonic",
    title="Llama 4 pythonic (<|python_start|>)",
    example='<|python_start|>[get_weather(city="Paris")]<|python_end|>',
    read=read,
    strict=strict,
    markers=(START,),
    serving="vLLM llama4_pythonic, SGLang pythonic",
)
