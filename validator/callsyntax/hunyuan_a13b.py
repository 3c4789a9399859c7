"""Hunyuan-A13B: ``<tool_calls>[{"name": ..., "arguments": {...}}]</tool_calls>``, after its
``<think>``/``<answer>`` sections. Jamba's syntax; ``auto`` reports such text as ``jamba``.

Spec: vLLM ``hunyuan_a13b``.
"""

from __future__ import annotations

from toolproof.validator.callsyntax import jamba
from toolproof.validator.callsyntax.base import Family

FAMILY = Family(
    name="hunyuan_a13b",
    title="Hunyuan-A13B <tool_calls>[...] (Jamba syntax)",
    example='<tool_calls>[{"name": "get_weather", "arguments": {"city": "Paris"}}]</tool_calls>',
    read=jamba.read_tool_calls_tag,
    strict=jamba.strict_list,
    markers=(jamba.OPEN,),
    claims=jamba.claims_list,
    aliases=("hunyuan",),
    serving="vLLM hunyuan_a13b",
    same_as="jamba",
)
