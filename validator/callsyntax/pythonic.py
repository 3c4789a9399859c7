"""Pythonic call lists: ``[get_weather(city="Paris"), g(b=1)]`` (Llama 3.2 / 4, ToolACE, BFCL).

Spec: vLLM ``pythonic``, SGLang ``pythonic``. Parsed with ``ast``: literal arguments only, never
evaluated. No markers: in ``auto`` it is tried last. A bare ``f(a=1)`` counts only when it is the
whole output and, with known tool names, names one of them.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    MAX_DEPTH,
    Brackets,
    Family,
    ReadContext,
    Reading,
    parse_pythonic,
    remove_spans,
    strip_end_tokens,
)

_LIST_START = re.compile(r"\[\s*[A-Za-z_][\w.]*\s*\(")
_FENCE = re.compile(r"```[ \t]*[A-Za-z0-9_+-]*[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_BARE = re.compile(r"[A-Za-z_][\w.]*\s*\(")


def read_lists(text: str, ctx: ReadContext, json_names: bool = False) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    calls: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    br = Brackets(text, ctx.budget)
    covered = -1
    for m in _LIST_START.finditer(text):
        if m.start() < covered:
            continue
        if ctx.budget.exhausted:
            break
        end, depth = br.end(m.start())
        if end < 0:
            continue
        if depth > MAX_DEPTH:  # nothing nested this deep is read: skip the whole group
            covered = end
            continue
        got = parse_pythonic(text[m.start() : end], json_names)
        if got:
            calls.extend(got)
            spans.append((m.start(), end))
            covered = end
    return calls, spans


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    calls, spans = read_lists(text, ctx)
    if not calls:
        stripped = strip_end_tokens(text).strip().rstrip(";").strip()
        fence = _FENCE.match(stripped)
        if fence:
            stripped = fence.group(1).strip()
        got = parse_pythonic(stripped) if _BARE.match(stripped) else None
        if got and (ctx.tool_names is None or all(c["name"] in ctx.tool_names for c in got)):
            calls = got
            spans = [(0, len(text))]
    if calls:
        r.calls = calls
        r.content = remove_spans(text, spans)
    return r


def strict_list(body: str, json_names: bool = False) -> list[dict[str, Any]]:
    """The whole ``body`` must be one list of calls (vLLM's pythonic parser matches from the start
    of the output and returns it as content otherwise)."""
    s = body.strip()
    if not (s.startswith("[") and s.endswith("]")):
        return []
    try:
        tree = ast.parse(s, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    if not isinstance(tree.body, ast.List) or not tree.body.elts:
        return []
    return parse_pythonic(s, json_names) or []


def strict(text: str) -> list[dict[str, Any]]:
    return strict_list(strip_end_tokens(text or ""))


FAMILY = Family(
    name="pythonic",
    title="Pythonic call list",
    example='[get_weather(city="Paris"), get_time(zone="CET")]',
    read=read,
    strict=strict,
    serving="vLLM pythonic, SGLang pythonic",
)
