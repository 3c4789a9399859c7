"""Call extraction from model-style text: ONE parser for training data and model output.

Thin wrappers over the call-syntax registry in the validator (``toolproof.validator.callsyntax``),
which the lint rules, the cleaner's repairs and the evaluator all share. Pure Python.

- ``scan_tool_call_tags(text)``: ``<tool_call> ... </tool_call>`` blocks and tag problems.
- ``parse_call_payload(s)``: one tag body / JSON snippet -> calls ``{"name", "arguments"}``.
- ``extract_calls(text, parser)``: the calls in raw model text, any family (``auto``) or a named one.
- ``extract_strict(text, parser)``: what that family's serving parser hands a client, unrepaired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolproof.validator.callsyntax import (
    ALIASES,
    AUTO_ORDER,
    FAMILIES,
    get_family,
    read_calls,
    read_strict,
)
from toolproof.validator.callsyntax.base import (
    CLOSE_TAG,
    MAX_DEPTH,
    OPEN_TAG,
    PayloadResult,
    TagBlock,
    TagProblem,
    TagScan,
    jsonable,
    normalize_call,
    parse_call_payload,
    parse_pythonic,
    scan_tool_call_tags,
    split_reasoning,
)

#: Every accepted ``--parser`` value besides ``auto``: family names, then aliases.
PARSERS: tuple[str, ...] = tuple(FAMILIES) + tuple(ALIASES)

_jsonable = jsonable  # old private name, kept for callers


@dataclass(slots=True)
class Extraction:
    """What :func:`extract_calls` found in one text.

    ``calls`` are flat ``{"name", "arguments"}`` dicts; ``parser`` names the family that matched
    (None when no call was found); ``content`` is the text outside the calls (reasoning removed);
    ``errors`` say why candidate call markup could not be read (e.g. a truncated tag body);
    ``markup`` names the families whose call markup is present but was not read.
    """

    calls: list[dict[str, Any]] = field(default_factory=list)
    parser: str | None = None
    content: str = ""
    errors: list[str] = field(default_factory=list)
    reasoning: str | None = None
    markup: list[str] = field(default_factory=list)

    @property
    def content_outside(self) -> str:
        return self.content


def check_parser(parser: str) -> str:
    """``auto`` or the canonical family name for ``parser``; ValueError ("unknown parser ...")."""
    return parser if parser == "auto" else get_family(parser).name


def extract_calls(text: str | None, parser: str = "auto", tool_names: Any = None, reasoning_calls: str = "read") -> Extraction:
    """Extract tool calls from raw model text.

    ``parser``: ``"auto"`` (detect the family from its markers; without markers try fenced JSON,
    bare JSON and pythonic lists) or a family name (``toolproof parsers`` lists them), which then
    reads alone. Outside the marked syntaxes a JSON object counts as a call only when it has a
    string ``name`` and an ``arguments``/``parameters`` object, so prose, refusals and unrelated
    JSON or code yield no call; a bare ``f(a=1)`` only when it is the whole output and, with
    ``tool_names``, names a known tool. ``reasoning_calls``: ``read`` (calls inside ``<think>``
    count when the answer holds none) or ``ignore`` (docs/parsers.md, "Calls inside reasoning").
    """
    r = read_calls(text, parser, tool_names, reasoning_calls=reasoning_calls)
    return Extraction(r.calls, r.family, r.content, r.errors, r.reasoning, r.markup)


def extract_strict(text: str | None, parser: str = "hermes") -> list[dict[str, Any]]:
    """The calls a serving stack's tool parser for ``parser`` returns for ``text``, nothing repaired
    (``auto``: the family detected from the markers, else Hermes').

    The default mirrors vLLM's ``hermes`` parser (used for Qwen2.5 and other Hermes-style models):
    the same ``<tool_call>(.*?)</tool_call>|<tool_call>(.*)`` match, so a final unclosed block is
    read too; every body must be JSON with a ``name`` and an ``arguments`` object, and if any is
    not, the output carries no calls at all. Python-literal dicts, ``parameters`` instead of
    ``arguments`` and bare or fenced JSON therefore all count as no call.
    """
    return read_strict(text, parser)


__all__ = [
    "AUTO_ORDER",
    "CLOSE_TAG",
    "MAX_DEPTH",
    "OPEN_TAG",
    "PARSERS",
    "Extraction",
    "PayloadResult",
    "TagBlock",
    "TagProblem",
    "TagScan",
    "check_parser",
    "extract_calls",
    "extract_strict",
    "normalize_call",
    "parse_call_payload",
    "parse_pythonic",
    "scan_tool_call_tags",
    "split_reasoning",
]
