"""Call extraction from model-style text: ONE parser for training data and model output.

Pure Python (no torch/transformers): the validator's markup rules and the cleaner's markup repair
import this module, and the evaluator parses model output with it.

Core pieces:
- ``scan_tool_call_tags(text)``: finds ``<tool_call> ... </tool_call>`` blocks and tag problems
  (unclosed, stray close, nested) with character offsets.
- ``parse_call_payload(s)``: turns one tag body / JSON snippet into calls ``{"name", "arguments"}``
  (JSON object, list of calls, OpenAI shape, ``parameters`` for ``arguments``, ``arguments`` as a JSON
  string, Python-literal dicts parsed with ``ast.literal_eval`` only, never evaluated).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"
_TAG_RE = re.compile(r"<(/?)tool_call>")


@dataclass(frozen=True, slots=True)
class TagBlock:
    start: int  # offset of "<tool_call>"
    end: int  # offset just after "</tool_call>" (or end of text when unclosed)
    inner: str  # text between the tags
    closed: bool


@dataclass(frozen=True, slots=True)
class TagProblem:
    kind: str  # "unclosed" | "stray_close" | "nested_open"
    offset: int
    message: str


@dataclass(slots=True)
class TagScan:
    blocks: list[TagBlock] = field(default_factory=list)
    problems: list[TagProblem] = field(default_factory=list)
    opens: int = 0
    closes: int = 0

    @property
    def has_markup(self) -> bool:
        return bool(self.opens or self.closes)

    def outside_text(self, text: str) -> str:
        """The text with every block (and stray close tag) removed, stripped."""
        out: list[str] = []
        pos = 0
        for b in self.blocks:
            out.append(text[pos : b.start])
            pos = b.end
        out.append(text[pos:])
        return _TAG_RE.sub("", "".join(out)).strip()


def _string_spans(text: str) -> list[tuple[int, int]]:
    """Spans of JSON/Python string literals inside ``text`` (best effort, for tags in string values)."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if j < n and text[j] == c:
                spans.append((i, j + 1))
                i = j + 1
                continue
        i += 1
    return spans


def scan_tool_call_tags(text: str) -> TagScan:
    """Scan ``<tool_call>`` markup. Tags that sit inside a string literal of an open block's JSON
    (e.g. an argument value mentioning ``</tool_call>``) are not treated as tags."""
    scan = TagScan()
    if "tool_call>" not in text:
        return scan
    pos = 0
    n = len(text)
    while pos < n:
        m = _TAG_RE.search(text, pos)
        if not m:
            break
        if m.group(1):  # a close tag with no open block
            scan.closes += 1
            scan.problems.append(
                TagProblem("stray_close", m.start(), f"'{CLOSE_TAG}' at offset {m.start()} closes no open tag")
            )
            pos = m.end()
            continue
        scan.opens += 1
        body_start = m.end()
        # find the matching close, skipping tags inside string literals of the body
        close_at = -1
        nested_at = -1
        search = body_start
        spans: list[tuple[int, int]] | None = None
        while True:
            m2 = _TAG_RE.search(text, search)
            if not m2:
                break
            if spans is None:  # computed once per block, only when a candidate tag exists
                spans = _string_spans(text[body_start:])
            rel = m2.start() - body_start
            if any(s <= rel < e for s, e in spans):
                search = m2.end()
                continue
            if m2.group(1):
                close_at = m2.start()
            else:
                nested_at = m2.start()
            break
        if nested_at >= 0:
            scan.problems.append(
                TagProblem("nested_open", nested_at, f"'{OPEN_TAG}' at offset {nested_at} opens inside an open tag")
            )
            scan.blocks.append(TagBlock(m.start(), nested_at, text[body_start:nested_at], False))
            pos = nested_at
            continue
        if close_at < 0:
            scan.problems.append(
                TagProblem("unclosed", m.start(), f"'{OPEN_TAG}' at offset {m.start()} is never closed")
            )
            scan.blocks.append(TagBlock(m.start(), n, text[body_start:], False))
            break
        scan.closes += 1
        end = close_at + len(CLOSE_TAG)
        scan.blocks.append(TagBlock(m.start(), end, text[body_start:close_at], True))
        pos = end
    return scan


@dataclass(slots=True)
class PayloadResult:
    calls: list[dict[str, Any]] = field(default_factory=list)
    kind: str | None = None  # "json" | "python_literal"
    error: str | None = None  # why no call could be read
    notes: list[str] = field(default_factory=list)  # repairs applied: "parameters", "arguments_string", "openai_shape"

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.calls)


def _literal(s: str) -> Any:
    """Parse a Python literal (dicts with single quotes, True/False/None). Never evaluates code."""
    return ast.literal_eval(s)


def normalize_call(obj: Any, notes: list[str] | None = None) -> dict[str, Any] | None:
    """One call object in any common shape -> ``{"name", "arguments"}``; None if it is not a call.

    Accepts ``{"name", "arguments"}``, ``{"name", "parameters"}``, OpenAI ``{"type": "function",
    "function": {...}}`` and ``{"function": {...}}``, with ``arguments`` possibly a JSON string
    (also double-encoded). Arguments that cannot be made an object are returned as they are.
    """
    notes = notes if notes is not None else []
    if not isinstance(obj, dict):
        return None
    if "function" in obj and isinstance(obj["function"], dict) and "name" not in obj:
        notes.append("openai_shape")
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str):
        return None
    if "arguments" in obj:
        args = obj["arguments"]
    elif "parameters" in obj:
        notes.append("parameters")
        args = obj["parameters"]
    elif "args" in obj:
        notes.append("args")
        args = obj["args"]
    else:
        args = {}
    depth = 0
    while isinstance(args, str) and depth < 3:
        try:
            args = json.loads(args)
        except (ValueError, RecursionError):
            break
        notes.append("arguments_string")
        depth += 1
    return {"name": name, "arguments": args}


def parse_call_payload(s: str) -> PayloadResult:
    """Parse the body of one ``<tool_call>`` block (or any JSON-ish snippet) into calls."""
    res = PayloadResult()
    body = s.strip()
    if not body:
        res.error = "empty"
        return res
    try:
        value = json.loads(body)
        res.kind = "json"
    except (ValueError, RecursionError) as e:
        try:
            value = _literal(body)
            res.kind = "python_literal"
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            res.error = f"not JSON: {e}"
            return res
    items = value if isinstance(value, list) else [value]
    if not items:
        res.error = "empty list"
        return res
    for item in items:
        call = normalize_call(item, res.notes)
        if call is None:
            res.calls = []
            res.error = "not a call object (needs a string 'name')"
            return res
        res.calls.append(call)
    return res


__all__ = [
    "CLOSE_TAG",
    "OPEN_TAG",
    "PayloadResult",
    "TagBlock",
    "TagProblem",
    "TagScan",
    "normalize_call",
    "parse_call_payload",
    "scan_tool_call_tags",
]
