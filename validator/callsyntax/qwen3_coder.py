"""Qwen3-Coder XML calls::

    <tool_call>
    <function=get_weather>
    <parameter=city>
    Paris
    </parameter>
    </function>
    </tool_call>

Spec: vLLM ``qwen3_coder`` and ``qwen3_xml``, SGLang ``qwen3_coder``. Parameter values are text;
without a schema they are read as JSON when they parse as JSON (numbers, objects, booleans), as a
serving parser does for parameters whose schema type is not a string.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import OPEN_TAG, Family, ReadContext, Reading, param_value

_FUNC = re.compile(r"<function=([^>\n]+)>(.*?)(?:</function>|\Z)", re.DOTALL)
_PARAM = re.compile(r"<parameter=([^>\n]+)>(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|\Z)", re.DOTALL)
_CLAIM = re.compile(r"<function=[^>\n]+>\s*(?:<parameter=|</function>)")


def _value(raw: str) -> Any:
    if raw.startswith("\n"):
        raw = raw[1:]
    if raw.endswith("\n"):
        raw = raw[:-1]
    if raw.strip().lower() == "null":
        return None
    return param_value(raw)


def function_calls(text: str, closed_only: bool = False) -> tuple[list[dict[str, Any]], list[tuple[int, int]], list[str]]:
    """Every ``<function=NAME>...</function>`` in ``text`` with its ``<parameter=...>`` values."""
    calls: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    errors: list[str] = []
    for m in _FUNC.finditer(text):
        name = m.group(1).strip()
        if closed_only and not m.group(0).endswith("</function>"):
            errors.append(f"<function={name}> at offset {m.start()} is never closed")
            continue
        if not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
            errors.append(f"<function=...> at offset {m.start()}: {name!r} is not a function name")
            continue
        args: dict[str, Any] = {}
        body, pos, stray = m.group(2), 0, False
        for p in _PARAM.finditer(body):
            stray = stray or bool(body[pos : p.start()].strip())
            args[p.group(1).strip()] = _value(p.group(2))
            pos = p.end()
        if stray or body[pos:].strip():  # e.g. Llama 3.1's <function=NAME>{json}: not this syntax
            errors.append(f"<function={name}> at offset {m.start()}: text outside <parameter=...> blocks")
            continue
        calls.append({"name": name, "arguments": args})
        spans.append((m.start(), m.end()))
    return calls, spans, errors


def _outside(text: str, tags: tuple[str, ...], spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    rest = "".join(out)
    for t in tags:
        rest = rest.replace(t, "")
    return rest.strip()


def read_wrapped(text: str, open_tag: str, close_tag: str) -> Reading:
    r = Reading()
    calls, spans, errors = function_calls(text)
    r.calls, r.errors = calls, errors
    if calls:
        r.content = _outside(text, (open_tag, close_tag), spans)
    return r


def read(text: str, ctx: ReadContext) -> Reading:
    return read_wrapped(text, OPEN_TAG, "</tool_call>")


def strict(text: str) -> list[dict[str, Any]]:
    if not text or "<function=" not in text:
        return []
    calls, _spans, errors = function_calls(text, closed_only=True)
    return [] if errors else calls


def _claims(text: str) -> bool:
    return _CLAIM.search(text) is not None


FAMILY = Family(
    name="qwen3_coder",
    title="Qwen3-Coder XML (<function=...><parameter=...>)",
    example="<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>",
    read=read,
    strict=strict,
    markers=("<function=",),
    claims=_claims,
    aliases=("qwen3_xml", "qwen3coder"),
    serving="vLLM qwen3_coder / qwen3_xml, SGLang qwen3_coder",
)
