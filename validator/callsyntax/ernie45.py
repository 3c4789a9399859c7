"""ERNIE-4.5: Hermes-style ``<tool_call>`` JSON blocks, usually after a ``</think>``.

Spec: vLLM ``ernie45``. The syntax is Hermes'; ``auto`` reports such text as ``hermes``.
"""

from __future__ import annotations

from toolproof.validator.callsyntax import hermes
from toolproof.validator.callsyntax.base import Family

FAMILY = Family(
    name="ernie45",
    title="ERNIE-4.5 <tool_call> JSON (Hermes syntax)",
    example='</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    read=hermes.read_tag_json,
    strict=hermes.strict,
    markers=hermes.FAMILY.markers,
    claims=hermes.FAMILY.claims,
    aliases=("ernie45_moe", "ernie"),
    serving="vLLM ernie45",
    same_as="hermes",
)
