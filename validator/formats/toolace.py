"""ToolACE (Team-ACE/ToolACE on the HF hub) -> canonical.

Shape: ShareGPT turns (``{"from": "user"|"assistant"|"tool", "value"}``, or the LLaMA-Factory
conversion with ``human``/``gpt``/``function_call``/``observation``) and a ``system`` text that declares
the tools in prose: ``Here is a list of functions in JSON format that you can invoke:\\n[{...}, ...]``;
``tools`` is absent or ``[]``. Calls are a pythonic list in the assistant text, ``[f(a=1), g(b="x")]``
(names may hold spaces: ``[Market Trends API(trend_type="GAINERS")]``), or JSON in ``function_call``
turns. The tool list is moved from the system text into ``tools``; pythonic calls become structured
calls (``validator.formats.pythonic``).
"""

from __future__ import annotations

from toolproof.validator.formats import sharegpt
from toolproof.validator.formats.common import Notes, Record
from toolproof.validator.formats.systools import LEADS

_LEAD = dict(LEADS)["toolace"]


def _system_text(obj: Record) -> str:
    system = obj.get("system")
    if isinstance(system, str):
        return system
    turns = obj.get("conversations") if isinstance(obj.get("conversations"), list) else obj.get("messages")
    first = turns[0] if isinstance(turns, list) and turns else None
    if isinstance(first, dict) and first.get("from", first.get("role")) == "system":
        v = first.get("value", first.get("content"))
        return v if isinstance(v, str) else ""
    return ""


def looks_like(obj: Record) -> bool:
    return sharegpt.looks_like(obj) and bool(_LEAD.search(_system_text(obj)))


def convert(obj: Record, notes: Notes | None = None) -> Record:
    return sharegpt.convert(obj, notes, pythonic=True)


__all__ = ["convert", "looks_like"]
