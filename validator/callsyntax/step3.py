"""Step-3: ``<｜tool_calls_begin｜><｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name="f">
<steptml:parameter name="k">v</steptml:parameter></steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>``.

Spec: vLLM ``step3``, SGLang ``step3``.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading
from toolproof.validator.callsyntax.minimax_m2 import invokes

BEGIN, END = "<｜tool_calls_begin｜>", "<｜tool_calls_end｜>"
def _calls(body: str) -> list[dict[str, Any]]:
    return invokes(body, "<steptml:invoke", "</steptml:invoke>", "<steptml:parameter", "</steptml:parameter>")


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    at = text.find(BEGIN)
    if at < 0:
        at = text.find("<steptml:invoke")
        if at < 0:
            return r
    r.calls = _calls(text[at:])
    if r.calls:
        r.content = text[:at].strip()
    else:
        r.errors.append(f"{BEGIN} at offset {at}: no <steptml:invoke name=...> inside")
    return r


def strict(text: str) -> list[dict[str, Any]]:
    if not text or BEGIN not in text:
        return []
    body = text.split(BEGIN, 1)[1]
    if END not in body:
        return []
    return _calls(body.split(END, 1)[0])


FAMILY = Family(
    name="step3",
    title="Step-3 <steptml:invoke>",
    example='<｜tool_calls_begin｜><｜tool_call_begin｜>function<｜tool_sep｜><steptml:invoke name="get_weather"><steptml:parameter name="city">Paris</steptml:parameter></steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>',
    read=read,
    strict=strict,
    markers=(BEGIN, "<steptml:invoke"),
    serving="vLLM step3, SGLang step3",
)
