"""OLMo-3: ``<function_calls>get_weather(city='Paris')\nget_time(zone='CET')</function_calls>``,
one pythonic call per line; JSON literals ``true``/``false``/``null`` are accepted.

Spec: vLLM ``olmo3``.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, parse_pythonic, read_tagged, strict_tagged

OPEN, CLOSE = "<function_calls>", "</function_calls>"


def _body_calls(body: str) -> list[dict[str, Any]] | None:
    s = body.strip()
    if not s:
        return None
    got = parse_pythonic(s, json_names=True) if s.startswith("[") else None
    if got:
        return got
    out: list[dict[str, Any]] = []
    for line in s.splitlines():
        if not line.strip():
            continue
        one = parse_pythonic(line, json_names=True)
        if not one or len(one) != 1 or line.strip().startswith("["):
            return None
        out.extend(one)
    return out or None


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, OPEN, CLOSE, _body_calls, "not a list of pythonic calls")


def strict(text: str) -> list[dict[str, Any]]:
    return strict_tagged(text, OPEN, CLOSE, _body_calls)


FAMILY = Family(
    name="olmo3",
    title="OLMo-3 <function_calls> pythonic",
    example="<function_calls>get_weather(city='Paris')</function_calls>",
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM olmo3",
)
