"""Seed-OSS: ``<seed:tool_call><function=NAME><parameter=k>v</parameter></function></seed:tool_call>``
(Qwen3-Coder's inner syntax in ``seed:`` tags); reasoning in ``<seed:think>...</seed:think>``.

Spec: vLLM ``seed_oss``.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax import qwen3_coder
from toolproof.validator.callsyntax.base import Family, ReadContext, Reading

OPEN, CLOSE = "<seed:tool_call>", "</seed:tool_call>"


def read(text: str, ctx: ReadContext) -> Reading:
    return qwen3_coder.read_wrapped(text, OPEN, CLOSE)


def strict(text: str) -> list[dict[str, Any]]:
    if not text or OPEN not in text:
        return []
    return qwen3_coder.strict(text)


FAMILY = Family(
    name="seed_oss",
    title="Seed-OSS <seed:tool_call>",
    example="<seed:tool_call>\n<function=get_weather>\n<parameter=city>Paris</parameter>\n</function>\n</seed:tool_call>",
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM seed_oss",
)
