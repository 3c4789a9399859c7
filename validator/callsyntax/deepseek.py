"""DeepSeek V3 / R1 and V3.1 call tokens.

- V3 and R1: ``<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\\n```json\\n{...}\\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>``
- V3.1: ``<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}<｜tool▁call▁end｜><｜tool▁calls▁end｜>``

Spec: vLLM ``deepseek_v3`` / ``deepseek_v31``, SGLang ``deepseekv3`` / ``deepseekv31``. The lenient
reader takes either shape; each strict reader only its own.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, loads

BEGIN, END = "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>"
CALL_BEGIN, SEP, CALL_END = "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>"
_V3 = re.compile(r"<｜tool▁call▁begin｜>\s*(\w+)\s*<｜tool▁sep｜>\s*([^\n<]+?)\s*\n```(?:json)?\s*\n(.*?)\n?```\s*(?:<｜tool▁call▁end｜>|\Z)", re.DOTALL)
_V31 = re.compile(r"<｜tool▁call▁begin｜>\s*([^<\n]+?)\s*<｜tool▁sep｜>\s*(.*?)\s*(?:<｜tool▁call▁end｜>|(?=<｜tool▁call▁begin｜>)|(?=<｜tool▁calls▁end｜>)|\Z)", re.DOTALL)


def _is_v3(text: str) -> bool:
    return _V3.search(text) is not None


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    at = text.find(BEGIN)
    first = text.find(CALL_BEGIN)
    if at < 0 or (0 <= first < at):
        at = first
    if at < 0:
        return r
    body = text[at:]
    pattern = _V3 if _is_v3(body) else _V31
    for m in pattern.finditer(body):
        name, raw = (m.group(2), m.group(3)) if pattern is _V3 else (m.group(1), m.group(2))
        try:
            args = loads(raw)
        except ValueError as e:
            r.errors.append(f"DeepSeek call {name!r}: arguments are not JSON: {e}")
            continue
        if not isinstance(args, dict):
            r.errors.append(f"DeepSeek call {name!r}: arguments are not an object")
            continue
        r.calls.append({"name": name.strip(), "arguments": args})
    if r.calls:
        r.content = text[:at].strip()
    elif not r.errors:
        r.errors.append(f"{BEGIN} at offset {at}: no complete call inside")
    return r


_V3_STRICT = re.compile(r"<｜tool▁call▁begin｜>(?P<type>.*?)<｜tool▁sep｜>(?P<name>.*?)\n```json\n(?P<args>.*?)\n```<｜tool▁call▁end｜>", re.DOTALL)
_V31_STRICT = re.compile(r"<｜tool▁call▁begin｜>(?P<name>.*?)<｜tool▁sep｜>(?P<args>.*?)<｜tool▁call▁end｜>", re.DOTALL)


def _strict(text: str, pattern: re.Pattern[str]) -> list[dict[str, Any]]:
    if not text or BEGIN not in text:
        return []
    calls: list[dict[str, Any]] = []
    for m in pattern.finditer(text):
        try:
            args = json.loads(m.group("args"))
        except (ValueError, RecursionError):
            return []
        if not isinstance(args, dict):
            return []
        calls.append({"name": m.group("name"), "arguments": args})
    return calls


def strict_v3(text: str) -> list[dict[str, Any]]:
    return _strict(text, _V3_STRICT)


def strict_v31(text: str) -> list[dict[str, Any]]:
    return _strict(text, _V31_STRICT)


FAMILY_V3 = Family(
    name="deepseek_v3",
    title="DeepSeek-V3 / R1 <｜tool▁calls▁begin｜> with ```json",
    example=f"{BEGIN}{CALL_BEGIN}function{SEP}get_weather\n```json\n{{\"city\": \"Paris\"}}\n```{CALL_END}{END}",
    read=read,
    strict=strict_v3,
    markers=(BEGIN, CALL_BEGIN),
    claims=_is_v3,
    aliases=("deepseek_r1", "deepseekv3", "functionary_r1"),
    serving="vLLM deepseek_v3, SGLang deepseekv3",
)

FAMILY_V31 = Family(
    name="deepseek_v31",
    title="DeepSeek-V3.1 <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{json}",
    example=f"{BEGIN}{CALL_BEGIN}get_weather{SEP}{{\"city\": \"Paris\"}}{CALL_END}{END}",
    read=read,
    strict=strict_v31,
    markers=(BEGIN, CALL_BEGIN),
    aliases=("deepseek_v3.1", "deepseekv31"),
    serving="vLLM deepseek_v31, SGLang deepseekv31",
)

FAMILY = FAMILY_V3
