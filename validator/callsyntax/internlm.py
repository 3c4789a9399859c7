"""InternLM2 / 2.5: ``<|action_start|><|plugin|>\n{"name": ..., "parameters": {...}}<|action_end|>``.

Spec: vLLM ``internlm`` (one call per turn; ``parameters`` or ``arguments``).
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, json_object_or_none, parse_call_payload

START, PLUGIN, END = "<|action_start|>", "<|plugin|>", "<|action_end|>"


def _bodies(text: str) -> list[tuple[int, str, bool]]:
    """(offset, body, closed) of every ``<|action_start|>`` block."""
    out: list[tuple[int, str, bool]] = []
    pos = 0
    while True:
        at = text.find(START, pos)
        if at < 0:
            return out
        j = at + len(START)
        k = j
        while k < len(text) and text[k].isspace():
            k += 1
        if text.startswith(PLUGIN, k):
            j = k + len(PLUGIN)
        end = text.find(END, j)
        if end < 0:
            out.append((at, text[j:], False))
            return out
        out.append((at, text[j:end], True))
        pos = end + len(END)


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    bodies = _bodies(text)
    for at, body, _closed in bodies:
        res = parse_call_payload(body)
        if res.ok:
            r.calls.extend(res.calls)
        else:
            r.errors.append(f"{START} at offset {at}: {res.error}")
    if r.calls:
        r.content = text[: bodies[0][0]].strip()
    return r


def strict(text: str) -> list[dict[str, Any]]:
    if not text or START not in text:
        return []
    bodies = _bodies(text)
    if len(bodies) != 1:
        return []
    obj = json_object_or_none(bodies[0][1])
    if obj is None or not isinstance(obj.get("name"), str):
        return []
    args = obj.get("parameters", obj.get("arguments", {}))
    return [{"name": obj["name"], "arguments": args}] if isinstance(args, dict) else []


FAMILY = Family(
    name="internlm",
    title="InternLM <|action_start|><|plugin|>",
    example='<|action_start|><|plugin|>\n{"name": "get_weather", "parameters": {"city": "Paris"}}<|action_end|>',
    read=read,
    strict=strict,
    markers=(START,),
    aliases=("internlm2",),
    serving="vLLM internlm",
)
