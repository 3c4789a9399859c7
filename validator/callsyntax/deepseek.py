"""DeepSeek V3 / R1 and V3.1 call tokens.

- V3 and R1: ``<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\\n```json\\n{...}\\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>``
- V3.1: ``<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}<｜tool▁call▁end｜><｜tool▁calls▁end｜>``

Spec: vLLM ``deepseek_v3`` / ``deepseek_v31``, SGLang ``deepseekv3`` / ``deepseekv31``, and
llama.cpp ``common_chat_parse_deepseek_r1`` (``common/chat-parser.cpp``), which also takes the
openers R1 distills write instead of ``<｜tool▁calls▁begin｜>`` (``<｜tool▁calls｜>``,
``<｜tool calls begin｜>``, ``<｜tool\\_calls\\_begin｜>``) and a ``function<｜tool▁sep｜>`` call
without its ``<｜tool▁call▁begin｜>``. Both readers rewrite those to the canonical tokens first
(``<｜tool_calls_begin｜>``, also in llama.cpp's list, is left to Step-3, whose opener it is). The
lenient reader takes either shape; each strict reader only its own.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    args_object,
    call_sections,
    section_start,
    strict_json_object,
)

BEGIN, END = "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>"
CALL_BEGIN, SEP, CALL_END = "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>"
#: Openers llama.cpp's R1 parser accepts besides BEGIN (markers too, so ``auto`` finds them).
ALT_BEGINS = ("<｜tool▁calls｜>", "<｜tool calls begin｜>", "<｜tool\\_calls\\_begin｜>")
_BARE_CALL = re.compile(r"(<｜tool▁calls▁begin｜>|<｜tool▁call▁end｜>)(\s*)(?=function<｜tool▁sep｜>)")
_HEAD = re.compile(r"\s*(\S+?)\s*$")
_V3_BODY = re.compile(r"\s*([^\n]+?)\s*\n```(?:json)?[ \t]*\n")


def normalize(text: str) -> str:
    """The R1 variants llama.cpp reads, written with the canonical tokens."""
    if "｜tool" not in text:
        return text
    for alt in ALT_BEGINS:
        if alt in text:
            text = text.replace(alt, BEGIN)
    return _BARE_CALL.sub(lambda m: m.group(1) + m.group(2) + CALL_BEGIN, text)


def _pieces(text: str) -> list[tuple[int, str, str, bool]]:
    """``(offset, before the separator, after it, closed)`` for every call block (linear)."""
    return call_sections(text, CALL_BEGIN, CALL_END, END, SEP)


def _v3_args(rest: str) -> tuple[str, str] | None:
    """``NAME\n```json\n{...}\n```'' -> (name, the JSON text), else None."""
    m = _V3_BODY.match(rest)
    if not m:
        return None
    body = rest[m.end() :]
    fence = body.rfind("```")
    return m.group(1), (body[:fence] if fence >= 0 else body).strip()


def _is_v3(text: str) -> bool:
    text = normalize(text)
    return any(_HEAD.match(h) and _v3_args(r) is not None for _a, h, r, _c in _pieces(text))


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    text = normalize(text)
    at = section_start(text, BEGIN, CALL_BEGIN)
    if at < 0:
        return r
    pieces = _pieces(text[at:])
    v3 = any(_v3_args(rest) is not None for _a, _h, rest, _c in pieces)
    for _off, head, rest, _closed in pieces:
        got = _v3_args(rest) if v3 else (head.strip(), rest.strip())
        if got is None:
            r.errors.append(f"DeepSeek call {head.strip()!r}: no ```json block after the name")
            continue
        name, raw = got
        args = args_object(raw, f"DeepSeek call {name!r}")
        if isinstance(args, str):
            r.errors.append(args)
            continue
        r.calls.append({"name": name.strip(), "arguments": args})
    if r.calls:
        r.content = text[:at].strip()
    elif not r.errors:
        r.errors.append(f"{BEGIN} at offset {at}: no complete call inside")
    return r


def _strict(text: str, v3: bool) -> list[dict[str, Any]]:
    """vLLM: every ``<｜tool▁call▁begin｜>...<｜tool▁call▁end｜>`` block in its exact shape, arguments
    ``json.loads``-ed; a block that fails voids the output."""
    text = normalize(text or "")
    if BEGIN not in text:
        return []
    calls: list[dict[str, Any]] = []
    for _off, head, rest, closed in _pieces(text):
        if not closed:
            continue
        if v3:
            if not rest.endswith("\n```") or "\n```json\n" not in rest:
                return []
            name, _, raw = rest.partition("\n```json\n")
            raw = raw[: -len("\n```")]
        else:
            name, raw = head, rest
        args = strict_json_object(raw)
        if args is None:
            return []
        calls.append({"name": name, "arguments": args})
    return calls


def strict_v3(text: str) -> list[dict[str, Any]]:
    return _strict(text, v3=True)


def strict_v31(text: str) -> list[dict[str, Any]]:
    return _strict(text, v3=False)


FAMILY_V3 = Family(
    name="deepseek_v3",
    title="DeepSeek-V3 / R1 <｜tool▁calls▁begin｜> with ```json",
    example=f"{BEGIN}{CALL_BEGIN}function{SEP}get_weather\n```json\n{{\"city\": \"Paris\"}}\n```{CALL_END}{END}",
    read=read,
    strict=strict_v3,
    markers=(BEGIN, CALL_BEGIN, *ALT_BEGINS),
    claims=_is_v3,
    aliases=("deepseek_r1", "deepseekv3", "functionary_r1"),
    serving="vLLM deepseek_v3, SGLang deepseekv3, llama.cpp deepseek_r1",
)

FAMILY_V31 = Family(
    name="deepseek_v31",
    title="DeepSeek-V3.1 <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{json}",
    example=f"{BEGIN}{CALL_BEGIN}get_weather{SEP}{{\"city\": \"Paris\"}}{CALL_END}{END}",
    read=read,
    strict=strict_v31,
    markers=(BEGIN, CALL_BEGIN, *ALT_BEGINS),
    aliases=("deepseek_v3.1", "deepseekv31"),
    serving="vLLM deepseek_v31, SGLang deepseekv31",
)

FAMILY = FAMILY_V3
