"""Llama 3.1 custom-tool syntax (also functionary v3.1): ``<function=get_weather>{"city": "Paris"}</function>``.

Spec: the Llama 3.1 model card's ``<function=...>`` format, functionary's ``v3-llama3.1`` template.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import MAX_DEPTH, Family, ReadContext, Reading, nesting_depth, remove_spans

_OPEN = re.compile(r"<function=([A-Za-z_][\w.\-]*)>\s*(?=\{)")
_DECODER = json.JSONDecoder()


def function_calls(
    text: str, strict: bool, opener: re.Pattern[str] = _OPEN
) -> tuple[list[dict[str, Any]], list[tuple[int, int]], list[str]]:
    """``OPEN{json}</function>`` calls, the function name in ``opener``'s first group (also read by
    :mod:`hermes_function`, whose opener is ``<function name="...">``)."""
    calls: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    errors: list[str] = []
    ms = list(opener.finditer(text))
    for k, m in enumerate(ms):
        seg_end = ms[k + 1].start() if k + 1 < len(ms) else len(text)
        try:  # each call's own segment: linear however many calls
            args, rel = _DECODER.raw_decode(text[m.end() : seg_end])
        except (ValueError, RecursionError) as e:
            errors.append(f"{m.group(0).strip()} at offset {m.start()}: {e}")
            continue
        end = m.end() + rel
        if not isinstance(args, dict) or nesting_depth(args) > MAX_DEPTH:
            errors.append(f"{m.group(0).strip()} at offset {m.start()}: arguments are not an object")
            continue
        close = re.match(r"\s*</function>", text[end:])
        if close:
            end += close.end()
        elif strict:
            errors.append(f"{m.group(0).strip()} at offset {m.start()} is never closed")
            continue
        calls.append({"name": m.group(1), "arguments": args})
        spans.append((m.start(), end))
    return calls, spans, errors


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    calls, spans, errors = function_calls(text, strict=False)
    r.calls, r.errors = calls, errors
    if calls:
        r.content = remove_spans(text, spans)
    return r


def strict(text: str) -> list[dict[str, Any]]:
    if not text or "<function=" not in text:
        return []
    calls, _spans, errors = function_calls(text, strict=True)
    return [] if errors else calls


def _claims(text: str) -> bool:
    return _OPEN.search(text) is not None


FAMILY = Family(
    name="llama31",
    title="Llama 3.1 <function=NAME>{json}</function>",
    example='<function=get_weather>{"city": "Paris"}</function>',
    read=read,
    strict=strict,
    markers=("<function=",),
    claims=_claims,
    aliases=("llama3.1", "functionary_v3_llama31", "functionary_v3-llama3.1"),
    serving="Llama 3.1 model card, functionary v3-llama3.1",
)
