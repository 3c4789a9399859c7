"""GLM-4.5 / 4.6 / 4.7: ``<tool_call>NAME\n<arg_key>k</arg_key>\n<arg_value>v</arg_value></tool_call>``
(4.7 drops the newline after the name).

Spec: vLLM ``glm45`` / ``glm47`` (``Glm4MoeModelToolParser``), SGLang ``glm45``. Values are text,
read as JSON when they parse as JSON (a serving parser does so for non-string schema types).
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    CLOSE_TAG,
    OPEN_TAG,
    Family,
    ReadContext,
    Reading,
    param_value,
    read_tagged,
    strict_tagged,
)

_HEAD = re.compile(r"\s*([A-Za-z_][\w.\-]*)\s*(?=<arg_key>|$)")
_CLAIM = re.compile(r"<tool_call>\s*[A-Za-z_][\w.\-]*\s*(?:<arg_key>|</tool_call>)")


def _block(inner: str) -> dict[str, Any] | None:
    m = _HEAD.match(inner)
    if not m:
        return None
    rest = inner[m.end() :]
    args: dict[str, Any] = {}
    pos, n = 0, len(rest)
    while True:  # <arg_key>k</arg_key> <arg_value>v</arg_value> pairs, in one forward pass
        while pos < n and rest[pos].isspace():
            pos += 1
        if pos >= n:
            break
        if not rest.startswith("<arg_key>", pos):
            return None
        k_end = rest.find("</arg_key>", pos)
        if k_end < 0:
            return None
        key = rest[pos + len("<arg_key>") : k_end].strip()
        pos = k_end + len("</arg_key>")
        while pos < n and rest[pos].isspace():
            pos += 1
        if not rest.startswith("<arg_value>", pos):
            return None
        v_end = rest.find("</arg_value>", pos)
        if v_end < 0:
            return None
        args[key] = param_value(rest[pos + len("<arg_value>") : v_end])
        pos = v_end + len("</arg_value>")
    return {"name": m.group(1), "arguments": args}


def _calls(inner: str) -> list[dict[str, Any]] | None:
    c = _block(inner)
    return [c] if c is not None else None


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, OPEN_TAG, CLOSE_TAG, _calls, "not a name followed by <arg_key>/<arg_value> pairs")


def strict(text: str) -> list[dict[str, Any]]:
    return strict_tagged(text, OPEN_TAG, CLOSE_TAG, _calls)


def _claims(text: str) -> bool:
    return _CLAIM.search(text) is not None


FAMILY = Family(
    name="glm4_moe",
    title="GLM-4.5/4.6/4.7 <arg_key>/<arg_value>",
    example="<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>",
    read=read,
    strict=strict,
    markers=("<arg_key>", OPEN_TAG),
    claims=_claims,
    aliases=("glm45", "glm47", "glm4.5"),
    serving="vLLM glm45 / glm47, SGLang glm45",
)
