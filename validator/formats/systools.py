"""Tool lists written into the system prompt, parsed out of the text.

Several dialects declare their tools in the system text instead of a ``tools`` field:

- Hermes function calling (NousResearch/Hermes-Function-Calling, NousResearch/hermes-function-calling-v1):
  ``<tools> [...] </tools>`` (a JSON list, or JSON objects one after another);
- Glaive (glaiveai/glaive-function-calling-v2): ``... with access to the following functions. Use them if
  required -`` followed by JSON objects one after another;
- ToolACE (Team-ACE/ToolACE): ``Here is a list of functions in JSON format that you can invoke:`` followed
  by a JSON list;
- anything else: a JSON list of objects with a ``name`` and a ``parameters`` or ``description`` (the
  generic finder).

:func:`find_system_tools` returns where the list is, the tools (canonical shape) and, when the text
announces a tool list that does not parse, the reason (reported as TP407 by the reader).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from toolproof.validator.formats.common import ConversionError, canonical_tool

_HERMES = re.compile(r"<tools>(.*?)</tools>", re.DOTALL)
_HERMES_OPEN = re.compile(r"<tools>(?!\s*</tools>)")
# (wording, regex of the lead-in sentence). The JSON starts after the lead.
LEADS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("toolace", re.compile(r"Here is a list of functions in JSON format that you can invoke:?", re.IGNORECASE)),
    ("glaive", re.compile(r"(?:You are a helpful assistant )?with access to the following functions\.?\s*Use them if required\s*-?", re.IGNORECASE)),
)
_DEC = json.JSONDecoder()


@dataclass
class SystemTools:
    wording: str  # "hermes", "glaive", "toolace" or "json-list"
    tools: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # the text announces tools that do not parse
    rest: str = ""  # the system text without the tool list (the instruction)


def _json_values(body: str, start: int = 0, *, stop_at_text: bool = True) -> tuple[list[Any], int]:
    """JSON values written one after another (commas and whitespace between) from ``start``: (values,
    end). A single top-level list is returned as its items. Raises ValueError on the first value that
    does not parse (text after at least one value ends the sequence when ``stop_at_text``)."""
    items: list[Any] = []
    pos = start
    n = len(body)
    end = start
    while pos < n:
        while pos < n and body[pos] in " \t\r\n,":
            pos += 1
        if pos >= n:
            break
        if body[pos] not in "[{":
            if items and stop_at_text:
                break
            raise ValueError(f"expected a JSON object or list at character {pos - start + 1}, found {body[pos:pos + 20]!r}")
        value, pos = _DEC.raw_decode(body, pos)
        end = pos
        if isinstance(value, list) and not items:
            items.extend(value)
            if stop_at_text:
                break
        else:
            items.append(value)
    if not items:
        raise ValueError("no JSON value after the lead-in")
    return items, end


def _canonical(items: list[Any]) -> list[dict[str, Any]]:
    return [canonical_tool(t, f"$.system (tool {k})") for k, t in enumerate(items)]


def _looks_like_tools(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(t, dict) and (isinstance(t.get("name"), str) or isinstance(t.get("function"), dict)) for t in value)
        and all(any(k in (t.get("function") or t) for k in ("parameters", "description")) for t in value if isinstance(t, dict))
    )


def _generic(text: str) -> SystemTools | None:
    pos = text.find("[")
    tries = 0
    while pos >= 0 and tries < 8:
        tries += 1
        try:
            value, end = _DEC.raw_decode(text, pos)
        except ValueError:
            value, end = None, pos + 1
        if _looks_like_tools(value):
            try:
                tools = _canonical(value)
            except ConversionError:
                return None
            return SystemTools("json-list", tools, None, (text[:pos] + text[end:]).strip())
        pos = text.find("[", max(end, pos + 1))
    return None


def find_system_tools(text: Any) -> SystemTools | None:
    """The tool list in a system text, or None when it holds none."""
    if not isinstance(text, str) or not text:
        return None
    if "<tools>" in text:
        blocks = [m for m in _HERMES.finditer(text) if m.group(1).strip()]
        if blocks:
            m = blocks[-1]  # "... within <tools></tools> XML tags" often precedes the real block
            rest = (text[: m.start()] + text[m.end():]).strip()
            try:
                items, _end = _json_values(m.group(1).strip(), stop_at_text=False)
                return SystemTools("hermes", _canonical(items), None, rest)
            except (ValueError, ConversionError) as e:
                return SystemTools("hermes", [], f"<tools> block is not a JSON tool list ({e})", text)
        if _HERMES_OPEN.search(text):
            return SystemTools("hermes", [], "<tools> is opened but never closed", text)
    for wording, lead in LEADS:
        m = lead.search(text)
        if not m:
            continue
        try:
            items, end = _json_values(text, m.end())
            return SystemTools(wording, _canonical(items), None, (text[: m.start()] + text[end:]).strip())
        except (ValueError, ConversionError) as e:
            return SystemTools(wording, [], f"the tool list after {m.group(0)[:50]!r} is not valid JSON ({e})", text)
    return _generic(text)


__all__ = ["LEADS", "SystemTools", "find_system_tools"]
